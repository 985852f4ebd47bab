"""The prepaid contracts against the attacks of issue 10, each reproduced as it was found, now refused.

Flaw 1 (instant drain), 3 (self-enrolment), 6 (closure refunds held and disputed lessons), 7 (a school that
closes its wallet blocks the refund run), 9 (one parent's wallet reverts an upfront refund batch) and 10 (a
frozen school's surplus deposit locked forever). The token and subsidy flaws are tested with their contracts.
The world is the conftest's: `escrow` releases at once, `escrow_w` holds each fee 48 hours, `upfront` keeps a
20 % risk deposit, `upfront0` none; the default course is 20 lessons x ¥150 from START over ten weeks.
"""

from __future__ import annotations

import pytest

from contract_testkit import (
    BANK,
    END,
    FEE,
    LESSONS,
    MAX_UINT,
    PARENT_FUND,
    REGULATOR,
    SCHOOL,
    SCHOOL_FUND,
    START,
    WINDOW,
    OrderState,
    OrderStatus,
    Skip,
)
from ecny_sim.chain.clock import DAY, HOUR
from ecny_sim.domain.settings import WALLET_TIERS, PrepaidRules

P1, P2, P3 = "parent:1", "parent:2", "parent:3"
TERM_FEE = LESSONS * FEE
NOTICE = 30 * DAY


def skipped(result) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for e in result.events_named("LessonSkipped"):
        out.setdefault(e.args["orderId"], []).append(e.args["reason"])
    return out


def released(result) -> int:
    return sum(e.args["amountFen"] for e in result.events_named("LessonsReleased"))


def due(w, model, course, t) -> int:
    return w.call(model, "lessonsDueBy", course, t)


# ----------------------------------------------------------------------------------------- flaw 1: instant drain


def test_pilot_default_rules_give_parents_a_dispute_window():
    rules = PrepaidRules()
    assert rules.dispute_window_hours == 48
    assert rules.as_tuple()[5] == 48 * HOUR


@pytest.mark.parametrize("model", ["escrow", "upfront"])
def test_no_lesson_before_the_course_starts(w, model):
    m = getattr(w, model)
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    w.chain.set_time(START - 1)
    w.reverts(SCHOOL, m, "recordLesson", course, [order], error="Prepaid_CourseNotStarted", courseId=course,
              start=START)
    assert w.call(m, "lessonsLeftOf", order) == LESSONS


def test_instant_drain_releases_at_most_the_timetable(w):
    """The reported attack on the old default (window 0): one call repeating every order id twenty times, then
    closing. Now each order gets one lesson per call and the school stays within the timetable's pace."""
    m = w.escrow
    course = w.publish(m)
    orders = [w.enrol(m, p, course) for p in (P1, P2, P3)]
    w.chain.set_time(START)
    r = w.record(m, course, orders * LESSONS, on_timetable=False)
    assert released(r) == 3 * FEE
    assert skipped(r) == {o: [Skip.REPEATED] * (LESSONS - 1) for o in orders}
    r = w.record(m, course, orders, on_timetable=False)  # one lesson ahead of the even pace: the slack
    assert released(r) == 3 * FEE
    r = w.record(m, course, orders, on_timetable=False)
    assert released(r) == 0 and skipped(r) == {o: [Skip.AHEAD_OF_TIMETABLE] for o in orders}
    assert w.free(SCHOOL) == SCHOOL_FUND + 2 * 3 * FEE
    # the school records as fast as the timetable allows until its closure takes effect, then everyone is refunded
    closes_at = w.send(SCHOOL, m, "announceClosure").timestamp + NOTICE
    recorded = 2
    w.chain.set_time(closes_at - 60)  # the last minute before the closure: a burst of calls, a second apart
    while released(w.record(m, course, orders, on_timetable=False)):
        recorded += 1
    assert recorded == due(w, m, course, closes_at - 1) + 1 == 10  # due by then, plus one lesson of slack
    w.chain.set_time(closes_at)
    r = w.send(P1, m, "refundOrders", SCHOOL, orders)
    assert [e.args["refundFen"] for e in r.events_named("OrderRefunded")] == [(LESSONS - recorded) * FEE] * 3
    assert w.free(P1) == w.free(P2) == w.free(P3) == PARENT_FUND - recorded * FEE


