"""The sweep benchmark at --quick: both clusters start, every run ends ok, the figures and the results page are
written (no timing assertions: the machine may be busy)."""

from __future__ import annotations

import pytest

from benchmarks import sweep

pytestmark = pytest.mark.slow


def test_sweep_bench_quick(tmp_path):
    out = tmp_path / "RESULTS_SWEEP.md"
    assert sweep.main(["--quick", "--output", str(out)]) == 0
    text = out.read_text()
    assert "| sweep, LocalCluster of 2 workers |" in text and "speed-up of 2 workers over one process" in text
    assert '"runs": 2' in text and "Machine load" in text
