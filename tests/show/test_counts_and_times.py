"""What people read: counts in the singular or plural with their thousands grouped, decoded times in Beijing
time, and a report's parameters as labels with their units and the key in small type."""

from __future__ import annotations

from ecny_sim.domain.explain import format_args
from ecny_sim.show.report.page import _param_name, _param_value
from ecny_sim.show.report.story import counted
from ecny_sim.show.report.words import ReportWords

MAY_1_2024_10H = 1714528800  # 2024-05-01 10:00:00 Beijing time


def test_decoded_times_read_as_beijing_time():
    said = format_args({"paymentId": 3, "deadline": MAY_1_2024_10H, "decideBy": MAY_1_2024_10H,
                        "payday": MAY_1_2024_10H, "until": MAY_1_2024_10H, "closesAt": MAY_1_2024_10H,
                        "promiseEnd": MAY_1_2024_10H, "time": MAY_1_2024_10H, "amountFen": 150_000,
                        "lessons": 20, "capSeconds": 92 * 86400})
    assert said == ("paymentId=3, deadline=2024-05-01 10:00:00 CST, decideBy=2024-05-01 10:00:00 CST, "
                    "payday=2024-05-01 10:00:00 CST, until=2024-05-01 10:00:00 CST, closesAt=2024-05-01 10:00:00 CST, "
                    "promiseEnd=2024-05-01 10:00:00 CST, time=2024-05-01 10:00:00 CST, amountFen=¥1,500, lessons=20, "
                    "capSeconds=92 days")
    assert format_args({"deadline": 0}) == "deadline=0"  # not a moment: no time at all


def test_counts_are_plural_where_they_are_many_and_grouped():
    en, zh = ReportWords("en"), ReportWords("zh")
    said = [en.n_("{n} alert was raised during the run.", "{n} alerts were raised during the run.", n)
            for n in (1, 2, 20_000)]
    assert said == ["1 alert was raised during the run.", "2 alerts were raised during the run.",
                    "20,000 alerts were raised during the run."]
    assert [counted(en, "orders", n) for n in (1, 1000)] == ["1 order", "1,000 orders"]
    assert counted(en, "claimed_packets", 47_573) == "47,573 packets" and counted(zh, "merchants", 3389) == "3,389"
    assert zh.n_("{n} alert was raised during the run.", "{n} alerts were raised during the run.", 20_000) == \
        "运行期间共触发 20,000 条预警。"


def test_an_oversold_course_says_lesson_or_lessons():
    oversold = {"kind": "course_oversold", "subject": "school:a course 1", "value": 1, "threshold": 1200,
                "message": "school:a sold 1 lesson of course 1, but only about 1,200 can be taught before it ends"}
    assert ReportWords("zh").alert(oversold)[1] == "school:a course 1：售出 1 节课，但到结课前最多只能上约 1,200 节"
    assert ReportWords("en").alert(oversold)[1] == oversold["message"]


def test_parameters_are_labels_with_units_and_the_key_in_small_type():
    en, zh = ReportWords("en"), ReportWords("zh")
    assert _param_name("dispute_window_hours", en) == \
        'dispute window (hours)<br><span class="key">dispute_window_hours</span>'
    assert _param_name("start", zh) == '开始时间（北京时间）<br><span class="key">start</span>'
    assert _param_name("my_own_knob", en) == '<span class="key">my_own_knob</span>'
    assert _param_value("fee_per_lesson_fen", 15_000, en) == "¥150"
    assert _param_value("applicants", 1_913_847, en) == "1,913,847"
    assert _param_value("tranches_fen", [25_000_000, 12_345], en) == "¥250,000, ¥123.45"
    assert _param_value("tranches_fen", [25_000_000, 12_345], zh) == "¥250,000、¥123.45"
    assert _param_value("cheating_firm", True, en) == "True" and _param_value("scale", 0.02, en) == "0.02"
