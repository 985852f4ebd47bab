"""`ecny-sim inspect`: the regulator's view after a run, or at a journal line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ecny_sim.cli.run import fail
from ecny_sim.chain.compiler import CompilerError
from ecny_sim.read.inspect import inspect_run
from ecny_sim.domain.money import fmt_fen
from ecny_sim.run.scenario import BadInput


def register(app: typer.Typer) -> None:
    app.command(name="inspect")(inspect)


def inspect(
    run: Path = typer.Argument(..., help="a run directory"),
    at: Optional[int] = typer.Option(None, "--at", help="the view after this journal line (rebuilt by replay)"),
    actor: Optional[List[str]] = typer.Option(None, "--actor", help="print this actor's full statement; repeatable"),
    as_json: bool = typer.Option(False, "--json", help="everything as JSON, every actor's statement included"),
) -> None:
    """Per institution, campaign and actor: where the money stands and how it moved."""
    try:
        view = inspect_run(run, at)
    except (BadInput, CompilerError) as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(view, indent=2, sort_keys=True, ensure_ascii=False))
        return
    console = Console(highlight=False)
    when = f"after line {view['line']} ({view['time']})" + ("" if view["complete_run"] else "; the run was incomplete")
    console.rule(f"{view['scenario']} (seed {view['seed']}), {when}")
    if view["institutions"]:
        t = Table(title="Institutions", header_style="bold")
        for col in ("contract", "institution", "status", "supervised", "orders by state", "lessons released / held",
                    "paid in", "released", "refunded"):
            t.add_column(col, justify="right" if col in ("supervised", "paid in", "released", "refunded") else "left")
        for i in view["institutions"]:
            lessons = (f"{i['lessons_released']} / {i['lessons_held']}" if i["model"] == "escrow"
                       else f"{i['lessons_delivered_upfront']} delivered")
            t.add_row(i["contract"], i["institution"], i["status"], fmt_fen(i["supervised_fen"]),
                      ", ".join(f"{k} {v}" for k, v in i["orders_by_state"].items()), lessons,
                      fmt_fen(i["paid_in_fen"]), fmt_fen(i["released_fen"]), fmt_fen(i["refunded_fen"]))
        console.print(t)
    if view["campaigns"]:
        t = Table(title="Campaigns", header_style="bold")
        for col in ("campaign", "funded", "claims", "payments", "packet money spent", "own money", "unclaimed",
                    "back with funder"):
            t.add_column(col, justify="left" if col == "campaign" else "right")
        for c in view["campaigns"]:
            t.add_row(c["contract"], fmt_fen(c["funded_fen"]), f"{c['claims']:,}", f"{c['payments']:,}",
                      fmt_fen(c["spent_from_packets_fen"]), fmt_fen(c["own_money_spent_fen"]),
                      fmt_fen(c["unclaimed_fen"]), fmt_fen(c["returned_to_funder_fen"]))
        console.print(t)
    _subsidy_tables(console, view)
    t = Table(title="Actors", header_style="bold")
    for col in ("actor", "balance", "movements"):
        t.add_column(col, justify="left" if col == "actor" else "right")
    for name, a in view["actors"].items():
        t.add_row(name, fmt_fen(a["balance_fen"]), str(len(a["statement"])))
    console.print(t)
    for name in actor or []:
        if name not in view["actors"]:
            fail(f"no actor {name!r} moved money in this run (see the Actors table)")
        s = Table(title=f"Statement of {name}", header_style="bold")
        for col in ("line", "time", "change", "balance", "by", "what"):
            s.add_column(col, justify="right" if col in ("change", "balance", "line") else "left")
        for row in view["actors"][name]["statement"]:
            s.add_row(str(row["line"]), row["time"], fmt_fen(row["change_fen"]), fmt_fen(row["balance_fen"]),
                      row["by"], row["what"])
        console.print(s)


def _table(title: str, columns: tuple[str, ...], money: set[str], rows: list[tuple]) -> Table:
    t = Table(title=title, header_style="bold")
    for col in columns:
        t.add_column(col, justify="right" if col in money else "left")
    for row in rows:
        t.add_row(*row)
    return t


def _subsidy_tables(console: Console, view: dict) -> None:
    """Grant programmes, the grants clawed back (every grant is in --json), conditional payments, pay runs."""
    if view["programmes"]:
        cols = ("programme", "grants by status", "funded", "balance", "withdrawable", "paid to firms",
                "spent by firms", "owed", "repaid", "outstanding")
        console.print(_table("Grant programmes", cols, set(cols[2:]), [
            (p["programme"], ", ".join(f"{k} {v:,}" for k, v in p["grants_by_status"].items()),
             *(fmt_fen(p[k]) for k in ("funded_fen", "balance_fen", "withdrawable_fen", "paid_to_firms_fen",
                                       "spent_fen", "owed_fen", "repaid_fen", "outstanding_fen")))
            for p in view["programmes"]]))
    clawed = [g for g in view["grants"] if g["status"] in ("ClawedBack", "Settled")]
    if clawed:
        cols = ("grant", "firm", "breach", "received", "interest", "returned unspent", "repaid", "withheld",
                "outstanding")
        console.print(_table("Clawbacks", cols, set(cols[3:]), [
            (str(g["grant"]), g["firm"] + (" (fraud)" if g["fraud"] else ""), g["breached_at"] or "",
             *(fmt_fen(g[k]) for k in ("paid_fen", "interest_fen", "returned_unspent_fen", "repaid_fen",
                                       "withheld_fen", "outstanding_fen")))
            for g in clawed]))
    if view["conditional_payments"]:
        cols = ("payment", "payer", "payee", "verifier", "amount", "status", "deadline")
        console.print(_table("Conditional payments", cols, {"amount"}, [
            (f"{c['contract']} #{c['payment']}", c["payer"], c["payee"], c["verifier"], fmt_fen(c["amount_fen"]),
             c["status"], c["deadline"]) for c in view["conditional_payments"]]))
    if view["pay_runs"]:
        cols = ("pay run", "subcontractor", "payday", "workers paid", "total", "paid", "returned")
        console.print(_table("Pay runs", cols, {"total", "paid", "returned"}, [
            (f"{r['contract']} #{r['pay_run']}", r["subcontractor"], r["payday"],
             f"{r['workers_paid']} / {r['workers']}", fmt_fen(r["total_fen"]), fmt_fen(r["paid_fen"]),
             fmt_fen(r["returned_fen"])) for r in view["pay_runs"]]))
