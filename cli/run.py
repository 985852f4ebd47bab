"""`ecny-sim run`: run a scenario, print a readable account, write journal.jsonl and summary.json."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ecny_sim._moved import old_imports_in
from ecny_sim.run import scenario as scenarios
from ecny_sim.chain.clock import format_beijing
from ecny_sim.chain.compiler import CompilerError, ensure_fresh
from ecny_sim.pilot import run_scenario
from ecny_sim.run.engine import EXIT_BAD_INPUT, EXIT_INTERRUPTED
from ecny_sim.run.folder import RunFolder
from ecny_sim.domain.money import fmt_fen
from ecny_sim.show import i18n
from ecny_sim.show.narration import Narrator
from ecny_sim.show.report import write_report
from ecny_sim.show.terminal import ConsoleReporter


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """One clear line on stderr, no traceback."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]error:[/bold red] {message}", markup=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command(name="run")(run)


def run(
    name: str = typer.Argument(..., help="a built-in scenario (see `ecny-sim list`) or a path to a scenario .py"),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="a parameter, key=value; repeatable"),
    params_file: Optional[str] = typer.Option(None, "--params", help="a JSON file of parameters"),
    seed: int = typer.Option(1, "--seed", help="seed for actor keys; same seed, same run, byte for byte"),
    out: Optional[Path] = typer.Option(None, "--out", help="output directory [default: runs/NAME-seedN]"),
    test_scale: bool = typer.Option(False, "--test-scale", help="use the scenario's small test parameters"),
    narrate: bool = typer.Option(False, "--narrate", help="classroom mode: tell each step in one plain sentence"),
    lang: str = typer.Option("en", "--lang", help="language of the narration and report: en, zh or any with a catalog"),
    report: bool = typer.Option(False, "--report", help="write report.html (and its charts) after the run"),
    force: bool = typer.Option(False, "--force", help="replace a different run already in --out"),
) -> None:
    """Run a scenario on a fresh in-process chain."""
    spoken = [code for code in i18n.languages("narration") if not report or code in i18n.languages("report")]
    if lang not in spoken:  # a language is a folder of catalogs (ECNY_SIM_LOCALE_PATH may add more)
        fail(f"--lang must be one of {', '.join(spoken)}, not {lang!r}")
    try:
        ensure_fresh()
        scenario = scenarios.load(name)
        for advice in old_imports_in(scenario.source):  # a user script written for 0.1's module paths
            Console(stderr=True, highlight=False, soft_wrap=True).print(f"[yellow]note:[/yellow] {advice}")
        values: dict[str, Any] = scenarios.read_params_file(params_file) if params_file else {}
        values.update(scenarios.parse_assignments(set_ or []))
        params = scenario.params(values, test_scale=test_scale)
    except (scenarios.BadInput, CompilerError) as exc:
        fail(str(exc))
    out_dir = out or Path("runs") / f"{scenario.name}-seed{seed}"
    identity = {"scenario": scenario.name, "params": params.model_dump(mode="json"), "seed": seed}
    try:
        folder = RunFolder(out_dir, identity, force=force)
    except scenarios.BadInput as exc:
        fail(str(exc))

    console = Console(highlight=False)
    console.rule(f"[bold]{scenario.name}[/bold]: {scenario.title}")
    shown = ", ".join(f"{k}={v}" for k, v in params.model_dump(mode="json").items())
    console.print(f"[dim]params: {shown}; seed {seed}[/dim]")
    reporter, observers = ConsoleReporter(console), []
    if narrate:  # the narrator tells the transactions and the scenario's own lines, in order
        reporter = Narrator(lang=lang, out=console, pause=True)
        observers = [reporter]
    began = time.perf_counter()
    try:
        with folder.writing() as work:  # moved into out_dir whole when it ends; set aside if interrupted
            result = run_scenario(scenario, params, seed, work, reporter, observers=observers)
            elapsed = time.perf_counter() - began
            if report:
                write_report(work, lang)
    except KeyboardInterrupt:
        fail(f"interrupted; the run so far is in {folder.incomplete} (its journal has no end line)",
             code=EXIT_INTERRUPTED)
    print_summary(console, result.summary)
    txs = result.summary["counts"]["transactions"]
    console.print(f"{txs} transactions in {elapsed:.1f} s; wrote {out_dir}/journal.jsonl and summary.json")
    console.print(f"journal sha256 {result.summary['journal_sha256']} [dim](keep it: `ecny-sim replay --expect` "
                  "checks a copy against it)[/dim]")
    if report:
        console.print(f"wrote {out_dir / 'report.html'}")
    if result.exit_code:
        Console(stderr=True, highlight=False).print(f"[bold red]{result.outcome}:[/bold red] {result.message}")
    raise typer.Exit(result.exit_code)


def print_summary(console: Console, summary: dict[str, Any]) -> None:
    totals = Table(title="Money (read from the chain)", show_header=True, header_style="bold")
    totals.add_column("total")
    totals.add_column("amount", justify="right")
    for key, value in summary["totals"].items():
        totals.add_row(key.removesuffix("_fen").replace("_", " "), fmt_fen(value))
    console.print(totals)
    if "comparison" in summary:
        table = Table(title="Supervision models side by side", header_style="bold")
        table.add_column("model")
        keys = list(next(iter(summary["comparison"].values())))
        for key in keys:
            table.add_column(key.removesuffix("_fen").replace("_", " "), justify="right")
        for model, row in summary["comparison"].items():
            table.add_row(model, *(fmt_fen(row[k]) for k in keys))
        console.print(table)
    if summary.get("alerts"):
        alerts = Table(title="Alerts raised during the run", header_style="bold")
        alerts.add_column("when")
        alerts.add_column("alert")
        alerts.add_column("what")
        for a in summary["alerts"]:
            alerts.add_row(format_beijing(a["time"]), a["kind"].replace("_", " "), a["message"])
        console.print(alerts)
    checks = Table(title="Invariants", header_style="bold")
    checks.add_column("holds")
    checks.add_column("invariant")
    for name, ok in summary["invariants"].items():
        checks.add_row("[green]yes[/green]" if ok else "[bold red]NO[/bold red]", name)
    console.print(checks)
