"""`ecny-sim run`: run a scenario, print a readable account, write journal.jsonl and summary.json."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console

# Everything else loads inside the commands: `ecny-sim --help`, `list` or `report` must not start a chain or import
# what draws (tests/cli/test_cli_imports.py).


def fail(message: str, code: int | None = None) -> None:
    """One clear line on stderr, no traceback; exit `code`, by default EXIT_BAD_INPUT."""
    if code is None:
        from ecny_sim.run.engine import EXIT_BAD_INPUT

        code = EXIT_BAD_INPUT
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
    lang: str = typer.Option("en", "--lang",
                             help="language of the narration, report and tables: en, zh or any with a catalog"),
    report: bool = typer.Option(False, "--report", help="write report.html (and its charts) after the run"),
    force: bool = typer.Option(False, "--force", help="replace a different run already in --out"),
    backend: str = typer.Option("pyevm", "--backend", metavar="pyevm|anvil",
                                help="the chain: py-evm in this process, or an anvil node it starts"),
    node: Optional[str] = typer.Option(None, "--node", metavar="URL",
                                       help="run on an anvil node you run (at the scenario's genesis), not a new one"),
    keep_node: bool = typer.Option(False, "--keep-node", help="with --backend anvil: keep the node up after the run "
                                   "(its URL, contracts and keys printed) until Ctrl-C"),
    contracts: Optional[Path] = typer.Option(None, "--contracts", metavar="DIR", help="your own contracts in place "
                                             "of the built-in ones (DIR/ecny-contracts.toml names them)"),
) -> None:
    """Run a scenario on a fresh chain (py-evm in this process unless --backend or --node say otherwise)."""
    from ecny_sim._moved import old_imports_in
    from ecny_sim.chain import overlay, user_contracts
    from ecny_sim.chain.backend import BACKENDS
    from ecny_sim.chain.compiler import CompilerError, ensure_fresh
    from ecny_sim.chain.errors import ChainFailure
    from ecny_sim.cli.node import ChainKeeper, keep_up, open_chain, show_chain
    from ecny_sim.pilot import run_scenario
    from ecny_sim.run import scenario as scenarios
    from ecny_sim.run.engine import EXIT_CHAIN, EXIT_INTERRUPTED
    from ecny_sim.run.folder import RunFolder, run_identity
    from ecny_sim.run.scenario import echo
    from ecny_sim.show import i18n
    from ecny_sim.show.terminal import WRITING_REPORT, ConsoleReporter, print_header, print_summary, status

    spoken = [code for code in i18n.languages("narration") if not report or code in i18n.languages("report")]
    if lang not in spoken:  # a language is a folder of catalogs (ECNY_SIM_LOCALE_PATH may add more)
        fail(f"--lang must be one of {', '.join(spoken)}, not {echo(lang)}")
    if backend not in BACKENDS:
        fail(f"--backend must be one of {', '.join(BACKENDS)}, not {scenarios.echo(backend)}")
    if keep_node and (backend != "anvil" or node is not None):
        fail("--keep-node needs --backend anvil (a node given with --node keeps running anyway)")
    try:
        ensure_fresh()
        scenario = scenarios.load(name)
        for advice in old_imports_in(scenario.source):  # a user script written for 0.1's module paths
            Console(stderr=True, highlight=False, soft_wrap=True).print(f"[yellow]note:[/yellow] {advice}")
        values: dict[str, Any] = scenarios.read_params_file(params_file) if params_file else {}
        values.update(scenarios.parse_assignments(set_ or []))
        params = scenario.params(values, test_scale=test_scale)
        user_build = user_contracts.build(contracts) if contracts is not None else None
    except (scenarios.BadInput, CompilerError) as exc:
        fail(str(exc))
    out_dir = out or Path("runs") / f"{scenario.name}-seed{seed}"
    identity = {"scenario": scenario.name, "params": params.model_dump(mode="json"), "seed": seed}
    if user_build is not None:  # another contract is another run
        identity["contracts"] = run_identity({"user_contracts": user_build.header()})["contracts"]
    try:
        folder = RunFolder(out_dir, identity, force=force)
    except scenarios.BadInput as exc:
        fail(str(exc))
    try:  # a node given with --node, or one kept up after the run: opened (and checked) before anything is written
        chain_backend = open_chain(backend, node, keep_node, params.start_ts)
    except ChainFailure as exc:
        fail(str(exc), code=EXIT_CHAIN)

    console = Console(highlight=False)
    print_header(console, scenario.name, scenario.title, params.model_dump(mode="json"), seed, lang)
    reporter, observers = ConsoleReporter(console, lang), []
    if narrate:  # the narrator tells the transactions and the scenario's own lines, in order
        from ecny_sim.show.narration import Narrator

        reporter = Narrator(lang=lang, out=console, pause=True)
        observers = [reporter]
    keeper = ChainKeeper()
    began = time.perf_counter()
    try:
        with folder.writing() as work, overlay.active(user_build):  # moved into out_dir whole when it ends
            result = run_scenario(scenario, params, seed, work, reporter, observers=[*observers, keeper],
                                  backend=chain_backend)
            elapsed = time.perf_counter() - began
            if report and result.summary:  # no summary: the chain never started
                from ecny_sim.show.report import write_report  # matplotlib: only when a report is made

                with status(console, WRITING_REPORT, lang):
                    write_report(work, lang)
    except KeyboardInterrupt:
        fail(f"interrupted; the run so far is in {folder.incomplete} (its journal has no end line)",
             code=EXIT_INTERRUPTED)
    if not result.summary:  # the chain could not start: nothing was written
        fail(result.message, code=EXIT_CHAIN)
    print_summary(console, result.summary, lang, elapsed=elapsed, out_dir=out_dir, report=report)
    if result.exit_code:
        Console(stderr=True, highlight=False).print(f"[bold red]{result.outcome}:[/bold red] {result.message}")
    if node is not None and result.outcome != "chain_failed":
        show_chain(console, keeper.chain, node)
    elif keep_node and result.outcome != "chain_failed":
        keep_up(console, keeper.chain, chain_backend)
    elif keep_node:
        chain_backend.stop()
    raise typer.Exit(result.exit_code)

