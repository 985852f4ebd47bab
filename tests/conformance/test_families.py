"""`ecny-sim check` beyond the prepaid escrow: each family it covers (check.FAMILIES) passes the scaffold of
`ecny-sim new KIND` and fails the same scaffold with one line changed; its attack cases hold for the built-in
contract and notice a model that parts from it.

The whole checks compile a scaffold and run the family's scenarios, machines and attacks: slow. The attack
cases against the built-in contracts stay in `make test` (a second or two a family).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecny_sim.cli.main import app
from ecny_sim.cli.new import KINDS
from ecny_sim.chain.user_contracts import SLOTS, UserBuild, UserContract, UserContractError
from ecny_sim.conformance.check import FAMILIES, attack_rows, families_of
from ecny_sim.conformance.modelled import PropertyViolated, run_case

runner = CliRunner()
#: KIND -> what to replace in the scaffold (text, with): each breaks a promise the family's check keeps.
BREAKS = {
    # a 10 % deposit where the interface promises the manifest's 20 %
    "upfront-prepaid": [("UpfrontPrepaid(token_, regulator_, rules_, depositBps_)",
                         "UpfrontPrepaid(token_, regulator_, rules_, depositBps_ / 2)")],
    # a one-day dispute window where the manifest gives two
    "conditional-payment": [("ConditionalPayment(token_, disputeWindow_)",
                             "ConditionalPayment(token_, disputeWindow_ / 2)")],
    # packet money accepted in any district
    "red-packet-campaign": [("RedPacketCampaign(token_, registry_, funder_, terms_)",
                             "RedPacketCampaign(token_, registry_, funder_, _anyDistrict(terms_))"),
                            ("    {}\n}", "    {}\n\n    function _anyDistrict(CampaignTerms memory t) private pure "
                                        "returns (CampaignTerms memory) { t.district = 0; return t; }\n}")],
    # no interest on clawed-back grant money
    "grant-programme": [("GrantProgramme(token_, payees_, department_, agency_, rules_)",
                         "GrantProgramme(token_, payees_, department_, agency_, _free(rules_))"),
                        ("    {}\n}", "    {}\n\n    function _free(ProgrammeRules memory r) private pure "
                                    "returns (ProgrammeRules memory) { r.interestRateBps = 0; return r; }\n}")],
    # wages held for a subcontractor nobody controls (its wallet was never opened)
    "wage-pass-through": [("WagePassThrough(token_, mainContractor_, subcontractor_)",
                           "WagePassThrough(token_, mainContractor_, 0x000000000000000000000000000000000000dEaD)")],
}


def _scaffold(kind: str, folder: Path, broken: bool) -> None:
    result = runner.invoke(app, ["new", kind, str(folder)])
    assert result.exit_code == 0, result.output
    if broken:
        (source,) = folder.glob("*.sol")
        text = source.read_text()
        for line, changed in BREAKS[kind]:
            assert text.count(line) == 1, text
            text = text.replace(line, changed)
        source.write_text(text)


def test_every_family_check_covers_can_be_scaffolded_and_broken():
    assert {f.kind for f in FAMILIES.values()} <= set(KINDS)
    assert {f.kind for f in FAMILIES.values()} - {"prepaid-escrow"} == set(BREAKS)


def test_every_replaceable_contract_has_a_family_and_a_manifest_naming_two_gets_both_in_order():
    assert sorted(FAMILIES) == sorted(SLOTS) and all(FAMILIES[i].slot == SLOTS[i] for i in SLOTS)

    def build(*interfaces: str) -> UserBuild:
        return UserBuild("mine", "0.8.37", {}, {SLOTS[i]: UserContract(i, SLOTS[i], f"My{SLOTS[i]}", {}, None)
                                                for i in interfaces})

    both = families_of(build("IWagePassThrough", "IConditionalPayment"))
    assert [f.interface for f in both] == ["IConditionalPayment", "IWagePassThrough"]  # FAMILIES' order
    with pytest.raises(UserContractError, match="check covers IPrepaidEscrow, IUpfrontPrepaid, .*none of them"):
        families_of(build())


@pytest.mark.parametrize("interface", [i for i in FAMILIES if i != "IPrepaidEscrow"])
def test_the_attacks_hold_for_the_builtin_contract(interface):
    rows = attack_rows(FAMILIES[interface])
    assert rows and all(r.verdict == "holds" for r in rows), [(r.check, r.detail) for r in rows]


def test_an_upfront_attack_notices_a_model_that_forgets_the_frozen_schools_rule(monkeypatch):
    from ecny_sim.conformance.upfront_attacks import ATTACKS
    from ecny_sim.conformance.upfront_machine import UpfrontMachine
    from ecny_sim.conformance.upfront_model import Model

    real = Model.cancel

    def forgetful(self, actor, oid, now):  # as if the school were never frozen
        inst = self.inst[self.orders[oid].spec.school] if oid in self.orders else None
        frozen = inst is not None and inst.frozen
        if inst is not None:
            inst.frozen = False
        try:
            return real(self, actor, oid, now)
        finally:
            if inst is not None:
                inst.frozen = frozen

    monkeypatch.setattr(Model, "cancel", forgetful)
    with pytest.raises(PropertyViolated) as info:
        run_case(UpfrontMachine, ATTACKS["a frozen institution's release"])
    assert info.value.prop == "reverts_match_the_model" and "Prepaid_InstitutionFrozen" in info.value.msg


def test_a_conditional_attack_notices_a_model_that_forgets_the_deadline(monkeypatch):
    from ecny_sim.conformance.conditional_attacks import ATTACKS
    from ecny_sim.conformance.conditional_machine import ConditionalMachine

    monkeypatch.setattr(ConditionalMachine, "verifier_error",
                        lambda self, p, caller, now: None if caller == p.verifier else "Conditional_NotAllowed")
    with pytest.raises(PropertyViolated) as info:
        run_case(ConditionalMachine, ATTACKS["calls after the deadline"])
    assert info.value.prop == "reverts_match_the_model" and "Conditional_DeadlinePassed" in info.value.msg


def test_a_campaign_attack_notices_a_model_that_forgets_the_window(monkeypatch):
    from ecny_sim.conformance.campaign_attacks import ATTACKS
    from ecny_sim.conformance.campaign_machine import CampaignMachine

    monkeypatch.setattr(CampaignMachine, "window", lambda self, now: None)
    with pytest.raises(PropertyViolated) as info:
        run_case(CampaignMachine, ATTACKS["calls before the start and after the expiry"])
    assert info.value.prop == "reverts_match_the_model" and "Campaign_NotStarted" in info.value.msg


def test_a_grants_attack_notices_a_model_that_forgets_the_purpose(monkeypatch):
    from ecny_sim.conformance import grants_model
    from ecny_sim.conformance.grants_attacks import ATTACKS
    from ecny_sim.conformance.grants_machine import GrantsMachine

    GrantsMachine.prepare()  # the registry knows the bar's true purpose
    monkeypatch.setitem(grants_model.PURPOSE, "payee:karaoke", 1)  # as if the bar were a payroll service
    with pytest.raises(PropertyViolated) as info:
        run_case(GrantsMachine, ATTACKS["grant money outside its purpose"])
    assert info.value.prop == "reverts_match_the_model" and "Grant_PurposeNotAllowed" in info.value.msg


def test_a_wages_attack_notices_a_model_that_forgets_payday(monkeypatch):
    from ecny_sim.conformance import wages_machine
    from ecny_sim.conformance.wages_attacks import ATTACKS
    from ecny_sim.conformance.wages_machine import WagesMachine

    monkeypatch.setattr(wages_machine, "SUB", wages_machine.FOREMAN)  # as if anyone could pay before payday
    with pytest.raises(PropertyViolated) as info:
        run_case(WagesMachine, ATTACKS["calls before payday"])
    assert info.value.prop == "reverts_match_the_model" and "Wage_NotYetPayday" in info.value.msg


@pytest.mark.slow  # a compile and the whole check, twice: about a minute a family
@pytest.mark.parametrize("kind", sorted(BREAKS))
def test_check_passes_the_scaffold_and_fails_it_with_one_line_changed(kind, tmp_path):
    for broken, code in ((False, 0), (True, 1)):
        folder = tmp_path / ("broken" if broken else "mine")
        _scaffold(kind, folder, broken)
        out = tmp_path / f"out-{folder.name}"
        result = runner.invoke(app, ["check", str(folder), "--out", str(out)], env={"COLUMNS": "200"})
        assert result.exit_code == code, result.output
        data = json.loads((out / "check.json").read_text())
        interface = next(i for i, f in FAMILIES.items() if f.kind == kind)
        assert data["interface"] == interface
        kinds = {r["kind"] for r in data["rows"]}
        assert kinds == {"scenario", "state machine", "attack"}, kinds
        if broken:
            failed = [r for r in data["rows"] if r["verdict"] == "fails"]
            assert failed and all(r["detail"] for r in failed), failed
            assert "smallest failing sequence" in result.output or any(r["kind"] != "state machine" for r in failed)
        else:
            assert data["verdict"] == "holds" and "every check holds" in result.output
