"""A sweep's report: ``DIR/report.html`` (charts embedded, also in ``DIR/charts/``), in the run reports' style and
words (the "report" message domain: en, zh, any language with a catalog).

It reads only what the sweep wrote: study.json, runs.parquet and summary.csv. For each measure (the study's, or
the totals and comparison figures), a chart of its mean per grid combination with the 95 % interval over the
seeds, and the table; then the runs that failed with their reasons, and links to the kept journals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..run.folder import replace_file, replace_folder
from ..run.scenario import BadInput, cut
from ..show.report.charts import BASE_FAMILY, Labels, _money_axis, _render, fonts_for
from ..show.report.page import CSS, Chart, _e, _figure, _section, _table
from ..show.report.words import ReportWords, languages
from .plan import _seeds, seeds_json
from .summary import CLIPPED, known
from .table import STUDY_FILE, read_study, shown

#: Kept journals linked from the page, at most (the table has them all).
MAX_JOURNAL_LINKS = 200
#: Charts drawn, at most (the table has every measure).
MAX_CHARTS = 6


@dataclass
class Runs:
    """What the page says about the runs, read from runs.parquet a batch at a time (a page for a million runs holds
    their counts, not their rows): how many, how many failed, and the first failed and kept ones."""

    total: int = 0
    failed_count: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path, grid: Sequence[str]) -> Runs:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        runs = cls()
        handle = pq.ParquetFile(path)
        wanted = ["point", "seed", "ok", "outcome", "message", "journal", *grid]
        columns = [c for c in dict.fromkeys(wanted) if c in handle.schema_arrow.names]
        for batch in handle.iter_batches(columns=columns, batch_size=4096):
            runs.total += batch.num_rows
            failed = batch.filter(pc.invert(pc.fill_null(batch.column("ok"), False)))
            runs.failed_count += failed.num_rows
            runs.failed += failed.slice(0, MAX_JOURNAL_LINKS - len(runs.failed)).to_pylist()
            if "journal" in columns:
                kept = batch.filter(pc.fill_null(pc.not_equal(batch.column("journal"), ""), False))
                runs.kept += kept.slice(0, MAX_JOURNAL_LINKS - len(runs.kept)).to_pylist()
        return runs


def open_sweep(folder: Path) -> tuple[dict[str, Any], Runs, list[dict[str, Any]]]:
    """The study, its runs and its summary lines; BadInput when the folder is not a finished sweep's."""
    import pyarrow.csv as pacsv

    folder = Path(folder)
    study = read_study(folder)
    if study is None:
        raise BadInput(f"{cut(str(folder), 80)} is not a sweep's folder (no {STUDY_FILE})")
    if not (folder / "runs.parquet").is_file() or not (folder / "summary.csv").is_file():
        raise BadInput(f"{cut(str(folder), 80)}: the sweep has not finished (no runs.parquet); "
                       "`ecny-sim sweep ... --resume` finishes it")
    runs = Runs.read(folder / "runs.parquet", _grouped(study))
    summary = pacsv.read_csv(folder / "summary.csv").to_pylist()
    return study, runs, summary


def _grouped(study: dict[str, Any]) -> list[str]:
    return study.get("grouped", study.get("grid_order", list(study.get("grid", {}))))


def is_sweep(folder: Path) -> bool:
    return (Path(folder) / STUDY_FILE).is_file()


def _measures(summary: Sequence[dict[str, Any]]) -> list[str]:
    names = list(summary[0]) if summary else []
    return [n.removesuffix(".mean") for n in names if n.endswith(".mean")]


def _combination(line: dict[str, Any], grid: Sequence[str]) -> str:
    return ", ".join(f"{name}={line[name]}" for name in grid) or "—"


def _chart(measure: str, summary: Sequence[dict[str, Any]], grid: Sequence[str], labels: Labels) -> bytes:
    w = labels.words

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        present = [(x, line) for x, line in enumerate(summary) if known(line[f"{measure}.mean"])]
        xs = [x for x, _ in present]
        means = [line[f"{measure}.mean"] for _, line in present]
        below = [m - line[f"{measure}.low95"] for m, (_, line) in zip(means, present)]
        above = [line[f"{measure}.high95"] - m for m, (_, line) in zip(means, present)]
        ax.errorbar(xs, means, yerr=[below, above], fmt="o", capsize=5, color="#c8372d")
        xs = list(range(len(summary)))
        ax.set_xticks(xs, [_combination(line, grid).replace(", ", "\n") for line in summary], fontsize="small")
        # TRANSLATORS: a study chart's title: a measure's mean over the seeds with its 95 % interval
        ax.set_title(w._("{measure}: mean and {level} interval over the seeds", measure=measure, level="95 %"))
        if measure.endswith("_fen"):
            _money_axis(ax, labels)
        ax.grid(axis="y", alpha=0.3)

    return _render(labels, draw, size=(10, 4.6))


