"""Checksummed addresses are computed once per address and are the same as eth_utils' everywhere."""

import pytest
from eth_utils import to_checksum_address

from ecny_sim.chain.abi import Deployed
from ecny_sim.chain.errors import checksum_address, to_jsonable

ADDRESS = "0x52908400098527886e0f7030069857d2e4169ee7"  # EIP-55's own example, all lower case


def test_same_as_eth_utils_in_any_case():
    assert checksum_address(ADDRESS) == "0x52908400098527886E0F7030069857D2E4169EE7" == to_checksum_address(ADDRESS)
    assert checksum_address(ADDRESS.upper().replace("0X", "0x")) == to_checksum_address(ADDRESS)


def test_remembered():
    checksum_address.cache_clear()
    for _ in range(3):
        checksum_address("0x" + "ab" * 20)
    info = checksum_address.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_decoded_values_and_contracts_use_it():
    raw = bytes.fromhex(ADDRESS[2:])
    assert to_jsonable({"type": "address"}, raw) == to_checksum_address(ADDRESS)
    assert to_jsonable({"type": "address[]"}, [ADDRESS, raw]) == [to_checksum_address(ADDRESS)] * 2
    assert Deployed("X", ADDRESS, []).address == to_checksum_address(ADDRESS)


@pytest.mark.parametrize("bad", ["0x1234", "not an address"])
def test_bad_address_still_raises(bad):
    with pytest.raises(ValueError):
        checksum_address(bad)
