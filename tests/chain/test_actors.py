import pytest
from eth_account import Account
from eth_utils import is_checksum_address

from ecny_sim.chain.actors import SECP256K1_N, Actors, derive_key, validate_name


def test_same_seed_same_addresses_in_any_order():
    a, b = Actors(7), Actors(7)
    names = ["parent:alice", "school:taoli", "regulator", "bank"]
    addrs_a = [a.address_of(n) for n in names]
    addrs_b = [b.address_of(n) for n in reversed(names)][::-1]
    assert addrs_a == addrs_b
    assert len(set(addrs_a)) == len(names)
    assert all(is_checksum_address(x) for x in addrs_a)


def test_different_seed_different_addresses():
    assert Actors(7).address_of("parent:alice") != Actors(8).address_of("parent:alice")
    assert Actors("7").address_of("parent:alice") == Actors(7).address_of("parent:alice")


def test_pinned_derivation():
    # Journals name actors by address: the derivation must never change silently.
    assert Actors(0).address_of("regulator") == Account.from_key(derive_key(0, "regulator")).address
    assert Actors(0).address_of("regulator") == PINNED_REGULATOR_SEED0


PINNED_REGULATOR_SEED0 = "0x6eAC768112544Ef8688373c87f931F3B541a86f3"


def test_key_matches_address_and_range():
    actors = Actors(1)
    key = actors.key_of("parent:bob")
    assert len(key) == 32 and 1 <= int.from_bytes(key, "big") < SECP256K1_N
    assert Account.from_key(key).address == actors.address_of("parent:bob")


def test_registry_lookup():
    actors = Actors(1)
    addr = actors.address_of("school:taoli")
    assert actors.name_of(addr) == "school:taoli"
    assert actors.name_of(addr.lower()) == "school:taoli"
    assert actors.name_of(bytes.fromhex(addr[2:])) == "school:taoli"
    assert actors.lookup("0x" + "00" * 20) is None
    with pytest.raises(KeyError):
        actors.name_of("0x" + "00" * 20)
    assert "school:taoli" in actors and len(actors) == 1 and list(actors) == ["school:taoli"]
    assert actors.get("school:taoli") is actors.get("school:taoli")
    assert "key" not in repr(actors.get("school:taoli"))


@pytest.mark.parametrize("good", ["regulator", "bank", "parent:alice", "parent:Alice-2", "school:taoli_01", "parent:小明", "funder:city.fund"])
def test_valid_names(good):
    assert validate_name(good) == good


@pytest.mark.parametrize("bad", ["", " ", "\t", "parent: alice", " parent:alice", "parent:", ":alice", "Parent:alice", "a:b:c", "parent:al ice", "1bank"])
def test_invalid_names(bad):
    with pytest.raises(ValueError):
        validate_name(bad)
    with pytest.raises(ValueError):
        Actors(0).address_of(bad)


def test_non_string_name():
    with pytest.raises(ValueError):
        Actors(0).address_of(None)  # type: ignore[arg-type]
