"""The city term's cost-curve benchmark at --quick: each point a whole run in its own process, on py-evm and
anvil side by side, with its figures, the extrapolation and the plot (no timing assertions)."""

from __future__ import annotations

import pytest

from benchmarks import scale
from ecny_sim.chain.anvil import find_anvil

#: `make test-slow` (and CI) runs these; `make test` leaves them out to stay under six minutes.
pytestmark = pytest.mark.slow


def test_scale_bench_quick(tmp_path):
    out = tmp_path / "RESULTS_SCALE.md"
    assert scale.main(["--quick", "--output", str(out)]) == 0
    text = out.read_text()
    backends = ["pyevm"] + (["anvil"] if find_anvil() is not None else [])
    for backend in backends:
        row = next(line for line in text.splitlines() if line.startswith(f"| 100 | {backend} |"))
        transactions, blocks = (int(cell.replace(",", "")) for cell in row.split("|")[3:5])
        assert row.endswith("| ok |") and 0 < blocks < transactions  # a moment's sends share a block
        assert f"wall_s_{backend}_100: " in text and f"peak_mb_{backend}_100: " in text
        assert f"- {backend}: about " in text  # the extrapolation to 100,000 pupils, said to be one
    assert "an extrapolation, not a run" in text
    assert (tmp_path / "scale.png").stat().st_size > 10_000


def test_bad_sizes_are_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        scale.main(["--pupils", "1000,lots"])
    assert exit_.value.code == 2 and "--pupils takes comma-separated whole numbers" in capsys.readouterr().err
