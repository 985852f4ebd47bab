"""summary.json: totals read from chain events and balances, invariants that check them against the
token, and a hash over the contracts' observable state (equal runs give equal hashes)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..domain.prepaid import INSTITUTION_STATES
from .state import observable_state, state_hash
from .subsidy_summary import PARTS as SUBSIDY_PARTS

if TYPE_CHECKING:
    from ..run.engine import Simulation
    from ..domain.prepaid import Prepaid


class Ledger:
    """Prepaid money flows of a run, summed from the decoded events of every transaction."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.by_contract: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.paid_by_parent: dict[str, int] = defaultdict(int)
        self.refunded_to_parent: dict[str, int] = defaultdict(int)
        prepaid = {plan.contract.name for plan in sim.prepaid}
        for ev in sim.events:
            a = ev.args
            if ev.contract not in prepaid:
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
    # A frozen school's deposit is shared out to its parents up to what each was owed; what is left over (the
    # surplus, released by the regulator with releaseSurplusDeposit) stays held with no order behind it.
    school_of = {cid: plan.course(cid)["institution"] for cid in {o["courseId"] for o in state["orders"]}}
    deposit_of: dict[str, int] = {}
    for number, order in enumerate(state["orders"], start=1):
        school = school_of[order["courseId"]]
        deposit_of[school] = deposit_of.get(school, 0) + plan.call("depositOfOrder", number)
    frozen = {i for i, (status, _) in state["institutions"].items() if INSTITUTION_STATES[status] == "Frozen"}
    held_as_owed = all(held == deposit_of.get(i, 0) if i not in frozen else deposit_of.get(i, 0) == 0
                       for i, (_, held) in state["institutions"].items())
    return {
        f"{label}: deposit held equals the orders' deposits (a frozen school's surplus apart)":
            held_as_owed and locked == supervised,
        f"{label}: supervised balances add up to the deposit held": supervised == locked,
        f"{label}: deposit locked = released + shared out + still held":
            t["deposit_locked_fen"] == t["deposit_released_fen"] + t["deposit_shared_fen"] + locked,
    }


def _campaign_part(sim: Simulation) -> tuple[dict[str, int], dict[str, int], dict[str, bool]]:
    """Totals summed from the campaigns' events; invariants check them against each contract's own
    totals and the token's balances."""
    labels = {c.label for c in sim.campaigns}
    t: dict[str, int] = defaultdict(int)
    for ev in sim.events:
        if ev.contract not in labels:
            continue
        a = ev.args
        if ev.name == "CampaignFunded":
            t["funded_fen"] += a["budgetFen"]
        elif ev.name == "PacketClaimed":
            t["claimed_fen"] += a["amountFen"]
            t["claims"] += 1
        elif ev.name == "PurchasePaid":
            t["spent_from_packets_fen"] += a["packetFen"]
            t["own_money_spent_fen"] += a["ownFen"]
            t["payments"] += 1
        elif ev.name == "PurchaseRefunded":
            t["refunded_to_buyer_fen"] += a["ownToBuyerFen"] + a["packetToBuyerFen"]
            t["refunded_packet_to_buyer_fen"] += a["packetToBuyerFen"]
            t["refunded_packet_to_funder_fen"] += a["packetToFunderFen"]
        elif ev.name == "PacketReturnedOnClose":
            t["returned_on_close_fen"] += a["amountFen"]
        elif ev.name == "CampaignSwept":
            t["swept_fen"] += a["sweptFen"]
            t["swept_unclaimed_fen"] += a["unclaimedFen"]
            t["swept_unspent_fen"] += a["unspentFen"]
    returned = t["swept_fen"] + t["refunded_packet_to_funder_fen"] + t["returned_on_close_fen"]
    with_merchants = t["spent_from_packets_fen"] - t["refunded_packet_to_buyer_fen"] - t["refunded_packet_to_funder_fen"]
    in_packets = sum(sim.token.earmarked_total(c.address) for c in sim.campaigns)
    merchants = {ev.args["merchant"] for ev in sim.events if ev.contract in labels and ev.name == "PurchasePaid"}
    merchant_balances = sum(sim.chain.call(sim.token.contract, "balanceOf", m) for m in merchants)
    contract_totals = [c.totals() for c in sim.campaigns]
    totals = {
        "funded_fen": t["funded_fen"],
        "claimed_fen": t["claimed_fen"],
        "spent_from_packets_fen": t["spent_from_packets_fen"],
        "own_money_spent_fen": t["own_money_spent_fen"],
        "refunded_fen": t["refunded_to_buyer_fen"] + t["refunded_packet_to_funder_fen"],
        "refunded_to_buyer_fen": t["refunded_to_buyer_fen"],
        "returned_to_funder_fen": returned,
        "swept_fen": t["swept_fen"],
        "swept_unclaimed_fen": t["swept_unclaimed_fen"],
        "swept_unspent_fen": t["swept_unspent_fen"],
        "packet_money_with_merchants_fen": with_merchants,
        "packet_money_unspent_fen": in_packets,
    }
    counts = {"claimed_packets": t["claims"], "payments": t["payments"]}
    invariants = {
        "packets: every fen of packet money is with a merchant, back with the funder or still in a packet":
            t["funded_fen"] == with_merchants + returned + in_packets,
        "packets: merchants hold exactly what buyers paid them, less refunds":
            merchant_balances == t["spent_from_packets_fen"] + t["own_money_spent_fen"]
            - t["refunded_to_buyer_fen"] - t["refunded_packet_to_funder_fen"],
        "packets: event totals agree with the campaign contracts' own totals":
            sum(c["spentFromPacketsFen"] for c in contract_totals) == t["spent_from_packets_fen"]
            and sum(c["payments"] for c in contract_totals) == t["payments"]
            and sum(c["claims"] for c in contract_totals) == t["claims"]
            and sum(c["sweptFen"] for c in contract_totals) == t["swept_fen"],
    }
    if all(c.call("swept") for c in sim.campaigns):
        invariants["packets: after the sweep no packet money is left in any wallet"] = in_packets == 0
    return totals, counts, invariants


