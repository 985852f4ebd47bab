"""The grants benchmark's quick mode runs and reports every figure (no timing assertions)."""

from __future__ import annotations

import pytest

from benchmarks import grants

#: `make test-slow` (and CI) runs these; `make test` leaves them out to stay under six minutes.
pytestmark = pytest.mark.slow


def test_grants_bench_quick(tmp_path):
    out = tmp_path / "r.md"
    assert grants.main(["--quick", "--output", str(out)]) == 0
    text = out.read_text()
    for key in ("scale: 0.01", "firms: 24", "tranches_paid: 70", "grant_payments: 24", "gas_per_tranche_median:",
                "gas_per_purpose_bound_payment_median:", "gas_per_clawback:", "invariants_hold: True",
                "| clawback: principal + interest, unspent money returned | 2 |",
                "| tranche withheld against a debt | 1 |", "| wage paid, per worker |"):
        assert key in text, key
