"""Smoke test of `make bench`: `python -m benchmarks.run --quick` runs end to end and prints every line the
committed table and the issue ask for, the anvil routes beside py-evm's (where anvil is installed; a skip, or a
failure with ECNY_REQUIRE_ANVIL=1, where it is not). Timings are not checked (they depend on the machine); the
exact gas figures and the settlement checks inside the benchmark are."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ecny_sim.chain.anvil import PINNED_VERSION, find_anvil

#: `make test-slow` (and CI) runs these; `make test` leaves them out to stay under six minutes.
pytestmark = pytest.mark.slow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from anvil_nodes import require_anvil  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

NUMBER = r"[0-9]+(?:\.[0-9]+)?"
EXPECTED_LINES = {
    "mode": r"quick",
    "class_size": r"30",
    "pupil_lessons_simulator": r"90",
    "pupil_lessons_simulator_single": r"30",
    "pupil_lessons_plain_web3": r"30",
    "backends": r"pyevm,anvil|pyevm",
    "anvil_version": r"[0-9.]+|skipped",
    "settlements_per_s_simulator": NUMBER,
    "settlements_per_s_simulator_single": NUMBER,
    "settlements_per_s_plain_web3": NUMBER,
    "speedup_vs_plain_web3": NUMBER,
    "speedup_vs_plain_web3_route": r"A|A-anvil",
    "speedup_vs_plain_web3_pyevm": NUMBER,
    "settlements_per_s_simulator_cpu": NUMBER,
    "settlements_per_s_simulator_single_cpu": NUMBER,
    "settlements_per_s_plain_web3_cpu": NUMBER,
    "speedup_vs_plain_web3_cpu": NUMBER,
    "speedup_from_batching": NUMBER,
    "speedup_from_route": NUMBER,
    "gas_per_pupil_lesson_class_batch": r"[0-9]+",
    "gas_per_pupil_lesson_class_batch_max": r"[0-9]+",
    "gas_per_pupil_lesson_single": r"[0-9]+",
    "gas_per_pupil_lesson_single_simulator": r"[0-9]+",
    "gas_single_same_on_both_routes": r"yes",
    "gas_same_on_every_route": r"yes",
    "gas_saving_from_batching": NUMBER + "x",
    "target_speedup_20x": r"met|MISSED",
    "target_speedup_100x": r"met|MISSED",
    "target_gas_20k": r"met|MISSED",
    "bench_runtime_s": NUMBER,
}
ANVIL_LINES = {
    "pupil_lessons_simulator_anvil": r"90",
    "pupil_lessons_simulator_single_anvil": r"30",
    "settlements_per_s_simulator_anvil": NUMBER,
    "settlements_per_s_simulator_single_anvil": NUMBER,
    "settlements_per_s_simulator_anvil_cpu": NUMBER,
    "settlements_per_s_simulator_single_anvil_cpu": NUMBER,
    "speedup_vs_plain_web3_anvil": NUMBER,
    "anvil_vs_pyevm_class_batch": NUMBER,
    "anvil_vs_pyevm_single": NUMBER,
}

GAS_TABLE_FUNCTIONS = [
    "openWallet", "issue", "approveEarmark", "enrol", "recordLesson", "cancelOrder", "refundOrders",
    "closeWallet", "earmarkFrom", "endAllEarmarks",
]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--output", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout, out.read_text(encoding="utf-8")


def _lines(stdout: str) -> dict[str, str]:
    found = {}
    for line in stdout.splitlines():
        m = re.fullmatch(r"([a-z0-9_]+): (\S+)", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def test_quick_prints_every_machine_readable_line(quick_run):
    stdout, _ = quick_run
    found = _lines(stdout)
    for key, pattern in EXPECTED_LINES.items():
        assert key in found, f"missing line `{key}: …`"
        assert re.fullmatch(pattern, found[key]), f"{key}: {found[key]!r} does not match {pattern!r}"


def test_quick_runs_the_anvil_routes_beside_pyevm(quick_run):
    """The default `--backend both` adds A-anvil and C-anvil on the same workload; the headline speed-up is
    the faster class batch's, and the report names it."""
    require_anvil()
    stdout, _ = quick_run
    found = _lines(stdout)
    assert found["backends"] == "pyevm,anvil"
    assert found["anvil_version"] == PINNED_VERSION
    for key, pattern in ANVIL_LINES.items():
        assert key in found, f"missing line `{key}: …`"
        assert re.fullmatch(pattern, found[key]), f"{key}: {found[key]!r} does not match {pattern!r}"
    best = max(("A", "pyevm"), ("A-anvil", "anvil"), key=lambda r: float(found[f"speedup_vs_plain_web3_{r[1]}"]))
    assert found["speedup_vs_plain_web3_route"] == best[0]
    assert found["speedup_vs_plain_web3"] == found[f"speedup_vs_plain_web3_{best[1]}"]
    for route in ("| A-anvil: simulator (ecny_sim Chain on anvil ", "| C-anvil: simulator (ecny_sim Chain on anvil "):
        assert route in stdout
    assert re.search(rf"^- Chain backends: py-evm \S+, anvil {re.escape(PINNED_VERSION)};", stdout, re.M)
    assert "| factor | py-evm " in stdout and "| anvil / py-evm |" in stdout


def test_quick_without_anvil_says_so_in_one_line(quick_run):
    if find_anvil() is not None:
        pytest.skip("anvil is installed here: the route ran (the test above)")
    stdout, _ = quick_run
    found = _lines(stdout)
    assert found["backends"] == "pyevm" and found["anvil_version"] == "skipped"
    assert stdout.count("anvil routes skipped: anvil is not installed") == 1


def test_quick_gas_figures_are_exact(quick_run):
    """Gas is deterministic: a one-order recordLesson costs the same on both routes, and a class batch costs
    far less per pupil than a single-order call."""
    found = _lines(quick_run[0])
    single = int(found["gas_per_pupil_lesson_single"])
    assert single == int(found["gas_per_pupil_lesson_single_simulator"])
    batch = int(found["gas_per_pupil_lesson_class_batch"])
    assert 0 < batch <= int(found["gas_per_pupil_lesson_class_batch_max"]) < single


def test_quick_report_has_the_tables_and_writes_the_file(quick_run):
    stdout, written = quick_run
    assert written == stdout
    for heading in ("## Settlements per second", "## Gas of the main operations", "## Machine-readable", "## Method"):
        assert heading in stdout
    for route in ("| A: simulator", "| C: simulator", "| B: plain web3"):
        assert route in stdout
    for fn in GAS_TABLE_FUNCTIONS:
        assert re.search(rf"^\| \w+ \| `{fn}` \|", stdout, re.M), f"gas table has no row for {fn}"
    assert re.search(r"^- Date \(UTC\): \d{4}-\d{2}-\d{2}$", stdout, re.M)
    assert "- Machine: " in stdout and "Python 3." in stdout
    assert "- Command: `python -m benchmarks.run --quick --output " in stdout

