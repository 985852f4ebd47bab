"""A refund run: a rumour makes 1,000 parents cancel within an hour, and every one succeeds

Under escrow each parent's unconsumed fee is still locked in their own wallet, so a run on the school
cannot fail for lack of money: each cancellation returns exactly the unused lessons' fees at once.
"""

from __future__ import annotations

import random

from pydantic import Field, model_validator

from ecny_sim import DAY, HOUR, fmt_fen, open_term, ScenarioParams


class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"
    parents: int = Field(1_000, ge=1, le=20_000)
    class_size: int = Field(30, ge=1, le=200)
    lessons: int = Field(20, ge=2, le=60)
    fee_per_lesson_fen: int = Field(15_000, ge=1)
    lessons_before_rumour: int = Field(4, ge=0)
    run_minutes: int = Field(60, ge=1, le=24 * 60, description="the cancellations spread over this long")

    @model_validator(mode="after")
    def _rumour_mid_term(self) -> "Params":
        if self.lessons_before_rumour >= self.lessons:
            raise ValueError("lessons_before_rumour must be fewer than lessons")
        return self


TEST_PARAMS = {"parents": 40, "class_size": 15, "lessons": 5, "lessons_before_rumour": 2}


def run(sim, p: Params) -> None:
    plan = sim.deploy_prepaid("escrow")
    first = p.start_ts + 7 * DAY + 9 * HOUR
    classes = []
    for c, begin in enumerate(range(0, p.parents, p.class_size)):
        term = open_term(sim, plan, "school:xingguang", lessons=p.lessons, fee_per_lesson_fen=p.fee_per_lesson_fen,
                         lessons_per_week=2, first_lesson=first + (c % 6) * HOUR)
        term.enrol(sim, [f"parent:{i + 1:05d}" for i in range(begin, min(begin + p.class_size, p.parents))])
        classes.append(term)
    sim.say(f"{p.parents} parents in {len(classes)} classes prepaid {fmt_fen(plan.locked_total())} in all")
    for _ in range(p.lessons_before_rumour):
        for term in classes:
            term.record_next_lesson(sim)
    sim.advance(days=1)
    sim.say(f"a rumour spreads: every parent cancels within {p.run_minutes} minutes")
    rng = random.Random(sim.seed)  # seeded: the same run gives the same order of cancellations
    orders = [o for term in classes for o in term.orders]
    times = sorted(rng.randrange(p.run_minutes * 60) for _ in orders)
    rng.shuffle(orders)
    start = sim.now
    unused = (p.lessons - p.lessons_before_rumour) * p.fee_per_lesson_fen
    exact = 0
    last = start
    for order, offset in zip(sim.progress(orders, "Parents cancelling"), times):
        sim.at(max(sim.now, start + offset))  # those due at the same second share its block
        cancelled = plan.cancel(order.parent, order.id)
        exact += cancelled.event("OrderCancelled").args["refundFen"] == unused
        last = cancelled.timestamp
    sim.say(f"{len(orders)} cancellations succeeded by {last - start} s after the first; "
            f"each parent got {fmt_fen(unused)} back")
    sim.check("every cancellation landed within the run's minutes", last - start < p.run_minutes * 60)
    for term in classes:  # the last lesson's fees leave their dispute window and go to the school
        term.settle(sim)
    sim.check("every cancellation refunded exactly the unused lessons", exact == len(orders))
    sim.check("nothing left locked", plan.locked_total() == 0)
    sim.check("the school kept exactly the delivered lessons",
              sim.token.balance("school:xingguang") == p.parents * p.lessons_before_rumour * p.fee_per_lesson_fen)
