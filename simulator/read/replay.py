"""Replaying a journal on a fresh chain, checking every transaction against what the run recorded.

Only the journal and the compiled artifacts are needed, not the scenario's source: the header gives the
genesis time, seed and chain settings; each line gives who sent what to which contract, at what time, with
what gas; transactions that shared a block are sent into one block again (the block is sealed where the
journal's next block begins). Each line's status, gas used, decoded events or error, block, time and
transaction hash must match, and so must the state roots the journal gives (format 3: every 64th block and
the last; format 1 and 2: every line's); at the end, so must the final state hash.

A journal replays on either chain backend (`replay(..., backend=)`; by default the one its header names).
On another backend than the run's, state roots are not compared (each backend's state holds accounts the
other's does not); everything else is, and the final observable state hash (`read.state`) still must match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..chain import Chain, overlay, user_contracts
from ..chain.chain import MINING
from ..chain.backend import BACKENDS
from ..chain.compiler import current_manifest, load_artifact
from ..chain.errors import ContractRevert
from ..run.journal import canonical_json, writes_sha256
from ..run.journal_reader import BadJournal, JournalRun, read_journal, txs_upto
from .state import STATE_EVENTS, observable_state, state_hash

COMPARED = ("block", "timestamp", "status", "gas_used", "events", "error")
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
    return f"{line['actor']} -> {line['contract']}.{line.get('function', 'seed')}"


def _observed(result: Any) -> dict[str, Any]:
    return _normal({
        "block": result.block_number, "timestamp": result.timestamp, "status": result.status,
        "gas_used": result.gas_used, "events": [e.to_json() for e in result.events],
        "error": None if result.error is None else result.error.to_json(), "tx_hash": result.tx_hash,
    })


def _chain_setting(header: dict[str, Any], key: str) -> str:
    """One of the header's chain settings as text ("" when the header has none)."""
    chain = header.get("chain")
    return str(chain.get(key, "")) if isinstance(chain, dict) else ""


def recorded_backend(header: dict[str, Any]) -> str:
    """The backend a journal's run used, from its header's chain settings ("anvil 1.7.1"); else "pyevm"."""
    return "anvil" if _chain_setting(header, "backend").startswith("anvil") else "pyevm"


def recorded_mining(header: dict[str, Any]) -> str:
    """How the run's chain made blocks, from its header ("by_time" since format 3; before, "automine")."""
    described = _chain_setting(header, "blocks")
    return next((name for name, words in MINING.items() if words == described), "automine")


def replay(dir_or_journal: str | Path, *, until: int | None = None,
           progress: Callable[[int, int], None] | None = None, backend: str | None = None,
           on_block: Callable[[Any], None] | None = None) -> ReplayResult:
    """Replays the journal (up to line ``until``) on ``backend`` ("pyevm" or "anvil"; by default the run's);
    ``progress(done, total)`` hears of each block replayed (transactions done, and to do); ``on_block`` of each
    block sealed (its number, time and state root: every block's, not only those the journal gives). The caller
    closes ``result.chain`` (it stops a node the replay started). Raises ChainFailure when the backend fails."""
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
                      block_gas_limit=settings[3], backend=backend, mining=recorded_mining(header))
    except (TypeError, ValueError) as exc:
        raise BadJournal(f"{run.path}: the header lacks what a replay needs ({exc})") from None
    if on_block is not None:
        chain.on_block.append(on_block)
    sealed: list[Any] = []  # blocks sealed since the last look (automine seals each; by time, as time moves)
    chain.on_block.append(sealed.append)
    try:
        with overlay.active(_user_build(run)):  # a run with a user's contracts deploys the same again
            result = _replay(run, chain, until, progress, across, sealed)
    finally:  # the caller may go on with the chain: this replay's own hook does not stay on it
        chain.on_block.remove(sealed.append)
    result.backend, result.across = backend, across
    return result


def _user_build(run: JournalRun) -> user_contracts.UserBuild | None:
    """The user's contracts the header records (``--contracts DIR``), or None."""
    if "user_contracts" not in run.header:
        return None
    try:
        return user_contracts.from_header(run.header["user_contracts"])
    except user_contracts.UserContractError as exc:
        raise BadJournal(f"{run.path}: {exc}") from None


