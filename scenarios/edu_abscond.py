"""A school absconds mid-term: the same term under three supervision models, side by side on one chain

The school stops teaching after lesson 10, cashes out its wallet and disappears ("跑路"); the regulator
freezes it and orders refunds. Unsupervised, the parents lose every unconsumed fen; with a 20% risk deposit
they share the deposit; under per-lesson escrow every unconsumed fen is still locked in their own wallets
and comes back. Defaults (domain.md §3.4): 40 pupils in two classes, 20 lessons × ¥150, two a week.
`phantom_lessons` adds lessons recorded but never taught, which the parents dispute in time.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ecny_sim import DAY, HOUR, fmt_fen, open_term, PrepaidRules, ScenarioParams, Term

MODELS = ("unsupervised", "risk_deposit", "escrow")
SHORT = {"unsupervised": "uns", "risk_deposit": "dep", "escrow": "esc"}


class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"
    pupils: int = Field(40, ge=1, le=2000)
    classes: int = Field(2, ge=1, le=100)
    lessons: int = Field(20, ge=2, le=60)
    fee_per_lesson_fen: int = Field(15_000, ge=1)
    lessons_per_week: int = Field(2, ge=1, le=7)
    lessons_before_abscond: int = Field(10, ge=0, description="lessons really taught before the school vanishes")
    phantom_lessons: int = Field(0, ge=0, description="lessons recorded after that but never taught")
    deposit_share_bps: int = Field(2_000, ge=0, le=10_000, description="risk deposit: 20% of each fee (Zigong 2020)")
    dispute_window_hours: int = Field(48, ge=1, description="(inferred) time a parent has to dispute a lesson")
    refund_batch: int = Field(25, ge=1, le=500, description="orders per refund transaction")

    @model_validator(mode="after")
    def _fits(self) -> "Params":
        if self.lessons_before_abscond + self.phantom_lessons >= self.lessons:
            raise ValueError("lessons_before_abscond + phantom_lessons must leave some of the term untaught")
        if self.classes > self.pupils:
            raise ValueError("more classes than pupils")
        return self


TEST_PARAMS = {"pupils": 6, "classes": 2, "lessons": 6, "lessons_before_abscond": 3}


def run(sim, p: Params) -> None:
    rules = PrepaidRules(dispute_window_hours=p.dispute_window_hours)
    first_lesson = p.start_ts + 7 * DAY + 9 * HOUR
    terms: dict[str, list[Term]] = {}
    for model in MODELS:
        plan = sim.deploy_prepaid(model, rules, **({"deposit_bps": p.deposit_share_bps} if model == "risk_deposit" else {}))
        school = f"school:taoli-{SHORT[model]}"
        terms[model] = []
        for c in range(p.classes):
            pupils = range(c * p.pupils // p.classes, (c + 1) * p.pupils // p.classes)
            term = open_term(sim, plan, school, lessons=p.lessons, fee_per_lesson_fen=p.fee_per_lesson_fen,
                             lessons_per_week=p.lessons_per_week, first_lesson=first_lesson + c * HOUR)
            term.enrol(sim, [f"parent:{SHORT[model]}-{i + 1:03d}" for i in pupils])
            terms[model].append(term)
    paid = p.pupils * p.lessons * p.fee_per_lesson_fen
    sim.say(f"Under each model {p.pupils} parents prepaid {fmt_fen(paid)} in all to their school")

    # The term runs: every class's lessons recorded at the same hours under the three models.
    for k in range(p.lessons_before_abscond + p.phantom_lessons):
        phantom = k >= p.lessons_before_abscond
        for model in MODELS:
            for term in terms[model]:
                term.record_next_lesson(sim, taught=not phantom)
        if phantom:
            sim.advance(hours=1)
            _dispute_phantom(sim, terms["escrow"])
    sim.say(f"{p.lessons_before_abscond} lessons taught"
            + (f", then {p.phantom_lessons} recorded but never taught (disputed by the escrow parents)"
               if p.phantom_lessons else ""))

    # The platform's daily settlement pays out lessons whose dispute window has passed.
    sim.advance(days=3)
    for term in terms["escrow"]:
        term.plan.release_matured("bank", term.course_id, term.order_ids)

    # The school vanishes with whatever its wallet holds; the regulator freezes it and refunds.
    sim.advance(days=2)
    for model in MODELS:
        school = terms[model][0].school
        free = sim.token.free(school)
        if free:
            sim.token.redeem(school, free)
        sim.say(f"[{model}] {school} stops teaching and cashes out {fmt_fen(free)}")
    sim.advance(days=5)
    for model in MODELS:
        plan, school = terms[model][0].plan, terms[model][0].school
        plan.freeze(school)
        ids = [i for term in terms[model] for i in term.order_ids]
        plan.refund_orders(school, ids, batch=p.refund_batch)

    comparison = {}
    for model in MODELS:
        comparison[model] = _outcome(sim, terms[model])
        c = comparison[model]
        sim.say(f"[{model}] refunded {fmt_fen(c['refunded_fen'])}; parents lose {fmt_fen(c['parent_loss_fen'])}")
    sim.comparison = comparison
    _checks(sim, p, terms, comparison)


def _dispute_phantom(sim, escrow_terms: list[Term]) -> None:
    """Escrow parents dispute a lesson that was recorded but not taught, inside the window."""
    for term in escrow_terms:
        for order in term.orders:
            if term.plan.order(order.id)["lessonsPending"] and not term.plan.order(order.id)["disputed"]:
                term.plan.dispute(order.parent, order.id)


def _outcome(sim, terms: list[Term]) -> dict[str, int]:
    """Read from the chain: what each model's parents paid, got back, and lost against what was taught."""
    plan = terms[0].plan
    label = plan.contract.name
    paid = refunded = released = 0
    for ev in sim.events:
        if ev.contract != label:
            continue
        if ev.name == "OrderPlaced":
            paid += ev.args["feeFen"]
        elif ev.name in ("OrderRefunded", "OrderCancelled"):
            refunded += ev.args["refundFen"]
        elif ev.name == "DisputeResolved" and not ev.args["releasedToInstitution"]:
            refunded += ev.args["amountFen"]
    school = terms[0].school
    for ev in sim.events:
        # Everything that reached the school's wallet from this model's parents, read from the token.
        if ev.contract == sim.token.contract.name and ev.args.get("payee") == sim.addr(school) \
                and ev.args.get("controller") == plan.address and ev.name in ("EarmarkReleased", "EarmarksReleased"):
            released += ev.args["amountFen"]
        if ev.contract == sim.token.contract.name and ev.name == "EarmarkReturned" \
                and ev.args["wallet"] == sim.addr(school) and ev.args["controller"] == plan.address:
            released += ev.args["amountFen"]  # a deposit handed back to the school
    taught_value = sum(t.taught * t.fee_per_lesson_fen * len(t.orders) for t in terms)
    return {"paid_in_fen": paid, "refunded_fen": refunded, "released_fen": released,
            "parent_loss_fen": paid - taught_value - refunded}


