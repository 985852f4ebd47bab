"""A run's report: one self-contained HTML file in English or Chinese, with its charts.

    write_report("runs/edu_abscond-seed1", lang="zh")    # -> runs/edu_abscond-seed1/report.html

The file embeds its charts as base64 PNG and its CSS inline; it loads nothing (no script, no web font, no
URL), so it opens offline in any browser. The same charts are written beside it as
``charts/*.png``. Everything in it is read from the run's journal (the money over time, institutions,
campaigns, refusals) and summary.json (totals, comparison, alerts, invariants); times are Beijing time.
Nothing depends on the wall clock: the same run gives the same report, byte for byte.
"""

from __future__ import annotations

import base64
import html
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from . import charts
from ..domain.money import fmt_fen
from .report_text import LANGS, TOTALS, Text
from ..run.scenario import BadInput
from ..read.timeline import FLOWS, Timeline, open_run

MAX_REFUSAL_ROWS = 50
MODEL_ORDER = ("unsupervised", "risk_deposit", "escrow")
MEASURE_ORDER = ("paid_in_fen", "released_fen", "refunded_fen", "parent_loss_fen")


@dataclass
class Chart:
    name: str  # file name without .png
    title: str
    png: bytes
    note: str = ""


def _warn_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def write_report(run_dir: str | Path, lang: str = "en", *, warn: Callable[[str], None] | None = None) -> Path:
    """Writes ``report.html`` and ``charts/*.png`` into the run's directory and returns the report's path.

    Bad input (no such directory, no journal, a journal cut off mid-line, an unknown language) raises
    ``BadInput`` (``BadJournal`` for the journal's faults) with a one-line message, before anything is
    written. With ``lang="zh"`` and no CJK font installed, the report is still written (charts with English
    labels) and ``warn`` gets one line saying how to install one.
    """
    if lang not in LANGS:
        raise BadInput(f"unknown language {lang!r}; choose one of: {', '.join(LANGS)}")
    path = Path(run_dir)
    run, summary, timeline = open_run(path)
    text = Text(lang)
    chart_text, families = text, (charts.BASE_FAMILY,)
    if lang == "zh":
        cjk = charts.cjk_font()
        if cjk is None:
            (warn or _warn_stderr)(
                f"warning: no Chinese font found, so the report's charts use English labels; install one with "
                f"`{charts.CJK_INSTALL_HINT}` and run `ecny-sim report` again")
            chart_text = Text("en")
        else:
            families = (cjk, charts.BASE_FAMILY)
    made = build_charts(timeline, summary, chart_text, families)
    page = render_html(run.header, timeline, summary, text, made, journal_name=run.path.name,
                       journal_lines=1 + len(run.txs) + (1 if run.end else 0))
    out_dir = run.path.parent
    chart_dir = out_dir / "charts"
    chart_dir.mkdir(exist_ok=True)
    for chart in made:
        (chart_dir / f"{chart.name}.png").write_bytes(chart.png)
    report = out_dir / "report.html"
    report.write_text(page, encoding="utf-8")
    return report


# ---------------------------------------------------------------------------------------------- charts


def build_charts(tl: Timeline, summary: dict[str, Any] | None, text: Text,
                 families: Sequence[str] = (charts.BASE_FAMILY,)) -> list[Chart]:
    labels = charts.Labels(_chart_words(tl, summary, text), tuple(families), zh=text.zh)
    made: list[Chart] = []
    if tl.points:
        times = [p.time for p in tl.points]
        series = {k: [p.flow(k) for p in tl.points] for k in FLOWS}
        series = {k: v for k, v in series.items() if k == "locked" or any(v)}
        made.append(Chart("money_over_time", text["s_money"], charts.money_over_time(times, series, labels),
                          text["money_explained"]))
        groups = [g for g in tl.groups if any(p.balance_by_group.get(g, 0) for p in tl.points)]
        if groups:
            balances = {g: [p.balance_by_group.get(g, 0) for p in tl.points] for g in groups}
            locked = {g: [p.locked_by_group.get(g, 0) for p in tl.points] for g in groups}
            made.append(Chart("balances_by_group", text["s_groups"],
                              charts.balances_by_group(times, balances, locked, labels), text["groups_explained"]))
    if tl.institutions:
        several = len({x.contract for x in tl.institutions}) > 1
        rows = [f"{r.institution}\n{labels['model_' + r.contract]}" if several else r.institution
                for r in tl.institutions]
        parts = {"released": [r.released_fen for r in tl.institutions],
                 "refunded": [r.refunded_fen for r in tl.institutions],
                 "locked": [r.locked_fen for r in tl.institutions]}
        made.append(Chart("institutions", text["s_institutions"],
                          charts.stacked_bars(rows, parts, labels, labels["chart_institutions"])))
    if tl.campaigns:
        rows = [c.contract for c in tl.campaigns]
        parts = {"with_merchants": [c.with_merchants_fen for c in tl.campaigns],
                 "returned": [c.returned_to_funder_fen for c in tl.campaigns],
                 "unspent": [c.unspent_fen for c in tl.campaigns]}
        made.append(Chart("campaigns", text["s_campaigns"],
                          charts.stacked_bars(rows, parts, labels, labels["chart_campaigns"])))
    comparison = (summary or {}).get("comparison")
    if comparison:
        models = _models(comparison)
        keys = _measures(comparison[models[0]])
        measures = {k.removesuffix("_fen"): [comparison[m].get(k, 0) for m in models] for k in keys}
        made.append(Chart("comparison", text["s_comparison"], charts.comparison(models, measures, labels)))
    return made


