"""`ecny-sim inspect`: the regulator's view after a run and at a journal line, rebuilt by replay."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ecny_sim import scenario as scenarios
from ecny_sim.engine import run_scenario
from ecny_sim.inspect import inspect_run
from ecny_sim.scenario import BadInput

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
