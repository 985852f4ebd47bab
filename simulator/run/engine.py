"""Running a scenario: a fresh chain, the journal written as it goes, then the summary.

``Simulation`` is what a scenario script receives: actors by name, time travel, contracts, expected refusals
and its own checks. It knows no contract of the pilots: ``ecny_sim.pilot.Simulation`` adds their world (the
e-CNY wallets deployed when it opens, prepaid contracts by model, alerts) through the ``world`` callable and
the observers it opens with. ``run_scenario`` wraps one run and decides its outcome and exit code; the caller
passes how a finished simulation is summarised.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..chain import Chain
from ..chain.clock import format_beijing, to_timestamp
from ..chain.compiler import current_manifest, load_artifact
from ..chain.errors import ChainFailure, ContractRevert
from ..chain.records import Event
from ..domain.explain import format_args
from .event_log import EventLog
from .journal import STATE_ROOT_EVERY, SUMMARY_JOURNAL_FIELD, Journal, writes_sha256
from .reporter import N_, Reporter, SilentReporter
from .scenario import Scenario, ScenarioParams

#: Exit codes, the same for every command (README's table; `ecny-sim --help` shows it).
EXIT_OK = 0  # the run held every invariant; a replay matched a complete journal
EXIT_INVARIANT = 1  # an invariant failed, or a replay found a difference
EXIT_BAD_INPUT = 2  # bad input: one line, nothing written
EXIT_REVERT = 3  # a transaction reverted that the scenario did not expect
EXIT_INCOMPLETE = 4  # a journal that matches but has no end line (a killed run)
EXIT_SCRIPT = 5  # the scenario script failed (an exception, or sys.exit inside it)
EXIT_CHAIN = 6  # the chain backend failed (a node died)
EXIT_INTERRUPTED = 130  # Ctrl-C


class RefusalMissing(Exception):
    """A transaction the scenario expected to be refused went through, or failed with another error."""


@dataclass
class Refusal:
    """What ``Simulation.refused`` caught: the decoded error, for the scenario to print or check."""

    expected: str
    error: ContractRevert | None = None
    text: str = ""  # e.g. "Prepaid_ChargeCapExceeded(chargeFen=¥6,000, capFen=¥5,000)"

    @property
    def name(self) -> str | None:
        return self.error.error_name if self.error else None

    @property
    def args(self) -> dict[str, Any]:
        return self.error.args if self.error else {}


@dataclass
class RecordedEvent:
    contract: str  # label of the emitting deployment, e.g. "ECNY", "escrow"
    name: str
    args: dict[str, Any]
    actor: str
    function: str


@dataclass
class SeedRecord:
    """Storage a scenario wrote without transactions, and the events the transactions it replaces would have
    emitted (observers fold them like any other: the summary counts seeded wallets and money)."""
    contract: str  # label of the deployment written to
    block_number: int
    timestamp: int
    events: list[Event]


class Simulation:
    """One run's world. Scenario scripts call these methods; every transaction lands in the journal."""

    def __init__(self, scenario: Scenario, params: ScenarioParams, seed: int, *, journal: Journal | None = None,
                 reporter: Reporter | None = None, observers: Sequence[Any] = (),
                 world: Callable[[Simulation], Any] | None = None, backend: str = "pyevm"):
        self.scenario = scenario
        self.params = params
        self.seed = seed
        self.reporter = reporter or SilentReporter()
        self.chain = Chain(genesis_time=params.start_ts, seed=seed, backend=backend, mining="by_time")
        try:  # a failure while the world is set up (a node dying under the first deployments) stops the node
            self.journal = journal
            self.events = EventLog()  # RecordedEvents, on disk past the last few thousand
            self.checks: dict[str, bool] = {}
            self.comparison: dict[str, dict[str, int]] | None = None
            self.extra_totals: dict[str, int] = {}
            self.counts: dict[str, int] = {"transactions": 0, "reverted": 0, "expected_refusals": 0}
            self.gas_by_function: dict[str, int] = {}
            self.deployments: dict[str, Any] = {}  # label -> Deployed
            self.artifact_of: dict[str, str] = {}  # deployment label -> artifact name
            self.on_seed: list[Callable[[SeedRecord], None]] = []
            self.chain.on_transaction.append(self._on_transaction)
            self.chain.on_block.append(self._on_block)
            self._rooted = 0  # the last block whose state root the journal gives
            for observer in observers:  # alerts, a classroom narrator: attached before the first deployment
                if hasattr(observer, "attach"):
                    observer.attach(self)
                else:
                    self.chain.on_transaction.append(observer)
            if journal is not None:
                journal.header(
                    scenario=scenario.name,
                    params=params.model_dump(mode="json"),
                    seed=seed,
                    genesis_time=self.chain.genesis_time,
                    genesis_allocation=self.chain.genesis_allocation,
                    chain=self.chain.settings,
                    state_root_every=STATE_ROOT_EVERY,
                    artifacts=current_manifest().artifact_hashes(),
                )
            if world is not None:
                world(self)
        except BaseException:
            self.chain.close()
            raise

    # ------------------------------------------------------------------ actors and time
    def addr(self, name: str) -> str:
        return self.chain.address_of(name)

    @property
    def now(self) -> int:
        return self.chain.now

    def at(self, when: int | str) -> int:
        """Moves the clock to ``when`` (unix seconds or a Beijing time string); never backwards."""
        self.chain.set_time(to_timestamp(when))
        return self.chain.now

    def advance(self, *, days: float = 0, hours: float = 0, seconds: int = 0) -> int:
        """Moves the clock forward, counted from the scenario's time (not from the 1 s steps that
        consecutive blocks take)."""
        self.chain.advance(seconds=int(days * 86400 + hours * 3600 + seconds))
        return self.chain.now

    def say(self, text: str) -> None:
        """A line of the run's readable account, stamped with the chain's Beijing time."""
        self.reporter.say(format_beijing(self.chain.now), text)

    def progress(self, items: Sequence[Any], description: str) -> Iterable[Any]:
        return self.reporter.progress(items, description)

    def in_batches(self, items: Sequence[Any], size: int, description: str) -> Iterator[list[Any]]:
        """``items`` in lists of ``size`` (one transaction or block each), with a progress bar over the items."""
        chunk: list[Any] = []
        for item in self.progress(items, description):
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    # ------------------------------------------------------------------ contracts
    def deploy(self, artifact: str, deployer: str, *args: Any, label: str | None = None):
        label = label or artifact
        if label in self.deployments:
            raise ValueError(f"a contract labelled {label!r} is already deployed in this run")
        art = load_artifact(artifact)
        self.artifact_of[label] = artifact
        deployed = self.chain.deploy(label, art["abi"], art["bytecode"], deployer, args=tuple(args))
        self.deployments[label] = deployed
        return deployed

    def send(self, actor: str, contract: Any, function: str, *args: Any, gas: int | None = None):
        """Sends a transaction; a revert raises ``ContractRevert`` (inside ``refused``, that is expected)."""
        return self.chain.send(actor, contract, function, *args, gas=gas)

    def send_batch(self, calls: Sequence[tuple], *, gas: int = 250_000) -> list:
        """Sends independent ``(actor, contract, function, *args)`` transactions in one block, in order;
        for many actors acting at about the same time. A revert raises ``ContractRevert`` afterwards."""
        return self.chain.send_batch(calls, gas=gas)

    def seed_storage(self, label: str, writes: Sequence[tuple[int, int]],
                     events: Sequence[tuple[str, dict[str, Any]]], *, actor: str) -> SeedRecord:
        """Writes storage of the deployment ``label`` now, without transactions: set-up the scenario does not
        study (a city's wallets opened and funded). The caller (a wrapper that knows the contract's storage
        layout) keeps its invariants; ``events`` are what the transactions it replaces would have emitted,
        on behalf of ``actor``. The journal records the writes, their hash and the events."""
        deployed = self.deployments[label]
        number, timestamp = self.chain.write_storage(deployed, writes)
        record = SeedRecord(label, number, timestamp, [Event(label, name, dict(args)) for name, args in events])
        for ev in record.events:
            self.events.append(RecordedEvent(label, ev.name, ev.args, actor, "seed"))
        if self.journal is not None:
            self.journal.seed(block=number, timestamp=timestamp, actor=actor, contract=label,
                              address=deployed.address, writes=[[hex(k), hex(v)] for k, v in writes],
                              writes_sha256=writes_sha256(deployed.address, writes),
                              events=[{"name": e.name, "args": e.args} for e in record.events])
        for hook in list(self.on_seed):
            hook(record)
        return record

    @contextlib.contextmanager
    def refused(self, error_name: str) -> Iterator[Refusal]:
        """Runs the block expecting one transaction in it to be refused with ``error_name``::

            with sim.refused("Prepaid_ChargeCapExceeded") as r:
                plan.enrol("parent:li", course, 40)
            sim.say(f"refused: {r.name} {r.args}")
        """
        refusal = Refusal(error_name)
        try:
            yield refusal
        except ContractRevert as exc:
            refusal.error = exc
            refusal.text = f"{exc.error_name}({format_args(exc.args, self.chain.label)})"
        if refusal.error is None:
            raise RefusalMissing(f"expected a refusal with {error_name}, but the transaction went through")
        if refusal.error.error_name != error_name:
            raise refusal.error
        self.counts["expected_refusals"] += 1

    def check(self, name: str, holds: bool) -> bool:
        """Records a scenario-specific invariant (it appears in summary.json; a false one fails the run)."""
        self.checks[name] = bool(self.checks.get(name, True) and holds)
        return holds

    # ------------------------------------------------------------------ recording
    def _on_transaction(self, record: Any) -> None:
        result = record.result
        self.counts["transactions"] += 1
        if result.status == 0:
            self.counts["reverted"] += 1
        key = f"{record.contract}.{record.function}"
        self.gas_by_function[key] = self.gas_by_function.get(key, 0) + result.gas_used
        for ev in result.events:
            self.events.append(RecordedEvent(ev.contract, ev.name, ev.args, record.actor, record.function))
        if self.journal is not None:
            self.journal.transaction(
                **({} if record.batch is None else {"batch": record.batch}),
                block=result.block_number,
                timestamp=result.timestamp,
                actor=record.actor,
                contract=record.contract,
                artifact=self.artifact_of.get(record.contract),
                function=record.function,
                args=record.args,
                status=result.status,
                gas_limit=result.gas_limit,
                gas_used=result.gas_used,
                events=[{"contract": e.contract, "name": e.name, "args": e.args} for e in result.events],
                error=None if result.error is None else result.error.to_json(),
                tx_hash=result.tx_hash,
            )

    def _on_block(self, block: Any) -> None:
        if self.journal is not None and block.number % STATE_ROOT_EVERY == 0:
            self.journal.root(block=block.number, timestamp=block.timestamp, state_root=block.state_root)
            self._rooted = block.number

    def finish_blocks(self) -> None:
        """Seals the last block and gives its state root in the journal (the run's transactions are over)."""
        self.chain.seal()
        last = self.chain.block_number
        if self.journal is not None and last > self._rooted:
            self.journal.root(block=last, timestamp=self.chain.last_block_time, state_root=self.chain.state_root())
            self._rooted = last


