"""The chain on both backends: the chain layer's behaviours again on anvil, the same results as py-evm (gas,
events, errors, transaction hashes, return values) down to whole scenario runs, and the node's faults — it
dies mid-run, its port is taken, it never answers, it cannot start — each one line, with no process left.

Without anvil in node_modules (`make solc` installs it) the anvil tests skip with one message;
ECNY_REQUIRE_ANVIL=1 makes them fail instead."""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import test_chain as behaviours
from ecny_sim.chain import Chain
from ecny_sim.chain.anvil import MISSING, AnvilBackend
from ecny_sim.chain.backend import DEFAULT_BLOCK_GAS_LIMIT, DEFAULT_CHAIN_ID, BackendUnavailable
from ecny_sim.chain.errors import ChainFailure, ContractRevert
from ecny_sim.pilot import run_scenario
from ecny_sim.run import scenario as scenarios
from ecny_sim.run.engine import EXIT_CHAIN

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from anvil_nodes import KillNode, require_anvil  # noqa: E402
from scenario_runs import session_runs  # noqa: E402

ARTIFACT, T0 = behaviours.ARTIFACT, behaviours.T0

# The chain layer's behaviours (tests/chain/test_chain.py), run here on anvil through the `backend` fixture.
test_genesis_and_description = behaviours.test_genesis_and_description
test_deploy = behaviours.test_deploy
test_deploy_duplicate_name_and_revert = behaviours.test_deploy_duplicate_name_and_revert
test_send_and_events = behaviours.test_send_and_events
test_event_value_types = behaviours.test_event_value_types
test_return_value_and_call = behaviours.test_return_value_and_call
test_argument_errors = behaviours.test_argument_errors
test_call_many_answers_each_read_as_call_does = behaviours.test_call_many_answers_each_read_as_call_does
test_custom_error_raises_with_args = behaviours.test_custom_error_raises_with_args
test_custom_error_with_address_args = behaviours.test_custom_error_with_address_args
test_expect_and_allow_revert = behaviours.test_expect_and_allow_revert
test_builtin_failures = behaviours.test_builtin_failures
test_out_of_gas = behaviours.test_out_of_gas
test_rejected_transaction_mines_nothing = behaviours.test_rejected_transaction_mines_nothing
test_rejected_transaction_in_a_shared_block_takes_no_nonce = \
    behaviours.test_rejected_transaction_in_a_shared_block_takes_no_nonce
test_zero_fees_and_gas_cap = behaviours.test_zero_fees_and_gas_cap
test_write_storage_lands_in_the_block_of_the_moment = behaviours.test_write_storage_lands_in_the_block_of_the_moment
test_writes_survive_a_rejected_transaction_in_their_block = \
    behaviours.test_writes_survive_a_rejected_transaction_in_their_block
test_time_is_exact_and_monotonic = behaviours.test_time_is_exact_and_monotonic
test_beijing_midnight_in_the_evm = behaviours.test_beijing_midnight_in_the_evm
test_snapshot_and_revert = behaviours.test_snapshot_and_revert
test_revert_to_genesis = behaviours.test_revert_to_genesis
test_hook_records_every_transaction = behaviours.test_hook_records_every_transaction
test_state_roots_identical_across_processes = behaviours.test_state_roots_identical_across_processes
base, chain, fx, new_chain = behaviours.base, behaviours.chain, behaviours.fx, behaviours.new_chain


@pytest.fixture(scope="session")
def anvil_binary() -> Path:
    return require_anvil()


@pytest.fixture(scope="module")
def backend(anvil_binary) -> str:
    return "anvil"


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting for its parent."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def gone(pid: int, wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# ------------------------------------------------------------------------------------------- the same results


