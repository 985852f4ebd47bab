"""Reading a run's journal back: header, transaction lines, end line, with bad input named in one line.

    run = read_journal("runs/edu_abscond-seed1")          # a run directory or a journal.jsonl path
    run.header["scenario"], len(run.txs), run.end, run.complete

A journal whose last line has no end record is an incomplete run (killed); its complete lines are kept. A
line cut off mid-way (no newline, or not JSON), an unknown format version or text that is not a journal is
bad input: `BadJournal` (a `BadInput`), whose message is one line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .journal import FORMAT_VERSION
from .scenario import BadInput


class BadJournal(BadInput):
    pass


@dataclass
class JournalRun:
    path: Path
    header: dict[str, Any]
    txs: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None

    @property
    def complete(self) -> bool:
        return self.end is not None

    @property
    def directory(self) -> Path:
        return self.path.parent

    def summary(self) -> dict[str, Any] | None:
        """summary.json beside the journal, if the run wrote one."""
        file = self.path.parent / "summary.json"
        if not file.is_file():
            return None
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadJournal(f"{file}: not valid JSON ({exc})") from None


def journal_path(dir_or_file: str | Path) -> Path:
    path = Path(dir_or_file)
    if path.is_dir():
        path = path / "journal.jsonl"
    if not path.is_file():
        raise BadJournal(f"no journal at {path}")
    return path


def read_journal(dir_or_file: str | Path) -> JournalRun:
    path = journal_path(dir_or_file)
    try:
        data = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise BadJournal(f"{path}: not a journal (not UTF-8 text)") from None
    if not data:
        raise BadJournal(f"{path}: empty file, not a journal")
    lines = data.split("\n")
    if lines[-1] != "":
        raise BadJournal(f"{path}: line {len(lines)} is cut off mid-way (no newline at its end)")
    records = []
    for number, line in enumerate(lines[:-1], start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            what = "not a journal" if number == 1 else f"line {number} is not valid JSON (cut off or changed)"
            raise BadJournal(f"{path}: {what}") from None
        if not isinstance(record, dict) or "type" not in record:
            raise BadJournal(f"{path}: line {number} is not a journal record")
        records.append(record)
    header = records[0]
    if header.get("type") != "header":
        raise BadJournal(f"{path}: not a journal (line 1 is not a header)")
    if header.get("format") != FORMAT_VERSION:
        raise BadJournal(f"{path}: journal format {header.get('format')!r} is not supported "
                         f"(this ecny-sim reads format {FORMAT_VERSION})")
    run = JournalRun(path, header)
    for number, record in enumerate(records[1:], start=2):
        if run.end is not None:
            raise BadJournal(f"{path}: line {number} comes after the end line")
        if record["type"] == "tx":
            run.txs.append(record)
        elif record["type"] == "end":
            run.end = record
        else:
            raise BadJournal(f"{path}: line {number} has unknown type {record['type']!r}")
    return run
