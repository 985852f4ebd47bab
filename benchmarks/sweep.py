"""`make bench-sweep`: what a sweep on Dask costs and gains against running the same points one after another.

    python -m benchmarks.sweep                 # 8 runs of edu_abscond at its defaults (about 10 s each)
    python -m benchmarks.sweep --runs 4        # fewer
    python -m benchmarks.sweep --quick         # 2 test-scale runs; writes nothing unless --output

Three ways of running the same N points (seeds 1..N of one scenario's defaults):
- one process: a fresh Python process that runs them with `pilot.run_scenario`, one after another, nothing else;
- `sweep` on a LocalCluster of 1 worker: the sweep's whole machinery (Dask, rows, parquet parts, the table);
- the same with the worker on Dask's own settings (runner.QUIET_WORKERS undone): what the sweep's settings save;
- `sweep` on a LocalCluster of 2 workers (this machine's cores).
Figures: the cluster's start and stop (paid once per sweep), the runs' wall time, the speed-up of 2 workers over
one process, and the per-run overhead of the sweep (1 worker against one process, divided by N) as a share of a
run, in wall time and in CPU time (a run's own process's, which a busy machine inflates less). The machine's
load is measured too (1-minute load average before and after, and the share of both cores
busy during each phase, from /proc/stat): the figures mean little on a busy machine, and say so.
Results: benchmarks/RESULTS_SWEEP.md.
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
RESULTS_PATH = HERE / "RESULTS_SWEEP.md"

# The baseline in a process of its own: the same runs, one after another, and nothing else.
_CHILD = """
import json, sys, time
import ecny_sim.chain.pyevm  # what the sweep's workers import as the cluster starts, before any point
from ecny_sim.pilot import run_scenario
from ecny_sim.run import scenario as scenarios
name, runs, test_scale = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
s = scenarios.load(name)
params = s.params(test_scale=test_scale)
times, cpu = [], []
began = time.perf_counter()
for seed in range(1, runs + 1):
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_scenario(s, params, seed, None)
    assert result.outcome == "ok", result.message
    times.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
print(json.dumps({"total_s": time.perf_counter() - began, "run_s": times, "cpu_s": cpu}))
"""


def busy_share() -> tuple[int, int]:
    """(busy, total) jiffies of all cores so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class Phase:
    """Wall time and the machine's busy share over a block."""

    def __enter__(self) -> Phase:
        self.began, self.cpu = time.perf_counter(), busy_share()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.began
        busy, total = busy_share()
        self.busy = (busy - self.cpu[0]) / max(total - self.cpu[1], 1)


