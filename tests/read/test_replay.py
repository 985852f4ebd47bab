"""Replay: every built-in scenario's journal replays to the same transactions and final state; a changed
field is caught at its line; a killed run replays to the state at the kill."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecny_sim.run import scenario as scenarios
from ecny_sim.pilot import run_scenario
from ecny_sim.run.journal_reader import BadJournal
from ecny_sim.read.replay import replay

ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("replay")
    out = {}
    for name in scenarios.builtin_names():
        s = scenarios.load(name)
        out[name] = base / name
        assert run_scenario(s, s.params(test_scale=True), seed=9, out_dir=out[name]).outcome == "ok"
    return out


@pytest.mark.parametrize("name", scenarios.builtin_names())
def test_every_builtin_scenario_replays(runs, name):
    result = replay(runs[name])
    assert result.matches, str(result.difference)
    summary = json.loads((runs[name] / "summary.json").read_text())
    assert result.final_state_hash == summary["final_state_hash"]
    assert result.replayed == summary["counts"]["transactions"]


def _tamper(src: Path, dst: Path, line_no: int, change) -> Path:
    dst.mkdir()
    lines = (src / "journal.jsonl").read_text().splitlines(keepends=True)
    record = json.loads(lines[line_no - 1])
    change(record)
    lines[line_no - 1] = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
    (dst / "journal.jsonl").write_text("".join(lines))
    return dst


def _line_of(run: Path, function: str) -> int:
    for line in (run / "journal.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r.get("function") == function:
            return r["line"]
    raise AssertionError(function)


def test_a_changed_gas_figure_is_caught_at_its_line(runs, tmp_path):
    n = _line_of(runs["edu_withdraw"], "cancelOrder")
    bad = _tamper(runs["edu_withdraw"], tmp_path / "gas", n, lambda r: r.update(gas_used=r["gas_used"] + 1))
    diff = replay(bad).difference
    assert diff.line == n and diff.field == "gas_used" and "cancelOrder" in diff.what


def test_a_changed_argument_is_caught_at_its_line(runs, tmp_path):
    n = _line_of(runs["edu_withdraw"], "issue")

    def more_money(r):
        r["args"][1] += 100
    diff = replay(_tamper(runs["edu_withdraw"], tmp_path / "arg", n, more_money)).difference
    assert diff.line == n and diff.field in ("events", "state_root")


def test_a_changed_event_is_caught(runs, tmp_path):
    n = _line_of(runs["edu_withdraw"], "cancelOrder")

    def richer(r):
        for e in r["events"]:
            if e["name"] == "OrderCancelled":
                e["args"]["refundFen"] += 1
    diff = replay(_tamper(runs["edu_withdraw"], tmp_path / "ev", n, richer)).difference
    assert diff.line == n and diff.field == "events"


def test_until_stops_after_that_line(runs):
    result = replay(runs["edu_term"], until=10)
    assert result.matches and result.replayed == 9 and result.final_state_hash is None


def test_incomplete_journal_replays_its_lines(runs, tmp_path):
    (tmp_path / "cut").mkdir()
    lines = (runs["edu_term"] / "journal.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "cut" / "journal.jsonl").write_text("".join(lines[:-5]))
    result = replay(tmp_path / "cut")
    assert result.matches and not result.run.complete and result.replayed == len(lines) - 6
    # CI can tell a killed run from a finished one: exit 4, unless the caller accepts an incomplete run
    told = subprocess.run([*ECNY_SIM, "replay", str(tmp_path / "cut")], capture_output=True, text=True)
    assert told.returncode == 4 and "the run was incomplete" in told.stdout
    allowed = subprocess.run([*ECNY_SIM, "replay", str(tmp_path / "cut"), "--allow-incomplete"],
                             capture_output=True, text=True)
    assert allowed.returncode == 0


@pytest.mark.parametrize("content, message", [
    ('{"type":"header","format":1', "cut off"),
    ('{"type":"header","format":99}\n', "format 99 is not supported"),
    ("hello, world\n", "not a journal"),
    ("", "empty file"),
])
def test_bad_journals_are_bad_input(tmp_path, content, message):
    (tmp_path / "journal.jsonl").write_text(content)
    with pytest.raises(BadJournal, match=message):
        replay(tmp_path)


def test_cli_exit_codes(runs, tmp_path):
    ok = subprocess.run([*ECNY_SIM, "replay", str(runs["edu_withdraw"])], capture_output=True, text=True)
    assert ok.returncode == 0 and "replay matches" in ok.stdout and "final state hash" in ok.stdout
    n = _line_of(runs["edu_withdraw"], "cancelOrder")
    bad = _tamper(runs["edu_withdraw"], tmp_path / "bad", n, lambda r: r.update(status=0))
    differs = subprocess.run([*ECNY_SIM, "replay", str(bad)], capture_output=True, text=True)
    assert differs.returncode == 1 and f"line {n}" in differs.stderr and "status" in differs.stderr
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "journal.jsonl").write_text((runs["edu_term"] / "journal.jsonl").read_text()[:-20])
    broken = subprocess.run([*ECNY_SIM, "replay", str(tmp_path / "cut")], capture_output=True, text=True)
    assert broken.returncode == 2 and "cut off" in broken.stderr and "Traceback" not in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1
    missing = subprocess.run([*ECNY_SIM, "replay", str(tmp_path / "nothing")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no journal" in missing.stderr


def test_a_run_killed_at_a_random_point_replays_to_the_state_at_the_kill(tmp_path):
    delay = random.Random(20221122).uniform(1.0, 3.0)  # seeded: the same point every time
    out = tmp_path / "killed"
    proc = subprocess.Popen([*ECNY_SIM, "run", "edu_refund_run", "--test-scale", "--set", "parents=300", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = out / "journal.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 2):
        time.sleep(0.05)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    lines = journal.read_text().splitlines()
    assert json.loads(lines[-1])["type"] == "tx", "the run finished before the kill: raise the test's scale"
    result = replay(out)
    assert result.matches and not result.run.complete
    assert result.replayed == len(lines) - 1
    assert result.chain.state_root() == json.loads(lines[-1])["state_root"]
