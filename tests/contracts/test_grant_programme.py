"""GrantProgramme (with ECNY and PayeeRegistry): every external function, happy path, each revert, access.

The module's world is the conftest's chain plus a Shenzhen special-funds programme: an industry department
funds it with ¥20,000,000 (earmarked in its own wallet), an audit agency attests milestones and records
breaches, three firms each hold ¥500,000 of their own money, and the funds office registers payees by purpose
(payroll = 1, rent = 2, suppliers = 3 allowed; equipment = 4 registered but not allowed; one payee never
registered). Rules: 3.45 % simple yearly interest on clawed-back money, a 15-year stay promise, 3 years'
exclusion for fraud. A firm holds at most one live grant: active, clawed back and owing, or paid (completed or
ended) and still under its promise. Every test runs between a snapshot and a revert of the module's chain.
"""

from __future__ import annotations

from enum import IntEnum

import pytest

from contract_testkit import BANK, DAY, HOUR, MAX_UINT, REGULATOR, T0, ZERO, World
from ecny_sim.chain import Chain
from ecny_sim.chain.errors import ContractRevert
from ecny_sim.domain.settings import WALLET_TIERS

# ------------------------------------------------------------------------------------------ constants

DEPT = "gov:industry-bureau"
AGENCY = "agency:audit"
REGISTRAR = "office:special-funds"
FA, FB, FC = "firm:a", "firm:b", "firm:c"
FIRMS = (FA, FB, FC)

PAYROLL, RENT, SUPPLIERS, EQUIPMENT = 1, 2, 3, 4
P_PAYROLL = "payee:payroll-agent"
P_RENT = "payee:landlord"
P_SUPPLIER = "payee:supplier"
P_EQUIPMENT = "payee:equipment-vendor"  # registered, purpose not allowed
P_NONE = "payee:unregistered"  # has a wallet, never registered
PAYEES = (P_PAYROLL, P_RENT, P_SUPPLIER, P_EQUIPMENT, P_NONE)

RATE_BPS = 345
PROMISE_DAYS = 15 * 365
EXCLUSION_DAYS = 3 * 365
ALLOWED = (1 << PAYROLL) | (1 << RENT) | (1 << SUPPLIERS)
RULES = (RATE_BPS, PROMISE_DAYS, EXCLUSION_DAYS, ALLOWED)
RULES_D = {"interestRateBps": RATE_BPS, "promiseDays": PROMISE_DAYS, "exclusionDays": EXCLUSION_DAYS,
           "allowedPurposes": ALLOWED}

DEPT_OWN = 3_000_000_000  # ¥30,000,000 in the department's wallet
BUDGET = 2_000_000_000  # ¥20,000,000 funded at set-up
FIRM_OWN = 50_000_000  # ¥500,000 of each firm's own money
MILLION = 100_000_000  # ¥1,000,000 in fen
TRANCHES = [30_000_000, 30_000_000, 40_000_000]  # ¥300,000 + ¥300,000 + ¥400,000
U128 = 2**128 - 1

START = T0 + DAY  # 2022-05-10 09:00: tests that need exact times start here
PROMISE_END = START + PROMISE_DAYS * DAY  # the promise end of a grant admitted at START


class GrantStatus(IntEnum):
    NONE = 0
    ACTIVE = 1
    COMPLETED = 2
    ENDED = 3
    CLAWED_BACK = 4
    SETTLED = 5


class Skip(IntEnum):
    """MilestoneSkipReason (types/SubsidyTypes.sol): why attestMilestones passed over a grant."""
    NONE = 0
    UNKNOWN_GRANT = 1
    NOT_ACTIVE = 2
    WRONG_MILESTONE = 3
    FIRM_CANNOT_RECEIVE = 4


def interest(amount: int, days: int, rate: int = RATE_BPS) -> int:
    """The rule: floor(amount x rate_bps x days / (10,000 x 365)), per payment."""
    return amount * rate * days // (10_000 * 365)


# ------------------------------------------------------------------------------------------ the world


class GrantWorld(World):
    def __init__(self, chain: Chain):
        super().__init__(chain)
        reg = self.art["PayeeRegistry"]
        self.payees = chain.deploy("PayeeRegistry", reg["abi"], reg["bytecode"], BANK, (REGISTRAR,))
        self.gp = self.deploy_programme("GrantProgramme")
        self.tok(BANK, "setController", self.gp, True)
        self.open_wallet(DEPT, "corporate", DEPT_OWN)
        self.open_wallet(AGENCY, "corporate")
        for firm in FIRMS:
            self.open_wallet(firm, "corporate", FIRM_OWN)
        for payee in PAYEES:
            self.open_wallet(payee, "corporate")
        for payee, purpose in ((P_PAYROLL, PAYROLL), (P_RENT, RENT), (P_SUPPLIER, SUPPLIERS),
                               (P_EQUIPMENT, EQUIPMENT)):
            self.send(REGISTRAR, self.payees, "registerPayees", [payee], purpose)
        self.tok(DEPT, "approveEarmark", self.gp, BUDGET)
        self.g(DEPT, "fund", BUDGET)

    def deploy_programme(self, name: str, token=None, payees=None, department=DEPT, agency=AGENCY, rules=RULES):
        art = self.art["GrantProgramme"]
        args = (token or self.token, payees or self.payees, department, agency, rules)
        return self.chain.deploy(name, art["abi"], art["bytecode"], BANK, args)

    # -- short-hands
    def g(self, actor: str, fn: str, *args, **kw):
        return self.chain.send(actor, self.gp, fn, *args, **kw)

    def gv(self, fn: str, *args):
        return self.chain.call(self.gp, fn, *args)

    def admit(self, *grants: tuple[str, list[int]]) -> int:
        firms = [f for f, _ in grants]
        return self.g(DEPT, "admitFirms", firms, [list(t) for _, t in grants]).return_value

    def attest(self, ids, milestone: int, at: int | None = None):
        if at is not None:
            self.chain.set_time(at)
        return self.g(AGENCY, "attestMilestones", list(ids), milestone)

    def breach(self, gid: int, breached_at: int, fraud: bool = False):
        return self.g(AGENCY, "recordBreach", gid, breached_at, fraud)

    def repay(self, firm: str, gid: int, amount: int, approve: int | None = None):
        self.tok(firm, "approveEarmark", self.gp, amount if approve is None else approve)
        return self.g(firm, "repay", gid, amount)

    def spend(self, firm: str, payee: str, amount: int):
        return self.g(firm, "spend", payee, amount)

    def grant(self, gid: int) -> dict:
        return self.gv("grantOf", gid)

    def tranches(self, gid: int) -> list[dict]:
        return self.gv("tranchesOf", gid)

    def status(self, gid: int) -> GrantStatus:
        return GrantStatus(self.grant(gid)["status"])

    def totals(self) -> dict:
        return self.gv("totals")

    def money(self, wallet: str) -> int:
        return self.gv("grantMoneyOf", wallet)

    def balance_fen(self) -> int:
        return self.gv("programmeBalanceFen")

    def events(self, r) -> list[tuple[str, dict]]:
        return [(e.name, e.args) for e in r.events if e.contract == self.gp.name]


@pytest.fixture(scope="module")
def world(_record_abi_use) -> GrantWorld:
    return GrantWorld(Chain(T0, seed=2025))


def at_start(w):
    w.chain.set_time(max(w.chain.now, START))


def totals_with(**nonzero) -> dict:
    fields = ("fundedFen withdrawnFen committedFen paidOutFen paidToFirmsFen spentFen owedFen interestFen "
              "returnedUnspentFen repaidFen withheldFen returnedOnCloseFen")
    totals = dict.fromkeys(fields.split(), 0)
    unknown = set(nonzero) - set(totals)
    assert not unknown, unknown
    totals.update(nonzero)
    return totals


def check_books(w: GrantWorld, wallets=FIRMS) -> None:
    """The programme's identities, grant by grant and in total, against the token's earmarks."""
    t = w.totals()
    bal = w.balance_fen()
    assert bal == w.earmarked(DEPT, w.gp)
    assert bal == (t["fundedFen"] - t["withdrawnFen"] - t["paidToFirmsFen"] + t["returnedUnspentFen"]
                   + t["repaidFen"] + t["returnedOnCloseFen"])
    assert w.gv("withdrawableFen") == bal - t["committedFen"]
    assert t["paidOutFen"] == t["paidToFirmsFen"] + t["withheldFen"]
    held = sum(w.money(x) for x in wallets)
    # grant money paid to firms is spent, returned at a breach, returned on a close, or still held
    assert t["paidToFirmsFen"] == t["spentFen"] + t["returnedUnspentFen"] + t["returnedOnCloseFen"] + held
    assert w.view("earmarkedTotalOf", w.gp) == bal + held
    sums = dict.fromkeys(("committed", "paid", "owed", "interest", "returned", "repaid", "withheld", "out",
                          "credited"), 0)
    for gid in range(1, w.gv("grantCount") + 1):
        g, tr = w.grant(gid), w.tranches(gid)
        assert len(tr) == g["trancheCount"]
        assert sum(x["amountFen"] for x in tr) == g["sizeFen"]
        assert sum(x["amountFen"] for x in tr if x["paidAt"]) == g["paidFen"]
        sums["committed"] += sum(x["amountFen"] for x in tr[g["tranchesSettled"]:])
        out = w.gv("outstandingOf", gid)
        status = GrantStatus(g["status"])
        sums["credited"] += g["returnedOnCloseFen"]
        if status in (GrantStatus.CLAWED_BACK, GrantStatus.SETTLED):
            # grant money that came back when the firm closed its wallet is credited against the debt
            owed = g["paidFen"] + g["interestFen"] - g["returnedOnCloseFen"]
            assert owed == g["returnedUnspentFen"] + g["repaidFen"] + g["withheldFen"] + out
            assert (out > 0) == (status == GrantStatus.CLAWED_BACK)
            if status == GrantStatus.SETTLED:
                assert g["tranchesSettled"] == g["trancheCount"]
            sums["owed"] += owed
        else:
            assert out == 0
            assert g["interestFen"] == g["returnedUnspentFen"] == g["repaidFen"] == g["withheldFen"] == 0
        for key, field in (("paid", "paidFen"), ("interest", "interestFen"), ("returned", "returnedUnspentFen"),
                           ("repaid", "repaidFen"), ("withheld", "withheldFen")):
            sums[key] += g[field]
        sums["out"] += out
    assert t["committedFen"] == sums["committed"]
    assert t["paidToFirmsFen"] == sums["paid"]
    assert t["owedFen"] == sums["owed"]
    assert t["owedFen"] == t["returnedUnspentFen"] + t["repaidFen"] + t["withheldFen"] + sums["out"]
    assert t["interestFen"] == sums["interest"]
    assert t["returnedUnspentFen"] == sums["returned"]
    assert t["repaidFen"] == sums["repaid"]
    assert t["withheldFen"] == sums["withheld"]
    # money returned on close is credited to the firm's live grant (if it has one)
    assert sums["credited"] <= t["returnedOnCloseFen"]


def skipped(gid: int, milestone: int, reason: Skip) -> tuple[str, dict]:
    return ("MilestoneSkipped", {"grantId": gid, "milestone": milestone, "reason": reason})


def assert_skipped(w: GrantWorld, gids: list[int], milestone: int, reason: Skip):
    """The agency attests `milestone` for `gids`: each is skipped with `reason` (a MilestoneSkipped event each) and
    nothing changes: no money moves, the grants, their tranches and the programme's totals stay as they were."""
    wallets = (DEPT,) + FIRMS
    state = lambda: ([w.grant(g) for g in gids], [w.tranches(g) for g in gids], w.totals(),  # noqa: E731
                     [w.balance(x) for x in wallets], [w.money(x) for x in wallets], w.balance_fen())
    before = state()
    r = w.attest(gids, milestone)
    assert w.events(r) == [skipped(g, milestone, reason) for g in gids]
    assert [e for e in r.events if e.contract == "ECNY"] == []
    assert state() == before
    return r


def paid_grant(w: GrantWorld, firm: str = FA, tranches=TRANCHES, paid: int = 1) -> tuple[int, list[int]]:
    """Admits `firm` at START and pays its first `paid` tranches, one a day; returns the id and payment times."""
    at_start(w)
    gid = w.admit((firm, tranches))
    times = []
    for m in range(paid):
        w.chain.advance(days=1)
        times.append(w.attest([gid], m).timestamp)
    return gid, times


# ========================================================================================== constructor / views


def test_constructor_and_views(w):
    assert w.gv("department") == w.addr(DEPT)
    assert w.gv("agency") == w.addr(AGENCY)
    assert w.gv("token") == w.token.address
    assert w.gv("payeeRegistry") == w.payees.address
    assert w.gv("rules") == RULES_D
    assert w.gv("MAX_TRANCHES") == 8
    assert w.gv("grantCount") == 0
    assert w.totals() == totals_with(fundedFen=BUDGET)
    assert w.balance_fen() == w.gv("withdrawableFen") == BUDGET
    assert w.grant(1) == {"firm": ZERO, "status": 0, "trancheCount": 0, "tranchesSettled": 0, "fraud": False,
                          "admittedAt": 0, "breachedAt": 0, "sizeFen": 0, "paidFen": 0, "interestFen": 0,
                          "returnedUnspentFen": 0, "repaidFen": 0, "withheldFen": 0, "returnedOnCloseFen": 0}
    assert w.tranches(1) == []
    assert w.gv("currentGrantOf", FA) == 0
    assert w.gv("promiseEndOf", 1) == 0 and w.gv("promiseEndOf", 0) == 0
    assert w.gv("excludedUntil", FA) == 0
    assert w.gv("outstandingOf", 1) == 0
    assert w.gv("clawbackQuote", 1, w.chain.now) == (0, 0)
    # the budget sits in the department's wallet, earmarked: not grant money, not free
    assert w.earmarked(DEPT, w.gp) == BUDGET
    assert w.free(DEPT) == DEPT_OWN - BUDGET and w.balance(DEPT) == DEPT_OWN
    assert w.money(DEPT) == 0 and w.money(FA) == 0
    check_books(w)


