"""The names of things the report shows, as messages looked up later by key (``N_`` marks them): scenario
titles, parameters, totals, counts, actor groups, supervision models, statuses, outcomes, alert kinds, and the
invariants a run checks. ``ReportWords`` (words.py) looks them up; a key not here falls back to itself.
"""

from __future__ import annotations

from ..i18n import N_

#: Built-in scenarios' titles; English reports show the run's own title (summary.json), these are for
#: translators (the same sentences).
TITLES = {
    "edu_abscond": N_("A school absconds mid-term: the same term under three supervision models, side by side on "
                      "one chain"),
    "edu_city_term": N_("A city's term: every pupil's prepaid fee under escrow, at institutions large and small, "
                        "paid out lesson by lesson"),
    "edu_caps": N_("Orders that break the regulator's caps are refused, each with its own reason"),
    "edu_dispute": N_("A disputed lesson: its fee is held until the regulator decides"),
    "edu_refund_run": N_("A refund run: a rumour makes 1,000 parents cancel within an hour, and every one succeeds"),
    "edu_relocation": N_("A school relocates with 30 days' notice; parents may leave early, the rest are refunded "
                         "when it moves"),
    "edu_term": N_("A normal term: every lesson delivered, each lesson's fee released to the school"),
    "edu_withdraw": N_("A parent withdraws mid-term and gets the unconsumed rest back at once"),
    "redpacket_luohu_2020": N_("Luohu 2020 red packets: lottery, spending at Luohu merchants, and the expiry sweep"),
    "redpacket_refund_after_expiry": N_("A purchase paid with a packet and own money, refunded after expiry: own "
                                        "money to the buyer, packet money to the funder"),
    "redpacket_rules": N_("Red-packet rules: what packet money cannot do, each refused or handled as the rules say"),
    "wallet_tier_limit": N_("A lowest-tier wallet tries to prepay ¥3,000: refused by its per-payment limit"),
    "sme_special_funds": N_("Shenzhen's e-CNY special funds: ¥616 million to 2,422 small firms, in tranches on "
                            "verified milestones"),
    "sme_relocation_clawback": N_("A firm moves out of Shenzhen in year 3 and repays its grant with interest"),
    "grant_purpose_binding": N_("Purpose-bound grant money: payroll and rent allowed, anything else refused, own "
                                "money free"),
    "car_prepayment": N_("Car prepayment locked until delivery, and a new-energy-vehicle subsidy paid on "
                         "registration"),
    "wage_passthrough": N_("Construction wages through a subcontractor who can see them but not divert them"),
}