def _history(chain: Chain) -> list:
    """A short history touching every kind of outcome; what must agree across backends (no state roots)."""
    fx = chain.deploy("Fixture", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank", args=(100,))
    out = [chain.last_result]
    chain.set_time("2022-05-09 18:00")
    out.append(chain.send("parent:alice", fx, "setValue", 5))
    out.append(chain.send("parent:bob", fx, "divide", 7, 2))
    out.append(chain.send("parent:bob", fx, "note", b"\x01" * 32, "0xdead", "学费", -5))
    for function, args in (("setValue", (500,)), ("setLimit", (1,)), ("decrement", (10**6,)), ("divide", (1, 0)),
                           ("requireOk", (False,)), ("revertEmpty", ()), ("nothing", ())):
        out.append(chain.send("parent:carol", fx, function, *args, allow_revert=True))
    out.append(chain.send("parent:carol", fx, "setValue", 5, gas=30_000, allow_revert=True))
    chain.advance(days=1)
    out.extend(chain.send_batch([(f"parent:p{i}", fx, "setValue", i * 40) for i in range(6)], allow_revert=True))
    out.append(chain.send("school:taoli", fx, "stamp"))
    calls = [chain.call(fx, "info", "parent:alice"), chain.call(fx, "time"), chain.call(fx, "total")]
    return [(r.tx_hash, r.block_number, r.timestamp, r.status, r.gas_used, r.gas_limit, r.events, r.error,
             r.contract_address, r.return_value) for r in out] + calls


def test_same_results_as_pyevm(anvil_binary):
    with Chain(T0, seed=9) as py, Chain(T0, seed=9, backend="anvil") as node:
        assert _history(node) == _history(py)
        assert (node.chain_id, node.block_gas_limit, node.max_tx_gas) == (py.chain_id, py.block_gas_limit, py.max_tx_gas)
        assert node.state_root() != py.state_root()  # anvil's state holds accounts py-evm's does not
        assert (node.backend.name, node.backend.version) == ("anvil", "1.7.1")
        assert node.settings["backend"] == "anvil 1.7.1" and py.settings["backend"].startswith("py-evm ")
        assert {k: v for k, v in node.settings.items() if k not in ("backend", "prevrandao")} == \
               {k: v for k, v in py.settings.items() if k not in ("backend", "prevrandao")}
        fx = node.contract("Fixture")
        assert node.backend.code(fx.address) == py.backend.code(fx.address) != b""
        assert node.backend.storage(fx.address, 0) == py.backend.storage(fx.address, 0)
        assert node.nonce_of("parent:carol") == py.nonce_of("parent:carol") == 8


def test_call_many_splits_into_requests_and_keeps_the_order(chain, fx, monkeypatch):
    import ecny_sim.chain.anvil as anvil_module

    monkeypatch.setattr(anvil_module, "_CALLS_PER_REQUEST", 3)  # 8 reads: requests of 3, 3 and 2
    posted: list[int] = []
    post = chain._backend._post
    monkeypatch.setattr(chain._backend, "_post", lambda payload, *a: posted.append(
        len(payload) if isinstance(payload, list) else 1) or post(payload, *a))
    assert chain.call_many([(fx, "divide", (n, 1)) for n in range(8)]) == list(range(8))
    assert posted == [3, 3, 2]
    with pytest.raises(ContractRevert, match="division or modulo by zero"):  # a failure in the second request
        chain.call_many([(fx, "divide", (n, 1 if n != 4 else 0)) for n in range(8)])


def test_a_batch_the_node_refuses_whole_is_a_chain_failure():
    refused = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "batch too large"}}
    with pytest.raises(ChainFailure, match="without a reply to each: batch too large"):
        AnvilBackend._by_id(refused, 3, "eth_call")
    with pytest.raises(ChainFailure, match="without a reply to each"):  # one request left unanswered
        AnvilBackend._by_id([{"id": 0, "result": "0x"}, {"id": 2, "result": "0x"}], 3, "eth_call")
    assert AnvilBackend._by_id([{"id": 1, "result": "0x01"}, {"id": 0, "result": "0x"}], 2, "eth_call")[1] == \
        {"id": 1, "result": "0x01"}


