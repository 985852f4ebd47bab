"""Property-based (stateful) tests of ECNY + UpfrontPrepaid with a 20 % risk deposit.

A Hypothesis `RuleBasedStateMachine` drives one upfront contract: parents with capped wallets (lowest,
class_iii) enrol in three courses of two schools, top up to near their caps and pay each other; a school tries
to enrol in its own course; schools record lessons (repeated ids, before the start, in bursts ahead of the
timetable, on the timetable), spend their money and cut their allowance (so a refund they cannot pay is
skipped: SchoolCannotPay), release the deposits of ended courses, announce closure, and close their wallets
(refused while a deposit is earmarked); parents cancel and try to close their wallets (refused while an order
is active); the regulator freezes a school, refunds its orders in batches (a parent at the balance cap is
skipped: WalletCannotReceive, and refunded later) and releases the surplus deposit; anyone refunds after a
closure. Time moves in steps small and large and onto the timetable's edges.

A Python model of the rules predicts every outcome (the revert, or the contract's exact events). After every
step:

- `invariant_MoneyIsConserved`: totalSupply == issued − redeemed == the sum of every wallet's balance.
- `invariant_DepositIsConserved`: the deposits earmarked in each school's wallet == its supervisedBalanceOf
  == the model's; earmarkedTotalOf(upfront) == their sum (parents hold no earmark under it); before a freeze
  a school's deposit == the sum of its orders' depositOfOrder.
- `invariant_DepositSharesNeverExceedThePool`: a frozen school's shares paid + its pool still unshared ==
  the pool fixed at the freeze (min(deposit, owed)); no order's share exceeds what it was owed.
- `invariant_OwedEqualsUndeliveredLessons`: owedByInstitution == Σ over its active orders of lessons left ×
  fee.
- `invariant_NobodyGetsOutMoreThanTheyPutIn`: a parent holds (or cashed out) what they put in, less fees,
  plus refunds and shares; what came back for an order ≤ its fee for the lessons not delivered. A school holds
  what it put in plus fees, less refunds and shares.
- `invariant_NoParentPaidAheadOfTheTimetable`: no order has more lessons delivered than the timetable
  allowed since it was placed (upfront, a fast recorder would shrink the parents' claims on a freeze).
- `invariant_EveryWalletRespectsItsTier`: no wallet over its tier's balance cap.

The world, the model and the machine live in ecny_sim.conformance (upfront_model, upfront_machine): `ecny-sim
check` runs the same machine against a developer's contract. `test_teeth_the_upfront_invariants_*` break the
model on purpose: the invariants notice.
"""

from __future__ import annotations

import eth  # noqa: F401  (py-evm raises the recursion limit when imported: import it here, not inside an example)
from hypothesis.stateful import run_state_machine_as_test

from modelled_sends import machine_settings, violation
from ecny_sim.conformance.token_model import BANK, REGULATOR
from ecny_sim.conformance.upfront_machine import UpfrontMachine
from ecny_sim.conformance.upfront_model import BPS, COURSES, DEPOSIT_BPS, PARENT_NAMES, SCHOOLS


def test_upfront_properties_hold():
    UpfrontMachine.prepare()  # deploy outside Hypothesis' timing
    run_state_machine_as_test(UpfrontMachine, settings=machine_settings())


def test_teeth_the_upfront_invariants_notice_money_and_deposits_astray():
    """Driven by hand the invariants hold; a model that believes in a bigger share, a deposit not locked or a
    fen nobody knows of makes the right invariant fail."""
    machine = UpfrontMachine()
    machine.do_enrol(PARENT_NAMES[0], 1, 10)
    machine.do_enrol(PARENT_NAMES[2], 1, 10)
    machine.chain.set_time(COURSES[1].start)
    machine.do_record(SCHOOLS[0], 1, [1, 2])
    machine.act(REGULATOR, machine.upfront, "freezeInstitution", (SCHOOLS[0],), "freeze", (REGULATOR, SCHOOLS[0]))
    machine.do_refund(REGULATOR, SCHOOLS[0], [1, 2])
    invariants = [name for name in dir(machine) if name.startswith("invariant_")]
    for name in invariants:
        getattr(machine, name)()
    assert machine.m.inst[SCHOOLS[0]].shares_paid == machine.m.inst[SCHOOLS[0]].pool == 2 * 10 * 15_000 * DEPOSIT_BPS // BPS

    machine.shared_on_chain[SCHOOLS[0]] += 1  # as if a share had been a fen larger
    assert violation(machine, "invariant_DepositSharesNeverExceedThePool").prop == "DepositSharesNeverExceedThePool"
    machine.shared_on_chain[SCHOOLS[0]] -= 1
    machine.m.inst[SCHOOLS[0]].deposit += 1  # a deposit the token does not hold
    assert violation(machine, "invariant_DepositIsConserved").prop == "DepositIsConserved"
    machine.m.inst[SCHOOLS[0]].deposit -= 1
    machine.send(BANK, machine.token, "issue", PARENT_NAMES[1], 1, expect=None)  # a fen the model does not know of
    assert violation(machine, "invariant_MoneyIsConserved").prop == "MoneyIsConserved"
    assert violation(machine, "invariant_NobodyGetsOutMoreThanTheyPutIn").msg.startswith(PARENT_NAMES[1])
