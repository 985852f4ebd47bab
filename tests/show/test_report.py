"""The report of every built-in scenario, in English and Chinese: self-contained, with its charts, its key
figures read from the run, and Chinese charts drawn with a CJK font without a missing glyph."""

from __future__ import annotations

import base64
import html
import os
import re
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scenario_runs import session_runs  # noqa: E402

from ecny_sim.show.report import charts  # noqa: E402
from ecny_sim.run import scenario as scenarios  # noqa: E402
from ecny_sim.run.scenario import BadInput  # noqa: E402
from ecny_sim.domain.money import fmt_fen  # noqa: E402
from ecny_sim.show.report import ReportWords, write_report  # noqa: E402
from ecny_sim.read.timeline import read_timeline  # noqa: E402

NAMES = scenarios.builtin_names()
LANGS = ("en", "zh")
DATA_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
REQUIRE = os.environ.get("ECNY_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    return session_runs(tmp_path_factory)


def _report(runs, name: str, lang: str) -> tuple[str, Path]:
    run = runs[name]
    assert run.report_error[lang] == "", f"{name} ({lang}): {run.report_error[lang]}"
    directory = run.report_dir[lang]
    return (directory / "report.html").read_text(encoding="utf-8"), directory


def _need_cjk_font() -> str:
    family = charts.cjk_font()
    if family is None:
        if REQUIRE:
            pytest.fail("no CJK font: install fonts-noto-cjk (ECNY_REQUIRE_BROWSER=1 makes this a failure)")
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    return family


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_report_is_self_contained_with_its_charts(runs, name, lang):
    page, directory = _report(runs, name, lang)
    summary = runs[name].summary
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page
    # Opens offline: nothing to fetch, nothing to run.
    for outside in ("http://", "https://", "<script", "<link", "url(", "@import", "src=\"file:", "//cdn"):
        assert outside not in page, outside
    # Each chart is embedded and written beside the report as the same PNG.
    embedded = [base64.b64decode(data) for data in DATA_PNG.findall(page)]
    files = sorted((directory / "charts").glob("*.png"))
    assert len(embedded) == len(files) == page.count("<img ")
    assert sorted(embedded) == sorted(f.read_bytes() for f in files)
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in embedded)
    expected = {"money_over_time", "balances_by_group"}
    timeline = read_timeline(runs[name].dir)
    if timeline.institutions:
        expected.add("institutions")
    if timeline.campaigns:
        expected.add("campaigns")
    if "comparison" in summary:
        expected.add("comparison")
    assert {f.stem for f in files} == expected


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_report_states_the_runs_key_figures(runs, name, lang):
    page, _ = _report(runs, name, lang)
    page = html.unescape(page)  # compare words, not HTML escapes
    summary, text = runs[name].summary, ReportWords(lang)
    assert text.title(name, summary["title"]) in page
    assert f"<code>{name}</code>" in page
    for key, value in summary["totals"].items():
        assert f"<td>{text.total(key)}</td><td class=\"num\">{fmt_fen(value)}</td>" in page, key
    for invariant in summary["invariants"]:
        assert text.invariant(invariant) in page
    assert page.count('class="yes"') == sum(summary["invariants"].values())
    for alert in summary.get("alerts") or []:
        assert alert["subject"] in page
    timeline = read_timeline(runs[name].dir)
    assert text.time(timeline.start) in page and text.time(timeline.end) in page  # Beijing time
    for row in timeline.institutions:
        assert row.institution in page and fmt_fen(row.paid_in_fen) in page
    for c in timeline.campaigns:
        assert fmt_fen(c.funded_fen) in page and fmt_fen(c.returned_to_funder_fen) in page
    for refusal in timeline.refusals[:50]:
        assert refusal.error in page
    if "comparison" in summary:
        for model, row in summary["comparison"].items():
            assert text.model(model) in page
            assert fmt_fen(row["parent_loss_fen"]) in page
    # Grant, conditional-payment and wage runs say in words where their money went (amounts as sentences
    # write them: "1,200 元" in Chinese, unlike the tables' "¥1,200").
    totals = summary["totals"]
    worded = {"budget_fen": ("budget_fen", "paid_to_firms_fen", "grant_spent_fen", "grant_unspent_fen"),
              "conditional_created_fen": ("conditional_released_fen", "conditional_returned_fen",
                                          "conditional_pending_fen"),
              "wages_funded_fen": ("wages_funded_fen", "wages_paid_fen", "wages_returned_fen", "wages_pending_fen")}
    what = page[page.index('id="what-happened"'):page.index('id="parameters"')]
    for marker, keys in worded.items():
        if marker in totals:
            for key in keys:
                assert text.money(totals[key]) in what, key
    if totals.get("owed_fen"):
        assert text.money(totals["owed_fen"]) in what and text.money(totals["interest_fen"]) in what
    if lang == "zh":
        assert "元" in page and "北京时间" in page


