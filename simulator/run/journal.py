"""The run journal: one canonical JSON line per event, written whole and flushed as the run goes.

Line 1 is the header, then one line per transaction, then an end line. A journal without an end line is
an incomplete run. Nothing in it depends on the wall clock or on block hashes, so equal runs give
byte-identical journals.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Journal:
    def __init__(self, path: Path):
        self.path = path
        # Unbuffered binary file: each line goes to the OS in exactly one write() call.
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.lines = 0

    def _write(self, record: dict[str, Any]) -> None:
        data = (canonical_json(record) + "\n").encode()
        written = os.write(self._fd, data)
        if written != len(data):  # pragma: no cover - a full disk
            raise OSError(f"short write to {self.path}")
        self.lines += 1

    def header(self, **fields: Any) -> None:
        self._write({"type": "header", "format": FORMAT_VERSION, **fields})

    def transaction(self, **fields: Any) -> None:
        self._write({"type": "tx", "line": self.lines + 1, **fields})

    def end(self, **fields: Any) -> None:
        self._write({"type": "end", **fields})

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
