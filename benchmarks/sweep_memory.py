"""`make bench-sweep-memory`: the sweeping process's peak memory at 200 and at 2,000 runs: flat means the same.

    python -m benchmarks.sweep_memory                      # 200 and 2,000 runs, in the process and on 1 worker
    python -m benchmarks.sweep_memory --sizes 50,500 --ways here
    python -m benchmarks.sweep_memory --tree /tmp/old      # another checkout's code (its ecny_sim on PYTHONPATH)

Each size is a fresh process running `ecny-sim sweep` over cheap points (the sweep tests' small escrow term, one
pupil and one lesson: about 0.2 s a run) into a new folder, to its end: every run, runs.parquet, runs.csv,
summary.csv, the plots and the study's page. Two ways:
- ``here`` (``--workers 0``): the runs in the sweeping process too, so its memory holds whatever a run leaves;
- ``worker`` (``--workers 1``): the runs in a LocalCluster's worker; the sweeping process holds the points, the
  rows as they come, the Dask scheduler and client, and the end. This is the sweep's own memory.
Figures: the process's peak resident memory (getrusage's ru_maxrss, of the sweeping process alone) and its
resident memory when the runs were done and when the command ended (sampled), and the growth from the smallest
size to the largest. The load of the machine is recorded: memory does not depend on it, the time does.
Results: benchmarks/RESULTS_SWEEP_MEMORY.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS_PATH = HERE / "RESULTS_SWEEP_MEMORY.md"
SCENARIO = ROOT / "tests" / "study" / "sweep_fixture_scenario.py"

# The sweeping process: the command itself, in this process, with its peak memory read at its end.
_CHILD = """
import json, resource, sys, threading, time
from pathlib import Path

samples = []
def sample():
    page = __import__("os").sysconf("SC_PAGE_SIZE")
    while True:
        samples.append((time.monotonic(), int(Path("/proc/self/statm").read_text().split()[1]) * page))
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()

from ecny_sim.cli.main import app
began = time.monotonic()
try:
    code = app(sys.argv[1:], prog_name="ecny-sim", standalone_mode=False)
except SystemExit as exc:
    code = exc.code
ended = time.monotonic()
parts = sorted(Path(sys.argv[sys.argv.index("--out") + 1], "parts").glob("*.parquet"))
runs_done = max(p.stat().st_mtime for p in parts)  # the last part: written as the last run finished
clock = time.time() - time.monotonic()
at_runs_done = max((rss for t, rss in samples if t + clock <= runs_done), default=0)
print(json.dumps({"code": code, "seconds": ended - began,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "runs_done_mb": at_runs_done / 2**20, "end_mb": samples[-1][1] / 2**20}))
"""


def one(size: int, way: str, tree: Path | None) -> dict[str, Any]:
    env = {**os.environ, "ECNY_SIM_AUTOCOMPILE": "0"}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    with tempfile.TemporaryDirectory(prefix="ecny-bench-sweep-memory-") as scratch:
        out = Path(scratch) / "sweep"
        args = ["sweep", str(SCENARIO), "--set", "pupils=1", "--set", "lessons=1", "--seeds", f"1..{size}",
                "--workers", "0" if way == "here" else "1", "--out", str(out)]
        proc = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, env=env,
                              cwd=scratch)
        if proc.returncode != 0 or not proc.stdout.strip():
            raise SystemExit(f"the sweep of {size} runs ({way}) failed: {proc.stderr[-2000:]}")
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        if figures["code"] not in (0, None):
            raise SystemExit(f"the sweep of {size} runs ({way}) ended with {figures['code']}: {proc.stderr[-2000:]}")
        rows = sum(1 for _ in (out / "runs.csv").open(encoding="utf-8")) - 1
    assert rows == size, (rows, size)
    return {k: round(v, 1) for k, v in figures.items() if k != "code"}


def measure(sizes: list[int], ways: list[str], tree: Path | None) -> dict[str, Any]:
    figures: dict[str, Any] = {"sizes": sizes, "scenario": "tests/study/sweep_fixture_scenario.py (1 pupil, 1 lesson)",
                               "tree": str(tree) if tree else "this checkout", "load_before": os.getloadavg()[0]}
    for way in ways:
        for size in sizes:
            began = time.monotonic()
            figures[f"{way}_{size}"] = one(size, way, tree)
            print(f"{way} {size}: {figures[f'{way}_{size}']} ({time.monotonic() - began:.0f} s)", flush=True)
        low, high = figures[f"{way}_{sizes[0]}"], figures[f"{way}_{sizes[-1]}"]
        figures[f"{way}_growth_mb"] = round(high["peak_mb"] - low["peak_mb"], 1)
        figures[f"{way}_growth_kb_per_run"] = round((high["peak_mb"] - low["peak_mb"]) * 1024 / (sizes[-1] - sizes[0]),
                                                    2)
    figures["load_after"] = os.getloadavg()[0]
    return figures


def write_results(figures: dict[str, Any], path: Path, ways: list[str]) -> None:
    sizes = figures["sizes"]
    lines = [
        "# Sweep memory benchmark (`make bench-sweep-memory`, benchmarks/sweep_memory.py)",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC ({figures['tree']}): `ecny-sim sweep` of "
        f"{' and '.join(f'{s:,}' for s in sizes)} runs of {figures['scenario']}, each size a fresh process to the "
        "end of the command (every run, runs.parquet, runs.csv, summary.csv, plots and page). Machine load (1-minute "
        f"average) {figures['load_before']:.2f} before, {figures['load_after']:.2f} after.",
        "",
        "| way | runs | peak RSS (MB) | RSS as the runs ended (MB) | RSS at the end (MB) | time (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for way in ways:
        for size in sizes:
            f = figures[f"{way}_{size}"]
            lines.append(f"| {'--workers 0 (runs here)' if way == 'here' else '--workers 1 (runs in a worker)'} | "
                         f"{size:,} | {f['peak_mb']} | {f['runs_done_mb']} | {f['end_mb']} | {f['seconds']} |")
    lines.append("")
    for way in ways:
        lines.append(f"- {way}: peak {figures[f'{way}_growth_mb']:+} MB from {sizes[0]:,} to {sizes[-1]:,} runs "
                     f"({figures[f'{way}_growth_kb_per_run']:+} KB a run).")
    lines += ["", "```json", json.dumps(figures, indent=2, sort_keys=True), "```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000", help="numbers of runs, comma-separated [200,2000]")
    parser.add_argument("--ways", default="here,worker", help="here (--workers 0), worker (--workers 1), or both")
    parser.add_argument("--tree", type=Path, default=None, help="a folder whose ecny_sim package to measure instead")
    parser.add_argument("--output", type=Path, default=None, help=f"results file [default: {RESULTS_PATH.name}]")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    ways = [w for w in args.ways.split(",") if w]
    if not sizes or any(s < 1 for s in sizes) or any(w not in ("here", "worker") for w in ways) or not ways:
        parser.error("--sizes takes whole numbers from 1, --ways here and/or worker")
    figures = measure(sizes, ways, args.tree)
    print(json.dumps(figures, indent=2, sort_keys=True))
    output = args.output or RESULTS_PATH
    write_results(figures, output, ways)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
