"""Purpose-bound grant money: payroll and rent allowed, anything else refused, own money free

Special-funds money in a firm's wallet stays earmarked by the programme: it can pay only payees registered
for an allowed purpose (payroll, rent, suppliers), the way MAS's Purpose Bound Money and Shenzhen's e-CNY
special funds keep a subsidy to its purpose. The same firm's own money pays anyone. Grant money to an
equipment dealer or to an unregistered wallet is refused with the reason; so is a plain transfer that
would need grant money.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ecny_sim import fmt_fen, GrantProgramme, GrantRules, PayeeRegistry, PurposeName, ScenarioParams

DEPARTMENT, AGENCY, FIRM = "department:shenzhen_sme", "agency:sme_service", "firm:nanshan_robotics"
PAYEES = {"payroll:nanshan_robotics_staff": "payroll", "landlord:nanshan_park": "rent",
          "supplier:huaqiang_parts": "suppliers", "dealer:lathe_machines": "equipment"}


class Params(ScenarioParams):
    start: str = "2022-06-01 09:00"
    grant_fen: int = Field(20_000_000, ge=1, description="¥200,000 in one tranche")
    own_money_fen: int = Field(5_000_000, ge=0, description="¥50,000 of the firm's own money")
    payroll_fen: int = Field(8_000_000, ge=1, description="¥80,000 to staff from grant money")
    rent_fen: int = Field(3_000_000, ge=1, description="¥30,000 rent from grant money")
    equipment_fen: int = Field(4_000_000, ge=1, description="¥40,000 lathe: not an allowed purpose")
    allowed_purposes: list[PurposeName] = Field(["payroll", "rent", "suppliers"], min_length=1)

    @model_validator(mode="after")
    def _fits(self) -> "Params":
        if self.payroll_fen + self.rent_fen > self.grant_fen:
            raise ValueError("payroll_fen + rent_fen must fit in grant_fen")
        if self.equipment_fen > self.own_money_fen:
            raise ValueError("equipment_fen must fit in own_money_fen: the firm pays the lathe with its own money")
        if not {"payroll", "rent"} <= set(self.allowed_purposes) or "equipment" in self.allowed_purposes:
            raise ValueError("this scenario needs payroll and rent allowed and equipment not allowed")
        return self


TEST_PARAMS: dict = {}


def run(sim, p: Params) -> None:
    payees = PayeeRegistry(sim)
    programme = GrantProgramme(sim, department=DEPARTMENT, agency=AGENCY, payees=payees,
                               rules=GrantRules(allowed_purposes=p.allowed_purposes))
    for name in (DEPARTMENT, AGENCY, *PAYEES, "wallet:unregistered_shop"):
        sim.token.open_wallet(name, "corporate")
    sim.token.open_wallet(FIRM, "corporate", p.own_money_fen)
    for payee, purpose in PAYEES.items():
        payees.register([payee], purpose)
    sim.token.issue(DEPARTMENT, p.grant_fen)
    programme.fund(p.grant_fen)
    (grant_id,) = programme.admit([(FIRM, [p.grant_fen])])
    programme.attest([grant_id], 0)
    sim.say(f"{FIRM} holds {fmt_fen(p.grant_fen)} of grant money (allowed: {', '.join(p.allowed_purposes)}) "
            f"and {fmt_fen(p.own_money_fen)} of its own")

    sim.advance(days=3)
    programme.spend(FIRM, "payroll:nanshan_robotics_staff", p.payroll_fen)
    programme.spend(FIRM, "landlord:nanshan_park", p.rent_fen)
    sim.say(f"grant money paid staff {fmt_fen(p.payroll_fen)} and rent {fmt_fen(p.rent_fen)}")

    sim.advance(days=1)
    for payee, error in (("dealer:lathe_machines", "Grant_PurposeNotAllowed"),
                         ("wallet:unregistered_shop", "Grant_PurposeNotAllowed")):
        with sim.refused(error) as r:
            programme.spend(FIRM, payee, p.equipment_fen)
        sim.say(f"grant money to {payee}: refused ({r.text})")
    with sim.refused("ECNY_InsufficientFree") as r:  # grant money cannot leave by a plain transfer either
        sim.token.transfer(FIRM, "dealer:lathe_machines", p.own_money_fen + 1)
    sim.say(f"a transfer that would need grant money: refused ({r.text})")
    left = p.grant_fen - p.payroll_fen - p.rent_fen
    with sim.refused("Grant_InsufficientGrantMoney") as r:
        programme.spend(FIRM, "supplier:huaqiang_parts", left + 1)
    sim.say(f"more grant money than is left: refused ({r.text})")

    sim.token.transfer(FIRM, "dealer:lathe_machines", p.equipment_fen)
    sim.say(f"the firm pays the lathe, {fmt_fen(p.equipment_fen)}, with its own money: allowed")

    sim.check("the equipment dealer received only the firm's own money",
              sim.token.balance("dealer:lathe_machines") == p.equipment_fen)
    sim.check("the unregistered wallet received nothing", sim.token.balance("wallet:unregistered_shop") == 0)
    sim.check("grant money left is the grant less payroll and rent", programme.grant_money(FIRM) == left)
    sim.check("the firm's own money is free and reduced only by the lathe",
              sim.token.free(FIRM) == p.own_money_fen - p.equipment_fen)
    sim.extra_totals["paid_with_own_money_fen"] = p.equipment_fen
