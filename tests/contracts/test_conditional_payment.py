"""ConditionalPayment (with ECNY): every external function, happy path, each revert, access control.

The module's world is the base world (conftest) plus one ConditionalPayment registered as a token controller
and a car prepayment's parties: a buyer (id-verified wallet, ¥40,000), two dealers (corporate wallets) and a
verifier (the vehicle registration office, which needs no wallet). The clock starts at START; the default
payment (¥20,000) runs until DEADLINE, a week later. The contract's dispute window is WINDOW (two weeks): a
dispute gives the verifier until WINDOW after the dispute to decide. Every test runs between a snapshot and a
revert.

Enums (types/SubsidyTypes.sol): PaymentStatus(None, Pending, Disputed, Released, Returned) and
ReturnReason(ConditionFailed, PayeeDeclined, DeadlinePassed).
"""

from __future__ import annotations

from enum import IntEnum

import pytest

from contract_testkit import BANK, DAY, MAX_UINT, REGULATOR, T0, TIER, ZERO
from ecny_sim.chain.errors import ContractRevert
from ecny_sim.domain.settings import WALLET_TIERS

BUYER = "buyer:li"  # the payer
DEALER = "dealer:x"  # the payee
DEALER_B = "dealer:y"
VERIFIER = "verifier:dmv"  # attests registration of the car; no wallet
OTHER = "citizen:x"  # no part in any payment; no wallet

BUYER_FUND = 4_000_000  # ¥40,000
DEALER_FUND = 50_000  # ¥500
AMOUNT = 2_000_000  # ¥20,000
START = T0 + DAY
DEADLINE = START + 7 * DAY
WINDOW = 14 * DAY  # the dispute window: longer than the default payment's week
MAX_WINDOW = 3650 * DAY
PER_PAYMENT = WALLET_TIERS["id_verified"].per_payment_fen
U128 = 2**128
U64 = 2**64


class Status(IntEnum):
    NONE = 0
    PENDING = 1
    DISPUTED = 2
    RELEASED = 3
    RETURNED = 4


class Reason(IntEnum):
    CONDITION_FAILED = 0
    PAYEE_DECLINED = 1
    DEADLINE_PASSED = 2


@pytest.fixture(scope="module")
def world(world):
    """The conftest world plus the ConditionalPayment contract (`world.cp`) and the parties' wallets."""
    art = world.art["ConditionalPayment"]
    world.cp = world.chain.deploy("conditional", art["abi"], art["bytecode"], BANK, (world.token, WINDOW))
    world.tok(BANK, "setController", world.cp, True)
    world.open_wallet(BUYER, "id_verified", BUYER_FUND)
    world.open_wallet(DEALER, "corporate", DEALER_FUND)
    world.open_wallet(DEALER_B, "corporate", DEALER_FUND)
    world.chain.set_time(START)
    return world


# ------------------------------------------------------------------------------------------ helpers


def create(w, amount=AMOUNT, deadline=DEADLINE, *, payer=BUYER, payee=DEALER, verifier=VERIFIER, approve=None):
    """The payer allows the contract `amount` (or `approve`) and creates the payment; returns the TxResult."""
    w.tok(payer, "approveEarmark", w.cp, amount if approve is None else approve)
    return w.send(payer, w.cp, "create", payee, verifier, amount, deadline)


def new_payment(w, **kw) -> int:
    return create(w, **kw).return_value


def info(w, pid: int) -> dict:
    return w.call(w.cp, "paymentOf", pid)


def status(w, pid: int) -> Status:
    return Status(info(w, pid)["status"])


def cp_events(r) -> list[tuple[str, dict]]:
    return [(e.name, e.args) for e in r.events if e.contract == "conditional"]


def tok_events(r) -> list[tuple[str, dict]]:
    return [(e.name, e.args) for e in r.events if e.contract == "ECNY"]


def disputed(w, pid: int, at: int | None = None) -> int:
    """The dealer disputes payment `pid` (at `at`, if given); returns the verifier's new deadline."""
    if at is not None:
        w.chain.set_time(at)
    r = w.send(DEALER, w.cp, "dispute", pid)
    decide_by = r.timestamp + WINDOW
    assert info(w, pid)["deadline"] == decide_by
    return decide_by


def untouched(w, pid: int = 1, amount: int = AMOUNT) -> None:
    """The payment is still locked in the buyer's wallet; the dealer got nothing."""
    assert w.earmarked(BUYER, w.cp) == amount
    assert w.free(BUYER) == BUYER_FUND - amount
    assert w.balance(BUYER) == BUYER_FUND
    assert w.free(DEALER) == DEALER_FUND


# ========================================================================================== constructor / views


def test_constructor_and_views_of_a_fresh_contract(w):
    assert w.call(w.cp, "token") == w.token.address
    assert w.call(w.cp, "disputeWindow") == WINDOW
    assert w.call(w.cp, "paymentCount") == 0
    assert info(w, 1) == {"payer": ZERO, "createdAt": 0, "deadline": 0, "payee": ZERO, "amountFen": 0,
                          "verifier": ZERO, "status": Status.NONE}
    assert w.call(w.cp, "isReclaimable", 0) is False
    assert w.call(w.cp, "isReclaimable", 1) is False


