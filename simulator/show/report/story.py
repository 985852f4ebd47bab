"""The report's "What happened": a run told in sentences, one paragraph each, from its journal's timeline and
summary.json. Every sentence is a message of the report domain; each returns HTML (escaped here)."""

from __future__ import annotations

import html
from typing import Any

from ...read.timeline import Timeline
from .words import ReportWords

MODEL_ORDER = ("unsupervised", "risk_deposit", "escrow")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def models(comparison: dict[str, Any]) -> list[str]:
    """The compared supervision models, the pilot's three in their order first."""
    return [m for m in MODEL_ORDER if m in comparison] + [m for m in comparison if m not in MODEL_ORDER]


def what_happened(header: dict[str, Any], tl: Timeline, summary: dict[str, Any] | None, title: str,
                  w: ReportWords) -> list[str]:
    """The paragraphs of "What happened", as HTML."""
    s = summary or {}
    totals: dict[str, int] = s.get("totals") or {}
    counts: dict[str, int] = s.get("counts") or {}
    out = [_opening(header, tl, summary, title, w)]
    if tl.institutions:
        out.append(_e(_prepaid(tl, w)))
    out.extend(_e(_campaign(c, w)) for c in tl.campaigns)
    out.extend(_e(line) for line in subsidy_sentences(totals, counts, w))
    comparison = s.get("comparison")
    if comparison:
        losses = [w._("{loss} under {model}", loss=w.money(comparison[m].get("parent_loss_fen", 0)), model=w.model(m))
                  for m in models(comparison)]
        out.append(_e(w.n_("The same term ran under {n} supervision model at once, on one chain. Parents lost "
                           "{losses}.", "The same term ran under {n} supervision models at once, on one chain. "
                           "Parents lost {losses}.", len(losses), losses=w.list(losses))))
    if tl.refusals:
        out.append(_e(w.n_("{n} transaction was refused by the contracts ({expected} of them as the scenario "
                           "expected); it is listed below with its reason.",
                           "{n} transactions were refused by the contracts ({expected} of them as the scenario "
                           "expected); each is listed below with its reason.",
                           len(tl.refusals), expected=w.number(counts.get("expected_refusals", 0)))))
    alerts = s.get("alerts") or []
    out.append(_e(w.n_("{n} alert was raised during the run.", "{n} alerts were raised during the run.", len(alerts))
                  if alerts else w._("No alerts were raised during the run.")))
    out.append(_e(w._("In all, the bank issued {issued} of e-CNY and redeemed {redeemed}.",
                      issued=w.money(tl.final("issued")), redeemed=w.money(tl.final("redeemed")))))
    return out


def _opening(header: dict[str, Any], tl: Timeline, summary: dict[str, Any] | None, title: str,
             w: ReportWords) -> str:
    s = summary or {}
    scenario = s.get("scenario") or header.get("scenario", "?")
    outcome = s.get("outcome") if tl.complete else None
    # TRANSLATORS: the scenario's title as the report's first sentence
    para = [_e(w._("{title}.", title=title.rstrip("。."))),
            # TRANSLATORS: keep the HTML tags
            w.n_("Scenario <code>{name}</code>, seed {seed}: {n} transaction from {start} to {end} (Beijing time).",
                 "Scenario <code>{name}</code>, seed {seed}: {n} transactions from {start} to {end} (Beijing time).",
                 len(tl.points), name=_e(scenario), seed=_e(header.get("seed")), start=_e(w.time(tl.start)),
                 end=_e(w.time(tl.end)))]
    if not tl.complete:
        para.append(_e(w.n_("The journal has no end line: the run was cut short. This report covers its {n} "
                            "complete transaction.", "The journal has no end line: the run was cut short. This "
                            "report covers its {n} complete transactions.", len(tl.points))))
    elif outcome == "ok":
        para.append(_e(w._("The run finished and every invariant held.")))
    elif outcome:
        # TRANSLATORS: {outcome} is how the run ended ("an invariant failed"), {error} what went wrong; keep the tags
        para.append(w._("The run ended with <b>{outcome}</b>: {error}", outcome=_e(w.outcome(str(outcome))),
                        error=_e(s.get("message", ""))))
    if summary is None:
        para.append(_e(w._("No summary.json was found beside the journal; totals here are read from the journal "
                           "alone.")))
    return w.sentences(para)


