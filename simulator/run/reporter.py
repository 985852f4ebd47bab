"""Where a run's readable account goes: the interface, and a reporter that only keeps the lines (tests,
benchmarks). The terminal's reporter is ``show.terminal.ConsoleReporter``; the classroom narrator is another."""

from __future__ import annotations

from typing import Any, Iterable, Sequence


class Reporter:
    def say(self, when: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def progress(self, items: Sequence[Any], description: str) -> Iterable[Any]:
        return items


class SilentReporter(Reporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, when: str, text: str) -> None:
        self.lines.append(f"{when}  {text}")