def test_constructor_rejects_zero_token(w):
    art = w.art["ConditionalPayment"]
    with pytest.raises(ContractRevert) as exc:
        w.chain.deploy("bad", art["abi"], art["bytecode"], BANK, (ZERO, WINDOW))
    assert exc.value.error_name == "Conditional_ZeroAddress"
    with pytest.raises(ContractRevert) as exc:  # the token is checked first
        w.chain.deploy("bad", art["abi"], art["bytecode"], BANK, (ZERO, 0))
    assert exc.value.error_name == "Conditional_ZeroAddress"


@pytest.mark.parametrize("window", [0, MAX_WINDOW + 1, 2**64, MAX_UINT],
                         ids=["zero", "3650-days-and-1-s", "2^64", "max-uint"])
def test_constructor_rejects_an_invalid_dispute_window(w, window):
    art = w.art["ConditionalPayment"]
    with pytest.raises(ContractRevert) as exc:
        w.chain.deploy("bad", art["abi"], art["bytecode"], BANK, (w.token, window))
    assert exc.value.error_name == "Conditional_InvalidDisputeWindow"
    assert exc.value.args == {"disputeWindow": window}


@pytest.mark.parametrize("window", [1, MAX_WINDOW], ids=["one-second", "3650-days"])
def test_constructor_accepts_the_dispute_windows_bounds(w, window):
    art = w.art["ConditionalPayment"]
    cp = w.chain.deploy(f"conditional-{window}", art["abi"], art["bytecode"], BANK, (w.token, window))
    assert w.call(cp, "disputeWindow") == window
    assert w.call(cp, "token") == w.token.address
    # the longest window still fits the 64-bit deadline: a dispute works and sets it
    w.tok(BANK, "setController", cp, True)
    w.tok(BUYER, "approveEarmark", cp, AMOUNT)
    pid = w.send(BUYER, cp, "create", DEALER, VERIFIER, AMOUNT, DEADLINE).return_value
    r = w.send(DEALER, cp, "dispute", pid)
    assert r.event("PaymentDisputed").args["decideBy"] == r.timestamp + window
    assert w.call(cp, "paymentOf", pid)["deadline"] == r.timestamp + window


# ========================================================================================== create


def test_create_earmarks_the_amount_in_the_payers_own_wallet(w):
    r = create(w)
    assert r.return_value == 1
    assert cp_events(r) == [("PaymentCreated", {
        "paymentId": 1, "payer": w.addr(BUYER), "payee": w.addr(DEALER), "verifier": w.addr(VERIFIER),
        "amountFen": AMOUNT, "deadline": DEADLINE})]
    assert tok_events(r) == [("Earmarked", {"wallet": w.addr(BUYER), "controller": w.cp.address,
                                            "amountFen": AMOUNT})]
    untouched(w)  # the buyer sees the money in its own wallet but cannot spend it
    assert w.view("earmarkedTotalOf", w.cp) == AMOUNT
    assert w.view("earmarkAllowance", BUYER, w.cp) == 0  # the allowance is used up
    assert info(w, 1) == {"payer": w.addr(BUYER), "createdAt": r.timestamp, "deadline": DEADLINE,
                          "payee": w.addr(DEALER), "amountFen": AMOUNT, "verifier": w.addr(VERIFIER),
                          "status": Status.PENDING}
    assert w.call(w.cp, "paymentCount") == 1
    assert w.call(w.cp, "isReclaimable", 1) is False
    # the locked money cannot be paid elsewhere
    w.reverts(BUYER, w.token, "transfer", DEALER_B, BUYER_FUND - AMOUNT + 1, error="ECNY_InsufficientFree",
              wallet=BUYER, freeFen=BUYER_FUND - AMOUNT, neededFen=BUYER_FUND - AMOUNT + 1)


def test_payments_are_numbered_and_independent(w):
    p1 = new_payment(w)
    p2 = new_payment(w, amount=300_000, payee=DEALER_B, deadline=DEADLINE + DAY)
    assert (p1, p2) == (1, 2)
    assert w.call(w.cp, "paymentCount") == 2
    assert w.earmarked(BUYER, w.cp) == AMOUNT + 300_000
    assert info(w, 2)["payee"] == w.addr(DEALER_B)
    assert info(w, 2)["deadline"] == DEADLINE + DAY
    w.send(BUYER, w.cp, "confirm", p2)
    assert w.free(DEALER_B) == DEALER_FUND + 300_000
    assert status(w, p1) == Status.PENDING
    assert w.earmarked(BUYER, w.cp) == AMOUNT
    assert w.free(BUYER) == BUYER_FUND - AMOUNT - 300_000
    assert w.balance(BUYER) == BUYER_FUND - 300_000
    assert w.free(DEALER) == DEALER_FUND


def test_the_payer_may_not_be_the_verifier(w):
    """A payer verifying itself could take the money back as "condition failed": three distinct parties."""
    w.tok(BUYER, "approveEarmark", w.cp, AMOUNT)
    w.reverts(BUYER, w.cp, "create", DEALER, BUYER, AMOUNT, DEADLINE, error="Conditional_InvalidParties",
              payer=BUYER, payee=DEALER, verifier=BUYER)
    assert w.call(w.cp, "paymentCount") == 0
    assert w.earmarked(BUYER, w.cp) == 0 and w.free(BUYER) == BUYER_FUND
    assert w.view("earmarkAllowance", BUYER, w.cp) == AMOUNT  # nothing used
    # with another verifier the same payment is accepted, and the payer cannot reject it
    pid = w.send(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, DEADLINE).return_value
    w.reverts(BUYER, w.cp, "reject", pid, error="Conditional_NotAllowed", paymentId=pid, caller=BUYER)
    untouched(w, pid)


