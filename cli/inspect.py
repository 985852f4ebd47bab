"""`ecny-sim inspect`: the regulator's view after a run, or at a journal line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from ecny_sim.cli.run import fail
from ecny_sim.show import i18n


def register(app: typer.Typer) -> None:
    app.command(name="inspect")(inspect)


def inspect(
    run: Path = typer.Argument(..., help="a run directory"),
    at: Optional[int] = typer.Option(None, "--at", help="the view after this journal line (rebuilt by replay)"),
    actor: Optional[List[str]] = typer.Option(None, "--actor", help="print this actor's full statement; repeatable"),
    as_json: bool = typer.Option(False, "--json", help="everything as JSON, every actor's statement included"),
    lang: str = typer.Option("en", "--lang", help="language of the titles and headers: en, zh or any with a catalog"),
) -> None:
    """Per institution, campaign and actor: where the money stands and how it moved."""
    from ecny_sim.chain.compiler import CompilerError
    from ecny_sim.read.inspect import inspect_run  # replays the journal: the chain loads with it
    from ecny_sim.run.scenario import BadInput, echo
    from ecny_sim.show.inspection import print_inspection
    from ecny_sim.show.terminal import INSPECTING, status

    if lang not in i18n.languages("console"):
        fail(f"--lang must be one of {', '.join(i18n.languages('console'))}, not {echo(lang)}")
    console = Console(highlight=False)
    try:
        with status(console, INSPECTING, lang):
            view = inspect_run(run, at)
    except (BadInput, CompilerError) as exc:
        fail(str(exc))
    unknown = [name for name in actor or [] if name not in view["actors"]]
    if unknown:  # before anything is printed
        fail(f"no actor {echo(unknown[0])} moved money in this run (see the Actors table)")
    if as_json:
        print(json.dumps(view, indent=2, sort_keys=True, ensure_ascii=False))
        return
    print_inspection(console, view, actor or [], lang)
