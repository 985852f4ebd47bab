"""The default backend: py-evm in this process (a MiningChain set up by eth-tester's PyEVMBackend).

- Genesis: eth-tester's parameters with the scenario's start as timestamp, base fee 0, an empty allocation.
- A block is built in steps on one VM: each `add` applies its transactions to the open block's state at once
  (receipts come back), and `seal` mines the block, computing its state root once for all of them.
- prevrandao (mix_hash) is the one `Chain` gives for each block instead of eth-tester's os.urandom.
- View calls run their message directly (no transaction around it) on the open block's state, or between
  blocks on one VM kept for the head, then undo it; no VM is built per call.
- A snapshot is a block hash: reverting makes that block the canonical head again, so a snapshot can be
  reverted to any number of times.
- Memory: py-evm keeps every trie node it ever wrote. Once its database has doubled since the last sweep (and
  holds at least `SWEEP_MIN_ENTRIES` entries), the nodes no block to come can read are deleted (`sweep.py`):
  old states, and every block's transactions and receipts tries. The head's state and every snapshot's stay.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any, Sequence

from eth_utils import to_checksum_address

from .backend import DEFAULT_BLOCK_GAS_LIMIT, Backend, BlockRejected, CallOutcome, Log, MinedBlock, Receipt

__all__ = ["PyEVMBackend", "SWEEP_MIN_ENTRIES"]

#: The database is swept when it holds at least this many entries (about 50 MB) and twice as many as after
#: the last sweep: a test-scale run never sweeps, a city-sized one stays within about twice its live state.
SWEEP_MIN_ENTRIES = 200_000


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _address(address: str) -> bytes:
    return bytes.fromhex(address[2:])


def _failure(error: BaseException | None, output: bytes) -> tuple[str, bytes]:
    """py-evm's computation error -> (error kind, revert data)."""
    from eth.exceptions import OutOfGas, Revert

    if isinstance(error, Revert):
        return "revert", output if output else (error.args[0] if error.args else b"")
    if isinstance(error, OutOfGas):
        return "out_of_gas", b""
    return (type(error).__name__ if error is not None else "UnknownFailure"), b""


