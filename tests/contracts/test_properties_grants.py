"""Property-based (stateful) tests of GrantProgramme + PayeeRegistry + ECNY.

A Hypothesis `RuleBasedStateMachine` drives one grant programme through random sequences of what happens over
its years: the department funds it (and takes unpromised budget back), admits firms with random tranches (some
refused: a firm with a live grant, i.e. one active, owing a debt or paid and under its promise; an excluded
firm; no or too many tranches, a zero tranche, more than the uncommitted budget); the agency attests milestones
(of clawed-back grants too: withheld against the debt; a grant that cannot take the milestone, unknown, not
active, not at that milestone, listed twice, or whose firm's wallet is closed or at its cap, is skipped and the
others are paid), records missed milestones and breaches (at a random past time; fraud or not; refused while
another of the firm's grants is live; grant money that came back when the firm closed its wallet is credited
against the debt); firms spend grant money on
payees of allowed purposes and try payees of other purposes, unregistered wallets and themselves, pay anyone
with their own money, repay debts; wallets are frozen, unfrozen and closed; time passes (days to years, onto a
promise's or an exclusion's end too). One firm (firm:b) has a capped wallet (¥10,000, no other limit): a tranche
that would take it over the cap waits until it has room.

A small Python model of the rules predicts every outcome: each transaction must succeed or revert with exactly
the custom error the model names, and emit exactly the programme events the model lists. Invariants, checked
after every step:

- `invariant_grant_money_never_reaches_a_payee_outside_its_purpose`: payees of purposes the programme does not
  allow, and unregistered wallets, only ever hold the own money firms transferred to them; allowed payees hold
  that plus the grant money spent with them; no firm's free money ever includes grant money;
- `invariant_a_clawback_is_principal_plus_interest`: every clawback owes what the firm received plus, per
  payment, floor(amount × rate_bps × days / (10,000 × 365)), computed here from the model's payment times,
  less the grant money credited to it when the firm closed its wallet;
- `invariant_every_clawback_is_accounted_for`: owed == returned unspent + repaid + withheld + outstanding,
  per clawed-back grant and over the programme;
- `invariant_programme_balance_is_accounted_for`: the department's earmark == funded − withdrawn − paid to
  firms + returned unspent + repaid + returned on close; committed ≤ that balance; the totals match the model;
- `invariant_money_is_conserved`: totalSupply == sum of wallet balances == issued − redeemed.

The chain is deployed once per session; every example starts by reverting to a snapshot taken after the setup.
Example counts come from the Hypothesis profiles in tests/conftest.py, capped in the default one
(`FAST_PROFILE_CAPS`) so that the machine takes about ten seconds there.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import eth  # noqa: F401  (py-evm raises the recursion limit when imported: import it here, not inside an example)
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from modelled_sends import ModelledSends, machine_settings, violation
from ecny_sim.chain import Chain
from ecny_sim.chain.clock import DAY, HOUR, parse_beijing
from ecny_sim.chain.compiler import load_artifact
from ecny_sim.domain.settings import WALLET_TIERS

# ------------------------------------------------------------------------------------------ the world

T0 = parse_beijing("2021-04-01 09:00")
BANK, REGULATOR = "bank", "regulator"
DEPT, AGENCY, REGISTRAR = "dept:industry", "agency:audit", "office:funds"
ZERO = "0x" + "00" * 20
MAX_UINT = 2**256 - 1
MAX_U128 = 2**128 - 1
YEAR = 365 * DAY

RATE_BPS = 375  # 3.75 % simple yearly interest on clawed-back money
PROMISE_DAYS = 730  # short, so that examples reach a promise's end
EXCLUSION_DAYS = 365
MAX_TRANCHES = 8
DEPT_FUNDS = 30_000_000  # the department's own money (¥300,000)
FIRM_FUNDS = 400_000

# payee -> purpose (0: a wallet that was never registered)
PAYEES = {"payee:payroll": 1, "payee:landlord": 2, "payee:equipment": 4, "payee:supplier": 3,
          "payee:karaoke": 5, "payee:unregistered": 0}
ALLOWED = frozenset({1, 2, 4})
ALLOWED_MASK = sum(1 << p for p in ALLOWED)
FIRMS = ("firm:a", "firm:b", "firm:c", "firm:d")
LANDLORD_FIRM = "firm:d"  # also registered as a landlord: other firms may pay it grant money
PURPOSE = {**PAYEES, LANDLORD_FIRM: 2}
STINGY = "firm:c"  # never allows the programme to take its own money: cannot repay
CAPPED = "firm:b"  # its wallet's tier caps its balance (grant money included); no other limit
CAPPED_TIER, CAPPED_CAP = 9, 1_000_000
ALLOWED_PAYEES = tuple(p for p, code in PURPOSE.items() if code in ALLOWED)
OTHER_PAYEES = tuple(p for p, code in PURPOSE.items() if code not in ALLOWED)  # never get grant money
WALLET_NAMES = (DEPT,) + FIRMS + tuple(PAYEES)
NAMES = WALLET_NAMES + (AGENCY, "stranger")

# Solidity enums
ACTIVE, COMPLETED, ENDED, CLAWED_BACK, SETTLED = 1, 2, 3, 4, 5  # GrantStatus
PAY, UNKNOWN_GRANT, NOT_ACTIVE, WRONG_MILESTONE, FIRM_CANNOT_RECEIVE = 0, 1, 2, 3, 4  # MilestoneSkipReason
TOTALS = ("fundedFen withdrawnFen committedFen paidOutFen paidToFirmsFen spentFen owedFen interestFen "
          "returnedUnspentFen repaidFen withheldFen returnedOnCloseFen").split()


@dataclass
class Base:
    chain: Chain
    token: Any
    gp: Any
    snapshot: Any


_BASE: list[Base] = []


def _base() -> Base:
    """The chain with the token, the payee registry and one programme, wallets opened, once per session."""
    if _BASE:
        return _BASE[0]
    chain = Chain(T0, seed=20210401)
    art = {n: load_artifact(n) for n in ("ECNY", "PayeeRegistry", "GrantProgramme")}
    token = chain.deploy("ECNY", art["ECNY"]["abi"], art["ECNY"]["bytecode"], BANK, (BANK, REGULATOR))
    for t in WALLET_TIERS.values():
        chain.send(BANK, token, "setTier", t.tier_id, t.balance_cap_fen, t.per_payment_fen, t.daily_fen)
    chain.send(BANK, token, "setTier", CAPPED_TIER, CAPPED_CAP, 0, 0)
    reg = art["PayeeRegistry"]
    registry = chain.deploy("PayeeRegistry", reg["abi"], reg["bytecode"], BANK, (REGISTRAR,))
    for payee, purpose in PURPOSE.items():
        if purpose:
            chain.send(REGISTRAR, registry, "registerPayees", [payee], purpose)
    rules = (RATE_BPS, PROMISE_DAYS, EXCLUSION_DAYS, ALLOWED_MASK)
    gpa = art["GrantProgramme"]
    gp = chain.deploy("GrantProgramme", gpa["abi"], gpa["bytecode"], BANK, (token, registry, DEPT, AGENCY, rules))
    chain.send(BANK, token, "setController", gp, True)
    corporate = WALLET_TIERS["corporate"].tier_id
    chain.send(BANK, token, "openWallets", list(WALLET_NAMES), corporate)
    chain.send(BANK, token, "setWalletTier", CAPPED, CAPPED_TIER)
    chain.send(BANK, token, "issue", DEPT, DEPT_FUNDS)
    chain.send(DEPT, token, "approveEarmark", gp, MAX_UINT)
    for firm in FIRMS:
        chain.send(BANK, token, "issue", firm, FIRM_FUNDS)
        if firm != STINGY:
            chain.send(firm, token, "approveEarmark", gp, MAX_UINT)
    chain.address_of(AGENCY)
    chain.address_of("stranger")
    chain.set_time(T0 + HOUR)
    _BASE.append(Base(chain, token, gp, chain.snapshot()))
    return _BASE[0]


# ------------------------------------------------------------------------------------------ the model


def interest_on(amount: int, paid_at: int, breached_at: int) -> int:
    """The rule's interest on one payment: floor(amount × rate_bps × whole days / (10,000 × 365))."""
    days = (breached_at - paid_at) // DAY if breached_at > paid_at else 0
    return amount * RATE_BPS * days // (10_000 * 365)