def _prepaid(tl: Timeline, w: ReportWords) -> str:
    rows = tl.institutions
    names = sorted({r.institution for r in rows})
    institutions = names[0] if len(names) == 1 else w.n_("{n} institution", "{n} institutions", len(names))
    # TRANSLATORS: {institutions} is a school's name or "3 institutions"; {orders} a count with its unit
    line = [w._("Parents prepaid {paid} for {orders} with {institutions}. Of that, {released} reached the "
                "institutions, {refunded} went back to the parents and {locked} is still locked.",
                paid=w.money(sum(r.paid_in_fen for r in rows)),
                orders=counted(w, "orders", sum(r.orders for r in rows)),
                institutions=institutions, released=w.money(sum(r.released_fen for r in rows)),
                refunded=w.money(sum(r.refunded_fen for r in rows)), locked=w.money(sum(r.locked_fen for r in rows)))]
    lessons = sum(r.lessons_released for r in rows if r.escrow)
    if lessons:
        line.append(w.n_("{n} lesson fee (lessons × pupils) was paid to the institutions one lesson at a time, as "
                         "the lessons were taught.", "{n} lesson fees (lessons × pupils) were paid to the "
                         "institutions one lesson at a time, as the lessons were taught.", lessons))
    frozen = sorted({r.institution for r in rows if r.status == "Frozen"})
    if frozen:
        line.append(w._("The regulator froze {names}.", names=w.list(frozen)))
    return w.sentences(line)


def _campaign(c: Any, w: ReportWords) -> str:
    m = w.money
    # TRANSLATORS: {claims}, {payments} and {merchants} are counts with their unit ("951 packets")
    spent = w._("{funder} funded {funded} of red packets ({campaign}, valid {start} to {end}). Winners claimed "
                "{claims} worth {claimed}; {payments} spent {spent} of packet money and {own} of the buyers' own "
                "money at {merchants}.",
                funder=c.funder, funded=m(c.funded_fen), campaign=c.contract, start=w.time(c.start),
                end=w.time(c.expiry), claims=counted(w, "claimed_packets", c.claims), claimed=m(c.claimed_fen),
                payments=counted(w, "payments", c.payments), spent=m(c.spent_from_packets_fen),
                own=m(c.own_money_spent_fen), merchants=counted(w, "merchants", c.merchants))
    back = {"returned": m(c.returned_to_funder_fen), "refunded": m(c.refunded_to_buyers_fen),
            "unspent": m(c.unspent_fen)}
    if c.swept_fen:
        back = w._("{returned} went back to the funder ({swept} swept at expiry: {unclaimed} never claimed, "
                   "{swept_unspent} claimed but unspent); {refunded} was refunded to buyers; {unspent} is still in "
                   "packets.", swept=m(c.swept_fen), unclaimed=m(c.swept_unclaimed_fen),
                   swept_unspent=m(c.swept_unspent_fen), **back)
    else:
        back = w._("{returned} went back to the funder; {refunded} was refunded to buyers; {unspent} is still in "
                   "packets.", **back)
    return w.sentences([spent, back])


#: Counts with their unit, filled into the sentences below (a language that says the unit in the sentence, as
#: Chinese does, translates each as the bare "{n}").
UNITS = {
    # TRANSLATORS: filled into "made {grants}"; Chinese keeps only {n} (the unit is in its sentence)
    "grants": lambda w, n: w.n_("{n} grant", "{n} grants", n),
    # TRANSLATORS: filled into "in {tranches}"; Chinese keeps only {n} (the unit is in its sentence)
    "tranches_paid": lambda w, n: w.n_("{n} tranche payment", "{n} tranche payments", n),
    # TRANSLATORS: filled into "in {payments}"; Chinese keeps only {n} (the unit is in its sentence)
    "grant_payments": lambda w, n: w.n_("{n} payment", "{n} payments", n),
    # TRANSLATORS: starts the clawbacks' sentence; Chinese keeps only {n} (the unit is in its sentence)
    "clawbacks": lambda w, n: w.n_("{n} clawback", "{n} clawbacks", n),
    # TRANSLATORS: starts the conditional payments' sentence; Chinese keeps only {n}
    "conditional_payments": lambda w, n: w.n_("{n} conditional payment", "{n} conditional payments", n),
    # TRANSLATORS: starts the wages' sentence; Chinese keeps only {n} (the unit is in its sentence)
    "pay_runs": lambda w, n: w.n_("{n} pay run", "{n} pay runs", n),
    # TRANSLATORS: filled into "paid to workers in {count}"; Chinese keeps only {n}
    "wages_paid": lambda w, n: w.n_("{n} wage", "{n} wages", n),
    # TRANSLATORS: filled into "Parents prepaid ... for {orders}"; Chinese keeps only {n} (the unit is in its sentence)
    "orders": lambda w, n: w.n_("{n} order", "{n} orders", n),
    # TRANSLATORS: filled into "Winners claimed {claims}"; Chinese keeps only {n} (the unit is in its sentence)
    "claimed_packets": lambda w, n: w.n_("{n} packet", "{n} packets", n),
    "payments": lambda w, n: w.n_("{n} payment", "{n} payments", n),
    # TRANSLATORS: filled into "at {merchants}"; Chinese keeps only {n} (the unit is in its sentence)
    "merchants": lambda w, n: w.n_("{n} merchant", "{n} merchants", n),
}


