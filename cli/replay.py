"""`ecny-sim replay`: re-run a journal on a fresh chain and check every transaction against it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from ecny_sim.cli.run import fail


def register(app: typer.Typer) -> None:
    app.command(name="replay")(replay)


def replay(
    run: Path = typer.Argument(..., help="a run directory or its journal.jsonl"),
    until: Optional[int] = typer.Option(None, "--until", help="stop after this journal line (a transaction's)"),
    allow_incomplete: bool = typer.Option(False, "--allow-incomplete", help="exit 0, not 4, when a matching journal "
                                          "has no end line (or its run's chain failed)"),
    expect: Optional[str] = typer.Option(None, "--expect", metavar="HASH",
                                         help="the journal's final hash as recorded elsewhere (sha256, 12+ hex)"),
    backend: Optional[str] = typer.Option(None, "--backend", metavar="pyevm|anvil",
                                          help="the chain to replay on [default: the run's own]"),
    contracts: Optional[Path] = typer.Option(None, "--contracts", metavar="DIR", help="check that the run used "
                                             "these contracts of yours (the journal carries them either way)"),
) -> None:
    """Replay a run from its journal alone: exit 0 if every line matches, 1 at the first difference, 4 if it
    matches but the run never ended (a killed run)."""
    from ecny_sim.chain.backend import BACKENDS
    from ecny_sim.chain.compiler import CompilerError
    from ecny_sim.chain.errors import ChainFailure
    from ecny_sim.read.replay import ACROSS_BACKENDS, replay as replay_journal
    from ecny_sim.run.engine import EXIT_CHAIN, EXIT_INCOMPLETE
    from ecny_sim.run.journal_reader import read_journal
    from ecny_sim.run.scenario import BadInput, echo
    from ecny_sim.show.terminal import REPLAYING, progress_callback

    if expect is not None and not re.fullmatch(r"[0-9a-fA-F]{12,64}", expect):
        fail(f"--expect {echo(expect)}: give the journal's final hash (at least 12 hex digits of its sha256)")
    if backend is not None and backend not in BACKENDS:
        fail(f"--backend must be one of {', '.join(BACKENDS)}, not {echo(backend)}")
    try:
        if until is not None:  # checked before anything is replayed
            lines = read_journal(run).txs.numbers()
            if not lines or not lines[0] <= until <= lines[-1]:
                fail(f"--until {until}: this journal's transaction lines are {lines[0]} to {lines[-1]}" if lines
                     else f"--until {until}: this journal has no transaction lines")
        if contracts is not None:  # the same bytecode as DIR's, contract by contract
            from ecny_sim.chain.user_contracts import build, build_differs

            differs = build_differs(build(contracts), read_journal(run).header)
            if differs:
                Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]{differs}[/bold red]")
                raise typer.Exit(1)
        with progress_callback(Console(highlight=False), REPLAYING) as progress:  # a bar on a terminal
            result = replay_journal(run, until=until, backend=backend, progress=progress)
    except (BadInput, CompilerError) as exc:
        fail(str(exc))
    except ChainFailure as exc:
        fail(f"the chain backend failed: {exc}", code=EXIT_CHAIN)
    result.chain.close()  # stops a node the replay started
    if expect is not None and not result.run.final_hash.startswith(expect.lower()):
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"[bold red]this journal's final hash is {result.run.final_hash}, not the expected {expect}[/bold red]: "
            "it is not the journal that was recorded")
        raise typer.Exit(1)
    out = Console(highlight=False, soft_wrap=True)
    if not result.matches:
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]{result.difference}[/bold red]")
        raise typer.Exit(1)
    where = f"up to line {until}" if until is not None else "every line"
    tail = ""
    if not result.run.complete:
        tail = "; the run was incomplete (its journal has no end line)"
    elif result.chain_failed:
        tail = "; the run's chain backend failed after its last line (no final state was read)"
    elif result.final_state_hash is not None:
        tail = f"; final state hash {result.final_state_hash} matches"
    across = f" (across backends: {ACROSS_BACKENDS})" if result.across else ""
    out.print(f"[green]replay matches[/green]{across}: {result.replayed} transactions, {where}{tail}")
    if result.run.format >= 2:
        out.print(f"journal sha256 {result.run.final_hash}" + (" (as expected)" if expect else ""))
    if (not result.run.complete or result.chain_failed) and until is None and not allow_incomplete:
        raise typer.Exit(EXIT_INCOMPLETE)