#: Scenario parameters, in words with their unit where a bare number needs one. A report shows the name, and the
#: key below it in small type.
PARAMS = {
    "start": N_("start time (Beijing time)"),
    "pupils": N_("number of pupils"), "classes": N_("number of classes"),
    "smallest_institution": N_("pupils at the smallest institution"),
    "largest_institution": N_("pupils at the largest institution"),
    "class_size": N_("pupils per class"), "lessons": N_("number of lessons"), "fee_per_lesson_fen": N_("fee per lesson"),
    "lessons_per_week": N_("lessons per week"), "lessons_before_abscond": N_("lessons taught before the school absconds"),
    "phantom_lessons": N_("phantom lessons (recorded, never taught)"),
    "deposit_share_bps": N_("deposit share (basis points)"), "dispute_window_hours": N_("dispute window (hours)"),
    "refund_batch": N_("orders per refund transaction"), "parents": N_("number of parents"),
    "lessons_before_rumour": N_("lessons taught before the rumour"), "run_minutes": N_("length of the run (minutes)"),
    "lessons_before_withdrawal": N_("lessons taught before the withdrawal"),
    "lessons_before_notice": N_("lessons taught before the notice"), "notice_days": N_("notice period (days)"),
    "parents_leaving_early": N_("parents leaving early"), "first_lesson_after_days": N_("days to the first lesson"),
    "rules": N_("rules"), "tier": N_("wallet tier"), "upgrade_to": N_("upgraded to"),
    "applicants": N_("number of applicants"), "packets": N_("number of packets"), "packet_fen": N_("amount per packet"),
    "claims": N_("number of claims"), "payments": N_("number of payments"), "merchants": N_("number of merchants"),
    "own_money_payers_share": N_("share of buyers spending own money"), "own_money_spent_fen": N_("own money spent"),
    "packet_money_spent_fen": N_("packet money spent"), "scale": N_("scale (share of the real figures)"),
    "valid_from": N_("valid from (Beijing time)"), "valid_until": N_("valid until (Beijing time)"),
    "block_size": N_("transactions per block"),
    "block_window_minutes": N_("block window (minutes)"), "wallet_batch": N_("wallets opened per batch"),
    "days_valid": N_("days valid"), "purchase_fen": N_("purchase amount"),
    # grants
    "firms": N_("number of firms"), "budget_fen": N_("budget"),
    "tranche_split_pct": N_("each tranche's share of the grant (percent)"),
    "days_to_milestone": N_("days from approval to each milestone"),
    "size_spread_pct": N_("spread of grant sizes (percent)"),
    "missed_milestone_bps": N_("firms missing a milestone (basis points)"),
    "spend_share_pct": N_("share of the first tranche spent (percent)"),
    "payees_per_purpose": N_("payees per purpose"), "tranches_fen": N_("tranche amounts"),
    "days_between_tranches": N_("days between tranches"), "spent_on_payroll_fen": N_("grant money spent on payroll"),
    "spent_on_rent_fen": N_("grant money spent on rent"),
    "move_out_day": N_("day the firm moves out (after the first tranche)"),
    "interest_rate_bps": N_("annual interest rate (basis points)"), "promise_years": N_("years promised to stay"),
    "firm_own_money_fen": N_("the firm's own money"), "grant_fen": N_("grant amount"),
    "own_money_fen": N_("the firm's own money"), "payroll_fen": N_("payroll"), "rent_fen": N_("rent"),
    "equipment_fen": N_("equipment (not an allowed purpose)"), "allowed_purposes": N_("allowed purposes"),
    "cheating_firm": N_("one firm cheats"),
    # conditional payments
    "deposit_fen": N_("deposit per car"), "delivery_days": N_("delivery deadline (days)"),
    "on_time_day": N_("day of the on-time delivery"), "subsidy_fen": N_("NEV subsidy per car"),
    "registration_days": N_("registration deadline (days)"),
    "dispute_window_days": N_("the verifier's deadline after a dispute (days)"),
    # wages
    "workers": N_("number of workers"), "monthly_wage_fen": N_("monthly wage"), "wage_spread_fen": N_("wage spread"),
    "months": N_("number of months"), "stalled_workers": N_("workers the subcontractor stalls"),
    "subcontractor_own_fen": N_("the subcontractor's own money"),
}

#: summary.json's totals, in the order the report lists them.
TOTALS = {
    "issued_fen": N_("issued by the bank"),
    "redeemed_fen": N_("redeemed (cashed out)"),
    "paid_in_fen": N_("paid in by parents"),
    "released_fen": N_("released to institutions"),
    "refunded_fen": N_("refunded"),
    "locked_fen": N_("still locked"),
    "funded_fen": N_("funded (red-packet budget)"),
    "claimed_fen": N_("claimed by winners"),
    "spent_from_packets_fen": N_("spent from packets"),
    "own_money_spent_fen": N_("buyers' own money spent"),
    "refunded_to_buyer_fen": N_("refunded to buyers"),
    "returned_to_funder_fen": N_("returned to the funder"),
    "swept_fen": N_("swept at expiry"),
    "swept_unclaimed_fen": N_("swept: never claimed"),
    "swept_unspent_fen": N_("swept: claimed but unspent"),
    "packet_money_with_merchants_fen": N_("packet money kept by merchants"),
    "packet_money_unspent_fen": N_("packet money still in packets"),
    # grant programmes
    "budget_fen": N_("grant budget (funded less taken back)"),
    "paid_out_fen": N_("tranches settled (paid to firms or withheld)"),
    "paid_to_firms_fen": N_("grant money paid to firms"),
    "unpaid_fen": N_("budget not paid out"),
    "cancelled_fen": N_("tranches cancelled"),
    "grant_spent_fen": N_("grant money spent on allowed payees"),
    "grant_unspent_fen": N_("grant money unspent in firms' wallets"),
    "paid_with_own_money_fen": N_("paid with the firm's own money"),
    "principal_fen": N_("clawed back: grant received"),
    "interest_fen": N_("clawed back: interest"),
    "owed_fen": N_("owed in all (grant received + interest)"),
    "returned_unspent_fen": N_("unspent grant money returned at once"),
    "withheld_fen": N_("later tranches withheld against debts"),
    "repaid_fen": N_("repaid from firms' own money"),
    "outstanding_fen": N_("still owed"),
    "returned_on_close_fen": N_("grant money returned when wallets closed"),
    "credited_on_close_fen": N_("of which credited against a later clawback"),
    "programme_balance_fen": N_("left in the programme's budget"),
    # conditional payments
    "conditional_created_fen": N_("locked in conditional payments"),
    "conditional_released_fen": N_("released to payees"),
    "conditional_returned_fen": N_("returned to payers"),
    "conditional_pending_fen": N_("still locked, undecided"),
    # wages
    "wages_funded_fen": N_("wages funded by the main contractor"),
    "wages_paid_fen": N_("wages paid to workers"),
    "wages_returned_fen": N_("wages returned to the main contractor"),
    "wages_pending_fen": N_("wages not yet paid"),
}

