"""`ecny-sim list`: the built-in scenarios and what each shows."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ecny_sim.run import scenario as scenarios


def register(app: typer.Typer) -> None:
    app.command(name="list")(list_scenarios)


def list_scenarios() -> None:
    """List the built-in scenarios."""
    table = Table(header_style="bold", show_lines=False)
    table.add_column("scenario")
    table.add_column("what it shows")
    for name in scenarios.builtin_names():
        table.add_row(name, scenarios.load(name).title)
    Console().print(table)