def _chart_words(tl: Timeline, summary: dict[str, Any] | None, text: Text) -> dict[str, str]:
    words = {k: v for k, v in text.words.items()}
    for g in tl.groups:
        words[f"group_{g}"] = text.group(g)
    for label in {r.contract for r in tl.institutions} | set((summary or {}).get("comparison") or {}):
        words[f"model_{label}"] = text.model(label)
    return words


def _measures(row: dict[str, Any]) -> list[str]:
    first = [k for k in MEASURE_ORDER if k in row]
    return first + [k for k in row if k not in first]


def _models(comparison: dict[str, Any]) -> list[str]:
    return [m for m in MODEL_ORDER if m in comparison] + [m for m in comparison if m not in MODEL_ORDER]


# ---------------------------------------------------------------------------------------------- html

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


def _list(items: Sequence[str], text: Text) -> str:
    if len(items) <= 1:
        return "".join(items)
    if text.zh:
        return "、".join(items[:-1]) + "和" + items[-1]
    return ", ".join(items[:-1]) + f" {text['and']} " + items[-1]


def _param_value(key: str, value: Any) -> str:
    if key.endswith("_fen") and isinstance(value, int) and not isinstance(value, bool):
        return fmt_fen(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _n(t: Text, count: int, one: str, many: str) -> str:
    """A count in a sentence: "1 grant", "24 grants" in English; the bare number in Chinese (its unit is in the
    sentence)."""
    return f"{count:,}" if t.zh else f"{count:,} {one if count == 1 else many}"


def _subsidy_sentences(totals: dict[str, int], counts: dict[str, int], t: Text) -> list[str]:
    """What happened to a run's grant, conditional-payment and wage money, from summary.json's totals."""
    m, out, sp = t.money, [], ("" if t.zh else " ")
    if "budget_fen" in totals:
        line = t["grants"].format(
            budget=m(totals["budget_fen"]), grants=_n(t, counts.get("grants", 0), "grant", "grants"),
            paid=m(totals.get("paid_to_firms_fen", 0)),
            tranches=_n(t, counts.get("tranches_paid", 0), "tranche payment", "tranche payments"),
            spent=m(totals.get("grant_spent_fen", 0)),
            payments=_n(t, counts.get("grant_payments", 0), "payment", "payments"),
            unspent=m(totals.get("grant_unspent_fen", 0)))
        if totals.get("cancelled_fen"):
            line += sp + t["grants_cancelled"].format(cancelled=m(totals["cancelled_fen"]))
        if counts.get("clawbacks"):
            line += sp + t["grants_clawback"].format(
                clawbacks=_n(t, counts["clawbacks"], "clawback", "clawbacks"), owed=m(totals.get("owed_fen", 0)),
                principal=m(totals.get("principal_fen", 0)), interest=m(totals.get("interest_fen", 0)),
                returned=m(totals.get("returned_unspent_fen", 0)), withheld=m(totals.get("withheld_fen", 0)),
                repaid=m(totals.get("repaid_fen", 0)), outstanding=m(totals.get("outstanding_fen", 0)))
        out.append(line)
    if "conditional_created_fen" in totals:
        out.append(t["conditional"].format(
            n=_n(t, counts.get("conditional_payments", 0), "conditional payment", "conditional payments"),
            created=m(totals["conditional_created_fen"]), released=m(totals.get("conditional_released_fen", 0)),
            returned=m(totals.get("conditional_returned_fen", 0)), pending=m(totals.get("conditional_pending_fen", 0)),
            disputes=counts.get("conditional_disputes", 0)))
    if "wages_funded_fen" in totals:
        out.append(t["wages"].format(
            runs=_n(t, counts.get("pay_runs", 0), "pay run", "pay runs"), funded=m(totals["wages_funded_fen"]),
            paid=m(totals.get("wages_paid_fen", 0)), count=_n(t, counts.get("wages_paid", 0), "wage", "wages"),
            returned=m(totals.get("wages_returned_fen", 0)), pending=m(totals.get("wages_pending_fen", 0))))
    return out


def render_html(header: dict[str, Any], tl: Timeline, summary: dict[str, Any] | None, text: Text,
                made: Sequence[Chart], *, journal_name: str = "journal.jsonl", journal_lines: int = 0) -> str:
    s = summary or {}
    scenario = s.get("scenario") or header.get("scenario", "?")
    title = text.title(scenario, s.get("title") or scenario)
    params = s.get("params") or header.get("params") or {}
    totals: dict[str, int] = s.get("totals") or {}
    counts: dict[str, int] = s.get("counts") or {}
    chart = {c.name: c for c in made}
    t = text
    out: list[str] = []

    # -- header
    outcome = s.get("outcome") if tl.complete else None
    if not tl.complete:
        badge = f'<span class="badge warn">{_e(t["incomplete"])}</span>'
    elif outcome == "ok":
        badge = f'<span class="badge ok">{_e(t.outcome("ok"))}</span>'
    else:
        badge = f'<span class="badge bad">{_e(t.outcome(str(outcome)))}</span>'
    out.append(f'<header><div class="kicker">ecny-sim · {_e(t["report"])}</div><h1>{_e(title)}</h1>'
               f'<div class="meta">{_e(t["scenario"])} <code>{_e(scenario)}</code> · {_e(t["seed"])} '
               f'{_e(header.get("seed"))} · {badge}</div></header>')

    # -- what happened
    para: list[str] = [_e(t["intro"].format(title=title.rstrip("。."))),
                       t["span"].format(name=_e(scenario), seed=_e(header.get("seed")), n=len(tl.points),
                                        start=_e(t.time(tl.start)), end=_e(t.time(tl.end)))]
    if not tl.complete:
        para.append(_e(t["outcome_incomplete"].format(n=len(tl.points))))
    elif outcome == "ok":
        para.append(_e(t["outcome_ok"]))
    elif outcome:
        para.append(t["outcome_failed"].format(outcome=_e(t.outcome(str(outcome))), message=_e(s.get("message", ""))))
    if summary is None:
        para.append(_e(t["no_summary"]))
    sentences = [("" if t.zh else " ").join(para)]
    if tl.institutions:
        rows = tl.institutions
        paid = sum(r.paid_in_fen for r in rows)
        names = sorted({r.institution for r in rows})
        inst = names[0] if len(names) == 1 else (f"{len(names)} 家机构" if t.zh else f"{len(names)} institutions")
        line = t["prepaid"].format(paid=t.money(paid), orders=sum(r.orders for r in rows), institutions=inst,
                                   released=t.money(sum(r.released_fen for r in rows)),
                                   refunded=t.money(sum(r.refunded_fen for r in rows)),
                                   locked=t.money(sum(r.locked_fen for r in rows)))
        lessons = sum(r.lessons_released for r in rows if r.escrow)
        if lessons:
            line += ("" if t.zh else " ") + t["prepaid_lessons"].format(lessons=lessons)
        frozen = sorted({r.institution for r in rows if r.status == "Frozen"})
        if frozen:
            line += ("" if t.zh else " ") + t["frozen"].format(names=_list(frozen, t))
        sentences.append(_e(line))
    for c in tl.campaigns:
        line = t["campaign"].format(funder=c.funder, funded=t.money(c.funded_fen), campaign=c.contract,
                                    start=t.time(c.start), end=t.time(c.expiry), claims=c.claims,
                                    claimed=t.money(c.claimed_fen), payments=c.payments,
                                    spent=t.money(c.spent_from_packets_fen), own=t.money(c.own_money_spent_fen),
                                    merchants=c.merchants)
        swept = t["campaign_swept"].format(swept=t.money(c.swept_fen), unclaimed=t.money(c.swept_unclaimed_fen),
                                           unspent=t.money(c.swept_unspent_fen)) if c.swept_fen else ""
        line += ("" if t.zh else " ") + t["campaign_back"].format(
            returned=t.money(c.returned_to_funder_fen), swept_part=swept, refunded=t.money(c.refunded_to_buyers_fen),
            unspent=t.money(c.unspent_fen))
        sentences.append(_e(line))
    sentences.extend(_e(line) for line in _subsidy_sentences(totals, counts, t))
    comparison = s.get("comparison")
    if comparison:
        models = _models(comparison)
        losses = [t["comparison_item"].format(loss=t.money(comparison[m].get("parent_loss_fen", 0)),
                                              model=t.model(m)) for m in models]
        sentences.append(_e(t["comparison"].format(n=len(models), losses=_list(losses, t))))
    if tl.refusals:
        sentences.append(_e(t["refusals"].format(n=len(tl.refusals), expected=counts.get("expected_refusals", 0))))
    alerts = s.get("alerts") or []
    sentences.append(_e(t["alerts_n"].format(n=len(alerts)) if alerts else t["alerts_none"]))
    sentences.append(_e(t["issued"].format(issued=t.money(tl.final("issued")),
                                           redeemed=t.money(tl.final("redeemed")))))
    out.append(f'<section id="what-happened"><h2>{_e(t["s_what_happened"])}</h2>'
               + "".join(f"<p>{p}</p>" for p in sentences) + "</section>")

    # -- parameters and totals side by side
    param_rows = [(_e(t.param(k)), _e(_param_value(k, v))) for k, v in params.items()]
    order = {k: i for i, k in enumerate(TOTALS)}
    total_rows = [(_e(t.total(k)), _e(fmt_fen(v)))
                  for k, v in sorted(totals.items(), key=lambda kv: order.get(kv[0], len(order)))]
    if not totals and tl.points:  # no summary: the journal's own totals
        total_rows = [(_e(t[f"flow_{k}"]), _e(fmt_fen(tl.final(k)))) for k in FLOWS]
    count_rows = [(_e(t.count(k)), _e(f"{v:,}")) for k, v in counts.items() if v]
    out.append('<div class="cols">'
               f'<section id="parameters"><h2>{_e(t["s_parameters"])}</h2>'
               f'{_table([t["th_parameter"], t["th_value"]], param_rows, numeric=[1])}</section>'
               f'<section id="totals"><h2>{_e(t["s_totals"])}</h2>'
               f'{_table([t["th_total"], t["th_amount"]], total_rows, numeric=[1])}'
               f'{_table([t["th_count"], ""], count_rows, numeric=[1]) if count_rows else ""}</section></div>')

    # -- money over time, groups
    if "money_over_time" in chart:
        out.append(f'<section id="money"><h2>{_e(t["s_money"])}</h2>{_figure(chart["money_over_time"])}</section>')
    if "balances_by_group" in chart:
        members: dict[str, int] = {}
        for name in tl.balances:
            g = name.split(":", 1)[0] if not name.startswith("0x") else "other"
            members[g] = members.get(g, 0) + 1
        last = tl.points[-1]
        rows = [(_e(t.group(g)), _e(f"{members.get(g, 0):,}"), _e(fmt_fen(last.balance_by_group.get(g, 0))),
                 _e(fmt_fen(last.locked_by_group.get(g, 0)))) for g in tl.groups]
        heads = [t["th_group"], t["th_actors"], t["th_balance"], t["th_of_which_locked"]]
        out.append(f'<section id="groups"><h2>{_e(t["s_groups"])}</h2>{_figure(chart["balances_by_group"])}'
                   f'{_table(heads, rows, [1, 2, 3])}</section>')

    # -- institutions
    if tl.institutions:
        rows = [(_e(t.model(r.contract)), _e(r.institution), _e(t.get(f"status_{r.status}", r.status)),
                 _e(r.orders), _e(r.lessons_bought), _e(r.lessons_released if r.escrow else r.lessons_delivered),
                 _e(fmt_fen(r.paid_in_fen)), _e(fmt_fen(r.released_fen)), _e(fmt_fen(r.refunded_fen)),
                 _e(fmt_fen(r.locked_fen))) for r in tl.institutions]
        heads = [t["th_contract"], t["th_institution"], t["th_status"], t["th_orders"], t["th_lessons_bought"],
                 t["th_lessons_paid"], t["th_paid_in"], t["th_released"], t["th_refunded"], t["th_locked"]]
        out.append(f'<section id="institutions"><h2>{_e(t["s_institutions"])}</h2>'
                   f'{_table(heads, rows, range(3, 10))}{_figure(chart["institutions"])}</section>')

    # -- campaigns
    if tl.campaigns:
        rows = [(_e(c.contract), _e(c.funder), _e(f"{t.time(c.start)} – {t.time(c.expiry)}"), _e(fmt_fen(c.funded_fen)),
                 _e(f"{c.claims:,} · {fmt_fen(c.claimed_fen)}"), _e(f"{c.payments:,}"), _e(f"{c.merchants:,}"),
                 _e(fmt_fen(c.spent_from_packets_fen)), _e(fmt_fen(c.own_money_spent_fen)),
                 _e(fmt_fen(c.refunded_to_buyers_fen)), _e(fmt_fen(c.returned_to_funder_fen)),
                 _e(f"{fmt_fen(c.swept_unclaimed_fen)} + {fmt_fen(c.swept_unspent_fen)}"), _e(fmt_fen(c.unspent_fen)))
                for c in tl.campaigns]
        heads = [t["th_campaign"], t["th_funder"], t["th_valid"], t["th_funded"], t["th_claimed"], t["th_payments"],
                 t["th_merchants"], t["th_packet_spent"], t["th_own_spent"], t["th_refunded_buyers"],
                 t["th_returned"], t["th_swept"], t["th_unspent"]]
        out.append(f'<section id="campaigns"><h2>{_e(t["s_campaigns"])}</h2>'
                   f'{_table(heads, rows, range(3, 13))}{_figure(chart["campaigns"])}</section>')

    # -- comparison
    if comparison:
        models = _models(comparison)
        keys = _measures(comparison[models[0]])
        rows = [[_e(t.model(m))] + [_e(fmt_fen(comparison[m].get(k, 0))) for k in keys] for m in models]
        heads = [t["th_model"]] + [t.get("measure_" + k.removesuffix("_fen"), k) for k in keys]
        out.append(f'<section id="comparison"><h2>{_e(t["s_comparison"])}</h2>{_figure(chart["comparison"])}'
                   f'{_table(heads, rows, range(1, len(keys) + 1))}</section>')

    # -- alerts
    if alerts:
        rows = []
        for a in alerts:
            kind, message = t.alert(a)
            rows.append((_e(t.time(a.get("time"), seconds=True)) if isinstance(a.get("time"), int) else "—",
                         _e(kind), _e(a.get("subject", "")), _e(message)))
        body = _table([t["th_time"], t["th_kind"], t["th_subject"], t["th_message"]], rows)
    else:
        body = f'<p>{_e(t["alerts_none"])}</p>'
    out.append(f'<section id="alerts"><h2>{_e(t["s_alerts"])}</h2>{body}</section>')

    # -- refusals
    if tl.refusals:
        shown = tl.refusals[:MAX_REFUSAL_ROWS]
        rows = [(_e(t.time(r.time, seconds=True)), _e(r.actor), f"<code>{_e(r.contract)}.{_e(r.function)}</code>",
                 f"<code>{_e(r.text or r.error)}</code>") for r in shown]
        more = (f'<p class="meta">{_e(t["more_rows"].format(n=len(tl.refusals) - len(shown)))}</p>'
                if len(tl.refusals) > len(shown) else "")
        out.append(f'<section id="refusals"><h2>{_e(t["s_refusals"])}</h2>'
                   f'{_table([t["th_time"], t["th_actor"], t["th_call"], t["th_error"]], rows)}{more}</section>')

    # -- invariants
    invariants: dict[str, bool] = s.get("invariants") or {}
    if invariants:
        names = list(invariants)
        rows = [(f'<span class="{"yes" if ok else "no"}">{_e(t["yes"] if ok else t["no"])}</span>',
                 _e(t.invariant(name))) for name, ok in invariants.items()]
        table = _table([t["th_holds"], t["th_invariant"]], rows,
                       row_class=lambda i: "" if invariants[names[i]] else "bad")
        out.append(f'<section id="invariants"><h2>{_e(t["s_invariants"])}</h2>{table}</section>')

    # -- about
    about = t["about"].format(journal=journal_name, lines=journal_lines, hash=s.get("final_state_hash", "—"),
                              chain=s.get("chain_id", "—"), charts="charts/*.png")
    out.append(f'<footer id="about"><b>{_e(t["s_about"])}.</b> {_e(about)}</footer>')

    return ("<!DOCTYPE html>\n"
            f'<html lang="{t["html_lang"]}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)} · ecny-sim</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(out) + "\n</main>\n</body>\n</html>\n")


__all__ = ["write_report", "build_charts", "render_html", "Chart"]