@pytest.mark.parametrize("name", NAMES)
def test_the_chinese_report_is_in_chinese(runs, name):
    page, _ = _report(runs, name, "zh")
    english, _ = _report(runs, name, "en")
    headings = {text for _, text in re.findall(r"<(th|h2)>([^<]+)</\1>", english)}
    assert headings
    for heading in headings:
        assert f"<th>{heading}</th>" not in page and f"<h2>{heading}</h2>" not in page, heading
    summary = runs[name].summary
    untranslated = [n for n in summary["invariants"] if ReportWords("zh").invariant(n) == n]
    assert untranslated == [], "mark these in report/names.py INVARIANTS and translate them in zh/report.po"
    assert ReportWords("zh").title(name, "?") != "?", \
        "add the title to report/names.py TITLES and translate it in zh/report.po"


def test_the_comparison_shows_the_three_models_side_by_side(runs):
    page, directory = _report(runs, "edu_abscond", "en")
    section = page[page.index('id="comparison"'):]
    assert section.index("unsupervised") < section.index("risk deposit") < section.index("per-lesson escrow")
    assert (directory / "charts" / "comparison.png").stat().st_size > 10_000


def test_chinese_charts_use_a_cjk_font_without_a_missing_glyph(runs, tmp_path):
    family = _need_cjk_font()
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family=[family, charts.BASE_FAMILY]),
                                 fallback_to_default=False)
    assert "cjk" in Path(path).name.lower() or family != "Noto Sans CJK SC"
    # The session's Chinese reports were written with every warning an error; write one more here.
    work = tmp_path / "run"
    work.mkdir()
    for file in ("journal.jsonl", "summary.json"):
        (work / file).write_bytes((runs["edu_abscond"].dir / file).read_bytes())
    warned: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_report(work, "zh", warn=warned.append)
    assert warned == []
    assert all(run.warned["zh"] == [] for run in runs.values())


def test_without_the_cjk_font_chinese_text_would_miss_glyphs():
    """The check above has teeth: drawing Chinese with a Latin-only font does warn."""
    labels = charts.Labels(ReportWords("zh"), (charts.BASE_FAMILY,))
    with pytest.warns(UserWarning, match="missing from font"):
        charts.money_over_time([1652058000, 1652061600], {"locked": [0, 100]}, labels)


def test_without_a_cjk_font_the_chinese_report_is_still_written(runs, tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    work = tmp_path / "run"
    work.mkdir()
    for file in ("journal.jsonl", "summary.json"):
        (work / file).write_bytes((runs["edu_withdraw"].dir / file).read_bytes())
    warned: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = write_report(work, "zh", warn=warned.append)
    assert len(warned) == 1 and "fonts-noto-cjk" in warned[0] and "\n" not in warned[0]
    page = report.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "发生了什么" in page and len(DATA_PNG.findall(page)) >= 2


def test_the_same_run_gives_the_same_report(runs, tmp_path):
    pages = []
    for i in range(2):  # two copies in folders of the same names (the report names them: see below)
        work = tmp_path / str(i) / "runs" / "edu_dispute-seed1"
        work.mkdir(parents=True)
        for file in ("journal.jsonl", "summary.json"):
            (work / file).write_bytes((runs["edu_dispute"].dir / file).read_bytes())
        pages.append((write_report(work, "en").read_bytes(),
                      {p.name: p.read_bytes() for p in (work / "charts").glob("*.png")}))
    assert pages[0] == pages[1]


@pytest.mark.parametrize("lang", LANGS)
def test_the_report_names_the_command_that_opens_the_run_in_the_explorer(runs, lang):
    """Its folder's name and its parent's, never a path (`ecny-sim serve` links the page when it serves it)."""
    page, directory = _report(runs, "edu_abscond", lang)
    line = page[page.index('<p class="meta" id="open-in-explorer">'):]
    line = line[:line.index("</p>")]
    assert f"<code>ecny-sim serve --runs {directory.parent.name}</code>" in line
    assert f"<code>/explorer#{directory.name}</code>" in line and "href" not in line
    assert str(directory.parent.parent) not in page


def test_a_run_killed_before_its_end_still_gets_a_report(runs, tmp_path):
    lines = (runs["edu_withdraw"].dir / "journal.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "journal.jsonl").write_text("".join(lines[:-3]))  # no end line, no summary.json
    page = write_report(tmp_path, "en").read_text(encoding="utf-8")
    assert "incomplete" in page and "no end line" in page and "No summary.json" in page


@pytest.mark.parametrize(
    "setup, lang, message",
    [
        ("missing", "en", "no run directory at"),
        ("empty", "en", "no journal at"),
        ("cut", "en", "cut off mid-way"),
        ("good", "fr", "unknown language 'fr'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(runs, tmp_path, setup, lang, message):
    target = tmp_path / "run"
    if setup != "missing":
        target.mkdir()
    if setup in ("cut", "good"):
        data = (runs["edu_withdraw"].dir / "journal.jsonl").read_bytes()
        (target / "journal.jsonl").write_bytes(data[:-30] if setup == "cut" else data)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(BadInput) as caught:
        write_report(target, lang)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