def _checks(sim, p: Params, terms: dict[str, list[Term]], comparison: dict[str, dict[str, int]]) -> None:
    unconsumed = p.pupils * (p.lessons - p.lessons_before_abscond) * p.fee_per_lesson_fen
    deposit = p.pupils * p.lessons * p.fee_per_lesson_fen * p.deposit_share_bps // 10_000
    sim.check("escrow: parents lose nothing", comparison["escrow"]["parent_loss_fen"] == 0)
    sim.check("escrow: every parent's wallet holds exactly the untaught lessons' fees", all(
        sim.token.balance(o.parent) == (p.lessons - p.lessons_before_abscond) * p.fee_per_lesson_fen
        for t in terms["escrow"] for o in t.orders))
    sim.check("unsupervised: parents lose every unconsumed fen",
              comparison["unsupervised"]["parent_loss_fen"] == unconsumed)
    # At the freeze a parent is owed only the lessons not yet paid out: phantom lessons were paid to the school.
    owed_at_freeze = p.pupils * (p.lessons - p.lessons_before_abscond - p.phantom_lessons) * p.fee_per_lesson_fen
    sim.check("risk deposit: parents lose the unconsumed fees less the deposit shared out",
              comparison["risk_deposit"]["parent_loss_fen"] == max(unconsumed - min(deposit, owed_at_freeze), 0))
    sim.check("risk deposit: the deposit was shared out, up to what was owed",
              sim.token.earmarked_total(terms["risk_deposit"][0].plan.address) == max(deposit - owed_at_freeze, 0))
    sim.check("escrow: nothing left locked after the refunds", terms["escrow"][0].plan.locked_total() == 0)
