"""summary.json: totals read from chain events and balances, invariants that check them against the
token, and a hash over the contracts' observable state (equal runs give equal hashes)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..domain.prepaid import INSTITUTION_STATES
from .state import read_state, state_hash
from .subsidy_summary import PARTS as SUBSIDY_PARTS

if TYPE_CHECKING:
    from ..run.engine import Simulation
    from ..domain.prepaid import Prepaid


class Ledger:
    """Prepaid money flows of a run, from the sums its tally folded of every transaction's events."""

    def __init__(self, sim: Simulation):
        tally = sim.tally
        self.by_contract: dict[str, dict[str, int]] = {}
        self.paid_by_parent: dict[str, int] = defaultdict(int)
        self.refunded_to_parent: dict[str, int] = defaultdict(int)
        for plan in sim.prepaid:
            label = plan.contract.name
            s = tally.sums([label])
            disputes = tally.grouped(label, "DisputeResolved")  # per releasedToInstitution
            t = self.by_contract[label] = {
                "paid_in_fen": s["OrderPlaced.feeFen"],
                "orders": s["OrderPlaced.count"],
                "released_fen": s["LessonsReleased.amountFen"] + disputes.get((True,), 0),
                "lessons_released": s["LessonsReleased.lessons"],
                "lessons_delivered": s["LessonDelivered.count"],
                "refunded_fen": disputes.get((False,), 0) + s["OrderCancelled.refundFen"]
                + s["OrderRefunded.refundFen"],
                "disputes_resolved": s["DisputeResolved.count"],
                "refunds": s["OrderCancelled.count"] + s["OrderRefunded.count"],
                "unconsumed_at_refund_fen": s["OrderRefunded.unconsumedFen"],
                "deposit_locked_fen": s["DepositLocked.amountFen"],
                "deposit_released_fen": s["DepositReleased.amountFen"],
                "deposit_shared_fen": s["DepositShared.amountFen"],
            }
            for (parent,), fee in tally.grouped(label, "OrderPlaced").items():
                self.paid_by_parent[parent] += fee
            for name in ("OrderCancelled", "OrderRefunded"):
                for (parent,), refund in tally.grouped(label, name).items():
                    self.refunded_to_parent[parent] += refund
            # Under the upfront models the fee less the deposit reaches the institution at enrolment.
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
    deposits = plan.sim.chain.call_many([(label, "depositOfOrder", (number,))
                                         for number in range(1, len(state["orders"]) + 1)])
    for order, deposit in zip(state["orders"], deposits):
        school = school_of[order["courseId"]]
        deposit_of[school] = deposit_of.get(school, 0) + deposit
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


def _campaign_part(sim: Simulation, state: dict[str, Any]) -> tuple[dict[str, int], dict[str, int], dict[str, bool]]:
    """Totals summed from the campaigns' events; invariants check them against each contract's own
    totals and the token's balances."""
    labels = [c.label for c in sim.campaigns]
    s = sim.tally.sums(labels)
    t = {
        "funded_fen": s["CampaignFunded.budgetFen"],
        "claimed_fen": s["PacketClaimed.amountFen"],
        "claims": s["PacketClaimed.count"],
        "spent_from_packets_fen": s["PurchasePaid.packetFen"],
        "own_money_spent_fen": s["PurchasePaid.ownFen"],
        "payments": s["PurchasePaid.count"],
        "refunded_to_buyer_fen": s["PurchaseRefunded.ownToBuyerFen"] + s["PurchaseRefunded.packetToBuyerFen"],
        "refunded_packet_to_buyer_fen": s["PurchaseRefunded.packetToBuyerFen"],
        "refunded_packet_to_funder_fen": s["PurchaseRefunded.packetToFunderFen"],
        "returned_on_close_fen": s["PacketReturnedOnClose.amountFen"],
        "swept_fen": s["CampaignSwept.sweptFen"],
        "swept_unclaimed_fen": s["CampaignSwept.unclaimedFen"],
        "swept_unspent_fen": s["CampaignSwept.unspentFen"],
    }
    returned = t["swept_fen"] + t["refunded_packet_to_funder_fen"] + t["returned_on_close_fen"]
    with_merchants = (t["spent_from_packets_fen"] - t["refunded_packet_to_buyer_fen"]
                      - t["refunded_packet_to_funder_fen"])
    in_packets = sum(sim.token.earmarked_total(c.address) for c in sim.campaigns)
    merchants = set().union(*(sim.tally.keys(label, "PurchasePaid", "merchant") for label in labels))
    merchant_balances = sum(_balance(sim, state, m) for m in merchants)
    read = state.get("campaigns", {})  # each campaign's totals and swept flag, as the state hash read them
    campaigns = [read.get(c.label) or {"totals": c.totals(), "swept": c.call("swept")} for c in sim.campaigns]
    contract_totals = [c["totals"] for c in campaigns]
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
    if all(c["swept"] for c in campaigns):
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


def _balance(sim: Simulation, state: dict[str, Any], address: str) -> int:
    """A wallet's balance as the state hash read it (a wallet the token opened), else read from the token."""
    held = state["token"]["wallets"].get(address)
    return held[1] if held is not None else sim.chain.call(sim.token.contract, "balanceOf", address)


def build_summary(sim: Simulation, outcome: str) -> dict[str, Any]:
    token, tally = sim.token, sim.tally
    label = token.contract.name
    s = tally.sums([label])
    issued = s["Issued.amountFen"]
    redeemed = s["Redeemed.amountFen"] + s["WalletClosed.redeemedFen"]
    state = read_state(sim.chain, sim.artifact_of, tally.keys(label, "WalletOpened", "wallet"),
                       {lbl: tally.keys(lbl, "InstitutionApproved", "institution") for lbl in sim.artifact_of})
    held = state["token"]["wallets"]  # address -> [free, balance]; a wallet not opened is read here
    wallets = {name: tuple(held.get(sim.addr(name)) or (token.free(name), token.balance(name)))
               for name in token.wallets}
    supply = state["token"]["total_supply"]
    invariants: dict[str, bool] = {
        "money is conserved: supply = issued - redeemed": supply == issued - redeemed,
        "money is conserved: supply = sum of wallet balances": supply == sum(b for _, b in wallets.values()),
    }
    totals: dict[str, int] = {"issued_fen": issued, "redeemed_fen": redeemed}
    counts = dict(sim.counts)
    parts = []
    if sim.prepaid:
        parts.append(_prepaid_part(sim, state["prepaid"]))
    if sim.campaigns:
        parts.append(_campaign_part(sim, state))
    deployed = set(sim.artifact_of.values())
    parts.extend(part(sim, state.get("subsidies", {})) for artifact, part in SUBSIDY_PARTS.items()
                 if artifact in deployed)
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
        "gas_used": {"total": sum(sim.gas_by_function.values()),
                     "by_function": dict(sorted(sim.gas_by_function.items()))},
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
