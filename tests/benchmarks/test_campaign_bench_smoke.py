"""The campaign benchmark's quick mode runs and reports every figure (no timing assertions)."""

from __future__ import annotations

import pytest

from benchmarks import campaign

#: `make test-slow` (and CI) runs these; `make test` leaves them out to stay under six minutes.
pytestmark = pytest.mark.slow


def test_campaign_bench_quick(tmp_path):
    out = tmp_path / "r.md"
    assert campaign.main(["--quick", "--output", str(out)]) == 0
    text = out.read_text()
    for key in ("scale: 0.002", "claims: 95", "payments: 126", "gas_per_claim_median:", "claims_per_s_batched:",
                "gas_per_payment_packet_and_own_median:", "gas_sweep:", "invariants_hold: True"):
        assert key in text, key
