"""A disputed lesson: its fee is held until the regulator decides

With a dispute window (48 hours by default, an inferred setting), a recorded lesson's fee is released only
when the window has passed. One parent disputes a lesson that was not taught and the regulator refunds
it; another disputes a lesson that was taught and the regulator releases it to the school. Undisputed
lessons are paid out by the platform's settlement once their window has passed.
"""

from __future__ import annotations

from pydantic import Field

from ecny_sim import DAY, HOUR, fmt_fen, open_term, PrepaidRules, ScenarioParams


class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"
    pupils: int = Field(3, ge=3, le=500)
    lessons: int = Field(20, ge=3, le=60)
    fee_per_lesson_fen: int = Field(15_000, ge=1)
    dispute_window_hours: int = Field(48, ge=1, le=24 * 30)


TEST_PARAMS = {"lessons": 4}


def run(sim, p: Params) -> None:
    plan = sim.deploy_prepaid("escrow", PrepaidRules(dispute_window_hours=p.dispute_window_hours))
    term = open_term(sim, plan, "school:taoli", lessons=p.lessons, fee_per_lesson_fen=p.fee_per_lesson_fen,
                     lessons_per_week=2, first_lesson=p.start_ts + 7 * DAY + 9 * HOUR)
    parents = ["parent:alice", "parent:bo"] + [f"parent:{i:03d}" for i in range(3, p.pupils + 1)]
    alice, bo = term.enrol(sim, parents)[:2]
    fee = p.fee_per_lesson_fen
    school = "school:taoli"

    term.record_next_lesson(sim)
    sim.say(f"lesson 1 recorded: each fee is held for {p.dispute_window_hours} hours "
            f"(school:taoli holds {fmt_fen(sim.token.balance(school))})")
    sim.advance(hours=p.dispute_window_hours)
    term.plan.release_matured("bank", term.course_id, term.order_ids)
    sim.say(f"window over: the platform releases lesson 1; school:taoli holds {fmt_fen(sim.token.balance(school))}")

    # Lesson 2 was not taught to Alice's child: she disputes in time; the regulator agrees.
    term.record_next_lesson(sim, taught=False)
    sim.advance(hours=2)
    plan.dispute("parent:alice", alice.id)
    sim.advance(hours=p.dispute_window_hours)
    term.plan.release_matured("bank", term.course_id, term.order_ids)
    held = plan.call("releasableAmountOf", alice.id)
    sim.say(f"parent:alice disputes lesson 2; after the window the others are paid, hers is held "
            f"(releasable {fmt_fen(held)}, state {plan.order_state(alice.id)})")
    sim.check("a disputed lesson is held past its window", held == 0 and plan.order_state(alice.id) == "Disputed")
    before = sim.token.free("parent:alice")
    plan.resolve_dispute(alice.id, release_to_institution=False)
    sim.say(f"the regulator upholds it: {fmt_fen(sim.token.free('parent:alice') - before)} back to parent:alice")
    sim.check("an upheld dispute refunds the lesson to the parent", sim.token.free("parent:alice") - before == fee)

    # Lesson 3 was taught; Bo disputes anyway; the regulator releases it to the school.
    term.record_next_lesson(sim)
    plan.dispute("parent:bo", bo.id)
    sim.advance(hours=p.dispute_window_hours)
    term.plan.release_matured("bank", term.course_id, term.order_ids)
    school_before = sim.token.balance(school)
    plan.resolve_dispute(bo.id, release_to_institution=True)
    sim.say(f"parent:bo disputes lesson 3; the regulator finds it was taught: "
            f"{fmt_fen(sim.token.balance(school) - school_before)} released to the school")
    sim.check("a rejected dispute releases the lesson to the school", sim.token.balance(school) - school_before == fee)

    released = 3 * p.pupils - 1  # three lessons for everyone, less Alice's refunded one
    sim.check("the school was paid for exactly the lessons not refunded", sim.token.balance(school) == released * fee)
    sim.check("Alice's refunded lesson stays hers", sim.token.balance("parent:alice") == (p.lessons - 2) * fee)
