"""The upfront prepaid contract's state machine: a Hypothesis ``RuleBasedStateMachine`` that drives the token
and an IUpfrontPrepaid contract (20 % risk deposit) and checks every outcome against the Python model
(``upfront_model``), with its invariants. Moved from tests/contracts/test_properties_upfront.py (whose docstring
tells the rules and properties); ``ecny-sim check`` runs it against a developer's contract.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ..chain.clock import DAY, HOUR, format_beijing
from ..domain.settings import WALLET_TIERS
from .modelled import ModelledSends, WalletTiers
from .prepaid_model import lesson_time, lessons_due
from .token_model import BANK, MAX_UINT, REGULATOR, TIERS
from .upfront_model import (ACTIVE, COURSES, PARENT_NAMES, PARENTS, SCHOOL_FUNDS, SCHOOLS, SLACK, SUPPLIER,
                            UNKNOWN_COURSE, VARIANT, WALLETS, MExposure, Model, MWallet, _deploy)


# ------------------------------------------------------------------------------------------ strategies

PARENT = st.integers(0, len(PARENT_NAMES) - 1)
SCHOOL = st.sampled_from(SCHOOLS)
KNOWN_COURSE = st.sampled_from(sorted(COURSES))
COURSE = st.integers(0, 6).map(lambda i: UNKNOWN_COURSE if i == 6 else 1 + i % 3)
PICK = st.integers(0, 63)
REPEATS = st.lists(st.tuples(PICK, PICK), max_size=2)


# ------------------------------------------------------------------------------------------ the machine


class UpfrontMachine(WalletTiers, ModelledSends, RuleBasedStateMachine):
    VARIANT, DEPLOY = VARIANT, staticmethod(_deploy)
    TIER_WALLETS = WALLETS

    def __init__(self) -> None:
        super().__init__()
        self.upfront = self.start().contract
        addr = {n: self.chain.address_of(n) for n in (*WALLETS, BANK, REGULATOR)}
        self.m = Model(addr, self.upfront.address)
        self.m.wallets[SUPPLIER] = MWallet(WALLET_TIERS["corporate"].tier_id)
        for school, (funds, allowance) in SCHOOL_FUNDS.items():
            self.m.wallets[school] = MWallet(WALLET_TIERS["corporate"].tier_id, funds, allowance=allowance,
                                             funded=funds)
            self.m.inst[school] = MExposure()
            self.m.issued += funds
        for parent, (tier, funds) in PARENTS.items():
            self.m.wallets[parent] = MWallet(WALLET_TIERS[tier].tier_id, funds, funded=funds)
            self.m.issued += funds
        self.shared_on_chain = dict.fromkeys(SCHOOLS, 0)
        self.back_on_chain: dict[int, int] = {}

    # ---------------------------------------------------------------- helpers

    def act(self, actor: str, contract, fn: str, args: tuple, action: str, model_args: tuple, *,
            batch: bool = False):
        """Sends `fn(*args)`, predicted by model action `action(*model_args)`: the outcome must match; on
        success the model moves on and the contract's events must be the model's. Returns (result, the
        model's events or None)."""
        exc, events, after = self.attempt(action, *model_args)
        ts = self.now
        r = self.chain.send(actor, contract, fn, *args, allow_revert=True)
        what = f"{contract.name}.{fn}{tuple(args)!r} from {actor}"
        if batch and exc is None:
            self.check("NoBatchRevertsBecauseOfOneMember", r.status == 1,
                       f"{what} at {format_beijing(ts)} reverted with {r.error}; the model serves it, skipping "
                       f"what it cannot: {events}")
        self.expect_outcome(r, ts, what, exc)
        if exc is not None:
            return r, None
        self.m = after
        if contract is self.upfront:
            chain_events = [(e.name, e.args) for e in r.events if e.contract == self.upfront.name]
            self.check("EventsMatchTheModel", chain_events == events,
                       f"{what}: events {chain_events} != model {events}")
            for name, a in chain_events:  # what came back to parents, as the chain says
                if name == "DepositShared":
                    self.shared_on_chain[self.m.orders[a["orderId"]].spec.school] += a["amountFen"]
                elif name in ("OrderCancelled", "OrderRefunded"):
                    self.back_on_chain[a["orderId"]] = self.back_on_chain.get(a["orderId"], 0) + a["refundFen"]
        return r, events

    def class_of(self, course: int) -> list[int]:
        return [o.id for o in self.m.orders.values() if o.course == course]

    def do_enrol(self, p: str, course: int, lessons: int, approve: str = "exact") -> None:
        c = COURSES.get(course)
        fee = lessons * (c.fee if c else 1)
        amount = {"exact": fee, "short": max(fee - 1, 0)}[approve]
        self.send(p, self.token, "approveEarmark", self.upfront, amount, expect=None)
        self.m.wallets[p].allowance = amount
        r, events = self.act(p, self.upfront, "enrol", (course, lessons), "enrol", (p, course, lessons, self.now))
        if events is not None:
            self.check("EventsMatchTheModel", r.return_value == len(self.m.orders), f"enrol returned {r.return_value}")

    def do_record(self, actor: str, course: int, ids: list[int]) -> None:
        self.act(actor, self.upfront, "recordLesson", (course, ids), "record_lesson", (actor, course, ids, self.now),
                 batch=True)

    def do_refund(self, actor: str, who: str, ids: list[int]) -> None:
        self.act(actor, self.upfront, "refundOrders", (who, ids), "refund_orders", (actor, who, ids, self.now),
                 batch=True)

    # ---------------------------------------------------------------- rules

    @initialize(plan=st.lists(st.tuples(PARENT, KNOWN_COURSE, st.integers(1, 8)), min_size=1, max_size=5))
    def term_begins(self, plan):
        for p, course, lessons in plan:
            self.do_enrol(PARENT_NAMES[p], course, lessons)

    @rule(p=PARENT, course=COURSE, lessons=st.one_of(st.integers(1, 8), st.integers(0, 25)),
          approve=st.sampled_from(["exact", "exact", "short"]))
    def parent_enrols(self, p, course, lessons, approve):
        self.do_enrol(PARENT_NAMES[p], course, lessons, approve)

    @rule(course=KNOWN_COURSE, lessons=st.integers(1, 5))
    def school_enrols_in_its_own_course(self, course, lessons):
        self.do_enrol(COURSES[course].school, course, lessons)

    @rule(p=PARENT, amount=st.one_of(st.integers(1, 100_000), st.integers(100_000, 900_000)))
    def parent_tops_up(self, p, amount):
        """Towards the balance cap: a refund or share that would pass it is skipped."""
        name = PARENT_NAMES[p]
        self.act(BANK, self.token, "issue", (name, amount), "top_up", (name, amount))

    @rule(p=PARENT, room=st.sampled_from([0, 1, 10_000, 50_000]))
    def parent_fills_their_wallet_to_the_cap(self, p, room):
        """Topped up to `room` fen below the balance cap: a larger refund or share waits (WalletCannotReceive)."""
        name = PARENT_NAMES[p]
        amount = TIERS[self.m.wallets[name].tier].balance_cap_fen - self.m.balance_of(name) - room
        if amount > 0:
            self.act(BANK, self.token, "issue", (name, amount), "top_up", (name, amount))

    @rule(p=PARENT, to=st.integers(1, 2), amount=st.integers(1, 300_000))
    def parent_pays_another_parent(self, p, to, amount):
        frm, dst = PARENT_NAMES[p], PARENT_NAMES[(p + to) % len(PARENT_NAMES)]
        self.act(frm, self.token, "transfer", (dst, amount), "transfer", (frm, dst, amount, self.now))

    @precondition(lambda self: self.m.orders)
    @rule(course=KNOWN_COURSE, repeats=REPEATS, calls=st.sampled_from([1, 1, 1, 3]))
    def class_has_a_lesson(self, course, repeats, calls):
        """The whole class (some listed twice), once or in a burst of calls a second apart."""
        for _ in range(calls):
            self.do_record(COURSES[course].school, course, self.with_repeats(self.class_of(course), repeats))

    @precondition(lambda self: self.m.orders)
    @rule(course=COURSE, picks=st.lists(PICK, max_size=5), caller=st.sampled_from(["own", "own", "other"]))
    def lesson_recorded_for_some_orders(self, course, picks, caller):
        school = COURSES[course].school if course in COURSES else SCHOOLS[0]
        actor = school if caller == "own" else SCHOOLS[1 - SCHOOLS.index(school)]
        n = len(self.m.orders)
        self.do_record(actor, course, [p % (n + 1) + 1 for p in picks])

    @precondition(lambda self: self.m.orders)
    @rule(days=st.integers(1, 6))
    def the_term_goes_on(self, days):
        """Each school teaches whenever the timetable owes a lesson (at most six lessons)."""
        now, target = self.now, self.now + days * DAY
        times = sorted((lesson_time(c, k), cid) for cid, c in COURSES.items()
                       for k in range(lessons_due(c, now) + 1, lessons_due(c, target) + 1))
        for t, cid in times[:6]:
            self.chain.set_time(max(self.now, t))
            self.do_record(COURSES[cid].school, cid, self.class_of(cid))
        self.chain.set_time(max(self.now, target))

    @precondition(lambda self: self.m.orders)
    @rule(pick=PICK, wrong=st.sampled_from([False, False, False, True]))
    def parent_cancels(self, pick, wrong):
        active = [o.id for o in self.m.orders.values() if o.status == ACTIVE] or list(self.m.orders)
        oid = active[pick % len(active)]
        p = self.m.orders[oid].parent
        actor = PARENT_NAMES[(PARENT_NAMES.index(p) + 1) % len(PARENT_NAMES)] if wrong else p
        self.act(actor, self.upfront, "cancelOrder", (oid,), "cancel", (actor, oid, self.now))

    @rule(school=SCHOOL, amount=st.one_of(st.integers(1, 50_000), st.integers(50_000, 400_000)))
    def school_spends_its_money(self, school, amount):
        self.act(school, self.token, "transfer", (SUPPLIER, amount), "transfer", (school, SUPPLIER, amount, self.now))

    @rule(school=SCHOOL, amount=st.sampled_from([0, 10_000, 100_000, MAX_UINT]))
    def school_sets_its_allowance(self, school, amount):
        self.send(school, self.token, "approveEarmark", self.upfront, amount, expect=None)
        self.m.wallets[school].allowance = amount

    @precondition(lambda self: self.m.orders)
    @rule(course=COURSE, picks=st.one_of(st.none(), st.lists(PICK, max_size=4)))
    def deposits_of_an_ended_course_are_released(self, course, picks):
        n = len(self.m.orders)
        ids = self.class_of(course) if picks is None else [p % (n + 1) + 1 for p in picks]
        self.act(PARENT_NAMES[0], self.upfront, "releaseDeposits", (course, ids), "release_deposits",
                 (course, ids, self.now), batch=True)

    @precondition(lambda self: self.m.orders)
    @rule(school=SCHOOL)
    def school_announces_closure(self, school):
        self.act(school, self.upfront, "announceClosure", (), "announce_closure", (school, self.now))

    @precondition(lambda self: self.m.orders)
    @rule(school=SCHOOL, caller=st.sampled_from([REGULATOR, REGULATOR, SCHOOLS[0]]))
    def regulator_freezes_a_school(self, school, caller):
        self.act(caller, self.upfront, "freezeInstitution", (school,), "freeze", (caller, school))

    @precondition(lambda self: self.m.orders)
    @rule(school=SCHOOL, batch=st.integers(1, 4), caller=st.sampled_from([REGULATOR, REGULATOR, PARENT_NAMES[1]]),
          repeats=REPEATS)
    def refunds_are_ordered_in_batches(self, school, batch, caller, repeats):
        """Every order (another school's too) in batches, mostly where refunds are open; some are skipped."""
        now = self.now
        open_ = [s for s in SCHOOLS if self.m.inst[s].frozen or self.m.inst[s].closed(now)]
        if open_ and school not in open_ and batch != 4:
            school = open_[0]
        ids = self.with_repeats(list(self.m.orders), repeats)
        for i in range(0, len(ids), batch):
            self.do_refund(caller, school, ids[i : i + batch])

    @precondition(lambda self: self.m.orders)
    @rule(school=SCHOOL, delta=st.sampled_from([0, -1, DAY]))
    def school_closes_and_refunds_follow_the_notice(self, school, delta):
        self.act(school, self.upfront, "announceClosure", (), "announce_closure", (school, self.now))
        closes_at = self.m.inst[school].closes_at
        if closes_at + delta >= self.now:
            self.chain.set_time(closes_at + delta)
        self.do_refund(PARENT_NAMES[2], school, list(self.m.orders))

    @precondition(lambda self: self.m.orders)
    @rule(school=SCHOOL, batch=st.integers(1, 3), surplus_first=st.booleans())
    def school_fails_and_regulator_refunds_in_batches(self, school, batch, surplus_first):
        """The regulator freezes the school, (maybe) releases the surplus deposit first, and shares the pool
        in batches; parents at their cap are skipped and wait."""
        self.act(REGULATOR, self.upfront, "freezeInstitution", (school,), "freeze", (REGULATOR, school))
        if surplus_first:
            self.act(REGULATOR, self.upfront, "releaseSurplusDeposit", (school,), "release_surplus", (REGULATOR,
                                                                                                      school))
        ids = list(self.m.orders)
        for i in range(0, len(ids), batch):
            self.do_refund(REGULATOR, school, ids[i : i + batch])

    @rule(school=SCHOOL, caller=st.sampled_from([REGULATOR, REGULATOR, SCHOOLS[0]]))
    def regulator_releases_the_surplus_deposit(self, school, caller):
        self.act(caller, self.upfront, "releaseSurplusDeposit", (school,), "release_surplus", (caller, school))

    @rule(w=st.sampled_from([*PARENT_NAMES, *SCHOOLS]), caller=st.sampled_from(["self", "self", "bank"]))
    def a_wallet_is_closed(self, w, caller):
        """A parent with an active order, or a school with a deposit earmarked, is refused."""
        actor = w if caller == "self" else BANK
        r, events = self.act(actor, self.token, "closeWallet", (w,), "close_wallet", (actor, w))
        if events is not None:
            closed = [e.args for e in r.events if e.name == "WalletClosed"]
            redeemed = self.m.wallets[w].redeemed
            self.check("ClosedWalletMoneyIsCountedOnce", closed == [{"wallet": self.m.addr[w],
                                                                     "redeemedFen": redeemed}],
                       f"WalletClosed {closed}, model redeems {redeemed}")

    @rule(seconds=st.one_of(st.integers(1, 6 * HOUR), st.integers(6 * HOUR, 4 * DAY), st.integers(4 * DAY, 12 * DAY)))
    def time_passes(self, seconds):
        self.chain.advance(seconds)

    @rule(course=KNOWN_COURSE, where=st.sampled_from(["start", "end"]), delta=st.sampled_from([-1, 0, 1]))
    def time_moves_to_a_course_edge(self, course, where, delta):
        c = COURSES[course]
        t = (c.start if where == "start" else c.end) + delta
        if t >= self.now:
            self.chain.set_time(t)

    # ---------------------------------------------------------------- invariants

    def views(self) -> dict:
        key = self.chain.block_number
        if self._cache is None or self._cache[0] != key:
            call, tok, up = self.chain.call, self.token, self.upfront
            self._cache = (key, {
                "supply": call(tok, "totalSupply"),
                "balance": {w: call(tok, "balanceOf", w) for w in WALLETS},
                "earmarked": {s: call(tok, "earmarkedOf", s, up.address) for s in SCHOOLS},
                "earmarked_total": call(tok, "earmarkedTotalOf", up.address),
                "supervised": {s: call(up, "supervisedBalanceOf", s) for s in SCHOOLS},
                "owed": {s: call(up, "owedByInstitution", s) for s in SCHOOLS},
                "orders": {oid: call(up, "orderOf", oid) for oid in self.m.orders},
                "deposit_of": {oid: call(up, "depositOfOrder", oid) for oid in self.m.orders},
            })
        return self._cache[1]

    @invariant()
    def invariant_MoneyIsConserved(self):
        v = self.views()
        self.check("MoneyIsConserved", v["supply"] == self.m.issued - self.m.redeemed == sum(v["balance"].values()),
                   f"totalSupply {v['supply']}, issued − redeemed {self.m.issued - self.m.redeemed}, "
                   f"balances {v['balance']}")
        for w in WALLETS:
            self.check("MoneyIsConserved", v["balance"][w] == self.m.balance_of(w),
                       f"{w}: balance {v['balance'][w]} != model {self.m.balance_of(w)}")

    @invariant()
    def invariant_DepositIsConserved(self):
        v = self.views()
        self.check("DepositIsConserved", v["earmarked_total"] == sum(v["earmarked"].values()),
                   f"earmarkedTotalOf {v['earmarked_total']} != the schools' earmarks {v['earmarked']}")
        for s in SCHOOLS:
            e = self.m.inst[s]
            self.check("DepositIsConserved", v["earmarked"][s] == v["supervised"][s] == e.deposit,
                       f"{s}: earmarked {v['earmarked'][s]}, supervisedBalanceOf {v['supervised'][s]}, "
                       f"model {e.deposit}")
            if not e.frozen:
                per_order = sum(v["deposit_of"][o.id] for o in self.m.orders.values() if o.spec.school == s)
                self.check("DepositIsConserved", per_order == e.deposit,
                           f"{s}: Σ depositOfOrder {per_order} != deposit {e.deposit}")
        for oid, o in self.m.orders.items():
            self.check("DepositIsConserved", v["deposit_of"][oid] == o.deposit,
                       f"depositOfOrder({oid}) {v['deposit_of'][oid]} != model {o.deposit}")

    @invariant()
    def invariant_DepositSharesNeverExceedThePool(self):
        """The shares a frozen school's parents got (the chain's DepositShared events) never exceed the pool
        fixed at the freeze, min(deposit, owed), and with the unshared rest make it up exactly; no order got
        back (refund or share, as the chain's events said) more than its fee for the lessons not delivered."""
        v = self.views()
        for s in SCHOOLS:
            e = self.m.inst[s]
            shared = self.shared_on_chain[s]
            if not e.frozen:
                self.check("DepositSharesNeverExceedThePool", shared == 0, f"{s} shared {shared} before a freeze")
                continue
            self.check("DepositSharesNeverExceedThePool",
                       shared + e.unshared == e.pool and e.pool <= e.owed_at_freeze and shared <= e.pool,
                       f"{s}: shares paid {shared} + unshared {e.unshared} vs pool {e.pool} (owed at the freeze "
                       f"{e.owed_at_freeze})")
        for oid, o in self.m.orders.items():
            got = v["orders"][oid]
            undelivered = (got["lessonsPaid"] - got["lessonsReleased"]) * o.spec.fee
            back = self.back_on_chain.get(oid, 0)
            self.check("DepositSharesNeverExceedThePool", back <= undelivered and back == o.back,
                       f"order {oid}: {back} came back (model {o.back}), {undelivered} undelivered")

    @invariant()
    def invariant_OwedEqualsUndeliveredLessons(self):
        v = self.views()
        for s in SCHOOLS:
            chain_orders = sum(
                (got["lessonsPaid"] - got["lessonsReleased"] - got["lessonsReturned"]) * COURSES[got["courseId"]].fee
                for got in v["orders"].values()
                if got["status"] == ACTIVE and COURSES[got["courseId"]].school == s
            )
            model = sum(o.left * o.spec.fee for o in self.m.orders.values()
                        if o.spec.school == s and o.status == ACTIVE)
            self.check("OwedEqualsUndeliveredLessons", v["owed"][s] == chain_orders == model == self.m.inst[s].owed,
                       f"{s}: owedByInstitution {v['owed'][s]}, the chain's active orders {chain_orders}, "
                       f"model {model}")

    @invariant()
    def invariant_NobodyGetsOutMoreThanTheyPutIn(self):
        v = self.views()
        for w in WALLETS:
            m = self.m.wallets[w]
            holds = v["balance"][w] + m.redeemed
            if w in PARENTS:
                want = m.funded + m.got - m.sent - m.fees + m.back
                self.check("NobodyGetsOutMoreThanTheyPutIn", holds == want and m.back <= m.fees,
                           f"{w}: holds+redeemed {holds}, put in − fees + refunds/shares {want}; "
                           f"back {m.back} of fees {m.fees}")
            elif w in SCHOOLS:
                e = self.m.inst[w]
                want = m.funded + m.got - m.sent + m.fees + m.back - m.refunds_paid + e.deposit
                self.check("NobodyGetsOutMoreThanTheyPutIn", holds == want,
                           f"{w}: holds+redeemed {holds}, its money + fees + deposits back − refunds "
                           f"+ deposit {want}")

    @invariant()
    def invariant_NoParentPaidAheadOfTheTimetable(self):
        v = self.views()
        t = self.chain.last_block_time
        for oid, o in self.m.orders.items():
            got = v["orders"][oid]
            allowed = max(0, lessons_due(o.spec, t) - o.pace_base + SLACK)
            self.check("NoParentPaidAheadOfTheTimetable",
                       got["lessonsReleased"] <= allowed and got["paceBase"] == o.pace_base,
                       f"order {oid}: {got['lessonsReleased']} delivered by {format_beijing(t)}, allowed {allowed} "
                       f"(pace base {got['paceBase']}, model {o.pace_base})")

    def teardown(self):
        if self.failed:
            return
        v = self.views()
        for oid, o in self.m.orders.items():
            got = v["orders"][oid]
            want = (self.m.addr[o.parent], o.course, o.status, o.paid, o.delivered, o.returned)
            have = (got["parent"], got["courseId"], got["status"], got["lessonsPaid"], got["lessonsReleased"],
                    got["lessonsReturned"])
            self.check("OrdersMatchTheModel", have == want, f"order {oid}: chain {have} != model {want}")
