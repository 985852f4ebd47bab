"""Reading a contract's ABI: its functions and events by name, a deployed contract's handle, decoding a log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from eth_abi import decode as abi_decode
from eth_utils import keccak

from .errors import abi_signature, abi_type, checksum_address, to_jsonable

__all__ = ["Deployed"]


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    signature: str
    selector: bytes
    inputs: tuple[dict, ...]
    input_types: tuple[str, ...]
    outputs: tuple[dict, ...]
    output_types: tuple[str, ...]
    mutability: str


@dataclass(frozen=True)
class EventSpec:
    name: str
    signature: str
    topic0: bytes
    inputs: tuple[dict, ...]
    indexed: tuple[bool, ...]
    data_types: tuple[str, ...]
    n_indexed: int


def function_spec(entry: Mapping[str, Any]) -> FunctionSpec:
    inputs = tuple(dict(p) for p in entry.get("inputs", ()))
    outputs = tuple(dict(p) for p in entry.get("outputs", ()))
    sig = abi_signature(entry)
    return FunctionSpec(
        name=entry["name"],
        signature=sig,
        selector=keccak(text=sig)[:4],
        inputs=inputs,
        input_types=tuple(abi_type(p) for p in inputs),
        outputs=outputs,
        output_types=tuple(abi_type(p) for p in outputs),
        mutability=entry.get("stateMutability", "nonpayable"),
    )


def event_spec(entry: Mapping[str, Any]) -> EventSpec:
    inputs = tuple(dict(p) for p in entry.get("inputs", ()))
    sig = abi_signature(entry)
    indexed = tuple(bool(p.get("indexed")) for p in inputs)
    return EventSpec(
        name=entry["name"],
        signature=sig,
        topic0=keccak(text=sig),
        inputs=inputs,
        indexed=indexed,
        data_types=tuple(abi_type(p) for p, ix in zip(inputs, indexed) if not ix),
        n_indexed=sum(indexed),
    )


def _is_dynamic(param: Mapping[str, Any]) -> bool:
    """Indexed values of these types are stored as their keccak hash in the topic."""
    t = param["type"]
    return t in ("string", "bytes") or t.endswith("]") or t.startswith("tuple")


def decode_event(spec: EventSpec, topics: Sequence[bytes], data: bytes) -> dict[str, Any]:
    if len(topics) - 1 != spec.n_indexed:
        raise ValueError("indexed argument count differs")
    data_values = iter(abi_decode(list(spec.data_types), data)) if spec.data_types else iter(())
    topic_values = iter(topics[1:])
    args: dict[str, Any] = {}
    for i, (param, ix) in enumerate(zip(spec.inputs, spec.indexed)):
        name = param.get("name") or f"arg{i}"
        if ix:
            topic = next(topic_values)
            if _is_dynamic(param):
                args[name] = "0x" + topic.hex()  # keccak of the value, as the EVM stores it
            else:
                (value,) = abi_decode([abi_type(param)], topic)
                args[name] = to_jsonable(param, value)
        else:
            args[name] = to_jsonable(param, next(data_values))
    return args


class Deployed:
    """A contract on the chain: its journal name, checksummed address and ABI."""

    __slots__ = ("name", "address", "abi", "_functions", "_events", "_constructor")

    def __init__(self, name: str, address: str, abi: Sequence[Mapping[str, Any]]) -> None:
        self.name = name
        self.address = checksum_address(address)
        self.abi = list(abi)
        self._functions: dict[str, list[FunctionSpec]] = {}
        self._events: dict[bytes, EventSpec] = {}
        self._constructor: tuple[dict, ...] = ()
        for entry in self.abi:
            kind = entry.get("type", "function")
            if kind == "function":
                fn = function_spec(entry)
                self._functions.setdefault(fn.name, []).append(fn)
                self._functions.setdefault(fn.signature, []).append(fn)
            elif kind == "event" and not entry.get("anonymous"):
                ev = event_spec(entry)
                self._events[ev.topic0] = ev
            elif kind == "constructor":
                self._constructor = tuple(dict(p) for p in entry.get("inputs", ()))

    def function(self, name: str) -> FunctionSpec:
        """The function called `name`, or with the full signature `name(type,...)` when overloaded."""
        fns = self._functions.get(name)
        if not fns:
            known = sorted({f.name for v in self._functions.values() for f in v})
            raise ValueError(f"{self.name} has no function {name!r} (functions: {', '.join(known)})")
        if len(fns) > 1:
            sigs = ", ".join(f.signature for f in fns)
            raise ValueError(f"{self.name}.{name} is overloaded; name one of: {sigs}")
        return fns[0]

    @property
    def functions(self) -> list[str]:
        """Signatures of the contract's functions."""
        return sorted({f.signature for v in self._functions.values() for f in v})

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Deployed({self.name!r}, {self.address})"
