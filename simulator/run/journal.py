"""The run journal: one canonical JSON line per event, written whole and flushed as the run goes.

Line 1 is the header, then one line per transaction, then an end line. A journal without an end line is
an incomplete run. Nothing in it depends on the wall clock or on block hashes, so equal runs give
byte-identical journals.

State roots (format 3): transactions due at the same moment share a block, whose state root exists only once
the block is sealed, so a transaction line carries none; a ``root`` line gives the root of every
``STATE_ROOT_EVERY``-th block (numbers divisible by it) and of the run's last block, right after the block is
sealed. Replay compares those roots (on the run's backend), and every transaction's status, gas, events,
error and hash. A transaction sent with others in one `send_batch` says its place among them (``batch``: 0,
1, ...), so that replay sends them together again (on anvil, how sends were grouped shapes the node's blocks).

Seeded state (format 3): set-up a scenario does not study (a city's wallets opened and funded) may be written
straight into a contract's storage instead of sent as transactions. A ``seed`` line records it where it
happened: the block, the contract, every (slot, value) written in order, their hash (``writes_sha256``) and the
events the replaced transactions would have emitted (the summary and the readers count them). Replay writes the
same at the same place, checks the hash, and the state roots after it show the state is the same.

Tamper-evident (format 2): every line after the header carries ``prev``, the sha256 of the line before it (its
bytes without the newline), so a changed, dropped or inserted line breaks the chain at that line; each
transaction line names the signed transaction's hash (``tx_hash``), which replay recomputes; the end line
carries the sha256 of everything before it (``journal_sha256``) and of the run's summary (``summary_sha256``),
and the summary carries the sha256 of the whole journal, end line included: the run's *final hash*. A
rewrite that recomputes every hash consistently is caught only by comparing the final hash with one recorded
elsewhere (``ecny-sim replay --expect HASH``).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Sequence

FORMAT_VERSION = 3
#: Formats this version reads: 1 (0.1, no hashes) is replayed as before; readers that vouch for a run refuse it.
#: 2 (one block per transaction, a state root on each transaction line) is read and replayed as before.
READABLE_FORMATS = (1, 2, 3)
#: A root line every this many blocks (and one for the last block): enough to show where a replay's state
#: first differs within a few dozen blocks, at a fraction of the lines.
STATE_ROOT_EVERY = 64


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


#: The summary's field that names its journal (left out of the summary's own digest).
SUMMARY_JOURNAL_FIELD = "journal_sha256"


def summary_digest(summary: dict[str, Any]) -> str:
    """sha256 of a summary's canonical JSON, without the field that names its journal."""
    return sha256_hex(canonical_json({k: v for k, v in summary.items() if k != SUMMARY_JOURNAL_FIELD}).encode())


def writes_sha256(address: str, writes: Sequence[tuple[int, int]]) -> str:
    """A seed line's hash of the seeded state: the contract's address and each (slot, value) written, in order."""
    return sha256_hex(canonical_json([address.lower(), [[hex(slot), hex(value)] for slot, value in writes]])
                      .encode())


class Journal:
    def __init__(self, path: Path):
        self.path = path
        # Unbuffered binary file: each line goes to the OS in exactly one write() call.
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.lines = 0
        self._last: str | None = None  # sha256 of the last line written
        self._whole = hashlib.sha256()  # of every byte written so far
        self.final_hash: str | None = None  # sha256 of the whole journal, once it has its end line

    def _write(self, record: dict[str, Any]) -> None:
        if self._last is not None:
            record["prev"] = self._last
        text = canonical_json(record).encode()
        data = text + b"\n"
        written = os.write(self._fd, data)
        if written != len(data):  # pragma: no cover - a full disk
            raise OSError(f"short write to {self.path}")
        self._last = sha256_hex(text)
        self._whole.update(data)
        self.lines += 1

    def header(self, **fields: Any) -> None:
        self._write({"type": "header", "format": FORMAT_VERSION, **fields})

    def transaction(self, **fields: Any) -> None:
        self._write({"type": "tx", "line": self.lines + 1, **fields})

    def root(self, *, block: int, timestamp: int, state_root: str) -> None:
        """The state root of a sealed block (every STATE_ROOT_EVERY-th, and the run's last)."""
        self._write({"type": "root", "line": self.lines + 1, "block": block, "timestamp": timestamp,
                     "state_root": state_root})

    def seed(self, **fields: Any) -> None:
        """Storage a scenario wrote without a transaction (seeded state), with the events it stands for and
        the hash of the writes: replay writes the same at the same place."""
        self._write({"type": "seed", "line": self.lines + 1, **fields})

    def end(self, *, summary: dict[str, Any], **fields: Any) -> str:
        """Writes the end line, bound to everything before it and to ``summary`` (its content without the
        journal's own hash); returns the journal's final hash, which the summary then carries."""
        self._write({"type": "end", "journal_sha256": self._whole.hexdigest(),
                     "summary_sha256": summary_digest(summary), **fields})
        self.final_hash = self._whole.hexdigest()
        return self.final_hash

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
