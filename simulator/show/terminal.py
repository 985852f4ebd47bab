"""The run's readable account on a terminal: each line stamped with Beijing time, a progress bar on long loops."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..run.reporter import Reporter

#: Loops shorter than this print no progress bar.
PROGRESS_MIN_ITEMS = 200


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