@dataclass
class MWallet:
    start: int
    free: int
    grant: int = 0  # grant money: earmarked under the programme (a firm's; the department's is the budget)
    open: bool = True
    frozen: bool = False
    redeemed: int = 0
    own_in: int = 0  # own money transferred to it
    grant_in: int = 0  # grant money spent with it (as a payee)


@dataclass
class MGrant:
    id: int
    firm: str
    tranches: list[int]
    admitted_at: int
    paid_at: list[int] = field(default_factory=list)  # per tranche: when it was paid (0: not paid)
    status: int = ACTIVE
    settled: int = 0  # tranches paid, withheld or cancelled
    fraud: bool = False
    breached_at: int = 0
    interest: int = 0
    returned: int = 0
    repaid: int = 0
    withheld: int = 0
    on_close: int = 0  # grant money credited to it when its firm closed its wallet

    def __post_init__(self) -> None:
        if not self.paid_at:
            self.paid_at = [0] * len(self.tranches)

    @property
    def paid(self) -> int:
        return sum(a for a, t in zip(self.tranches, self.paid_at) if t)

    @property
    def owed(self) -> int:
        """What a clawback asks back: principal plus interest, less what already came back on a close."""
        return self.paid + self.interest - self.on_close

    @property
    def outstanding(self) -> int:
        if self.status != CLAWED_BACK:
            return 0
        return self.owed - self.returned - self.repaid - self.withheld

    @property
    def promise_end(self) -> int:
        return self.admitted_at + PROMISE_DAYS * DAY

    @property
    def clawed(self) -> bool:
        return self.status in (CLAWED_BACK, SETTLED)


@dataclass
class Model:
    wallets: dict[str, MWallet] = field(default_factory=dict)
    grants: list[MGrant] = field(default_factory=list)  # id i + 1 at index i
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOTALS, 0))
    excluded_until: dict[str, int] = field(default_factory=dict)
    promises_end: int = 0  # the last promise period of any paid grant ends here
    live: dict[str, int] = field(default_factory=dict)  # the contract's _liveGrant: money returned on close goes there
    issued: int = 0

    @classmethod
    def initial(cls) -> "Model":
        m = cls()
        for name in WALLET_NAMES:
            own = DEPT_FUNDS if name == DEPT else FIRM_FUNDS if name in FIRMS else 0
            m.wallets[name] = MWallet(own, own)
            m.issued += own
        return m

    def grant(self, gid: int) -> MGrant | None:
        return self.grants[gid - 1] if 1 <= gid <= len(self.grants) else None

    @property
    def budget(self) -> int:
        return self.wallets[DEPT].grant

    @property
    def withdrawable(self) -> int:
        return self.budget - self.totals["committedFen"]

    def is_open(self, name: str) -> bool:
        w = self.wallets.get(name)
        return w is not None and w.open

    def live_grants(self, firm: str, now: int) -> list[MGrant]:
        """The firm's grants that keep it from a new one: active, owing a debt, or paid and still under their
        promise (the contract keeps one per firm)."""
        return [g for g in self.grants if g.firm == firm and (
            g.status in (ACTIVE, CLAWED_BACK) or g.status in (COMPLETED, ENDED) and g.paid and now < g.promise_end)]

    def cancel_remaining(self, g: MGrant) -> int:
        cancelled = sum(g.tranches[g.settled:])
        g.settled = len(g.tranches)
        self.totals["committedFen"] -= cancelled
        return cancelled

    def settle(self, g: MGrant) -> int:
        g.status = SETTLED
        if self.live.get(g.firm) == g.id:
            del self.live[g.firm]
        return self.cancel_remaining(g)

    def can_receive(self, name: str, amount: int) -> bool:
        """ECNY.canReceive: open, and its tier's cap (CAPPED only) holds afterwards (its grant money counts)."""
        w = self.wallets.get(name)
        if w is None or not w.open:
            return False
        return name != CAPPED or w.free + w.grant + amount <= CAPPED_CAP

    def move_grant_money(self, src: str, dst: str, amount: int) -> None:
        self.wallets[src].grant -= amount
        self.wallets[dst].grant += amount




# ------------------------------------------------------------------------------------------ strategies

TRANCHE = st.one_of(st.integers(10_000, 800_000), st.sampled_from([1, 100_000, 1_000_000]))
TRANCHES = st.lists(TRANCHE, min_size=1, max_size=3)
FIRM = st.sampled_from(FIRMS)
PICK = st.integers(0, 63)
ADMIT_FLAW = st.sampled_from(["none"] * 8 + ["no tranches", "nine tranches", "zero tranche", "too much", "twice",
                                             "department", "agency", "zero address", "by agency"])
SPEND_TO = st.sampled_from(ALLOWED_PAYEES * 2 + OTHER_PAYEES + ("self",))
AMOUNT_PART = st.sampled_from([0.1, 0.3, 0.5, 1.0, "zero", "more"])
STEP = st.sampled_from(["attest"] * 4 + ["spend"] * 3 + ["wait"] * 2 + ["repay"] * 2
                       + ["spend elsewhere", "breach", "breach", "miss"])
TIME_STEP = st.one_of(st.integers(HOUR, 3 * DAY), st.integers(DAY, 60 * DAY), st.integers(30 * DAY, 400 * DAY),
                      st.sampled_from([YEAR, 2 * YEAR]))


# ------------------------------------------------------------------------------------------ the machine


