"""Commands that run no chain load no chain: `ecny-sim --help`, `list` and a command's own help must not import
py-evm, eth-tester, eth-account, web3 or matplotlib (together a second or more of every command); the commands
import them inside, when they run (cli/run.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

#: Top-level packages of py-evm (`eth`), eth-tester, eth-account, web3 and matplotlib.
HEAVY = ("eth", "eth_tester", "eth_account", "web3", "matplotlib")


def imported(*args: str) -> set[str]:
    """The modules `python -X importtime -m ecny_sim.cli.main ARGS` imports."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "ecny_sim.cli.main", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {line.rpartition("|")[2].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("args", [["--help"], ["list"], ["list", "edu_abscond"], ["replay", "--help"],
                                  ["run", "--help"], ["inspect", "--help"], ["report", "--help"]])
def test_no_chain_and_no_charts_before_they_are_needed(args):
    modules = imported(*args)
    assert {"ecny_sim.cli.run", "typer"} <= modules  # the measurement sees the imports
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], f"`ecny-sim {' '.join(args)}` imports {heavy[:8]}"


def test_the_check_would_see_a_chain():
    """The same measurement does see py-evm when a command needs the chain (guards the test above)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import ecny_sim.chain.pyevm, eth.vm"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| eth.vm" in proc.stderr
