"""PrepaidEscrow: per-lesson escrow, with a dispute window of 0 (`w.escrow`) and 48 h (`w.escrow_w`).

The fee stays earmarked in the parent's own wallet; each recorded lesson releases one lesson's fee to the
school (at once, or after the window); whatever is not delivered goes back to the parent.
"""

from __future__ import annotations

import pytest

from contract_testkit import (
    BANK,
    END,
    FEE,
    LESSONS,
    PARENT_FUND,
    REGULATOR,
    RULES,
    RULES_W,
    SCHOOL,
    SCHOOL_B,
    SCHOOL_FUND,
    START,
    WINDOW,
    InstitutionStatus,
    OrderState,
    OrderStatus,
    Skip,
)
from ecny_sim.chain.clock import DAY, HOUR
from ecny_sim.chain.errors import ContractRevert
from ecny_sim.domain.settings import WALLET_TIERS

P1, P2, P3 = "parent:1", "parent:2", "parent:3"
RULE_FIELDS = ("maxClassHoursPerOrder", "maxOrderSpan", "maxChargeFen", "maxPrepayLead", "renewalMaxHoursLeft",
               "disputeWindow", "closureNotice")


def rules_dict(values) -> dict:
    return dict(zip(RULE_FIELDS, values))


@pytest.fixture(params=["escrow", "escrow_w"])
def esc(request, w):
    """Each escrow instance in turn: dispute window 0 and 48 h."""
    return getattr(w, request.param)


def skipped(result) -> dict[int, int]:
    return {e.args["orderId"]: e.args["reason"] for e in result.events_named("LessonSkipped")}


def at_start(w, course, model=None):
    w.chain.set_time(max(w.chain.now, w.call(model or w.escrow, "courseOf", course)["start"]))


# ----------------------------------------------------------------------------------------- deployment / views


def test_deployment_views(w, esc):
    assert w.call(esc, "token") == w.token.address
    assert w.call(esc, "regulator") == w.addr(REGULATOR)
    expected = RULES if esc is w.escrow else RULES_W
    assert w.call(esc, "rules") == rules_dict(expected)
    assert w.call(esc, "courseCount") == 0
    assert w.call(esc, "orderCount") == 0
    assert w.call(esc, "courseOf", 1) == {
        "institution": "0x" + "00" * 20, "start": 0, "end": 0, "feePerLessonFen": 0, "lessons": 0,
        "classHoursPerLesson": 0}
    assert w.call(esc, "orderStateOf", 1) == OrderState.NONE
    assert w.call(esc, "ordersOfParent", P1) == []
    assert w.call(esc, "institutionStatusOf", SCHOOL) == InstitutionStatus.APPROVED
    assert w.call(esc, "institutionStatusOf", "school:z") == InstitutionStatus.UNKNOWN
    assert w.call(esc, "closesAtOf", SCHOOL) == 0
    assert w.call(esc, "supervisedBalanceOf", SCHOOL) == 0


@pytest.mark.parametrize("field", ["maxClassHoursPerOrder", "maxOrderSpan", "maxChargeFen", "maxPrepayLead",
                                   "closureNotice"])
def test_constructor_rejects_invalid_rules(w, field):
    bad = rules_dict(RULES) | {field: 0}
    art = w.art["PrepaidEscrow"]
    with pytest.raises(ContractRevert) as exc:
        w.chain.deploy("escrow-bad", art["abi"], art["bytecode"], BANK, (w.token, REGULATOR, bad))
    assert exc.value.error_name == "Prepaid_InvalidRules"


# ----------------------------------------------------------------------------------------- setRules


def test_set_rules(w):
    new = rules_dict(RULES) | {"maxChargeFen": 100_000, "renewalMaxHoursLeft": 0, "disputeWindow": 0}
    r = w.send(REGULATOR, w.escrow, "setRules", new)
    assert r.event("RulesUpdated").args == {"rules": new}
    assert w.call(w.escrow, "rules") == new
    course = w.publish(w.escrow)
    w.tok(P1, "approveEarmark", w.escrow, LESSONS * FEE)
    w.reverts(P1, w.escrow, "enrol", course, LESSONS, error="Prepaid_ChargeCapExceeded",
              chargeFen=LESSONS * FEE, capFen=100_000)


def test_set_rules_changes_the_dispute_window(w):
    w.send(REGULATOR, w.escrow, "setRules", rules_dict(RULES) | {"disputeWindow": HOUR})
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    at_start(w, course)
    r = w.record(w.escrow, course, [order])
    assert r.event("LessonRecorded").args["releasableAt"] == r.timestamp + HOUR
    assert r.events_named("LessonsReleased") == []


@pytest.mark.parametrize("field", ["maxClassHoursPerOrder", "maxOrderSpan", "maxChargeFen", "maxPrepayLead",
                                   "closureNotice"])
def test_set_rules_rejects_a_zero_cap(w, field):
    w.reverts(REGULATOR, w.escrow, "setRules", rules_dict(RULES) | {field: 0}, error="Prepaid_InvalidRules")
    assert w.call(w.escrow, "rules") == rules_dict(RULES)


def test_set_rules_only_regulator(w):
    w.reverts(BANK, w.escrow, "setRules", rules_dict(RULES), error="Prepaid_NotRegulator", caller=BANK)
    w.reverts(SCHOOL, w.escrow, "setRules", rules_dict(RULES), error="Prepaid_NotRegulator", caller=SCHOOL)


# ----------------------------------------------------------------------------------------- institutions


def test_approve_institution(w):
    assert w.call(w.escrow, "institutionStatusOf", "school:new") == InstitutionStatus.UNKNOWN
    w.reverts("school:new", w.escrow, "publishCourse", FEE, LESSONS, 1, START, END,
              error="Prepaid_NotApprovedInstitution", caller="school:new")
    r = w.send(REGULATOR, w.escrow, "approveInstitution", "school:new")
    assert r.event("InstitutionApproved").args == {"institution": w.addr("school:new")}
    assert w.call(w.escrow, "institutionStatusOf", "school:new") == InstitutionStatus.APPROVED
    w.send("school:new", w.escrow, "publishCourse", FEE, LESSONS, 1, START, END)


def test_approve_institution_reverts(w):
    w.reverts(BANK, w.escrow, "approveInstitution", "school:new", error="Prepaid_NotRegulator", caller=BANK)
    w.reverts(REGULATOR, w.escrow, "approveInstitution", SCHOOL, error="Prepaid_AlreadyApproved", institution=SCHOOL)


def test_freeze_institution(w):
    r = w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL)
    assert r.event("InstitutionFrozen").args == {"institution": w.addr(SCHOOL)}
    assert w.call(w.escrow, "institutionStatusOf", SCHOOL) == InstitutionStatus.FROZEN
    assert w.call(w.escrow, "institutionStatusOf", SCHOOL_B) == InstitutionStatus.APPROVED
    # the other escrow instance is independent
    assert w.call(w.escrow_w, "institutionStatusOf", SCHOOL) == InstitutionStatus.APPROVED


