"""Same scenario, parameters and seed in separate processes (different PYTHONHASHSEED): byte-identical
journals and equal state hashes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]


def _start(out: Path, seed: int, hashseed: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    return subprocess.Popen([*ECNY_SIM, "run", "edu_abscond", "--test-scale", "--set", "phantom_lessons=1",
                             "--seed", str(seed), "--out", str(out)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("det")
    started = [_start(base / "a", 11, "1"), _start(base / "b", 11, "2"), _start(base / "c", 12, "1")]  # at once
    for proc in started:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    return base


def test_same_seed_gives_byte_identical_journal_and_summary(runs):
    assert (runs / "a" / "journal.jsonl").read_bytes() == (runs / "b" / "journal.jsonl").read_bytes()
    assert (runs / "a" / "summary.json").read_bytes() == (runs / "b" / "summary.json").read_bytes()


def test_another_seed_gives_other_actors_but_the_same_money(runs):
    a = json.loads((runs / "a" / "summary.json").read_text())
    c = json.loads((runs / "c" / "summary.json").read_text())
    assert (runs / "a" / "journal.jsonl").read_bytes() != (runs / "c" / "journal.jsonl").read_bytes()
    assert a["final_state_hash"] != c["final_state_hash"]  # addresses differ
    assert a["totals"] == c["totals"] and a["comparison"] == c["comparison"]


def test_journal_shape(runs):
    lines = (runs / "a" / "journal.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    header, body, end = records[0], records[1:-1], records[-1]
    assert header["type"] == "header" and header["format"] == 3 and header["scenario"] == "edu_abscond"
    assert {"params", "seed", "genesis_time", "genesis_allocation", "chain", "artifacts"} <= set(header)
    assert [r["line"] for r in body] == list(range(2, len(body) + 2))
    txs = [r for r in body if r["type"] == "tx"]
    roots = [r for r in body if r["type"] == "root"]
    assert len(txs) + len(roots) == len(body) and txs
    for r in txs:
        assert isinstance(r["status"], int) and isinstance(r["gas_used"], int)
        assert {"block", "timestamp", "actor", "contract", "function", "args", "events"} <= set(r)
        assert "state_root" not in r  # a block's root exists once it is sealed: root lines give it
    # blocks by time: several transactions share a block; a root every STATE_ROOT_EVERY blocks and the last,
    # each right after its block's transactions
    last = txs[-1]["block"]
    assert len({r["block"] for r in txs}) < len(txs)
    every = header["state_root_every"]
    assert [r["block"] for r in roots] == [*range(every, last, every), last] or \
        [r["block"] for r in roots] == [*range(every, last + 1, every)]
    for root in roots:
        before, after = records[root["line"] - 2], records[root["line"]]
        assert before["block"] == root["block"] and (after["type"] != "tx" or after["block"] > root["block"])
    assert end["type"] == "end" and end["outcome"] == "ok"
    summary = json.loads((runs / "a" / "summary.json").read_text())
    assert end["final_state_hash"] == summary["final_state_hash"]
    # tamper-evident: each line names the sha256 of the line before it; the end line seals them all, and the
    # summary names the whole journal's sha256
    for before, record in zip(lines, records[1:]):
        assert record["prev"] == hashlib.sha256(before.encode()).hexdigest()
    assert all(r["tx_hash"].startswith("0x") and len(r["tx_hash"]) == 66 for r in txs)
    assert end["journal_sha256"] == hashlib.sha256("".join(f"{line}\n" for line in lines[:-1]).encode()).hexdigest()
    assert summary["journal_sha256"] == hashlib.sha256((runs / "a" / "journal.jsonl").read_bytes()).hexdigest()
    # canonical JSON: sorted keys, no spaces
    assert lines[1] == json.dumps(records[1], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # no block hashes anywhere
    assert "blockHash" not in "".join(lines) and '"hash"' not in "".join(lines)
