"""`ecny-sim check DIR`: the conformance suite for a developer's contract (every family: conformance.check).

Prints the verdict table (property, verdict, the smallest failing sequence with decoded errors) and gas per
operation beside the built-in contract's; writes check.json and check.html to --out. Exit 0 when every check
holds, 1 when one fails (its counterexample printed), 2 for bad input (nothing written).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from ecny_sim.cli.run import fail


def register(app: typer.Typer) -> None:
    app.command(name="check")(check)


def check(
    directory: Path = typer.Argument(..., metavar="DIR", help="your contracts and their ecny-contracts.toml"),
    deep: bool = typer.Option(False, "--deep", help="long searches: many more and longer random terms"),
    out: Optional[Path] = typer.Option(None, "--out", help="where check.json and check.html go "
                                       "[default: runs/check-DIRNAME]"),
    lang: str = typer.Option("en", "--lang", help="language of the tables and headers: en, zh or any with a catalog"),
) -> None:
    """Run every built-in scenario, property and known attack of the family against your contract."""
    from ecny_sim.chain import user_contracts
    from ecny_sim.chain.compiler import CompilerError, ensure_fresh
    from ecny_sim.conformance.check import check_deploys, run_check
    from ecny_sim.run.engine import EXIT_INTERRUPTED, EXIT_INVARIANT
    from ecny_sim.run.scenario import echo
    from ecny_sim.show import i18n
    from ecny_sim.show.checks import check_html, print_check, progress_words, started_line, wrote_line

    if lang not in i18n.languages("console"):
        fail(f"--lang must be one of {', '.join(i18n.languages('console'))}, not {echo(lang)}")
    console = Console(highlight=False, soft_wrap=True)
    out_dir = out or Path("runs") / f"check-{directory.resolve().name}"
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out {out_dir} is a file, not a folder")
    said = progress_words(lang)

    def progress(step: str) -> None:  # "attacks", or "IConditionalPayment: attacks" when several families
        family, _, key = step.rpartition(": ")
        console.print(f"  … {family + ': ' if family else ''}{said.get(key, key)}", markup=False)

    try:
        ensure_fresh()
        build = user_contracts.build(directory)
        check_deploys(build)
        contracts = ", ".join(f"{c.name} ({c.interface})" for c in build.contracts.values())
        console.print(started_line(lang, contracts, str(directory), deep, time.strftime("%H:%M:%S")), markup=False)
        report = run_check(build, deep=deep, progress=progress)
    except CompilerError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted; nothing was written", code=EXIT_INTERRUPTED)
    data = report.to_json()
    print_check(console, data, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "check.json").write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    (out_dir / "check.html").write_text(check_html(data, lang), encoding="utf-8")
    console.print(wrote_line(lang, str(out_dir / "check.json"), report.seconds), markup=False)
    if not report.holds:
        raise typer.Exit(EXIT_INVARIANT)
