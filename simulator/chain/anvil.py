"""The anvil backend: Foundry's node (npm ``@foundry-rs/anvil``, pinned in package-lock.json, native binary in the
repository's node_modules), started by the program and driven over JSON-RPC on 127.0.0.1.

The node starts with the run's genesis: ``--chain-id`` (eth-tester's, so transaction hashes match py-evm's),
``--timestamp`` (the scenario's start), ``--gas-limit``, ``--hardfork prague``, ``--base-fee 0``,
``--accounts 0`` (no funded account: fees are zero), ``--no-create2`` (no deployer account in genesis),
``--no-mining`` (blocks are mined on request only), ``--order fifo``, ``--prune-history 16`` (memory; tracing
the latest blocks still works), on ``--port 0`` (the system picks a free port; anvil prints it, then its
logging is turned off with ``anvil_setLoggingEnabled``).

- An `add`: each raw transaction is sent alone with ``eth_sendRawTransaction`` (a JSON-RPC batch is not
  executed in order), then ``evm_mine`` with the block's timestamp mines them in one node block; the block and
  its receipts are read back (``eth_getBlockByNumber`` + ``eth_getBlockReceipts``, one batch). A transaction
  the node accepts but drops when mining (gas below the intrinsic cost) is undone with ``anvil_rollback``.
- A block of several `add`s (transactions due at the same moment, sent one by one) is several node blocks at
  the same timestamp: anvil 1.7.1 gives no receipt before a transaction is mined, cannot add to a mined block,
  and cannot roll back further than its pruned history (16 blocks) to mine them again as one. `Chain` numbers
  blocks itself (the journal's numbers are the same on both backends) and nothing differs for a contract that
  does not read ``block.number`` (none of ecny-sim's does: tests/contracts/test_no_chain_randomness.py); a
  node left running (``--keep-node``) shows the node's own numbering.
- Receipts carry no revert or return data: ``debug_traceTransaction`` (callTracer, top call only) gives it,
  asked only for a failed transaction or one whose return value `Chain` decodes.
- View calls: ``eth_call`` on the latest state with block overrides (number + 1, `now`).
- Snapshots: ``evm_snapshot``/``evm_revert``; anvil forgets a snapshot once reverted to, so a new one is
  taken at once under the same token (reverting to it again works; to a snapshot taken after it does not).
- prevrandao: anvil has no way to set a block's mix_hash and draws its own; no contract of ecny-sim reads
  block.prevrandao or blockhash (tests/contracts/test_no_chain_randomness.py), so nothing observable differs.

The process is stopped by `close()`, when the backend is garbage, at interpreter exit, and on every failed
start; it runs in its own session (Ctrl-C reaches only this program, which stops it) and, on Linux, gets
SIGKILL if the thread that started it dies without stopping it. A node that dies or stops answering is
`ChainFailure`, one line.
"""

from __future__ import annotations

import http.client
import json
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any, Sequence

from eth_utils import to_checksum_address

from .backend import (
    DEFAULT_BLOCK_GAS_LIMIT,
    DEFAULT_CHAIN_ID,
    Backend,
    BackendUnavailable,
    BlockRejected,
    CallOutcome,
    Log,
    MinedBlock,
    Receipt,
)
from .errors import ChainFailure

__all__ = ["AnvilBackend", "find_anvil", "PINNED_VERSION"]

PINNED_VERSION = "1.7.1"  # package-lock.json's @foundry-rs/anvil
REPOSITORY = Path(__file__).resolve().parents[2]
MISSING = ("anvil is not installed: run `make solc` in the ecny-sim repository (npm ci installs "
           f"@foundry-rs/anvil {PINNED_VERSION} from package-lock.json)")
_LISTENING = re.compile(rb"Listening on [0-9.]+:(\d+)")
_WRITES_PER_REQUEST = 2_000  # storage writes sent in one JSON-RPC batch (a seeded city has hundreds of thousands)
_CALLS_PER_REQUEST = 1_000  # view calls sent in one JSON-RPC batch (the summary reads every wallet and order)
_IDLE_RECONNECT_S = 5.0  # a connection idle longer than this is reopened before use (no stale keep-alive)