@pytest.mark.parametrize("which", ["token", "payees", "department", "agency"])
def test_constructor_rejects_zero_addresses(w, which):
    with pytest.raises(ContractRevert) as exc:
        w.deploy_programme("GrantProgramme-bad", **{which: ZERO})
    assert exc.value.error_name == "Grant_ZeroAddress"


@pytest.mark.parametrize("kwargs", [
    {"rules": (RATE_BPS, 0, EXCLUSION_DAYS, ALLOWED)},  # no promise period
    {"rules": (RATE_BPS, PROMISE_DAYS, EXCLUSION_DAYS, ALLOWED | 1)},  # purpose 0 = "not registered"
    {"rules": (RATE_BPS, PROMISE_DAYS, EXCLUSION_DAYS, 1)},
    {"agency": DEPT},  # the department would attest its own milestones
], ids=["promise-0", "bit-0-and-others", "bit-0-only", "department-is-agency"])
def test_constructor_rejects_invalid_rules(w, kwargs):
    with pytest.raises(ContractRevert) as exc:
        w.deploy_programme("GrantProgramme-bad", **kwargs)
    assert exc.value.error_name == "Grant_InvalidRules"
    assert exc.value.args == {}


def test_constructor_accepts_minimal_rules(w):
    gp = w.deploy_programme("GrantProgramme-min", rules=(0, 1, 0, 0))
    assert w.chain.call(gp, "rules") == {"interestRateBps": 0, "promiseDays": 1, "exclusionDays": 0,
                                         "allowedPurposes": 0}
    assert w.chain.call(gp, "isAllowedPayee", P_PAYROLL) is False  # no purpose allowed at all


def test_is_allowed_payee(w):
    for payee in (P_PAYROLL, P_RENT, P_SUPPLIER):
        assert w.gv("isAllowedPayee", payee) is True
    assert w.gv("isAllowedPayee", P_EQUIPMENT) is False
    assert w.gv("isAllowedPayee", P_NONE) is False
    assert w.gv("isAllowedPayee", ZERO) is False
    # the registry is read live: removing and re-registering changes the answer at once
    w.send(REGISTRAR, w.payees, "removePayee", P_RENT)
    assert w.gv("isAllowedPayee", P_RENT) is False
    w.send(REGISTRAR, w.payees, "registerPayees", [P_EQUIPMENT], SUPPLIERS)
    assert w.gv("isAllowedPayee", P_EQUIPMENT) is True
    # the highest purpose code (255) is just another bit
    gp = w.deploy_programme("GrantProgramme-255", rules=(RATE_BPS, PROMISE_DAYS, EXCLUSION_DAYS, 1 << 255))
    w.send(REGISTRAR, w.payees, "registerPayees", [P_NONE], 255)
    assert w.chain.call(gp, "isAllowedPayee", P_NONE) is True
    assert w.chain.call(gp, "isAllowedPayee", P_PAYROLL) is False


# ========================================================================================== fund


def test_fund_tops_up_the_budget(w):
    w.tok(DEPT, "approveEarmark", w.gp, 500_000_000)
    r = w.g(DEPT, "fund", 500_000_000)
    assert w.events(r) == [("ProgrammeFunded", {"department": w.addr(DEPT), "amountFen": 500_000_000})]
    assert r.event("Earmarked").args == {"wallet": w.addr(DEPT), "controller": w.gp.address,
                                         "amountFen": 500_000_000}
    assert w.free(DEPT) == DEPT_OWN - BUDGET - 500_000_000
    assert w.balance(DEPT) == DEPT_OWN  # still in the department's wallet, only earmarked
    assert w.balance_fen() == w.gv("withdrawableFen") == BUDGET + 500_000_000
    assert w.totals() == totals_with(fundedFen=BUDGET + 500_000_000)
    assert w.view("earmarkAllowance", DEPT, w.gp) == 0
    check_books(w)


@pytest.mark.parametrize("caller", [AGENCY, FA, BANK, REGISTRAR])
def test_fund_only_department(w, caller):
    w.tok(caller, "approveEarmark", w.gp, 1_000)
    w.reverts(caller, w.gp, "fund", 1_000, error="Grant_NotDepartment", caller=caller)
    assert w.totals()["fundedFen"] == BUDGET


def test_fund_zero(w):
    w.reverts(DEPT, w.gp, "fund", 0, error="Grant_ZeroAmount")


def test_fund_beyond_128_bits(w):
    room = U128 - BUDGET
    w.reverts(DEPT, w.gp, "fund", room + 1, error="Grant_AmountTooLarge", amountFen=room + 1, maxFen=room)
    w.reverts(DEPT, w.gp, "fund", 2**128, error="Grant_AmountTooLarge", amountFen=2**128, maxFen=room)
    # exactly the room passes the programme's check; the token then refuses (no such allowance)
    w.reverts(DEPT, w.gp, "fund", room, error="ECNY_InsufficientAllowance")
    assert w.totals()["fundedFen"] == BUDGET


def test_fund_needs_the_departments_allowance_and_money(w):
    w.reverts(DEPT, w.gp, "fund", 1, error="ECNY_InsufficientAllowance", allowanceFen=0, neededFen=1)
    w.tok(DEPT, "approveEarmark", w.gp, MAX_UINT)
    free = DEPT_OWN - BUDGET
    w.reverts(DEPT, w.gp, "fund", free + 1, error="ECNY_InsufficientFree", freeFen=free, neededFen=free + 1)
    w.g(DEPT, "fund", free)
    assert w.free(DEPT) == 0 and w.balance_fen() == DEPT_OWN
    check_books(w)


# ========================================================================================== withdrawUnpaid


def test_withdraw_unpaid(w):
    r = w.g(DEPT, "withdrawUnpaid", 300_000_000)
    assert w.events(r) == [("UnpaidWithdrawn", {"department": w.addr(DEPT), "amountFen": 300_000_000})]
    assert r.event("EarmarkReturned").args == {"wallet": w.addr(DEPT), "controller": w.gp.address,
                                               "amountFen": 300_000_000}
    assert w.free(DEPT) == DEPT_OWN - BUDGET + 300_000_000
    assert w.balance_fen() == w.gv("withdrawableFen") == BUDGET - 300_000_000
    assert w.totals() == totals_with(fundedFen=BUDGET, withdrawnFen=300_000_000)
    check_books(w)


def test_withdraw_unpaid_only_what_no_firm_is_promised(w):
    w.admit((FA, TRANCHES), (FB, [MILLION]))
    promised = sum(TRANCHES) + MILLION
    assert w.gv("withdrawableFen") == BUDGET - promised
    w.reverts(DEPT, w.gp, "withdrawUnpaid", BUDGET - promised + 1, error="Grant_BudgetExceeded",
              availableFen=BUDGET - promised, neededFen=BUDGET - promised + 1)
    w.g(DEPT, "withdrawUnpaid", BUDGET - promised)
    assert w.gv("withdrawableFen") == 0
    assert w.balance_fen() == promised
    w.reverts(DEPT, w.gp, "withdrawUnpaid", 1, error="Grant_BudgetExceeded", availableFen=0, neededFen=1)
    # the promised tranches are still paid in full
    w.attest([1, 2], 0)
    assert w.money(FA) == TRANCHES[0] and w.money(FB) == MILLION
    check_books(w)


def test_withdraw_unpaid_everything_then_refund(w):
    w.g(DEPT, "withdrawUnpaid", BUDGET)
    assert w.balance_fen() == 0 and w.free(DEPT) == DEPT_OWN
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_BudgetExceeded", availableFen=0, neededFen=1)
    w.tok(DEPT, "approveEarmark", w.gp, MILLION)
    w.g(DEPT, "fund", MILLION)
    w.admit((FA, [MILLION]))
    assert w.gv("withdrawableFen") == 0
    check_books(w)


@pytest.mark.parametrize("caller", [AGENCY, FA, BANK])
def test_withdraw_unpaid_only_department(w, caller):
    w.reverts(caller, w.gp, "withdrawUnpaid", 1, error="Grant_NotDepartment", caller=caller)
    assert w.balance_fen() == BUDGET


def test_withdraw_unpaid_zero(w):
    w.reverts(DEPT, w.gp, "withdrawUnpaid", 0, error="Grant_ZeroAmount")


# ========================================================================================== admitFirms


def test_admit_firms(w):
    at_start(w)
    r = w.g(DEPT, "admitFirms", [FA, FB], [TRANCHES, [MILLION]])
    assert r.return_value == 1
    assert w.events(r) == [
        ("FirmAdmitted", {"grantId": 1, "firm": w.addr(FA), "sizeFen": sum(TRANCHES), "tranches": 3}),
        ("FirmAdmitted", {"grantId": 2, "firm": w.addr(FB), "sizeFen": MILLION, "tranches": 1}),
    ]
    assert [e for e in r.events if e.contract == "ECNY"] == []  # no money moves at admission
    assert w.grant(1) == {"firm": w.addr(FA), "status": GrantStatus.ACTIVE, "trancheCount": 3,
                          "tranchesSettled": 0, "fraud": False, "admittedAt": START, "breachedAt": 0,
                          "sizeFen": sum(TRANCHES), "paidFen": 0, "interestFen": 0, "returnedUnspentFen": 0,
                          "repaidFen": 0, "withheldFen": 0, "returnedOnCloseFen": 0}
    assert w.tranches(1) == [{"amountFen": a, "paidAt": 0} for a in TRANCHES]
    assert w.tranches(2) == [{"amountFen": MILLION, "paidAt": 0}]
    assert w.gv("grantCount") == 2
    assert w.gv("currentGrantOf", FA) == 1 and w.gv("currentGrantOf", FB) == 2 and w.gv("currentGrantOf", FC) == 0
    assert w.gv("promiseEndOf", 1) == w.gv("promiseEndOf", 2) == PROMISE_END
    assert w.totals() == totals_with(fundedFen=BUDGET, committedFen=sum(TRANCHES) + MILLION)
    assert w.balance_fen() == BUDGET
    assert w.gv("withdrawableFen") == BUDGET - sum(TRANCHES) - MILLION
    # ids keep counting
    r = w.g(DEPT, "admitFirms", [FC], [[1] * 8])
    assert r.return_value == 3
    assert r.event("FirmAdmitted").args == {"grantId": 3, "firm": w.addr(FC), "sizeFen": 8, "tranches": 8}
    check_books(w)


def test_admit_an_empty_batch(w):
    w.admit((FA, [1]))
    r = w.g(DEPT, "admitFirms", [], [])
    assert r.return_value == 2 and w.events(r) == []
    assert w.gv("grantCount") == 1


def test_admit_uses_the_whole_budget_exactly(w):
    w.admit((FA, [BUDGET - 1]), (FB, [1]))
    assert w.gv("withdrawableFen") == 0
    w.reverts(DEPT, w.gp, "admitFirms", [FC], [[1]], error="Grant_BudgetExceeded", availableFen=0, neededFen=1)


@pytest.mark.parametrize("caller", [AGENCY, FA, BANK, REGISTRAR])
def test_admit_only_department(w, caller):
    w.reverts(caller, w.gp, "admitFirms", [FA], [TRANCHES], error="Grant_NotDepartment", caller=caller)
    assert w.gv("grantCount") == 0


def test_admit_length_mismatch(w):
    w.reverts(DEPT, w.gp, "admitFirms", [FA, FB], [TRANCHES], error="Grant_LengthMismatch", firms=2, grants=1)
    w.reverts(DEPT, w.gp, "admitFirms", [], [TRANCHES], error="Grant_LengthMismatch", firms=0, grants=1)


@pytest.mark.parametrize("count", [0, 9])
def test_admit_bad_tranche_count(w, count):
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1_000] * count], error="Grant_BadTranches", count=count,
              maxTranches=8)
    assert w.gv("grantCount") == 0


def test_admit_zero_tranche(w):
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1_000, 0, 1_000]], error="Grant_ZeroAmount")


def test_admit_zero_address(w):
    w.reverts(DEPT, w.gp, "admitFirms", [FA, ZERO], [TRANCHES, TRANCHES], error="Grant_ZeroAddress")
    assert w.gv("grantCount") == 0 and w.gv("currentGrantOf", FA) == 0  # all or nothing


@pytest.mark.parametrize("firm", [DEPT, AGENCY], ids=["department", "agency"])
def test_admit_the_department_or_the_agency(w, firm):
    w.reverts(DEPT, w.gp, "admitFirms", [FA, firm], [TRANCHES, TRANCHES], error="Grant_InvalidFirm", firm=firm)
    w.reverts(DEPT, w.gp, "admitFirms", [firm], [[1]], error="Grant_InvalidFirm", firm=firm)
    assert w.gv("grantCount") == 0 and w.gv("currentGrantOf", FA) == 0  # all or nothing
    assert w.gv("currentGrantOf", firm) == 0


def test_admit_beyond_the_budget(w):
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[BUDGET, 1]], error="Grant_BudgetExceeded", availableFen=BUDGET,
              neededFen=BUDGET + 1)
    # across a batch: what earlier firms take is no longer available
    w.reverts(DEPT, w.gp, "admitFirms", [FA, FB], [[1_500_000_000], [500_000_000, 1]],
              error="Grant_BudgetExceeded", availableFen=500_000_000, neededFen=500_000_001)
    # and across calls
    w.admit((FA, [1_500_000_000]))
    w.reverts(DEPT, w.gp, "admitFirms", [FB], [[500_000_001]], error="Grant_BudgetExceeded",
              availableFen=500_000_000, neededFen=500_000_001)
    assert w.gv("grantCount") == 1


