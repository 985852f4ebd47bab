"""`ecny-sim report` and `ecny-sim export` as a user meets them; the report in a real browser.

The browser test drives the system's headless Chromium through Playwright (tests/web/browser.py): the report
must open with no console error, no uncaught exception, no failed or outside request, every chart image decoded;
its screenshot is kept in test-artifacts/. Without Chromium it is skipped, unless ECNY_REQUIRE_BROWSER=1 (as
in .ci/run), which makes a missing browser a failure.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

from browser import launch, watch  # noqa: E402
from scenario_runs import session_runs  # noqa: E402

from ecny_sim.cli.main import app  # noqa: E402
from ecny_sim.domain.money import fmt_fen  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    return session_runs(tmp_path_factory)


def copy_run(runs, name: str, to: Path) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    for file in ("journal.jsonl", "summary.json"):
        shutil.copy2(runs[name].dir / file, to / file)
    return to


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


# ------------------------------------------------------------------------------------------- report


def test_report_command_writes_the_report_and_its_charts(runs, tmp_path):
    run = copy_run(runs, "edu_abscond", tmp_path / "abscond")
    proc = subprocess.run([*ECNY_SIM, "report", str(run), "--lang", "zh"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "report.html" in proc.stdout and proc.stderr == ""
    page = (run / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "监管模式对比" in page
    assert {p.name for p in (run / "charts").glob("*.png")} == {
        "money_over_time.png", "balances_by_group.png", "institutions.png", "comparison.png"}


@pytest.mark.parametrize(
    "setup, args, message",
    [
        ("missing", ["report", "{dir}"], "no run directory at"),
        ("empty", ["report", "{dir}"], "no journal at"),
        ("cut", ["report", "{dir}"], "cut off mid-way"),
        ("notjournal", ["report", "{dir}"], "not a journal"),
        ("good", ["report", "{dir}", "--lang", "fr"], "unknown language 'fr'"),
        ("missing", ["export", "{dir}", "--csv"], "no run directory at"),
        ("empty", ["export", "{dir}", "--csv"], "no journal at"),
        ("cut", ["export", "{dir}", "--csv"], "cut off mid-way"),
        ("good", ["export", "{dir}"], "--csv"),
    ],
)
def test_bad_input_is_one_red_line_exit_2_and_nothing_written(runs, tmp_path, setup, args, message):
    target = tmp_path / "run"
    if setup != "missing":
        target.mkdir()
    journal = (runs["edu_withdraw"].dir / "journal.jsonl").read_bytes()
    if setup == "cut":
        (target / "journal.jsonl").write_bytes(journal[:-25])
    elif setup == "good":
        (target / "journal.jsonl").write_bytes(journal)
    elif setup == "notjournal":
        (target / "journal.jsonl").write_text("hello\n")
    before = files_under(tmp_path)
    result = CliRunner().invoke(app, [a.format(dir=target) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr + result.stdout
    assert files_under(tmp_path) == before


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    proc = subprocess.run([*ECNY_SIM, "report", str(tmp_path / "nope"), "--lang", "de"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == ["error: unknown language 'de' for --lang; choose one of: en, zh"]


# ------------------------------------------------------------------------------------------- export


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("name", ["edu_abscond", "redpacket_rules"])
def test_export_writes_journal_balances_and_summary_as_csv(runs, tmp_path, name):
    run = copy_run(runs, name, tmp_path / name)
    proc = subprocess.run([*ECNY_SIM, "export", str(run), "--csv"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = run / "csv"
    assert {p.name for p in out.iterdir()} == {"journal.csv", "balances.csv", "money_over_time.csv", "summary.csv"}
    summary = json.loads((run / "summary.json").read_text())
    txs = [r for r in map(json.loads, (run / "journal.jsonl").read_text().splitlines()) if r["type"] == "tx"]

    journal = read_csv(out / "journal.csv")
    assert list(journal[0]) == ["line", "block", "time_beijing", "actor", "contract", "function", "status",
                                "gas_used", "events", "error"]
    assert len(journal) == len(txs) == summary["counts"]["transactions"]
    assert [int(r["line"]) for r in journal] == [tx["line"] for tx in txs]
    assert [int(r["gas_used"]) for r in journal] == [tx["gas_used"] for tx in txs]
    assert journal[0]["time_beijing"].startswith(summary["params"]["start"][:10])
    assert "0x" not in "".join(r["events"] for r in journal)  # addresses named
    refused = [r for r in journal if r["status"] == "0"]
    assert len(refused) == summary["counts"]["reverted"] and all(r["error"] for r in refused)

    balances = read_csv(out / "balances.csv")
    last: dict[str, int] = {}
    for row in balances:
        last[row["actor"]] = int(row["balance_fen"])
        assert f"{int(row['balance_fen']) / 100:.2f}" == row["balance_yuan"]
    assert {a: last.get(a, 0) for a in summary["balances_fen"]} == summary["balances_fen"]

    money = read_csv(out / "money_over_time.csv")
    assert len(money) == len(txs)
    totals = summary["totals"]
    if "released_fen" in totals:
        assert int(money[-1]["released_fen"]) == totals["released_fen"]
    if "returned_to_funder_fen" in totals:
        assert int(money[-1]["returned_fen"]) == totals["returned_to_funder_fen"]

    flat = {r["key"]: r["value"] for r in read_csv(out / "summary.csv")}
    for key, value in totals.items():
        assert flat[f"totals.{key}"] == str(value)
    for key, value in summary["counts"].items():
        assert flat[f"counts.{key}"] == str(value)
    for key, holds in summary["invariants"].items():
        assert flat[f"invariants.{key}"] == ("true" if holds else "false")
    assert flat["scenario"] == name and flat["outcome"] == "ok"


# ------------------------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@dataclass
class Opened:
    errors: list[str]
    requests: list[str]
    images: dict[str, int]
    title: str
    screenshot: bytes


def open_page(browser, url: str) -> Opened:
    """Opens ``url`` (until its load event: every image in) and reads what the checks below need."""
    context = browser.new_context(viewport={"width": 1280, "height": 2000})
    try:
        page = context.new_page()
        seen = watch(page)
        page.goto(url)
        images = page.evaluate("() => ({count: document.images.length, "
                               "loaded: [...document.images].filter(i => i.complete && i.naturalWidth > 0).length})")
        return Opened(seen.errors, seen.requests, images, page.title(), page.screenshot())
    finally:
        context.close()


@pytest.mark.parametrize("name, lang", [("edu_abscond", "en"), ("edu_abscond", "zh"),
                                        ("redpacket_luohu_2020", "zh")])
def test_report_opens_in_headless_chromium_without_errors(runs, browser, name, lang):
    run = runs[name]
    assert run.report_error[lang] == ""
    report = run.report_dir[lang] / "report.html"
    url = report.as_uri()
    page = open_page(browser, url)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"report-{name}-{lang}.png"
    shot.write_bytes(page.screenshot)
    assert page.errors == []
    assert [r for r in page.requests if r != url and not r.startswith("data:image/png;base64,")] == []
    charts = len(list((run.report_dir[lang] / "charts").glob("*.png")))
    assert page.images == {"count": charts, "loaded": charts}
    assert page.title.endswith("· ecny-sim")
    assert page.screenshot.startswith(b"\x89PNG") and len(page.screenshot) > 20_000


def test_the_browser_check_catches_a_broken_page(browser, tmp_path):
    """The check above has teeth: a console error, an exception and a missing image are all reported."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>bad</title></head><body><img src="missing.png">'
                   '<script>console.error("boom"); notDefined();</script></body></html>')
    page = open_page(browser, bad.as_uri())
    joined = "\n".join(page.errors)
    assert "console.error: boom" in joined and "notDefined" in joined and "ERR_FILE_NOT_FOUND" in joined
    assert page.images == {"count": 1, "loaded": 0}
    assert any(r.endswith("missing.png") for r in page.requests)
