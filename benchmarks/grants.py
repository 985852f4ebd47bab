"""Conditional-subsidy benchmark: gas per tranche, per purpose-bound payment and per clawback, and the time of a
whole special-funds programme at a given scale, on py-evm and on the anvil node side by side. Every figure is
read back from the runs' journals; every transaction's gas is compared between the backends.

    python -m benchmarks.grants                  # all 2,422 firms (¥616 million); writes benchmarks/RESULTS_GRANTS.md
    python -m benchmarks.grants --scale 0.1      # a tenth of the programme
    python -m benchmarks.grants --quick          # a smoke run, writes nothing unless --output
    python -m benchmarks.grants --backend pyevm  # one backend only (default: both; anvil skipped if missing)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from ecny_sim.pilot import run_scenario
from ecny_sim.run import scenario as scenarios

from .backends import AnvilMissing, EngineOf, Stopwatch, add_option, chosen, same_gas, suffix

HERE = Path(__file__).resolve().parent

#: (contract function, event counted per unit, row label): gas per unit = a transaction's gas / its events.
OPERATIONS = (
    ("admitFirms", "FirmAdmitted", "admission, per firm (3 tranches, batches of 40)"),
    ("attestMilestones", "TranchePaid", "tranche paid on an attested milestone, per tranche (batches of 60)"),
    ("spend", "GrantSpent", "purpose-bound payment of grant money"),
    ("recordBreach", "GrantClawedBack", "clawback: principal + interest, unspent money returned"),
    ("attestMilestones", "TrancheWithheld", "tranche withheld against a debt"),
    ("repay", "DebtRepaid", "debt repaid from own money"),
    ("create", "PaymentCreated", "conditional payment created (deposit earmarked)"),
    ("confirm", "PaymentReleased", "conditional payment released"),
    ("reclaim", "PaymentReturned", "conditional payment returned after its deadline"),
    ("fundPayroll", "WageAssigned", "pay run funded, per worker"),
    ("payWages", "WagePaid", "wage paid, per worker"),
)


SCENARIOS = ("sme_relocation_clawback", "grant_purpose_binding", "car_prepayment", "wage_passthrough")


def run(name: str, overrides: dict, out: Path, backend: str = "pyevm") -> tuple[dict, list[dict], Stopwatch, str]:
    """One scenario run: its summary, its successful transactions, its times (CPU counts the anvil node's
    process) and the engine that ran it."""
    s = scenarios.load(name)
    engine = EngineOf()
    with Stopwatch() as took:
        result = run_scenario(s, s.params(overrides), seed=1, out_dir=out / name, observers=[engine], backend=backend)
    if result.outcome != "ok":
        raise SystemExit(f"{name} failed on {backend}: {result.message}")
    lines = [json.loads(x) for x in (out / name / "journal.jsonl").read_text().splitlines()]
    txs = [x for x in lines if x.get("type") == "tx"]
    return result.summary, [x for x in txs if x["status"] == 1], took, engine.name


def run_all(scale: float, backends: list[str]) -> dict[str, dict]:
    """The programme at `scale` and the four scenarios at their defaults, on each backend: each scenario runs
    on every backend in turn before the next, so load from other work falls on the backends alike."""
    runs: dict[str, dict] = {b: {"gas": {}, "invariants": True} for b in backends}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("sme_special_funds", *SCENARIOS):
            for b in backends:
                summary, txs, took, engine = run(name, {"scale": scale} if name == "sme_special_funds" else {},
                                                 Path(tmp) / b, b)
                r = runs[b]
                r["gas"][name] = [(x["function"], x["gas_used"]) for x in txs]
                r["invariants"] &= all(summary["invariants"].values())
                if name == "sme_special_funds":
                    r |= {"programme": summary, "per": gas_per_unit(txs), "took": took, "engine": engine}
                else:
                    for label, values in gas_per_unit(txs).items():
                        r["per"][label].extend(values)
    return runs


def gas_per_unit(txs: list[dict]) -> dict[str, list[float]]:
    per: dict[str, list[float]] = defaultdict(list)
    for tx in txs:
        for function, event, label in OPERATIONS:
            units = sum(1 for e in tx["events"] if e["name"] == event)
            if tx["function"] == function and units:
                per[label].extend([tx["gas_used"] / units] * units)
    return per


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--quick", action="store_true", help="scale 0.01, and write only to --output")
    ap.add_argument("--output", type=Path)
    add_option(ap)
    args = ap.parse_args(argv)
    try:
        backends, skipped = chosen(args.backend)
    except AnvilMissing as exc:
        print(f"benchmarks.grants: {exc}", file=sys.stderr)
        return exc.code
    scale = 0.01 if args.quick else args.scale
    load = os.getloadavg()
    runs = run_all(scale, backends)
    for name in ("sme_special_funds", *SCENARIOS):
        same_gas(name, {b: runs[b]["gas"][name] for b in backends})
    first = runs[backends[0]]
    programme, per = first["programme"], first["per"]
    for b in backends:
        if runs[b]["programme"]["counts"] != programme["counts"] or not runs[b]["invariants"]:
            raise RuntimeError(f"sme_special_funds on {b}: counts differ from {backends[0]}'s or an invariant broke")
    c, t = programme["counts"], programme["totals"]
    figures = {
        "backends": ",".join(backends),
        "anvil_version": runs["anvil"]["engine"].split()[-1] if "anvil" in runs else "skipped",
        "scale": scale,
        "firms": c["grants"],
        "budget_fen": t["budget_fen"],
        "tranches_paid": c["tranches_paid"],
        "grant_payments": c["grant_payments"],
        "transactions": c["transactions"],
    }
    for b in backends:
        took = runs[b]["took"]
        figures |= {
            f"programme_wall_s{suffix(b)}": round(took.wall, 1),
            f"programme_cpu_s{suffix(b)}": round(took.cpu, 1),
            f"transactions_per_cpu_s{suffix(b)}": round(c["transactions"] / took.cpu, 1),
        }
    if len(backends) > 1:
        figures |= {"anvil_vs_pyevm_programme_wall": round(runs["pyevm"]["took"].wall / runs["anvil"]["took"].wall, 2),
                    "anvil_vs_pyevm_programme_cpu": round(runs["pyevm"]["took"].cpu / runs["anvil"]["took"].cpu, 2)}
    figures |= {
        "gas_per_tranche_median": round(statistics.median(per[OPERATIONS[1][2]])),
        "gas_per_purpose_bound_payment_median": round(statistics.median(per[OPERATIONS[2][2]])),
        "gas_per_clawback": round(statistics.median(per[OPERATIONS[3][2]])),
        "invariants_hold": all(r["invariants"] for r in runs.values()),
    }
    for key, value in figures.items():
        print(f"{key}: {value}")
    rows = [f"| {label} | {len(per[label])} | {min(per[label]):,.0f} | {statistics.median(per[label]):,.0f} | "
            f"{max(per[label]):,.0f} |" for _, _, label in OPERATIONS if per[label]]
    timed = [f"{runs[b]['engine']}: {runs[b]['took'].wall:.1f} s wall / {runs[b]['took'].cpu:.1f} s CPU"
             for b in backends]
    command = "python -m benchmarks.grants" + (" --quick" if args.quick else f" --scale {scale:g}")
    text = "\n".join([
        "# ecny-sim benchmark: grants, purpose-bound money, clawback, conditional payments, wages",
        "",
        f"- Date (UTC): {time.strftime('%Y-%m-%d', time.gmtime())}",
        f"- Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
        f"load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
        f"- Chain backends: {', '.join(r['engine'] for r in runs.values())}" + (f"; {skipped}" if skipped else ""),
        f"- Command: `{command}{'' if args.backend == 'both' else f' --backend {args.backend}'}`",
        "",
        f"sme_special_funds at scale {scale:g}: {c['grants']:,} firms, ¥{t['budget_fen'] // 100:,} budget, "
        f"{c['tranches_paid']:,} tranches, {c['grant_payments']:,} purpose-bound payments, "
        f"{c['transactions']:,} transactions in {'; '.join(timed)}"
        + (f" (anvil {figures['anvil_vs_pyevm_programme_wall']:.2f}× faster by wall time, "
           f"{figures['anvil_vs_pyevm_programme_cpu']:.2f}× by CPU time, the node's process included)"
           if len(backends) > 1 else "")
        + f"; every invariant held: {figures['invariants_hold']}.",
        "",
        "## Figures",
        "",
        *[f"- {k}: {v}" for k, v in figures.items()],
        "",
        "## Gas per operation",
        "",
        "Transaction gas (21,000 base included) divided by the units the transaction settled; from the programme "
        "run and the four scenarios sme_relocation_clawback, grant_purpose_binding, car_prepayment and "
        "wage_passthrough at their defaults"
        + (" (the same on both backends: every transaction's gas is compared)." if len(backends) > 1 else "."),
        "",
        "| operation | units | min | median | max |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
    ])
    target = args.output or (None if args.quick else HERE / "RESULTS_GRANTS.md")
    if target is not None:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
