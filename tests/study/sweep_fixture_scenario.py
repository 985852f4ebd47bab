"""A small escrow term whose points can fail on purpose: the sweep tests' scenario

Each parent's fee stays locked and a lesson's fee is released as each lesson is recorded. ``fail`` makes a point
fail: "raise" (the script raises), "invariant" (a check that does not hold), "revert" (a transaction the scenario
did not expect to revert: a parent cancels another's order), "exit" (the worker process dies) or "flaky" (raises
while the environment has ECNY_SWEEP_TEST_FLAKY, as a lost worker would fail once and not again).
"""

from __future__ import annotations

import os

from pydantic import Field

from ecny_sim import DAY, HOUR, ScenarioParams, open_term


class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"
    pupils: int = Field(2, ge=1, le=20)
    lessons: int = Field(2, ge=1, le=10)
    fail: str = Field("none", pattern="^(none|raise|invariant|revert|exit|flaky)$")


TEST_PARAMS: dict = {}


def run(sim, p: Params) -> None:
    if p.fail == "exit":
        os._exit(3)  # the process running the point dies: a worker lost
    plan = sim.deploy_prepaid("escrow")
    term = open_term(sim, plan, "school:a", lessons=p.lessons, fee_per_lesson_fen=15_000, lessons_per_week=2,
                     first_lesson=p.start_ts + 7 * DAY + 9 * HOUR)
    term.enrol(sim, [f"parent:{i:03d}" for i in range(1, p.pupils + 1)])
    for _ in range(p.lessons):
        term.record_next_lesson(sim)
    if p.fail == "raise" or (p.fail == "flaky" and os.environ.get("ECNY_SWEEP_TEST_FLAKY")):
        raise RuntimeError("this point fails on purpose")
    if p.fail == "revert":
        plan.cancel("parent:999", term.order_ids[0])
    sim.check("the school got paid", p.fail != "invariant")
