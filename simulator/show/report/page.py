"""The report's page: one HTML file, its CSS inline and its charts embedded (base64 PNG), nothing loaded from
anywhere. ``render_html`` lays out the sections; their words come from ``ReportWords``, the "What happened"
sentences from story.py."""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from ...domain.money import fmt_fen
from ...read.timeline import FLOWS, Timeline
from .names import TOTALS
from .story import models, what_happened
from .words import ReportWords

MAX_REFUSAL_ROWS = 50
MEASURE_ORDER = ("paid_in_fen", "released_fen", "refunded_fen", "parent_loss_fen")


@dataclass
class Chart:
    name: str  # file name without .png
    title: str
    png: bytes
    note: str = ""


def measures(row: dict[str, Any]) -> list[str]:
    """A comparison row's measures, the pilot's four in their order first."""
    first = [k for k in MEASURE_ORDER if k in row]
    return first + [k for k in row if k not in first]


CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f8; color: #1d2733;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC",
  "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
header { border-bottom: 3px solid #c8372d; margin-bottom: 18px; padding-bottom: 10px; }
header .kicker { color: #c8372d; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; font-size: 12px; }
h1 { font-size: 25px; margin: 4px 0 6px; line-height: 1.3; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #dde3e8; }
p { margin: 8px 0; }
.key { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11px; color: #58636e; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px;
  background: #eef1f4; padding: 1px 4px; border-radius: 3px; }
.meta { color: #58636e; font-size: 13px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 13px; font-weight: 600; }
.badge.ok { background: #e3f4e8; color: #1f7a3b; }
.badge.bad { background: #fbe4e2; color: #a8261c; }
.badge.warn { background: #fff1d6; color: #8a5a00; }
figure { margin: 14px 0 18px; }
figure img { width: 100%; height: auto; border: 1px solid #e3e7eb; border-radius: 4px; }
figcaption { color: #58636e; font-size: 13px; margin-top: 4px; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e3e7eb; vertical-align: top; }
th { background: #f0f3f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.bad td { background: #fdf0ef; }
.yes { color: #1f7a3b; font-weight: 600; }
.no { color: #a8261c; font-weight: 700; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 0 24px; }
@media (max-width: 760px) { .cols { grid-template-columns: 1fr; } main { padding: 14px; } }
footer { margin-top: 34px; color: #58636e; font-size: 12px; border-top: 1px solid #dde3e8; padding-top: 10px; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = (),
           row_class: Callable[[int], str] | None = None) -> str:
    numeric = set(numeric)
    head = "".join(f'<th class="num">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
                   for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        cls = row_class(r) if row_class else ""
        cells = "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _figure(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    note = f"<figcaption>{_e(chart.note)}</figcaption>" if chart.note else ""
    return (f'<figure><img alt="{_e(chart.title)}" src="data:image/png;base64,{data}">{note}</figure>')


def _param_value(key: str, value: Any, w: ReportWords) -> str:
    """A parameter's value: fen as money (a list of them too), whole numbers grouped, the rest as given."""
    if key.endswith("_fen") and isinstance(value, list) and all(isinstance(v, int) for v in value):
        return w.p_("list", ", ").join(fmt_fen(v) for v in value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return fmt_fen(value) if key.endswith("_fen") else w.number(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _param_name(key: str, w: ReportWords) -> str:
    """A parameter as a label in words (with its unit), and its key below it in small type; a parameter no
    table knows as its key."""
    name = w.param(key)
    key_html = f'<span class="key">{_e(key)}</span>'
    return f"{_e(name)}<br>{key_html}" if name else key_html


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(heading)}</h2>{body}</section>'


def render_html(header: dict[str, Any], tl: Timeline, summary: dict[str, Any] | None, w: ReportWords,
                made: Sequence[Chart], *, journal_name: str = "journal.jsonl", journal_lines: int = 0,
                journal_hash: str = "", run_name: str = "", runs_folder: str = "") -> str:
    """``run_name``/``runs_folder``: the run's folder's name and its parent's, for the line that opens the run in
    the explorer (names only, never a path: the same run gives the same report wherever it is written)."""
    s = summary or {}
    scenario = s.get("scenario") or header.get("scenario", "?")
    title = w.title(scenario, s.get("title") or scenario)
    chart = {c.name: c for c in made}
    story = "".join(f"<p>{p}</p>" for p in what_happened(header, tl, summary, title, w))
    out = [_header(header, tl, s, scenario, title, w), _section("what-happened", w._("What happened"), story),
           _parameters_and_totals(header, tl, s, w)]
    if "money_over_time" in chart:
        out.append(_section("money", w._("Money over time"), _figure(chart["money_over_time"])))
    if "balances_by_group" in chart:
        out.append(_groups(tl, chart["balances_by_group"], w))
    if tl.institutions:
        out.append(_institutions(tl, chart["institutions"], w))
    if tl.campaigns:
        out.append(_campaigns(tl, chart["campaigns"], w))
    if s.get("comparison"):
        out.append(_comparison(s["comparison"], chart["comparison"], w))
    out.append(_alerts(s.get("alerts") or [], w))
    if tl.refusals:
        out.append(_refusals(tl, w))
    if s.get("invariants"):
        out.append(_invariants(s["invariants"], w))
    out.append(_about(s, journal_name, journal_lines, journal_hash, w, _explorer(run_name, runs_folder, w)))
    return ("<!DOCTYPE html>\n"
            f'<html lang="{w.html_lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)} · ecny-sim</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(out) + "\n</main>\n</body>\n</html>\n")


def _header(header: dict[str, Any], tl: Timeline, s: dict[str, Any], scenario: str, title: str,
            w: ReportWords) -> str:
    outcome = s.get("outcome") if tl.complete else None
    if not tl.complete:
        # TRANSLATORS: a badge: the run's journal has no end line
        badge = ("warn", w._("incomplete"))
    else:
        badge = ("ok" if outcome == "ok" else "bad", w.outcome(str(outcome)))
    kicker, named = _e(w._("Run report")), _e(w._("Scenario"))
    # TRANSLATORS: the random seed the run was made with ("seed 1")
    seed = _e(w._("seed"))
    return (f'<header><div class="kicker">ecny-sim · {kicker}</div><h1>{_e(title)}</h1>'
            f'<div class="meta">{named} <code>{_e(scenario)}</code> · {seed} {_e(header.get("seed"))} · '
            f'<span class="badge {badge[0]}">{_e(badge[1])}</span></div></header>')


def _parameters_and_totals(header: dict[str, Any], tl: Timeline, s: dict[str, Any], w: ReportWords) -> str:
    params = s.get("params") or header.get("params") or {}
    totals: dict[str, int] = s.get("totals") or {}
    counts: dict[str, int] = s.get("counts") or {}
    param_rows = [(_param_name(k, w), _e(_param_value(k, v, w))) for k, v in params.items()]
    order = {k: i for i, k in enumerate(TOTALS)}
    total_rows = [(_e(w.total(k)), _e(fmt_fen(v)))
                  for k, v in sorted(totals.items(), key=lambda kv: order.get(kv[0], len(order)))]
    if not totals and tl.points:  # no summary: the journal's own totals
        total_rows = [(_e(w.flow(k)), _e(fmt_fen(tl.final(k)))) for k in FLOWS]
    count_rows = [(_e(w.count(k)), _e(w.number(v))) for k, v in counts.items() if v]
    counted = _table([w._("count"), ""], count_rows, numeric=[1]) if count_rows else ""
    parameters = _section("parameters", w._("Parameters"),
                          _table([w._("parameter"), w._("value")], param_rows, numeric=[1]))
    summed = _section("totals", w._("Key totals (read from the chain)"),
                      _table([w._("total"), w._("amount")], total_rows, numeric=[1]) + counted)
    return f'<div class="cols">{parameters}{summed}</div>'


def _groups(tl: Timeline, figure: Chart, w: ReportWords) -> str:
    members: dict[str, int] = {}
    for name in tl.balances:
        g = name.split(":", 1)[0] if not name.startswith("0x") else "other"
        members[g] = members.get(g, 0) + 1
    last = tl.points[-1]
    rows = [(_e(w.group(g)), _e(w.number(members.get(g, 0))), _e(fmt_fen(last.balance_by_group.get(g, 0))),
             _e(fmt_fen(last.locked_by_group.get(g, 0)))) for g in tl.groups]
    heads = [w._("group"), w._("actors"), w._("balance at the end"), w._("of which locked")]
    return _section("groups", w._("Balances by actor group"), _figure(figure) + _table(heads, rows, [1, 2, 3]))


def _institutions(tl: Timeline, figure: Chart, w: ReportWords) -> str:
    rows = [(_e(w.model(r.contract)), _e(r.institution), _e(w.status(r.status)), _e(w.number(r.orders)),
             _e(w.number(r.lessons_bought)), _e(w.number(r.lessons_released if r.escrow else r.lessons_delivered)),
             _e(fmt_fen(r.paid_in_fen)),
             _e(fmt_fen(r.released_fen)), _e(fmt_fen(r.refunded_fen)), _e(fmt_fen(r.locked_fen)))
            for r in tl.institutions]
    # TRANSLATORS: a column: the supervision model of an institution's prepaid fees
    heads = [w._("supervision"), w._("institution"), w._("status"), w.p_("column", "orders"), w._("lessons bought"),
             w._("lessons paid out"), w._("paid in"), w._("released"), w.p_("column", "refunded"),
             w._("still locked")]
    return _section("institutions", w._("Institutions"), _table(heads, rows, range(3, 10)) + _figure(figure))


def _campaigns(tl: Timeline, figure: Chart, w: ReportWords) -> str:
    rows = [(_e(c.contract), _e(c.funder), _e(f"{w.time(c.start)} – {w.time(c.expiry)}"), _e(fmt_fen(c.funded_fen)),
             _e(f"{w.number(c.claims)} · {fmt_fen(c.claimed_fen)}"), _e(w.number(c.payments)),
             _e(w.number(c.merchants)),
             _e(fmt_fen(c.spent_from_packets_fen)), _e(fmt_fen(c.own_money_spent_fen)),
             _e(fmt_fen(c.refunded_to_buyers_fen)), _e(fmt_fen(c.returned_to_funder_fen)),
             _e(f"{fmt_fen(c.swept_unclaimed_fen)} + {fmt_fen(c.swept_unspent_fen)}"), _e(fmt_fen(c.unspent_fen)))
            for c in tl.campaigns]
    heads = [w._("campaign"), w._("funder"), w._("valid"), w._("funded"), w._("claimed"), w._("payments"),
             w.p_("column", "merchants"), w._("packet money spent"), w._("own money spent"), w._("refunded to buyers"),
             w._("returned to the funder"), w._("swept (unclaimed + unspent)"), w._("still in packets")]
    return _section("campaigns", w._("Red-packet campaigns"), _table(heads, rows, range(3, 13)) + _figure(figure))


def _comparison(comparison: dict[str, Any], figure: Chart, w: ReportWords) -> str:
    compared = models(comparison)
    keys = measures(comparison[compared[0]])
    rows = [[_e(w.model(m))] + [_e(fmt_fen(comparison[m].get(k, 0))) for k in keys] for m in compared]
    heads = [w._("model")] + [w.measure(k.removesuffix("_fen"), k) for k in keys]
    return _section("comparison", w._("Supervision models side by side"),
                    _figure(figure) + _table(heads, rows, range(1, len(keys) + 1)))


def _alerts(alerts: list[dict[str, Any]], w: ReportWords) -> str:
    if alerts:
        rows = []
        for a in alerts:
            kind, message = w.alert(a)
            rows.append((_e(w.time(a.get("time"), seconds=True)) if isinstance(a.get("time"), int) else "—",
                         _e(kind), _e(a.get("subject", "")), _e(message)))
        # TRANSLATORS: columns of the alerts' table: when, which alert, about whom, what it says
        body = _table([w._("time (Beijing)"), w._("alert"), w._("about"), w._("what")], rows)
    else:
        body = "<p>" + _e(w._("No alerts were raised during the run.")) + "</p>"
    return _section("alerts", w._("Alerts"), body)


def _refusals(tl: Timeline, w: ReportWords) -> str:
    shown = tl.refusals[:MAX_REFUSAL_ROWS]
    rows = [(_e(w.time(r.time, seconds=True)), _e(r.actor), f"<code>{_e(r.contract)}.{_e(r.function)}</code>",
             f"<code>{_e(r.text or r.error)}</code>") for r in shown]
    more = ""
    if len(tl.refusals) > len(shown):
        more = _e(w._("… and {n} more (see journal.csv from `ecny-sim export --csv`).",
                      n=w.number(len(tl.refusals) - len(shown))))
        more = f'<p class="meta">{more}</p>'
    heads = [w._("time (Beijing)"), w._("actor"), w._("call"), w._("refused with")]
    return _section("refusals", w._("Refused transactions"), _table(heads, rows) + more)


def _invariants(invariants: dict[str, bool], w: ReportWords) -> str:
    names = list(invariants)
    # TRANSLATORS: whether an invariant holds: "yes", or "NO" in capitals to stand out
    said = {True: _e(w._("yes")), False: _e(w._("NO"))}
    rows = [(f'<span class="{"yes" if ok else "no"}">{said[bool(ok)]}</span>', _e(w.invariant(name)))
            for name, ok in invariants.items()]
    table = _table([w._("holds"), w._("invariant")], rows, row_class=lambda i: "" if invariants[names[i]] else "bad")
    return _section("invariants", w._("Invariants"), table)


def explorer_page(run_name: str) -> str:
    """The explorer's page of a run as the report names it: `ecny-sim serve` links it when it serves the report."""
    return f"<code>/explorer#{_e(run_name)}</code>"


def _explorer(run_name: str, runs_folder: str, w: ReportWords) -> str:
    """One line: the command that opens this run in the explorer, and the run's page there."""
    if not run_name:
        return ""
    command = f"<code>ecny-sim serve --runs {_e(runs_folder or '.')}</code>"
    # TRANSLATORS: {command} is a command to type, {folder} a folder's name, {page} the run's page in the explorer
    line = w._("To browse this run's blocks, transactions and statements, start the explorer with {command} (from "
               "the folder that holds {folder}) and open the run's page {page}.",
               command="\x00c", folder="\x00f", page="\x00p")
    line = _e(line).replace("\x00c", command).replace("\x00f", f"<code>{_e(runs_folder or '.')}</code>")
    return '<p class="meta" id="open-in-explorer">' + line.replace("\x00p", explorer_page(run_name)) + "</p>"


def _about(s: dict[str, Any], journal_name: str, journal_lines: int, journal_hash: str, w: ReportWords,
           explorer: str = "") -> str:
    about = w._("Read from {journal} ({lines} lines) and summary.json. Final state hash {hash}. Chain id {chain}. "
                "Times are the chain's block times in Beijing time (UTC+8). Charts are also in {charts}.",
                journal=journal_name, lines=w.number(journal_lines), hash=s.get("final_state_hash", "—"),
                chain=s.get("chain_id", "—"), charts="charts/*.png")
    if journal_hash:
        # TRANSLATORS: the sha256 of the run's journal file; `ecny-sim replay --expect` is a command, keep it
        about = w.sentences([about, w._("Journal sha256 {journal_hash}: a copy of the run is the same run if its "
                                        "journal has this hash (ecny-sim replay --expect).",
                                        journal_hash=journal_hash)])
    heading = _e(w._("About this report"))
    # TRANSLATORS: the footer's heading, followed by the footer's sentences
    heading = w.p_("footer", "{heading}.", heading=heading)
    return f'<footer id="about"><b>{heading}</b> {_e(about)}{explorer}</footer>'


__all__ = ["render_html", "Chart", "measures", "explorer_page", "CSS", "MAX_REFUSAL_ROWS"]
