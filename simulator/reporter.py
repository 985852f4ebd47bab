"""Where a run's readable account goes: a rich terminal, or nowhere (tests, benchmarks)."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

#: Loops shorter than this print no progress bar.
PROGRESS_MIN_ITEMS = 200


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


class ConsoleReporter(Reporter):
    def __init__(self, console: Console | None = None):
        self.console = console or Console(highlight=False)

    def say(self, when: str, text: str) -> None:
        self.console.print(f"[dim]{when}[/dim]  {escape(text)}")

    def progress(self, items: Sequence[Any], description: str) -> Iterable[Any]:
        if len(items) < PROGRESS_MIN_ITEMS or not self.console.is_terminal:
            yield from items
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console, transient=True) as bar:
            task = bar.add_task(description, total=len(items))
            for item in items:
                yield item
                bar.advance(task)
