"""WagePassThrough (with ECNY): every external function, happy path, each revert, access control.

The module's world is the base world (conftest) plus one project's wage contract registered as a token
controller: a main contractor (corporate wallet, ¥200,000), a subcontractor (corporate wallet, ¥3,000 of its
own money), three workers on the default pay run (id-verified wallets, empty) and a fourth worker who is not on
it. The main contractor has allowed the contract to earmark its money. The clock starts at START; the default
pay run's payday is 30 days later. Every test runs between a snapshot and a revert.
"""

from __future__ import annotations

from enum import IntEnum

import pytest

from contract_testkit import BANK, DAY, MAX_UINT, REGULATOR, T0, ZERO
from ecny_sim.chain.errors import ContractRevert
from ecny_sim.domain.settings import WALLET_TIERS

MAIN = "contractor:main"
SUB = "contractor:sub"
W1, W2, W3 = "worker:1", "worker:2", "worker:3"
W4 = "worker:4"  # has a wallet, not on the payroll
NO_WALLET = "worker:nowallet"
OTHER = "citizen:x"  # no wallet

MAIN_FUND = 20_000_000  # ¥200,000
SUB_OWN = 300_000  # ¥3,000 of the subcontractor's own money
WORKERS = [W1, W2, W3]
WAGES = [800_000, 650_000, 720_000]
WAGE = dict(zip(WORKERS, WAGES))
TOTAL = sum(WAGES)
START = T0 + DAY
PAYDAY = START + 30 * DAY
U128 = 2**128
LOWEST_CAP = WALLET_TIERS["lowest"].balance_cap_fen


class Skip(IntEnum):
    """WageSkipReason (types/SubsidyTypes.sol): why payWages passed over a listed worker."""
    NONE = 0
    NOT_ON_PAYROLL = 1
    ALREADY_SETTLED = 2
    WALLET_CANNOT_RECEIVE = 3


@pytest.fixture(scope="module")
def world(world):
    """The conftest world plus the wage contract (`world.wage`) and the project's wallets."""
    art = world.art["WagePassThrough"]
    world.wage = world.chain.deploy("wages", art["abi"], art["bytecode"], BANK, (world.token, MAIN, SUB))
    world.tok(BANK, "setController", world.wage, True)
    world.open_wallet(MAIN, "corporate", MAIN_FUND)
    world.open_wallet(SUB, "corporate", SUB_OWN)
    for worker in (*WORKERS, W4):
        world.open_wallet(worker, "id_verified")
    world.tok(MAIN, "approveEarmark", world.wage, MAX_UINT)
    world.chain.set_time(START)
    return world


# ------------------------------------------------------------------------------------------ helpers


def fund(w, workers=WORKERS, wages=WAGES, payday=PAYDAY, actor=MAIN, **kw):
    return w.send(actor, w.wage, "fundPayroll", list(workers), list(wages), payday, **kw)


def pay(w, actor, workers, payroll=1):
    return w.send(actor, w.wage, "payWages", payroll, list(workers))


def payroll(w, pid=1) -> dict:
    return w.call(w.wage, "payrollOf", pid)


def wage_of(w, worker, pid=1) -> tuple[int, bool]:
    return w.call(w.wage, "wageOf", pid, worker)


def pending(w) -> int:
    return w.call(w.wage, "pendingWagesFen")


def wage_events(r) -> list[tuple[str, dict]]:
    return [(e.name, e.args) for e in r.events if e.contract == "wages"]


def tok_events(r) -> list[tuple[str, dict]]:
    return [(e.name, e.args) for e in r.events if e.contract == "ECNY"]


def paid(w, worker, by=SUB, pid=1, amount=None) -> tuple[str, dict]:
    amount = WAGE[worker] if amount is None else amount
    return ("WagePaid", {"payrollId": pid, "worker": w.addr(worker), "amountFen": amount, "paidBy": w.addr(by)})


def skipped(w, worker, reason: Skip, pid=1) -> tuple[str, dict]:
    return ("WageSkipped", {"payrollId": pid, "worker": worker if worker == ZERO else w.addr(worker),
                            "reason": reason})


def released(w, worker, amount=None) -> tuple[str, dict]:
    return ("EarmarkReleased", {"wallet": w.addr(SUB), "controller": w.wage.address, "payee": w.addr(worker),
                                "amountFen": WAGE[worker] if amount is None else amount})


