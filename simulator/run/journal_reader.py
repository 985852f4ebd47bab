"""Reading a run's journal back: header, transaction lines, end line, with bad input named in one line.

    run = read_journal("runs/edu_abscond-seed1")          # a run directory or a journal.jsonl path
    run.header["scenario"], len(run.txs), run.roots, run.end, run.complete

A journal whose last line has no end record is an incomplete run (killed); its complete lines are kept. A
line cut off mid-way (no newline, or not JSON), a line of the wrong shape (a field missing or of the wrong
type: named with its line), an unknown format version or text that is not a journal is bad input:
`BadJournal` (a `BadInput`), whose message is one line. The shape is checked before anything is replayed.

Whether the journal is intact (format 2's hash chain, its end line, its summary) is found out, not raised:
``run.broken`` names the first line that fails, and ``run.check_intact()`` raises it as bad input for readers
that vouch for the run (report, inspect, diff, export); replay reports it as a difference.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import os
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional, overload

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError, conlist

from .journal import READABLE_FORMATS, SUMMARY_JOURNAL_FIELD, sha256_hex, summary_digest
from .scenario import BadInput, cut, echo, loads_json


class BadJournal(BadInput):
    pass


# ------------------------------------------------------------------ the shape of each line
class _Line(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Chain(_Line):
    default_gas: StrictInt
    block_gas_limit: StrictInt


class _Header(_Line):
    type: Literal["header"]
    format: StrictInt
    scenario: StrictStr
    params: dict[str, Any]
    seed: StrictInt
    genesis_time: StrictInt
    chain: _Chain
    artifacts: dict[str, StrictStr]


class _Event(_Line):
    contract: StrictStr
    name: StrictStr
    args: dict[str, Any]


class _TxLine(_Line):
    type: Literal["tx"]
    line: StrictInt
    block: StrictInt
    timestamp: StrictInt
    actor: StrictStr
    contract: StrictStr
    artifact: Optional[StrictStr]
    function: StrictStr
    args: list[Any]
    status: Literal[0, 1]
    gas_limit: StrictInt
    gas_used: StrictInt
    events: list[_Event]
    error: Optional[dict[str, Any]]


class _Tx(_TxLine):  # format 1: a state root on every line, no hashes
    state_root: StrictStr


class _TxV2(_Tx):
    tx_hash: StrictStr
    prev: StrictStr


class _TxV3(_TxLine):  # no state root (root lines give them); a batch's members say their place
    tx_hash: StrictStr
    prev: StrictStr
    batch: Optional[StrictInt] = None


class _Root(_Line):
    type: Literal["root"]
    line: StrictInt
    block: StrictInt
    timestamp: StrictInt
    state_root: StrictStr
    prev: StrictStr


class _SeedEvent(_Line):
    name: StrictStr
    args: dict[str, Any]


class _Seed(_Line):  # storage written without a transaction (seeded state), and the events it stands for
    type: Literal["seed"]
    line: StrictInt
    block: StrictInt
    timestamp: StrictInt
    actor: StrictStr
    contract: StrictStr
    address: StrictStr
    writes: list[conlist(StrictStr, min_length=2, max_length=2)]  # [slot, value], 0x hex
    writes_sha256: StrictStr
    events: list[_SeedEvent]
    prev: StrictStr


class _End(_Line):
    type: Literal["end"]
    outcome: StrictStr
    message: StrictStr
    final_state_hash: StrictStr
    totals: dict[str, StrictInt]


class _EndV2(_End):
    prev: StrictStr
    journal_sha256: StrictStr
    summary_sha256: StrictStr


_SHAPES = {1: {"tx": _Tx, "end": _End}, 2: {"tx": _TxV2, "end": _EndV2},
           3: {"tx": _TxV3, "root": _Root, "seed": _Seed, "end": _EndV2}}


def txs_upto(txs: Sequence[dict[str, Any]], line: int) -> Sequence[dict[str, Any]]:
    """The transaction lines numbered at most ``line`` (read from the file when used, as ``txs`` is)."""
    return txs.upto(line) if isinstance(txs, TxLines) else [t for t in txs if t["line"] <= line]


class _Merged(Sequence[dict[str, Any]]):
    """Transaction lines and seed steps in journal order, merged as they are iterated."""

    def __init__(self, txs: Sequence[dict[str, Any]], seeds: list[dict[str, Any]]) -> None:
        self._txs, self._seeds = txs, seeds

    def __len__(self) -> int:
        return len(self._txs) + len(self._seeds)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return heapq.merge(self._txs, self._seeds, key=lambda step: step["line"])

    def __getitem__(self, index: Any) -> Any:
        return list(self)[index]  # rare (readers iterate); correct, not cheap

    def __reversed__(self) -> Iterator[dict[str, Any]]:
        return reversed(list(self))


def _check_shape(path: str, number: int, record: dict[str, Any], model: type[BaseModel]) -> None:
    try:
        model.model_validate(record)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = cut(".".join(str(p) for p in err["loc"]) or "the line", 60)
        given = cut(json.dumps(err.get("input"), ensure_ascii=False, default=str), 40)
        what = "is missing" if err["type"] == "missing" else f"is {given}: {err['msg'].lower()}"
        raise BadJournal(f"{path}: line {number} ({record.get('type')}) is not a journal line of its kind: "
                         f"{where} {what}") from None


class TxLines(Sequence[dict[str, Any]]):
    """A journal's transaction lines, read from its file when they are used instead of held: a city's journal
    has tens of thousands of lines, hundreds of megabytes once parsed. Holds where each line starts (8 bytes a
    line); iterating reads the file once, in order; an index reads one line. The file was checked when the
    journal was read (shape, hash chain), so lines are parsed here without checking them again; a file that is
    no longer the one read (replaced by another run, deleted, cut) is bad input, not another run's lines."""

    def __init__(self, path: Path, offsets: array, numbers: array, identity: tuple[int, int, int]) -> None:
        self.path, self._offsets, self._numbers = path, offsets, numbers
        self._identity = identity  # (device, inode, size) of the file when it was read

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> TxLines: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | TxLines:
        if isinstance(index, slice):
            return TxLines(self.path, self._offsets[index], self._numbers[index], self._identity)
        with self._open() as file:
            return self._line(file, self._offsets[index], self._numbers[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with self._open() as file:
            for offset, number in zip(self._offsets, self._numbers):  # ascending: seeks within the read buffer
                yield self._line(file, offset, number)

    def __reversed__(self) -> Iterator[dict[str, Any]]:
        with self._open() as file:
            for offset, number in zip(reversed(self._offsets), reversed(self._numbers)):
                yield self._line(file, offset, number)

    def _open(self) -> Any:
        try:
            file = self.path.open("rb")
        except OSError as exc:
            raise self._changed(exc.strerror or str(exc)) from None
        seen = os.fstat(file.fileno())
        device, inode, size = self._identity
        if (seen.st_dev, seen.st_ino) != (device, inode) or seen.st_size < size:
            file.close()
            raise self._changed("another file is at its path now")
        return file

    def _line(self, file: Any, offset: int, number: int) -> dict[str, Any]:
        file.seek(offset)
        try:
            record = json.loads(file.readline())
        except ValueError:
            record = None
        if not isinstance(record, dict) or record.get("line") != number:
            raise self._changed(f"line {number} is not where it was")
        return record

    def _changed(self, why: str) -> BadJournal:
        return BadJournal(f"{cut(self.path)}: the journal changed while it was being read ({why})")

    def upto(self, line: int) -> TxLines:
        """The lines numbered at most ``line``."""
        return self[:bisect.bisect_right(self._numbers, line)]

    def numbers(self) -> list[int]:
        """Every line's number, without reading the file."""
        return list(self._numbers)


@dataclass
class JournalRun:
    path: Path
    header: dict[str, Any]
    txs: Sequence[dict[str, Any]] = field(default_factory=list)
    #: Format 3: the state roots the journal gives (every STATE_ROOT_EVERY-th block and the last), by block.
    roots: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Format 3: storage written without transactions (seeded state), in journal order.
    seeds: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None
    end_line: int = 0  # the end line's number (0: none)
    #: The first line where the journal is not intact (format 2): (line, field, why); None when every hash holds.
    broken: tuple[int, str, str] | None = None
    #: sha256 of the whole file: the run's final hash when it is complete.
    final_hash: str = ""

    @property
    def complete(self) -> bool:
        return self.end is not None

    @property
    def steps(self) -> Sequence[dict[str, Any]]:
        """What changed the chain, in journal order: the transaction lines, and each seed line in the shape of
        one (function ``seed``, no gas, its events as if emitted), so that readers of money see seeded wallets."""
        if not self.seeds:
            return self.txs
        seeds = [{"type": "seed", "line": s["line"], "block": s["block"], "timestamp": s["timestamp"],
                  "actor": s["actor"], "contract": s["contract"], "function": "seed", "args": [], "status": 1,
                  "gas_used": 0, "error": None,
                  "events": [{"contract": s["contract"], **e} for e in s["events"]]} for s in self.seeds]
        return _Merged(self.txs, seeds)

    @property
    def format(self) -> int:
        return self.header["format"]

    def check_intact(self, *, summary: dict[str, Any] | None = None) -> None:
        """Raises BadJournal unless this journal (and ``summary``, when given) can be vouched for: format 2 or
        later, every hash in place, and the summary the one the run wrote beside it, unedited."""
        if self.format < 2:
            raise BadJournal(f"{cut(self.path)}: journal format {self.format} (ecny-sim 0.1) carries no hashes to "
                             "show that it and its summary are the run's own; run the scenario again (same seed, "
                             "same run) or replay it")
        if self.broken is not None:
            line, _field, why = self.broken
            raise BadJournal(f"{cut(self.path)}: line {line} {why}; the journal was changed after the run wrote it")
        mismatch = self.summary_mismatch(summary) if summary is not None else None
        if mismatch is not None:
            raise BadJournal(f"{cut(self.path.parent)}: {mismatch}")

    def summary_mismatch(self, summary: dict[str, Any]) -> str | None:
        """Why ``summary`` is not this (format 2) journal's own summary, or None."""
        if self.format < 2:
            return None
        if self.end is None:  # a run writes its summary only after the journal's end line
            return ("summary.json does not belong to this journal: the journal has no end line, and a run that "
                    "never ended writes no summary (the journal was cut short, or the summary is another run's)")
        if summary.get(SUMMARY_JOURNAL_FIELD) != self.final_hash:
            return (f"summary.json does not belong to this journal (it names journal "
                    f"{str(summary.get(SUMMARY_JOURNAL_FIELD))[:12]}…, this one is {self.final_hash[:12]}…)")
        if summary_digest(summary) != self.end["summary_sha256"]:
            return ("summary.json was edited after the run wrote it (its content no longer matches the digest in "
                    "the journal's end line)")
        return None

    @property
    def directory(self) -> Path:
        return self.path.parent

    def summary(self) -> dict[str, Any] | None:
        """summary.json beside the journal, if the run wrote one."""
        file = self.path.parent / "summary.json"
        if not file.is_file():
            return None
        try:
            summary = loads_json(file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
            raise BadJournal(f"{cut(file)}: not valid JSON ({cut(exc)})") from None
        if not isinstance(summary, dict):
            raise BadJournal(f"{cut(file)}: not a run's summary (a JSON {type(summary).__name__}, not a JSON object)")
        return summary


def run_directory(path: str | Path) -> Path:
    """``path`` if it is a folder (a run's, to write a report or CSV into), else bad input naming what it is."""
    path = Path(path)
    try:
        if path.is_dir():
            return path
        exists = path.exists()
    except OSError as exc:  # a name too long for the file system, say
        raise BadJournal(f"no run directory at {cut(path)}: {exc.strerror or exc}") from None
    raise BadJournal(f"{cut(path)} is not a directory" if exists else f"no run directory at {cut(path)}")


def journal_path(dir_or_file: str | Path) -> Path:
    path = Path(dir_or_file)
    try:
        if path.is_dir():
            path = path / "journal.jsonl"
        if not path.is_file():
            raise BadJournal(f"no journal at {cut(path)}")
    except OSError as exc:  # a name too long for the file system, say
        raise BadJournal(f"no journal at {cut(path)}: {exc.strerror or exc}") from None
    return path


def read_journal(dir_or_file: str | Path) -> JournalRun:
    """Reads and checks a journal line by line (its shape, its hash chain); the transaction lines stay in the
    file (``run.txs`` reads them when used), so memory does not grow with the run's length."""
    path = journal_path(dir_or_file)
    where = cut(path)
    with path.open("rb") as file:
        return _read(file, path, where)


def _read(file: Any, path: Path, where: str) -> JournalRun:
    offsets, numbers = array("q"), array("q")
    run: JournalRun | None = None
    shapes: dict[str, type[BaseModel]] = {}
    previous = ""
    sealed = hashlib.sha256()  # every line read so far: what an end line seals
    offset, number = 0, 0
    for number, raw in enumerate(file, start=1):
        if not raw.endswith(b"\n"):
            if number == 1 and not raw.startswith(b"{"):  # one line, not even the start of a header
                raise BadJournal(f"{where}: not a journal")
            raise BadJournal(f"{where}: line {number} is cut off mid-way (no newline at its end)")
        line = raw[:-1]
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise BadJournal(f"{where}: not a journal (not UTF-8 text)") from None
        record = _record(where, number, text)
        if run is None:
            run = _header(path, where, record)
            shapes = _SHAPES[record["format"]]
        else:
            _check_line(run, shapes, where, number, record, previous, sealed)
            if record["type"] == "tx":
                offsets.append(offset)
                numbers.append(number)
        previous = sha256_hex(line)
        sealed.update(raw)
        offset += len(raw)
    if run is None:
        raise BadJournal(f"{where}: empty file, not a journal")
    seen = os.fstat(file.fileno())
    run.txs = TxLines(path, offsets, numbers, (seen.st_dev, seen.st_ino, offset))
    run.final_hash = sealed.hexdigest()  # the whole file, hashed once as it was read
    return run


def _record(where: str, number: int, text: str) -> dict[str, Any]:
    try:
        record = loads_json(text)
    except ValueError as exc:  # json.JSONDecodeError is one; so is JSON nested too deep
        what = "not a journal" if number == 1 else f"line {number} is not valid JSON (cut off or changed)"
        deep = "" if isinstance(exc, json.JSONDecodeError) else f": {exc}"
        raise BadJournal(f"{where}: {what}{deep}") from None
    if not isinstance(record, dict) or not isinstance(record.get("type"), str):
        raise BadJournal(f"{where}: " + ("not a journal" if number == 1 else f"line {number} is not a journal record"))
    return record


def _header(path: Path, where: str, header: dict[str, Any]) -> JournalRun:
    if header.get("type") != "header":
        raise BadJournal(f"{where}: not a journal (line 1 is not a header)")
    if header.get("format") not in READABLE_FORMATS:
        raise BadJournal(f"{where}: journal format {echo(header.get('format'))} is not supported "
                         f"(this ecny-sim reads formats {', '.join(map(str, READABLE_FORMATS))})")
    _check_shape(where, 1, header, _Header)
    return JournalRun(path, header)


def _check_line(run: JournalRun, shapes: dict[str, type[BaseModel]], where: str, number: int,
                record: dict[str, Any], previous: str, sealed: Any) -> None:
    """Checks line ``number`` (after the header) and keeps what the run holds of it (all but transactions)."""
    if run.end is not None:
        raise BadJournal(f"{where}: line {number} comes after the end line")
    model = shapes.get(record["type"])
    if model is None:
        raise BadJournal(f"{where}: line {number} has unknown type {echo(record['type'])}")
    _check_shape(where, number, record, model)
    if record["type"] in ("tx", "root", "seed") and record["line"] != number:
        raise BadJournal(f"{where}: line {number} says it is line {record['line']}")
    if record["type"] == "root":
        run.roots[record["block"]] = record
    elif record["type"] == "seed":
        run.seeds.append(record)
    elif record["type"] == "end":
        run.end, run.end_line = record, number
    if run.format >= 2 and run.broken is None:
        if record["prev"] != previous:
            run.broken = (number - 1, "content", f"is not what the run wrote: line {number} recorded another hash "
                                                 "for it")
        elif record["type"] == "end" and record["journal_sha256"] != sealed.hexdigest():
            run.broken = (number, "journal_sha256", "does not seal the lines before it: its journal_sha256 "
                                                    "is not theirs")