def _replay(run: JournalRun, chain: Chain, until: int | None, progress: Callable[[int, int], None] | None,
            across: bool, sealed: list[Any]) -> ReplayResult:
    header = run.header
    if run.broken is not None:  # a changed, dropped or inserted line: the hash chain says where
        line, field, why = run.broken
        record = next((t for t in run.txs if t["line"] == line), None)
        return ReplayResult(run, 0, Difference(line, _describe(record) if record else "end line", field, None, None,
                                               note=f"the line {why}"),
                            None, chain)
    compared = COMPARED + (("tx_hash",) if run.format >= 2 else ())
    installed = current_manifest().artifact_hashes()
    artifact_of: dict[str, str] = {}
    events: list[_Replayed] = []
    lines = run.txs if until is None else txs_upto(run.txs, until)  # read from the file as they are replayed
    # the roots to compare, by block: format 3's root lines; before, every line's (its block's first says it)
    roots = run.roots if run.format >= 3 else {t["block"]: t for t in reversed(run.txs)}
    seeds = [s for s in run.seeds if until is None or s["line"] <= until]
    replayed = 0
    for group in _as_sent(lines, run.format):
        first = group[0]
        while seeds and seeds[0]["line"] < first["line"]:
            wrong = _write_seed(seeds.pop(0), chain, roots, sealed, across, events)
            if wrong is not None:
                return ReplayResult(run, replayed, wrong, None, chain)
        wrong = _at_block(first, chain, roots, sealed, across)
        if wrong is not None:
            return ReplayResult(run, replayed, wrong, None, chain)
        for line in group:
            art = line.get("artifact")
            if line["function"] == "constructor":
                if header["artifacts"].get(art) != installed.get(art):
                    return ReplayResult(run, replayed, Difference(line["line"], _describe(line), f"artifact {art}",
                                                                  header["artifacts"].get(art), installed.get(art)),
                                        None, chain)
                artifact_of[line["contract"]] = art
        try:
            results = _send(chain, group)
        except ValueError as exc:  # a gas limit no block takes: only a journal edited by hand has one
            return ReplayResult(run, replayed, Difference(first["line"], _describe(first), "gas_limit", None, None,
                                                          note=f"cannot be sent again: {exc}"), None, chain)
        for line, result in zip(group, results):
            got = _observed(result)
            for field in compared:
                if got[field] != _normal(line.get(field)):
                    return ReplayResult(run, replayed, Difference(line["line"], _describe(line), field,
                                                                  line.get(field), got[field]), None, chain)
            events.extend(_Replayed(e.contract, e.name, e.args) for e in result.events if e.name in STATE_EVENTS)
            replayed += 1
        if progress is not None:
            progress(replayed, len(lines))
    for seed in seeds:  # written after the last transaction
        wrong = _write_seed(seed, chain, roots, sealed, across, events)
        if wrong is not None:
            return ReplayResult(run, replayed, wrong, None, chain)
    chain.seal()
    wrong = _check_roots(roots, sealed, across)
    if wrong is not None:
        return ReplayResult(run, replayed, wrong, None, chain)
    final = None
    if run.complete and until is None and artifact_of and not _chain_failed(run):  # else: never read, not compared
        final = state_hash(observable_state(chain, artifact_of, events))
        if final != run.end.get("final_state_hash"):
            return ReplayResult(run, replayed, Difference(run.end_line or 2, "end line",
                                                          "final_state_hash", run.end.get("final_state_hash"), final),
                                final, chain)
    summary = run.summary() if until is None else None  # beside a cut journal too: a run never ended writes none
    mismatch = run.summary_mismatch(summary) if summary is not None else None
    if mismatch is not None:  # the end line (or the summary beside it) was changed after the run
        return ReplayResult(run, replayed, Difference(run.end_line or 2, "end line",
                                                      "summary", None, None, note=mismatch), final, chain)
    return ReplayResult(run, replayed, None, final, chain)