def test_freeze_institution_reverts(w):
    w.reverts(SCHOOL_B, w.escrow, "freezeInstitution", SCHOOL, error="Prepaid_NotRegulator", caller=SCHOOL_B)
    w.reverts(REGULATOR, w.escrow, "freezeInstitution", "school:z", error="Prepaid_NotApprovedInstitution",
              caller="school:z")
    w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL)
    w.reverts(REGULATOR, w.escrow, "freezeInstitution", SCHOOL, error="Prepaid_AlreadyFrozen", institution=SCHOOL)


def test_announce_closure_and_status_over_time(w):
    r = w.send(SCHOOL, w.escrow, "announceClosure")
    closes_at = r.timestamp + 30 * DAY
    assert r.event("ClosureAnnounced").args == {"institution": w.addr(SCHOOL), "closesAt": closes_at}
    assert w.call(w.escrow, "closesAtOf", SCHOOL) == closes_at
    assert w.call(w.escrow, "institutionStatusOf", SCHOOL) == InstitutionStatus.CLOSING
    w.chain.set_time(closes_at - 1)
    assert w.call(w.escrow, "institutionStatusOf", SCHOOL) == InstitutionStatus.CLOSING
    w.chain.set_time(closes_at)
    assert w.call(w.escrow, "institutionStatusOf", SCHOOL) == InstitutionStatus.CLOSED
    # a freeze overrides
    w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL)
    assert w.call(w.escrow, "institutionStatusOf", SCHOOL) == InstitutionStatus.FROZEN


def test_announce_closure_reverts(w):
    w.reverts("school:z", w.escrow, "announceClosure", error="Prepaid_NotApprovedInstitution", caller="school:z")
    w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL_B)
    w.reverts(SCHOOL_B, w.escrow, "announceClosure", error="Prepaid_InstitutionFrozen", institution=SCHOOL_B)
    r = w.send(SCHOOL, w.escrow, "announceClosure")
    w.reverts(SCHOOL, w.escrow, "announceClosure", error="Prepaid_ClosureAlreadyAnnounced",
              institution=SCHOOL, closesAt=r.timestamp + 30 * DAY)


# ----------------------------------------------------------------------------------------- publishCourse


def test_publish_course(w):
    r = w.send(SCHOOL, w.escrow, "publishCourse", FEE, LESSONS, 2, START, END)
    assert r.return_value == 1
    assert r.event("CoursePublished").args == {
        "courseId": 1, "institution": w.addr(SCHOOL), "feePerLessonFen": FEE, "lessons": LESSONS,
        "classHoursPerLesson": 2, "start": START, "end": END}
    assert w.call(w.escrow, "courseOf", 1) == {
        "institution": w.addr(SCHOOL), "start": START, "end": END, "feePerLessonFen": FEE, "lessons": LESSONS,
        "classHoursPerLesson": 2}
    assert w.publish(w.escrow, SCHOOL_B) == 2
    assert w.call(w.escrow, "courseCount") == 2


@pytest.mark.parametrize("fee, lessons, hours, start, end", [
    (0, LESSONS, 1, START, END),
    (FEE, 0, 1, START, END),
    (FEE, LESSONS, 0, START, END),
    (FEE, LESSONS, 1, START, START),
    (FEE, LESSONS, 1, END, START),
    (FEE, 2**16, 1, START, END),
    (2**64, LESSONS, 1, START, END),
])
def test_publish_course_rejects_invalid_course(w, fee, lessons, hours, start, end):
    w.reverts(SCHOOL, w.escrow, "publishCourse", fee, lessons, hours, start, end, error="Prepaid_InvalidCourse",
              feePerLessonFen=fee, lessons=lessons, classHoursPerLesson=hours, start=start, end=end)
    assert w.call(w.escrow, "courseCount") == 0


def test_publish_course_institution_must_take_orders(w):
    w.reverts(P1, w.escrow, "publishCourse", FEE, LESSONS, 1, START, END, error="Prepaid_NotApprovedInstitution",
              caller=P1)
    w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL)
    w.reverts(SCHOOL, w.escrow, "publishCourse", FEE, LESSONS, 1, START, END, error="Prepaid_InstitutionFrozen",
              institution=SCHOOL)
    r = w.send(SCHOOL_B, w.escrow, "announceClosure")
    w.reverts(SCHOOL_B, w.escrow, "publishCourse", FEE, LESSONS, 1, START, END, error="Prepaid_InstitutionClosing",
              institution=SCHOOL_B, closesAt=r.timestamp + 30 * DAY)


# ----------------------------------------------------------------------------------------- enrol


def test_enrol_earmarks_the_fee_in_the_parents_wallet(w, esc):
    course = w.publish(esc)
    fee = LESSONS * FEE
    w.tok(P1, "approveEarmark", esc, fee)
    r = w.send(P1, esc, "enrol", course, LESSONS)
    assert r.return_value == 1
    assert r.event("OrderPlaced").args == {
        "orderId": 1, "parent": w.addr(P1), "courseId": course, "lessons": LESSONS, "feeFen": fee}
    assert r.event("Earmarked").args == {"wallet": w.addr(P1), "controller": esc.address, "amountFen": fee}
    assert w.balance(P1) == PARENT_FUND  # still in the parent's own wallet ...
    assert w.free(P1) == PARENT_FUND - fee  # ... but locked
    assert w.earmarked(P1, esc) == fee
    assert w.free(SCHOOL) == SCHOOL_FUND
    assert w.call(esc, "supervisedBalanceOf", SCHOOL) == fee
    assert w.order(esc, 1) == {
        "parent": w.addr(P1), "courseId": course, "status": OrderStatus.ACTIVE, "disputed": False,
        "lessonsPending": 0, "lessonsPaid": LESSONS, "lessonsReleased": 0, "lessonsReturned": 0,
        "heldSince": [0, 0, 0, 0], "paceBase": 0}  # placed before the course starts: no lesson due yet
    assert w.state(esc, 1) == OrderState.LOCKED
    assert w.call(esc, "lessonsLeftOf", 1) == LESSONS
    assert w.call(esc, "refundableAmountOf", 1) == fee
    assert w.call(esc, "releasableAmountOf", 1) == 0
    assert w.call(esc, "ordersOfParent", P1) == [1]
    assert w.call(esc, "orderCount") == 1


def test_enrol_part_of_a_course_and_several_orders(w):
    c1 = w.publish(w.escrow)
    c2 = w.publish(w.escrow, SCHOOL_B, fee=10_000, lessons=10)
    o1 = w.enrol(w.escrow, P1, c1, 10)
    o2 = w.enrol(w.escrow, P1, c2, 10)
    o3 = w.enrol(w.escrow, P2, c1, 4)
    assert (o1, o2, o3) == (1, 2, 3)
    assert w.call(w.escrow, "ordersOfParent", P1) == [1, 2]
    assert w.call(w.escrow, "ordersOfParent", P2) == [3]
    assert w.earmarked(P1, w.escrow) == 10 * FEE + 10 * 10_000
    assert w.call(w.escrow, "supervisedBalanceOf", SCHOOL) == 14 * FEE
    assert w.call(w.escrow, "supervisedBalanceOf", SCHOOL_B) == 100_000


def test_enrol_class_hours_cap(w):
    course = w.publish(w.escrow, hours=4)  # 20 lessons x 4 h
    w.tok(P1, "approveEarmark", w.escrow, 10**9)
    w.reverts(P1, w.escrow, "enrol", course, 16, error="Prepaid_ClassHoursCapExceeded", classHours=64, capHours=60)
    w.send(P1, w.escrow, "enrol", course, 15)  # 60 h exactly


