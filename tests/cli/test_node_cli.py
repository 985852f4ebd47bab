"""`run --node URL`: a node the user runs, started here with the very command ecny-sim prints; one at the wrong
time or of another chain id is refused in one line (exit 6) naming that command. `run --keep-node`: the node
stays up after the run with its final state until Ctrl-C, then is stopped (no process left).

Without anvil in node_modules (`make solc` installs it) these tests skip with one message;
ECNY_REQUIRE_ANVIL=1 makes them fail instead."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecny_sim.chain.node import suitable_command
from ecny_sim.cli.main import app
from ecny_sim.read.replay import replay
from ecny_sim.run import scenario as scenarios

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from anvil_nodes import require_anvil  # noqa: E402

runner = CliRunner()
WIDE = {"COLUMNS": "300"}
START = scenarios.load("edu_withdraw").params(test_scale=True).start_ts


@pytest.fixture(scope="module")
def anvil_binary() -> Path:
    return require_anvil()


def _rpc(url: str, method: str, *params) -> object:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())["result"]


@pytest.fixture
def start_node(anvil_binary):
    """Starts anvil as a user would, from suitable_command's words (another port); stopped after the test."""
    started = []

    def start(command: str) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        words = shlex.split(command)
        words[0], words[words.index("--port") + 1] = str(anvil_binary), str(port)
        process = subprocess.Popen(words, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                _rpc(url, "eth_chainId")
                return url
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)

    yield start
    for process in started:
        process.terminate()
        process.wait()


def test_a_run_on_the_users_node(start_node, tmp_path):
    command = suitable_command(START)
    assert command.startswith("anvil --port 8545 --accounts 0 --chain-id 131277322940537 --timestamp "
                              f"{START} --hardfork prague --base-fee 0 --gas-limit 1000000000")
    url = start_node(command)
    out = tmp_path / "o"
    result = runner.invoke(app, ["run", "edu_withdraw", "--test-scale", "--node", url, "--out", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert f"the chain is up at {url}" in result.stdout and "contract ECNY: 0x" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["outcome"] == "ok" and summary["totals"]["refunded_fen"] == 3 * 15_000
    assert int(_rpc(url, "eth_blockNumber"), 16) == summary["counts"]["transactions"] > 0  # left with its state
    replayed = replay(out, backend="pyevm")  # the journal is a run's like any other
    replayed.chain.close()
    assert replayed.matches and replayed.across


@pytest.mark.parametrize("change, why", [
    (lambda c: c.replace(f"--timestamp {START}", f"--timestamp {START + 86_400}"), "a node cannot go back in time"),
    (lambda c: c.replace("--chain-id 131277322940537", "--chain-id 31337"), "is of chain id 31337, not 131277322940537"),
])
def test_an_unsuitable_node_is_refused_in_one_line(start_node, tmp_path, change, why):
    url = start_node(change(suitable_command(START)))
    result = runner.invoke(app, ["run", "edu_withdraw", "--test-scale", "--node", url, "--out", str(tmp_path / "o")],
                           env=WIDE)
    assert result.exit_code == 6, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and why in lines[0] and lines[0].endswith(f"start a suitable one with: {suitable_command(START)}")
    assert list(tmp_path.iterdir()) == [] and int(_rpc(url, "eth_blockNumber"), 16) == 0


def test_no_node_at_the_url(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = runner.invoke(app, ["run", "edu_withdraw", "--test-scale", "--node", f"http://127.0.0.1:{port}",
                                 "--out", str(tmp_path / "o")], env=WIDE)
    assert result.exit_code == 6 and result.stderr.startswith(f"error: no node answers at http://127.0.0.1:{port}")
    assert list(tmp_path.iterdir()) == []


def test_keep_node_needs_anvil(tmp_path):
    result = runner.invoke(app, ["run", "edu_withdraw", "--test-scale", "--keep-node", "--out", str(tmp_path / "o")],
                           env=WIDE)
    assert result.exit_code == 2 and "--keep-node needs --backend anvil" in result.stderr


def test_keep_node_until_ctrl_c(anvil_binary, tmp_path):
    env = {**os.environ, "COLUMNS": "300", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ecny_sim.cli.main", "run", "edu_withdraw", "--test-scale",
                             "--backend", "anvil", "--keep-node", "--out", str(tmp_path / "o")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        seen, url, pid = [], None, None
        for line in proc.stdout:
            seen.append(line)
            if m := re.search(r"the chain is up at (http://127\.0\.0\.1:\d+)", line):
                url = m.group(1)
            if m := re.search(r"node pid (\d+); press Ctrl-C", line):
                pid = int(m.group(1))
                break
        assert url and pid, "".join(seen) + proc.stderr.read()
        text = "".join(seen)
        assert "contract ECNY: 0x" in text and "deterministic test keys" in text
        assert re.search(r"parent:\S+: 0x[0-9a-fA-F]{40} 0x[0-9a-f]{64}", text)
        summary = json.loads((tmp_path / "o" / "summary.json").read_text())  # the run is written before the wait
        assert int(_rpc(url, "eth_blockNumber"), 16) == summary["counts"]["transactions"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
        assert "node stopped" in proc.stdout.read()
        deadline = time.monotonic() + 5
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            assert time.monotonic() < deadline, "the node outlived the program"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