def run(payday=PAYDAY, workers=3, workers_paid=0, total=TOTAL, paid=0, returned=0) -> dict:
    return {"payday": payday, "workers": workers, "workersPaid": workers_paid, "totalFen": total,
            "paidFen": paid, "returnedFen": returned}


def nothing_moved(w) -> None:
    """The whole pay run is still in the subcontractor's wallet, earmarked."""
    assert w.earmarked(SUB, w.wage) == pending(w) == TOTAL
    assert w.free(SUB) == SUB_OWN
    assert all(w.balance(x) == 0 for x in (*WORKERS, W4))


# ========================================================================================== constructor / views


def test_constructor_and_views_of_a_fresh_contract(w):
    assert w.call(w.wage, "token") == w.token.address
    assert w.call(w.wage, "mainContractor") == w.addr(MAIN)
    assert w.call(w.wage, "subcontractor") == w.addr(SUB)
    assert w.call(w.wage, "payrollCount") == 0
    assert pending(w) == 0
    assert payroll(w, 1) == run(payday=0, workers=0, total=0)
    assert wage_of(w, W1) == (0, False)


@pytest.mark.parametrize("args, error", [
    ((ZERO, MAIN, SUB), "Wage_ZeroAddress"),
    (("token", ZERO, SUB), "Wage_ZeroAddress"),
    (("token", MAIN, ZERO), "Wage_ZeroAddress"),
    (("token", MAIN, MAIN), "Wage_InvalidParties"),
], ids=["zero-token", "zero-main", "zero-sub", "main-is-sub"])
def test_constructor_rejects_bad_arguments(w, args, error):
    args = tuple(w.token if a == "token" else a for a in args)
    art = w.art["WagePassThrough"]
    with pytest.raises(ContractRevert) as exc:
        w.chain.deploy("bad", art["abi"], art["bytecode"], BANK, args)
    assert exc.value.error_name == error


# ========================================================================================== fundPayroll


def test_fund_payroll_moves_the_wages_into_the_subcontractors_wallet_earmarked(w):
    r = fund(w)
    assert r.return_value == 1
    assert wage_events(r) == [
        *[("WageAssigned", {"payrollId": 1, "worker": w.addr(x), "amountFen": WAGE[x]}) for x in WORKERS],
        ("PayrollFunded", {"payrollId": 1, "workers": 3, "totalFen": TOTAL, "payday": PAYDAY}),
    ]
    assert tok_events(r) == [
        ("Earmarked", {"wallet": w.addr(MAIN), "controller": w.wage.address, "amountFen": TOTAL}),
        ("EarmarkMoved", {"from": w.addr(MAIN), "to": w.addr(SUB), "controller": w.wage.address,
                          "amountFen": TOTAL}),
    ]
    # the main contractor paid it out
    assert w.free(MAIN) == w.balance(MAIN) == MAIN_FUND - TOTAL
    assert w.earmarked(MAIN, w.wage) == 0
    # the subcontractor sees it in its wallet but cannot move it
    assert w.free(SUB) == SUB_OWN
    assert w.balance(SUB) == SUB_OWN + TOTAL
    assert w.earmarked(SUB, w.wage) == TOTAL
    assert w.view("earmarkedTotalOf", w.wage) == pending(w) == TOTAL
    assert payroll(w) == run()
    assert [wage_of(w, x) for x in WORKERS] == [(WAGE[x], False) for x in WORKERS]
    assert wage_of(w, W4) == (0, False)
    assert w.call(w.wage, "payrollCount") == 1


def test_a_second_pay_run_adds_to_the_subcontractors_earmark(w):
    fund(w)
    r = fund(w, [W1, W4], [500_000, 400_000], PAYDAY + 30 * DAY)
    assert r.return_value == 2
    assert w.call(w.wage, "payrollCount") == 2
    assert payroll(w, 2) == run(payday=PAYDAY + 30 * DAY, workers=2, total=900_000)
    assert wage_of(w, W1, 2) == (500_000, False)
    assert wage_of(w, W1, 1) == (800_000, False)
    assert w.earmarked(SUB, w.wage) == pending(w) == TOTAL + 900_000
    assert w.free(MAIN) == MAIN_FUND - TOTAL - 900_000
    # each run pays its own wage
    r = pay(w, SUB, [W1], payroll=2)
    assert r.event("WagePaid").args == {"payrollId": 2, "worker": w.addr(W1), "amountFen": 500_000,
                                        "paidBy": w.addr(SUB)}
    assert w.free(W1) == 500_000
    assert wage_of(w, W1, 1) == (800_000, False)
    assert pending(w) == TOTAL + 400_000