def test_admit_a_firm_with_an_active_grant(w):
    gid = w.admit((FA, TRANCHES))
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasActiveGrant", firm=FA, grantId=gid)
    w.attest([gid], 0)  # still active with tranches to come
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasActiveGrant", firm=FA, grantId=gid)
    # the same firm twice in one batch
    w.reverts(DEPT, w.gp, "admitFirms", [FB, FB], [[1], [2]], error="Grant_FirmHasActiveGrant", firm=FB,
              grantId=gid + 1)
    assert w.gv("grantCount") == 1


def test_a_paid_grant_stays_live_until_its_promise_ends(w):
    """A completed grant, and an ended grant that paid something, bar a new grant until the promise ends."""
    at_start(w)
    a, b = 1, 2
    assert w.admit((FA, [MILLION]), (FB, TRANCHES)) == a
    w.attest([a, b], 0)
    assert w.status(a) == GrantStatus.COMPLETED and w.gv("currentGrantOf", FA) == a
    w.g(AGENCY, "recordMissedMilestone", b, 1)
    assert w.status(b) == GrantStatus.ENDED and w.gv("currentGrantOf", FB) == b
    assert w.gv("promiseEndOf", a) == w.gv("promiseEndOf", b) == PROMISE_END
    for firm, gid in ((FA, a), (FB, b)):
        w.reverts(DEPT, w.gp, "admitFirms", [firm], [[1_000]], error="Grant_FirmUnderPromise", firm=firm,
                  grantId=gid, promiseEnd=PROMISE_END)
    w.chain.set_time(PROMISE_END - 1)
    assert w.gv("currentGrantOf", FA) == a
    w.reverts(DEPT, w.gp, "admitFirms", [FC, FB], [[1_000], [1_000]], error="Grant_FirmUnderPromise", firm=FB,
              grantId=b, promiseEnd=PROMISE_END)
    assert w.gv("grantCount") == 2
    # the promise ends: the firms are free to apply again
    w.chain.set_time(PROMISE_END)
    r = w.g(DEPT, "admitFirms", [FA, FB], [[1_000], [2_000]])
    assert r.timestamp == PROMISE_END and r.return_value == 3
    assert w.gv("currentGrantOf", FA) == 3 and w.gv("currentGrantOf", FB) == 4
    assert w.status(a) == GrantStatus.COMPLETED and w.status(b) == GrantStatus.ENDED
    check_books(w)


def test_current_grant_is_zero_once_the_promise_ends(w):
    gid, _ = paid_grant(w, FA, [MILLION])
    assert w.gv("currentGrantOf", FA) == gid
    w.chain.set_time(PROMISE_END - 1)  # views run at the next block's time: the promise's last second
    assert w.gv("currentGrantOf", FA) == gid
    w.chain.set_time(PROMISE_END)
    assert w.gv("currentGrantOf", FA) == 0
    assert w.status(gid) == GrantStatus.COMPLETED and w.money(FA) == MILLION  # the money stays the firm's


def test_admit_again_at_once_after_a_grant_that_paid_nothing(w):
    gid = w.admit((FA, TRANCHES))
    w.g(AGENCY, "recordMissedMilestone", gid, 0)
    assert w.status(gid) == GrantStatus.ENDED and w.grant(gid)["paidFen"] == 0
    assert w.gv("currentGrantOf", FA) == 0  # nothing received: no promise to keep
    assert w.admit((FA, [MILLION])) == gid + 1
    assert w.gv("currentGrantOf", FA) == gid + 1
    check_books(w)


def test_admit_a_firm_with_a_debt(w):
    gid, _ = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, MILLION)
    w.chain.advance(days=400)
    w.breach(gid, w.chain.now)
    owed = MILLION + interest(MILLION, 400)
    assert w.gv("currentGrantOf", FA) == gid
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasDebt", firm=FA, grantId=gid,
              outstandingFen=owed)
    w.tok(BANK, "issue", FA, MILLION)
    w.repay(FA, gid, owed - 1)
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasDebt", firm=FA, grantId=gid,
              outstandingFen=1)
    w.repay(FA, gid, 1)
    assert w.gv("currentGrantOf", FA) == 0
    assert w.admit((FA, [1])) == gid + 1
    check_books(w)


# ========================================================================================== attestMilestones


def test_attest_pays_the_tranche_into_the_firms_wallet_as_grant_money(w):
    w.admit((FA, TRANCHES), (FB, [MILLION]))
    w.chain.set_time(START + 30 * DAY)
    r = w.attest([1, 2], 0)
    assert w.events(r) == [
        ("TranchePaid", {"grantId": 1, "firm": w.addr(FA), "milestone": 0, "amountFen": TRANCHES[0]}),
        ("TranchePaid", {"grantId": 2, "firm": w.addr(FB), "milestone": 0, "amountFen": MILLION}),
    ]
    assert [e.args for e in r.events_named("EarmarkMoved")] == [
        {"from": w.addr(DEPT), "to": w.addr(FA), "controller": w.gp.address, "amountFen": TRANCHES[0]},
        {"from": w.addr(DEPT), "to": w.addr(FB), "controller": w.gp.address, "amountFen": MILLION},
    ]
    # in the firm's wallet, earmarked under the programme: the firm's free money is untouched
    assert w.money(FA) == w.earmarked(FA, w.gp) == TRANCHES[0]
    assert w.balance(FA) == FIRM_OWN + TRANCHES[0] and w.free(FA) == FIRM_OWN
    assert w.money(FB) == MILLION and w.free(FB) == FIRM_OWN
    assert w.balance(DEPT) == DEPT_OWN - TRANCHES[0] - MILLION
    assert w.balance_fen() == BUDGET - TRANCHES[0] - MILLION
    assert w.tranches(1) == [{"amountFen": TRANCHES[0], "paidAt": START + 30 * DAY},
                             {"amountFen": TRANCHES[1], "paidAt": 0}, {"amountFen": TRANCHES[2], "paidAt": 0}]
    g = w.grant(1)
    assert (g["status"], g["tranchesSettled"], g["paidFen"]) == (GrantStatus.ACTIVE, 1, TRANCHES[0])
    g = w.grant(2)
    assert (g["status"], g["tranchesSettled"], g["paidFen"]) == (GrantStatus.COMPLETED, 1, MILLION)
    assert w.gv("currentGrantOf", FA) == 1 and w.gv("currentGrantOf", FB) == 2  # B's is completed, under promise
    paid = TRANCHES[0] + MILLION
    assert w.totals() == totals_with(fundedFen=BUDGET, committedFen=sum(TRANCHES) - TRANCHES[0],
                                     paidOutFen=paid, paidToFirmsFen=paid)
    assert w.gv("withdrawableFen") == BUDGET - sum(TRANCHES) - MILLION  # paying does not free budget
    check_books(w)


def test_attest_every_milestone_completes_the_grant(w):
    gid, times = paid_grant(w, FA, TRANCHES, paid=3)
    assert [t["paidAt"] for t in w.tranches(gid)] == times
    g = w.grant(gid)
    assert (g["status"], g["tranchesSettled"], g["paidFen"]) == (GrantStatus.COMPLETED, 3, sum(TRANCHES))
    assert w.money(FA) == sum(TRANCHES)
    assert w.gv("currentGrantOf", FA) == gid  # completed, and its promise still runs
    assert_skipped(w, [gid], 3, Skip.NOT_ACTIVE)
    check_books(w)


@pytest.mark.parametrize("caller", [DEPT, FA, BANK, REGULATOR])
def test_attest_only_agency(w, caller):
    w.admit((FA, TRANCHES))
    w.reverts(caller, w.gp, "attestMilestones", [1], 0, error="Grant_NotAgency", caller=caller)
    assert w.money(FA) == 0


def test_attest_unknown_grant_is_skipped(w):
    gid = w.admit((FA, TRANCHES))
    assert_skipped(w, [2], 0, Skip.UNKNOWN_GRANT)
    assert_skipped(w, [0, MAX_UINT], 0, Skip.UNKNOWN_GRANT)
    # in a batch, the known grant is paid
    r = w.attest([0, gid, 2], 0)
    assert w.events(r) == [
        skipped(0, 0, Skip.UNKNOWN_GRANT),
        ("TranchePaid", {"grantId": gid, "firm": w.addr(FA), "milestone": 0, "amountFen": TRANCHES[0]}),
        skipped(2, 0, Skip.UNKNOWN_GRANT),
    ]
    assert w.money(FA) == TRANCHES[0] and w.gv("grantCount") == 1
    assert w.grant(2)["status"] == GrantStatus.NONE
    check_books(w)


def test_attest_wrong_milestone_is_skipped(w):
    gid = w.admit((FA, TRANCHES))
    assert_skipped(w, [gid], 1, Skip.WRONG_MILESTONE)
    w.attest([gid], 0)
    assert_skipped(w, [gid], 0, Skip.WRONG_MILESTONE)  # the same milestone cannot be paid twice
    assert w.money(FA) == TRANCHES[0]


def test_attest_a_batch_skips_what_it_cannot_pay_and_pays_the_rest(w):
    """One grant that cannot take the milestone never holds up the others: it is skipped with its reason."""
    a, b = 1, 2
    w.admit((FA, TRANCHES), (FB, TRANCHES))
    w.attest([b], 0)
    r = w.attest([a, b], 0)
    assert w.events(r) == [
        ("TranchePaid", {"grantId": a, "firm": w.addr(FA), "milestone": 0, "amountFen": TRANCHES[0]}),
        skipped(b, 0, Skip.WRONG_MILESTONE),
    ]
    assert w.money(FA) == w.money(FB) == TRANCHES[0]
    assert w.grant(a)["tranchesSettled"] == w.grant(b)["tranchesSettled"] == 1
    # a grant listed twice is paid once: the second time its milestone is no longer the next one
    r = w.attest([a, b, a], 1)
    assert w.events(r) == [
        ("TranchePaid", {"grantId": a, "firm": w.addr(FA), "milestone": 1, "amountFen": TRANCHES[1]}),
        ("TranchePaid", {"grantId": b, "firm": w.addr(FB), "milestone": 1, "amountFen": TRANCHES[1]}),
        skipped(a, 1, Skip.WRONG_MILESTONE),
    ]
    assert w.money(FA) == w.money(FB) == TRANCHES[0] + TRANCHES[1]
    # listed twice at its last milestone: the second time the grant is completed
    r = w.attest([a, a], 2)
    assert w.events(r) == [
        ("TranchePaid", {"grantId": a, "firm": w.addr(FA), "milestone": 2, "amountFen": TRANCHES[2]}),
        skipped(a, 2, Skip.NOT_ACTIVE),
    ]
    assert w.money(FA) == sum(TRANCHES) and w.status(a) == GrantStatus.COMPLETED
    r = w.attest([], 0)  # an empty batch does nothing
    assert w.events(r) == []
    check_books(w)


def test_attest_not_active_is_skipped(w):
    a, b = 1, 2
    w.admit((FA, [MILLION]), (FB, TRANCHES))
    w.attest([a], 0)  # completed
    w.g(AGENCY, "recordMissedMilestone", b, 0)  # ended
    assert_skipped(w, [a], 1, Skip.NOT_ACTIVE)
    assert_skipped(w, [b], 0, Skip.NOT_ACTIVE)
    assert_skipped(w, [a, b], 0, Skip.NOT_ACTIVE)


def test_attest_skips_a_closed_wallet_and_pays_the_others(w):
    """A firm whose wallet is closed cannot take its tranche: the batch skips it (FirmCannotReceive) and pays the
    others. The tranche stays promised and unpaid (a closed wallet never reopens) until the agency ends the
    grant."""
    gid = w.admit((FA, TRANCHES))
    other = w.admit((FB, TRANCHES))
    w.attest([gid, other], 0)
    w.tok(FA, "closeWallet", FA)  # A's unspent first tranche returns to the programme
    assert w.view("canReceive", FA, TRANCHES[1]) is False
    assert_skipped(w, [gid], 1, Skip.FIRM_CANNOT_RECEIVE)
    committed = w.totals()["committedFen"]
    assert committed == 2 * (TRANCHES[1] + TRANCHES[2])
    r = w.attest([gid, other], 1)
    assert w.events(r) == [
        skipped(gid, 1, Skip.FIRM_CANNOT_RECEIVE),
        ("TranchePaid", {"grantId": other, "firm": w.addr(FB), "milestone": 1, "amountFen": TRANCHES[1]}),
    ]
    assert [e.args for e in r.events if e.contract == "ECNY"] == [
        {"from": w.addr(DEPT), "to": w.addr(FB), "controller": w.gp.address, "amountFen": TRANCHES[1]}]
    assert w.grant(other)["tranchesSettled"] == 2 and w.money(FB) == TRANCHES[0] + TRANCHES[1]
    g = w.grant(gid)
    assert (g["status"], g["tranchesSettled"], g["paidFen"]) == (GrantStatus.ACTIVE, 1, TRANCHES[0])
    assert w.tranches(gid)[1] == {"amountFen": TRANCHES[1], "paidAt": 0}
    assert w.totals()["committedFen"] == committed - TRANCHES[1]  # A's tranche is still promised
    assert w.balance(FA) == 0
    # the agency ends the grant instead: its budget is free again
    w.attest([other], 2)
    r = w.g(AGENCY, "recordMissedMilestone", gid, 1)
    assert r.event("MilestoneMissed").args["cancelledFen"] == TRANCHES[1] + TRANCHES[2]
    # B's grant is paid in full; A's unspent first tranche came back when its wallet closed
    assert w.gv("withdrawableFen") == w.balance_fen() == BUDGET - sum(TRANCHES)
    assert w.totals()["committedFen"] == 0
    assert w.totals()["returnedOnCloseFen"] == w.grant(gid)["returnedOnCloseFen"] == TRANCHES[0]
    check_books(w)


