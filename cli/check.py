"""`ecny-sim check DIR`: the conformance suite for a developer's contract (every family: conformance.check).

Prints the verdict table (property, verdict, the smallest failing sequence with decoded errors) and gas per
operation beside the built-in contract's; writes check.json and check.html to --out. Exit 0 when every check
holds, 1 when one fails (its counterexample printed), 2 for bad input (nothing written).
"""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from ecny_sim.cli.run import fail


def register(app: typer.Typer) -> None:
    app.command(name="check")(check)


def check(
    directory: Path = typer.Argument(..., metavar="DIR", help="your contracts and their ecny-contracts.toml"),
    deep: bool = typer.Option(False, "--deep", help="long searches: many more and longer random terms"),
    out: Optional[Path] = typer.Option(None, "--out", help="where check.json and check.html go "
                                       "[default: runs/check-DIRNAME]"),
) -> None:
    """Run every built-in scenario, property and known attack of the family against your contract."""
    from ecny_sim.chain import user_contracts
    from ecny_sim.chain.compiler import CompilerError, ensure_fresh
    from ecny_sim.conformance.check import check_deploys, run_check
    from ecny_sim.run.engine import EXIT_INTERRUPTED, EXIT_INVARIANT

    console = Console(highlight=False, soft_wrap=True)
    out_dir = out or Path("runs") / f"check-{directory.resolve().name}"
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out {out_dir} is a file, not a folder")
    try:
        ensure_fresh()
        build = user_contracts.build(directory)
        check_deploys(build)
        began = time.strftime("%H:%M:%S")
        console.print(f"checking {', '.join(f'{c.name} ({c.interface})' for c in build.contracts.values())} "
                      f"from {directory}{' (deep search)' if deep else ''}, started {began}")
        report = run_check(build, deep=deep, progress=lambda step: console.print(f"  … {step}"))
    except CompilerError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted; nothing was written", code=EXIT_INTERRUPTED)
    _print(console, report)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = report.to_json()
    (out_dir / "check.json").write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    (out_dir / "check.html").write_text(_html(data), encoding="utf-8")
    console.print(f"wrote {out_dir / 'check.json'} and check.html ({report.seconds:.0f} s)")
    if not report.holds:
        raise typer.Exit(EXIT_INVARIANT)


def _print(console: Console, report: Any) -> None:
    table = Table(title=f"{report.contract} against {report.interface}")
    for column in ("check", "verdict", "property", "s"):
        table.add_column(column, justify="right" if column == "s" else "left")
    for row in report.rows:
        verdict = "[green]holds[/green]" if row.verdict == "holds" else "[bold red]FAILS[/bold red]"
        shown = row.property if row.verdict != "holds" or row.kind == "scenario" else row.property[:60] + "…"
        table.add_row(row.check, verdict, shown, f"{row.seconds:.1f}")
    console.print(table)
    for row in report.rows:
        if row.verdict == "holds":
            continue
        console.print(f"\n[bold red]{row.check}: {row.property}[/bold red]\n{row.detail}")
        if row.counterexample:
            console.print("smallest failing sequence:")
            for step in row.counterexample:
                console.print(f"  {step}", markup=False)
    gas = Table(title="gas per operation (mean of successful calls in the scenarios)")
    for column in ("function", "calls", "yours", "built-in", "difference", "per order listed: yours", "built-in"):
        gas.add_column(column, justify="left" if column == "function" else "right")
    for g in report.gas:
        gas.add_row(g.function, str(g.calls), _num(g.yours), _num(g.built_in), _diff(g.yours, g.built_in),
                    _num(g.yours_per_order), _num(g.built_in_per_order))
    console.print(gas)
    console.print("[green]every check holds[/green]" if report.holds else "[bold red]a check fails[/bold red]")


def _num(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _diff(yours: int | None, builtin: int | None) -> str:
    if yours is None or not builtin:
        return "—"
    return f"{yours - builtin:+,} ({(yours - builtin) * 100 / builtin:+.1f} %)"


def _html(data: dict[str, Any]) -> str:
    e = html.escape
    rows = []
    for r in data["rows"]:
        steps = "".join(f"<li><code>{e(s)}</code></li>" for s in r["counterexample"])
        cls = "ok" if r["verdict"] == "holds" else "bad"
        rows.append(f"<tr class='{cls}'><td>{e(r['check'])}</td><td>{e(r['verdict'])}</td><td>{e(r['property'])}"
                    f"</td><td>{e(r['detail'])}{'<ol>' + steps + '</ol>' if steps else ''}</td>"
                    f"<td>{r['seconds']:.1f}</td></tr>")
    gas = "".join(f"<tr><td>{e(g['function'])}</td><td>{g['calls']}</td><td>{_num(g['yours'])}</td>"
                  f"<td>{_num(g['built_in'])}</td><td>{e(_diff(g['yours'], g['built_in']))}</td>"
                  f"<td>{_num(g['yours_per_order'])}</td><td>{_num(g['built_in_per_order'])}</td></tr>"
                  for g in data["gas"])
    title = f"{data['contract']} against {data['interface']}: {data['verdict']}"
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>" + e(title) + "</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
            "td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}"
            "tr.bad td{background:#fde8e8}tr.ok td:nth-child(2){color:#186a1e}code{font-size:90%}</style></head>"
            f"<body><h1>{e(title)}</h1><p>{e(data['directory'])}{' · deep search' if data['deep'] else ''} · "
            f"{data['seconds']} s</p><table><tr><th>check</th><th>verdict</th><th>property</th>"
            f"<th>why, and the smallest failing sequence</th><th>s</th></tr>{''.join(rows)}</table>"
            "<h2>Gas per operation</h2><table><tr><th>function</th><th>calls</th><th>yours</th><th>built-in</th>"
            "<th>difference</th><th>per order listed: yours</th><th>built-in</th></tr>"
            f"{gas}</table></body></html>\n")
