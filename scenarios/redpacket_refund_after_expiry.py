"""A purchase paid with a packet and own money, refunded after expiry: own money to the buyer, packet money to the funder

A ¥300 purchase paid with a ¥200 packet and ¥100 of the buyer's own money is refunded after the campaign
expired. The merchant's refund returns own money first (¥100 to the buyer); the packet money can no
longer be spent, so its ¥200 goes to the funder, not the buyer.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ecny_sim import DAY, HOUR, Campaign, fmt_fen, MerchantRegistry, ScenarioParams


class Params(ScenarioParams):
    start: str = "2020-10-12 09:00"
    packet_fen: int = Field(20_000, ge=1)
    purchase_fen: int = Field(30_000, ge=1)
    days_valid: int = Field(7, ge=1)

    @model_validator(mode="after")
    def _own_part(self) -> "Params":
        if self.purchase_fen <= self.packet_fen:
            raise ValueError("purchase_fen must exceed packet_fen so that own money is used")
        return self


TEST_PARAMS: dict = {}


def run(sim, p: Params) -> None:
    registry = MerchantRegistry(sim)
    sim.token.open_wallet("merchant:wanxiang", "corporate")
    registry.register(["merchant:wanxiang"], district=1, category=1)
    start = p.start_ts + 9 * HOUR
    expiry = start + p.days_valid * DAY
    campaign = Campaign(sim, funder="government:luohu", registry=registry, start=start, expiry=expiry,
                        packets=[("winner:chen", p.packet_fen)], district=1)
    sim.token.open_wallet("government:luohu", "corporate", p.packet_fen)
    campaign.fund(p.packet_fen)
    own = p.purchase_fen - p.packet_fen
    sim.token.open_wallet("winner:chen", "id_verified", own)
    sim.at(start)
    campaign.claim("winner:chen")
    campaign.allow_own_money("winner:chen", own)
    sim.advance(hours=3)
    purchase = campaign.pay("winner:chen", "merchant:wanxiang", p.purchase_fen)
    sim.say(f"winner:chen buys for {fmt_fen(p.purchase_fen)}: {fmt_fen(p.packet_fen)} from the packet, "
            f"{fmt_fen(own)} own money")
    sim.at(expiry + HOUR)
    campaign.sweep()
    sim.token.allow_earmark("merchant:wanxiang", campaign.address, p.purchase_fen)
    buyer_before, funder_before = sim.token.balance("winner:chen"), sim.token.balance("government:luohu")
    refunded = campaign.refund("merchant:wanxiang", purchase, p.purchase_fen).event("PurchaseRefunded").args
    to_buyer = sim.token.balance("winner:chen") - buyer_before
    to_funder = sim.token.balance("government:luohu") - funder_before
    sim.say(f"after expiry the merchant refunds {fmt_fen(p.purchase_fen)}: {fmt_fen(to_buyer)} to the buyer, "
            f"{fmt_fen(to_funder)} to the funder")
    sim.check("own money went back to the buyer", to_buyer == refunded["ownToBuyerFen"] == own)
    sim.check("packet money went to the funder", to_funder == refunded["packetToFunderFen"] == p.packet_fen)
    sim.check("the buyer's refunded money is free to spend", sim.token.free("winner:chen") == own)
