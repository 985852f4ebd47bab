"""Red-packet scenarios: the Luohu 2020 figures (published and scaled) and the refund after expiry."""

from __future__ import annotations

from ecny_sim.run import scenario as scenarios
from ecny_sim.pilot import run_scenario


def plan_for(scale: float):
    module = __import__("ecny_sim.scenarios.redpacket_luohu_2020", fromlist=["Plan", "Params"])
    return module.Plan(module.Params(scale=scale))


def test_full_campaign_plan_is_the_published_outcome():
    plan = plan_for(1)
    assert (plan.packets, plan.applicants, plan.merchants) == (50_000, 1_913_847, 3_389)
    assert (plan.claims, plan.payments) == (47_573, 62_788)
    assert plan.spent == 786_300_000 and plan.own == 90_100_000
    assert sum(plan.packet_spend) == plan.spent and sum(plan.own_spend) == plan.own
    budget = plan.packets * 20_000
    assert budget - plan.spent == 213_700_000  # ¥2,137,000 swept
    assert (plan.packets - plan.claims) * 20_000 == 48_540_000  # ¥485,400 never claimed


def test_worked_example_at_scale_002():
    plan = plan_for(0.02)
    assert (plan.packets, plan.claims, plan.payments) == (1_000, 951, 1_256)
    assert plan.spent == 15_726_000  # ¥157,260
    swept = plan.packets * 20_000 - plan.spent
    unclaimed = (plan.packets - plan.claims) * 20_000
    assert (swept, unclaimed, swept - unclaimed) == (4_274_000, 980_000, 3_294_000)


def test_luohu_on_chain_at_test_scale_matches_its_plan():
    s = scenarios.load("redpacket_luohu_2020")
    result = run_scenario(s, s.params(test_scale=True), seed=2, out_dir=None)
    summary = result.summary
    assert result.outcome == "ok", result.message
    plan = plan_for(0.002)
    assert summary["counts"]["claimed_packets"] == plan.claims
    assert summary["counts"]["payments"] == plan.payments
    totals = summary["totals"]
    assert totals["funded_fen"] == plan.packets * 20_000
    assert totals["spent_from_packets_fen"] == plan.spent
    assert totals["own_money_spent_fen"] == plan.own
    assert totals["swept_fen"] == plan.packets * 20_000 - plan.spent
    assert totals["swept_unclaimed_fen"] == (plan.packets - plan.claims) * 20_000
    assert totals["packet_money_unspent_fen"] == 0
    assert all(summary["invariants"].values())


def test_refund_after_expiry_totals():
    s = scenarios.load("redpacket_refund_after_expiry")
    totals = run_scenario(s, s.params(), seed=1, out_dir=None).summary["totals"]
    assert totals["refunded_to_buyer_fen"] == 10_000
    assert totals["returned_to_funder_fen"] == 20_000


def test_rules_scenario_refuses_each_rule():
    s = scenarios.load("redpacket_rules")
    result = run_scenario(s, s.params(), seed=1, out_dir=None)
    assert result.outcome == "ok", result.message
    assert result.summary["counts"]["expected_refusals"] == 6
    assert result.summary["totals"]["returned_to_funder_fen"] == 20_000 + 30_000  # closed wallet + sweep
