"""`make bench-sweep-memory`: the sweeping process's peak memory at 200 and at 2,000 runs: flat means the same.

    python -m benchmarks.sweep_memory                      # 200 and 2,000 runs, in the process and on 1 worker
    python -m benchmarks.sweep_memory --sizes 50,500 --ways here
    python -m benchmarks.sweep_memory --against /tmp/old   # and the same with another tree's code, side by side

Each size is a fresh process running `ecny-sim sweep` over cheap points (the sweep tests' small escrow term, one
pupil and one lesson: about 0.2 s a run) into a new folder, to its end: every run, runs.parquet, runs.csv,
summary.csv, the plots and the study's page. Two ways:
- ``here`` (``--workers 0``): the runs in the sweeping process too, so its memory holds whatever a run leaves;
- ``worker`` (``--workers 1``): the runs in a LocalCluster's worker; the sweeping process holds the points, the
  rows as they come, the Dask scheduler and client, and the end. This is the sweep's own memory.
- ``end`` (``--end-sizes``, larger): the end alone, on a folder whose runs have all finished (parts of rows copied
  from one real run): ``--resume`` finds nothing to run and writes the table, the summary, the plots and the page.
Figures: the process's peak resident memory (getrusage's ru_maxrss, of the sweeping process alone), and its
largest resident memory (sampled every 20 ms) in each phase: the runs (to the last part written), the table (the
parts consolidated into runs.parquet and runs.csv, and summary.csv), the plots and the page (matplotlib's share
is the same at any size); and the growth of each from the smallest size to the largest. The load of the machine
is recorded: memory does not depend on it, the time does.
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
import json, os, resource, sys, threading, time
from array import array
from pathlib import Path

# Samples of the resident memory every 20 ms, into arrays allocated once (a list would grow with the runs' time).
SLOTS = 250_000
times, sizes, taken = array("d", [0.0]) * SLOTS, array("q", [0]) * SLOTS, [0]
def sample():
    page = os.sysconf("SC_PAGE_SIZE")
    while True:
        at = min(taken[0], SLOTS - 1)
        times[at], sizes[at] = time.monotonic(), int(Path("/proc/self/statm").read_text().split()[1]) * page
        taken[0] += 1
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()

from ecny_sim.cli.main import app
began = time.monotonic()
try:
    code = app(sys.argv[1:], prog_name="ecny-sim", standalone_mode=False)
except SystemExit as exc:
    code = exc.code
ended = time.monotonic()
out = Path(sys.argv[sys.argv.index("--out") + 1])
clock = time.time() - time.monotonic()  # file times (wall clock) to the samples' clock
runs_done = max(p.stat().st_mtime for p in (out / "parts").glob("*.parquet")) - clock  # the last part's write
table_done = (out / "summary.csv").stat().st_mtime - clock

def peak(low, high):
    return max((sizes[i] for i in range(min(taken[0], SLOTS)) if low <= times[i] <= high), default=0) / 2**20

print(json.dumps({"code": code, "seconds": ended - began,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "runs_mb": peak(began, runs_done), "table_mb": peak(runs_done, table_done),
                  "plots_mb": peak(table_done, ended)}))
"""


