"""ConditionalPayment's world, the Python model of its rules and its state machine (IConditionalPayment with
the token): a Hypothesis ``RuleBasedStateMachine`` drives three-party payments and checks every outcome (the
revert, or the exact events) and, after every step, the invariants against the model. Moved from
tests/contracts/test_properties_conditional.py (whose docstring tells the rules and properties) so that
``ecny-sim check`` runs it against a developer's contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ..chain import Chain
from ..chain.clock import DAY, HOUR, parse_beijing
from ..domain.settings import WALLET_TIERS
from .modelled import ModelledSends
from .token_model import BANK, MAX_UINT, REGULATOR, Base, SpendingLimits, deploy_family, open_wallet

# ------------------------------------------------------------------------------------------ the world

T0 = parse_beijing("2023-03-01 09:00")
ZERO = "0x" + "00" * 20
MAX_U128 = 2**128 - 1
MAX_U64 = 2**64 - 1
TIERS = dict(WALLET_TIERS)
WINDOW = 2 * DAY  # the contract's dispute window: a disputed payment's new deadline is this long after the dispute

# wallet -> (tier, own money at the start, earmark allowance for the contract)
WALLETS = {
    "buyer:a": ("id_verified", 3_000_000, MAX_UINT),  # ¥50,000 per payment, ¥100,000 a day
    "buyer:b": ("lowest", 950_000, 1_500_000),  # ¥2,000 per payment, ¥5,000 a day; a limited allowance; cap ¥10,000
    "dealer:x": ("corporate", 2_000_000, MAX_UINT),  # payer and payee
    "dealer:y": ("corporate", 0, MAX_UINT),  # a payee; pays only what it received
    "agency:v": ("corporate", 0, 0),  # the usual verifier; has a wallet, never allows earmarks
}
WALLET_NAMES = tuple(WALLETS)
NOTARY = "notary:n"  # a verifier without a wallet (as a payee: its release is refused)
STRANGER = "stranger"  # no wallet, no role
NAMES = WALLET_NAMES + (NOTARY, STRANGER)
# Who plays which part in a new payment (repeats weight the choice; a payee may also be its payer or verifier:
# refused, as is the zero address).
PAYERS = ("buyer:a",) * 4 + ("buyer:b",) * 3 + ("dealer:x",) * 3 + ("dealer:y", "agency:v", STRANGER)
PAYEES = ("dealer:x",) * 4 + ("dealer:y",) * 4 + ("buyer:a", "buyer:b", NOTARY, "agency:v", ZERO)
VERIFIERS = ("agency:v",) * 6 + (NOTARY,) * 3 + ("buyer:a", "dealer:x", "dealer:y", ZERO)
GOOD_PAYERS = ("buyer:a", "buyer:b", "dealer:x")
GOOD_PAYEES = ("dealer:x", "dealer:y", "dealer:y", NOTARY, "buyer:b")  # buyer:b: lowest tier, near its cap

# Solidity enums
PENDING, DISPUTED, RELEASED, RETURNED = 1, 2, 3, 4  # PaymentStatus
CONDITION_FAILED, PAYEE_DECLINED, DEADLINE_PASSED = 0, 1, 2  # ReturnReason


VARIANT = "ConditionalPayment"


def _deploy(variant: str) -> Base:
    """ECNY and one ConditionalPayment, the payers' and payees' wallets opened and funded. `variant` is a developer's
    contract while their build is active."""
    chain = Chain(T0, seed=20230301)
    token, cp = deploy_family(chain, variant, BANK, lambda token: (token.address, WINDOW))
    for name, (tier, own, allowance) in WALLETS.items():
        open_wallet(chain, token, name, tier, own)
        if allowance:
            chain.send(name, token, "approveEarmark", cp, allowance)
    for name in (NOTARY, STRANGER):
        chain.address_of(name)
    chain.set_time(T0 + HOUR)
    return Base(chain, token, cp, chain.snapshot())


# ------------------------------------------------------------------------------------------ the model


@dataclass
class MWallet(SpendingLimits):
    tier: str
    start: int
    free: int
    allowance: int
    open: bool = True
    frozen: bool = False
    day: int = -1
    spent: int = 0  # paid or earmarked on `day`
    redeemed: int = 0


@dataclass
class MPayment:
    id: int
    payer: str
    payee: str
    verifier: str
    amount: int
    deadline: int
    created: int
    status: int = PENDING

    @property
    def undecided(self) -> bool:
        return self.status in (PENDING, DISPUTED)


@dataclass
class Model:
    wallets: dict[str, MWallet] = field(default_factory=dict)
    payments: list[MPayment] = field(default_factory=list)  # id i + 1 at index i
    issued: int = 0

    @classmethod
    def initial(cls) -> "Model":
        m = cls()
        for name, (tier, own, allowance) in WALLETS.items():
            m.wallets[name] = MWallet(tier, own, own, allowance)
            m.issued += own
        return m

    def payment(self, pid: int) -> MPayment | None:
        return self.payments[pid - 1] if 1 <= pid <= len(self.payments) else None

    def undecided_of(self, payer: str) -> int:
        return sum(p.amount for p in self.payments if p.payer == payer and p.undecided)

    def released_from(self, payer: str) -> int:
        return sum(p.amount for p in self.payments if p.payer == payer and p.status == RELEASED)

    def released_to(self, payee: str) -> int:
        return sum(p.amount for p in self.payments if p.payee == payee and p.status == RELEASED)




# ------------------------------------------------------------------------------------------ strategies

AMOUNT = st.one_of(
    st.integers(1, 200_000),
    st.integers(1, 3_000_000),
    st.sampled_from([0, 200_000, 200_001, 5_000_000, 5_000_001, MAX_U128 + 1]),
)
DEADLINE = st.one_of(  # seconds after the transaction's time
    st.integers(1, 3 * DAY),
    st.integers(HOUR, 30 * DAY),
    st.sampled_from([0, -1, -DAY, 1, "max64", "max64+1"]),
)
PICK = st.integers(0, 63)
# who calls: "proper" is a party the action is meant for (a payer or verifier confirms, a payee or verifier
# rejects, a payee disputes, anyone reclaims); the others are often not allowed
ROLE = st.sampled_from(["proper", "proper", "proper", "proper", "payer", "payee", "verifier", "other"])
PROPER = {"confirm": ("payer", "verifier"), "reject": ("payee", "verifier"), "dispute": ("payee",),
          "reclaim": ("payer", "payee", "verifier", "other")}
PREFER = st.sampled_from([True, True, True, False])  # mostly an undecided payment
ACTION = st.sampled_from(["confirm", "reject", "dispute", "reclaim"])
OTHER = st.sampled_from(NAMES)


# ------------------------------------------------------------------------------------------ the machine


class ConditionalMachine(ModelledSends, RuleBasedStateMachine):
    VARIANT, DEPLOY = VARIANT, staticmethod(_deploy)

    def __init__(self) -> None:
        super().__init__()
        self.cp = self.start().contract
        self.m = Model.initial()
        self.addr = {n: self.chain.address_of(n) for n in NAMES}
        self.addr[ZERO] = ZERO

    # ---------------------------------------------------------------- helpers

    def pick_payment(self, pick: int, prefer_undecided: bool = True) -> int:
        """A payment id: mostly an undecided one, sometimes any, now and then an unknown id (0 or past the end)."""
        undecided = [p.id for p in self.m.payments if p.undecided] if prefer_undecided else []
        return self.pick_id(pick, [p.id for p in self.m.payments], undecided)

    def caller_for(self, p: MPayment | None, role: str, other: str, action: str = "reclaim") -> str:
        if role == "proper":
            parts = PROPER[action]
            role = parts[len(other) % len(parts)]
        if p is None or role == "other":
            return other
        return {"payer": p.payer, "payee": p.payee, "verifier": p.verifier}[role]

    def undecided_error(self, pid: int) -> str | None:
        p = self.m.payment(pid)
        if p is None:
            return "Conditional_UnknownPayment"
        if not p.undecided:
            return "Conditional_NotPending"
        return None

    def verifier_error(self, p: MPayment, caller: str, now: int) -> str | None:
        """The verifier decides before the deadline (a disputed payment's deadline is the dispute's)."""
        if caller != p.verifier:
            return "Conditional_NotAllowed"
        if now >= p.deadline:
            return "Conditional_DeadlinePassed"
        return None

    def returned(self, r, p: MPayment, reason: int) -> None:
        p.status = RETURNED
        self.m.wallets[p.payer].free += p.amount
        self.check_events(r, [("PaymentReturned", {"paymentId": p.id, "payer": self.addr[p.payer],
                                                   "amountFen": p.amount, "reason": reason})])

    # ---------------------------------------------------------------- actions

    def do_create(self, payer: str, payee: str, verifier: str, amount: int, offset) -> None:
        m, now = self.m, self.now
        deadline = {"max64": MAX_U64, "max64+1": MAX_U64 + 1}.get(offset) if isinstance(offset, str) else now + offset
        deadline = max(deadline, 0)
        if payee == ZERO or verifier == ZERO:
            expect = "Conditional_ZeroAddress"
        elif payee == payer or payee == verifier or verifier == payer:
            expect = "Conditional_InvalidParties"
        elif amount == 0:
            expect = "Conditional_ZeroAmount"
        elif amount > MAX_U128:
            expect = "Conditional_AmountTooLarge"
        elif deadline <= now or deadline > MAX_U64:
            expect = "Conditional_DeadlineNotInFuture"
        else:
            w = m.wallets.get(payer)
            if w is None or not w.open:
                expect = "ECNY_WalletNotOpen"
            elif w.frozen:
                expect = "ECNY_WalletFrozen"
            elif w.allowance < amount:
                expect = "ECNY_InsufficientAllowance"
            else:
                expect = w.limit_error(amount, now) or ("ECNY_InsufficientFree" if w.free < amount else None)
        r = self.send(payer, self.cp, "create", self.addr[payee], self.addr[verifier], amount, deadline, expect=expect)
        if expect is not None:
            if expect == "Conditional_InvalidParties":
                want = {"payer": self.addr[payer], "payee": self.addr[payee], "verifier": self.addr[verifier]}
                self.check("reverts_match_the_model", r.error.args == want, f"{r.error} != {want}")
            return
        pid = len(m.payments) + 1
        m.payments.append(MPayment(pid, payer, payee, verifier, amount, deadline, now))
        w.free -= amount
        w.charge(amount, now)
        if w.allowance != MAX_UINT:
            w.allowance -= amount
        self.check("payments_match_the_model", r.return_value == pid, f"create returned {r.return_value}, model {pid}")
        self.check_events(r, [("PaymentCreated", {"paymentId": pid, "payer": self.addr[payer],
                                                  "payee": self.addr[payee], "verifier": self.addr[verifier],
                                                  "amountFen": amount, "deadline": deadline})])

    def do_confirm(self, caller: str, pid: int) -> None:
        now = self.now
        p = self.m.payment(pid)
        expect = self.undecided_error(pid)
        if expect is None and caller != p.payer:
            expect = self.verifier_error(p, caller, now)
        elif expect is None and self.m.wallets[caller].frozen:
            expect = "Conditional_WalletFrozen"  # the payer's own release: a freeze stops it
        if expect is None:
            payee = self.m.wallets.get(p.payee)
            if payee is None or not payee.open:
                expect = "ECNY_WalletNotOpen"
            else:  # every path into a wallet respects its tier: the payee's balance (earmarks too) after it
                cap = TIERS[payee.tier].balance_cap_fen
                balance_after = payee.free + self.m.undecided_of(p.payee) + p.amount
                if cap and balance_after > cap:
                    expect = "ECNY_BalanceCapExceeded"
        r = self.send(caller, self.cp, "confirm", pid, expect=expect)
        if expect is not None:
            if expect == "Conditional_NotAllowed":
                want = {"paymentId": pid, "caller": self.addr[caller]}
                self.check("reverts_match_the_model", r.error.args == want, f"{r.error} != {want}")
            elif expect == "ECNY_BalanceCapExceeded":
                want = {"wallet": self.addr[p.payee], "balanceAfterFen": balance_after, "capFen": cap}
                self.check("reverts_match_the_model", r.error.args == want, f"{r.error} != {want}")
            return
        p.status = RELEASED
        payee.free += p.amount
        self.check_events(r, [("PaymentReleased", {"paymentId": pid, "payee": self.addr[p.payee],
                                                   "amountFen": p.amount, "decidedBy": self.addr[caller]})])

    def do_reject(self, caller: str, pid: int) -> None:
        now = self.now
        p = self.m.payment(pid)
        expect = self.undecided_error(pid)
        reason = PAYEE_DECLINED
        if expect is None and caller != p.payee:
            expect = self.verifier_error(p, caller, now)
            reason = CONDITION_FAILED
        r = self.send(caller, self.cp, "reject", pid, expect=expect)
        if expect is None:
            self.returned(r, p, reason)

    def do_dispute(self, caller: str, pid: int) -> None:
        now = self.now
        p = self.m.payment(pid)
        expect = self.undecided_error(pid)
        if expect is None:
            if caller != p.payee:
                expect = "Conditional_NotAllowed"
            elif p.status != PENDING:
                expect = "Conditional_NotPending"
            elif now >= p.deadline:
                expect = "Conditional_DeadlinePassed"
        r = self.send(caller, self.cp, "dispute", pid, expect=expect)
        if expect is None:
            p.status = DISPUTED
            p.deadline = now + WINDOW
            self.check_events(r, [("PaymentDisputed", {"paymentId": pid, "payee": self.addr[caller],
                                                       "decideBy": p.deadline})])

    def do_reclaim(self, caller: str, pid: int) -> None:
        now = self.now
        p = self.m.payment(pid)
        expect = self.undecided_error(pid)
        if expect is None and now < p.deadline:
            expect = "Conditional_DeadlineNotReached"
        r = self.send(caller, self.cp, "reclaim", pid, expect=expect)
        if expect is None:
            self.returned(r, p, DEADLINE_PASSED)

    # ================================================================ rules

    @initialize(plan=st.lists(st.tuples(st.sampled_from(["buyer:a", "buyer:b", "dealer:x"]), st.integers(1, 150_000),
                                        st.integers(HOUR, 5 * DAY)), min_size=1, max_size=3))
    def first_payments(self, plan):
        """A few ordinary payments to a dealer, verified by the agency."""
        for payer, amount, offset in plan:
            payee = "dealer:y" if payer == "dealer:x" else "dealer:x"
            self.do_create(payer, payee, "agency:v", amount, offset)

    @rule(payer=st.sampled_from(PAYERS), payee=st.sampled_from(PAYEES), verifier=st.sampled_from(VERIFIERS),
          amount=AMOUNT, offset=DEADLINE)
    def payer_creates_a_payment(self, payer, payee, verifier, amount, offset):
        self.do_create(payer, payee, verifier, amount, offset)

    @rule(payer=st.sampled_from(GOOD_PAYERS), payee=st.sampled_from(GOOD_PAYEES),
          verifier=st.sampled_from(("agency:v", "agency:v", NOTARY, "buyer:a")), amount=st.integers(1, 250_000),
          offset=st.integers(HOUR, 4 * DAY),
          steps=st.lists(st.tuples(ACTION, ROLE, OTHER, st.integers(0, 2 * DAY)), min_size=1, max_size=3))
    def a_payment_runs_its_course(self, payer, payee, verifier, amount, offset, steps):
        """An ordinary payment, then one to three moves on it by its parties (or someone else), some time
        apart: most are refused once the first has decided the payment."""
        n = len(self.m.payments)
        self.do_create(payer, payee, verifier, amount, offset)
        if len(self.m.payments) == n:
            return
        p = self.m.payments[-1]
        for action, role, other, wait in steps:
            self.chain.advance(wait)
            self.act(action, self.caller_for(p, role, other, action), p.id)

    @rule(payer=st.sampled_from(GOOD_PAYERS), amount=st.integers(1, 150_000), offset=st.integers(HOUR, 2 * DAY),
          before=st.integers(0, 2 * DAY),
          after=st.one_of(st.integers(0, 2 * WINDOW), st.sampled_from([WINDOW - 1, WINDOW])),
          decider=st.sampled_from(["verifier", "verifier", "payer", "payee", "other"]),
          action=st.sampled_from(["confirm", "reject"]))
    def payee_disputes_and_the_verifier_decides(self, payer, amount, offset, before, after, decider, action):
        """The payee disputes (refused once the deadline has passed); the verifier now has the dispute window
        to decide; anyone tries to reclaim some time later (refused inside the window), then the verifier
        (or someone else) decides (refused after the window, or once reclaimed)."""
        payee = "dealer:y" if payer == "dealer:x" else "dealer:x"
        n = len(self.m.payments)
        self.do_create(payer, payee, "agency:v", amount, offset)
        if len(self.m.payments) == n:
            return
        p = self.m.payments[-1]
        self.chain.advance(before)
        self.do_dispute(payee, p.id)
        self.chain.advance(after)
        self.do_reclaim(STRANGER, p.id)
        self.act(action, self.caller_for(p, decider, STRANGER), p.id)

    @rule(payer=st.sampled_from(("buyer:a", "dealer:x")), amount=st.integers(1, 150_000),
          decider=st.sampled_from(["verifier", "verifier", "payer"]))
    def a_payment_to_a_payee_near_its_cap(self, payer, amount, decider):
        """A payment to buyer:b (lowest tier: ¥10,000 cap, ¥9,500 at the start): confirmed and released when
        the payee's balance stays within its cap afterwards, refused otherwise (the payment stays undecided
        until someone decides again or reclaims it)."""
        n = len(self.m.payments)
        self.do_create(payer, "buyer:b", "agency:v", amount, DAY)
        if len(self.m.payments) == n:
            return
        p = self.m.payments[-1]
        self.do_confirm(p.payer if decider == "payer" else p.verifier, p.id)

    @rule(action=ACTION, pick=PICK, role=ROLE, other=OTHER, prefer=PREFER)
    def someone_acts_on_a_payment(self, action, pick, role, other, prefer):
        """Anyone confirms, rejects, disputes or reclaims any payment (an unknown id now and then)."""
        pid = self.pick_payment(pick, prefer)
        self.act(action, self.caller_for(self.m.payment(pid), role, other, action), pid)

    @rule(pick=PICK, role=ROLE, other=OTHER, prefer=PREFER)
    def anyone_reclaims_after_the_deadline(self, pick, role, other, prefer):
        pid = self.pick_payment(pick, prefer)
        p = self.m.payment(pid)
        if p is not None and self.now < p.deadline <= self.now + 60 * DAY:
            self.chain.set_time(p.deadline)
        self.do_reclaim(self.caller_for(p, role, other), pid)

    @rule(pick=PICK, delta=st.sampled_from([-1, 0, 0, 1]), action=ACTION, role=ROLE)
    def time_moves_to_a_deadline(self, pick, delta, action, role):
        """Time jumps onto an undecided payment's deadline (or a second before or after), and one of its
        parties acts at once."""
        p = self.m.payment(self.pick_payment(pick))
        if p is None or not self.now <= p.deadline + delta <= self.now + 60 * DAY:
            return
        self.chain.set_time(p.deadline + delta)
        self.act(action, self.caller_for(p, role, STRANGER, action), p.id)

    @rule(seconds=st.one_of(st.integers(1, 2 * HOUR), st.integers(HOUR, 3 * DAY), st.integers(3 * DAY, 20 * DAY)))
    def time_passes(self, seconds):
        self.chain.advance(seconds)

    @precondition(lambda self: len(self.m.payments) >= 2)
    @rule(who=st.sampled_from(WALLET_NAMES),
          what=st.sampled_from(["attempt", "attempt", "close", "bank closes", "freeze", "unfreeze"]))
    def a_wallet_is_closed_or_frozen(self, who, what):
        """The owner (or the bank) closes a wallet: refused while it holds undecided payments (an "attempt"
        is made only then, or on a closed or frozen wallet). Or the
        regulator freezes or unfreezes it (a frozen payer cannot create payments, but its pending ones
        are still released or returned)."""
        w = self.m.wallets[who]
        if what == "attempt" and w.open and not w.frozen and not self.m.undecided_of(who):
            return  # an attempt only when it must be refused
        if what in ("freeze", "unfreeze"):
            if not w.open or w.frozen == (what == "freeze"):
                return
            self.send(REGULATOR, self.token, f"{what}Wallet", who, expect=None)
            w.frozen = not w.frozen
            return
        if not w.open:
            expect = "ECNY_WalletNotOpen"
        elif w.frozen:
            expect = "ECNY_WalletFrozen"
        elif self.m.undecided_of(who):
            expect = "ECNY_WalletHasEarmarks"
        else:
            expect = None
        r = self.send(BANK if what == "bank closes" else who, self.token, "closeWallet", who, expect=expect)
        if expect is None:
            closed = [e.args for e in r.events if e.name == "WalletClosed"]
            self.check("money_is_conserved", closed == [{"wallet": self.addr[who], "redeemedFen": w.free}],
                       f"WalletClosed {closed}, model redeems {w.free}")
            w.redeemed += w.free
            w.free = 0
            w.open = False
        elif expect == "ECNY_WalletHasEarmarks":
            want = {"wallet": self.addr[who], "controller": self.cp.address, "amountFen": self.m.undecided_of(who)}
            self.check("pending_payments_equal_earmarks", r.error.args == want, f"{r.error} != {want}")

    def act(self, action: str, caller: str, pid: int) -> None:
        getattr(self, f"do_{action}")(caller, pid)

    # ================================================================ invariants

    def views(self) -> dict:
        """The chain's balances, read again only after a transaction succeeded (a reverted one changes
        nothing: reading them once per state keeps an example fast)."""
        if self._cache is None or self._cache[0] != self._changes:
            call, tok = self.chain.call, self.token
            self._cache = (self._changes, {
                "supply": call(tok, "totalSupply"),
                "balance": {w: call(tok, "balanceOf", w) for w in WALLET_NAMES},
                "earmarked": {w: call(tok, "earmarkedOf", w, self.cp) for w in WALLET_NAMES},
                "earmarked_total": call(tok, "earmarkedTotalOf", self.cp),
            })
        return self._cache[1]

    @invariant()
    def invariant_money_is_conserved(self):
        """totalSupply == sum of every wallet's balance == issued − redeemed."""
        v = self.views()
        redeemed = sum(w.redeemed for w in self.m.wallets.values())
        total = sum(v["balance"].values())
        self.check("money_is_conserved", v["supply"] == total == self.m.issued - redeemed,
                   f"totalSupply {v['supply']}, sum of balances {total}, "
                   f"issued − redeemed {self.m.issued - redeemed}")

    @invariant()
    def invariant_pending_payments_equal_earmarks(self):
        """The undecided payments' amounts == earmarkedTotalOf(contract); per payer, its earmark == its own."""
        v = self.views()
        undecided = sum(p.amount for p in self.m.payments if p.undecided)
        self.check("pending_payments_equal_earmarks", v["earmarked_total"] == undecided,
                   f"earmarkedTotalOf {v['earmarked_total']} != pending + disputed payments {undecided}")
        for w in WALLET_NAMES:
            want = self.m.undecided_of(w)
            self.check("pending_payments_equal_earmarks", v["earmarked"][w] == want,
                       f"earmarkedOf({w}) {v['earmarked'][w]} != its undecided payments {want}")

    @invariant()
    def invariant_nobody_gets_out_more_than_was_put_in(self):
        """Every wallet holds start + released to it − released from it (less what was redeemed on close);
        its free money is that less its undecided payments. So a payee gets exactly its released payments
        and a payer loses exactly those it released."""
        v = self.views()
        for name in WALLET_NAMES:
            w = self.m.wallets[name]
            got_in, paid_out = self.m.released_to(name), self.m.released_from(name)
            want = w.start + got_in - paid_out - w.redeemed
            self.check("nobody_gets_out_more_than_was_put_in", v["balance"][name] == want,
                       f"{name}: balance {v['balance'][name]} != start {w.start} + released to it {got_in} "
                       f"− released from it {paid_out} − redeemed {w.redeemed}")
            want_free = want - self.m.undecided_of(name)
            free = v["balance"][name] - v["earmarked"][name]  # the contract is the only controller
            self.check("nobody_gets_out_more_than_was_put_in", free == want_free == w.free,
                       f"{name}: free {free} != {want_free} (model {w.free})")

    def teardown(self):
        """After each sequence: every payment's view agrees with the model."""
        if self.failed:
            return
        call, cp, now = self.chain.call, self.cp, self.now
        self.check("payments_match_the_model", call(cp, "paymentCount") == len(self.m.payments), "paymentCount")
        for p in self.m.payments:
            got = call(cp, "paymentOf", p.id)
            want = {"payer": self.addr[p.payer], "createdAt": p.created, "deadline": p.deadline,
                    "payee": self.addr[p.payee], "amountFen": p.amount, "verifier": self.addr[p.verifier],
                    "status": p.status}
            self.check("payments_match_the_model", got == want, f"paymentOf({p.id}) {got} != {want}")
            reclaimable = call(cp, "isReclaimable", p.id)
            self.check("payments_match_the_model", reclaimable == (p.undecided and now >= p.deadline),
                       f"isReclaimable({p.id}) {reclaimable}")
