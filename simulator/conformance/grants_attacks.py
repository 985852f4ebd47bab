"""The attacks on a grant programme we know of, each a fixed sequence the model predicts step by step (the
state machine's checks: outcomes, custom errors, events, totals), then every invariant and the teardown's
grants. A case passes when the contract does what the model says at every step."""

from __future__ import annotations

from typing import Callable

from ..chain.clock import DAY
from .grants_machine import GrantsMachine
from .grants_model import AGENCY, CAPPED, DEPT, PROMISE_DAYS


def _start(m: GrantsMachine, tranches: list[list[int]]) -> None:
    """The department funds ¥30,000 and admits firm:a, firm:d and firm:b (its wallet capped at ¥10,000) as
    grants 1, 2, 3 with `tranches`, as many as there are."""
    m.programme_starts(3_000_000, ["firm:a", "firm:d", CAPPED][:len(tranches)], tranches)


def repeated_ids_in_a_batch(m: GrantsMachine) -> None:
    """The agency attests milestone 0 for [1, 2, 1, 1, 2]: each grant's first tranche is paid once, the repeats
    are skipped; then milestone 1 for [2, 1, 2]."""
    _start(m, [[500_000, 300_000], [200_000, 100_000]])
    m.do_attest(AGENCY, [1, 2, 1, 1, 2], 0)
    m.do_attest(AGENCY, [2, 1, 2], 1)


def calls_after_the_end(m: GrantsMachine) -> None:
    """A grant whose last milestone was missed takes no more tranches; a milestone attested twice, or out of
    order, is skipped; once a paid grant's promise has ended, a breach is no longer recorded and the firm may
    apply again."""
    _start(m, [[500_000, 300_000], [200_000, 100_000]])
    m.do_attest(AGENCY, [1], 0)
    m.do_missed(AGENCY, 2, 0)
    m.do_attest(AGENCY, [2, 1], 0)
    m.do_attest(AGENCY, [2, 1], 1)
    m.do_attest(AGENCY, [1], 2)
    m.chain.advance((PROMISE_DAYS + 1) * DAY)
    m.do_breach(AGENCY, 1, m.now, False)
    m.do_admit(DEPT, ["firm:a"], [[100_000]])


def a_closed_wallet_in_a_batch(m: GrantsMachine) -> None:
    """firm:a closes its wallet holding grant money (it returns to the programme); the next attestation lists
    its grant beside another's: it is skipped, the other paid; a capped wallet's tranche waits for room."""
    _start(m, [[500_000, 300_000], [200_000, 100_000], [2_000_000]])
    m.do_attest(AGENCY, [1, 2], 0)
    m.do_close("firm:a")
    m.do_attest(AGENCY, [1, 2, 3], 1)
    m.do_attest(AGENCY, [3], 0)


def grant_money_outside_its_purpose(m: GrantsMachine) -> None:
    """Grant money spent at a payee of a purpose the programme does not allow, at an unregistered wallet, at
    the firm itself, or more than the firm holds: refused; at its landlord: paid."""
    _start(m, [[500_000]])
    m.do_attest(AGENCY, [1], 0)
    for payee in ("payee:karaoke", "payee:unregistered", "firm:a", "payee:supplier"):
        m.do_spend("firm:a", payee, 100_000)
    m.do_spend("firm:a", "payee:landlord", 600_000)
    m.do_spend("firm:a", "payee:landlord", 100_000)


def a_role_changed_mid_flight(m: GrantsMachine) -> None:
    """Only the agency attests and records breaches, only the department admits; a firm frozen mid-grant
    cannot spend its grant money, unfrozen it can; a breach claws back what was paid, with interest."""
    _start(m, [[500_000, 300_000]])
    m.do_attest(DEPT, [1], 0)
    m.do_attest(AGENCY, [1], 0)
    m.do_admit(AGENCY, ["firm:d"], [[100_000]])
    m.a_wallet_is_closed_or_frozen("firm:a", "freeze", 0)
    m.do_spend("firm:a", "payee:landlord", 100_000)
    m.a_wallet_is_closed_or_frozen("firm:a", "unfreeze", 0)
    m.do_spend("firm:a", "payee:landlord", 100_000)
    m.chain.advance(100 * DAY)
    m.do_breach(DEPT, 1, m.now - DAY, False)
    m.do_breach(AGENCY, 1, m.now - DAY, False)


#: name -> the case, in the order the table shows them.
ATTACKS: dict[str, Callable[[GrantsMachine], None]] = {
    "repeated ids in a batch": repeated_ids_in_a_batch,
    "calls after the end": calls_after_the_end,
    "a closed wallet in a batch": a_closed_wallet_in_a_batch,
    "grant money outside its purpose": grant_money_outside_its_purpose,
    "a role changed mid-flight": a_role_changed_mid_flight,
}

#: the machines `ecny-sim check` runs for the family: (the table's title, the machine)
MACHINES = [("state machine, one programme", GrantsMachine)]