@pytest.mark.parametrize("which", ["payee", "verifier", "both"])
def test_create_rejects_zero_address(w, which):
    payee = ZERO if which in ("payee", "both") else DEALER
    verifier = ZERO if which in ("verifier", "both") else VERIFIER
    w.tok(BUYER, "approveEarmark", w.cp, AMOUNT)
    w.reverts(BUYER, w.cp, "create", payee, verifier, AMOUNT, DEADLINE, error="Conditional_ZeroAddress")
    assert w.call(w.cp, "paymentCount") == 0
    assert w.free(BUYER) == BUYER_FUND


@pytest.mark.parametrize("payee, verifier", [(BUYER, VERIFIER), (DEALER, DEALER), (DEALER, BUYER), (BUYER, BUYER)],
                         ids=["payee-is-payer", "payee-is-verifier", "verifier-is-payer", "all-three-the-same"])
def test_create_rejects_invalid_parties(w, payee, verifier):
    w.tok(BUYER, "approveEarmark", w.cp, AMOUNT)
    w.reverts(BUYER, w.cp, "create", payee, verifier, AMOUNT, DEADLINE, error="Conditional_InvalidParties",
              payer=BUYER, payee=payee, verifier=verifier)
    assert w.call(w.cp, "paymentCount") == 0
    assert w.earmarked(BUYER, w.cp) == 0


def test_create_rejects_zero_amount(w):
    w.tok(BUYER, "approveEarmark", w.cp, AMOUNT)
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, 0, DEADLINE, error="Conditional_ZeroAmount")
    assert w.call(w.cp, "paymentCount") == 0


@pytest.mark.parametrize("amount", [U128, U128 + 1, MAX_UINT])
def test_create_rejects_amounts_of_2_to_the_128_or_more(w, amount):
    w.tok(BUYER, "approveEarmark", w.cp, MAX_UINT)
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, amount, DEADLINE, error="Conditional_AmountTooLarge",
              amountFen=amount, maxFen=U128 - 1)
    assert w.call(w.cp, "paymentCount") == 0


def test_create_the_largest_amount_passes_to_the_tokens_checks(w):
    # 2^128 - 1 is within the contract's bound; the token then refuses it (the wallet's limits, then its money)
    w.tok(BUYER, "approveEarmark", w.cp, MAX_UINT)
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, U128 - 1, DEADLINE, error="ECNY_PerPaymentLimitExceeded",
              wallet=BUYER, amountFen=U128 - 1, limitFen=PER_PAYMENT)
    w.tok(BANK, "setWalletTier", BUYER, TIER["corporate"])
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, U128 - 1, DEADLINE, error="ECNY_InsufficientFree",
              wallet=BUYER, freeFen=BUYER_FUND, neededFen=U128 - 1)
    assert w.call(w.cp, "paymentCount") == 0


def test_create_rejects_a_deadline_not_in_the_future(w):
    w.tok(BUYER, "approveEarmark", w.cp, MAX_UINT)
    now = w.chain.now  # the block time of the next transaction
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, now, error="Conditional_DeadlineNotInFuture",
              deadline=now)
    for deadline in (w.chain.now - 1, 0):
        w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, deadline,
                  error="Conditional_DeadlineNotInFuture", deadline=deadline)
    # one second ahead is in the future
    pid = w.send(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, w.chain.now + 1).return_value
    assert info(w, pid)["deadline"] == info(w, pid)["createdAt"] + 1


def test_create_rejects_a_deadline_beyond_64_bits(w):
    w.tok(BUYER, "approveEarmark", w.cp, MAX_UINT)
    for deadline in (U64, U64 + DEADLINE, MAX_UINT):  # would be cut to 64 bits when stored
        w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, deadline,
                  error="Conditional_DeadlineNotInFuture", deadline=deadline)
    pid = w.send(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, U64 - 1).return_value
    assert info(w, pid)["deadline"] == U64 - 1


def test_create_needs_the_payers_allowance(w):
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, DEADLINE, error="ECNY_InsufficientAllowance",
              wallet=BUYER, controller=w.cp, allowanceFen=0, neededFen=AMOUNT)
    w.tok(BUYER, "approveEarmark", w.cp, AMOUNT - 1)
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, DEADLINE, error="ECNY_InsufficientAllowance",
              allowanceFen=AMOUNT - 1, neededFen=AMOUNT)
    assert w.call(w.cp, "paymentCount") == 0
    assert w.free(BUYER) == BUYER_FUND


def test_create_needs_the_payers_free_money_and_limits(w):
    w.tok(BUYER, "approveEarmark", w.cp, MAX_UINT)
    over = PER_PAYMENT + 1
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, over, DEADLINE, error="ECNY_PerPaymentLimitExceeded",
              wallet=BUYER, amountFen=over, limitFen=PER_PAYMENT)
    w.tok(BANK, "setWalletTier", BUYER, TIER["corporate"])  # no limits: now only the free money counts
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, BUYER_FUND + 1, DEADLINE, error="ECNY_InsufficientFree",
              wallet=BUYER, freeFen=BUYER_FUND, neededFen=BUYER_FUND + 1)
    pid = w.send(BUYER, w.cp, "create", DEALER, VERIFIER, BUYER_FUND, DEADLINE).return_value
    assert w.free(BUYER) == 0 and w.earmarked(BUYER, w.cp) == BUYER_FUND
    assert pid == 1


