"""The campaign benchmark's quick mode runs and reports every figure, on py-evm and anvil side by side (no timing
assertions)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks import campaign
from ecny_sim.chain.anvil import PINNED_VERSION, find_anvil

#: `make test-slow` (and CI) runs these; `make test` leaves them out to stay under six minutes.
pytestmark = pytest.mark.slow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from anvil_nodes import require_anvil  # noqa: E402


def test_campaign_bench_quick(tmp_path):
    out = tmp_path / "r.md"
    assert campaign.main(["--quick", "--output", str(out)]) == 0
    text = out.read_text()
    for key in ("scale: 0.002", "claims: 95", "payments: 126", "gas_per_claim_median:", "claims_per_s_batched:",
                "gas_per_payment_packet_and_own_median:", "gas_sweep:", "invariants_hold: True", "wall_s: "):
        assert key in text, key
    if find_anvil() is None:  # skipped with one line (under ECNY_REQUIRE_ANVIL=1, main() returned 2 above)
        assert "backends: pyevm\n" in text and text.count("anvil routes skipped: anvil is not installed") == 1
        return
    for key in ("backends: pyevm,anvil\n", f"anvil_version: {PINNED_VERSION}\n", "wall_s_anvil: ", "cpu_s_anvil: ",
                "claims_per_s_batched_anvil: ", "claims_per_s_one_per_block_anvil: ", "anvil_vs_pyevm_replay_wall: ",
                "Chain backends: py-evm ", f", anvil {PINNED_VERSION}.", "| timed figure | py-evm "):
        assert key in text, key


def test_campaign_bench_quick_anvil_only(tmp_path):
    """`--backend anvil` runs the anvil route alone: its figures carry the `_anvil` suffix, the gas is the same."""
    require_anvil()
    out = tmp_path / "r.md"
    assert campaign.main(["--quick", "--backend", "anvil", "--output", str(out)]) == 0
    text = out.read_text()
    assert "backends: anvil\n" in text and "wall_s_anvil: " in text and "\nwall_s: " not in text
    assert "claims: 95" in text and "invariants_hold: True" in text
