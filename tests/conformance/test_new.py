"""`ecny-sim new KIND DIR`: each kind's scaffold compiles, implements its interface and runs its family's
scenario green (and replays) with `--contracts`; bad input is one line, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecny_sim.chain import overlay, user_contracts
from ecny_sim.cli.main import app
from ecny_sim.pilot import run_scenario
from ecny_sim.read.replay import replay
from ecny_sim.run import scenario as scenarios

runner = CliRunner()
#: KIND -> a built-in scenario of its family.
FAMILY_SCENARIO = {"prepaid-escrow": "edu_term", "upfront-prepaid": "edu_abscond",
                   "conditional-payment": "car_prepayment", "red-packet-campaign": "redpacket_refund_after_expiry",
                   "grant-programme": "grant_purpose_binding", "wage-pass-through": "wage_passthrough"}


def _scaffold_runs_green(kind: str, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    result = runner.invoke(app, ["new", kind, str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir())[-2:] == ["README.md", "ecny-contracts.toml"]
    build = user_contracts.build(folder)
    (contract,) = build.contracts.values()
    assert contract.name.startswith("My")
    scenario = scenarios.load(FAMILY_SCENARIO[kind])
    with overlay.active(build):
        run = run_scenario(scenario, scenario.params(test_scale=True), 1, tmp_path / "run")
    assert run.exit_code == 0, run.message
    replayed = replay(tmp_path / "run")
    try:
        assert replayed.difference is None, replayed.difference
    finally:
        replayed.chain.close()


@pytest.mark.slow  # a compile of the scaffold and a run: seconds each
@pytest.mark.parametrize("kind", list(FAMILY_SCENARIO))
def test_every_kind_starts_green(kind, tmp_path):
    _scaffold_runs_green(kind, tmp_path)


@pytest.mark.parametrize("args, says", [
    (["new", "escrow", "{t}/x"], r"unknown KIND 'escrow'; choose one of: prepaid-escrow"),
    (["new", "prepaid-escrow", "{t}/full"], r"full exists and is not an empty folder"),
    (["new", "prepaid-escrow", "{t}/x", "--name", "1st"], r"--name '1st' is not a Solidity contract name"),
])
def test_bad_input_is_one_line_and_writes_nothing(args, says, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = runner.invoke(app, [a.replace("{t}", str(tmp_path)) for a in args], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert re.search(says, result.output), result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
