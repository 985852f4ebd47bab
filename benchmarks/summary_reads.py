"""How long the summary takes at city size: its reads of every wallet, on each backend.

    python -m benchmarks.summary_reads                        # 5,000 and 20,000 wallets, py-evm and anvil
    python -m benchmarks.summary_reads --wallets 2000 --backend pyevm
    python -m benchmarks.summary_reads --write                # also writes benchmarks/RESULTS_SUMMARY_READS.md

A run's summary reads every wallet the token opened (two views each), every order and institution, and
compares them with the events; at 50,000 transactions that is tens of thousands of reads. The workload here:
N parents' wallets seeded with ¥100,000 each, then N/10 payments between them (one block a minute, 50 a
block), then `build_summary` exactly as a run builds it, timed alone. Each point is a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS_SUMMARY_READS.md")

_CHILD = r"""
import json, random, sys, time
from ecny_sim.pilot import Simulation
from ecny_sim.read.summary import build_summary
from ecny_sim.run import scenario as scenarios
wallets, backend = int(sys.argv[1]), sys.argv[2]
s = scenarios.load("edu_term")
sim = Simulation(s, s.params(test_scale=True), 1, backend=backend)
try:
    names = [f"parent:{i:06d}" for i in range(wallets)]
    sim.token.seed_wallets({n: 10_000_000 for n in names})
    rng = random.Random(1)
    for i in range(wallets // 10):
        if i % 50 == 0:
            sim.advance(seconds=60)
        a, b = rng.sample(names, 2)
        sim.token.transfer(a, b, 100)
    sim.chain.seal()
    reads = []
    call_many = sim.chain.call_many
    sim.chain.call_many = lambda r, **k: reads.append(len(r := list(r))) or call_many(r, **k)
    began, cpu = time.perf_counter(), time.process_time()
    summary = build_summary(sim, "ok")
    took, cpu_s = time.perf_counter() - began, time.process_time() - cpu
    assert all(summary["invariants"].values()), summary["invariants"]
    print(json.dumps({"wallets": wallets, "backend": backend, "reads": sum(reads), "s": round(took, 2),
                      "cpu_s": round(cpu_s, 2), "ms_per_read": round(took / sum(reads) * 1000, 3)}))
finally:
    sim.chain.close()
"""


def measure(wallets: int, backend: str) -> dict:
    env = {**os.environ, "ECNY_SIM_AUTOCOMPILE": "0"}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(wallets), backend], capture_output=True, text=True,
                         env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{wallets} wallets on {backend} failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.summary_reads", description=__doc__.splitlines()[0])
    parser.add_argument("--wallets", default="5000,20000", help="comma-separated points")
    parser.add_argument("--backend", choices=("pyevm", "anvil", "both"), default="both")
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS_SUMMARY_READS.md")
    args = parser.parse_args(argv)
    backends = ("pyevm", "anvil") if args.backend == "both" else (args.backend,)
    rows = []
    for wallets in (int(w) for w in args.wallets.split(",")):
        for backend in backends:
            got = measure(wallets, backend)
            rows.append(got)
            print(f"{wallets:,} wallets on {backend}: {got['reads']:,} reads in {got['s']} s "
                  f"({got['ms_per_read']} ms a read)", flush=True)
    table = ["| wallets | backend | reads | summary s | CPU s (this process) | ms a read |",
             "|---:|---|---:|---:|---:|---:|"]
    table += [f"| {r['wallets']:,} | {r['backend']} | {r['reads']:,} | {r['s']} | {r['cpu_s']} | {r['ms_per_read']} |"
              for r in rows]
    print("\n".join(table))
    if args.write:
        RESULTS.write_text("# The summary's reads at city size (`python -m benchmarks.summary_reads`)\n\n"
                           + "\n".join(table) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
