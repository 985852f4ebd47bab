"""The grants benchmark's quick mode runs and reports every figure, on py-evm and anvil side by side (no timing
assertions)."""

from __future__ import annotations

import pytest

from benchmarks import grants
from ecny_sim.chain.anvil import PINNED_VERSION, find_anvil

#: `make test-slow` (and CI) runs these; `make test` leaves them out to stay under six minutes.
pytestmark = pytest.mark.slow


def test_grants_bench_quick(tmp_path):
    out = tmp_path / "r.md"
    assert grants.main(["--quick", "--output", str(out)]) == 0
    text = out.read_text()
    for key in ("scale: 0.01", "firms: 24", "tranches_paid: 70", "grant_payments: 24", "gas_per_tranche_median:",
                "gas_per_purpose_bound_payment_median:", "gas_per_clawback:", "invariants_hold: True",
                "programme_wall_s: ", "| clawback: principal + interest, unspent money returned | 2 |",
                "| tranche withheld against a debt | 1 |", "| wage paid, per worker |"):
        assert key in text, key
    if find_anvil() is None:  # skipped with one line (under ECNY_REQUIRE_ANVIL=1, main() returned 2 above)
        assert "- backends: pyevm\n" in text and text.count("anvil routes skipped: anvil is not installed") == 1
        return
    for key in ("- backends: pyevm,anvil\n", f"- anvil_version: {PINNED_VERSION}\n", "- programme_wall_s_anvil: ",
                "- programme_cpu_s_anvil: ", "- anvil_vs_pyevm_programme_wall: ",
                "- Chain backends: py-evm 0.", f", anvil {PINNED_VERSION}\n", "(the same on both backends"):
        assert key in text, key
