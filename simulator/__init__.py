"""ecny-sim: programmable e-CNY contracts on a local chain, driven by scenario scripts.

The package is built in layers, each importing only those below it (ARCHITECTURE.md has the map):
``chain`` → ``domain`` → ``run`` → ``read`` → ``show``; ``pilot`` wires them into the pilots' world, and the CLI
and the scenarios sit on top.

Scenario authors import everything they need from here, one stable place::

    from ecny_sim import DAY, HOUR, PrepaidRules, ScenarioParams, fmt_fen, open_term

Names load on first use, so ``import ecny_sim`` stays cheap (the CLI's ``--help`` does not start a chain).
"""

from __future__ import annotations

import importlib
from typing import Any

from . import _moved

_moved.install(__name__)

#: Public name -> the module that defines it ("module:attribute" when the name differs there).
_PUBLIC = {
    # scenario scripts
    "ScenarioParams": "run.scenario", "scaled": "run.scenario", "Scenario": "run.scenario",
    "load_scenario": "run.scenario:load", "BadInput": "run.scenario",
    "Simulation": "pilot", "run_scenario": "pilot", "RunResult": "run.engine", "Refusal": "run.engine",
    # time and money
    "MINUTE": "chain.clock", "HOUR": "chain.clock", "DAY": "chain.clock", "WEEK": "chain.clock",
    "parse_beijing": "chain.clock", "format_beijing": "chain.clock", "fmt_fen": "domain.money",
    "yuan": "domain.money",
    # the pilots' rules and contracts
    "PrepaidRules": "domain.settings", "GrantRules": "domain.settings", "WALLET_TIERS": "domain.settings",
    "TierName": "domain.settings", "PurposeName": "domain.settings", "PURPOSES": "domain.settings",
    "Prepaid": "domain.prepaid", "Order": "domain.prepaid", "open_term": "domain.term", "Term": "domain.term",
    "Campaign": "domain.redpacket", "MerchantRegistry": "domain.redpacket",
    "GrantProgramme": "domain.grants", "PayeeRegistry": "domain.grants", "interest_fen": "domain.grants",
    "ConditionalPayments": "domain.conditional", "WageContract": "domain.wages", "lottery": "domain.lottery",
    "ContractRevert": "chain.errors",
    # studies, from a notebook: one run's summary, a sweep's table (`ecny_sim.run` is the run layer's package,
    # so one run is `simulate`)
    "simulate": "study.api", "sweep": "study.api",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    where = _PUBLIC.get(name)
    if where is None:
        raise AttributeError(f"module 'ecny_sim' has no attribute {name!r}")
    module_name, _, attribute = where.partition(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    value = module if name == module_name.rsplit(".", 1)[-1] else getattr(module, attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
