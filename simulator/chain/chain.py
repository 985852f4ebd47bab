"""The chain at scenario time: named actors, locally signed transactions, decoded events and errors,
snapshots and a transaction hook, over a backend that executes (`backend.py`: py-evm in this process by
default, or an anvil node the program starts).

    chain = Chain(genesis_time=parse_beijing("2022-05-09"), seed=7)            # backend="anvil" for a node
    token = chain.deploy("Fixture", abi, bytecode, deployer="bank", args=(100,))
    chain.set_time("2022-05-09 18:00")
    r = chain.send("parent:alice", token, "setValue", 5)      # TxResult; raises ContractRevert on status 0
    r.events[0]            # Event(contract='Fixture', name='ValueSet', args={...})
    chain.call(token, "total")
    snap = chain.snapshot(); ...; chain.revert(snap)
    chain.close()          # stops a node the chain started (also `with Chain(...) as chain:`)

Rules this module keeps, whatever the backend:

- Blocks, two ways (`mining`). "automine" (the default, as anvil and Hardhat do it): each transaction, or
  each `send_batch`, is a block of its own at `now`, and after a block at T the next one gets at least T + 1.
  "by_time" (scenario runs): transactions sent while the clock stands still share one block, at exactly that
  time; the block is sealed (its state root computed) when the clock moves on, when a snapshot or the state root is
  asked for, or when the next transaction's gas limit would take the block's reserved gas (the sum of its
  transactions' limits) over the gas target; the next block then gets at least T + 1, since block timestamps
  strictly increase (`now` = the open block's time, else max(scenario time, last block time + 1)). Each
  transaction's result comes back at once (the block's state so far); `on_block` hooks hear of each sealed
  block with its state root. `set_time`/`advance` move the scenario time; `advance` counts from the scenario
  time, not from the +1 s steps, so repeated `advance(days=1)` never drift.
- Fees are zero: genesis base fee 0, every transaction has max fee 0 and priority fee 0, so actors need no
  ETH and nobody is funded (the genesis allocation is empty). EIP-1559 would raise the base fee to 1 wei
  forever after a single block more than half full; a block's transactions' gas limits therefore add up to
  at most its gas target (block gas limit // 2), and one transaction's to at most 2**24 (EIP-7825).
- prevrandao (mix_hash) is keccak(seed, block number) on py-evm instead of eth-tester's os.urandom, so even
  block hashes repeat run to run; anvil cannot be given it and draws its own (no contract of ours reads it:
  tests/contracts/test_no_chain_randomness.py). Nothing returned as reproducible includes a block hash.
- Explicit gas on every transaction (no estimation), signed here (coincurve, `actors.Signer`); the backend gets raw
  transactions only.
- A failed transaction's revert data comes from its own execution (py-evm's computation, anvil's trace).
"""

from __future__ import annotations

from importlib import metadata
from typing import Any, Callable, Iterable, Mapping, Sequence

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import is_hex_address, keccak

from .actors import Actors, validate_name
from .backend import ELASTICITY, MAX_TX_GAS, Backend, BlockRejected, Log, MinedBlock, Receipt, open_backend
from .clock import DAY, HOUR, MINUTE, WEEK, format_beijing, to_timestamp
from .abi import Deployed, EventSpec, FunctionSpec, decode_event, event_spec
from .errors import (
    ContractRevert,
    DecodedError,
    ErrorDecoder,
    MissingRevert,
    TransactionRejected,
    abi_type,
    checksum_address,
    to_jsonable,
)
from .records import Event, Snapshot, TxRecord, TxResult

__all__ = ["Chain", "Deployed", "Event", "TxResult", "TxRecord", "Snapshot", "DEFAULT_GAS", "MINING"]

DEFAULT_GAS = 10_000_000
#: How transactions are put into blocks (`Chain(mining=)`), as a journal header says it.
MINING = {
    "automine": "automine: each transaction or batch in a block of its own",
    "by_time": "by time: the transactions due at one moment share a block, up to the gas target",
}
ZERO_ADDRESS = "0x" + "00" * 20


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