def test_attest_skips_a_firm_at_its_balance_cap_until_it_has_room(w):
    """Every path into a wallet respects its tier: a firm with a lowest-tier wallet (cap ¥10,000) is skipped
    while the tranche would take it over the cap (its grant money counts: it is in its wallet), and paid by a
    later attestation once it has room."""
    small = "firm:small"
    cap = WALLET_TIERS["lowest"].balance_cap_fen
    w.open_wallet(small, "lowest", 600_000)  # ¥6,000 of its own
    gid = w.admit((small, [500_000, 300_000]))
    assert_skipped(w, [gid], 0, Skip.FIRM_CANNOT_RECEIVE)  # ¥6,000 + ¥5,000 > ¥10,000
    w.tok(small, "transfer", P_SUPPLIER, 100_000)  # own money out: exactly room for the tranche
    r = w.attest([gid], 0)
    assert w.events(r) == [("TranchePaid", {"grantId": gid, "firm": w.addr(small), "milestone": 0,
                                            "amountFen": 500_000})]
    assert w.balance(small) == cap and w.money(small) == 500_000 and w.free(small) == 500_000
    assert_skipped(w, [gid], 1, Skip.FIRM_CANNOT_RECEIVE)  # at its cap, grant money included
    w.spend(small, P_PAYROLL, 299_999)
    assert_skipped(w, [gid], 1, Skip.FIRM_CANNOT_RECEIVE)  # one fen short of room
    w.spend(small, P_PAYROLL, 1)
    r = w.attest([gid], 1)
    assert r.event("TranchePaid").args["amountFen"] == 300_000
    assert w.status(gid) == GrantStatus.COMPLETED
    assert w.balance(small) == cap and w.money(small) == 500_000
    assert w.totals()["committedFen"] == 0
    check_books(w, FIRMS + (small,))


def test_a_closed_wallet_does_not_stop_withholding(w):
    """Only a tranche to be paid needs the firm's wallet: one withheld against a debt does not."""
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES)
    w.spend(FA, P_SUPPLIER, TRANCHES[0])
    w.breach(gid, paid_at)
    w.tok(FA, "closeWallet", FA)
    r = w.attest([gid], 1)
    assert w.events(r) == [("TrancheWithheld", {"grantId": gid, "firm": w.addr(FA), "milestone": 1,
                                                "withheldFen": TRANCHES[0],
                                                "cancelledFen": TRANCHES[1] - TRANCHES[0] + TRANCHES[2]})]
    assert w.status(gid) == GrantStatus.SETTLED
    check_books(w)


# ========================================================================================== recordMissedMilestone


def test_missed_milestone_ends_the_grant_and_frees_its_budget(w):
    gid = w.admit((FA, TRANCHES))
    w.attest([gid], 0)
    free_before = w.gv("withdrawableFen")
    r = w.g(AGENCY, "recordMissedMilestone", gid, 1)
    cancelled = TRANCHES[1] + TRANCHES[2]
    assert w.events(r) == [("MilestoneMissed", {"grantId": gid, "firm": w.addr(FA), "milestone": 1,
                                                "cancelledFen": cancelled})]
    assert [e for e in r.events if e.contract == "ECNY"] == []
    assert w.gv("withdrawableFen") == free_before + cancelled == BUDGET - TRANCHES[0]
    g = w.grant(gid)
    assert (g["status"], g["tranchesSettled"], g["paidFen"]) == (GrantStatus.ENDED, 3, TRANCHES[0])
    assert w.tranches(gid)[1:] == [{"amountFen": TRANCHES[1], "paidAt": 0}, {"amountFen": TRANCHES[2], "paidAt": 0}]
    assert w.totals()["committedFen"] == 0
    # paid something: the grant stays the firm's live one while its promise runs
    assert w.gv("currentGrantOf", FA) == gid
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmUnderPromise", firm=FA, grantId=gid,
              promiseEnd=w.gv("promiseEndOf", gid))
    # the money already paid stays the firm's, still bound to its purpose
    assert w.money(FA) == TRANCHES[0]
    w.spend(FA, P_RENT, TRANCHES[0])
    assert w.free(P_RENT) == TRANCHES[0]
    # the freed budget can be withdrawn
    w.g(DEPT, "withdrawUnpaid", BUDGET - TRANCHES[0])
    check_books(w)


def test_missed_first_milestone_cancels_everything(w):
    gid = w.admit((FA, TRANCHES))
    r = w.g(AGENCY, "recordMissedMilestone", gid, 0)
    assert r.event("MilestoneMissed").args == {"grantId": gid, "firm": w.addr(FA), "milestone": 0,
                                               "cancelledFen": sum(TRANCHES)}
    assert w.gv("withdrawableFen") == BUDGET
    assert w.gv("currentGrantOf", FA) == 0  # nothing received: the firm may apply again at once
    # nothing received: nothing to claw back for a broken promise
    w.reverts(AGENCY, w.gp, "recordBreach", gid, w.chain.now, False, error="Grant_NothingReceived", grantId=gid)
    # cheating is still recorded: nothing owed, but the firm is excluded
    r = w.breach(gid, w.chain.now, fraud=True)
    assert r.event("GrantClawedBack").args["outstandingFen"] == 0
    assert r.event("FirmExcluded").args["firm"] == w.addr(FA)
    assert w.status(gid) == GrantStatus.SETTLED
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmExcluded", firm=FA,
              until=r.event("FirmExcluded").args["until"])
    check_books(w)


@pytest.mark.parametrize("caller", [DEPT, FA, BANK])
def test_missed_milestone_only_agency(w, caller):
    gid = w.admit((FA, TRANCHES))
    w.reverts(caller, w.gp, "recordMissedMilestone", gid, 0, error="Grant_NotAgency", caller=caller)
    assert w.status(gid) == GrantStatus.ACTIVE


def test_missed_milestone_reverts(w):
    gid = w.admit((FA, TRANCHES))
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", gid + 1, 0, error="Grant_UnknownGrant", grantId=gid + 1)
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", gid, 1, error="Grant_WrongMilestone", grantId=gid,
              expected=0, given=1)
    w.g(AGENCY, "recordMissedMilestone", gid, 0)
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", gid, 0, error="Grant_NotActive", grantId=gid)  # ended
    done = w.admit((FB, [MILLION]))
    w.attest([done], 0)
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", done, 1, error="Grant_NotActive", grantId=done)  # completed
    # clawed back with no tranche left; settled
    w.spend(FB, P_SUPPLIER, MILLION)
    w.breach(done, w.chain.now)
    assert w.status(done) == GrantStatus.CLAWED_BACK
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", done, 1, error="Grant_NotActive", grantId=done)
    settled = w.admit((FC, TRANCHES))
    w.attest([settled], 0)
    w.breach(settled, w.chain.now)  # unspent money covers the debt: settled at once
    assert w.status(settled) == GrantStatus.SETTLED
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", settled, 1, error="Grant_NotActive", grantId=settled)


def test_missed_milestone_of_a_clawed_back_grant_cancels_its_tranches(w):
    """The firm broke its promise and will not earn its remaining tranches: the agency cancels them, the debt
    stays."""
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.spend(FA, P_SUPPLIER, TRANCHES[0])
    w.chain.set_time(paid_at + 100 * DAY)
    w.breach(gid, paid_at + 100 * DAY)
    owed = TRANCHES[0] + interest(TRANCHES[0], 100)
    assert w.gv("outstandingOf", gid) == owed
    assert w.totals()["committedFen"] == TRANCHES[1] + TRANCHES[2]
    free_before = w.gv("withdrawableFen")
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", gid, 2, error="Grant_WrongMilestone", grantId=gid,
              expected=1, given=2)
    r = w.g(AGENCY, "recordMissedMilestone", gid, 1)
    cancelled = TRANCHES[1] + TRANCHES[2]
    assert w.events(r) == [("MilestoneMissed", {"grantId": gid, "firm": w.addr(FA), "milestone": 1,
                                                "cancelledFen": cancelled})]
    assert [e for e in r.events if e.contract == "ECNY"] == []
    g = w.grant(gid)
    assert (g["status"], g["tranchesSettled"], g["withheldFen"]) == (GrantStatus.CLAWED_BACK, 3, 0)
    assert w.totals()["committedFen"] == 0
    assert w.gv("withdrawableFen") == free_before + cancelled
    # the debt is untouched, and still bars the firm
    assert w.gv("outstandingOf", gid) == owed
    assert w.gv("currentGrantOf", FA) == gid
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasDebt", firm=FA, grantId=gid,
              outstandingFen=owed)
    # no tranche left to pay, withhold or cancel
    assert_skipped(w, [gid], 1, Skip.NOT_ACTIVE)
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", gid, 3, error="Grant_NotActive", grantId=gid)
    check_books(w)
    # repaid in full: settled, nothing more to cancel
    r = w.repay(FA, gid, owed)
    assert r.event("DebtRepaid").args["outstandingFen"] == 0
    assert w.status(gid) == GrantStatus.SETTLED and w.gv("currentGrantOf", FA) == 0
    assert w.totals()["committedFen"] == 0
    assert w.admit((FA, [1])) == gid + 1
    check_books(w)


# ========================================================================================== spend


@pytest.mark.parametrize("payee, purpose", [(P_PAYROLL, PAYROLL), (P_RENT, RENT), (P_SUPPLIER, SUPPLIERS)])
def test_spend_on_an_allowed_purpose(w, payee, purpose):
    paid_grant(w, FA, TRANCHES)
    r = w.spend(FA, payee, 12_345_67)
    assert w.events(r) == [("GrantSpent", {"firm": w.addr(FA), "payee": w.addr(payee), "purpose": purpose,
                                           "amountFen": 12_345_67})]
    assert r.event("EarmarkReleased").args == {"wallet": w.addr(FA), "controller": w.gp.address,
                                               "payee": w.addr(payee), "amountFen": 12_345_67}
    assert w.free(payee) == 12_345_67  # the payee's free money: it may use it as it likes
    assert w.money(FA) == TRANCHES[0] - 12_345_67
    assert w.free(FA) == FIRM_OWN and w.balance(FA) == FIRM_OWN + TRANCHES[0] - 12_345_67
    assert w.totals()["spentFen"] == 12_345_67
    check_books(w)


def test_spend_all_grant_money_to_the_fen(w):
    paid_grant(w, FA, TRANCHES)
    w.spend(FA, P_PAYROLL, TRANCHES[0] - 1)
    w.reverts(FA, w.gp, "spend", P_PAYROLL, 2, error="Grant_InsufficientGrantMoney", firm=FA, availableFen=1,
              amountFen=2)
    w.spend(FA, P_PAYROLL, 1)
    assert w.money(FA) == 0 and w.free(P_PAYROLL) == TRANCHES[0]
    w.reverts(FA, w.gp, "spend", P_PAYROLL, 1, error="Grant_InsufficientGrantMoney", firm=FA, availableFen=0,
              amountFen=1)
    check_books(w)


def test_grant_money_only_for_allowed_purposes_own_money_for_anything(w):
    paid_grant(w, FA, TRANCHES)
    w.reverts(FA, w.gp, "spend", P_EQUIPMENT, 1_000, error="Grant_PurposeNotAllowed", payee=P_EQUIPMENT,
              purpose=EQUIPMENT)
    w.reverts(FA, w.gp, "spend", P_NONE, 1_000, error="Grant_PurposeNotAllowed", payee=P_NONE, purpose=0)
    w.reverts(FA, w.gp, "spend", ZERO, 1_000, error="Grant_PurposeNotAllowed", payee=ZERO, purpose=0)
    # the firm's own money goes anywhere
    w.tok(FA, "transfer", P_EQUIPMENT, 2_000_000)
    w.tok(FA, "transfer", P_NONE, 1_000_000)
    assert w.free(P_EQUIPMENT) == 2_000_000 and w.free(P_NONE) == 1_000_000
    assert w.free(FA) == FIRM_OWN - 3_000_000
    # ... but never the grant money: ECNY.transfer only moves free money
    w.reverts(FA, w.token, "transfer", P_EQUIPMENT, FIRM_OWN - 3_000_000 + 1, error="ECNY_InsufficientFree",
              freeFen=FIRM_OWN - 3_000_000)
    assert w.money(FA) == TRANCHES[0]
    check_books(w)


def test_spend_follows_the_registry(w):
    paid_grant(w, FA, TRANCHES)
    w.send(REGISTRAR, w.payees, "removePayee", P_RENT)
    w.reverts(FA, w.gp, "spend", P_RENT, 1, error="Grant_PurposeNotAllowed", payee=P_RENT, purpose=0)
    w.send(REGISTRAR, w.payees, "registerPayees", [P_SUPPLIER], EQUIPMENT)  # moved to a purpose not allowed
    w.reverts(FA, w.gp, "spend", P_SUPPLIER, 1, error="Grant_PurposeNotAllowed", payee=P_SUPPLIER,
              purpose=EQUIPMENT)
    w.send(REGISTRAR, w.payees, "registerPayees", [P_EQUIPMENT], RENT)
    r = w.spend(FA, P_EQUIPMENT, 7)
    assert r.event("GrantSpent").args["purpose"] == RENT


