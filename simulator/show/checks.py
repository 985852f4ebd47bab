"""`ecny-sim check` on a terminal and as a page: the verdict table, each failure's property, message and
smallest failing sequence, and gas per operation beside the built-in's, from the check's JSON
(``conformance.check.CheckReport.to_json``), titles and headers in any language with a "console" catalog. The
checks' names, properties and messages are the check's record, in English, as check.json has them."""

from __future__ import annotations

import html
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .i18n import Language
from .terminal import console_words

__all__ = ["check_html", "print_check", "progress_words", "started_line", "wrote_line"]


def _verdict(words: Language, verdict: str) -> str:
    # TRANSLATORS: a check's verdict in ecny-sim check's table
    return words._("holds") if verdict == "holds" else words._("FAILS")


def _headers(words: Language) -> tuple[list[str], list[str]]:
    _ = words._
    rows = [_("check"), _("verdict"), _("property"), _("s")]
    # TRANSLATORS: gas per operation: a developer's contract ("yours") beside ecny-sim's own ("built-in"); a batch
    # call's gas per order it lists
    gas = [_("function"), _("calls"), _("yours"), _("built-in"), _("difference"), _("per order listed: yours"),
           _("built-in")]
    return rows, gas


def _title(words: Language, data: dict[str, Any]) -> str:
    return words._("{contract} against {interface}", contract=data["contract"], interface=data["interface"])


def _num(words: Language, value: int | None) -> str:
    return "—" if value is None else words.number(value)


def _diff(words: Language, yours: int | None, builtin: int | None) -> str:
    if yours is None or not builtin:
        return "—"
    change = yours - builtin
    return f"{'+' if change >= 0 else '-'}{words.number(abs(change))} ({change * 100 / builtin:+.1f} %)"


def _gas_cells(words: Language, g: dict[str, Any]) -> list[str]:
    return [g["function"], words.number(g["calls"]), _num(words, g["yours"]), _num(words, g["built_in"]),
            _diff(words, g["yours"], g["built_in"]), _num(words, g["yours_per_order"]),
            _num(words, g["built_in_per_order"])]


def started_line(lang: str, contracts: str, directory: str, deep: bool, began: str) -> str:
    """The line before the checks: what is checked, from where, since when."""
    _ = console_words(lang)._
    if deep:
        return _("checking {contracts} from {directory} (deep search), started {time}", contracts=contracts,
                 directory=directory, time=began)
    return _("checking {contracts} from {directory}, started {time}", contracts=contracts, directory=directory,
             time=began)


def wrote_line(lang: str, path: str, seconds: float) -> str:
    # TRANSLATORS: {path} is check.json's; check.html is written beside it
    words = console_words(lang)
    return words._("wrote {path} and check.html ({seconds} s)", path=path, seconds=words.number(round(seconds)))


def progress_words(lang: str) -> dict[str, str]:
    """What ``run_check`` says it is doing, in ``lang``."""
    _ = console_words(lang)._
    return {"attacks": _("attacks"), "state machines": _("state machines"), "scenarios": _("scenarios")}


def print_check(console: Console, data: dict[str, Any], lang: str = "en") -> None:
    """The verdict table, each failure in full, gas per operation, and the overall verdict."""
    words = console_words(lang)
    _ = words._
    row_headers, gas_headers = _headers(words)
    table = Table(title=escape(_title(words, data)))
    for i, column in enumerate(row_headers):
        table.add_column(column, justify="right" if i == 3 else "left")
    for row in data["rows"]:
        verdict = f"[green]{_verdict(words, 'holds')}[/green]" if row["verdict"] == "holds" else \
            f"[bold red]{_verdict(words, 'fails')}[/bold red]"
        shown = row["property"] if row["verdict"] != "holds" or row["kind"] == "scenario" else \
            row["property"][:60] + "…"
        table.add_row(escape(row["check"]), verdict, escape(shown), f"{row['seconds']:.1f}")
    console.print(table)
    for row in data["rows"]:
        if row["verdict"] == "holds":
            continue
        console.print(f"\n[bold red]{escape(row['check'])}: {escape(row['property'])}[/bold red]\n"
                      f"{escape(row['detail'])}")
        if row["counterexample"]:
            console.print(_("smallest failing sequence:"))
            for step in row["counterexample"]:
                console.print(f"  {step}", markup=False)
    gas = Table(title=_("gas per operation (mean of successful calls in the scenarios)"))
    for i, column in enumerate(gas_headers):
        gas.add_column(column, justify="left" if i == 0 else "right")
    for g in data["gas"]:
        gas.add_row(*_gas_cells(words, g))
    console.print(gas)
    if data["verdict"] == "holds":
        console.print(_("every check holds"), style="green")
    else:
        console.print(_("a check fails"), style="bold red")


def check_html(data: dict[str, Any], lang: str = "en") -> str:
    """check.html: the same tables as a page, the failing rows marked and their sequences listed."""
    words = console_words(lang)
    _, e = words._, html.escape
    row_headers, gas_headers = _headers(words)
    rows = []
    for r in data["rows"]:
        steps = "".join(f"<li><code>{e(s)}</code></li>" for s in r["counterexample"])
        cls = "ok" if r["verdict"] == "holds" else "bad"
        rows.append(f"<tr class='{cls}'><td>{e(r['check'])}</td><td>{e(_verdict(words, r['verdict']))}</td>"
                    f"<td>{e(r['property'])}</td><td>{e(r['detail'])}{'<ol>' + steps + '</ol>' if steps else ''}"
                    f"</td><td>{r['seconds']:.1f}</td></tr>")
    gas = "".join("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in _gas_cells(words, g)) + "</tr>"
                  for g in data["gas"])
    title = f"{_title(words, data)}: {_verdict(words, data['verdict'])}"
    head = (row_headers[:3] + [_("why, and the smallest failing sequence")] + row_headers[3:])
    deep = " · " + _("deep search") if data["deep"] else ""
    gas_title = _("Gas per operation")
    return (f"<!doctype html><html lang='{e(words.code)}'><head><meta charset='utf-8'><title>{e(title)}</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
            "td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}"
            "tr.bad td{background:#fde8e8}tr.ok td:nth-child(2){color:#186a1e}code{font-size:90%}</style></head>"
            f"<body><h1>{e(title)}</h1><p>{e(data['directory'])}"
            f"{e(deep)} · {data['seconds']} s</p><table><tr>"
            + "".join(f"<th>{e(h)}</th>" for h in head) + f"</tr>{''.join(rows)}</table>"
            f"<h2>{e(gas_title)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in gas_headers)
            + f"</tr>{gas}</table></body></html>\n")