@dataclass
class RunResult:
    outcome: str  # "ok" | "invariant_failed" | "unexpected_revert" | "scenario_error" | "chain_failed" | "intervened"
    exit_code: int
    summary: dict[str, Any]
    message: str = ""
    out_dir: Path | None = None
    failed_invariants: list[str] = field(default_factory=list)


#: Summarises a finished simulation given its outcome; returns the summary with at least its ``invariants``
#: (name -> holds), ``final_state_hash`` and ``totals``.
Summarise = Callable[["Simulation", str], dict[str, Any]]


def run_scenario(scenario: Scenario, params: ScenarioParams, seed: int, out_dir: Path | None, *,
                 summarise: Summarise, open_simulation: Callable[..., Simulation] = Simulation,
                 reporter: Reporter | None = None, observers: Sequence[Any] = (), backend: str = "pyevm") -> RunResult:
    """Runs one scenario to completion. Writes ``journal.jsonl`` and ``summary.json`` to ``out_dir``.

    ``open_simulation(scenario, params, seed, journal=, reporter=, observers=, backend=)`` opens the world the
    script runs in, on the chain ``backend`` ("pyevm" or "anvil"; the chain is closed when the run ends);
    ``summarise`` reads the finished simulation. ``ecny_sim.pilot.run_scenario`` passes the pilots'.
    """
    journal = None
    created = out_dir is not None and not out_dir.exists()
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        journal = Journal(out_dir / "journal.jsonl")
    sim = None
    try:
        reporter = reporter or SilentReporter()
        try:
            sim = open_simulation(scenario, params, seed, journal=journal, reporter=reporter, observers=observers,
                                  backend=backend)
        except ChainFailure as exc:  # the backend could not start (or died while the world was set up)
            return _not_started(journal, out_dir if created else None, f"the chain backend could not start: {exc}")
        outcome, message = "ok", ""
        try:
            with reporter.phase(N_("Running the scenario")):
                scenario.run(sim, params)
        except ContractRevert as exc:
            outcome, message = "unexpected_revert", (
                f"unexpected revert: {exc.contract}.{exc.function} reverted with "
                f"{exc.error_name or exc.error}({format_args(exc.args, sim.chain.label)})")
        except RefusalMissing as exc:
            outcome, message = "invariant_failed", str(exc)
            sim.check("expected_refusals_happened", False)
        except ChainFailure as exc:  # the backend failed under the script: neither its fault nor a revert
            outcome, message = "chain_failed", f"the chain backend failed: {exc}"
        except SystemExit as exc:  # sys.exit in a script is not success: the run did not finish
            outcome, message = "scenario_error", f"scenario called sys.exit({exc.code!r}) ({_where(exc)})"
        except Exception as exc:  # a bug in the scenario script: record where, keep the outputs whole
            outcome, message = "scenario_error", f"scenario raised {type(exc).__name__}: {exc} ({_where(exc)})"
        try:
            with reporter.phase(N_("Reading the summary from the chain")):
                if outcome != "chain_failed":  # a dead backend seals nothing
                    sim.finish_blocks()
                summary = summarise(sim, outcome)
        except ChainFailure as exc:  # nothing can be read back from a dead backend: say so, keep the outputs whole
            outcome, message = "chain_failed", message or f"the chain backend failed: {exc}"
            summary = {"scenario": scenario.name, "params": params.model_dump(mode="json"), "seed": seed,
                       "invariants": {}, "totals": {}, "final_state_hash": "", "counts": sim.counts}
        failed = [name for name, ok in summary["invariants"].items() if not ok]
        if outcome == "ok" and failed:
            outcome = "invariant_failed"
            message = "invariant failed: " + ", ".join(failed)
        if outcome == "ok" and getattr(sim, "interventions", None):  # the regulator acted during the run (serve)
            outcome = "intervened"
        summary["outcome"] = outcome
        if message:
            summary["message"] = message
        exit_code = {"ok": EXIT_OK, "invariant_failed": EXIT_INVARIANT, "scenario_error": EXIT_SCRIPT,
                     "chain_failed": EXIT_CHAIN,
                     "unexpected_revert": EXIT_REVERT, "intervened": EXIT_OK}[outcome]
        if journal is not None:
            summary[SUMMARY_JOURNAL_FIELD] = journal.end(
                summary=summary, outcome=outcome, message=message, final_state_hash=summary["final_state_hash"],
                totals=summary["totals"])
            (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True,
                                                             ensure_ascii=False) + "\n", encoding="utf-8")
        return RunResult(outcome, exit_code, summary, message, out_dir, failed)
    finally:
        if sim is not None:
            sim.chain.close()  # stops a node the run started
        if journal is not None:
            journal.close()


def _not_started(journal: Journal | None, out_dir: Path | None, message: str) -> RunResult:
    """A run whose chain failed to start: outcome chain_failed, its journal removed, and `out_dir` (given when
    this run created it) too: nothing half-written (the CLI's work folder, left empty, is not moved into place)."""
    if journal is not None:
        journal.close()
        journal.path.unlink(missing_ok=True)
    if out_dir is not None:  # the folder this run created
        with contextlib.suppress(OSError):
            out_dir.rmdir()
    return RunResult("chain_failed", EXIT_CHAIN, {}, message, None)


def _where(exc: BaseException) -> str:
    """File and line where an exception was raised, innermost frame."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"


__all__ = ["Simulation", "run_scenario", "RunResult", "Refusal", "RefusalMissing"]