class _WrittenSince(dict):
    """py-evm's key-value store, noting the keys written since the last sweep (the trie nodes of intermediate
    states that no block's root reaches are among them)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.written: set[bytes] = set()

    def __setitem__(self, key: bytes, value: bytes) -> None:
        super().__setitem__(key, value)
        self.written.add(key)


class _OpenBlock:
    """The block being built: its VM (whose state holds the transactions applied so far), the header before
    any transaction (to rebuild from), the header with their receipts, and what the sealed block will hold."""

    __slots__ = ("vm", "base", "header", "txs", "receipts", "prevrandao", "writes")

    def __init__(self, vm: Any, base: Any, prevrandao: bytes) -> None:
        self.vm, self.base, self.header, self.prevrandao = vm, base, base, prevrandao
        self.txs: list[Any] = []
        self.receipts: list[Any] = []
        self.writes: list[tuple[int, bytes, Sequence[tuple[int, int]]]] = []  # (transactions before, address, writes)


class PyEVMBackend(Backend):
    name = "pyevm"

    def __init__(self, genesis_time: int, *, block_gas_limit: int | None = None) -> None:
        from eth_tester import PyEVMBackend as TesterBackend

        overrides: dict[str, Any] = {"timestamp": genesis_time, "gas_limit": int(block_gas_limit or
                                                                                DEFAULT_BLOCK_GAS_LIMIT)}
        params = TesterBackend.generate_genesis_params(overrides=overrides)
        params["base_fee_per_gas"] = 0  # not an accepted override; from_genesis takes it
        self._tester = TesterBackend(genesis_parameters=params, genesis_state={})
        self._evm = self._tester.chain  # py-evm MiningChain
        genesis = self._evm.get_canonical_head()
        assert genesis.base_fee_per_gas == 0 and genesis.timestamp == genesis_time
        self.chain_id = self._evm.chain_id
        self.block_gas_limit = genesis.gas_limit
        self.version = _version("py-evm")
        self._tx_builder = type(self._evm.get_vm()).get_transaction_builder()
        self._open: _OpenBlock | None = None
        self._reader: tuple[tuple[int, int, bytes], Any] | None = None  # ((head, time, prevrandao), its VM)
        memory_db = self._evm.chaindb.db.wrapped_db
        memory_db.kv_store = self._store = _WrittenSince(memory_db.kv_store)  # the MemoryDB's own dict
        self._pinned: set[bytes] = set()  # blocks a snapshot named: their states are never swept
        self.sweep_min_entries = SWEEP_MIN_ENTRIES
        self._swept_to, self._swept_size = 0, len(self._store)  # the last block swept; the entries left then
        self.swept = 0  # nodes deleted by sweeps so far

    @property
    def description(self) -> str:
        return f"py-evm {self.version} via eth-tester {_version('eth-tester')}"

    @property
    def prevrandao_rule(self) -> str:
        return "keccak256('ecny-sim prevrandao|' + seed + '|' + block number)"

    # ---------------------------------------------------------------- blocks

    @property
    def open_block(self) -> int | None:
        return None if self._open is None else self._open.base.block_number

    def begin_block(self, timestamp: int, prevrandao: bytes) -> int:
        if self._open is not None:
            raise RuntimeError("a block is already open")
        evm = self._evm
        base = evm.header.copy(timestamp=timestamp, mix_hash=prevrandao)
        evm.header = base
        self._open = _OpenBlock(evm.get_vm(base), base, prevrandao)
        self._reader = None
        return base.block_number

    def add(self, raw_txs: Sequence[bytes], want_output: Sequence[bool] = ()) -> tuple[Receipt, ...]:
        from eth_utils import ValidationError

        block = self._open
        if block is None:
            raise RuntimeError("no block is open")
        evm_txs = [self._tx_builder.decode(raw) for raw in raw_txs]
        kept = len(block.txs)
        out = []
        for index, tx in enumerate(evm_txs):
            used_before = block.header.gas_used
            try:
                receipt, comp = block.vm.apply_transaction(block.header, tx)
            except ValidationError as exc:
                # py-evm cannot undo what it did (the nonce may be taken already): build the block again without
                # this add's transactions; an empty block is discarded by the caller instead
                if index or kept or block.writes:
                    self._rebuild(kept)
                raise BlockRejected(index, str(exc)) from None
            block.header = block.vm.increment_blob_gas_used(block.vm.add_receipt_to_header(block.header, receipt), tx)
            block.txs.append(tx)
            block.receipts.append(receipt)
            out.append(self._receipt(tx, receipt, comp, receipt.gas_used - used_before))  # receipts: cumulative
        return tuple(out)

    def _rebuild(self, keep: int) -> None:
        """The open block again, holding only its first `keep` transactions (and the storage writes made
        before the transactions that are dropped)."""
        block = self._open
        assert block is not None
        self._open = None
        self._evm.header = block.base.copy()
        self.begin_block(block.base.timestamp, block.prevrandao)
        done = 0
        for before, address, writes in block.writes:
            if before > keep:
                break
            if before > done:
                self.add([tx.encode() for tx in block.txs[done:before]])
                done = before
            self._write(address, writes)
        if keep > done:
            self.add([tx.encode() for tx in block.txs[done:keep]])

    def write_storage(self, address: str, writes: Sequence[tuple[int, int]]) -> None:
        if self._open is None:
            raise RuntimeError("no block is open")
        self._write(_address(address), tuple(writes))

    def _write(self, address: bytes, writes: Sequence[tuple[int, int]]) -> None:
        block = self._open
        assert block is not None
        state = block.vm.state
        for slot, value in writes:
            state.set_storage(address, slot, value)
        state.lock_changes()  # like a transaction's end: no later revert undoes them
        block.writes.append((len(block.txs), address, writes))

    @staticmethod
    def _receipt(tx: Any, receipt: Any, comp: Any, gas_used: int) -> Receipt:
        if comp.is_error:
            error, output = _failure(comp.error, comp.output)
        else:
            error, output = None, comp.output
        created = None
        if tx.to == b"" and not comp.is_error:
            created = to_checksum_address("0x" + comp.msg.storage_address.hex())
        return Receipt(
            tx_hash="0x" + tx.hash.hex(),
            status=0 if comp.is_error else 1,
            gas_used=gas_used,
            logs=tuple(Log("0x" + log.address.hex(), tuple(t.to_bytes(32, "big") for t in log.topics), log.data)
                       for log in receipt.logs),
            error=error,
            output=output,
            contract_address=created,
        )

    def seal(self) -> MinedBlock:
        block = self._open
        if block is None:
            raise RuntimeError("no block is open")
        vm, evm = block.vm, self._evm
        filled = vm.set_block_transactions_and_withdrawals(vm.get_block(), block.header, block.txs, block.receipts)
        mined = vm.mine_block(filled, mix_hash=block.prevrandao).block  # the state root, once for the block
        evm.persist_block(mined)
        evm.header = evm.create_header_from_parent(mined.header)
        self._open = None
        if evm.header.base_fee_per_gas != 0:  # pragma: no cover - Chain keeps a block at most half full
            raise RuntimeError("base fee rose above zero; zero-fee transactions would now be refused")
        header = mined.header
        if len(self._store) >= max(self.sweep_min_entries, 2 * self._swept_size):
            self.sweep()
        return MinedBlock(header.block_number, header.timestamp, "0x" + header.state_root.hex())

    def sweep(self) -> int:
        """Deletes the trie nodes no block to come can read (between blocks); returns how many."""
        from .sweep import sweep

        if self._open is not None:
            raise RuntimeError("seal the open block before sweeping")
        chaindb = self._evm.chaindb
        head = chaindb.get_canonical_head()
        live = [head.state_root, *(chaindb.get_block_header_by_hash(h).state_root for h in self._pinned)]
        swept = [chaindb.get_canonical_block_header_by_number(n) for n in range(self._swept_to + 1,
                                                                                 head.block_number + 1)]
        others = [root for h in swept for root in (h.transaction_root, h.receipt_root,
                                                   getattr(h, "withdrawals_root", None)) if root is not None]
        # the states since the last sweep, the head then included (what was live then may be dead now)
        old_states = [chaindb.get_canonical_block_header_by_number(self._swept_to).state_root,
                      *(h.state_root for h in swept[:-1])]
        deleted = sweep(self._store, live, old_states, others, self._store.written)
        self._store.written = set()
        self._reader = None
        self._swept_to, self._swept_size = head.block_number, len(self._store)
        self.swept += deleted
        return deleted

    def discard(self) -> None:
        if self._open is not None:
            self._evm.header = self._open.base
            self._open = None

    def _state(self, at: tuple[int, bytes] | None = None) -> Any:
        """The state reads and views see: the open block's, else the head's on one VM kept until the head moves
        (rebuilt for a view at another (timestamp, prevrandao) than it has; a plain read takes any)."""
        if self._open is not None:
            return self._open.vm.state
        head = self._evm.header.block_number
        if self._reader is None or self._reader[0][0] != head or (at is not None and self._reader[0][1:] != at):
            header = self._evm.header if at is None else self._evm.header.copy(timestamp=at[0], mix_hash=at[1])
            self._reader = ((head, header.timestamp, header.mix_hash), self._evm.get_vm(header))
        return self._reader[1].state

    def call(self, to: str, data: bytes, sender: str, timestamp: int, gas: int, prevrandao: bytes) -> CallOutcome:
        return self.call_many([(to, data)], sender, timestamp, gas, prevrandao)[0]

    def call_many(self, calls: Sequence[tuple[str, bytes]], sender: str, timestamp: int, gas: int,
                  prevrandao: bytes) -> list[CallOutcome]:
        # Each message is run as is, without a transaction around it (no signature, gas purchase, nonce or the
        # executor's per-transaction logging): a view needs only its output, and this is about twice as fast.
        # The state, the context and each contract's code are taken once for all the calls.
        from eth.vm.message import Message

        state = self._state((timestamp, prevrandao))
        origin = _address(sender)
        context = state.get_transaction_context_class()(gas_price=0, origin=origin)
        apply_message = state.computation_class.apply_message
        code_of: dict[str, tuple[bytes, bytes]] = {}
        outcomes = []
        for to, data in calls:
            if to not in code_of:
                target = _address(to)
                code_of[to] = (target, state.get_code(target))
            target, code = code_of[to]
            message = Message(gas=gas, to=target, sender=origin, value=0, data=data, code=code)
            snapshot = state.snapshot()
            try:
                comp = apply_message(state, message, context)
            finally:
                state.revert(snapshot)
            if comp.is_error:
                error, output = _failure(comp.error, comp.output)
                outcomes.append(CallOutcome(output, error))
            else:
                outcomes.append(CallOutcome(comp.output))
        return outcomes

    # ---------------------------------------------------------------- state

    def block_number(self) -> int:
        return self._evm.get_canonical_head().block_number

    def state_root(self) -> str:
        return "0x" + self._evm.get_canonical_head().state_root.hex()

    def nonce(self, address: str) -> int:
        return self._state().get_nonce(_address(address))

    def balance(self, address: str) -> int:
        return self._state().get_balance(_address(address))

    def code(self, address: str) -> bytes:
        return self._state().get_code(_address(address))

    def storage(self, address: str, slot: int) -> int:
        return self._state().get_storage(_address(address), slot)

    def next_base_fee(self) -> int:
        return self._evm.header.base_fee_per_gas

    def snapshot(self) -> bytes:
        if self._open is not None:
            raise RuntimeError("seal the open block before taking a snapshot")
        token = self._evm.get_canonical_head().hash
        self._pinned.add(token)  # a snapshot can be reverted to at any time: its state is never swept
        return token

    def revert(self, token: bytes) -> None:
        from eth.constants import GENESIS_PARENT_HASH

        self._open = None
        self._reader = None
        chaindb = self._evm.chaindb
        header = chaindb.get_block_header_by_hash(token)
        chaindb._set_as_canonical_chain_head(chaindb.db, header, GENESIS_PARENT_HASH)
        self._evm.header = self._evm.create_header_from_parent(header)
        self._swept_to = min(self._swept_to, header.block_number)  # the blocks after it are another branch now
