"""Bad contracts that compile and deploy (issue 15's bad input): a contract whose view lies about a balance, and
one with an infinite loop. `check` must fail them, name the view that lies and the invariant that caught it,
and name the loop as out of gas.

Each test contract is the shipped WagePassThrough (the smallest family) renamed, with one line changed; it is
written into the test's folder with its manifest, so nothing is kept twice. The attack cases against a compiled
contract stay in `make test` (a compile and a second of cases); the whole check runs are slow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecny_sim.chain import overlay, user_contracts
from ecny_sim.chain.user_contracts import shipped_dir
from ecny_sim.cli.main import app
from ecny_sim.conformance.check import FAMILIES, attack_rows
from ecny_sim.conformance.modelled import PropertyViolated, run_case
from ecny_sim.conformance.wages_attacks import ATTACKS
from ecny_sim.conformance.wages_machine import WagesMachine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from solc_needed import needs_solc  # noqa: E402

pytestmark = needs_solc  # each test compiles a contract

runner = CliRunner()
BUILTIN, INTERFACE = "WagePassThrough", "IWagePassThrough"
#: name -> (the line of WagePassThrough.sol, what it becomes)
VARIANTS = {
    # pendingWagesFen reports half the wages the contract holds
    "LyingWages": ("        return _token.earmarkedTotalOf(address(this));",
                   "        return _token.earmarkedTotalOf(address(this)) / 2;"),
    # payWages never ends: every call runs out of gas. The loop allocates ever more memory, so that it burns the
    # transaction's 2^24 gas in milliseconds (a bare `while (true) {}` takes py-evm five seconds a call; the
    # verdict is the same)
    "LoopingWages": ("        Payroll storage run = _existing(payrollId);\n        // The subcontractor may pay early",
                     "        for (uint256 n = 1; ; ++n) new uint256[](n * 32);\n"
                     "        Payroll storage run = _existing(payrollId);\n        // The subcontractor may pay early"),
}


def _write(name: str, folder: Path) -> Path:
    line, changed = VARIANTS[name]
    source = (shipped_dir() / f"{BUILTIN}.sol").read_text(encoding="utf-8")
    source = source.replace('"./', '"ecny-sim/').replace(f"contract {BUILTIN} is", f"contract {name} is")
    assert source.count(line) == 1
    folder.mkdir(parents=True)
    (folder / f"{name}.sol").write_text(source.replace(line, changed), encoding="utf-8")
    (folder / user_contracts.MANIFEST_FILE).write_text(f'api = 1\n\n[{INTERFACE}]\ncontract = "{name}"\n')
    return folder


def test_a_view_that_lies_about_a_balance_fails_the_invariant_that_names_it(tmp_path):
    build = user_contracts.build(_write("LyingWages", tmp_path / "lie"))
    with overlay.active(build):
        rows = attack_rows(FAMILIES[INTERFACE])
    failed = [r for r in rows if r.verdict == "fails"]
    assert failed, "no attack noticed the lie"
    for row in failed:
        assert row.property == "pending_wages_equal_the_earmark", row
        assert row.detail.startswith("(pendingWagesFen, earmarkedTotalOf, subcontractor's earmark) ("), row.detail
        pending, held = (int(x) for x in row.detail.split("(")[2].split(")")[0].split(", ")[:2])
        assert pending * 2 == held, row.detail  # the view says half of what the token holds


def test_an_infinite_loop_is_named_out_of_gas(tmp_path):
    build = user_contracts.build(_write("LoopingWages", tmp_path / "loop"))
    with overlay.active(build), pytest.raises(PropertyViolated) as info:
        run_case(WagesMachine, ATTACKS["calls before payday"])
    assert info.value.prop == "reverts_match_the_model", info.value
    assert "payWages" in info.value.msg and info.value.msg.endswith("chain gives out of gas"), info.value.msg


@pytest.mark.slow  # the whole check, twice
@pytest.mark.parametrize("name, says", [
    ("LyingWages", "pending_wages_equal_the_earmark"),
    ("LoopingWages", "reverted with OutOfGas()"),
])
def test_check_fails_the_bad_contract_and_says_why(name, says, tmp_path):
    folder = _write(name, tmp_path / name)
    result = runner.invoke(app, ["check", str(folder), "--out", str(tmp_path / "out")], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert says in result.output
    data = json.loads((tmp_path / "out" / "check.json").read_text())
    assert data["verdict"] == "fails" and data["contract"] == name
    machine = next(r for r in data["rows"] if r["kind"] == "state machine")
    assert machine["verdict"] == "fails" and machine["counterexample"], machine
