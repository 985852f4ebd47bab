"""The regulator's view of a run, after it or at a journal line: rebuilt by replaying the journal up to that
line, then read from the contracts (statuses, orders by state, held lessons, supervised balances) and from
the replayed events (money moved, statements of every actor's money)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..chain.clock import format_beijing
from ..domain.conditional import PAYMENT_STATUS
from ..domain.grants import GRANT_STATUS
from ..run.journal_reader import read_journal, txs_upto
from ..domain.prepaid import INSTITUTION_STATES, ORDER_STATES
from .replay import replay
from ..run.scenario import BadInput
from .state import CAMPAIGN_ARTIFACTS, PREPAID_ARTIFACTS
from .timeline import build_timeline


def inspect_run(run_dir: str | Path, at: int | None = None) -> dict[str, Any]:
    run = read_journal(run_dir)
    run.check_intact(summary=run.summary())
    last = run.txs[-1]["line"] if run.txs else 1
    if at is not None and not 2 <= at <= last:
        raise BadInput(f"--at {at}: this journal's transaction lines are 2 to {last}")
    result = replay(run.path, until=at)
    if not result.matches:
        raise BadInput(f"the journal does not replay, so it cannot be inspected: {result.difference}")
    chain = result.chain
    upto = at or last
    names = (run.summary() or {}).get("balances_fen", {}).keys()
    before = txs_upto(run.txs, upto)
    timeline = build_timeline(replace(run, txs=before, seeds=[s for s in run.seeds if s["line"] <= upto],
                                      end=run.end if at is None else None), names=names)
    line = before[-1] if before and before[-1]["line"] == upto else None
    view: dict[str, Any] = {
        "scenario": run.header["scenario"], "seed": run.header["seed"], "line": upto,
        "time": format_beijing(line["timestamp"]) if line else None,
        "complete_run": run.complete, "institutions": [], "campaigns": [], "actors": {},
        **subsidies(chain, timeline.contracts),
    }
    orders = _orders_by_institution(chain, {row.contract for row in timeline.institutions
                                             if timeline.contracts.get(row.contract) in PREPAID_ARTIFACTS})
    for row in timeline.institutions:
        if timeline.contracts.get(row.contract) not in PREPAID_ARTIFACTS:
            continue
        address = chain.address_of(row.institution) if ":" in row.institution else row.institution
        states, held = orders.get((row.contract, address), (Counter(), 0))
        status, supervised = chain.call_many([(row.contract, "institutionStatusOf", (address,)),
                                              (row.contract, "supervisedBalanceOf", (address,))])
        view["institutions"].append({
            "contract": row.contract, "model": "escrow" if row.escrow else "upfront", "institution": row.institution,
            "status": INSTITUTION_STATES[status], "supervised_fen": supervised,
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
    changed_at = {at_line for at_line, *_ in timeline.balance_changes}
    steps = {t["line"]: {k: t[k] for k in ("actor", "contract", "function")} for t in run.steps
             if t["line"] in changed_at}  # what a statement line says of its step, not the whole line
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


def _orders_by_institution(chain: Any, labels: set[str]) -> dict[tuple[str, str], tuple[Counter[str], int]]:
    """(contract, institution address) -> (its orders counted by state, lessons held): every order and course
    read once (a city has thousands of each), each contract's reads in one ``call_many``."""
    out: dict[tuple[str, str], tuple[Counter[str], int]] = {}
    for label in sorted(labels):
        numbers = range(1, chain.call(label, "orderCount") + 1)
        read = chain.call_many([(label, f, (i,)) for i in numbers for f in ("orderOf", "orderStateOf")])
        orders = list(zip(read[0::2], read[1::2]))
        course_ids = sorted({order["courseId"] for order, _ in orders})
        school_of = {cid: course["institution"] for cid, course in
                     zip(course_ids, chain.call_many([(label, "courseOf", (cid,)) for cid in course_ids]))}
        for order, state in orders:
            key = (label, school_of[order["courseId"]])
            states, held = out.get(key, (Counter(), 0))
            states[ORDER_STATES[state]] += 1
            out[key] = (states, held + order["lessonsPending"])
    return out


def subsidies(chain: Any, contracts: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Grant programmes (and every grant), conditional payments and pay runs, read from the contracts."""
    view: dict[str, list[dict[str, Any]]] = {"programmes": [], "grants": [], "conditional_payments": [],
                                              "pay_runs": []}
    name = chain.label
    for label, artifact in contracts.items():
        if artifact == "GrantProgramme":
            department = chain.call(label, "department")
            statuses: Counter[str] = Counter()
            for grant_id in range(1, chain.call(label, "grantCount") + 1):
                g = chain.call(label, "grantOf", grant_id)
                status = GRANT_STATUS[g["status"]]
                statuses[status] += 1
                view["grants"].append({
                    "programme": label, "grant": grant_id, "firm": name(g["firm"]), "status": status,
                    "size_fen": g["sizeFen"], "paid_fen": g["paidFen"],
                    "grant_money_fen": chain.call(label, "grantMoneyOf", g["firm"]),
                    "promise_end": format_beijing(chain.call(label, "promiseEndOf", grant_id)),
                    "breached_at": format_beijing(g["breachedAt"]) if g["breachedAt"] else None, "fraud": g["fraud"],
                    "interest_fen": g["interestFen"],
                    "owed_fen": g["paidFen"] + g["interestFen"] if status in ("ClawedBack", "Settled") else 0,
                    "returned_unspent_fen": g["returnedUnspentFen"], "repaid_fen": g["repaidFen"],
                    "withheld_fen": g["withheldFen"], "outstanding_fen": chain.call(label, "outstandingOf", grant_id),
                })
            totals = chain.call(label, "totals")
            view["programmes"].append({
                "programme": label, "department": name(department), "agency": name(chain.call(label, "agency")),
                "grants_by_status": dict(sorted(statuses.items())), "funded_fen": totals["fundedFen"],
                "balance_fen": chain.call(label, "programmeBalanceFen"),
                "withdrawable_fen": chain.call(label, "withdrawableFen"), "paid_to_firms_fen": totals["paidToFirmsFen"],
                "spent_fen": totals["spentFen"], "owed_fen": totals["owedFen"], "repaid_fen": totals["repaidFen"],
                "outstanding_fen": sum(g["outstanding_fen"] for g in view["grants"] if g["programme"] == label),
            })
        elif artifact == "ConditionalPayment":
            for pid in range(1, chain.call(label, "paymentCount") + 1):
                p = chain.call(label, "paymentOf", pid)
                view["conditional_payments"].append({
                    "contract": label, "payment": pid, "payer": name(p["payer"]), "payee": name(p["payee"]),
                    "verifier": name(p["verifier"]), "amount_fen": p["amountFen"],
                    "status": PAYMENT_STATUS[p["status"]], "deadline": format_beijing(p["deadline"]),
                })
        elif artifact == "WagePassThrough":
            main, sub = name(chain.call(label, "mainContractor")), name(chain.call(label, "subcontractor"))
            for rid in range(1, chain.call(label, "payrollCount") + 1):
                r = chain.call(label, "payrollOf", rid)
                view["pay_runs"].append({
                    "contract": label, "pay_run": rid, "main_contractor": main, "subcontractor": sub,
                    "payday": format_beijing(r["payday"]), "workers": r["workers"], "workers_paid": r["workersPaid"],
                    "total_fen": r["totalFen"], "paid_fen": r["paidFen"], "returned_fen": r["returnedFen"],
                })
    return view
