"""A school term, the unit most prepaid-tuition scenarios are built from: a school, one class (a
course), its parents enrolled, and the lesson timetable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..chain.clock import DAY, HOUR, WEEK
from .prepaid import Order, Prepaid

if TYPE_CHECKING:
    from .world import World


def lesson_times(first: int, lessons: int, per_week: int) -> list[int]:
    """Lesson start times: ``per_week`` lessons a week, spread over whole days from ``first``
    (two a week: days 0 and 3 of each week)."""
    if not 1 <= per_week <= 7:
        raise ValueError(f"lessons per week must be 1 to 7, got {per_week}")
    days_in_week = [i * 7 // per_week for i in range(per_week)]
    return [first + (k // per_week) * WEEK + days_in_week[k % per_week] * DAY for k in range(lessons)]


@dataclass
class Term:
    plan: Prepaid
    school: str
    course_id: int
    fee_per_lesson_fen: int
    schedule: list[int]
    orders: list[Order] = field(default_factory=list)
    taught: int = 0  # lessons really given (phantom lessons recorded but not taught are not counted)
    recorded: int = 0

    @property
    def order_ids(self) -> list[int]:
        return [o.id for o in self.orders]

    @property
    def parents(self) -> list[str]:
        return [o.parent for o in self.orders]

    def enrol(self, sim: World, parents: list[str], lessons: int | None = None, *,
              tier: str = "id_verified", funds_fen: int | None = None) -> list[Order]:
        """Opens each parent's wallet (topped up with the fee, or ``funds_fen``) and enrols them."""
        lessons = lessons or len(self.schedule)
        fee = lessons * self.fee_per_lesson_fen
        new = []
        for parent in sim.progress(parents, f"Enrolling {len(parents)} parents"):
            if parent not in sim.token.wallets:
                sim.token.open_wallet(parent, tier, funds_fen if funds_fen is not None else fee)
            new.append(self.plan.enrol(parent, self.course_id, lessons))
        self.orders.extend(new)
        return new

    def record_next_lesson(self, sim: World, *, taught: bool = True):
        """Moves the clock to the next lesson and records it for the whole class in one transaction."""
        sim.at(max(sim.now, self.schedule[self.recorded]))
        result = self.plan.record_lesson(self.school, self.course_id, self.order_ids)
        self.recorded += 1
        self.taught += int(taught)
        return result

    def settle(self, sim: World, caller: str | None = None):
        """Waits out the dispute window of the lessons still held and has the school (or `caller`) collect
        them: what a school does after the last lesson or a withdrawal. Nothing to wait for without a window."""
        window = self.plan.rules.dispute_window_hours * HOUR
        if not window or self.plan.model != "escrow":
            return None
        sim.advance(seconds=window)
        return self.plan.release_matured(caller or self.school, self.course_id, self.order_ids)


def open_term(sim: World, plan: Prepaid, school: str, *, lessons: int, fee_per_lesson_fen: int,
              lessons_per_week: int, first_lesson: int, class_hours_per_lesson: int = 1) -> Term:
    """Opens the school's wallet (once), has the regulator approve it (once per contract) and publishes
    the course. The course ends two hours after its last lesson."""
    if school not in sim.token.wallets:
        sim.token.open_wallet(school, "corporate")
    if plan.institution_status(school) == "Unknown":
        plan.approve_institution(school)
    schedule = lesson_times(first_lesson, lessons, lessons_per_week)
    course_id = plan.publish_course(school, fee_per_lesson_fen=fee_per_lesson_fen, lessons=lessons,
                                    start=schedule[0], end=schedule[-1] + 2 * HOUR,
                                    class_hours_per_lesson=class_hours_per_lesson)
    return Term(plan, school, course_id, fee_per_lesson_fen, schedule)