@pytest.mark.parametrize("model", ["escrow", "upfront"])
def test_lessons_due_by_follows_the_timetable(w, model):
    m = getattr(w, model)
    course = w.publish(m)  # 20 lessons from START to END (70 days): one every 3.5 days
    assert due(w, m, course, START - 1) == 0
    assert due(w, m, course, START) == 1
    assert due(w, m, course, START + 3 * DAY + 12 * HOUR - 1) == 1
    assert due(w, m, course, START + 3 * DAY + 12 * HOUR) == 2
    assert due(w, m, course, START + 35 * DAY) == 11
    assert due(w, m, course, END - 1) == LESSONS
    assert due(w, m, course, END + 365 * DAY) == LESSONS
    assert due(w, m, 999, START) == 0  # an unknown course has no timetable


def test_repeated_ids_get_one_lesson_under_the_dispute_window_and_upfront(w):
    for m in (w.escrow_w, w.upfront):
        course = w.publish(m)
        order = w.enrol(m, P1 if m is w.escrow_w else P2, course)
        w.chain.set_time(max(w.chain.now, START))
        r = w.record(m, course, [order, order, order], on_timetable=False)
        assert skipped(r) == {order: [Skip.REPEATED, Skip.REPEATED]}
        assert w.call(m, "lessonsLeftOf", order) == LESSONS - 1


def test_two_calls_in_one_block_are_two_lessons(w):
    """The marks are per call, not per block: a school catching up records two lessons in one block."""
    m = w.escrow
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    w.chain.set_time(START + 7 * DAY)  # three lessons due
    results = w.chain.send_batch([(SCHOOL, m, "recordLesson", course, [order])] * 3)
    assert [released(r) for r in results] == [FEE, FEE, FEE]
    assert len({r.block_number for r in results}) == 1


def test_pace_counts_from_enrolment_for_a_late_order(w):
    """A parent who joins mid-term cannot be charged for lessons the timetable had already given."""
    m = w.escrow
    course = w.publish(m)
    w.chain.set_time(START + 35 * DAY)  # 11 lessons due
    order = w.enrol(m, P1, course, 9)
    assert w.order(m, order)["paceBase"] == 11
    r = w.record(m, course, [order], on_timetable=False)  # the slack: one lesson now
    assert released(r) == FEE
    r = w.record(m, course, [order], on_timetable=False)
    assert skipped(r) == {order: [Skip.AHEAD_OF_TIMETABLE]}
    w.chain.set_time(START + 38 * DAY + 12 * HOUR)  # lesson 12 due
    assert released(w.record(m, course, [order], on_timetable=False)) == FEE


def test_a_renewal_is_paced_after_the_lessons_left_in_earlier_orders(w):
    m = w.escrow
    course = w.publish(m, hours=2)
    first = w.enrol(m, P1, course, 14)
    for _ in range(4):
        w.record(m, course, [first])
    renewal = w.enrol(m, P1, course, 5)  # 10 lessons (20 hours) left in the first order
    now_due = due(w, m, course, w.chain.last_block_time)
    assert w.order(m, renewal)["paceBase"] == now_due + 10
    r = w.record(m, course, [renewal], on_timetable=False)
    assert skipped(r) == {renewal: [Skip.AHEAD_OF_TIMETABLE]}


# ----------------------------------------------------------------------------------------- flaw 3: self-enrolment


@pytest.mark.parametrize("model", ["escrow", "escrow_w", "upfront", "upfront0"])
def test_a_school_cannot_enrol_in_its_own_course(w, model):
    m = getattr(w, model)
    course = w.publish(m)
    w.tok(SCHOOL, "approveEarmark", m, TERM_FEE)
    w.reverts(SCHOOL, m, "enrol", course, LESSONS, error="Prepaid_InstitutionCannotEnrol", institution=SCHOOL,
              courseId=course)
    assert w.call(m, "orderCount") == 0


