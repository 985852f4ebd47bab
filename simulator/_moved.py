"""The module paths of the flat package (0.1), kept working for this release: ``import ecny_sim.term`` still
gives the module, now ``ecny_sim.domain.term``, with a DeprecationWarning that names the new place.

A finder on ``sys.meta_path`` answers only for the old names below; the old name becomes an alias of the new
module (the same object, so a monkeypatch through either name is seen by both).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings

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
    "narrator": "show.narrator", "report": "show.report", "report_text": "show.report_text",
    "charts": "show.charts", "export": "show.export",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, old: str, new: str):
        self.old, self.new = old, new

    def create_module(self, spec):
        warnings.warn(f"{self.old} has moved to {self.new}; the old path goes in the next release",
                      DeprecationWarning, stacklevel=2)
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
