"""`make bench-memory`: does py-evm's memory grow with the number of transactions, or only with the state?

    python -m benchmarks.memory                       # 4,000 / 8,000 / 16,000 payments, swept and not
    python -m benchmarks.memory --payments 2000,4000  # other points; --quick: 300 and 600, nothing written
    python -m benchmarks.memory --sweep-min-entries 200000   # the simulator's own threshold (needs bigger points)

The workload keeps the state the same size while transactions pile up: 1,000 seeded wallets paying each other
¥1 at a time, 50 payments a block (a block a minute). Each point is a fresh process (its peak resident memory
is its own), run with py-evm's database swept as the simulator does (`chain/sweep.py`) and with sweeping
turned off. The sweep threshold is lowered to 20,000 entries (the simulator's is `SWEEP_MIN_ENTRIES`, 200,000,
about 17,000 of these payments) so that minutes of payments show what hours would. Figures: the database's
entries and bytes at the end, nodes swept, peak RSS, wall and CPU time. Results: benchmarks/RESULTS_MEMORY.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_PATH = HERE / "RESULTS_MEMORY.md"
WALLETS = 1_000
PER_BLOCK = 50
SWEEP_THRESHOLD = 20_000

# One point in a child process: prints its figures as one JSON line.
_CHILD = """
import json, random, resource, sys, time
from ecny_sim.chain import pyevm
from ecny_sim.pilot import Simulation
from ecny_sim.run import scenario as scenarios
payments, swept, wallets, per_block, threshold = (int(a) for a in sys.argv[1:6])
pyevm.SWEEP_MIN_ENTRIES = threshold if swept else 10**12
s = scenarios.load("edu_term")
p = s.params(test_scale=True)
began = time.perf_counter()
sim = Simulation(s, p, 1)
names = [f"parent:{i:05d}" for i in range(wallets)]
sim.token.seed_wallets({n: 10_000_00 for n in names})
rng = random.Random(1)
for i in range(payments):
    if i % per_block == 0:
        sim.advance(seconds=60)
    a, b = rng.sample(names, 2)
    sim.token.transfer(a, b, 100)
sim.chain.seal()
backend = sim.chain.backend
store = backend._store
print(json.dumps({"payments": payments, "swept_db": bool(swept), "entries": len(store),
                  "db_mb": round(sum(len(k) + len(v) for k, v in store.items()) / 2**20, 1),
                  "nodes_swept": backend.swept, "blocks": sim.chain.block_number,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "seconds": round(time.perf_counter() - began, 1), "cpu_s": round(time.process_time(), 1)}))
sim.chain.close()
"""


def measure(payments: int, swept: bool, threshold: int) -> dict:
    env = {**os.environ, "ECNY_SIM_AUTOCOMPILE": "0"}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(payments), str(int(swept)), str(WALLETS),
                          str(PER_BLOCK), str(threshold)], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"the point at {payments} payments failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--payments", default="4000,8000,16000", help="comma-separated points")
    parser.add_argument("--sweep-min-entries", type=int, default=SWEEP_THRESHOLD,
                        help=f"sweep once the database holds this many entries (default {SWEEP_THRESHOLD:,})")
    parser.add_argument("--quick", action="store_true", help="300 and 600 payments; writes nothing")
    args = parser.parse_args(argv)
    points = [300, 600] if args.quick else [int(x) for x in args.payments.split(",")]
    rows = []
    for n in points:
        for swept in (True, False):
            row = measure(n, swept, args.sweep_min_entries)
            rows.append(row)
            print(f"{n:>7,} payments  {'swept' if swept else 'kept '}  db {row['entries']:>9,} entries "
                  f"{row['db_mb']:>7.1f} MB  peak {row['peak_mb']:>5} MB  {row['seconds']:>7.1f} s  "
                  f"cpu {row['cpu_s']:>7.1f} s", flush=True)
    first, last = points[0], points[-1]

    def growth(swept: bool, key: str) -> float:
        a = next(r for r in rows if r["payments"] == first and r["swept_db"] == swept)[key]
        b = next(r for r in rows if r["payments"] == last and r["swept_db"] == swept)[key]
        return b / a if a else float("nan")
    ratio = {f"{key}_growth_{'swept' if s else 'kept'}": round(growth(s, key), 2)
             for key in ("db_mb", "peak_mb") for s in (True, False)}
    for key, value in ratio.items():
        print(f"{key}: {value}  ({first:,} -> {last:,} payments, x{last / first:g})")
    if args.quick:
        return 0
    lines = ["# py-evm memory against transactions (`make bench-memory`)", "",
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, load average {_load()} at the end; "
             f"{WALLETS:,} seeded wallets paying each other ¥1, {PER_BLOCK} payments a block; each point a fresh "
             f"process; swept once the database holds {args.sweep_min_entries:,} entries and twice as many as after "
             "the last sweep.", "",
             "| payments | database | entries | db MB | nodes swept | blocks | peak RSS MB | wall s | CPU s |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['payments']:,} | {'swept' if r['swept_db'] else 'kept whole'} | {r['entries']:,} | "
                     f"{r['db_mb']} | {r['nodes_swept']:,} | {r['blocks']} | {r['peak_mb']} | {r['seconds']} | "
                     f"{r['cpu_s']} |")
    lines += ["", *(f"- {k}: {v} ({first:,} -> {last:,} payments)" for k, v in ratio.items()), "",
              "CPU seconds are the point's own process time (other work on the machine does not inflate them); "
              "wall seconds are not comparable between points on a busy machine.", ""]
    RESULTS_PATH.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS_PATH.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
