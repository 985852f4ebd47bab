"""Luohu 2020 red packets: lottery, spending at Luohu merchants, and the expiry sweep

"礼享罗湖", the first public e-CNY pilot (Shenzhen, Oct 2020): 50,000 packets of ¥200 drawn by lottery among
1,913,847 applicants, valid 12 Oct 18:00 to 18 Oct 24:00 at 3,389 Luohu merchants, spendable over several
purchases, packet money first and the winner's own money for the rest. The published outcome is reproduced
exactly: 47,573 packets claimed, 62,788 payments, ¥8,764,000 spent of which ¥7,863,000 packet money and
¥901,000 own money; ¥2,137,000 swept back (¥485,400 never claimed, ¥1,651,600 claimed but unspent).
`scale` runs a proportional campaign: counts rounded to the nearest whole, money scaled exactly in fen.
"""

from __future__ import annotations

import random
from fractions import Fraction

from pydantic import Field, model_validator

from ecny_sim import DAY, HOUR, Campaign, fmt_fen, lottery, MerchantRegistry, parse_beijing, scaled, ScenarioParams

LUOHU, ANY_CATEGORY = 1, 1  # district and category codes in the merchant registry
FUNDER = "government:luohu"


class Params(ScenarioParams):
    start: str = "2020-10-12 09:00"
    scale: float = Field(0.02, gt=0, le=1, description="1 = the full campaign; counts rounded, fen scaled exactly")
    valid_from: str = "2020-10-12 18:00"
    valid_until: str = Field("2020-10-19 00:00", description="18 Oct 24:00")
    packet_fen: int = Field(20_000, ge=1, description="¥200")
    packets: int = Field(50_000, ge=1)
    applicants: int = Field(1_913_847, ge=1)
    merchants: int = Field(3_389, ge=1)
    claims: int = Field(47_573, ge=0, description="packets claimed (behaviour, published outcome)")
    payments: int = Field(62_788, ge=0, description="payments at merchants (published)")
    packet_money_spent_fen: int = Field(786_300_000, ge=0, description="¥7,863,000 (published)")
    own_money_spent_fen: int = Field(90_100_000, ge=0, description="¥901,000 topped up by winners (published)")
    own_money_payers_share: float = Field(0.1, gt=0, le=1, description="(inferred) share of spenders who top up")
    wallet_batch: int = Field(200, ge=1, le=1000)
    block_window_minutes: int = Field(15, ge=0, le=24 * 60, description="transactions this close share a block")
    block_size: int = Field(60, ge=1, le=60, description="most transactions in one block")

    @model_validator(mode="after")
    def _consistent(self) -> "Params":
        plan = Plan(self)
        if plan.claims > plan.packets or plan.packets > plan.applicants:
            raise ValueError("need claims <= packets <= applicants after scaling")
        if plan.spent > plan.claims * self.packet_fen:
            raise ValueError("more packet money spent than the claimed packets hold")
        if not plan.spenders <= plan.payments <= 2 * plan.spenders or (plan.own and not plan.spenders):
            raise ValueError(f"{plan.payments} payments cannot be spread over {plan.spenders} spenders (1 or 2 each)")
        if parse_beijing(self.valid_until) <= parse_beijing(self.valid_from) + 3 * HOUR:
            raise ValueError("valid_until must be at least 3 hours after valid_from")
        return self


