"""What the prepaid tuition models share (PrepaidBase, under the escrow's and the upfront contract's rules): a
course's timetable, and the checks every supervision model makes before it acts, in the contract's order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .token_model import REGULATOR, Revert

ACTIVE = 1  # OrderStatus.Active


@dataclass(frozen=True)
class CourseSpec:
    school: str
    fee: int  # fen per lesson
    lessons: int
    hours: int  # class hours per lesson
    start: int
    end: int


def lessons_due(c: CourseSpec, t: int) -> int:
    """Lessons the course's timetable could have taught by `t` (PrepaidBase._lessonsDue, restated)."""
    if t < c.start:
        return 0
    if t >= c.end:
        return c.lessons
    return min(c.lessons, (t - c.start) * c.lessons // (c.end - c.start) + 1)


def lesson_time(c: CourseSpec, k: int) -> int:
    """The first moment the timetable owes lesson `k` (lessons_due >= k)."""
    if k <= 1:
        return c.start
    return c.start - (-(k - 1) * (c.end - c.start) // c.lessons)  # start + ceil((k-1) * span / lessons)


def publish(chain: Any, contract: Any, courses: dict[int, CourseSpec]) -> None:
    """Each school publishes its courses, numbered as `courses` numbers them."""
    for cid, c in courses.items():
        r = chain.send(c.school, contract, "publishCourse", c.fee, c.lessons, c.hours, c.start, c.end)
        assert r.return_value == cid


class PrepaidChecks:
    """PrepaidBase's refusals, on a model with ``COURSES`` (id -> CourseSpec), ``NOTICE`` (seconds),
    ``addr``, ``inst`` (school -> its status: ``frozen``, ``closes_at``, ``closed(now)``) and ``orders`` (id ->
    an order with ``parent``, ``course``, ``status``, ``left``)."""

    COURSES: dict[int, CourseSpec]
    NOTICE: int
    addr: dict[str, str]
    inst: dict[str, Any]
    orders: dict[int, Any]

    def course_of(self, course: int) -> CourseSpec:
        c = self.COURSES.get(course)
        if c is None:
            raise Revert("Prepaid_UnknownCourse")
        return c

    def admitted(self, p: str, course: int, lessons: int, now: int) -> CourseSpec:
        """enrol's first checks: the course, its school's standing, who enrols, when, how many lessons."""
        c = self.course_of(course)
        inst = self.inst[c.school]
        if inst.frozen:
            raise Revert("Prepaid_InstitutionFrozen")
        if inst.closes_at:
            raise Revert("Prepaid_InstitutionClosing")
        if p == c.school:
            raise Revert("Prepaid_InstitutionCannotEnrol", institution=self.addr[p], courseId=course)
        if now >= c.end:
            raise Revert("Prepaid_CourseEnded")
        if lessons == 0 or lessons > c.lessons:
            raise Revert("Prepaid_InvalidLessonCount")
        return c

    def lessons_left(self, p: str, course: int) -> int:
        """Lessons left on every active order the parent holds for the course (a renewal's measure)."""
        return sum(o.left for o in self.orders.values() if o.parent == p and o.course == course and o.status == ACTIVE)

    def recordable(self, actor: str, course: int, now: int) -> CourseSpec:
        """recordLesson's checks: the course's own school, not frozen or closed, the course started."""
        c = self.course_of(course)
        if actor != c.school:
            raise Revert("Prepaid_NotCourseInstitution")
        if self.inst[c.school].frozen:
            raise Revert("Prepaid_InstitutionFrozen")
        if self.inst[c.school].closed(now):
            raise Revert("Prepaid_InstitutionClosed")
        if now < c.start:
            raise Revert("Prepaid_CourseNotStarted", courseId=course, start=c.start)
        return c

    def payable(self, course: int) -> CourseSpec:
        """A release's checks: a known course of a school not frozen."""
        c = self.course_of(course)
        if self.inst[c.school].frozen:
            raise Revert("Prepaid_InstitutionFrozen")
        return c

    def cancellable(self, actor: str, oid: int) -> Any:
        o = self.orders.get(oid)
        if o is None:
            raise Revert("Prepaid_UnknownOrder")
        if actor != o.parent:
            raise Revert("Prepaid_NotOrderParent")
        if o.status != ACTIVE:
            raise Revert("Prepaid_OrderNotActive")
        return o

    def refunds_open(self, actor: str, inst: Any, now: int) -> None:
        """A refund run: anyone once the closure took effect, or the regulator for a frozen school."""
        if inst.frozen and not inst.closed(now):
            if actor != REGULATOR:
                raise Revert("Prepaid_NotRegulator")
        elif not inst.closed(now):
            raise Revert("Prepaid_RefundsNotOpen")

    def announce_closure(self, actor: str, now: int) -> list:
        inst = self.inst.get(actor)
        if inst is None:
            raise Revert("Prepaid_NotApprovedInstitution")
        if inst.frozen:
            raise Revert("Prepaid_InstitutionFrozen")
        if inst.closes_at:
            raise Revert("Prepaid_ClosureAlreadyAnnounced")
        inst.closes_at = now + self.NOTICE
        return [("ClosureAnnounced", {"institution": self.addr[actor], "closesAt": now + self.NOTICE})]