def test_create_from_a_frozen_or_missing_wallet(w):
    w.tok(BUYER, "approveEarmark", w.cp, AMOUNT)
    w.tok(REGULATOR, "freezeWallet", BUYER)
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, DEADLINE, error="ECNY_WalletFrozen", wallet=BUYER)
    w.tok(OTHER, "approveEarmark", w.cp, AMOUNT)
    w.reverts(OTHER, w.cp, "create", DEALER, VERIFIER, AMOUNT, DEADLINE, error="ECNY_WalletNotOpen", wallet=OTHER)
    assert w.call(w.cp, "paymentCount") == 0


def test_create_needs_the_contract_registered_as_controller(w):
    w.tok(BANK, "setController", w.cp, False)
    w.tok(BUYER, "approveEarmark", w.cp, AMOUNT)
    w.reverts(BUYER, w.cp, "create", DEALER, VERIFIER, AMOUNT, DEADLINE, error="ECNY_NotController", caller=w.cp)
    assert w.call(w.cp, "paymentCount") == 0


# ========================================================================================== confirm


def _released(w, r, pid: int, decided_by: str, amount: int = AMOUNT, payee: str = DEALER) -> None:
    assert cp_events(r) == [("PaymentReleased", {"paymentId": pid, "payee": w.addr(payee), "amountFen": amount,
                                                 "decidedBy": w.addr(decided_by)})]
    assert tok_events(r) == [("EarmarkReleased", {"wallet": w.addr(BUYER), "controller": w.cp.address,
                                                  "payee": w.addr(payee), "amountFen": amount})]
    assert status(w, pid) == Status.RELEASED
    assert w.free(payee) == DEALER_FUND + amount
    assert w.earmarked(BUYER, w.cp) == 0
    assert w.balance(BUYER) == w.free(BUYER) == BUYER_FUND - amount
    assert w.view("earmarkedTotalOf", w.cp) == 0
    assert w.call(w.cp, "isReclaimable", pid) is False


def test_payer_confirms_delivery(w):
    pid = new_payment(w)
    r = w.send(BUYER, w.cp, "confirm", pid)
    _released(w, r, pid, BUYER)


def test_payer_may_confirm_after_the_deadline(w):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE + DAY)
    assert w.call(w.cp, "isReclaimable", pid) is True
    r = w.send(BUYER, w.cp, "confirm", pid)
    _released(w, r, pid, BUYER)


def test_verifier_confirms_in_the_last_second(w):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE - 1)
    r = w.send(VERIFIER, w.cp, "confirm", pid)
    assert r.timestamp == DEADLINE - 1
    _released(w, r, pid, VERIFIER)


@pytest.mark.parametrize("fn", ["confirm", "reject"])
def test_verifier_too_late_while_pending(w, fn):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE)
    w.reverts(VERIFIER, w.cp, fn, pid, error="Conditional_DeadlinePassed", paymentId=pid, deadline=DEADLINE)
    w.chain.advance(days=30)
    w.reverts(VERIFIER, w.cp, fn, pid, error="Conditional_DeadlinePassed", paymentId=pid, deadline=DEADLINE)
    assert status(w, pid) == Status.PENDING
    untouched(w, pid)
    # the deadline returns it instead
    r = w.send(OTHER, w.cp, "reclaim", pid)
    assert r.event("PaymentReturned").args["reason"] == Reason.DEADLINE_PASSED


@pytest.mark.parametrize("caller", [DEALER, OTHER, BANK, DEALER_B])
def test_confirm_only_payer_or_verifier(w, caller):
    pid = new_payment(w)
    w.reverts(caller, w.cp, "confirm", pid, error="Conditional_NotAllowed", paymentId=pid, caller=caller)
    w.send(DEALER, w.cp, "dispute", pid)
    w.reverts(caller, w.cp, "confirm", pid, error="Conditional_NotAllowed", paymentId=pid, caller=caller)
    untouched(w, pid)


def test_confirm_to_a_closed_payee_wallet_fails_and_the_verifier_rejects(w):
    pid = new_payment(w)
    w.tok(DEALER, "closeWallet", DEALER)  # nothing of the payment is in the dealer's wallet: it closes
    w.reverts(BUYER, w.cp, "confirm", pid, error="ECNY_WalletNotOpen", wallet=DEALER)
    w.reverts(VERIFIER, w.cp, "confirm", pid, error="ECNY_WalletNotOpen", wallet=DEALER)
    assert status(w, pid) == Status.PENDING
    r = w.send(VERIFIER, w.cp, "reject", pid)
    assert r.event("PaymentReturned").args["reason"] == Reason.CONDITION_FAILED
    assert w.free(BUYER) == BUYER_FUND


LOW_PAYEE = "seller:low"  # a private seller with a lowest-tier wallet (cap ¥10,000)
LOW_CAP = WALLET_TIERS["lowest"].balance_cap_fen


