"""Construction wages through a subcontractor who can see them but not divert them

Xiong'an (2022) paid construction wages on e-CNY contracts from the main contractor through the
subcontractor to each worker. Here the main contractor funds each month's pay run: the wages pass into the
subcontractor's wallet, locked to the listed workers and amounts. The subcontractor pays most workers, tries
to pay a crony instead of one worker and to move the wage money out: both refused. It then stalls; on payday
the main contractor pays the rest directly. Every worker gets every listed fen.
"""

from __future__ import annotations

import random

from pydantic import Field, model_validator

from ecny_sim import DAY, fmt_fen, ScenarioParams, WageContract

MAIN, SUB, CRONY = "contractor:main", "contractor:sub", "crony:sub_cousin"


class Params(ScenarioParams):
    start: str = "2022-07-01 09:00"
    workers: int = Field(30, ge=2, le=150, description="one pay run per month; 150 fit one transaction")
    monthly_wage_fen: int = Field(650_000, ge=1, description="¥6,500 a month (inferred, construction)")
    wage_spread_fen: int = Field(150_000, ge=0, description="wages vary by up to ¥1,500 by trade")
    months: int = Field(2, ge=1, le=24)
    stalled_workers: int = Field(5, ge=1, description="workers the subcontractor does not pay before payday")
    subcontractor_own_fen: int = Field(1_000_000, ge=0, description="¥10,000 of the subcontractor's own money")

    @model_validator(mode="after")
    def _fits(self) -> "Params":
        if self.stalled_workers >= self.workers:
            raise ValueError("stalled_workers must be fewer than workers")
        if self.wage_spread_fen >= self.monthly_wage_fen:
            raise ValueError("wage_spread_fen must be less than monthly_wage_fen, so every wage is positive")
        return self


TEST_PARAMS: dict = {"workers": 6, "stalled_workers": 2}


def run(sim, p: Params) -> None:
    rng = random.Random(sim.seed)
    workers = [f"worker:{i:03d}" for i in range(1, p.workers + 1)]
    wage = {w: p.monthly_wage_fen + rng.randrange(-p.wage_spread_fen, p.wage_spread_fen + 1)
            if p.wage_spread_fen else p.monthly_wage_fen for w in workers}
    contract = WageContract(sim, main_contractor=MAIN, subcontractor=SUB, label="xiongan_site_7")
    sim.token.open_wallet(MAIN, "corporate", sum(wage.values()) * p.months)
    sim.token.open_wallet(SUB, "corporate", p.subcontractor_own_fen)
    for i in range(0, len(workers), 200):
        sim.token.open_wallets(workers[i:i + 200], "id_verified")
    sim.token.open_wallet(CRONY)

    for month in range(p.months):
        payday = sim.now + 30 * DAY
        run_id = contract.fund_payroll([(w, wage[w]) for w in workers], payday)
        total = sum(wage.values())
        sim.say(f"month {month + 1}: the main contractor funds {fmt_fen(total)} for {len(workers)} workers; it sits "
                f"in the subcontractor's wallet, locked to each worker")
        sim.advance(days=25)
        paid_early, stalled = workers[:-p.stalled_workers], workers[-p.stalled_workers:]
        contract.pay(SUB, run_id, paid_early)
        sim.say(f"the subcontractor pays {len(paid_early)} workers")
        if month == 0:
            diverted = contract.pay(SUB, run_id, [CRONY])
            skip = diverted.event("WageSkipped").args
            sim.check("a wage for someone off the payroll is passed over, nothing paid",
                      skip["reason"] == 1 and not diverted.events_named("WagePaid"))
            sim.say(f"the subcontractor tries to pay its cousin instead of {stalled[0]}: passed over, "
                    f"the cousin is not on the pay run")
            with sim.refused("ECNY_InsufficientFree") as r:
                sim.token.transfer(SUB, CRONY, p.subcontractor_own_fen + wage[stalled[0]])
            sim.say(f"it tries to move the wage money out of its wallet: refused ({r.text})")
            with sim.refused("Wage_NotYetPayday") as r:
                contract.pay(MAIN, run_id, stalled)
            sim.say(f"before payday only the subcontractor may pay: ({r.text})")
        sim.at(payday)
        contract.pay(MAIN, run_id, stalled)
        sim.say(f"payday: the subcontractor has stalled, so the main contractor pays the last {len(stalled)} "
                f"workers directly")
        sim.advance(days=5)

    sim.check("every worker received exactly their listed wages",
              all(sim.token.balance(w) == wage[w] * p.months for w in workers))
    sim.check("the crony received nothing", sim.token.balance(CRONY) == 0)
    sim.check("the subcontractor's own money is untouched",
              sim.token.balance(SUB) == sim.token.free(SUB) == p.subcontractor_own_fen)
    sim.check("no wages are left in the subcontractor's wallet", contract.pending() == 0)