#: summary.json's counts.
COUNTS = {
    "transactions": N_("transactions"),
    "reverted": N_("refused (reverted)"),
    "expected_refusals": N_("refusals the scenario expected"),
    "orders": N_("orders"),
    "lessons_released": N_("lessons paid out from escrow"),
    "lessons_delivered_upfront": N_("lessons delivered (paid up front)"),
    "refunds": N_("refunds"),
    "claimed_packets": N_("packets claimed"),
    "payments": N_("payments"),
    "grants": N_("grants"),
    "tranches_paid": N_("tranches paid"),
    "milestones_missed": N_("milestones missed"),
    "grant_payments": N_("payments of grant money"),
    "clawbacks": N_("clawbacks"),
    "conditional_payments": N_("conditional payments"),
    "conditional_disputes": N_("disputed payments"),
    "pay_runs": N_("pay runs"),
    "wages_paid": N_("wages paid"),
}

#: Actor groups (the part of an actor's name before the colon: "parent:li" is a parent).
GROUPS = {
    "parent": N_("parents"),
    "school": N_("schools"),
    "merchant": N_("merchants"),
    "government": N_("government (funder)"),
    "winner": N_("winners"),
    "citizen": N_("citizens"),
    "bank": N_("bank"),
    "regulator": N_("regulator"),
    "bureau": N_("commerce bureau"),
    "firm": N_("firms"),
    "department": N_("government department (funder)"),
    "agency": N_("milestone agency"),
    "payroll": N_("payroll payees"),
    "rent": N_("rent payees"),
    "suppliers": N_("supplier payees"),
    "supplier": N_("suppliers"),
    "landlord": N_("landlords"),
    "dealer": N_("dealers"),
    "wallet": N_("unregistered wallets"),
    "buyer": N_("car buyers"),
    "verifier": N_("verifiers"),
    "contractor": N_("contractors"),
    "worker": N_("workers"),
    "crony": N_("the subcontractor's crony"),
    "other": N_("other"),
}

#: Supervision models of prepaid tuition (a prepaid contract's label).
MODELS = {
    "escrow": N_("per-lesson escrow (the pilot)"),
    "risk_deposit": N_("risk deposit"),
    "unsupervised": N_("unsupervised (paid up front)"),
}

#: What the comparison of supervision models measures (summary.json's comparison, less "_fen").
MEASURES = {
    "paid_in": N_("parents paid"),
    "released": N_("released to the school"),
    "refunded": N_("refunded"),
    "parent_loss": N_("parents lose"),
}

#: The running totals of the money-over-time chart.
FLOWS = {
    "locked": N_("locked (earmarked under supervision, in packets, grants, payments or wages)"),
    "released": N_("released to institutions / merchants / payees"),
    "refunded": N_("refunded to parents / buyers / payers"),
    "returned": N_("swept / returned to funders"),
}