def test_defaults_are_pyevms():
    with Chain(T0) as chain:
        assert (chain.chain_id, chain.block_gas_limit) == (DEFAULT_CHAIN_ID, DEFAULT_BLOCK_GAS_LIMIT)
    with pytest.raises(ValueError, match="unknown chain backend 'geth'"):
        Chain(T0, backend="geth")


@pytest.fixture(scope="module")
def pyevm_runs(tmp_path_factory):
    """Every built-in scenario at test scale on py-evm, seed 1: the session's shared runs."""
    return session_runs(tmp_path_factory)


@pytest.mark.parametrize("name", scenarios.builtin_names())
def test_scenario_runs_the_same_on_anvil(anvil_binary, pyevm_runs, tmp_path, name):
    """Every built-in scenario on anvil: the same transactions, gas, events, errors, transaction hashes and
    summary (final state hash included) as on py-evm; only the blocks' state roots and the header differ."""
    scenario = scenarios.load(name)
    node = run_scenario(scenario, scenario.params(test_scale=True), 1, tmp_path / "anvil", backend="anvil")
    py_lines, node_lines = ([json.loads(line) for line in (d / "journal.jsonl").read_text().splitlines()]
                            for d in (pyevm_runs[name].dir, tmp_path / "anvil"))
    assert node.exit_code == 0
    same = ("block", "timestamp", "actor", "contract", "function", "args", "status", "gas_limit", "gas_used",
            "events", "error", "tx_hash")
    txs = [[{k: line.get(k) for k in same} for line in lines[1:-1]] for lines in (py_lines, node_lines)]
    assert txs[1] == txs[0] and len(txs[0]) > 5
    assert node_lines[0]["chain"]["backend"] == "anvil 1.7.1"
    drop = ("journal_sha256",)  # the journal carries anvil's state roots and header
    assert {k: v for k, v in node.summary.items() if k not in drop} == \
           {k: v for k, v in pyevm_runs[name].summary.items() if k not in drop}


# ------------------------------------------------------------------------------------------- faults


def test_node_killed_mid_run_is_a_chain_failure(anvil_binary):
    chain = Chain(T0, backend="anvil")
    fx = chain.deploy("Fixture", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank", args=(100,))
    pid = chain.backend.pid
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ChainFailure) as info:
        chain.send("parent:alice", fx, "setValue", 5)
    assert str(info.value).startswith(f"the anvil node (pid {pid}) was killed by signal 9 (eth_")
    assert not alive(pid)
    with pytest.raises(ChainFailure, match="stopped"):
        chain.call(fx, "total")
    chain.close()




def test_run_whose_node_dies_exits_6_with_its_journal(anvil_binary, tmp_path):
    scenario = scenarios.load("edu_abscond")
    killer = KillNode(after=12)
    result = run_scenario(scenario, scenario.params(test_scale=True), 1, tmp_path, observers=[killer],
                          backend="anvil")
    assert (result.outcome, result.exit_code) == ("chain_failed", EXIT_CHAIN)
    assert f"the anvil node (pid {killer.pid}) was killed by signal 9" in result.message
    lines = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert len(lines) == 1 + 12 + 1 and lines[-1]["outcome"] == "chain_failed"
    assert not alive(killer.pid)


def _fake(tmp_path: Path, body: str) -> tuple[Path, Path]:
    """An executable standing in for anvil; it writes its pid (kept by `exec`) to a file first."""
    pidfile = tmp_path / "pid"
    script = tmp_path / "fake-anvil"
    script.write_text(f"#!/bin/sh\necho $$ > '{pidfile}'\n{body}\n")
    script.chmod(0o755)
    return script, pidfile


