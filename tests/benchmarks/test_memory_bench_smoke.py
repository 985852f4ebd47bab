"""The memory benchmark at --quick: each point a fresh process, swept and not, with its figures and ratios (no
timing or memory assertions: those are the committed results' job)."""

from __future__ import annotations

import re

import pytest

from benchmarks import memory

#: `make test-slow` (and CI) runs it; `make test` leaves it out to stay under six minutes.
pytestmark = pytest.mark.slow


def test_memory_bench_quick(capsys):
    assert memory.main(["--quick"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^\s+([\d,]+) payments  (swept|kept ) +db +([\d,]+) entries", out, re.M)
    assert [(n, mode.strip()) for n, mode, _ in rows] == [("300", "swept"), ("300", "kept"), ("600", "swept"),
                                                          ("600", "kept")]
    assert all(int(entries.replace(",", "")) > 0 for *_, entries in rows)
    for key in ("db_mb_growth_swept", "db_mb_growth_kept", "peak_mb_growth_swept", "peak_mb_growth_kept"):
        assert re.search(rf"^{key}: [\d.]+", out, re.M)
