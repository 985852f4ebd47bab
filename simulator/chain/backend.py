"""The narrow interface between `Chain` and the EVM that executes its transactions.

`Chain` signs every transaction itself, decides each block's timestamp and prevrandao, and decodes what comes
back (events, custom errors, return values); a backend only executes. Two implement it:

- ``pyevm`` (`pyevm.PyEVMBackend`, the default): py-evm in this process, nothing to start.
- ``anvil`` (`anvil.AnvilBackend`): Foundry's node, started by the program from the repository's
  node_modules (npm ``@foundry-rs/anvil``, pinned in package-lock.json) and driven over JSON-RPC.

Both start from the same genesis (chain id, genesis time, block gas limit, Prague, base fee 0, no funded
account) and give the same gas, logs, revert data and transaction hashes. Their state roots differ (anvil's
state holds accounts py-evm's does not), and anvil draws its own prevrandao (no contract of ours reads it).

A block is built in steps, so that transactions due at the same moment share one block while `Chain` still
hands each one's result back at once: `begin_block` (timestamp, prevrandao), `add` (signed transactions,
executed at once against the block's state so far; their receipts come back), `seal` (the block is final:
its state root is computed once). Views and state reads see the open block's transactions.

A backend's failure (a node that died, never answered or cannot start) is `ChainFailure`; a transaction
the backend refuses before execution is `BlockRejected`, and nothing of that `add` is kept then.
"""

from __future__ import annotations

import abc
import importlib
from dataclasses import dataclass
from typing import Any, Sequence

from .errors import ChainFailure

__all__ = ["Backend", "BlockRejected", "BackendUnavailable", "CallOutcome", "Log", "MinedBlock", "Receipt",
           "BACKENDS", "DEFAULT_CHAIN_ID", "DEFAULT_BLOCK_GAS_LIMIT", "ELASTICITY", "MAX_TX_GAS", "open_backend"]

#: eth-tester's chain id: every backend starts with it, so a transaction signed for one is the same signed
#: transaction (the same hash) on the other.
DEFAULT_CHAIN_ID = 131277322940537
#: The block gas limit: room for the transactions due at one moment (its gas target, half of it, takes 50
#: transactions of the default 10M gas limit, or 2,000 of a campaign batch's 250k) while a block stays at most
#: half full, so the base fee stays zero. A larger limit costs nothing: a block's work is the gas it uses.
DEFAULT_BLOCK_GAS_LIMIT = 1_000_000_000
#: The most gas one transaction may ask for: 2**24, Ethereum's cap per transaction since Osaka (EIP-7825).
MAX_TX_GAS = 2**24
#: EIP-1559: a block's gas target is its gas limit // ELASTICITY; a block using more raises the base fee.
ELASTICITY = 2

#: Backend name -> "module:class" of this package.
BACKENDS = {"pyevm": "pyevm:PyEVMBackend", "anvil": "anvil:AnvilBackend"}


@dataclass(frozen=True)
class Log:
    address: str  # 0x lower-case hex of the emitting contract
    topics: tuple[bytes, ...]  # 32 bytes each
    data: bytes


@dataclass(frozen=True)
class Receipt:
    """One transaction of a mined block, as the EVM left it."""

    tx_hash: str  # 0x hex
    status: int  # 1 success, 0 failure
    gas_used: int  # this transaction's own (not the block's cumulative figure)
    logs: tuple[Log, ...]
    #: None on success; "revert", "out_of_gas", or another VM failure named as py-evm names it
    #: ("InvalidInstruction", "InvalidJumpDestination", ...).
    error: str | None
    #: A failure's revert data; a success's return data when it was asked for (always on py-evm), else None.
    output: bytes | None
    contract_address: str | None = None  # a successful creation's address, checksummed


@dataclass(frozen=True)
class MinedBlock:
    """A sealed block: its number, time and state root (each `add` returned its transactions' receipts)."""

    number: int
    timestamp: int
    state_root: str  # 0x hex


@dataclass(frozen=True)
class CallOutcome:
    """A view call's result: `error` as in `Receipt`; `output` the return data or the revert data."""

    output: bytes
    error: str | None = None


