"""The run's readable account on a terminal: each line stamped with Beijing time, a status line or progress bar
while anything slow goes on, and the summary's tables at the end, in any language with a "console" catalog
(show/locale/<lang>/LC_MESSAGES/console.po; the names of totals, models, alerts and invariants come from the
report's catalog). Nothing moves on the screen when the output is not a terminal (piped, or in a test)."""

from __future__ import annotations

import contextlib
import functools
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..domain.money import fmt_fen
from ..run.reporter import Reporter
from . import i18n
from .i18n import N_, Language
from .report.story import models
from .report.words import ReportWords
from .tables import print_table, print_wrapped

__all__ = ["ConsoleReporter", "status", "progress_callback", "console_words", "table_printer", "print_header",
           "print_summary", "PROGRESS_MIN_ITEMS", "SLOW_SECONDS", "DOMAIN", "WRITING_REPORT", "REPLAYING", "INSPECTING"]

DOMAIN = "console"
#: Loops of this many items show a progress bar from the start; shorter ones only once they take SLOW_SECONDS.
PROGRESS_MIN_ITEMS = 200
SLOW_SECONDS = 2.0
#: What the status line says while a command does something slow (``status``, ``progress_callback``).
WRITING_REPORT = N_("Writing the report")
REPLAYING = N_("Replaying the journal")
INSPECTING = N_("Rebuilding the run's state by replaying its journal")


def console_words(lang: str) -> Language:
    """The console's words in ``lang``, or in English where ``lang`` has no console catalog."""
    return Language(lang if lang in i18n.languages(DOMAIN) else i18n.SOURCE_LANGUAGE, DOMAIN)


def _report_words(lang: str) -> ReportWords:
    return ReportWords(lang if lang in i18n.languages("report") else i18n.SOURCE_LANGUAGE)


