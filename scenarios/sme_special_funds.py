"""Shenzhen's e-CNY special funds: ¥616 million to 2,422 small firms, in tranches on verified milestones

To August 2022 Shenzhen paid ¥616 million of government special funds in e-CNY to 2,422 small and micro
firms. Here the department funds one programme with the whole budget, admits every firm with a grant in
three tranches (40 % on admission, 30 % at six months, 30 % at a year), and an agency attests each
milestone; the tranche lands in the firm's wallet as grant money, payable only for payroll, rent or
suppliers. Some firms miss a milestone: their remaining tranches are cancelled and stay in the budget.
One firm is found to have cheated: it returns its unspent grant money, repays the rest with interest, and
its application to the next round is refused for three years.
`scale` runs a proportional programme (firms rounded, money scaled in fen).
"""

from __future__ import annotations

import random
from fractions import Fraction

from pydantic import Field, model_validator

from ecny_sim import DAY, fmt_fen, GrantProgramme, PayeeRegistry, scaled, ScenarioParams

DEPARTMENT, AGENCY = "department:shenzhen_sme", "agency:sme_service"
MILESTONES = ("admission checked", "six-month review", "one-year audit")


class Params(ScenarioParams):
    start: str = "2022-01-10 09:00"
    scale: float = Field(1.0, gt=0, le=1, description="1 = the whole programme: 2,422 firms, ¥616 million")
    firms: int = Field(2_422, ge=1, description="firms paid to Aug 2022 (published)")
    budget_fen: int = Field(61_600_000_000, ge=1, description="¥616 million (published)")
    tranche_split_pct: list[int] = Field([40, 30, 30], min_length=1, max_length=8,
                                         description="(inferred) share of each grant per milestone")
    days_to_milestone: list[int] = Field([7, 180, 365], min_length=1, max_length=8,
                                         description="days from admission to each milestone's attestation")
    size_spread_pct: int = Field(50, ge=0, le=90, description="grants vary by up to this much around the mean")
    missed_milestone_bps: int = Field(500, ge=0, le=10_000,
                                      description="(inferred) share of firms that miss a later milestone, in bps")
    spend_share_pct: int = Field(50, ge=0, le=100, description="share of its first tranche each firm spends")
    cheating_firm: bool = Field(True, description="one firm that met every milestone is found to have cheated")
    payees_per_purpose: int = Field(20, ge=1, le=1_000)
    wallet_batch: int = Field(200, ge=1, le=400)
    block_size: int = Field(60, ge=1, le=60, description="firms' payments mined together in one block")

    @model_validator(mode="after")
    def _consistent(self) -> "Params":
        if len(self.tranche_split_pct) != len(self.days_to_milestone):
            raise ValueError("tranche_split_pct and days_to_milestone need one entry per milestone")
        if sum(self.tranche_split_pct) != 100 or min(self.tranche_split_pct) <= 0:
            raise ValueError("tranche_split_pct must be positive and add up to 100")
        if self.days_to_milestone != sorted(set(self.days_to_milestone)) or self.days_to_milestone[0] < 1:
            raise ValueError("days_to_milestone must rise strictly from at least 1")
        if len(self.days_to_milestone) > 1 and self.days_to_milestone[1] <= self.days_to_milestone[0] + 7:
            raise ValueError("the second milestone must come more than 7 days after the first: firms spend "
                             "their first tranche in the week after it")
        firms, budget = self.scaled()
        if budget < firms * len(self.tranche_split_pct) * 100:
            raise ValueError("the scaled budget is too small: each tranche needs at least 1 fen per share point")
        return self

    def scaled(self) -> tuple[int, int]:
        s = Fraction(str(self.scale))
        return max(1, scaled(self.firms, s)), max(1, scaled(self.budget_fen, s))


TEST_PARAMS: dict = {"scale": 0.01}


