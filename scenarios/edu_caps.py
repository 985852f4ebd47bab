"""Orders that break the regulator's caps are refused, each with its own reason

The caps on prepaid tuition (domain.md §1): at most 60 class hours per order; lessons within 3 months (92
days); at most ¥5,000 per charge; no charge more than a month before the course starts; renewal only when
20 or fewer class hours remain. One enrolment breaks each cap in turn; then compliant ones go through.
"""

from __future__ import annotations

from pydantic import Field

from ecny_sim import DAY, HOUR, WEEK, fmt_fen, open_term, PrepaidRules, ScenarioParams


class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"
    fee_per_lesson_fen: int = Field(15_000, ge=1)
    rules: PrepaidRules = Field(default_factory=PrepaidRules, description="the regulator's caps")


TEST_PARAMS: dict = {}


def run(sim, p: Params) -> None:
    plan = sim.deploy_prepaid("escrow", p.rules)
    fee = p.fee_per_lesson_fen
    soon = p.start_ts + 7 * DAY + 9 * HOUR
    school = "school:taoli"
    # Each course is built to break exactly one cap when a parent buys all of it.
    cases = [
        ("80 class hours", dict(lessons=40, class_hours_per_lesson=2, lessons_per_week=4, first_lesson=soon),
         "Prepaid_ClassHoursCapExceeded"),
        ("lessons over 4 months", dict(lessons=17, class_hours_per_lesson=1, lessons_per_week=1, first_lesson=soon),
         "Prepaid_OrderSpanTooLong"),
        (f"{fmt_fen(40 * fee)} in one charge", dict(lessons=40, class_hours_per_lesson=1, lessons_per_week=4,
                                                  first_lesson=soon), "Prepaid_ChargeCapExceeded"),
        ("paid 6 weeks before the course starts", dict(lessons=20, class_hours_per_lesson=1, lessons_per_week=2,
                                                       first_lesson=p.start_ts + 6 * WEEK), "Prepaid_ChargeTooEarly"),
    ]
    sim.token.open_wallet("parent:li", "id_verified", 2_000_000)
    for what, course, error in cases:
        term = open_term(sim, plan, school, fee_per_lesson_fen=fee, **course)
        with sim.refused(error) as refusal:
            plan.enrol("parent:li", term.course_id, course["lessons"])
        sim.say(f"an order of {what}: refused with {refusal.text}")

    # Renewal: only when 20 or fewer class hours remain on the current order.
    term = open_term(sim, plan, school, fee_per_lesson_fen=fee, lessons=30, class_hours_per_lesson=2,
                     lessons_per_week=3, first_lesson=soon)
    first = plan.enrol("parent:li", term.course_id, 30)
    term.orders.append(first)
    sim.say(f"parent:li prepays 30 two-hour lessons ({fmt_fen(first.fee_fen)}): within every cap")
    for _ in range(5):
        term.record_next_lesson(sim)
    with sim.refused("Prepaid_RenewalTooEarly") as refusal:
        plan.enrol("parent:li", term.course_id, 10)
    sim.say(f"renewing after 5 lessons: refused with {refusal.text}")
    while plan.call("lessonsLeftOf", first.id) * 2 > p.rules.renewal_max_hours_left:
        term.record_next_lesson(sim)
    renewal = plan.enrol("parent:li", term.course_id, 10)
    sim.say(f"with {plan.call('lessonsLeftOf', first.id) * 2} class hours left, the renewal of "
            f"{fmt_fen(renewal.fee_fen)} goes through")
    sim.check("every cap refused its order", sim.counts["expected_refusals"] == len(cases) + 1)
    sim.check("only the compliant orders locked money",
              plan.locked_total() == first.fee_fen + renewal.fee_fen - plan.order(first.id)["lessonsReleased"] * fee)

