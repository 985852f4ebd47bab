"""The terminal: the summary's and inspect's tables fit 80 columns without cutting or folding an amount, in
English and Chinese; slow work shows a status line or a bar on a terminal and nothing when piped; replay
reports its progress."""

from __future__ import annotations

import io
import re

from rich.cells import cell_len
from rich.console import Console

from ecny_sim.pilot import run_scenario
from ecny_sim.read.replay import replay
from ecny_sim.run import scenario as scenarios
from ecny_sim.run.reporter import Reporter, SilentReporter
from ecny_sim.show.inspection import print_inspection
from ecny_sim.show.tables import pieces, print_table, wrap
from ecny_sim.show.terminal import (PROGRESS_MIN_ITEMS, ConsoleReporter, print_header, print_summary,
                                    progress_callback, status)

AMOUNT = re.compile(r"-?¥[\d,]+(?:\.\d\d)?")

SUMMARY = {
    "totals": {"issued_fen": 123_456_789_00, "paid_in_fen": 3_000_000_00, "released_fen": 1_200_000_00,
               "refunded_fen": 1_800_000_00, "locked_fen": 0, "owed_fen": 54_501_539},
    "comparison": {m: {"paid_in_fen": 12_000_000, "refunded_fen": r, "released_fen": 12_000_000 - r,
                       "parent_loss_fen": 6_000_000 - r // 2}
                   for m, r in (("unsupervised", 0), ("risk_deposit", 2_400_000), ("escrow", 6_000_000))},
    "alerts": [{"kind": "supervised_balance_high", "subject": "school:xingguang", "time": 1652_700_000,
                "message": "money supervised for school:xingguang reached ¥1,002,000, above ¥1,000,000: custody "
                           "at a bank is required", "value": 100_200_000, "threshold": 100_000_000},
               {"kind": "cancellation_wave", "subject": "school:xingguang", "time": 1653_700_000,
                "message": "201 of school:xingguang's 1,000 orders were cancelled within 24 hours (20%)",
                "value": 0.201, "threshold": 0.2}],
    "invariants": {"money is conserved: supply = issued - redeemed": True,
                   "escrow: every parent's wallet holds exactly the untaught lessons' fees": True,
                   "a check of the scenario's own that does not hold": False},
    "counts": {"transactions": 20_000},
    "journal_sha256": "ab" * 32,
}


def _screen(width: int = 80) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, highlight=False, color_system=None), out


def _fits(text: str, amounts: list[str], width: int = 80) -> None:
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= width, max(lines, key=cell_len)
    for amount in amounts:  # each amount whole, on one line
        assert any(amount in line for line in lines), amount
    assert "…" not in text


def _amounts(value) -> list[str]:
    return AMOUNT.findall(str(value))


def test_the_summary_fits_80_columns_in_english():
    console, out = _screen()
    print_summary(console, SUMMARY, "en", elapsed=78.31, out_dir=None, report=True)
    text = out.getvalue()
    _fits(text, _amounts(SUMMARY["alerts"][0]["message"]) + ["¥123,456,789", "¥545,015.39", "¥120,000"])
    assert "Money (read from the chain)" in text and "per-lesson" in text and "NO" in text
    assert "20,000 transactions in 78.3 s" in text and "ab" * 32 in text


def test_the_summary_in_chinese_translates_titles_and_headers_and_keeps_amounts_whole():
    console, out = _screen()
    print_summary(console, SUMMARY, "zh", elapsed=1.0)
    text = out.getvalue()
    _fits(text, ["¥123,456,789", "¥120,000", "1,002,000 元"])
    for words in ("资金（从链上读取）", "各监管模式对比", "运行期间触发的预警", "不变量", "金额", "是", "否"):
        assert words in text
    assert "20,000 笔交易" in text


def test_plurals_and_grouped_counts():
    console, out = _screen()
    print_summary(console, {**SUMMARY, "counts": {"transactions": 1}, "alerts": []}, "en", elapsed=0.5)
    assert "1 transaction in 0.5 s" in out.getvalue()


def test_a_header_wraps_its_title_and_parameters_rather_than_cutting_them():
    console, out = _screen()
    params = {"start": "2022-05-09 09:00", "parents": 1000, "fee_per_lesson_fen": 15000, "lessons_before_rumour": 4}
    print_header(console, "edu_refund_run", "A refund run: a rumour makes 1,000 parents cancel within an hour, "
                 "and every one succeeds", params, 1, "zh")
    text = out.getvalue()
    _fits(text, [])
    assert "挤兑退课" in text and "fee_per_lesson_fen=15000" in text and "随机种子 1" in text