# --------------------------------------------------------------------------------------------------
# The chain
# --------------------------------------------------------------------------------------------------


class Chain:
    """A chain at the scenario's own time. See the module docstring for its rules.

    `backend`: "pyevm" (default: in this process), "anvil" (a node started on a free 127.0.0.1 port and
    stopped by `close()`, at exit, or when the chain is garbage), or a `Backend` already at this genesis.
    `mining`: "automine" (a block per transaction or batch) or "by_time" (what is due at one moment shares a
    block); see the module docstring.
    `backend_options` go to the backend's constructor (anvil: `binary`, `port`, `start_timeout`, ...)."""

    def __init__(
        self,
        genesis_time: int | str,
        seed: int | str = 0,
        *,
        default_gas: int = DEFAULT_GAS,
        block_gas_limit: int | None = None,
        backend: str | Backend = "pyevm",
        mining: str = "automine",
        **backend_options: Any,
    ) -> None:
        if mining not in MINING:
            raise ValueError(f"unknown mining {mining!r} (choose one of: {', '.join(MINING)})")
        genesis_time = to_timestamp(genesis_time)
        if genesis_time < 0:
            raise ValueError("genesis_time must be a unix time >= 0")
        if isinstance(backend, Backend):
            self._backend = backend
        else:
            self._backend = open_backend(backend, genesis_time, block_gas_limit=block_gas_limit, **backend_options)
        self.seed = seed
        self.mining = mining
        self.actors = Actors(seed)
        self.genesis_time = genesis_time
        self.chain_id: int = self._backend.chain_id
        self.block_gas_limit: int = self._backend.block_gas_limit
        #: What a block's transactions' gas limits may add up to: its gas target (the base fee stays zero).
        self.block_gas_target: int = self.block_gas_limit // ELASTICITY
        self.max_tx_gas: int = min(MAX_TX_GAS, self.block_gas_target)
        if not 21_000 <= int(default_gas) <= self.max_tx_gas:
            self.close()
            raise ValueError(f"default_gas must be within [21000, {self.max_tx_gas}]")
        self.default_gas = int(default_gas)

        self._seed_bytes = self.actors._seed_bytes
        self._scenario_time = genesis_time
        self._last_block_time = genesis_time  # of the open block, else of the latest sealed one
        self._open_reserved: int | None = None  # gas limits of the open block's transactions; None: none open
        self.last_result: TxResult | None = None  # the latest mined transaction (a deployment's, too)
        self._nonces: dict[str, int] = {}
        self._contracts: dict[str, Deployed] = {}
        self._by_address: dict[str, Deployed] = {}  # lower-case hex -> contract
        self._errors = ErrorDecoder()
        self._events: dict[bytes, list[EventSpec]] = {}
        #: Hooks called with a TxRecord after every executed transaction (deployments and reverts included).
        self.on_transaction: list[Callable[[TxRecord], None]] = []
        #: Hooks called with each sealed block (number, timestamp, state root).
        self.on_block: list[Callable[[MinedBlock], None]] = []

    def close(self) -> None:
        """Release the backend (stop a node the chain started). Idempotent; the chain is unusable after."""
        self._backend.close()

    def __enter__(self) -> Chain:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---------------------------------------------------------------- description (journal header)

    @property
    def genesis_allocation(self) -> dict[str, Any]:
        """Accounts funded at genesis: none (fees are zero, so no actor needs ETH)."""
        return {}

    @property
    def settings(self) -> dict[str, Any]:
        """JSON-able chain settings for a journal header."""
        return {
            "backend": self._backend.description,
            "fork": "prague",
            "chain_id": self.chain_id,
            "block_gas_limit": self.block_gas_limit,
            "max_tx_gas": self.max_tx_gas,
            "default_gas": self.default_gas,
            "base_fee_per_gas": 0,
            "gas_price": 0,
            "block_gas_target": self.block_gas_target,
            "blocks": MINING[self.mining],
            "min_block_interval_s": 1,
            "prevrandao": self._backend.prevrandao_rule,
            "actor_keys": "keccak256('ecny-sim actor|' + seed + '|' + name) mod (n-1) + 1",
            "signer": f"coincurve {_version('coincurve')} (EIP-1559, RFC 6979)",
        }

    @property
    def backend(self) -> Backend:
        """What executes the transactions (`.name`, `.version`; balances, code, storage). Its state-changing
        methods must not be called directly: the chain's nonces, time and registry would not follow."""
        return self._backend

    # ---------------------------------------------------------------- actors and contracts

    def address_of(self, name: str) -> str:
        """Checksummed address of actor `name`, created on demand (deterministic from the seed)."""
        return self.actors.address_of(name)

    def name_of(self, address: str | bytes) -> str:
        """Name of the actor or contract at `address`; KeyError if neither."""
        label = self.lookup(address)
        if label is None:
            raise KeyError(f"no actor or contract at {address!r}")
        return label

    def lookup(self, address: str | bytes) -> str | None:
        """Name of the actor or contract at `address`, or None."""
        if isinstance(address, (bytes, bytearray)):
            address = "0x" + bytes(address).hex()
        contract = self._by_address.get(str(address).lower())
        if contract is not None:
            return contract.name
        return self.actors.lookup(address)

    def label(self, address: str | bytes) -> str:
        """Name of the actor or contract at `address`, else the checksummed address."""
        name = self.lookup(address)
        if name is not None:
            return name
        if isinstance(address, (bytes, bytearray)):
            address = "0x" + bytes(address).hex()
        return checksum_address(address)

    def contract(self, name: str) -> Deployed:
        try:
            return self._contracts[name]
        except KeyError:
            raise KeyError(f"no contract named {name!r}") from None

    @property
    def contracts(self) -> dict[str, Deployed]:
        return dict(self._contracts)

    def register_abi(self, abi: Sequence[Mapping[str, Any]]) -> None:
        """Add an ABI's events and errors to the decoding tables (e.g. a library's or an interface's)."""
        self._errors.add_abi(abi)
        for entry in abi:
            if entry.get("type") == "event" and not entry.get("anonymous"):
                spec = event_spec(entry)
                specs = self._events.setdefault(spec.topic0, [])
                if all(s.indexed != spec.indexed or s.inputs != spec.inputs for s in specs):
                    specs.append(spec)

    def register(self, name: str, abi: Sequence[Mapping[str, Any]], address: str) -> Deployed:
        """Name a contract that exists at `address` (e.g. created by another contract)."""
        self._check_new_name(name)
        deployed = Deployed(name, address, abi)
        self._add_contract(deployed)
        return deployed

    def _check_new_name(self, name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError("contract name must be a non-empty string")
        if name in self._contracts:
            raise ValueError(f"a contract named {name!r} is already deployed")

    def _add_contract(self, deployed: Deployed) -> None:
        self.register_abi(deployed.abi)
        self._contracts[deployed.name] = deployed
        self._by_address[deployed.address.lower()] = deployed

    # ---------------------------------------------------------------- time

    @property
    def now(self) -> int:
        """The timestamp the next transaction's block will get (the open block's, unless it is full)."""
        if self._open_reserved is not None:
            return self._last_block_time
        return max(self._scenario_time, self._last_block_time + 1)

    @property
    def last_block_time(self) -> int:
        """Timestamp of the latest block (the open one, if any; the genesis time before any transaction)."""
        return self._last_block_time

    def set_time(self, ts: int | str) -> int:
        """Make the next transaction's block get exactly `ts` (unix seconds, or a Beijing time string).

        Raises ValueError if `ts` is before `now`: time never goes backwards, and a block's timestamp must
        be later than the previous block's.
        """
        ts = to_timestamp(ts)
        if ts < self.now:
            raise ValueError(
                f"cannot set time to {format_beijing(ts)}: the next block cannot be earlier than "
                f"{format_beijing(self.now)} (time never goes backwards; blocks are at least 1 s apart)"
            )
        self._scenario_time = ts
        self._seal_if_past()
        return ts

    def advance(
        self, seconds: int = 0, *, minutes: int = 0, hours: int = 0, days: int = 0, weeks: int = 0
    ) -> int:
        """Move the scenario time forward and return `now`.

        Counts from the scenario time (the last `set_time`/`advance` target), not from the 1 s steps that
        consecutive blocks take, so `advance(days=1)` after a lesson at 18:00 lands on 18:00 the next day.
        """
        delta = int(seconds) + int(minutes) * MINUTE + int(hours) * HOUR + int(days) * DAY + int(weeks) * WEEK
        if delta < 0:
            raise ValueError("advance() cannot go backwards")
        self._scenario_time += delta
        self._seal_if_past()
        return self.now

    def _seal_if_past(self) -> None:
        if self._open_reserved is not None and self._scenario_time > self._last_block_time:
            self.seal()

    # ---------------------------------------------------------------- blocks

    @property
    def open_block(self) -> int | None:
        """The number of the block that takes the transactions sent now, while the clock stands still; None
        when none is open (the next transaction opens one)."""
        return self._backend.open_block

    def seal(self) -> MinedBlock | None:
        """Make the open block final now (its state root is computed); returns it, or None if none was open.
        The chain does it by itself when time moves on; call it to end a block earlier (replay does)."""
        if self._open_reserved is None:
            return None
        block = self._backend.seal()
        self._open_reserved = None
        for hook in list(self.on_block):
            hook(block)
        return block

    # ---------------------------------------------------------------- chain state

    @property
    def block_number(self) -> int:
        """Number of the latest sealed block (0 = genesis); an open block is number + 1."""
        return self._backend.block_number()

    def state_root(self) -> str:
        """State root after every transaction so far, 0x hex (the open block is sealed first; the backend's own
        root: py-evm's and anvil's differ)."""
        self.seal()
        return self._backend.state_root()

    def nonce_of(self, name: str) -> int:
        return self._nonce(self.actors.address_of(name))

    def snapshot(self) -> Snapshot:
        """Capture chain state, block number, time and the contract registry (the open block is sealed first)."""
        self.seal()
        return Snapshot(
            block_number=self.block_number,
            _token=self._backend.snapshot(),
            _scenario_time=self._scenario_time,
            _last_block_time=self._last_block_time,
            _contracts=tuple(self._contracts.items()),
            _chain_id=id(self),
        )

    def revert(self, snap: Snapshot) -> None:
        """Return to `snap`: state, block number, time, and contracts (those deployed since are forgotten).

        A snapshot can be reverted to any number of times."""
        if not isinstance(snap, Snapshot) or snap._chain_id != id(self):
            raise ValueError("not a snapshot of this chain")
        self._backend.revert(snap._token)
        self._open_reserved = None
        self._scenario_time = snap._scenario_time
        self._last_block_time = snap._last_block_time
        self._contracts = dict(snap._contracts)
        self._by_address = {c.address.lower(): c for c in self._contracts.values()}
        self._nonces.clear()

    # ---------------------------------------------------------------- seeded state

    def write_storage(self, contract: Deployed | str, writes: Sequence[tuple[int, int]]) -> tuple[int, int]:
        """Sets storage slots of a deployed contract in the block of the moment, without a transaction: state
        a scenario sets up without studying it (wallets opened and funded before the story starts). The
        caller keeps the contract's invariants (its storage layout, its totals) and records what it wrote;
        replay writes the same. Returns (block number, timestamp) of the block that holds the writes."""
        deployed = contract if isinstance(contract, Deployed) else self.contract(contract)
        for slot, value in writes:
            if not (0 <= slot < 2**256 and 0 <= value < 2**256):
                raise ValueError(f"storage slot {slot} or value {value} is not a 256-bit word")
        self._begin_block_if_none()
        self._backend.write_storage(deployed.address, writes)
        number, timestamp = self.block_number + 1, self._last_block_time
        if self.mining == "automine":
            self.seal()
        return number, timestamp

    # ---------------------------------------------------------------- transactions

    def deploy(
        self,
        name: str,
        abi: Sequence[Mapping[str, Any]],
        bytecode: str | bytes,
        deployer: str,
        args: Sequence[Any] = (),
        *,
        gas: int | None = None,
    ) -> Deployed:
        """Deploy a contract from actor `deployer` and register it as `name` (unique on this chain).

        Raises ContractRevert if the constructor reverts (function "constructor")."""
        self._check_new_name(name)
        validate_name(deployer)
        if isinstance(bytecode, str):
            bytecode = bytes.fromhex(bytecode[2:] if bytecode.startswith("0x") else bytecode)
        probe = Deployed(name, "0x" + "00" * 20, abi)
        inputs = probe._constructor
        if len(args) != len(inputs):
            raise ValueError(f"{name} constructor takes {len(inputs)} arguments, got {len(args)}")
        values = [self._prepare(p, v) for p, v in zip(inputs, args)]
        data = bytes(bytecode) + (abi_encode([abi_type(p) for p in inputs], values) if inputs else b"")
        self.register_abi(abi)  # so constructor events and errors decode
        json_args = [to_jsonable(p, v) for p, v in zip(inputs, values)]
        result, deployed = self._transact(
            deployer, None, data, gas, name, "constructor", json_args, fn=None, new_abi=abi
        )
        assert deployed is not None
        return deployed

    def send(
        self,
        actor: str,
        contract: Deployed | str,
        function: str,
        *args: Any,
        gas: int | None = None,
        expect_revert: bool | str = False,
        allow_revert: bool = False,
    ) -> TxResult:
        """Send a transaction from `actor` calling `contract.function(*args)`, in the block of the moment.

        Address arguments may be given as checksummed/lower-case hex, a Deployed contract or an actor name.
        Status 0 raises ContractRevert (after the transaction was mined and the hooks ran), unless
        `allow_revert` (either outcome is returned) or `expect_revert` (True: any revert is required; a name:
        that error is required; the result is returned, and MissingRevert is raised if the transaction
        succeeded, ContractRevert if it reverted with another error).
        """
        if isinstance(contract, str):
            contract = self.contract(contract)
        fn = contract.function(function)
        data, json_args = self._encode_call(contract, fn, args)
        result, _ = self._transact(
            actor,
            contract.address,
            data,
            gas,
            contract.name,
            function,
            json_args,
            fn=fn,
            expect_revert=expect_revert,
            allow_revert=allow_revert,
        )
        return result

    def send_batch(self, calls: Sequence[tuple], *, gas: int = 1_000_000, allow_revert: bool = False) -> list[TxResult]:
        """Send several independent transactions together, in order, in one block (the open one if they fit):
        ``calls`` are ``(actor, contract, function, *args)`` tuples, each with gas limit ``gas``; their limits
        together must fit the block's gas target. Hooks run for each in order. A failed one does not stop the
        rest; afterwards the first failure raises ContractRevert. Use it for many actors acting at the same
        time (a campaign's claims and payments): one call to the backend for all of them. With `allow_revert`
        the results are returned whatever their status."""
        if not calls:
            return []
        self._check_gas(gas)
        if gas * len(calls) > self.block_gas_target:
            raise ValueError(f"{len(calls)} transactions x {gas} gas exceed the block gas target "
                             f"{self.block_gas_target}; send fewer per batch or give less gas each")
        prepared = []
        nonces: dict[str, int] = {}
        for actor_name, contract, function, *args in calls:
            if isinstance(contract, str):
                contract = self.contract(contract)
            fn = contract.function(function)
            data, json_args = self._encode_call(contract, fn, args)
            actor = self.actors.get(actor_name)
            nonce = nonces.get(actor.address, self._nonce(actor.address))
            nonces[actor.address] = nonce + 1
            raw = self._sign(actor, nonce, gas, data, contract.address)
            prepared.append((actor_name, contract, fn, function, json_args, raw))
        number, timestamp, receipts = self._execute([p[-1] for p in prepared], [bool(p[2].outputs) for p in prepared],
                                                    [(p[0], p[1].name, "batch") for p in prepared], gas * len(prepared))
        self._nonces.update(nonces)
        results, first_failure = [], None
        for place, ((actor_name, contract, fn, function, json_args, _), receipt) in enumerate(zip(prepared, receipts)):
            error = self._failure(receipt) if receipt.status == 0 else None
            result = self._result(number, timestamp, receipt, gas, error,
                                  self._decode_output(fn, receipt.output) if receipt.status == 1 else None)
            record = TxRecord(actor_name, contract.name, function, json_args, result, contract.address, place)
            for hook in list(self.on_transaction):
                hook(record)
            if receipt.status == 0 and first_failure is None:
                first_failure = ContractRevert(error, contract.name, function, result)
            results.append(result)
        if first_failure is not None and not allow_revert:
            raise first_failure
        return results

    def call(self, contract: Deployed | str, function: str, *args: Any, actor: str | None = None) -> Any:
        """Run a function without a transaction against the latest state, at block time `now`, from
        `actor` (default: the zero address). Returns one value, or a tuple for several outputs; values are
        JSON-able (ints, checksummed addresses, 0x hex bytes, structs as dicts). Raises ContractRevert."""
        return self.call_many([(contract, function, args)], actor=actor)[0]

    def call_many(self, reads: Iterable[tuple[Deployed | str, str, Sequence[Any]]], *,
                  actor: str | None = None) -> list[Any]:
        """Several ``call``s, ``(contract, function, args)`` each, on the same state: their values in order.
        One request to a node instead of one per call, hence much faster for a summary's thousands of reads.
        Raises ContractRevert for the first one that fails."""
        prepared = []
        for contract, function, args in reads:
            if isinstance(contract, str):
                contract = self.contract(contract)
            fn = contract.function(function)
            prepared.append((contract, function, fn, self._encode_call(contract, fn, args)[0]))
        if not prepared:
            return []
        sender = self.actors.address_of(actor) if actor is not None else ZERO_ADDRESS
        outcomes = self._backend.call_many([(c.address, data) for c, _, _, data in prepared], sender, self.now,
                                           self.max_tx_gas, self._prevrandao(self.block_number + 1))
        values = []
        for (contract, function, fn, _), outcome in zip(prepared, outcomes):
            if outcome.error is not None:
                raise ContractRevert(self._decode_failure(outcome.error, outcome.output), contract.name, function)
            values.append(self._decode_output(fn, outcome.output))
        return values

    # ---------------------------------------------------------------- internals

    def _prevrandao(self, block_number: int) -> bytes:
        return keccak(b"ecny-sim prevrandao|" + self._seed_bytes + b"|" + str(block_number).encode("ascii"))

    def _nonce(self, address: str) -> int:
        nonce = self._nonces.get(address)
        if nonce is None:
            nonce = self._backend.nonce(address)
            self._nonces[address] = nonce
        return nonce

    def _sign(self, actor: Any, nonce: int, gas: int, data: bytes, to: str | None) -> bytes:
        return actor.signer.sign(self.chain_id, nonce, gas, data, to)

    def _check_gas(self, gas: int) -> None:
        if not 0 < gas <= self.max_tx_gas:
            raise ValueError(f"gas {gas} out of range: at most {self.max_tx_gas} per transaction (Ethereum's cap "
                             "since Osaka, EIP-7825)")

    def _execute(self, raws: list[bytes], want_output: list[bool], who: list[tuple[str, str, str]],
                 reserved: int) -> tuple[int, int, tuple[Receipt, ...]]:
        """Signed transactions, whose gas limits add up to `reserved`, executed in the block of the moment (a
        new one when none is open or they would take it over its gas target): (block number, timestamp,
        receipts). `who`: (actor, contract, function) of each, for a refusal's message."""
        if self._open_reserved is not None and self._open_reserved + reserved > self.block_gas_target:
            self.seal()
        before = self._last_block_time
        opened = self._begin_block_if_none()
        try:
            receipts = self._backend.add(raws, want_output)
        except BlockRejected as exc:
            if opened:  # no empty block is left behind
                self._backend.discard()
                self._open_reserved, self._last_block_time = None, before
            raise TransactionRejected(*who[exc.index], exc.reason) from None
        self._open_reserved += reserved
        number = self.block_number + 1
        if self.mining == "automine":
            self.seal()
        return number, self._last_block_time, receipts

    def _begin_block_if_none(self) -> bool:
        """Opens the block of the moment unless one is open; says whether it opened one."""
        if self._open_reserved is not None:
            return False
        timestamp = self.now
        self._backend.begin_block(timestamp, self._prevrandao(self.block_number + 1))
        self._open_reserved, self._last_block_time = 0, timestamp
        return True

    def _result(self, number: int, timestamp: int, receipt: Receipt, gas: int, error: DecodedError | None,
                return_value: Any, contract_address: str | None = None) -> TxResult:
        return TxResult(
            tx_hash=receipt.tx_hash,
            block_number=number,
            timestamp=timestamp,
            status=receipt.status,
            gas_used=receipt.gas_used,
            gas_limit=gas,
            events=self._decode_logs(receipt.logs),
            error=error,
            contract_address=contract_address,
            return_value=return_value,
        )

    def _failure(self, receipt: Receipt) -> DecodedError:
        return self._decode_failure(receipt.error or "UnknownFailure", receipt.output or b"")

    def _decode_failure(self, kind: str, output: bytes) -> DecodedError:
        """A backend's failure kind and revert data -> DecodedError (custom error, Error, Panic, ...)."""
        if kind == "revert":
            return self._errors.decode(output)
        if kind == "out_of_gas":
            return DecodedError("out_of_gas", "OutOfGas", {}, "0x")
        return DecodedError("vm", kind, {}, "0x")

    def _prepare(self, param: Mapping[str, Any], value: Any) -> Any:
        """Python value -> what eth_abi encodes, for ABI parameter `param`."""
        t = param["type"]
        if t.endswith("]"):
            inner = dict(param, type=t[: t.rindex("[")])
            if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
                raise ValueError(f"expected a list for {t}, got {value!r}")
            return [self._prepare(inner, v) for v in value]
        if t == "tuple":
            comps = param.get("components", ())
            if isinstance(value, Mapping):
                missing = [c["name"] for c in comps if c["name"] not in value]
                if missing:
                    raise ValueError(f"struct value is missing {missing}")
                value = [value[c["name"]] for c in comps]
            value = list(value)
            if len(value) != len(comps):
                raise ValueError(f"expected {len(comps)} struct fields, got {len(value)}")
            return tuple(self._prepare(c, v) for c, v in zip(comps, value))
        if t == "address":
            if isinstance(value, Deployed):
                return value.address
            if isinstance(value, (bytes, bytearray)) and len(value) == 20:
                return checksum_address("0x" + bytes(value).hex())
            if isinstance(value, str):
                if is_hex_address(value):
                    return checksum_address(value)
                if not value.startswith("0x"):
                    return self.actors.address_of(value)  # an actor name (validated)
            raise ValueError(f"not an address, contract or actor name: {value!r}")
        if t == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"expected a bool, got {value!r}")
            return value
        if t.startswith(("uint", "int")):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"expected an int for {t}, got {value!r}")
            return value
        if t.startswith("bytes"):
            if isinstance(value, str):
                value = bytes.fromhex(value[2:] if value.startswith("0x") else value)
            if not isinstance(value, (bytes, bytearray)):
                raise ValueError(f"expected bytes or 0x hex for {t}, got {value!r}")
            return bytes(value)
        if t == "string":
            if not isinstance(value, str):
                raise ValueError(f"expected a str, got {value!r}")
            return value
        return value

    def _encode_call(self, contract: Deployed, fn: FunctionSpec, args: Sequence[Any]) -> tuple[bytes, list[Any]]:
        if len(args) != len(fn.inputs):
            raise ValueError(f"{contract.name}.{fn.signature} takes {len(fn.inputs)} arguments, got {len(args)}")
        try:
            values = [self._prepare(p, v) for p, v in zip(fn.inputs, args)]
        except ValueError as exc:
            raise ValueError(f"{contract.name}.{fn.signature}: {exc}") from None
        data = fn.selector + (abi_encode(list(fn.input_types), values) if values else b"")
        return data, [to_jsonable(p, v) for p, v in zip(fn.inputs, values)]

    def _decode_output(self, fn: FunctionSpec, output: bytes | None) -> Any:
        if not fn.outputs or output is None:
            return None
        values = abi_decode(list(fn.output_types), output)
        decoded = [to_jsonable(p, v) for p, v in zip(fn.outputs, values)]
        return decoded[0] if len(decoded) == 1 else tuple(decoded)

    def _decode_logs(self, logs: Sequence[Log]) -> list[Event]:
        events = []
        for log in logs:
            topics = list(log.topics)
            address = log.address
            owner = self._by_address.get(address)
            label = owner.name if owner is not None else checksum_address(address)
            args = name = None
            if topics:
                candidates: list[EventSpec] = []
                if owner is not None and topics[0] in owner._events:
                    candidates.append(owner._events[topics[0]])
                candidates.extend(self._events.get(topics[0], ()))
                for spec in candidates:
                    try:
                        args = decode_event(spec, topics, log.data)
                    except Exception:
                        continue
                    name = spec.name
                    break
            if name is None:
                name = "<unknown>"
                args = {"topics": ["0x" + t.hex() for t in topics], "data": "0x" + log.data.hex()}
            events.append(Event(label, name, args))
        return events

    def _transact(
        self,
        actor_name: str,
        to: str | None,
        data: bytes,
        gas: int | None,
        contract_name: str,
        function: str,
        json_args: list[Any],
        *,
        fn: FunctionSpec | None,
        new_abi: Sequence[Mapping[str, Any]] | None = None,
        expect_revert: bool | str = False,
        allow_revert: bool = False,
    ) -> tuple[TxResult, Deployed | None]:
        actor = self.actors.get(actor_name)
        gas = self.default_gas if gas is None else int(gas)
        self._check_gas(gas)
        nonce = self._nonce(actor.address)
        raw = self._sign(actor, nonce, gas, data, to)
        number, timestamp, (receipt,) = self._execute([raw], [fn is not None and bool(fn.outputs)],
                                                      [(actor_name, contract_name, function)], gas)
        self._nonces[actor.address] = nonce + 1

        status = receipt.status
        error = self._failure(receipt) if status == 0 else None
        deployed: Deployed | None = None
        return_value = None
        if to is None:
            if status == 1:
                deployed = Deployed(contract_name, receipt.contract_address or "", new_abi or ())
                self._add_contract(deployed)
            address = deployed.address if deployed is not None else ""
        else:
            address = to
            if status == 1 and fn is not None:
                try:
                    return_value = self._decode_output(fn, receipt.output)
                except Exception:  # pragma: no cover - output not matching the ABI
                    return_value = "0x" + (receipt.output or b"").hex()
        result = self._result(number, timestamp, receipt, gas, error, return_value,
                              deployed.address if deployed is not None else None)
        self.last_result = result
        record = TxRecord(actor_name, contract_name, function, json_args, result, address)
        for hook in list(self.on_transaction):
            hook(record)

        if status == 0:
            if allow_revert or expect_revert is True:
                return result, None
            if isinstance(expect_revert, str) and expect_revert:
                if error is not None and error.name == expect_revert:
                    return result, None
                raise ContractRevert(error, contract_name, function, result, expected=expect_revert)
            raise ContractRevert(error, contract_name, function, result)
        if expect_revert:
            raise MissingRevert(contract_name, function, expect_revert, result)
        return result, deployed