def test_spend_to_itself_is_refused(w):
    paid_grant(w, FA, TRANCHES)
    w.send(REGISTRAR, w.payees, "registerPayees", [FA], SUPPLIERS)  # the firm is also a registered supplier
    w.reverts(FA, w.gp, "spend", FA, 1_000, error="Grant_PurposeNotAllowed", payee=FA, purpose=SUPPLIERS)
    # another firm may pay it as a supplier
    paid_grant(w, FB, [MILLION])
    w.spend(FB, FA, 1_000)
    assert w.free(FA) == FIRM_OWN + 1_000 and w.money(FA) == TRANCHES[0]


def test_spend_without_grant_money(w):
    w.reverts(FA, w.gp, "spend", P_PAYROLL, 1, error="Grant_InsufficientGrantMoney", firm=FA, availableFen=0,
              amountFen=1)
    # the department's budget is earmarked under the programme too, but it is not grant money
    w.reverts(DEPT, w.gp, "spend", P_PAYROLL, 1, error="Grant_InsufficientGrantMoney", firm=DEPT,
              availableFen=0, amountFen=1)
    assert w.balance_fen() == BUDGET


def test_spend_zero(w):
    paid_grant(w, FA, TRANCHES)
    w.reverts(FA, w.gp, "spend", P_PAYROLL, 0, error="Grant_ZeroAmount")


def test_spend_from_a_frozen_wallet(w):
    gid, _ = paid_grant(w, FA, TRANCHES)
    w.tok(REGULATOR, "freezeWallet", FA)
    w.reverts(FA, w.gp, "spend", P_PAYROLL, 1_000, error="Grant_WalletFrozen", wallet=FA)
    # tranches still arrive in a frozen wallet (the token lets controllers pay into it)
    w.attest([gid], 1)
    assert w.money(FA) == TRANCHES[0] + TRANCHES[1]
    w.tok(REGULATOR, "unfreezeWallet", FA)
    w.spend(FA, P_PAYROLL, 1_000)
    assert w.money(FA) == TRANCHES[0] + TRANCHES[1] - 1_000


def test_spend_to_a_closed_payee_is_refused_by_the_token(w):
    paid_grant(w, FA, TRANCHES)
    w.tok(P_RENT, "closeWallet", P_RENT)
    w.reverts(FA, w.gp, "spend", P_RENT, 1_000, error="ECNY_WalletNotOpen", wallet=P_RENT)


# ========================================================================================== clawback


def test_clawback_worked_case_one_million_at_345_bps_for_1000_days(w):
    """¥1,000,000 paid, breach 1,000 days later: interest floor(100,000,000 x 345 x 1,000 / 3,650,000) =
    9,452,054 fen (¥94,520.54). The firm spent all of it, so the whole amount is a debt."""
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, MILLION)
    breached_at = paid_at + 1000 * DAY
    assert w.gv("clawbackQuote", gid, breached_at) == (MILLION, 9_452_054)
    w.chain.set_time(breached_at + 5 * DAY)  # recorded a few days later
    r = w.breach(gid, breached_at)
    assert w.events(r) == [("GrantClawedBack", {
        "grantId": gid, "firm": w.addr(FA), "principalFen": MILLION, "interestFen": 9_452_054,
        "creditedOnCloseFen": 0, "returnedUnspentFen": 0, "outstandingFen": MILLION + 9_452_054,
        "breachedAt": breached_at})]
    assert [e for e in r.events if e.contract == "ECNY"] == []  # nothing unspent to move
    g = w.grant(gid)
    assert (g["status"], g["breachedAt"], g["fraud"], g["interestFen"], g["returnedUnspentFen"]) == (
        GrantStatus.CLAWED_BACK, breached_at, False, 9_452_054, 0)
    assert w.gv("outstandingOf", gid) == 109_452_054
    assert w.gv("currentGrantOf", FA) == gid
    assert w.gv("excludedUntil", FA) == 0  # no fraud, no exclusion
    t = w.totals()
    assert (t["owedFen"], t["interestFen"], t["returnedUnspentFen"]) == (109_452_054, 9_452_054, 0)
    # the firm repays ¥1,094,520.54 of its own money
    w.tok(BANK, "issue", FA, 109_452_054 - FIRM_OWN)
    r = w.repay(FA, gid, 109_452_054)
    assert w.events(r) == [("DebtRepaid", {"grantId": gid, "firm": w.addr(FA), "amountFen": 109_452_054,
                                           "outstandingFen": 0})]
    assert w.free(FA) == 0
    assert w.status(gid) == GrantStatus.SETTLED
    assert w.balance_fen() == BUDGET + 9_452_054  # the budget is whole again, plus the interest
    check_books(w)


def test_clawback_worked_case_unspent_money_returns_at_once(w):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    w.chain.set_time(paid_at + 1000 * DAY)
    r = w.breach(gid, paid_at + 1000 * DAY)
    assert r.event("GrantClawedBack").args == {
        "grantId": gid, "firm": w.addr(FA), "principalFen": MILLION, "interestFen": 9_452_054,
        "creditedOnCloseFen": 0, "returnedUnspentFen": MILLION, "outstandingFen": 9_452_054,
        "breachedAt": paid_at + 1000 * DAY}
    assert r.event("EarmarkMoved").args == {"from": w.addr(FA), "to": w.addr(DEPT), "controller": w.gp.address,
                                            "amountFen": MILLION}
    assert w.money(FA) == 0 and w.balance(FA) == FIRM_OWN
    assert w.balance_fen() == BUDGET  # the unspent ¥1,000,000 is back in the programme's balance
    assert w.gv("withdrawableFen") == BUDGET  # and free to withdraw or grant again
    assert w.gv("outstandingOf", gid) == 9_452_054
    assert w.grant(gid)["returnedUnspentFen"] == MILLION
    check_books(w)


def test_clawback_quote_counts_whole_days_per_payment(w):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    q = lambda t: w.gv("clawbackQuote", gid, t)  # noqa: E731
    assert q(paid_at - DAY) == (MILLION, 0)  # before the payment: no interest
    assert q(paid_at) == (MILLION, 0)
    assert q(paid_at + DAY - 1) == (MILLION, 0)  # not yet a whole day
    assert q(paid_at + DAY) == (MILLION, interest(MILLION, 1)) == (MILLION, 9_452)
    assert q(paid_at + 365 * DAY) == (MILLION, 3_450_000)  # one year: exactly 3.45 %
    assert q(paid_at + 1000 * DAY - 1) == (MILLION, 9_442_602)  # 999 days
    assert q(paid_at + 1001 * DAY - 1) == (MILLION, 9_452_054)  # still 1,000 days
    # a quote for an unpaid grant
    other = w.admit((FB, [MILLION]))
    assert w.gv("clawbackQuote", other, paid_at + 1000 * DAY) == (0, 0)


def test_clawback_interest_is_floored_per_payment(w):
    tranches = [33_333_333, 33_333_333, 33_333_334]
    at_start(w)
    gid = w.admit((FA, tranches))
    times = []
    for m, day in enumerate((0, 100, 200)):
        times.append(w.attest([gid], m, at=START + HOUR + day * DAY).timestamp)
    breached_at = times[0] + 1000 * DAY
    per_payment = [interest(a, d) for a, d in zip(tranches, (1000, 900, 800))]
    assert per_payment == [3_150_684, 2_835_616, 2_520_547]
    # flooring the sum instead would give 8,506,849
    assert sum(a * RATE_BPS * d for a, d in zip(tranches, (1000, 900, 800))) // 3_650_000 == 8_506_849
    assert w.gv("clawbackQuote", gid, breached_at) == (MILLION, 8_506_847)
    w.chain.set_time(breached_at)
    r = w.breach(gid, breached_at)
    assert r.event("GrantClawedBack").args["interestFen"] == 8_506_847
    assert w.grant(gid)["interestFen"] == 8_506_847


def test_clawback_partly_spent(w):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.spend(FA, P_PAYROLL, 25_000_000)
    breached_at = paid_at + 1000 * DAY
    w.chain.set_time(breached_at)
    r = w.breach(gid, breached_at)
    i = interest(TRANCHES[0], 1000)
    assert i == 2_835_616
    assert r.event("GrantClawedBack").args == {
        "grantId": gid, "firm": w.addr(FA), "principalFen": TRANCHES[0], "interestFen": i,
        "creditedOnCloseFen": 0, "returnedUnspentFen": 5_000_000, "outstandingFen": TRANCHES[0] + i - 5_000_000,
        "breachedAt": breached_at}
    assert w.money(FA) == 0
    assert w.gv("outstandingOf", gid) == 27_835_616
    # the later tranches stay promised: they will be withheld against the debt
    assert w.totals()["committedFen"] == TRANCHES[1] + TRANCHES[2]
    check_books(w)


def test_clawback_covered_by_unspent_money_settles_at_once(w):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    # recorded the day of the payment: no interest, all unspent, nothing left to owe
    r = w.breach(gid, paid_at)
    assert r.event("GrantClawedBack").args == {
        "grantId": gid, "firm": w.addr(FA), "principalFen": TRANCHES[0], "interestFen": 0,
        "creditedOnCloseFen": 0, "returnedUnspentFen": TRANCHES[0], "outstandingFen": 0, "breachedAt": paid_at}
    assert w.status(gid) == GrantStatus.SETTLED
    g = w.grant(gid)
    assert g["tranchesSettled"] == 3  # the remaining tranches are cancelled
    assert w.totals()["committedFen"] == 0
    assert w.gv("withdrawableFen") == w.balance_fen() == BUDGET
    assert w.gv("currentGrantOf", FA) == 0 and w.gv("outstandingOf", gid) == 0
    assert_skipped(w, [gid], 1, Skip.NOT_ACTIVE)
    w.reverts(FA, w.gp, "repay", gid, 1, error="Grant_NoDebt", grantId=gid)
    w.reverts(AGENCY, w.gp, "recordBreach", gid, paid_at, True, error="Grant_AlreadyClawedBack", grantId=gid)
    check_books(w)


def test_clawback_returns_at_most_what_is_owed(w):
    """Grant money of an earlier grant whose promise was kept sits in the same earmark: only the amount owed
    is taken back."""
    first, _ = paid_grant(w, FA, [MILLION])  # completed, kept unspent
    w.chain.set_time(PROMISE_END)  # the first grant's promise is kept: the firm may take another
    second = w.admit((FA, TRANCHES))
    assert w.gv("currentGrantOf", FA) == second
    w.chain.advance(days=10)
    w.attest([second], 0)
    assert w.money(FA) == MILLION + TRANCHES[0]
    r = w.breach(second, w.chain.now)
    assert r.event("GrantClawedBack").args["returnedUnspentFen"] == TRANCHES[0]
    assert r.event("GrantClawedBack").args["outstandingFen"] == 0
    assert w.money(FA) == MILLION
    assert w.status(second) == GrantStatus.SETTLED and w.status(first) == GrantStatus.COMPLETED
    assert w.gv("currentGrantOf", FA) == 0
    check_books(w)


def test_clawback_of_a_completed_grant_keeps_it_current_as_a_debt(w):
    gid, times = paid_grant(w, FA, TRANCHES, paid=3)
    w.spend(FA, P_SUPPLIER, sum(TRANCHES))
    assert w.gv("currentGrantOf", FA) == gid  # completed, under its promise
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmUnderPromise", firm=FA, grantId=gid,
              promiseEnd=PROMISE_END)
    w.chain.advance(days=500)
    breached_at = w.chain.now
    w.breach(gid, breached_at)
    owed = sum(TRANCHES) + sum(interest(a, (breached_at - t) // DAY) for a, t in zip(TRANCHES, times))
    assert w.gv("outstandingOf", gid) == owed
    assert w.gv("currentGrantOf", FA) == gid
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasDebt", firm=FA, grantId=gid,
              outstandingFen=owed)
    # a debt outlives the promise period
    w.chain.set_time(PROMISE_END + DAY)
    assert w.gv("currentGrantOf", FA) == gid
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasDebt", firm=FA, grantId=gid,
              outstandingFen=owed)
    check_books(w)


def test_clawback_of_an_ended_grant(w):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.g(AGENCY, "recordMissedMilestone", gid, 1)
    w.spend(FA, P_RENT, 10_000_000)
    w.chain.set_time(paid_at + 200 * DAY)
    r = w.breach(gid, paid_at + 200 * DAY)
    i = interest(TRANCHES[0], 200)
    assert r.event("GrantClawedBack").args["outstandingFen"] == TRANCHES[0] + i - 20_000_000
    assert w.status(gid) == GrantStatus.CLAWED_BACK
    assert w.gv("currentGrantOf", FA) == gid
    check_books(w)


@pytest.mark.parametrize("caller", [DEPT, FA, BANK, REGULATOR])
def test_breach_only_agency(w, caller):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES)
    w.reverts(caller, w.gp, "recordBreach", gid, paid_at, True, error="Grant_NotAgency", caller=caller)
    assert w.status(gid) == GrantStatus.ACTIVE


def test_breach_unknown_grant(w):
    w.reverts(AGENCY, w.gp, "recordBreach", 1, w.chain.now, False, error="Grant_UnknownGrant", grantId=1)


def test_breach_before_any_payment(w):
    gid = w.admit((FA, TRANCHES))
    w.reverts(AGENCY, w.gp, "recordBreach", gid, w.chain.now, False, error="Grant_NothingReceived", grantId=gid)
    assert w.status(gid) == GrantStatus.ACTIVE