def test_the_residual_gain_of_a_sybil_wallet_under_a_risk_deposit(w):
    """A wallet the school controls under another name cannot be recognised on chain. Enrolled in full and
    never taught, it takes F x (D/O - d) of the real parents' deposit shares: here ¥300 of ¥1,200.
    Real-name wallets linked to the school's owners would let the regulator refuse it (README)."""
    m = w.upfront
    sybil = "parent:owner-cousin"
    w.open_wallet(sybil, "id_verified", PARENT_FUND)
    course = w.publish(m)
    real = [w.enrol(m, p, course) for p in (P1, P2)]
    fake = w.enrol(m, sybil, course)
    for _ in range(10):
        w.record(m, course, real)  # the sybil's order is never "taught": it stays owed in full
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    r = w.send(REGULATOR, m, "refundOrders", SCHOOL, real + [fake])
    shares = {e.args["orderId"]: e.args["amountFen"] for e in r.events_named("DepositShared")}
    deposit, owed = 3 * TERM_FEE * 2 // 10, 2 * 10 * FEE + TERM_FEE  # D = ¥1,800, O = ¥6,000
    assert shares == {real[0]: 45_000, real[1]: 45_000, fake: 90_000}
    assert shares[fake] == TERM_FEE * deposit // owed
    honest_share = (2 * TERM_FEE * 2 // 10) // 2  # without the sybil each real parent gets ¥600
    parents_loss = 2 * (honest_share - shares[real[0]])
    assert parents_loss == TERM_FEE * (deposit * 10_000 // owed - 2_000) // 10_000 == 30_000
    # the sybil's money came from the school's side: it got back more than its own deposit contribution
    assert shares[fake] - TERM_FEE * 2 // 10 == parents_loss


# ----------------------------------------------------------------------------------------- flaw 6: closure


def _closing_term(w):
    """escrow_w: P1 and P2 in the default course; the school announces closure at START and keeps teaching
    on the timetable until the closure takes effect; the last lessons are still in their window then."""
    m = w.escrow_w
    course = w.publish(m)
    orders = [w.enrol(m, p, course) for p in (P1, P2)]
    w.chain.set_time(START)
    closes_at = w.send(SCHOOL, m, "announceClosure").timestamp + NOTICE
    lesson_at = START
    while lesson_at < closes_at - HOUR:  # lessons 1 to 9, every 3.5 days
        w.chain.set_time(max(w.chain.now, lesson_at))
        w.record(m, course, orders, on_timetable=False)
        lesson_at += 3 * DAY + 12 * HOUR
    w.chain.set_time(closes_at - HOUR)  # lesson 10, the slack's lesson: still in its window at the closure
    w.record(m, course, orders, on_timetable=False)
    return m, course, orders, closes_at


def test_closure_leaves_held_lessons_to_their_window_and_disputes_to_the_regulator(w):
    m, course, (disputed, held), closes_at = _closing_term(w)
    w.send(P1, m, "disputeLessons", disputed)
    before = {o: w.order(m, o) for o in (disputed, held)}
    assert before[disputed]["disputed"] and before[disputed]["lessonsPending"] == 2
    assert before[held]["lessonsPending"] == 2  # lesson 9 (its window ends at the closure) and lesson 10
    w.chain.set_time(closes_at)
    school_before = w.free(SCHOOL)
    r = w.send(P3, m, "refundOrders", SCHOOL, [disputed, held])  # anyone, once the closure took effect
    refunds = {e.args["orderId"]: e.args["refundFen"] for e in r.events_named("OrderRefunded")}
    assert refunds == {disputed: 10 * FEE, held: 10 * FEE}  # only the lessons left: 20 - 8 released - 2 held
    # lesson 9's window passed undisputed: the school earned it; lesson 10 stays in its window
    assert [(e.args["orderId"], e.args["lessons"]) for e in r.events_named("LessonsReleased")] == [(held, 1)]
    assert w.order(m, held)["lessonsPending"] == 1
    # the disputed lessons wait for the regulator, who can still decide
    assert w.order(m, disputed)["disputed"] and w.state(m, disputed) == OrderState.DISPUTED
    assert w.earmarked(P1, m) == 2 * FEE
    r = w.send(REGULATOR, m, "resolveDispute", disputed, False)
    assert r.event("DisputeResolved").args["amountFen"] == 2 * FEE
    w.chain.set_time(closes_at - HOUR + WINDOW)
    assert released(w.send(P3, m, "releaseMatured", course, [held])) == FEE
    assert w.free(SCHOOL) == school_before + 2 * FEE
    assert w.free(P1) == PARENT_FUND - 8 * FEE and w.free(P2) == PARENT_FUND - 10 * FEE
    assert w.earmarked(P1, m) == w.earmarked(P2, m) == 0
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0


# ----------------------------------------------------------------------------------------- flaw 7: closed wallet


def test_a_school_that_closes_its_wallet_cannot_block_the_refund_run(w):
    m, course, orders, closes_at = _closing_term(w)
    w.chain.set_time(closes_at + WINDOW)  # every held lesson matured: the school earned them
    held = {o: w.order(m, o)["lessonsPending"] for o in orders}
    w.tok(SCHOOL, "closeWallet", SCHOOL)  # it cashes out and closes before anyone calls releaseMatured
    r = w.send(P3, m, "refundOrders", SCHOOL, orders)
    assert skipped(r) == {o: [Skip.SCHOOL_WALLET_CLOSED] for o in orders}
    refunds = {e.args["orderId"]: e.args["refundFen"] for e in r.events_named("OrderRefunded")}
    released_before = {o: w.order(m, o)["lessonsReleased"] for o in orders}
    assert refunds == {o: (LESSONS - released_before[o]) * FEE for o in orders}  # the forfeited fees back too
    assert w.earmarked(P1, m) == w.earmarked(P2, m) == 0
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0
    assert all(held.values())


def test_a_parent_closing_their_wallet_pays_matured_lessons_and_takes_back_the_rest(w):
    m = w.escrow_w
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    w.record(m, course, [order])
    w.chain.advance(seconds=WINDOW)
    r = w.tok(P1, "closeWallet", P1)
    assert released(r) == FEE
    assert r.event("OrderRefunded").args["refundFen"] == (LESSONS - 1) * FEE
    assert r.event("WalletClosed").args["redeemedFen"] == PARENT_FUND - FEE
    assert w.free(SCHOOL) == SCHOOL_FUND + FEE
    assert w.order(m, order)["status"] == OrderStatus.REFUNDED


# ----------------------------------------------------------------------------------------- flaws 9, 10: upfront


def test_an_upfront_refund_batch_skips_a_parent_at_the_balance_cap(w):
    m = w.upfront
    capped = "parent:class-iii"
    w.open_wallet(capped, "class_iii", TERM_FEE)
    course = w.publish(m)
    orders = [w.enrol(m, P1, course), w.enrol(m, capped, course)]
    w.tok(BANK, "issue", capped, WALLET_TIERS["class_iii"].balance_cap_fen)  # now at its cap
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    r = w.send(REGULATOR, m, "refundOrders", SCHOOL, orders)
    assert skipped(r) == {orders[1]: [Skip.WALLET_CANNOT_RECEIVE]}
    share = TERM_FEE * 2 // 10  # both owed the same: the ¥1,200 pool is shared half and half
    assert {e.args["orderId"]: e.args["amountFen"] for e in r.events_named("DepositShared")} == {orders[0]: share}
    assert w.order(m, orders[1])["status"] == OrderStatus.ACTIVE  # still refundable: its share is reserved
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == share
    w.tok(capped, "transfer", P2, share)  # room again
    r = w.send(REGULATOR, m, "refundOrders", SCHOOL, [orders[1]])
    assert r.event("DepositShared").args["amountFen"] == share
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0


def test_a_frozen_schools_surplus_deposit_has_a_way_out(w):
    m = w.upfront
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    for _ in range(LESSONS - 2):
        w.record(m, course, [order])  # 18 of 20 delivered: ¥300 owed, ¥600 deposit
    w.reverts(REGULATOR, m, "releaseSurplusDeposit", SCHOOL, error="Prepaid_NotFrozen", institution=SCHOOL)
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    w.reverts(SCHOOL, m, "releaseSurplusDeposit", SCHOOL, error="Prepaid_NotRegulator", caller=SCHOOL)
    school_free = w.free(SCHOOL)
    r = w.send(REGULATOR, m, "releaseSurplusDeposit", SCHOOL)  # before the refunds: the pool stays reserved
    assert r.return_value == 30_000
    assert r.event("SurplusDepositReleased").args == {"institution": w.addr(SCHOOL), "amountFen": 30_000}
    assert w.free(SCHOOL) == school_free + 30_000
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 2 * FEE
    w.reverts(REGULATOR, m, "releaseSurplusDeposit", SCHOOL, error="Prepaid_NoSurplusDeposit", institution=SCHOOL)
    r = w.send(REGULATOR, m, "refundOrders", SCHOOL, [order])
    assert r.event("DepositShared").args["amountFen"] == 2 * FEE  # the parent still gets all it is owed
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0 and w.earmarked(SCHOOL, m) == 0