def render(study: dict[str, Any], runs: Runs, summary: Sequence[dict[str, Any]], w: ReportWords,
           charts: Sequence[Chart]) -> str:
    grid = _grouped(study)
    failed = runs.failed
    title = study.get("title") or w._("Study of {scenario}", scenario=Path(study["scenario"]).stem)
    # TRANSLATORS: the study report's kicker above its title
    kicker = w._("ecny-sim study")
    meta = w._("{runs} runs of {scenario}: {combinations} combinations x {seeds} seeds; {failed} failed.",
               runs=w.number(runs.total), scenario=Path(study["scenario"]).stem, combinations=w.number(len(summary)),
               seeds=w.number(len(_seeds(study.get("seeds", [1]), STUDY_FILE))), failed=w.number(runs.failed_count))
    badge = ("ok", w._("every run ok")) if not failed else ("bad", w._("some runs failed"))
    out = [f'<header><div class="kicker">{_e(kicker)}</div><h1>{_e(title)}</h1>'
           f'<p class="meta">{_e(meta)} <span class="badge {badge[0]}">{_e(badge[1])}</span></p>'
           + (f"<p>{_e(study['description'])}</p>" if study.get("description") else "") + "</header>"]
    sources = study.get("sources", {})
    listed = study.get("grid", {})
    rows = [[f"<code>{_e(n)}</code>", _e(", ".join(json.dumps(v, ensure_ascii=False) for v in listed[n])),
             _e(sources.get(n, ""))] for n in grid if n in listed]
    # TRANSLATORS: the values of a parameter drawn at random: its range and how many draws
    rows += [[f"<code>{_e(n)}</code>", _e(w._("{low}..{high}, {draws} random draws", low=low, high=high,
                                                draws=study.get("draws", 0))), _e(sources.get(n, ""))]
             for n, (low, high) in study.get("draw", {}).items()]
    rows += [[f"<code>{_e(n)}</code>", _e(json.dumps(v, ensure_ascii=False)), _e(sources.get(n, ""))]
             for n, v in study.get("set", {}).items()]
    seeds = seeds_json(_seeds(study.get("seeds", [1]), STUDY_FILE))
    rows.append([f"<code>{_e('seed')}</code>", _e(seeds if isinstance(seeds, str) else ", ".join(map(str, seeds))),
                 ""])
    summed = ""
    if study.get("sum_over"):
        # TRANSLATORS: a sharded study: {names} are parameters (e.g. shard); each shard ran on a chain of its own
        summed = "<p>" + _e(w._("Each row of the summary adds up the runs over {names}: each of them ran on a chain "
                                "of its own, with its invariants checked there; a combination is ok when all were.",
                                names=", ".join(study["sum_over"]))) + "</p>"
    out.append(_section("parameters", w._("What was varied and what was fixed"),
                        _table([w._("parameter"), w._("values"), w._("source")], rows) + summed))
    out.append(_section("figures", w._("Figures"), "".join(_figure(c) for c in charts)))
    measures = _measures(summary)
    headers = [*grid, w._("runs"), w._("failed"), *measures]
    clipped = [set((line.get(CLIPPED) or "").split()) for line in summary]
    body = [[*(_e(line[n]) for n in grid), w.number(line["runs"]), w.number(line["failed"]),
             *(_e(f"{shown(m, line[f'{m}.mean'], w)} [{shown(m, line[f'{m}.low95'], w)}{'*' if m in cut else ''}, "
                  f"{shown(m, line[f'{m}.high95'], w)}]") for m in measures)] for line, cut in zip(summary, clipped)]
    note = w._("Each cell: the mean over the runs that ended ok, and its {level} interval (Student's t).",
               level="95 %")
    if any(clipped):
        # TRANSLATORS: after a study table's note; * marks an interval's lower end
        note += " " + w._("*: the interval went below zero, which this figure cannot (a count or an amount): "
                          "clipped at 0.")
    out.append(_section("table", w._("Per combination"), f"<p class='meta'>{_e(note)}</p>"
                        + _table(headers, body, numeric=range(len(grid), len(headers)))))
    if failed:
        body = [[w.number(r["point"]), _e(_combination(r, grid)), w.number(r["seed"]), _e(r.get("outcome", "")),
                 _e(cut(r.get("message") or "", 200))] for r in failed]
        out.append(_section("failed", w._("Runs that failed"), _table(
            [w._("point"), w._("combination"), w._("seed"), w._("outcome"), w._("reason")], body)))
    kept = runs.kept
    if kept:
        body = [[w.number(r["point"]), _e(_combination(r, grid)), w.number(r["seed"]),
                 f'<a href="{_e(r["journal"])}/journal.jsonl">{_e(r["journal"])}</a>']
                for r in kept]
        out.append(_section("journals", w._("Kept journals"), _table(
            [w._("point"), w._("combination"), w._("seed"), w._("journal")], body)))
    about = w._("Read from study.json, runs.parquet and summary.csv; every run's row is in runs.csv. "
                "Charts are also in {charts}.", charts="charts/*.png")
    out.append(f'<footer id="about">{_e(about)}</footer>')
    return ("<!DOCTYPE html>\n"
            f'<html lang="{w.html_lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)} · ecny-sim</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(out) + "\n</main>\n</body>\n</html>\n")


def write_study_report(folder: str | Path, lang: str = "en") -> Path:
    """Writes ``report.html`` and ``charts/*.png`` into the sweep's folder; returns the report's path."""
    if lang not in languages():
        raise BadInput(f"unknown language {lang!r}; choose one of: {', '.join(languages())}")
    folder = Path(folder)
    study, runs, summary = open_sweep(folder)
    words = ReportWords(lang)
    chart_words, families = words, fonts_for(words)
    if families is None:  # no CJK font: the charts in English, the page in the language asked for
        chart_words, families = ReportWords("en"), (BASE_FAMILY,)
    labels = Labels(chart_words, tuple(families))
    varied = _grouped(study)
    charts = [Chart(f"measure-{i + 1}", m, _chart(m, summary, varied, labels))
              for i, m in enumerate(_measures(summary)[:MAX_CHARTS])]
    page = render(study, runs, summary, words, charts)
    replace_folder(folder / "charts", {f"{c.name}.png": c.png for c in charts})
    return replace_file(folder / "report.html", page.encode("utf-8"))
