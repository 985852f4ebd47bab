"""A language is a folder of catalogs: a pseudo-locale "xx" whose report.po translates a handful of the
report's messages, found through ECNY_SIM_LOCALE_PATH, writes a report with those words and English for the
rest, with no Python change."""

from __future__ import annotations

import html
import io
import json
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from ecny_sim.cli.main import app
from ecny_sim.pilot import run_scenario
from ecny_sim.read.alerts import AlertSettings
from ecny_sim.run import scenario as scenarios
from ecny_sim.run.scenario import BadInput
from ecny_sim.show.report import ReportWords, languages, write_report

PO = r'''
msgid ""
msgstr ""
"Language: xx\n"
"Plural-Forms: nplurals=3; plural=(n == 1 ? 0 : n == 2 ? 1 : 2);\n"
"Content-Type: text/plain; charset=utf-8\n"

msgid "What happened"
msgstr "Whåt håppened [xx]"

msgid "Parameters"
msgstr "Påråmeters [xx]"

msgid "A parent withdraws mid-term and gets the unconsumed rest back at once"
msgstr "Å pårent withdråws [xx]"

msgid "number of lessons"
msgstr "lessøns [xx]"

msgid "money is conserved: supply = issued - redeemed"
msgstr "mønëy ïs cønsërvëd [xx]"

msgid "cancellation wave"
msgstr "cåncellåtiøn wåve [xx]"

msgid ""
"{subject}: {n} lesson sold, but only about {can_teach} can be taught "
"before the course ends"
msgid_plural ""
"{subject}: {n} lessons sold, but only about {can_teach} can be taught "
"before the course ends"
msgstr[0] "{subject} [xx]: {n} > {can_teach} [one]"
msgstr[1] "{subject} [xx]: {n} > {can_teach} [two]"
msgstr[2] "{subject} [xx]: {n} > {can_teach} [many]"

msgid "¥{amount}"
msgstr "{amount} XX¥"

msgid "{n} grant"
msgid_plural "{n} grants"
msgstr[0] "{n} grånt [one]"
msgstr[1] "{n} grånts [two]"
msgstr[2] "{n} grånts [many]"
'''


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    scenario = scenarios.load("edu_withdraw")
    out = tmp_path_factory.mktemp("xx") / "run"
    # one parent's cancellation is a "wave" only with the minimum count at 1: the report then has an alert
    assert run_scenario(scenario, scenario.params(test_scale=True), 1, out,
                        alert_settings=AlertSettings(cancellation_min_count=1)).exit_code == 0
    return out


@pytest.fixture
def xx(tmp_path, monkeypatch) -> Path:
    """The pseudo-locale's catalog, compiled beside its .po, on ECNY_SIM_LOCALE_PATH."""
    folder = tmp_path / "locale" / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "report.po").write_text(PO, encoding="utf-8")
    catalog = read_po(io.StringIO(PO), domain="report")
    with (folder / "report.mo").open("wb") as f:
        write_mo(f, catalog)
    monkeypatch.setenv("ECNY_SIM_LOCALE_PATH", str(tmp_path / "locale"))
    return tmp_path / "locale"


def _copy(run_dir: Path, to: Path) -> Path:
    to.mkdir()
    for name in ("journal.jsonl", "summary.json"):
        (to / name).write_bytes((run_dir / name).read_bytes())
    return to


def test_a_folder_of_catalogs_is_a_language(xx):
    assert languages() == ("en", "xx", "zh")
    with pytest.raises(BadInput, match=r"unknown language 'fr'; choose one of: en, xx, zh"):
        write_report(xx, "fr")


def test_the_report_in_the_new_language_falls_back_to_english(xx, run_dir, tmp_path):
    warned: list[str] = []
    page = html.unescape(write_report(_copy(run_dir, tmp_path / "run"), "xx", warn=warned.append)
                         .read_text(encoding="utf-8"))
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert warned == []  # Latin letters: no CJK font needed
    assert '<html lang="xx">' in page  # the catalog does not name its tag: the language's code
    # its words
    assert "<h2>Whåt håppened [xx]</h2>" in page and "<h2>Påråmeters [xx]</h2>" in page
    assert "<h1>Å pårent withdråws [xx]</h1>" in page
    # a parameter in words, its key below in small type
    assert '<td>lessøns [xx]<br><span class="key">lessons</span></td>' in page
    assert "<td>mønëy ïs cønsërvëd [xx]</td>" in page
    assert "XX¥" in page[page.index('id="what-happened"'):page.index('id="parameters"')]
    # English for the rest
    assert "<h2>Key totals (read from the chain)</h2>" in page and "<th>parameter</th>" in page
    assert "The run finished and every invariant held." in page
    others = [name for name in summary["invariants"] if name != "money is conserved: supply = issued - redeemed"]
    assert others and all(f"<td>{name}</td>" in page for name in others)
    # an alert: its kind translated; what it says is the run's own (English) message, not translated here
    alert = summary["alerts"][0]
    assert alert["kind"] == "cancellation_wave"
    assert f"<td>cåncellåtiøn wåve [xx]</td><td>{alert['subject']}</td><td>{alert['message']}</td>" in page
    assert len(list((tmp_path / "run" / "charts").glob("*.png"))) >= 2


def test_the_catalogs_plural_rule_picks_the_form(xx):
    words = ReportWords("xx")
    assert [words.n_("{n} grant", "{n} grants", n) for n in (1, 2, 1500)] == [
        "1 grånt [one]", "2 grånts [two]", "1,500 grånts [many]"]
    assert words.n_("{n} payment", "{n} payments", 2) == "2 payments"  # not translated: English's own forms
    assert words.money(120_000) == "1,200 XX¥"


def test_an_alert_says_what_the_catalog_translates_else_its_own_message(xx):
    words = ReportWords("xx")
    oversold = {"kind": "course_oversold", "subject": "school:a course 1", "value": 20, "threshold": 12,
                "message": "school:a sold 20 lessons of course 1, but only about 12 can be taught before it ends"}
    wave = {"kind": "cancellation_wave", "subject": "school:a", "value": 0.5, "threshold": 0.2,
            "message": "6 of school:a's 12 orders were cancelled within 24 hours (50%)"}
    assert words.alert(oversold) == ("course oversold", "school:a course 1 [xx]: 20 > 12 [many]")
    assert words.alert({**oversold, "value": 1, "threshold": 1500})[1] == "school:a course 1 [xx]: 1 > 1,500 [one]"
    assert words.alert(wave) == ("cåncellåtiøn wåve [xx]", wave["message"])
    assert ReportWords("en").alert(oversold) == ("course oversold", oversold["message"])


def test_the_cli_writes_the_new_language_too(xx, run_dir, tmp_path):
    target = _copy(run_dir, tmp_path / "run")
    result = CliRunner().invoke(app, ["report", str(target), "--lang", "xx"])
    assert result.exit_code == 0, result.output
    assert "Whåt håppened [xx]" in (target / "report.html").read_text(encoding="utf-8")
