"""A run as CSV files for spreadsheets: ``export_csv(run_dir)`` writes ``run_dir/csv/``:

- ``journal.csv``: one row per transaction: line, block, Beijing time, actor, contract, function, status,
  gas used, its events summarized (addresses named, fen as ¥), and its decoded error if it was refused;
- ``balances.csv``: balances over time per actor: one row each time an actor's wallet balance changed
  (line, block, time, actor, group, balance in fen and in yuan);
- ``money_over_time.csv``: after each transaction, the money locked, released, refunded and returned to
  funders, issued and redeemed, and each actor group's balance (the report's charts, as numbers);
- ``summary.csv``: summary.json flattened to ``key,value`` rows (``totals.paid_in_fen``,
  ``invariants.<name>``, ``counts.orders``, ...).

Files are UTF-8 with a byte-order mark, so spreadsheet programs read ¥ and Chinese names correctly.
Bad input raises ``BadInput`` (``BadJournal`` for the journal's faults) before anything is written.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterator

from ..chain.clock import format_beijing
from ..domain.explain import format_args
from ..run.folder import replace_folder_with
from ..read.timeline import FLOWS, group_of, open_run

ENCODING = "utf-8-sig"


def _time(ts: int) -> str:
    return format_beijing(ts).removesuffix(" CST")


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``{"totals": {"paid_in_fen": 5}}`` -> ``("totals.paid_in_fen", 5)``; lists by index."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        if not value:
            yield prefix, ""
        for i, item in enumerate(value):
            yield from flatten(item, f"{prefix}.{i}")
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"
    elif value is None:
        yield prefix, ""
    else:
        yield prefix, value


def export_csv(run_dir: str | Path) -> Path:
    """Writes the CSV files into ``run_dir/csv/`` and returns that directory. Rows are written as they are
    made (a city's journal has tens of thousands of lines); the folder is swapped in whole at the end, so csv/
    holds these files and no earlier ones, and a failure leaves the earlier csv/ as it was."""
    path = Path(run_dir)
    run, summary, tl = open_run(path)

    def named(args: dict[str, Any]) -> str:
        return format_args(args, lambda a: tl.names.get(a.lower()))

    def journal() -> Iterator[list[Any]]:
        yield ["line", "block", "time_beijing", "actor", "contract", "function", "status", "gas_used", "events",
               "error"]
        for tx in run.steps:  # seeded state is a row too (function "seed"), with the events it stands for
            events = "; ".join(f"{e['contract']}.{e['name']}({named(e.get('args') or {})})"
                               for e in tx.get("events") or ())
            err = tx.get("error") or None
            error = ""
            if err:
                error = (f"{err['name']}({named(err.get('args') or {})})" if err.get("name")
                         else str(err.get("text") or err.get("kind") or "reverted"))
            yield [tx["line"], tx["block"], _time(tx["timestamp"]), tx["actor"], tx["contract"],
                   tx["function"], tx["status"], tx["gas_used"], events, error]

    def balances() -> Iterator[list[Any]]:
        yield ["line", "block", "time_beijing", "actor", "group", "balance_fen", "balance_yuan"]
        block_of = {p.line: p.block for p in tl.points}  # a point per step: no second pass over the journal
        for line, t, actor, balance in tl.balance_changes:
            yield [line, block_of.get(line, ""), _time(t), actor, group_of(actor), balance, _yuan(balance)]

    groups = list(tl.groups)

    def money() -> Iterator[list[Any]]:
        yield ["line", "block", "time_beijing", *(f"{k}_fen" for k in FLOWS), "issued_fen", "redeemed_fen",
               *(f"balance_{g}_fen" for g in groups), *(f"locked_{g}_fen" for g in groups)]
        for p in tl.points:
            yield [p.line, p.block, _time(p.time), *(p.flow(k) for k in FLOWS), p.issued, p.redeemed,
                   *(p.balance_by_group.get(g, 0) for g in groups), *(p.locked_by_group.get(g, 0) for g in groups)]

    if summary is None:
        source: dict[str, Any] = {"scenario": run.header.get("scenario"), "seed": run.header.get("seed"),
                                  "params": run.header.get("params") or {}, "complete": run.complete,
                                  "journal_sha256": run.final_hash}
    else:
        source = dict(summary)
        source.setdefault("alerts", [])
    rows = [["key", "value"], *([k, v] for k, v in flatten(source))]

    files = {"journal.csv": journal(), "balances.csv": balances(), "money_over_time.csv": money(), "summary.csv": rows}

    def write(folder: Path) -> None:
        for name, made in files.items():
            with (folder / name).open("w", encoding=ENCODING, newline="") as out:
                csv.writer(out).writerows(made)

    return replace_folder_with(run.path.parent / "csv", write)


__all__ = ["export_csv", "flatten"]