class Plan:
    """The scaled campaign and its behaviour: who claims, who spends how much, in how many payments."""

    def __init__(self, p: Params):
        s = Fraction(str(p.scale))
        self.packets, self.applicants = scaled(p.packets, s), scaled(p.applicants, s)
        self.claims, self.payments = scaled(p.claims, s), scaled(p.payments, s)
        self.merchants = max(1, scaled(p.merchants, s))
        self.spent, self.own = scaled(p.packet_money_spent_fen, s), scaled(p.own_money_spent_fen, s)
        full, partial = divmod(self.spent, p.packet_fen)
        # Spenders empty their packet, except one who spends the odd remainder; other claimers spend none.
        self.packet_spend = [p.packet_fen] * full + ([partial] if partial else [])
        self.spenders = len(self.packet_spend)
        payers = max(1, round(self.spenders * p.own_money_payers_share)) if self.own else 0
        self.own_spend = [self.own // payers + (i < self.own % payers) for i in range(payers)] if payers else []


TEST_PARAMS = {"scale": 0.002}


def run(sim, p: Params) -> None:
    plan = Plan(p)
    rng = random.Random(sim.seed)
    start, expiry = parse_beijing(p.valid_from), parse_beijing(p.valid_until)

    registry = MerchantRegistry(sim)
    merchants = [f"merchant:luohu-{i:04d}" for i in range(1, plan.merchants + 1)]
    _open_wallets(sim, merchants, "corporate", p.wallet_batch)
    registry.register(merchants, district=LUOHU, category=ANY_CATEGORY)

    drawn = lottery.draw(plan.applicants, plan.packets, seed=sim.seed)
    winners = [f"winner:{n:07d}" for n in drawn]
    campaign = Campaign(sim, funder=FUNDER, registry=registry, start=start, expiry=expiry,
                        packets=[(w, p.packet_fen) for w in winners], district=LUOHU,
                        applicants_hash=lottery.applicants_hash(plan.applicants), label="luohu_2020")
    budget = plan.packets * p.packet_fen
    sim.token.open_wallet(FUNDER, "corporate", budget)
    campaign.fund(budget)
    sim.say(f"{FUNDER} funds {plan.packets:,} packets of {fmt_fen(p.packet_fen)} ({fmt_fen(budget)}); "
            f"the lottery draws {plan.packets:,} of {plan.applicants:,} applicants; {plan.merchants:,} merchants")

    claimers = winners[: plan.claims]
    _open_wallets(sim, claimers, "id_verified", p.wallet_batch)
    steps = _timeline(plan, claimers, merchants, start, expiry, rng)
    # Many winners act within minutes of each other: their transactions share blocks (in order), which
    # halves the cost of a large campaign. A block takes the time of its first transaction.
    last = sim.now
    for when, calls in sim.progress(_blocks(steps, campaign, p.block_window_minutes * 60, p.block_size),
                                    "Claims and payments (blocks)"):
        sim.at(max(sim.now, when))
        last = sim.send_batch(calls)[-1].timestamp
    t = campaign.totals()
    sim.say(f"{t['claims']:,} packets claimed, {t['payments']:,} payments: {fmt_fen(t['spentFromPacketsFen'])} "
            f"packet money + {fmt_fen(t['ownMoneySpentFen'])} own money")

    sim.at(expiry)
    swept = campaign.sweep().event("CampaignSwept").args
    sim.say(f"expiry: one call sweeps {fmt_fen(swept['sweptFen'])} back to {FUNDER} "
            f"({fmt_fen(swept['unclaimedFen'])} never claimed, {fmt_fen(swept['unspentFen'])} claimed but unspent)")

    unclaimed = (plan.packets - plan.claims) * p.packet_fen
    sim.check("claimed packets as published (scaled)", t["claims"] == plan.claims)
    sim.check("payments as published (scaled)", t["payments"] == plan.payments)
    sim.check("packet money spent as published (scaled)", t["spentFromPacketsFen"] == plan.spent)
    sim.check("own money spent as published (scaled)", t["ownMoneySpentFen"] == plan.own)
    sim.check("swept = budget - packet money spent", swept["sweptFen"] == budget - plan.spent)
    sim.check("swept unclaimed = unclaimed packets x denomination", swept["unclaimedFen"] == unclaimed)
    sim.check("the funder got every unspent fen back", sim.token.balance(FUNDER) == budget - plan.spent)
    sim.check("every claim and payment before expiry", last < expiry)


def _open_wallets(sim, names: list[str], tier: str, batch: int) -> None:
    for i in range(0, len(names), batch):
        sim.token.open_wallets(names[i:i + batch], tier)


def _blocks(steps, campaign: Campaign, window: int, size: int) -> list[tuple[int, list[tuple]]]:
    """Groups the timeline into blocks of at most ``size`` transactions within ``window`` seconds."""
    token = campaign.sim.token.contract
    blocks: list[tuple[int, list[tuple]]] = []
    for when, _, kind, args in steps:
        if kind == "claim":
            calls = [campaign.claim_call(*args)]
        elif kind == "pay":
            calls = [campaign.pay_call(*args)]
        else:  # a winner tops up their wallet and lets the campaign use that own money
            buyer, amount = args
            calls = [("bank", token, "issue", buyer, amount), (buyer, token, "approveEarmark", campaign.address, amount)]
        if not blocks or when - blocks[-1][0] >= window or len(blocks[-1][1]) + len(calls) > size:
            blocks.append((when, []))
        blocks[-1][1].extend(calls)
    return blocks


def _timeline(plan: Plan, claimers: list[str], merchants: list[str], start: int, expiry: int, rng: random.Random):
    """Every claim and payment with its time: claims in the first two days, payments after the claim and
    before expiry. Two payments for the first (payments - spenders) spenders; own money on the last
    payment of the first few."""
    steps = []
    extra = plan.payments - plan.spenders
    last_hour = expiry - HOUR
    for i, winner in enumerate(claimers):
        claimed_at = start + rng.randrange(min(2 * DAY, last_hour - start - 2 * HOUR))
        steps.append((claimed_at, len(steps), "claim", (winner,)))
        if i >= plan.spenders:
            continue
        packet = plan.packet_spend[i]
        own = plan.own_spend[i] if i < len(plan.own_spend) else 0
        parts = [packet]
        if i < extra:
            first = rng.randint(1, packet - 1) if packet > 1 else packet
            parts = [first, packet - first] if packet > 1 else [packet, 0]
        parts[-1] += own
        paid_at = claimed_at
        if own:
            steps.append((paid_at + 60, len(steps), "top_up", (winner, own)))
        for amount in parts:
            paid_at = paid_at + 120 + rng.randrange(max(1, (last_hour - paid_at) // 2))
            steps.append((paid_at, len(steps), "pay", (winner, rng.choice(merchants), amount)))
    return sorted(steps, key=lambda s: (s[0], s[1]))
