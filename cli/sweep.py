"""`ecny-sim sweep SCENARIO|STUDY.toml --out DIR`: a scenario over a grid of parameters and many seeds, each point a
full run on its own fresh chain, on Dask; one row per run in DIR/runs.parquet and DIR/runs.csv."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from ecny_sim.cli.run import fail


def register(app: typer.Typer) -> None:
    app.command(name="sweep")(sweep)


def sweep(
    name: str = typer.Argument(..., help="a built-in scenario, a scenario .py, or a study file (.toml)"),
    out: Path = typer.Option(..., "--out", help="the sweep's folder (new or empty; with --resume, the sweep's own)"),
    grid: Optional[List[str]] = typer.Option(None, "--grid", help="name=a,b,c or name=low..high (inclusive); "
                                             "repeatable: every combination runs"),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="a fixed parameter, key=value; repeatable"),
    draw: Optional[List[str]] = typer.Option(None, "--draw", help="name=low..high: a parameter drawn at random "
                                             "(whole numbers, inclusive), --draws times; repeatable"),
    draws: Optional[int] = typer.Option(None, "--draws", min=0, help="how many random draws of the --draw "
                                        "parameters, each crossed with every --grid combination"),
    seeds: Optional[str] = typer.Option(None, "--seeds", help="seeds of each combination: 1..200 or 1,5,9 "
                                        "[default: 1, or the study file's]"),
    test_scale: bool = typer.Option(False, "--test-scale", help="start from the scenario's small test parameters"),
    workers: Optional[int] = typer.Option(None, "--workers", min=0, help="worker processes of the local Dask "
                                          "cluster [default: one per core]; 0 runs every point in this process"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT",
                                            help="run on a Dask cluster you run (its workers need ecny-sim)"),
    resume: bool = typer.Option(False, "--resume", help="finish a sweep that was stopped: run only what is missing "
                                "(a point whose run failed has its row: it is not run again)"),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="as --resume, and run the points whose run "
                                      "failed again (a lost worker, say); their new rows replace the failed ones"),
    keep_journals: bool = typer.Option(False, "--keep-journals", help="keep every run's journal.jsonl and "
                                       "summary.json in DIR/runs/point-NNNNNN/ (each replays)"),
    contracts: Optional[Path] = typer.Option(None, "--contracts", metavar="DIR", help="your own contracts in "
                                             "place of the built-in ones (DIR/ecny-contracts.toml names them)"),
) -> None:
    """Run a study: every combination of --grid for every seed, each on its own fresh chain, on Dask workers."""
    from ecny_sim.chain import user_contracts
    from ecny_sim.chain.compiler import CompilerError, ensure_fresh
    from ecny_sim.run.engine import EXIT_CHAIN, EXIT_INTERRUPTED, EXIT_INVARIANT
    from ecny_sim.run.scenario import BadInput
    from ecny_sim.study import runner
    from ecny_sim.study.plan import Study

    if workers is not None and scheduler is not None:
        fail("--workers is for the local cluster; a cluster given with --scheduler has its own workers")
    try:
        ensure_fresh()
        build = Study.from_file if name.endswith(".toml") else Study.build
        study = build(Path(name) if name.endswith(".toml") else name, grid=grid or [], fixed=set_ or [],
                      seeds=seeds, test_scale=test_scale, draw=draw or [], draws=draws)
        user = user_contracts.build(contracts).header() if contracts is not None else None
        if user:  # a resumed sweep must run with the same contracts
            study.contracts = hashlib.sha256(json.dumps(user, sort_keys=True).encode()).hexdigest()[:16]
        tasks = runner.prepare(study, out, resume=resume or retry_failed, keep_journals=keep_journals,
                               retry_failed=retry_failed)
        tasks.extra["contracts"] = user  # each worker deploys the same bytecode (the build travels with the task)
    except (BadInput, CompilerError) as exc:
        fail(str(exc))
    if not tasks:  # a resumed sweep with nothing left: no cluster to start, the table is written again
        workers, scheduler = 0, None
    console = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    stack = contextlib.ExitStack()  # the cluster is closed on every way out, Ctrl-C included
    try:
        execute = stack.enter_context(runner.open_executor(workers, scheduler))
    except KeyboardInterrupt:
        fail("interrupted while the Dask cluster started; nothing was written", code=EXIT_INTERRUPTED)
    except BadInput as exc:
        fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - the cluster could not start: one line, nothing written
        fail(f"the Dask cluster could not start: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}",
             code=EXIT_CHAIN)
    where = ("in this process" if workers == 0 and scheduler is None else f"on {scheduler}" if scheduler
             else f"on a local Dask cluster of {workers or runner.default_workers()} worker processes")
    again = f"; the {tasks.again} that failed are run again" if tasks.again else ""
    console.print(f"{tasks.scenario.name}: {study.size} runs ({len(tasks)} to run, {tasks.already} already done"
                  f"{again}) {where}")
    if study.sum_over:
        console.print(f"sharded: the runs over {', '.join(study.sum_over)} add up to one row of the summary, each "
                      "on its own chain with its invariants checked there")
    result = None
    interrupted = False
    try:
        with _progress_bar(err, len(tasks)) as on_row:
            result, progress = runner.execute_study(study, out, execute, tasks, keep_journals=keep_journals,
                                                    on_row=on_row)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        interrupted = _close(stack) or interrupted
    if result is None:
        fail(f"interrupted; the runs that finished are in {out}/parts; `--resume` runs the rest",
             code=EXIT_INTERRUPTED)
    try:
        if not interrupted:
            _print_summary(console, out, study.grouped)
            failed = result.failed
            plots = _plots(out, err)
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:  # after the runs (a Ctrl-C as the cluster closed, or while drawing): the table is whole
        fail(f"interrupted after the runs: every run and the table are in {out} (`--resume` has nothing left to "
             f"run); `ecny-sim report {out}` draws the plots", code=EXIT_INTERRUPTED)
    console.print(f"{result.rows} runs, {failed} failed, {progress.rate:.2f} runs/s: {out}/runs.parquet, "
                  f"{out}/runs.csv, {out}/summary.csv" + (f", {plots}" if plots else ""))
    raise typer.Exit(EXIT_INVARIANT if failed else 0)


def _close(stack: contextlib.ExitStack) -> bool:
    """Closes the cluster whatever happens; says whether a Ctrl-C came while it closed (it closes on anyway)."""
    interrupted = False
    while True:
        try:
            stack.close()
            return interrupted
        except KeyboardInterrupt:  # ExitStack goes on with the callbacks still to run
            interrupted = True


def _plots(out: Path, err: Console) -> str:
    """The study's plots with their intervals (and its page: `ecny-sim report DIR --lang zh` for Chinese);
    a sweep whose table cannot be drawn says why in one line and keeps its table."""
    from ecny_sim.run.scenario import BadInput
    from ecny_sim.study.report import write_study_report  # matplotlib: only once the runs are done

    try:
        page = write_study_report(out)
    except BadInput as exc:
        err.print(f"no plots: {exc}", style="yellow", markup=False)
        return ""
    return f"plots in {page.parent / 'charts'}/ and {page}"


def _progress_bar(err: Console, total: int):
    """A live line on stderr: done, failed and left, and the rate."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    @contextlib.contextmanager
    def bar():
        columns = (BarColumn(), TextColumn("{task.fields[counts]}"), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=False) as shown:
            task = shown.add_task("runs", total=total, counts=f"0 done · 0 failed · {total} left")

            def on_row(progress, row) -> None:
                shown.update(task, advance=1, counts=f"{progress.done} done · {progress.failed} failed · "
                             f"{progress.left} left · {progress.rate:.2f} runs/s")

            yield on_row

    return bar()


