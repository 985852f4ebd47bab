"""What the anvil tests share: the pinned binary or one clear skip (a failure with ECNY_REQUIRE_ANVIL=1), and an
observer that kills a run's node mid-run."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from ecny_sim.chain.anvil import MISSING, find_anvil


def require_anvil() -> Path:
    """The anvil binary in node_modules; without it the test skips saying `make solc` installs it, or fails
    when ECNY_REQUIRE_ANVIL=1 (CI)."""
    path = find_anvil()
    if path is None:
        if os.environ.get("ECNY_REQUIRE_ANVIL") == "1":
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    return path


class KillNode:
    """An observer that kills the run's node after its `after`-th transaction."""

    def __init__(self, after: int) -> None:
        self.after, self.seen, self.pid = after, 0, 0

    def attach(self, sim) -> None:
        self.pid = sim.chain.backend.pid
        sim.chain.on_transaction.append(self)

    def __call__(self, record) -> None:
        self.seen += 1
        if self.seen == self.after:
            os.kill(self.pid, signal.SIGKILL)
