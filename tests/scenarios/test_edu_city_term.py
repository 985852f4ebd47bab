"""edu_city_term, the city study's workload: the city it builds, and its run at test scale to the fen."""

from __future__ import annotations

import importlib
import json
import random
import statistics

import pytest

from ecny_sim import DAY, MINUTE, Prepaid
from ecny_sim.pilot import run_scenario
from ecny_sim.run import scenario as scenarios

city = importlib.import_module("ecny_sim.scenarios.edu_city_term")
SCENARIO = scenarios.load("edu_city_term")
SEED = 3


def run(**overrides):
    return run_scenario(SCENARIO, SCENARIO.params(overrides, test_scale=True), seed=SEED, out_dir=None)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("city") / "run"
    result = run_scenario(SCENARIO, SCENARIO.params(test_scale=True), seed=SEED, out_dir=out)
    assert result.outcome == "ok", (result.message, result.failed_invariants)
    return out


@pytest.fixture(scope="module")
def summary(folder):
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def test_institution_sizes_place_every_pupil_at_zipf_sized_institutions():
    sizes = city.institution_sizes(20_000, 15, 3_000, random.Random(1))
    assert sum(sizes) == 20_000
    assert min(sizes) >= 15 and max(sizes) < 3_000 + 15
    # Many small, a few large: half are one class or less, a handful are ten classes or more.
    assert statistics.median(sizes) <= 30
    assert 0 < sum(1 for s in sizes if s >= 300) < len(sizes) // 10
    # About the 200+ institutions Futian's platform opened with, for the default 20,000 pupils.
    assert 150 <= len(sizes) <= 300


def test_institution_sizes_follow_the_seed():
    assert city.institution_sizes(5_000, 15, 3_000, random.Random(7)) == \
        city.institution_sizes(5_000, 15, 3_000, random.Random(7))
    assert city.institution_sizes(5_000, 15, 3_000, random.Random(7)) != \
        city.institution_sizes(5_000, 15, 3_000, random.Random(8))


def test_a_remainder_smaller_than_the_smallest_joins_the_last_institution():
    for seed in range(20):
        sizes = city.institution_sizes(100, 15, 75, random.Random(seed))
        assert sum(sizes) == 100 and min(sizes) >= 15
    assert city.institution_sizes(10, 15, 75, random.Random(1)) == [10]  # fewer pupils than the smallest


def test_lesson_slots_are_after_school_on_each_day_of_the_first_week():
    midnight = 1_652_630_400 - 8 * 3600  # 2022-05-16 00:00 Beijing time
    slots = city.lesson_slots(midnight)
    assert len(slots) == 7 * len(city.LESSON_TIMES) == len(set(slots))
    assert all(16 * 60 + 30 <= (t - midnight) % DAY // MINUTE <= 19 * 60 + 30 for t in slots)
    assert max(slots) < midnight + 7 * DAY


def test_the_run_pays_each_school_exactly_its_pupils_fees_to_the_fen(summary):
    p = SCENARIO.params(test_scale=True)
    sizes = city.institution_sizes(p.pupils, p.smallest_institution, p.largest_institution, random.Random(SEED))
    balances = summary["balances_fen"]
    schools = {name: fen for name, fen in balances.items() if name.startswith("school:")}
    assert schools == {f"school:{i + 1:04d}": n * 4 * 15_000 for i, n in enumerate(sizes)}
    parents = {name: fen for name, fen in balances.items() if name.startswith("parent:")}
    assert len(parents) == 100 and set(parents.values()) == {0}
    totals = summary["totals"]
    assert totals["paid_in_fen"] == totals["released_fen"] == totals["issued_fen"] == 100 * 4 * 15_000
    assert totals["locked_fen"] == totals["refunded_fen"] == 0
    assert summary["counts"]["orders"] == 100 and summary["counts"]["lessons_released"] == 400


def test_each_class_records_each_lesson_in_one_transaction_for_the_whole_class(folder, summary):
    p = SCENARIO.params(test_scale=True)
    sizes = city.institution_sizes(p.pupils, p.smallest_institution, p.largest_institution, random.Random(SEED))
    records = [json.loads(line) for line in (folder / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
    lessons = [r for r in records if r.get("function") == "recordLesson"]
    by_course: dict[int, list[dict]] = {}
    for r in lessons:
        by_course.setdefault(r["args"][0], []).append(r)
    class_sizes = sorted(min(30, n - c) for n in sizes for c in range(0, n, 30))
    assert sorted(len(rs[0]["args"][1]) for rs in by_course.values()) == class_sizes
    assert all(len(rs) == p.lessons and all(r["status"] == 1 for r in rs) for rs in by_course.values())
    # Two a week, three or four days apart (a few seconds either way while a block waits its turn).
    for rs in by_course.values():
        assert all(3 * DAY - 10 * MINUTE <= b["timestamp"] - a["timestamp"] <= 4 * DAY + 10 * MINUTE
                   for a, b in zip(rs, rs[1:]))


def test_every_city_check_is_made_and_holds(summary):
    invariants = summary["invariants"]
    for name in ("every fen prepaid is with its school for a delivered lesson or still locked",
                 "each institution received exactly its pupils' fees for every lesson",
                 "every pupil had every lesson recorded, none skipped",
                 "no order was paid more lessons than it bought or than were recorded",
                 "no fee left escrow before its dispute window closed",
                 "every lesson was recorded within 10 minutes of its timetabled start",
                 "nothing left locked", "parents' wallets are empty: the schools hold every fen issued",
                 "every order completed"):
        assert invariants[name] is True, name
    assert all(invariants.values())


def test_a_pupil_left_out_of_one_lesson_fails_the_checks(monkeypatch):
    """The checks have teeth: one class records one lesson without its first pupil."""
    original = Prepaid.record_lesson
    dropped = []

    def record_lesson(self, institution, course_id, order_ids):
        order_ids = list(order_ids)
        if not dropped and course_id == 1:
            dropped.append(order_ids.pop(0))
        return original(self, institution, course_id, order_ids)

    monkeypatch.setattr(Prepaid, "record_lesson", record_lesson)
    result = run()
    assert dropped and result.outcome == "invariant_failed"
    assert {"each institution received exactly its pupils' fees for every lesson",
            "every pupil had every lesson recorded, none skipped", "nothing left locked",
            "parents' wallets are empty: the schools hold every fen issued",
            "every order completed"} <= set(result.failed_invariants)
    # The money that was released is still accounted for: with its school or locked.
    assert "every fen prepaid is with its school for a delivered lesson or still locked" not in \
        result.failed_invariants


@pytest.mark.parametrize("overrides, words", [
    ({"lessons": 20, "fee_per_lesson_fen": 30_000}, "cap per charge"),
    ({"pupils": 100_001}, "less than or equal to 100000"),
    ({"smallest_institution": 80, "largest_institution": 40}, "must not exceed"),
    ({"lessons": 28}, "less than or equal to 27"),
])
def test_parameters_outside_the_rules_are_bad_input(overrides, words):
    with pytest.raises(scenarios.BadInput, match=words):
        SCENARIO.params(overrides)