def test_fraud_before_any_payment_settles_at_once_and_excludes(w):
    """Cheating found before any tranche is paid: nothing is owed, the grant is settled at once, its tranches
    cancelled, and the firm excluded."""
    at_start(w)
    gid = w.admit((FA, TRANCHES))
    w.chain.set_time(START + 20 * DAY)
    breached_at = START + 10 * DAY
    r = w.breach(gid, breached_at, fraud=True)
    until = r.timestamp + EXCLUSION_DAYS * DAY
    assert w.events(r) == [
        ("GrantClawedBack", {"grantId": gid, "firm": w.addr(FA), "principalFen": 0, "interestFen": 0,
                             "creditedOnCloseFen": 0, "returnedUnspentFen": 0, "outstandingFen": 0,
                             "breachedAt": breached_at}),
        ("FirmExcluded", {"firm": w.addr(FA), "until": until}),
    ]
    assert [e for e in r.events if e.contract == "ECNY"] == []  # no money moves
    g = w.grant(gid)
    assert (g["status"], g["fraud"], g["breachedAt"], g["tranchesSettled"], g["paidFen"]) == (
        GrantStatus.SETTLED, True, breached_at, 3, 0)
    assert w.totals() == totals_with(fundedFen=BUDGET)  # everything promised is free again; nothing owed
    assert w.gv("withdrawableFen") == w.balance_fen() == BUDGET
    assert w.gv("outstandingOf", gid) == 0 and w.gv("currentGrantOf", FA) == 0
    assert w.gv("excludedUntil", FA) == until
    # the exclusion bars the firm; the settled grant does not
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmExcluded", firm=FA, until=until)
    assert_skipped(w, [gid], 0, Skip.NOT_ACTIVE)
    w.reverts(AGENCY, w.gp, "recordBreach", gid, breached_at, True, error="Grant_AlreadyClawedBack", grantId=gid)
    w.reverts(FA, w.gp, "repay", gid, 1, error="Grant_NoDebt", grantId=gid)
    w.chain.set_time(until)
    assert w.admit((FA, [1])) == gid + 1
    check_books(w)


def test_fraud_on_an_ended_grant_that_paid_nothing(w):
    gid = w.admit((FA, TRANCHES))
    w.g(AGENCY, "recordMissedMilestone", gid, 0)
    w.reverts(AGENCY, w.gp, "recordBreach", gid, w.chain.now, False, error="Grant_NothingReceived", grantId=gid)
    r = w.breach(gid, w.chain.now, fraud=True)
    assert r.event("GrantClawedBack").args["outstandingFen"] == 0
    assert w.status(gid) == GrantStatus.SETTLED
    assert w.gv("excludedUntil", FA) == r.timestamp + EXCLUSION_DAYS * DAY
    check_books(w)


def test_breach_twice(w):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES)
    w.spend(FA, P_PAYROLL, TRANCHES[0])
    w.breach(gid, paid_at)
    assert w.status(gid) == GrantStatus.CLAWED_BACK
    w.reverts(AGENCY, w.gp, "recordBreach", gid, paid_at, True, error="Grant_AlreadyClawedBack", grantId=gid)


def test_breach_time_between_admission_and_now(w):
    gid, _ = paid_grant(w, FA, TRANCHES)
    admitted = w.grant(gid)["admittedAt"]
    assert admitted == START
    w.reverts(AGENCY, w.gp, "recordBreach", gid, admitted - 1, False, error="Grant_BadBreachTime", grantId=gid,
              breachedAt=admitted - 1)
    future = w.chain.now + 1  # one second after the recording block
    w.reverts(AGENCY, w.gp, "recordBreach", gid, future, True, error="Grant_BadBreachTime", grantId=gid,
              breachedAt=future)
    # both ends are allowed: at admission ...
    r = w.breach(gid, admitted)
    assert r.event("GrantClawedBack").args["breachedAt"] == admitted
    # ... and the recording block's own time
    other, _ = paid_grant(w, FB, TRANCHES)
    now = w.chain.now
    r = w.breach(other, now)
    assert r.timestamp == now and r.event("GrantClawedBack").args["breachedAt"] == now


def test_breach_after_the_promise_period_only_for_fraud(w):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    promise_end = START + PROMISE_DAYS * DAY
    w.chain.set_time(promise_end + 30 * DAY)
    w.reverts(AGENCY, w.gp, "recordBreach", gid, promise_end, False, error="Grant_PromiseKept", grantId=gid,
              promiseEnd=promise_end)
    w.reverts(AGENCY, w.gp, "recordBreach", gid, promise_end + DAY, False, error="Grant_PromiseKept", grantId=gid,
              promiseEnd=promise_end)
    # cheating has no time limit
    r = w.breach(gid, promise_end + DAY, fraud=True)
    days = (promise_end + DAY - paid_at) // DAY
    assert r.event("GrantClawedBack").args["interestFen"] == interest(MILLION, days)
    assert w.grant(gid)["fraud"] is True


def test_breach_on_the_last_second_of_the_promise(w):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    promise_end = START + PROMISE_DAYS * DAY
    w.chain.set_time(promise_end + DAY)
    r = w.breach(gid, promise_end - 1)
    days = (promise_end - 1 - paid_at) // DAY
    assert r.event("GrantClawedBack").args["interestFen"] == interest(MILLION, days)
    assert w.grant(gid)["fraud"] is False


# ========================================================================================== fraud and exclusion


def test_fraud_excludes_the_firm_for_the_exclusion_period(w):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    w.chain.set_time(paid_at + 10 * HOUR)
    r = w.breach(gid, paid_at, fraud=True)  # same day: no interest; unspent covers everything
    until = r.timestamp + EXCLUSION_DAYS * DAY
    assert w.events(r) == [
        ("GrantClawedBack", {"grantId": gid, "firm": w.addr(FA), "principalFen": MILLION, "interestFen": 0,
                             "creditedOnCloseFen": 0, "returnedUnspentFen": MILLION, "outstandingFen": 0,
                             "breachedAt": paid_at}),
        ("FirmExcluded", {"firm": w.addr(FA), "until": until}),
    ]
    assert w.gv("excludedUntil", FA) == until
    assert w.status(gid) == GrantStatus.SETTLED and w.grant(gid)["fraud"] is True
    w.reverts(DEPT, w.gp, "admitFirms", [FB, FA], [[1], [1]], error="Grant_FirmExcluded", firm=FA, until=until)
    w.chain.set_time(until - 1)
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmExcluded", firm=FA, until=until)
    assert w.chain.now == until
    r = w.g(DEPT, "admitFirms", [FA], [[MILLION]])
    assert r.event("FirmAdmitted").args["firm"] == w.addr(FA)
    assert w.gv("excludedUntil", FA) == until  # the record stays; it no longer bars
    check_books(w)


def test_a_firm_with_a_fraud_debt_is_refused_for_the_debt_first(w):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_PAYROLL, MILLION)
    r = w.breach(gid, paid_at, fraud=True)
    until = r.event("FirmExcluded").args["until"]
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasDebt", firm=FA, grantId=gid,
              outstandingFen=MILLION)
    w.tok(BANK, "issue", FA, MILLION)
    w.repay(FA, gid, MILLION)
    assert w.status(gid) == GrantStatus.SETTLED
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmExcluded", firm=FA, until=until)


def test_exclusion_zero_days_bars_nothing(w):
    gp = w.deploy_programme("GrantProgramme-noexcl", rules=(RATE_BPS, PROMISE_DAYS, 0, ALLOWED))
    w.tok(BANK, "setController", gp, True)
    w.tok(DEPT, "approveEarmark", gp, MILLION)
    w.chain.send(DEPT, gp, "fund", MILLION)
    w.chain.send(DEPT, gp, "admitFirms", [FC], [[MILLION]])
    w.chain.send(AGENCY, gp, "attestMilestones", [1], 0)
    r = w.chain.send(AGENCY, gp, "recordBreach", 1, w.chain.now, True)
    assert r.event("FirmExcluded").args == {"firm": w.addr(FC), "until": r.timestamp}
    r = w.chain.send(DEPT, gp, "admitFirms", [FC], [[MILLION]])
    assert r.return_value == 2


# ========================================================================================== withheld tranches


def test_later_tranches_are_withheld_against_the_debt(w):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.spend(FA, P_SUPPLIER, TRANCHES[0])
    breached_at = paid_at + 1000 * DAY
    w.chain.set_time(breached_at)
    w.breach(gid, breached_at)
    i = interest(TRANCHES[0], 1000)
    owed = TRANCHES[0] + i  # 32,835,616
    assert w.gv("outstandingOf", gid) == owed
    balance = w.balance_fen()
    # milestone 1 (¥300,000) is withheld in full: the debt is larger
    r = w.attest([gid], 1)
    assert w.events(r) == [("TrancheWithheld", {"grantId": gid, "firm": w.addr(FA), "milestone": 1,
                                                "withheldFen": TRANCHES[1], "cancelledFen": 0})]
    assert [e for e in r.events if e.contract == "ECNY"] == []  # the money never leaves the budget
    assert w.balance_fen() == balance and w.money(FA) == 0
    assert w.gv("outstandingOf", gid) == i
    assert w.tranches(gid)[1] == {"amountFen": TRANCHES[1], "paidAt": 0}  # not paid to the firm
    g = w.grant(gid)
    assert (g["status"], g["tranchesSettled"], g["withheldFen"], g["paidFen"]) == (
        GrantStatus.CLAWED_BACK, 2, TRANCHES[1], TRANCHES[0])
    t = w.totals()
    assert (t["withheldFen"], t["paidOutFen"], t["paidToFirmsFen"], t["committedFen"]) == (
        TRANCHES[1], TRANCHES[0] + TRANCHES[1], TRANCHES[0], TRANCHES[2])
    check_books(w)
    # the firm repays part; the last tranche covers the rest and the excess is cancelled
    w.repay(FA, gid, 835_616)
    assert w.gv("outstandingOf", gid) == 2_000_000
    r = w.attest([gid], 2)
    assert w.events(r) == [("TrancheWithheld", {"grantId": gid, "firm": w.addr(FA), "milestone": 2,
                                                "withheldFen": 2_000_000, "cancelledFen": TRANCHES[2] - 2_000_000})]
    assert w.status(gid) == GrantStatus.SETTLED
    assert w.gv("currentGrantOf", FA) == 0 and w.gv("outstandingOf", gid) == 0
    g = w.grant(gid)
    assert (g["withheldFen"], g["repaidFen"], g["returnedUnspentFen"]) == (TRANCHES[1] + 2_000_000, 835_616, 0)
    assert g["paidFen"] + g["interestFen"] == g["withheldFen"] + g["repaidFen"]
    assert w.totals()["committedFen"] == 0
    # the programme lost nothing: budget back, plus interest
    assert w.balance_fen() == BUDGET - TRANCHES[0] + 835_616
    assert w.gv("withdrawableFen") == w.balance_fen()
    check_books(w)


def test_a_withheld_tranche_larger_than_the_debt_settles_and_cancels_the_rest(w):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.spend(FA, P_PAYROLL, 25_000_000)
    breached_at = paid_at + 1000 * DAY
    w.chain.set_time(breached_at)
    w.breach(gid, breached_at)
    out = w.gv("outstandingOf", gid)
    assert out == 27_835_616
    r = w.attest([gid], 1)
    cancelled = TRANCHES[1] - out + TRANCHES[2]  # excess of this tranche, and the last one
    assert w.events(r) == [("TrancheWithheld", {"grantId": gid, "firm": w.addr(FA), "milestone": 1,
                                                "withheldFen": out, "cancelledFen": cancelled})]
    assert cancelled == 42_164_384
    g = w.grant(gid)
    assert (g["status"], g["tranchesSettled"], g["withheldFen"]) == (GrantStatus.SETTLED, 3, out)
    assert w.totals()["committedFen"] == 0
    assert w.gv("currentGrantOf", FA) == 0
    assert_skipped(w, [gid], 2, Skip.NOT_ACTIVE)
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", gid, 2, error="Grant_NotActive", grantId=gid)
    check_books(w)


def test_milestones_of_a_clawed_back_grant_are_checked(w):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.spend(FA, P_PAYROLL, TRANCHES[0])
    w.breach(gid, paid_at)
    assert_skipped(w, [gid], 2, Skip.WRONG_MILESTONE)
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", gid, 0, error="Grant_WrongMilestone", grantId=gid,
              expected=1, given=0)
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", gid, 2, error="Grant_WrongMilestone", grantId=gid,
              expected=1, given=2)
    assert w.grant(gid)["tranchesSettled"] == 1


def test_repaying_in_full_cancels_the_remaining_tranches(w):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.spend(FA, P_PAYROLL, TRANCHES[0])
    w.breach(gid, paid_at)
    assert w.totals()["committedFen"] == TRANCHES[1] + TRANCHES[2]
    r = w.repay(FA, gid, TRANCHES[0])
    assert w.events(r) == [("DebtRepaid", {"grantId": gid, "firm": w.addr(FA), "amountFen": TRANCHES[0],
                                           "outstandingFen": 0})]
    assert w.status(gid) == GrantStatus.SETTLED and w.grant(gid)["tranchesSettled"] == 3
    assert w.totals()["committedFen"] == 0
    assert w.gv("withdrawableFen") == w.balance_fen() == BUDGET
    check_books(w)


# ========================================================================================== repay