def test_confirm_respects_the_payees_balance_cap(w):
    """Flaw 5: a lowest-tier wallet refused a direct transfer above its cap but received the same money through
    a conditional payment. Both are refused now; the payment stays pending and goes back to the payer at the
    deadline."""
    w.open_wallet(LOW_PAYEE, "lowest", LOW_CAP - 100_000)  # ¥9,000: room for ¥1,000 more
    amount = 200_000  # ¥2,000
    pid = new_payment(w, amount=amount, payee=LOW_PAYEE)
    w.reverts(BUYER, w.token, "transfer", LOW_PAYEE, amount, error="ECNY_BalanceCapExceeded", wallet=LOW_PAYEE,
              balanceAfterFen=LOW_CAP + 100_000, capFen=LOW_CAP)
    for decider in (BUYER, VERIFIER):
        r = w.reverts(decider, w.cp, "confirm", pid, error="ECNY_BalanceCapExceeded", wallet=LOW_PAYEE,
                      balanceAfterFen=LOW_CAP + 100_000, capFen=LOW_CAP)
        assert r.events == []
    assert status(w, pid) == Status.PENDING
    assert w.balance(LOW_PAYEE) == w.free(LOW_PAYEE) == LOW_CAP - 100_000
    assert w.earmarked(BUYER, w.cp) == amount and w.free(BUYER) == BUYER_FUND - amount
    assert w.balance(BUYER) == BUYER_FUND
    # nobody decides in time: the money returns to the payer
    w.chain.set_time(DEADLINE)
    r = w.send(OTHER, w.cp, "reclaim", pid)
    assert cp_events(r) == [("PaymentReturned", {"paymentId": pid, "payer": w.addr(BUYER), "amountFen": amount,
                                                 "reason": Reason.DEADLINE_PASSED})]
    assert tok_events(r) == [("EarmarkReturned", {"wallet": w.addr(BUYER), "controller": w.cp.address,
                                                  "amountFen": amount})]
    assert status(w, pid) == Status.RETURNED
    assert w.free(BUYER) == w.balance(BUYER) == BUYER_FUND
    assert w.balance(LOW_PAYEE) == LOW_CAP - 100_000
    assert w.view("earmarkedTotalOf", w.cp) == 0


def test_confirm_to_a_capped_payee_once_it_has_room(w):
    """The cap is checked when the money arrives: a payee that made room in time is paid, up to its cap."""
    w.open_wallet(LOW_PAYEE, "lowest", LOW_CAP - 100_000)
    amount = 200_000
    pid = new_payment(w, amount=amount, payee=LOW_PAYEE)
    w.reverts(VERIFIER, w.cp, "confirm", pid, error="ECNY_BalanceCapExceeded", balanceAfterFen=LOW_CAP + 100_000)
    w.tok(LOW_PAYEE, "transfer", DEALER_B, 99_999)
    w.reverts(VERIFIER, w.cp, "confirm", pid, error="ECNY_BalanceCapExceeded", balanceAfterFen=LOW_CAP + 1)
    w.tok(LOW_PAYEE, "transfer", DEALER_B, 1)
    r = w.send(VERIFIER, w.cp, "confirm", pid)
    assert cp_events(r) == [("PaymentReleased", {"paymentId": pid, "payee": w.addr(LOW_PAYEE), "amountFen": amount,
                                                 "decidedBy": w.addr(VERIFIER)})]
    assert w.balance(LOW_PAYEE) == w.free(LOW_PAYEE) == LOW_CAP
    assert w.balance(BUYER) == BUYER_FUND - amount and w.earmarked(BUYER, w.cp) == 0


def test_verifier_confirms_from_a_frozen_payers_wallet(w):
    """A freeze stops the owner, not the controller: the condition still decides."""
    pid = new_payment(w)
    w.tok(REGULATOR, "freezeWallet", BUYER)
    r = w.send(VERIFIER, w.cp, "confirm", pid)
    _released(w, r, pid, VERIFIER)
    assert w.view("isFrozen", BUYER) is True


def test_verifier_confirms_a_frozen_payers_disputed_payment(w):
    pid = new_payment(w)
    disputed(w, pid)
    w.tok(REGULATOR, "freezeWallet", BUYER)
    w.reverts(BUYER, w.cp, "confirm", pid, error="Conditional_WalletFrozen", payer=BUYER)
    r = w.send(VERIFIER, w.cp, "confirm", pid)
    _released(w, r, pid, VERIFIER)


def test_a_frozen_payer_cannot_confirm(w):
    """A freeze stops the owner's own moves: the payer cannot release its money while frozen."""
    pid = new_payment(w)
    w.tok(REGULATOR, "freezeWallet", BUYER)
    r = w.reverts(BUYER, w.cp, "confirm", pid, error="Conditional_WalletFrozen", payer=BUYER)
    assert tok_events(r) == [] and cp_events(r) == []
    assert status(w, pid) == Status.PENDING
    untouched(w, pid)
    # nor after the deadline, when the payer's confirmation is otherwise still allowed
    w.chain.set_time(DEADLINE + DAY)
    w.reverts(BUYER, w.cp, "confirm", pid, error="Conditional_WalletFrozen", payer=BUYER)
    untouched(w, pid)
    # once unfrozen it may
    w.tok(REGULATOR, "unfreezeWallet", BUYER)
    r = w.send(BUYER, w.cp, "confirm", pid)
    _released(w, r, pid, BUYER)


def test_a_frozen_payers_payment_still_returns(w):
    """The freeze blocks only the payer's confirmation: the payee may still decline, the deadline still returns."""
    p1 = new_payment(w)
    p2 = new_payment(w, amount=100_000)
    w.tok(REGULATOR, "freezeWallet", BUYER)
    r = w.send(DEALER, w.cp, "reject", p1)
    assert r.event("PaymentReturned").args["reason"] == Reason.PAYEE_DECLINED
    w.chain.set_time(DEADLINE)
    r = w.send(OTHER, w.cp, "reclaim", p2)
    assert r.event("PaymentReturned").args["reason"] == Reason.DEADLINE_PASSED
    assert w.earmarked(BUYER, w.cp) == 0 and w.free(BUYER) == BUYER_FUND


