"""summary.json parts for conditional subsidies: grant programmes, conditional payments and wage contracts.

Each part sums its totals from the run's decoded events (as the run's tally folded them, ``read/tally.py``),
reads balances and records from the chain (records the state hash has read already are not read again), and
states the rules' identities as invariants, so a wrong contract (or a wrong reading) shows as a failed
invariant rather than a wrong figure nobody checks.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..domain.grants import interest_fen

if TYPE_CHECKING:
    from ..run.engine import Simulation

Part = tuple[dict[str, int], dict[str, int], dict[str, bool]]


def labels_of(sim: Simulation, artifact: str) -> list[str]:
    return [label for label, art in sim.artifact_of.items() if art == artifact]


def _moved(sim: Simulation, controller: str) -> dict[tuple[str, str], int]:
    """Earmarked money the token moved between wallets under ``controller``, per (from, to): the token's own
    account of what moved, independent of what the controlling contract says it did."""
    return {(frm, to): v for (name, *key), v in sim.tally.moves(controller).items() if name == "EarmarkMoved"
            for frm, to in [key]}


def _released(sim: Simulation, controller: str) -> dict[str, int]:
    """Earmarked money the token released to payees under ``controller``, per payee."""
    return {key[0]: v for (name, *key), v in sim.tally.moves(controller).items() if name == "EarmarkReleased"}


def grant_part(sim: Simulation, state: dict[str, Any]) -> Part:
    """``state``: the subsidy contracts' records as the state hash read them, by label."""
    labels = labels_of(sim, "GrantProgramme")
    t = sim.tally.sums(labels)
    call, token = sim.chain.call, sim.token.contract
    budget = t["ProgrammeFunded.amountFen"] - t["UnpaidWithdrawn.amountFen"]
    paid_to_firms = t["TranchePaid.amountFen"]
    withheld = t["TrancheWithheld.withheldFen"]
    paid_out = paid_to_firms + withheld
    principal, interest = t["GrantClawedBack.principalFen"], t["GrantClawedBack.interestFen"]
    returned_unspent, repaid = t["GrantClawedBack.returnedUnspentFen"], t["DebtRepaid.amountFen"]
    returned_on_close = t["GrantMoneyReturnedOnClose.amountFen"]
    credited_on_close = t["GrantClawedBack.creditedOnCloseFen"]  # returned on close before a clawback

    # From the chain: each grant's record and tranches, each programme's balance, and the token's own events.
    balance = outstanding = settled_out = in_firms = into_firms = back_from_firms = 0
    interest_by_formula_ok = purposes_ok = True
    for label in labels:
        address = sim.chain.contract(label).address
        rules, department = call(label, "rules"), call(label, "department")
        programme_balance = call(label, "programmeBalanceFen")
        balance += programme_balance
        in_firms += call(token, "earmarkedTotalOf", address) - programme_balance
        for grant_id, (grant, tranches) in enumerate(state[label]["grants"], start=1):
            outstanding += call(label, "outstandingOf", grant_id)
            settled_out += sum(tr["amountFen"] for tr in tranches if tr["paidAt"]) + grant["withheldFen"]
            if grant["status"] in (4, 5) and grant["paidFen"]:  # ClawedBack, Settled
                by_formula = sum(interest_fen(tr["amountFen"], rules["interestRateBps"],
                                              max(0, grant["breachedAt"] - tr["paidAt"]) // 86_400)
                                 for tr in tranches if tr["paidAt"])
                interest_by_formula_ok &= by_formula == grant["interestFen"]
        moved = _moved(sim, address)
        into_firms += sum(v for (frm, _), v in moved.items() if frm == department)
        back_from_firms += sum(v for (_, to), v in moved.items() if to == department)
        purposes_ok &= _releases_only_to_allowed_payees(sim, label, rules, department)
    unpaid = budget - settled_out  # read from the grants' tranche records, not from the payment events
    owed = principal + interest
    totals = {
        "budget_fen": budget,
        "paid_out_fen": paid_out,
        "paid_to_firms_fen": paid_to_firms,
        "unpaid_fen": unpaid,
        "cancelled_fen": t["MilestoneMissed.cancelledFen"] + t["TrancheWithheld.cancelledFen"],
        "grant_spent_fen": t["GrantSpent.amountFen"],
        "grant_unspent_fen": in_firms,
        "principal_fen": principal,
        "interest_fen": interest,
        "owed_fen": owed,
        "returned_unspent_fen": returned_unspent,
        "repaid_fen": repaid,
        "withheld_fen": withheld,
        "outstanding_fen": outstanding,
        "returned_on_close_fen": returned_on_close,
        "credited_on_close_fen": credited_on_close,
        "programme_balance_fen": balance,
    }
    counts = {"grants": t["FirmAdmitted.count"], "tranches_paid": t["TranchePaid.count"],
              "milestones_missed": t["MilestoneMissed.count"], "grant_payments": t["GrantSpent.count"],
              "clawbacks": t["GrantClawedBack.count"]}
    invariants = {
        "grants: paid out = budget - unpaid (unpaid read from the grants' tranche records)":
            paid_out == budget - unpaid,
        "grants: owed = principal + interest = returned on close before the clawback + returned unspent + repaid "
        "+ withheld + outstanding":
            owed == credited_on_close + returned_unspent + repaid + withheld + outstanding
            and credited_on_close <= returned_on_close,
        "grants: programme balance = budget - paid out + returned unspent + repaid + withheld + returned on close":
            balance == budget - paid_out + returned_unspent + repaid + withheld + returned_on_close,
        "grants: the token moved exactly the tranches paid into firms' wallets, and exactly the returns and "
        "repayments back": into_firms == paid_to_firms
            and back_from_firms == returned_unspent + repaid + returned_on_close,
        "grants: grant money paid to firms is spent, unspent, or back in the programme":
            paid_to_firms == t["GrantSpent.amountFen"] + in_firms + returned_unspent + returned_on_close,
        "grants: each clawback's interest is floor(amount x rate x days / (10,000 x 365)) per payment":
            interest_by_formula_ok,
        "grants: grant money reached only payees registered for an allowed purpose at the time": purposes_ok,
    }
    return totals, counts, invariants


def _releases_only_to_allowed_payees(sim: Simulation, label: str, rules: dict[str, Any], department: str) -> bool:
    """Every release of grant money the token recorded went to a payee whose purpose, as the payee registry's
    events stood at that moment, the programme allows; and they add up to the programme's spending."""
    registry = sim.chain.call(label, "payeeRegistry")
    registry_label = next((lbl for lbl in sim.artifact_of if sim.chain.contract(lbl).address == registry), None)
    address = sim.chain.contract(label).address
    ok, released = True, 0
    for (wallet, purposes), amount in sim.tally.releases(address).items():
        code = dict(purposes).get(registry_label, 0)
        ok &= wallet != department and code != 0 and (rules["allowedPurposes"] >> code) & 1 == 1
        released += amount
    return ok and released == sim.tally.sums([label])["GrantSpent.amountFen"]


def conditional_part(sim: Simulation, state: dict[str, Any]) -> Part:
    labels = labels_of(sim, "ConditionalPayment")
    t = sim.tally.sums(labels)
    pending = undecided = earmarked = released = returned = 0
    for label in labels:
        address = sim.chain.contract(label).address
        pending += sim.chain.call(sim.token.contract, "earmarkedTotalOf", address)
        for p in state[label]["payments"]:
            if p["status"] in (1, 2):  # Pending, Disputed
                undecided += p["amountFen"]
        moves = sim.tally.moves(address)
        earmarked += moves.get(("Earmarked",), 0)
        released += sum(_released(sim, address).values())
        returned += moves.get(("EarmarkReturned",), 0)
    totals = {
        "conditional_created_fen": t["PaymentCreated.amountFen"],
        "conditional_released_fen": t["PaymentReleased.amountFen"],
        "conditional_returned_fen": t["PaymentReturned.amountFen"],
        "conditional_pending_fen": pending,
    }
    counts = {"conditional_payments": t["PaymentCreated.count"], "conditional_disputes": t["PaymentDisputed.count"]}
    invariants = {
        "conditional: created = released + returned + still pending":
            totals["conditional_created_fen"] == totals["conditional_released_fen"]
            + totals["conditional_returned_fen"] + pending,
        "conditional: money held equals the undecided payments": pending == undecided,
        "conditional: the token locked, released and returned exactly what the payments say":
            (earmarked, released, returned) == (totals["conditional_created_fen"],
                                                totals["conditional_released_fen"], totals["conditional_returned_fen"]),
    }
    return totals, counts, invariants


def wage_part(sim: Simulation, state: dict[str, Any]) -> Part:
    labels = labels_of(sim, "WagePassThrough")
    t = sim.tally.sums(labels)
    pending = moved_in = 0
    listed: dict[str, int] = defaultdict(int)  # worker -> listed wages of the entries marked paid
    received: dict[str, int] = defaultdict(int)  # payee -> wage money the token released to it
    returned_by_token = 0
    for label in labels:
        address = sim.chain.contract(label).address
        main, sub = sim.chain.call(label, "mainContractor"), sim.chain.call(label, "subcontractor")
        pending += state[label]["pending_fen"]
        for worker, amount in sim.tally.listed_wages(label).items():
            listed[worker] += amount
        moved_in += _moved(sim, address).get((main, sub), 0)
        for payee, amount in _released(sim, address).items():
            if payee == main:
                returned_by_token += amount
            else:
                received[payee] += amount
    totals = {
        "wages_funded_fen": t["PayrollFunded.totalFen"],
        "wages_paid_fen": t["WagePaid.amountFen"],
        "wages_returned_fen": t["WageReturned.amountFen"],
        "wages_pending_fen": pending,
    }
    counts = {"pay_runs": t["PayrollFunded.count"], "wages_paid": t["WagePaid.count"]}
    invariants = {
        "wages: funded = paid + returned + still pending":
            totals["wages_funded_fen"] == totals["wages_paid_fen"] + totals["wages_returned_fen"] + pending,
        "wages: the token moved each pay run's total into the subcontractor's wallet":
            moved_in == totals["wages_funded_fen"],
        "wages: each worker received from the subcontractor's wallet exactly the wages listed for them, "
        "and nobody else received any": dict(received) == {w: v for w, v in listed.items() if v}
            and returned_by_token == totals["wages_returned_fen"],
    }
    return totals, counts, invariants


PARTS: dict[str, Any] = {"GrantProgramme": grant_part, "ConditionalPayment": conditional_part,
                         "WagePassThrough": wage_part}
