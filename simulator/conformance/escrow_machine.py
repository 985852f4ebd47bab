"""The escrow's state machine: a Hypothesis ``RuleBasedStateMachine`` that drives the token and an
IPrepaidEscrow contract with random sequences of what happens in a term and checks every outcome against the
Python model (``escrow_model``); its invariants are in ``escrow_invariants``. Moved from
tests/contracts/test_properties_escrow.py (whose docstring tells the rules and properties); ``ecny-sim check``
runs it against a developer's contract.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from ..chain.clock import DAY, HOUR, format_beijing
from .escrow_invariants import EscrowInvariants
from .escrow_model import (ACTIVE, BANK, COURSES, EDGE, MAX_HELD, MAX_LEAD, MAX_SPAN, OUTSIDER, PARENT_NAMES,
                           PARENTS, REGULATOR, SCHOOLS, SLACK, START, UNKNOWN_COURSE, Base, Model, _base,
                           lessons_due)
from .modelled import ModelledSends
from .prepaid_model import lesson_time
from .token_model import TIERS

# ------------------------------------------------------------------------------------------ strategies

PARENT = st.integers(0, len(PARENT_NAMES) - 1)
COURSE = st.integers(0, 9).map(lambda i: UNKNOWN_COURSE if i == 9 else 1 + i % 3)
KNOWN_COURSE = st.sampled_from(sorted(COURSES))
LESSONS = st.one_of(st.integers(1, 8), st.integers(1, 8), st.integers(0, 45))  # 0, 31+ etc. break caps
PICK = st.integers(0, 63)
PICKS = st.one_of(st.none(), st.lists(PICK, max_size=6))  # None: the whole class
REPEATS = st.lists(st.tuples(PICK, PICK), max_size=3)  # (which member, where) to repeat in a batch
#: Time in steps small and large: seconds (a burst), hours, days, weeks.
SECONDS = st.one_of(st.integers(1, 120), st.integers(1, 6 * HOUR), st.integers(6 * HOUR, 3 * DAY),
                    st.integers(3 * DAY, 15 * DAY))
BAD_MEMBER = st.sampled_from(["unknown", "foreign", "repeat", "skipped", "skipped"])


# ------------------------------------------------------------------------------------------ the machine


class EscrowMachine(EscrowInvariants, ModelledSends, RuleBasedStateMachine):
    VARIANT = "PrepaidEscrow"
    WINDOW_HOURS = 48
    #: False turns off the rule-level refund assertions, to prove the invariants alone catch a bad refund.
    CHECK_REFUNDS_IN_RULES = True

    @classmethod
    def prepare(cls) -> Base:
        return _base(cls.VARIANT, cls.WINDOW_HOURS)

    def __init__(self) -> None:
        super().__init__()
        self.escrow = self.start().contract
        self.window = self.WINDOW_HOURS * HOUR
        self.addr = {n: self.chain.address_of(n) for n in (*SCHOOLS, OUTSIDER, *PARENT_NAMES, REGULATOR, BANK)}
        self.m = Model.initial(self.addr, self.escrow.address, self.window)

    # ---------------------------------------------------------------- helpers

    def escrow_events(self, r) -> list[tuple[str, dict]]:
        return [(e.name, e.args) for e in r.events if e.contract == self.escrow.name]

    def check_events(self, r, expected: list[tuple[str, dict]], prop: str = "EventsMatchTheModel") -> None:
        super().check_events(r, expected, prop)

    def free_of(self, name: str) -> int:
        return self.read(self.token, "freeBalanceOf", name)

    def act(self, actor: str, contract, fn: str, args: tuple, action: str, model_args: tuple, *,
            batch: bool = False, events_prop: str | None = "EventsMatchTheModel"):
        """Sends `fn(*args)`, predicted by model action `action(*model_args)`: the outcome (and the revert's
        arguments, where the model names them) must match; on success the model moves on and the escrow's
        events must be the model's (unless `events_prop` is None). A batch the model expects to go through
        must not revert (NoBatchRevertsBecauseOfOneMember). Returns (result, the model's events or None)."""
        exc, events, after = self.attempt(action, *model_args)
        expect = exc.name if exc else None
        ts = self.now
        r = self.chain.send(actor, contract, fn, *args, allow_revert=True)
        if batch and expect is None and r.status != 1:
            self.check("NoBatchRevertsBecauseOfOneMember", False,
                       f"{fn}{args!r} from {actor} at {format_beijing(ts)} reverted with {r.error}; the model "
                       f"serves it, skipping what it cannot serve: {events}")
        self.expect_outcome(r, ts, f"{contract.name}.{fn}{tuple(args)!r} from {actor}", exc)
        if exc is not None:
            return r, None
        self.m = after
        if events_prop:
            self.check_events(r, events, events_prop)
        return r, events

    def order_id(self, pick: int, pool: list[int] | None = None) -> int:
        """An order id from `pick`: from `pool` when given and non-empty, else any id 1..n or n+1 (unknown)."""
        if pool:
            return pool[pick % len(pool)]
        return pick % (len(self.m.orders) + 1) + 1

    def order_ids(self, picks: list[int] | None, course: int | None, repeats=()) -> list[int]:
        """The whole class of `course` (settled orders included) or all orders (picks None), or the picked
        ids; then members repeated at the given places."""
        if picks is None:
            ids = [o.id for o in self.m.orders.values() if course is None or o.course == course]
        else:
            ids = [self.order_id(p) for p in picks]
        return self.with_repeats(ids, repeats)

    def parent_of(self, oid: int, wrong: bool) -> str:
        """The order's parent (parent:0 for an unknown order), or with `wrong` another parent."""
        o = self.m.orders.get(oid)
        owner = o.parent if o else PARENT_NAMES[0]
        return PARENT_NAMES[(PARENT_NAMES.index(owner) + 1) % len(PARENT_NAMES)] if wrong else owner

    def check_orders(self, ids) -> None:
        """The chain's orders `ids` == the model's (fields and derived state)."""
        for oid in sorted(set(ids)):
            o = self.m.orders.get(oid)
            if o is None:
                continue
            got = self.order_of(oid)
            want = {
                "parent": self.addr[o.parent],
                "courseId": o.course,
                "status": o.status,
                "disputed": o.disputed,
                "lessonsPending": o.pending,
                "lessonsPaid": o.paid,
                "lessonsReleased": o.released,
                "lessonsReturned": o.returned,
                "heldSince": o.held + [0] * (MAX_HELD - len(o.held)),
                "paceBase": o.pace_base,
            }
            self.check("OrdersMatchTheModel", got == want, f"order {oid}: chain {got} != model {want}")

    # ================================================================ actions (model prediction + check)

    def do_top_up(self, p: str, amount: int) -> None:
        self.act(BANK, self.token, "issue", (p, amount), "top_up", (p, amount), events_prop=None)

    def do_transfer(self, frm: str, to: str, amount: int) -> None:
        self.act(frm, self.token, "transfer", (to, amount), "transfer", (frm, to, amount, self.now), events_prop=None)

    def do_enrol(self, p: str, course: int, lessons: int, approval: str) -> None:
        w = self.m.wallets[p]
        c = COURSES.get(course)
        fee = lessons * (c.fee if c else 10_000)
        if approval != "none":
            amount = {"exact": fee, "double": 2 * fee, "short": max(fee - 1, 0)}[approval]
            self.send(p, self.token, "approveEarmark", self.escrow, amount, expect=None)
            w.allowance = amount
        r, events = self.act(p, self.escrow, "enrol", (course, lessons), "enrol", (p, course, lessons, self.now))
        if events is not None:
            oid = len(self.m.orders)
            self.check("EventsMatchTheModel", r.return_value == oid, f"enrol returned {r.return_value}, model {oid}")
            self.check_orders([oid])

    def do_record_lesson(self, actor: str, course: int, ids: list[int]) -> list | None:
        _, events = self.act(actor, self.escrow, "recordLesson", (course, ids), "record_lesson",
                             (actor, course, ids, self.now), batch=True)
        self.check_orders(ids)
        return events

    def do_release_matured(self, actor: str, course: int, ids: list[int]) -> list | None:
        _, events = self.act(actor, self.escrow, "releaseMatured", (course, ids), "release_matured",
                             (course, ids, self.now), batch=True)
        self.check_orders(ids)
        return events

    def do_cancel(self, actor: str, oid: int) -> None:
        free_before = self.free_of(actor)
        r, events = self.act(actor, self.escrow, "cancelOrder", (oid,), "cancel", (actor, oid), events_prop=None)
        if events is None or not self.CHECK_REFUNDS_IN_RULES:
            return
        # a refund returns exactly the unconsumed amount: in the event and in the parent's free money
        o = self.m.orders[oid]
        unused, owed = events[0][1]["lessonsUnused"], events[0][1]["refundFen"]
        got = self.escrow_events(r)
        self.check(
            "RefundReturnsExactlyUnconsumed",
            got == events,
            f"cancelOrder({oid}) with {unused} unused lessons of {o.spec.fee} fen: event {got}, owed {owed} fen",
        )
        delta = self.free_of(actor) - free_before
        self.check(
            "RefundReturnsExactlyUnconsumed",
            delta == owed,
            f"cancelOrder({oid}): the parent's free money rose by {delta} fen, owed {owed} fen",
        )
        self.check_orders([oid])

    def do_dispute(self, actor: str, oid: int) -> None:
        self.act(actor, self.escrow, "disputeLessons", (oid,), "dispute", (actor, oid, self.now))
        self.check_orders([oid])

    def do_resolve(self, actor: str, oid: int, to_school: bool) -> None:
        self.act(actor, self.escrow, "resolveDispute", (oid, to_school), "resolve", (actor, oid, to_school))
        self.check_orders([oid])

    def do_close_wallet(self, actor: str, name: str) -> None:
        free, redeemed_before = self.m.wallets[name].free, self.m.wallets[name].redeemed
        r, events = self.act(actor, self.token, "closeWallet", (name,), "close_wallet", (actor, name, self.now),
                             events_prop="RefundReturnsExactlyUnconsumed" if self.CHECK_REFUNDS_IN_RULES else None)
        if events is None:
            return
        # closed-wallet money is counted once: the redemption is the free money after the escrow settled
        redeemed = self.m.wallets[name].redeemed - redeemed_before
        closed = [e.args for e in r.events if e.name == "WalletClosed"]
        self.check("ClosedWalletMoneyIsCountedOnce", closed == [{"wallet": self.addr[name], "redeemedFen": redeemed}],
                   f"WalletClosed {closed}, model redeems {redeemed} (free {free} before the escrow settled)")
        self.check_orders([o.id for o in self.m.orders_of(name)] if name in PARENTS else [])

    def do_announce_closure(self, actor: str) -> None:
        self.act(actor, self.escrow, "announceClosure", (), "announce_closure", (actor, self.now))

    def do_freeze(self, actor: str, who: str) -> None:
        self.act(actor, self.escrow, "freezeInstitution", (who,), "freeze", (actor, who))

    def do_refund_orders(self, actor: str, who: str, ids: list[int]) -> list | None:
        before = {p: self.free_of(p) for p in PARENT_NAMES} if self.CHECK_REFUNDS_IN_RULES else {}
        m_before = {p: self.m.wallets[p].refunds for p in PARENT_NAMES}
        _, events = self.act(actor, self.escrow, "refundOrders", (who, ids), "refund_orders",
                             (actor, who, ids, self.now), batch=True,
                             events_prop="RefundReturnsExactlyUnconsumed" if self.CHECK_REFUNDS_IN_RULES else None)
        if events is None or not self.CHECK_REFUNDS_IN_RULES:
            return events
        for p in PARENT_NAMES:
            delta, owed = self.free_of(p) - before[p], self.m.wallets[p].refunds - m_before[p]
            self.check("RefundReturnsExactlyUnconsumed", delta == owed, f"{p} got {delta} fen back, owed {owed}")
        self.check_orders(ids)
        return events

    def do_burst(self, course: int, calls: int, gap: int) -> None:
        """`calls` recordLesson calls for the whole class, `gap` seconds apart (0: all in one block)."""
        c = COURSES[course]
        ids = self.order_ids(None, course)
        if gap:
            for _ in range(calls):
                self.do_record_lesson(c.school, course, ids)
                self.chain.advance(gap)
            return
        ts = self.now
        results = self.chain.send_batch([(c.school, self.escrow, "recordLesson", course, ids)] * calls,
                                        allow_revert=True)
        for i, r in enumerate(results):
            exc, events, after = self.attempt("record_lesson", c.school, course, ids, ts)
            if exc is None and r.status != 1:
                self.check("NoBatchRevertsBecauseOfOneMember", False,
                           f"call {i + 1} of {calls} in one block reverted with {r.error}; model: {events}")
            self.expect_outcome(r, ts, f"recordLesson({course}, {ids}) call {i + 1} of {calls} in one block", exc)
            if exc is None:
                self.m = after
                self.check_events(r, events)
        self.check_orders(ids)

    # ================================================================ rules: what happens in a term

    @initialize(
        seconds=st.one_of(st.integers(EDGE - START, 3 * HOUR), st.integers(0, 3 * HOUR)),
        plan=st.lists(st.tuples(PARENT, KNOWN_COURSE, st.integers(1, 8)), min_size=1, max_size=5),
    )
    def term_begins(self, seconds, plan):
        """Parents sign up as the term opens (before EDGE the span and early-charge caps refuse them)."""
        self.chain.advance(seconds)
        for parent, course, lessons in plan:
            self.do_enrol(PARENT_NAMES[parent], course, lessons, "exact")

    @rule(parent=PARENT, amount=st.integers(1, 400_000))
    def parent_tops_up(self, parent, amount):
        self.do_top_up(PARENT_NAMES[parent], amount)

    @rule(parent=PARENT, room=st.sampled_from([0, 1, 20_000]))
    def parent_fills_their_wallet_to_the_cap(self, parent, room):
        """Topped up to `room` fen below the balance cap: refunds (earmarks returned) still go through."""
        p = PARENT_NAMES[parent]
        amount = TIERS[self.m.wallets[p].tier].balance_cap_fen - self.m.balance_of(p) - room
        if amount > 0:
            self.do_top_up(p, amount)

    @rule(frm=PARENT, to=st.integers(1, 2), amount=st.one_of(st.integers(1, 200_000), st.integers(200_000, 600_000)))
    def parent_pays_another_parent(self, frm, to, amount):
        """Money into a capped wallet: refused when it would pass the receiver's cap (or the payer's limits)."""
        self.do_transfer(PARENT_NAMES[frm], PARENT_NAMES[(frm + to) % len(PARENT_NAMES)], amount)

    @rule(parent=PARENT, course=COURSE, lessons=LESSONS,
          approval=st.sampled_from(["exact", "exact", "double", "short", "none"]))
    def parent_enrols(self, parent, course, lessons, approval):
        self.do_enrol(PARENT_NAMES[parent], course, lessons, approval)

    @rule(parent=PARENT, course=KNOWN_COURSE, lessons=st.integers(1, 6))
    def parent_enrols_within_caps(self, parent, course, lessons):
        self.do_enrol(PARENT_NAMES[parent], course, lessons, "exact")

    @rule(course=KNOWN_COURSE, lessons=st.integers(1, 6))
    def school_enrols_in_its_own_course(self, course, lessons):
        """Refused (InstitutionCannotEnrol) whenever the school still takes orders."""
        self.do_enrol(COURSES[course].school, course, lessons, "exact")

    @precondition(lambda self: self.m.orders)
    @rule(course=KNOWN_COURSE, repeats=REPEATS)
    def class_has_a_lesson(self, course, repeats):
        """The school records a lesson for its whole class (settled and cancelled orders included), some
        pupils listed twice."""
        self.do_record_lesson(COURSES[course].school, course, self.order_ids(None, course, repeats))

    @precondition(lambda self: self.m.orders)
    @rule(course=KNOWN_COURSE, lessons=st.integers(1, 6), wait_for=st.sampled_from(["first", "all"]))
    def school_teaches_on_the_timetable(self, course, lessons, wait_for):
        """A lesson as soon as the timetable lets the first (or every) active order of the class take it."""
        c = COURSES[course]
        for _ in range(lessons):
            needed = [o.pace_base + (o.paid - o.left) + 1 - SLACK for o in self.m.orders.values()
                      if o.course == course and o.status == ACTIVE and o.left and not o.disputed]
            if needed:
                k = min(needed) if wait_for == "first" else max(needed)
                if k <= c.lessons:
                    self.chain.set_time(max(self.now, lesson_time(c, k)))
            self.do_record_lesson(c.school, course, self.order_ids(None, course))

    @precondition(lambda self: self.m.orders)
    @rule(days=st.integers(1, 8), release=st.booleans())
    def the_term_goes_on(self, days, release):
        """Days pass; each school records a lesson for its class whenever the timetable owes one (at most
        eight lessons), then (maybe) anyone pays out what matured."""
        now, target = self.now, self.now + days * DAY
        times = sorted(
            (lesson_time(c, k), cid)
            for cid, c in COURSES.items()
            for k in range(lessons_due(c, now) + 1, lessons_due(c, target) + 1)
        )
        for t, cid in times[:8]:
            self.chain.set_time(max(self.now, t))
            self.do_record_lesson(COURSES[cid].school, cid, self.order_ids(None, cid))
        self.chain.set_time(max(self.now, target))
        if release:
            for cid in COURSES:
                ids = [o.id for o in self.m.orders.values() if o.course == cid and o.pending]
                if ids:
                    self.do_release_matured(PARENT_NAMES[0], cid, ids)

    @precondition(lambda self: self.m.orders)
    @rule(course=KNOWN_COURSE, calls=st.integers(2, 5), gap=st.sampled_from([0, 0, 1, 60, HOUR, 12 * HOUR]))
    def school_records_a_burst(self, course, calls, gap):
        """Faster than the timetable: several calls a second apart, an hour apart, or in one block."""
        self.do_burst(course, calls, gap)

    @precondition(lambda self: self.m.orders)
    @rule(course=COURSE, picks=st.lists(PICK, max_size=6), in_class=st.booleans(), repeats=REPEATS,
          caller=st.sampled_from(["own", "own", "own", "other", "parent"]))
    def lesson_recorded_for_some_orders(self, course, picks, in_class, repeats, caller):
        """Any ids in any order (mostly the class's, or any: other courses', unknown ones), some repeated,
        sometimes by the wrong caller."""
        school = COURSES[course].school if course in COURSES else SCHOOLS[0]
        actor = {"own": school, "other": SCHOOLS[1] if school == SCHOOLS[0] else SCHOOLS[0],
                 "parent": PARENT_NAMES[0]}[caller]
        pool = [o.id for o in self.m.orders.values() if o.course == course] if in_class else None
        ids = [self.order_id(p, pool) for p in picks]
        self.do_record_lesson(actor, course, self.with_repeats(ids, repeats))

    @precondition(lambda self: self.m.orders)
    @rule(course=COURSE, picks=PICKS, repeats=REPEATS, caller=st.sampled_from([PARENT_NAMES[0], SCHOOLS[0], REGULATOR]))
    def anyone_releases_matured_lessons(self, course, picks, repeats, caller):
        self.do_release_matured(caller, course, self.order_ids(picks, course if course in COURSES else None, repeats))

    @precondition(lambda self: self.m.orders)
    @rule(kind=st.sampled_from(["record", "record", "release", "refund"]), course=KNOWN_COURSE, bad=BAD_MEMBER,
          pick=PICK, where=PICK)
    def batch_with_one_bad_member(self, kind, course, bad, pick, where):
        """A batch of orders the model serves, plus one it must skip (an unknown id, another school's or
        course's order, a repeat, a settled, disputed or ahead-of-timetable one): the call goes through and
        the others get exactly what they get without it."""
        c, now = COURSES[course], self.now
        if kind == "record":
            action, args_of = "record_lesson", lambda ids: (c.school, course, ids, now)
            fn, send_args = "recordLesson", lambda ids: (course, ids)
            actor = c.school
        elif kind == "release":
            action, args_of = "release_matured", lambda ids: (course, ids, now)
            fn, send_args = "releaseMatured", lambda ids: (course, ids)
            actor = PARENT_NAMES[pick % len(PARENT_NAMES)]
        else:
            inst = self.m.inst[c.school]
            action, args_of = "refund_orders", lambda ids: (REGULATOR, c.school, ids, now)
            fn, send_args = "refundOrders", lambda ids: (c.school, ids)
            actor = REGULATOR
            if not (inst.frozen or inst.closed(now)):
                self.do_announce_closure(c.school)
                if not self.m.inst[c.school].closed(self.now):
                    self.chain.set_time(max(self.now, self.m.inst[c.school].closes_at))
                now = self.now
        # sort every order (and an unknown id) into served and skipped, each on its own
        good, skipped = [], []
        for oid in [*self.m.orders, len(self.m.orders) + 1]:
            exc, events, _ = self.attempt(action, *args_of([oid]))
            if exc is not None:
                return  # the call itself is refused (the school is frozen, closed, ...): not this property
            only_skipped = len(events) == 1 and events[0][0] == "LessonSkipped" and events[0][1]["orderId"] == oid
            (skipped if only_skipped else good).append(oid)
        if not good:
            return
        foreign = [oid for oid in skipped if oid in self.m.orders and self.m.orders[oid].course != course]
        unknown = [oid for oid in skipped if oid not in self.m.orders]
        others = [oid for oid in skipped if oid in self.m.orders and self.m.orders[oid].course == course]
        pool = {"unknown": unknown, "foreign": foreign or unknown, "skipped": others or unknown}.get(bad)
        if bad == "repeat":
            first = pick % len(good)
            bad_id, at = good[first], first + 1 + where % (len(good) - first)
        else:
            bad_id, at = pool[pick % len(pool)], where % (len(good) + 1)
        batch = good[:at] + [bad_id] + good[at:]
        exc, without, _ = self.attempt(action, *args_of(good))
        if exc is not None:
            return  # the batch fails as a whole (a school that closed its wallet cannot be paid)
        r, events = self.act(actor, self.escrow, fn, send_args(batch), action, args_of(batch), batch=True)
        if events is None:
            return
        got = self.escrow_events(r)
        skips = [i for i, e in enumerate(got) if e[0] == "LessonSkipped" and e[1]["orderId"] == bad_id]
        rest = got[:skips[-1]] + got[skips[-1] + 1:] if skips else got
        self.check("NoBatchRevertsBecauseOfOneMember", rest == without,
                   f"{fn} with bad member {bad_id} ({bad}) at {at} of {batch}: the others got {rest}, "
                   f"without it they get {without}")
        self.check_orders(batch)

    @precondition(lambda self: self.m.orders)
    @rule(pick=PICK, prefer_active=st.booleans(), wrong_caller=st.sampled_from([False, False, False, True]))
    def parent_cancels(self, pick, prefer_active, wrong_caller):
        pool = [o.id for o in self.m.orders.values() if o.status == ACTIVE and o.left] if prefer_active else None
        oid = self.order_id(pick, pool)
        self.do_cancel(self.parent_of(oid, wrong_caller), oid)

    @rule(parent=PARENT, course=KNOWN_COURSE, lessons=st.integers(1, 6), taught=st.integers(0, 3))
    def parent_enrols_then_withdraws(self, parent, course, lessons, taught):
        """A parent signs up, the class has a few lessons (a day apart), the parent withdraws."""
        p, count = PARENT_NAMES[parent], len(self.m.orders)
        self.do_enrol(p, course, lessons, "exact")
        if len(self.m.orders) == count:
            return  # refused
        for _ in range(taught):
            self.do_record_lesson(COURSES[course].school, course, [count + 1])
            self.chain.advance(DAY)
        self.do_cancel(p, count + 1)

    @precondition(lambda self: self.m.orders)
    @rule(pick=PICK, prefer_held=st.booleans(), wrong_caller=st.sampled_from([False, False, False, True]))
    def parent_disputes(self, pick, prefer_held, wrong_caller):
        pool = [o.id for o in self.m.orders.values() if o.pending and not o.disputed] if prefer_held else None
        oid = self.order_id(pick, pool)
        self.do_dispute(self.parent_of(oid, wrong_caller), oid)

    @precondition(lambda self: self.m.orders)
    @rule(course=KNOWN_COURSE, pick=PICK, settle=st.sampled_from([None, True, False]))
    def class_has_a_lesson_and_a_parent_disputes_it(self, course, pick, settle):
        """A parent disputes lessons still in their window; the regulator may settle at once, either way."""
        self.do_record_lesson(COURSES[course].school, course, self.order_ids(None, course))
        now = self.now
        pool = [o.id for o in self.m.orders.values() if not o.disputed and o.matured(now, self.window) < o.pending]
        if pool:
            oid = pool[pick % len(pool)]
            self.do_dispute(self.m.orders[oid].parent, oid)
            if settle is not None:
                self.do_resolve(REGULATOR, oid, settle)

    @precondition(lambda self: self.m.orders)
    @rule(
        pick=PICK,
        prefer_disputed=st.booleans(),
        to_school=st.booleans(),
        caller=st.sampled_from([REGULATOR, REGULATOR, REGULATOR, SCHOOLS[0], "parent"]),
    )
    def regulator_resolves_a_dispute(self, pick, prefer_disputed, to_school, caller):
        pool = [o.id for o in self.m.orders.values() if o.disputed] if prefer_disputed else None
        oid = self.order_id(pick, pool)
        self.do_resolve(self.parent_of(oid, False) if caller == "parent" else caller, oid, to_school)

    @rule(parent=PARENT, caller=st.sampled_from(["self", "self", "self", "bank", "other"]))
    def parent_closes_their_wallet(self, parent, caller):
        """At any point: the escrow pays matured lessons and refunds the rest, or the close is refused while
        lessons are held in their window or disputed."""
        p = PARENT_NAMES[parent]
        actor = {"self": p, "bank": BANK, "other": PARENT_NAMES[(parent + 1) % len(PARENT_NAMES)]}[caller]
        self.do_close_wallet(actor, p)

    @precondition(lambda self: any(o.recorded for o in self.m.orders.values()))  # mid-term or later
    @rule(school=st.sampled_from(SCHOOLS), caller=st.sampled_from(["self", "bank", "parent"]))
    def school_closes_its_wallet(self, school, caller):
        """At any point (before, during or after its closure): the fees it had not collected can no longer
        be paid to it."""
        actor = {"self": school, "bank": BANK, "parent": PARENT_NAMES[0]}[caller]
        self.do_close_wallet(actor, school)

    @precondition(lambda self: any(o.recorded for o in self.m.orders.values()))  # mid-term
    @rule(who=st.sampled_from([*SCHOOLS, OUTSIDER]))
    def school_announces_closure(self, who):
        self.do_announce_closure(who)

    @precondition(lambda self: any(o.recorded for o in self.m.orders.values()))  # mid-term
    @rule(who=st.sampled_from([*SCHOOLS, OUTSIDER]),
          caller=st.sampled_from([REGULATOR, REGULATOR, REGULATOR, SCHOOLS[0]]))
    def regulator_freezes_a_school(self, who, caller):
        self.do_freeze(caller, who)

    @precondition(lambda self: self.m.orders)
    @rule(
        who=st.sampled_from([*SCHOOLS, OUTSIDER]),
        prefer_open=st.booleans(),
        picks=PICKS,
        repeats=REPEATS,
        caller=st.sampled_from([REGULATOR, REGULATOR, PARENT_NAMES[2], SCHOOLS[1]]),
    )
    def refunds_are_ordered(self, who, prefer_open, picks, repeats, caller):
        now = self.now
        refundable = [s for s, i in self.m.inst.items() if i.frozen or i.closed(now)]
        if prefer_open and refundable:  # mostly where refunds are open
            who = refundable[[*SCHOOLS, OUTSIDER].index(who) % len(refundable)]
        self.do_refund_orders(caller, who, self.order_ids(picks, None, repeats))

    @precondition(lambda self: any(o.recorded for o in self.m.orders.values()))  # a school fails mid-term
    @rule(school=st.sampled_from(SCHOOLS), batch=st.integers(1, 4))
    def school_fails_and_regulator_refunds_in_batches(self, school, batch):
        self.do_freeze(REGULATOR, school)
        ids = self.order_ids(None, None)
        for i in range(0, len(ids), batch):
            self.do_refund_orders(REGULATOR, school, ids[i : i + batch])

    @precondition(lambda self: any(o.recorded for o in self.m.orders.values()))
    @rule(
        school=st.sampled_from(SCHOOLS),
        delta=st.sampled_from([0, -1, 1, DAY, 3 * DAY]),
        caller=st.sampled_from(PARENT_NAMES),
        wallet=st.sampled_from([None, None, "during the notice", "after the refunds"]),
    )
    def school_closes_and_refunds_follow_the_notice(self, school, delta, caller, wallet):
        """Closure announced; at the notice's end (± 1 s, or days later) a parent asks for the class's
        refunds; the school may close its wallet during the notice or after the refunds (then anyone pays out
        the lessons that matured since, or they go back)."""
        self.do_announce_closure(school)
        closes_at = self.m.inst[school].closes_at
        if wallet == "during the notice":
            self.do_close_wallet(school, school)
        if closes_at and closes_at + delta >= self.now:
            self.chain.set_time(closes_at + delta)
        ids = self.order_ids(None, None)
        self.do_refund_orders(caller, school, ids)
        if wallet == "after the refunds":
            self.do_close_wallet(school, school)
            self.chain.advance(self.window)
            self.do_refund_orders(caller, school, ids)

    # ---------------------------------------------------------------- time

    @rule(seconds=SECONDS)
    def time_passes(self, seconds):
        self.chain.advance(seconds)

    @rule(pick=PICK, delta=st.sampled_from([0, -1, 1, -HOUR, HOUR]))
    def time_moves_to_an_edge(self, pick, delta):
        """Onto (or next to) a moment a rule turns on: a window's end, a closure, a course's caps, the moment
        the timetable owes a course its next lessons."""
        now = self.now
        edges = {t + self.window for o in self.m.orders.values() for t in o.held}
        edges |= {i.closes_at for i in self.m.inst.values() if i.closes_at}
        for c in COURSES.values():
            edges |= {c.start, c.end, c.start - MAX_LEAD, c.end - MAX_SPAN}
            due = lessons_due(c, now)
            edges |= {lesson_time(c, k) for k in range(due + 1, min(due + 3, c.lessons) + 1)}
        future = sorted(t + delta for t in edges if now <= t + delta <= now + 6 * DAY)  # edges close ahead
        if future:
            self.chain.set_time(future[pick % len(future)])

    @rule(course=KNOWN_COURSE, offset=st.sampled_from([-1, 0, 1, HOUR, 3 * DAY]))
    def time_jumps_to_a_course_start(self, course, offset):
        """A course a month away starts (or nearly)."""
        t = COURSES[course].start + offset
        if t >= self.now:
            self.chain.set_time(t)


class InstantEscrowMachine(EscrowMachine):
    """The same machine with dispute window 0 (each recorded lesson is paid at once): the setting of the
    instant drain, where the timetable is all that stands between a school and the parents' fees."""

    WINDOW_HOURS = 0
