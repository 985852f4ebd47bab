"""A study's points and its bad inputs: grids, ranges, seeds, study files. A bad one ends in one line, exit 2,
before any run starts and with nothing written."""

from __future__ import annotations

import pytest
from sweep_helpers import SCENARIO, cli

from ecny_sim.run.scenario import BadInput
from ecny_sim.study.plan import Study, parse_grid, parse_values, point_key


def test_ranges_are_inclusive_and_lists_are_json_where_they_parse():
    assert parse_values("n", "1..3") == [1, 2, 3]
    assert parse_values("n", "-1..1") == [-1, 0, 1]
    assert parse_values("n", "5..5") == [5]
    assert parse_values("n", "100,1000") == [100, 1000]
    assert parse_values("n", "escrow, risk_deposit") == ["escrow", "risk_deposit"]
    assert parse_values("n", "true,1.5") == [True, 1.5]
    assert parse_grid(["a=1..2", "b=x,y"]) == {"a": [1, 2], "b": ["x", "y"]}


@pytest.mark.parametrize("text, message", [("4..1", "empty range"), ("", "no value"), ("1,,2", "no value")])
def test_empty_ranges_and_lists_are_refused(text, message):
    with pytest.raises(BadInput, match=message):
        parse_values("n", text)


def test_points_in_order_every_combination_every_seed():
    study = Study.build(str(SCENARIO), grid=["pupils=1,2", "lessons=1..3"], fixed=["fail=none"], seeds="1..2")
    scenario = study.check()
    points = list(study.points(scenario))
    assert study.size == len(points) == 12
    assert [p.index for p in points] == list(range(12))
    assert [(p.values["pupils"], p.values["lessons"], p.seed) for p in points[:4]] == [(1, 1, 1), (1, 1, 2),
                                                                                        (1, 2, 1), (1, 2, 2)]
    assert points[0].values == {"start": "2022-05-09 09:00", "pupils": 1, "lessons": 1, "fail": "none"}
    assert len({p.key for p in points}) == 12
    assert points[5].key == point_key(points[5].values, points[5].seed)  # the key names the point, not its place


@pytest.mark.parametrize("grid, fixed, seeds, message", [
    (["pupil=1,2"], [], None, "pupil=1: not a parameter of this scenario (did you mean pupils?)"),
    (["pupils=0,2"], [], None, "pupils=0: Input should be greater than or equal to 1 (at pupils=0)"),
    (["pupils=1,2", "fail=none,crash"], [], None, "fail='crash'"),
    ([], ["lessons=99"], None, "lessons=99"),
    (["seed=1..3"], [], None, "the seed is not a parameter"),
    ([], [], "3..1", "empty range"),
    (["pupils=1,2,1"], [], None, "pupils: the value 1 is given twice"),  # two points would share one key
])
def test_a_bad_point_is_refused_before_anything_runs(grid, fixed, seeds, message):
    with pytest.raises(BadInput) as caught:
        Study.build(str(SCENARIO), grid=grid, fixed=fixed, seeds=seeds).check()
    assert message in str(caught.value)


def test_a_study_file_and_the_command_line_on_top(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(f'scenario = "{SCENARIO}"\ntitle = "t"\nseeds = "1..3"\nmeasures = ["totals.paid_in_fen"]\n'
                    '[set]\nfail = "none"\n[grid]\npupils = [1, 2]\nlessons = "1..2"\n', encoding="utf-8")
    study = Study.from_file(path, grid=["lessons=3,4"], seeds="7")
    assert study.grid == {"pupils": [1, 2], "lessons": [3, 4]} and study.seeds == [7]
    assert study.fixed == {"fail": "none"} and study.measures == ["totals.paid_in_fen"]
    study = Study.from_file(path, fixed=["pupils=3"])  # a fixed value on the command line takes a grid name out
    assert study.grid == {"lessons": [1, 2]} and study.fixed == {"fail": "none", "pupils": 3}


@pytest.mark.parametrize("text, message", [
    ('scenario = "edu_term"\nbogus = 1\n', "unknown field 'bogus'"),
    ('scenario = "edu_term"\n[grid\n', "not valid TOML"),
    ('seeds = "1..2"\n', "`scenario` must name"),
    ('scenario = "edu_term"\n[grid]\npupils = []\n', "non-empty list"),
    ('scenario = "edu_term"\nseeds = [1, 1]\n', "a seed is given twice"),
    ('scenario = "edu_term"\n[grid]\npupils = [2, 2]\n', "grid pupils: the value 2 is given twice"),
    ('scenario = "edu_term"\nseeds = "2..1"\n', "empty range"),
])
def test_bad_study_files(tmp_path, text, message):
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        Study.from_file(path)


@pytest.mark.parametrize("args, message", [
    (["--grid", "pupils=1,2", "--grid", "nonsense=1..2"], "nonsense=1: not a parameter"),
    (["--grid", "lessons=4..1"], "lessons=4..1: empty range"),
    (["--grid", "lessons=0..2"], "lessons=0: Input should be greater than or equal to 1"),
    (["--set", "fail=sometimes"], "fail='sometimes'"),
    (["--seeds", "a..b"], "seeds are whole numbers"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "--workers is for the local cluster"),
])
def test_the_command_says_one_line_exits_2_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "sweep"
    proc = cli("sweep", str(SCENARIO), "--out", str(out), *args)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr, proc.stderr
    assert not out.exists()


def test_a_bad_study_file_on_the_command_line(tmp_path):
    (tmp_path / "s.toml").write_text('scenario = "edu_term"\n[grid]\npupils = "3..1"\n', encoding="utf-8")
    proc = cli("sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "pupils=3..1: empty range" in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_random_draws_cross_the_grid_and_are_the_same_every_time():
    study = Study.build(str(SCENARIO), grid=["pupils=1,2"], draw=["lessons=1..10"], draws=4, seeds="1..2")
    scenario = study.check()
    points = list(study.points(scenario))
    assert study.size == len(points) == 16 and study.varied == ["pupils", "lessons"]
    drawn = [p.values["lessons"] for p in points if p.values["pupils"] == 1 and p.seed == 1]
    assert len(drawn) == 4 and all(1 <= d <= 10 for d in drawn)
    assert drawn == [p.values["lessons"] for p in points if p.values["pupils"] == 2 and p.seed == 1]
    again = Study.build(str(SCENARIO), grid=["pupils=1,2"], draw=["lessons=1..10"], draws=4, seeds="1..2")
    assert [p.key for p in again.points(scenario)] == [p.key for p in points]


@pytest.mark.parametrize("draw, draws, message", [
    (["lessons=1..10"], None, "need how many: --draws N"),
    ([], 3, "--draws needs parameters to draw"),
    (["lessons=9..2"], 2, "empty range"),
    (["lessons=a,b"], 2, "needs a range of whole numbers"),
    (["lessons=5..40"], 3, "lessons="),  # a draw the scenario's model refuses (lessons <= 10)
])
def test_bad_draws(draw, draws, message):
    with pytest.raises(BadInput, match=message):
        Study.build(str(SCENARIO), draw=draw, draws=draws).check()
