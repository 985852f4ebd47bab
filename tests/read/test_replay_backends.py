"""Replay on either backend: a run on py-evm replays on anvil and one on anvil on py-evm, comparing status,
gas, events, errors, transaction hashes and the final state hash (not state roots), and saying so; on its own
backend everything is compared, state roots too; a tampered journal is caught on anvil.

Without anvil in node_modules (`make solc` installs it) these tests skip with one message;
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
from ecny_sim.read.replay import ACROSS_BACKENDS, replay
from ecny_sim.run import scenario as scenarios
from test_replay import _line_of, _tamper

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from anvil_nodes import KillNode, require_anvil  # noqa: E402

NAMES = ("edu_withdraw", "redpacket_rules", "sme_special_funds")


@pytest.fixture(scope="module")
def anvil_binary() -> Path:
    return require_anvil()


@pytest.fixture(scope="module")
def runs(anvil_binary, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(scenario, backend) -> a run at test scale; py-evm for all three, anvil for two."""
    base = tmp_path_factory.mktemp("replay_backends")
    out = {}
    for name, backend in [(n, "pyevm") for n in NAMES] + [("edu_withdraw", "anvil"), ("sme_special_funds", "anvil")]:
        s = scenarios.load(name)
        out[name, backend] = base / f"{name}-{backend}"
        result = run_scenario(s, s.params(test_scale=True), 3, out[name, backend], backend=backend)
        assert result.outcome == "ok", result.message
    return out


def _replayed(run: Path, backend: str | None):
    result = replay(run, backend=backend)
    result.chain.close()
    return result


@pytest.mark.parametrize("name, recorded, on", [
    ("edu_withdraw", "pyevm", "anvil"), ("redpacket_rules", "pyevm", "anvil"),
    ("sme_special_funds", "pyevm", "anvil"), ("edu_withdraw", "anvil", "pyevm"),
    ("sme_special_funds", "anvil", "pyevm"),
])
def test_cross_backend_replay(runs, name, recorded, on):
    run = runs[name, recorded]
    result = _replayed(run, on)
    assert result.matches, str(result.difference)
    assert (result.backend, result.across) == (on, True)
    summary = json.loads((run / "summary.json").read_text())
    assert result.final_state_hash == summary["final_state_hash"]
    assert result.replayed == summary["counts"]["transactions"]


def test_the_final_state_hash_is_the_same_on_both(runs):
    for name in ("edu_withdraw", "sme_special_funds"):
        hashes = {json.loads((runs[name, b] / "summary.json").read_text())["final_state_hash"] for b in ("pyevm", "anvil")}
        assert len(hashes) == 1


def test_same_backend_compares_state_roots_too(runs, tmp_path):
    run = runs["edu_withdraw", "anvil"]
    result = _replayed(run, None)  # the run's own: anvil, from the header
    assert result.matches and (result.backend, result.across) == ("anvil", False)

    def other_root(r):
        r["state_root"] = "0x" + "ab" * 32
    lines = [json.loads(line) for line in (run / "journal.jsonl").read_text().splitlines()]
    n = next(r["line"] for r in lines if r["type"] == "root")
    diff = _replayed(_tamper(run, tmp_path / "root", n, other_root), None).difference
    assert diff is not None and diff.line == n and diff.field == "state_root"
    # across backends the same changed root is not compared, so it passes
    assert _replayed(tmp_path / "root", "pyevm").matches


def test_a_tampered_journal_is_caught_on_anvil(runs, tmp_path):
    run = runs["edu_withdraw", "pyevm"]
    n = _line_of(run, "cancelOrder")
    bad = _tamper(run, tmp_path / "gas", n, lambda r: r.update(gas_used=r["gas_used"] + 1))
    diff = _replayed(bad, "anvil").difference
    assert diff.line == n and diff.field == "gas_used" and "cancelOrder" in diff.what

    def richer(r):
        for e in r["events"]:
            if e["name"] == "OrderCancelled":
                e["args"]["refundFen"] += 1
    diff = _replayed(_tamper(run, tmp_path / "ev", n, richer), "anvil").difference
    assert diff.line == n and diff.field == "events"


def test_replay_command_says_what_it_compared(runs):
    runner = CliRunner()
    wide = {"COLUMNS": "300"}
    result = runner.invoke(app, ["replay", str(runs["redpacket_rules", "pyevm"]), "--backend", "anvil"], env=wide)
    assert result.exit_code == 0, result.output
    assert f"replay matches (across backends: {ACROSS_BACKENDS})" in result.stdout
    result = runner.invoke(app, ["replay", str(runs["edu_withdraw", "anvil"])], env=wide)
    assert result.exit_code == 0 and "across" not in result.stdout
    result = runner.invoke(app, ["replay", str(runs["edu_withdraw", "anvil"]), "--backend", "besu"], env=wide)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --backend must be one of pyevm, anvil, not 'besu'"


def test_replay_without_anvil_is_exit_6_in_one_line(runs, monkeypatch):
    monkeypatch.setattr("ecny_sim.chain.anvil.find_anvil", lambda: None)
    result = CliRunner().invoke(app, ["replay", str(runs["edu_withdraw", "pyevm"]), "--backend", "anvil"],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 6
    assert result.stderr.strip() == f"error: the chain backend failed: {MISSING}"




def test_a_run_whose_node_died_replays_to_its_last_line(anvil_binary, tmp_path):
    s = scenarios.load("edu_withdraw")
    result = run_scenario(s, s.params(test_scale=True), 3, tmp_path / "died", observers=[KillNode(10)],
                          backend="anvil")
    assert result.outcome == "chain_failed"
    for on in ("anvil", "pyevm"):
        replayed = _replayed(tmp_path / "died", on)
        assert replayed.matches, str(replayed.difference)
        assert replayed.chain_failed and replayed.replayed == 10 and replayed.final_state_hash is None
    out = CliRunner().invoke(app, ["replay", str(tmp_path / "died"), "--backend", "pyevm"], env={"COLUMNS": "300"})
    assert out.exit_code == 4 and "the run's chain backend failed after its last line" in out.stdout
    out = CliRunner().invoke(app, ["replay", str(tmp_path / "died"), "--allow-incomplete"])
    assert out.exit_code == 0
