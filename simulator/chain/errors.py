"""Chain exceptions and revert decoding.

`ErrorDecoder` builds a 4-byte selector -> custom error table from ABIs and turns revert data into a
`DecodedError`: a custom error with its arguments by ABI input name, `Error(string)`, `Panic(uint256)` (with
the panic code named), empty revert data ("reverted without reason"), or a VM failure such as out of gas.

`ContractRevert` is raised when a transaction (or view call) fails:

    PrepaidEscrow.cancelOrder reverted: Prepaid_NothingToRefund(orderId=3)

This module also holds the small ABI value helpers the chain shares (`abi_type`, `to_jsonable`,
`checksum_address`): values are made JSON-able the same way everywhere (ints as int, addresses checksummed,
bytes as 0x hex, structs as dicts by component name, arrays as lists).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address

# A `records.TxResult` is typed `Any` here: records.py imports this module, not the other way round.
__all__ = [
    "ChainError",
    "ContractRevert",
    "MissingRevert",
    "TransactionRejected",
    "ChainFailure",
    "DecodedError",
    "ErrorDecoder",
    "PANIC_REASONS",
    "abi_type",
    "abi_signature",
    "to_jsonable",
    "checksum_address",
    "format_value",
]

#: Distinct addresses remembered by `checksum_address`: a run's actors and contracts (a city term's 100,000
#: pupils fit; beyond, the least recently used are computed again).
CHECKSUM_CACHE_SIZE = 1 << 17


@functools.lru_cache(maxsize=CHECKSUM_CACHE_SIZE)
def checksum_address(address: str) -> str:
    """EIP-55 checksummed form of a hex address (any case), remembered: the same few addresses come back in
    every transaction's arguments, events and view calls, and each checksum costs a keccak."""
    return to_checksum_address(address)

ERROR_STRING_SELECTOR = keccak(text="Error(string)")[:4]  # 0x08c379a0
PANIC_SELECTOR = keccak(text="Panic(uint256)")[:4]  # 0x4e487b71

#: Solidity panic codes (https://docs.soliditylang.org/en/latest/control-structures.html#panic-via-assert-and-error-via-require)
PANIC_REASONS: dict[int, str] = {
    0x00: "generic compiler panic",
    0x01: "assert(false)",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array encoding",
    0x31: "pop() on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory (allocation too large)",
    0x51: "call to an uninitialised internal function",
}


# --------------------------------------------------------------------------------------------------
# ABI value helpers (shared with chain.py)
# --------------------------------------------------------------------------------------------------


def abi_type(param: Mapping[str, Any]) -> str:
    """Canonical type string of an ABI parameter, expanding tuples: '(uint256,address)[]'."""
    t = param["type"]
    if t.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param.get("components", ()))
        return f"({inner}){t[len('tuple'):]}"
    return t


def abi_signature(entry: Mapping[str, Any]) -> str:
    """'name(type1,type2)' of a function, event or error ABI entry."""
    return f"{entry['name']}({','.join(abi_type(p) for p in entry.get('inputs', ()))})"


def _array_parts(t: str) -> tuple[str, str] | None:
    """'uint256[3][]' -> ('uint256[3]', '[]'); None if not an array type."""
    if not t.endswith("]"):
        return None
    i = t.rindex("[")
    return t[:i], t[i:]


def to_jsonable(param: Mapping[str, Any], value: Any) -> Any:
    """A JSON-able form of an ABI-decoded (or about-to-be-encoded) value of parameter `param`."""
    t = param["type"]
    parts = _array_parts(t)
    if parts is not None:
        inner = dict(param, type=parts[0])
        return [to_jsonable(inner, v) for v in value]
    if t == "tuple":
        comps = param.get("components", ())
        if isinstance(value, Mapping):
            value = [value[c["name"]] for c in comps]
        items = [to_jsonable(c, v) for c, v in zip(comps, value)]
        if comps and all(c.get("name") for c in comps):
            return {c["name"]: v for c, v in zip(comps, items)}
        return items
    if t == "address":
        if isinstance(value, (bytes, bytearray)):
            value = "0x" + bytes(value).hex()
        return checksum_address(value)
    if t == "bool":
        return bool(value)
    if t == "string":
        return str(value)
    if t.startswith("bytes"):
        if isinstance(value, str):
            return value.lower() if value.startswith("0x") else "0x" + value.lower()
        return "0x" + bytes(value).hex()
    if t.startswith(("uint", "int")):
        return int(value)
    return value  # fixed-point types etc.: left as decoded


