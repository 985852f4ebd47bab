"""The offline Solidity pipeline: committed artifacts, compiler discovery and refusal, reproducible builds."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ecny_sim.chain import compiler
from ecny_sim.chain.compiler import CompilerError, NoCompilerError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from solc_needed import needs_solc  # noqa: E402

# ------------------------------------------------------------------------------------------ helpers

THROWAWAY = {
    "interfaces/ICounter.sol": """\
        // SPDX-License-Identifier: MIT
        pragma solidity 0.8.37;

        interface ICounter {
            event Bumped(address indexed by, uint256 value);
            error TooBig(uint256 got, uint256 max);
            function bump(uint256 by) external returns (uint256);
        }
        """,
    "CounterBase.sol": """\
        // SPDX-License-Identifier: MIT
        pragma solidity 0.8.37;
        import {ICounter} from "./interfaces/ICounter.sol";

        abstract contract CounterBase is ICounter {
            uint256 public value;
        }
        """,
    "Counter.sol": """\
        // SPDX-License-Identifier: MIT
        pragma solidity 0.8.37;
        import {CounterBase} from "./CounterBase.sol";

        contract Counter is CounterBase {
            uint256 public immutable max;

            constructor(uint256 max_) { max = max_; }

            function bump(uint256 by) external returns (uint256) {
                uint256 v = value + by;
                if (v > max) revert TooBig(v, max);
                value = v;
                emit Bumped(msg.sender, v);
                return v;
            }
        }
        """,
}


def write_contracts(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def fake_solc(tmp_path: Path, version: str, output: dict | None = None) -> Path:
    """A stand-in solc: answers --version with `version`, --standard-json with `output`."""
    out_file = tmp_path / "fake-output.json"
    out_file.write_text(json.dumps(output or {}), encoding="utf-8")
    script = tmp_path / "fake-solc"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then\n'
        "  echo 'solc, the solidity compiler commandline interface'\n"
        f"  echo 'Version: {version}+commit.deadbeef.Linux.g++'\n"
        "  exit 0\n"
        "fi\n"
        "cat > /dev/null\n"
        f"cat '{out_file}'\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def tree_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.json"))}




@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Point the module at a throwaway checkout: tmp contracts/ and artifacts/, fresh process state."""
    contracts_dir = tmp_path / "repo" / "contracts"
    artifacts_dir = tmp_path / "repo" / "artifacts"
    contracts_dir.mkdir(parents=True)
    monkeypatch.setattr(compiler, "repo_contracts_dir", lambda: contracts_dir)
    monkeypatch.setattr(compiler, "ARTIFACTS_DIR", artifacts_dir)
    monkeypatch.setattr(compiler, "_fresh", None)
    monkeypatch.delenv("ECNY_SIM_AUTOCOMPILE", raising=False)
    compiler._load_cached.cache_clear()
    yield contracts_dir, artifacts_dir
    compiler._load_cached.cache_clear()


@pytest.fixture
def no_compiler(monkeypatch, tmp_path):
    monkeypatch.delenv("SOLC", raising=False)
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path / "empty-solcx"))
    monkeypatch.setattr(compiler, "npm_solc_dir", lambda: None)


# ------------------------------------------------------------------------------------------ committed


def test_committed_artifacts_match_sources():
    contracts_dir = compiler.repo_contracts_dir()
    if contracts_dir is None:
        pytest.skip("not running from a checkout")
    manifest = compiler.read_manifest(compiler.ARTIFACTS_DIR)
    assert manifest is not None, "no simulator/artifacts/manifest.json: run `make compile`"
    assert manifest.sources_hash == compiler.sources_hash(contracts_dir), (
        "contracts/ changed since simulator/artifacts/ was built: run `make compile` and commit the artifacts"
    )
    assert manifest.settings == compiler.SETTINGS
    assert manifest.compiler.startswith(compiler.REQUIRED_SOLC_VERSION + "+commit.")
    on_disk = {p.stem for p in compiler.ARTIFACTS_DIR.glob("*.json")} - {"manifest"}
    assert on_disk == set(manifest.contracts)
    for name in manifest.contracts:
        data = (compiler.ARTIFACTS_DIR / f"{name}.json").read_bytes()
        assert hashlib.sha256(data).hexdigest() == manifest.artifacts[name], name
        assert data.endswith(b"}\n")


# ------------------------------------------------------------------------------------------ discovery


