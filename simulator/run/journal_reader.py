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

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

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


@dataclass
class JournalRun:
    path: Path
    header: dict[str, Any]
    txs: list[dict[str, Any]] = field(default_factory=list)
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
    def steps(self) -> list[dict[str, Any]]:
        """What changed the chain, in journal order: the transaction lines, and each seed line in the shape of
        one (function ``seed``, no gas, its events as if emitted), so that readers of money see seeded wallets."""
        if not self.seeds:
            return self.txs
        seeds = [{"type": "seed", "line": s["line"], "block": s["block"], "timestamp": s["timestamp"],
                  "actor": s["actor"], "contract": s["contract"], "function": "seed", "args": [], "status": 1,
                  "gas_used": 0, "error": None,
                  "events": [{"contract": s["contract"], **e} for e in s["events"]]} for s in self.seeds]
        return sorted(self.txs + seeds, key=lambda step: step["line"])

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
    path = journal_path(dir_or_file)
    where = cut(path)
    try:
        data = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise BadJournal(f"{where}: not a journal (not UTF-8 text)") from None
    if not data:
        raise BadJournal(f"{where}: empty file, not a journal")
    lines = data.split("\n")
    if len(lines) == 1 and not data.startswith("{"):  # one line, not even the start of a header
        raise BadJournal(f"{where}: not a journal")
    if lines[-1] != "":
        raise BadJournal(f"{where}: line {len(lines)} is cut off mid-way (no newline at its end)")
    records = []
    for number, line in enumerate(lines[:-1], start=1):
        try:
            record = loads_json(line)
        except ValueError as exc:  # json.JSONDecodeError is one; so is JSON nested too deep
            what = "not a journal" if number == 1 else f"line {number} is not valid JSON (cut off or changed)"
            deep = "" if isinstance(exc, json.JSONDecodeError) else f": {exc}"
            raise BadJournal(f"{where}: {what}{deep}") from None
        if not isinstance(record, dict) or not isinstance(record.get("type"), str):
            raise BadJournal(f"{where}: " + ("not a journal" if number == 1 else
                                             f"line {number} is not a journal record"))
        records.append(record)
    header = records[0]
    if header.get("type") != "header":
        raise BadJournal(f"{where}: not a journal (line 1 is not a header)")
    if header.get("format") not in READABLE_FORMATS:
        raise BadJournal(f"{where}: journal format {echo(header.get('format'))} is not supported "
                         f"(this ecny-sim reads formats {', '.join(map(str, READABLE_FORMATS))})")
    _check_shape(where, 1, header, _Header)
    shapes = _SHAPES[header["format"]]
    run = JournalRun(path, header)
    previous = sha256_hex(lines[0].encode())
    sealed = hashlib.sha256((lines[0] + "\n").encode())  # every line read so far: what an end line seals
    for number, record in enumerate(records[1:], start=2):
        if run.end is not None:
            raise BadJournal(f"{where}: line {number} comes after the end line")
        model = shapes.get(record["type"])
        if model is None:
            raise BadJournal(f"{where}: line {number} has unknown type {echo(record['type'])}")
        _check_shape(where, number, record, model)
        if record["type"] in ("tx", "root", "seed") and record["line"] != number:
            raise BadJournal(f"{where}: line {number} says it is line {record['line']}")
        if record["type"] == "tx":
            run.txs.append(record)
        elif record["type"] == "root":
            run.roots[record["block"]] = record
        elif record["type"] == "seed":
            run.seeds.append(record)
        else:
            run.end, run.end_line = record, number
        if header["format"] >= 2 and run.broken is None:
            if record["prev"] != previous:
                run.broken = (number - 1, "content", f"is not what the run wrote: line {number} recorded another hash "
                                                     "for it")
            elif record["type"] == "end" and record["journal_sha256"] != sealed.hexdigest():
                run.broken = (number, "journal_sha256", "does not seal the lines before it: its journal_sha256 "
                                                        "is not theirs")
        previous = sha256_hex(lines[number - 1].encode())
        sealed.update((lines[number - 1] + "\n").encode())
    run.final_hash = sealed.hexdigest()  # the whole file, hashed once as it was read
    return run
