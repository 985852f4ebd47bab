"""The live page in a real browser (Playwright driving the system's Chromium, see browser.py): a class watching a
run to its end (the balances drawn match summary.json to the fen) with a second viewer joining mid-run, pause and
step, the language switched, the regulator freezing a school and seeing the refund land, the explorer; no console
error on any page and no request leaving 127.0.0.1. Screenshots of each view go to test-artifacts/ (and to docs/
with ECNY_WRITE_DOCS=1, which is how docs/serve-*.png were made)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import launch, watch  # noqa: E402
from served import ECNY_SIM, ENV, serve  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHOTS = [REPO / "test-artifacts"] + ([REPO / "docs"] if os.environ.get("ECNY_WRITE_DOCS") == "1" else [])


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("serve")) as served:
        yield served


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """`ecny-sim serve --runs runs` on a finished edu_refund_run run (an alert in it) with its report, as a user makes them."""
    where = tmp_path_factory.mktemp("finished")
    for args in (["run", "edu_refund_run", "--test-scale"], ["report", "runs/edu_refund_run-seed1"]):
        done = subprocess.run([*ECNY_SIM, *args], cwd=where, env=ENV, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    with serve(where, "--runs", str(where / "runs")) as served:
        served.run_dir = where / "runs" / "edu_refund_run-seed1"
        yield served


def opener(browser, served, opened):
    def open_page(path: str = "/", owner: bool = True, lang: str = "en"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        seen = watch(page)
        query = f"?token={served.token}&lang={lang}" if owner else f"?lang={lang}"
        where, _, fragment = path.lstrip("/").partition("#")
        page.goto(served.url + where + query + (f"#{fragment}" if fragment else ""))
        page.wait_for_function("!location.search.includes('token=')")  # off the projected address bar at once
        assert served.token not in page.url and f"lang={lang}" in page.url
        opened.append((context, page, seen, served))
        return page
    return open_page


def closed(opened) -> None:
    """Closes the pages; none had an error or sent a request anywhere but its server."""
    for context, page, seen, served in opened:
        context.close()
        errors = [e for e in seen.errors if "api/stream" not in e]  # a stream cut as a page closes is no error
        assert errors == []
        assert [r for r in seen.requests if not r.startswith(served.url) and not r.startswith("data:")] == []


@pytest.fixture
def pages(browser, served):
    """Opens pages on the served app; checks, when the test ends, that none had an error or left 127.0.0.1."""
    opened: list = []
    yield opener(browser, served, opened)
    closed(opened)


@pytest.fixture
def explored(browser, finished_run):
    """Pages on `serve --runs` (a finished run), checked like ``pages``."""
    opened: list = []
    yield opener(browser, finished_run, opened)
    closed(opened)


def shot(page, name: str, full_page: bool = True) -> None:
    for folder in SHOTS:
        folder.mkdir(exist_ok=True)
        page.screenshot(path=str(folder / f"serve-{name}.png"), full_page=full_page)


def money(fen: int) -> str:
    return f"{'-' if fen < 0 else ''}¥{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def until(page, holds, timeout: float = 60) -> None:
    """Polls ``holds()`` from Python (the page's CSP allows no eval, so Playwright's wait_for_function cannot)."""
    for _ in range(int(timeout * 20)):
        if holds():
            return
        page.wait_for_timeout(50)
    raise AssertionError("timed out")


def told(page) -> int:
    return page.locator("#narration li").count()


def finished(page, timeout: float = 90_000) -> None:
    page.wait_for_selector('#state[data-state="finished"]', timeout=timeout)


def test_a_class_watches_a_run_to_its_end_and_a_late_viewer_catches_up(pages, served):
    teacher = pages("/")
    teacher.wait_for_selector("#fields input", state="attached")
    teacher.select_option("#scenario", "edu_abscond")
    teacher.wait_for_selector("#fields input[name=pupils]", state="attached")
    teacher.select_option("#speed", "60")
    teacher.click("#start")
    until(teacher, lambda: int(teacher.text_content("#count") or 0) > 40)
    phone = pages("/", owner=False)  # a pupil's phone joins mid-run: no form, no buttons
    assert teacher.locator("#setup").is_visible() and not phone.locator("#setup").is_visible()
    assert not phone.locator("#play").is_visible()
    finished(teacher)
    finished(phone)
    run = teacher.get_attribute("#explore-run", "href").split("#")[1]
    summary = json.loads((served.out_root / run / "summary.json").read_text())
    for page in (teacher, phone):
        wallets = page.eval_on_selector_all(
            ".wallet", "rows => rows.map(r => [r.dataset.name, Number(r.dataset.free), Number(r.dataset.locked), "
                       "r.textContent])")
        shown = {name: (free, locked, text) for name, free, locked, text in wallets}
        for name, balance in summary["balances_fen"].items():
            free, locked, text = shown[name]
            assert free + locked == balance, name
            assert f"{money(free)} · {money(locked)}" in text
        assert page.text_content("#outcome") == "ok"
        held = page.locator("#invariants li.ok").count()
        assert held == len(summary["invariants"]) and page.locator("#invariants li.bad").count() == 0
    assert teacher.locator("#narration li").count() == phone.locator("#narration li").count() > 100
    side_by_side(phone, summary)
    shot(teacher, "classroom")


SHORT = {"unsupervised": "uns", "risk_deposit": "dep", "escrow": "esc"}  # edu_abscond's parents: parent:esc-001


def side_by_side(page, summary) -> None:
    """edu_abscond's three models in three columns: what the parents paid in, what reached the school, what came
    back and what they lose are summary.json's comparison to the fen; their free and locked money adds up to
    their balances in summary.json."""
    assert page.locator("#models-box").is_visible()
    columns = page.eval_on_selector_all(
        "#models .model", "cols => cols.map(c => [c.dataset.contract, Object.fromEntries("
                          "[...c.querySelectorAll('dd')].map(d => [d.dataset.key, Number(d.dataset.fen)]))])")
    assert [name for name, _ in columns] == ["unsupervised", "risk_deposit", "escrow"]
    for name, shown in columns:
        want = summary["comparison"][name]
        assert (shown["paid_in"], shown["released_to_school"], shown["refunded"], shown["parent_loss"]) == (
            want["paid_in_fen"], want["released_fen"], want["refunded_fen"], want["parent_loss_fen"]), name
        parents = sum(b for who, b in summary["balances_fen"].items() if who.startswith(f"parent:{SHORT[name]}-"))
        assert shown["parents_free"] + shown["parents_locked"] == parents, name
    assert columns[0][1]["parent_loss"] > columns[1][1]["parent_loss"] > columns[2][1]["parent_loss"] == 0
    page.uncheck("#side-by-side")
    assert not page.locator("#models-box").is_visible()


@pytest.mark.slow  # `make test` keeps the class's whole run; CI runs this in test-slow
def test_pause_step_and_switch_language(pages, served):
    served.start("edu_abscond", paused=True)
    page = pages("/")
    page.wait_for_selector('#state[data-state="paused"]')
    before = page.locator("#narration li").count()
    for _ in range(3):
        now = told(page)
        page.click("#step")
        until(page, lambda: told(page) > now)
        page.wait_for_selector('#state[data-state="paused"]')
    assert page.locator("#narration li").count() > before
    english = page.locator("#narration li").all_text_contents()
    page.select_option("#lang", "zh")
    until(page, lambda: page.get_attribute("html", "lang") == "zh")
    chinese = page.locator("#narration li").all_text_contents()
    assert len(chinese) == len(english) and chinese != english
    assert all(re.search(r"[\u4e00-\u9fff]", line) for line in chinese[-3:])
    assert page.text_content("#wallets-box h2") == "钱包" and page.text_content("#step") == "单步"
    entries = served.snapshot()
    zh = [s for e in entries if e["kind"] == "step" for s in e["sentences"]["zh"]]
    assert [line.split(" ", 2)[2] for line in chinese[-len(zh):]] == zh[-len(chinese):]
    shot(page, "classroom-zh")
    page.select_option("#lang", "en")
    served.request("/api/control", {"command": "play", "speed_ms": 0})
    finished(page)


def test_the_regulator_freezes_a_school_and_sees_the_refund_land(pages, served):
    """A run stepped until the escrow school holds its orders, then the school frozen and its refund run ordered
    from the regulator's page: the parents' refund lands in the stream, the school's supervised balance falls to
    nothing, and the run ends "intervened"."""
    served.start("edu_abscond", paused=True)
    served.step_until(lambda entries: any(
        r["contract"] == "escrow" and r["orders"] == 6
        for e in entries if e["kind"] == "step" and "regulator" in e for r in e["regulator"]))
    page = pages("/regulator")
    row = page.locator('#institutions tr[data-contract="escrow"]')
    row.wait_for()
    assert row.get_attribute("data-status") == "Approved" and int(row.get_attribute("data-supervised")) > 0
    viewer = pages("/regulator", owner=False)
    viewer.locator('#institutions tr[data-contract="escrow"]').wait_for()
    assert viewer.locator("button[data-action]").count() == 0  # viewers only watch
    row.locator('button[data-action="freeze"]').click()
    page.wait_for_selector('#institutions tr[data-contract="escrow"][data-status="Frozen"]')
    assert row.locator('button[data-action="freeze"]').count() == 0
    page.locator('#institutions tr[data-contract="escrow"] button[data-action="refund"]').click()
    page.wait_for_selector('#institutions tr[data-contract="escrow"][data-supervised="0"]')
    page.locator("#narration li", has_text="parent:esc-001 gets").first.wait_for()
    assert page.locator("#actions li.ok").count() == 2
    shot(page, "regulator")
    served.request("/api/control", {"command": "play", "speed_ms": 0})
    finished(page)
    assert page.text_content("#outcome") == "intervened"
    assert "after the regulator's intervention" in page.text_content("#outcome-message")


def test_the_explorer_shows_a_finished_run_searchable(pages, served):
    runs = served.request("/api/runs")[1]["runs"]
    name = runs[0]["name"]
    summary = json.loads((served.out_root / name / "summary.json").read_text())
    page = pages(f"/explorer#{name}")
    page.wait_for_selector("#txs tbody tr")
    assert page.locator("#txs tbody tr").count() == min(500, summary["counts"]["transactions"])
    page.fill("#search", "refundOrders")
    until(page, lambda: page.locator("#txs tbody tr").count() < 10)
    rows = page.locator("#txs tbody tr").all_text_contents()
    assert rows and all("refundOrders" in r for r in rows)
    assert "parent=\"parent:esc-001\"" in "".join(rows)  # addresses named as the run's actors
    page.fill("#search", "")
    parent = next(n for n, b in summary["balances_fen"].items() if n.startswith("parent:esc") and b)
    page.select_option("#actor", parent)
    last = page.locator("#statement tbody tr").last.locator("td").nth(3).text_content()
    assert last == money(summary["balances_fen"][parent])
    page.fill("#search", "refundOrders")
    shot(page, "explorer", full_page=False)


@pytest.mark.slow  # `make test` keeps the class's whole run; CI runs this in test-slow
def test_the_report_served_by_serve_runs_links_its_explorer_page(explored, finished_run):
    """The report names the command that opens the run in the explorer and the run's page there; served by
    `serve --runs` the page is a link, and it opens the run; the explorer links back to the report."""
    page = explored("/runs/edu_refund_run-seed1/report.html", owner=False)
    line = page.text_content("#open-in-explorer")
    assert "ecny-sim serve --runs runs" in line and "/explorer#edu_refund_run-seed1" in line
    on_disk = (finished_run.run_dir / "report.html").read_text(encoding="utf-8")
    assert 'href="/explorer' not in on_disk  # the file itself links nowhere
    page.click('#open-in-explorer a[href="/explorer#edu_refund_run-seed1"]')
    page.wait_for_selector("#txs tbody tr")
    summary = json.loads((finished_run.run_dir / "summary.json").read_text())
    assert page.text_content("#run-title").startswith("edu_refund_run-seed1 · edu_refund_run")
    assert page.locator("#txs tbody tr").count() == summary["counts"]["transactions"]
    assert page.get_attribute("#run-report", "href") == "/runs/edu_refund_run-seed1/report.html"
    assert page.locator("#run-report").is_visible()
    status, data = finished_run.request("/runs/nothing/report.html")
    assert status == 404 and "no report for nothing" in data["message"]


@pytest.mark.slow  # `make test` keeps the class's whole run; CI runs this in test-slow
def test_the_regulator_reads_a_finished_run_as_it_ended(explored, finished_run):
    """`serve --runs`: the regulator's page shows a finished run's institutions (status, supervised balance, orders,
    disputed) and alerts as `ecny-sim inspect --json` reads them from its journal; read-only, even with the token."""
    done = subprocess.run([*ECNY_SIM, "inspect", str(finished_run.run_dir), "--json"], env=ENV, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    want = json.loads(done.stdout)["institutions"]
    summary = json.loads((finished_run.run_dir / "summary.json").read_text())
    page = explored("/regulator")
    page.wait_for_selector("#finished-institutions tbody tr")
    assert page.input_value("#finished-run") == "edu_refund_run-seed1"
    rows = page.eval_on_selector_all(
        "#finished-institutions tbody tr", "rows => rows.map(r => [r.dataset.institution, r.dataset.status, "
        "Number(r.dataset.supervised), r.cells[4].textContent, r.cells[5].textContent])")
    assert rows == [[i["institution"], i["status"], i["supervised_fen"], str(sum(i["orders_by_state"].values())),
                     str(i["orders_by_state"].get("Disputed", 0))] for i in want]
    assert rows and rows[0][3] == "40"
    alerts = page.locator("#finished-alerts li[data-kind]").all_text_contents()
    assert alerts == [f"{a['kind']}: {a['message']}" for a in summary["alerts"]] and alerts  # a cancellation wave
    assert page.locator("#finished-box button").count() == 0
    shot(page, "regulator-finished", full_page=False)
