"""MerchantRegistry: merchants' district and category codes, kept by the commerce bureau.

Every external function: constructor (zero registrar), registerMerchants (happy path, re-registration, each
revert, access control, all-or-nothing batches), merchantOf and registrar.
"""

from __future__ import annotations

import pytest

from ecny_sim.chain import Chain
from ecny_sim.chain.clock import parse_beijing
from ecny_sim.chain.compiler import load_artifact
from ecny_sim.chain.errors import ContractRevert

T0 = parse_beijing("2020-10-09 09:00")
BANK = "bank"
REGISTRAR = "bureau:commerce"
ZERO = "0x" + "00" * 20
LUOHU, FUTIAN = 1, 2  # district codes
RETAIL, FOOD = 1, 2  # category codes
SHOPS = ["merchant:books", "merchant:noodles", "merchant:cinema"]


class RegistryWorld:
    def __init__(self) -> None:
        self.chain = Chain(T0, seed=1012)
        self.art = load_artifact("MerchantRegistry")
        self.registry = self.chain.deploy("MerchantRegistry", self.art["abi"], self.art["bytecode"], BANK, (REGISTRAR,))

    def addr(self, name: str) -> str:
        return self.chain.address_of(name)

    def register(self, actor: str, merchants, district: int, category: int, **kw):
        return self.chain.send(actor, self.registry, "registerMerchants", list(merchants), district, category, **kw)

    def merchant_of(self, merchant: str) -> tuple[int, int]:
        return self.chain.call(self.registry, "merchantOf", merchant)


@pytest.fixture(scope="module")
def world() -> RegistryWorld:
    return RegistryWorld()


@pytest.fixture
def w(world):
    snap = world.chain.snapshot()
    try:
        yield world
    finally:
        world.chain.revert(snap)


# ----------------------------------------------------------------------------------------- constructor / views


def test_constructor_sets_the_registrar(w):
    assert w.chain.call(w.registry, "registrar") == w.addr(REGISTRAR)


def test_constructor_rejects_zero_registrar(w):
    with pytest.raises(ContractRevert) as exc:
        w.chain.deploy("MerchantRegistry-bad", w.art["abi"], w.art["bytecode"], BANK, (ZERO,))
    assert exc.value.error_name == "Registry_ZeroAddress"


def test_unregistered_merchant_has_zero_codes(w):
    assert w.merchant_of("merchant:nobody") == (0, 0)
    assert w.merchant_of(ZERO) == (0, 0)


# ----------------------------------------------------------------------------------------- registerMerchants


def test_register_merchants(w):
    r = w.register(REGISTRAR, SHOPS, LUOHU, RETAIL)
    events = [(e.contract, e.name, e.args) for e in r.events]
    assert events == [
        ("MerchantRegistry", "MerchantRegistered", {"merchant": w.addr(m), "district": LUOHU, "category": RETAIL})
        for m in SHOPS
    ]
    for m in SHOPS:
        assert w.merchant_of(m) == (LUOHU, RETAIL)
    assert w.merchant_of("merchant:other") == (0, 0)


def test_register_merchants_in_batches_with_different_codes(w):
    w.register(REGISTRAR, SHOPS[:1], LUOHU, RETAIL)
    w.register(REGISTRAR, SHOPS[1:], FUTIAN, FOOD)
    assert w.merchant_of(SHOPS[0]) == (LUOHU, RETAIL)
    assert w.merchant_of(SHOPS[1]) == w.merchant_of(SHOPS[2]) == (FUTIAN, FOOD)


def test_re_registering_replaces_the_codes(w):
    w.register(REGISTRAR, SHOPS, LUOHU, RETAIL)
    r = w.register(REGISTRAR, [SHOPS[1]], FUTIAN, FOOD)
    assert r.event("MerchantRegistered").args == {"merchant": w.addr(SHOPS[1]), "district": FUTIAN, "category": FOOD}
    assert w.merchant_of(SHOPS[1]) == (FUTIAN, FOOD)
    assert w.merchant_of(SHOPS[0]) == (LUOHU, RETAIL)


def test_register_the_same_merchant_twice_in_one_batch_keeps_one_entry(w):
    r = w.register(REGISTRAR, [SHOPS[0], SHOPS[0]], LUOHU, FOOD)
    assert len(r.events_named("MerchantRegistered")) == 2
    assert w.merchant_of(SHOPS[0]) == (LUOHU, FOOD)


def test_register_an_empty_batch(w):
    r = w.register(REGISTRAR, [], LUOHU, RETAIL)
    assert r.ok and r.events == []


@pytest.mark.parametrize("caller", [BANK, "merchant:books", "government:luohu", "regulator"])
def test_register_merchants_only_registrar(w, caller):
    r = w.register(caller, SHOPS, LUOHU, RETAIL, expect_revert="Registry_NotRegistrar")
    assert r.error.args == {"caller": w.addr(caller)}
    for m in SHOPS:
        assert w.merchant_of(m) == (0, 0)


def test_register_merchants_rejects_zero_address_and_registers_none(w):
    r = w.register(REGISTRAR, [SHOPS[0], ZERO, SHOPS[1]], LUOHU, RETAIL, expect_revert="Registry_ZeroAddress")
    assert r.events == []
    assert w.merchant_of(SHOPS[0]) == (0, 0)  # the batch is all or nothing
    assert w.merchant_of(SHOPS[1]) == (0, 0)


@pytest.mark.parametrize("district, category", [(0, RETAIL), (LUOHU, 0), (0, 0)])
def test_register_merchants_rejects_zero_codes(w, district, category):
    r = w.register(REGISTRAR, SHOPS, district, category, expect_revert="Registry_ZeroCode")
    assert r.error.args == {}
    assert w.merchant_of(SHOPS[0]) == (0, 0)


def test_zero_code_is_checked_before_addresses_and_access_first(w):
    # order of the checks: caller, then codes, then each address
    w.register("merchant:books", [ZERO], 0, 0, expect_revert="Registry_NotRegistrar")
    w.register(REGISTRAR, [ZERO], 0, RETAIL, expect_revert="Registry_ZeroCode")


def test_max_codes(w):
    top = 2**32 - 1
    w.register(REGISTRAR, SHOPS[:1], top, top)
    assert w.merchant_of(SHOPS[0]) == (top, top)
