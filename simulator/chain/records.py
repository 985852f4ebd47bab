"""What a mined transaction leaves behind: its decoded events, its result, the record hooks receive, a snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import DecodedError

__all__ = ["Event", "TxResult", "TxRecord", "Snapshot"]


@dataclass(frozen=True)
class Event:
    """A decoded log. `contract` is the emitting contract's name (its checksummed address if unregistered).
    A log no registered ABI explains has name "<unknown>" and args {"topics": [...], "data": "0x..."}."""

    contract: str
    name: str
    args: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"contract": self.contract, "name": self.name, "args": self.args}


@dataclass(frozen=True)
class TxResult:
    """One executed transaction, in block `block_number` (open until the clock moves on; `Chain.on_block`
    hears of its state root when it is sealed). Everything here is reproducible run to run (no block hashes)."""

    tx_hash: str
    block_number: int
    timestamp: int
    status: int  # 1 success, 0 failure
    gas_used: int
    events: list[Event]
    error: DecodedError | None
    contract_address: str | None = None  # set for a successful deployment
    return_value: Any = None  # decoded output of a successful call: one value, or a tuple for several
    gas_limit: int = 0  # the gas the transaction was sent with

    @property
    def ok(self) -> bool:
        return self.status == 1

    def events_named(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name == name]

    def event(self, name: str) -> Event:
        """The one event called `name` (ValueError if there is none or several)."""
        found = self.events_named(name)
        if len(found) != 1:
            raise ValueError(f"expected one {name} event, found {len(found)}")
        return found[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "tx_hash": self.tx_hash,
            "block": self.block_number,
            "timestamp": self.timestamp,
            "status": self.status,
            "gas_used": self.gas_used,
            "events": [e.to_json() for e in self.events],
            "error": self.error.to_json() if self.error is not None else None,
        }


@dataclass(frozen=True)
class TxRecord:
    """What `Chain.on_transaction` hooks receive after every executed transaction (deployments and reverted
    transactions included). `args` is JSON-able (ints, checksummed addresses, 0x hex bytes, lists, dicts)."""

    actor: str
    contract: str
    function: str  # "constructor" for a deployment
    args: list[Any]
    result: TxResult
    address: str  # the contract's address
    #: Its place (0, 1, ...) among transactions sent together by one `send_batch`; None when sent alone.
    batch: int | None = None


@dataclass(frozen=True)
class Snapshot:
    """What `Chain.snapshot` returns: the backend's token for its state, and the chain's time and registry."""

    block_number: int
    _token: Any = field(repr=False)
    _scenario_time: int = field(repr=False)
    _last_block_time: int = field(repr=False)
    _contracts: tuple = field(repr=False)
    _chain_id: int = field(repr=False)