@pytest.mark.parametrize("caller", [SUB, W1, BANK, OTHER])
def test_fund_payroll_only_main_contractor(w, caller):
    w.tok(caller, "approveEarmark", w.wage, MAX_UINT)
    w.reverts(caller, w.wage, "fundPayroll", WORKERS, WAGES, PAYDAY, error="Wage_NotMainContractor",
              caller=caller)
    assert w.call(w.wage, "payrollCount") == 0
    assert w.free(MAIN) == MAIN_FUND


def test_fund_payroll_length_mismatch(w):
    w.reverts(MAIN, w.wage, "fundPayroll", WORKERS, WAGES[:2], PAYDAY, error="Wage_LengthMismatch", workers=3,
              wages=2)
    w.reverts(MAIN, w.wage, "fundPayroll", [W1], WAGES, PAYDAY, error="Wage_LengthMismatch", workers=1, wages=3)
    w.reverts(MAIN, w.wage, "fundPayroll", [], [1], PAYDAY, error="Wage_LengthMismatch", workers=0, wages=1)
    assert w.call(w.wage, "payrollCount") == 0


def test_fund_payroll_empty(w):
    w.reverts(MAIN, w.wage, "fundPayroll", [], [], PAYDAY, error="Wage_EmptyPayroll")
    assert w.call(w.wage, "payrollCount") == 0


@pytest.mark.parametrize("bad", [ZERO, MAIN, SUB])
def test_fund_payroll_bad_worker(w, bad):
    w.reverts(MAIN, w.wage, "fundPayroll", [W1, bad], [100, 200], PAYDAY, error="Wage_BadWorker", worker=bad)
    assert w.call(w.wage, "payrollCount") == 0
    assert w.free(MAIN) == MAIN_FUND


def test_fund_payroll_zero_wage(w):
    w.reverts(MAIN, w.wage, "fundPayroll", WORKERS, [800_000, 0, 720_000], PAYDAY, error="Wage_ZeroWage",
              worker=W2)
    assert w.call(w.wage, "payrollCount") == 0


def test_fund_payroll_duplicate_worker(w):
    w.reverts(MAIN, w.wage, "fundPayroll", [W1, W2, W1], [1, 2, 3], PAYDAY, error="Wage_DuplicateWorker",
              worker=W1)
    assert w.call(w.wage, "payrollCount") == 0
    assert wage_of(w, W1) == (0, False)


def test_fund_payroll_amount_too_large(w):
    w.reverts(MAIN, w.wage, "fundPayroll", [W1], [U128], PAYDAY, error="Wage_AmountTooLarge", amountFen=U128,
              maxFen=U128 - 1)
    w.reverts(MAIN, w.wage, "fundPayroll", [W1], [MAX_UINT], PAYDAY, error="Wage_AmountTooLarge",
              amountFen=MAX_UINT, maxFen=U128 - 1)
    half = 2**127
    w.reverts(MAIN, w.wage, "fundPayroll", [W1, W2], [half, half], PAYDAY, error="Wage_AmountTooLarge",
              amountFen=half, maxFen=half - 1)
    w.reverts(MAIN, w.wage, "fundPayroll", [W1, W2, W3], [100, U128 - 100, 1], PAYDAY,
              error="Wage_AmountTooLarge", amountFen=U128 - 100, maxFen=U128 - 101)
    # a total of exactly 2^128 - 1 passes the contract's checks and is refused by the token
    w.reverts(MAIN, w.wage, "fundPayroll", [W1, W2], [half, half - 1], PAYDAY, error="ECNY_InsufficientFree",
              wallet=MAIN, freeFen=MAIN_FUND, neededFen=U128 - 1)
    assert w.call(w.wage, "payrollCount") == 0


