"""UpfrontPrepaid: the school is paid at enrolment; with `depositBps` 2000 (`w.upfront`) a fifth of every fee
stays earmarked in the school's own wallet as a risk deposit, with 0 (`w.upfront0`) nothing is supervised.
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
    RULES,
    SCHOOL,
    SCHOOL_B,
    SCHOOL_FUND,
    START,
    InstitutionStatus,
    OrderState,
    OrderStatus,
    Skip,
)
from ecny_sim.chain.clock import DAY
from ecny_sim.chain.errors import ContractRevert

P1, P2, P3 = "parent:1", "parent:2", "parent:3"
RULE_FIELDS = ("maxClassHoursPerOrder", "maxOrderSpan", "maxChargeFen", "maxPrepayLead", "renewalMaxHoursLeft",
               "disputeWindow", "closureNotice")
RULES_D = dict(zip(RULE_FIELDS, RULES))
TERM_FEE = LESSONS * FEE  # ¥3,000
DEPOSIT = TERM_FEE * 2000 // 10_000  # ¥600


@pytest.fixture(params=["upfront", "upfront0"])
def up(request, w):
    """Each upfront instance in turn: 20 % deposit and none."""
    return getattr(w, request.param)


def deposit_of(w, m, fee):
    return fee * w.call(m, "depositBps") // 10_000


def skipped(result) -> dict[int, int]:
    return {e.args["orderId"]: e.args["reason"] for e in result.events_named("LessonSkipped")}


def at_start(w):
    w.chain.set_time(max(w.chain.now, START))


def school_allows(w, m, school=SCHOOL):
    """The school lets the contract take refunds from its free money."""
    w.tok(school, "approveEarmark", m, MAX_UINT)


# ----------------------------------------------------------------------------------------- deployment / views


def test_deployment_views(w, up):
    assert w.call(up, "depositBps") == (2000 if up is w.upfront else 0)
    assert w.call(up, "token") == w.token.address
    assert w.call(up, "regulator") == w.addr(REGULATOR)
    assert w.call(up, "rules") == RULES_D
    assert w.call(up, "courseCount") == 0 and w.call(up, "orderCount") == 0
    assert w.call(up, "owedByInstitution", SCHOOL) == 0
    assert w.call(up, "supervisedBalanceOf", SCHOOL) == 0
    assert w.call(up, "depositOfOrder", 1) == 0
    assert w.call(up, "institutionStatusOf", SCHOOL) == InstitutionStatus.APPROVED
    assert w.call(up, "closesAtOf", SCHOOL) == 0
    assert w.call(up, "ordersOfParent", P1) == []


def test_constructor_deposit_share(w):
    art = w.art["UpfrontPrepaid"]
    with pytest.raises(ContractRevert) as exc:
        w.chain.deploy("up-bad", art["abi"], art["bytecode"], BANK, (w.token, REGULATOR, RULES, 10_001))
    assert exc.value.error_name == "Prepaid_InvalidDepositShare"
    assert exc.value.args == {"depositBps": 10_001}
    full = w.chain.deploy("up-full", art["abi"], art["bytecode"], BANK, (w.token, REGULATOR, RULES, 10_000))
    assert w.call(full, "depositBps") == 10_000


def test_constructor_rejects_invalid_rules(w):
    art = w.art["UpfrontPrepaid"]
    with pytest.raises(ContractRevert) as exc:
        w.chain.deploy("up-bad", art["abi"], art["bytecode"], BANK,
                       (w.token, REGULATOR, RULES_D | {"closureNotice": 0}, 2000))
    assert exc.value.error_name == "Prepaid_InvalidRules"


# ----------------------------------------------------------------------------------------- regulator / institution


def test_set_rules(w):
    new = RULES_D | {"maxClassHoursPerOrder": 10}
    r = w.send(REGULATOR, w.upfront, "setRules", new)
    assert r.event("RulesUpdated").args == {"rules": new}
    assert w.call(w.upfront, "rules") == new
    w.reverts(REGULATOR, w.upfront, "setRules", RULES_D | {"maxOrderSpan": 0}, error="Prepaid_InvalidRules")
    w.reverts(SCHOOL, w.upfront, "setRules", RULES_D, error="Prepaid_NotRegulator", caller=SCHOOL)
    assert w.call(w.upfront, "rules") == new


def test_approve_institution(w):
    r = w.send(REGULATOR, w.upfront, "approveInstitution", "school:new")
    assert r.event("InstitutionApproved").args == {"institution": w.addr("school:new")}
    assert w.call(w.upfront, "institutionStatusOf", "school:new") == InstitutionStatus.APPROVED
    w.reverts(REGULATOR, w.upfront, "approveInstitution", "school:new", error="Prepaid_AlreadyApproved")
    w.reverts(P1, w.upfront, "approveInstitution", "school:x", error="Prepaid_NotRegulator", caller=P1)
    assert w.call(w.upfront, "institutionStatusOf", "school:x") == InstitutionStatus.UNKNOWN


def test_freeze_institution(w):
    w.reverts(P1, w.upfront, "freezeInstitution", SCHOOL, error="Prepaid_NotRegulator", caller=P1)
    w.reverts(REGULATOR, w.upfront, "freezeInstitution", "school:z", error="Prepaid_NotApprovedInstitution")
    r = w.send(REGULATOR, w.upfront, "freezeInstitution", SCHOOL)
    assert r.event("InstitutionFrozen").args == {"institution": w.addr(SCHOOL)}
    assert w.call(w.upfront, "institutionStatusOf", SCHOOL) == InstitutionStatus.FROZEN
    w.reverts(REGULATOR, w.upfront, "freezeInstitution", SCHOOL, error="Prepaid_AlreadyFrozen", institution=SCHOOL)


def test_announce_closure(w):
    w.reverts("school:z", w.upfront, "announceClosure", error="Prepaid_NotApprovedInstitution")
    r = w.send(SCHOOL, w.upfront, "announceClosure")
    closes_at = r.timestamp + 30 * DAY
    assert r.event("ClosureAnnounced").args == {"institution": w.addr(SCHOOL), "closesAt": closes_at}
    assert w.call(w.upfront, "closesAtOf", SCHOOL) == closes_at
    assert w.call(w.upfront, "institutionStatusOf", SCHOOL) == InstitutionStatus.CLOSING
    w.reverts(SCHOOL, w.upfront, "announceClosure", error="Prepaid_ClosureAlreadyAnnounced", closesAt=closes_at)
    w.chain.set_time(closes_at)
    assert w.call(w.upfront, "institutionStatusOf", SCHOOL) == InstitutionStatus.CLOSED
    w.send(REGULATOR, w.upfront, "freezeInstitution", SCHOOL_B)
    w.reverts(SCHOOL_B, w.upfront, "announceClosure", error="Prepaid_InstitutionFrozen", institution=SCHOOL_B)


def test_publish_course(w):
    r = w.send(SCHOOL, w.upfront, "publishCourse", FEE, LESSONS, 1, START, END)
    assert r.return_value == 1
    assert r.event("CoursePublished").args == {
        "courseId": 1, "institution": w.addr(SCHOOL), "feePerLessonFen": FEE, "lessons": LESSONS,
        "classHoursPerLesson": 1, "start": START, "end": END}
    assert w.call(w.upfront, "courseOf", 1)["institution"] == w.addr(SCHOOL)
    assert w.call(w.upfront, "courseCount") == 1
    w.reverts(SCHOOL, w.upfront, "publishCourse", FEE, LESSONS, 1, END, END, error="Prepaid_InvalidCourse",
              start=END, end=END)
    w.reverts(P1, w.upfront, "publishCourse", FEE, LESSONS, 1, START, END, error="Prepaid_NotApprovedInstitution")
    w.send(REGULATOR, w.upfront, "freezeInstitution", SCHOOL_B)
    w.reverts(SCHOOL_B, w.upfront, "publishCourse", FEE, LESSONS, 1, START, END, error="Prepaid_InstitutionFrozen")
    w.send(SCHOOL, w.upfront, "announceClosure")
    w.reverts(SCHOOL, w.upfront, "publishCourse", FEE, LESSONS, 1, START, END, error="Prepaid_InstitutionClosing")


# ----------------------------------------------------------------------------------------- enrol


def test_enrol_pays_the_school_and_locks_the_deposit(w):
    course = w.publish(w.upfront)
    w.tok(P1, "approveEarmark", w.upfront, TERM_FEE)
    r = w.send(P1, w.upfront, "enrol", course, LESSONS)
    order = r.return_value
    assert r.event("OrderPlaced").args == {
        "orderId": order, "parent": w.addr(P1), "courseId": course, "lessons": LESSONS, "feeFen": TERM_FEE}
    assert r.event("DepositLocked").args == {"orderId": order, "institution": w.addr(SCHOOL), "amountFen": DEPOSIT}
    assert r.event("Earmarked").args == {"wallet": w.addr(P1), "controller": w.upfront.address, "amountFen": TERM_FEE}
    assert r.event("EarmarkReleased").args == {"wallet": w.addr(P1), "controller": w.upfront.address,
                                               "payee": w.addr(SCHOOL), "amountFen": TERM_FEE - DEPOSIT}
    assert r.event("EarmarkMoved").args == {"from": w.addr(P1), "to": w.addr(SCHOOL),
                                            "controller": w.upfront.address, "amountFen": DEPOSIT}
    assert w.balance(P1) == w.free(P1) == PARENT_FUND - TERM_FEE
    assert w.earmarked(P1, w.upfront) == 0
    assert w.free(SCHOOL) == SCHOOL_FUND + TERM_FEE - DEPOSIT  # ¥2,400 to spend
    assert w.earmarked(SCHOOL, w.upfront) == DEPOSIT  # ¥600 locked in its own wallet
    assert w.balance(SCHOOL) == SCHOOL_FUND + TERM_FEE
    assert w.call(w.upfront, "depositOfOrder", order) == DEPOSIT
    assert w.call(w.upfront, "supervisedBalanceOf", SCHOOL) == DEPOSIT
    assert w.call(w.upfront, "owedByInstitution", SCHOOL) == TERM_FEE
    assert w.state(w.upfront, order) == OrderState.LOCKED
    assert w.call(w.upfront, "refundableAmountOf", order) == TERM_FEE
    assert w.call(w.upfront, "ordersOfParent", P1) == [order]
    assert w.order(w.upfront, order)["status"] == OrderStatus.ACTIVE


def test_enrol_unsupervised_pays_everything(w):
    m = w.upfront0
    course = w.publish(m)
    w.tok(P1, "approveEarmark", m, TERM_FEE)
    r = w.send(P1, m, "enrol", course, LESSONS)
    assert r.events_named("DepositLocked") == [] and r.events_named("EarmarkMoved") == []
    assert r.event("EarmarkReleased").args["amountFen"] == TERM_FEE
    assert w.free(SCHOOL) == SCHOOL_FUND + TERM_FEE
    assert w.earmarked(SCHOOL, m) == 0
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0
    assert w.call(m, "owedByInstitution", SCHOOL) == TERM_FEE
    assert w.call(m, "depositOfOrder", r.return_value) == 0


def test_enrol_deposit_rounds_down(w):
    course = w.publish(w.upfront, fee=1_001, lessons=3)
    order = w.enrol(w.upfront, P1, course, 3)
    assert w.call(w.upfront, "depositOfOrder", order) == 3_003 * 2000 // 10_000 == 600
    assert w.free(SCHOOL) == SCHOOL_FUND + 3_003 - 600


@pytest.mark.parametrize("case", ["hours", "span", "charge", "early", "renewal", "ended", "count", "unknown",
                                  "frozen", "closing"])
def test_enrol_caps(w, case):
    """The caps are shared with the escrow (PrepaidBase); each is refused here too, with its own error."""
    m = w.upfront
    w.tok(P1, "approveEarmark", m, MAX_UINT)
    course, lessons = w.publish(m), LESSONS
    expected: dict = {}
    if case == "hours":
        course, error, expected = w.publish(m, hours=4), "Prepaid_ClassHoursCapExceeded", {"classHours": 80}
    elif case == "span":
        course, error = w.publish(m, end=START + 93 * DAY), "Prepaid_OrderSpanTooLong"
        expected = {"spanSeconds": 93 * DAY, "capSeconds": 92 * DAY}
    elif case == "charge":
        course, error, expected = w.publish(m, fee=25_001), "Prepaid_ChargeCapExceeded", {"chargeFen": 500_020}
    elif case == "early":
        start = w.chain.now + 31 * DAY
        course, error = w.publish(m, start=start, end=start + DAY), "Prepaid_ChargeTooEarly"
        expected = {"courseStart": start, "earliestChargeAt": start - 30 * DAY}
    elif case == "renewal":
        course = w.publish(m, hours=2)
        w.send(P1, m, "enrol", course, 11)
        error, lessons, expected = "Prepaid_RenewalTooEarly", 1, {"classHoursLeft": 22, "maxHoursLeft": 20}
    elif case == "ended":
        w.chain.set_time(END)
        error, expected = "Prepaid_CourseEnded", {"courseId": course, "end": END}
    elif case == "count":
        error, lessons, expected = "Prepaid_InvalidLessonCount", 21, {"requested": 21, "courseLessons": LESSONS}
    elif case == "unknown":
        course, error = 77, "Prepaid_UnknownCourse"
    elif case == "frozen":
        w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
        error = "Prepaid_InstitutionFrozen"
    else:
        w.send(SCHOOL, m, "announceClosure")
        error = "Prepaid_InstitutionClosing"
    orders = w.call(m, "orderCount")
    w.reverts(P1, m, "enrol", course, lessons, error=error, **expected)
    assert w.call(m, "orderCount") == orders


def test_enrol_renewal_allowed_with_20_hours_left(w):
    m = w.upfront
    course = w.publish(m, hours=2)
    first = w.enrol(m, P1, course, 11)
    at_start(w)
    w.record(m, course, [first])  # 10 lessons = 20 h left
    second = w.enrol(m, P1, course, 5)
    assert w.call(m, "ordersOfParent", P1) == [first, second]


# ----------------------------------------------------------------------------------------- recordLesson


def test_record_lesson_counts_delivery_without_moving_money(w, up):
    course = w.publish(up)
    orders = [w.enrol(up, p, course) for p in (P1, P2)]
    school_free = w.free(SCHOOL)
    at_start(w)
    r = w.record(up, course, orders)
    assert [e.args for e in r.events_named("LessonDelivered")] == [
        {"orderId": o, "lessonNumber": 1} for o in orders]
    assert [e for e in r.events if e.contract == "ECNY"] == []
    assert w.free(SCHOOL) == school_free
    assert w.call(up, "owedByInstitution", SCHOOL) == 2 * (TERM_FEE - FEE)
    assert w.call(up, "supervisedBalanceOf", SCHOOL) == 2 * deposit_of(w, up, TERM_FEE)
    assert w.state(up, orders[0]) == OrderState.PARTIALLY_CONSUMED
    assert w.call(up, "lessonsLeftOf", orders[0]) == LESSONS - 1
    assert w.call(up, "refundableAmountOf", orders[0]) == TERM_FEE - FEE
    assert w.order(up, orders[0])["lessonsReleased"] == 1


def test_record_lesson_completes_and_skips(w):
    m = w.upfront
    course = w.publish(m)
    other = w.publish(m)
    short = w.enrol(m, P1, course, 2)
    cancelled = w.enrol(m, P2, course)
    elsewhere = w.enrol(m, P3, other)
    school_allows(w, m)
    w.send(P2, m, "cancelOrder", cancelled)
    at_start(w)
    w.record(m, course, [short])
    r = w.record(m, course, [short, cancelled, elsewhere, 999])
    assert r.event("LessonDelivered").args == {"orderId": short, "lessonNumber": 2}
    assert skipped(r) == {cancelled: Skip.NOT_ACTIVE, elsewhere: Skip.NOT_IN_COURSE, 999: Skip.NOT_IN_COURSE}
    assert w.state(m, short) == OrderState.COMPLETED
    assert w.call(m, "refundableAmountOf", short) == 0
    r = w.record(m, course, [short])
    assert skipped(r) == {short: Skip.NOT_ACTIVE}
    assert w.call(m, "owedByInstitution", SCHOOL) == TERM_FEE  # only `elsewhere` is still owed


def test_record_lesson_reverts(w):
    m = w.upfront
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    w.reverts(SCHOOL_B, m, "recordLesson", course, [order], error="Prepaid_NotCourseInstitution",
              caller=SCHOOL_B, courseId=course)
    w.reverts(SCHOOL, m, "recordLesson", 42, [order], error="Prepaid_UnknownCourse", courseId=42)
    closes_at = w.send(SCHOOL, m, "announceClosure").timestamp + 30 * DAY
    w.record(m, course, [order])  # still delivering during the notice
    w.chain.set_time(closes_at)
    w.reverts(SCHOOL, m, "recordLesson", course, [order], error="Prepaid_InstitutionClosed", institution=SCHOOL)
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    w.reverts(SCHOOL, m, "recordLesson", course, [order], error="Prepaid_InstitutionFrozen", institution=SCHOOL)
    assert w.call(m, "lessonsLeftOf", order) == LESSONS - 1


# ----------------------------------------------------------------------------------------- cancelOrder


def test_cancel_order_paid_from_the_schools_free_money(w):
    m = w.upfront
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    at_start(w)
    for _ in range(8):
        w.record(m, course, [order])
    school_allows(w, m)
    r = w.send(P1, m, "cancelOrder", order)
    refund = 12 * FEE  # ¥1,800
    assert r.event("OrderCancelled").args == {"orderId": order, "parent": w.addr(P1), "refundFen": refund,
                                              "lessonsUnused": 12}
    assert r.event("DepositReleased").args == {"orderId": order, "institution": w.addr(SCHOOL), "amountFen": DEPOSIT}
    assert r.event("EarmarkReturned").args == {"wallet": w.addr(SCHOOL), "controller": m.address,
                                               "amountFen": DEPOSIT}
    assert r.event("Earmarked").args == {"wallet": w.addr(SCHOOL), "controller": m.address, "amountFen": refund}
    assert r.event("EarmarkReleased").args == {"wallet": w.addr(SCHOOL), "controller": m.address,
                                               "payee": w.addr(P1), "amountFen": refund}
    assert w.free(P1) == PARENT_FUND - TERM_FEE + refund
    assert w.free(SCHOOL) == w.balance(SCHOOL) == SCHOOL_FUND + 8 * FEE
    assert w.call(m, "owedByInstitution", SCHOOL) == 0
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0
    assert w.call(m, "depositOfOrder", order) == 0
    assert w.state(m, order) == OrderState.CANCELLED
    assert w.order(m, order)["lessonsReturned"] == 12


def test_cancel_order_unsupervised(w):
    m = w.upfront0
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    school_allows(w, m)
    r = w.send(P1, m, "cancelOrder", order)
    assert r.events_named("DepositReleased") == []
    assert w.free(P1) == PARENT_FUND
    assert w.free(SCHOOL) == SCHOOL_FUND


def test_cancel_order_needs_the_schools_allowance(w):
    course = w.publish(w.upfront)
    order = w.enrol(w.upfront, P1, course)
    w.reverts(P1, w.upfront, "cancelOrder", order, error="ECNY_InsufficientAllowance",
              wallet=SCHOOL, controller=w.upfront, allowanceFen=0, neededFen=TERM_FEE)
    assert w.state(w.upfront, order) == OrderState.LOCKED


def test_cancel_order_fails_when_the_school_emptied_its_wallet(w, up):
    course = w.publish(up)
    order = w.enrol(up, P1, course)
    school_allows(w, up)
    w.tok(SCHOOL, "transfer", SCHOOL_B, w.free(SCHOOL))  # the owner takes the money and runs
    deposit = deposit_of(w, up, TERM_FEE)
    # the order's deposit goes back to the school first, then the refund cannot be covered
    w.reverts(P1, up, "cancelOrder", order, error="ECNY_InsufficientFree",
              wallet=SCHOOL, freeFen=deposit, neededFen=TERM_FEE)
    assert w.state(up, order) == OrderState.LOCKED
    assert w.free(P1) == PARENT_FUND - TERM_FEE
    assert w.earmarked(SCHOOL, up) == deposit


def test_cancel_order_reverts(w):
    m = w.upfront
    course = w.publish(m)
    order = w.enrol(m, P1, course, 1)
    school_allows(w, m)
    w.reverts(P1, m, "cancelOrder", 99, error="Prepaid_UnknownOrder", orderId=99)
    w.reverts(P2, m, "cancelOrder", order, error="Prepaid_NotOrderParent", caller=P2, orderId=order)
    at_start(w)
    w.record(m, course, [order])  # completed
    w.reverts(P1, m, "cancelOrder", order, error="Prepaid_OrderNotActive", orderId=order)
    live = w.enrol(m, P2, course)
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    w.reverts(P2, m, "cancelOrder", live, error="Prepaid_InstitutionFrozen", institution=SCHOOL)


# ----------------------------------------------------------------------------------------- releaseDeposits


def test_release_deposits_after_the_course_ends(w):
    m = w.upfront
    course = w.publish(m)
    other = w.publish(m)
    orders = [w.enrol(m, p, course) for p in (P1, P2)]
    elsewhere = w.enrol(m, P3, other)
    r = w.send(P3, m, "releaseDeposits", course, orders)
    assert skipped(r) == {o: Skip.COURSE_NOT_ENDED for o in orders}
    assert w.earmarked(SCHOOL, m) == 3 * DEPOSIT
    w.chain.set_time(END)
    school_free = w.free(SCHOOL)
    r = w.send(P3, m, "releaseDeposits", course, orders + [elsewhere])  # anyone may call
    assert [e.args for e in r.events_named("DepositReleased")] == [
        {"orderId": o, "institution": w.addr(SCHOOL), "amountFen": DEPOSIT} for o in orders]
    assert skipped(r) == {elsewhere: Skip.NOT_IN_COURSE}
    assert r.event("EarmarkReturned").args == {"wallet": w.addr(SCHOOL), "controller": m.address,
                                               "amountFen": 2 * DEPOSIT}
    assert w.free(SCHOOL) == school_free + 2 * DEPOSIT
    assert w.earmarked(SCHOOL, m) == DEPOSIT
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == DEPOSIT
    assert [w.call(m, "depositOfOrder", o) for o in orders] == [0, 0]
    r = w.send(SCHOOL, m, "releaseDeposits", course, orders)
    assert skipped(r) == {o: Skip.NOTHING_LEFT for o in orders}
    assert r.events_named("EarmarkReturned") == []


def test_release_deposits_unsupervised_has_nothing(w):
    m = w.upfront0
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    w.chain.set_time(END)
    r = w.send(SCHOOL, m, "releaseDeposits", course, [order])
    assert skipped(r) == {order: Skip.NOTHING_LEFT}


def test_release_deposits_reverts(w):
    m = w.upfront
    course = w.publish(m)
    order = w.enrol(m, P1, course)
    w.reverts(SCHOOL, m, "releaseDeposits", 42, [order], error="Prepaid_UnknownCourse", courseId=42)
    w.chain.set_time(END)
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    w.reverts(SCHOOL, m, "releaseDeposits", course, [order], error="Prepaid_InstitutionFrozen", institution=SCHOOL)
    assert w.earmarked(SCHOOL, m) == DEPOSIT


# ----------------------------------------------------------------------------------------- freeze + refundOrders


def test_frozen_deposit_shared_pro_rata(w):
    """Domain scenario 4 under a 20 % deposit: 40 pupils x 20 x ¥150, 10 delivered, then the school absconds.
    ¥60,000 unconsumed, ¥24,000 deposit: each parent gets ¥600 of ¥1,500 owed; they lose ¥36,000 in all."""
    m = w.upfront
    parents = w.parents(40)
    course = w.publish(m)
    orders = [w.enrol(m, p, course) for p in parents]
    at_start(w)
    for _ in range(10):
        w.record(m, course, orders)
    assert w.call(m, "owedByInstitution", SCHOOL) == 6_000_000
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 2_400_000
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    r1 = w.send(REGULATOR, m, "refundOrders", SCHOOL, orders[:25])
    r2 = w.send(REGULATOR, m, "refundOrders", SCHOOL, orders[25:])
    refunded = r1.events_named("OrderRefunded") + r2.events_named("OrderRefunded")
    assert [e.args for e in refunded] == [
        {"orderId": o, "parent": w.addr(p), "refundFen": 60_000, "unconsumedFen": 150_000}
        for o, p in zip(orders, parents)]
    shared = r1.events_named("DepositShared") + r2.events_named("DepositShared")
    assert [e.args for e in shared] == [
        {"orderId": o, "parent": w.addr(p), "amountFen": 60_000} for o, p in zip(orders, parents)]
    releases = r1.events_named("EarmarkReleased") + r2.events_named("EarmarkReleased")
    assert all(e.args["wallet"] == w.addr(SCHOOL) and e.args["amountFen"] == 60_000 for e in releases)
    assert len(releases) == 40
    lost = 0
    for p, o in zip(parents, orders):
        assert w.free(p) == PARENT_FUND - TERM_FEE + 60_000
        lost += 150_000 - 60_000
        assert w.state(m, o) == OrderState.REFUNDED
    assert lost == 3_600_000
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0
    assert w.call(m, "owedByInstitution", SCHOOL) == 0
    assert w.earmarked(SCHOOL, m) == 0


def test_frozen_refund_rounding_remainder_goes_to_the_last_order(w):
    m = w.upfront
    course = w.publish(m, fee=1_000, lessons=10)  # ¥100 a term, ¥20 deposit each: pool 6,000 fen
    o1, o2, o3 = (w.enrol(m, p, course, 10) for p in (P1, P2, P3))
    at_start(w)
    for n in range(6):
        w.record(m, course, [o3] if n >= 3 else [o2, o3])  # o2: 3 delivered, o3: 6 delivered
    owed = {o1: 10_000, o2: 7_000, o3: 4_000}  # 21,000 owed, pool 6,000
    assert w.call(m, "owedByInstitution", SCHOOL) == 21_000
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    snap = w.chain.snapshot()
    r = w.send(REGULATOR, m, "refundOrders", SCHOOL, [o1, o2, o3])
    shares = {e.args["orderId"]: e.args["amountFen"] for e in r.events_named("DepositShared")}
    assert shares == {o1: 2_857, o2: 2_000, o3: 1_143}  # o3 alone would get 1,142: the remainder is its
    assert sum(shares.values()) == 6_000
    assert {e.args["orderId"]: e.args["unconsumedFen"] for e in r.events_named("OrderRefunded")} == owed
    assert w.earmarked(SCHOOL, m) == 0
    # in another order, in two batches: the last refunded takes the remainder
    w.chain.revert(snap)
    r1 = w.send(REGULATOR, m, "refundOrders", SCHOOL, [o3])
    r2 = w.send(REGULATOR, m, "refundOrders", SCHOOL, [o2, o1])
    shares = {e.args["orderId"]: e.args["amountFen"]
              for e in r1.events_named("DepositShared") + r2.events_named("DepositShared")}
    assert shares == {o3: 1_142, o2: 2_000, o1: 2_858}
    assert w.free(P1) == PARENT_FUND - 10_000 + 2_858
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 0


def test_frozen_pool_is_capped_at_what_is_owed(w):
    m = w.upfront
    course = w.publish(m)
    orders = [w.enrol(m, p, course) for p in (P1, P2)]
    at_start(w)
    for _ in range(18):
        w.record(m, course, orders)
    # owed 2 x ¥300 = ¥600, deposit 2 x ¥600 = ¥1,200
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    r = w.send(REGULATOR, m, "refundOrders", SCHOOL, orders)
    assert [e.args["refundFen"] for e in r.events_named("OrderRefunded")] == [30_000, 30_000]
    assert [e.args["unconsumedFen"] for e in r.events_named("OrderRefunded")] == [30_000, 30_000]
    assert w.free(P1) == w.free(P2) == PARENT_FUND - 18 * FEE  # made whole, no more
    # the excess stays locked under the regulator, even for the school
    assert w.call(m, "supervisedBalanceOf", SCHOOL) == 60_000
    assert w.earmarked(SCHOOL, m) == 60_000
    w.chain.set_time(END)
    w.reverts(SCHOOL, m, "releaseDeposits", course, orders, error="Prepaid_InstitutionFrozen")


def test_frozen_unsupervised_parents_lose_everything(w):
    m = w.upfront0
    course = w.publish(m)
    orders = [w.enrol(m, p, course) for p in (P1, P2)]
    at_start(w)
    for _ in range(10):
        w.record(m, course, orders)
    w.send(REGULATOR, m, "freezeInstitution", SCHOOL)
    r = w.send(REGULATOR, m, "refundOrders", SCHOOL, orders)
    assert [e.args for e in r.events_named("OrderRefunded")] == [
        {"orderId": o, "parent": w.addr(p), "refundFen": 0, "unconsumedFen": 150_000}
        for o, p in zip(orders, (P1, P2))]
    assert [e for e in r.events if e.contract == "ECNY"] == []
    assert w.free(P1) == PARENT_FUND - TERM_FEE
    assert w.state(m, orders[0]) == OrderState.REFUNDED


def test_refund_orders_access_and_skips(w, up):
    course = w.publish(up)
    theirs = w.publish(up, SCHOOL_B)
    mine = w.enrol(up, P1, course)
    done = w.enrol(up, P2, course, 1)
    foreign = w.enrol(up, P3, theirs)
    at_start(w)
    w.record(up, course, [done])
    w.reverts(REGULATOR, up, "refundOrders", SCHOOL, [mine], error="Prepaid_RefundsNotOpen", institution=SCHOOL)
    w.send(REGULATOR, up, "freezeInstitution", SCHOOL)
    w.reverts(P1, up, "refundOrders", SCHOOL, [mine], error="Prepaid_NotRegulator", caller=P1)
    r = w.send(REGULATOR, up, "refundOrders", SCHOOL, [foreign, done, mine, 999])
    assert skipped(r) == {foreign: Skip.WRONG_INSTITUTION, done: Skip.NOT_ACTIVE, 999: Skip.WRONG_INSTITUTION}
    assert [e.args["orderId"] for e in r.events_named("OrderRefunded")] == [mine]
    r = w.send(REGULATOR, up, "refundOrders", SCHOOL, [mine])
    assert skipped(r) == {mine: Skip.NOT_ACTIVE}
    assert w.state(up, foreign) == OrderState.LOCKED


def test_refund_orders_after_closure_paid_in_full_by_the_school(w, up):
    course = w.publish(up)
    orders = [w.enrol(up, p, course) for p in (P1, P2)]
    at_start(w)
    for _ in range(5):
        w.record(up, course, orders)
    closes_at = w.send(SCHOOL, up, "announceClosure").timestamp + 30 * DAY
    w.chain.set_time(closes_at - 1)
    w.reverts(P1, up, "refundOrders", SCHOOL, orders, error="Prepaid_RefundsNotOpen")
    w.chain.set_time(closes_at)
    # the school never allowed the contract to take its refunds: each order is skipped and stays refundable
    r = w.send(P1, up, "refundOrders", SCHOOL, orders)
    assert skipped(r) == {o: Skip.SCHOOL_CANNOT_PAY for o in orders}
    assert r.events_named("OrderRefunded") == [] and w.free(P1) == PARENT_FUND - TERM_FEE
    school_allows(w, up)
    deposit = deposit_of(w, up, TERM_FEE)
    r = w.send(P1, up, "refundOrders", SCHOOL, orders)  # anyone once the closure took effect
    assert [e.args for e in r.events_named("OrderRefunded")] == [
        {"orderId": o, "parent": w.addr(p), "refundFen": 15 * FEE, "unconsumedFen": 15 * FEE}
        for o, p in zip(orders, (P1, P2))]
    assert [e.args["amountFen"] for e in r.events_named("DepositReleased")] == ([deposit] * 2 if deposit else [])
    assert w.free(P1) == w.free(P2) == PARENT_FUND - 5 * FEE
    assert w.free(SCHOOL) == w.balance(SCHOOL) == SCHOOL_FUND + 2 * 5 * FEE
    assert w.call(up, "owedByInstitution", SCHOOL) == 0
    assert w.call(up, "supervisedBalanceOf", SCHOOL) == 0
    assert w.state(up, orders[0]) == OrderState.REFUNDED


# ----------------------------------------------------------------------------------------- onWalletClose


def test_on_wallet_close_only_token_and_the_deposit_blocks_the_close(w, up):
    course = w.publish(up)
    w.enrol(up, P1, course)
    w.reverts(SCHOOL, up, "onWalletClose", SCHOOL, error="Prepaid_NotToken", caller=SCHOOL)
    if up is w.upfront:
        w.reverts(SCHOOL, w.token, "closeWallet", SCHOOL, error="ECNY_WalletHasEarmarks", controller=up,
                  amountFen=DEPOSIT)
    else:  # nothing is locked for the unsupervised model: the school can close and walk away
        r = w.tok(SCHOOL, "closeWallet", SCHOOL)
        assert r.event("WalletClosed").args["redeemedFen"] == SCHOOL_FUND + TERM_FEE
    # a parent's wallet with an active order cannot close: its refund or deposit share would have nowhere to go
    w.reverts(P1, w.token, "closeWallet", P1, error="Prepaid_OrderStillActive", wallet=P1, orderId=1)
    if up is w.upfront0:
        return
    school_allows(w, up)
    w.send(P1, up, "cancelOrder", 1)
    r = w.tok(P1, "closeWallet", P1)
    assert r.event("WalletClosed").args["redeemedFen"] == PARENT_FUND
