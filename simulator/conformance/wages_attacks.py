"""The attacks on a wage pass-through we know of, each a fixed sequence the model predicts step by step (the
state machine's checks: outcomes, custom errors, events, pay runs), then every invariant and the teardown's pay
runs. A case passes when the contract does what the model says at every step."""

from __future__ import annotations

from typing import Callable

from ..chain.clock import DAY
from .wages_machine import CRONY, FOREMAN, GHOST, MAIN, SUB, WagesMachine

CREW = ["worker:1", "worker:2", "worker:4"]


def _pay_run(m: WagesMachine, crew: list[str] = CREW, wages: tuple[int, ...] = (30_000, 20_000, 50_000)) -> int:
    """The main contractor funds a pay run for `crew`, payday tomorrow; its id."""
    pid = m.do_fund(MAIN, crew, list(wages[: len(crew)]), m.now + DAY)
    assert pid is not None
    return pid


def repeated_ids_in_a_batch(m: WagesMachine) -> None:
    """A pay run listing a worker twice is refused; wages paid for [1, 2, 1, ghost, 2, crony]: each listed
    worker once, the repeats, the ghost and the crony skipped; then paid again: every one skipped."""
    m.do_fund(MAIN, ["worker:1", "worker:2", "worker:1"], [1_000, 2_000, 3_000], m.now + DAY)
    pid = _pay_run(m)
    batch = ["worker:1", "worker:2", "worker:1", GHOST, "worker:2", CRONY]
    m.do_pay(SUB, pid, batch)
    m.do_pay(SUB, pid, batch)


def calls_before_payday(m: WagesMachine) -> None:
    """Before payday only the subcontractor pays (anyone else is refused); a second before payday still
    refused; at payday anyone may pay the workers still due."""
    pid = _pay_run(m)
    m.do_pay(FOREMAN, pid, ["worker:1"])
    m.do_pay(SUB, pid, ["worker:1"])
    m.chain.set_time(m.m.payroll(pid).payday - 1)
    m.do_pay("worker:2", pid, ["worker:2"])
    m.chain.set_time(m.m.payroll(pid).payday)
    m.do_pay(FOREMAN, pid, ["worker:2", "worker:4", "worker:1"])


def a_closed_wallet_in_a_batch(m: WagesMachine) -> None:
    """A worker closes its wallet: its wage is skipped in the batch, the others paid; only the main contractor
    takes the wage back, and only once the wallet is closed; the subcontractor cannot close its wallet while
    wages are pending, nor the main contractor while one may still come back."""
    pid = _pay_run(m)
    m.do_return(MAIN, pid, "worker:2")
    m.worker_leaves_and_wages_are_returned(0, 1, True, SUB)
    m.subcontractor_uses_its_wallet(CRONY, 1, "close")
    m.subcontractor_uses_its_wallet(CRONY, 1, "main closes")
    m.do_pay(SUB, pid, CREW)
    m.do_return(MAIN, pid, "worker:2")
    m.do_return(MAIN, pid, "worker:2")


def wages_diverted(m: WagesMachine) -> None:
    """The subcontractor tries to move the wages it holds to a crony by an ordinary transfer: refused (they
    are not its free money); its own money moves; a worker at its tier's cap is skipped until it has room."""
    pid = _pay_run(m)
    m.do_transfer(SUB, CRONY, m.m.wallets[SUB].free + 1_000)
    m.do_transfer(SUB, CRONY, 1_000)
    m.a_workers_wallet_fills_up_or_is_cashed_out("worker:1", "top up", 0)
    m.do_pay(SUB, pid, ["worker:1"])
    m.a_workers_wallet_fills_up_or_is_cashed_out("worker:1", "cash out", 0)
    m.do_pay(SUB, pid, ["worker:1"])


def a_role_changed_mid_flight(m: WagesMachine) -> None:
    """Only the main contractor funds pay runs and takes wages back; the subcontractor or a worker cannot."""
    m.do_fund(SUB, ["worker:1"], [1_000], m.now + DAY)
    pid = _pay_run(m)
    m.worker_leaves_and_wages_are_returned(0, 0, True, SUB)
    m.do_return(MAIN, pid, "worker:1")


#: name -> the case, in the order the table shows them.
ATTACKS: dict[str, Callable[[WagesMachine], None]] = {
    "repeated ids in a batch": repeated_ids_in_a_batch,
    "calls before payday": calls_before_payday,
    "a closed wallet in a batch": a_closed_wallet_in_a_batch,
    "wages diverted": wages_diverted,
    "a role changed mid-flight": a_role_changed_mid_flight,
}

#: the machines `ecny-sim check` runs for the family: (the table's title, the machine)
MACHINES = [("state machine, pay runs", WagesMachine)]

