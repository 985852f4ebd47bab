"""`ecny-sim run --backend`: the chain a run uses, recorded in its journal; an unknown one is one line (exit 2);
a backend that cannot start ends the run with exit 6 in one line and leaves no folder (not even a half one).

Without anvil in node_modules (`make solc` installs it) the anvil runs skip with one message;
ECNY_REQUIRE_ANVIL=1 makes them fail instead."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecny_sim.chain.anvil import MISSING
from ecny_sim.cli.main import app
from ecny_sim.pilot import run_scenario
from ecny_sim.run import scenario as scenarios
from ecny_sim.run.engine import EXIT_CHAIN

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from anvil_nodes import require_anvil  # noqa: E402

runner = CliRunner()
WIDE = {"COLUMNS": "300"}


@pytest.fixture(scope="module")
def anvil_binary() -> Path:
    return require_anvil()


def _lines(result) -> list[str]:
    return [line for line in result.stderr.strip().splitlines() if line.strip()]


def test_unknown_backend_is_one_line(tmp_path):
    result = runner.invoke(app, ["run", "edu_withdraw", "--test-scale", "--backend", "geth",
                                 "--out", str(tmp_path / "o")], env=WIDE)
    assert result.exit_code == 2, result.output
    assert _lines(result) == ["error: --backend must be one of pyevm, anvil, not 'geth'"]
    assert "Traceback" not in result.output and list(tmp_path.iterdir()) == []


def test_backend_that_cannot_start_is_exit_6_and_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("ecny_sim.chain.anvil.find_anvil", lambda: None)
    out = tmp_path / "o"
    result = runner.invoke(app, ["run", "edu_withdraw", "--test-scale", "--backend", "anvil", "--report",
                                 "--out", str(out)], env=WIDE)
    assert result.exit_code == EXIT_CHAIN, result.output
    assert _lines(result) == [f"error: the chain backend could not start: {MISSING}"]
    assert "make solc" in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # neither o nor o.incomplete


def test_a_failed_start_leaves_an_earlier_run_alone(tmp_path, monkeypatch):
    out = tmp_path / "o"
    assert runner.invoke(app, ["run", "edu_withdraw", "--test-scale", "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr("ecny_sim.chain.anvil.find_anvil", lambda: None)
    result = runner.invoke(app, ["run", "edu_withdraw", "--test-scale", "--backend", "anvil", "--out", str(out)])
    assert result.exit_code == EXIT_CHAIN
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_engine_start_failure_is_chain_failed(tmp_path, monkeypatch):
    """Programs calling run_scenario get the outcome, not an exception, and no folder it created."""
    monkeypatch.setattr("ecny_sim.chain.anvil.find_anvil", lambda: None)
    scenario = scenarios.load("edu_withdraw")
    result = run_scenario(scenario, scenario.params(test_scale=True), 1, tmp_path / "new" , backend="anvil")
    assert (result.outcome, result.exit_code, result.summary) == ("chain_failed", EXIT_CHAIN, {})
    assert result.message == f"the chain backend could not start: {MISSING}"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_run_on_anvil_records_it(anvil_binary, tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(app, ["run", "edu_withdraw", "--test-scale", "--backend", "anvil", "--out", str(out)])
    assert result.exit_code == 0, result.output
    header = json.loads((out / "journal.jsonl").read_text().splitlines()[0])
    assert header["chain"]["backend"] == "anvil 1.7.1"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["outcome"] == "ok" and summary["totals"]["refunded_fen"] == 3 * 15_000
