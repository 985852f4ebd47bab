"""Shared by the sweep tests: the small scenario whose points can fail on purpose, the command line, and tables
compared without their timing columns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCENARIO = Path(__file__).with_name("sweep_fixture_scenario.py")
ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]


def cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*ECNY_SIM, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def without_timing(table):
    """A sweep's table (pyarrow) without the columns that differ from one execution to the next."""
    from ecny_sim.study.worker import TIMING_COLUMNS

    return table.drop_columns(list(TIMING_COLUMNS))
