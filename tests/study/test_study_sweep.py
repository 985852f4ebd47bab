"""Sweeps in this process (workers=0, no Dask): the table's rows and columns, failing points recorded without
stopping the rest, a killed sweep resumed, kept journals that replay, folders a sweep must not write into."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from sweep_helpers import SCENARIO, cli, stopped_sweep, without_timing

from ecny_sim import BadInput
from ecny_sim.study import simulate, sweep


def test_a_failing_point_is_a_row_and_the_others_run(tmp_path):
    runs = sweep(str(SCENARIO), {"fail": ["none", "raise", "invariant"]}, seeds=[1, 2], workers=0, out=tmp_path / "s",
                 as_pandas=False)
    rows = runs.to_pylist()
    assert [r["point"] for r in rows] == list(range(6))
    assert [(r["fail"], r["seed"], r["ok"], r["outcome"]) for r in rows] == [
        ("none", 1, True, "ok"), ("none", 2, True, "ok"),
        ("raise", 1, False, "scenario_error"), ("raise", 2, False, "scenario_error"),
        ("invariant", 1, False, "invariant_failed"), ("invariant", 2, False, "invariant_failed")]
    assert "RuntimeError: this point fails on purpose" in rows[2]["message"]
    assert json.loads(rows[4]["failed_invariants"]) == ["the school got paid"]
    # parameters named after themselves, the summary's figures flattened, gas and timing
    names = runs.column_names
    assert names[:6] == ["point", "key", "start", "pupils", "lessons", "fail"]
    assert {"seed", "totals.paid_in_fen", "invariants.the school got paid", "gas_used.total", "counts.transactions",
            "final_state_hash", "run_seconds", "worker"} <= set(names)
    assert rows[0]["totals.paid_in_fen"] == 2 * 2 * 15_000 and rows[0]["invariants.the school got paid"] is True
    assert not any(name.startswith("balances_fen") for name in names)
    assert rows[0]["final_state_hash"] != rows[1]["final_state_hash"]  # the seeds' keys differ
    # the same table on disk, twice, and the summary per grid combination
    assert pq.read_table(tmp_path / "s" / "runs.parquet").equals(runs)
    assert pacsv.read_csv(tmp_path / "s" / "runs.csv").num_rows == 6
    summary = pacsv.read_csv(tmp_path / "s" / "summary.csv").to_pylist()
    assert [(s["fail"], s["runs"], s["failed"]) for s in summary] == [("none", 2, 0), ("raise", 2, 2),
                                                                       ("invariant", 2, 2)]
    assert summary[0]["totals.paid_in_fen.mean"] == summary[0]["totals.paid_in_fen.low95"] == 60_000


def test_simulate_returns_the_summary_of_one_run():
    summary = simulate(str(SCENARIO), {"pupils": 3}, seed=2)
    assert summary["outcome"] == "ok" and summary["seed"] == 2 and summary["totals"]["paid_in_fen"] == 3 * 2 * 15_000
    with pytest.raises(BadInput, match="pupils=0"):
        simulate(str(SCENARIO), {"pupils": 0})


def test_kept_journals_replay(tmp_path):
    proc = cli("sweep", str(SCENARIO), "--out", str(tmp_path / "s"), "--grid", "pupils=1,2", "--workers", "0",
               "--keep-journals")
    assert proc.returncode == 0, proc.stderr
    # the sweep draws its plots with their intervals (and the study's page) by itself
    charts = sorted((tmp_path / "s" / "charts").glob("*.png"))
    assert charts and all(c.stat().st_size > 5_000 for c in charts) and (tmp_path / "s" / "report.html").is_file()
    assert f"plots in {tmp_path / 's' / 'charts'}/" in " ".join(proc.stdout.split())
    rows = pq.read_table(tmp_path / "s" / "runs.parquet").to_pylist()
    assert [r["journal"] for r in rows] == ["runs/point-000000", "runs/point-000001"]
    replay = cli("replay", str(tmp_path / "s" / rows[1]["journal"]))
    assert replay.returncode == 0, replay.stdout + replay.stderr
    summary = json.loads((tmp_path / "s" / rows[1]["journal"] / "summary.json").read_text())
    assert summary["final_state_hash"] == rows[1]["final_state_hash"]


def test_a_sweep_folder_is_not_overwritten_and_resume_needs_the_same_study(tmp_path):
    out = tmp_path / "s"
    sweep(str(SCENARIO), {"pupils": [1]}, workers=0, out=out)
    with pytest.raises(BadInput, match="holds a sweep already; add --resume"):
        sweep(str(SCENARIO), {"pupils": [1]}, workers=0, out=out)
    with pytest.raises(BadInput, match="holds a different study"):
        sweep(str(SCENARIO), {"pupils": [2]}, workers=0, out=out, resume=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(BadInput, match="holds files that are not a sweep's"):
        sweep(str(SCENARIO), {"pupils": [1]}, workers=0, out=tmp_path / "other")
    again = sweep(str(SCENARIO), {"pupils": [1]}, workers=0, out=out, resume=True, as_pandas=False)
    assert again.num_rows == 1  # nothing left to run: the table is written again from the parts


@pytest.mark.slow
def test_a_killed_sweep_resumes_with_only_what_is_missing(tmp_path):
    out = tmp_path / "s"
    args = ["sweep", str(SCENARIO), "--out", str(out), "--grid", "pupils=1..3", "--seeds", "1..12", "--workers", "0"]
    code, _, _ = stopped_sweep(args, out, signal.SIGKILL)  # no chance to clean up: what is on disk is all there is
    assert code == -signal.SIGKILL
    assert not (out / "runs.parquet").exists()
    parts = list((out / "parts").glob("part-*.parquet"))
    had = sum(pq.read_table(p).num_rows for p in parts)
    assert 0 < had < 36
    resumed = cli(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"({36 - had} to run, {had} already done)" in resumed.stdout
    table = pq.read_table(out / "runs.parquet")
    assert table.column("point").to_pylist() == list(range(36))
    whole = sweep(str(SCENARIO), {"pupils": [1, 2, 3]}, seeds="1..12", workers=0, out=tmp_path / "whole",
                  as_pandas=False)
    assert without_timing(table).equals(without_timing(whole))


def test_a_revert_the_scenario_did_not_expect_on_the_command_line(tmp_path):
    proc = cli("sweep", str(SCENARIO), "--grid", "fail=none,revert", "--workers", "0", "--out", str(tmp_path / "s"))
    assert proc.returncode == 1, proc.stderr  # a failed run: the invariant exit code, after every run
    assert "2 runs, 1 failed" in " ".join(proc.stdout.split())
    rows = pq.read_table(tmp_path / "s" / "runs.parquet").to_pylist()
    assert [(r["fail"], r["outcome"]) for r in rows] == [("none", "ok"), ("revert", "unexpected_revert")]
    assert "Prepaid_NotOrderParent" in rows[1]["message"]


def test_failed_runs_are_done_on_resume_and_run_again_with_retry_failed(tmp_path, monkeypatch):
    out = tmp_path / "s"
    monkeypatch.setenv("ECNY_SWEEP_TEST_FLAKY", "1")  # the flaky points fail this time
    first = sweep(str(SCENARIO), {"fail": ["none", "flaky"]}, seeds="1..2", workers=0, out=out, as_pandas=False)
    assert first.column("ok").to_pylist() == [True, True, False, False]
    monkeypatch.delenv("ECNY_SWEEP_TEST_FLAKY")
    resumed = sweep(str(SCENARIO), {"fail": ["none", "flaky"]}, seeds="1..2", workers=0, out=out, resume=True,
                    as_pandas=False)
    assert resumed.column("ok").to_pylist() == [True, True, False, False]  # a failed row is a row: done
    args = ["sweep", str(SCENARIO), "--grid", "fail=none,flaky", "--seeds", "1..2", "--workers", "0", "--out", str(out)]
    proc = cli(*args, "--retry-failed")
    assert proc.returncode == 0, proc.stderr
    assert "4 runs (2 to run, 2 already done; the 2 that failed are run again)" in proc.stdout
    table = pq.read_table(out / "runs.parquet")
    assert table.column("point").to_pylist() == [0, 1, 2, 3] and all(table.column("ok").to_pylist())
    assert [line["failed"] for line in pacsv.read_csv(out / "summary.csv").to_pylist()] == [0, 0]
    assert sum(pq.read_table(p).num_rows for p in (out / "parts").glob("*.parquet")) == 6  # the failed rows stay


@pytest.mark.slow  # the command waits out its 10 seconds for the scheduler
def test_the_command_line_when_the_scheduler_does_not_answer(tmp_path):
    proc = cli("sweep", str(SCENARIO), "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "s"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--scheduler tcp://127.0.0.1:9 does not answer" in lines[0], proc.stderr
    assert not (tmp_path / "s").exists()


def test_no_sweep_when_the_scheduler_does_not_answer(tmp_path, monkeypatch):
    from ecny_sim.study import runner

    monkeypatch.setattr(runner, "CONNECT_SECONDS", 2)
    with pytest.raises(BadInput, match="--scheduler tcp://127.0.0.1:9 does not answer"):
        sweep(str(SCENARIO), {"pupils": [1]}, scheduler="tcp://127.0.0.1:9", out=tmp_path / "s")
    assert not (tmp_path / "s").exists()


@pytest.mark.slow
def test_resume_needs_the_same_contracts(tmp_path):
    """A sweep run with a user's contracts (`--contracts`) resumes only with the same contracts."""
    contracts = Path(__file__).resolve().parents[2] / "examples" / "parent-confirmed-escrow"
    args = ["sweep", str(SCENARIO), "--workers", "0", "--out", str(tmp_path / "s")]
    assert cli(*args, "--contracts", str(contracts)).returncode == 0
    again = cli(*args, "--resume")
    assert again.returncode == 2 and "holds a different study" in again.stderr
    assert cli(*args, "--resume", "--contracts", str(contracts)).returncode == 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
