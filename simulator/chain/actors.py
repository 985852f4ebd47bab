"""Named actors with deterministic keys.

An actor is a name such as ``parent:alice``, ``school:taoli`` (``kind:label``) or a bare role such as
``regulator`` or ``bank``. Its private key is derived from the scenario seed and the name only:

    key = keccak256(b"ecny-sim actor|" + str(seed) + b"|" + name)  reduced into [1, n-1] (secp256k1 order n)

so the same seed always gives the same addresses, in any process and in any order of creation, and a
different seed gives different ones. Keys never leave this registry except to sign transactions locally.

An actor signs with `Signer`: the chain sends one transaction shape only (EIP-1559, type 2, zero fees, zero value,
no access list), so it is RLP-encoded here and signed with libsecp256k1 through coincurve (RFC 6979 nonces,
low s), giving the same bytes as eth-account's `Account.sign_transaction` about 8 times faster
(tests/chain/test_signer.py checks the bytes over random transactions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import rlp
from coincurve import PrivateKey
from eth_utils import keccak, to_checksum_address

__all__ = ["Actor", "Actors", "Signer", "derive_key", "validate_name", "SECP256K1_N"]

#: Order of the secp256k1 group; a private key must lie in [1, n-1].
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

_DOMAIN = b"ecny-sim actor|"
# kind: lower-case word (letters, digits, '_' or '-'); optional ':label' with no whitespace and no ':'.
_NAME_RE = re.compile(r"[a-z][a-z0-9_-]*(?::[^\s:]+)?")


def validate_name(name: str) -> str:
    """Return `name` if it is a valid actor name (``kind:label`` or a bare role), else raise ValueError."""
    if not isinstance(name, str):
        raise ValueError(f"actor name must be a string, got {type(name).__name__}")
    if not name or not name.strip():
        raise ValueError("actor name must not be empty")
    if _NAME_RE.fullmatch(name) is None:
        raise ValueError(
            f"invalid actor name {name!r}: expected 'kind:label' (e.g. 'parent:alice') or a bare role "
            "(e.g. 'regulator'); kind is lower-case letters/digits/'_'/'-', label has no spaces or ':'"
        )
    return name


def _seed_bytes(seed: int | str | bytes) -> bytes:
    if isinstance(seed, bool):
        raise ValueError("seed must be an int, str or bytes")
    if isinstance(seed, int):
        return str(seed).encode("ascii")
    if isinstance(seed, str):
        return seed.encode("utf-8")
    if isinstance(seed, (bytes, bytearray)):
        return bytes(seed)
    raise ValueError(f"seed must be an int, str or bytes, got {type(seed).__name__}")


def derive_key(seed: int | str | bytes, name: str) -> bytes:
    """The 32-byte private key of actor `name` under `seed` (see module docstring)."""
    validate_name(name)
    digest = keccak(_DOMAIN + _seed_bytes(seed) + b"|" + name.encode("utf-8"))
    k = int.from_bytes(digest, "big") % (SECP256K1_N - 1) + 1
    return k.to_bytes(32, "big")


def _uint(value: int) -> bytes:
    """`value` as RLP's minimal big-endian bytes (0 -> b"")."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _checked_uint(name: str, value: int) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**256:
        raise ValueError(f"{name} must be an int in [0, 2**256), got {value!r}")
    return _uint(value)


_TX_TYPE = b"\x02"  # EIP-2718 type of an EIP-1559 transaction


