"""`ecny-sim diff`: what differs between two runs."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ecny_sim.cli.run import fail
from ecny_sim.domain.money import fmt_fen


def register(app: typer.Typer) -> None:
    app.command(name="diff")(diff)


def _money_table(title: str, rows: dict, label: str) -> Table:
    table = Table(title=title, header_style="bold")
    for col in (label, "run A", "run B", "B - A"):
        table.add_column(col, justify="left" if col == label else "right")
    for key, (a, b) in rows.items():
        delta = (b or 0) - (a or 0)
        table.add_row(key, fmt_fen(a or 0), fmt_fen(b or 0), ("+" if delta > 0 else "") + fmt_fen(delta))
    return table


def diff(
    run_a: Path = typer.Argument(..., help="a run directory"),
    run_b: Path = typer.Argument(..., help="another run directory"),
    as_json: bool = typer.Option(False, "--json", help="print the differences as JSON"),
) -> None:
    """Compare two runs: parameters, totals, balances, and the first journal line where they part."""
    from ecny_sim.read.compare import diff_runs
    from ecny_sim.run.scenario import BadInput

    try:
        d = diff_runs(run_a, run_b)
    except BadInput as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(d.to_json(), indent=2, sort_keys=True, ensure_ascii=False))
        return
    console = Console(highlight=False)
    if d.same_journal:
        console.print("the two runs are identical, journal byte for byte")
        return
    if d.params:
        table = Table(title="Parameters", header_style="bold")
        for col in ("parameter", "run A", "run B"):
            table.add_column(col)
        for key, (a, b) in d.params.items():
            table.add_row(key, json.dumps(a, ensure_ascii=False), json.dumps(b, ensure_ascii=False))
        console.print(table)
    if d.totals:
        console.print(_money_table("Totals", d.totals, "total"))
    for model, rows in d.comparison.items():
        console.print(_money_table(f"Model: {model}", rows, "figure"))
    if d.balances:
        console.print(_money_table("Balances by actor", d.balances, "actor"))
    f = d.first_divergence
    if f is None:
        console.print("the journals record the same steps")
    else:
        console.print(f"first diverging journal line: {f['line']} ({', '.join(f['fields'])}): "
                      f"A {f['a_step']} / B {f['b_step']}")
