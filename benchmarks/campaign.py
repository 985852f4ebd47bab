"""Red-packet campaign benchmark: claims per second, gas per claim and per split payment, and the time of a
whole Luohu 2020 replay at a given scale.

    python -m benchmarks.campaign                 # scale 0.02 (make bench), writes benchmarks/RESULTS_CAMPAIGN.md
    python -m benchmarks.campaign --scale 1       # the full campaign (make bench-full), RESULTS_LUOHU_FULL.md
    python -m benchmarks.campaign --quick         # a smoke run, writes nothing unless --output
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

from ecny_sim.run import scenario as scenarios
from ecny_sim.chain.clock import HOUR, parse_beijing
from ecny_sim.pilot import Simulation, run_scenario
from ecny_sim.domain.redpacket import Campaign, MerchantRegistry

HERE = Path(__file__).resolve().parent


def claims_per_second(winners: int) -> dict[str, float]:
    """The same claims sent one per block and in shared blocks of 60."""
    rates = {}
    for mode in ("one_per_block", "batched"):
        s = scenarios.load("redpacket_rules")  # any scenario: only its Params (start) are used
        sim = Simulation(s, s.params(), seed=1)
        registry = MerchantRegistry(sim)
        start = parse_beijing("2020-10-12 18:00")
        names = [f"winner:{i:05d}" for i in range(winners)]
        campaign = Campaign(sim, funder="government:luohu", registry=registry, start=start, expiry=start + 6 * 24 * HOUR,
                            packets=[(n, 20_000) for n in names])
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
    return rates


def replay(scale: float) -> dict:
    """One whole Luohu 2020 replay; gas figures read back from its journal."""
    s = scenarios.load("redpacket_luohu_2020")
    params = s.params({"scale": scale})
    with tempfile.TemporaryDirectory() as tmp:
        began, cpu = time.perf_counter(), time.process_time()
        result = run_scenario(s, params, seed=1, out_dir=Path(tmp))
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        assert result.outcome == "ok", result.message
        claims, packet_only, packet_and_own, own_only, sweep = [], [], [], [], []
        for line in (Path(tmp) / "journal.jsonl").read_text().splitlines():
            r = json.loads(line)
            if r.get("type") != "tx":
                continue
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
        "scale": scale,
        "transactions": summary["counts"]["transactions"],
        "claims": summary["counts"]["claimed_packets"],
        "payments": summary["counts"]["payments"],
        "wall_s": wall,
        "cpu_s": cpu,
        "tx_per_s": summary["counts"]["transactions"] / wall,
        "gas_per_claim_median": statistics.median(claims),
        "gas_per_payment_packet_only_median": statistics.median(packet_only) if packet_only else 0,
        "gas_per_payment_packet_and_own_median": statistics.median(packet_and_own) if packet_and_own else 0,
        "gas_sweep": sweep[0],
        "swept_fen": summary["totals"]["swept_fen"],
        "invariants_hold": all(summary["invariants"].values()),
    }


def render(figures: dict, rates: dict, command: str) -> str:
    load = os.getloadavg()
    lines = [
        "# Red-packet campaign benchmark",
        "",
        f"Measured {time.strftime('%Y-%m-%d', time.gmtime())} on {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {load[0]:.2f} at the end. Command: `{command}`.",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| Luohu 2020 replay at scale {figures['scale']} | {figures['transactions']:,} transactions, "
        f"{figures['claims']:,} claims, {figures['payments']:,} payments |",
        f"| wall time / CPU time | {figures['wall_s']:.1f} s / {figures['cpu_s']:.1f} s |",
        f"| transactions per second (whole replay) | {figures['tx_per_s']:.0f} |",
        f"| claims per second, one per block | {rates['one_per_block']:.0f} |",
        f"| claims per second, in shared blocks of 60 | {rates['batched']:.0f} |",
        f"| gas per claim (median) | {figures['gas_per_claim_median']:,.0f} |",
        f"| gas per payment, packet money only (median) | {figures['gas_per_payment_packet_only_median']:,.0f} |",
        f"| gas per split payment, packet + own money (median) | {figures['gas_per_payment_packet_and_own_median']:,.0f} |",
        f"| gas of the expiry sweep (any number of winners) | {figures['gas_sweep']:,} |",
        f"| swept back to the funder | {figures['swept_fen']:,} fen |",
        f"| every invariant held | {'yes' if figures['invariants_hold'] else 'NO'} |",
        "",
        "A claim writes fresh storage for the winner (its earmark, the claimed leaf, the per-person count), hence",
        "its gas; payments from the second on are cheaper. Claims and payments of a replay share blocks of up to",
        "60 transactions within 15 minutes of scenario time (`Chain.send_batch`), each applied in order.",
        "",
        "```",
        *(f"{k}: {v if not isinstance(v, float) or k == 'scale' else round(v, 2)}" for k, v in figures.items()),
        f"claims_per_s_one_per_block: {rates['one_per_block']:.1f}",
        f"claims_per_s_batched: {rates['batched']:.1f}",
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.campaign", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--quick", action="store_true", help="scale 0.002 and 60 claims; writes nothing by default")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    scale = 0.002 if args.quick else args.scale
    rates = claims_per_second(60 if args.quick else 600)
    figures = replay(scale)
    command = "python -m benchmarks.campaign " + " ".join(argv if argv is not None else sys.argv[1:])
    text = render(figures, rates, command.strip())
    print(text)
    output = args.output or (None if args.quick else
                             HERE / ("RESULTS_LUOHU_FULL.md" if scale == 1 else "RESULTS_CAMPAIGN.md"))
    if output is not None:
        output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
