"""A third language needs no Python change: a folder of catalogs named in ECNY_SIM_LOCALE_PATH is enough.

The pseudo-language "xx" below translates a handful of narration messages (money, a date pattern, a contract's
name, one sentence, one count with three plural forms) and leaves the rest to fall back to English.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ecny_sim import pilot
from ecny_sim.run import scenario as scenarios
from ecny_sim.show import i18n
from ecny_sim.show.narration import LANGUAGES, Narrator, languages

#: A catalog as a translator would write it; three plural forms, chosen by its own rule.
XX_PO = r'''
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\n"
"Language: xx\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"

msgid "¥{amount}"
msgstr "{amount} YUAN"

msgid "d MMM HH:mm"
msgstr "dd.MM. HH:mm"

msgctxt "contract"
msgid "the escrow contract"
msgstr "el contrato de custodia"

msgid "{parent} leaves the course and gets {refund} back at once for {lessons} not taught"
msgstr "{parent} LEAVES: {refund} BACK FOR {lessons}"

msgid "{n} lesson"
msgid_plural "{n} lessons"
msgstr[0] "{n} lekcja"
msgstr[1] "{n} lekcje"
msgstr[2] "{n} lekcji"
'''


@pytest.fixture
def xx(tmp_path, monkeypatch) -> Path:
    """The "xx" catalogs in a folder of their own, named in ECNY_SIM_LOCALE_PATH."""
    folder = tmp_path / "locale" / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = read_po(io.StringIO(XX_PO), domain="narration")
    with (folder / "narration.mo").open("wb") as f:
        write_mo(f, catalog)
    monkeypatch.setenv(i18n.LOCALE_PATH_ENV, str(tmp_path / "locale"))
    return tmp_path / "locale"


def narrate(name: str, lang: str) -> list[str]:
    s = scenarios.load(name)
    params = s.params(test_scale=True)
    sim = pilot.Simulation(s, params, seed=1)
    narrator = Narrator(lang=lang, out=io.StringIO()).attach(sim)
    s.run(sim, params)
    return narrator.sentences


def test_a_catalog_folder_is_a_language(xx):
    assert "xx" in languages() and "xx" in i18n.languages("narration")
    assert "xx" not in LANGUAGES and "xx" not in i18n.languages("report")  # the shipped ones; no report in xx


def test_a_third_language_translates_what_it_has_and_falls_back_to_english(xx):
    told = narrate("edu_withdraw", "xx")
    # its own sentence, its own money pattern, and its own plural rule ("3 lekcje", not "3 lekcji")
    assert "parent:alice LEAVES: 450 YUAN BACK FOR 3 lekcje" in told
    # an English sentence around the language's words: money, a count (5 -> the third form), a date pattern
    assert "school:taoli offers a course of 5 lekcji at 150 YUAN each, from 16 May to 30 May" in told
    assert any(s.startswith("Lesson 1 is recorded for 1 pupil at school:taoli: each 150 YUAN stays locked in the "
                            "parent's wallet until 18.05. 18:00") for s in told)
    # the narrator's own nouns: capitalised where they begin a sentence, as they are elsewhere
    assert ("El contrato de custodia starts with the regulator's caps: at most 5,000 YUAN per payment, 60 class "
            "hours and 92 days per order, and 48 hours to dispute a lesson") in told
    assert "The bank lets el contrato de custodia lock money inside people's wallets" in told
    # what xx does not translate is told in English, sentence for sentence
    assert "parent:alice tops up their wallet with 750 YUAN from their bank account" in told
    assert "The regulator approves school:taoli to take prepaid fees through el contrato de custodia" in told
    english = narrate("edu_withdraw", "en")
    assert len(told) == len(english)
    assert [s for s in told if "YUAN" not in s and "lekc" not in s and "contrato" not in s and "18.05." not in s] \
        == [s for s in english if "¥" not in s and "lesson" not in s and "escrow" not in s]


def test_the_command_line_speaks_every_language_with_a_catalog(xx, tmp_path):
    run = [sys.executable, "-m", "ecny_sim.cli.main", "run", "edu_withdraw", "--test-scale", "--narrate"]
    proc = subprocess.run([*run, "--lang", "xx", "--out", "o"], cwd=tmp_path, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "parent:alice LEAVES: 450 YUAN BACK FOR 3 lekcje" in proc.stdout
    # a report needs a report catalog, which xx does not have
    proc = subprocess.run([*run, "--lang", "xx", "--report", "--out", "r"], cwd=tmp_path, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert proc.returncode == 2 and "--lang must be one of en, zh, not 'xx'" in proc.stderr
