"""The actors' own signer gives byte for byte the raw transactions (and so the hashes) eth-account gives."""

import pytest
import rlp
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from ecny_sim.chain.actors import SECP256K1_N, Actors, Signer

CHAIN_ID = 131277322940537  # eth-tester's, the chain's default


def _eth_account_raw(key: bytes, chain_id: int, nonce: int, gas: int, data: bytes, to: str | None) -> bytes:
    tx = {"type": 2, "chainId": chain_id, "nonce": nonce, "gas": gas, "maxFeePerGas": 0,
          "maxPriorityFeePerGas": 0, "value": 0, "data": data}
    if to is not None:
        tx["to"] = to
    return bytes(Account.from_key(key).sign_transaction(tx).raw_transaction)


keys = st.integers(1, SECP256K1_N - 1).map(lambda k: k.to_bytes(32, "big"))
addresses = st.one_of(st.none(), st.binary(min_size=20, max_size=20).map(lambda b: to_checksum_address(b)))
# Lengths around RLP's 55-byte short/long boundary and past 255 (a two-byte length).
datas = st.one_of(st.binary(max_size=70), st.binary(min_size=250, max_size=600))


@settings(max_examples=max(400, settings().max_examples), deadline=None)  # many: a signature is 50 us
@given(key=keys, chain_id=st.one_of(st.just(CHAIN_ID), st.integers(1, 2**64 - 1)), nonce=st.integers(0, 2**64 - 1),
       gas=st.integers(0, 2**64 - 1), data=datas, to=addresses)
def test_same_bytes_as_eth_account(key, chain_id, nonce, gas, data, to):
    signer = Signer(key)
    raw = signer.sign(chain_id, nonce, gas, data, to)
    assert raw == _eth_account_raw(key, chain_id, nonce, gas, data, to)
    assert signer.address == Account.from_key(key).address
    assert Account.recover_transaction(raw) == signer.address


def _fields(raw: bytes) -> list:
    assert raw[0] == 2
    return rlp.decode(raw[1:])


def test_low_s_and_both_parities():
    """libsecp256k1 gives low s only (EIP-2); over a few nonces both y parities turn up, each as eth-account has it."""
    signer = Signer(keccak(b"parity"))
    parities = set()
    for nonce in range(40):
        raw = signer.sign(CHAIN_ID, nonce, 50_000, b"\x01\x02", None)
        *_, y_parity, r, s = _fields(raw)
        assert int.from_bytes(s, "big") <= SECP256K1_N // 2
        parities.add(int.from_bytes(y_parity, "big"))
        assert raw == _eth_account_raw(keccak(b"parity"), CHAIN_ID, nonce, 50_000, b"\x01\x02", None)
    assert parities == {0, 1}


@pytest.mark.parametrize("part", ["r", "s"])
def test_leading_zero_bytes_of_r_and_s_are_dropped_as_eth_account_does(part):
    """One signature in 256 has an r (or s) below 2**248: RLP's integers have no leading zero byte."""
    key = keccak(b"short " + part.encode())
    signer = Signer(key)
    for nonce in range(5000):
        raw = signer.sign(CHAIN_ID, nonce, 21_000, b"", "0x" + "11" * 20)
        *_, r, s = _fields(raw)
        if len({"r": r, "s": s}[part]) < 32:
            break
    else:  # pragma: no cover - 5000 tries fail with probability (255/256)**5000 ~ 3e-9
        pytest.fail("no short signature value found")
    assert raw == _eth_account_raw(key, CHAIN_ID, nonce, 21_000, b"", to_checksum_address("0x" + "11" * 20))


def test_to_in_any_form():
    signer = Signer(keccak(b"to"))
    to = "0x" + "ab" * 20
    expected = signer.sign(CHAIN_ID, 3, 90_000, b"x", to_checksum_address(to))
    assert signer.sign(CHAIN_ID, 3, 90_000, b"x", to) == expected
    assert signer.sign(CHAIN_ID, 3, 90_000, b"x", bytes.fromhex("ab" * 20)) == expected


@pytest.mark.parametrize("change", [{"nonce": -1}, {"gas": 2**256}, {"chain_id": True}, {"nonce": 1.0},
                                    {"to": "0x1234"}, {"to": b"\x00" * 19}, {"data": "0x00"}])
def test_bad_fields_raise_value_error(change):
    args = {"chain_id": CHAIN_ID, "nonce": 0, "gas": 21_000, "data": b"", "to": None} | change
    with pytest.raises(ValueError):
        Signer(keccak(b"bad")).sign(**args)


def test_actors_sign_with_their_own_key():
    actors = Actors(5)
    actor = actors.get("parent:alice")
    raw = actor.signer.sign(CHAIN_ID, 0, 21_000, b"", actors.address_of("school:taoli"))
    assert Account.recover_transaction(raw) == actor.address == Account.from_key(actor.key).address
    assert "signer" not in repr(actor)
