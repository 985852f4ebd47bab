"""Writing a run's report: read the run, draw its charts, lay out the page, write ``report.html`` and
``charts/*.png`` beside the journal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from ...read.timeline import FLOWS, Timeline, open_run
from ...run.folder import replace_file, replace_folder
from ...run.scenario import BadInput
from .charts import (BASE_FAMILY, CJK_INSTALL_HINT, Labels, balances_by_group, comparison, fonts_for,
                     money_over_time, stacked_bars)
from .page import Chart, measures, render_html
from .story import models
from .words import ReportWords, languages


def _warn_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def write_report(run_dir: str | Path, lang: str = "en", *, warn: Callable[[str], None] | None = None) -> Path:
    """Writes ``report.html`` and ``charts/*.png`` into the run's directory and returns the report's path.

    Bad input (no such directory, no journal, a journal cut off mid-line, a language without a report catalog)
    raises ``BadInput`` (``BadJournal`` for the journal's faults) with a one-line message, before anything is
    written. In a language written in CJK characters with no CJK font installed, the report is still written
    (charts with English labels) and ``warn`` gets one line saying how to install one.
    """
    known = languages()
    if lang not in known:
        raise BadInput(f"unknown language {lang!r}; choose one of: {', '.join(known)}")
    path = Path(run_dir)
    run, summary, timeline = open_run(path)
    words = ReportWords(lang)
    chart_words, families = words, fonts_for(words)
    if families is None:
        (warn or _warn_stderr)(
            f"warning: no Chinese font found, so the report's charts use English labels; install one with "
            f"`{CJK_INSTALL_HINT}` and run `ecny-sim report` again")
        chart_words, families = ReportWords("en"), (BASE_FAMILY,)
    made = build_charts(timeline, summary, chart_words, families)
    page = render_html(run.header, timeline, summary, words, made, journal_name=run.path.name,
                       journal_lines=1 + len(run.txs) + (1 if run.end else 0),
                       journal_hash=run.final_hash if run.complete else "", run_name=run.path.parent.resolve().name,
                       runs_folder=run.path.parent.resolve().parent.name)
    out_dir = run.path.parent
    # charts/ holds this report's charts and no earlier ones; report.html is swapped in whole
    replace_folder(out_dir / "charts", {f"{chart.name}.png": chart.png for chart in made})
    return replace_file(out_dir / "report.html", page.encode("utf-8"))


def build_charts(tl: Timeline, summary: dict[str, Any] | None, w: ReportWords,
                 families: Sequence[str] = (BASE_FAMILY,)) -> list[Chart]:
    labels = Labels(w, tuple(families))
    made: list[Chart] = []
    if tl.points:
        times = [p.time for p in tl.points]
        series = {k: [p.flow(k) for p in tl.points] for k in FLOWS}
        series = {k: v for k, v in series.items() if k == "locked" or any(v)}
        made.append(Chart("money_over_time", w._("Money over time"), money_over_time(times, series, labels),
                          w._("Locked money is earmarked in a wallet under a supervision contract, a campaign, a "
                              "grant programme, a conditional payment or a wage contract: the owner sees it but "
                              "cannot spend it freely. Released, refunded and returned are counted from the start "
                              "of the run.")))
        groups = [g for g in tl.groups if any(p.balance_by_group.get(g, 0) for p in tl.points)]
        if groups:
            balances = {g: [p.balance_by_group.get(g, 0) for p in tl.points] for g in groups}
            locked = {g: [p.locked_by_group.get(g, 0) for p in tl.points] for g in groups}
            made.append(Chart("balances_by_group", w._("Balances by actor group"),
                              balances_by_group(times, balances, locked, labels),
                              w._("Lines: each group's wallet balances (free money plus earmarks). Shaded: the "
                                  "earmarked (locked) part of them.")))
    if tl.institutions:
        several = len({x.contract for x in tl.institutions}) > 1
        rows = [f"{r.institution}\n{w.model(r.contract)}" if several else r.institution for r in tl.institutions]
        parts = {"released": [r.released_fen for r in tl.institutions],
                 "refunded": [r.refunded_fen for r in tl.institutions],
                 "locked": [r.locked_fen for r in tl.institutions]}
        made.append(Chart("institutions", w._("Institutions"), stacked_bars(
            rows, parts, labels, w._("Where the prepaid fees went, by institution"))))
    if tl.campaigns:
        rows = [c.contract for c in tl.campaigns]
        parts = {"with_merchants": [c.with_merchants_fen for c in tl.campaigns],
                 "returned": [c.returned_to_funder_fen for c in tl.campaigns],
                 "unspent": [c.unspent_fen for c in tl.campaigns]}
        made.append(Chart("campaigns", w._("Red-packet campaigns"), stacked_bars(
            rows, parts, labels, w._("Where the packet money went, by campaign"))))
    compare = (summary or {}).get("comparison")
    if compare:
        compared = models(compare)
        keys = measures(compare[compared[0]])
        values = {k.removesuffix("_fen"): [compare[m].get(k, 0) for m in compared] for k in keys}
        made.append(Chart("comparison", w._("Supervision models side by side"),
                          comparison(compared, values, labels)))
    return made


__all__ = ["write_report", "build_charts"]