def test_fund_payroll_needs_the_main_contractors_allowance_and_money(w):
    w.tok(MAIN, "approveEarmark", w.wage, TOTAL - 1)
    w.reverts(MAIN, w.wage, "fundPayroll", WORKERS, WAGES, PAYDAY, error="ECNY_InsufficientAllowance",
              wallet=MAIN, controller=w.wage, allowanceFen=TOTAL - 1, neededFen=TOTAL)
    w.tok(MAIN, "approveEarmark", w.wage, MAX_UINT)
    w.reverts(MAIN, w.wage, "fundPayroll", [W1], [MAIN_FUND + 1], PAYDAY, error="ECNY_InsufficientFree",
              wallet=MAIN, freeFen=MAIN_FUND, neededFen=MAIN_FUND + 1)
    assert w.call(w.wage, "payrollCount") == 0
    assert w.earmarked(SUB, w.wage) == 0


def test_fund_payroll_needs_the_subcontractors_wallet_open(w):
    w.tok(SUB, "closeWallet", SUB)  # no wages pending: it closes
    w.reverts(MAIN, w.wage, "fundPayroll", WORKERS, WAGES, PAYDAY, error="ECNY_WalletNotOpen", wallet=SUB)
    assert w.call(w.wage, "payrollCount") == 0
    assert w.free(MAIN) == MAIN_FUND


def test_fund_payroll_needs_the_contract_registered_as_controller(w):
    w.tok(BANK, "setController", w.wage, False)
    w.reverts(MAIN, w.wage, "fundPayroll", WORKERS, WAGES, PAYDAY, error="ECNY_NotController", caller=w.wage)


def test_a_payday_already_past_lets_anyone_pay_at_once(w):
    fund(w, payday=START - DAY)
    assert payroll(w)["payday"] == START - DAY
    r = pay(w, OTHER, WORKERS)
    assert [e.args["paidBy"] for e in r.events_named("WagePaid")] == [w.addr(OTHER)] * 3
    assert [w.free(x) for x in WORKERS] == WAGES


def test_a_payday_beyond_64_bits_is_refused(w):
    """A payday that does not fit the stored 64 bits would be silently cut (2^64 would become 0: payable by
    anyone at once), so it is refused."""
    w.tok(MAIN, "approveEarmark", w.wage, sum(WAGES))
    w.reverts(MAIN, w.wage, "fundPayroll", WORKERS, WAGES, 2**64 + PAYDAY, error="Wage_PaydayTooLate",
              payday=2**64 + PAYDAY)
    assert w.call(w.wage, "payrollCount") == 0


# ========================================================================================== payWages


def test_subcontractor_pays_early(w):
    fund(w)
    r = pay(w, SUB, [W1, W2])
    assert r.timestamp < PAYDAY
    assert wage_events(r) == [
        ("WagePaid", {"payrollId": 1, "worker": w.addr(x), "amountFen": WAGE[x], "paidBy": w.addr(SUB)})
        for x in (W1, W2)]
    assert tok_events(r) == [
        ("EarmarkReleased", {"wallet": w.addr(SUB), "controller": w.wage.address, "payee": w.addr(x),
                             "amountFen": WAGE[x]}) for x in (W1, W2)]
    assert (w.free(W1), w.free(W2), w.free(W3)) == (800_000, 650_000, 0)
    assert w.free(SUB) == SUB_OWN
    assert w.balance(SUB) == SUB_OWN + WAGE[W3]
    assert w.earmarked(SUB, w.wage) == pending(w) == WAGE[W3]
    assert payroll(w) == run(workers_paid=2, paid=800_000 + 650_000)
    assert [wage_of(w, x) for x in WORKERS] == [(800_000, True), (650_000, True), (720_000, False)]
    pay(w, SUB, [W3])
    assert payroll(w) == run(workers_paid=3, paid=TOTAL)
    assert pending(w) == w.earmarked(SUB, w.wage) == 0
    assert w.balance(SUB) == w.free(SUB) == SUB_OWN  # not a fen of the wages stayed with the subcontractor
    assert w.free(MAIN) == MAIN_FUND - TOTAL


def test_paying_an_empty_list_changes_nothing(w):
    fund(w)
    r = pay(w, SUB, [])
    assert r.ok and r.events == []
    assert payroll(w) == run()


