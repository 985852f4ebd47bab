"""`ecny-sim list` names every built-in scenario; `ecny-sim list NAME` shows its parameters from the pydantic
model (default, type and range, test-scale value, description); an unknown parameter names the closest ones."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ecny_sim.cli.main import app
from ecny_sim.run import scenario as scenarios

runner = CliRunner()


def test_list_names_every_builtin_scenario_and_says_how_to_see_parameters():
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in scenarios.builtin_names():
        assert name in result.output
    assert "ecny-sim list NAME" in result.output


def test_list_name_shows_each_parameter_with_default_range_and_test_value():
    result = runner.invoke(app, ["list", "edu_refund_run"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in result.output.splitlines() if line.startswith("│")}
    assert rows["parents"] == ["1,000", "int ≥ 1, ≤ 20,000", "40", ""]
    assert rows["run_minutes"] == ["60", "int ≥ 1, ≤ 1,440", "", "the cancellations spread over this long"]
    assert rows["start"][0] == "2022-05-09 09:00" and "Beijing time" in rows["start"][3]


def test_list_of_an_unknown_scenario_is_one_line_exit_2():
    result = runner.invoke(app, ["list", "edu_nope"])
    assert result.exit_code == 2 and "unknown scenario 'edu_nope'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("wrong,hint", [("pupil", "did you mean pupils?"), ("lesson", "did you mean lessons"),
                                        ("zzz", "see `ecny-sim list edu_abscond`")])
def test_an_unknown_parameter_names_the_closest_valid_ones(wrong, hint):
    with pytest.raises(scenarios.BadInput, match=f"{wrong}=3: not a parameter of this scenario") as caught:
        scenarios.load("edu_abscond").params({wrong: 3})
    assert hint in str(caught.value)


def test_an_oversized_value_is_echoed_cut_short():
    with pytest.raises(scenarios.BadInput) as caught:
        scenarios.load("edu_abscond").params({"pupils": "9" * 5000 + "x"})
    assert len(str(caught.value)) < 300 and "…" in str(caught.value)


def test_help_shows_the_exit_code_table():
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for code in ("0 ok", "1 an invariant failed", "2 bad input", "3 an unexpected revert", "4 replay",
                 "5 the scenario script failed", "6 the chain backend failed", "130 interrupted"):
        assert code in result.output