class _Count(ProgressColumn):
    """``1,234/5,000`` for a loop; nothing for a phase, which has no count."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed):,}/{int(task.total):,}", style="progress.download")


class _Live:
    """One transient rich Progress for everything slow at once: a line per phase (a pulsing bar) and a bar per
    loop. It starts with the first and is gone from the screen when the last one ends."""

    def __init__(self, console: Console):
        self.console = console
        self.bar: Progress | None = None
        self.open = 0

    def add(self, description: str, total: int | None = None, completed: int = 0) -> TaskID:
        if self.bar is None:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(bar_width=24), _Count(),
                                TimeElapsedColumn(), console=self.console, transient=True)
            self.bar.start()
        self.open += 1
        return self.bar.add_task(description, total=total, completed=completed)

    def done(self, task: TaskID) -> None:
        assert self.bar is not None
        self.bar.remove_task(task)
        self.open -= 1
        if not self.open:
            self.bar.stop()
            self.bar = None

    @contextlib.contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
        """A line for as long as the block runs; yields ``update(completed=, total=, description=)``."""
        task = self.add(description, total)
        try:
            yield lambda **change: self.bar.update(task, **change)
        finally:
            self.done(task)


class ConsoleReporter(Reporter):
    def __init__(self, console: Console | None = None, lang: str = "en"):
        self.console = console or Console(highlight=False)
        self.words = console_words(lang)
        self._live = _Live(self.console)
        self._phases: list[tuple[Callable[..., None], str]] = []  # (update, description), innermost last

    def say(self, when: str, text: str) -> None:
        self.console.print(f"[dim]{when}[/dim]  {escape(text)}")

    @contextlib.contextmanager
    def phase(self, description: str) -> Iterator[None]:
        if not self.console.is_terminal:
            yield
            return
        said = self.words._(description)
        with self._live.task(said) as update:
            self._phases.append((update, said))
            try:
                yield
            finally:
                self._phases.pop()

    def progress(self, items: Sequence[Any], description: str) -> Iterable[Any]:
        if not self.console.is_terminal:
            yield from items
            return
        said = self.words._(description)
        if len(items) >= PROGRESS_MIN_ITEMS:
            with self._live.task(said, total=len(items)) as update:
                for item in items:
                    yield item
                    update(advance=1)
            return
        # A short loop names itself in the phase it runs in (many short loops make a long phase: 34 classes of
        # 30 parents enrolling); outside a phase it gets a bar of its own once it turns out slow.
        if self._phases:
            update, phase = self._phases[-1]
            # TRANSLATORS: a status line: what the run is doing ("Running the scenario") and the step it is at
            update(description=self.words._("{phase}: {step}", phase=phase, step=said))
        began, bar = time.monotonic(), None
        try:
            for done, item in enumerate(items):
                if bar is None and not self._phases and time.monotonic() - began > SLOW_SECONDS:
                    bar = self._live.add(said, total=len(items), completed=done)
                yield item
                if bar is not None:
                    self._live.bar.advance(bar)
        finally:
            if bar is not None:
                self._live.done(bar)
            if self._phases:
                self._phases[-1][0](description=self._phases[-1][1])


@contextlib.contextmanager
def status(console: Console, description: str, lang: str = "en") -> Iterator[None]:
    """A status line (a pulsing bar and the time taken) while the block runs, on a terminal only."""
    if not console.is_terminal:
        yield
        return
    with _Live(console).task(console_words(lang)._(description)):
        yield


@contextlib.contextmanager
def progress_callback(console: Console, description: str, lang: str = "en") -> Iterator[Callable[[int, int], None]]:
    """Yields ``report(done, total)`` for work that counts its own steps (a replay): a bar on a terminal,
    nothing otherwise."""
    if not console.is_terminal:
        yield lambda done, total: None
        return
    with _Live(console).task(console_words(lang)._(description)) as update:
        yield lambda done, total: update(completed=done, total=total)


def table_printer(console: Console, words: Language) -> Callable[..., None]:
    """``tables.print_table`` on ``console``; a row of a table too wide for it is titled in ``words``."""
    # TRANSLATORS: the title of one row of a table too wide for the terminal, printed on its own
    # ("Institutions: escrow")
    return functools.partial(print_table, console, record=words._("{title}: {row}"))


# ---------------------------------------------------------------------------------------------------- the run
def print_header(console: Console, name: str, title: str, params: dict[str, Any], seed: int,
                 lang: str = "en") -> None:
    """The scenario's name as a rule, its title (in ``lang`` where the report's catalog has it) and its
    parameters, wrapped to the terminal rather than cut."""
    words = console_words(lang)
    console.rule(f"[bold]{escape(name)}[/bold]")
    print_wrapped(console, _report_words(lang).title(name, title))
    shown = words.p_("list", ", ").join(f"{k}={v}" for k, v in params.items())
    print_wrapped(console, words._("parameters: {params}; seed {seed}", params=shown, seed=seed), style="dim")


def print_summary(console: Console, summary: dict[str, Any], lang: str = "en", *, elapsed: float | None = None,
                  out_dir: Path | None = None, report: bool = False) -> None:
    """The summary's tables (money, the models side by side, alerts, invariants), then, given ``elapsed``,
    what was written where and the journal's hash."""
    words, names = console_words(lang), _report_words(lang)
    _, table = words._, table_printer(console, words)
    table(_("Money (read from the chain)"), [_("total"), _("amount")],
                [[names.total(key), fmt_fen(value)] for key, value in summary["totals"].items()], numeric={1})
    comparison = summary.get("comparison")
    if comparison:
        compared = models(comparison)
        keys = list(comparison[compared[0]])
        table(_("Supervision models side by side"),
                    [_("model"), *(names.measure(k.removesuffix("_fen"), k.removesuffix("_fen").replace("_", " "))
                                   for k in keys)],
                    [[names.model(m), *(fmt_fen(comparison[m][k]) for k in keys)] for m in compared],
                    numeric=range(1, len(keys) + 1))
    alerts = summary.get("alerts") or []
    if alerts:
        rows = []
        for a in alerts:
            kind, message = names.alert(a)
            rows.append([names.time(a["time"], seconds=True) if isinstance(a.get("time"), int) else "—", kind,
                         message])
        table(_("Alerts raised during the run"), [_("time (Beijing)"), _("alert"), _("what")], rows)
    marks = {True: Text(_("yes"), style="green"), False: Text(_("NO"), style="bold red")}
    table(_("Invariants"), [_("holds"), _("invariant")],
                [[marks[bool(ok)], names.invariant(name)] for name, ok in summary["invariants"].items()])
    if elapsed is None:
        return
    txs = summary["counts"]["transactions"]
    where, seconds = out_dir if out_dir is not None else Path("."), format(elapsed, ".1f")
    console.print(Text(words.n_("{n} transaction in {seconds} s; wrote {journal} and summary.json",
                                "{n} transactions in {seconds} s; wrote {journal} and summary.json", txs,
                                seconds=seconds, journal=where / "journal.jsonl")))
    if summary.get("journal_sha256"):
        console.print(Text(_("journal sha256 {hash}", hash=summary["journal_sha256"])),
                      Text(_("(keep it: `ecny-sim replay --expect` checks a copy against it)"), style="dim"))
    if report:
        console.print(Text(_("wrote {path}", path=where / "report.html")))