def _at_block(line: dict[str, Any], chain: Chain, roots: dict[int, dict[str, Any]], sealed: list[Any],
              across: bool) -> Difference | None:
    """Moves the replay to the block and time of ``line`` (a transaction or a seed): the block before it is
    sealed when the journal's block ended there, and the roots of the blocks sealed so far are compared."""
    if chain.open_block is not None and chain.open_block != line["block"]:  # the journal's block ended
        chain.seal()
    wrong = _check_roots(roots, sealed, across)
    if wrong is not None:
        return wrong
    if line["timestamp"] < chain.now:
        return Difference(line["line"], _describe(line), "timestamp", line["timestamp"], chain.now)
    chain.set_time(line["timestamp"])
    return None


def _write_seed(seed: dict[str, Any], chain: Chain, roots: dict[int, dict[str, Any]], sealed: list[Any],
                across: bool, events: list[_Replayed]) -> Difference | None:
    """Writes a seed line's storage again where the run wrote it, after checking its hash and its contract."""
    wrong = _at_block(seed, chain, roots, sealed, across)
    if wrong is not None:
        return wrong
    what = f"seeded state of {seed['contract']}"
    writes = [(int(slot, 16), int(value, 16)) for slot, value in seed["writes"]]
    digest = writes_sha256(seed["address"], writes)
    if digest != seed["writes_sha256"]:
        return Difference(seed["line"], what, "writes_sha256", seed["writes_sha256"], digest)
    deployed = chain.contracts.get(seed["contract"])
    if deployed is None or deployed.address.lower() != seed["address"].lower():
        return Difference(seed["line"], what, "address", seed["address"], deployed.address if deployed else None)
    block, _ = chain.write_storage(deployed, writes)
    if block != seed["block"]:
        return Difference(seed["line"], what, "block", seed["block"], block)
    events.extend(_Replayed(seed["contract"], e["name"], e["args"]) for e in seed["events"]
                  if e["name"] in STATE_EVENTS)
    return None


def _as_sent(lines: Iterable[dict[str, Any]], format: int) -> Iterator[list[dict[str, Any]]]:
    """The journal's transactions in the groups the run sent them in: a `send_batch`'s together (format 3 marks
    each with its place; formats 1 and 2 gave a block several transactions only for a batch), others alone."""
    group: list[dict[str, Any]] = []
    for line in lines:
        together = line.get("batch", 0) > 0 if format >= 3 else bool(group) and group[-1]["block"] == line["block"]
        if group and together:
            group.append(line)
            continue
        if group:
            yield group
        group = [line]
    if group:
        yield group


def _check_roots(roots: dict[int, dict[str, Any]], sealed: list[Any], across: bool) -> Difference | None:
    """The sealed blocks' state roots against those the journal gives for them (root lines, or format 2's
    transaction lines); not compared across backends. Empties `sealed`."""
    blocks, sealed[:] = list(sealed), []
    for block in blocks:
        given = roots.get(block.number) if not across else None
        if given is not None and given["state_root"] != block.state_root:
            what = _describe(given) if given["type"] == "tx" else f"state root of block {block.number}"
            return Difference(given["line"], what, "state_root", given["state_root"], block.state_root)
    return None


def _send(chain: Chain, group: list[dict[str, Any]]) -> list[Any]:
    """Re-sends transactions as the run sent them: one alone, a batch together."""
    line = group[0]
    if line["function"] == "constructor" and len(group) == 1:
        art = load_artifact(line["artifact"])
        try:
            chain.deploy(line["contract"], art["abi"], art["bytecode"], line["actor"], line["args"],
                         gas=line["gas_limit"])
        except ContractRevert as exc:
            return [exc.tx]
        return [chain.last_result]
    if len(group) == 1:
        return [chain.send(line["actor"], line["contract"], line["function"], *line["args"], gas=line["gas_limit"],
                           allow_revert=True)]
    calls = [(line["actor"], line["contract"], line["function"], *line["args"]) for line in group]
    return chain.send_batch(calls, gas=line["gas_limit"], allow_revert=True)
