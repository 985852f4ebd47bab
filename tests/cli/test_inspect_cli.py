"""`ecny-sim inspect`: the regulator's view after a run and at a journal line, rebuilt by replay."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ecny_sim.run import scenario as scenarios
from ecny_sim.pilot import run_scenario
from ecny_sim.read.inspect import inspect_run
from ecny_sim.run.scenario import BadInput

ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("inspect") / "abscond"
    s = scenarios.load("edu_abscond")
    assert run_scenario(s, s.params(test_scale=True), seed=2, out_dir=out).outcome == "ok"
    return out


def _line_of_first(run_dir, function):
    for line in (run_dir / "journal.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r.get("function") == function:
            return r["line"]
    raise AssertionError(function)


def test_after_the_run_every_escrow_order_is_refunded(run_dir):
    view = inspect_run(run_dir)
    escrow = next(i for i in view["institutions"] if i["contract"] == "escrow")
    assert escrow["status"] == "Frozen" and escrow["supervised_fen"] == 0
    assert escrow["orders_by_state"] == {"Refunded": 6}
    assert escrow["refunded_fen"] == 6 * 3 * 15_000
    summary = json.loads((run_dir / "summary.json").read_text())
    assert {a: v["balance_fen"] for a, v in view["actors"].items()} == summary["balances_fen"]


def test_at_a_line_before_the_freeze_money_is_still_supervised(run_dir):
    at = _line_of_first(run_dir, "freezeInstitution") - 1
    view = inspect_run(run_dir, at=at)
    escrow = next(i for i in view["institutions"] if i["contract"] == "escrow")
    assert escrow["status"] == "Approved"
    assert escrow["supervised_fen"] == 6 * 3 * 15_000  # three untaught lessons each, still locked
    assert sum(escrow["orders_by_state"].values()) == 6 and "Refunded" not in escrow["orders_by_state"]
    statement = view["actors"]["parent:esc-001"]["statement"]
    assert statement[0]["change_fen"] == 6 * 15_000 and all(r["line"] <= at for r in statement)


def test_cli_json_and_bad_at(run_dir):
    proc = subprocess.run([*ECNY_SIM, "inspect", str(run_dir), "--json"], capture_output=True, text=True)
    assert proc.returncode == 0 and json.loads(proc.stdout)["scenario"] == "edu_abscond"
    bad = subprocess.run([*ECNY_SIM, "inspect", str(run_dir), "--at", "99999"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--at 99999" in bad.stderr and "Traceback" not in bad.stderr
    with pytest.raises(BadInput):
        inspect_run(run_dir, at=1)


def _run(tmp_path_factory, name: str):
    out = tmp_path_factory.mktemp("inspect") / name
    s = scenarios.load(name)
    assert run_scenario(s, s.params(test_scale=True), seed=2, out_dir=out).outcome == "ok"
    return out


def test_a_clawback_is_shown_before_and_after_the_firm_repays(tmp_path_factory):
    out = _run(tmp_path_factory, "sme_relocation_clawback")
    (programme,) = inspect_run(out)["programmes"]
    assert programme["grants_by_status"] == {"Settled": 1} and programme["outstanding_fen"] == 0
    assert programme["owed_fen"] == 75_000_000 + 4_501_539
    # budget ¥1,000,000 all paid out; back: ¥250,000 unspent + ¥250,000 withheld + ¥295,015.39 repaid
    assert programme["balance_fen"] == 25_000_000 + 25_000_000 + 29_501_539
    breach = _line_of_first(out, "recordBreach")
    (grant,) = inspect_run(out, at=breach)["grants"]
    assert grant["status"] == "ClawedBack" and grant["firm"] == "firm:qianhai_fintech"
    assert (grant["paid_fen"], grant["interest_fen"], grant["returned_unspent_fen"]) == (75_000_000, 4_501_539,
                                                                                         25_000_000)
    assert grant["outstanding_fen"] == grant["owed_fen"] - 25_000_000 == 54_501_539
    text = subprocess.run([*ECNY_SIM, "inspect", str(out), "--at", str(breach)], capture_output=True, text=True,
                          env={**__import__("os").environ, "COLUMNS": "200"})
    assert text.returncode == 0 and "Clawbacks" in text.stdout and "¥545,015.39" in text.stdout


def test_conditional_payments_and_pay_runs_are_listed(tmp_path_factory):
    view = inspect_run(_run(tmp_path_factory, "car_prepayment"))
    deposits = [c for c in view["conditional_payments"] if c["contract"] == "car_deposits"]
    assert [(c["payer"], c["status"]) for c in deposits] == [
        ("buyer:wang", "Released"), ("buyer:zhao", "Returned"), ("buyer:sun", "Released")]
    assert all(c["verifier"] == "verifier:consumer_council" and c["amount_fen"] == 2_000_000 for c in deposits)
    runs = inspect_run(_run(tmp_path_factory, "wage_passthrough"))["pay_runs"]
    assert [(r["workers_paid"], r["workers"]) for r in runs] == [(6, 6), (6, 6)]
    assert all(r["paid_fen"] == r["total_fen"] > 0 and r["subcontractor"] == "contractor:sub" for r in runs)