def _prepaid_part(sim: Simulation, state: dict[str, Any]) -> tuple[dict[str, int], dict[str, int], dict[str, bool]]:
    ledger = Ledger(sim)
    invariants = {"no parent got back more than they paid": all(
        ledger.refunded_to_parent[p] <= ledger.paid_by_parent[p] for p in ledger.refunded_to_parent)}
    for plan in sim.prepaid:
        invariants.update(_prepaid_invariants(plan, state[plan.contract.name], ledger))
    totals = {
        "paid_in_fen": ledger.total("paid_in_fen"),
        "released_fen": ledger.total("released_fen"),
        "refunded_fen": ledger.total("refunded_fen"),
        "locked_fen": sum(s["locked_fen"] for s in state.values()),
    }
    counts = {
        "orders": ledger.total("orders"),
        "lessons_released": ledger.total("lessons_released"),
        "lessons_delivered_upfront": ledger.total("lessons_delivered"),
        "refunds": ledger.total("refunds"),
    }
    return totals, counts, invariants


def _merge(into: dict, part: dict, what: str) -> None:
    clash = set(into) & set(part)
    if clash:
        raise ValueError(f"{what} {sorted(clash)} reported twice: a run mixing programme kinds needs distinct keys")
    into.update(part)


def build_summary(sim: Simulation, outcome: str) -> dict[str, Any]:
    token = sim.token
    issued = redeemed = 0
    for ev in sim.events:
        if ev.contract == token.contract.name:
            if ev.name == "Issued":
                issued += ev.args["amountFen"]
            elif ev.name == "Redeemed":
                redeemed += ev.args["amountFen"]
            elif ev.name == "WalletClosed":
                redeemed += ev.args["redeemedFen"]
    wallets = {name: (token.free(name), token.balance(name)) for name in token.wallets}
    supply = token.total_supply()
    invariants: dict[str, bool] = {
        "money is conserved: supply = issued - redeemed": supply == issued - redeemed,
        "money is conserved: supply = sum of wallet balances": supply == sum(b for _, b in wallets.values()),
    }
    totals: dict[str, int] = {"issued_fen": issued, "redeemed_fen": redeemed}
    counts = dict(sim.counts)
    state = observable_state(sim.chain, sim.artifact_of, sim.events)
    parts = []
    if sim.prepaid:
        parts.append(_prepaid_part(sim, state["prepaid"]))
    if sim.campaigns:
        parts.append(_campaign_part(sim))
    deployed = set(sim.artifact_of.values())
    parts.extend(part(sim) for artifact, part in SUBSIDY_PARTS.items() if artifact in deployed)
    for p_totals, p_counts, p_invariants in parts:
        _merge(totals, p_totals, "totals")
        _merge(counts, p_counts, "counts")
        invariants.update(p_invariants)
    invariants.update(sim.checks)
    for key, value in sim.extra_totals.items():
        if not key.endswith("_fen"):
            raise ValueError(f"totals are money: {key!r} must end in _fen")
        totals[key] = value

    summary: dict[str, Any] = {
        "scenario": sim.scenario.name,
        "title": sim.scenario.title,
        "params": sim.params.model_dump(mode="json"),
        "seed": sim.seed,
        "chain_id": sim.chain.chain_id,
        "counts": counts,
        "gas_used": {"total": sum(sim.gas_by_function.values()), "by_function": dict(sorted(sim.gas_by_function.items()))},
        "final_state_hash": state_hash(state),
        "balances_fen": {name: b for name, (_, b) in wallets.items()},
        "totals": totals,
        "invariants": invariants,
        "outcome": outcome,
    }
    summary["alerts"] = sim.alerts.alerts
    if sim.comparison is not None:
        summary["comparison"] = sim.comparison
    return summary