def test_text_breaks_between_words_and_characters_but_never_inside_a_number():
    said = "为school:xingguang监管的资金达到1,002,000元，超过1,000,000元：须由银行托管 car_deposits.confirmDelivery"
    assert "1,002,000元，" in pieces(said) and "car_deposits." in pieces(said) and "confirmDelivery" in pieces(said)
    for width in range(12, 40):
        lines = wrap(said, width)
        assert all(cell_len(line) <= width for line in lines)
        assert any("1,002,000元" in line for line in lines) and any("1,000,000元" in line for line in lines)
    assert wrap("a " + "x" * 30, 10) == ["a", "x" * 10, "x" * 10, "x" * 10]  # a hash has to fold


def test_a_table_too_wide_for_the_screen_becomes_one_small_table_per_row():
    console, out = _screen()
    headers = ["contract", *(f"a long money column {i}" for i in range(8))]
    rows = [["escrow", *(f"¥{i},000,000.{i}5" for i in range(8))]]
    print_table(console, "Institutions", headers, rows, numeric=range(1, 9))
    text = out.getvalue()
    _fits(text, rows[0][1:])
    assert "Institutions: escrow" in text and "a long money column 7" in text


def test_inspect_fits_80_columns():
    view = {
        "scenario": "car_prepayment", "seed": 1, "line": 39, "time": "2024-04-30 10:00:25 CST", "complete_run": True,
        "institutions": [{"contract": "risk_deposit", "model": "upfront", "institution": "school:taoli-dep",
                          "status": "Frozen", "supervised_fen": 0, "orders_by_state": {"Refunded": 6},
                          "lessons_released": 0, "lessons_held": 0, "lessons_delivered_upfront": 18,
                          "paid_in_fen": 540_000, "released_fen": 432_000, "refunded_fen": 108_000}],
        "campaigns": [], "programmes": [], "grants": [], "pay_runs": [],
        "conditional_payments": [{"contract": "car_deposits", "payment": 1, "payer": "buyer:wang",
                                  "payee": "dealer:pingshan_nev", "verifier": "verifier:consumer_council",
                                  "amount_fen": 2_000_000, "status": "Released",
                                  "deadline": "2024-04-05 10:00:21 CST"}],
        "actors": {"dealer:pingshan_nev": {"balance_fen": 4_000_000, "statement": [
            {"line": 29, "time": "2024-04-05 10:00:00 CST", "change_fen": 2_000_000, "balance_fen": 2_000_000,
             "by": "verifier:consumer_council", "what": "car_deposits.confirmDelivery"}]}},
    }
    for lang in ("en", "zh"):
        console, out = _screen()
        print_inspection(console, view, ["dealer:pingshan_nev"], lang)
        _fits(out.getvalue(), ["¥5,400", "¥4,320", "¥1,080", "¥20,000", "¥40,000"])
    assert "对账单" in out.getvalue() and "条件支付" in out.getvalue()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_slow_work_shows_on_a_terminal_and_nothing_when_piped():
    items = list(range(PROGRESS_MIN_ITEMS + 1))
    piped, out = _screen()
    reporter = ConsoleReporter(piped)
    with reporter.phase("Running the scenario"):
        assert list(reporter.progress(items, "Parents cancelling")) == items
        assert list(reporter.progress(items[:3], "Enrolling 3 parents")) == items[:3]
    with status(piped, "Writing the report"), progress_callback(piped, "Replaying the journal") as told:
        told(1, 2)
    assert out.getvalue() == ""

    screen = _Terminal()
    terminal = Console(file=screen, width=80, force_terminal=True, color_system=None)
    reporter = ConsoleReporter(terminal, "zh")
    with reporter.phase("Running the scenario"):
        assert list(reporter.progress(items[:3], "Enrolling 3 parents")) == items[:3]
        assert list(reporter.progress(items, "Parents cancelling")) == items
        reporter.say("2022-05-09 09:00:00 CST", "a line above the status")
    assert reporter._live.bar is None  # gone when the last phase ended
    shown = screen.getvalue()
    assert "正在运行场景" in shown and "Parents cancelling" in shown and "a line above the status" in shown


def test_other_reporters_have_no_phases_to_show():
    with SilentReporter().phase("anything"):
        pass
    with Reporter.phase(SilentReporter(), "anything"):
        pass


def test_replay_tells_its_progress(tmp_path):
    scenario = scenarios.load("edu_withdraw")
    assert run_scenario(scenario, scenario.params(test_scale=True), 1, tmp_path).exit_code == 0
    told: list[tuple[int, int]] = []
    result = replay(tmp_path, progress=lambda done, total: told.append((done, total)))
    assert result.matches and told[-1] == (result.replayed, result.replayed)
    assert [done for done, _ in told] == sorted(done for done, _ in told)
