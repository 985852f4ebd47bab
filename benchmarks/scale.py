"""`make bench-scale`: the city term's cost curve, time and peak memory against the number of pupils.

    python -m benchmarks.scale                          # 1,000 / 2,000 / 4,000 pupils on both backends
    python -m benchmarks.scale --pupils 1000,10000 --backend anvil
    python -m benchmarks.scale --quick                  # 100 pupils, writes nothing unless --output

Each point is one whole `edu_city_term` run (set-up, 20 lessons, settlement, summary, every invariant) in a
fresh process of its own, so its peak memory is its own: the process's maximum resident set, and on anvil the
node's as well (its own process). Results: benchmarks/RESULTS_SCALE.md and benchmarks/scale.png (time and
memory per point, and the straight line through the largest point that says what 100,000 pupils would cost at
the same cost per pupil; an extrapolation, marked as one). Not part of `make bench`: the points take minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.backends import AnvilMissing, add_option, chosen

HERE = Path(__file__).resolve().parent
RESULTS_PATH = HERE / "RESULTS_SCALE.md"
PLOT_PATH = HERE / "scale.png"
TARGET_PUPILS = 100_000
TARGET_SECONDS = 600

# One run in a child process: prints its figures as one JSON line.
_CHILD = """
import json, resource, sys, time
from ecny_sim.pilot import run_scenario
from ecny_sim.run import scenario as scenarios
pupils, backend = int(sys.argv[1]), sys.argv[2]
s = scenarios.load("edu_city_term")
params = s.params(overrides={"pupils": pupils})
blocks = set()
class Blocks:
    def attach(self, sim):
        sim.chain.on_block.append(lambda b: blocks.add(b.number))
t0 = time.perf_counter()
result = run_scenario(s, params, 1, None, backend=backend, observers=[Blocks()])
wall = time.perf_counter() - t0
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
node = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
counts = result.summary.get("counts", {})
print(json.dumps({"pupils": pupils, "backend": backend, "wall_s": round(wall, 1), "outcome": result.outcome,
                  "transactions": counts.get("transactions", 0), "blocks": len(blocks),
                  "gas": result.summary.get("gas_used", {}).get("total", 0),
                  "peak_mb": round(own / 1024), "node_peak_mb": round(node / 1024) if backend == "anvil" else 0}))
