"""Red-packet campaign benchmark: claims per second, gas per claim and per split payment, and the time of a
whole Luohu 2020 replay at a given scale, on py-evm and on the anvil node side by side.

    python -m benchmarks.campaign                 # scale 0.02 (make bench), writes benchmarks/RESULTS_CAMPAIGN.md
    python -m benchmarks.campaign --scale 1       # the full campaign (make bench-full), RESULTS_LUOHU_FULL.md
    python -m benchmarks.campaign --quick         # a smoke run, writes nothing unless --output
    python -m benchmarks.campaign --backend pyevm # one backend only (default: both; anvil skipped if missing)
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
from pathlib import Path

from ecny_sim.chain.clock import HOUR, parse_beijing
from ecny_sim.domain.redpacket import Campaign, MerchantRegistry
from ecny_sim.pilot import Simulation, run_scenario
from ecny_sim.run import scenario as scenarios

from .backends import AnvilMissing, EngineOf, Stopwatch, add_option, chosen, same_gas, suffix

HERE = Path(__file__).resolve().parent


def claims_per_second(winners: int, backend: str = "pyevm") -> dict[str, float]:
    """The same claims sent one per block and in shared blocks of 60."""
    rates = {}
    for mode in ("one_per_block", "batched"):
        s = scenarios.load("redpacket_rules")  # any scenario: only its Params (start) are used
        sim = Simulation(s, s.params(), seed=1, backend=backend)
        try:
            registry = MerchantRegistry(sim)
            start = parse_beijing("2020-10-12 18:00")
            names = [f"winner:{i:05d}" for i in range(winners)]
            campaign = Campaign(sim, funder="government:luohu", registry=registry, start=start,
                                expiry=start + 6 * 24 * HOUR, packets=[(n, 20_000) for n in names])
            sim.token.open_wallet("government:luohu", "corporate", winners * 20_000)
            campaign.fund(winners * 20_000)
            for i in range(0, winners, 200):
                sim.token.open_wallets(names[i:i + 200])
            sim.at(start)
            began = time.perf_counter()
            if mode == "one_per_block":
                for n in names:
                    campaign.claim(n)
            else:
                for i in range(0, winners, 60):
                    sim.send_batch([campaign.claim_call(n) for n in names[i:i + 60]])
            rates[mode] = winners / (time.perf_counter() - began)
            assert campaign.totals()["claims"] == winners
        finally:
            sim.chain.close()
    return rates


def replay(scale: float, backend: str = "pyevm") -> tuple[dict, list[tuple[str, int]]]:
    """One whole Luohu 2020 replay; gas figures read back from its journal, with every transaction's
    (function, gas) for the comparison between backends. CPU time counts the anvil node's process."""
    s = scenarios.load("redpacket_luohu_2020")
    params = s.params({"scale": scale})
    engine = EngineOf()
    with tempfile.TemporaryDirectory() as tmp:
        with Stopwatch() as took:
            result = run_scenario(s, params, seed=1, out_dir=Path(tmp), observers=[engine], backend=backend)
        assert result.outcome == "ok", result.message
        claims, packet_only, packet_and_own, own_only, sweep, gas = [], [], [], [], [], []
        for line in (Path(tmp) / "journal.jsonl").read_text().splitlines():
            r = json.loads(line)
            if r.get("type") != "tx":
                continue
            gas.append((r["function"], r["gas_used"]))
            if r["function"] == "claim":
                claims.append(r["gas_used"])
            elif r["function"] == "pay":
                paid = next(e["args"] for e in r["events"] if e["name"] == "PurchasePaid")
                bucket = packet_and_own if paid["ownFen"] and paid["packetFen"] else (
                    own_only if paid["ownFen"] else packet_only)
                bucket.append(r["gas_used"])
            elif r["function"] == "sweep":
                sweep.append(r["gas_used"])
    summary = result.summary
    return {
        "engine": engine.name,
        "scale": scale,
        "transactions": summary["counts"]["transactions"],
        "claims": summary["counts"]["claimed_packets"],
        "payments": summary["counts"]["payments"],
        "wall_s": took.wall,
        "cpu_s": took.cpu,
        "node_cpu_s": took.child_cpu,
        "tx_per_s": summary["counts"]["transactions"] / took.wall,
        "gas_per_claim_median": statistics.median(claims),
        "gas_per_payment_packet_only_median": statistics.median(packet_only) if packet_only else 0,
        "gas_per_payment_packet_and_own_median": statistics.median(packet_and_own) if packet_and_own else 0,
        "gas_sweep": sweep[0],
        "swept_fen": summary["totals"]["swept_fen"],
        "invariants_hold": all(summary["invariants"].values()),
    }, gas


#: the figures that are the same on every backend (checked), from the first backend's run
SHARED = ("scale", "transactions", "claims", "payments", "gas_per_claim_median", "gas_per_payment_packet_only_median",
          "gas_per_payment_packet_and_own_median", "gas_sweep", "swept_fen", "invariants_hold")
#: the figures each backend has its own of
TIMED = ("wall_s", "cpu_s", "node_cpu_s", "tx_per_s")