def format_value(value: Any) -> str:
    """Short human form of a JSON-able value, for messages."""
    if isinstance(value, str) and not value.startswith("0x"):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _names(inputs: Sequence[Mapping[str, Any]]) -> list[str]:
    return [p.get("name") or f"arg{i}" for i, p in enumerate(inputs)]


# --------------------------------------------------------------------------------------------------
# Decoded errors
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodedError:
    """Why a call failed.

    kind: "custom" (a Solidity custom error), "Error" (require/revert with a string), "Panic",
          "empty" (revert without data), "out_of_gas", "vm" (another EVM failure, e.g. InvalidInstruction),
          "unknown" (revert data whose selector no registered ABI declares), "malformed" (known selector,
          undecodable arguments).
    name: the error's name ("Prepaid_NothingToRefund", "Error", "Panic", "OutOfGas", ...); "" for "empty";
          the 0x selector for "unknown".
    args: arguments by ABI input name (JSON-able); {"message": ...} for Error, {"code": ...} for Panic.
    data: the raw revert data as 0x hex ("0x" when there is none).
    """

    kind: str
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    data: str = "0x"
    signature: str | None = None

    def __str__(self) -> str:
        if self.kind == "empty":
            return "reverted without reason"
        if self.kind == "out_of_gas":
            return "out of gas"
        if self.kind == "Error":
            return f"Error({format_value(self.args.get('message', ''))})"
        if self.kind == "Panic":
            code = self.args.get("code", 0)
            return f"Panic(0x{code:02x}: {PANIC_REASONS.get(code, 'unknown panic code')})"
        if self.kind == "unknown":
            return f"unknown error {self.name} (data {self.data})"
        if self.kind == "malformed":
            return f"{self.name}(<undecodable: {self.data}>)"
        if self.kind == "vm":
            return self.name
        inner = ", ".join(f"{k}={format_value(v)}" for k, v in self.args.items())
        return f"{self.name}({inner})"

    @property
    def reason(self) -> str:
        """Human text of the failure (same as str())."""
        return str(self)

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for a journal: {"kind", "name", "args", "text"} (no raw data: it is derivable)."""
        return {"kind": self.kind, "name": self.name, "args": self.args, "text": str(self)}


class ErrorDecoder:
    """Selector -> custom error table over any number of ABIs, and revert data decoding."""

    def __init__(self, abis: Iterable[Sequence[Mapping[str, Any]]] = ()) -> None:
        self._table: dict[bytes, tuple[str, list[str], list[dict], str]] = {}
        for abi in abis:
            self.add_abi(abi)

    def add_abi(self, abi: Sequence[Mapping[str, Any]]) -> None:
        for entry in abi:
            if entry.get("type") != "error":
                continue
            sig = abi_signature(entry)
            selector = keccak(text=sig)[:4]
            inputs = [dict(p) for p in entry.get("inputs", ())]
            # The same error declared in several contracts has the same selector; keep the first, unless
            # the first had unnamed inputs and this one names them.
            old = self._table.get(selector)
            if old is None or (not all(p.get("name") for p in old[2]) and all(p.get("name") for p in inputs)):
                self._table[selector] = (entry["name"], [abi_type(p) for p in inputs], inputs, sig)

    def known(self, name_or_selector: str | bytes) -> bool:
        if isinstance(name_or_selector, bytes):
            return name_or_selector in self._table
        return any(v[0] == name_or_selector for v in self._table.values())

    def decode(self, data: bytes | str | None) -> DecodedError:
        """Decode revert data (bytes or 0x hex)."""
        if isinstance(data, str):
            data = bytes.fromhex(data[2:] if data.startswith("0x") else data)
        data = bytes(data or b"")
        hexdata = "0x" + data.hex()
        if not data:
            return DecodedError("empty", "", {}, hexdata)
        selector, body = data[:4], data[4:]
        if selector == ERROR_STRING_SELECTOR:
            try:
                (msg,) = abi_decode(["string"], body)
                return DecodedError("Error", "Error", {"message": msg}, hexdata, "Error(string)")
            except Exception:
                return DecodedError("malformed", "Error", {}, hexdata, "Error(string)")
        if selector == PANIC_SELECTOR:
            try:
                (code,) = abi_decode(["uint256"], body)
                return DecodedError("Panic", "Panic", {"code": int(code)}, hexdata, "Panic(uint256)")
            except Exception:
                return DecodedError("malformed", "Panic", {}, hexdata, "Panic(uint256)")
        spec = self._table.get(selector)
        if spec is None:
            return DecodedError("unknown", "0x" + selector.hex(), {}, hexdata)
        name, types, inputs, sig = spec
        try:
            values = abi_decode(types, body)
        except Exception:
            return DecodedError("malformed", name, {}, hexdata, sig)
        args = {n: to_jsonable(p, v) for n, p, v in zip(_names(inputs), inputs, values)}
        return DecodedError("custom", name, args, hexdata, sig)

    def decode_vm_error(self, vm_error: BaseException | None, output: bytes = b"") -> DecodedError:
        """Decode a py-evm computation error: Revert(data) -> decode(data); OutOfGas; other VM errors."""
        from eth.exceptions import OutOfGas, Revert

        if isinstance(vm_error, Revert):
            data = output if output else (vm_error.args[0] if vm_error.args else b"")
            return self.decode(data)
        if isinstance(vm_error, OutOfGas):
            return DecodedError("out_of_gas", "OutOfGas", {}, "0x")
        name = type(vm_error).__name__ if vm_error is not None else "UnknownFailure"
        return DecodedError("vm", name, {}, "0x")


# --------------------------------------------------------------------------------------------------
# Exceptions
# --------------------------------------------------------------------------------------------------


class ChainError(Exception):
    """Base class of the chain layer's errors."""


