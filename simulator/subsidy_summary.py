"""summary.json parts for conditional subsidies: grant programmes, conditional payments and wage contracts.

Each part sums its totals from the run's decoded events, reads balances and records from the chain, and
states the rules' identities as invariants, so a wrong contract (or a wrong reading) shows as a failed
invariant rather than a wrong figure nobody checks.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .grants import interest_fen

if TYPE_CHECKING:
    from .engine import Simulation

Part = tuple[dict[str, int], dict[str, int], dict[str, bool]]


def labels_of(sim: Simulation, artifact: str) -> list[str]:
    return [label for label, art in sim.artifact_of.items() if art == artifact]


def _sums(sim: Simulation, labels: list[str], fields: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Sums event arguments: ``fields`` maps an event name to the argument names to add up (as
    ``"<event>.<arg>"`` keys)."""
    t: dict[str, int] = defaultdict(int)
    for ev in sim.events:
        if ev.contract in labels and ev.name in fields:
            t[f"{ev.name}.count"] += 1
            for arg in fields[ev.name]:
                t[f"{ev.name}.{arg}"] += ev.args[arg]
    return t


def grant_part(sim: Simulation) -> Part:
    labels = labels_of(sim, "GrantProgramme")
    t = _sums(sim, labels, {
        "ProgrammeFunded": ("amountFen",), "UnpaidWithdrawn": ("amountFen",), "FirmAdmitted": ("sizeFen",),
        "TranchePaid": ("amountFen",), "TrancheWithheld": ("withheldFen", "cancelledFen"),
        "MilestoneMissed": ("cancelledFen",), "GrantSpent": ("amountFen",),
        "GrantClawedBack": ("principalFen", "interestFen", "returnedUnspentFen", "outstandingFen"),
        "DebtRepaid": ("amountFen",), "GrantMoneyReturnedOnClose": ("amountFen",),
    })
    call, token = sim.chain.call, sim.token.contract
    budget = t["ProgrammeFunded.amountFen"] - t["UnpaidWithdrawn.amountFen"]
    paid_to_firms = t["TranchePaid.amountFen"]
    withheld = t["TrancheWithheld.withheldFen"]
    paid_out = paid_to_firms + withheld
    principal, interest = t["GrantClawedBack.principalFen"], t["GrantClawedBack.interestFen"]
    returned_unspent, repaid = t["GrantClawedBack.returnedUnspentFen"], t["DebtRepaid.amountFen"]
    returned_on_close = t["GrantMoneyReturnedOnClose.amountFen"]

    # From the chain: each grant's record and tranches, each programme's balance and its firms' grant money.
    balance = outstanding = unpaid = in_firms = 0
    interest_by_formula_ok = purposes_ok = True
    for label in labels:
        rules = call(label, "rules")
        department = call(label, "department")
        programme_balance = call(label, "programmeBalanceFen")
        balance += programme_balance
        in_firms += call(token, "earmarkedTotalOf", sim.chain.contract(label).address) - programme_balance
        settled_out = 0
        for grant_id in range(1, call(label, "grantCount") + 1):
            grant, tranches = call(label, "grantOf", grant_id), call(label, "tranchesOf", grant_id)
            outstanding += call(label, "outstandingOf", grant_id)
            settled_out += sum(tr["amountFen"] for tr in tranches if tr["paidAt"]) + grant["withheldFen"]
            if grant["breachedAt"]:
                by_formula = sum(interest_fen(tr["amountFen"], rules["interestRateBps"],
                                              max(0, grant["breachedAt"] - tr["paidAt"]) // 86_400)
                                 for tr in tranches if tr["paidAt"])
                interest_by_formula_ok &= by_formula == grant["interestFen"]
        funded = sum(e.args["amountFen"] for e in sim.events if e.contract == label and e.name == "ProgrammeFunded")
        withdrawn = sum(e.args["amountFen"] for e in sim.events if e.contract == label and e.name == "UnpaidWithdrawn")
        unpaid += funded - withdrawn - settled_out
        allowed = rules["allowedPurposes"]
        for e in sim.events:
            if e.contract == label and e.name == "GrantSpent":
                purpose = e.args["purpose"]
                purposes_ok &= e.args["payee"] != department and purpose != 0 and (allowed >> purpose) & 1 == 1
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
        "programme_balance_fen": balance,
    }
    counts = {"grants": t["FirmAdmitted.count"], "tranches_paid": t["TranchePaid.count"],
              "milestones_missed": t["MilestoneMissed.count"], "grant_payments": t["GrantSpent.count"],
              "clawbacks": t["GrantClawedBack.count"]}
    invariants = {
        "grants: paid out = budget - unpaid": paid_out == budget - unpaid,
        "grants: owed = principal + interest = returned unspent + repaid + withheld + outstanding":
            owed == returned_unspent + repaid + withheld + outstanding,
        "grants: programme balance = budget - paid out + returned unspent + repaid + withheld + returned on close":
            balance == budget - paid_out + returned_unspent + repaid + withheld + returned_on_close,
        "grants: grant money paid to firms is spent, unspent, or back in the programme":
            paid_to_firms == t["GrantSpent.amountFen"] + in_firms + returned_unspent + returned_on_close,
        "grants: each clawback's interest is floor(amount x rate x days / (10,000 x 365)) per payment":
            interest_by_formula_ok,
        "grants: grant money reached only payees of allowed purposes": purposes_ok,
    }
    return totals, counts, invariants