# ========================================================================================== reject


def _returned(w, r, pid: int, reason: Reason, amount: int = AMOUNT) -> None:
    assert cp_events(r) == [("PaymentReturned", {"paymentId": pid, "payer": w.addr(BUYER), "amountFen": amount,
                                                 "reason": reason})]
    assert tok_events(r) == [("EarmarkReturned", {"wallet": w.addr(BUYER), "controller": w.cp.address,
                                                  "amountFen": amount})]
    assert status(w, pid) == Status.RETURNED
    assert w.free(BUYER) == w.balance(BUYER) == BUYER_FUND
    assert w.earmarked(BUYER, w.cp) == 0
    assert w.free(DEALER) == DEALER_FUND
    assert w.view("earmarkedTotalOf", w.cp) == 0
    assert w.call(w.cp, "isReclaimable", pid) is False


def test_payee_declines(w):
    pid = new_payment(w)
    r = w.send(DEALER, w.cp, "reject", pid)
    _returned(w, r, pid, Reason.PAYEE_DECLINED)


def test_payee_may_decline_after_the_deadline(w):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE + 1)
    r = w.send(DEALER, w.cp, "reject", pid)
    _returned(w, r, pid, Reason.PAYEE_DECLINED)


def test_verifier_rejects_condition_failed(w):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE - 1)
    r = w.send(VERIFIER, w.cp, "reject", pid)
    _returned(w, r, pid, Reason.CONDITION_FAILED)


def test_verifier_rejects_into_a_frozen_payers_wallet(w):
    pid = new_payment(w)
    w.tok(REGULATOR, "freezeWallet", BUYER)
    r = w.send(VERIFIER, w.cp, "reject", pid)
    _returned(w, r, pid, Reason.CONDITION_FAILED)
    assert w.view("isFrozen", BUYER) is True


@pytest.mark.parametrize("caller", [BUYER, OTHER, BANK, DEALER_B])
def test_reject_only_payee_or_verifier(w, caller):
    """The payer cannot take its money back: only the verifier, the payee or the deadline return it."""
    pid = new_payment(w)
    w.reverts(caller, w.cp, "reject", pid, error="Conditional_NotAllowed", paymentId=pid, caller=caller)
    w.send(DEALER, w.cp, "dispute", pid)
    w.reverts(caller, w.cp, "reject", pid, error="Conditional_NotAllowed", paymentId=pid, caller=caller)
    untouched(w, pid)


# ========================================================================================== dispute


def test_payee_disputes(w):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE - 1)
    r = w.send(DEALER, w.cp, "dispute", pid)
    decide_by = DEADLINE - 1 + WINDOW
    assert cp_events(r) == [("PaymentDisputed", {"paymentId": pid, "payee": w.addr(DEALER),
                                                 "decideBy": decide_by})]
    assert tok_events(r) == []
    assert status(w, pid) == Status.DISPUTED
    assert info(w, pid)["deadline"] == decide_by  # the verifier's own deadline replaces the payment's
    untouched(w, pid)
    # the original deadline no longer returns the money: the verifier has the dispute window
    assert w.call(w.cp, "isReclaimable", pid) is False
    w.chain.set_time(DEADLINE + DAY)
    assert w.call(w.cp, "isReclaimable", pid) is False
    w.reverts(OTHER, w.cp, "reclaim", pid, error="Conditional_DeadlineNotReached", paymentId=pid,
              deadline=decide_by)
    w.chain.set_time(decide_by - 1)
    assert w.call(w.cp, "isReclaimable", pid) is False
    w.reverts(BUYER, w.cp, "reclaim", pid, error="Conditional_DeadlineNotReached", paymentId=pid,
              deadline=decide_by)
    assert status(w, pid) == Status.DISPUTED
    untouched(w, pid)


def test_a_disputed_payment_nobody_decides_returns_to_the_payer(w):
    """A disputed payment is no longer stuck: once the dispute's deadline passes, anyone may reclaim it."""
    pid = new_payment(w)
    decide_by = disputed(w, pid)
    w.chain.set_time(decide_by)
    assert w.call(w.cp, "isReclaimable", pid) is True
    r = w.send(OTHER, w.cp, "reclaim", pid)
    assert r.timestamp == decide_by
    _returned(w, r, pid, Reason.DEADLINE_PASSED)


@pytest.mark.parametrize("caller", [BUYER, DEALER, VERIFIER])
def test_a_disputed_payment_is_reclaimable_by_any_party_long_after(w, caller):
    pid = new_payment(w)
    decide_by = disputed(w, pid)
    w.chain.set_time(decide_by + 365 * DAY)
    assert w.call(w.cp, "isReclaimable", pid) is True
    r = w.send(caller, w.cp, "reclaim", pid)
    _returned(w, r, pid, Reason.DEADLINE_PASSED)


def test_after_a_dispute_the_verifier_confirms_after_the_original_deadline(w):
    pid = new_payment(w)
    decide_by = disputed(w, pid)
    assert decide_by > DEADLINE + DAY
    w.chain.set_time(DEADLINE + DAY)
    r = w.send(VERIFIER, w.cp, "confirm", pid)
    _released(w, r, pid, VERIFIER)


