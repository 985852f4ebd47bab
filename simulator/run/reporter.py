"""Where a run's readable account goes: the interface, and a reporter that only keeps the lines (tests,
benchmarks). The terminal's reporter is ``show.terminal.ConsoleReporter``; the classroom narrator is another."""

from __future__ import annotations

import contextlib
from typing import Any, Iterable, Iterator, Sequence


def N_(message: str) -> str:
    """Marks a phase's description for the "console" message catalog (a reporter looks it up when it shows it);
    the run layer imports nothing of ``show``, so it marks its words with this."""
    return message


class Reporter:
    def say(self, when: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def progress(self, items: Sequence[Any], description: str) -> Iterable[Any]:
        return items

    @contextlib.contextmanager
    def phase(self, description: str) -> Iterator[None]:
        """A stretch of work with no items to count (setting up, reading the summary): a terminal shows it as a
        status line while it lasts; other reporters show nothing."""
        yield


class SilentReporter(Reporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, when: str, text: str) -> None:
        self.lines.append(f"{when}  {text}")
