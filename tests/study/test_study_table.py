"""The ends of a sweep, flat in the number of runs: the points made as they are taken, the parts consolidated a
window at a time into the table a whole sort would give, the summary from running sums giving the figures of a
two-pass computation (and its intervals clipped at zero where a figure cannot be negative)."""

from __future__ import annotations

import json
import math
import time
from fractions import Fraction

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from sweep_helpers import SCENARIO

from ecny_sim.study import runner, table
from ecny_sim.study.plan import MAX_POINTS, Study, point_key
from ecny_sim.study.summary import CLIPPED, T95, summarise, write_summary


def write_part(folder, number, rows):
    (folder / "parts").mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys(name for r in rows for name in r))
    pq.write_table(pa.Table.from_pylist([{n: r.get(n) for n in names} for r in rows]),
                   folder / "parts" / f"part-{number:06d}.parquet")


def row(point, **figures):
    return {"point": point, "key": f"{point:016x}", "seed": point % 3, "ok": True, "outcome": "ok", **figures}


def test_parts_in_any_order_give_the_table_a_whole_sort_gives(tmp_path, monkeypatch):
    monkeypatch.setattr(table, "WINDOW", 4)  # many windows, parts straddling them
    out = tmp_path / "s"
    write_part(out, 1, [row(9, a=1), row(2, a=2), row(5, a=3)])
    write_part(out, 2, [row(0, a=4, b=None), row(7, a=5.5), row(3, a=6, b="x")])  # a widens to float
    write_part(out, 3, [row(1, a=7), row(4, a=8, ok=False, outcome="scenario_error"), row(8, c=True)])
    write_part(out, 4, [row(6, a=9), row(5, a=30)])  # point 5 again (a failed run retried): the latest row wins
    merged = table.Consolidation(out, ["a"])
    assert merged.columns == ["point", "key", "a", "seed", "ok", "outcome", "b", "c"]
    windows = []
    assert merged.write(windows.append) == (10, 1)
    assert [w.num_rows for w in windows] == [4, 4, 2]
    whole = pq.read_table(out / "runs.parquet")
    assert whole.column("point").to_pylist() == list(range(10))
    assert whole.column("a").to_pylist() == [4, 7, 2, 6, 8, 30, 9, 5.5, None, 1]
    assert whole.schema.field("a").type == pa.float64() and whole.schema.field("c").type == pa.bool_()
    # the CSV writer streamed window by window writes what one write of the whole table does
    pacsv.write_csv(whole, tmp_path / "whole.csv")
    assert (out / "runs.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert not list(out.glob(".*new-*"))


def test_a_column_whose_parts_do_not_widen_becomes_text(tmp_path):
    out = tmp_path / "s"
    write_part(out, 1, [row(0, a=1)])
    write_part(out, 2, [row(1, a="many")])
    table.Consolidation(out, []).write()
    assert pq.read_table(out / "runs.parquet").column("a").to_pylist() == ["1", "many"]


def two_pass(values):
    """The summary's interval as it was computed before it streamed: every value held, mean then deviations."""
    n = len(values)
    mean = Fraction(sum(Fraction(v) for v in values), n)
    if n < 2:
        return float(mean), float(mean), float(mean)
    variance = sum((Fraction(v) - mean) ** 2 for v in values) / (n - 1)
    half = (T95[n - 2] if n - 1 <= len(T95) else 1.96) * math.sqrt(variance / n)
    return float(mean), float(mean) - half, float(mean) + half


def test_running_sums_give_the_two_pass_figures():
    rows = [{"g": g, "seed": s, "ok": s % 7 != 3, "x_fen": (s * 7919 + g) % 1000 + 1,
             "y": (s * 0.37 + g) ** 1.5 - 4, "z": None if s % 5 == 0 else s * g}
            for s in range(1, 60) for g in (1, 2, 3)]
    rows.append({"g": 4, "seed": 1, "ok": True, "x_fen": 7, "y": 1.25, "z": True})  # one run; True is not a figure
    lines = summarise(rows, ["g"], ["x_fen", "y", "z"])
    assert [line["g"] for line in lines] == [1, 2, 3, 4]
    for line in lines:
        good = [r for r in rows if r["g"] == line["g"] and r["ok"]]
        assert line["runs"] == sum(r["g"] == line["g"] for r in rows) and line["failed"] == line["runs"] - len(good)
        for measure in ("x_fen", "y", "z"):
            values = [r[measure] for r in good if isinstance(r[measure], (int, float))
                      and not isinstance(r[measure], bool)]
            expected = two_pass(values) if values else (None, None, None)
            got = (line[f"{measure}.mean"], line[f"{measure}.low95"], line[f"{measure}.high95"])
            assert got == expected, (line["g"], measure)  # to the last bit, in whatever order the rows came
    shuffled = sorted(rows, key=lambda r: (r["seed"] * 31) % 17)  # the groups first come in another order
    assert sorted(json.dumps(line, sort_keys=True) for line in summarise(shuffled, ["g"], ["x_fen", "y", "z"])) \
        == sorted(json.dumps(line, sort_keys=True) for line in lines)


def test_shards_add_up_to_one_run_before_they_count():
    rows = [{"model": m, "shard": sh, "seed": s, "ok": not (m == "b" and s == 2 and sh == 1),
             "totals.loss_fen": 100 * s + sh, "counts.largest_x": s + sh}
            for m in ("a", "b") for sh in (0, 1, 2) for s in (1, 2, 3)]
    (a, b) = summarise(rows, ["model"], ["totals.loss_fen", "counts.largest_x"], shards=3)
    assert (a["runs"], a["failed"], b["runs"], b["failed"]) == (3, 0, 3, 1)
    cities = [300 * s + 3 for s in (1, 2, 3)]  # each seed's three shards summed
    assert (a["totals.loss_fen.mean"], a["totals.loss_fen.high95"]) == two_pass(cities)[::2]  # low: clipped at 0
    assert b["totals.loss_fen.mean"] == two_pass([cities[0], cities[2]])[0]
    assert a["counts.largest_x.mean"] == two_pass([s + 2 for s in (1, 2, 3)])[0]  # the largest shard's, not a sum


def test_an_interval_is_clipped_at_zero_where_a_figure_cannot_be_negative(tmp_path):
    rows = [{"seed": s, "ok": True, "totals.parent_loss_fen": 900 if s == 1 else 0, "counts.closures": int(s == 1),
             "balance_change": 900 if s == 1 else 0, "comparison.escrow.net_fen": -50 if s == 1 else 0}
            for s in range(1, 5)]
    (line,) = summarise(rows, [], list(rows[0])[2:])
    assert line["totals.parent_loss_fen.mean"] == 225 and line["totals.parent_loss_fen.low95"] == 0
    assert line["counts.closures.low95"] == 0
    assert line["balance_change.low95"] < 0  # not a kind of figure known to stay at or above zero
    assert line["comparison.escrow.net_fen.low95"] < -50  # a _fen figure that went below zero in a run
    assert line[CLIPPED] == "totals.parent_loss_fen counts.closures"
    write_summary(tmp_path, [line])
    assert pacsv.read_csv(tmp_path / "summary.csv").to_pylist()[0][CLIPPED] == line[CLIPPED]


def test_the_points_are_made_as_they_are_taken(tmp_path):
    """A study of a million points starts at once: none is listed before the first is taken."""
    study = Study.build(str(SCENARIO), seeds=f"1..{MAX_POINTS}")
    began = time.monotonic()
    tasks = runner.prepare(study, tmp_path / "s", resume=False, keep_journals=False)
    first = [task["seed"] for _, task in zip(range(3), tasks)]
    assert time.monotonic() - began < 5 and len(tasks) == MAX_POINTS and first == [1, 2, 3]


def test_resume_knows_what_is_done_from_the_keys(tmp_path):
    study = Study.build(str(SCENARIO), grid=["pupils=1,2"], seeds="1..3")
    out = tmp_path / "s"
    points = list(study.points(study.check()))
    (out / "parts").mkdir(parents=True)
    table.write_study(out, {**study.describe(), "keep_journals": False})
    write_part(out, 1, [{"point": p.index, "key": p.key, "ok": p.index != 4} for p in points if p.index in (1, 4)])
    tasks = runner.prepare(study, out, resume=True, keep_journals=False)
    assert (len(tasks), tasks.already, tasks.again) == (4, 2, 0)
    assert [t["index"] for t in tasks] == [0, 2, 3, 5]
    again = runner.prepare(study, out, resume=True, keep_journals=False, retry_failed=True)
    assert (len(again), again.already, again.again) == (5, 1, 1)
    assert [t["index"] for t in again] == [0, 2, 3, 4, 5]
    keys = table.done_keys(out)
    assert table.holds(keys, points[4].key) and not table.holds(keys, point_key({"x": 1}, 1))


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.exit(pytest.main([__file__]))


def test_a_range_of_seeds_stays_a_range(tmp_path):
    """A million seeds are a few bytes in the study and in study.json; a folder whose study.json lists its seeds
    (as every folder did before) is the same study as their range, and resumes."""
    study = Study.build(str(SCENARIO), seeds=f"1..{MAX_POINTS}")
    assert study.seeds == range(1, MAX_POINTS + 1) and study.describe()["seeds"] == f"1..{MAX_POINTS}"
    assert Study.build(str(SCENARIO), seeds="7..7").describe()["seeds"] == [7]
    small = Study.build(str(SCENARIO), seeds="1..3")
    out = tmp_path / "s"
    out.mkdir()
    table.write_study(out, {**small.describe(), "seeds": [1, 2, 3], "keep_journals": False})
    assert len(runner.prepare(small, out, resume=True, keep_journals=False)) == 3
