"""The default backend: py-evm in this process (a MiningChain set up by eth-tester's PyEVMBackend).

- Genesis: eth-tester's parameters with the scenario's start as timestamp, base fee 0, an empty allocation.
- A block of several transactions is applied and mined in one pass (one state-root computation).
- prevrandao (mix_hash) is the one `Chain` gives for each block instead of eth-tester's os.urandom.
- View calls run a SpoofTransaction (no signature) on the pending block's state, then undo it.
- A snapshot is a block hash: reverting makes that block the canonical head again, so a snapshot can be
  reverted to any number of times.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any, Sequence

from eth_utils import to_checksum_address

from .backend import Backend, BlockRejected, CallOutcome, Log, MinedBlock, Receipt

__all__ = ["PyEVMBackend"]


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


class PyEVMBackend(Backend):
    name = "pyevm"

    def __init__(self, genesis_time: int, *, block_gas_limit: int | None = None) -> None:
        from eth_tester import PyEVMBackend as TesterBackend

        overrides: dict[str, Any] = {"timestamp": genesis_time}
        if block_gas_limit is not None:
            overrides["gas_limit"] = int(block_gas_limit)
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

    @property
    def description(self) -> str:
        return f"py-evm {self.version} via eth-tester {_version('eth-tester')}"

    @property
    def prevrandao_rule(self) -> str:
        return "keccak256('ecny-sim prevrandao|' + seed + '|' + block number)"

    # ---------------------------------------------------------------- blocks

    def mine(self, raw_txs: Sequence[bytes], timestamp: int, prevrandao: bytes,
             want_output: Sequence[bool] = ()) -> MinedBlock:
        from eth_utils import ValidationError

        evm_txs = [self._tx_builder.decode(raw) for raw in raw_txs]
        evm = self._evm
        pending = evm.header.copy(timestamp=timestamp, mix_hash=prevrandao)
        evm.header = pending
        try:
            # Apply and mine in one pass (one state-root computation instead of two).
            _, receipts, computations = evm.mine_all(evm_txs, mix_hash=prevrandao)
        except ValidationError as exc:
            raise BlockRejected(0, str(exc)) from None
        header = evm.get_canonical_head()
        if evm.header.base_fee_per_gas != 0:  # pragma: no cover - Chain caps a block's gas at the target
            raise RuntimeError("base fee rose above zero; zero-fee transactions would now be refused")
        out, used_before = [], 0
        for tx, receipt, comp in zip(evm_txs, receipts, computations):
            if comp.is_error:
                error, output = _failure(comp.error, comp.output)
            else:
                error, output = None, comp.output
            created = None
            if tx.to == b"" and not comp.is_error:
                created = to_checksum_address("0x" + comp.msg.storage_address.hex())
            out.append(Receipt(
                tx_hash="0x" + tx.hash.hex(),
                status=0 if comp.is_error else 1,
                gas_used=receipt.gas_used - used_before,  # receipts carry the block's cumulative gas
                logs=tuple(Log("0x" + log.address.hex(), tuple(t.to_bytes(32, "big") for t in log.topics), log.data)
                           for log in receipt.logs),
                error=error,
                output=output,
                contract_address=created,
            ))
            used_before = receipt.gas_used
        return MinedBlock(header.block_number, header.timestamp, "0x" + header.state_root.hex(), tuple(out))

    def call(self, to: str, data: bytes, sender: str, timestamp: int, gas: int, prevrandao: bytes) -> CallOutcome:
        from eth.vm.spoof import SpoofTransaction

        header = self._evm.header.copy(timestamp=timestamp, mix_hash=prevrandao)
        state = self._evm.get_vm(header).state
        sender_bytes = _address(sender)
        unsigned = self._tx_builder.new_unsigned_dynamic_fee_transaction(
            chain_id=self.chain_id,
            nonce=state.get_nonce(sender_bytes),
            max_priority_fee_per_gas=0,
            max_fee_per_gas=0,
            gas=gas,
            to=_address(to),
            value=0,
            data=data,
            access_list=(),
        )
        snapshot = state.snapshot()
        try:
            comp = state.apply_transaction(SpoofTransaction(unsigned, from_=sender_bytes))
        finally:
            state.revert(snapshot)
        if comp.is_error:
            error, output = _failure(comp.error, comp.output)
            return CallOutcome(output, error)
        return CallOutcome(comp.output)

    # ---------------------------------------------------------------- state

    def block_number(self) -> int:
        return self._evm.header.block_number - 1

    def state_root(self) -> str:
        return "0x" + self._evm.get_canonical_head().state_root.hex()

    def nonce(self, address: str) -> int:
        return self._evm.get_vm().state.get_nonce(_address(address))

    def balance(self, address: str) -> int:
        return self._evm.get_vm().state.get_balance(_address(address))

    def code(self, address: str) -> bytes:
        return self._evm.get_vm().state.get_code(_address(address))

    def storage(self, address: str, slot: int) -> int:
        return self._evm.get_vm().state.get_storage(_address(address), slot)

    def next_base_fee(self) -> int:
        return self._evm.header.base_fee_per_gas

    def snapshot(self) -> bytes:
        return self._evm.get_canonical_head().hash

    def revert(self, token: bytes) -> None:
        from eth.constants import GENESIS_PARENT_HASH

        chaindb = self._evm.chaindb
        header = chaindb.get_block_header_by_hash(token)
        chaindb._set_as_canonical_chain_head(chaindb.db, header, GENESIS_PARENT_HASH)
        self._evm.header = self._evm.create_header_from_parent(header)
