"""A lowest-tier wallet tries to prepay ¥3,000: refused by its per-payment limit

e-CNY wallets come in tiers. The lowest (phone number only; PBoC 2021: ¥10,000 balance, ¥2,000 per payment,
¥5,000 a day) cannot prepay a ¥3,000 term in one payment; after the bank upgrades it to an ID-verified
wallet, the same enrolment goes through.
"""

from __future__ import annotations

from pydantic import Field

from ecny_sim import DAY, HOUR, WALLET_TIERS, fmt_fen, open_term, ScenarioParams, TierName


class Params(ScenarioParams):
    start: str = "2022-05-09 09:00"
    lessons: int = Field(20, ge=1, le=60)
    fee_per_lesson_fen: int = Field(15_000, ge=1)
    tier: TierName = Field("lowest", description="the parent's wallet tier")
    upgrade_to: TierName = Field("id_verified", description="tier the bank upgrades the wallet to afterwards")


TEST_PARAMS: dict = {}


def run(sim, p: Params) -> None:
    plan = sim.deploy_prepaid("escrow")
    term = open_term(sim, plan, "school:taoli", lessons=p.lessons, fee_per_lesson_fen=p.fee_per_lesson_fen,
                     lessons_per_week=2, first_lesson=p.start_ts + 7 * DAY + 9 * HOUR)
    fee = p.lessons * p.fee_per_lesson_fen
    limits = WALLET_TIERS[p.tier]
    sim.token.open_wallet("parent:wang", p.tier, min(fee, limits.balance_cap_fen or fee))
    sim.say(f"parent:wang holds a {p.tier} wallet (per payment {fmt_fen(limits.per_payment_fen)}) "
            f"and tries to prepay {fmt_fen(fee)}")
    with sim.refused("ECNY_PerPaymentLimitExceeded") as refusal:
        plan.enrol("parent:wang", term.course_id, p.lessons)
    sim.say(f"refused: {refusal.text}")
    sim.check("nothing was locked by the refused payment", plan.locked_total() == 0)
    sim.token.set_tier("parent:wang", p.upgrade_to)
    order = plan.enrol("parent:wang", term.course_id, p.lessons)
    sim.say(f"after an upgrade to {p.upgrade_to}, the same {fmt_fen(order.fee_fen)} enrolment goes through")
    sim.check("the enrolment after the upgrade locked the whole fee", plan.locked_total() == fee)