def baseline(scenario: str, runs: int, test_scale: bool) -> dict[str, Any]:
    env = {**os.environ, "ECNY_SIM_AUTOCOMPILE": "0"}
    with Phase() as phase:
        out = subprocess.run([sys.executable, "-c", _CHILD, scenario, str(runs), "1" if test_scale else "0"],
                             capture_output=True, text=True, env=env, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    return {**figures, "busy": phase.busy}


def on_cluster(scenario: str, runs: int, test_scale: bool, workers: int,
               dask_defaults: bool = False) -> dict[str, Any]:
    """The sweep on a LocalCluster of ``workers``; ``dask_defaults``: its workers with Dask's own settings instead of
    the sweep's (runner.QUIET_WORKERS), to see what those are worth."""
    from ecny_sim.study import runner
    from ecny_sim.study.plan import Study

    study = Study.build(scenario, seeds=f"1..{runs}", test_scale=test_scale)
    quiet = runner.QUIET_WORKERS
    with tempfile.TemporaryDirectory(prefix="ecny-bench-sweep-") as scratch:
        out = Path(scratch) / "sweep"
        tasks = runner.prepare(study, out, resume=False, keep_journals=False)
        executor = runner.open_executor(workers)
        with Phase() as start:
            runner.QUIET_WORKERS = {} if dask_defaults else quiet
            try:
                execute = executor.__enter__()
            finally:
                runner.QUIET_WORKERS = quiet
        try:
            with Phase() as running:
                finished, _ = runner.execute_study(study, out, execute, tasks, keep_journals=False)
        finally:
            with Phase() as stop:
                executor.__exit__(None, None, None)
        rows = finished.table().to_pylist()
    assert all(r["ok"] for r in rows), [r["message"] for r in rows if not r["ok"]]
    return {"start_s": start.seconds, "runs_s": running.seconds, "stop_s": stop.seconds, "busy": running.busy,
            "run_s": [r["run_seconds"] for r in rows], "cpu_s": [r["cpu_seconds"] for r in rows],
            "outside_s": running.seconds - sum(r["run_seconds"] for r in rows)}


def measure(scenario: str, runs: int, test_scale: bool) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    one = baseline(scenario, runs, test_scale)
    w1 = on_cluster(scenario, runs, test_scale, 1)
    w1d = on_cluster(scenario, runs, test_scale, 1, dask_defaults=True)
    w2 = on_cluster(scenario, runs, test_scale, 2)
    per_run = one["total_s"] / runs
    overhead = (w1["runs_s"] - one["total_s"]) / runs
    return {
        "scenario": scenario, "runs": runs, "test_scale": test_scale, "cores": os.cpu_count(),
        "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
        "one_process_s": round(one["total_s"], 2), "run_mean_s": round(per_run, 2),
        "one_process_busy": round(one["busy"], 2),
        "w1_start_s": round(w1["start_s"], 2), "w1_runs_s": round(w1["runs_s"], 2), "w1_busy": round(w1["busy"], 2),
        "w2_start_s": round(w2["start_s"], 2), "w2_runs_s": round(w2["runs_s"], 2), "w2_stop_s": round(w2["stop_s"], 2),
        "w2_busy": round(w2["busy"], 2),
        "speedup_2_workers": round(one["total_s"] / w2["runs_s"], 2),
        "speedup_2_workers_with_start": round(one["total_s"] / (w2["start_s"] + w2["runs_s"] + w2["stop_s"]), 2),
        "dispatch_per_run_s": round(w1["outside_s"] / runs, 3),
        "run_cpu_mean_s": round(sum(one["cpu_s"]) / runs, 3),
        "w1_run_cpu_mean_s": round(sum(w1["cpu_s"]) / runs, 3),
        "cpu_overhead_share": round(sum(w1["cpu_s"]) / sum(one["cpu_s"]) - 1, 4),
        "w1_dask_defaults_runs_s": round(w1d["runs_s"], 2), "w1_dask_defaults_busy": round(w1d["busy"], 2),
        "w1_dask_defaults_run_cpu_mean_s": round(sum(w1d["cpu_s"]) / runs, 3),
        "cpu_overhead_share_dask_defaults": round(sum(w1d["cpu_s"]) / sum(one["cpu_s"]) - 1, 4),
        "overhead_share_dask_defaults": round((w1d["runs_s"] - one["total_s"]) / runs / per_run, 4),
        "overhead_per_run_s": round(overhead, 3), "overhead_share": round(overhead / per_run, 4),
        "overhead_with_start_share": round((overhead + (w1["start_s"] + w1["stop_s"]) / runs) / per_run, 4),
    }


def write_results(figures: dict[str, Any], path: Path) -> None:
    f = figures
    lines = [
        "# Sweep benchmark (`make bench-sweep`, benchmarks/sweep.py)",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {f['cores']} cores: {f['runs']} runs of "
        f"`{f['scenario']}`{' (test scale)' if f['test_scale'] else ' at its defaults'}, seeds 1..{f['runs']}, on "
        "py-evm.",
        "",
        f"Machine load: 1-minute load average {f['load_before']} before, {f['load_after']} after; both cores' busy "
        f"share during the phases: one process {f['one_process_busy']:.0%}, 1 worker {f['w1_busy']:.0%} (with "
        f"Dask's settings {f['w1_dask_defaults_busy']:.0%}), 2 workers {f['w2_busy']:.0%} (a share above what the "
        "phase itself uses is other people's work).",
        *([] if min(f["one_process_busy"], f["w1_busy"], f["w2_busy"]) < 0.95 else [
            "", "**The machine was saturated by other work in every phase** (both cores busy while one process or one "
            "worker ran): the wall times, the speed-up and the overhead in wall time measure the sharing as much as "
            "the sweep; the CPU times below hold better."]),
        "",
        "| way | start (s) | runs (s) | per run (s) |",
        "|---|---:|---:|---:|",
        f"| one process, one run after another | - | {f['one_process_s']} | {f['run_mean_s']} |",
        f"| sweep, LocalCluster of 1 worker | {f['w1_start_s']} | {f['w1_runs_s']} | "
        f"{f['w1_runs_s'] / f['runs']:.2f} |",
        f"| the same, its worker with Dask's own settings | - | {f['w1_dask_defaults_runs_s']} | "
        f"{f['w1_dask_defaults_runs_s'] / f['runs']:.2f} |",
        f"| sweep, LocalCluster of 2 workers | {f['w2_start_s']} | {f['w2_runs_s']} | "
        f"{f['w2_runs_s'] / f['runs']:.2f} |",
        "",
        f"- speed-up of 2 workers over one process: **{f['speedup_2_workers']}x** on the runs "
        f"({f['speedup_2_workers_with_start']}x counting the cluster's start and stop); aim >= 1.8x.",
        f"- the sweep's overhead per run (1 worker against one process): **{f['overhead_per_run_s']} s, "
        f"{f['overhead_share']:.1%} of a run** ({f['overhead_with_start_share']:.1%} with the cluster's start and "
        f"stop shared over the runs), of which {f['dispatch_per_run_s']} s outside the runs themselves (Dask's "
        "dispatch, the row, the parquet part); aim <= 5 %.",
        f"- in CPU time, which other people's work on the machine inflates less than wall time: a run takes "
        f"{f['run_cpu_mean_s']} s of CPU in one process and {f['w1_run_cpu_mean_s']} s in a sweep's worker "
        f"(**{f['cpu_overhead_share']:+.1%}**); with Dask's own settings for the worker (its profiler sampling "
        f"every 10 ms, a 20-ms tick, malloc trimmed at 64 KiB: the sweep's QUIET_WORKERS undone) "
        f"{f['w1_dask_defaults_run_cpu_mean_s']} s ({f['cpu_overhead_share_dask_defaults']:+.1%}; in wall time "
        f"{f['overhead_share_dask_defaults']:+.1%} of a run).",
        "",
        "```json",
        json.dumps(figures, indent=2, sort_keys=True),
        "```",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="edu_abscond")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="2 test-scale runs; nothing written unless --output")
    parser.add_argument("--output", type=Path, default=None, help=f"results file [default: {RESULTS_PATH.name}]")
    args = parser.parse_args(argv)
    runs = 2 if args.quick else args.runs
    figures = measure(args.scenario, runs, test_scale=args.quick)
    print(json.dumps(figures, indent=2, sort_keys=True))
    output = args.output or (None if args.quick else RESULTS_PATH)
    if output is not None:
        write_results(figures, output)
        print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