@pytest.mark.parametrize("caller", [W1, MAIN, OTHER, BANK])
def test_others_may_not_pay_before_payday(w, caller):
    fund(w)
    w.reverts(caller, w.wage, "payWages", 1, [], error="Wage_NotYetPayday", payrollId=1, payday=PAYDAY)
    w.chain.set_time(PAYDAY - 1)
    r = w.reverts(caller, w.wage, "payWages", 1, [W1], error="Wage_NotYetPayday", payrollId=1, payday=PAYDAY)
    assert r.timestamp == PAYDAY - 1  # the last second before payday
    nothing_moved(w)


@pytest.mark.parametrize("caller", [W1, MAIN, OTHER])
def test_anyone_pays_from_payday(w, caller):
    fund(w)
    w.chain.set_time(PAYDAY)
    r = pay(w, caller, WORKERS)
    assert r.timestamp == PAYDAY
    assert [(e.args["worker"], e.args["amountFen"], e.args["paidBy"]) for e in r.events_named("WagePaid")] == [
        (w.addr(x), WAGE[x], w.addr(caller)) for x in WORKERS]
    assert [w.free(x) for x in WORKERS] == WAGES
    assert payroll(w) == run(workers_paid=3, paid=TOTAL)
    assert w.balance(SUB) == SUB_OWN


def test_a_frozen_subcontractor_cannot_hold_wages_back(w):
    fund(w)
    w.tok(REGULATOR, "freezeWallet", SUB)
    w.chain.set_time(PAYDAY)
    pay(w, W2, [W2])
    assert w.free(W2) == WAGE[W2]
    pay(w, SUB, [W1, W3])  # the subcontractor itself still can, too
    assert [w.free(x) for x in WORKERS] == WAGES
    assert w.balance(SUB) == SUB_OWN


@pytest.mark.parametrize("stranger", [W4, SUB, MAIN, NO_WALLET, ZERO])
def test_wages_cannot_be_paid_to_someone_off_the_payroll(w, stranger):
    """Someone not on the pay run is skipped (WageSkipped, NotOnPayroll) and gets nothing; the listed workers
    of the same batch are paid."""
    fund(w)
    r = pay(w, SUB, [stranger])
    assert wage_events(r) == [skipped(w, stranger, Skip.NOT_ON_PAYROLL)] and tok_events(r) == []
    nothing_moved(w)
    assert payroll(w) == run()
    # a batch with one stranger pays the others
    r = pay(w, SUB, [W1, stranger, W3])
    assert wage_events(r) == [paid(w, W1), skipped(w, stranger, Skip.NOT_ON_PAYROLL), paid(w, W3)]
    assert tok_events(r) == [released(w, W1), released(w, W3)]
    assert (w.free(W1), w.free(W2), w.free(W3)) == (WAGE[W1], 0, WAGE[W3])
    assert w.free(SUB) == SUB_OWN and w.free(MAIN) == MAIN_FUND - TOTAL
    if stranger in (W4, NO_WALLET, ZERO):
        assert w.balance(stranger) == 0
    assert w.earmarked(SUB, w.wage) == pending(w) == WAGE[W2]
    assert payroll(w) == run(workers_paid=2, paid=WAGE[W1] + WAGE[W3])
    assert wage_of(w, stranger) == (0, False)


def test_subcontractor_cannot_divert_the_wages_through_the_token(w):
    fund(w)
    # a payment beyond its own money
    w.reverts(SUB, w.token, "transfer", W4, SUB_OWN + 1, error="ECNY_InsufficientFree", wallet=SUB,
              freeFen=SUB_OWN, neededFen=SUB_OWN + 1)
    # cashing out beyond its own money
    w.reverts(BANK, w.token, "redeem", SUB, SUB_OWN + 1, error="ECNY_InsufficientFree", wallet=SUB,
              freeFen=SUB_OWN, neededFen=SUB_OWN + 1)
    # releasing the earmark itself: it is held under the wage contract, not under the subcontractor
    w.tok(BANK, "setController", SUB, True)
    w.reverts(SUB, w.token, "releaseEarmark", SUB, W4, 1, error="ECNY_InsufficientEarmark", wallet=SUB,
              controller=SUB, earmarkedFen=0, neededFen=1)
    r = w.tok(SUB, "endAllEarmarks", SUB)  # ends only its own earmarks: none
    assert r.return_value == 0
    # its own money it may spend
    w.tok(SUB, "transfer", W4, SUB_OWN)
    assert w.free(W4) == SUB_OWN
    assert w.free(SUB) == 0
    assert w.earmarked(SUB, w.wage) == pending(w) == TOTAL
    assert w.balance(SUB) == TOTAL
    pay(w, SUB, WORKERS)
    assert [w.free(x) for x in WORKERS] == WAGES