def test_after_a_dispute_the_verifier_confirms_in_the_last_second(w):
    pid = new_payment(w)
    decide_by = disputed(w, pid)
    w.chain.set_time(decide_by - 1)
    r = w.send(VERIFIER, w.cp, "confirm", pid)
    assert r.timestamp == decide_by - 1
    _released(w, r, pid, VERIFIER)


def test_after_a_dispute_the_verifier_rejects_after_the_original_deadline(w):
    pid = new_payment(w)
    decide_by = disputed(w, pid)
    w.chain.set_time(decide_by - 1)
    assert decide_by - 1 > DEADLINE
    r = w.send(VERIFIER, w.cp, "reject", pid)
    _returned(w, r, pid, Reason.CONDITION_FAILED)


@pytest.mark.parametrize("fn", ["confirm", "reject"])
def test_after_a_dispute_the_verifier_too_late(w, fn):
    pid = new_payment(w)
    decide_by = disputed(w, pid)
    w.chain.set_time(decide_by)
    w.reverts(VERIFIER, w.cp, fn, pid, error="Conditional_DeadlinePassed", paymentId=pid, deadline=decide_by)
    w.chain.advance(days=30)
    w.reverts(VERIFIER, w.cp, fn, pid, error="Conditional_DeadlinePassed", paymentId=pid, deadline=decide_by)
    assert status(w, pid) == Status.DISPUTED
    untouched(w, pid)
    r = w.send(OTHER, w.cp, "reclaim", pid)
    _returned(w, r, pid, Reason.DEADLINE_PASSED)


def test_a_dispute_window_shorter_than_the_deadline_brings_it_forward(w):
    """The dispute's deadline replaces the payment's, also when it comes earlier."""
    far = START + 60 * DAY
    pid = new_payment(w, deadline=far)
    decide_by = disputed(w, pid)
    assert decide_by < far
    w.chain.set_time(decide_by)
    w.reverts(VERIFIER, w.cp, "confirm", pid, error="Conditional_DeadlinePassed", paymentId=pid,
              deadline=decide_by)
    assert w.call(w.cp, "isReclaimable", pid) is True
    r = w.send(OTHER, w.cp, "reclaim", pid)
    _returned(w, r, pid, Reason.DEADLINE_PASSED)


def test_after_a_dispute_payer_may_still_confirm_and_payee_decline(w):
    """The dispute's deadline binds only the verifier: the payer and payee may still decide after it."""
    p1 = new_payment(w)
    p2 = new_payment(w)
    disputed(w, p1)
    decide_by = disputed(w, p2)
    w.chain.set_time(decide_by + DAY)
    assert w.call(w.cp, "isReclaimable", p1) is True
    r = w.send(BUYER, w.cp, "confirm", p1)
    assert r.event("PaymentReleased").args["decidedBy"] == w.addr(BUYER)
    r = w.send(DEALER, w.cp, "reject", p2)
    assert r.event("PaymentReturned").args["reason"] == Reason.PAYEE_DECLINED
    assert (status(w, p1), status(w, p2)) == (Status.RELEASED, Status.RETURNED)
    assert w.free(DEALER) == DEALER_FUND + AMOUNT
    assert w.free(BUYER) == w.balance(BUYER) == BUYER_FUND - AMOUNT


@pytest.mark.parametrize("caller", [BUYER, VERIFIER, OTHER])
def test_dispute_only_payee(w, caller):
    pid = new_payment(w)
    w.reverts(caller, w.cp, "dispute", pid, error="Conditional_NotAllowed", paymentId=pid, caller=caller)
    assert status(w, pid) == Status.PENDING


def test_dispute_after_the_deadline(w):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE)
    w.reverts(DEALER, w.cp, "dispute", pid, error="Conditional_DeadlinePassed", paymentId=pid, deadline=DEADLINE)
    assert status(w, pid) == Status.PENDING
    assert w.call(w.cp, "isReclaimable", pid) is True


def test_dispute_twice(w):
    pid = new_payment(w)
    w.send(DEALER, w.cp, "dispute", pid)
    w.reverts(DEALER, w.cp, "dispute", pid, error="Conditional_NotPending", paymentId=pid)
    assert status(w, pid) == Status.DISPUTED


# ========================================================================================== reclaim


def test_reclaim_before_the_deadline(w):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE - 1)
    assert w.call(w.cp, "isReclaimable", pid) is False
    w.reverts(OTHER, w.cp, "reclaim", pid, error="Conditional_DeadlineNotReached", paymentId=pid,
              deadline=DEADLINE)
    untouched(w, pid)


def test_reclaim_before_the_disputes_deadline(w):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE - DAY)
    decide_by = disputed(w, pid)
    assert decide_by == DEADLINE - DAY + WINDOW
    for t in (DEADLINE, decide_by - 1):
        w.chain.set_time(t)
        assert w.call(w.cp, "isReclaimable", pid) is False
        w.reverts(OTHER, w.cp, "reclaim", pid, error="Conditional_DeadlineNotReached", paymentId=pid,
                  deadline=decide_by)
    untouched(w, pid)


@pytest.mark.parametrize("caller", [OTHER, BUYER, DEALER, VERIFIER])
def test_reclaim_after_the_deadline_by_anyone(w, caller):
    pid = new_payment(w)
    w.chain.set_time(DEADLINE)
    assert w.call(w.cp, "isReclaimable", pid) is True
    r = w.send(caller, w.cp, "reclaim", pid)
    assert r.timestamp == DEADLINE
    _returned(w, r, pid, Reason.DEADLINE_PASSED)