#: The parts of the institutions' and campaigns' bars.
PARTS = {
    "released": N_("released to the institution"),
    "refunded": N_("refunded to parents"),
    "locked": N_("still locked"),
    "with_merchants": N_("spent at merchants"),
    "returned": N_("returned to the funder"),
    "unspent": N_("still in packets"),
}

#: An institution's status on chain.
STATUSES = {"Approved": N_("approved"), "Frozen": N_("frozen"), "Closing": N_("closing")}

#: How a run ended (summary.json's outcome).
OUTCOMES = {
    "ok": N_("ok"),
    "invariant_failed": N_("an invariant failed"),
    "unexpected_revert": N_("an unexpected revert"),
    "scenario_error": N_("a scenario error"),
    "chain_failed": N_("the chain backend failed"),
    # a run someone acted in from `ecny-sim serve`'s regulator page, its money invariants holding
    "intervened": N_("the regulator intervened"),
}

#: Kinds of alert (the sentences saying what happened are in words.py).
ALERTS = {
    "cancellation_wave": N_("cancellation wave"),
    "supervised_balance_high": N_("supervised balance high"),
    "course_oversold": N_("course oversold"),
    "campaign_unspent_near_expiry": N_("campaign unspent near expiry"),
    "grant_debt_outstanding": N_("debt outstanding after a clawback"),
    "milestones_missed": N_("firms missing milestones"),
    "conditional_payment_disputed": N_("conditional payment disputed"),
}

#: What a prefix of an invariant's name ("grants: owed = ...") says; a prefix not here is shown as it is.
INVARIANT_PREFIXES = {
    "escrow": N_("escrow"),
    "risk_deposit": N_("risk deposit"),
    "risk deposit": N_("risk deposit"),
    "unsupervised": N_("unsupervised"),
    # TRANSLATORS: the prefix of the checks that hold for a whole grant programme ("grants: ...")
    "grants": N_("grant programme"),
    # TRANSLATORS: the prefix of the checks that hold for all conditional payments ("conditional: ...")
    "conditional": N_("conditional payment"),
    "packets": N_("packets"),
    "wages": N_("wages"),
}

