"""A developer's own contract (issue 15): `--contracts DIR` runs and replays with it, `ecny-sim check` finds the
flawed example's flaw and passes the parent-confirmed one, the attack cases compare with the model.

The two examples are compiled once per module. The full `check` runs (every scenario, both state machines at
the default budget) are slow; a short search on the flawed example stays in `make test`.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecny_sim.chain import overlay, user_contracts
from ecny_sim.chain.compiler import load_builtin_artifact
from ecny_sim.cli.main import app
from ecny_sim.conformance import check as conformance
from ecny_sim.conformance.escrow_attacks import ATTACKS, run_attack
from ecny_sim.conformance.escrow_machine import EscrowMachine, InstantEscrowMachine
from ecny_sim.conformance.escrow_model import COURSES, EDGE, Model
from ecny_sim.conformance.modelled import PropertyViolated
from ecny_sim.pilot import run_scenario
from ecny_sim.read.replay import replay
from ecny_sim.run import scenario as scenarios

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from solc_needed import needs_solc  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


@pytest.fixture(scope="module")
def confirmed() -> user_contracts.UserBuild:
    return user_contracts.build(EXAMPLES / "parent-confirmed-escrow")


@pytest.fixture(scope="module")
def flawed() -> user_contracts.UserBuild:
    return user_contracts.build(EXAMPLES / "flawed-escrow")


@needs_solc
def test_a_run_with_a_users_contract_records_it_and_replays_from_the_journal_alone(confirmed, tmp_path):
    uc = confirmed.contracts["PrepaidEscrow"]
    assert uc.name == "ParentConfirmedEscrow" and "confirmLessons(uint256)" in uc.artifact["methodIdentifiers"]
    scenario = scenarios.load("edu_term")
    with overlay.active(confirmed):
        result = run_scenario(scenario, scenario.params(test_scale=True), 1, tmp_path / "run")
    assert result.exit_code == 0, result.message
    header = json.loads((tmp_path / "run" / "journal.jsonl").read_text().splitlines()[0])
    recorded = header["user_contracts"]["contracts"]["PrepaidEscrow"]
    assert recorded["contract"] == "ParentConfirmedEscrow" and recorded["interface"] == "IPrepaidEscrow"
    assert header["artifacts"]["PrepaidEscrow"] == uc.artifact_hash == recorded["artifact_sha256"]
    assert header["artifacts"]["ECNY"] != uc.artifact_hash  # the token stays ecny-sim's
    assert list(header["user_contracts"]["sources"]) == ["contracts/ParentConfirmedEscrow.sol"]
    # deployed: the user's bytecode, not the built-in's
    deploy = next(json.loads(line) for line in (tmp_path / "run" / "journal.jsonl").read_text().splitlines()
                  if '"constructor"' in line and '"escrow"' in line)
    assert deploy["artifact"] == "PrepaidEscrow"
    assert overlay.current() is None  # nothing stays installed after the run
    replayed = replay(tmp_path / "run")  # no build active: the header brings the contract
    try:
        assert replayed.difference is None, replayed.difference
        assert any(e.get("name") == "confirmLessons" for e in replayed.chain.contract("escrow").abi)
    finally:
        replayed.chain.close()


@needs_solc
def test_the_parent_confirms_a_held_lesson_and_the_school_is_paid_at_once(confirmed):
    with overlay.active(confirmed):
        m = EscrowMachine()
        m.chain.set_time(EDGE)
        m.do_enrol("parent:0", 3, 6, "exact")
        m.chain.set_time(COURSES[3].start)
        m.do_record_lesson("school:a", 3, [1])  # held for 48 hours
        school = m.chain.call(m.token, "freeBalanceOf", "school:a")
        r = m.chain.send("parent:0", m.escrow, "confirmLessons", 1)
        assert [e.name for e in r.events if e.contract == m.escrow.name] == ["LessonsConfirmed", "LessonsReleased"]
        assert m.chain.call(m.token, "freeBalanceOf", "school:a") - school == COURSES[3].fee
        assert m.chain.call(m.escrow, "orderOf", 1)["lessonsPending"] == 0
        refused = m.chain.send("parent:1", m.escrow, "confirmLessons", 1, allow_revert=True)
        assert refused.error.name == "Prepaid_NotOrderParent"
        refused = m.chain.send("parent:0", m.escrow, "confirmLessons", 1, allow_revert=True)
        assert refused.error.name == "Prepaid_NothingToConfirm"


@needs_solc
def test_replay_contracts_says_whether_a_folder_builds_what_the_run_used(confirmed, flawed):
    header = {"user_contracts": confirmed.header()}
    assert user_contracts.build_differs(confirmed, header) is None
    said = user_contracts.build_differs(flawed, header)
    assert said.startswith("the run's PrepaidEscrow was ParentConfirmedEscrow (") and "builds FlawedEscrow (" in said
    assert "ecny-sim's own contracts" in user_contracts.build_differs(flawed, {"artifacts": {}})


@needs_solc
def test_a_journal_whose_user_contract_was_changed_is_refused(confirmed):
    data = confirmed.header()
    data["contracts"]["PrepaidEscrow"]["artifact"]["bytecode"] += "00"
    with pytest.raises(user_contracts.UserContractError, match="does not match its hash"):
        user_contracts.from_header(data)
    assert user_contracts.from_header(confirmed.header()).digest == confirmed.digest


def test_manifest_placeholders_name_the_builtin_constructors_parameters():
    builtin = load_builtin_artifact("PrepaidEscrow")["abi"]
    names = sorted(user_contracts._placeholders(builtin))
    assert names == ["$regulator", "$regulator_", "$rules", "$rules_", "$token", "$token_"]


def test_the_attacks_hold_for_the_builtin_escrow_and_notice_a_contract_that_differs_from_the_model(monkeypatch):
    for case in ATTACKS.values():
        run_attack(case)
    # A model that forgets the self-enrolment rule expects the school's enrolment to go through: the contract
    # refuses it, and the case says so.
    real = Model.enrol

    def forgetful(self, p, course, lessons, now):
        if p.startswith("school"):
            return []
        return real(self, p, course, lessons, now)

    monkeypatch.setattr(Model, "enrol", forgetful)
    with pytest.raises(PropertyViolated) as info:
        run_attack(ATTACKS["self-enrolment"])
    assert info.value.prop == "reverts_match_the_model"
    assert "Prepaid_InstitutionCannotEnrol" in info.value.msg


@needs_solc
def test_the_model_catches_the_flawed_escrows_refund_in_a_fixed_sequence(flawed):
    def cancel_an_odd_fen_course(m):
        m.chain.set_time(EDGE)
        m.do_enrol("parent:2", 2, 3, "exact")  # course 2: 30,001 fen a lesson
        m.do_cancel("parent:2", 1)

    with overlay.active(flawed), pytest.raises(PropertyViolated) as info:
        run_attack(cancel_an_odd_fen_course)
    assert info.value.prop == "RefundReturnsExactlyUnconsumed"
    assert "'refundFen': 90000" in info.value.msg and "owed 90003 fen" in info.value.msg, info.value.msg
    run_attack(cancel_an_odd_fen_course)  # the built-in escrow refunds to the fen


@pytest.mark.slow
@needs_solc
def test_a_short_search_finds_the_flawed_escrows_refund_and_shrinks_it(flawed):
    with overlay.active(flawed):
        row = conformance.machine_row("no window", InstantEscrowMachine, (25, 20, 5))
    assert row.verdict == "fails" and row.property == "RefundReturnsExactlyUnconsumed", row
    owed, refund = re.search(r"'refundFen': (\d+).*owed (\d+) fen", row.detail).group(2, 1)
    assert int(refund) % 100 == 0 and int(owed) % 100 != 0, row.detail
    assert row.counterexample[0] == "state = InstantEscrowMachine()"
    assert any("withdraws" in step or "cancels" in step for step in row.counterexample), row.counterexample
    assert not any("invariant_" in step for step in row.counterexample)


@pytest.mark.slow
@needs_solc
def test_check_passes_the_parent_confirmed_escrow(tmp_path):
    result = runner.invoke(app, ["check", str(EXAMPLES / "parent-confirmed-escrow"), "--out", str(tmp_path)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "check.json").read_text())
    assert data["verdict"] == "holds" and data["contract"] == "ParentConfirmedEscrow"
    kinds = {r["kind"] for r in data["rows"]}
    assert kinds == {"scenario", "state machine", "attack"} and len(data["rows"]) == 15
    gas = {g["function"]: g for g in data["gas"]}
    assert gas["recordLesson"]["yours"] == gas["recordLesson"]["built_in"]
    assert "every check holds" in result.output
    assert "<table>" in (tmp_path / "check.html").read_text()


@pytest.mark.slow
@needs_solc
def test_check_fails_the_flawed_escrow_with_a_readable_counterexample(tmp_path):
    result = runner.invoke(app, ["check", str(EXAMPLES / "flawed-escrow"), "--out", str(tmp_path)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "RefundReturnsExactlyUnconsumed" in result.output and "smallest failing sequence" in result.output
    data = json.loads((tmp_path / "check.json").read_text())
    failed = [r for r in data["rows"] if r["verdict"] == "fails"]
    assert failed and all(r["kind"] == "state machine" for r in failed)
    assert all(r["verdict"] == "holds" for r in data["rows"] if r["kind"] == "scenario")  # round-yuan fees
