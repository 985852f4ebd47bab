"""The attacks on a prepaid escrow we know of, each a fixed sequence the model predicts step by step: the same
checks as the state machine (outcomes, custom errors, events, orders), then every invariant and the teardown's
views. A case passes when the contract does what the model says at every step."""

from __future__ import annotations

from typing import Callable

from ..chain.clock import HOUR
from .escrow_machine import EscrowMachine, InstantEscrowMachine
from .escrow_model import COURSES, EDGE, REGULATOR
from .modelled import run_case

SCHOOL = COURSES[3].school  # course 3: a lesson every 12 hours, four can wait in their windows at once
LESSON_GAP = 12 * HOUR


def _enrol_two(m: EscrowMachine) -> None:
    """parent:0 (6 lessons, order 1) and parent:2 (4 lessons, order 2) in course 3, before it starts."""
    m.chain.set_time(EDGE)
    m.do_enrol("parent:0", 3, 6, "exact")
    m.do_enrol("parent:2", 3, 4, "exact")


def repeated_ids_in_a_batch(m: EscrowMachine) -> None:
    """A class's lesson recorded for [1, 2, 1, 1, 2]: each order takes one lesson, the repeats are skipped;
    then the matured lessons paid out for [1, 1, 2, 2, 2]: each order's once."""
    _enrol_two(m)
    m.chain.set_time(COURSES[3].start)
    m.do_record_lesson(SCHOOL, 3, [1, 2, 1, 1, 2])
    m.chain.advance(49 * HOUR)
    m.do_release_matured("parent:1", 3, [1, 1, 2, 2, 2])


def recording_before_the_course_starts(m: EscrowMachine) -> None:
    """A lesson recorded a second before course 3 starts is refused; at the start one is taken, a second
    (the slack) too, a third in the same moment is ahead of the timetable."""
    _enrol_two(m)
    m.chain.set_time(COURSES[3].start - 1)
    m.do_record_lesson(SCHOOL, 3, [1, 2])
    m.chain.set_time(COURSES[3].start)
    for _ in range(3):
        m.do_record_lesson(SCHOOL, 3, [1, 2])


def a_closed_wallet_in_a_batch(m: EscrowMachine) -> None:
    """parent:2 closes their wallet (refused while a lesson waits in its window; after it, the matured lesson
    is paid and the rest refunded); the class's next lesson and the school's freeze-and-refund run still list
    the closed parent's order: it is skipped, the others are served."""
    _enrol_two(m)
    m.chain.set_time(COURSES[3].start)
    m.do_record_lesson(SCHOOL, 3, [1, 2])
    m.do_close_wallet("parent:2", "parent:2")  # refused: a lesson is held
    m.chain.advance(49 * HOUR)
    m.do_close_wallet("parent:2", "parent:2")
    m.do_record_lesson(SCHOOL, 3, [1, 2])
    m.do_freeze(REGULATOR, SCHOOL)
    m.do_refund_orders(REGULATOR, SCHOOL, [2, 1, 2])


def self_enrolment(m: EscrowMachine) -> None:
    """A school enrols in its own course (to record lessons and be paid its own fees): refused."""
    m.chain.set_time(EDGE)
    m.do_enrol(SCHOOL, 3, 2, "exact")
    m.do_enrol(COURSES[1].school, 1, 2, "double")


def a_frozen_institutions_release(m: EscrowMachine) -> None:
    """Lessons held when the regulator freezes the school: neither paid out after their window (by anyone) nor
    recordable any more; the regulator's refund run returns every fee not paid, held lessons included."""
    _enrol_two(m)
    m.chain.set_time(COURSES[3].start)
    m.do_record_lesson(SCHOOL, 3, [1, 2])
    m.chain.advance(LESSON_GAP)
    m.do_record_lesson(SCHOOL, 3, [1, 2])
    m.do_freeze(REGULATOR, SCHOOL)
    m.chain.advance(49 * HOUR)
    m.do_release_matured("parent:1", 3, [1, 2])
    m.do_record_lesson(SCHOOL, 3, [1, 2])
    m.do_refund_orders("parent:1", SCHOOL, [1, 2])  # refused: only the regulator refunds a frozen school
    m.do_refund_orders(REGULATOR, SCHOOL, [1, 2])


#: name -> the case, in the order the table shows them.
ATTACKS: dict[str, Callable[[EscrowMachine], None]] = {
    "repeated ids in a batch": repeated_ids_in_a_batch,
    "recording before the course starts": recording_before_the_course_starts,
    "a closed wallet in a batch": a_closed_wallet_in_a_batch,
    "self-enrolment": self_enrolment,
    "a frozen institution's release": a_frozen_institutions_release,
}


#: the machines `ecny-sim check` runs for the family: (the table's title, the machine)
MACHINES = [("state machine, 48-hour dispute window", EscrowMachine),
            ("state machine, no dispute window", InstantEscrowMachine)]


def run_attack(case: Callable[[EscrowMachine], None], machine: type[EscrowMachine] = EscrowMachine) -> None:
    """Runs one case on a fresh machine, then every invariant and the teardown's checks (``run_case``)."""
    run_case(machine, case)
