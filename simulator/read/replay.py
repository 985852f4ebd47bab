"""Replaying a journal on a fresh chain, checking every transaction against what the run recorded.

Only the journal and the compiled artifacts are needed, not the scenario's source: the header gives the
genesis time, seed and chain settings; each line gives who sent what to which contract, at what time, with
what gas; transactions that shared a block are sent as one block again. Each line's status, gas used,
decoded events or error, block, time and state root must match; at the end, so must the final state hash.

A journal replays on either chain backend (`replay(..., backend=)`; by default the one its header names).
On another backend than the run's, state roots are not compared (each backend's state holds accounts the
other's does not); everything else is, and the final observable state hash (`read.state`) still must match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any, Callable

from ..chain import Chain
from ..chain.backend import BACKENDS
from ..chain.compiler import current_manifest, load_artifact
from ..chain.errors import ContractRevert
from ..run.journal import canonical_json
from ..run.journal_reader import BadJournal, JournalRun, read_journal
from .state import observable_state, state_hash

COMPARED = ("block", "timestamp", "status", "gas_used", "events", "error", "state_root")
#: What a replay on another backend than the run's compares, in words (the CLI says it).
ACROSS_BACKENDS = ("status, gas, events, errors, transaction hashes, final state hash; state roots not compared")


@dataclass
class Difference:
    line: int
    what: str  # "parent:esc-003 -> escrow.cancelOrder"
    field: str
    recorded: Any
    replayed: Any
    note: str = ""  # instead of recorded/replayed, when the journal itself is at fault

    def __str__(self) -> str:
        if self.note:
            return f"replay differs at line {self.line} ({self.what}): {self.note}"
        return (f"replay differs at line {self.line} ({self.what}): {self.field} was {_short(self.recorded)} "
                f"in the journal, {_short(self.replayed)} on replay")


@dataclass
class ReplayResult:
    run: JournalRun
    replayed: int  # transaction lines replayed
    difference: Difference | None
    final_state_hash: str | None  # computed when the whole of a complete journal was replayed
    chain: Chain
    backend: str = "pyevm"  # the backend it replayed on
    across: bool = False  # another backend than the run's: state roots were not compared

    @property
    def matches(self) -> bool:
        return self.difference is None

    @property
    def chain_failed(self) -> bool:
        """The run ended because its chain backend failed: no final state was read, none is compared."""
        return _chain_failed(self.run)


def _chain_failed(run: JournalRun) -> bool:
    return bool(run.complete and run.end.get("outcome") == "chain_failed" and not run.end.get("final_state_hash"))


@dataclass
class _Replayed:
    """A replayed transaction's event, as `observable_state` reads them."""

    contract: str
    name: str
    args: dict[str, Any]


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 160 else text[:157] + "..."


def _normal(value: Any) -> Any:
    return json.loads(canonical_json(value))


def _describe(line: dict[str, Any]) -> str:
    return f"{line['actor']} -> {line['contract']}.{line['function']}"


def _observed(result: Any) -> dict[str, Any]:
    return _normal({
        "block": result.block_number, "timestamp": result.timestamp, "status": result.status,
        "gas_used": result.gas_used, "events": [e.to_json() for e in result.events],
        "error": None if result.error is None else result.error.to_json(), "state_root": result.state_root,
        "tx_hash": result.tx_hash,
    })


def recorded_backend(header: dict[str, Any]) -> str:
    """The backend a journal's run used, from its header's chain settings ("anvil 1.7.1"); else "pyevm"."""
    chain = header.get("chain")
    described = str(chain.get("backend", "")) if isinstance(chain, dict) else ""
    return "anvil" if described.startswith("anvil") else "pyevm"


def replay(dir_or_journal: str | Path, *, until: int | None = None,
           progress: Callable[[int, int], None] | None = None, backend: str | None = None) -> ReplayResult:
    """Replays the journal (up to line ``until``) on ``backend`` ("pyevm" or "anvil"; by default the run's);
    ``progress(done, total)`` hears of each block replayed (transactions done, and to do). The caller closes
    ``result.chain`` (it stops a node the replay started). Raises ChainFailure when the backend fails."""
    run = read_journal(dir_or_journal)
    header = run.header
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"unknown chain backend {backend!r} (choose one of: {', '.join(BACKENDS)})")
    backend = backend or recorded_backend(header)
    across = backend != recorded_backend(header)
    try:
        settings = (header["genesis_time"], header["seed"], header["chain"]["default_gas"],
                    header["chain"]["block_gas_limit"])
    except (KeyError, TypeError) as exc:
        raise BadJournal(f"{run.path}: the header lacks what a replay needs ({exc})") from None
    try:
        chain = Chain(genesis_time=settings[0], seed=settings[1], default_gas=settings[2],
                      block_gas_limit=settings[3], backend=backend)
    except (TypeError, ValueError) as exc:
        raise BadJournal(f"{run.path}: the header lacks what a replay needs ({exc})") from None
    result = _replay(run, chain, until, progress, across)
    result.backend, result.across = backend, across
    return result


