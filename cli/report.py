"""`ecny-sim report DIR [--lang zh|en]`: write DIR/report.html (charts embedded) and DIR/charts/*.png."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ecny_sim.cli.run import fail
from ecny_sim.show.i18n import languages


def register(app: typer.Typer) -> None:
    app.command(name="report")(report)


def report(
    run_dir: Path = typer.Argument(..., help="a run's output directory (holding journal.jsonl and summary.json), "
                                   "or a sweep's (holding study.json)"),
    lang: str = typer.Option("en", "--lang", help=f"language of the report: {' or '.join(languages('report'))}"),
) -> None:
    """Write a self-contained HTML report of a run, with its charts, in English or Chinese."""
    from ecny_sim.run.journal_reader import run_directory
    from ecny_sim.run.scenario import BadInput, echo

    if lang not in languages("report"):
        fail(f"unknown language {echo(lang)} for --lang; choose one of: {', '.join(languages('report'))}")
    from ecny_sim.show.report import write_report  # late: matplotlib is imported only when a report is made
    from ecny_sim.show.terminal import WRITING_REPORT, status

    from ecny_sim.study.report import is_sweep, write_study_report

    try:
        run_dir = run_directory(run_dir)  # a folder, or one line saying what it is (a name too long, say)
    except BadInput as exc:
        fail(str(exc))
    if is_sweep(run_dir):  # a sweep's folder: the study's page
        try:
            with status(Console(highlight=False), WRITING_REPORT, lang):
                path = write_study_report(run_dir, lang)
        except BadInput as exc:
            fail(str(exc))
        Console(highlight=False, soft_wrap=True).print(f"wrote {path} (charts in {path.parent / 'charts'}/)")
        return
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        with status(Console(highlight=False), WRITING_REPORT, lang):  # a status line on a terminal
            path = write_report(run_dir, lang,
                                warn=lambda line: err.print(line, style="yellow", markup=False))
    except BadInput as exc:
        fail(str(exc))
    Console(highlight=False, soft_wrap=True).print(f"wrote {path} (charts in {path.parent / 'charts'}/)")