#: Measures shown in the terminal's table (summary.csv and `ecny-sim report` have them all).
SHOWN_MEASURES = 3


def _print_summary(console: Console, out: Path, varied: list[str]) -> None:
    """The summary per combination: runs, failed, and the first measures' means with their 95 % intervals."""
    import pyarrow.csv as pacsv
    from rich.table import Table

    from ecny_sim.study.summary import CLIPPED
    from ecny_sim.study.table import shown

    lines = pacsv.read_csv(out / "summary.csv").to_pylist()
    measures = [n.removesuffix(".mean") for n in (lines[0] if lines else {}) if n.endswith(".mean")]
    table = Table(title=f"per combination: mean [95 % interval] ({out}/summary.csv has every measure)")
    for name in [*varied, "runs", "failed", *measures[:SHOWN_MEASURES]]:
        table.add_column(name, justify="left" if name in varied else "right")
    words = _Words()
    clipped = False
    for line in lines:
        lows = set((line.get(CLIPPED) or "").split())
        clipped = clipped or bool(lows & set(measures[:SHOWN_MEASURES]))
        cells = [str(line[n]) for n in varied] + [str(line["runs"]), str(line["failed"])]
        cells += [f"{shown(m, line[f'{m}.mean'], words)} [{shown(m, line[f'{m}.low95'], words)}"
                  f"{'*' if m in lows else ''}, {shown(m, line[f'{m}.high95'], words)}]"
                  for m in measures[:SHOWN_MEASURES]]
        table.add_row(*cells)
    if clipped:
        table.caption = (f"* the interval dipped below zero, which this figure cannot: clipped at 0 "
                         f"({CLIPPED} in summary.csv)")
    console.print(table)


class _Words:
    """Numbers as the English report writes them."""

    @staticmethod
    def number(value: int) -> str:
        return f"{value:,}"