#: The invariants the built-in scenarios check, by their English names (which English reports show as they are).
INVARIANTS = frozenset({
    N_("money is conserved: supply = issued - redeemed"),
    N_("money is conserved: supply = sum of wallet balances"),
    N_("no parent got back more than they paid"),
    N_("escrow balance equals unconsumed fees"),
    N_("every parent's wallet holds exactly the untaught lessons' fees"),
    N_("nothing left locked after the refunds"),
    N_("paid in = released + refunded + still locked"),
    N_("parents lose nothing"),
    N_("supervised balances add up to the escrow balance"),
    N_("parents lose the unconsumed fees less the deposit shared out"),
    N_("the deposit was shared out, up to what was owed"),
    N_("deposit held equals the orders' deposits (a frozen school's surplus apart)"),
    N_("deposit locked = released + shared out + still held"),
    N_("supervised balances add up to the deposit held"),
    N_("parents lose every unconsumed fen"),
    N_("every fen of packet money is with a merchant, back with the funder or still in a packet"),
    N_("merchants hold exactly what buyers paid them, less refunds"),
    N_("event totals agree with the campaign contracts' own totals"),
    N_("after the sweep no packet money is left in any wallet"),
    N_("Alice's refunded lesson stays hers"),
    N_("a disputed lesson is held past its window"),
    N_("a rejected dispute releases the lesson to the school"),
    N_("an upheld dispute refunds the lesson to the parent"),
    N_("claimed packets as published (scaled)"),
    N_("closing a wallet returned its packet to the funder"),
    N_("early leavers got every unused lesson back"),
    N_("every cancellation landed within the run's minutes"),
    N_("every fen prepaid is with its school for a delivered lesson or still locked"),
    N_("each institution received exactly its pupils' fees for every lesson"),
    N_("every pupil had every lesson recorded, none skipped"),
    N_("no order was paid more lessons than it bought or than were recorded"),
    N_("no fee left escrow before its dispute window closed"),
    N_("every lesson was recorded within 10 minutes of its timetabled start"),
    N_("parents' wallets are empty: the schools hold every fen issued"),
    N_("every cancellation refunded exactly the unused lessons"),
    N_("every claim and payment before expiry"),
    N_("every cap refused its order"),
    N_("every order completed"),
    N_("nothing left locked"),
    N_("nothing was locked by the refused payment"),
    N_("only the compliant orders locked money"),
    N_("order is cancelled"),
    N_("own money spent as published (scaled)"),
    N_("own money went back to the buyer"),
    N_("packet money spent as published (scaled)"),
    N_("packet money went to the funder"),
    N_("payments as published (scaled)"),
    N_("refund equals the unused lessons' fees"),
    N_("school keeps exactly the delivered lessons' fees"),
    N_("school received every lesson's fee"),
    N_("swept = budget - packet money spent"),
    N_("swept unclaimed = unclaimed packets x denomination"),
    N_("the Futian merchant holds only own money"),
    N_("the buyer's refunded money is free to spend"),
    N_("the enrolment after the upgrade locked the whole fee"),
    N_("the funder got every unspent fen back"),
    N_("the others got every untaught lesson back"),
    N_("the school kept exactly the delivered lessons"),
    N_("the school was paid for exactly the lessons not refunded"),
    N_("the sweep took back exactly the unspent packets"),
    N_("expected_refusals_happened"),
    # grant programmes (also "grants: ..." for the programme-wide checks)
    N_("paid out = budget - unpaid"),
    N_("owed = principal + interest = returned on close before the clawback + returned unspent + repaid + withheld "
       "+ outstanding"),
    N_("programme balance = budget - paid out + returned unspent + repaid + withheld + returned on close"),
    N_("grant money paid to firms is spent, unspent, or back in the programme"),
    N_("each clawback's interest is floor(amount x rate x days / (10,000 x 365)) per payment"),
    N_("grant money reached only payees of allowed purposes"),
    N_("grant money reached only payees registered for an allowed purpose at the time"),
    N_("paid out = budget - unpaid (unpaid read from the grants' tranche records)"),
    N_("the token moved exactly the tranches paid into firms' wallets, and exactly the returns and repayments back"),
    N_("every firm that met its milestones received its whole grant"),
    N_("unpaid budget is exactly the cancelled tranches"),
    N_("the budget holds exactly the cancelled tranches and what a cheat paid back"),
    N_("the cheat owes exactly what it received plus interest, and repaid all of it"),
    N_("interest equals the per-payment formula worked by hand"),
    N_("principal is what the firm received"),
    N_("owed = returned unspent + withheld + repaid"),
    N_("the grant is settled with nothing outstanding"),
    N_("the firm keeps no grant money"),
    N_("grant money left is the grant less payroll and rent"),
    N_("the equipment dealer received only the firm's own money"),
    N_("the firm's own money is free and reduced only by the lathe"),
    N_("the unregistered wallet received nothing"),
    # conditional payments (also "conditional: ...")
    N_("created = released + returned + still pending"),
    N_("money held equals the undecided payments"),
    N_("the token locked, released and returned exactly what the payments say"),
    N_("each registered owner received the subsidy"),
    N_("every deposit and subsidy is decided"),
    N_("the dealer received the two delivered cars' deposits"),
    N_("the late car's buyer has the whole deposit back, free to spend"),
    # wages (also "wages: ...")
    N_("funded = paid + returned + still pending"),
    N_("every pay run's listed wages add up to its total"),
    N_("each worker received from the subcontractor's wallet exactly the wages listed for them, and nobody else "
       "received any"),
    N_("the token moved each pay run's total into the subcontractor's wallet"),
    N_("every wage paid went to the worker it was listed for, in its listed amount"),
    N_("every worker received exactly their listed wages"),
    N_("no wages are left in the subcontractor's wallet"),
    N_("the crony received nothing"),
    N_("a wage for someone off the payroll is passed over, nothing paid"),
    N_("the subcontractor's own money is untouched"),
})

__all__ = ["TITLES", "PARAMS", "TOTALS", "COUNTS", "GROUPS", "MODELS", "MEASURES", "FLOWS", "PARTS", "STATUSES",
           "OUTCOMES", "ALERTS", "INVARIANT_PREFIXES", "INVARIANTS"]
