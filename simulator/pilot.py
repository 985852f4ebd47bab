"""The e-CNY pilots' world, wired: a ``Simulation`` that opens with the ECNY wallets deployed and alerts
watched, and ``run_scenario`` that summarises the run with the pilots' summary.

This module sits above the layers (like the CLI): it is where the generic engine (run), the pilots'
contracts (domain) and the summary and alerts (read) meet. Programs and tests run scenarios through it::

    from ecny_sim.pilot import run_scenario
    result = run_scenario(scenario, scenario.params(test_scale=True), seed=1, out_dir=Path("runs/x"))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from .chain import user_contracts
from .domain.prepaid import Prepaid
from .domain.settings import PrepaidRules
from .domain.token import Token
from .read.alerts import AlertMonitor, AlertSettings
from .read.summary import build_summary
from .read.tally import Tally
from .run import engine
from .run.journal import Journal
from .run.reporter import Reporter
from .run.scenario import Scenario, ScenarioParams

# The run's outcome and exit codes, here too: callers of ``run_scenario`` read them.
from .run.engine import (  # noqa: E402,F401  (re-exported: the 0.1 path ecny_sim.engine leads here)
    EXIT_BAD_INPUT, EXIT_INVARIANT, EXIT_OK, EXIT_REVERT, RecordedEvent, Refusal, RefusalMissing, RunResult)

__all__ = ["Simulation", "run_scenario", "open_world", "RunResult", "Refusal", "RefusalMissing", "EXIT_OK",
           "EXIT_INVARIANT", "EXIT_BAD_INPUT", "EXIT_REVERT"]


def open_world(sim: Simulation) -> None:
    """The pilots' world as a simulation opens: the bank deploys the e-CNY system and its wallet tiers."""
    sim.token = Token(sim)


class Simulation(engine.Simulation):
    """A simulation in the pilots' world (it provides the domain's ``World``): alerts are watched and the
    summary's sums kept from the first transaction, the e-CNY system is deployed right after the journal's
    header, and the wrappers register their contracts here as they deploy them."""

    token: Token
    alerts: AlertMonitor
    tally: Tally  # what the summary needs from the events, folded as they happen

    def __init__(self, scenario: Scenario, params: ScenarioParams, seed: int, *, journal: Journal | None = None,
                 reporter: Reporter | None = None, alert_settings: AlertSettings | None = None,
                 observers: Sequence[Any] = (), backend: str = "pyevm"):
        # Registries the wrappers add themselves to (the summary and the alerts read them); set before the
        # engine opens, since the world deploys the token while it does.
        self.prepaid: list[Prepaid] = []
        self.campaigns: list[Any] = []  # domain.redpacket.Campaign
        if journal is not None and user_contracts.header_fields():  # `--contracts DIR`: the header says whose
            journal = _UserJournal(journal)
        super().__init__(scenario, params, seed, journal=journal, reporter=reporter,
                         observers=[Tally(), AlertMonitor(alert_settings), *observers], world=open_world,
                         backend=backend)

    def deploy(self, artifact: str, deployer: str, *args: Any, label: str | None = None):
        """As the engine's; a user's contract standing in for ``artifact`` gets its manifest's arguments."""
        return super().deploy(artifact, deployer, *user_contracts.constructor_args(artifact, args), label=label)

    def deploy_prepaid(self, model: str = "escrow", rules: PrepaidRules | None = None, **kwargs: Any) -> Prepaid:
        """Deploys a prepaid-supervision contract of ``model`` ("escrow", "risk_deposit", "unsupervised")."""
        return Prepaid(self, model, rules, **kwargs)


class _UserJournal:
    """A journal whose header also records the user's contracts in use (sources' hashes, ABI, bytecode)."""

    def __init__(self, journal: Journal):
        self._journal = journal

    def header(self, **fields: Any) -> None:
        self._journal.header(**fields, **user_contracts.header_fields())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._journal, name)


def run_scenario(scenario: Scenario, params: ScenarioParams, seed: int, out_dir: Path | None,
                 reporter: Reporter | None = None, alert_settings: AlertSettings | None = None,
                 observers: Sequence[Any] = (), backend: str = "pyevm") -> engine.RunResult:
    """Runs one scenario in the pilots' world; writes ``journal.jsonl`` and ``summary.json`` to ``out_dir``.
    ``backend``: the chain backend, "pyevm" (default) or "anvil"."""

    def open_simulation(*args: Any, **kwargs: Any) -> Simulation:
        return Simulation(*args, alert_settings=alert_settings, **kwargs)

    return engine.run_scenario(scenario, params, seed, out_dir, summarise=build_summary,
                               open_simulation=open_simulation, reporter=reporter, observers=observers,
                               backend=backend)
