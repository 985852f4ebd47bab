"""`ecny-sim inspect` on a terminal: the regulator's view (``read.inspect.inspect_run``) as tables that fit 80
columns, titles and headers in any language with a "console" catalog. Names, statuses and times are the
chain's; amounts are whole, never cut."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from rich.console import Console
from rich.markup import escape

from ..domain.money import fmt_fen
from .terminal import console_words, table_printer

__all__ = ["print_inspection"]


def _time(text: str | None) -> str:
    """A Beijing time as the view gives it, without the zone the headers already name."""
    return (text or "").removesuffix(" CST")


def print_inspection(console: Console, view: dict[str, Any], actors: Sequence[str] = (), lang: str = "en") -> None:
    """Institutions, campaigns, grant programmes, clawbacks, conditional payments, pay runs, every actor's
    balance, and the full statement of each of ``actors`` (names the view knows; the caller checks them)."""
    words = console_words(lang)
    _, n, table = words._, words.number, table_printer(console, words)
    when = _("after line {line} ({time})", line=view["line"], time=_time(view["time"]))
    if not view["complete_run"]:
        when = _("{when}; the run was incomplete", when=when)
    console.rule(escape(_("{scenario} (seed {seed}), {when}", scenario=view["scenario"], seed=view["seed"],
                          when=when)))
    if view["institutions"]:
        rows = []
        for i in view["institutions"]:
            lessons = (f"{n(i['lessons_released'])} / {n(i['lessons_held'])}" if i["model"] == "escrow"
                       else _("{n} delivered", n=n(i["lessons_delivered_upfront"])))
            rows.append([i["contract"], i["institution"], i["status"], fmt_fen(i["supervised_fen"]),
                         ", ".join(f"{k} {n(v)}" for k, v in i["orders_by_state"].items()), lessons,
                         fmt_fen(i["paid_in_fen"]), fmt_fen(i["released_fen"]), fmt_fen(i["refunded_fen"])])
        table(_("Institutions"),
                    [_("contract"), _("institution"), _("status"), _("supervised"), _("orders by state"),
                     _("lessons released / held"), _("paid in"), _("released"), _("refunded")],
                    rows, numeric={3, 6, 7, 8})
    if view["campaigns"]:
        table(_("Campaigns"),
                    [_("campaign"), _("funded"), _("claims"), _("payments"), _("packet money spent"),
                     _("own money"), _("unclaimed"), _("back with funder")],
                    [[c["contract"], fmt_fen(c["funded_fen"]), n(c["claims"]), n(c["payments"]),
                      fmt_fen(c["spent_from_packets_fen"]), fmt_fen(c["own_money_spent_fen"]),
                      fmt_fen(c["unclaimed_fen"]), fmt_fen(c["returned_to_funder_fen"])] for c in view["campaigns"]],
                    numeric=range(1, 8))
    _subsidies(table, view, words)
    table(_("Actors"), [_("actor"), _("balance"), _("movements")],
                [[name, fmt_fen(a["balance_fen"]), n(len(a["statement"]))] for name, a in view["actors"].items()],
                numeric={1, 2})
    for name in actors:
        # TRANSLATORS: a statement's columns: "by" is the actor who sent the transaction, "what" the call
        table(_("Statement of {actor}", actor=name),
                    [_("line"), _("time (Beijing)"), _("change"), _("balance"), _("by"), _("what")],
                    [[str(r["line"]), _time(r["time"]), fmt_fen(r["change_fen"]), fmt_fen(r["balance_fen"]), r["by"],
                      r["what"]] for r in view["actors"][name]["statement"]],
                    numeric={0, 2, 3})


def _subsidies(table: Callable[..., None], view: dict[str, Any], words: Any) -> None:
    """Grant programmes, the grants clawed back (every grant is in --json), conditional payments, pay runs."""
    _, n = words._, words.number
    if view["programmes"]:
        keys = ("funded_fen", "balance_fen", "withdrawable_fen", "paid_to_firms_fen", "spent_fen", "owed_fen",
                "repaid_fen", "outstanding_fen")
        table(_("Grant programmes"),
                    [_("programme"), _("grants by status"), _("funded"), _("balance"), _("withdrawable"),
                     _("paid to firms"), _("spent by firms"), _("owed"), _("repaid"), _("outstanding")],
                    [[p["programme"], ", ".join(f"{k} {n(v)}" for k, v in p["grants_by_status"].items()),
                      *(fmt_fen(p[k]) for k in keys)] for p in view["programmes"]],
                    numeric=range(2, 10))
    clawed = [g for g in view["grants"] if g["status"] in ("ClawedBack", "Settled")]
    if clawed:
        keys = ("paid_fen", "interest_fen", "returned_unspent_fen", "repaid_fen", "withheld_fen", "outstanding_fen")
        table(_("Clawbacks"),
                    [_("grant"), _("firm"), _("breach"), _("received"), _("interest"), _("returned unspent"),
                     _("repaid"), _("withheld"), _("outstanding")],
                    [[str(g["grant"]), _("{firm} (fraud)", firm=g["firm"]) if g["fraud"] else g["firm"],
                      _time(g["breached_at"]), *(fmt_fen(g[k]) for k in keys)] for g in clawed],
                    numeric=range(3, 9))
    if view["conditional_payments"]:
        table(_("Conditional payments"),
                    [_("payment"), _("payer"), _("payee"), _("verifier"), _("amount"), _("status"), _("deadline")],
                    [[f"{c['contract']} #{c['payment']}", c["payer"], c["payee"], c["verifier"],
                      fmt_fen(c["amount_fen"]), c["status"], _time(c["deadline"])]
                     for c in view["conditional_payments"]],
                    numeric={4})
    if view["pay_runs"]:
        table(_("Pay runs"),
                    [_("pay run"), _("subcontractor"), _("payday"), _("workers paid"), _("total"), _("paid"),
                     _("returned")],
                    [[f"{r['contract']} #{r['pay_run']}", r["subcontractor"], _time(r["payday"]),
                      f"{n(r['workers_paid'])} / {n(r['workers'])}", fmt_fen(r["total_fen"]), fmt_fen(r["paid_fen"]),
                      fmt_fen(r["returned_fen"])] for r in view["pay_runs"]],
                    numeric={3, 4, 5, 6})