def test_wrong_version_is_refused_with_both_versions_named(tmp_path, monkeypatch):
    contracts_dir = write_contracts(tmp_path / "contracts", THROWAWAY)
    solc = fake_solc(tmp_path, "0.8.20")
    monkeypatch.setenv("SOLC", str(solc))
    with pytest.raises(CompilerError) as info:
        compiler.compile_contracts(contracts_dir, tmp_path / "artifacts")
    message = str(info.value)
    assert "0.8.20" in message and "0.8.37" in message and str(solc) in message
    assert "\n" not in message
    assert not (tmp_path / "artifacts").exists()


def test_solc_env_pointing_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLC", str(tmp_path / "missing-solc"))
    with pytest.raises(CompilerError, match="SOLC="):
        compiler.compile_contracts(write_contracts(tmp_path / "c", THROWAWAY), tmp_path / "a")


def test_no_compiler_gives_the_way_out(isolated, no_compiler):
    contracts_dir, _ = isolated
    write_contracts(contracts_dir, THROWAWAY)
    with pytest.raises(NoCompilerError) as info:
        compiler.ensure_fresh()
    message = str(info.value)
    assert message.startswith("contracts changed and no Solidity compiler was found")
    assert "make solc" in message and "SOLC=" in message and "\n" not in message


# ------------------------------------------------------------------------------------------ with a stand-in


def _canned_output(name: str = "A", source: str = "contracts/A.sol") -> dict:
    evm = {
        "bytecode": {"object": "6080604052"},
        "deployedBytecode": {"object": "6080"},
        "methodIdentifiers": {"f()": "26121ff0"},
    }
    return {
        "contracts": {
            source: {
                name: {"abi": [{"type": "function", "name": "f"}], "evm": evm},
                "IA": {"abi": [], "evm": {"bytecode": {"object": ""}, "deployedBytecode": {"object": ""}}},
            }
        },
        "errors": [{"severity": "warning", "formattedMessage": "Warning: something harmless"}],
    }


def test_compile_errors_are_reported_with_stack_too_deep_hint(tmp_path, monkeypatch):
    output = {
        "errors": [
            {"severity": "error", "formattedMessage": "CompilerError: Stack too deep. Try compiling with --via-ir"}
        ]
    }
    monkeypatch.setenv("SOLC", str(fake_solc(tmp_path, "0.8.37", output)))
    contracts_dir = write_contracts(tmp_path / "contracts", THROWAWAY)
    with pytest.raises(CompilerError) as info:
        compiler.compile_contracts(contracts_dir, tmp_path / "artifacts")
    assert "Stack too deep" in str(info.value) and "viaIR is off" in str(info.value)


def test_recompiles_when_sources_change(isolated, tmp_path, monkeypatch, capsys):
    contracts_dir, artifacts_dir = isolated
    write_contracts(contracts_dir, {"A.sol": "contract A {}\n"})
    monkeypatch.setenv("SOLC", str(fake_solc(tmp_path, "0.8.37", _canned_output())))

    first = compiler.ensure_fresh()
    assert "recompiling" in capsys.readouterr().err
    assert first.contracts == ["A"]  # interface IA (no bytecode) skipped
    assert first.warnings == ("Warning: something harmless",)
    assert sorted(p.name for p in artifacts_dir.iterdir()) == ["A.json", "manifest.json"]
    art = compiler.load_artifact("A")
    assert art["bytecode"] == "0x6080604052" and art["source"] == "contracts/A.sol"
    art["abi"].clear()
    assert compiler.load_artifact("A")["abi"], "load_artifact must hand out copies"

    monkeypatch.setattr(compiler, "_fresh", None)
    compiler.ensure_fresh()
    assert capsys.readouterr().err == "", "fresh artifacts must not be rebuilt"

    (contracts_dir / "A.sol").write_text("contract A { }\n", encoding="utf-8")
    monkeypatch.setenv("ECNY_SIM_AUTOCOMPILE", "0")
    with pytest.raises(CompilerError, match="contracts changed"):
        compiler.ensure_fresh()
    monkeypatch.delenv("ECNY_SIM_AUTOCOMPILE")
    second = compiler.ensure_fresh()
    assert "contracts changed" in capsys.readouterr().err
    assert second.sources_hash == compiler.sources_hash(contracts_dir) != first.sources_hash


