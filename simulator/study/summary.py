"""The study's summary table (``DIR/summary.csv``), computed as the consolidated table streams past: running sums per
grid combination, so the summary's memory grows with the number of combinations, not of runs.

    summary = Summary(grouped=["model"], measures=["totals.parent_loss_fen"], shards=1)
    for row in rows_in_point_order: summary.add(row)
    write_summary(folder, summary.lines())

Each measure keeps, per combination, how many values, their sum and the sum of their squares, exactly (integers
stay integers, a float becomes the exact fraction it is): the mean and the variance come out of the exact sums as
the exact rationals a two-pass computation gives, so the figures are the same to the last bit whatever the
order the runs came in (no floating-point cancellation for Welford's update to avoid).

A sharded study (``sum_over``: a city's shards, each its own chain) adds the rows of one combination and seed up to
one before they count: a partial row is held until its last shard has come, then folded into the sums. In point
order the shards of a seed are apart by the seeds of a combination, so what is held is at most a partial row per
seed of the combinations in progress.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..run.folder import replace_file

#: Student's t, two-sided 95 %, for 1..30 degrees of freedom; 1.96 beyond (the normal's).
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
       2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
#: The summary's column listing the measures whose interval was clipped at zero on that line.
CLIPPED = "clipped_at_zero"


def known(value: Any) -> bool:
    """A figure, not a gap (no run of the combination ended ok, or the measure is another model's)."""
    return isinstance(value, (int, float)) and value == value


def figure(value: Any) -> bool:
    """A value the summary counts: a number (not a truth value, not NaN)."""
    return known(value) and not isinstance(value, bool)


def cannot_be_negative(measure: str) -> bool:
    """A count or an amount of money paid, held or lost (the summary's fen figures and counts are): its interval
    is clipped at zero, as the t-interval of a small sample of mostly zeros dips below it."""
    return measure.startswith(("counts.", "totals.", "gas_used.")) or measure.endswith(("_fen", "_count", "_bps"))


class Stat:
    """Count, sum and sum of squares of one measure on one combination, exact."""

    __slots__ = ("n", "s1", "s2", "low")

    def __init__(self) -> None:
        self.n, self.s1, self.s2, self.low = 0, 0, 0, None

    def add(self, value: int | float) -> None:
        exact = Fraction(value) if isinstance(value, float) else value
        self.n += 1
        self.s1 += exact
        self.s2 += exact * exact
        self.low = value if self.low is None else min(self.low, value)

    def interval(self) -> tuple[float, float, float]:
        """Mean and its 95 % interval (Student's t); the interval is the mean alone for one value."""
        mean = Fraction(self.s1, 1) / self.n
        if self.n < 2:
            return float(mean), float(mean), float(mean)
        variance = (self.s2 - self.s1 * mean) / (self.n - 1)  # sum of (x - mean)^2 = s2 - s1^2/n, exactly
        half = (T95[self.n - 2] if self.n - 1 <= len(T95) else 1.96) * math.sqrt(variance / self.n)
        return float(mean), float(mean) - half, float(mean) + half


def merge(whole: dict[str, Any], row: dict[str, Any], measures: Sequence[str]) -> None:
    """Adds ``row`` (a shard of the same city) into ``whole``: each measure summed (a ``_bps`` share or a
    ``largest_`` figure: the largest of the parts), ok only if every part was; a gap in a part is a gap."""
    whole["ok"] = bool(whole["ok"]) and bool(row.get("ok"))
    for measure in measures:
        a, b = whole.get(measure), row.get(measure)
        largest = measure.endswith("_bps") or measure.rpartition(".")[2].startswith("largest_")
        whole[measure] = (max(a, b) if largest else a + b) if known(a) and known(b) else None


class Summary:
    """Per combination of ``grouped`` (in the order they first come): runs, failed, and each measure's mean and
    95 % interval over the runs that ended ok. ``shards``: how many rows of one combination and seed add up to one
    run (the product of the ``sum_over`` names' counts; 1 when there are none)."""

    def __init__(self, grouped: Sequence[str], measures: Sequence[str], shards: int = 1):
        self.grouped, self.measures, self.shards = list(grouped), list(measures), shards
        self.groups: dict[tuple, dict[str, Any]] = {}
        self.partial: dict[tuple, tuple[int, dict[str, Any]]] = {}  # (group, seed) -> (parts so far, row)

    def add(self, row: dict[str, Any]) -> None:
        group = tuple(json.dumps(row.get(n), sort_keys=True) for n in self.grouped)
        if group not in self.groups:
            self.groups[group] = {"values": {n: row.get(n) for n in self.grouped}, "runs": 0, "failed": 0,
                                  "stats": {m: Stat() for m in self.measures}}
        if self.shards == 1:
            self._count(group, row)
            return
        key = (group, json.dumps(row.get("seed")))
        parts, whole = self.partial.get(key, (0, None))
        if whole is None:
            whole = {"ok": bool(row.get("ok")), **{m: row.get(m) for m in self.measures}}
        else:
            merge(whole, row, self.measures)
        if parts + 1 == self.shards:
            del self.partial[key]
            self._count(group, whole)
        else:
            self.partial[key] = (parts + 1, whole)

    def _count(self, group: tuple, row: dict[str, Any]) -> None:
        line = self.groups[group]
        line["runs"] += 1
        if not row.get("ok"):
            line["failed"] += 1
            return
        for measure, stat in line["stats"].items():
            if figure(row.get(measure)):
                stat.add(row[measure])

    def lines(self) -> list[dict[str, Any]]:
        """The summary's lines; a combination some of whose shards never came counts what came."""
        for (group, _), (_, whole) in list(self.partial.items()):
            self._count(group, whole)
        self.partial.clear()
        table = []
        for line in self.groups.values():
            out: dict[str, Any] = {**line["values"], "runs": line["runs"], "failed": line["failed"]}
            clipped = []
            for measure, stat in line["stats"].items():
                mean, low, high = stat.interval() if stat.n else (None, None, None)
                if low is not None and low < 0 <= stat.low and cannot_be_negative(measure):
                    low = 0.0
                    clipped.append(measure)
                out.update({f"{measure}.mean": mean, f"{measure}.low95": low, f"{measure}.high95": high})
            out[CLIPPED] = " ".join(clipped)
            table.append(out)
        return table


def summarise(rows: Iterable[dict[str, Any]], grouped: Sequence[str], measures: Sequence[str],
              shards: int = 1) -> list[dict[str, Any]]:
    summary = Summary(grouped, measures, shards)
    for row in rows:
        summary.add(row)
    return summary.lines()


def write_summary(folder: Path, lines: Sequence[dict[str, Any]]) -> Path:
    """DIR/summary.csv, whole (a line per combination: small whatever the number of runs)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    text = pa.BufferOutputStream()
    pacsv.write_csv(pa.Table.from_pylist(list(lines)), text)
    return replace_file(Path(folder) / "summary.csv", text.getvalue().to_pybytes())