"""


def measure(pupils: int, backend: str) -> dict[str, Any]:
    env = {**os.environ, "ECNY_SIM_AUTOCOMPILE": "0"}
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(pupils), backend], capture_output=True, text=True,
                          env=env)
    if proc.returncode != 0 or not proc.stdout.strip():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"edu_city_term at {pupils} pupils on {backend} failed: {tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def extrapolate(points: list[dict[str, Any]], backend: str) -> dict[str, float] | None:
    """Seconds and MB at TARGET_PUPILS at the largest point's cost per pupil (time and memory grow about
    linearly in pupils here: every pupil is a wallet, an order and 20 lesson records)."""
    mine = [p for p in points if p["backend"] == backend]
    if not mine:
        return None
    top = max(mine, key=lambda p: p["pupils"])
    factor = TARGET_PUPILS / top["pupils"]
    return {"wall_s": top["wall_s"] * factor, "peak_mb": (top["peak_mb"] + top["node_peak_mb"]) * factor}


def render(points: list[dict[str, Any]], command: str, skipped: str) -> str:
    load = os.getloadavg()
    lines = [
        "# ecny-sim benchmark: the city term's cost curve (edu_city_term)",
        "",
        f"- Date (UTC): {datetime.now(timezone.utc):%Y-%m-%d}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}",
        f"- Command: `{command}`; load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
        "- Each point: one whole run in a fresh process (set-up, 20 lessons, settlement, summary, every invariant).",
        "  Peak memory: the process's maximum resident set; on anvil also the node's (its own process).",
    ]
    if skipped:
        lines.append(f"- {skipped}")
    lines += ["", "| pupils | backend | transactions | blocks | gas | wall s | peak MB (node) | outcome |",
              "|---:|---|---:|---:|---:|---:|---:|---|"]
    for p in points:
        node = f" ({p['node_peak_mb']:,})" if p["backend"] == "anvil" else ""
        lines.append(f"| {p['pupils']:,} | {p['backend']} | {p['transactions']:,} | {p['blocks']:,} | "
                     f"{p['gas']:,} | {p['wall_s']:,.1f} | {p['peak_mb']:,}{node} | {p['outcome']} |")
    lines += ["", f"At {TARGET_PUPILS:,} pupils, at the largest point's cost per pupil (an extrapolation, not a run):",
              ""]
    for backend in ("pyevm", "anvil"):
        guess = extrapolate(points, backend)
        if guess is not None:
            verdict = "within" if guess["wall_s"] <= TARGET_SECONDS else "beyond"
            lines.append(f"- {backend}: about {guess['wall_s'] / 60:,.0f} minutes and {guess['peak_mb'] / 1024:,.1f} "
                         f"GB; {verdict} the target of {TARGET_SECONDS // 60} minutes.")
    lines += ["", "## Machine-readable", ""]
    for p in points:
        key = f"{p['backend']}_{p['pupils']}"
        lines += [f"wall_s_{key}: {p['wall_s']}", f"peak_mb_{key}: {p['peak_mb'] + p['node_peak_mb']}"]
    return "\n".join(lines) + "\n"


def plot(points: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for backend, colour in (("pyevm", "tab:blue"), ("anvil", "tab:orange")):
        mine = sorted((p for p in points if p["backend"] == backend), key=lambda p: p["pupils"])
        if not mine:
            continue
        xs = [p["pupils"] for p in mine]
        left.plot(xs, [p["wall_s"] for p in mine], "o-", color=colour, label=backend)
        right.plot(xs, [p["peak_mb"] + p["node_peak_mb"] for p in mine], "o-", color=colour, label=backend)
        guess = extrapolate(points, backend)
        if guess is not None:
            left.plot([xs[-1], TARGET_PUPILS], [mine[-1]["wall_s"], guess["wall_s"]], ":", color=colour,
                      label=f"{backend}, extrapolated")
            right.plot([xs[-1], TARGET_PUPILS], [mine[-1]["peak_mb"] + mine[-1]["node_peak_mb"], guess["peak_mb"]],
                       ":", color=colour, label=f"{backend}, extrapolated")
    left.axhline(TARGET_SECONDS, color="grey", linewidth=0.8, label="target: 10 minutes")
    for ax, title, unit in ((left, "Wall time", "seconds"), (right, "Peak memory", "MB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("pupils")
        ax.set_ylabel(unit)
        ax.set_title(f"edu_city_term: {title.lower()}")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--pupils", default="1000,2000,4000", help="comma-separated sizes (default 1000,2000,4000)")
    parser.add_argument("--quick", action="store_true", help="100 pupils; writes nothing unless --output")
    parser.add_argument("--output", type=Path, default=None,
                        help="the results file (default: benchmarks/RESULTS_SCALE.md)")
    add_option(parser)
    args = parser.parse_args(argv)
    try:
        sizes = [100] if args.quick else sorted(int(x.replace("_", "")) for x in args.pupils.split(","))
    except ValueError:
        parser.error(f"--pupils takes comma-separated whole numbers, not {args.pupils!r}")
    try:
        backends, skipped = chosen(args.backend)
    except AnvilMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    points = []
    started = time.perf_counter()
    for pupils in sizes:
        for backend in backends:  # each size on every backend before the next size: load falls on both alike
            point = measure(pupils, backend)
            print(f"[{time.perf_counter() - started:7.1f}s] {pupils:,} pupils on {backend}: {point['wall_s']} s, "
                  f"{point['peak_mb'] + point['node_peak_mb']} MB, {point['transactions']:,} transactions in "
                  f"{point['blocks']:,} blocks, {point['outcome']}", file=sys.stderr, flush=True)
            points.append(point)
    command = "python -m benchmarks.scale " + " ".join(argv if argv is not None else sys.argv[1:])
    report = render(points, command.strip(), skipped)
    print(report)
    output = args.output or (None if args.quick else RESULTS_PATH)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report, encoding="utf-8")
        plot(points, output.with_name(PLOT_PATH.name) if args.output else PLOT_PATH)
    return 0 if all(p["outcome"] == "ok" for p in points) else 1


if __name__ == "__main__":
    sys.exit(main())
