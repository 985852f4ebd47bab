"""A parent withdraws mid-term and gets the unconsumed rest back at once

"未用退费": after 8 of 20 lessons at ¥150 the parent cancels; the school keeps ¥1,200 (8 lessons released)
and ¥1,800 comes back to the parent's own wallet in the same transaction.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ecny_sim import DAY, HOUR, fmt_fen, open_term, ScenarioParams


class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"
    lessons: int = Field(20, ge=1, le=60)
    fee_per_lesson_fen: int = Field(15_000, ge=1)
    lessons_per_week: int = Field(2, ge=1, le=7)
    lessons_before_withdrawal: int = Field(8, ge=0)

    @model_validator(mode="after")
    def _within_term(self) -> "Params":
        if self.lessons_before_withdrawal >= self.lessons:
            raise ValueError("lessons_before_withdrawal must be fewer than lessons")
        return self


TEST_PARAMS = {"lessons": 5, "lessons_before_withdrawal": 2}


def run(sim, p: Params) -> None:
    plan = sim.deploy_prepaid("escrow")
    term = open_term(sim, plan, "school:taoli", lessons=p.lessons, fee_per_lesson_fen=p.fee_per_lesson_fen,
                     lessons_per_week=p.lessons_per_week, first_lesson=p.start_ts + 7 * DAY + 9 * HOUR)
    (order,) = term.enrol(sim, ["parent:alice"])
    sim.say(f"parent:alice prepaid {fmt_fen(order.fee_fen)} for {p.lessons} lessons; it is locked in her wallet")
    for _ in range(p.lessons_before_withdrawal):
        term.record_next_lesson(sim)
    sim.advance(days=1)
    before = sim.token.free("parent:alice")
    result = plan.cancel("parent:alice", order.id)
    cancelled = result.event("OrderCancelled").args
    back = sim.token.free("parent:alice") - before
    term.settle(sim)  # the last lesson's fee was still in its dispute window: it goes to the school after it
    kept = sim.token.balance("school:taoli")
    sim.say(f"parent:alice withdraws after {p.lessons_before_withdrawal} lessons: {fmt_fen(back)} back at once "
            f"({cancelled['lessonsUnused']} lessons unused); school:taoli keeps {fmt_fen(kept)}")
    unused = p.lessons - p.lessons_before_withdrawal
    sim.check("refund equals the unused lessons' fees", back == cancelled["refundFen"] == unused * p.fee_per_lesson_fen)
    sim.check("school keeps exactly the delivered lessons' fees", kept == p.lessons_before_withdrawal * p.fee_per_lesson_fen)
    sim.check("nothing left locked", plan.locked_total() == 0)
    sim.check("order is cancelled", plan.order_state(order.id) == "Cancelled")