class GrantsMachine(ModelledSends, RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        base = _base()
        self.chain, self.token, self.gp = base.chain, base.token, base.gp
        self.chain.revert(base.snapshot)
        self.m = Model.initial()
        self.failed = False
        self._cache: tuple[int, dict] | None = None
        self._changes = 0  # successful transactions so far
        self.addr = {n: self.chain.address_of(n) for n in NAMES}
        self.addr[ZERO] = ZERO

    # ---------------------------------------------------------------- helpers

    def send(self, actor: str, contract, fn: str, *args, expect: str | None):
        r = super().send(actor, contract, fn, *args, expect=expect)
        if r.status == 1:
            self._changes += 1
        return r

    def attempt(self, actor: str, contract, fn: str, args: tuple, predict) -> Any:
        """Runs `predict(model, events)` on a copy of the model (it returns the error it expects, or None
        after applying the transaction to the copy and listing the programme's events), sends the
        transaction, and keeps the copy if it succeeded."""
        m2, events = copy.deepcopy(self.m), []
        expect = predict(m2, events)
        r = self.send(actor, contract, fn, *args, expect=expect)
        if expect is None:
            self.m = m2
            got = [(e.name, e.args) for e in r.events if e.contract == self.gp.name]
            self.check("events_match_the_model", got == events, f"{fn}: events {got} != model {events}")
        return r

    def pick_grant(self, pick: int, statuses=None) -> int:
        """A grant id: mostly one in `statuses`, sometimes any, now and then an unknown one."""
        n = len(self.m.grants)
        if n == 0 or pick % 16 == 15:
            return 0 if pick % 2 else n + 1
        pool = [g.id for g in self.m.grants if statuses is None or g.status in statuses] if pick % 8 else []
        pool = pool or [g.id for g in self.m.grants]
        return pool[pick % len(pool)]

    def a(self, name: str) -> str:
        return self.addr[name]

    # ---------------------------------------------------------------- predictions

    def own_move_error(self, m: Model, who: str) -> str | None:
        w = m.wallets.get(who)
        if w is None or not w.open:
            return "ECNY_WalletNotOpen"
        if w.frozen:
            return "ECNY_WalletFrozen"
        return None

    def do_fund(self, caller: str, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if caller != DEPT:
                return "Grant_NotDepartment"
            if amount == 0:
                return "Grant_ZeroAmount"
            if amount > MAX_U128 - m.totals["fundedFen"]:
                return "Grant_AmountTooLarge"
            error = self.own_move_error(m, DEPT)
            if error:
                return error
            if m.wallets[DEPT].free < amount:
                return "ECNY_InsufficientFree"
            m.totals["fundedFen"] += amount
            m.wallets[DEPT].free -= amount
            m.wallets[DEPT].grant += amount
            events.append(("ProgrammeFunded", {"department": self.a(DEPT), "amountFen": amount}))
            return None

        self.attempt(caller, self.gp, "fund", (amount,), predict)

    def do_withdraw(self, caller: str, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if caller != DEPT:
                return "Grant_NotDepartment"
            if amount == 0:
                return "Grant_ZeroAmount"
            if amount > m.withdrawable:
                return "Grant_BudgetExceeded"
            m.totals["withdrawnFen"] += amount
            m.wallets[DEPT].grant -= amount
            m.wallets[DEPT].free += amount
            events.append(("UnpaidWithdrawn", {"department": self.a(DEPT), "amountFen": amount}))
            return None

        self.attempt(caller, self.gp, "withdrawUnpaid", (amount,), predict)

    def do_admit(self, caller: str, firms: list[str], tranches: list[list[int]]) -> None:
        now = self.now

        def predict(m: Model, events: list) -> str | None:
            if caller != DEPT:
                return "Grant_NotDepartment"
            if len(firms) != len(tranches):
                return "Grant_LengthMismatch"
            available = m.withdrawable
            for firm, amounts in zip(firms, tranches):
                if firm == ZERO:
                    return "Grant_ZeroAddress"
                if firm in (DEPT, AGENCY):
                    return "Grant_InvalidFirm"
                live = {g.status for g in m.live_grants(firm, now)}
                if ACTIVE in live:
                    return "Grant_FirmHasActiveGrant"
                if CLAWED_BACK in live:
                    return "Grant_FirmHasDebt"
                if live:
                    return "Grant_FirmUnderPromise"
                if m.excluded_until.get(firm, 0) > now:
                    return "Grant_FirmExcluded"
                if not 1 <= len(amounts) <= MAX_TRANCHES:
                    return "Grant_BadTranches"
                size = 0
                for a in amounts:
                    if a == 0:
                        return "Grant_ZeroAmount"
                    if a > available - size:
                        return "Grant_BudgetExceeded"
                    size += a
                available -= size
                gid = len(m.grants) + 1
                m.grants.append(MGrant(gid, firm, list(amounts), now))
                m.live[firm] = gid
                m.totals["committedFen"] += size
                events.append(("FirmAdmitted", {"grantId": gid, "firm": self.a(firm), "sizeFen": size,
                                                "tranches": len(amounts)}))
            return None

        first = len(self.m.grants) + 1
        r = self.attempt(caller, self.gp, "admitFirms", ([self.a(f) for f in firms], tranches), predict)
        if r.status == 1:
            self.check("grants_match_the_model", r.return_value == first, f"admitFirms returned {r.return_value}")

    def do_attest(self, caller: str, gids: list[int], milestone: int) -> None:
        now = self.now

        def predict(m: Model, events: list) -> str | None:
            if caller != AGENCY:
                return "Grant_NotAgency"
            for gid in gids:
                # a grant that cannot take the milestone is skipped; nothing changes for it
                g = m.grant(gid)
                withholding = g is not None and g.status == CLAWED_BACK
                if g is None:
                    reason = UNKNOWN_GRANT
                elif g.status != ACTIVE and not withholding or g.settled == len(g.tranches):
                    reason = NOT_ACTIVE  # (a clawed-back grant with no tranche left too)
                elif milestone != g.settled:
                    reason = WRONG_MILESTONE  # (also a grant listed twice)
                elif not withholding and not m.can_receive(g.firm, g.tranches[milestone]):
                    reason = FIRM_CANNOT_RECEIVE  # its wallet is closed or at its cap: the tranche waits
                else:
                    reason = PAY
                if reason != PAY:
                    events.append(("MilestoneSkipped", {"grantId": gid, "milestone": milestone, "reason": reason}))
                    continue
                amount = g.tranches[milestone]
                g.settled += 1
                m.totals["committedFen"] -= amount
                if withholding:
                    outstanding = g.outstanding
                    withheld = min(amount, outstanding)
                    cancelled = amount - withheld
                    g.withheld += withheld
                    m.totals["withheldFen"] += withheld
                    m.totals["paidOutFen"] += withheld
                    if withheld == outstanding:
                        cancelled += m.settle(g)
                    events.append(("TrancheWithheld", {"grantId": gid, "firm": self.a(g.firm), "milestone": milestone,
                                                       "withheldFen": withheld, "cancelledFen": cancelled}))
                    continue
                g.paid_at[milestone] = now
                m.promises_end = max(m.promises_end, g.promise_end)
                m.totals["paidOutFen"] += amount
                m.totals["paidToFirmsFen"] += amount
                if g.settled == len(g.tranches):
                    g.status = COMPLETED
                events.append(("TranchePaid", {"grantId": gid, "firm": self.a(g.firm), "milestone": milestone,
                                               "amountFen": amount}))
                m.move_grant_money(DEPT, g.firm, amount)
            return None

        self.attempt(caller, self.gp, "attestMilestones", (gids, milestone), predict)

    def do_missed(self, caller: str, gid: int, milestone: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if caller != AGENCY:
                return "Grant_NotAgency"
            g = m.grant(gid)
            if g is None:
                return "Grant_UnknownGrant"
            clawed_back = g.status == CLAWED_BACK and g.settled < len(g.tranches)  # (tranches it will not earn)
            if g.status != ACTIVE and not clawed_back:
                return "Grant_NotActive"
            if milestone != g.settled:
                return "Grant_WrongMilestone"
            if not clawed_back:
                g.status = ENDED
                if g.paid == 0:  # nothing received: no promise to keep
                    m.live.pop(g.firm, None)
            cancelled = m.cancel_remaining(g)
            events.append(("MilestoneMissed", {"grantId": gid, "firm": self.a(g.firm), "milestone": milestone,
                                               "cancelledFen": cancelled}))
            return None

        self.attempt(caller, self.gp, "recordMissedMilestone", (gid, milestone), predict)

    def do_breach(self, caller: str, gid: int, breached_at: int, fraud: bool) -> None:
        now = self.now

        def predict(m: Model, events: list) -> str | None:
            if caller != AGENCY:
                return "Grant_NotAgency"
            g = m.grant(gid)
            if g is None:
                return "Grant_UnknownGrant"
            if g.clawed:
                return "Grant_AlreadyClawedBack"
            if g.paid == 0 and not fraud:
                return "Grant_NothingReceived"
            live = [x.id for x in m.live_grants(g.firm, now)]
            if live and live != [gid]:  # one debt at a time, on the firm's one live grant
                return "Grant_AnotherGrantLive"
            if not m.is_open(DEPT):
                return "Grant_DepartmentWalletNeeded"
            if breached_at < g.admitted_at or breached_at > now:
                return "Grant_BadBreachTime"
            if not fraud and breached_at >= g.admitted_at + PROMISE_DAYS * DAY:
                return "Grant_PromiseKept"
            principal = g.paid
            interest = sum(interest_on(a, t, breached_at) for a, t in zip(g.tranches, g.paid_at) if t)
            owed = principal + interest - g.on_close  # money returned on close is the department's already
            returned = min(m.wallets[g.firm].grant, owed)
            g.status, g.breached_at, g.fraud = CLAWED_BACK, breached_at, fraud
            g.interest, g.returned = interest, returned
            m.totals["owedFen"] += owed
            m.totals["interestFen"] += interest
            m.totals["returnedUnspentFen"] += returned
            if owed == returned:
                m.settle(g)
            else:
                m.live[g.firm] = gid
            events.append(("GrantClawedBack", {"grantId": gid, "firm": self.a(g.firm), "principalFen": principal,
                                               "interestFen": interest, "creditedOnCloseFen": g.on_close,
                                               "returnedUnspentFen": returned, "outstandingFen": owed - returned,
                                               "breachedAt": breached_at}))
            if fraud:
                until = now + EXCLUSION_DAYS * DAY
                m.excluded_until[g.firm] = until
                events.append(("FirmExcluded", {"firm": self.a(g.firm), "until": until}))
            m.move_grant_money(g.firm, DEPT, returned)
            return None

        self.attempt(caller, self.gp, "recordBreach", (gid, breached_at, fraud), predict)

    def do_spend(self, firm: str, payee: str, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if amount == 0:
                return "Grant_ZeroAmount"
            w = m.wallets.get(firm)
            if w is not None and w.frozen:
                return "Grant_WalletFrozen"
            purpose = PURPOSE.get(payee, 0)
            if payee == firm or purpose not in ALLOWED:
                return "Grant_PurposeNotAllowed"
            available = 0 if firm == DEPT or w is None else w.grant
            if available < amount:
                return "Grant_InsufficientGrantMoney"
            if not m.is_open(payee):
                return "ECNY_WalletNotOpen"
            m.totals["spentFen"] += amount
            w.grant -= amount
            m.wallets[payee].free += amount
            m.wallets[payee].grant_in += amount
            events.append(("GrantSpent", {"firm": self.a(firm), "payee": self.a(payee), "purpose": purpose,
                                          "amountFen": amount}))
            return None

        r = self.attempt(firm, self.gp, "spend", (self.a(payee), amount), predict)
        if r.status == 0 and r.error.name == "Grant_PurposeNotAllowed":
            want = {"payee": self.a(payee), "purpose": PURPOSE.get(payee, 0)}
            self.check("grant_money_never_reaches_a_payee_outside_its_purpose", r.error.args == want,
                       f"spend refused with {r.error.args}, model {want}")

    def do_repay(self, caller: str, gid: int, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            g = m.grant(gid)
            if g is None:
                return "Grant_UnknownGrant"
            if caller != g.firm:
                return "Grant_NotFirm"
            if g.status != CLAWED_BACK:
                return "Grant_NoDebt"
            if amount == 0:
                return "Grant_ZeroAmount"
            outstanding = g.outstanding
            if amount > outstanding:
                return "Grant_RepaymentExceedsDebt"
            w = m.wallets[caller]
            error = self.own_move_error(m, caller)
            if error:
                return error
            if caller == STINGY:
                return "ECNY_InsufficientAllowance"
            if w.free < amount:
                return "ECNY_InsufficientFree"
            if not m.is_open(DEPT):
                return "ECNY_WalletNotOpen"
            g.repaid += amount
            m.totals["repaidFen"] += amount
            if amount == outstanding:
                m.settle(g)
            events.append(("DebtRepaid", {"grantId": gid, "firm": self.a(caller), "amountFen": amount,
                                          "outstandingFen": outstanding - amount}))
            w.free -= amount
            m.wallets[DEPT].grant += amount
            return None

        self.attempt(caller, self.gp, "repay", (gid, amount), predict)

    def do_transfer(self, sender: str, to: str, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if amount == 0:
                return "ECNY_ZeroAmount"
            error = self.own_move_error(m, sender)
            if error:
                return error
            if not m.is_open(to):
                return "ECNY_WalletNotOpen"
            if not m.can_receive(to, amount):
                return "ECNY_BalanceCapExceeded"
            w = m.wallets[sender]
            if w.free < amount:
                return "ECNY_InsufficientFree"
            w.free -= amount
            m.wallets[to].free += amount
            m.wallets[to].own_in += amount
            return None

        self.attempt(sender, self.token, "transfer", (self.a(to), amount), predict)

    def do_close(self, who: str) -> None:
        def predict(m: Model, events: list) -> str | None:
            error = self.own_move_error(m, who)
            if error:
                return error
            w = m.wallets[who]
            if who == DEPT and self.department_needed(m, self.now):
                return "Grant_DepartmentWalletNeeded"
            if w.grant:
                m.totals["returnedOnCloseFen"] += w.grant
                gid = m.live.get(who, 0)
                g = m.grant(gid) if gid else None
                if g is not None and not g.clawed:  # a later clawback credits the live grant's own money only
                    g.on_close += min(w.grant, g.paid - g.on_close)
                events.append(("GrantMoneyReturnedOnClose", {"firm": self.a(who), "amountFen": w.grant}))
                m.move_grant_money(who, DEPT, w.grant)
            w.redeemed += w.free
            w.free = 0
            w.open = False
            return None

        self.attempt(who, self.token, "closeWallet", (self.a(who),), predict)

    @staticmethod
    def department_needed(m: Model, now: int) -> bool:
        """The department's wallet must stay open while the programme holds money anywhere, is owed any, or a
        paid grant's promise still runs (a breach would bring money back to it)."""
        return bool(m.budget or any(m.wallets[f].grant for f in FIRMS) or any(g.outstanding for g in m.grants)
                    or now < m.promises_end)

    # ================================================================ rules

    @initialize(budget=st.integers(2_000_000, 8_000_000), firms=st.lists(FIRM, min_size=1, max_size=3, unique=True),
                tranches=st.lists(TRANCHES, min_size=3, max_size=3))
    def programme_starts(self, budget, firms, tranches):
        """The department funds the programme and admits its first firms."""
        self.do_fund(DEPT, budget)
        self.do_admit(DEPT, firms, tranches[: len(firms)])

    @rule(what=st.sampled_from(["fund", "fund", "withdraw"]),
          amount=st.one_of(st.integers(1, 5_000_000), st.sampled_from([0, 0.25, 0.5, 1.0, "all", "more", MAX_U128])),
          caller=st.sampled_from([DEPT, DEPT, DEPT, DEPT, AGENCY, "firm:a"]))
    def department_manages_the_budget(self, what, amount, caller):
        """The department tops the budget up (up to all its money, or one fen more), or takes part or all of
        the uncommitted budget back (or one fen more); someone else tries."""
        have = self.m.wallets[DEPT].free if what == "fund" else self.m.withdrawable
        if isinstance(amount, float):
            amount = int(have * amount)
        elif isinstance(amount, str):
            amount = have + (amount == "more")
        elif what == "withdraw" and amount != MAX_U128:
            amount = min(amount, have + 1)
        (self.do_fund if what == "fund" else self.do_withdraw)(caller, amount)

    @rule(firms=st.lists(FIRM, min_size=1, max_size=2, unique=True),
          tranches=st.lists(TRANCHES, min_size=2, max_size=2), flaw=ADMIT_FLAW)
    def department_admits_firms(self, firms, tranches, flaw):
        """One or two firms (refused when one has a grant or a debt, or is excluded); now and then with a flaw."""
        firms, tranches, caller = list(firms), [list(t) for t in tranches[: len(firms)]], DEPT
        if flaw == "no tranches":
            tranches[0] = []
        elif flaw == "nine tranches":
            tranches[0] = [1] * (MAX_TRANCHES + 1)
        elif flaw == "zero tranche":
            tranches[-1].append(0)
        elif flaw == "too much":
            tranches[-1][-1] = self.m.withdrawable + 1
        elif flaw == "twice":
            firms.append(firms[0])
            tranches.append([1])
        elif flaw in ("department", "agency", "zero address"):
            firms[-1] = {"department": DEPT, "agency": AGENCY, "zero address": ZERO}[flaw]
        elif flaw == "by agency":
            caller = AGENCY
        self.do_admit(caller, firms, tranches)

    @rule(firm=FIRM, tranches=TRANCHES, steps=st.lists(st.tuples(STEP, st.integers(0, 999)), min_size=2, max_size=6))
    def a_firm_lives_through_its_grant(self, firm, tranches, steps):
        """A firm's grant from admission on (or its live grant: active, owing a debt, or under its promise): the
        agency attests milestones (withheld once clawed back), the firm spends on allowed payees and tries
        others, time passes, the agency records a missed milestone or a breach (fraud now and then), the
        firm repays part or all of its debt."""
        live = self.m.live_grants(firm, self.now)
        if live:
            g = live[-1]
        else:
            short = sum(tranches) - self.m.withdrawable
            if short > 0:
                self.do_fund(DEPT, min(short, self.m.wallets[DEPT].free) or 1)
            n = len(self.m.grants)
            self.do_admit(DEPT, [firm], [tranches])
            if len(self.m.grants) == n:
                return
            g = self.m.grants[-1]
        for kind, x in steps:
            g = self.m.grant(g.id)  # (the model is replaced after each transaction)
            w = self.m.wallets[firm]
            if kind == "attest":
                if g.settled < len(g.tranches):
                    self.do_attest(AGENCY, [g.id], g.settled)
            elif kind == "spend":
                self.do_spend(firm, ALLOWED_PAYEES[x % len(ALLOWED_PAYEES)], max(1, w.grant * (x % 10 + 1) // 10))
            elif kind == "spend elsewhere":
                self.do_spend(firm, OTHER_PAYEES[x % len(OTHER_PAYEES)], max(1, w.grant // 2))
            elif kind == "wait":
                self.chain.advance(x * DAY // 2)
            elif kind == "miss":
                self.do_missed(AGENCY, g.id, g.settled)
            elif kind == "breach":
                now = self.now
                self.do_breach(AGENCY, g.id, g.admitted_at + (now - g.admitted_at) * (x % 101) // 100, x % 5 == 0)
            elif kind == "repay":
                self.do_repay(firm, g.id, max(1, g.outstanding * (x % 3 + 1) // 3))

    @rule(firm=FIRM, tranches=st.lists(TRANCHE, min_size=2, max_size=4), spent=st.integers(0, 10),
          days=st.integers(0, 800), fraud=st.sampled_from([False, False, True]), late=st.integers(0, 30),
          repay=st.sampled_from([0, 1, 2, 3]), closes=st.sampled_from([False, False, True]))
    def a_firm_moves_away_mid_grant(self, firm, tranches, spent, days, fraud, late, repay, closes):
        """A firm is admitted, gets its first tranche, spends part of it, and after some days moves away (or is
        found cheating); with `closes` it closes its wallet when it leaves (its unspent grant money returns
        then and is credited against the debt). The breach is recorded up to a month later. Its unspent money
        returns; its next tranches are withheld against the debt (the excess and the rest cancelled once it
        is cleared); it repays part, all, or nothing (refused once its wallet is closed)."""
        free = [f for f in FIRMS if not self.m.live_grants(f, self.now)]  # (else the admission is refused)
        firm = firm if not free or firm in free else free[0]
        short = sum(tranches) - self.m.withdrawable
        if short > 0:
            self.do_fund(DEPT, min(short, self.m.wallets[DEPT].free) or 1)
        n = len(self.m.grants)
        self.do_admit(DEPT, [firm], [tranches])
        if len(self.m.grants) == n:
            return
        gid = self.m.grants[-1].id
        self.do_attest(AGENCY, [gid], 0)
        payee = ALLOWED_PAYEES[(spent + days) % len(ALLOWED_PAYEES)]
        self.do_spend(firm, payee, max(1, self.m.wallets[firm].grant * spent // 10))
        self.chain.advance(days * DAY)
        breached_at = self.now
        if closes:
            self.do_close(firm)
        self.chain.advance(late * DAY)
        self.do_breach(AGENCY, gid, breached_at, fraud)
        for milestone in range(1, len(tranches)):
            g = self.m.grant(gid)
            if g.status != CLAWED_BACK:
                break
            self.do_attest(AGENCY, [gid], milestone)
        g = self.m.grant(gid)
        if repay and g.outstanding:
            self.do_repay(firm, gid, max(1, g.outstanding * repay // 3))

    @precondition(lambda self: self.m.grants)
    @rule(picks=st.lists(PICK, min_size=1, max_size=3), offset=st.sampled_from([0, 0, 0, 0, 1, -1]),
          caller=st.sampled_from([AGENCY] * 5 + [DEPT]))
    def agency_attests_milestones(self, picks, offset, caller):
        """The next milestone of one or more grants (active or clawed back) with the same next milestone; or
        a wrong milestone, an unknown or finished grant, the department attesting."""
        gids = [self.pick_grant(p, (ACTIVE, CLAWED_BACK)) for p in picks]
        first = self.m.grant(gids[0])
        milestone = max(0, (first.settled if first else 0) + offset)
        same = [gids[0]] + [g for g in gids[1:] if (x := self.m.grant(g)) is None or x.settled == milestone]
        self.do_attest(caller, same, milestone)

    @precondition(lambda self: self.m.grants)
    @rule(pick=PICK, offset=st.sampled_from([0, 0, 0, 1]), caller=st.sampled_from([AGENCY, AGENCY, AGENCY, DEPT]))
    def agency_records_a_missed_milestone(self, pick, offset, caller):
        gid = self.pick_grant(pick, (ACTIVE,))
        g = self.m.grant(gid)
        self.do_missed(caller, gid, (g.settled if g else 0) + offset)

    @precondition(lambda self: any(g.paid for g in self.m.grants))
    @rule(pick=PICK, when=st.one_of(st.floats(0, 1), st.sampled_from(["admission", "now", "before", "future",
                                                                       "promise end", "last day"])),
          fraud=st.sampled_from([False, False, True]), caller=st.sampled_from([AGENCY] * 5 + [DEPT]))
    def agency_records_a_breach(self, pick, when, fraud, caller):
        """The firm moved away (or cheated) at a random time between its admission and now; or at a time
        that is refused (before admission, in the future, after the promise ended without fraud)."""
        paid = [g.id for g in self.m.grants if g.paid and not g.clawed]
        gid = paid[pick % len(paid)] if paid and pick % 8 else self.pick_grant(pick)
        g = self.m.grant(gid)
        now = self.now
        start = g.admitted_at if g else now
        promise_end = start + PROMISE_DAYS * DAY
        at = {"admission": start, "now": now, "before": start - 1, "future": now + 1,
              "promise end": promise_end, "last day": promise_end - 1}.get(when) if isinstance(when, str) \
            else start + int((now - start) * when)
        self.do_breach(caller, gid, at, fraud)

    @rule(firm=st.sampled_from(FIRMS + (DEPT, "stranger")), to=SPEND_TO, part=AMOUNT_PART)
    def firm_spends_grant_money(self, firm, to, part):
        """Part or all of a firm's grant money (or one fen more, or nothing) to a payee of an allowed purpose,
        of another purpose, an unregistered wallet, or itself (as the landlord firm); the department and a
        stranger try too."""
        payee = firm if to == "self" else to
        if payee == "self" or payee not in PURPOSE and payee != firm:
            payee = LANDLORD_FIRM
        w = self.m.wallets.get(firm)
        have = w.grant if w is not None and firm != DEPT else 0
        amount = {"zero": 0, "more": have + 1}.get(part, 0) if isinstance(part, str) else max(1, int(have * part))
        self.do_spend(firm, payee, amount)

    @rule(firm=FIRM, to=st.sampled_from(OTHER_PAYEES + ALLOWED_PAYEES + ("firm:a", CAPPED)),
          amount=st.integers(1, 60_000), too_much=st.sampled_from([False, False, False, True]))
    def firm_pays_with_own_money(self, firm, to, amount, too_much):
        """A firm pays anyone with its own money (payees outside the programme's purposes too); with
        `too_much`, more than its free money (its grant money does not move this way)."""
        if to == firm:
            to = "payee:supplier"
        if too_much:
            amount = self.m.wallets[firm].free + 1
        self.do_transfer(firm, to, amount)

    @precondition(lambda self: any(g.clawed for g in self.m.grants))
    @rule(pick=PICK, part=st.sampled_from([0.3, 0.5, 1.0, 1.0, "more", "zero"]),
          caller=st.sampled_from(["firm", "firm", "firm", "other"]))
    def firm_repays_its_debt(self, pick, part, caller):
        """Part or all of a debt (or more than it, or nothing); another firm tries to repay it."""
        gid = self.pick_grant(pick, (CLAWED_BACK,))
        g = self.m.grant(gid)
        firm = g.firm if g else "firm:a"
        if caller == "other":
            firm = next(f for f in FIRMS if f != firm)
        owed = g.outstanding if g else 0
        amount = {"zero": 0, "more": owed + 1}[part] if isinstance(part, str) else max(1, int(owed * part))
        self.do_repay(firm, gid, amount)

    @rule(who=st.sampled_from(FIRMS + (DEPT,)), what=st.sampled_from(["unfreeze", "freeze", "unfreeze", "close"]),
          pick=PICK)
    def a_wallet_is_closed_or_frozen(self, who, what, pick):
        """A firm closes its wallet (its grant money returns to the programme; refused while frozen), the
        department tries to close its own (refused while the programme holds money anywhere or is owed
        any), the regulator freezes or
        unfreezes a firm (a frozen firm cannot spend grant money, pay or repay)."""
        w = self.m.wallets[who]
        if what == "close":
            if who == DEPT and not self.department_needed(self.m, self.now) and pick % 4:
                return  # the department's wallet closes now and then only: nothing much happens after that
            self.do_close(who)
        elif who != DEPT and w.open and w.frozen == (what == "unfreeze"):
            self.send(REGULATOR, self.token, f"{what}Wallet", who, expect=None)
            w.frozen = not w.frozen

    @rule(offsets=st.lists(st.integers(-100_000, 300_000), min_size=1, max_size=3), out=st.integers(0, 300_000))
    def the_capped_firm_waits_for_room(self, offsets, out):
        """firm:b (its wallet capped at ¥10,000, grant money included) is admitted if it may be, for tranches
        around the room left in its wallet (`offsets` from it); the agency attests its next milestone (skipped
        while the tranche would take it over the cap), the firm pays some of its own money out, and the agency
        attests again (paid if there is room now)."""
        live = self.m.live_grants(CAPPED, self.now)
        if not live:
            w = self.m.wallets[CAPPED]
            room = CAPPED_CAP - w.free - w.grant
            tranches = [max(1, room + off) for off in offsets]
            short = sum(tranches) - self.m.withdrawable
            if short > 0:
                self.do_fund(DEPT, min(short, self.m.wallets[DEPT].free) or 1)
            self.do_admit(DEPT, [CAPPED], [tranches])
            live = self.m.live_grants(CAPPED, self.now)
        if not live or live[-1].status != ACTIVE:
            return
        gid = live[-1].id
        self.do_attest(AGENCY, [gid], self.m.grant(gid).settled)
        if out:
            self.do_transfer(CAPPED, "payee:supplier", out)
        g = self.m.grant(gid)
        if g.status == ACTIVE:
            self.do_attest(AGENCY, [gid], g.settled)

    @precondition(lambda self: any(self.m.wallets[f].grant and self.m.wallets[f].open for f in FIRMS))
    @rule(pick=PICK, days=st.integers(0, 400), breach=st.sampled_from(["breach", "breach", "fraud", "none"]))
    def a_firm_closes_its_wallet_holding_grant_money(self, pick, days, breach):
        """A firm leaves with grant money unspent and closes its wallet: the money returns to the department and
        is credited to its live grant; some days later the agency records the breach (or fraud), and the firm
        owes principal + interest less that credit (the remaining tranches are skipped: the wallet is gone)."""
        firms = [f for f in FIRMS if self.m.wallets[f].grant and self.m.wallets[f].open]
        firm = firms[pick % len(firms)]
        gid = self.m.live.get(firm, 0)
        self.do_close(firm)
        self.chain.advance(days * DAY)
        g = self.m.grant(gid)
        if g is None or breach == "none":
            return
        if g.settled < len(g.tranches) and g.status == ACTIVE:
            self.do_attest(AGENCY, [gid], g.settled)  # skipped: FirmCannotReceive
        self.do_breach(AGENCY, gid, self.now, breach == "fraud")

    @rule(step=TIME_STEP)
    def time_passes(self, step):
        self.chain.advance(step)

    @precondition(lambda self: self.m.grants)
    @rule(pick=PICK, edge=st.sampled_from(["promise", "exclusion"]), delta=st.sampled_from([-1, 0, 1]),
          then=st.sampled_from(["breach", "admit", "nothing"]))
    def time_moves_to_an_edge(self, pick, edge, delta, then):
        """Time jumps onto a grant's promise end or a firm's exclusion end (a second before or after), and the
        agency records a breach there (with the breach time now) or the department admits the firm."""
        g = self.m.grant(self.pick_grant(pick))
        if g is None:
            return
        at = g.admitted_at + PROMISE_DAYS * DAY if edge == "promise" else self.m.excluded_until.get(g.firm, 0)
        if not self.now <= at + delta:
            return
        self.chain.set_time(at + delta)
        if then == "breach":
            self.do_breach(AGENCY, g.id, self.now, False)
        elif then == "admit":
            self.do_admit(DEPT, [g.firm], [[50_000]])

    # ================================================================ invariants

    def views(self) -> dict:
        """The chain's balances and the programme's totals, read again only after a transaction succeeded."""
        if self._cache is None or self._cache[0] != self._changes:
            call, tok, gp = self.chain.call, self.token, self.gp
            self._cache = (self._changes, {
                "supply": call(tok, "totalSupply"),
                "balance": {w: call(tok, "balanceOf", w) for w in WALLET_NAMES},
                "grant": {w: call(tok, "earmarkedOf", w, gp) for w in FIRMS},
                "earmarked_total": call(tok, "earmarkedTotalOf", gp),
                "programme": call(gp, "programmeBalanceFen"),
                "withdrawable": call(gp, "withdrawableFen"),
                "totals": call(gp, "totals"),
                "outstanding": {g.id: call(gp, "outstandingOf", g.id) for g in self.m.grants if g.clawed},
            })
        return self._cache[1]

    @invariant()
    def invariant_grant_money_never_reaches_a_payee_outside_its_purpose(self):
        v, m = self.views(), self.m
        prop = "grant_money_never_reaches_a_payee_outside_its_purpose"
        for p in OTHER_PAYEES:
            w = m.wallets[p]
            held = v["balance"][p] + w.redeemed
            self.check(prop, held == w.own_in,
                       f"{p} (purpose {PURPOSE[p]}, not allowed) holds {held} fen; own money paid to it: {w.own_in}")
        for p in ALLOWED_PAYEES:
            if p in FIRMS:  # the landlord firm: its free money (grant money received included) is checked below
                continue
            w = m.wallets[p]
            grant_money = v["balance"][p] + w.redeemed - w.own_in
            self.check(prop, grant_money == w.grant_in,
                       f"{p} holds {grant_money} fen beyond own money; grant money spent with it: {w.grant_in}")
        self.check(prop, m.totals["spentFen"] == sum(m.wallets[p].grant_in for p in ALLOWED_PAYEES),
                   "model: grant money spent != grant money received by allowed payees")
        for f in FIRMS:
            w = m.wallets[f]
            free = v["balance"][f] - v["grant"][f]
            self.check(prop, (free, v["grant"][f]) == (w.free, w.grant),
                       f"{f}: (free, grant money) {(free, v['grant'][f])} != model {(w.free, w.grant)}")

    @invariant()
    def invariant_a_clawback_is_principal_plus_interest(self):
        v, m = self.views(), self.m
        owed = 0
        for g in m.grants:
            if not g.clawed:
                continue
            principal = sum(a for a, t in zip(g.tranches, g.paid_at) if t)
            interest = sum(interest_on(a, t, g.breached_at) for a, t in zip(g.tranches, g.paid_at) if t)
            self.check("a_clawback_is_principal_plus_interest", (g.paid, g.interest) == (principal, interest),
                       f"grant {g.id}: model clawback {(g.paid, g.interest)} != {(principal, interest)}")
            owed += principal + interest - g.on_close
        t = v["totals"]
        self.check("a_clawback_is_principal_plus_interest", t["owedFen"] == owed,
                   f"totals.owedFen {t['owedFen']} != principal + interest − credited on close of every "
                   f"clawback {owed}")
        credited = sum(g.on_close for g in m.grants)
        self.check("a_clawback_is_principal_plus_interest", credited <= t["returnedOnCloseFen"],
                   f"credited on close {credited} > returned on close {t['returnedOnCloseFen']}")
        self.check("a_clawback_is_principal_plus_interest",
                   t["interestFen"] == sum(g.interest for g in m.grants if g.clawed),
                   f"totals.interestFen {t['interestFen']}")

    @invariant()
    def invariant_every_clawback_is_accounted_for(self):
        v, m = self.views(), self.m
        prop = "every_clawback_is_accounted_for"
        for g in m.grants:
            if not g.clawed:
                continue
            out = v["outstanding"][g.id]
            self.check(prop, g.owed == g.returned + g.repaid + g.withheld + out and out == g.outstanding,
                       f"grant {g.id}: owed {g.owed} (less {g.on_close} credited on close) != returned unspent "
                       f"{g.returned} + repaid {g.repaid} + "
                       f"withheld {g.withheld} + outstandingOf {out} (model {g.outstanding})")
            self.check(prop, (g.status == SETTLED) == (out == 0), f"grant {g.id}: status {g.status}, outstanding {out}")
        t = v["totals"]
        out = sum(v["outstanding"].values())
        self.check(prop, t["owedFen"] == t["returnedUnspentFen"] + t["repaidFen"] + t["withheldFen"] + out,
                   f"totals: owed {t['owedFen']} != returned unspent {t['returnedUnspentFen']} + repaid "
                   f"{t['repaidFen']} + withheld {t['withheldFen']} + outstanding {out}")

    @invariant()
    def invariant_programme_balance_is_accounted_for(self):
        v, m = self.views(), self.m
        prop = "programme_balance_is_accounted_for"
        t = v["totals"]
        self.check(prop, t == m.totals, f"totals {t} != model {m.totals}")
        want = (t["fundedFen"] - t["withdrawnFen"] - t["paidToFirmsFen"] + t["returnedUnspentFen"] + t["repaidFen"]
                + t["returnedOnCloseFen"])
        dept_earmark = v["balance"][DEPT] - m.wallets[DEPT].free
        self.check(prop, v["programme"] == want == m.budget == dept_earmark,
                   f"programmeBalanceFen {v['programme']} != funded − withdrawn − paid to firms + returned unspent "
                   f"+ repaid + returned on close = {want} (model {m.budget}, department's earmark {dept_earmark})")
        self.check(prop, t["committedFen"] <= v["programme"]
                   and v["withdrawable"] == v["programme"] - t["committedFen"],
                   f"committed {t['committedFen']}, balance {v['programme']}, withdrawable {v['withdrawable']}")
        self.check(prop, v["earmarked_total"] == v["programme"] + sum(v["grant"].values()),
                   f"earmarkedTotalOf {v['earmarked_total']} != budget + firms' grant money")
        committed = sum(sum(g.tranches[g.settled:]) for g in m.grants)
        self.check(prop, t["committedFen"] == committed,
                   f"committed {t['committedFen']} != tranches to come {committed}")

    @invariant()
    def invariant_money_is_conserved(self):
        v, m = self.views(), self.m
        redeemed = sum(w.redeemed for w in m.wallets.values())
        total = sum(v["balance"].values())
        self.check("money_is_conserved", v["supply"] == total == m.issued - redeemed,
                   f"totalSupply {v['supply']}, sum of balances {total}, issued − redeemed {m.issued - redeemed}")

    def teardown(self):
        """After each sequence: every grant's views agree with the model."""
        if self.failed:
            return
        call, gp = self.chain.call, self.gp
        self.check("grants_match_the_model", call(gp, "grantCount") == len(self.m.grants), "grantCount")
        for g in self.m.grants:
            got = call(gp, "grantOf", g.id)
            want = {"firm": self.a(g.firm), "status": g.status, "trancheCount": len(g.tranches),
                    "tranchesSettled": g.settled, "fraud": g.fraud, "admittedAt": g.admitted_at,
                    "breachedAt": g.breached_at, "sizeFen": sum(g.tranches), "paidFen": g.paid,
                    "interestFen": g.interest, "returnedUnspentFen": g.returned, "repaidFen": g.repaid,
                    "withheldFen": g.withheld, "returnedOnCloseFen": g.on_close}
            self.check("grants_match_the_model", got == want, f"grantOf({g.id}) {got} != {want}")
            got = call(gp, "tranchesOf", g.id)
            want = [{"amountFen": a, "paidAt": t} for a, t in zip(g.tranches, g.paid_at)]
            self.check("grants_match_the_model", got == want, f"tranchesOf({g.id}) {got} != {want}")
            now = self.chain.last_block_time
            got = tuple(call(gp, "clawbackQuote", g.id, now))
            want = (g.paid, sum(interest_on(a, t, now) for a, t in zip(g.tranches, g.paid_at) if t))
            self.check("a_clawback_is_principal_plus_interest", got == want,
                       f"clawbackQuote({g.id}, now) {got} != {want}")
        for f in FIRMS:
            live = [g.id for g in self.m.live_grants(f, self.now)]
            if len(live) <= 1:
                got = call(gp, "currentGrantOf", f)
                self.check("grants_match_the_model", got == (live[0] if live else 0),
                           f"currentGrantOf({f}) {got}, model's live grants {live}")
            got = call(gp, "excludedUntil", f)
            self.check("grants_match_the_model", got == self.m.excluded_until.get(f, 0), f"excludedUntil({f}) {got}")
        for w in (DEPT, "stranger") + FIRMS:
            got = call(gp, "grantMoneyOf", w)
            want = self.m.wallets[w].grant if w in FIRMS else 0
            self.check("grants_match_the_model", got == want, f"grantMoneyOf({w}) {got} != {want}")
        for p in PURPOSE:
            got = call(gp, "isAllowedPayee", p)
            self.check("grants_match_the_model", got == (PURPOSE[p] in ALLOWED), f"isAllowedPayee({p}) {got}")




def test_grant_programme_properties_hold():
    _base()  # deploy outside Hypothesis' timing
    run_state_machine_as_test(GrantsMachine, settings=machine_settings())


# ------------------------------------------------------------------------------------------ teeth




def test_teeth_the_invariants_notice_grant_money_going_astray():
    """Driven by hand the invariants hold; a model that is wrong about where grant money went, or about a
    clawback's interest, makes the right invariant fail."""
    machine = GrantsMachine()
    machine.programme_starts(3_000_000, ["firm:a"], [[500_000, 300_000], [], []])
    machine.do_attest(AGENCY, [1], 0)
    machine.do_spend("firm:a", "payee:landlord", 200_000)
    machine.do_spend("firm:a", "payee:karaoke", 1)  # refused: not an allowed purpose
    machine.chain.advance(100 * DAY)
    machine.do_breach(AGENCY, 1, machine.now - DAY + 60, False)  # 99 days and a minute after the payment
    invariants = [name for name in dir(machine) if name.startswith("invariant_")]
    assert len(invariants) == 5
    for name in invariants:
        getattr(machine, name)()
    g = machine.m.grant(1)
    # 99 whole days on ¥5,000 at 3.75 %: floor(500,000 x 375 x 99 / 3,650,000) = 5,085 fen
    assert (g.status, g.paid, g.interest, g.returned) == (CLAWED_BACK, 500_000, 5_085, 300_000)
    assert g.outstanding == 205_085 and machine.m.totals["committedFen"] == 300_000

    # the firm pays the karaoke bar (own money), but the model believes it was grant money
    machine.send("firm:a", machine.token, "transfer", "payee:karaoke", 1_000, expect=None)
    machine.m.wallets["firm:a"].free -= 1_000
    assert violation(machine, "invariant_grant_money_never_reaches_a_payee_outside_its_purpose").msg.startswith(
        "payee:karaoke (purpose 5, not allowed) holds 1000 fen")

    machine = GrantsMachine()  # reverts to the base snapshot
    machine.programme_starts(3_000_000, ["firm:a"], [[500_000], [], []])
    machine.do_attest(AGENCY, [1], 0)
    machine.chain.advance(400 * DAY)
    machine.do_breach(AGENCY, 1, machine.now, True)
    machine.m.grants[0].interest -= 1  # a model one fen short on the interest
    err = violation(machine, "invariant_a_clawback_is_principal_plus_interest")
    assert err.prop == "a_clawback_is_principal_plus_interest"
    assert violation(machine, "invariant_every_clawback_is_accounted_for").prop == "every_clawback_is_accounted_for"


# ------------------------------------------------------------------------------------------ examples


def test_a_debt_on_an_older_grant_stops_a_new_admission():
    """A firm's grant 1 is paid and its promise ends; the firm is admitted for grant 2. A breach of grant 1
    (the firm had left on its last promise day) is refused while grant 2 is live; once grant 2 has ended
    without a payment it is recorded, and grant 1's debt (its interest: the ¥5,000 came back unspent) bars a
    new admission. (An earlier version of the contract recorded the breach at once and then admitted the
    firm while the debt was outstanding.)"""
    machine = GrantsMachine()
    machine.programme_starts(3_000_000, ["firm:a"], [[500_000], [], []])
    machine.do_attest(AGENCY, [1], 0)
    machine.chain.advance((PROMISE_DAYS + 1) * DAY)  # grant 1's promise has ended: the firm may apply again
    machine.do_admit(DEPT, ["firm:a"], [[100_000]])
    breached_at = machine.m.grant(1).promise_end - 1
    machine.do_breach(AGENCY, 1, breached_at, False)  # refused: grant 2 is live
    assert machine.m.grant(1).status == COMPLETED
    machine.do_missed(AGENCY, 2, 0)
    machine.do_breach(AGENCY, 1, breached_at, False)
    # 729 whole days on ¥5,000 at 3.75 %: floor(500,000 x 375 x 729 / 3,650,000) = 37,448 fen
    assert machine.m.grant(1).outstanding == 37_448
    machine.do_admit(DEPT, ["firm:a"], [[100_000]])  # refused: Grant_FirmHasDebt
    assert len(machine.m.grants) == 2
    for name in dir(machine):
        if name.startswith("invariant_"):
            getattr(machine, name)()
    machine.teardown()