def test_repay_part_of_the_debt(w):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, MILLION)
    w.breach(gid, paid_at)
    dept_balance = w.balance(DEPT)
    r = w.repay(FA, gid, 10_000_000)
    assert w.events(r) == [("DebtRepaid", {"grantId": gid, "firm": w.addr(FA), "amountFen": 10_000_000,
                                           "outstandingFen": MILLION - 10_000_000})]
    assert r.event("Earmarked").args == {"wallet": w.addr(FA), "controller": w.gp.address, "amountFen": 10_000_000}
    assert r.event("EarmarkMoved").args == {"from": w.addr(FA), "to": w.addr(DEPT), "controller": w.gp.address,
                                            "amountFen": 10_000_000}
    assert w.free(FA) == FIRM_OWN - 10_000_000 and w.money(FA) == 0
    assert w.balance(DEPT) == dept_balance + 10_000_000
    assert w.balance_fen() == BUDGET - MILLION + 10_000_000
    assert w.grant(gid)["repaidFen"] == w.totals()["repaidFen"] == 10_000_000
    assert w.status(gid) == GrantStatus.CLAWED_BACK
    check_books(w)


@pytest.mark.parametrize("caller", [DEPT, AGENCY, FB])
def test_repay_only_the_grants_firm(w, caller):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, MILLION)
    w.breach(gid, paid_at)
    w.tok(caller, "approveEarmark", w.gp, 1_000)
    w.reverts(caller, w.gp, "repay", gid, 1_000, error="Grant_NotFirm", caller=caller, firm=FA)
    assert w.gv("outstandingOf", gid) == MILLION


def test_repay_without_a_debt(w):
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES)
    w.tok(FA, "approveEarmark", w.gp, MAX_UINT)
    w.reverts(FA, w.gp, "repay", gid, 1, error="Grant_NoDebt", grantId=gid)  # active
    w.reverts(FA, w.gp, "repay", gid + 1, 1, error="Grant_UnknownGrant", grantId=gid + 1)
    assert w.free(FA) == FIRM_OWN


def test_repay_zero_and_too_much(w):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, 40_000_000)
    w.breach(gid, paid_at)
    out = 40_000_000
    assert w.gv("outstandingOf", gid) == out
    w.tok(FA, "approveEarmark", w.gp, MAX_UINT)
    w.reverts(FA, w.gp, "repay", gid, 0, error="Grant_ZeroAmount")
    w.reverts(FA, w.gp, "repay", gid, out + 1, error="Grant_RepaymentExceedsDebt", grantId=gid,
              outstandingFen=out, amountFen=out + 1)
    w.g(FA, "repay", gid, out)
    assert w.status(gid) == GrantStatus.SETTLED and w.free(FA) == FIRM_OWN - out
    w.reverts(FA, w.gp, "repay", gid, 1, error="Grant_NoDebt", grantId=gid)


def test_repay_needs_allowance_and_own_money(w):
    gid, (paid_at,) = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, MILLION)
    w.breach(gid, paid_at)
    w.reverts(FA, w.gp, "repay", gid, 1_000, error="ECNY_InsufficientAllowance", allowanceFen=0, neededFen=1_000)
    w.tok(FA, "approveEarmark", w.gp, MAX_UINT)
    w.reverts(FA, w.gp, "repay", gid, FIRM_OWN + 1, error="ECNY_InsufficientFree", freeFen=FIRM_OWN,
              neededFen=FIRM_OWN + 1)
    assert w.gv("outstandingOf", gid) == MILLION


# ========================================================================================== onWalletClose


@pytest.mark.parametrize("caller", [FA, DEPT, BANK, AGENCY])
def test_on_wallet_close_only_the_token(w, caller):
    paid_grant(w, FA, TRANCHES)
    w.reverts(caller, w.gp, "onWalletClose", FA, error="Grant_NotToken", caller=caller)
    assert w.money(FA) == TRANCHES[0]


@pytest.mark.parametrize("closer", [FA, BANK], ids=["owner", "issuer"])
def test_closing_a_firms_wallet_returns_its_grant_money(w, closer):
    gid, _ = paid_grant(w, FA, TRANCHES, paid=2)
    w.spend(FA, P_RENT, 5_000_000)
    left = TRANCHES[0] + TRANCHES[1] - 5_000_000
    supply = w.view("totalSupply")
    r = w.tok(closer, "closeWallet", FA)
    assert w.events(r) == [("GrantMoneyReturnedOnClose", {"firm": w.addr(FA), "amountFen": left})]
    assert r.event("EarmarkMoved").args == {"from": w.addr(FA), "to": w.addr(DEPT), "controller": w.gp.address,
                                            "amountFen": left}
    assert r.event("WalletClosed").args == {"wallet": w.addr(FA), "redeemedFen": FIRM_OWN}
    assert w.view("totalSupply") == supply - FIRM_OWN  # only the firm's own money is cashed out
    assert w.money(FA) == 0 and w.balance(FA) == 0
    assert w.totals()["returnedOnCloseFen"] == left
    assert w.balance_fen() == BUDGET - TRANCHES[0] - TRANCHES[1] + left
    # the last tranche stays promised until the agency ends the grant
    assert w.totals()["committedFen"] == TRANCHES[2]
    check_books(w)


def test_flaw_8_money_returned_on_close_is_credited_against_a_later_clawback(w):
    """Flaw 8, the worked case to the fen: ¥300,000 paid; the firm spends ¥100,000 on rent and closes its
    wallet: the unspent ¥200,000 returns to the department and is credited to the grant. The firm is found
    to have left 1,000 days after the payment: it owes principal ¥300,000 + interest floor(30,000,000 x 345
    x 1,000 / 3,650,000) = 2,835,616 fen, less the 20,000,000 fen already returned: 12,835,616 fen (¥128,356.16),
    not 32,835,616 (it is not asked to repay the same money twice). Its next tranche is withheld against that
    debt and the rest cancelled."""
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.spend(FA, P_RENT, 10_000_000)
    r = w.tok(FA, "closeWallet", FA)
    assert w.events(r) == [("GrantMoneyReturnedOnClose", {"firm": w.addr(FA), "amountFen": 20_000_000})]
    assert r.event("EarmarkMoved").args == {"from": w.addr(FA), "to": w.addr(DEPT), "controller": w.gp.address,
                                            "amountFen": 20_000_000}
    assert r.event("WalletClosed").args == {"wallet": w.addr(FA), "redeemedFen": FIRM_OWN}
    assert w.grant(gid)["returnedOnCloseFen"] == 20_000_000 == w.totals()["returnedOnCloseFen"]
    assert w.balance_fen() == BUDGET - TRANCHES[0] + 20_000_000
    breached_at = paid_at + 1000 * DAY
    w.chain.set_time(breached_at + DAY)
    assert w.gv("clawbackQuote", gid, breached_at) == (TRANCHES[0], 2_835_616)
    r = w.breach(gid, breached_at)
    assert w.events(r) == [("GrantClawedBack", {
        "grantId": gid, "firm": w.addr(FA), "principalFen": TRANCHES[0], "interestFen": 2_835_616,
        "creditedOnCloseFen": 20_000_000, "returnedUnspentFen": 0, "outstandingFen": 12_835_616,
        "breachedAt": breached_at})]
    assert [e for e in r.events if e.contract == "ECNY"] == []  # nothing left in the closed wallet
    assert w.gv("outstandingOf", gid) == 12_835_616
    g = w.grant(gid)
    assert (g["status"], g["paidFen"], g["interestFen"], g["returnedOnCloseFen"], g["returnedUnspentFen"]) == (
        GrantStatus.CLAWED_BACK, TRANCHES[0], 2_835_616, 20_000_000, 0)
    t = w.totals()
    assert (t["owedFen"], t["interestFen"], t["returnedOnCloseFen"]) == (12_835_616, 2_835_616, 20_000_000)
    check_books(w)
    # the next tranche (to a closed wallet) is withheld against the debt: the debt is cleared
    r = w.attest([gid], 1)
    assert w.events(r) == [("TrancheWithheld", {"grantId": gid, "firm": w.addr(FA), "milestone": 1,
                                                "withheldFen": 12_835_616,
                                                "cancelledFen": TRANCHES[1] - 12_835_616 + TRANCHES[2]})]
    assert w.status(gid) == GrantStatus.SETTLED and w.gv("outstandingOf", gid) == 0
    # the programme is whole: everything but the ¥100,000 of rent is back, and the interest covers part of it
    assert w.gv("withdrawableFen") == w.balance_fen() == BUDGET - TRANCHES[0] + 20_000_000
    assert w.free(P_RENT) == 10_000_000
    check_books(w)
    # with nothing owed and no grant money anywhere, the department's wallet may close after the promise
    w.chain.set_time(PROMISE_END)
    w.g(DEPT, "withdrawUnpaid", w.gv("withdrawableFen"))
    r = w.tok(DEPT, "closeWallet", DEPT)
    assert r.event("WalletClosed").args["wallet"] == w.addr(DEPT)


def test_money_returned_on_close_may_settle_a_later_clawback(w):
    """The firm closed its wallet with all of its grant money unspent; a breach the same day owes nothing more:
    the grant settles at once and its remaining tranches are cancelled."""
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.tok(FA, "closeWallet", FA)
    r = w.breach(gid, paid_at)
    assert r.event("GrantClawedBack").args == {
        "grantId": gid, "firm": w.addr(FA), "principalFen": TRANCHES[0], "interestFen": 0,
        "creditedOnCloseFen": TRANCHES[0], "returnedUnspentFen": 0, "outstandingFen": 0, "breachedAt": paid_at}
    assert w.status(gid) == GrantStatus.SETTLED and w.gv("outstandingOf", gid) == 0
    assert w.totals()["committedFen"] == 0 and w.totals()["owedFen"] == 0
    assert w.gv("withdrawableFen") == w.balance_fen() == BUDGET
    assert w.gv("currentGrantOf", FA) == 0
    check_books(w)


def test_a_breach_can_be_recorded_after_a_close_that_returned_an_earlier_grants_money(w):
    """Found in review: the whole close used to be credited to the live grant, an earlier grant's unspent money
    too, and the breach then underflowed (Panic), so even fraud could not be recorded. Only the live grant's
    own money is credited now."""
    first, _ = paid_grant(w, FA, [MILLION])  # completed, kept unspent
    w.chain.set_time(PROMISE_END)  # the first grant's promise is kept: the firm may take another
    second = w.admit((FA, [TRANCHES[0]]))
    w.chain.advance(days=10)
    w.attest([second], 0)
    r = w.tok(FA, "closeWallet", FA)  # returns ¥1,000,000 of the first grant and ¥300,000 of the second
    assert [e.args["amountFen"] for e in r.events_named("GrantMoneyReturnedOnClose")] == [MILLION + TRANCHES[0]]
    assert w.grant(second)["returnedOnCloseFen"] == TRANCHES[0]  # only the second grant's own money
    r = w.breach(second, w.chain.now, fraud=True)
    args = r.event("GrantClawedBack").args
    assert args["creditedOnCloseFen"] == TRANCHES[0] and args["returnedUnspentFen"] == 0
    assert args["outstandingFen"] == args["interestFen"]  # the principal came back on the close
    assert r.event("FirmExcluded").args["firm"] == w.addr(FA)


def test_closing_a_wallet_without_grant_money_returns_nothing(w):
    paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, MILLION)
    r = w.tok(FA, "closeWallet", FA)
    assert w.events(r) == []
    assert w.totals()["returnedOnCloseFen"] == 0
    r = w.tok(FB, "closeWallet", FB)  # never dealt with the programme
    assert w.events(r) == []


def test_the_departments_wallet_cannot_close_while_it_holds_budget(w):
    w.reverts(DEPT, w.token, "closeWallet", DEPT, error="Grant_DepartmentWalletNeeded", department=DEPT)
    w.reverts(BANK, w.token, "closeWallet", DEPT, error="Grant_DepartmentWalletNeeded", department=DEPT)
    w.g(DEPT, "withdrawUnpaid", BUDGET - 1)
    w.reverts(DEPT, w.token, "closeWallet", DEPT, error="Grant_DepartmentWalletNeeded", department=DEPT)
    w.g(DEPT, "withdrawUnpaid", 1)
    r = w.tok(DEPT, "closeWallet", DEPT)
    assert r.event("WalletClosed").args == {"wallet": w.addr(DEPT), "redeemedFen": DEPT_OWN}
    assert w.view("isOpen", DEPT) is False


def test_the_departments_wallet_cannot_close_while_a_paid_grants_promise_runs(w):
    """Even with no budget, no grant money and no debt: a breach during a promise would pay money back into the
    department's wallet. The latest promise end of any paid grant counts."""
    at_start(w)
    a = w.admit((FA, [MILLION]))
    w.attest([a], 0)
    w.chain.set_time(START + 100 * DAY)
    b = w.admit((FB, TRANCHES))
    w.chain.set_time(START + 110 * DAY)
    w.attest([b], 0)
    w.g(AGENCY, "recordMissedMilestone", b, 1)
    late_end = w.gv("promiseEndOf", b)
    assert late_end == START + 100 * DAY + PROMISE_DAYS * DAY > w.gv("promiseEndOf", a) == PROMISE_END
    w.spend(FA, P_SUPPLIER, MILLION)
    w.spend(FB, P_SUPPLIER, TRANCHES[0])
    w.g(DEPT, "withdrawUnpaid", w.gv("withdrawableFen"))
    assert w.balance_fen() == 0 and w.view("earmarkedTotalOf", w.gp) == 0
    assert sum(w.gv("outstandingOf", g) for g in (a, b)) == 0
    w.reverts(DEPT, w.token, "closeWallet", DEPT, error="Grant_DepartmentWalletNeeded", department=DEPT)
    w.chain.set_time(PROMISE_END)  # the first promise has ended, the second still runs
    w.reverts(BANK, w.token, "closeWallet", DEPT, error="Grant_DepartmentWalletNeeded", department=DEPT)
    w.chain.set_time(late_end - 1)
    w.reverts(DEPT, w.token, "closeWallet", DEPT, error="Grant_DepartmentWalletNeeded", department=DEPT)
    assert w.view("isOpen", DEPT) is True
    w.chain.set_time(late_end)
    r = w.tok(DEPT, "closeWallet", DEPT)
    assert r.timestamp == late_end
    assert r.event("WalletClosed").args["wallet"] == w.addr(DEPT)
    assert w.view("isOpen", DEPT) is False