def test_a_wage_is_paid_once(w):
    fund(w)
    pay(w, SUB, [W1])
    r = pay(w, SUB, [W1])
    assert wage_events(r) == [skipped(w, W1, Skip.ALREADY_SETTLED)] and tok_events(r) == []
    # a worker listed twice is paid once
    r = pay(w, SUB, [W2, W2])
    assert wage_events(r) == [paid(w, W2), skipped(w, W2, Skip.ALREADY_SETTLED)]
    assert tok_events(r) == [released(w, W2)]
    w.chain.set_time(PAYDAY)
    r = pay(w, OTHER, [W3, W1])
    assert wage_events(r) == [paid(w, W3, by=OTHER), skipped(w, W1, Skip.ALREADY_SETTLED)]
    assert [w.free(x) for x in WORKERS] == WAGES
    assert payroll(w) == run(workers_paid=3, paid=TOTAL)
    assert pending(w) == w.earmarked(SUB, w.wage) == 0
    assert w.balance(SUB) == w.free(SUB) == SUB_OWN
    r = pay(w, OTHER, WORKERS)  # nothing left to pay: every one skipped, nothing moves
    assert wage_events(r) == [skipped(w, x, Skip.ALREADY_SETTLED) for x in WORKERS] and tok_events(r) == []
    assert [w.free(x) for x in WORKERS] == WAGES


def test_pay_wages_unknown_payroll(w):
    w.reverts(SUB, w.wage, "payWages", 1, [W1], error="Wage_UnknownPayroll", payrollId=1)
    fund(w)
    for bad in (0, 2, MAX_UINT):
        w.reverts(SUB, w.wage, "payWages", bad, [W1], error="Wage_UnknownPayroll", payrollId=bad)
        w.reverts(OTHER, w.wage, "payWages", bad, [W1], error="Wage_UnknownPayroll", payrollId=bad)
    nothing_moved(w)


def test_a_closed_wallet_is_skipped_and_the_others_are_paid(w):
    fund(w)
    w.tok(W3, "closeWallet", W3)
    r = pay(w, SUB, [W3])
    assert wage_events(r) == [skipped(w, W3, Skip.WALLET_CANNOT_RECEIVE)] and tok_events(r) == []
    nothing_moved(w)
    r = pay(w, SUB, [W1, W3, W2])
    assert wage_events(r) == [paid(w, W1), skipped(w, W3, Skip.WALLET_CANNOT_RECEIVE), paid(w, W2)]
    assert tok_events(r) == [released(w, W1), released(w, W2)]
    assert (w.free(W1), w.free(W2)) == (WAGE[W1], WAGE[W2])
    assert w.balance(W3) == 0
    assert payroll(w) == run(workers_paid=2, paid=WAGE[W1] + WAGE[W2])
    assert wage_of(w, W3) == (WAGE[W3], False)  # still due: the main contractor takes it back
    assert w.earmarked(SUB, w.wage) == pending(w) == WAGE[W3]
    w.send(MAIN, w.wage, "returnWage", 1, W3)
    assert w.free(MAIN) == MAIN_FUND - TOTAL + WAGE[W3]
    assert pending(w) == 0 and payroll(w) == run(workers_paid=2, paid=WAGE[W1] + WAGE[W2], returned=WAGE[W3])