class Signer:
    """Signs the chain's one transaction shape with one private key: EIP-1559 (type 2) with chain id, nonce,
    max priority fee 0, max fee 0, gas, `to` (None for a deployment), value 0, data and an empty access list."""

    __slots__ = ("_key", "address")

    def __init__(self, key: bytes) -> None:
        self._key = PrivateKey(key)
        #: Checksummed address of the key: keccak256 of the uncompressed public key, last 20 bytes.
        self.address: str = to_checksum_address(keccak(self._key.public_key.format(compressed=False)[1:])[-20:])

    def sign(self, chain_id: int, nonce: int, gas: int, data: bytes, to: str | bytes | None) -> bytes:
        """The raw signed transaction: 0x02 || rlp([chainId, nonce, 0, 0, gas, to, 0, data, [], yParity, r, s]),
        signed over keccak256(0x02 || rlp(the first nine fields))."""
        if to is None:
            to_bytes = b""
        elif isinstance(to, str):
            to_bytes = bytes.fromhex(to[2:] if to[:2] in ("0x", "0X") else to)
        else:
            to_bytes = bytes(to)
        if to is not None and len(to_bytes) != 20:
            raise ValueError(f"to must be a 20-byte address or None, got {to!r}")
        if not isinstance(data, (bytes, bytearray)):
            raise ValueError(f"data must be bytes, got {type(data).__name__}")
        fields: list = [_checked_uint("chain_id", chain_id), _checked_uint("nonce", nonce), b"", b"",
                        _checked_uint("gas", gas), to_bytes, b"", bytes(data), []]
        # Already-serialized items (bytes and a list): rlp encodes them as they are.
        digest = keccak(_TX_TYPE + rlp.encode(fields, infer_serializer=False))
        signature = self._key.sign_recoverable(digest, hasher=None)  # r (32) || s (32, low) || recovery id
        fields += [_uint(signature[64]), signature[:32].lstrip(b"\0"), signature[32:64].lstrip(b"\0")]
        return _TX_TYPE + rlp.encode(fields, infer_serializer=False)


@dataclass(frozen=True)
class Actor:
    name: str
    address: str  # checksummed
    key: bytes = field(repr=False)
    signer: Signer = field(repr=False, compare=False)

    def __str__(self) -> str:
        return self.name


class Actors:
    """Registry of actors for one seed. Actors are created on first use (`get`, `address_of`, `key_of`)."""

    def __init__(self, seed: int | str | bytes = 0) -> None:
        self.seed = seed
        self._seed_bytes = _seed_bytes(seed)
        self._by_name: dict[str, Actor] = {}
        self._by_address: dict[str, Actor] = {}  # lower-case hex -> actor

    def get(self, name: str) -> Actor:
        """The actor called `name`, created (deterministically) if it is new."""
        actor = self._by_name.get(name)
        if actor is None:
            key = derive_key(self._seed_bytes, name)
            signer = Signer(key)
            actor = Actor(name=name, address=signer.address, key=key, signer=signer)
            other = self._by_address.get(actor.address.lower())
            if other is not None:  # 2**-160: would mean a broken key derivation
                raise RuntimeError(f"actors {other.name!r} and {name!r} share an address")
            self._by_name[name] = actor
            self._by_address[actor.address.lower()] = actor
        return actor

    add = get

    def address_of(self, name: str) -> str:
        """Checksummed address of actor `name` (created if new)."""
        return self.get(name).address

    def key_of(self, name: str) -> bytes:
        """32-byte private key of actor `name` (created if new)."""
        return self.get(name).key

    def name_of(self, address: str | bytes) -> str:
        """Name of the actor at `address` (any hex case, or 20 raw bytes); KeyError if no actor has it."""
        name = self.lookup(address)
        if name is None:
            raise KeyError(f"no actor has address {address!r}")
        return name

    def lookup(self, address: str | bytes) -> str | None:
        """Name of the actor at `address`, or None."""
        if isinstance(address, (bytes, bytearray)):
            address = "0x" + bytes(address).hex()
        actor = self._by_address.get(str(address).lower())
        return actor.name if actor is not None else None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self._by_name)

    def __iter__(self) -> Iterator[str]:
        """Names in order of creation."""
        return iter(self._by_name)

    def names(self) -> list[str]:
        return list(self._by_name)

    def __repr__(self) -> str:
        return f"Actors(seed={self.seed!r}, {len(self)} actors)"