def counted(w: ReportWords, key: str, n: int) -> str:
    """A count with its unit, as the sentences take it ("3 orders"; in Chinese the bare "3")."""
    return UNITS[key](w, n)


def subsidy_sentences(totals: dict[str, int], counts: dict[str, int], w: ReportWords) -> list[str]:
    """What happened to a run's grant, conditional-payment and wage money, from summary.json's totals."""
    m, out = w.money, []

    def counted_(key: str) -> str:
        return counted(w, key, counts.get(key, 0))

    if "budget_fen" in totals:
        # TRANSLATORS: {grants}, {tranches} and {payments} are counts with their unit ("24 grants")
        line = [w._("A grant programme with a budget of {budget} made {grants} and paid {paid} into the firms' "
                    "wallets in {tranches}; the firms spent {spent} of it on registered payees of allowed purposes "
                    "in {payments}, and {unspent} is still unspent.",
                    budget=m(totals["budget_fen"]), grants=counted_("grants"),
                    paid=m(totals.get("paid_to_firms_fen", 0)),
                    tranches=counted_("tranches_paid"),
                    spent=m(totals.get("grant_spent_fen", 0)),
                    payments=counted_("grant_payments"),
                    unspent=m(totals.get("grant_unspent_fen", 0)))]
        if totals.get("cancelled_fen"):
            line.append(w._("{cancelled} of tranches was cancelled.", cancelled=m(totals["cancelled_fen"])))
        if counts.get("clawbacks"):
            # TRANSLATORS: {clawbacks} is a count with its unit ("2 clawbacks")
            line.append(w._("{clawbacks}: the firms owed {owed} ({principal} received plus {interest} interest); "
                            "{returned} of unspent grant money went back at once, {withheld} of later tranches was "
                            "withheld, {repaid} was repaid and {outstanding} is still owed.",
                            clawbacks=counted_("clawbacks"), owed=m(totals.get("owed_fen", 0)),
                            principal=m(totals.get("principal_fen", 0)), interest=m(totals.get("interest_fen", 0)),
                            returned=m(totals.get("returned_unspent_fen", 0)),
                            withheld=m(totals.get("withheld_fen", 0)), repaid=m(totals.get("repaid_fen", 0)),
                            outstanding=m(totals.get("outstanding_fen", 0))))
        out.append(w.sentences(line))
    if "conditional_created_fen" in totals:
        # TRANSLATORS: {payments} is a count with its unit ("3 conditional payments")
        out.append(w._("{payments} locked {created} in the payers' own wallets: {released} was released to the "
                       "payees, {returned} went back to the payers and {pending} is still undecided ({disputes} "
                       "disputed).",
                       payments=counted_("conditional_payments"),
                       created=m(totals["conditional_created_fen"]),
                       released=m(totals.get("conditional_released_fen", 0)),
                       returned=m(totals.get("conditional_returned_fen", 0)),
                       pending=m(totals.get("conditional_pending_fen", 0)),
                       disputes=w.number(counts.get("conditional_disputes", 0))))
    if "wages_funded_fen" in totals:
        # TRANSLATORS: {runs} and {count} are counts with their unit ("2 pay runs", "40 wages")
        out.append(w._("{runs} put {funded} of wages into the subcontractor's wallet, locked to the workers listed: "
                       "{paid} was paid to workers in {count}, {returned} went back to the main contractor and "
                       "{pending} is not yet paid.",
                       runs=counted_("pay_runs"), funded=m(totals["wages_funded_fen"]),
                       paid=m(totals.get("wages_paid_fen", 0)), count=counted_("wages_paid"),
                       returned=m(totals.get("wages_returned_fen", 0)),
                       pending=m(totals.get("wages_pending_fen", 0))))
    return out


__all__ = ["what_happened", "subsidy_sentences", "models", "MODEL_ORDER"]