def render(figures: dict[str, dict], rates: dict[str, dict], command: str, skipped: str = "") -> str:
    backends = list(figures)
    f = figures[backends[0]]
    engines = [figures[b]["engine"] for b in backends]
    both = len(backends) > 1

    def cells(values: list[float], fmt: str, higher_is_faster: bool = True) -> str:
        out = [format(v, fmt) for v in values]
        if both:
            out.append(f"{(values[1] / values[0] if higher_is_faster else values[0] / values[1]):.2f}×")
        return " | ".join(out)

    load = os.getloadavg()
    lines = [
        "# Red-packet campaign benchmark",
        "",
        f"Measured {time.strftime('%Y-%m-%d', time.gmtime())} on {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {load[0]:.2f} at the end. Command: `{command}`.",
        f"Chain backends: {', '.join(engines)}" + (f"; {skipped}" if skipped else "") + ".",
        "",
        f"Luohu 2020 replay at scale {f['scale']}: {f['transactions']:,} transactions, {f['claims']:,} claims, "
        f"{f['payments']:,} payments; every invariant held: {'yes' if f['invariants_hold'] else 'NO'}.",
        "",
        "| timed figure | " + " | ".join(engines) + (" | anvil vs py-evm |" if both else " |"),
        "|---|" + "---:|" * (len(backends) + both),
        "| replay, wall time (s) | " + cells([figures[b]["wall_s"] for b in backends], ".1f", False) + " |",
        "| replay, CPU time (s): this process + the node | "
        + cells([figures[b]["cpu_s"] for b in backends], ".1f", False) + " |",
        "| transactions per second (whole replay) | "
        + cells([figures[b]["tx_per_s"] for b in backends], ".0f") + " |",
        "| claims per second, one per block | " + cells([rates[b]["one_per_block"] for b in backends], ".0f") + " |",
        "| claims per second, in shared blocks of 60 | " + cells([rates[b]["batched"] for b in backends], ".0f") + " |",
        "",
        *(["The anvil vs py-evm column is how many times faster anvil is (time ratio py-evm / anvil, rate ratio "
           "anvil / py-evm). CPU time on anvil adds the node's own process, which this process starts and stops.",
           ""] if both else []),
        "| gas figure" + (" (the same on every backend: every transaction's gas is compared)" if both else "")
        + " | value |",
        "|---|---:|",
        f"| gas per claim (median) | {f['gas_per_claim_median']:,.0f} |",
        f"| gas per payment, packet money only (median) | {f['gas_per_payment_packet_only_median']:,.0f} |",
        f"| gas per split payment, packet + own money (median) | {f['gas_per_payment_packet_and_own_median']:,.0f} |",
        f"| gas of the expiry sweep (any number of winners) | {f['gas_sweep']:,} |",
        f"| swept back to the funder | {f['swept_fen']:,} fen |",
        "",
        "A claim writes fresh storage for the winner (its earmark, the claimed leaf, the per-person count), hence",
        "its gas; payments from the second on are cheaper. Claims and payments of a replay share blocks of up to",
        "60 transactions within 15 minutes of scenario time (`Chain.send_batch`), each applied in order.",
        "",
        "```",
        f"backends: {','.join(backends)}",
        f"anvil_version: {figures['anvil']['engine'].split()[-1] if 'anvil' in figures else 'skipped'}",
        *(f"{k}: {f[k]}" for k in SHARED),
    ]
    for b in backends:
        lines += [f"{k}{suffix(b)}: {round(figures[b][k], 2)}" for k in TIMED]
        lines += [f"claims_per_s_one_per_block{suffix(b)}: {rates[b]['one_per_block']:.1f}",
                  f"claims_per_s_batched{suffix(b)}: {rates[b]['batched']:.1f}"]
    if both:
        lines += [f"anvil_vs_pyevm_replay_wall: {figures['pyevm']['wall_s'] / figures['anvil']['wall_s']:.2f}",
                  f"anvil_vs_pyevm_replay_cpu: {figures['pyevm']['cpu_s'] / figures['anvil']['cpu_s']:.2f}"]
    lines += ["```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.campaign", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--quick", action="store_true", help="scale 0.002 and 60 claims; writes nothing by default")
    parser.add_argument("--output", type=Path, default=None)
    add_option(parser)
    args = parser.parse_args(argv)
    try:
        backends, skipped = chosen(args.backend)
    except AnvilMissing as exc:
        print(f"benchmarks.campaign: {exc}", file=sys.stderr)
        return exc.code
    scale = 0.002 if args.quick else args.scale
    rates, figures, gas = {}, {}, {}
    for b in backends:
        rates[b] = claims_per_second(60 if args.quick else 600, b)
    for b in backends:
        figures[b], gas[b] = replay(scale, b)
    same_gas(f"the Luohu replay at scale {scale}", gas)
    for b in backends:
        differ = [k for k in SHARED if figures[b][k] != figures[backends[0]][k]]
        if differ:
            raise RuntimeError(f"the Luohu replay on {b} differs from {backends[0]} in {', '.join(differ)}")
    command = "python -m benchmarks.campaign " + " ".join(argv if argv is not None else sys.argv[1:])
    text = render(figures, rates, command.strip(), skipped)
    print(text)
    output = args.output or (None if args.quick else
                             HERE / ("RESULTS_LUOHU_FULL.md" if scale == 1 else "RESULTS_CAMPAIGN.md"))
    if output is not None:
        output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
