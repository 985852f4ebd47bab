"""A school relocates with 30 days' notice; parents may leave early, the rest are refunded when it moves

The school announces closure (Shanghai's prepaid rules: 30 days' notice). From then it takes no new
orders; lessons go on during the notice; parents may cancel at any time and get the unused rest at once;
when the notice ends, the remaining orders are refunded in batches by the platform.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ecny_sim import DAY, HOUR, fmt_fen, format_beijing, open_term, PrepaidRules, ScenarioParams


class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"
    pupils: int = Field(20, ge=1, le=2000)
    lessons: int = Field(20, ge=4, le=60)
    fee_per_lesson_fen: int = Field(15_000, ge=1)
    lessons_before_notice: int = Field(6, ge=0)
    parents_leaving_early: int = Field(5, ge=0)
    notice_days: int = Field(30, ge=1, le=365)
    refund_batch: int = Field(10, ge=1, le=500)

    @model_validator(mode="after")
    def _fits(self) -> "Params":
        if self.parents_leaving_early > self.pupils:
            raise ValueError("parents_leaving_early exceeds pupils")
        if self.lessons_before_notice >= self.lessons:
            raise ValueError("lessons_before_notice must be fewer than lessons")
        return self


TEST_PARAMS = {"pupils": 6, "lessons": 12, "lessons_before_notice": 2, "parents_leaving_early": 2}


def run(sim, p: Params) -> None:
    plan = sim.deploy_prepaid("escrow", PrepaidRules(closure_notice_days=p.notice_days))
    school = "school:chenguang"
    term = open_term(sim, plan, school, lessons=p.lessons, fee_per_lesson_fen=p.fee_per_lesson_fen,
                     lessons_per_week=2, first_lesson=p.start_ts + 7 * DAY + 9 * HOUR)
    term.enrol(sim, [f"parent:{i:03d}" for i in range(1, p.pupils + 1)])
    for _ in range(p.lessons_before_notice):
        term.record_next_lesson(sim)
    sim.advance(days=1)
    closes_at = plan.announce_closure(school).event("ClosureAnnounced").args["closesAt"]
    sim.say(f"{school} announces it is moving; the notice ends {format_beijing(closes_at)}")

    sim.token.open_wallet("parent:late", "id_verified", 10 * p.fee_per_lesson_fen)
    with sim.refused("Prepaid_InstitutionClosing") as refusal:
        plan.enrol("parent:late", term.course_id, 10)
    sim.say(f"a new enrolment is refused: {refusal.name}")

    leaving = term.orders[: p.parents_leaving_early]
    early_refunds = sum(plan.cancel(o.parent, o.id).event("OrderCancelled").args["refundFen"] for o in leaving)
    sim.say(f"{len(leaving)} parents leave at once and get {fmt_fen(early_refunds)} back")

    while term.recorded < p.lessons and term.schedule[term.recorded] < closes_at:
        term.record_next_lesson(sim)
    taught = term.recorded
    sim.at(max(sim.now, closes_at))
    sim.say(f"the notice ends after {taught} lessons in all; the school can no longer record lessons")
    if taught < p.lessons:
        with sim.refused("Prepaid_InstitutionClosed"):
            plan.record_lesson(school, term.course_id, term.order_ids)
    staying = [o.id for o in term.orders[p.parents_leaving_early:]]
    results = plan.refund_orders(school, staying, caller="bank", batch=p.refund_batch)
    refunded = sum(e.args["refundFen"] for r in results for e in r.events_named("OrderRefunded"))
    sim.say(f"the platform refunds the other {len(staying)} orders in {len(results)} batches: {fmt_fen(refunded)}")
    term.settle(sim, caller="bank")  # lessons still in their dispute window at the closure follow it

    fee = p.fee_per_lesson_fen
    expected_early = len(leaving) * (p.lessons - p.lessons_before_notice) * fee
    sim.check("early leavers got every unused lesson back", early_refunds == expected_early)
    sim.check("the others got every untaught lesson back", refunded == len(staying) * (p.lessons - taught) * fee)
    sim.check("nothing left locked", plan.locked_total() == 0)