#: anvil's failure texts (a trace's geth-style error, or eth_call's "EVM error <HaltReason>"), squeezed to
#: lower-case letters and digits -> the failure kind as py-evm names it.
_FAILURES = (
    ("executionreverted", "revert"), ("outofgas", "out_of_gas"), ("codesize", "out_of_gas"),
    ("sizelimit", "out_of_gas"), ("invalidopcode", "InvalidInstruction"), ("opcodenotfound", "InvalidInstruction"),
    ("invalidfeopcode", "InvalidInstruction"), ("notactivated", "InvalidInstruction"),
    ("invalidjump", "InvalidJumpDestination"), ("stackunderflow", "InsufficientStack"),
    ("stacklimit", "FullStack"), ("stackoverflow", "FullStack"), ("writeprotection", "WriteProtection"),
    ("static", "WriteProtection"), ("insufficientbalance", "InsufficientFunds"), ("outoffunds", "InsufficientFunds"),
    ("calldepth", "StackDepthLimit"), ("calltoodeep", "StackDepthLimit"), ("collision", "ContractCreationCollision"),
    ("0xef", "ReservedBytesInCode"), ("startingwithef", "ReservedBytesInCode"), ("outofbounds", "OutOfBoundsRead"),
    ("outofoffset", "OutOfBoundsRead"),
)


def failure_kind(message: str) -> str:
    """anvil's text for an EVM failure -> "revert", "out_of_gas" or py-evm's name for it (else the text)."""
    squeezed = re.sub(r"[^a-z0-9]", "", message.lower())
    return next((kind for key, kind in _FAILURES if key in squeezed), message)


def find_anvil() -> Path | None:
    """The pinned anvil binary in the repository's node_modules, or None."""
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    name = "anvil.exe" if system == "win32" else "anvil"
    path = REPOSITORY / "node_modules" / "@foundry-rs" / f"anvil-{system}-{arch}" / "bin" / name
    return path if path.is_file() else None


def _parent_death_signal():
    """Linux: a preexec function making the child get SIGKILL when the thread that started it dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover
        return None
    return lambda: prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _stop(process: subprocess.Popen, log: Any) -> None:
    """Stop and reap the node (no zombie, no orphan). Module-level: weakref.finalize must not hold the backend."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log.close()


class _RpcError(ChainFailure):
    """The node answered a request with an error (uncaught: the backend failed)."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        super().__init__(method, error)
        self.method = method
        self.code = error.get("code")
        self.message = str(error.get("message", ""))
        self.data = error.get("data")

    def __str__(self) -> str:
        return f"anvil refused {self.method}: {self.message}"


class _Snapshot:
    """A snapshot token: anvil's id (renewed after each revert) and the block number."""

    __slots__ = ("id", "block", "node_block")

    def __init__(self, id: str, block: int, node_block: int) -> None:
        self.id, self.block, self.node_block = id, block, node_block


def anvil_args(genesis_time: int, chain_id: int, block_gas_limit: int) -> list[str]:
    """anvil's options for a run's genesis (after the binary; the port and logging are added apart)."""
    return ["--accounts", "0", "--chain-id", str(chain_id), "--timestamp", str(int(genesis_time)),
            "--hardfork", "prague", "--base-fee", "0", "--gas-limit", str(block_gas_limit), "--order", "fifo",
            "--no-create2"]


