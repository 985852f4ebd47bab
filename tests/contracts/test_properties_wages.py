"""Property-based (stateful) tests of WagePassThrough + ECNY.

A Hypothesis `RuleBasedStateMachine` drives one project's wages: the main contractor funds pay runs for
random workers and wages (some refused: a contractor or the zero address listed, a worker listed twice, a
zero wage, mismatched or empty lists, more than its money, or funded by someone else); the subcontractor pays
workers at any time and anyone else tries before and after payday; people try to divert wages to workers not
on the pay run (the subcontractor itself, a crony, the main contractor) or to pay a worker twice (both are
skipped: WageSkipped), or to pay an unknown pay run (refused); workers' lowest-tier wallets fill up to near their
cap (a wage that would take one over it is skipped until it has room) and are cashed out; workers close their
wallets (their wages are skipped) and the main contractor takes their wages back; the
subcontractor pays with its own money, tries to spend the wages it holds and to close its wallet (as does the
main contractor while wages may still return to it); time passes (onto a payday's edges too).

A small Python model of the rules predicts every outcome: each transaction must succeed or revert with exactly
the custom error the model names, and emit exactly the events the model lists. Invariants, checked after every
step:

- `invariant_each_worker_received_exactly_their_listed_wages`: a worker's balance (plus what it cashed out
  on closing) == the listed wages paid to it so far; nobody else received wages;
- `invariant_pending_wages_equal_the_earmark`: pendingWagesFen == earmarkedTotalOf(contract) == the
  subcontractor's earmark == the sum of the listed wages not yet paid or returned;
- `invariant_subcontractor_free_money_never_changes_from_wages`: its free money == its own money plus own
  transfers in, less own transfers out;
- `invariant_money_is_conserved`: totalSupply == sum of wallet balances == issued − redeemed; the main
  contractor's balance == its money less wages paid or pending, plus wages returned.

The world, the model and the machine live in ecny_sim.conformance.wages_machine: `ecny-sim check` runs the same
machine against a developer's contract. The chain is deployed once per session; every example starts by
reverting to a snapshot taken after the setup.
Example counts come from the Hypothesis profiles in tests/conftest.py, capped in the default one
(`FAST_PROFILE_CAPS`) so that the machine takes about ten seconds there.
"""

from __future__ import annotations

import eth  # noqa: F401  (py-evm raises the recursion limit when imported: import it here, not inside an example)
from hypothesis.stateful import run_state_machine_as_test

from modelled_sends import machine_settings, violation
from ecny_sim.chain.clock import DAY
from ecny_sim.conformance.token_model import BANK
from ecny_sim.conformance.wages_machine import CRONY, SUB, WagesMachine


def test_wage_pass_through_properties_hold():
    WagesMachine.prepare()  # deploy outside Hypothesis' timing
    run_state_machine_as_test(WagesMachine, settings=machine_settings())


# ------------------------------------------------------------------------------------------ teeth


def test_teeth_the_invariants_notice_wages_going_astray():
    """Driven by hand the invariants hold; money the model does not expect makes the right one fail."""
    machine = WagesMachine()
    machine.first_pay_run(["worker:1", "worker:2"], [10_000, 20_000, 0, 0, 0], DAY)
    machine.do_pay(SUB, 1, ["worker:1"])
    invariants = [name for name in dir(machine) if name.startswith("invariant_")]
    assert len(invariants) == 4
    for name in invariants:
        getattr(machine, name)()
    assert machine.m.paid_to("worker:1") == 10_000 and machine.m.pending == 20_000

    machine.send(BANK, machine.token, "issue", CRONY, 1, expect=None)  # a fen the model does not know of
    err = violation(machine, "invariant_each_worker_received_exactly_their_listed_wages")
    assert err.msg.startswith("crony holds 1")
    assert violation(machine, "invariant_money_is_conserved").prop == "money_is_conserved"

    machine = WagesMachine()  # reverts to the base snapshot
    machine.first_pay_run(["worker:1", "worker:2"], [10_000, 20_000, 0, 0, 0], DAY)
    machine.m.payrolls[0].paid["worker:2"] = SUB  # the model believes worker:2 was paid
    assert violation(machine, "invariant_pending_wages_equal_the_earmark").prop == "pending_wages_equal_the_earmark"
    err = violation(machine, "invariant_each_worker_received_exactly_their_listed_wages")
    assert err.msg.startswith("worker:2 holds 0")
