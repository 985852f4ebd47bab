"""PayeeRegistry: who may receive purpose-bound money and for which purpose, kept by a registrar.

Every external function: constructor (zero registrar), registerPayees (happy path, re-registration moving a
payee to another purpose, empty and all-or-nothing batches, each revert, access control), removePayee (happy
path, each revert, access control), purposeOf and registrar. The registry is deployed on top of the conftest
world; every test runs between a snapshot and a revert.
"""

from __future__ import annotations

import pytest

from contract_testkit import BANK, REGULATOR, ZERO
from ecny_sim.chain.errors import ContractRevert

REGISTRAR = "office:funds"  # the department's funds office
PAYROLL, LANDLORD, SUPPLIER = 1, 2, 3  # purpose codes
AGENT = "payee:payroll-agent"
AGENT_B = "payee:payroll-agent-b"
LANDLORD_A = "payee:landlord"
SUPPLIER_A = "payee:supplier"
PAYEES = [AGENT, AGENT_B, LANDLORD_A, SUPPLIER_A]


@pytest.fixture(scope="module")
def world(world):
    """The conftest world plus the payee registry (`world.payees`)."""
    art = world.art["PayeeRegistry"]
    world.payees = world.chain.deploy("payees", art["abi"], art["bytecode"], BANK, (REGISTRAR,))
    return world


def register(w, payees, purpose, actor=REGISTRAR):
    return w.send(actor, w.payees, "registerPayees", list(payees), purpose)


def purpose_of(w, payee) -> int:
    return w.call(w.payees, "purposeOf", payee)


def events(r) -> list[tuple[str, dict]]:
    return [(e.name, e.args) for e in r.events if e.contract == "payees"]


def purposes(w) -> list[int]:
    return [purpose_of(w, p) for p in PAYEES]


# ========================================================================================== constructor / views


def test_constructor_sets_the_registrar(w):
    assert w.call(w.payees, "registrar") == w.addr(REGISTRAR)


def test_constructor_rejects_zero_registrar(w):
    art = w.art["PayeeRegistry"]
    with pytest.raises(ContractRevert) as exc:
        w.chain.deploy("bad", art["abi"], art["bytecode"], BANK, (ZERO,))
    assert exc.value.error_name == "Payees_ZeroAddress"


def test_nobody_is_registered_at_first(w):
    assert purposes(w) == [0, 0, 0, 0]
    assert purpose_of(w, ZERO) == 0
    assert purpose_of(w, REGISTRAR) == 0


# ========================================================================================== registerPayees


def test_register_payees(w):
    r = register(w, [AGENT, AGENT_B], PAYROLL)
    assert events(r) == [("PayeeRegistered", {"payee": w.addr(p), "purpose": PAYROLL}) for p in (AGENT, AGENT_B)]
    r = register(w, [LANDLORD_A], LANDLORD)
    assert events(r) == [("PayeeRegistered", {"payee": w.addr(LANDLORD_A), "purpose": LANDLORD})]
    assert purposes(w) == [PAYROLL, PAYROLL, LANDLORD, 0]


def test_re_registering_moves_the_payee_to_the_new_purpose(w):
    register(w, [AGENT, AGENT_B, SUPPLIER_A], PAYROLL)
    r = register(w, [SUPPLIER_A], SUPPLIER)
    assert events(r) == [("PayeeRegistered", {"payee": w.addr(SUPPLIER_A), "purpose": SUPPLIER})]
    assert purposes(w) == [PAYROLL, PAYROLL, 0, SUPPLIER]
    # registering again for the same purpose changes nothing but is announced
    r = register(w, [AGENT], PAYROLL)
    assert events(r) == [("PayeeRegistered", {"payee": w.addr(AGENT), "purpose": PAYROLL})]
    assert purposes(w) == [PAYROLL, PAYROLL, 0, SUPPLIER]


def test_the_same_payee_twice_in_one_batch(w):
    r = register(w, [AGENT, AGENT], LANDLORD)
    assert len(events(r)) == 2
    assert purpose_of(w, AGENT) == LANDLORD


