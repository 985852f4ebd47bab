"""Car prepayment locked until delivery, and a new-energy-vehicle subsidy paid on registration

Pingshan (Shenzhen, 2024) locked a buyer's car prepayment in the buyer's own e-CNY wallet until delivery;
Sanya and Shenzhen paid NEV subsidies into owners' wallets. Three buyers pay the same deposit: Wang's car
arrives on time and Wang confirms; Zhao's misses the delivery deadline and the deposit comes back; Sun's car
arrives but Sun will not confirm, the dealer disputes, and the consumer council, the appointed verifier,
decides within its dispute window (had it not, the deposit would have gone back to Sun). Each delivered car's registration, attested by the vehicle office, releases the city's subsidy.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ecny_sim import DAY, WALLET_TIERS, ConditionalPayments, fmt_fen, ScenarioParams

DEALER, COUNCIL = "dealer:pingshan_nev", "verifier:consumer_council"
CITY, VEHICLE_OFFICE = "department:shenzhen_commerce", "verifier:vehicle_office"


class Params(ScenarioParams):
    start: str = "2024-03-01 10:00"
    deposit_fen: int = Field(2_000_000, ge=1, description="¥20,000 prepayment per car")
    delivery_days: int = Field(60, ge=2, description="the dealer promises delivery within this many days")
    on_time_day: int = Field(35, ge=1, description="Wang's and Sun's cars arrive on this day")
    subsidy_fen: int = Field(1_000_000, ge=0, description="¥10,000 NEV subsidy per registered car")
    registration_days: int = Field(30, ge=1, le=3650,
                                   description="registration must be attested within this many days")
    dispute_window_days: int = Field(30, ge=1, le=3650,
                                     description="(inferred) the consumer council decides a dispute within this")

    @model_validator(mode="after")
    def _on_time(self) -> "Params":
        if self.on_time_day >= self.delivery_days:
            raise ValueError("on_time_day must fall before delivery_days")
        if self.delivery_days > 3650:
            raise ValueError("delivery_days must be at most 3650")
        if self.registration_days <= self.delivery_days - self.on_time_day:
            raise ValueError("registration_days must outlast the wait for the late car "
                             "(more than delivery_days - on_time_day)")
        if self.dispute_window_days <= self.delivery_days - self.on_time_day:
            raise ValueError("dispute_window_days must outlast the wait for the late car "
                             "(more than delivery_days - on_time_day): the council decides after it")
        limit = WALLET_TIERS["id_verified"].per_payment_fen
        if self.deposit_fen > limit:
            raise ValueError(f"deposit_fen must be at most {limit}, the buyers' per-payment limit")
        return self


TEST_PARAMS: dict = {}


def run(sim, p: Params) -> None:
    escrow = ConditionalPayments(sim, label="car_deposits", dispute_window_days=p.dispute_window_days)
    subsidies = ConditionalPayments(sim, label="nev_subsidies")
    buyers = ("buyer:wang", "buyer:zhao", "buyer:sun")
    for name in (DEALER, COUNCIL, VEHICLE_OFFICE):
        sim.token.open_wallet(name, "corporate")
    sim.token.open_wallet(CITY, "corporate", p.subsidy_fen * len(buyers))
    for buyer in buyers:
        sim.token.open_wallet(buyer, "id_verified", p.deposit_fen)

    deadline = sim.now + p.delivery_days * DAY
    deposit = {b: escrow.create(b, DEALER, COUNCIL, p.deposit_fen, deadline) for b in buyers}
    sim.say(f"three buyers prepay {fmt_fen(p.deposit_fen)} each; it stays locked in their own wallets until "
            f"delivery or day {p.delivery_days}")

    with sim.refused("Conditional_NotAllowed") as r:
        escrow.confirm(DEALER, deposit["buyer:wang"])
    sim.say(f"the dealer tries to release a deposit to itself: refused ({r.text})")

    sim.advance(days=p.on_time_day)
    escrow.confirm("buyer:wang", deposit["buyer:wang"])
    sim.say(f"Wang's car is delivered; Wang confirms and the dealer receives {fmt_fen(p.deposit_fen)}")
    escrow.dispute(DEALER, deposit["buyer:sun"])
    sim.say("Sun's car is delivered but Sun will not confirm; the dealer disputes and the council must decide")

    delivered = ["buyer:wang", "buyer:sun"]
    registration_deadline = sim.now + p.registration_days * DAY
    subsidy = {}
    if p.subsidy_fen:
        subsidy = {b: subsidies.create(CITY, b, VEHICLE_OFFICE, p.subsidy_fen, registration_deadline)
                   for b in delivered}

    sim.at(deadline)
    sim.say(f"day {p.delivery_days}: Zhao's car has not arrived")
    escrow.reclaim(deposit["buyer:zhao"])
    sim.say(f"Zhao's {fmt_fen(p.deposit_fen)} goes back to Zhao")
    with sim.refused("Conditional_DeadlineNotReached") as r:
        escrow.reclaim(deposit["buyer:sun"])
    sim.say(f"Sun's disputed deposit waits for the council, not the delivery deadline: refused ({r.text})")
    escrow.confirm(COUNCIL, deposit["buyer:sun"])
    sim.say("the consumer council finds the car was delivered as agreed and releases Sun's deposit to the dealer")

    for buyer in delivered if p.subsidy_fen else ():
        subsidies.confirm(VEHICLE_OFFICE, subsidy[buyer])
    if p.subsidy_fen:
        sim.say(f"the vehicle office attests both registrations; each owner receives {fmt_fen(p.subsidy_fen)}")

    sim.check("the dealer received the two delivered cars' deposits",
              sim.token.balance(DEALER) == 2 * p.deposit_fen)
    sim.check("the late car's buyer has the whole deposit back, free to spend",
              sim.token.free("buyer:zhao") == p.deposit_fen)
    sim.check("each registered owner received the subsidy",
              all(sim.token.free(b) == p.subsidy_fen for b in delivered))
    sim.check("every deposit and subsidy is decided", all(
        c.status(i) in ("Released", "Returned") for c, ids in ((escrow, deposit), (subsidies, subsidy))
        for i in ids.values()))
