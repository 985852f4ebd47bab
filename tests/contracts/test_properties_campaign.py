"""Property-based (stateful) tests of RedPacketCampaign + ECNY + MerchantRegistry.

A Hypothesis `RuleBasedStateMachine` drives one red-packet campaign with random sequences of what happens
while it runs: winners claim packets (and people try false claims, second claims, claims past the per-person
limit or the budget), buyers pay merchants, often splitting a packet over several purchases and topping up
with own money (at allowed merchants, at merchants outside the district and at an unregistered stall, the
funder itself included), merchants refund purchases in part or in full before and after expiry, people try
to transfer their packet money, wallets are closed, time passes (onto the window's edges and Beijing
midnight too), and anyone sweeps.

A small Python model of the rules predicts every outcome: each transaction must succeed or revert with exactly
the custom error the model names, and emit exactly the campaign events the model lists. Invariants, checked
after every step, compare the chain's balances with the model:

- `invariant_packet_money_is_never_created`: the budget is always exactly in packets, in the funder's
  earmark (unclaimed), back with the funder, or with merchants (their balances net of own money received);
- `invariant_packet_money_reaches_only_allowed_merchants_and_the_funder`: merchants outside the rules only
  ever hold the own money transferred to them, and no buyer's free money ever includes packet money;
- `invariant_totals_match_the_model`: the campaign's totals, every earmark and every free balance;
- after the sweep, `invariant_after_the_sweep_every_fen_of_packet_money_is_with_an_allowed_merchant_or_back_with_the_funder`.

The world, the model and the machine live in ecny_sim.conformance.campaign_machine: `ecny-sim check` runs the
same machine against a developer's contract. The chain is deployed once per test session; every example starts by reverting to a snapshot taken after the
set-up. Example counts come from the Hypothesis profiles in tests/conftest.py.
"""

from __future__ import annotations

import eth  # noqa: F401  (py-evm raises the recursion limit when imported: import it here, not inside an example)
from hypothesis.stateful import run_state_machine_as_test

from modelled_sends import PropertyViolated, machine_settings
from ecny_sim.conformance.campaign_machine import A, BOOKS, CINEMA, MALL, CampaignMachine
from ecny_sim.conformance.token_model import BANK


def test_campaign_properties_hold():
    """The profile (tests/conftest.py) sets the number and length of the sequences, capped in the fast one."""
    CampaignMachine.prepare()  # deploy outside Hypothesis' timing
    run_state_machine_as_test(CampaignMachine, settings=machine_settings())


# ------------------------------------------------------------------------------------------ teeth


def _violation(machine: CampaignMachine, invariant_name: str) -> str:
    try:
        getattr(machine, invariant_name)()
    except PropertyViolated as exc:
        return str(exc)
    raise AssertionError(f"{invariant_name} did not notice")


def test_teeth_the_invariants_notice_money_they_cannot_account_for():
    """The invariants are not vacuous: driven by hand, the machine's invariants hold; then money the model
    does not know about (packet money at a merchant outside the rules, money from nowhere at an allowed
    merchant, a wrong total) makes the right invariant fail."""
    machine = CampaignMachine()
    machine.campaign_opens("start", 0, [0, 3], [(A, BOOKS, (0.5, 0))])
    machine.winner_claims_and_spends(4, [(CINEMA, (1.0, 700))])
    for name in ("invariant_packet_money_is_never_created",
                 "invariant_packet_money_reaches_only_allowed_merchants_and_the_funder",
                 "invariant_totals_match_the_model"):
        getattr(machine, name)()
    assert machine.m.packet_at[BOOKS] == 10_000 and machine.m.packet_at[CINEMA] == 20_000

    # a disallowed merchant gets money the model calls packet money (e.g. a campaign that let it through)
    machine.chain.send(A, machine.token, "transfer", MALL, 1_000)
    machine.m.wallets[A].free -= 1_000  # A's own ledger is right; MALL's own-money ledger is not told
    assert _violation(machine, "invariant_packet_money_reaches_only_allowed_merchants_and_the_funder").startswith(
        "[packet_money_reaches_only_allowed_merchants_and_the_funder] merchant:futian-mall (not allowed) holds 1000")
    assert _violation(machine, "invariant_packet_money_is_never_created").startswith("[packet_money_is_never_created]")

    machine = CampaignMachine()  # reverts to the base snapshot
    machine.campaign_opens("start", 0, [0], [])
    machine.chain.send(BANK, machine.token, "issue", BOOKS, 1)  # one fen from nowhere at an allowed merchant
    assert _violation(machine, "invariant_packet_money_is_never_created").startswith("[packet_money_is_never_created]")

    machine = CampaignMachine()
    machine.campaign_opens("start", 0, [0], [])
    machine.m.totals["claims"] += 1
    assert _violation(machine, "invariant_totals_match_the_model").startswith("[totals_match_the_model]")
