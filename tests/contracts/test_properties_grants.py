"""Property-based (stateful) tests of GrantProgramme + PayeeRegistry + ECNY.

A Hypothesis `RuleBasedStateMachine` drives one grant programme through random sequences of what happens over
its years: the department funds it (and takes unpromised budget back), admits firms with random tranches (some
refused: a firm with a live grant, i.e. one active, owing a debt or paid and under its promise; an excluded
firm; no or too many tranches, a zero tranche, more than the uncommitted budget); the agency attests milestones
(of clawed-back grants too: withheld against the debt; a grant that cannot take the milestone, unknown, not
active, not at that milestone, listed twice, or whose firm's wallet is closed or at its cap, is skipped and the
others are paid), records missed milestones and breaches (at a random past time; fraud or not; refused while
another of the firm's grants is live; grant money that came back when the firm closed its wallet is credited
against the debt); firms spend grant money on
payees of allowed purposes and try payees of other purposes, unregistered wallets and themselves, pay anyone
with their own money, repay debts; wallets are frozen, unfrozen and closed; time passes (days to years, onto a
promise's or an exclusion's end too). One firm (firm:b) has a capped wallet (¥10,000, no other limit): a tranche
that would take it over the cap waits until it has room.

A small Python model of the rules predicts every outcome: each transaction must succeed or revert with exactly
the custom error the model names, and emit exactly the programme events the model lists. Invariants, checked
after every step:

- `invariant_grant_money_never_reaches_a_payee_outside_its_purpose`: payees of purposes the programme does not
  allow, and unregistered wallets, only ever hold the own money firms transferred to them; allowed payees hold
  that plus the grant money spent with them; no firm's free money ever includes grant money;
- `invariant_a_clawback_is_principal_plus_interest`: every clawback owes what the firm received plus, per
  payment, floor(amount × rate_bps × days / (10,000 × 365)), computed here from the model's payment times,
  less the grant money credited to it when the firm closed its wallet;
- `invariant_every_clawback_is_accounted_for`: owed == returned unspent + repaid + withheld + outstanding,
  per clawed-back grant and over the programme;
- `invariant_programme_balance_is_accounted_for`: the department's earmark == funded − withdrawn − paid to
  firms + returned unspent + repaid + returned on close; committed ≤ that balance; the totals match the model;
- `invariant_money_is_conserved`: totalSupply == sum of wallet balances == issued − redeemed.

The world, the model and the machine live in ecny_sim.conformance (grants_model, grants_machine,
grants_invariants): `ecny-sim check` runs the same machine against a developer's contract. The chain is deployed
once per session; every example starts by reverting to a snapshot taken after the setup.
Example counts come from the Hypothesis profiles in tests/conftest.py, capped in the default one
(`FAST_PROFILE_CAPS`) so that the machine takes about ten seconds there.
"""

from __future__ import annotations

import eth  # noqa: F401  (py-evm raises the recursion limit when imported: import it here, not inside an example)
from hypothesis.stateful import run_state_machine_as_test

from modelled_sends import machine_settings, violation
from ecny_sim.chain.clock import DAY
from ecny_sim.conformance.grants_machine import GrantsMachine
from ecny_sim.conformance.grants_model import AGENCY, CLAWED_BACK, COMPLETED, DEPT, PROMISE_DAYS


def test_grant_programme_properties_hold():
    GrantsMachine.prepare()  # deploy outside Hypothesis' timing
    run_state_machine_as_test(GrantsMachine, settings=machine_settings())


# ------------------------------------------------------------------------------------------ teeth


def test_teeth_the_invariants_notice_grant_money_going_astray():
    """Driven by hand the invariants hold; a model that is wrong about where grant money went, or about a
    clawback's interest, makes the right invariant fail."""
    machine = GrantsMachine()
    machine.programme_starts(3_000_000, ["firm:a"], [[500_000, 300_000], [], []])
    machine.do_attest(AGENCY, [1], 0)
    machine.do_spend("firm:a", "payee:landlord", 200_000)
    machine.do_spend("firm:a", "payee:karaoke", 1)  # refused: not an allowed purpose
    machine.chain.advance(100 * DAY)
    machine.do_breach(AGENCY, 1, machine.now - DAY + 60, False)  # 99 days and a minute after the payment
    invariants = [name for name in dir(machine) if name.startswith("invariant_")]
    assert len(invariants) == 5
    for name in invariants:
        getattr(machine, name)()
    g = machine.m.grant(1)
    # 99 whole days on ¥5,000 at 3.75 %: floor(500,000 x 375 x 99 / 3,650,000) = 5,085 fen
    assert (g.status, g.paid, g.interest, g.returned) == (CLAWED_BACK, 500_000, 5_085, 300_000)
    assert g.outstanding == 205_085 and machine.m.totals["committedFen"] == 300_000

    # the firm pays the karaoke bar (own money), but the model believes it was grant money
    machine.send("firm:a", machine.token, "transfer", "payee:karaoke", 1_000, expect=None)
    machine.m.wallets["firm:a"].free -= 1_000
    assert violation(machine, "invariant_grant_money_never_reaches_a_payee_outside_its_purpose").msg.startswith(
        "payee:karaoke (purpose 5, not allowed) holds 1000 fen")

    machine = GrantsMachine()  # reverts to the base snapshot
    machine.programme_starts(3_000_000, ["firm:a"], [[500_000], [], []])
    machine.do_attest(AGENCY, [1], 0)
    machine.chain.advance(400 * DAY)
    machine.do_breach(AGENCY, 1, machine.now, True)
    machine.m.grants[0].interest -= 1  # a model one fen short on the interest
    err = violation(machine, "invariant_a_clawback_is_principal_plus_interest")
    assert err.prop == "a_clawback_is_principal_plus_interest"
    assert violation(machine, "invariant_every_clawback_is_accounted_for").prop == "every_clawback_is_accounted_for"


# ------------------------------------------------------------------------------------------ examples


def test_a_debt_on_an_older_grant_stops_a_new_admission():
    """A firm's grant 1 is paid and its promise ends; the firm is admitted for grant 2. A breach of grant 1
    (the firm had left on its last promise day) is refused while grant 2 is live; once grant 2 has ended
    without a payment it is recorded, and grant 1's debt (its interest: the ¥5,000 came back unspent) bars a
    new admission. (An earlier version of the contract recorded the breach at once and then admitted the
    firm while the debt was outstanding.)"""
    machine = GrantsMachine()
    machine.programme_starts(3_000_000, ["firm:a"], [[500_000], [], []])
    machine.do_attest(AGENCY, [1], 0)
    machine.chain.advance((PROMISE_DAYS + 1) * DAY)  # grant 1's promise has ended: the firm may apply again
    machine.do_admit(DEPT, ["firm:a"], [[100_000]])
    breached_at = machine.m.grant(1).promise_end - 1
    machine.do_breach(AGENCY, 1, breached_at, False)  # refused: grant 2 is live
    assert machine.m.grant(1).status == COMPLETED
    machine.do_missed(AGENCY, 2, 0)
    machine.do_breach(AGENCY, 1, breached_at, False)
    # 729 whole days on ¥5,000 at 3.75 %: floor(500,000 x 375 x 729 / 3,650,000) = 37,448 fen
    assert machine.m.grant(1).outstanding == 37_448
    machine.do_admit(DEPT, ["firm:a"], [[100_000]])  # refused: Grant_FirmHasDebt
    assert len(machine.m.grants) == 2
    for name in dir(machine):
        if name.startswith("invariant_"):
            getattr(machine, name)()
    machine.teardown()
