"""Sweeps on a real Dask LocalCluster (never mocked): 2 workers on a 2 x 3 x 3-seed study give the same table as
one process does; a point that kills its worker is a failed row while the rest run; Ctrl-C stops the cluster."""

from __future__ import annotations

import signal
import subprocess

import psutil
import pyarrow.parquet as pq
import pytest
from sweep_helpers import ECNY_SIM, SCENARIO, stopped_sweep, without_timing

from ecny_sim.study import sweep

GRID = {"pupils": [1, 2], "lessons": [1, 2, 3]}


@pytest.mark.slow  # a real LocalCluster of 2 workers: CI's test-slow (make test stays under six minutes)
def test_two_workers_give_the_table_one_process_gives(tmp_path):
    on_two = sweep(str(SCENARIO), GRID, seeds="1..3", workers=2, out=tmp_path / "two", as_pandas=False)
    assert on_two.num_rows == 18 and all(on_two.column("ok").to_pylist())
    assert len(set(on_two.column("worker").to_pylist())) == 2  # both workers ran points
    here = sweep(str(SCENARIO), GRID, seeds="1..3", workers=0, out=tmp_path / "here", as_pandas=False)
    assert without_timing(on_two).equals(without_timing(here))
    assert (tmp_path / "two" / "runs.csv").read_bytes().count(b"\n") == 19


@pytest.mark.slow
def test_one_worker_gives_the_same_table(tmp_path):
    on_one = sweep(str(SCENARIO), GRID, seeds="1..3", workers=1, out=tmp_path / "one", as_pandas=False)
    here = sweep(str(SCENARIO), GRID, seeds="1..3", workers=0, out=tmp_path / "here", as_pandas=False)
    assert without_timing(on_one).equals(without_timing(here))


@pytest.mark.slow
def test_a_point_that_kills_its_worker_is_a_failed_row(tmp_path):
    runs = sweep(str(SCENARIO), {"fail": ["none", "exit", "raise"]}, seeds="1..2", workers=2, out=tmp_path / "s",
                 as_pandas=False).to_pylist()
    assert [(r["fail"], r["outcome"]) for r in runs] == [
        ("none", "ok"), ("none", "ok"), ("exit", "worker_lost"), ("exit", "worker_lost"),
        ("raise", "scenario_error"), ("raise", "scenario_error")]
    assert "KilledWorker" in runs[2]["message"]


@pytest.mark.slow
def test_ctrl_c_stops_the_cluster_and_resume_finishes(tmp_path):
    out = tmp_path / "s"
    args = ["sweep", str(SCENARIO), "--out", str(out), "--grid", "pupils=1..5", "--seeds", "1..4", "--workers", "2"]
    code, err, children = stopped_sweep(args, out, signal.SIGINT)
    assert len(children) >= 2  # the workers (and their nannies)
    assert code == 130, err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err  # the workers leave Ctrl-C to it
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert alive == []  # no worker left behind
    resumed = subprocess.run([*ECNY_SIM, *args, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert pq.read_table(out / "runs.parquet").column("point").to_pylist() == list(range(20))


@pytest.mark.slow
def test_a_scheduler_the_user_runs(tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        runs = sweep(str(SCENARIO), {"pupils": [1, 2]}, seeds="1..2", scheduler=cluster.scheduler_address,
                     out=tmp_path / "s", as_pandas=False)
        assert runs.num_rows == 4 and all(runs.column("ok").to_pylist())
        with Client(cluster.scheduler_address, set_as_default=False) as client:  # the user's cluster is still up
            assert len(client.scheduler_info()["workers"]) == 2
    here = sweep(str(SCENARIO), {"pupils": [1, 2]}, seeds="1..2", workers=0, out=tmp_path / "here", as_pandas=False)
    assert without_timing(runs).equals(without_timing(here))
