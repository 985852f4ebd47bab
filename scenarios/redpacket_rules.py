"""Red-packet rules: what packet money cannot do, each refused or handled as the rules say

Packet money may only be spent at allowed merchants (here: Luohu district) before expiry; it cannot be
transferred or cashed out; only lottery winners can claim, once; a wallet closed during the campaign returns
its unused packet to the funder at once.
"""

from __future__ import annotations

from pydantic import Field

from ecny_sim import DAY, HOUR, Campaign, fmt_fen, MerchantRegistry, ScenarioParams

LUOHU, FUTIAN, RETAIL = 1, 2, 1


class Params(ScenarioParams):
    start: str = "2020-10-12 09:00"
    packet_fen: int = Field(20_000, ge=100)
    days_valid: int = Field(7, ge=1)


TEST_PARAMS: dict = {}


def run(sim, p: Params) -> None:
    registry = MerchantRegistry(sim)
    for m in ("merchant:luohu-books", "merchant:futian-mall"):
        sim.token.open_wallet(m, "corporate")
    registry.register(["merchant:luohu-books"], district=LUOHU, category=RETAIL)
    registry.register(["merchant:futian-mall"], district=FUTIAN, category=RETAIL)
    start = p.start_ts + 9 * HOUR
    expiry = start + p.days_valid * DAY
    winners = ["winner:an", "winner:bai", "winner:cao"]
    campaign = Campaign(sim, funder="government:luohu", registry=registry, start=start, expiry=expiry,
                        packets=[(w, p.packet_fen) for w in winners], district=LUOHU)
    budget = len(winners) * p.packet_fen
    sim.token.open_wallet("government:luohu", "corporate", budget)
    campaign.fund(budget)
    for w in winners + ["citizen:ding"]:
        sim.token.open_wallet(w, "id_verified", 5_000)
    sim.at(start)
    for w in winners:
        campaign.claim(w)
    sim.say(f"three winners claim a {fmt_fen(p.packet_fen)} packet each; it sits in their wallets, earmarked")

    def refused(error: str, what: str, action) -> None:
        with sim.refused(error) as r:
            action()
        sim.say(f"{what}: refused, {r.text}")

    half = p.packet_fen // 2
    refused("Campaign_MerchantNotAllowed", "winner:an pays a Futian merchant with packet money",
            lambda: campaign.pay("winner:an", "merchant:futian-mall", half))
    sim.token.transfer("winner:an", "merchant:futian-mall", 3_000)
    sim.say("an ordinary payment of winner:an's own ¥30 to the same merchant goes through")
    refused("ECNY_InsufficientFree", "winner:an transfers packet money to a friend",
            lambda: sim.token.transfer("winner:an", "citizen:ding", p.packet_fen))
    refused("ECNY_InsufficientFree", "winner:an cashes packet money out to the bank",
            lambda: sim.token.redeem("winner:an", p.packet_fen))
    refused("Campaign_NotAWinner", "citizen:ding, not a winner, claims a packet",
            lambda: campaign.claim("citizen:ding", amount_fen=p.packet_fen, proof=campaign.packets["winner:an"][0].proof))
    refused("Campaign_AlreadyClaimed", "winner:bai claims a second time", lambda: campaign.claim("winner:bai"))
    campaign.pay("winner:an", "merchant:luohu-books", half)
    sim.say(f"winner:an spends {fmt_fen(half)} at a Luohu bookshop; {fmt_fen(campaign.packet_balance('winner:an'))} left")

    funder_before = sim.token.balance("government:luohu")
    closed = sim.token.close_wallet("winner:cao").event("PacketReturnedOnClose").args
    back = sim.token.balance("government:luohu") - funder_before
    sim.say(f"winner:cao closes the wallet mid-campaign: the unused {fmt_fen(back)} goes back to the funder at once")
    sim.check("closing a wallet returned its packet to the funder", back == closed["amountFen"] == p.packet_fen)

    sim.at(expiry)
    refused("Campaign_Expired", "winner:bai pays after expiry",
            lambda: campaign.pay("winner:bai", "merchant:luohu-books", half))
    swept = campaign.sweep().event("CampaignSwept").args["sweptFen"]
    sim.say(f"the sweep returns the unspent {fmt_fen(swept)} to the funder")
    sim.check("the sweep took back exactly the unspent packets", swept == p.packet_fen + (p.packet_fen - half))
    sim.check("the Futian merchant holds only own money", sim.token.balance("merchant:futian-mall") == 3_000)