def test_enrol_order_span_counts_from_enrolment_or_course_start(w):
    course = w.publish(w.escrow, start=START, end=START + 100 * DAY)
    w.tok(P1, "approveEarmark", w.escrow, 10**9)
    w.reverts(P1, w.escrow, "enrol", course, LESSONS, error="Prepaid_OrderSpanTooLong",
              spanSeconds=100 * DAY, capSeconds=92 * DAY)
    w.chain.set_time(START + 7 * DAY)
    w.reverts(P1, w.escrow, "enrol", course, LESSONS, error="Prepaid_OrderSpanTooLong",
              spanSeconds=93 * DAY, capSeconds=92 * DAY)
    w.chain.set_time(START + 8 * DAY)
    w.send(P1, w.escrow, "enrol", course, LESSONS)


def test_enrol_charge_cap(w):
    course = w.publish(w.escrow, fee=30_000)  # 20 x ¥300 = ¥6,000
    w.tok(P1, "approveEarmark", w.escrow, 10**9)
    w.reverts(P1, w.escrow, "enrol", course, LESSONS, error="Prepaid_ChargeCapExceeded",
              chargeFen=600_000, capFen=500_000)
    w.send(P1, w.escrow, "enrol", course, 16)  # ¥4,800
    assert w.earmarked(P1, w.escrow) == 480_000


def test_enrol_charge_too_early(w):
    start = w.chain.now + 40 * DAY
    course = w.publish(w.escrow, start=start, end=start + 60 * DAY)
    w.tok(P1, "approveEarmark", w.escrow, 10**9)
    w.reverts(P1, w.escrow, "enrol", course, LESSONS, error="Prepaid_ChargeTooEarly",
              courseStart=start, earliestChargeAt=start - 30 * DAY)
    w.chain.set_time(start - 30 * DAY - 1)
    w.reverts(P1, w.escrow, "enrol", course, LESSONS, error="Prepaid_ChargeTooEarly")
    w.chain.set_time(start - 30 * DAY)
    w.send(P1, w.escrow, "enrol", course, LESSONS)


def test_enrol_renewal_only_when_20_hours_or_fewer_left(w):
    course = w.publish(w.escrow, hours=2)  # 20 lessons x 2 h
    first = w.enrol(w.escrow, P1, course, 15)  # 30 h
    w.tok(P1, "approveEarmark", w.escrow, 10**9)
    w.reverts(P1, w.escrow, "enrol", course, 5, error="Prepaid_RenewalTooEarly", classHoursLeft=30, maxHoursLeft=20)
    at_start(w, course)
    for _ in range(4):
        w.record(w.escrow, course, [first])
    w.reverts(P1, w.escrow, "enrol", course, 5, error="Prepaid_RenewalTooEarly", classHoursLeft=22)
    w.record(w.escrow, course, [first])  # 10 lessons = 20 h left
    second = w.send(P1, w.escrow, "enrol", course, 5).return_value
    assert second == first + 1
    assert w.call(w.escrow, "ordersOfParent", P1) == [first, second]
    # another parent's first order is not a renewal
    w.enrol(w.escrow, P2, course, 15)


def test_enrol_renewal_after_cancel(w):
    course = w.publish(w.escrow, hours=2)
    first = w.enrol(w.escrow, P1, course, 15)
    w.send(P1, w.escrow, "cancelOrder", first)
    w.enrol(w.escrow, P1, course, 15)


def test_enrol_renewal_pending_lessons_are_not_left(w):
    course = w.publish(w.escrow_w, hours=2)
    first = w.enrol(w.escrow_w, P1, course, 14)
    at_start(w, course, w.escrow_w)
    for _ in range(4):
        w.record(w.escrow_w, course, [first])
    assert w.call(w.escrow_w, "lessonsLeftOf", first) == 10
    w.enrol(w.escrow_w, P1, course, 5)


def test_record_lesson_skips_an_order_with_four_lessons_held(w):
    course = w.publish(w.escrow_w, end=START + 4 * DAY)  # a lesson every 4.8 hours: four fit in one window
    order = w.enrol(w.escrow_w, P1, course)
    at_start(w, course, w.escrow_w)
    for _ in range(4):
        w.record(w.escrow_w, course, [order])
    r = w.record(w.escrow_w, course, [order])
    assert r.event("LessonSkipped").args == {"orderId": order, "reason": 6}  # SkipReason.TooManyHeld
    assert r.events_named("LessonRecorded") == []
    assert w.order(w.escrow_w, order)["lessonsPending"] == w.call(w.escrow_w, "MAX_HELD_LESSONS") == 4


def test_enrol_course_ended(w):
    course = w.publish(w.escrow)
    w.tok(P1, "approveEarmark", w.escrow, 10**9)
    w.chain.set_time(END - 1)
    w.send(P1, w.escrow, "enrol", course, 1)
    w.chain.set_time(END)
    w.reverts(P2, w.escrow, "enrol", course, 1, error="Prepaid_CourseEnded", courseId=course, end=END)


@pytest.mark.parametrize("lessons", [0, LESSONS + 1])
def test_enrol_invalid_lesson_count(w, lessons):
    course = w.publish(w.escrow)
    w.tok(P1, "approveEarmark", w.escrow, 10**9)
    w.reverts(P1, w.escrow, "enrol", course, lessons, error="Prepaid_InvalidLessonCount",
              requested=lessons, courseLessons=LESSONS)


def test_enrol_institution_frozen_or_closing(w):
    c1 = w.publish(w.escrow)
    c2 = w.publish(w.escrow, SCHOOL_B)
    w.tok(P1, "approveEarmark", w.escrow, 10**9)
    w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL)
    w.reverts(P1, w.escrow, "enrol", c1, LESSONS, error="Prepaid_InstitutionFrozen", institution=SCHOOL)
    r = w.send(SCHOOL_B, w.escrow, "announceClosure")
    w.reverts(P1, w.escrow, "enrol", c2, LESSONS, error="Prepaid_InstitutionClosing",
              institution=SCHOOL_B, closesAt=r.timestamp + 30 * DAY)


def test_enrol_unknown_course(w):
    w.reverts(P1, w.escrow, "enrol", 99, 1, error="Prepaid_UnknownCourse", courseId=99)


def test_enrol_token_refusals(w):
    course = w.publish(w.escrow)
    w.reverts(P1, w.escrow, "enrol", course, LESSONS, error="ECNY_InsufficientAllowance",
              wallet=P1, controller=w.escrow, allowanceFen=0, neededFen=LESSONS * FEE)
    # domain scenario 8: a lowest-tier wallet cannot prepay ¥3,000 (¥2,000 per payment)
    w.open_wallet("low:1", "lowest", 500_000)
    w.tok("low:1", "approveEarmark", w.escrow, 10**9)
    w.reverts("low:1", w.escrow, "enrol", course, LESSONS, error="ECNY_PerPaymentLimitExceeded",
              amountFen=300_000, limitFen=WALLET_TIERS["lowest"].per_payment_fen)
    assert w.call(w.escrow, "orderCount") == 0