def _replay(run: JournalRun, chain: Chain, until: int | None, progress: Callable[[int, int], None] | None,
            across: bool) -> ReplayResult:
    header = run.header
    if run.broken is not None:  # a changed, dropped or inserted line: the hash chain says where
        line, field, why = run.broken
        record = next((t for t in run.txs if t["line"] == line), None)
        return ReplayResult(run, 0, Difference(line, _describe(record) if record else "end line", field, None, None,
                                               note=f"the line {why}"),
                            None, chain)
    compared = COMPARED + (("tx_hash",) if run.format >= 2 else ())
    if across:  # each backend's state holds accounts the other's does not: roots differ, nothing else does
        compared = tuple(field for field in compared if field != "state_root")
    installed = current_manifest().artifact_hashes()
    artifact_of: dict[str, str] = {}
    events: list[_Replayed] = []
    lines = [t for t in run.txs if until is None or t["line"] <= until]
    replayed = 0
    for _, group in groupby(lines, key=lambda t: t["block"]):
        group = list(group)
        first = group[0]
        if first["timestamp"] < chain.now:
            return ReplayResult(run, replayed, Difference(first["line"], _describe(first), "timestamp",
                                                          first["timestamp"], chain.now), None, chain)
        chain.set_time(first["timestamp"])
        for line in group:
            art = line.get("artifact")
            if line["function"] == "constructor":
                if header["artifacts"].get(art) != installed.get(art):
                    return ReplayResult(run, replayed, Difference(line["line"], _describe(line), f"artifact {art}",
                                                                  header["artifacts"].get(art), installed.get(art)),
                                        None, chain)
                artifact_of[line["contract"]] = art
        results = _send(chain, group)
        for line, result in zip(group, results):
            got = _observed(result)
            for field in compared:
                if got[field] != _normal(line.get(field)):
                    return ReplayResult(run, replayed, Difference(line["line"], _describe(line), field,
                                                                  line.get(field), got[field]), None, chain)
            events.extend(_Replayed(e.contract, e.name, e.args) for e in result.events)
            replayed += 1
        if progress is not None:
            progress(replayed, len(lines))
    final = None
    if run.complete and until is None and artifact_of and not _chain_failed(run):  # else: never read, not compared
        final = state_hash(observable_state(chain, artifact_of, events))
        if final != run.end.get("final_state_hash"):
            return ReplayResult(run, replayed, Difference(run.txs[-1]["line"] + 1 if run.txs else 2, "end line",
                                                          "final_state_hash", run.end.get("final_state_hash"), final),
                                final, chain)
    summary = run.summary() if until is None else None  # beside a cut journal too: a run never ended writes none
    mismatch = run.summary_mismatch(summary) if summary is not None else None
    if mismatch is not None:  # the end line (or the summary beside it) was changed after the run
        return ReplayResult(run, replayed, Difference(run.txs[-1]["line"] + 1 if run.txs else 2, "end line",
                                                      "summary", None, None, note=mismatch), final, chain)
    return ReplayResult(run, replayed, None, final, chain)


def _send(chain: Chain, group: list[dict[str, Any]]) -> list[Any]:
    """Re-sends one block's transactions as the run did: one alone, several in one block."""
    if len(group) > 1:
        calls = [(line["actor"], line["contract"], line["function"], *line["args"]) for line in group]
        return chain.send_batch(calls, gas=group[0]["gas_limit"], allow_revert=True)
    line = group[0]
    if line["function"] == "constructor":
        art = load_artifact(line["artifact"])
        try:
            chain.deploy(line["contract"], art["abi"], art["bytecode"], line["actor"], line["args"], gas=line["gas_limit"])
        except ContractRevert as exc:
            return [exc.tx]
        return [chain.last_result]
    return [chain.send(line["actor"], line["contract"], line["function"], *line["args"], gas=line["gas_limit"],
                       allow_revert=True)]
