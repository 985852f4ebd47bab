"""A run's report: one self-contained HTML file with its charts, in any language with a catalog of the
"report" message domain (show/locale/<lang>/LC_MESSAGES/report.po; English and Chinese ship).

    write_report("runs/edu_abscond-seed1", lang="zh")    # -> runs/edu_abscond-seed1/report.html

The file embeds its charts as base64 PNG and its CSS inline; it loads nothing (no script, no web font, no
URL), so it opens offline in any browser. The same charts are written beside it as
``charts/*.png``. Everything in it is read from the run's journal (the money over time, institutions,
campaigns, refusals) and summary.json (totals, comparison, alerts, invariants); times are Beijing time.
Nothing depends on the wall clock: the same run gives the same report, byte for byte.

Modules: ``write`` (write_report, build_charts), ``page`` (the HTML), ``story`` (the "What happened"
sentences), ``words`` (ReportWords: the catalog's words in one language), ``names`` (tables of marked names
looked up by key), ``charts`` (matplotlib).
"""

from __future__ import annotations

from .page import Chart, render_html
from .words import ReportWords, languages
from .write import build_charts, write_report

__all__ = ["write_report", "build_charts", "render_html", "Chart", "ReportWords", "languages"]