# ----------------------------------------------------------------------------------------- recordLesson, window 0


def test_record_lesson_releases_a_whole_class_in_one_transaction(w):
    course = w.publish(w.escrow)
    orders = [w.enrol(w.escrow, p, course) for p in (P1, P2, P3)]
    at_start(w, course)
    r = w.record(w.escrow, course, orders)
    assert r.event("EarmarksReleased").args == {
        "controller": w.escrow.address, "payee": w.addr(SCHOOL), "wallets": 3, "amountFen": 3 * FEE}
    assert [e.args for e in r.events_named("LessonsReleased")] == [
        {"orderId": o, "lessons": 1, "amountFen": FEE, "lessonsReleased": 1} for o in orders]
    assert r.events_named("LessonRecorded") == []
    assert w.free(SCHOOL) == SCHOOL_FUND + 3 * FEE
    for p, o in zip((P1, P2, P3), orders):
        assert w.earmarked(p, w.escrow) == (LESSONS - 1) * FEE
        assert w.balance(p) == PARENT_FUND - FEE
        assert w.state(w.escrow, o) == OrderState.PARTIALLY_CONSUMED
        assert w.call(w.escrow, "lessonsLeftOf", o) == LESSONS - 1
        assert w.call(w.escrow, "refundableAmountOf", o) == (LESSONS - 1) * FEE
    assert w.call(w.escrow, "supervisedBalanceOf", SCHOOL) == 3 * (LESSONS - 1) * FEE


def test_normal_term_all_lessons_delivered(w):
    """Domain scenario 1: 20 lessons x ¥150 all delivered; nothing is left locked."""
    course = w.publish(w.escrow)
    orders = [w.enrol(w.escrow, p, course) for p in (P1, P2)]
    at_start(w, course)
    for n in range(1, LESSONS + 1):
        r = w.record(w.escrow, course, orders)
        assert r.event("EarmarksReleased").args["amountFen"] == 2 * FEE
        w.chain.advance(days=3)
    assert r.events_named("LessonsReleased")[0].args["lessonsReleased"] == LESSONS
    for p, o in zip((P1, P2), orders):
        assert w.state(w.escrow, o) == OrderState.COMPLETED
        assert w.order(w.escrow, o)["status"] == OrderStatus.COMPLETED
        assert w.earmarked(p, w.escrow) == 0
        assert w.balance(p) == PARENT_FUND - LESSONS * FEE
        assert w.call(w.escrow, "refundableAmountOf", o) == 0
    assert w.free(SCHOOL) == SCHOOL_FUND + 2 * LESSONS * FEE
    assert w.call(w.escrow, "supervisedBalanceOf", SCHOOL) == 0
    assert w.view("earmarkedTotalOf", w.escrow) == 0
    # one more lesson: the completed orders are skipped, nothing moves
    r = w.record(w.escrow, course, orders)
    assert skipped(r) == {o: Skip.NOT_ACTIVE for o in orders}
    assert r.events_named("EarmarksReleased") == []


def test_record_lesson_skips(w):
    course = w.publish(w.escrow)
    other = w.publish(w.escrow)
    live = w.enrol(w.escrow, P1, course)
    cancelled = w.enrol(w.escrow, P2, course)
    elsewhere = w.enrol(w.escrow, P3, other)
    done = w.enrol(w.escrow, "parent:4", course, 1)
    w.send(P2, w.escrow, "cancelOrder", cancelled)
    at_start(w, course)
    w.record(w.escrow, course, [done])
    r = w.record(w.escrow, course, [cancelled, elsewhere, live, done, 999])
    assert skipped(r) == {cancelled: Skip.NOT_ACTIVE, elsewhere: Skip.NOT_IN_COURSE, done: Skip.NOT_ACTIVE,
                          999: Skip.NOT_IN_COURSE}
    assert [e.args["orderId"] for e in r.events_named("LessonsReleased")] == [live]
    assert r.event("EarmarksReleased").args["amountFen"] == FEE
    assert w.earmarked(P3, w.escrow) == LESSONS * FEE
    assert w.free(SCHOOL) == SCHOOL_FUND + 2 * FEE


