"""Every built-in scenario at its test scale, and the figures domain.md gives, to the fen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ecny_sim.run import scenario as scenarios
from ecny_sim.pilot import run_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenario_runs import session_runs  # noqa: E402

ALL = scenarios.builtin_names()


def run(name: str, test_scale: bool = True, **overrides):
    s = scenarios.load(name)
    result = run_scenario(s, s.params(overrides, test_scale=test_scale), seed=3, out_dir=None)
    return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every built-in scenario at test scale: the session's shared runs."""
    return session_runs(tmp_path_factory)


@pytest.mark.parametrize("name", ALL)
def test_scenario_runs_at_test_scale_with_every_invariant_holding(runs, name):
    summary = runs[name].summary
    failed = [k for k, ok in summary["invariants"].items() if not ok]
    assert summary["outcome"] == "ok", (summary.get("message"), failed)
    assert failed == [] and summary["invariants"]
    assert all(key.endswith("_fen") for key in summary["totals"])


def test_builtin_list_is_the_issue_list():
    assert set(ALL) >= {"edu_term", "edu_withdraw", "edu_abscond", "edu_caps", "edu_dispute", "edu_refund_run",
                        "edu_relocation", "wallet_tier_limit", "redpacket_luohu_2020",
                        "redpacket_refund_after_expiry", "redpacket_rules", "sme_special_funds",
                        "sme_relocation_clawback", "grant_purpose_binding", "car_prepayment", "wage_passthrough"}


@pytest.mark.slow  # the headline at full scale (7 s); the golden files hold its test scale in `make test`
def test_edu_abscond_headline_figures():
    """40 pupils × 20 lessons × ¥150, school vanishes after lesson 10: ¥60,000 / ¥36,000 / ¥0 lost."""
    summary = run("edu_abscond", test_scale=False).summary
    comparison = summary["comparison"]
    assert comparison["unsupervised"]["parent_loss_fen"] == 6_000_000
    assert comparison["risk_deposit"]["parent_loss_fen"] == 3_600_000
    assert comparison["escrow"]["parent_loss_fen"] == 0
    assert comparison["risk_deposit"]["refunded_fen"] == 2_400_000
    assert comparison["escrow"]["refunded_fen"] == 6_000_000
    assert comparison["escrow"]["released_fen"] == 6_000_000
    for model in comparison:
        assert comparison[model]["paid_in_fen"] == 12_000_000
    assert summary["totals"]["locked_fen"] == 0


def test_edu_abscond_phantom_lessons_disputed_in_time_cost_escrow_parents_nothing():
    summary = run("edu_abscond", phantom_lessons=1).summary
    assert summary["comparison"]["escrow"]["parent_loss_fen"] == 0
    # 6 pupils, 3 of 6 lessons taught at ¥150: ¥2,700 untaught, all of it lost without supervision.
    assert summary["comparison"]["unsupervised"]["parent_loss_fen"] == 6 * 3 * 15_000
    assert all(summary["invariants"].values())


def test_edu_withdraw_default_figures():
    summary = run("edu_withdraw", test_scale=False).summary
    assert summary["totals"]["released_fen"] == 120_000
    assert summary["totals"]["refunded_fen"] == 180_000
    assert summary["balances_fen"] == {"school:taoli": 120_000, "parent:alice": 180_000}


def test_edu_term_default_figures():
    summary = run("edu_term", test_scale=False).summary
    assert summary["counts"]["lessons_released"] == 20
    assert summary["totals"]["released_fen"] == 300_000
    assert summary["totals"]["locked_fen"] == 0


def test_edu_caps_refuses_each_cap():
    result = run("edu_caps")
    assert result.summary["counts"]["expected_refusals"] == 5
    assert result.outcome == "ok"


def test_wallet_tier_limit_refuses_then_upgrades():
    result = run("wallet_tier_limit")
    assert result.summary["counts"]["expected_refusals"] == 1
    assert result.summary["totals"]["paid_in_fen"] == 300_000


def test_scenario_parameter_checks_are_bad_input():
    s = scenarios.load("edu_abscond")
    with pytest.raises(scenarios.BadInput, match="lessons_before_abscond"):
        s.params({"lessons": 5, "lessons_before_abscond": 5})
    with pytest.raises(scenarios.BadInput, match="pupils='forty'"):
        s.params({"pupils": "forty"})
    with pytest.raises(scenarios.BadInput, match="not a parameter"):
        s.params({"pupil": 3})
    with pytest.raises(scenarios.BadInput, match="start"):
        s.params({"start": "yesterday"})


def test_phantom_lessons_under_a_risk_deposit_leave_a_surplus_the_summary_accepts():
    """At test scale the deposit (¥180 an order) exceeds what is owed at the freeze after 2 phantom lessons
    (¥150): parents get ¥150 each from it, the rest is the school's surplus, and every invariant holds."""
    s = scenarios.load("edu_abscond")
    result = run_scenario(s, s.params({"phantom_lessons": 2}, test_scale=True), seed=7, out_dir=None)
    assert result.outcome == "ok", result.message
    risk = result.summary["comparison"]["risk_deposit"]
    assert risk["refunded_fen"] == 6 * 150_00 and risk["parent_loss_fen"] == 6 * (3 * 150_00 - 150_00)
