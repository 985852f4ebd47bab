"""A node the user runs (``ecny-sim run --node URL``): anvil's JSON-RPC driving, without starting a process.

A run needs the node at the scenario's genesis: a scenario starts in 2020 or 2022 and a node cannot go back in
time. So the node is refused, in one line naming the anvil command that starts a suitable one, when it is of
another chain id (transaction hashes, signatures), has mined a block already or has a latest block later than
the scenario's start, has another block gas limit, or a base fee (the run pays no fees). It is switched to
mining on request (``evm_setAutomine false``): each block is mined at the scenario's time. It is left running,
with the run's final state, when the run ends; nothing here stops it.
"""

from __future__ import annotations

import shlex
import weakref
from urllib.parse import urlsplit

from .anvil import AnvilBackend, anvil_args
from .backend import DEFAULT_BLOCK_GAS_LIMIT, DEFAULT_CHAIN_ID
from .clock import format_beijing
from .errors import ChainFailure

__all__ = ["NodeBackend", "suitable_command"]


def suitable_command(genesis_time: int, chain_id: int = DEFAULT_CHAIN_ID,
                     block_gas_limit: int = DEFAULT_BLOCK_GAS_LIMIT, port: int = 8545) -> str:
    """The anvil command that starts a node a run at `genesis_time` can use."""
    return shlex.join(["anvil", "--port", str(port), *anvil_args(genesis_time, chain_id, block_gas_limit)])


class NodeBackend(AnvilBackend):
    """An anvil node at `url`, already running; checked, then driven like a started one."""

    def __init__(self, genesis_time: int, *, url: str, block_gas_limit: int | None = None,
                 chain_id: int = DEFAULT_CHAIN_ID, rpc_timeout: float = 120.0) -> None:
        self.chain_id = int(chain_id)
        self.block_gas_limit = int(block_gas_limit or DEFAULT_BLOCK_GAS_LIMIT)
        self.rpc_timeout = rpc_timeout
        self._conn = None
        self._last_used = 0.0
        self._root = None
        self._stopper = weakref.finalize(self, lambda: None)  # "stopped" = this program let go of the node
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = None
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
            raise ChainFailure(f"--node {url}: give the node's JSON-RPC address as http://HOST:PORT")
        self.host, self.port, self._url = parts.hostname, port or 8545, url
        hint = f"; start a suitable one with: {suitable_command(genesis_time, self.chain_id, self.block_gas_limit)}"
        try:
            client = self._rpc("web3_clientVersion", timeout=min(rpc_timeout, 10.0))
            chain_id = int(self._rpc("eth_chainId"), 16)
            latest = self._rpc("eth_getBlockByNumber", "latest", False)
        except ChainFailure as exc:
            raise ChainFailure(f"no node answers at {url} ({exc}){hint}") from None
        if not str(client).startswith("anvil/"):
            raise ChainFailure(f"the node at {url} is {client}, not anvil (it must mine blocks at given times){hint}")
        self.version = str(client).removeprefix("anvil/").removeprefix("v")
        number, timestamp = int(latest["number"], 16), int(latest["timestamp"], 16)
        gas_limit, base_fee = int(latest["gasLimit"], 16), int(latest.get("baseFeePerGas") or "0x0", 16)
        why = None
        if chain_id != self.chain_id:
            why = f"is of chain id {chain_id}, not {self.chain_id}"
        elif timestamp > genesis_time:
            why = (f"is at {format_beijing(timestamp)} Beijing time, after the scenario's start "
                   f"{format_beijing(genesis_time)} (a node cannot go back in time)")
        elif number != 0:
            why = f"has mined {number} blocks already (a run needs a fresh node)"
        elif gas_limit != self.block_gas_limit:
            why = f"has a block gas limit of {gas_limit}, not {self.block_gas_limit}"
        elif base_fee:
            why = f"has a base fee of {base_fee} wei (a run pays no fees: --base-fee 0)"
        if why:
            raise ChainFailure(f"the node at {url} {why}{hint}")
        self._rpc("evm_setAutomine", False)  # blocks are mined on request, at the scenario's time
        self._block = self._node_block = number
        self._open = None

    @property
    def pid(self) -> int | None:  # not ours
        return None

    @property
    def url(self) -> str:
        return self._url

    @property
    def description(self) -> str:
        return f"anvil {self.version}"

    def close(self) -> None:
        """Let go of the node (it keeps running, with the run's final state)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._stopper()

    stop = close

    def _dead(self, doing: str, exc: BaseException) -> ChainFailure:
        self.close()
        return ChainFailure(f"the node at {self._url} stopped answering ({doing}: {exc or type(exc).__name__})")
