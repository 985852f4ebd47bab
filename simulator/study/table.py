"""The sweep's table on disk: rows streamed into parquet parts as runs finish, one consolidated file at the end.

    DIR/study.json          the study (a resumed sweep must be the same one)
    DIR/parts/part-*.parquet rows as they came (a killed sweep keeps every part it finished writing)
    DIR/runs.parquet        every row, sorted by point, columns in a fixed order (written at the end)
    DIR/runs.csv            the same
    DIR/summary.csv         per grid combination: runs, failures, each measure's mean and 95 % interval
    DIR/runs/point-NNNNNN/  kept journals (--keep-journals), each a run folder that replays

A part is written whole (to a temporary name, then renamed), so a reader never sees half of one.
"""

from __future__ import annotations

import json
import math
import os
import time
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Sequence

from .worker import TIMING_COLUMNS

PARTS = "parts"
STUDY_FILE = "study.json"
#: Columns in this order first; the parameters come after ``key``, the figures after ``failed_invariants``.
HEAD = ("point", "key")
OUTCOME = ("seed", "ok", "outcome", "message", "failed_invariants")
TAIL = ("journal", *TIMING_COLUMNS)
#: Student's t, two-sided 95 %, for 1..30 degrees of freedom; 1.96 beyond (the normal's).
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
       2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def _write_whole(path: Path, write: Any) -> None:
    fresh = path.parent / f".{path.name}.new-{os.getpid()}"
    write(fresh)
    os.replace(fresh, path)


class PartWriter:
    """Keeps finished rows briefly and writes them as a parquet part every ``every_rows`` rows or
    ``every_seconds`` seconds (and at ``flush``): memory stays flat however many runs a sweep has."""

    def __init__(self, folder: Path, every_rows: int = 64, every_seconds: float = 2.0):
        self.folder = Path(folder) / PARTS
        self.folder.mkdir(parents=True, exist_ok=True)
        self.every_rows, self.every_seconds = every_rows, every_seconds
        self.rows: list[dict[str, Any]] = []
        self.last = time.monotonic()
        self.number = max((int(p.stem.split("-")[1]) for p in self.folder.glob("part-*.parquet")), default=0)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.every_rows or time.monotonic() - self.last >= self.every_seconds:
            self.flush()

    def flush(self) -> None:
        self.last = time.monotonic()
        if not self.rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.number += 1
        names = list(dict.fromkeys(name for row in self.rows for name in row))  # from_pylist reads the first only
        table = pa.Table.from_pylist([{name: row.get(name) for name in names} for row in self.rows])
        _write_whole(self.folder / f"part-{self.number:06d}.parquet", lambda p: pq.write_table(table, p))
        self.rows = []


def part_files(folder: Path) -> list[Path]:
    return sorted((Path(folder) / PARTS).glob("part-*.parquet"))


def done_keys(folder: Path) -> set[str]:
    """The keys of the points whose rows are on disk."""
    import pyarrow.parquet as pq

    keys: set[str] = set()
    for part in part_files(folder):
        keys.update(pq.read_table(part, columns=["key"]).column("key").to_pylist())
    return keys


def read_rows(folder: Path) -> list[dict[str, Any]]:
    """Every row of the parts, one per point (the latest if a point was written twice), sorted by point."""
    import pyarrow.parquet as pq

    by_key: dict[str, dict[str, Any]] = {}
    for part in part_files(folder):
        for row in pq.read_table(part).to_pylist():
            by_key[row["key"]] = {k: v for k, v in row.items() if v is not None}
    return sorted(by_key.values(), key=lambda r: r["point"])


def column_order(rows: Sequence[dict[str, Any]], parameters: Sequence[str]) -> list[str]:
    present: set[str] = set().union(*rows) if rows else set()
    fixed = {*HEAD, *parameters, *OUTCOME, *TAIL}
    figures = sorted(present - fixed)
    return [*HEAD, *parameters, *OUTCOME, *figures, *TAIL]


