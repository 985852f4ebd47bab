"""A normal term: every lesson delivered, each lesson's fee released to the school

Shenzhen's supervised prepaid tuition (May 2022): the parent's prepaid fee stays locked in their own
wallet and one lesson's fee goes to the school each time a lesson is recorded ("一课一销"). Defaults: 20
lessons at ¥150, two a week, all delivered: 20 releases, nothing left locked.
"""

from __future__ import annotations

from pydantic import Field

from ecny_sim import DAY, fmt_fen, open_term, ScenarioParams


class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"
    pupils: int = Field(1, ge=1, le=2000, description="parents enrolling one child each")
    lessons: int = Field(20, ge=1, le=60)
    fee_per_lesson_fen: int = Field(15_000, ge=1, description="¥150 a lesson")
    lessons_per_week: int = Field(2, ge=1, le=7)
    first_lesson_after_days: int = Field(7, ge=0, le=30, description="the term starts a week after enrolment")


TEST_PARAMS = {"pupils": 3, "lessons": 6}


def run(sim, p: Params) -> None:
    plan = sim.deploy_prepaid("escrow")
    term = open_term(sim, plan, "school:taoli", lessons=p.lessons, fee_per_lesson_fen=p.fee_per_lesson_fen,
                     lessons_per_week=p.lessons_per_week, first_lesson=p.start_ts + 9 * 3600 + p.first_lesson_after_days * DAY)
    parents = [f"parent:{i:04d}" for i in range(1, p.pupils + 1)]
    term.enrol(sim, parents)
    fee = p.lessons * p.fee_per_lesson_fen
    sim.say(f"{len(parents)} parent(s) paid {fmt_fen(fee)} each; it stays locked in their own wallets "
            f"({fmt_fen(plan.locked_total())} under supervision)")
    for _ in range(p.lessons):
        term.record_next_lesson(sim)
    window = plan.rules.dispute_window_hours
    held = plan.locked_total()
    term.settle(sim)
    sim.say(f"{p.lessons} lessons recorded; each fee was held {window} hours for a dispute ({fmt_fen(held)} still held "
            f"after the last lesson); school:taoli received {fmt_fen(sim.token.balance('school:taoli'))}")
    sim.check("every order completed", all(plan.order_state(o) == "Completed" for o in term.order_ids))
    sim.check("nothing left locked", plan.locked_total() == 0)
    sim.check("school received every lesson's fee", sim.token.balance("school:taoli") == fee * len(parents))
