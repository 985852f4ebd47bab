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

from typing import Any

from .page import Chart, render_html
from .words import ReportWords, languages

__all__ = ["write_report", "build_charts", "render_html", "Chart", "ReportWords", "languages"]

#: Loaded on first use: ``write`` draws with matplotlib, which the console's own tables (show.terminal reads
#: ``story`` and ``words``) and the commands that draw nothing must not pay for.
_FROM_WRITE = ("build_charts", "write_report")


def __getattr__(name: str) -> Any:
    if name not in _FROM_WRITE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import write

    value = getattr(write, name)
    globals()[name] = value
    return value
