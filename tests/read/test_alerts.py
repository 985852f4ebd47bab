"""Alerts raised during a run: each kind, raised once per subject, and reproducible."""

from __future__ import annotations

from ecny_sim.run import scenario as scenarios
from ecny_sim.read.alerts import AlertSettings
from ecny_sim.pilot import run_scenario


def alerts_of(name_or_path: str, settings: AlertSettings | None = None, test_scale: bool = True, **overrides):
    s = scenarios.load(name_or_path)
    result = run_scenario(s, s.params(overrides, test_scale=test_scale), seed=4, out_dir=None,
                          alert_settings=settings)
    assert result.outcome == "ok", result.message
    return result.summary["alerts"]


def test_refund_run_raises_a_cancellation_wave_once():
    alerts = alerts_of("edu_refund_run")
    waves = [a for a in alerts if a["kind"] == "cancellation_wave"]
    assert len(waves) == 1 and waves[0]["subject"] == "school:xingguang"
    assert waves[0]["value"] > 0.2 and waves[0]["threshold"] == 0.2
    assert waves[0]["message"] == "9 of school:xingguang's 40 orders were cancelled within 24 hours (22%)"


def test_a_single_cancellation_is_no_wave():
    # edu_withdraw: the one parent of a class of one leaves, 100% of its orders but one cancellation
    assert alerts_of("edu_withdraw") == []
    (wave,) = alerts_of("edu_withdraw", AlertSettings(cancellation_min_count=1))
    assert wave["kind"] == "cancellation_wave" and wave["value"] == 1.0
    assert wave["message"] == "1 of school:taoli's 1 order was cancelled within 24 hours (100%)"
    assert AlertSettings().cancellation_min_count == 5


def test_a_calm_term_raises_nothing():
    assert alerts_of("edu_term") == []


def test_supervised_balance_above_the_custody_threshold():
    alerts = alerts_of("edu_refund_run", AlertSettings(supervised_balance_threshold_fen=1_000_000))
    high = [a for a in alerts if a["kind"] == "supervised_balance_high"]
    assert len(high) == 1 and high[0]["value"] > 1_000_000


def test_supervised_balance_counts_releases_and_refunds():
    # edu_term at test scale locks ¥2,700 in all; a threshold just above it never fires.
    assert alerts_of("edu_term", AlertSettings(supervised_balance_threshold_fen=270_001)) == []


OVERSOLD = '''"""A school sells a full term a few days before its end"""
from ecny_sim.run.scenario import ScenarioParams
from ecny_sim.domain.term import open_term

class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"

def run(sim, p):
    plan = sim.deploy_prepaid("escrow")
    term = open_term(sim, plan, "school:late", lessons=10, fee_per_lesson_fen=100, lessons_per_week=2,
                     first_lesson=p.start_ts + 86400)
    sim.at(term.schedule[-2])
    term.enrol(sim, ["parent:late"])
'''

CAMPAIGN = '''"""A campaign nobody spends"""
from ecny_sim.domain.redpacket import Campaign, MerchantRegistry
from ecny_sim.run.scenario import ScenarioParams

class Params(ScenarioParams):
    start: str = "2020-10-12 09:00"

def run(sim, p):
    registry = MerchantRegistry(sim)
    start, expiry = p.start_ts + 3600, p.start_ts + 3 * 86400
    c = Campaign(sim, funder="government:x", registry=registry, start=start, expiry=expiry,
                 packets=[("winner:a", 100), ("winner:b", 100)])
    sim.token.open_wallet("government:x", "corporate", 200)
    c.fund(200)
    sim.token.open_wallet("winner:a")
    sim.at(expiry - 3600)
    c.claim("winner:a")
'''


def test_course_oversold_and_campaign_unspent_near_expiry(tmp_path):
    (tmp_path / "oversold.py").write_text(OVERSOLD)
    (tmp_path / "campaign.py").write_text(CAMPAIGN)
    (oversold,) = alerts_of(str(tmp_path / "oversold.py"), test_scale=False)
    assert oversold["kind"] == "course_oversold" and oversold["value"] == 10 and oversold["threshold"] < 10
    (unspent,) = alerts_of(str(tmp_path / "campaign.py"), test_scale=False)
    assert unspent["kind"] == "campaign_unspent_near_expiry" and unspent["value"] == 1.0


def test_a_clawback_that_leaves_a_debt_raises_one_alert():
    (debt,) = alerts_of("sme_relocation_clawback")
    assert debt["kind"] == "grant_debt_outstanding" and debt["subject"] == "firm:qianhai_fintech grant 1"
    assert debt["value"] == 54_501_539 and "¥545,015.39" in debt["message"]


def test_a_clawback_covered_by_unspent_money_raises_nothing():
    # the firm spends nothing and owes no interest: its unspent grant money covers the whole debt
    alerts = alerts_of("sme_relocation_clawback", spent_on_payroll_fen=0, spent_on_rent_fen=0, interest_rate_bps=0)
    assert [a for a in alerts if a["kind"] == "grant_debt_outstanding"] == []


def test_firms_missing_milestones_past_the_share():
    alerts = alerts_of("sme_special_funds", missed_milestone_bps=2_000, cheating_firm=False)
    (missed,) = [a for a in alerts if a["kind"] == "milestones_missed"]
    assert missed["subject"] == "sme_funds_2022" and missed["value"] > 0.1 == missed["threshold"]
    quiet = alerts_of("sme_special_funds", AlertSettings(missed_milestone_share=0.5), missed_milestone_bps=2_000,
                      cheating_firm=False)
    assert quiet == []


def test_a_disputed_conditional_payment_names_the_verifiers_deadline():
    (dispute,) = alerts_of("car_prepayment")
    assert dispute["kind"] == "conditional_payment_disputed" and dispute["subject"] == "car_deposits payment 3"
    assert dispute["value"] == 30 * 86_400 and "must decide by 2024-05-05" in dispute["message"]
