"""Conditional-subsidy scenarios (issue 4): their printed figures, worked by hand from the parameters."""

from __future__ import annotations

import pytest

from ecny_sim.run import scenario as scenarios
from ecny_sim.pilot import run_scenario

YEAR_BPS_DAYS = 10_000 * 365


def run(name: str, seed: int = 5, test_scale: bool = True, **overrides):
    s = scenarios.load(name)
    result = run_scenario(s, s.params(overrides, test_scale=test_scale), seed=seed, out_dir=None)
    assert result.outcome == "ok", result.message
    assert not [k for k, ok in result.summary["invariants"].items() if not ok]
    return result.summary


def test_relocation_clawback_owes_principal_plus_interest_worked_by_hand():
    t = run("sme_relocation_clawback")["totals"]
    # Tranches of ¥250,000 paid on days 0, 365 and 730; the firm moves out 1,000 days after the first.
    interest = sum(25_000_000 * 345 * days // YEAR_BPS_DAYS for days in (1_000, 635, 270))
    assert interest == 2_363_013 + 1_500_513 + 638_013 == 4_501_539  # ¥45,015.39
    assert t["principal_fen"] == 75_000_000 and t["interest_fen"] == interest
    assert t["owed_fen"] == 75_000_000 + interest
    assert t["returned_unspent_fen"] == 75_000_000 - 50_000_000  # ¥500,000 spent on payroll and rent
    assert t["withheld_fen"] == 25_000_000  # the year-3 tranche
    assert t["repaid_fen"] == t["owed_fen"] - 25_000_000 - 25_000_000 == 29_501_539
    assert t["outstanding_fen"] == 0
    assert t["programme_balance_fen"] == t["budget_fen"] - t["paid_out_fen"] + t["returned_unspent_fen"] \
        + t["repaid_fen"] + t["withheld_fen"]


def test_relocation_clawback_follows_its_parameters():
    t = run("sme_relocation_clawback", interest_rate_bps=500, move_out_day=700, tranches_fen=[10_000_000] * 3,
            days_between_tranches=400, spent_on_payroll_fen=1_000_000, spent_on_rent_fen=0)["totals"]
    interest = 10_000_000 * 500 * 700 // YEAR_BPS_DAYS + 10_000_000 * 500 * 300 // YEAR_BPS_DAYS
    assert t["interest_fen"] == interest
    assert t["returned_unspent_fen"] == 19_000_000
    # ¥10,000 spent, so ¥10,000 + interest is still owed: the last tranche covers it and the rest is cancelled
    assert t["withheld_fen"] == 1_000_000 + interest and t["repaid_fen"] == 0
    assert t["cancelled_fen"] == 10_000_000 - t["withheld_fen"]


def test_purpose_binding_refuses_grant_money_outside_its_purposes_and_frees_own_money():
    summary = run("grant_purpose_binding")
    t = summary["totals"]
    assert t["grant_spent_fen"] == 8_000_000 + 3_000_000
    assert t["grant_unspent_fen"] == 20_000_000 - 11_000_000
    assert t["paid_with_own_money_fen"] == 4_000_000
    assert summary["counts"]["expected_refusals"] == 4
    assert summary["balances_fen"]["dealer:lathe_machines"] == 4_000_000
    assert summary["balances_fen"]["wallet:unregistered_shop"] == 0


def test_car_prepayment_releases_delivered_deposits_and_returns_the_late_one():
    summary = run("car_prepayment")
    t = summary["totals"]
    deposit, subsidy = 2_000_000, 1_000_000
    assert t["conditional_created_fen"] == 3 * deposit + 2 * subsidy
    assert t["conditional_released_fen"] == 2 * deposit + 2 * subsidy
    assert t["conditional_returned_fen"] == deposit
    assert t["conditional_pending_fen"] == 0
    b = summary["balances_fen"]
    assert b["dealer:pingshan_nev"] == 2 * deposit
    assert (b["buyer:wang"], b["buyer:zhao"], b["buyer:sun"]) == (subsidy, deposit, subsidy)
    assert summary["counts"]["conditional_disputes"] == 1


def test_wage_passthrough_pays_every_listed_fen_and_refuses_the_diversions():
    summary = run("wage_passthrough", workers=8, stalled_workers=3, months=3)
    t = summary["totals"]
    assert t["wages_funded_fen"] == t["wages_paid_fen"] > 0
    assert t["wages_pending_fen"] == t["wages_returned_fen"] == 0
    # two diversions refused; the third (paying a crony off the pay run) is passed over in the pay batch
    assert summary["counts"]["expected_refusals"] == 2
    assert summary["invariants"]["a wage for someone off the payroll is passed over, nothing paid"] is True
    assert summary["counts"]["wages_paid"] == 8 * 3
    workers = {k: v for k, v in summary["balances_fen"].items() if k.startswith("worker:")}
    assert sum(workers.values()) == t["wages_paid_fen"]
    assert summary["balances_fen"]["contractor:sub"] == 1_000_000


def test_special_funds_plan_at_full_scale_is_the_published_programme():
    module = __import__("ecny_sim.scenarios.sme_special_funds", fromlist=["Params"])
    import random

    p = module.Params(scale=1)
    firms, budget = p.scaled()
    assert (firms, budget) == (2_422, 61_600_000_000)
    sizes = module.grant_sizes(budget, firms, p.size_spread_pct, random.Random(1))
    assert sum(sizes) == budget and len(sizes) == firms
    assert all(sum(module.tranches(s, p.tranche_split_pct)) == s for s in sizes)


def test_special_funds_at_test_scale_pays_everything_but_the_cancelled_tranches():
    summary = run("sme_special_funds")
    t, c = summary["totals"], summary["counts"]
    assert c["grants"] == 24
    assert t["budget_fen"] == 616_000_000
    assert t["unpaid_fen"] == t["cancelled_fen"] > 0
    assert t["paid_out_fen"] == t["budget_fen"] - t["unpaid_fen"] == t["paid_to_firms_fen"]
    # the cheat: everything received plus interest came back, part at once and the rest repaid
    assert c["clawbacks"] == 1 and summary["counts"]["expected_refusals"] == 1
    assert t["owed_fen"] == t["principal_fen"] + t["interest_fen"] == t["returned_unspent_fen"] + t["repaid_fen"]
    assert t["interest_fen"] > 0 and t["outstanding_fen"] == 0
    assert t["programme_balance_fen"] == t["cancelled_fen"] + t["owed_fen"]
    assert c["milestones_missed"] == round(24 * 500 / 10_000) == 1
    assert c["tranches_paid"] == 24 * 3 - 2  # the one firm missed its six-month review: two tranches cancelled
    assert c["grant_payments"] == 24


@pytest.mark.parametrize("name, overrides, message", [
    ("sme_relocation_clawback", {"move_out_day": 6_000}, "move_out_day"),
    ("sme_relocation_clawback", {"tranches_fen": [0, 5]}, "tranche"),
    ("sme_special_funds", {"tranche_split_pct": [50, 30, 30]}, "add up to 100"),
    ("sme_special_funds", {"scale": 0}, "scale"),
    ("grant_purpose_binding", {"allowed_purposes": ["payroll", "rent", "equipment"]}, "equipment"),
    ("grant_purpose_binding", {"allowed_purposes": ["travel"]}, "allowed_purposes"),
    ("car_prepayment", {"on_time_day": 90}, "on_time_day"),
    ("car_prepayment", {"registration_days": 10}, "registration_days"),
    ("car_prepayment", {"deposit_fen": 10**11}, "per-payment limit"),
    ("car_prepayment", {"delivery_days": 10**14}, "delivery_days"),
    ("wage_passthrough", {"wage_spread_fen": 10**7}, "wage_spread_fen"),
    ("wage_passthrough", {"workers": 3, "stalled_workers": 3}, "stalled_workers"),
    ("wage_passthrough", {"workers": 500}, "workers"),
    ("sme_special_funds", {"days_to_milestone": [1, 2, 3]}, "more than 7 days"),
])
def test_bad_parameters_are_bad_input(name, overrides, message):
    with pytest.raises(scenarios.BadInput, match=message):
        scenarios.load(name).params(overrides)


def test_relocation_clawback_tops_up_a_firm_short_of_own_money():
    t = run("sme_relocation_clawback", firm_own_money_fen=0)["totals"]
    assert t["repaid_fen"] == 29_501_539 and t["outstanding_fen"] == 0
