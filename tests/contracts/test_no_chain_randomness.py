"""Contracts never read block.prevrandao or blockhash: both differ from run to run on this chain, and a run
must be reproducible from its journal. Nor block.number: on anvil a block of several sends is several node
blocks at the same timestamp (chain/anvil.py), so only the block's time is the same on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecny_sim.chain.compiler import load_artifact

ARTIFACTS = Path(__file__).resolve().parents[2] / "simulator" / "artifacts"
CONTRACTS = sorted(p.stem for p in ARTIFACTS.glob("*.json") if p.stem != "manifest")
BLOCKHASH, NUMBER, PREVRANDAO = 0x40, 0x43, 0x44


def opcodes(code_hex: str) -> list[int]:
    code = bytes.fromhex(code_hex.removeprefix("0x"))
    code = code[: len(code) - 2 - int.from_bytes(code[-2:], "big")]  # drop the CBOR metadata tail
    ops, i = [], 0
    while i < len(code):
        op = code[i]
        ops.append(op)
        i += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)  # PUSH1..PUSH32 carry data
    return ops


def test_scanner_finds_the_opcodes_it_looks_for():
    # PUSH1 0x44; PREVRANDAO; BLOCKHASH; NUMBER; then a 2-byte metadata tail of length 0
    assert opcodes("60444440430000") == [0x60, PREVRANDAO, BLOCKHASH, NUMBER]


@pytest.mark.parametrize("name", CONTRACTS)
def test_contract_reads_no_randomness_nor_block_number(name):
    ops = set(opcodes(load_artifact(name)["deployedBytecode"]))
    assert BLOCKHASH not in ops and PREVRANDAO not in ops and NUMBER not in ops
