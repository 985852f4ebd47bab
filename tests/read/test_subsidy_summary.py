"""The conditional-subsidy parts of summary.json catch a wrong figure: each invariant fails when the run's
record is tampered with in the way a wrong contract (or a wrong reading) would show."""

from __future__ import annotations

import dataclasses

import pytest

from ecny_sim.run import scenario as scenarios
from ecny_sim.pilot import Simulation
from ecny_sim.read.summary import build_summary
from ecny_sim.read.tally import Tally


def world(name: str) -> Simulation:
    s = scenarios.load(name)
    params = s.params(test_scale=True)
    sim = Simulation(s, params, seed=4)
    s.run(sim, params)
    return sim


@pytest.fixture(scope="module")
def runs():
    return {name: world(name) for name in ("wage_passthrough", "sme_relocation_clawback", "car_prepayment",
                                           "grant_purpose_binding")}


def failed_after(sim: Simulation, tamper) -> list[str]:
    """Invariants that fail once ``tamper`` rewrote one recorded event: the summary is built from a tally of
    the tampered record, as if the run's events had said so (then the run's own tally is restored)."""
    assert not [k for k, ok in build_summary(sim, "ok")["invariants"].items() if not ok]
    events = list(sim.events)
    for i, ev in enumerate(events):
        changed = tamper(ev)
        if changed is not None:
            events[i] = changed
            break
    else:
        raise AssertionError("nothing to tamper with")
    own = sim.tally
    sim.tally = Tally.of(sim, events)
    try:
        return [k for k, ok in build_summary(sim, "ok")["invariants"].items() if not ok]
    finally:
        sim.tally = own


def with_args(ev, **args):
    return dataclasses.replace(ev, args={**ev.args, **args})


def test_a_wage_released_to_someone_else_is_caught(runs):
    sim = runs["wage_passthrough"]
    crony = sim.addr("crony:sub_cousin")
    failed = failed_after(sim, lambda ev: with_args(ev, payee=crony)
                          if ev.name == "EarmarkReleased" and ev.contract == "ECNY" else None)
    assert any("nobody else received any" in k for k in failed)


def test_a_pay_run_not_moved_in_full_is_caught(runs):
    sim = runs["wage_passthrough"]
    failed = failed_after(sim, lambda ev: with_args(ev, amountFen=ev.args["amountFen"] - 1)
                          if ev.name == "EarmarkMoved" else None)
    assert any("moved each pay run's total" in k for k in failed)


def test_grant_money_to_a_payee_of_another_purpose_is_caught(runs):
    sim = runs["grant_purpose_binding"]
    staff = sim.addr("payroll:nanshan_robotics_staff")
    failed = failed_after(sim, lambda ev: with_args(ev, purpose=4)  # registered for equipment instead
                          if ev.name == "PayeeRegistered" and ev.args["payee"] == staff else None)
    assert any("allowed purpose" in k for k in failed)


def test_a_wrong_interest_figure_is_caught(runs):
    sim = runs["sme_relocation_clawback"]
    failed = failed_after(sim, lambda ev: with_args(ev, interestFen=ev.args["interestFen"] + 1)
                          if ev.name == "GrantClawedBack" else None)
    assert any(k.startswith("grants: owed = principal + interest") for k in failed)


def test_a_tranche_the_token_did_not_move_is_caught(runs):
    sim = runs["sme_relocation_clawback"]
    failed = failed_after(sim, lambda ev: with_args(ev, amountFen=ev.args["amountFen"] + 100)
                          if ev.name == "TranchePaid" else None)
    assert any("token moved exactly the tranches" in k for k in failed)
    assert any(k.startswith("grants: paid out = budget - unpaid") for k in failed)


def test_a_conditional_payment_reported_but_not_returned_is_caught(runs):
    sim = runs["car_prepayment"]
    failed = failed_after(sim, lambda ev: with_args(ev, amountFen=ev.args["amountFen"] * 2)
                          if ev.name == "PaymentReturned" else None)
    assert any("created = released + returned" in k for k in failed)
    assert any("the token locked, released and returned" in k for k in failed)
