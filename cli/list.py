"""`ecny-sim list`: the built-in scenarios and what each shows; `ecny-sim list NAME`: one scenario's parameters."""

from __future__ import annotations

import json
import re
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from ecny_sim.cli.run import fail

def register(app: typer.Typer) -> None:
    app.command(name="list")(list_scenarios)


def list_scenarios(
    name: Optional[str] = typer.Argument(None, help="a scenario (built-in or a .py path): show its parameters"),
) -> None:
    """List the built-in scenarios, or one scenario's parameters with their types, defaults and ranges."""
    from ecny_sim.run import scenario as scenarios

    console = Console(highlight=False)
    if name is None:
        table = Table(header_style="bold", show_lines=False)
        table.add_column("scenario")
        table.add_column("what it shows")
        for builtin in scenarios.builtin_names():
            table.add_row(builtin, scenarios.load(builtin).title)
        console.print(table)
        console.print("[dim]ecny-sim list NAME shows a scenario's parameters; ecny-sim run NAME --set key=value[/dim]")
        return
    try:
        scenario = scenarios.load(name)
    except scenarios.BadInput as exc:
        fail(str(exc))
    console.print(f"[bold]{scenario.name}[/bold]: {scenario.title}")
    for paragraph in scenario.description.split("\n\n"):
        console.print(" ".join(paragraph.split()))
    table = Table(header_style="bold", title="Parameters (--set key=value)")
    table.add_column("parameter", no_wrap=True)
    table.add_column("default", justify="right", overflow="fold")
    table.add_column("allowed", overflow="fold")
    table.add_column("test", justify="right", overflow="fold")
    table.add_column("what it is", overflow="fold")
    for p in scenario.parameters():
        allowed = f"{p.type} {_grouped(p.range)}".strip()
        table.add_row(p.name, _shown(p.default), allowed, "" if p.test_value is None else _shown(p.test_value),
                      p.description)
    console.print(table)


def _grouped(text: str) -> str:
    return re.sub(r"\d{4,}", lambda m: f"{int(m.group()):,}", text)


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000 else str(value)
