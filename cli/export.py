"""`ecny-sim export DIR --csv`: a run's journal, balances over time and summary as CSV for spreadsheets."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ecny_sim.cli.run import fail


def register(app: typer.Typer) -> None:
    app.command(name="export")(export)


def export(
    run_dir: Path = typer.Argument(..., help="a run's output directory (holding journal.jsonl and summary.json)"),
    csv: bool = typer.Option(False, "--csv", help="write DIR/csv/: journal.csv, balances.csv, money_over_time.csv, "
                                                  "summary.csv"),
) -> None:
    """Export a run for spreadsheets."""
    if not csv:
        fail("choose what to export: --csv")
    from ecny_sim.run.journal_reader import run_directory
    from ecny_sim.run.scenario import BadInput
    from ecny_sim.show.export import export_csv

    try:
        out = export_csv(run_directory(run_dir))
    except BadInput as exc:
        fail(str(exc))
    names = ", ".join(sorted(p.name for p in out.glob("*.csv")))
    Console(highlight=False, soft_wrap=True).print(f"wrote {out}/: {names}")