def test_port_already_taken(anvil_binary, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        wrapper, pidfile = _fake(tmp_path, f'exec "{anvil_binary}" "$@"')
        with pytest.raises(ChainFailure) as info:
            AnvilBackend(T0, binary=wrapper, port=port)
        assert str(info.value).startswith(f"cannot start anvil: port {port} on 127.0.0.1 is already taken")
        assert "\n" not in str(info.value) and not alive(int(pidfile.read_text()))
        # without a port of its own choosing the node gets a free one
        with Chain(T0, backend="anvil") as chain:
            assert chain.backend.port != port and chain.block_number == 0


def test_node_that_never_listens(tmp_path):
    script, pidfile = _fake(tmp_path, "exec sleep 60")
    with pytest.raises(ChainFailure, match=r"^anvil did not start listening within 0\.5 s$"):
        AnvilBackend(T0, binary=script, start_timeout=0.5)
    assert not alive(int(pidfile.read_text()))


def test_node_that_listens_but_never_answers(tmp_path):
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen()
        port = mute.getsockname()[1]
        script, pidfile = _fake(tmp_path, f"echo 'Listening on 127.0.0.1:{port}'\nexec sleep 60")
        with pytest.raises(ChainFailure, match=rf"^anvil on port {port} did not answer within 0\.5 s$"):
            AnvilBackend(T0, binary=script, start_timeout=0.5)
    assert not alive(int(pidfile.read_text()))


def test_failed_start(tmp_path, monkeypatch):
    script, pidfile = _fake(tmp_path, "echo 'Error: invalid hardfork'\nexit 2")
    with pytest.raises(ChainFailure, match=r"^anvil exited at start: Error: invalid hardfork$"):
        AnvilBackend(T0, binary=script)
    assert not alive(int(pidfile.read_text()))
    with pytest.raises(BackendUnavailable, match=f"^no anvil binary at {tmp_path / 'nope'}$"):
        AnvilBackend(T0, binary=tmp_path / "nope")
    monkeypatch.setattr("ecny_sim.chain.anvil.find_anvil", lambda: None)
    with pytest.raises(BackendUnavailable) as info:
        Chain(T0, backend="anvil")
    assert str(info.value) == MISSING and "make solc" in MISSING and "\n" not in MISSING


def test_node_stopped_on_close_exception_and_garbage(anvil_binary):
    chain = Chain(T0, backend="anvil")
    pid = chain.backend.pid
    assert alive(pid)
    chain.close()
    chain.close()  # idempotent
    assert not alive(pid)
    with pytest.raises(RuntimeError):
        with Chain(T0, backend="anvil") as chain:
            pid = chain.backend.pid
            raise RuntimeError("a scenario bug")
    assert not alive(pid)
    chain = Chain(T0, backend="anvil")
    pid = chain.backend.pid
    del chain
    gc.collect()
    assert not alive(pid)
    with pytest.raises(ValueError, match="default_gas"):  # a bad argument after the start stops the node
        Chain(T0, backend="anvil", default_gas=1)


_HOLDER = textwrap.dedent("""
    import os, signal, sys, time
    from ecny_sim.chain import Chain
    chain = Chain("2022-05-09", backend="anvil")
    print(chain.backend.pid, flush=True)
    if sys.argv[1] == "interrupt":
        os.kill(os.getpid(), signal.SIGINT)
    time.sleep(60)
""")


@pytest.mark.parametrize("how", ["interrupt", "sigkill"])
def test_no_orphan_when_the_program_dies(anvil_binary, how):
    """Ctrl-C: the program stops the node at exit. SIGKILL: nothing runs, the kernel kills the node (Linux)."""
    if how == "sigkill" and not sys.platform.startswith("linux"):
        pytest.skip("the node follows its parent's death on Linux only")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, how], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        pid = int(holder.stdout.readline())
        if how == "sigkill":
            holder.kill()
        assert holder.wait(timeout=30) != 0
        assert gone(pid)
    finally:
        holder.kill()
        holder.wait()
