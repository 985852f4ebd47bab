"""summary.json: totals read from chain events and balances, invariants that check them against the
token, and a hash over the contracts' observable state (equal runs give equal hashes)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .journal import canonical_json

if TYPE_CHECKING:
    from .engine import Simulation
    from .prepaid import Prepaid


def plain(value: Any) -> Any:
    """View-call results (tuples, named tuples, bytes) as JSON-able lists and dicts."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


class Ledger:
    """Money flows of a run, summed from the decoded events of every transaction."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.by_contract: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.paid_by_parent: dict[str, int] = defaultdict(int)
        self.refunded_to_parent: dict[str, int] = defaultdict(int)
        token = sim.token.contract.name
        self.issued = self.redeemed = 0
        for ev in sim.events:
            a = ev.args
            if ev.contract == token:
                if ev.name == "Issued":
                    self.issued += a["amountFen"]
                elif ev.name == "Redeemed":
                    self.redeemed += a["amountFen"]
                elif ev.name == "WalletClosed":
                    self.redeemed += a["redeemedFen"]
                continue
            t = self.by_contract[ev.contract]
            if ev.name == "OrderPlaced":
                t["paid_in_fen"] += a["feeFen"]
                t["orders"] += 1
                self.paid_by_parent[a["parent"]] += a["feeFen"]
            elif ev.name == "LessonsReleased":
                t["released_fen"] += a["amountFen"]
                t["lessons_released"] += a["lessons"]
            elif ev.name == "LessonDelivered":
                t["lessons_delivered"] += 1
            elif ev.name == "DisputeResolved":
                t["released_fen" if a["releasedToInstitution"] else "refunded_fen"] += a["amountFen"]
                t["disputes_resolved"] += 1
            elif ev.name in ("OrderCancelled", "OrderRefunded"):
                t["refunded_fen"] += a["refundFen"]
                t["refunds"] += 1
                self.refunded_to_parent[a["parent"]] += a["refundFen"]
                if ev.name == "OrderRefunded":
                    t["unconsumed_at_refund_fen"] += a["unconsumedFen"]
            elif ev.name == "DepositLocked":
                t["deposit_locked_fen"] += a["amountFen"]
            elif ev.name == "DepositReleased":
                t["deposit_released_fen"] += a["amountFen"]
            elif ev.name == "DepositShared":
                t["deposit_shared_fen"] += a["amountFen"]
        # Under the upfront models the fee less the deposit reaches the institution at enrolment.
        for plan in sim.prepaid:
            t = self.by_contract[plan.contract.name]
            if plan.model != "escrow":
                t["released_fen"] += t["paid_in_fen"] - t["deposit_locked_fen"] + t["deposit_released_fen"]

    def total(self, key: str) -> int:
        return sum(t.get(key, 0) for t in self.by_contract.values())


def _prepaid_state(plan: Prepaid) -> dict[str, Any]:
    count = plan.call("orderCount")
    orders = [plain(plan.order(i)) for i in range(1, count + 1)]
    institutions = sorted({ev.args["institution"] for ev in plan.sim.events
                           if ev.contract == plan.contract.name and ev.name == "InstitutionApproved"})
    return {
        "orders": orders,
        "institutions": {i: [plan.call("institutionStatusOf", i), plan.call("supervisedBalanceOf", i)]
                         for i in institutions},
        "locked_fen": plan.locked_total(),
    }


def _prepaid_invariants(plan: Prepaid, state: dict[str, Any], ledger: Ledger) -> dict[str, bool]:
    label = plan.contract.name
    t = ledger.by_contract[label]
    locked = state["locked_fen"]
    supervised = sum(v[1] for v in state["institutions"].values())
    if plan.model == "escrow":
        orders = state["orders"]
        fee = {cid: plan.course(cid)["feePerLessonFen"] for cid in {o["courseId"] for o in orders}}
        unconsumed = sum((o["lessonsPaid"] - o["lessonsReleased"] - o["lessonsReturned"]) * fee[o["courseId"]]
                         for o in orders)
        return {
            f"{label}: escrow balance equals unconsumed fees": locked == unconsumed,
            f"{label}: paid in = released + refunded + still locked":
                t["paid_in_fen"] == t["released_fen"] + t["refunded_fen"] + locked,
            f"{label}: supervised balances add up to the escrow balance": supervised == locked,
        }
    deposits = sum(plan.call("depositOfOrder", i) for i in range(1, len(state["orders"]) + 1))
    return {
        f"{label}: deposit held equals the orders' deposits": locked == deposits,
        f"{label}: supervised balances add up to the deposit held": supervised == locked,
        f"{label}: deposit locked = released + shared out + still held":
            t["deposit_locked_fen"] == t["deposit_released_fen"] + t["deposit_shared_fen"] + locked,
    }


def build_summary(sim: Simulation, outcome: str) -> dict[str, Any]:
    ledger = Ledger(sim)
    token = sim.token
    wallets = {name: (token.free(name), token.balance(name)) for name in token.wallets}
    supply = token.total_supply()
    prepaid_state = {plan.contract.name: _prepaid_state(plan) for plan in sim.prepaid}

    invariants: dict[str, bool] = {
        "money is conserved: supply = issued - redeemed": supply == ledger.issued - ledger.redeemed,
        "money is conserved: supply = sum of wallet balances": supply == sum(b for _, b in wallets.values()),
        "no parent got back more than they paid": all(
            ledger.refunded_to_parent[p] <= ledger.paid_by_parent[p] for p in ledger.refunded_to_parent),
    }
    for plan in sim.prepaid:
        invariants.update(_prepaid_invariants(plan, prepaid_state[plan.contract.name], ledger))
    invariants.update(sim.checks)

    totals = {
        "issued_fen": ledger.issued,
        "redeemed_fen": ledger.redeemed,
        "paid_in_fen": ledger.total("paid_in_fen"),
        "released_fen": ledger.total("released_fen"),
        "refunded_fen": ledger.total("refunded_fen"),
        "locked_fen": sum(s["locked_fen"] for s in prepaid_state.values()),
    }
    for key, value in sim.extra_totals.items():
        if not key.endswith("_fen"):
            raise ValueError(f"totals are money: {key!r} must end in _fen")
        totals[key] = value

    state = {
        "token": {"total_supply": supply,
                  "wallets": {sim.addr(name): list(v) for name, v in sorted(wallets.items())}},
        "prepaid": prepaid_state,
    }
    counts = dict(sim.counts)
    counts["orders"] = ledger.total("orders")
    counts["lessons_released"] = ledger.total("lessons_released")
    counts["lessons_delivered_upfront"] = ledger.total("lessons_delivered")
    counts["refunds"] = ledger.total("refunds")
    summary: dict[str, Any] = {
        "scenario": sim.scenario.name,
        "title": sim.scenario.title,
        "params": sim.params.model_dump(mode="json"),
        "seed": sim.seed,
        "chain_id": sim.chain.chain_id,
        "counts": counts,
        "gas_used": {"total": sum(sim.gas_by_function.values()), "by_function": dict(sorted(sim.gas_by_function.items()))},
        "final_state_hash": "0x" + hashlib.sha256(canonical_json(state).encode()).hexdigest(),
        "balances_fen": {name: b for name, (_, b) in wallets.items()},
        "totals": totals,
        "invariants": invariants,
        "outcome": outcome,
    }
    if sim.comparison is not None:
        summary["comparison"] = sim.comparison
    return summary
