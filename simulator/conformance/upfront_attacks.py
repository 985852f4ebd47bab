"""The attacks on an upfront prepaid contract (risk deposit) we know of, each a fixed sequence the model
predicts step by step: the same checks as the state machine (outcomes, custom errors, events), then every
invariant and the teardown's orders. A case passes when the contract does what the model says at every step."""

from __future__ import annotations

from typing import Callable

from ..chain.clock import DAY
from .token_model import REGULATOR
from .upfront_machine import UpfrontMachine
from .upfront_model import COURSES

SCHOOL = COURSES[1].school  # course 1: a lesson a day for 20 days


def _enrol_two(m: UpfrontMachine) -> None:
    """parent:0 (6 lessons, order 1) and parent:2 (4 lessons, order 2) in course 1, before it starts."""
    m.do_enrol("parent:0", 1, 6)
    m.do_enrol("parent:2", 1, 4)


def _act(m: UpfrontMachine, actor: str, fn: str, args: tuple, action: str, model_args: tuple,
         batch: bool = False) -> None:
    m.act(actor, m.upfront, fn, args, action, model_args, batch=batch)


def repeated_ids_in_a_batch(m: UpfrontMachine) -> None:
    """A class's lesson recorded for [1, 2, 1, 1, 2]: each order takes one lesson, the repeats are skipped;
    after the course ends its deposits are released for [1, 1, 2, 2, 2]: each order's once."""
    _enrol_two(m)
    m.chain.set_time(COURSES[1].start)
    m.do_record(SCHOOL, 1, [1, 2, 1, 1, 2])
    m.chain.set_time(COURSES[1].end)
    _act(m, "parent:1", "releaseDeposits", (1, [1, 1, 2, 2, 2]), "release_deposits", (1, [1, 1, 2, 2, 2], m.now),
         batch=True)


def calls_before_the_start_and_after_the_end(m: UpfrontMachine) -> None:
    """A lesson recorded a second before course 1 starts is refused; at the start one is taken, a second (the
    slack) too, a third in the same moment is ahead of the timetable. A deposit asked back before the course
    ends is skipped; an enrolment after it ends is refused."""
    _enrol_two(m)
    m.chain.set_time(COURSES[1].start - 1)
    m.do_record(SCHOOL, 1, [1, 2])
    m.chain.set_time(COURSES[1].start)
    for _ in range(3):
        m.do_record(SCHOOL, 1, [1, 2])
    _act(m, "parent:0", "releaseDeposits", (1, [1, 2]), "release_deposits", (1, [1, 2], m.now), batch=True)
    m.chain.set_time(COURSES[1].end)
    m.do_enrol("parent:1", 1, 2)


def a_closed_wallet_in_a_batch(m: UpfrontMachine) -> None:
    """parent:2 cannot close their wallet while their order is active; cancelled (refunded from the school),
    it closes; the school cannot close its wallet while a deposit is earmarked in it. The class's next lesson
    and the regulator's refund run still list the closed parent's order: it is skipped, the other served."""
    _enrol_two(m)
    m.chain.set_time(COURSES[1].start)
    m.do_record(SCHOOL, 1, [1, 2])
    m.act("parent:2", m.token, "closeWallet", ("parent:2",), "close_wallet", ("parent:2", "parent:2"))
    _act(m, "parent:2", "cancelOrder", (2,), "cancel", ("parent:2", 2, m.now))
    m.act("parent:2", m.token, "closeWallet", ("parent:2",), "close_wallet", ("parent:2", "parent:2"))
    m.act(SCHOOL, m.token, "closeWallet", (SCHOOL,), "close_wallet", (SCHOOL, SCHOOL))
    m.chain.advance(DAY)
    m.do_record(SCHOOL, 1, [1, 2])
    _act(m, REGULATOR, "freezeInstitution", (SCHOOL,), "freeze", (REGULATOR, SCHOOL))
    m.do_refund(REGULATOR, SCHOOL, [2, 1, 2])


def self_enrolment(m: UpfrontMachine) -> None:
    """A school enrols in its own course (to record lessons and be paid its own fees): refused."""
    m.do_enrol(SCHOOL, 1, 2)
    m.do_enrol(COURSES[3].school, 3, 2)


def a_frozen_institutions_release(m: UpfrontMachine) -> None:
    """Once the regulator freezes the school: no lesson is recorded, no deposit released to it (not even after
    the course), no parent cancels; only the regulator refunds, sharing the deposit; the surplus goes back."""
    _enrol_two(m)
    m.chain.set_time(COURSES[1].start)
    m.do_record(SCHOOL, 1, [1, 2])
    _act(m, REGULATOR, "freezeInstitution", (SCHOOL,), "freeze", (REGULATOR, SCHOOL))
    m.chain.advance(DAY)
    m.do_record(SCHOOL, 1, [1, 2])
    _act(m, "parent:0", "cancelOrder", (1,), "cancel", ("parent:0", 1, m.now))
    m.chain.set_time(COURSES[1].end)
    _act(m, "parent:0", "releaseDeposits", (1, [1, 2]), "release_deposits", (1, [1, 2], m.now), batch=True)
    m.do_refund("parent:1", SCHOOL, [1, 2])  # refused: only the regulator refunds a frozen school
    m.do_refund(REGULATOR, SCHOOL, [1, 2])
    _act(m, REGULATOR, "releaseSurplusDeposit", (SCHOOL,), "release_surplus", (REGULATOR, SCHOOL))


#: name -> the case, in the order the table shows them.
ATTACKS: dict[str, Callable[[UpfrontMachine], None]] = {
    "repeated ids in a batch": repeated_ids_in_a_batch,
    "calls before the start and after the end": calls_before_the_start_and_after_the_end,
    "a closed wallet in a batch": a_closed_wallet_in_a_batch,
    "self-enrolment": self_enrolment,
    "a frozen institution's release": a_frozen_institutions_release,
}

#: the machines `ecny-sim check` runs for the family: (the table's title, the machine)
MACHINES = [("state machine, 20 % risk deposit", UpfrontMachine)]