def grant_sizes(budget: int, firms: int, spread_pct: int, rng: random.Random) -> list[int]:
    """Sizes that add up to the budget exactly: seeded weights, floored, the remainder a fen each."""
    weights = [100 + rng.randint(-spread_pct, spread_pct) for _ in range(firms)]
    total = sum(weights)
    sizes = [budget * w // total for w in weights]
    for i in range(budget - sum(sizes)):
        sizes[i % firms] += 1
    return sizes


def tranches(size: int, split_pct: list[int]) -> list[int]:
    parts = [size * pct // 100 for pct in split_pct[:-1]]
    return parts + [size - sum(parts)]


def run(sim, p: Params) -> None:
    rng = random.Random(sim.seed)
    n, budget = p.scaled()
    firms = [f"firm:{i:04d}" for i in range(1, n + 1)]
    payees = PayeeRegistry(sim)
    programme = GrantProgramme(sim, department=DEPARTMENT, agency=AGENCY, payees=payees, label="sme_funds_2022")
    purposes = programme.rules.allowed_purposes
    pools = {purpose: [f"{purpose}:{i:02d}" for i in range(1, p.payees_per_purpose + 1)] for purpose in purposes}
    sim.token.open_wallets([DEPARTMENT, AGENCY, *(x for pool in pools.values() for x in pool)], "corporate")
    for i in range(0, n, p.wallet_batch):
        sim.token.open_wallets(firms[i:i + p.wallet_batch], "corporate")
    for purpose, pool in pools.items():
        payees.register(pool, purpose)

    sim.token.issue(DEPARTMENT, budget)
    programme.fund(budget)
    sizes = grant_sizes(budget, n, p.size_spread_pct, rng)
    plan = [tranches(size, p.tranche_split_pct) for size in sizes]
    ids = [grant_id for chunk in sim.in_batches(list(zip(firms, plan)), 40, "Admitting firms")
           for grant_id in programme.admit(chunk)]
    admitted = sim.now
    sim.say(f"{n:,} firms admitted, {fmt_fen(budget)} in all ({fmt_fen(min(sizes))} to {fmt_fen(max(sizes))} "
            f"each), in {len(p.tranche_split_pct)} tranches")

    # Which firms fail, and at which later milestone: seeded, spread over the milestones after the first.
    missing = rng.sample(range(n), round(n * p.missed_milestone_bps / 10_000)) if len(plan[0]) > 1 else []
    miss_at = {i: 1 + k % (len(p.tranche_split_pct) - 1) for k, i in enumerate(missing)}
    active = list(range(n))
    for milestone, day in enumerate(p.days_to_milestone):
        sim.at(admitted + day * DAY)
        failing = [i for i in active if miss_at.get(i) == milestone]
        for i in failing:
            programme.miss(ids[i], milestone)
        active = [i for i in active if miss_at.get(i) != milestone]
        for chunk in sim.in_batches([ids[i] for i in active], 60, f"Attesting milestone {milestone + 1}"):
            programme.attest(chunk, milestone)
        paid = sum(plan[i][milestone] for i in active)
        missed = f"; {len(failing)} firms missed it and their remaining tranches are cancelled" if failing else ""
        sim.say(f"{MILESTONES[milestone] if milestone < len(MILESTONES) else f'milestone {milestone + 1}'}: "
                f"{len(active):,} firms paid {fmt_fen(paid)}{missed}")
        if milestone == 0 and p.spend_share_pct:
            sim.advance(days=7)
            spends = []
            for i in range(n):
                pool = pools[purposes[rng.randrange(len(purposes))]]
                amount = plan[i][0] * p.spend_share_pct // 100
                if amount:
                    spends.append(programme.spend_call(firms[i], pool[rng.randrange(len(pool))], amount))
            for block in sim.in_batches(spends, p.block_size, "Firms paying with grant money"):
                sim.send_batch(block)
            sim.say(f"firms pay staff, rent and suppliers {fmt_fen(sum(c[-1] for c in spends))} of grant money "
                    f"in {len(spends):,} payments")

    cancelled = sum(sum(plan[i][miss_at[i]:]) for i in miss_at)
    sim.say(f"the programme paid {fmt_fen(budget - cancelled)}; {fmt_fen(cancelled)} of cancelled tranches "
            f"stays in the budget")
    recovered = catch_a_cheat(sim, programme, firms, ids, active, rng) if p.cheating_firm and active else 0
    sim.check("the budget holds exactly the cancelled tranches and what a cheat paid back",
              programme.balance() == cancelled + recovered)
    sim.check("every firm that met its milestones received its whole grant", all(
        programme.grant(ids[i])["paidFen"] == sizes[i] for i in range(n) if i not in miss_at))


def catch_a_cheat(sim, programme: GrantProgramme, firms: list[str], ids: list[int], completed: list[int],
                  rng: random.Random) -> int:
    """A firm that met every milestone turns out to have faked its figures: everything it received comes back
    with interest, and it may not apply again for the exclusion period. Returns what the programme got back."""
    i = completed[rng.randrange(len(completed))]
    firm, grant_id = firms[i], ids[i]
    sim.advance(days=60)
    claw = programme.breach(grant_id, sim.now, fraud=True)
    owed = claw["principalFen"] + claw["interestFen"]
    sim.say(f"{firm} is found to have faked its figures: it owes {fmt_fen(owed)} ({fmt_fen(claw['principalFen'])} "
            f"+ {fmt_fen(claw['interestFen'])} interest); {fmt_fen(claw['returnedUnspentFen'])} of unspent grant "
            f"money comes back at once")
    if claw["outstandingFen"]:
        sim.advance(days=14)
        sim.token.issue(firm, claw["outstandingFen"])  # from its bank account
        programme.repay(firm, grant_id, claw["outstandingFen"])
        sim.say(f"{firm} repays the remaining {fmt_fen(claw['outstandingFen'])} from its own money")
    sim.advance(days=90)
    with sim.refused("Grant_FirmExcluded") as r:
        programme.admit([(firm, [100])])
    sim.say(f"{firm} applies to the next round: refused ({r.text})")
    sim.check("the cheat owes exactly what it received plus interest, and repaid all of it",
              claw["principalFen"] == programme.grant(grant_id)["paidFen"]
              and programme.outstanding(grant_id) == 0)
    return owed
