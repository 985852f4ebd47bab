"""One point of a study, run where a worker runs it: a full run on its own fresh chain, read back as one row.

A row holds the point (``point``, ``key``), every parameter (a column each, named after it), ``seed``, the
outcome (``ok``, ``outcome``, ``message``, ``failed_invariants``), every figure of the summary flattened with
dotted names (``comparison.escrow.parent_loss_fen``, ``invariants.<name>``, ``gas_used.total``), ``journal``
(the kept journal's folder, relative to the sweep's, or empty) and the timing columns. A run that fails in any
way is a row too: its outcome and the reason.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import time
from pathlib import Path
from typing import Any

#: Columns that differ from one execution of the same study to another: left out when tables are compared.
TIMING_COLUMNS = ("run_seconds", "cpu_seconds", "worker")
#: Summary entries that are not figures of the run, or are already columns of their own.
NOT_FIGURES = frozenset({"scenario", "title", "params", "seed", "outcome", "message", "journal_sha256"})
#: Per-wallet balances: one column per wallet would make a city's table 100,000 columns wide. A kept journal's
#: summary.json has them.
PER_WALLET = frozenset({"balances_fen"})


def flatten(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary's figures as {dotted name: value}; a list becomes its canonical JSON text."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key in sorted(value):
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        elif isinstance(value, list):
            flat[prefix] = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        else:
            flat[prefix] = value

    for key in sorted(summary):
        if key not in NOT_FIGURES and key not in PER_WALLET:
            walk(key, summary[key])
    return flat


@functools.lru_cache(maxsize=8)
def _scenario(name: str) -> Any:
    from ..run import scenario as scenarios

    return scenarios.load(name)


def warm_up(ours: bool = False) -> int:
    """Imports what a run needs (the chain's libraries take seconds), once per worker as the cluster starts, so
    that no point's time includes it. On workers of a cluster the sweep started (``ours``), it also leaves Ctrl-C
    to the sweep's own process (a terminal sends it to every process of the group: the sweep stops the cluster
    in order, instead of each worker dying with a traceback). Returns the worker's process id."""
    if ours:
        with contextlib.suppress(ValueError):  # not the process's main thread: nothing to change there
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ..chain.pyevm import PyEVMBackend
    from ..pilot import run_scenario

    assert PyEVMBackend and run_scenario
    return os.getpid()


def journal_folder(index: int) -> str:
    """Where a kept journal goes, relative to the sweep's folder."""
    return f"runs/point-{index:06d}"


def run_point(task: dict[str, Any]) -> dict[str, Any]:
    """Runs ``task`` (scenario, values, seed, test_scale, index, key, and ``keep`` = the sweep's folder when
    journals are kept) and returns its row. Never raises for a failed run: the row says what went wrong."""
    began, cpu = time.perf_counter(), time.process_time()
    row: dict[str, Any] = {"point": task["index"], "key": task["key"], **task["values"], "seed": task["seed"]}
    journal = ""
    try:
        from ..chain import overlay, user_contracts
        from ..pilot import run_scenario

        scenario = _scenario(task["scenario"])
        params = scenario.params(task["values"])
        out_dir = None
        if task.get("keep"):
            journal = journal_folder(task["index"])
            out_dir = Path(task["keep"]) / journal
            shutil.rmtree(out_dir, ignore_errors=True)  # a run of this point cut short by a killed sweep
        user = task.get("contracts")  # `--contracts DIR`: the user's build, as a journal header records it
        with overlay.active(user_contracts.from_header(user) if user else None):
            result = run_scenario(scenario, params, task["seed"], out_dir)
        row.update(ok=result.outcome == "ok", outcome=result.outcome, message=result.message,
                   failed_invariants=json.dumps(result.failed_invariants, ensure_ascii=False))
        row.update(flatten(result.summary))
        if not result.summary:
            journal = ""
    except Exception as exc:  # noqa: BLE001 - whatever it was, it is this point's failure, not the sweep's
        row.update(ok=False, outcome="error", message=f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500],
                   failed_invariants="[]")
    row["journal"] = journal
    row["run_seconds"] = round(time.perf_counter() - began, 3)
    row["cpu_seconds"] = round(time.process_time() - cpu, 3)  # this process's CPU: what a busy machine does not add
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return row


def failed_row(task: dict[str, Any], outcome: str, message: str) -> dict[str, Any]:
    """The row of a point whose run never returned (its worker was lost, say)."""
    return {"point": task["index"], "key": task["key"], **task["values"], "seed": task["seed"], "ok": False,
            "outcome": outcome, "message": " ".join(message.split())[:500], "failed_invariants": "[]",
            "journal": "", "run_seconds": None, "cpu_seconds": None, "worker": ""}
