"""Shared by the sweep tests: the small scenario whose points can fail on purpose, the command line, and tables
compared without their timing columns."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

SCENARIO = Path(__file__).with_name("sweep_fixture_scenario.py")
ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]


def cli(*args: str, cwd: Path | None = None, timeout: float = 300,
        env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*ECNY_SIM, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **env} if env else None)


def without_timing(table):
    """A sweep's table (pyarrow) without the columns that differ from one execution to the next."""
    from ecny_sim.study.worker import TIMING_COLUMNS

    return table.drop_columns(list(TIMING_COLUMNS))


def stopped_sweep(args: list[str], out: Path, sig: int) -> tuple[int, str, list[psutil.Process]]:
    """Starts `ecny-sim ARGS` in a process group of its own, sends `sig` to the whole group (as a terminal's
    Ctrl-C does) once the first part of its table is on disk, and returns the command's exit status, its stderr
    and the processes it had started by then."""
    proc = subprocess.Popen([*ECNY_SIM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list((out / "parts").glob("part-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.1)
        children = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    return proc.returncode, err, children
