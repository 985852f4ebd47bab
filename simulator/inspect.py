"""The regulator's view of a run, after it or at a journal line: rebuilt by replaying the journal up to that
line, then read from the contracts (statuses, orders by state, held lessons, supervised balances) and from
the replayed events (money moved, statements of every actor's money)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from .clock import format_beijing
from .journal_reader import read_journal
from .prepaid import INSTITUTION_STATES, ORDER_STATES
from .replay import replay
from .scenario import BadInput
from .state import CAMPAIGN_ARTIFACTS, PREPAID_ARTIFACTS
from .timeline import build_timeline


def inspect_run(run_dir: str | Path, at: int | None = None) -> dict[str, Any]:
    run = read_journal(run_dir)
    last = run.txs[-1]["line"] if run.txs else 1
    if at is not None and not 2 <= at <= last:
        raise BadInput(f"--at {at}: this journal's transaction lines are 2 to {last}")
    result = replay(run.path, until=at)
    if not result.matches:
        raise BadInput(f"the journal does not replay, so it cannot be inspected: {result.difference}")
    chain = result.chain
    upto = at or last
    names = (run.summary() or {}).get("balances_fen", {}).keys()
    timeline = build_timeline(replace(run, txs=[t for t in run.txs if t["line"] <= upto],
                                      end=run.end if at is None else None), names=names)
    line = next((t for t in run.txs if t["line"] == upto), None)
    view: dict[str, Any] = {
        "scenario": run.header["scenario"], "seed": run.header["seed"], "line": upto,
        "time": format_beijing(line["timestamp"]) if line else None,
        "complete_run": run.complete, "institutions": [], "campaigns": [], "actors": {},
    }
    for row in timeline.institutions:
        if timeline.contracts.get(row.contract) not in PREPAID_ARTIFACTS:
            continue
        address = chain.address_of(row.institution) if ":" in row.institution else row.institution
        count = chain.call(row.contract, "orderCount")
        states: Counter[str] = Counter()
        held = 0
        for i in range(1, count + 1):
            order = chain.call(row.contract, "orderOf", i)
            if chain.call(row.contract, "courseOf", order["courseId"])["institution"] != address:
                continue
            states[ORDER_STATES[chain.call(row.contract, "orderStateOf", i)]] += 1
            held += order["lessonsPending"]
        view["institutions"].append({
            "contract": row.contract, "model": "escrow" if row.escrow else "upfront", "institution": row.institution,
            "status": INSTITUTION_STATES[chain.call(row.contract, "institutionStatusOf", address)],
            "supervised_fen": chain.call(row.contract, "supervisedBalanceOf", address),
            "orders_by_state": dict(sorted(states.items())), "lessons_released": row.lessons_released,
            "lessons_delivered_upfront": row.lessons_delivered, "lessons_held": held,
            "paid_in_fen": row.paid_in_fen, "released_fen": row.released_fen, "refunded_fen": row.refunded_fen,
            "cancellations": row.cancellations, "disputes": row.disputes,
        })
    for c in timeline.campaigns:
        if timeline.contracts.get(c.contract) not in CAMPAIGN_ARTIFACTS:
            continue
        view["campaigns"].append({
            "contract": c.contract, "funder": c.funder, "funded_fen": c.funded_fen, "claims": c.claims,
            "payments": c.payments, "spent_from_packets_fen": c.spent_from_packets_fen,
            "own_money_spent_fen": c.own_money_spent_fen, "unclaimed_fen": chain.call(c.contract, "unclaimedFen"),
            "returned_to_funder_fen": c.returned_to_funder_fen, "swept_fen": c.swept_fen,
            "swept": chain.call(c.contract, "swept"),
        })
    steps = {t["line"]: t for t in run.txs}
    previous: dict[str, int] = {}
    for at_line, time, actor, balance in timeline.balance_changes:
        step = steps[at_line]
        entry = view["actors"].setdefault(actor, {"balance_fen": 0, "statement": []})
        entry["statement"].append({
            "line": at_line, "time": format_beijing(time), "change_fen": balance - previous.get(actor, 0),
            "balance_fen": balance, "by": step["actor"], "what": f"{step['contract']}.{step['function']}",
        })
        entry["balance_fen"] = balance
        previous[actor] = balance
    return view