class ContractRevert(ChainError):
    """A transaction or call failed in the EVM (status 0). Carries the decoded error.

    error_name: e.g. "Prepaid_NothingToRefund" ("Error", "Panic", "OutOfGas", "" for no reason).
    args:       the error's arguments by ABI input name (a dict; note: this replaces Exception.args).
    error:      the DecodedError.
    contract, function: names of what was called ("constructor" for a deployment).
    tx:         the mined TxResult (None for a view call).
    expected:   the error name the caller expected instead, if any.
    """

    def __init__(
        self,
        error: DecodedError,
        contract: str | None = None,
        function: str | None = None,
        tx: Any = None,  # the records.TxResult
        expected: str | None = None,
    ) -> None:
        super().__init__(error, contract, function, tx, expected)
        self.error = error
        self.contract = contract
        self.function = function
        self.tx = tx
        self.expected = expected

    @property  # type: ignore[override]
    def args(self) -> dict[str, Any]:  # noqa: D401 - the decoded error's arguments
        return self.error.args

    @property
    def error_name(self) -> str:
        return self.error.name

    @property
    def kind(self) -> str:
        return self.error.kind

    def __reduce__(self):
        return (type(self), (self.error, self.contract, self.function, self.tx, self.expected))

    def __str__(self) -> str:
        where = f"{self.contract or '?'}.{self.function or '?'}"
        text = f"{where} reverted: {self.error}"
        if self.expected is not None:
            text += f" (expected {self.expected})"
        return text

    def __repr__(self) -> str:
        return f"ContractRevert({str(self)!r})"


class MissingRevert(ChainError):
    """A transaction sent with expect_revert succeeded (it was mined and recorded)."""

    def __init__(self, contract: str, function: str, expected: str | bool, tx: Any) -> None:  # tx: records.TxResult
        super().__init__(contract, function, expected, tx)
        self.contract, self.function, self.expected, self.tx = contract, function, expected, tx

    def __reduce__(self):
        return (type(self), (self.contract, self.function, self.expected, self.tx))

    def __str__(self) -> str:
        want = "a revert" if self.expected is True else str(self.expected)
        return f"{self.contract}.{self.function} succeeded but {want} was expected"


class TransactionRejected(ChainError):
    """The chain refused the transaction before execution (nothing was mined), e.g. gas below the
    intrinsic cost or a nonce mismatch. Always a bug in the caller or the simulator, never a contract rule."""

    def __init__(self, actor: str, contract: str, function: str, reason: str) -> None:
        super().__init__(actor, contract, function, reason)
        self.actor, self.contract, self.function, self.reason = actor, contract, function, reason

    def __reduce__(self):
        return (type(self), (self.actor, self.contract, self.function, self.reason))

    def __str__(self) -> str:
        return f"{self.contract}.{self.function} from {self.actor} rejected by the chain: {self.reason}"


class ChainFailure(ChainError):
    """The chain backend itself failed (a node that died or stopped answering): not the scenario's fault and
    not a contract's refusal. A run that meets one ends with outcome ``chain_failed`` (exit 6)."""
