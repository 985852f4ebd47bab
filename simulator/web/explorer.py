"""Finished runs for the explorer: a folder of run directories (or one run directory), each read back from its
journal (blocks, transactions, decoded events and errors) and from ``read.inspect`` (institutions, per-actor
statements): the same data as `ecny-sim inspect`."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import quote
from typing import Any

from ..chain.actors import Actors
from ..chain.clock import format_beijing
from ..read.inspect import inspect_run
from ..run.journal_reader import read_journal
from ..run.scenario import BadInput, cut
from ..show.report.page import explorer_page


def _is_run(folder: Path) -> bool:
    return (folder / "journal.jsonl").is_file()


class Explorer:
    """The runs under ``root``: the folder itself if it is a run, else its sub-folders that are runs."""

    def __init__(self, root: Path, *, given: bool = True):
        """``given``: named with --runs, so it must hold a run now; else the page's own runs' folder, which
        fills as runs end."""
        self.root = root
        if given and not root.is_dir():
            raise BadInput(f"--runs {cut(root)}: no such folder")
        if given and not self.runs():
            raise BadInput(f"--runs {cut(root)}: not a run (no journal.jsonl in it or in any folder inside it)")
        self._cache: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()  # one replay at a time: inspect replays the journal on a chain

    def _folders(self) -> dict[str, Path]:
        if not self.root.is_dir():
            return {}
        if _is_run(self.root):
            return {self.root.name: self.root}
        return {p.name: p for p in sorted(self.root.iterdir()) if p.is_dir() and _is_run(p)}

    def runs(self) -> list[dict[str, Any]]:
        rows = []
        for name, folder in self._folders().items():
            if (folder / "summary.json").is_file():  # a run still going has none yet
                rows.append({"name": name, "report": (folder / "report.html").is_file()})
        return rows

    def report(self, name: str) -> str:
        """The run's report.html (written by `ecny-sim report`) with its explorer page linked: the report names the
        page (``/explorer#name``) as text, for a report opened from its file; served here, it is a link."""
        folder = self._folders().get(name)
        if folder is None or not (folder / "report.html").is_file():
            raise BadInput(f"no report for {cut(name)} under {cut(self.root)}: write it with "
                           f"`ecny-sim report {cut(folder or name)}`")
        page = (folder / "report.html").read_text(encoding="utf-8")
        named = explorer_page(name)
        return page.replace(named, f'<a href="/explorer#{quote(name)}">{named}</a>')

    def run(self, name: str) -> dict[str, Any]:
        folder = self._folders().get(name)
        if folder is None or not (folder / "summary.json").is_file():
            raise BadInput(f"no run {cut(name)} under {cut(self.root)}")
        with self._lock:
            if name not in self._cache:
                self._cache[name] = self._read(folder)
            # written by `ecny-sim report` at any time: looked for on each call
            return {**self._cache[name], "report": (folder / "report.html").is_file()}

    @staticmethod
    def _read(folder: Path) -> dict[str, Any]:
        run = read_journal(folder)
        actors = Actors(run.header["seed"])  # the run's keys: its actors' addresses, named again
        summary = run.summary() or {}
        names = {t["actor"] for t in run.txs} | set(summary.get("balances_fen", {}))
        known = {actors.address_of(name).lower(): name for name in names}

        def named(value: Any) -> Any:
            if isinstance(value, str):
                return known.get(value.lower(), value)
            if isinstance(value, list):
                return [named(v) for v in value]
            if isinstance(value, dict):
                return {k: named(v) for k, v in value.items()}
            return value
        blocks: dict[int, dict[str, Any]] = {}
        txs = []
        for t in run.txs:
            block = blocks.setdefault(t["block"], {"number": t["block"], "time": format_beijing(t["timestamp"]),
                                                   "transactions": 0, "gas_used": 0})
            block["transactions"] += 1
            block["gas_used"] += t["gas_used"]
            error = t.get("error")
            txs.append({
                "line": t["line"], "block": t["block"], "time": format_beijing(t["timestamp"]), "actor": t["actor"],
                "contract": t["contract"], "function": t["function"], "args": named(t["args"]), "status": t["status"],
                "gas_used": t["gas_used"], "tx_hash": t.get("tx_hash"),
                "events": [{"contract": e["contract"], "name": e["name"], "args": named(e["args"])}
                           for e in t["events"]],
                "error": None if not error else {"name": error.get("name"), "args": named(error.get("args"))},
            })
        view = inspect_run(folder)
        return {
            "name": folder.name, "scenario": run.header["scenario"], "seed": run.header["seed"],
            "params": run.header.get("params", {}), "complete": run.complete,
            "outcome": (run.end or {}).get("outcome"), "summary": summary,
            "blocks": list(blocks.values()), "transactions": txs,
            "institutions": view["institutions"], "campaigns": view["campaigns"], "actors": view["actors"],
        }