def finished_runs(out: Path, size: int) -> None:
    """A sweep's folder whose ``size`` runs have all finished (their parts written) and nothing else: every row is
    the first point's real row with its point, key and seed, a thousand to a part, as a sweep would leave them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ecny_sim.study.plan import Study
    from ecny_sim.study.table import PARTS, write_study
    from ecny_sim.study.worker import run_point

    study = Study.build(str(SCENARIO), fixed=["pupils=1", "lessons=1"], seeds=f"1..{size}")
    (out / PARTS).mkdir(parents=True)
    write_study(out, {**study.describe(), "keep_journals": False})
    row, rows = None, []
    for point in study.points(study.check()):
        row = row or run_point({"scenario": study.scenario, "values": point.values, "seed": point.seed,
                                "index": point.index, "key": point.key, "keep": None})
        rows.append({**row, "point": point.index, "key": point.key, "seed": point.seed})
        if len(rows) == 1000 or point.index == size - 1:
            pq.write_table(pa.Table.from_pylist(rows), out / PARTS / f"part-{point.index // 1000 + 1:06d}.parquet")
            rows = []


def one(size: int, way: str, tree: Path | None) -> dict[str, Any]:
    env = {**os.environ, "ECNY_SIM_AUTOCOMPILE": "0"}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    with tempfile.TemporaryDirectory(prefix="ecny-bench-sweep-memory-") as scratch:
        out = Path(scratch) / "sweep"
        args = ["sweep", str(SCENARIO), "--set", "pupils=1", "--set", "lessons=1", "--seeds", f"1..{size}",
                "--workers", "0" if way != "worker" else "1", "--out", str(out)]
        if way == "end":  # the end alone: every run done already, `--resume` writes the table, summary and plots
            finished_runs(out, size)
            args.append("--resume")
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


def measure(sizes: list[int], ways: list[str], tree: Path | None, label: str,
            end_sizes: list[int]) -> dict[str, Any]:
    figures: dict[str, Any] = {"sizes": sizes, "end_sizes": end_sizes, "tree": label,
                               "scenario": "tests/study/sweep_fixture_scenario.py (1 pupil, 1 lesson)",
                               "load_before": os.getloadavg()[0]}
    for way in ways:
        for size in (end_sizes if way == "end" else sizes):
            began = time.monotonic()
            figures[f"{way}_{size}"] = one(size, way, tree)
            print(f"{way} {size}: {figures[f'{way}_{size}']} ({time.monotonic() - began:.0f} s)", flush=True)
        at = end_sizes if way == "end" else sizes
        low, high = figures[f"{way}_{at[0]}"], figures[f"{way}_{at[-1]}"]
        for phase in ("peak", "runs", "table"):
            figures[f"{way}_{phase}_growth_mb"] = round(high[f"{phase}_mb"] - low[f"{phase}_mb"], 1)
    figures["load_after"] = os.getloadavg()[0]
    return figures


def write_results(figures: dict[str, Any], path: Path, ways: list[str]) -> None:
    sizes = figures["sizes"]
    lines = [
        "# Sweep memory benchmark (`make bench-sweep-memory`, benchmarks/sweep_memory.py)",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: `ecny-sim sweep` of "
        f"{' and '.join(f'{s:,}' for s in sizes)} runs of {figures['scenario']}, each size a fresh process to the "
        "end of the command (every run, runs.parquet, runs.csv, summary.csv, plots and page); the end alone at "
        f"{' and '.join(f'{s:,}' for s in figures['end_sizes'])} finished runs. Machine load (1-minute average) "
        f"{figures['load_before']:.2f} before, {figures['load_after']:.2f} after (memory does not depend on it; the "
        "times do). Peak RSS is the process's own (ru_maxrss); each phase's is the largest of samples every 20 ms.",
        "",
    ]
    for tree in [figures, *([figures["against"]] if "against" in figures else [])]:
        lines += _table(tree, ways)
    lines += ["```json", json.dumps(figures, indent=2, sort_keys=True), "```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


WAYS = {"here": "--workers 0 (runs here)", "worker": "--workers 1 (runs in a worker)",
        "end": "the end alone (--resume, all runs done)"}


def _table(figures: dict[str, Any], ways: list[str]) -> list[str]:
    lines = [
        f"## {figures['tree']}",
        "",
        "| way | runs | peak RSS (MB) | runs (MB) | table and summary (MB) | plots and page (MB) | time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for way in ways:
        for size in figures["end_sizes" if way == "end" else "sizes"]:
            f = figures[f"{way}_{size}"]
            lines.append(f"| {WAYS[way]} | {size:,} | {f['peak_mb']} | {f['runs_mb'] or '-'} | {f['table_mb']} | "
                         f"{f['plots_mb']} | {f['seconds']} |")
    lines.append("")
    for way in ways:
        sizes = figures["end_sizes" if way == "end" else "sizes"]
        grew = [f"{phase} {figures[f'{way}_{phase}_growth_mb']:+} MB" for phase in ("peak", "runs", "table")
                if way != "end" or phase != "runs"]
        lines.append(f"- {WAYS[way]}: from {sizes[0]:,} to {sizes[-1]:,} runs: {', '.join(grew)}.")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000", help="numbers of runs, comma-separated [200,2000]")
    parser.add_argument("--ways", default="here,worker,end", help="here (--workers 0), worker (--workers 1), end "
                        "(the end alone, at --end-sizes), comma-separated")
    parser.add_argument("--end-sizes", default="2000,100000", help="numbers of finished runs for the end alone")
    parser.add_argument("--against", type=Path, default=None, help="a folder holding another tree's ecny_sim "
                        "package (put on PYTHONPATH) to measure the same way, e.g. the code before a change")
    parser.add_argument("--against-label", default="", help="what --against is, for the results' heading")
    parser.add_argument("--against-from", type=Path, default=None, help="a results file of this benchmark whose "
                        "--against figures to show again instead of measuring them (the old code does not change)")
    parser.add_argument("--output", type=Path, default=None, help=f"results file [default: {RESULTS_PATH.name}]")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    end_sizes = sorted(int(s) for s in args.end_sizes.split(","))
    ways = [w for w in args.ways.split(",") if w]
    if not sizes or not end_sizes or min(sizes + end_sizes) < 1 or not ways or any(w not in WAYS for w in ways):
        parser.error(f"--sizes and --end-sizes take whole numbers from 1, --ways some of {', '.join(WAYS)}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    figures = measure(sizes, ways, None, f"this checkout ({commit.stdout.strip() or 'not a git checkout'})",
                      end_sizes)
    if args.against is not None:
        figures["against"] = measure(sizes, ways, args.against, args.against_label or str(args.against), end_sizes)
    elif args.against_from is not None:
        text = args.against_from.read_text(encoding="utf-8")
        figures["against"] = json.loads(text[text.index("```json") + 7:text.rindex("```")])["against"]
        figures["against"]["tree"] += f" (measured earlier: {args.against_from.name})"
    print(json.dumps(figures, indent=2, sort_keys=True))
    output = args.output or RESULTS_PATH
    write_results(figures, output, ways)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
