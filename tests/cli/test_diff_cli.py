"""`ecny-sim diff`: parameters, totals, balances and the first diverging line between two runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ecny_sim.run import scenario as scenarios
from ecny_sim.read.compare import diff_runs
from ecny_sim.pilot import run_scenario

ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("diff")
    s = scenarios.load("edu_withdraw")
    for name, overrides in (("a", {}), ("a2", {}), ("later", {"lessons_before_withdrawal": 3})):
        run_scenario(s, s.params(overrides, test_scale=True), seed=1, out_dir=base / name)
    return base


def test_what_if_the_parent_leaves_later(runs):
    d = diff_runs(runs / "a", runs / "later")
    assert d.params == {"lessons_before_withdrawal": (2, 3)}
    assert d.totals["released_fen"] == (2 * 15_000, 3 * 15_000)
    assert d.totals["refunded_fen"] == (3 * 15_000, 2 * 15_000)
    assert d.balances["parent:alice"] == (3 * 15_000, 2 * 15_000)
    assert d.first_divergence is not None and d.first_divergence["fields"]
    assert not d.same_journal


def test_equal_runs_have_no_differences(runs):
    d = diff_runs(runs / "a", runs / "a2")
    assert d.same_journal and not d.params and not d.totals and not d.balances and d.first_divergence is None


def test_seeded_state_is_compared_like_a_transaction(tmp_path):
    s = scenarios.load("edu_city_term")
    for name, seeded in (("seeded", True), ("sent", False)):
        run_scenario(s, s.params({"pupils": 15, "lessons": 1, "largest_institution": 15, "seeded_wallets": seeded},
                                 test_scale=True), seed=1, out_dir=tmp_path / name)
    d = diff_runs(tmp_path / "seeded", tmp_path / "sent")
    first = d.first_divergence
    assert (first["a_step"], first["b_step"]) == ("bank -> ECNY.seed", "bank -> ECNY.openWallets")
    assert [e["name"] for e in first["a"]["events"]] == ["WalletOpened", "Issued"] * 15
    assert not d.totals and not d.balances  # the same money either way


def test_cli_json_and_bad_input(runs, tmp_path):
    proc = subprocess.run([*ECNY_SIM, "diff", str(runs / "a"), str(runs / "later"), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["totals"]["released_fen"] == {"a": 30_000, "b": 45_000}
    bad = subprocess.run([*ECNY_SIM, "diff", str(runs / "a"), str(tmp_path)], capture_output=True, text=True)
    assert bad.returncode == 2 and "no journal" in bad.stderr and "Traceback" not in bad.stderr
