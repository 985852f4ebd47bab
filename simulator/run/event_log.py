"""The decoded events of a run, in order, kept on disk rather than in memory.

A city-sized run has hundreds of thousands of events; holding each as an object costs about 0.6 KB a
transaction for as long as the run lasts. ``EventLog`` keeps the last ``batch`` events in memory and writes
the rest, pickled and compressed a batch at a time, to an anonymous temporary file (removed by the system
when the log is closed or collected, even after a crash). Iterating reads them back in order; nothing in the
summary needs to: it folds what it needs as the transactions happen (``read/tally.py``). Scenario scripts
that look back over ``sim.events`` still can.
"""

from __future__ import annotations

import pickle
import tempfile
import zlib
from typing import IO, Any, Iterator

__all__ = ["EventLog"]


class EventLog:
    """An append-only sequence of events: ``append``, ``len`` and iteration in the order appended. Events
    are read-only once appended: the ones read back from disk are copies."""

    def __init__(self, batch: int = 4096):
        if batch < 1:
            raise ValueError(f"an event log's batch holds at least one event, not {batch}")
        self._batch = batch
        self._tail: list[Any] = []  # the events not yet written
        self._file: IO[bytes] | None = None  # opened with the first full batch
        self._count = 0

    def append(self, event: Any) -> None:
        self._tail.append(event)
        self._count += 1
        if len(self._tail) >= self._batch:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="ecny-sim-events-")
        block = zlib.compress(pickle.dumps(self._tail, protocol=pickle.HIGHEST_PROTOCOL), 1)
        self._file.seek(0, 2)
        self._file.write(len(block).to_bytes(8, "big") + block)
        self._tail = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        position = 0
        while self._file is not None:
            self._file.seek(position)
            size = int.from_bytes(self._file.read(8) or b"\0", "big")
            if not size:  # the end of what was written so far
                break
            block = self._file.read(size)
            position = self._file.tell()
            yield from pickle.loads(zlib.decompress(block))
        yield from list(self._tail)

    def close(self) -> None:
        """Removes the file; the log is empty afterwards."""
        if self._file is not None:
            self._file.close()
        self._file, self._tail, self._count = None, [], 0

    def __repr__(self) -> str:
        return f"EventLog({self._count:,} events)"
