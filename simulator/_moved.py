"""The module paths of the flat package (0.1), kept working for this release: ``import ecny_sim.term`` still
gives the module, now ``ecny_sim.domain.term``, with a DeprecationWarning that names the new place.

A finder on ``sys.meta_path`` answers only for the old names below; the old name becomes an alias of the new
module (the same object, so a monkeypatch through either name is seen by both).
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from pathlib import Path

#: Old module (under ecny_sim) -> its place now. Remove in the release after next.
MOVED = {
    "actors": "chain.actors", "chain": "chain", "clock": "chain.clock", "compiler": "chain.compiler",
    "errors": "chain.errors",
    "money": "domain.money", "settings": "domain.settings", "deployment": "domain.deployment",
    "token": "domain.token", "prepaid": "domain.prepaid", "term": "domain.term", "redpacket": "domain.redpacket",
    "merkle": "domain.merkle", "lottery": "domain.lottery", "grants": "domain.grants",
    "conditional": "domain.conditional", "wages": "domain.wages", "explain": "domain.explain",
    "scenario": "run.scenario", "engine": "pilot", "journal": "run.journal", "journal_reader": "run.journal_reader",
    "reporter": "run.reporter",
    "summary": "read.summary", "subsidy_summary": "read.subsidy_summary", "alerts": "read.alerts",
    "timeline": "read.timeline", "state": "read.state", "replay": "read.replay", "compare": "read.compare",
    "inspect": "read.inspect",
    "narrator": "show.narration", "report": "show.report", "report_text": "show.report.words",
    "charts": "show.report.charts", "export": "show.export",
}


PACKAGE = "ecny_sim"


def _advice(old: str, new: str) -> str:
    return (f"{old} has moved to {new}; the old path goes in the next release "
            f"(scenarios can import everything from `{PACKAGE}`)")


def old_imports_in(script: str | Path) -> list[str]:
    """One line of advice per import of a moved module in a scenario script (read, not run: an alias imported
    earlier in the process warns only once, the script is told every time)."""
    try:
        tree = ast.parse(Path(script).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    advice = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module] + ([f"{node.module}.{a.name}" for a in node.names] if node.module == PACKAGE else [])
        else:
            continue
        for name in names:
            old = name.removeprefix(PACKAGE + ".")
            if name.startswith(PACKAGE + ".") and old in MOVED and old != MOVED[old]:
                line = _advice(name, f"{PACKAGE}.{MOVED[old]}")
                if line not in advice:
                    advice.append(line)
    return advice


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, old: str, new: str):
        self.old, self.new = old, new

    def create_module(self, spec):
        warnings.warn(_advice(self.old, self.new), DeprecationWarning, stacklevel=2)
        module = importlib.import_module(self.new)
        self._spec = module.__spec__
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = self._spec  # the import system stamped the old name on it; the module keeps its own


class _MovedFinder(importlib.abc.MetaPathFinder):
    def __init__(self, package: str):
        self.prefix = package + "."

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(self.prefix):
            return None
        new = MOVED.get(fullname[len(self.prefix):])
        if new is None or fullname == self.prefix + new:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(fullname, self.prefix + new))


def install(package: str) -> None:
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MovedFinder(package))