def test_the_departments_wallet_closes_when_no_grant_was_paid(w):
    """A grant that paid nothing has no promise to keep: it does not hold the department's wallet open."""
    gid = w.admit((FA, TRANCHES))
    w.g(AGENCY, "recordMissedMilestone", gid, 0)
    w.g(DEPT, "withdrawUnpaid", BUDGET)
    r = w.tok(DEPT, "closeWallet", DEPT)
    assert r.event("WalletClosed").args == {"wallet": w.addr(DEPT), "redeemedFen": DEPT_OWN}


def test_a_firm_can_always_close_its_wallet_even_after_the_department_tried_to_close(w):
    gid, _ = paid_grant(w, FA, [MILLION])  # completed, unspent grant money in the firm's wallet
    w.g(DEPT, "withdrawUnpaid", w.gv("withdrawableFen"))
    assert w.balance_fen() == 0 and w.money(FA) == MILLION
    # the department's close is refused while its wallet may still receive programme money ...
    w.reverts(DEPT, w.token, "closeWallet", DEPT, error="Grant_DepartmentWalletNeeded", department=DEPT)
    # ... so that the firm can still close its own wallet and its grant money returns
    r = w.chain.send(FA, w.token, "closeWallet", FA, allow_revert=True)
    assert r.ok, r.error
    assert w.totals()["returnedOnCloseFen"] == MILLION


# ========================================================================================== one live grant per firm


def test_a_firm_under_promise_gets_a_second_grant_only_after_its_debt_is_settled(w):
    """While its completed grant's promise runs the firm cannot take another; a breach makes that grant a debt;
    once the debt is settled the firm may be admitted, and the new grant is the only live one."""
    first, _ = paid_grant(w, FA, [MILLION])  # completed
    w.spend(FA, P_SUPPLIER, MILLION)
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [TRANCHES], error="Grant_FirmUnderPromise", firm=FA,
              grantId=first, promiseEnd=PROMISE_END)
    w.breach(first, w.chain.now)  # the first grant's promise broken: a debt of ¥1,000,000
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [TRANCHES], error="Grant_FirmHasDebt", firm=FA, grantId=first,
              outstandingFen=MILLION)
    w.tok(BANK, "issue", FA, MILLION)
    w.repay(FA, first, MILLION - 1)
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [TRANCHES], error="Grant_FirmHasDebt", firm=FA, grantId=first,
              outstandingFen=1)
    w.repay(FA, first, 1)
    assert w.status(first) == GrantStatus.SETTLED and w.gv("currentGrantOf", FA) == 0
    second = w.admit((FA, TRANCHES))  # allowed: the settled grant is no longer live
    assert w.gv("currentGrantOf", FA) == second
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasActiveGrant", firm=FA, grantId=second)
    check_books(w)


def test_a_breach_the_debt_and_the_grant_money_belong_to_the_one_live_grant(w):
    """The firm's grant money in its wallet is the live grant's: a breach returns it against that grant's
    debt, and withheld tranches and repayments settle that same grant."""
    gid, (paid_at,) = paid_grant(w, FA, TRANCHES, paid=1)
    w.chain.advance(days=30)
    w.attest([gid], 1)
    w.spend(FA, P_SUPPLIER, 30_000_000)
    assert w.money(FA) == 30_000_000
    paid = {m: t["paidAt"] for m, t in enumerate(w.tranches(gid)) if t["paidAt"]}
    breached_at = w.chain.now
    r = w.breach(gid, breached_at)
    owed = TRANCHES[0] + TRANCHES[1] + sum(interest(TRANCHES[m], (breached_at - t) // DAY) for m, t in paid.items())
    assert r.event("GrantClawedBack").args["returnedUnspentFen"] == 30_000_000
    assert w.money(FA) == 0
    assert w.gv("outstandingOf", gid) == owed - 30_000_000
    assert w.gv("currentGrantOf", FA) == gid
    w.repay(FA, gid, 1_000_000)
    r = w.attest([gid], 2)  # the last tranche covers the rest
    rest = owed - 30_000_000 - 1_000_000
    assert r.event("TrancheWithheld").args == {"grantId": gid, "firm": w.addr(FA), "milestone": 2,
                                               "withheldFen": rest, "cancelledFen": TRANCHES[2] - rest}
    g = w.grant(gid)
    assert g["status"] == GrantStatus.SETTLED
    assert (g["returnedUnspentFen"], g["repaidFen"], g["withheldFen"]) == (30_000_000, 1_000_000, rest)
    assert w.gv("currentGrantOf", FA) == 0
    assert w.admit((FA, [1])) == gid + 1
    check_books(w)


def test_a_debt_bars_the_firm_after_the_promise_period_and_after_the_exclusion(w):
    gid, _ = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, MILLION)
    r = w.breach(gid, w.chain.now, fraud=True)
    until = r.event("FirmExcluded").args["until"]
    w.chain.set_time(max(until, PROMISE_END) + DAY)
    out = w.gv("outstandingOf", gid)
    assert out == MILLION
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1]], error="Grant_FirmHasDebt", firm=FA, grantId=gid,
              outstandingFen=out)
    w.tok(BANK, "issue", FA, MILLION)
    w.repay(FA, gid, out)
    assert w.admit((FA, [1])) == gid + 1
    check_books(w)


def test_attesting_a_clawed_back_grant_with_no_tranches_left(w):
    gid, _ = paid_grant(w, FA, [MILLION])  # completed: no tranche left
    w.spend(FA, P_SUPPLIER, MILLION)
    w.breach(gid, w.chain.now)
    assert w.status(gid) == GrantStatus.CLAWED_BACK
    assert_skipped(w, [gid], 1, Skip.NOT_ACTIVE)
    w.reverts(AGENCY, w.gp, "recordMissedMilestone", gid, 1, error="Grant_NotActive", grantId=gid)


# ========================================================================================== a whole programme


def test_a_programme_keeps_its_books_to_the_fen(w):
    """Three firms over several years: payments, spending, a missed milestone, a breach with withheld tranches
    and repayment, a fraud, a closed wallet, top-ups and withdrawals; the identities hold after every step and
    every wallet's balance is known to the fen."""
    supply = w.view("totalSupply")
    at_start(w)
    a, b, c = 1, 2, 3
    assert w.admit((FA, TRANCHES), (FB, [50_000_000, 50_000_000]), (FC, [20_000_000] * 4)) == 1
    check_books(w)
    w.chain.set_time(START + 30 * DAY)
    w.attest([a, b, c], 0)
    check_books(w)
    w.spend(FA, P_PAYROLL, 10_000_000)
    w.spend(FB, P_RENT, 50_000_000)
    w.spend(FC, P_SUPPLIER, 5_000_000)
    w.tok(FC, "transfer", P_EQUIPMENT, 3_000_000)  # own money
    check_books(w)
    w.chain.set_time(START + 200 * DAY)
    w.attest([a, c], 1)
    w.g(AGENCY, "recordMissedMilestone", b, 1)  # firm B misses: ¥500,000 free again
    check_books(w)
    w.g(DEPT, "withdrawUnpaid", 100_000_000)
    w.tok(DEPT, "approveEarmark", w.gp, 10_000_000)
    w.g(DEPT, "fund", 10_000_000)
    check_books(w)
    # firm A leaves the city 600 days after its first payment: 2 tranches paid, 1 left
    paid = {m: t["paidAt"] for m, t in enumerate(w.tranches(a)) if t["paidAt"]}
    breached_at = START + 30 * DAY + 600 * DAY
    w.chain.set_time(breached_at + DAY)
    w.spend(FA, P_SUPPLIER, 30_000_000)
    w.breach(a, breached_at)
    i_a = sum(interest(TRANCHES[m], (breached_at - t) // DAY) for m, t in paid.items())
    owed_a = TRANCHES[0] + TRANCHES[1] + i_a
    assert w.grant(a)["returnedUnspentFen"] == 20_000_000
    assert w.gv("outstandingOf", a) == owed_a - 20_000_000
    check_books(w)
    w.repay(FA, a, 5_000_000)
    w.attest([a], 2)  # withheld: the ¥400,000 tranche covers the rest of the debt
    assert w.status(a) == GrantStatus.SETTLED
    withheld_a = owed_a - 20_000_000 - 5_000_000
    assert withheld_a < TRANCHES[2]
    assert w.grant(a)["withheldFen"] == withheld_a
    check_books(w)
    # firm C is found cheating after its second payment; it spent some, so part is a debt
    w.chain.advance(days=10)
    r = w.breach(c, w.chain.now, fraud=True)
    paid_c = [t["paidAt"] for t in w.tranches(c) if t["paidAt"]]
    i_c = sum(interest(20_000_000, (r.timestamp - t) // DAY) for t in paid_c)
    owed_c = 40_000_000 + i_c
    assert r.event("GrantClawedBack").args["returnedUnspentFen"] == 35_000_000
    assert w.gv("outstandingOf", c) == owed_c - 35_000_000
    check_books(w)
    w.attest([c], 2)  # withheld; the excess and the last tranche are cancelled
    assert w.status(c) == GrantStatus.SETTLED
    check_books(w)
    # firm B closes its wallet: nothing left of its grant money (spent all)
    w.tok(FB, "closeWallet", FB)
    check_books(w)
    t = w.totals()
    assert t == totals_with(
        fundedFen=BUDGET + 10_000_000, withdrawnFen=100_000_000, committedFen=0,
        paidOutFen=30_000_000 + 30_000_000 + 50_000_000 + 40_000_000 + withheld_a + (owed_c - 35_000_000),
        paidToFirmsFen=60_000_000 + 50_000_000 + 40_000_000,
        spentFen=10_000_000 + 50_000_000 + 5_000_000 + 30_000_000,
        owedFen=owed_a + owed_c, interestFen=i_a + i_c, returnedUnspentFen=20_000_000 + 35_000_000,
        repaidFen=5_000_000, withheldFen=withheld_a + owed_c - 35_000_000, returnedOnCloseFen=0)
    # every wallet to the fen
    assert w.balance_fen() == BUDGET + 10_000_000 - 100_000_000 - 150_000_000 + 55_000_000 + 5_000_000
    assert w.free(DEPT) == DEPT_OWN - BUDGET + 100_000_000 - 10_000_000
    assert w.balance(DEPT) == w.free(DEPT) + w.balance_fen()
    assert (w.free(FA), w.money(FA)) == (FIRM_OWN - 5_000_000, 0)
    assert w.view("isOpen", FB) is False and w.balance(FB) == 0
    assert (w.free(FC), w.money(FC)) == (FIRM_OWN - 3_000_000, 0)
    assert w.free(P_PAYROLL) == 10_000_000 and w.free(P_RENT) == 50_000_000
    assert w.free(P_SUPPLIER) == 35_000_000 and w.free(P_EQUIPMENT) == 3_000_000
    assert w.view("earmarkedTotalOf", w.gp) == w.balance_fen()
    assert w.view("totalSupply") == supply - FIRM_OWN  # firm B's own money was cashed out on close
    # the programme got back everything it paid out to A and C, plus interest
    assert w.gv("withdrawableFen") == w.balance_fen()


# ========================================================================================== fraud on an old grant


def test_fraud_on_an_old_grant_waits_for_the_live_one_and_then_bars_new_grants(w):
    """A firm's first grant (promise over) is found fraudulent while a second grant is live: the agency must deal
    with the live grant first, so the clawback never takes the second grant's money as the first one's. Once
    the old grant is clawed back, its debt makes it live again and bars new admissions."""
    old, _ = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, MILLION)
    w.chain.set_time(PROMISE_END)
    new = w.admit((FA, [MILLION]))
    w.attest([new], 0)
    assert w.money(FA) == MILLION  # the new grant's money, unspent
    w.reverts(AGENCY, w.gp, "recordBreach", old, w.chain.now, True, error="Grant_AnotherGrantLive", grantId=old,
              liveGrantId=new)
    # the live grant first: its unspent money is all it owes, so it settles at once
    w.breach(new, w.chain.now, fraud=True)
    assert w.status(new) == GrantStatus.SETTLED and w.money(FA) == 0
    assert w.gv("currentGrantOf", FA) == 0
    r = w.breach(old, w.chain.now, fraud=True)
    claw = r.event("GrantClawedBack").args
    assert claw["returnedUnspentFen"] == 0 and claw["principalFen"] == MILLION
    assert claw["outstandingFen"] == MILLION + claw["interestFen"]
    assert w.gv("currentGrantOf", FA) == old
    # after the exclusion the debt still bars a new grant
    w.chain.set_time(w.gv("excludedUntil", FA))
    w.reverts(DEPT, w.gp, "admitFirms", [FA], [[1_000]], error="Grant_FirmHasDebt", firm=FA, grantId=old,
              outstandingFen=claw["outstandingFen"])
    check_books(w)


def test_a_breach_needs_the_departments_wallet_open(w):
    gid, _ = paid_grant(w, FA, [MILLION])
    w.spend(FA, P_SUPPLIER, MILLION)
    w.g(DEPT, "withdrawUnpaid", w.gv("withdrawableFen"))
    w.chain.set_time(PROMISE_END)
    w.tok(DEPT, "closeWallet", DEPT)  # every promise is over, nothing is held or owed
    w.reverts(AGENCY, w.gp, "recordBreach", gid, w.chain.now, True, error="Grant_DepartmentWalletNeeded",
              department=DEPT)
