"""The sweep's table on disk: rows streamed into parquet parts as runs finish, one consolidated file at the end.

    DIR/study.json          the study (a resumed sweep must be the same one)
    DIR/parts/part-*.parquet rows as they came (a killed sweep keeps every part it finished writing)
    DIR/runs.parquet        every row, sorted by point, columns in a fixed order (written at the end, streamed
                            from the parts a window of points at a time: see Consolidation)
    DIR/runs.csv            the same
    DIR/summary.csv         per grid combination: runs, failures, each measure's mean and 95 % interval
                            (summary.py, from running sums as the table streams past)
    DIR/runs/point-NNNNNN/  kept journals (--keep-journals), each a run folder that replays

A part is written whole (to a temporary name, then renamed), so a reader never sees half of one.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .summary import known
from .worker import TIMING_COLUMNS

PARTS = "parts"
STUDY_FILE = "study.json"
#: Columns in this order first; the parameters come after ``key``, the figures after ``failed_invariants``.
HEAD = ("point", "key")
OUTCOME = ("seed", "ok", "outcome", "message", "failed_invariants")
TAIL = ("journal", *TIMING_COLUMNS)
#: Points consolidated at a time: the end of a sweep holds this many rows, however many runs it has.
WINDOW = 1024
#: Rows of a row group of runs.parquet (its arrow columns are held until written: a few MB).
ROW_GROUP = 4 * WINDOW


def write_whole(path: Path, write: Any) -> None:
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
        write_whole(self.folder / f"part-{self.number:06d}.parquet", lambda p: pq.write_table(table, p))
        self.rows = []


def part_files(folder: Path) -> list[Path]:
    return sorted((Path(folder) / PARTS).glob("part-*.parquet"))


def done_keys(folder: Path, ok_only: bool = False) -> Any:
    """The keys of the points whose rows are on disk (with ``ok_only``, of those whose run ended ok), as a sorted
    array of 64-bit numbers (a key is 16 hex digits): 8 bytes a run, read a column at a time."""
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    found = [np.empty(0, dtype=np.uint64)]
    for part in part_files(folder):
        table = pq.ParquetFile(part).read(columns=["key", "ok"] if ok_only else ["key"])  # (read_table: +60 MB)
        if ok_only:
            table = table.filter(pc.fill_null(table.column("ok"), False))
        found.append(np.array([int(k, 16) for k in table.column("key").to_pylist()], dtype=np.uint64))
    return np.unique(np.concatenate(found))


def holds(keys: Any, key: str) -> bool:
    """Whether ``key`` is in a sorted array of ``done_keys``."""
    import numpy as np

    if not len(keys):
        return False
    number = np.uint64(int(key, 16))
    at = int(np.searchsorted(keys, number))
    return at < len(keys) and keys[at] == number


def column_order(names: Iterable[str], parameters: Sequence[str]) -> list[str]:
    present = set(names)
    fixed = {*HEAD, *parameters, *OUTCOME, *TAIL}
    figures = sorted(present - fixed)
    return [c for c in [*HEAD, *parameters, *OUTCOME, *figures, *TAIL] if c in present]


def _wider(a: Any, b: Any) -> Any:
    """The type a column takes when its parts hold ``a`` and ``b``: the same, the one that is not null, the wider
    number (an integer column with a float in another part becomes float), or text when they do not widen."""
    import pyarrow as pa

    if a == b or pa.types.is_null(b):
        return a
    if pa.types.is_null(a):
        return b
    try:
        return pa.unify_schemas([pa.schema([("c", a)]), pa.schema([("c", b)])],
                                promote_options="permissive").field("c").type
    except (pa.ArrowInvalid, pa.ArrowTypeError, NotImplementedError):
        return pa.string()


class Consolidation:
    """The parts put together into runs.parquet and runs.csv, sorted by point, one point per row (the latest
    part's row when a point was run twice: a failed run retried), streamed: ``WINDOW`` points at a time are read
    from the parts that hold any of them (a part's lowest and highest point are in its metadata), sorted, and
    appended to one ParquetWriter and one CSV writer. Memory: a window of rows, whatever the number of runs.
    Points are handed to the workers in order and a few per worker thread at a time, so a part's points lie
    close together and a part is read for one window, or two.

        merged = Consolidation(folder, parameters)      # reads the parts' schemas and ranges only
        merged.columns                                  # the table's columns, in order
        rows, failed = merged.write(each=lambda window: ...)   # each window (pyarrow) as it is written
    """

    def __init__(self, folder: Path, parameters: Sequence[str]):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.folder = Path(folder)
        self.parts = part_files(folder)
        types: dict[str, Any] = {}
        self.windows: dict[int, list[int]] = {}  # window -> the parts holding a point of it
        for number, path in enumerate(self.parts):
            handle = pq.ParquetFile(path)
            for field in handle.schema_arrow:
                types[field.name] = _wider(types[field.name], field.type) if field.name in types else field.type
            low, high = _point_range(handle)
            for window in range(low // WINDOW, high // WINDOW + 1):
                self.windows.setdefault(window, []).append(number)
        self.columns = column_order(types, parameters)
        self.schema = pa.schema([(name, types[name]) for name in self.columns])

    def _window(self, window: int) -> Any:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        low, high = window * WINDOW, (window + 1) * WINDOW
        pieces = []
        for number in self.windows[window]:
            table = pq.ParquetFile(self.parts[number]).read()
            point = table.column("point")
            table = table.filter(pc.and_(pc.greater_equal(point, low), pc.less(point, high)))
            columns = [table.column(f.name).cast(f.type) if f.name in table.column_names else
                       pa.nulls(table.num_rows, f.type) for f in self.schema]
            pieces.append(pa.Table.from_arrays([*columns, pa.array([number] * table.num_rows, pa.int64())],
                                               schema=self.schema.append(pa.field("_part", pa.int64()))))
        table = pa.concat_tables(pieces).sort_by([("point", "ascending"), ("_part", "descending")])
        points = table.column("point").to_numpy()
        first = np.ones(len(points), dtype=bool)
        first[1:] = points[1:] != points[:-1]  # the latest part's row of each point
        return table.filter(pa.array(first)).drop_columns(["_part"])

    def write(self, each: Callable[[Any], None] | None = None) -> tuple[int, int]:
        """Writes runs.parquet and runs.csv (each whole, or not at all); returns (rows, failed rows). Arrow's memory
        comes from the system allocator meanwhile (its default, mimalloc, keeps pages it freed: the resident memory
        crept up window after window), and the windows go to the parquet file as row groups of ``ROW_GROUP`` rows (a
        file's footer describes each row group until it is closed: a group per window cost 50 bytes a run, one per
        4,096 rows about 12)."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        rows = failed = 0
        fresh = {name: self.folder / f".{name}.new-{os.getpid()}" for name in ("runs.parquet", "runs.csv")}
        pool = pa.default_memory_pool()
        pa.set_memory_pool(pa.system_memory_pool())
        try:
            with pq.ParquetWriter(fresh["runs.parquet"], self.schema) as parquet, \
                    pacsv.CSVWriter(fresh["runs.csv"], self.schema) as csv:
                group: list[Any] = []
                for window in sorted(self.windows):
                    table = self._window(window)
                    csv.write_table(table)
                    group.append(table)
                    if sum(t.num_rows for t in group) >= ROW_GROUP:
                        parquet.write_table(pa.concat_tables(group), row_group_size=ROW_GROUP * 2)
                        group = []
                    rows += table.num_rows
                    failed += table.num_rows - (pc.sum(pc.fill_null(table.column("ok"), False)).as_py() or 0)
                    if each is not None:
                        each(table)
                if group or not rows:
                    parquet.write_table(pa.concat_tables(group) if group else self.schema.empty_table())
        finally:
            pa.set_memory_pool(pool)
        for name, path in fresh.items():
            os.replace(path, self.folder / name)
        return rows, failed


def _point_range(handle: Any) -> tuple[int, int]:
    """A part's lowest and highest point, from its row groups' statistics (the column itself when they are
    missing)."""
    meta = handle.metadata
    lows, highs = [], []
    for group in range(meta.num_row_groups):
        for column in range(meta.num_columns):
            chunk = meta.row_group(group).column(column)
            if chunk.path_in_schema == "point" and chunk.statistics is not None and chunk.statistics.has_min_max:
                lows.append(chunk.statistics.min)
                highs.append(chunk.statistics.max)
    if len(lows) != meta.num_row_groups or not lows:
        points = handle.read(columns=["point"]).column("point").to_pylist()
        return min(points), max(points)
    return min(lows), max(highs)


def default_measures(columns: Iterable[str]) -> list[str]:
    """The comparison's figures, then the totals, then the gas used."""
    columns = list(columns)
    return ([c for c in columns if c.startswith("comparison.")] + [c for c in columns if c.startswith("totals.")]
            + [c for c in columns if c == "gas_used.total"])


def shown(measure: str, value: Any, w: Any) -> str:
    """A summary figure as the report and the terminal show it: fen as yuan, counts grouped, a gap as a dash."""
    if not known(value):
        return "—"
    if measure.endswith("_fen"):
        yuan = value / 100
        return f"¥{yuan:,.0f}" if abs(yuan) >= 100 or yuan == int(yuan) else f"¥{yuan:,.2f}"
    return w.number(round(value)) if float(value).is_integer() else f"{value:,.2f}"


def read_study(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(folder) / STUDY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_study(folder: Path, described: dict[str, Any]) -> None:
    text = json.dumps(described, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_whole(Path(folder) / STUDY_FILE, lambda p: p.write_text(text, encoding="utf-8"))