def test_register_an_empty_batch(w):
    r = register(w, [], PAYROLL)
    assert r.ok and r.events == []


def test_register_the_highest_purpose_code(w):
    register(w, [AGENT], 255)
    assert purpose_of(w, AGENT) == 255


@pytest.mark.parametrize("caller", [BANK, REGULATOR, AGENT, "government:dept"])
def test_register_payees_only_registrar(w, caller):
    w.reverts(caller, w.payees, "registerPayees", [AGENT, caller], PAYROLL, error="Payees_NotRegistrar",
              caller=caller)
    assert purpose_of(w, AGENT) == purpose_of(w, caller) == 0


def test_register_payees_rejects_zero_address_and_registers_none(w):
    register(w, [SUPPLIER_A], SUPPLIER)
    r = w.reverts(REGISTRAR, w.payees, "registerPayees", [AGENT, ZERO, SUPPLIER_A], PAYROLL,
                  error="Payees_ZeroAddress")
    assert r.events == []
    assert purposes(w) == [0, 0, 0, SUPPLIER]  # all or nothing: the move of SUPPLIER_A did not happen either


def test_register_payees_rejects_purpose_zero(w):
    w.reverts(REGISTRAR, w.payees, "registerPayees", [AGENT], 0, error="Payees_ZeroPurpose")
    w.reverts(REGISTRAR, w.payees, "registerPayees", [], 0, error="Payees_ZeroPurpose")
    w.reverts(REGISTRAR, w.payees, "registerPayees", [ZERO], 0, error="Payees_ZeroPurpose")  # purpose first
    w.reverts(BANK, w.payees, "registerPayees", [ZERO], 0, error="Payees_NotRegistrar", caller=BANK)  # access first
    assert purpose_of(w, AGENT) == 0


# ========================================================================================== removePayee


def test_remove_payee(w):
    register(w, [AGENT, AGENT_B], PAYROLL)
    register(w, [LANDLORD_A], LANDLORD)
    r = w.send(REGISTRAR, w.payees, "removePayee", LANDLORD_A)
    assert events(r) == [("PayeeRemoved", {"payee": w.addr(LANDLORD_A), "purpose": LANDLORD})]
    r = w.send(REGISTRAR, w.payees, "removePayee", AGENT)
    assert events(r) == [("PayeeRemoved", {"payee": w.addr(AGENT), "purpose": PAYROLL})]
    assert purposes(w) == [0, PAYROLL, 0, 0]
    # a removed payee may be registered again, for any purpose
    register(w, [AGENT], SUPPLIER)
    assert purpose_of(w, AGENT) == SUPPLIER


def test_remove_reports_the_purpose_after_a_move(w):
    register(w, [AGENT], PAYROLL)
    register(w, [AGENT], SUPPLIER)
    r = w.send(REGISTRAR, w.payees, "removePayee", AGENT)
    assert r.event("PayeeRemoved").args == {"payee": w.addr(AGENT), "purpose": SUPPLIER}


def test_remove_a_payee_not_registered(w):
    w.reverts(REGISTRAR, w.payees, "removePayee", AGENT, error="Payees_NotRegistered", payee=AGENT)
    w.reverts(REGISTRAR, w.payees, "removePayee", ZERO, error="Payees_NotRegistered", payee=ZERO)
    register(w, [AGENT], PAYROLL)
    w.send(REGISTRAR, w.payees, "removePayee", AGENT)
    w.reverts(REGISTRAR, w.payees, "removePayee", AGENT, error="Payees_NotRegistered", payee=AGENT)  # twice


@pytest.mark.parametrize("caller", [BANK, REGULATOR, AGENT, "government:dept"])
def test_remove_payee_only_registrar(w, caller):
    register(w, [AGENT], PAYROLL)
    w.reverts(caller, w.payees, "removePayee", AGENT, error="Payees_NotRegistrar", caller=caller)
    w.reverts(caller, w.payees, "removePayee", AGENT_B, error="Payees_NotRegistrar", caller=caller)  # access first
    assert purpose_of(w, AGENT) == PAYROLL