def test_payer_wallet_closes_once_the_payment_is_reclaimed(w):
    pid = new_payment(w)
    w.reverts(BUYER, w.token, "closeWallet", BUYER, error="ECNY_WalletHasEarmarks", wallet=BUYER,
              controller=w.cp, amountFen=AMOUNT)
    w.chain.set_time(DEADLINE)
    w.send(OTHER, w.cp, "reclaim", pid)
    r = w.tok(BUYER, "closeWallet", BUYER)
    assert r.event("WalletClosed").args == {"wallet": w.addr(BUYER), "redeemedFen": BUYER_FUND}
    assert w.view("isOpen", BUYER) is False


# ========================================================================================== unknown ids / decided


@pytest.mark.parametrize("fn", ["confirm", "reject", "dispute", "reclaim"])
def test_unknown_payment(w, fn):
    w.reverts(BUYER, w.cp, fn, 1, error="Conditional_UnknownPayment", paymentId=1)
    pid = new_payment(w)
    for bad in (0, pid + 1, MAX_UINT):
        w.reverts(VERIFIER, w.cp, fn, bad, error="Conditional_UnknownPayment", paymentId=bad)
    assert status(w, pid) == Status.PENDING


@pytest.mark.parametrize("decide", ["payer-confirms", "verifier-confirms", "payee-declines", "verifier-rejects",
                                    "reclaimed", "reclaimed-after-dispute"])
def test_a_decided_payment_cannot_be_decided_again(w, decide):
    pid = new_payment(w)
    if decide == "reclaimed":
        w.chain.set_time(DEADLINE)
        w.send(OTHER, w.cp, "reclaim", pid)
    elif decide == "reclaimed-after-dispute":
        w.chain.set_time(disputed(w, pid))
        w.send(OTHER, w.cp, "reclaim", pid)
    else:
        actor = {"payer-confirms": BUYER, "verifier-confirms": VERIFIER, "payee-declines": DEALER,
                 "verifier-rejects": VERIFIER}[decide]
        w.send(actor, w.cp, "confirm" if decide.endswith("confirms") else "reject", pid)
    free = (w.free(BUYER), w.free(DEALER))
    w.chain.set_time(max(DEADLINE, w.chain.now))
    for actor, fn in ((BUYER, "confirm"), (VERIFIER, "confirm"), (DEALER, "reject"), (VERIFIER, "reject"),
                      (DEALER, "dispute"), (OTHER, "reclaim")):
        w.reverts(actor, w.cp, fn, pid, error="Conditional_NotPending", paymentId=pid)
    assert (w.free(BUYER), w.free(DEALER)) == free
    assert w.call(w.cp, "isReclaimable", pid) is False


def test_a_payment_created_after_others_were_decided_is_still_enforced(w):
    p1 = new_payment(w)
    w.send(BUYER, w.cp, "confirm", p1)
    p2 = new_payment(w, amount=100_000)
    assert w.earmarked(BUYER, w.cp) == 100_000
    w.reverts(BUYER, w.cp, "reject", p2, error="Conditional_NotAllowed", paymentId=p2, caller=BUYER)
    assert info(w, p2)["amountFen"] == 100_000


# ========================================================================================== onWalletClose


@pytest.mark.parametrize("caller", [BUYER, BANK, DEALER])
def test_on_wallet_close_only_the_token(w, caller):
    pid = new_payment(w)
    w.reverts(caller, w.cp, "onWalletClose", BUYER, error="Conditional_NotToken", caller=caller)
    assert status(w, pid) == Status.PENDING
    untouched(w, pid)


@pytest.mark.parametrize("closer", [BUYER, BANK], ids=["owner", "issuer"])
def test_payer_wallet_with_a_pending_payment_cannot_close(w, closer):
    """Closing the wallet does not let the payer escape the condition: the payment stays locked."""
    pid = new_payment(w)
    w.reverts(closer, w.token, "closeWallet", BUYER, error="ECNY_WalletHasEarmarks", wallet=BUYER,
              controller=w.cp, amountFen=AMOUNT)
    w.send(DEALER, w.cp, "dispute", pid)
    w.reverts(closer, w.token, "closeWallet", BUYER, error="ECNY_WalletHasEarmarks", wallet=BUYER,
              controller=w.cp, amountFen=AMOUNT)
    assert w.view("isOpen", BUYER) is True
    untouched(w, pid)
    # once decided, the wallet closes and the rest is redeemed
    w.send(VERIFIER, w.cp, "confirm", pid)
    r = w.tok(closer, "closeWallet", BUYER)
    assert r.event("WalletClosed").args == {"wallet": w.addr(BUYER), "redeemedFen": BUYER_FUND - AMOUNT}
    assert w.free(DEALER) == DEALER_FUND + AMOUNT


def test_payee_wallet_closes_while_a_payment_to_it_is_pending(w):
    pid = new_payment(w)
    r = w.tok(DEALER, "closeWallet", DEALER)
    assert r.event("WalletClosed").args["redeemedFen"] == DEALER_FUND
    w.chain.set_time(DEADLINE)
    r = w.send(OTHER, w.cp, "reclaim", pid)
    assert r.event("PaymentReturned").args["reason"] == Reason.DEADLINE_PASSED
    assert w.free(BUYER) == BUYER_FUND