def conditional_part(sim: Simulation) -> Part:
    labels = labels_of(sim, "ConditionalPayment")
    t = _sums(sim, labels, {"PaymentCreated": ("amountFen",), "PaymentReleased": ("amountFen",),
                            "PaymentReturned": ("amountFen",), "PaymentDisputed": ()})
    pending = sum(sim.chain.call(sim.token.contract, "earmarkedTotalOf", sim.chain.contract(label).address)
                  for label in labels)
    undecided = 0
    for label in labels:
        for pid in range(1, sim.chain.call(label, "paymentCount") + 1):
            p = sim.chain.call(label, "paymentOf", pid)
            if p["status"] in (1, 2):  # Pending, Disputed
                undecided += p["amountFen"]
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
    }
    return totals, counts, invariants


def wage_part(sim: Simulation) -> Part:
    labels = labels_of(sim, "WagePassThrough")
    t = _sums(sim, labels, {"PayrollFunded": ("totalFen",), "WageAssigned": ("amountFen",),
                            "WagePaid": ("amountFen",), "WageReturned": ("amountFen",)})
    pending = sum(sim.chain.call(label, "pendingWagesFen") for label in labels)
    assigned: dict[tuple[str, int, str], int] = {}
    paid: dict[str, int] = defaultdict(int)
    for ev in sim.events:
        if ev.contract in labels and ev.name == "WageAssigned":
            assigned[(ev.contract, ev.args["payrollId"], ev.args["worker"])] = ev.args["amountFen"]
        elif ev.contract in labels and ev.name == "WagePaid":
            key = (ev.contract, ev.args["payrollId"], ev.args["worker"])
            paid[ev.args["worker"]] += ev.args["amountFen"]
            if assigned.get(key) != ev.args["amountFen"]:
                paid["<diverted>"] += ev.args["amountFen"]
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
        "wages: every pay run's listed wages add up to its total":
            t["WageAssigned.amountFen"] == t["PayrollFunded.totalFen"],
        "wages: every wage paid went to the worker it was listed for, in its listed amount":
            paid.get("<diverted>", 0) == 0,
    }
    return totals, counts, invariants


PARTS: dict[str, Any] = {"GrantProgramme": grant_part, "ConditionalPayment": conditional_part,
                         "WagePassThrough": wage_part}