def test_renamed_contract_leaves_no_stale_artifact(tmp_path, monkeypatch):
    contracts_dir = write_contracts(tmp_path / "contracts", {"A.sol": "contract A {}\n"})
    artifacts_dir = tmp_path / "artifacts"
    monkeypatch.setenv("SOLC", str(fake_solc(tmp_path, "0.8.37", _canned_output("A"))))
    compiler.compile_contracts(contracts_dir, artifacts_dir)
    monkeypatch.setenv("SOLC", str(fake_solc(tmp_path, "0.8.37", _canned_output("B"))))
    compiler.compile_contracts(contracts_dir, artifacts_dir)
    assert sorted(p.name for p in artifacts_dir.glob("*.json")) == ["B.json", "manifest.json"]


def test_installed_package_trusts_packaged_artifacts(isolated, monkeypatch):
    _, artifacts_dir = isolated
    monkeypatch.setattr(compiler, "repo_contracts_dir", lambda: None)
    with pytest.raises(CompilerError, match="no compiled artifacts"):
        compiler.ensure_fresh()
    artifacts_dir.mkdir()
    manifest = compiler.Manifest("0.8.37+commit.x", compiler.SETTINGS, "h", {}, ["A"], {"A": "x"})
    (artifacts_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    (artifacts_dir / "A.json").write_text('{"abi": [], "bytecode": "0x00"}\n', encoding="utf-8")
    assert compiler.load_artifact("A")["bytecode"] == "0x00"
    with pytest.raises(CompilerError, match="no compiled contract named 'Nope'"):
        compiler.load_artifact("Nope")


def test_cli_compile_refusal_is_one_red_line_exit_2(tmp_path):
    contracts_dir = write_contracts(tmp_path / "contracts", THROWAWAY)
    env = dict(os.environ, SOLC=str(fake_solc(tmp_path, "0.8.20")))
    proc = subprocess.run(
        [sys.executable, "-m", "ecny_sim.cli.main", "compile",
         "--contracts", str(contracts_dir), "--artifacts", str(tmp_path / "artifacts")],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "is 0.8.20; ecny-sim needs exactly 0.8.37" in proc.stderr


# ------------------------------------------------------------------------------------------ real solc


@needs_solc
def test_real_compile_of_a_throwaway_contract_is_reproducible_and_deploys(tmp_path):
    contracts_dir = write_contracts(tmp_path / "contracts", THROWAWAY)
    manifest = compiler.compile_contracts(contracts_dir, tmp_path / "a1")
    assert manifest.contracts == ["Counter"]  # interface and abstract base skipped
    assert manifest.sources_hash == compiler.sources_hash(contracts_dir)
    assert manifest.compiler.startswith("0.8.37+commit.")
    compiler.compile_contracts(contracts_dir, tmp_path / "a2")
    assert tree_bytes(tmp_path / "a1") == tree_bytes(tmp_path / "a2")

    art = json.loads((tmp_path / "a1" / "Counter.json").read_text())
    kinds = {(e["type"], e.get("name")) for e in art["abi"]}
    assert {("event", "Bumped"), ("error", "TooBig"), ("function", "bump")} <= kinds
    assert set(art["methodIdentifiers"]) == {"bump(uint256)", "max()", "value()"}

    # the bytecode runs on py-evm (evmVersion prague), and the custom error decodes from the ABI
    from eth_abi import decode as abi_decode
    from eth_tester.exceptions import TransactionFailed
    from web3 import EthereumTesterProvider, Web3

    w3 = Web3(EthereumTesterProvider())
    sender = w3.eth.accounts[0]
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor(10).transact({"from": sender, "gas": 1_000_000})
    )
    counter = w3.eth.contract(address=receipt.contractAddress, abi=art["abi"])
    tx = counter.functions.bump(7).transact({"from": sender, "gas": 200_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt.status == 1
    assert counter.events.Bumped().process_receipt(receipt)[0].args.value == 7
    # eth-tester hands revert data on only as str(bytes) (web3's provider wraps that again)
    with pytest.raises(TransactionFailed) as info:
        w3.provider.ethereum_tester.call(
            {"from": sender, "to": counter.address, "data": counter.encode_abi("bump", [4])}
        )
    raw = ast.literal_eval(info.value.args[0])
    assert raw[:4] == Web3.keccak(text="TooBig(uint256,uint256)")[:4]
    assert abi_decode(["uint256", "uint256"], raw[4:]) == (11, 10)


@needs_solc
def test_rebuilding_the_repository_contracts_gives_the_committed_artifacts(tmp_path):
    contracts_dir = compiler.repo_contracts_dir()
    if contracts_dir is None:
        pytest.skip("not running from a checkout")
    compiler.compile_contracts(contracts_dir, tmp_path / "artifacts")
    assert tree_bytes(tmp_path / "artifacts") == tree_bytes(compiler.ARTIFACTS_DIR)