def consolidate(folder: Path, parameters: Sequence[str]) -> Any:
    """Writes runs.parquet and runs.csv from the parts; returns the table (pyarrow). The parts are put together
    as columns (no row held as a Python object), their types widened where they differ (an integer column with
    a float in another part becomes float, an empty one takes the other's type)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    parts = [pq.read_table(part) for part in part_files(folder)]
    try:
        table = pa.concat_tables(parts, promote_options="permissive") if parts else pa.table({})
        if len(set(table.column("key").to_pylist()) if table.num_rows else ()) != table.num_rows:
            raise ValueError("a point written twice")  # the latest row of each point: the row by row way below
        columns = column_order([dict.fromkeys(table.column_names)], parameters)
        table = table.sort_by("point").select([c for c in columns if c in table.column_names])
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, KeyError):
        rows = read_rows(folder)
        columns = column_order(rows, parameters)
        table = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows])
    folder = Path(folder)
    _write_whole(folder / "runs.parquet", lambda p: pq.write_table(table, p))
    _write_whole(folder / "runs.csv", lambda p: pacsv.write_csv(table, p))
    return table


def interval(values: Sequence[int | float]) -> tuple[float, float, float]:
    """Mean and its 95 % interval (Student's t) of ``values``; the interval is the mean alone for one value."""
    n = len(values)
    mean = Fraction(sum(Fraction(v) for v in values), n)
    if n < 2:
        return float(mean), float(mean), float(mean)
    variance = sum((Fraction(v) - mean) ** 2 for v in values) / (n - 1)
    half = (T95[n - 2] if n - 1 <= len(T95) else 1.96) * math.sqrt(variance / n)
    return float(mean), float(mean) - half, float(mean) + half


def default_measures(columns: Iterable[str]) -> list[str]:
    """The comparison's figures, then the totals, then the gas used."""
    columns = list(columns)
    return ([c for c in columns if c.startswith("comparison.")] + [c for c in columns if c.startswith("totals.")]
            + [c for c in columns if c == "gas_used.total"])


def known(value: Any) -> bool:
    """A figure, not a gap (no run of the combination ended ok, or the measure is another model's)."""
    return isinstance(value, (int, float)) and value == value


def shown(measure: str, value: Any, w: Any) -> str:
    """A summary figure as the report and the terminal show it: fen as yuan, counts grouped, a gap as a dash."""
    if not known(value):
        return "—"
    if measure.endswith("_fen"):
        yuan = value / 100
        return f"¥{yuan:,.0f}" if abs(yuan) >= 100 or yuan == int(yuan) else f"¥{yuan:,.2f}"
    return w.number(round(value)) if float(value).is_integer() else f"{value:,.2f}"



def add_up(rows: Sequence[dict[str, Any]], keep: Sequence[str], measures: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of the same ``keep`` values and seed (a city's shards, each its own chain) as one row: each measure
    summed (a ``_bps`` share or a ``largest_`` figure: the largest of the parts), ok only if every part was."""
    merged: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = (*(json.dumps(row.get(n), sort_keys=True) for n in keep), row.get("seed"))
        if key not in merged:
            merged[key] = {**row, "ok": bool(row.get("ok"))}
            continue
        whole = merged[key]
        whole["ok"] = whole["ok"] and bool(row.get("ok"))
        for measure in measures:
            a, b = whole.get(measure), row.get(measure)
            largest = measure.endswith("_bps") or measure.rpartition(".")[2].startswith("largest_")
            whole[measure] = (max(a, b) if largest else a + b) if known(a) and known(b) else None
    return list(merged.values())


def summarise(rows: Sequence[dict[str, Any]], grid: Sequence[str], measures: Sequence[str]) -> list[dict[str, Any]]:
    """Per grid combination (in the study's order): runs, failed, and for each measure over the runs that ended
    ok: mean, low and high of its 95 % interval."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(json.dumps(row.get(n), sort_keys=True) for n in grid), []).append(row)
    table = []
    for members in groups.values():
        line: dict[str, Any] = {n: members[0].get(n) for n in grid}
        good = [r for r in members if r.get("ok")]
        line.update(runs=len(members), failed=len(members) - len(good))
        for measure in measures:
            values = [r[measure] for r in good if isinstance(r.get(measure), (int, float))
                      and not isinstance(r.get(measure), bool)]
            mean, low, high = interval(values) if values else (None, None, None)
            line.update({f"{measure}.mean": mean, f"{measure}.low95": low, f"{measure}.high95": high})
        table.append(line)
    return table


def write_summary(folder: Path, summary: Sequence[dict[str, Any]]) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(folder) / "summary.csv"
    table = pa.Table.from_pylist(list(summary))
    _write_whole(path, lambda p: pacsv.write_csv(table, p))
    return path


def read_study(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(folder) / STUDY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_study(folder: Path, described: dict[str, Any]) -> None:
    text = json.dumps(described, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    _write_whole(Path(folder) / STUDY_FILE, lambda p: p.write_text(text, encoding="utf-8"))
