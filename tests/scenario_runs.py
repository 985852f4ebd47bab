"""Every built-in scenario run once per test session at its test scale, with its report in both languages.

Shared by the timeline, report and report-CLI tests (imported as a sibling module, like
``contract_testkit``). The runs go in parallel worker processes; each worker also writes the run's
reports, English and Chinese, with every warning (a missing glyph among them) turned into an error.

    runs = session_runs(tmp_path_factory)       # scenario name -> SessionRun
    runs["edu_abscond"].dir                     # journal.jsonl, summary.json (no report)
    runs["edu_abscond"].report_dir["zh"]        # a copy of the run with report.html and charts/
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecny_sim.run import scenario as scenarios

LANGS = ("en", "zh")


@dataclass
class SessionRun:
    name: str
    dir: Path
    report_dir: dict[str, Path]
    report_error: dict[str, str]  # lang -> the error writing its report raised ("" if none)
    warned: dict[str, list[str]]  # lang -> lines the report writer warned with (e.g. no CJK font)

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.dir / "summary.json").read_text(encoding="utf-8"))


def _run_one(name: str, base: str) -> dict[str, Any]:
    from ecny_sim.pilot import run_scenario
    from ecny_sim.show.report import write_report

    scenario = scenarios.load(name)
    run_dir = Path(base) / "runs" / name
    result = run_scenario(scenario, scenario.params(test_scale=True), 1, run_dir)
    out: dict[str, Any] = {"exit_code": result.exit_code, "errors": {}, "warned": {}}
    for lang in LANGS:
        copy = Path(base) / lang / name
        copy.mkdir(parents=True)
        for file in ("journal.jsonl", "summary.json"):
            shutil.copy2(run_dir / file, copy / file)
        warned: list[str] = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                write_report(copy, lang, warn=warned.append)
            out["errors"][lang] = ""
        except Exception as exc:  # reported by the tests, one per scenario and language
            out["errors"][lang] = f"{type(exc).__name__}: {exc}"
        out["warned"][lang] = warned
    return out


_runs: dict[str, SessionRun] = {}


def session_runs(tmp_path_factory) -> dict[str, SessionRun]:
    if _runs:
        return _runs
    base = tmp_path_factory.mktemp("scenario-runs")
    names = scenarios.builtin_names()
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork (Windows): one at a time
        context = None
    if context is None:
        results = [_run_one(n, str(base)) for n in names]
    else:
        workers = max(1, min(len(names), os.cpu_count() or 1))
        # Longest first, so the slow ones do not end up last on one worker.
        order = sorted(names, key=lambda n: ("luohu" not in n, "abscond" not in n, "refund_run" not in n))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            done = dict(zip(order, pool.map(_run_one, order, [str(base)] * len(order))))
        results = [done[n] for n in names]
    for name, result in zip(names, results):
        assert result["exit_code"] == 0, f"{name} exited {result['exit_code']}"
        _runs[name] = SessionRun(name, base / "runs" / name, {lang: base / lang / name for lang in LANGS},
                                 result["errors"], result["warned"])
    return _runs
