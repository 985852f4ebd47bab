"""A firm moves out of Shenzhen in year 3 and repays its grant with interest

Shenzhen's fintech support measures: a supported firm promises to keep its registration and main business
in the city for 15 years; one that moves out early returns every award with statutory interest. A ¥1,000,000
grant in four tranches of ¥250,000 (admission, then yearly); the firm spends ¥500,000 on payroll and rent
and moves out 1,000 days after the first tranche. It owes the ¥750,000 received plus, for each tranche, floor(amount × 345 bps ×
days / (10,000 × 365)); its ¥250,000 of unspent grant money goes back at once, the year-3 tranche is
withheld against the debt, and the firm repays the rest from its own money.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ecny_sim import DAY, fmt_fen, GrantProgramme, GrantRules, interest_fen, PayeeRegistry, ScenarioParams

DEPARTMENT, AGENCY, FIRM = "department:shenzhen_finance", "agency:sme_service", "firm:qianhai_fintech"


class Params(ScenarioParams):
    start: str = "2022-03-01 09:00"
    tranches_fen: list[int] = Field([25_000_000] * 4, min_length=2, max_length=8,
                                    description="¥250,000 each: at admission, then one a year")
    days_between_tranches: int = Field(365, ge=1)
    spent_on_payroll_fen: int = Field(35_000_000, ge=0, description="¥350,000 of grant money paid to staff")
    spent_on_rent_fen: int = Field(15_000_000, ge=0, description="¥150,000 of grant money paid in rent")
    move_out_day: int = Field(1_000, ge=1, description="days after the first tranche was paid: year 3")
    interest_rate_bps: int = Field(345, ge=0, le=10_000, description="1-year LPR, 3.45 %")
    promise_years: int = Field(15, ge=1)
    firm_own_money_fen: int = Field(100_000_000, ge=0, description="¥1,000,000 of the firm's own money")

    @model_validator(mode="after")
    def _story_fits(self) -> "Params":
        if any(t <= 0 for t in self.tranches_fen):
            raise ValueError("every tranche must be at least 1 fen")
        last_paid = (len(self.tranches_fen) - 2) * self.days_between_tranches
        if not last_paid < self.move_out_day < (len(self.tranches_fen) - 1) * self.days_between_tranches:
            raise ValueError("move_out_day must fall after the second-to-last tranche and before the last one, "
                             "so the last tranche is withheld")
        if self.spent_on_payroll_fen + self.spent_on_rent_fen > sum(self.tranches_fen[:-1]):
            raise ValueError("the firm cannot spend more grant money than the tranches paid before it moves")
        if self.move_out_day >= round(self.promise_years * 365.25):
            raise ValueError("move_out_day must fall within the promise period")
        return self


TEST_PARAMS: dict = {}


def run(sim, p: Params) -> None:
    payees = PayeeRegistry(sim)
    rules = GrantRules(interest_rate_bps=p.interest_rate_bps, promise_years=p.promise_years)
    programme = GrantProgramme(sim, department=DEPARTMENT, agency=AGENCY, payees=payees, rules=rules)
    for name in (DEPARTMENT, AGENCY, "payroll:qianhai_staff", "landlord:qianhai_tower"):
        sim.token.open_wallet(name, "corporate")
    sim.token.open_wallet(FIRM, "corporate", p.firm_own_money_fen)
    payees.register(["payroll:qianhai_staff"], "payroll")
    payees.register(["landlord:qianhai_tower"], "rent")
    size = sum(p.tranches_fen)
    sim.token.issue(DEPARTMENT, size)
    programme.fund(size)
    admitted = sim.now
    (grant_id,) = programme.admit([(FIRM, p.tranches_fen)])
    sim.say(f"{FIRM} admitted: {fmt_fen(size)} in {len(p.tranches_fen)} tranches; it promises to stay "
            f"{p.promise_years} years")

    last = len(p.tranches_fen) - 1
    for milestone in range(last):
        if milestone:
            sim.at(admitted + milestone * p.days_between_tranches * DAY)
        programme.attest([grant_id], milestone)
    sim.advance(days=30)
    if p.spent_on_payroll_fen:
        programme.spend(FIRM, "payroll:qianhai_staff", p.spent_on_payroll_fen)
    if p.spent_on_rent_fen:
        programme.spend(FIRM, "landlord:qianhai_tower", p.spent_on_rent_fen)
    received = sum(p.tranches_fen[:last])
    sim.say(f"{FIRM} received {fmt_fen(received)} and spent "
            f"{fmt_fen(p.spent_on_payroll_fen + p.spent_on_rent_fen)} of it on payroll and rent")

    breached_at = programme.tranches(grant_id)[0]["paidAt"] + p.move_out_day * DAY
    sim.at(breached_at + 10 * DAY)  # the agency learns of the move ten days later
    by_hand = 0
    for tranche in programme.tranches(grant_id):
        if tranche["paidAt"]:
            days = (breached_at - tranche["paidAt"]) // DAY
            due = interest_fen(tranche["amountFen"], p.interest_rate_bps, days)
            by_hand += due
            sim.say(f"interest: {fmt_fen(tranche['amountFen'])} × {p.interest_rate_bps} bps × {days} days "
                    f"/ (10,000 × 365) = {fmt_fen(due)}")
    claw = programme.breach(grant_id, breached_at)
    owed = claw["principalFen"] + claw["interestFen"]
    sim.say(f"{FIRM} moved out on day {p.move_out_day}: owes {fmt_fen(owed)} ({fmt_fen(claw['principalFen'])} "
            f"+ {fmt_fen(claw['interestFen'])} interest); {fmt_fen(claw['returnedUnspentFen'])} unspent grant "
            f"money returned at once, {fmt_fen(claw['outstandingFen'])} still owed")
    sim.check("interest equals the per-payment formula worked by hand", claw["interestFen"] == by_hand)
    sim.check("principal is what the firm received", claw["principalFen"] == received)

    sim.at(admitted + last * p.days_between_tranches * DAY)
    if claw["outstandingFen"]:
        programme.attest([grant_id], last)  # the year-3 audit covers work done before the move
        withheld = programme.grant(grant_id)["withheldFen"]
        outstanding = programme.outstanding(grant_id)
        sim.say(f"tranche {last + 1} ({fmt_fen(p.tranches_fen[last])}) withheld against the debt: "
                f"{fmt_fen(withheld)}; {fmt_fen(outstanding)} left to repay")
    else:
        outstanding = 0
        sim.say(f"the unspent grant money covered the whole debt; tranche {last + 1} is cancelled")
    sim.advance(days=30)
    if outstanding:
        short = outstanding - sim.token.free(FIRM)
        if short > 0:
            sim.token.issue(FIRM, short)  # from its bank account
        programme.repay(FIRM, grant_id, outstanding)
    grant = programme.grant(grant_id)
    sim.say(f"{FIRM} repaid {fmt_fen(grant['repaidFen'])} from its own money; the debt is settled")
    sim.check("owed = returned unspent + withheld + repaid",
              owed == grant["returnedUnspentFen"] + grant["withheldFen"] + grant["repaidFen"])
    sim.check("the grant is settled with nothing outstanding",
              grant["status"] == 5 and programme.outstanding(grant_id) == 0)
    sim.check("the firm keeps no grant money", programme.grant_money(FIRM) == 0)