def test_a_worker_at_the_balance_cap_is_skipped_until_it_has_room(w):
    """Every path into a wallet respects its tier: a lowest-tier worker (cap ¥10,000) whose wage would take it
    over the cap is skipped, the others are paid; its wage stays pending and is paid once it has room."""
    low = "worker:low"
    w.open_wallet(low, "lowest", LOWEST_CAP - 500_000)  # room for ¥5,000
    fund(w, [W1, low, W2], [800_000, 500_001, 650_000])
    assert w.view("canReceive", low, 500_001) is False
    r = pay(w, SUB, [W1, low, W2])
    assert wage_events(r) == [paid(w, W1), skipped(w, low, Skip.WALLET_CANNOT_RECEIVE), paid(w, W2)]
    assert tok_events(r) == [released(w, W1), released(w, W2)]
    assert w.balance(low) == LOWEST_CAP - 500_000
    assert wage_of(w, low) == (500_001, False)
    assert w.earmarked(SUB, w.wage) == pending(w) == 500_001
    assert payroll(w) == run(workers=3, total=1_950_001, workers_paid=2, paid=1_450_000)
    # the worker spends a fen: now the wage fits exactly
    w.tok(low, "transfer", W4, 1)
    w.chain.set_time(PAYDAY)
    r = pay(w, OTHER, [low])
    assert wage_events(r) == [paid(w, low, by=OTHER, amount=500_001)]
    assert w.balance(low) == w.free(low) == LOWEST_CAP
    assert pending(w) == 0 and payroll(w) == run(workers=3, total=1_950_001, workers_paid=3, paid=1_950_001)
    assert w.balance(SUB) == SUB_OWN


def test_a_frozen_workers_wallet_still_receives_its_wage(w):
    """A freeze stops the owner's own moves, not money paid into the wallet."""
    fund(w)
    w.tok(REGULATOR, "freezeWallet", W2)
    r = pay(w, SUB, [W2])
    assert wage_events(r) == [paid(w, W2)]
    assert w.free(W2) == WAGE[W2]


# ========================================================================================== returnWage


def test_return_wage_of_a_closed_workers_wallet(w):
    fund(w)
    pay(w, SUB, [W1])
    w.tok(W3, "closeWallet", W3)
    main_free = w.free(MAIN)
    r = w.send(MAIN, w.wage, "returnWage", 1, W3)
    assert wage_events(r) == [("WageReturned", {"payrollId": 1, "worker": w.addr(W3), "amountFen": WAGE[W3]})]
    assert tok_events(r) == [("EarmarkReleased", {"wallet": w.addr(SUB), "controller": w.wage.address,
                                                  "payee": w.addr(MAIN), "amountFen": WAGE[W3]})]
    assert w.free(MAIN) == main_free + WAGE[W3]
    assert w.earmarked(SUB, w.wage) == pending(w) == WAGE[W2]
    assert w.balance(SUB) == SUB_OWN + WAGE[W2]
    assert payroll(w) == run(workers_paid=1, paid=WAGE[W1], returned=WAGE[W3])
    assert wage_of(w, W3) == (WAGE[W3], True)
    # settled: neither paid nor returned again
    w.reverts(MAIN, w.wage, "returnWage", 1, W3, error="Wage_AlreadySettled", payrollId=1, worker=W3)
    w.chain.set_time(PAYDAY)
    r = pay(w, OTHER, [W3, W2])
    assert wage_events(r) == [skipped(w, W3, Skip.ALREADY_SETTLED), paid(w, W2, by=OTHER)]
    assert tok_events(r) == [released(w, W2)]
    assert pending(w) == 0
    assert w.free(MAIN) == main_free + WAGE[W3]


def test_return_wage_of_a_worker_who_never_had_a_wallet(w):
    fund(w, [W1, NO_WALLET], [800_000, 100_000])
    r = pay(w, SUB, [NO_WALLET])
    assert wage_events(r) == [skipped(w, NO_WALLET, Skip.WALLET_CANNOT_RECEIVE)] and tok_events(r) == []
    w.send(MAIN, w.wage, "returnWage", 1, NO_WALLET)
    assert w.free(MAIN) == MAIN_FUND - 800_000
    assert payroll(w) == run(workers=2, total=900_000, returned=100_000)


def test_return_wage_refused_while_the_workers_wallet_is_open(w):
    fund(w)
    w.reverts(MAIN, w.wage, "returnWage", 1, W3, error="Wage_WorkerWalletOpen", worker=W3)
    w.tok(REGULATOR, "freezeWallet", W3)  # frozen is still open
    w.reverts(MAIN, w.wage, "returnWage", 1, W3, error="Wage_WorkerWalletOpen", worker=W3)
    nothing_moved(w)
    assert w.free(MAIN) == MAIN_FUND - TOTAL