def test_record_lesson_only_the_course_institution(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    w.reverts(SCHOOL_B, w.escrow, "recordLesson", course, [order], error="Prepaid_NotCourseInstitution",
              caller=SCHOOL_B, courseId=course)
    w.reverts(P1, w.escrow, "recordLesson", course, [order], error="Prepaid_NotCourseInstitution", caller=P1)
    w.reverts(SCHOOL, w.escrow, "recordLesson", 99, [order], error="Prepaid_UnknownCourse", courseId=99)
    assert w.earmarked(P1, w.escrow) == LESSONS * FEE


def test_record_lesson_frozen_institution(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL)
    w.reverts(SCHOOL, w.escrow, "recordLesson", course, [order], error="Prepaid_InstitutionFrozen",
              institution=SCHOOL)
    assert w.earmarked(P1, w.escrow) == LESSONS * FEE


def test_record_lesson_while_closing_then_closed(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    at_start(w, course)
    closes_at = w.send(SCHOOL, w.escrow, "announceClosure").timestamp + 30 * DAY
    w.record(w.escrow, course, [order])  # lessons go on during the notice
    w.chain.set_time(closes_at)
    w.reverts(SCHOOL, w.escrow, "recordLesson", course, [order], error="Prepaid_InstitutionClosed",
              institution=SCHOOL)
    assert w.earmarked(P1, w.escrow) == (LESSONS - 1) * FEE


# ----------------------------------------------------------------------------------------- window > 0


def test_record_lesson_with_window_holds_the_fee(w):
    m = w.escrow_w
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    at_start(w, course, m)
    r = w.record(m, course, [order])
    t = r.timestamp
    assert r.event("LessonRecorded").args == {"orderId": order, "lessonNumber": 1, "releasableAt": t + WINDOW}
    assert r.events_named("LessonsReleased") == [] and r.events_named("EarmarksReleased") == []
    o = w.order(m, order)
    assert (o["lessonsPending"], o["heldSince"], o["lessonsReleased"]) == (1, [t, 0, 0, 0], 0)
    assert w.state(m, order) == OrderState.PARTIALLY_CONSUMED
    assert w.call(m, "lessonsLeftOf", order) == LESSONS - 1
    assert w.call(m, "refundableAmountOf", order) == (LESSONS - 1) * FEE
    assert w.earmarked(P1, m) == LESSONS * FEE
    w.chain.set_time(t + WINDOW - 1)
    assert w.call(m, "releasableAmountOf", order) == 0
    r = w.send(P2, m, "releaseMatured", course, [order])
    assert skipped(r) == {order: Skip.NOTHING_LEFT}
    w.chain.set_time(t + WINDOW)
    assert w.call(m, "releasableAmountOf", order) == FEE
    r = w.send(P2, m, "releaseMatured", course, [order])  # anyone may call
    assert r.event("LessonsReleased").args == {"orderId": order, "lessons": 1, "amountFen": FEE, "lessonsReleased": 1}
    assert r.event("EarmarksReleased").args == {
        "controller": m.address, "payee": w.addr(SCHOOL), "wallets": 1, "amountFen": FEE}
    assert w.free(SCHOOL) == SCHOOL_FUND + FEE
    assert w.earmarked(P1, m) == (LESSONS - 1) * FEE
    assert w.call(m, "releasableAmountOf", order) == 0
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == (LESSONS - 1) * FEE


def test_record_lesson_with_window_pays_matured_lessons_on_the_next_record(w):
    m = w.escrow_w
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    at_start(w, course, m)
    w.record(m, course, [order])
    w.chain.advance(hours=1)
    w.record(m, course, [order])  # second lesson: the window restarts for both held lessons
    w.chain.advance(hours=49)
    r = w.record(m, course, [order])
    assert r.event("LessonsReleased").args == {"orderId": order, "lessons": 2, "amountFen": 2 * FEE,
                                               "lessonsReleased": 2}
    assert r.event("LessonRecorded").args["lessonNumber"] == 3
    assert r.event("EarmarksReleased").args["amountFen"] == 2 * FEE
    assert w.order(m, order)["lessonsPending"] == 1
    assert w.free(SCHOOL) == SCHOOL_FUND + 2 * FEE


def test_release_matured_completes_the_order(w):
    m = w.escrow_w
    course = w.publish(m)
    order = w.enrol(m, P1, course, 2)
    at_start(w, course, m)
    w.record(m, course, [order])
    w.record(m, course, [order])
    r = w.record(m, course, [order])
    assert skipped(r) == {order: Skip.NOTHING_LEFT}
    assert w.call(m, "lessonsLeftOf", order) == 0
    w.chain.advance(hours=48, seconds=10)
    r = w.send(P1, m, "releaseMatured", course, [order])
    assert r.event("LessonsReleased").args == {"orderId": order, "lessons": 2, "amountFen": 2 * FEE,
                                               "lessonsReleased": 2}
    assert w.state(m, order) == OrderState.COMPLETED
    assert w.earmarked(P1, m) == 0


def test_release_matured_skips_and_reverts(w):
    m = w.escrow_w
    course = w.publish(m)
    other = w.publish(m)
    held = w.enrol(m, P1, course)
    disputed = w.enrol(m, P2, course)
    elsewhere = w.enrol(m, P3, other)
    at_start(w, course, m)
    w.record(m, course, [held, disputed])
    w.send(P2, m, "disputeLessons", disputed)
    w.chain.advance(days=3)
    r = w.send(P1, m, "releaseMatured", course, [held, disputed, elsewhere])
    assert skipped(r) == {disputed: Skip.DISPUTED, elsewhere: Skip.NOT_IN_COURSE}
    assert [e.args["orderId"] for e in r.events_named("LessonsReleased")] == [held]
    assert w.call(m, "releasableAmountOf", disputed) == 0
    w.reverts(P1, m, "releaseMatured", 99, [held], error="Prepaid_UnknownCourse", courseId=99)
    w.record(m, course, [held])
    w.chain.advance(days=3)
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    w.reverts(P1, m, "releaseMatured", course, [held], error="Prepaid_InstitutionFrozen", institution=SCHOOL)
    assert w.call(m, "releasableAmountOf", held) == FEE  # matured, but the freeze stops it


def test_release_matured_under_window_zero_has_nothing(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    at_start(w, course)
    w.record(w.escrow, course, [order])
    r = w.send(P1, w.escrow, "releaseMatured", course, [order])
    assert skipped(r) == {order: Skip.NOTHING_LEFT}
    assert r.events_named("EarmarksReleased") == []


# ----------------------------------------------------------------------------------------- cancelOrder


def test_cancel_order_refunds_exactly_the_unconsumed_rest(w):
    """Domain scenario 3: after 8 of 20 lessons at ¥150 the school keeps ¥1,200, the parent gets ¥1,800."""
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    at_start(w, course)
    for _ in range(8):
        w.record(w.escrow, course, [order])
    r = w.send(P1, w.escrow, "cancelOrder", order)
    assert r.event("OrderCancelled").args == {
        "orderId": order, "parent": w.addr(P1), "refundFen": 180_000, "lessonsUnused": 12}
    assert r.event("EarmarkReturned").args == {"wallet": w.addr(P1), "controller": w.escrow.address,
                                               "amountFen": 180_000}
    assert w.free(P1) == w.balance(P1) == PARENT_FUND - 120_000
    assert w.free(SCHOOL) == SCHOOL_FUND + 120_000
    assert w.earmarked(P1, w.escrow) == 0
    assert w.state(w.escrow, order) == OrderState.CANCELLED
    o = w.order(w.escrow, order)
    assert (o["status"], o["lessonsReleased"], o["lessonsReturned"]) == (OrderStatus.CANCELLED, 8, 12)
    assert w.call(w.escrow, "lessonsLeftOf", order) == 0
    assert w.call(w.escrow, "refundableAmountOf", order) == 0
    assert w.call(w.escrow, "supervisedBalanceOf", SCHOOL) == 0


def test_cancel_order_before_any_lesson_and_with_institution_frozen(w, esc):
    course = w.publish(esc)
    order = w.enrol(esc, P1, course)
    w.send(REGULATOR, esc, "freezeInstitution", SCHOOL)
    r = w.send(P1, esc, "cancelOrder", order)
    assert r.event("OrderCancelled").args["refundFen"] == LESSONS * FEE
    assert w.free(P1) == PARENT_FUND


def test_cancel_order_with_window_leaves_held_lessons_held(w):
    m = w.escrow_w
    course = w.publish(m, end=START + 4 * DAY)  # three lessons inside one dispute window
    order = w.enrol(m, P1, course)
    at_start(w, course, m)
    for _ in range(3):
        t = w.record(m, course, [order]).timestamp
    r = w.send(P1, m, "cancelOrder", order)
    assert r.event("OrderCancelled").args == {"orderId": order, "parent": w.addr(P1), "refundFen": 17 * FEE,
                                              "lessonsUnused": 17}
    assert w.earmarked(P1, m) == 3 * FEE
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 3 * FEE
    w.chain.set_time(t + WINDOW)
    r = w.send(SCHOOL, m, "releaseMatured", course, [order])
    assert r.event("LessonsReleased").args["amountFen"] == 3 * FEE
    assert w.earmarked(P1, m) == 0
    assert w.free(SCHOOL) == SCHOOL_FUND + 3 * FEE
    assert w.state(m, order) == OrderState.CANCELLED


def test_cancel_order_reverts(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course, 2)
    w.reverts(P1, w.escrow, "cancelOrder", 99, error="Prepaid_UnknownOrder", orderId=99)
    w.reverts(P2, w.escrow, "cancelOrder", order, error="Prepaid_NotOrderParent", caller=P2, orderId=order)
    w.reverts(SCHOOL, w.escrow, "cancelOrder", order, error="Prepaid_NotOrderParent", caller=SCHOOL)
    w.send(P1, w.escrow, "cancelOrder", order)
    w.reverts(P1, w.escrow, "cancelOrder", order, error="Prepaid_OrderNotActive", orderId=order)
    done = w.enrol(w.escrow, P2, course, 1)
    at_start(w, course)
    w.record(w.escrow, course, [done])
    w.reverts(P2, w.escrow, "cancelOrder", done, error="Prepaid_OrderNotActive", orderId=done)


def test_cancel_order_nothing_to_refund(w):
    m = w.escrow_w
    course = w.publish(m)
    order = w.enrol(m, P1, course, 2)
    at_start(w, course, m)
    w.record(m, course, [order])
    w.record(m, course, [order])  # both held in the window: active, nothing left to refund
    assert w.state(m, order) == OrderState.PARTIALLY_CONSUMED
    w.reverts(P1, m, "cancelOrder", order, error="Prepaid_NothingToRefund", orderId=order)


# ----------------------------------------------------------------------------------------- disputes


def _held(w, lessons=1, order_lessons=LESSONS):
    m = w.escrow_w
    course = w.publish(m)
    order = w.enrol(m, P1, course, order_lessons)
    at_start(w, course, m)
    r = None
    for _ in range(lessons):
        r = w.record(m, course, [order])
    return m, course, order, r.timestamp


def test_dispute_lessons(w):
    m, course, order, t = _held(w, 2)
    r = w.send(P1, m, "disputeLessons", order)
    assert r.event("LessonsDisputed").args == {"orderId": order, "parent": w.addr(P1), "lessonsHeld": 2}
    assert w.state(m, order) == OrderState.DISPUTED
    assert w.order(m, order)["disputed"] is True
    w.chain.set_time(t + 10 * DAY)
    assert w.call(m, "releasableAmountOf", order) == 0
    r = w.record(m, course, [order])
    assert skipped(r) == {order: Skip.DISPUTED}
    assert w.order(m, order)["lessonsPending"] == 2
    assert w.earmarked(P1, m) == LESSONS * FEE


def test_dispute_window_boundary(w):
    m, course, order, t = _held(w)
    late = w.enrol(m, P2, course)
    t2 = w.record(m, course, [late]).timestamp
    w.chain.set_time(t + WINDOW - 1)
    w.send(P1, m, "disputeLessons", order)  # last second of the window
    w.chain.set_time(t2 + WINDOW)
    w.reverts(P2, m, "disputeLessons", late, error="Prepaid_DisputeWindowClosed", orderId=late,
              closedAt=t2 + WINDOW)


def test_dispute_lessons_reverts(w):
    m, course, order, _ = _held(w)
    w.reverts(P1, m, "disputeLessons", 99, error="Prepaid_UnknownOrder", orderId=99)
    w.reverts(P2, m, "disputeLessons", order, error="Prepaid_NotOrderParent", caller=P2, orderId=order)
    fresh = w.enrol(m, P2, course)
    w.reverts(P2, m, "disputeLessons", fresh, error="Prepaid_NothingToDispute", orderId=fresh)
    w.send(P1, m, "disputeLessons", order)
    w.reverts(P1, m, "disputeLessons", order, error="Prepaid_AlreadyDisputed", orderId=order)


def test_dispute_under_window_zero_has_nothing_to_dispute(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    at_start(w, course)
    w.record(w.escrow, course, [order])
    w.reverts(P1, w.escrow, "disputeLessons", order, error="Prepaid_NothingToDispute", orderId=order)


def test_resolve_dispute_for_the_institution(w):
    m, course, order, _ = _held(w, 2)
    w.send(P1, m, "disputeLessons", order)
    r = w.send(REGULATOR, m, "resolveDispute", order, True)
    assert r.event("DisputeResolved").args == {"orderId": order, "releasedToInstitution": True, "lessons": 2,
                                               "amountFen": 2 * FEE}
    assert r.event("EarmarkReleased").args == {"wallet": w.addr(P1), "controller": m.address,
                                               "payee": w.addr(SCHOOL), "amountFen": 2 * FEE}
    o = w.order(m, order)
    assert (o["disputed"], o["lessonsPending"], o["lessonsReleased"]) == (False, 0, 2)
    assert w.state(m, order) == OrderState.PARTIALLY_CONSUMED
    assert w.free(SCHOOL) == SCHOOL_FUND + 2 * FEE
    assert w.earmarked(P1, m) == (LESSONS - 2) * FEE
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == (LESSONS - 2) * FEE
    w.record(m, course, [order])  # lessons go on


def test_resolve_dispute_for_the_parent(w):
    m, course, order, _ = _held(w, 2)
    w.send(P1, m, "disputeLessons", order)
    r = w.send(REGULATOR, m, "resolveDispute", order, False)
    assert r.event("DisputeResolved").args == {"orderId": order, "releasedToInstitution": False, "lessons": 2,
                                               "amountFen": 2 * FEE}
    assert r.event("EarmarkReturned").args == {"wallet": w.addr(P1), "controller": m.address, "amountFen": 2 * FEE}
    o = w.order(m, order)
    assert (o["disputed"], o["lessonsPending"], o["lessonsReleased"], o["lessonsReturned"]) == (False, 0, 0, 2)
    assert w.free(P1) == PARENT_FUND - (LESSONS - 2) * FEE
    assert w.free(SCHOOL) == SCHOOL_FUND
    assert w.call(m, "lessonsLeftOf", order) == LESSONS - 2
    assert w.call(m, "refundableAmountOf", order) == (LESSONS - 2) * FEE
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == (LESSONS - 2) * FEE


def test_resolve_dispute_of_the_last_lessons_completes_the_order(w):
    m, course, order, _ = _held(w, 2, order_lessons=2)
    w.send(P1, m, "disputeLessons", order)
    w.send(REGULATOR, m, "resolveDispute", order, True)
    assert w.state(m, order) == OrderState.COMPLETED
    assert w.earmarked(P1, m) == 0


def test_an_order_whose_every_lesson_was_refunded_in_disputes_ends_refunded(w):
    m, course, order, _ = _held(w, 2, order_lessons=2)
    w.send(P1, m, "disputeLessons", order)
    w.send(REGULATOR, m, "resolveDispute", order, False)
    assert w.order(m, order)["status"] == OrderStatus.REFUNDED
    assert w.state(m, order) == OrderState.REFUNDED
    assert w.earmarked(P1, m) == 0 and w.free(P1) == PARENT_FUND


def test_lesson_numbers_keep_counting_after_a_lesson_refunded_in_a_dispute(w):
    m, course, order, _ = _held(w, 2)
    w.send(P1, m, "disputeLessons", order)
    w.send(REGULATOR, m, "resolveDispute", order, False)
    r = w.record(m, course, [order])
    assert r.event("LessonRecorded").args["lessonNumber"] == 3  # lessons 1 and 2 were recorded, then refunded


def test_resolve_dispute_reverts(w):
    m, course, order, _ = _held(w)
    w.reverts(REGULATOR, m, "resolveDispute", order, True, error="Prepaid_NotDisputed", orderId=order)
    w.reverts(REGULATOR, m, "resolveDispute", 99, True, error="Prepaid_UnknownOrder", orderId=99)
    w.send(P1, m, "disputeLessons", order)
    w.reverts(P1, m, "resolveDispute", order, False, error="Prepaid_NotRegulator", caller=P1)
    w.reverts(SCHOOL, m, "resolveDispute", order, True, error="Prepaid_NotRegulator", caller=SCHOOL)
    assert w.state(m, order) == OrderState.DISPUTED


# ----------------------------------------------------------------------------------------- refundOrders


def test_refund_orders_of_a_frozen_institution(w, esc):
    """Domain scenario 4 under escrow: every parent gets the unconsumed balance back; nobody loses a fen."""
    course = w.publish(esc)
    parents = [P1, P2, P3, "parent:4"]
    orders = [w.enrol(esc, p, course) for p in parents]
    at_start(w, course, esc)
    for _ in range(10):
        w.record(esc, course, orders)
        w.chain.advance(days=3)
    w.send(REGULATOR, esc, "freezeInstitution", SCHOOL)
    window = esc is w.escrow_w
    delivered = 9 if window else 10  # under a window the tenth lesson is still held: refunded too
    owed = (LESSONS - delivered) * FEE
    r = w.send(REGULATOR, esc, "refundOrders", SCHOOL, orders)
    assert [e.args for e in r.events_named("OrderRefunded")] == [
        {"orderId": o, "parent": w.addr(p), "refundFen": owed, "unconsumedFen": owed} for o, p in zip(orders, parents)]
    assert len(r.events_named("EarmarkReturned")) == 4
    for p, o in zip(parents, orders):
        assert w.free(p) == w.balance(p) == PARENT_FUND - delivered * FEE
        assert w.state(esc, o) == OrderState.REFUNDED
        assert w.call(esc, "refundableAmountOf", o) == 0
    assert w.free(SCHOOL) == SCHOOL_FUND + 4 * delivered * FEE
    assert w.call(esc, "supervisedBalanceOf", SCHOOL) == 0
    assert w.view("earmarkedTotalOf", esc) == 0
    # a second run finds nothing: each order skipped, no token call
    r = w.send(REGULATOR, esc, "refundOrders", SCHOOL, orders)
    assert skipped(r) == {o: Skip.NOT_ACTIVE for o in orders}
    assert r.events_named("EarmarkReturned") == []


def test_refund_orders_frozen_only_regulator(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL)
    w.reverts(P1, w.escrow, "refundOrders", SCHOOL, [order], error="Prepaid_NotRegulator", caller=P1)
    w.reverts(SCHOOL, w.escrow, "refundOrders", SCHOOL, [order], error="Prepaid_NotRegulator", caller=SCHOOL)
    assert w.earmarked(P1, w.escrow) == LESSONS * FEE


def test_refund_orders_not_open(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    w.reverts(REGULATOR, w.escrow, "refundOrders", SCHOOL, [order], error="Prepaid_RefundsNotOpen",
              institution=SCHOOL)
    closes_at = w.send(SCHOOL, w.escrow, "announceClosure").timestamp + 30 * DAY
    w.chain.set_time(closes_at - 1)
    w.reverts(P1, w.escrow, "refundOrders", SCHOOL, [order], error="Prepaid_RefundsNotOpen", institution=SCHOOL)
    w.reverts(REGULATOR, w.escrow, "refundOrders", "school:z", [order], error="Prepaid_RefundsNotOpen")


def test_refund_orders_after_closure_anyone(w):
    """Domain scenario 7: the school relocates with 30 days' notice; afterwards anyone may trigger refunds."""
    course = w.publish(w.escrow)
    orders = [w.enrol(w.escrow, p, course) for p in (P1, P2)]
    at_start(w, course)
    for _ in range(4):
        w.record(w.escrow, course, orders)
    closes_at = w.send(SCHOOL, w.escrow, "announceClosure").timestamp + 30 * DAY
    w.chain.set_time(closes_at)
    assert w.call(w.escrow, "institutionStatusOf", SCHOOL) == InstitutionStatus.CLOSED
    r = w.send(P1, w.escrow, "refundOrders", SCHOOL, orders)
    assert [e.args["refundFen"] for e in r.events_named("OrderRefunded")] == [16 * FEE, 16 * FEE]
    assert w.free(P2) == PARENT_FUND - 4 * FEE
    assert w.call(w.escrow, "supervisedBalanceOf", SCHOOL) == 0


def test_refund_orders_frozen_and_closed_anyone(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course)
    closes_at = w.send(SCHOOL, w.escrow, "announceClosure").timestamp + 30 * DAY
    w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL)
    w.reverts(P2, w.escrow, "refundOrders", SCHOOL, [order], error="Prepaid_NotRegulator")
    w.chain.set_time(closes_at)
    w.send(P2, w.escrow, "refundOrders", SCHOOL, [order])
    assert w.free(P1) == PARENT_FUND


def test_refund_orders_skips_other_institutions_and_settled_orders(w):
    mine = w.publish(w.escrow)
    theirs = w.publish(w.escrow, SCHOOL_B)
    live = w.enrol(w.escrow, P1, mine)
    cancelled = w.enrol(w.escrow, P2, mine)
    foreign = w.enrol(w.escrow, P3, theirs)
    w.send(P2, w.escrow, "cancelOrder", cancelled)
    w.send(REGULATOR, w.escrow, "freezeInstitution", SCHOOL)
    r = w.send(REGULATOR, w.escrow, "refundOrders", SCHOOL, [foreign, cancelled, live, 999])
    assert skipped(r) == {foreign: Skip.WRONG_INSTITUTION, cancelled: Skip.NOT_ACTIVE,
                          999: Skip.WRONG_INSTITUTION}
    assert [e.args["orderId"] for e in r.events_named("OrderRefunded")] == [live]
    assert w.earmarked(P3, w.escrow) == LESSONS * FEE
    assert w.state(w.escrow, foreign) == OrderState.LOCKED


def test_refund_orders_of_a_frozen_school_returns_held_and_disputed_lessons(w):
    """A freeze is the regulator finding the school at fault: nothing more is paid to it."""
    m = w.escrow_w
    course = w.publish(m, end=START + 4 * DAY)  # three lessons inside one dispute window
    disputed = w.enrol(m, P1, course)
    cancelled = w.enrol(m, P2, course)
    at_start(w, course, m)
    for _ in range(3):
        w.record(m, course, [disputed, cancelled])
    w.send(P1, m, "disputeLessons", disputed)
    w.send(P2, m, "cancelOrder", cancelled)  # 17 back now; 3 lessons stay held
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    r = w.send(REGULATOR, m, "refundOrders", SCHOOL, [disputed, cancelled])
    assert [(e.args["orderId"], e.args["refundFen"]) for e in r.events_named("OrderRefunded")] == [
        (disputed, LESSONS * FEE), (cancelled, 3 * FEE)]
    assert w.free(P1) == w.free(P2) == PARENT_FUND
    assert w.state(m, disputed) == OrderState.REFUNDED
    assert w.order(m, disputed)["disputed"] is False
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0
    assert w.free(SCHOOL) == SCHOOL_FUND


def test_refund_after_an_unfrozen_closure_pays_the_school_its_matured_lessons_first(w):
    """Held lessons whose window passed undisputed are the school's: a refund after the closure pays them to it
    first, so it makes no difference whether releaseMatured or refundOrders is called first."""
    m = w.escrow_w
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    at_start(w, course, m)
    w.record(m, course, [order])
    w.record(m, course, [order])  # two lessons held
    closes_at = w.send(SCHOOL, m, "announceClosure").timestamp + 30 * DAY  # their windows pass meanwhile
    w.chain.set_time(closes_at)
    r = w.send(P2, m, "refundOrders", SCHOOL, [order])
    assert r.event("LessonsReleased").args == {"orderId": order, "lessons": 2, "amountFen": 2 * FEE,
                                               "lessonsReleased": 2}
    assert r.event("OrderRefunded").args["refundFen"] == (LESSONS - 2) * FEE
    assert w.free(SCHOOL) == SCHOOL_FUND + 2 * FEE
    assert w.free(P1) == PARENT_FUND - 2 * FEE
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0 and w.earmarked(P1, m) == 0


def test_refund_after_an_unfrozen_closure_of_an_order_with_only_matured_lessons_left(w):
    m = w.escrow_w
    course = w.publish(m)
    order = w.enrol(m, P1, course, 2)
    at_start(w, course, m)
    w.record(m, course, [order])
    w.record(m, course, [order])
    w.chain.set_time(w.send(SCHOOL, m, "announceClosure").timestamp + 30 * DAY)
    r = w.send(P2, m, "refundOrders", SCHOOL, [order])
    assert skipped(r) == {} and r.events_named("OrderRefunded") == []
    assert r.event("LessonsReleased").args["lessons"] == 2
    assert w.state(m, order) == OrderState.COMPLETED and w.free(SCHOOL) == SCHOOL_FUND + 2 * FEE


# ----------------------------------------------------------------------------------------- onWalletClose


def test_on_wallet_close_only_token(w, esc):
    course = w.publish(esc)
    w.enrol(esc, P1, course)
    w.reverts(P1, esc, "onWalletClose", P1, error="Prepaid_NotToken", caller=P1)
    w.reverts(BANK, esc, "onWalletClose", P1, error="Prepaid_NotToken", caller=BANK)
    assert w.earmarked(P1, esc) == LESSONS * FEE


def test_close_wallet_refunds_every_active_order(w):
    c1 = w.publish(w.escrow)
    c2 = w.publish(w.escrow, SCHOOL_B, fee=10_000, lessons=10)
    o1 = w.enrol(w.escrow, P1, c1)
    o2 = w.enrol(w.escrow, P1, c2, 10)
    o3 = w.enrol(w.escrow, P1, c2, 1)  # renewal allowed: completed below before the close
    at_start(w, c1)
    w.record(w.escrow, c1, [o1])
    w.record(w.escrow, c2, [o3], school=SCHOOL_B)
    r = w.tok(P1, "closeWallet", P1)
    assert [(e.args["orderId"], e.args["refundFen"]) for e in r.events_named("OrderRefunded")] == [
        (o1, (LESSONS - 1) * FEE), (o2, 100_000)]
    assert r.event("WalletClosed").args["redeemedFen"] == PARENT_FUND - FEE - 10_000
    assert w.state(w.escrow, o1) == w.state(w.escrow, o2) == OrderState.REFUNDED
    assert w.state(w.escrow, o3) == OrderState.COMPLETED
    assert w.call(w.escrow, "supervisedBalanceOf", SCHOOL) == 0
    assert w.call(w.escrow, "supervisedBalanceOf", SCHOOL_B) == 0


def test_close_wallet_refused_while_lessons_are_held(w):
    m, course, order, t = _held(w, 2)
    w.reverts(P1, w.token, "closeWallet", P1, error="ECNY_WalletHasEarmarks", wallet=P1, controller=m,
              amountFen=2 * FEE)
    assert w.state(m, order) == OrderState.PARTIALLY_CONSUMED
    assert w.earmarked(P1, m) == LESSONS * FEE
    w.chain.set_time(t + WINDOW)
    w.send(SCHOOL, m, "releaseMatured", course, [order])
    r = w.tok(P1, "closeWallet", P1)
    assert r.event("OrderRefunded").args["refundFen"] == (LESSONS - 2) * FEE
    assert r.event("WalletClosed").args["redeemedFen"] == PARENT_FUND - 2 * FEE
    assert w.state(m, order) == OrderState.REFUNDED


# ----------------------------------------------------------------------------------------- orderStateOf


def test_order_state_of_every_state(w):
    m = w.escrow_w
    course = w.publish(m)
    ids = {name: w.enrol(m, p, course, 2) for name, p in
           (("locked", P1), ("partial", P2), ("disputed", P3), ("completed", "parent:4"), ("cancelled", "parent:5"),
            ("refunded", "parent:6"))}
    at_start(w, course, m)
    w.record(m, course, [ids["partial"], ids["disputed"], ids["completed"]])
    w.send(P3, m, "disputeLessons", ids["disputed"])
    w.record(m, course, [ids["completed"]])
    w.chain.advance(days=3)
    w.send(P1, m, "releaseMatured", course, [ids["completed"]])
    w.send("parent:5", m, "cancelOrder", ids["cancelled"])
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    w.send(REGULATOR, m, "refundOrders", SCHOOL, [ids["refunded"]])
    assert {k: w.state(m, v) for k, v in ids.items()} == {
        "locked": OrderState.LOCKED, "partial": OrderState.PARTIALLY_CONSUMED, "disputed": OrderState.DISPUTED,
        "completed": OrderState.COMPLETED, "cancelled": OrderState.CANCELLED, "refunded": OrderState.REFUNDED}
    assert w.call(m, "orderStateOf", 999) == OrderState.NONE
    assert [w.call(m, "lessonsLeftOf", ids[k]) for k in ("locked", "partial", "completed", "refunded")] == [2, 1, 0, 0]
    assert w.call(m, "releasableAmountOf", ids["partial"]) == FEE
    assert w.call(m, "releasableAmountOf", ids["disputed"]) == 0


# ----------------------------------------------------------------------------------------- contract bugs
# These assert the documented behaviour; they fail against the current contracts (see the test report).


def test_renewal_counts_every_active_order_of_the_course(w):
    """Renewal is allowed only when 20 class hours or fewer remain. PrepaidBase._checkCaps compares the limit
    with the hours left in the parent's *latest* order of the course only, so 20-hour orders stack without a
    lesson delivered (and more lessons are prepaid than the course has)."""
    course = w.publish(w.escrow)  # 20 lessons x 1 h
    w.enrol(w.escrow, P1, course)  # 20 h left
    w.enrol(w.escrow, P1, course)  # a renewal with 20 h left: allowed; 40 h are now prepaid
    w.tok(P1, "approveEarmark", w.escrow, LESSONS * FEE)
    w.reverts(P1, w.escrow, "enrol", course, LESSONS, error="Prepaid_RenewalTooEarly",
              classHoursLeft=40, maxHoursLeft=20)


def test_each_held_lesson_matures_at_its_own_releasable_at(w):
    """LessonRecorded says a lesson's fee "is held until releasableAt": each held lesson matures at its own
    time, so recording the next lesson inside the window does not restart the earlier one's."""
    m = w.escrow_w
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    at_start(w, course, m)
    first = w.record(m, course, [order])
    releasable_at = first.event("LessonRecorded").args["releasableAt"]
    w.chain.set_time(first.timestamp + DAY)
    w.record(m, course, [order])  # the next lesson, a day later
    w.chain.set_time(releasable_at)
    assert w.call(m, "releasableAmountOf", order) == FEE
    r = w.send(SCHOOL, m, "releaseMatured", course, [order])
    assert r.event("LessonsReleased").args == {"orderId": order, "lessons": 1, "amountFen": FEE,
                                               "lessonsReleased": 1}
