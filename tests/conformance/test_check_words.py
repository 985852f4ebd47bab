"""`ecny-sim check --lang`: the tables, lines and page in the console catalog's language (show/checks.py), the
record (check names, properties, messages, check.json) in English; an unknown language is one line, exit 2."""

from __future__ import annotations

import io
import re

from rich.console import Console
from typer.testing import CliRunner

from ecny_sim.cli.main import app
from ecny_sim.show.checks import check_html, print_check, started_line, wrote_line

#: a check's JSON as CheckReport.to_json writes it: one failure with its sequence, one batch function's gas
DATA = {
    "directory": "mine", "interface": "IWagePassThrough", "contract": "LyingWages", "deep": True,
    "verdict": "fails", "seconds": 12.3,
    "rows": [
        {"check": "scenario wage_passthrough", "kind": "scenario", "verdict": "holds",
         "property": "every invariant of the run", "detail": "", "counterexample": [], "seconds": 0.4},
        {"check": "state machine, pay runs", "kind": "state machine", "verdict": "fails",
         "property": "pending_wages_equal_the_earmark", "detail": "(pendingWagesFen, ...) (0, 1, 1)",
         "counterexample": ["state = WagesMachine()", "state.first_pay_run(crew=['worker:1'])"], "seconds": 2.0},
    ],
    "gas": [{"function": "payWages", "calls": 3, "yours": 120_000, "built_in": 100_000, "yours_per_order": 40_000,
             "built_in_per_order": 33_333}],
}


def _printed(lang: str) -> str:
    out = io.StringIO()
    print_check(Console(file=out, width=200, highlight=False), DATA, lang)
    return out.getvalue()


def test_the_tables_speak_the_language_and_the_record_stays_english():
    en, zh = _printed("en"), _printed("zh")
    assert "smallest failing sequence:" in en and "a check fails" in en and "FAILS" in en
    assert "最短的失败序列：" in zh and "有检查不成立" in zh and "不成立" in zh and "每项操作的 gas" in zh
    for text in (en, zh):  # the record: names, properties, messages, steps, numbers
        for kept in ("state machine, pay runs", "pending_wages_equal_the_earmark",
                     "(pendingWagesFen, ...) (0, 1, 1)", "state.first_pay_run(crew=['worker:1'])", "120,000",
                     "+20,000 (+20.0 %)", "33,333"):
            assert kept in text, (kept, text)
    assert "smallest failing sequence" not in zh and "every check holds" not in zh
    assert started_line("zh", "LyingWages (IWagePassThrough)", "mine", True, "14:00:00") == \
        "正在检查 mine 中的 LyingWages (IWagePassThrough)（深度搜索），开始于 14:00:00"
    assert wrote_line("en", "runs/x/check.json", 1234.4) == "wrote runs/x/check.json and check.html (1,234 s)"


def test_the_page_speaks_the_language():
    page = check_html(DATA, "zh")
    assert "<html lang='zh'>" in page and "<th>原因及最短的失败序列</th>" in page and "深度搜索" in page
    assert "<li><code>state = WagesMachine()</code></li>" in page
    assert re.search(r"<title>LyingWages 对照 IWagePassThrough: 不成立</title>", page)
    english = check_html(DATA)
    assert "<html lang='en'>" in english and "<th>why, and the smallest failing sequence</th>" in english


def test_an_unknown_language_is_one_line_before_anything_runs(tmp_path):
    result = CliRunner().invoke(app, ["check", str(tmp_path), "--lang", "fr", "--out", str(tmp_path / "out")],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 2 and result.output.strip() == "error: --lang must be one of en, zh, not 'fr'"
    assert not (tmp_path / "out").exists()