class AnvilBackend(Backend):
    name = "anvil"
    host = "127.0.0.1"
    #: True: `close()` leaves the node running (`--keep-node`); `stop()` stops it.
    keep_running = False

    def __init__(self, genesis_time: int, *, block_gas_limit: int | None = None, chain_id: int = DEFAULT_CHAIN_ID,
                 binary: str | Path | None = None, port: int | None = None, start_timeout: float = 30.0,
                 rpc_timeout: float = 120.0) -> None:
        self.chain_id = int(chain_id)
        self.block_gas_limit = int(block_gas_limit or DEFAULT_BLOCK_GAS_LIMIT)
        self.rpc_timeout = rpc_timeout
        binary = Path(binary) if binary is not None else find_anvil()
        if binary is None or not binary.is_file():
            raise BackendUnavailable(MISSING if binary is None else f"no anvil binary at {binary}")
        args = [str(binary), "--host", "127.0.0.1", "--port", str(port or 0),
                *anvil_args(genesis_time, self.chain_id, self.block_gas_limit), "--no-mining",
                "--prune-history", "16", "--color", "never"]
        self._log = tempfile.TemporaryFile()
        self._conn: http.client.HTTPConnection | None = None
        self._last_used = 0.0
        try:
            self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log,
                                             stderr=subprocess.STDOUT, start_new_session=True,
                                             preexec_fn=_parent_death_signal())
        except OSError as exc:
            self._log.close()
            raise ChainFailure(f"cannot start anvil ({binary}): {exc.strerror or exc}") from None
        self._stopper = weakref.finalize(self, _stop, self._process, self._log)
        try:
            self.port = self._wait_until_listening(start_timeout, port)
            client = self._wait_until_answering(start_timeout)
            self._rpc("anvil_setLoggingEnabled", False)
            self._block = self._node_block = int(self._rpc("eth_blockNumber"), 16)
        except BaseException:  # a failed start, Ctrl-C while waiting: no node left behind
            self.close()
            raise
        self.version = client.removeprefix("anvil/").removeprefix("v")
        self._root: str | None = None
        self._open: tuple[int, int] | None = None  # the open block: (number, timestamp)

    # ---------------------------------------------------------------- the process

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """The node's process has not exited."""
        return self._process.poll() is None

    @property
    def description(self) -> str:
        return f"anvil {self.version}"

    @property
    def prevrandao_rule(self) -> str:
        return "anvil's own for each block (anvil cannot set it; no contract of ecny-sim reads it)"

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if not self.keep_running:
            self._stopper()

    def stop(self) -> None:
        """Stop the node, even one kept running."""
        self.keep_running = False
        self.close()

    def _log_tail(self) -> str:
        """The node's last line of output (why it exited)."""
        try:
            self._log.seek(0)
            lines = [line.strip() for line in self._log.read().decode("utf-8", "replace").splitlines()]
        except (OSError, ValueError):
            return ""
        return next((line for line in reversed(lines) if line), "")

    def _wait_until_listening(self, timeout: float, port: int | None) -> int:
        deadline = time.monotonic() + timeout
        while True:
            self._log.seek(0)
            found = _LISTENING.search(self._log.read())
            if found:
                return int(found.group(1))
            code = self._process.poll()
            if code is not None:
                why = self._log_tail() or f"exit code {code}"
                if port and "in use" in why.lower():
                    raise ChainFailure(f"cannot start anvil: port {port} on 127.0.0.1 is already taken ({why})")
                raise ChainFailure(f"anvil exited at start: {why}")
            if time.monotonic() > deadline:
                raise ChainFailure(f"anvil did not start listening within {timeout:g} s")
            time.sleep(0.005)

    def _wait_until_answering(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._rpc("web3_clientVersion", timeout=max(0.05, deadline - time.monotonic()))
            except ChainFailure:
                if self._process.poll() is not None:
                    raise ChainFailure(f"anvil exited at start: {self._log_tail() or self._process.returncode}") \
                        from None
                if time.monotonic() > deadline:
                    raise ChainFailure(f"anvil on port {self.port} did not answer within {timeout:g} s") from None
            time.sleep(0.01)

    def _dead(self, doing: str, exc: BaseException) -> ChainFailure:
        """The node failed under a request: say how, and make sure it is gone."""
        code = self._process.poll()
        if code is None and isinstance(exc, ConnectionError):  # refused or reset: it is probably exiting
            try:
                code = self._process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        if code is None:
            what = f"stopped answering ({doing}: {exc or type(exc).__name__})"
        elif code < 0:
            what = f"was killed by signal {-code} ({doing})"
        else:
            what = f"exited with code {code} ({doing})"
        pid = self._process.pid
        self.close()
        return ChainFailure(f"the anvil node (pid {pid}) {what}")

    # ---------------------------------------------------------------- JSON-RPC

    def _post(self, payload: Any, doing: str, timeout: float | None = None) -> Any:
        if not self._stopper.alive:
            raise ChainFailure(f"the anvil node was stopped ({doing})")
        now = time.monotonic()
        if self._conn is None or now - self._last_used > _IDLE_RECONNECT_S or timeout is not None:
            if self._conn is not None:
                self._conn.close()
            self._conn = http.client.HTTPConnection(self.host, self.port,
                                                    timeout=timeout if timeout is not None else self.rpc_timeout)
        self._last_used = now
        try:
            if self._conn.sock is None:  # http.client sends headers and body apart: no Nagle delay between them
                self._conn.connect()
                self._conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conn.request("POST", "/", json.dumps(payload), {"Content-Type": "application/json"})
            response = self._conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self._conn.close()
            self._conn = None
            if timeout is not None:  # still starting: the caller polls again
                raise ChainFailure(str(exc)) from None
            raise self._dead(doing, exc) from None
        if timeout is not None:
            self._conn.close()
            self._conn = None
        try:
            return json.loads(body)
        except ValueError:
            raise self._dead(doing, ValueError(f"HTTP {response.status}: not JSON")) from None

    def _rpc(self, method: str, *params: Any, timeout: float | None = None) -> Any:
        reply = self._post({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, method, timeout)
        if "error" in reply:
            raise _RpcError(method, reply["error"])
        return reply["result"]

    def _batch(self, calls: Sequence[tuple[str, tuple]]) -> list[Any]:
        """Calls that do not depend on each other's order, in one request (a batch runs in no particular order);
        results in the calls' order."""
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)} for i, (m, p) in enumerate(calls)]
        replies = self._by_id(self._post(payload, calls[0][0]), len(calls), calls[0][0])
        results = []
        for i, (method, _) in enumerate(calls):
            reply = replies[i]
            if "error" in reply:
                raise _RpcError(method, reply["error"])
            results.append(reply["result"])
        return results

    # ---------------------------------------------------------------- blocks

    @property
    def open_block(self) -> int | None:
        return None if self._open is None else self._open[0]

    def begin_block(self, timestamp: int, prevrandao: bytes) -> int:
        if self._open is not None:
            raise RuntimeError("a block is already open")
        self._open = (self._block + 1, int(timestamp))
        return self._open[0]

    def add(self, raw_txs: Sequence[bytes], want_output: Sequence[bool] = ()) -> tuple[Receipt, ...]:
        if self._open is None:
            raise RuntimeError("no block is open")
        hashes = []
        for i, raw in enumerate(raw_txs):
            try:
                hashes.append(self._rpc("eth_sendRawTransaction", "0x" + raw.hex()))
            except _RpcError as exc:
                self._rpc("anvil_dropAllTransactions")
                raise BlockRejected(i, exc.message) from None
        self._rpc("evm_mine", {"timestamp": self._open[1]})
        number = hex(self._node_block + 1)
        header, receipts = self._batch([("eth_getBlockByNumber", (number, False)), ("eth_getBlockReceipts", (number,))])
        mined = [r["transactionHash"] for r in receipts or ()]
        if mined != hashes:  # the node dropped one (e.g. gas below the intrinsic cost): undo the node block
            self._rpc("anvil_rollback", 1)
            self._rpc("anvil_dropAllTransactions")
            index = next(i for i, h in enumerate(hashes) if i >= len(mined) or mined[i] != h)
            raise BlockRejected(index, "the node dropped it without executing it (gas below the intrinsic cost?)")
        self._node_block += 1
        self._root = header["stateRoot"]
        wanted = [h for i, (h, r) in enumerate(zip(hashes, receipts))
                  if r["status"] == "0x0" or (i < len(want_output) and want_output[i])]
        traces = dict(zip(wanted, self._batch([("debug_traceTransaction", (h, {"tracer": "callTracer",
                                                "tracerConfig": {"onlyTopCall": True}})) for h in wanted]))) \
            if wanted else {}
        return tuple(self._receipt(r, traces.get(r["transactionHash"])) for r in receipts)

    def write_storage(self, address: str, writes: Sequence[tuple[int, int]]) -> None:
        if self._open is None:
            raise RuntimeError("no block is open")
        calls = [("anvil_setStorageAt", (address, hex(slot), "0x" + value.to_bytes(32, "big").hex()))
                 for slot, value in writes]
        for start in range(0, len(calls), _WRITES_PER_REQUEST):  # distinct slots: any order does
            self._batch(calls[start:start + _WRITES_PER_REQUEST])
        # a node block of its own at the block's time, so that its state root holds the writes
        self._rpc("evm_mine", {"timestamp": self._open[1]})
        self._node_block += 1
        self._root = self._rpc("eth_getBlockByNumber", hex(self._node_block), False)["stateRoot"]

    def seal(self) -> MinedBlock:
        if self._open is None:
            raise RuntimeError("no block is open")
        number, timestamp = self._open
        self._open = None
        self._block = number
        return MinedBlock(number, timestamp, self.state_root())

    def discard(self) -> None:
        self._open = None

    @staticmethod
    def _receipt(r: dict[str, Any], trace: dict[str, Any] | None) -> Receipt:
        status = int(r["status"], 16)
        output = bytes.fromhex(trace.get("output", "0x")[2:]) if trace is not None else None
        error = None
        if status == 0:
            error = failure_kind(trace.get("error", "") if trace is not None else "")
            if error != "revert":
                output = b""
        created = r.get("contractAddress")
        return Receipt(
            tx_hash=r["transactionHash"],
            status=status,
            gas_used=int(r["gasUsed"], 16),
            logs=tuple(Log(log["address"].lower(), tuple(bytes.fromhex(t[2:]) for t in log["topics"]),
                           bytes.fromhex(log["data"][2:])) for log in r["logs"]),
            error=error,
            output=output,
            contract_address=to_checksum_address(created) if created and status == 1 else None,
        )

    def call(self, to: str, data: bytes, sender: str, timestamp: int, gas: int, prevrandao: bytes) -> CallOutcome:
        return self.call_many([(to, data)], sender, timestamp, gas, prevrandao)[0]

    def call_many(self, calls: Sequence[tuple[str, bytes]], sender: str, timestamp: int, gas: int,
                  prevrandao: bytes) -> list[CallOutcome]:
        # JSON-RPC batches: one HTTP round trip for up to _CALLS_PER_REQUEST calls (a view costs the node
        # microseconds; the round trip is most of a call's time).
        overrides = {"number": hex(self._block + 1), "time": hex(int(timestamp))}
        outcomes: list[CallOutcome] = []
        for start in range(0, len(calls), _CALLS_PER_REQUEST):
            chunk = calls[start:start + _CALLS_PER_REQUEST]
            payload = [{"jsonrpc": "2.0", "id": i, "method": "eth_call",
                        "params": [{"from": sender, "to": to, "data": "0x" + data.hex(), "gas": hex(gas)},
                                   "latest", {}, overrides]} for i, (to, data) in enumerate(chunk)]
            replies = self._by_id(self._post(payload, "eth_call"), len(chunk), "eth_call")
            outcomes.extend(self._call_outcome(replies[i]) for i in range(len(chunk)))
        return outcomes

    @staticmethod
    def _by_id(reply: Any, count: int, method: str) -> dict[int, dict[str, Any]]:
        """A batch's replies by id, each of the ``count`` requests answered; else the node failed (a batch refused
        whole comes back as one error object)."""
        if isinstance(reply, list) and all(isinstance(r, dict) for r in reply):
            by_id = {r.get("id"): r for r in reply}
            if all(i in by_id for i in range(count)):
                return by_id
        error = reply.get("error", {}) if isinstance(reply, dict) else {}
        raise ChainFailure(f"anvil answered a batch of {count} {method} requests without a reply to each: "
                           f"{error.get('message', str(reply)[:120]) if isinstance(error, dict) else error}")

    @staticmethod
    def _call_outcome(reply: dict[str, Any]) -> CallOutcome:
        if "error" not in reply:
            return CallOutcome(bytes.fromhex(reply["result"][2:]))
        exc = _RpcError("eth_call", reply["error"])
        if exc.code == 3 or isinstance(exc.data, str):
            return CallOutcome(bytes.fromhex((exc.data or "0x")[2:]), "revert")
        if exc.message.startswith("EVM error"):
            return CallOutcome(b"", failure_kind(exc.message.removeprefix("EVM error").strip()))
        raise ChainFailure(f"anvil refused eth_call: {exc.message}")

    # ---------------------------------------------------------------- state

    def block_number(self) -> int:
        return self._block

    def state_root(self) -> str:
        """The latest node block's root: at a sealed block, its own."""
        if self._root is None:
            self._root = self._rpc("eth_getBlockByNumber", "latest", False)["stateRoot"]
        return self._root

    def nonce(self, address: str) -> int:
        return int(self._rpc("eth_getTransactionCount", address, "latest"), 16)

    def balance(self, address: str) -> int:
        return int(self._rpc("eth_getBalance", address, "latest"), 16)

    def code(self, address: str) -> bytes:
        return bytes.fromhex(self._rpc("eth_getCode", address, "latest")[2:])

    def storage(self, address: str, slot: int) -> int:
        return int(self._rpc("eth_getStorageAt", address, hex(slot), "latest"), 16)

    def next_base_fee(self) -> int:
        return int(self._rpc("eth_getBlockByNumber", "pending", False)["baseFeePerGas"], 16)

    def snapshot(self) -> _Snapshot:
        if self._open is not None:
            raise RuntimeError("seal the open block before taking a snapshot")
        return _Snapshot(self._rpc("evm_snapshot"), self._block, self._node_block)

    def revert(self, token: _Snapshot) -> None:
        try:
            reverted = self._rpc("evm_revert", token.id)
        except _RpcError:
            reverted = False
        if not reverted:
            raise ValueError("this snapshot is no longer on the node (anvil drops the snapshots taken after one "
                             "that was reverted to)")
        token.id = self._rpc("evm_snapshot")  # anvil forgets a snapshot once reverted to
        self._block, self._node_block = token.block, token.node_block
        self._open = None
        self._root = None