@pytest.mark.parametrize("caller", [SUB, W3, OTHER, BANK])
def test_return_wage_only_main_contractor(w, caller):
    fund(w)
    w.tok(W3, "closeWallet", W3)
    w.reverts(caller, w.wage, "returnWage", 1, W3, error="Wage_NotMainContractor", caller=caller)
    w.reverts(caller, w.wage, "returnWage", 7, W3, error="Wage_NotMainContractor", caller=caller)  # access first
    assert wage_of(w, W3) == (WAGE[W3], False)
    assert w.earmarked(SUB, w.wage) == TOTAL


def test_return_wage_unknown_payroll_or_worker(w):
    w.reverts(MAIN, w.wage, "returnWage", 1, W3, error="Wage_UnknownPayroll", payrollId=1)
    fund(w)
    w.reverts(MAIN, w.wage, "returnWage", 0, W3, error="Wage_UnknownPayroll", payrollId=0)
    w.reverts(MAIN, w.wage, "returnWage", 2, W3, error="Wage_UnknownPayroll", payrollId=2)
    w.reverts(MAIN, w.wage, "returnWage", 1, NO_WALLET, error="Wage_NotOnPayroll", payrollId=1, worker=NO_WALLET)
    pay(w, SUB, [W1])
    w.tok(W1, "closeWallet", W1)  # paid before the close: nothing to return
    w.reverts(MAIN, w.wage, "returnWage", 1, W1, error="Wage_AlreadySettled", payrollId=1, worker=W1)
    assert payroll(w)["returnedFen"] == 0


def test_main_contractor_wallet_stays_reachable_while_wages_may_return_to_it(w):
    """returnWage pays into the main contractor's wallet. If that wallet could close while wages are pending
    (the wage contract holds nothing in it, so the token closes it without objection), a worker whose wallet
    then closes leaves a wage that neither payWages nor returnWage can settle: it stays earmarked in the
    subcontractor's wallet for ever, and Wage_WagesPending keeps that wallet from ever closing. (RedPacketCampaign
    refuses the analogous close of its funder's wallet: Campaign_FunderWalletNeeded.)"""
    fund(w)
    pay(w, SUB, [W1, W2])
    r = w.tok(MAIN, "closeWallet", MAIN, expect_revert="Wage_MainContractorWalletNeeded")
    assert r.error.args["pendingFen"] == pending(w)
    w.tok(W3, "closeWallet", W3)
    r = w.send(MAIN, w.wage, "returnWage", 1, W3, allow_revert=True)
    assert r.ok, f"the wage of a closed worker's wallet is stranded: {r.error}"
    assert pending(w) == 0
    w.tok(SUB, "closeWallet", SUB)


# ========================================================================================== onWalletClose


@pytest.mark.parametrize("caller", [SUB, MAIN, BANK])
def test_on_wallet_close_only_the_token(w, caller):
    fund(w)
    w.reverts(caller, w.wage, "onWalletClose", SUB, error="Wage_NotToken", caller=caller)
    w.reverts(caller, w.wage, "onWalletClose", W4, error="Wage_NotToken", caller=caller)
    nothing_moved(w)


@pytest.mark.parametrize("closer", [SUB, BANK], ids=["owner", "issuer"])
def test_subcontractor_wallet_cannot_close_while_it_holds_wages(w, closer):
    fund(w)
    w.reverts(closer, w.token, "closeWallet", SUB, error="Wage_WagesPending", subcontractor=SUB, amountFen=TOTAL)
    pay(w, SUB, [W1, W3])
    w.reverts(closer, w.token, "closeWallet", SUB, error="Wage_WagesPending", subcontractor=SUB,
              amountFen=WAGE[W2])
    assert w.view("isOpen", SUB) is True
    pay(w, SUB, [W2])
    r = w.tok(closer, "closeWallet", SUB)
    assert r.event("WalletClosed").args == {"wallet": w.addr(SUB), "redeemedFen": SUB_OWN}
    assert w.view("isOpen", SUB) is False
    assert [w.free(x) for x in WORKERS] == WAGES


def test_worker_wallets_close_normally(w):
    fund(w)
    pay(w, SUB, [W1])
    r = w.tok(W1, "closeWallet", W1)
    assert r.event("WalletClosed").args["redeemedFen"] == WAGE[W1]
    r = w.tok(W4, "closeWallet", W4)
    assert r.event("WalletClosed").args["redeemedFen"] == 0