class BlockRejected(Exception):
    """The backend refused transaction `index` of an `add` before executing it (gas below the intrinsic cost,
    a wrong nonce, ...). Nothing of that `add` was kept; the block holds what it held before."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(index, reason)
        self.index, self.reason = index, reason

    def __str__(self) -> str:
        return self.reason


class BackendUnavailable(ChainFailure):
    """The backend cannot be started here at all (its binary is missing): one line saying how to get it."""


class Backend(abc.ABC):
    """What `Chain` needs from an EVM. Addresses are 0x hex strings; a backend keeps no keys and decodes
    nothing. Time is given with each block and view call: the backend has no clock of its own."""

    #: "pyevm" or "anvil"; `version` is the engine's own version ("0.12.1b1", "1.7.1").
    name: str = ""
    version: str = ""
    chain_id: int = DEFAULT_CHAIN_ID
    block_gas_limit: int = DEFAULT_BLOCK_GAS_LIMIT

    @property
    @abc.abstractmethod
    def description(self) -> str:
        """The engine and its version, for the journal header's chain settings ("backend")."""

    @property
    @abc.abstractmethod
    def prevrandao_rule(self) -> str:
        """How each block's prevrandao is chosen, for the journal header."""

    @abc.abstractmethod
    def begin_block(self, timestamp: int, prevrandao: bytes) -> int:
        """Open a new block at `timestamp` (later than the latest sealed block's) and return its number.
        No block may be open already."""

    @abc.abstractmethod
    def add(self, raw_txs: Sequence[bytes], want_output: Sequence[bool] = ()) -> tuple[Receipt, ...]:
        """Execute the signed transactions, in order, in the open block, after what it holds; return their
        receipts. `want_output[i]`: transaction i's return data is needed. Raises BlockRejected (nothing of
        these transactions kept) or ChainFailure."""

    @abc.abstractmethod
    def write_storage(self, address: str, writes: Sequence[tuple[int, int]]) -> None:
        """Set storage slots of the contract at `address` in the open block's state, after what it holds, as
        the block's own doing rather than a transaction's (seeded state: what a scenario sets up without
        studying it). `writes`: (slot, value) pairs, each value a 256-bit word."""

    @abc.abstractmethod
    def seal(self) -> MinedBlock:
        """Make the open block final (its state root computed) and return it; nothing is open afterwards."""

    @property
    @abc.abstractmethod
    def open_block(self) -> int | None:
        """The open block's number, or None."""

    @abc.abstractmethod
    def discard(self) -> None:
        """Drop an open block that holds no transaction (after a rejected first `add`)."""

    @abc.abstractmethod
    def call(self, to: str, data: bytes, sender: str, timestamp: int, gas: int, prevrandao: bytes) -> CallOutcome:
        """Run a call without a transaction, from `sender` (no signature needed), at `timestamp`: on the open
        block's state when a block is open (at its time), else in a block after the latest one."""

    def call_many(self, calls: Sequence[tuple[str, bytes]], sender: str, timestamp: int, gas: int,
                  prevrandao: bytes) -> list[CallOutcome]:
        """Several calls ``(to, data)`` on the same state, each as `call` runs it; outcomes in their order.
        Backends answer them together where that is cheaper (one request to a node)."""
        return [self.call(to, data, sender, timestamp, gas, prevrandao) for to, data in calls]

    @abc.abstractmethod
    def block_number(self) -> int:
        """The latest sealed block's number (0 = genesis)."""

    @abc.abstractmethod
    def state_root(self) -> str:
        """The latest sealed block's state root, 0x hex."""

    # Reads below see the open block's transactions when a block is open.

    @abc.abstractmethod
    def nonce(self, address: str) -> int: ...

    @abc.abstractmethod
    def balance(self, address: str) -> int: ...

    @abc.abstractmethod
    def code(self, address: str) -> bytes: ...

    @abc.abstractmethod
    def storage(self, address: str, slot: int) -> int: ...

    @abc.abstractmethod
    def next_base_fee(self) -> int:
        """The base fee the next block will have (0 as long as no block is more than half full)."""

    @abc.abstractmethod
    def snapshot(self) -> Any:
        """A token for the current state and block number (no block may be open)."""

    @abc.abstractmethod
    def revert(self, token: Any) -> None:
        """Return to a snapshot's state and block number, dropping an open block; a token can be reverted to
        more than once."""

    def close(self) -> None:
        """Release what the backend holds (stop a node it started). Idempotent."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_backend(name: str, genesis_time: int, *, block_gas_limit: int | None = None, **options: Any) -> Backend:
    """A new backend by name ("pyevm" or "anvil") at its genesis; `options` go to its constructor."""
    try:
        module, cls = BACKENDS[name].split(":")
    except KeyError:
        raise ValueError(f"unknown chain backend {name!r} (choose one of: {', '.join(BACKENDS)})") from None
    backend_class = getattr(importlib.import_module(f"{__package__}.{module}"), cls)
    return backend_class(genesis_time, block_gas_limit=block_gas_limit, **options)
