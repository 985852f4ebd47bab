"""Sweeping py-evm's database: what a sweep deletes no block to come reads. A run swept after every block writes
the same journal, byte for byte, as one never swept; a snapshot taken before a sweep can still be reverted to;
and the database shrinks to about the live state."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ecny_sim.chain import Chain
from ecny_sim.chain.clock import parse_beijing
from ecny_sim.chain.sweep import _is_trie_node, live_nodes
from ecny_sim.pilot import run_scenario
from ecny_sim.run import scenario as scenarios

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenario_runs import session_runs  # noqa: E402

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "Fixture.json").read_text())


class SweepEveryBlock:
    """An observer that sweeps the database after every sealed block."""

    def __init__(self) -> None:
        self.deleted = 0

    def attach(self, sim) -> None:
        backend = sim.chain.backend
        sim.chain.on_block.append(lambda block: setattr(self, "deleted", self.deleted + backend.sweep()))


@pytest.mark.slow  # whole runs; `make test` keeps the chain-level sweeps below (CI runs both)
@pytest.mark.parametrize("name", ["edu_abscond", "edu_city_term"])  # ... and the seeded wallets of the city
def test_a_run_swept_after_every_block_writes_the_same_journal(name, tmp_path_factory, tmp_path):
    plain = session_runs(tmp_path_factory)[name].dir
    scenario = scenarios.load(name)
    sweeper = SweepEveryBlock()
    result = run_scenario(scenario, scenario.params(test_scale=True), 1, tmp_path, observers=[sweeper])
    assert result.exit_code == 0 and sweeper.deleted > 0
    assert (tmp_path / "journal.jsonl").read_bytes() == (plain / "journal.jsonl").read_bytes()
    assert (tmp_path / "summary.json").read_bytes() == (plain / "summary.json").read_bytes()


def _busy_chain(sweep_min_entries: int | None = None) -> tuple[Chain, object]:
    chain = Chain(parse_beijing("2022-05-09"), seed=3, mining="by_time")
    if sweep_min_entries is not None:
        chain.backend.sweep_min_entries = sweep_min_entries
    fx = chain.deploy("Fixture", FIXTURE["abi"], FIXTURE["bytecode"], "bank", args=(10**9,))
    return chain, fx


def _play(chain: Chain, fx, start: int, blocks: int) -> None:
    for b in range(start, start + blocks):
        chain.advance(minutes=1)
        for who in range(8):
            chain.send(f"parent:{who}", fx, "setValue", b * 10 + who)


def test_a_snapshot_taken_before_sweeps_can_be_reverted_to():
    swept, plain = _busy_chain(), _busy_chain()
    for chain, fx in (swept, plain):
        _play(chain, fx, 0, 5)
    snap = swept[0].snapshot()
    values = [swept[0].call(swept[1], "valueOf", swept[0].address_of(f"parent:{w}")) for w in range(8)]
    _play(*swept, 5, 20)
    swept[0].seal()
    entries = len(swept[0].backend._store)
    assert swept[0].backend.sweep() > 0 and len(swept[0].backend._store) < entries
    swept[0].revert(snap)
    assert [swept[0].call(swept[1], "valueOf", swept[0].address_of(f"parent:{w}")) for w in range(8)] == values
    _play(*swept, 5, 3)  # a branch from the snapshot: same state as the chain that never went further
    _play(*plain, 5, 3)
    assert swept[0].state_root() == plain[0].state_root()
    for chain, _ in (swept, plain):
        chain.close()


def test_sweeps_start_by_themselves_and_keep_the_database_near_the_live_state():
    chain, fx = _busy_chain(sweep_min_entries=500)
    _play(chain, fx, 0, 60)
    backend = chain.backend
    head = backend._evm.get_canonical_head().state_root
    live = live_nodes(backend._store, [head])
    assert backend.swept > 0
    assert all(key in backend._store for key in live)  # the head's state is whole ...
    assert len(backend._store) < 2 * max(500, len(live)) + 4 * 60  # ... and little else (headers, lookups)
    # Swept once more, no trie node is left but the head's state: none of another block's, nor of the
    # intermediate states py-evm computes for receipts (no root reaches those), nor a transaction's lookup.
    chain.seal()
    backend.sweep()
    live = live_nodes(backend._store, [backend._evm.get_canonical_head().state_root])
    leftovers = [k for k, v in backend._store.items() if k not in live and len(k) == 32 and _is_trie_node(v)]
    assert leftovers == [] and not any(k.startswith(b"transaction-hash-to-block:") for k in backend._store)
    chain.close()
