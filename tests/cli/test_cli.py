"""The command line as a user meets it: exit codes, one-line errors, what gets written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*ECNY_SIM, *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "no_such_scenario"], "unknown scenario 'no_such_scenario'"),
        (["run", "edu_term", "--set", "pupils=many"], "pupils='many'"),
        (["run", "edu_term", "--set", "pupil=3"], "not a parameter"),
        (["run", "edu_term", "--set", "pupils"], "--set expects key=value"),
        (["run", "edu_term", "--set", "pupils=0"], "pupils=0"),
        (["run", "edu_term", "--params", "missing.json"], "no parameter file at missing.json"),
        (["run", "edu_term", "--params", "bad.json"], "not valid JSON"),
        (["run", "edu_term", "--params", "list.json"], "expected a JSON object"),
        (["run", "missing_script.py"], "no scenario file at missing_script.py"),
        (["run", "broken_script.py"], "could not load scenario"),
        (["run", "edu_abscond", "--set", "lessons=4", "--set", "lessons_before_abscond=4"], "must leave some"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, args, message):
    (tmp_path / "bad.json").write_text("{pupils: 3")
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "broken_script.py").write_text("import no_such_module_here\n")
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["bad.json", "list.json", "broken_script.py"])


def test_run_writes_journal_and_summary(tmp_path):
    proc = cli("run", "edu_withdraw", "--test-scale", "--seed", "5", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "runs" / "edu_withdraw-seed5"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "edu_withdraw" and summary["seed"] == 5 and summary["outcome"] == "ok"
    assert summary["params"]["lessons"] == 5
    assert summary["totals"]["refunded_fen"] == 3 * 15_000
    end = json.loads((out / "journal.jsonl").read_text().splitlines()[-1])
    assert end["type"] == "end" and end["outcome"] == "ok"
    assert "¥450" in proc.stdout  # the readable account


def test_params_file_and_set_combine(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps({"lessons": 4, "lessons_before_withdrawal": 1}))
    proc = cli("run", "edu_withdraw", "--params", "p.json", "--set", "lessons_before_withdrawal=3",
               "--out", "o", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["params"]["lessons"] == 4 and summary["params"]["lessons_before_withdrawal"] == 3
    assert summary["totals"]["released_fen"] == 3 * 15_000


UNEXPECTED_REVERT = '''"""A scenario whose parent cancels twice"""
from ecny_sim.run.scenario import ScenarioParams
from ecny_sim.domain.term import open_term

class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"

def run(sim, p):
    plan = sim.deploy_prepaid("escrow")
    term = open_term(sim, plan, "school:a", lessons=4, fee_per_lesson_fen=100, lessons_per_week=2,
                     first_lesson=p.start_ts + 86400)
    (order,) = term.enrol(sim, ["parent:a"])
    plan.cancel("parent:a", order.id)
    plan.cancel("parent:a", order.id)
'''

FAILED_CHECK = '''"""A scenario whose own check fails"""
from ecny_sim.run.scenario import ScenarioParams

class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"

def run(sim, p):
    sim.token.open_wallet("parent:a", "id_verified", 100)
    sim.check("the parent holds a million yuan", sim.token.balance("parent:a") == 100_000_000)
'''


def test_unexpected_revert_exits_3_named_and_recorded(tmp_path):
    (tmp_path / "twice.py").write_text(UNEXPECTED_REVERT)
    proc = cli("run", "twice.py", "--out", "o", cwd=tmp_path)
    assert proc.returncode == 3
    assert "Prepaid_OrderNotActive" in proc.stderr and "cancelOrder" in proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["outcome"] == "unexpected_revert" and "Prepaid_OrderNotActive" in summary["message"]
    lines = [json.loads(x) for x in (tmp_path / "o" / "journal.jsonl").read_text().splitlines()]
    assert lines[-1]["type"] == "end" and lines[-1]["outcome"] == "unexpected_revert"
    failed = [r for r in lines if r["type"] == "tx"][-1]
    assert failed["status"] == 0 and failed["error"]["name"] == "Prepaid_OrderNotActive"


def test_failed_invariant_exits_1_and_still_writes(tmp_path):
    (tmp_path / "poor.py").write_text(FAILED_CHECK)
    proc = cli("run", "poor.py", "--out", "o", cwd=tmp_path)
    assert proc.returncode == 1
    assert "the parent holds a million yuan" in proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["outcome"] == "invariant_failed"
    assert summary["invariants"]["the parent holds a million yuan"] is False
    end = json.loads((tmp_path / "o" / "journal.jsonl").read_text().splitlines()[-1])
    assert end["outcome"] == "invariant_failed"


def test_list_names_every_builtin(tmp_path):
    proc = cli("list", cwd=tmp_path)
    assert proc.returncode == 0
    for name in ("edu_abscond", "edu_term", "edu_withdraw", "edu_caps", "edu_dispute", "edu_refund_run",
                 "edu_relocation", "wallet_tier_limit"):
        assert name in proc.stdout


SCRIPT_BUG = '''"""A scenario with a bug"""
from ecny_sim.run.scenario import ScenarioParams

class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"

def run(sim, p):
    sim.token.open_wallet("parent:a", "id_verified", 100)
    {}["missing"]
'''


def test_a_bug_in_a_scenario_script_is_one_line_and_the_outputs_stay_whole(tmp_path):
    (tmp_path / "buggy.py").write_text(SCRIPT_BUG)
    proc = cli("run", "buggy.py", "--out", "o", cwd=tmp_path)
    assert proc.returncode == 5
    assert "scenario raised KeyError: 'missing'" in proc.stderr and "buggy.py:9" in proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["outcome"] == "scenario_error"
    end = json.loads((tmp_path / "o" / "journal.jsonl").read_text().splitlines()[-1])
    assert end["type"] == "end" and end["outcome"] == "scenario_error"


def test_narrate_when_piped_never_waits_and_names_every_refund(tmp_path):
    proc = subprocess.run([*ECNY_SIM, "run", "edu_abscond", "--test-scale", "--narrate", "--lang", "zh",
                           "--out", "o"], cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    for i in range(1, 7):
        assert f"parent:esc-{i:03d}拿回" in proc.stdout
    assert "--lang must be" in cli("run", "edu_term", "--lang", "fr", cwd=tmp_path).stderr
