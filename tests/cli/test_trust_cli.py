"""report, inspect, diff and export vouch for a run: a summary that is not its journal's own, a summary edited
by hand, a journal changed after the run or one of format 1 is refused in one line (exit 2), nothing written.
The run, the summary, the report and the CSV all name the journal's final hash."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from journal_edits import as_format_1  # noqa: E402

from ecny_sim.cli.main import app
from ecny_sim.pilot import run_scenario
from ecny_sim.run import scenario as scenarios

runner = CliRunner()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("trust")
    out = {}
    for name, seed in (("edu_withdraw", 1), ("edu_term", 1), ("edu_withdraw", 2)):
        s = scenarios.load(name)
        out[f"{name}-{seed}"] = base / f"{name}-{seed}"
        assert run_scenario(s, s.params(test_scale=True), seed, out[f"{name}-{seed}"]).outcome == "ok"
    return out


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edited_summary(runs, tmp_path) -> Path:
    run = _copy(runs["edu_withdraw-1"], tmp_path / "edited")
    summary = json.loads((run / "summary.json").read_text())
    summary["totals"]["refunded_fen"] = 999_999
    (run / "summary.json").write_text(json.dumps(summary, indent=2))
    return run


def _other_summary(runs, tmp_path) -> Path:
    run = _copy(runs["edu_withdraw-1"], tmp_path / "other")
    shutil.copy2(runs["edu_term-1"] / "summary.json", run / "summary.json")
    return run


def _changed_line(runs, tmp_path) -> Path:
    run = _copy(runs["edu_withdraw-1"], tmp_path / "changed")
    lines = (run / "journal.jsonl").read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"gas_limit":', '"gas_limit":1')
    (run / "journal.jsonl").write_text("".join(lines))
    return run


def _format_1(runs, tmp_path) -> Path:
    return as_format_1(tmp_path / "v1")


CASES = {
    "edited summary": (_edited_summary, "summary.json was edited after the run wrote it"),
    "another run's summary": (_other_summary, "summary.json does not belong to this journal"),
    "changed line": (_changed_line, "line 4 is not what the run wrote"),
    "format 1": (_format_1, "journal format 1 (ecny-sim 0.1) carries no hashes"),
}
COMMANDS = {
    "report": lambda run, other: ["report", str(run)],
    "inspect": lambda run, other: ["inspect", str(run)],
    "export": lambda run, other: ["export", str(run), "--csv"],
    "diff": lambda run, other: ["diff", str(other), str(run)],
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES)
def test_a_run_that_cannot_be_vouched_for_is_refused_in_one_line(runs, tmp_path, case, command):
    make, message = CASES[case]
    run = make(runs, tmp_path)
    before = sorted(p.name for p in run.iterdir())
    result = runner.invoke(app, COMMANDS[command](run, runs["edu_withdraw-2"]), env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output and sorted(p.name for p in run.iterdir()) == before


def test_the_summary_report_and_csv_name_the_journals_final_hash(runs, tmp_path):
    run = _copy(runs["edu_withdraw-1"], tmp_path / "ok")
    final = hashlib.sha256((run / "journal.jsonl").read_bytes()).hexdigest()
    assert json.loads((run / "summary.json").read_text())["journal_sha256"] == final
    assert runner.invoke(app, ["report", str(run)]).exit_code == 0
    assert f"Journal sha256 {final}" in (run / "report.html").read_text()
    assert runner.invoke(app, ["export", str(run), "--csv"]).exit_code == 0
    assert f"journal_sha256,{final}" in (run / "csv" / "summary.csv").read_text()


def test_the_run_prints_the_final_hash(tmp_path):
    result = runner.invoke(app, ["run", "edu_term", "--test-scale", "--out", str(tmp_path / "o")],
                           env={"COLUMNS": "300"})
    final = hashlib.sha256((tmp_path / "o" / "journal.jsonl").read_bytes()).hexdigest()
    assert result.exit_code == 0 and f"journal sha256 {final}" in result.output


def test_a_second_export_or_report_leaves_nothing_stale(runs, tmp_path):
    run = _copy(runs["edu_withdraw-1"], tmp_path / "again")
    (run / "csv").mkdir()
    (run / "csv" / "old_table.csv").write_text("stale")
    (run / "charts").mkdir()
    (run / "charts" / "old_chart.png").write_text("stale")
    assert runner.invoke(app, ["export", str(run), "--csv"]).exit_code == 0
    assert runner.invoke(app, ["report", str(run)]).exit_code == 0
    assert not (run / "csv" / "old_table.csv").exists() and not (run / "charts" / "old_chart.png").exists()
    assert (run / "csv" / "journal.csv").exists() and list((run / "charts").glob("*.png"))
    assert not [p for p in run.iterdir() if p.name.startswith(".")]
