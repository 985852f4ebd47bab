"""Property-based (stateful) tests of ConditionalPayment + ECNY.

A Hypothesis `RuleBasedStateMachine` drives one ConditionalPayment contract with random sequences of
three-party payments: payers earmark money for payees with random verifiers, amounts and deadlines (some
refused: zero or wrong parties, deadlines not in the future, amounts past the token's limits, the allowance or
the payer's free money); payers and verifiers confirm, verifiers and payees reject, payees dispute (the
verifier then has the dispute window to decide), anyone reclaims after the deadline (a dispute's too), each
called by random callers (unauthorized ones too, and on decided or unknown payments); time passes (onto a
deadline's edges too); wallets are frozen (a frozen payer cannot release its own payment), unfrozen and closed.
A release respects the payee's tier like a transfer: a lowest-tier payee (buyer:b, ¥9,500 of its ¥10,000 cap at
the start) is refused a payment that would take its balance over the cap, and the payment stays undecided.

A small Python model of the rules predicts every outcome: each transaction must succeed or revert with exactly
the custom error the model names, and emit exactly the events the model lists. Invariants, checked after every
step:

- `invariant_money_is_conserved`: totalSupply == sum of wallet balances == issued − redeemed;
- `invariant_pending_payments_equal_earmarks`: the undecided (pending + disputed) payments' amounts ==
  earmarkedTotalOf(contract); each payer's earmark == its own undecided payments;
- `invariant_nobody_gets_out_more_than_was_put_in`: each payee received exactly its released payments, each
  payer's balance == start − released, and its free money == start − undecided − released.

The world, the model and the machine live in ecny_sim.conformance.conditional_machine: `ecny-sim check` runs the
same machine against a developer's contract. The chain is deployed once per session; every example starts by reverting to a snapshot taken after the setup.
Example counts come from the Hypothesis profiles in tests/conftest.py, capped in the default one
(`FAST_PROFILE_CAPS`) so that the machine takes about ten seconds there.
"""

from __future__ import annotations

import eth  # noqa: F401  (py-evm raises the recursion limit when imported: import it here, not inside an example)
from hypothesis.stateful import run_state_machine_as_test

from modelled_sends import machine_settings, violation
from ecny_sim.chain.clock import DAY
from ecny_sim.conformance.conditional_machine import PENDING, RELEASED, RETURNED, STRANGER, ConditionalMachine
from ecny_sim.conformance.token_model import BANK
from ecny_sim.domain.settings import WALLET_TIERS


def test_conditional_payment_properties_hold():
    ConditionalMachine.prepare()  # deploy outside Hypothesis' timing
    run_state_machine_as_test(ConditionalMachine, settings=machine_settings())


# ------------------------------------------------------------------------------------------ teeth




INVARIANTS = ("invariant_money_is_conserved", "invariant_pending_payments_equal_earmarks",
              "invariant_nobody_gets_out_more_than_was_put_in")


def test_teeth_the_invariants_notice_money_they_cannot_account_for():
    """Driven by hand the invariants hold; money the model does not know about makes the right one fail."""
    machine = ConditionalMachine()
    machine.first_payments([("buyer:a", 10_000, DAY), ("dealer:x", 20_000, DAY)])
    machine.do_confirm("agency:v", 1)
    for name in INVARIANTS:
        getattr(machine, name)()
    assert machine.m.released_to("dealer:x") == 10_000

    # the dealer gets a fen the model does not know of
    machine.send(BANK, machine.token, "issue", "dealer:x", 1, expect=None)
    assert violation(machine, "invariant_money_is_conserved").prop == "money_is_conserved"
    assert violation(machine, "invariant_nobody_gets_out_more_than_was_put_in").msg.startswith("dealer:x: balance")

    machine = ConditionalMachine()  # reverts to the base snapshot
    machine.first_payments([("buyer:a", 10_000, DAY)])
    machine.m.payments[0].status = RETURNED  # the model forgets a pending payment
    assert violation(machine, "invariant_pending_payments_equal_earmarks").prop == "pending_payments_equal_earmarks"


# ------------------------------------------------------------------------------------------ examples


def test_a_release_over_the_payees_cap_is_refused_and_the_payment_returns():
    """buyer:b (lowest tier, ¥9,500 of ¥10,000) is the payee of ¥1,000 from dealer:x: the model predicts the
    token's refusal (the payee's balance would be ¥10,500), the payment stays pending, and after the deadline
    it returns to dealer:x; a ¥500 payment fits exactly and is released."""
    machine = ConditionalMachine()
    machine.do_create("dealer:x", "buyer:b", "agency:v", 100_000, DAY)
    machine.do_create("dealer:x", "buyer:b", "agency:v", 50_000, DAY)
    machine.do_confirm("agency:v", 1)  # refused: ECNY_BalanceCapExceeded
    machine.do_confirm("dealer:x", 1)  # by the payer too
    assert [p.status for p in machine.m.payments] == [PENDING, PENDING]
    machine.do_confirm("dealer:x", 2)  # ¥9,500 + ¥500: exactly the cap
    machine.chain.advance(DAY)
    machine.do_reclaim(STRANGER, 1)
    assert [p.status for p in machine.m.payments] == [RETURNED, RELEASED]
    for name in INVARIANTS:
        getattr(machine, name)()
    machine.teardown()
    assert not machine.failed
    assert machine.chain.call(machine.token, "balanceOf", "buyer:b") == WALLET_TIERS["lowest"].balance_cap_fen
