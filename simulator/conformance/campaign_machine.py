"""RedPacketCampaign's world, the Python model of its rules and its state machine (IRedPacketCampaign with the
token and the merchant registry): a Hypothesis ``RuleBasedStateMachine`` drives a campaign (claims, purchases
split over packet and own money, refunds, transfers, closed wallets, the sweep) and checks every outcome (the
revert, or the exact events) and, after every step, the invariants against the model. Moved from
tests/contracts/test_properties_campaign.py (whose docstring tells the rules and properties) so that ``ecny-sim
check`` runs it against a developer's contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ..chain import Chain
from ..chain.clock import DAY, HOUR, parse_beijing
from ..chain.compiler import load_artifact
from ..domain import merkle
from ..domain.settings import WALLET_TIERS
from .modelled import ModelledSends
from .token_model import (BANK, BEIJING_OFFSET, MAX_UINT, Base, SpendingLimits, deploy_controller, deploy_token,
                          open_wallet)

# ------------------------------------------------------------------------------------------ the world

T0 = parse_beijing("2020-10-12 17:00")  # genesis; each example starts 0-2 h later
START = parse_beijing("2020-10-12 18:00")
EXPIRY = START + 2 * DAY  # two Beijing midnights inside the window

REGISTRAR = "bureau:commerce"
FUNDER = "government:luohu"
LUOHU, FUTIAN = 1, 2
RETAIL, LEISURE = 1, 3
MAX_PAYMENT = 2**48 - 1  # a purchase's amounts are stored in 48 bits

BUDGET = 60_000
MIN_SPEND = 500
MAX_PER_PERSON = 2
FUNDER_FREE = 1_000_000  # the funder's own money left after funding

A, B, LOW, STINGY = "winner:a", "winner:b", "winner:low", "winner:stingy"
CITIZEN = "citizen:x"  # not a winner
# holder -> (tier, own money, allowance for own money in payments)
HOLDERS = {
    A: ("id_verified", 200_000, MAX_UINT),
    B: ("id_verified", 30_000, MAX_UINT),  # soon out of own money
    LOW: ("lowest", 600_000, MAX_UINT),  # ¥2,000 per payment, ¥5,000 a day
    STINGY: ("id_verified", 100_000, 0),  # never lets the campaign take own money
    CITIZEN: ("id_verified", 100_000, MAX_UINT),
}
HOLDER_NAMES = tuple(HOLDERS)
# the winners' Merkle leaves: more packets (71,000 fen) than the budget (60,000); A has three, may claim two
LEAVES = ((A, 20_000), (A, 5_000), (A, 1_000), (B, 20_000), (LOW, 20_000), (STINGY, 5_000))

BOOKS = "merchant:luohu-books"  # registered in Luohu: allowed
CINEMA = "merchant:futian-cinema"  # registered in Futian, on the funder's allowlist: allowed
MALL = "merchant:futian-mall"  # registered in Futian: not allowed
STALL = "merchant:street-stall"  # never registered: not allowed
ALLOWED = (BOOKS, CINEMA)
DISALLOWED = (MALL, STALL)
MERCHANTS = ALLOWED + DISALLOWED
BUYERS = HOLDER_NAMES + (FUNDER,)

TIERS = {name: t for name, t in WALLET_TIERS.items()}


VARIANT = "RedPacketCampaign"


def _deploy(variant: str) -> Base:
    """ECNY, the merchant registry and one funded campaign, merchants' and winners' wallets opened. `variant` is a
    developer's contract while their build is active."""
    chain = Chain(T0, seed=20201012)
    token, reg = deploy_token(chain), load_artifact("MerchantRegistry")
    registry = chain.deploy("MerchantRegistry", reg["abi"], reg["bytecode"], BANK, (REGISTRAR,))
    chain.send(REGISTRAR, registry, "registerMerchants", [BOOKS], LUOHU, RETAIL)
    chain.send(REGISTRAR, registry, "registerMerchants", [MALL], FUTIAN, RETAIL)
    chain.send(REGISTRAR, registry, "registerMerchants", [CINEMA], FUTIAN, LEISURE)
    tree = merkle.MerkleTree([merkle.leaf(i, chain.address_of(w), amount) for i, (w, amount) in enumerate(LEAVES)])
    terms = (START, EXPIRY, MIN_SPEND, MAX_PER_PERSON, LUOHU, 0, b"\x11" * 32, tree.root)
    campaign = deploy_controller(chain, token, variant, BANK,
                                 (token.address, registry.address, chain.address_of(FUNDER), terms))
    open_wallet(chain, token, FUNDER, "corporate", BUDGET + FUNDER_FREE)
    chain.send(FUNDER, token, "approveEarmark", campaign, BUDGET)
    chain.send(FUNDER, campaign, "fund", BUDGET)
    chain.send(FUNDER, token, "approveEarmark", campaign, MAX_UINT)  # for its own purchases
    chain.send(FUNDER, campaign, "allowMerchants", [CINEMA])
    for m in MERCHANTS:
        open_wallet(chain, token, m, "corporate")
        chain.send(m, token, "approveEarmark", campaign, MAX_UINT)  # refunds are taken from the merchant
    for h, (tier, own, allowance) in HOLDERS.items():
        open_wallet(chain, token, h, tier, own)
        if allowance:
            chain.send(h, token, "approveEarmark", campaign, allowance)
    assert chain.now < START
    return Base(chain, token, campaign, chain.snapshot(), [tree.proof(i) for i in range(len(LEAVES))])


# ------------------------------------------------------------------------------------------ the model


@dataclass
class MWallet(SpendingLimits):
    tier: str
    free: int
    allowance: int = MAX_UINT
    open: bool = True
    day: int = -1
    spent: int = 0  # own money paid on `day`


@dataclass
class MPurchase:
    buyer: str
    merchant: str
    packet: int
    own: int
    refunded_packet: int = 0
    refunded_own: int = 0

    @property
    def refundable(self) -> int:
        return self.packet + self.own - self.refunded_packet - self.refunded_own


@dataclass
class Model:
    wallets: dict[str, MWallet] = field(default_factory=dict)
    packets: dict[str, int] = field(default_factory=dict)  # the campaign's earmark in each holder's wallet
    funder_earmark: int = BUDGET  # the unclaimed budget, earmarked in the funder's wallet
    claimed_leaves: set[int] = field(default_factory=set)
    packets_claimed: dict[str, int] = field(default_factory=dict)
    purchases: list[MPurchase] = field(default_factory=list)
    swept: bool = False
    totals: dict[str, int] = field(default_factory=dict)
    # own-money ledgers, to tell packet money from own money in token balances
    own_in: dict[str, int] = field(default_factory=dict)  # merchant -> own money received, net of refunds
    funder_own_out: int = 0  # own money the funder paid out (purchases, transfers), net of refunds
    # where packet money went
    packet_at: dict[str, int] = field(default_factory=dict)  # merchant -> packet money held (net of refunds)
    back_with_funder: int = 0  # returned on closes, refunded after expiry, swept

    @classmethod
    def initial(cls) -> "Model":
        m = cls()
        for h, (tier, own, allowance) in HOLDERS.items():
            m.wallets[h] = MWallet(tier, own, allowance)
            m.packets[h] = 0
            m.packets_claimed[h] = 0
        m.wallets[FUNDER] = MWallet("corporate", FUNDER_FREE)
        for mer in MERCHANTS:
            m.wallets[mer] = MWallet("corporate", 0)
            m.own_in[mer] = 0
            m.packet_at[mer] = 0
        names = ("fundedFen claimedFen claims payments spentFromPacketsFen ownMoneySpentFen refundedOwnToBuyersFen "
                 "refundedPacketToBuyersFen refundedPacketToFunderFen returnedOnCloseFen sweptFen sweptUnclaimedFen")
        m.totals = dict.fromkeys(names.split(), 0)
        m.totals["fundedFen"] = BUDGET
        return m

    @property
    def unclaimed(self) -> int:
        return self.totals["fundedFen"] - self.totals["claimedFen"]

    def cap_error(self, who: str, incoming: int) -> str | None:
        """The token's balance-cap refusal, if `incoming` from another wallet would take `who` past its cap."""
        cap = TIERS[self.wallets[who].tier].balance_cap_fen
        balance = self.wallets[who].free + self.packets.get(who, 0)
        return "ECNY_BalanceCapExceeded" if cap and balance + incoming > cap else None

    def own_paid(self, payer: str, payee: str, amount: int) -> None:
        self.wallets[payer].free -= amount
        self.wallets[payee].free += amount
        if payee in self.own_in:
            self.own_in[payee] += amount
        if payer == FUNDER:
            self.funder_own_out += amount

    def own_refunded(self, merchant: str, buyer: str, amount: int) -> None:
        self.wallets[merchant].free -= amount
        self.wallets[buyer].free += amount
        self.own_in[merchant] -= amount
        if buyer == FUNDER:
            self.funder_own_out -= amount

    def to_funder(self, amount: int) -> None:
        self.wallets[FUNDER].free += amount
        self.back_with_funder += amount



# ------------------------------------------------------------------------------------------ strategies

LEAF = st.integers(0, len(LEAVES) - 1)
CLAIM_KIND = st.sampled_from(["own", "own", "own", "own", "wrong_amount", "wrong_proof", "stranger"])
BUYER = st.sampled_from((A, A, B, LOW, LOW, STINGY, CITIZEN, FUNDER))
WINNER_BUYER = st.sampled_from((A, B, LOW, STINGY))
MERCHANT = st.sampled_from(ALLOWED + ALLOWED + DISALLOWED)
AMOUNT = st.one_of(
    st.integers(1, 25_000),
    st.integers(0, 2 * MIN_SPEND),  # zero and below the minimum spend
    st.sampled_from([1_000, 5_000, 20_000, 25_000, MAX_PAYMENT + 1]),
    st.integers(150_000, 240_000),  # around the lowest tier's ¥2,000 per-payment limit
)
FRACTION = st.sampled_from([0.25, 0.5, 1.0, 1.0, 0.0])  # of what is still refundable
PICK = st.integers(0, 63)
SPEND = st.tuples(st.sampled_from([0.3, 0.5, 1.0]), st.sampled_from([0, 0, 1, 700, 5_000]))  # (part, top-up)


# ------------------------------------------------------------------------------------------ the machine


class CampaignMachine(ModelledSends, RuleBasedStateMachine):
    VARIANT, DEPLOY = VARIANT, staticmethod(_deploy)

    def __init__(self) -> None:
        super().__init__()
        base = self.start()
        self.campaign, self.proofs = base.contract, base.extra
        self.m = Model.initial()
        self.addr = {n: self.chain.address_of(n) for n in (*BUYERS, *MERCHANTS)}

    # ---------------------------------------------------------------- helpers

    def view(self, fn: str, *args) -> Any:
        return self.chain.call(self.campaign, fn, *args)

    def check_packet_view(self, who: str) -> None:
        got = self.view("packetBalanceOf", who)
        want = 0 if who == FUNDER else self.m.packets.get(who, 0)
        self.check("totals_match_the_model", got == want, f"packetBalanceOf({who}) = {got}, model {want}")

    def window(self, now: int) -> str | None:
        if now < START:
            return "Campaign_NotStarted"
        if now >= EXPIRY:
            return "Campaign_Expired"
        return None

    # ---------------------------------------------------------------- actions

    def do_claim(self, leaf: int, kind: str) -> None:
        winner, amount = LEAVES[leaf]
        proof = self.proofs[leaf]
        caller = CITIZEN if kind == "stranger" else winner
        if kind == "wrong_amount":
            amount += 1
        elif kind == "wrong_proof":
            proof = self.proofs[(leaf + 1) % len(LEAVES)]
        m, now = self.m, self.now
        expect = self.window(now)
        if expect is None:
            if kind != "own":
                expect = "Campaign_NotAWinner"
            elif leaf in m.claimed_leaves:
                expect = "Campaign_AlreadyClaimed"
            elif m.packets_claimed[winner] >= MAX_PER_PERSON:
                expect = "Campaign_PacketLimitReached"
            elif m.unclaimed < amount:
                expect = "Campaign_BudgetExhausted"
            elif not m.wallets[winner].open:
                expect = "ECNY_WalletNotOpen"
            else:
                expect = m.cap_error(winner, amount)
        r = self.send(caller, self.campaign, "claim", leaf, amount, proof, expect=expect)
        if expect is not None:
            return
        m.claimed_leaves.add(leaf)
        m.packets_claimed[winner] += 1
        m.totals["claimedFen"] += amount
        m.totals["claims"] += 1
        m.funder_earmark -= amount
        m.packets[winner] += amount
        self.check_events(r, [("PacketClaimed", {"winner": self.addr[winner], "amountFen": amount,
                                                  "packetIndex": leaf})])
        self.check_packet_view(winner)
        got = (self.view("packetsClaimedBy", winner), self.view("unclaimedFen"))
        want = (m.packets_claimed[winner], m.unclaimed)
        self.check("totals_match_the_model", got == want, f"(packetsClaimedBy, unclaimedFen) = {got}, model {want}")

    def do_pay(self, buyer: str, merchant: str, amount: int) -> None:
        m, now = self.m, self.now
        w = m.wallets[buyer]
        packet = 0 if buyer == FUNDER else min(m.packets[buyer], amount)
        own = amount - packet
        expect = self.window(now)
        if expect is None:
            if amount == 0:
                expect = "Campaign_ZeroAmount"
            elif amount > MAX_PAYMENT:
                expect = "Campaign_AmountTooLarge"
            elif merchant not in ALLOWED:
                expect = "Campaign_MerchantNotAllowed"
            elif amount < MIN_SPEND:
                expect = "Campaign_BelowMinimumSpend"
            elif own:
                if not w.open:
                    expect = "ECNY_WalletNotOpen"
                elif w.allowance < own:
                    expect = "ECNY_InsufficientAllowance"
                else:
                    expect = w.limit_error(own, now) or ("ECNY_InsufficientFree" if w.free < own else None)
        r = self.send(buyer, self.campaign, "pay", merchant, amount, expect=expect)
        if expect is None:
            pid = len(m.purchases)
            m.purchases.append(MPurchase(buyer, merchant, packet, own))
            m.totals["payments"] += 1
            m.totals["spentFromPacketsFen"] += packet
            m.totals["ownMoneySpentFen"] += own
            if packet:
                m.packets[buyer] -= packet
            m.wallets[merchant].free += packet
            m.packet_at[merchant] += packet
            if own:
                w.charge(own, now)
                m.own_paid(buyer, merchant, own)
            self.check_events(r, [("PurchasePaid", {"purchaseId": pid, "buyer": self.addr[buyer],
                                                    "merchant": self.addr[merchant], "packetFen": packet,
                                                    "ownFen": own})])
            self.check("totals_match_the_model", r.return_value == pid, f"pay returned {r.return_value}, model {pid}")
            self.check_packet_view(buyer)
        elif expect == "Campaign_MerchantNotAllowed":
            self.check("reverts_match_the_model", r.error.args == {"merchant": self.addr[merchant]}, str(r.error))

    def do_refund(self, caller: str | None, pid: int, fraction: float | None, extra: int) -> None:
        m, now = self.m, self.now
        p = m.purchases[pid] if pid < len(m.purchases) else None
        caller = caller or (p.merchant if p else BOOKS)
        refundable = p.refundable if p else 0
        amount = (int(refundable * fraction) if fraction is not None else refundable) + extra
        expect = None
        if p is None:
            expect = "Campaign_UnknownPurchase"
        elif caller != p.merchant:
            expect = "Campaign_NotPurchaseMerchant"
        elif amount == 0 or amount > refundable:
            expect = "Campaign_RefundExceedsPurchase"
        expired = now >= EXPIRY
        own = packet = 0
        if expect is None:
            own = min(amount, p.own - p.refunded_own)
            packet = amount - own
            buyer_open = m.wallets[p.buyer].open
            if m.wallets[caller].free < amount:
                expect = "ECNY_InsufficientFree"
            elif (own and not buyer_open) or (packet and not expired and not buyer_open):
                expect = "ECNY_WalletNotOpen"
            else:  # every path into a wallet respects its tier, a refund into another wallet too
                expect = m.cap_error(p.buyer, own + (0 if expired else packet))
        r = self.send(caller, self.campaign, "refund", pid, amount, expect=expect)
        if expect is not None:
            return
        p.refunded_own += own
        p.refunded_packet += packet
        m.totals["refundedOwnToBuyersFen"] += own
        if own:
            m.own_refunded(caller, p.buyer, own)
        if packet:
            m.wallets[caller].free -= packet
            m.packet_at[caller] -= packet
            if expired:
                m.totals["refundedPacketToFunderFen"] += packet
                m.to_funder(packet)
            else:
                m.totals["refundedPacketToBuyersFen"] += packet
                m.packets[p.buyer] += packet
        self.check_events(r, [("PurchaseRefunded", {"purchaseId": pid, "ownToBuyerFen": own,
                                                    "packetToBuyerFen": 0 if expired else packet,
                                                    "packetToFunderFen": packet if expired else 0})])
        self.check_packet_view(p.buyer)
        got = self.view("purchaseOf", pid)
        want = {"buyer": self.addr[p.buyer], "merchant": self.addr[p.merchant], "packetFen": p.packet,
                "ownFen": p.own, "refundedPacketFen": p.refunded_packet, "refundedOwnFen": p.refunded_own}
        self.check("totals_match_the_model", got == want, f"purchaseOf({pid}) = {got}, model {want}")

    def do_transfer(self, sender: str, to: str, amount: int) -> None:
        """An ordinary transfer: own money only, whatever the merchant; packet money never moves this way."""
        m, now = self.m, self.now
        w = m.wallets[sender]
        if not w.open or not m.wallets[to].open:
            expect = "ECNY_WalletNotOpen"
        else:
            expect = w.limit_error(amount, now) or ("ECNY_InsufficientFree" if w.free < amount else None)
        r = self.send(sender, self.token, "transfer", to, amount, expect=expect)
        if expect is None:
            w.charge(amount, now)
            m.own_paid(sender, to, amount)
            self.check_events(r, [])
        elif expect == "ECNY_InsufficientFree":
            want = {"wallet": self.addr[sender], "freeFen": w.free, "neededFen": amount}
            self.check("packet_money_reaches_only_allowed_merchants_and_the_funder", r.error.args == want,
                       f"transfer refused with {r.error.args}, model {want}")

    def do_close(self, who: str) -> None:
        m = self.m
        w = m.wallets[who]
        expect = None if w.open else "ECNY_WalletNotOpen"
        r = self.send(who, self.token, "closeWallet", who, expect=expect)
        if expect is not None:
            return
        left = m.packets[who]
        events = []
        if left:
            m.packets[who] = 0
            m.totals["returnedOnCloseFen"] += left
            m.to_funder(left)
            events.append(("PacketReturnedOnClose", {"wallet": self.addr[who], "amountFen": left}))
        self.check_events(r, events)
        closed = [e.args for e in r.events if e.name == "WalletClosed"]
        self.check("totals_match_the_model", closed == [{"wallet": self.addr[who], "redeemedFen": w.free}],
                   f"WalletClosed {closed}, model redeems {w.free}")
        w.free = 0
        w.open = False

    def do_sweep(self, caller: str) -> None:
        m, now = self.m, self.now
        if now < EXPIRY:
            expect = "Campaign_NotExpired"
        elif m.swept:
            expect = "Campaign_AlreadySwept"
        else:
            expect = None
        r = self.send(caller, self.campaign, "sweep", expect=expect)
        if expect is not None:
            return
        unclaimed = m.unclaimed
        amount = m.funder_earmark + sum(m.packets.values())
        self.check("totals_match_the_model", m.funder_earmark == unclaimed, "model: funder earmark != unclaimed")
        m.swept = True
        m.totals["sweptFen"] = amount
        m.totals["sweptUnclaimedFen"] = unclaimed
        m.funder_earmark = 0
        for h in m.packets:
            m.packets[h] = 0
        m.to_funder(amount)
        self.check_events(r, [("CampaignSwept", {"sweptFen": amount, "unclaimedFen": unclaimed,
                                                 "unspentFen": amount - unclaimed})])
        self.check("totals_match_the_model", r.return_value == amount, f"sweep returned {r.return_value}")
        got = (self.view("swept"), self.view("unclaimedFen"))
        self.check("totals_match_the_model", got == (True, 0), f"(swept, unclaimedFen) after the sweep: {got}")
        for h in HOLDER_NAMES:
            self.check_packet_view(h)

    # ================================================================ rules

    @initialize(
        opening=st.sampled_from(["start", "start", "inside", "before"]),
        seconds=st.integers(0, 6 * HOUR),
        claims=st.lists(LEAF, min_size=1, max_size=4),
        spends=st.lists(st.tuples(WINNER_BUYER, st.sampled_from(ALLOWED), SPEND), max_size=3),
    )
    def campaign_opens(self, opening, seconds, claims, spends):
        """Examples start at the window's first second, inside it, or up to 20 s before it (every block takes a
        second at least, so the window opens a few transactions later); the first winners claim and spend at
        once (refused before the start)."""
        self.chain.set_time({"start": START, "inside": START + seconds, "before": START - 1 - seconds % 20}[opening])
        for leaf in claims:
            self.do_claim(leaf, "own")
        for buyer, merchant, (part, top_up) in spends:
            self.do_pay(buyer, merchant, self.split_amount(buyer, part, top_up))

    @rule(leaf=LEAF, kind=CLAIM_KIND)
    def someone_claims(self, leaf, kind):
        self.do_claim(leaf, kind)

    @rule(leaf=LEAF, spends=st.lists(st.tuples(MERCHANT, SPEND), min_size=1, max_size=3))
    def winner_claims_and_spends(self, leaf, spends):
        """A winner claims a packet (if not yet claimed) and spends it over one to three purchases, the last
        often topped up with own money; sometimes at a merchant outside the rules."""
        winner = LEAVES[leaf][0]
        if leaf not in self.m.claimed_leaves:
            self.do_claim(leaf, "own")
        for merchant, (part, top_up) in spends:
            self.do_pay(winner, merchant, self.split_amount(winner, part, top_up))

    @rule(buyer=BUYER, merchant=MERCHANT, amount=st.one_of(AMOUNT, SPEND))
    def buyer_pays(self, buyer, merchant, amount):
        """Any amount, or part of what is left of the buyer's packet (a split payment), or all of it plus some
        own money."""
        if isinstance(amount, tuple):
            amount = self.split_amount(buyer, *amount)
        self.do_pay(buyer, merchant, amount)

    @precondition(lambda self: self.m.purchases)
    @rule(which=st.sampled_from(["refundable", "refundable", "refundable", "any", "unknown"]), pick=PICK,
          fraction=st.one_of(st.none(), FRACTION), extra=st.sampled_from([0, 0, 0, 1]),
          caller=st.sampled_from([None, None, None, None, BOOKS, CINEMA, MALL, A]))
    def merchant_refunds(self, which, pick, fraction, extra, caller):
        """A merchant refunds part or all of a purchase (sometimes one fen too much, the wrong merchant, or
        a purchase that does not exist)."""
        purchases = self.m.purchases
        pool = [i for i, p in enumerate(purchases) if p.refundable] if which == "refundable" else []
        if which == "unknown":
            pid = len(purchases) + pick % 3
        else:
            pool = pool or list(range(len(purchases)))
            pid = pool[pick % len(pool)]
        self.do_refund(caller, pid, fraction, extra)

    @rule(sender=BUYER, to=st.sampled_from(MERCHANTS + (CITIZEN,)), amount=st.integers(1, 30_000),
          packet_money=st.booleans())
    def own_money_transfer(self, sender, to, amount, packet_money):
        """An ordinary transfer to any merchant (allowed or not); with `packet_money` the sender tries to move
        more than its own money, i.e. some of its packet."""
        if sender == to:
            to = BOOKS
        if packet_money and self.m.packets.get(sender):
            amount = self.m.wallets[sender].free + min(amount, self.m.packets[sender])
        self.do_transfer(sender, to, amount)

    @rule(who=st.sampled_from(HOLDER_NAMES + (FUNDER,)))
    def wallet_is_closed(self, who):
        if who != FUNDER:
            self.do_close(who)
        elif not self.m.swept:
            # Until the sweep the campaign may still pay the funder (the sweep, packets returned on close,
            # packet money refunded after expiry), so it refuses to let the funder's wallet close.
            r = self.send(FUNDER, self.token, "closeWallet", FUNDER, expect="Campaign_FunderWalletNeeded")
            want = {"funder": self.addr[FUNDER]}
            self.check("packet_money_is_never_created", r.error.args == want,
                       f"closeWallet(funder) refused with {r.error.args}, want {want}")

    @rule(step=st.one_of(st.integers(1, 60), st.integers(60, 4 * HOUR),
                         st.sampled_from(["midnight", "midnight", "last-second", "expiry"])))
    def time_passes(self, step):
        """Seconds or hours pass, or time jumps to the next Beijing midnight or onto the window's end."""
        now = self.now
        if isinstance(step, int):
            self.chain.advance(step)
            return
        target = {
            "last-second": EXPIRY - 1,
            "expiry": EXPIRY,
            "midnight": ((now + BEIJING_OFFSET) // DAY + 1) * DAY - BEIJING_OFFSET,
        }[step]
        if target >= now:
            self.chain.set_time(target)

    @precondition(lambda self: not self.m.swept)
    @rule(caller=st.sampled_from(["anyone", FUNDER, A, BOOKS]), wait=st.booleans())
    def someone_sweeps(self, caller, wait):
        """Anyone sweeps; with `wait`, once the window has closed (else whenever: refused before expiry). A
        second sweep is refused."""
        if wait and self.now < EXPIRY:
            self.chain.set_time(EXPIRY)
        self.do_sweep(caller)
        if self.m.swept:
            self.do_sweep(caller)

    def split_amount(self, buyer: str, part: float, top_up: int) -> int:
        return max(MIN_SPEND, int(self.m.packets.get(buyer, 0) * part)) + top_up

    # ================================================================ invariants

    def views(self) -> dict:
        """Token balances and campaign totals, read once per block."""
        key = self.chain.block_number
        if self._cache is None or self._cache[0] != key:
            call = self.chain.call
            wallets = (*HOLDER_NAMES, FUNDER)
            views = {
                "free": {x: call(self.token, "freeBalanceOf", x) for x in wallets},
                "earmark": {x: call(self.token, "earmarkedOf", x, self.campaign) for x in wallets},
                "merchant": {x: call(self.token, "balanceOf", x) for x in MERCHANTS},
                "earmark_total": call(self.token, "earmarkedTotalOf", self.campaign),
                "totals": call(self.campaign, "totals"),
            }
            self._cache = (key, views)
        return self._cache[1]

    def packet_money_with_merchants(self, v: dict, merchants) -> int:
        """Merchants' balances net of the own money paid or transferred to them (and not refunded)."""
        return sum(v["merchant"][x] - self.m.own_in[x] for x in merchants)

    def back_with_funder(self, v: dict) -> int:
        """The funder's free money beyond its own money, i.e. packet money returned to it."""
        return v["free"][FUNDER] - FUNDER_FREE + self.m.funder_own_out

    @invariant()
    def invariant_packet_money_is_never_created(self):
        v = self.views()
        in_packets = sum(v["earmark"][h] for h in HOLDER_NAMES)
        unclaimed = v["earmark"][FUNDER]
        back = self.back_with_funder(v)
        at_merchants = self.packet_money_with_merchants(v, MERCHANTS)
        total = in_packets + unclaimed + back + at_merchants
        self.check(
            "packet_money_is_never_created",
            total == BUDGET,
            f"funded {BUDGET} != in packets {in_packets} + unclaimed {unclaimed} + back with the funder {back} "
            f"+ with merchants {at_merchants} = {total}",
        )
        self.check(
            "packet_money_is_never_created",
            v["earmark_total"] == in_packets + unclaimed,
            f"earmarkedTotalOf(campaign) {v['earmark_total']} != packets {in_packets} + unclaimed {unclaimed}",
        )

    @invariant()
    def invariant_packet_money_reaches_only_allowed_merchants_and_the_funder(self):
        v = self.views()
        prop = "packet_money_reaches_only_allowed_merchants_and_the_funder"
        for x in DISALLOWED:
            self.check(prop, v["merchant"][x] == self.m.own_in[x],
                       f"{x} (not allowed) holds {v['merchant'][x]} fen; own money transferred to it: "
                       f"{self.m.own_in[x]}")
        for x in ALLOWED:
            held = v["merchant"][x] - self.m.own_in[x]
            self.check(prop, held == self.m.packet_at[x] >= 0,
                       f"{x} holds {held} fen of packet money, model {self.m.packet_at[x]}")
        for h in HOLDER_NAMES:  # a buyer's free money is own money only: packet money never turns free
            self.check(prop, v["free"][h] == self.m.wallets[h].free,
                       f"{h} has {v['free'][h]} fen free, its own money is {self.m.wallets[h].free}")
        back = self.back_with_funder(v)
        self.check(prop, back == self.m.back_with_funder,
                   f"the funder got {back} fen of packet money back, model {self.m.back_with_funder}")

    @invariant()
    def invariant_totals_match_the_model(self):
        v = self.views()
        self.check("totals_match_the_model", v["totals"] == self.m.totals,
                   f"totals {v['totals']} != model {self.m.totals}")
        want = {**self.m.packets, FUNDER: self.m.funder_earmark}
        self.check("totals_match_the_model", v["earmark"] == want, f"earmarks {v['earmark']} != model {want}")
        self.check("totals_match_the_model", v["free"][FUNDER] == self.m.wallets[FUNDER].free,
                   f"funder free {v['free'][FUNDER]} != model {self.m.wallets[FUNDER].free}")
        t = self.m.totals
        self.check(
            "totals_match_the_model",
            t["spentFromPacketsFen"] - t["refundedPacketToBuyersFen"] - t["refundedPacketToFunderFen"]
            == sum(self.m.packet_at.values()),
            "packet money spent net of refunds != packet money at merchants",
        )

    @precondition(lambda self: self.m.swept)
    @invariant()
    def invariant_after_the_sweep_every_fen_of_packet_money_is_with_an_allowed_merchant_or_back_with_the_funder(self):
        v = self.views()
        prop = "after_the_sweep_every_fen_is_with_an_allowed_merchant_or_the_funder"
        self.check(prop, v["earmark_total"] == 0 and not any(v["earmark"].values()),
                   f"earmarks left after the sweep: {v['earmark']} (total {v['earmark_total']})")
        at_allowed = self.packet_money_with_merchants(v, ALLOWED)
        back = self.back_with_funder(v)
        self.check(prop, at_allowed + back == BUDGET,
                   f"funded {BUDGET} != with allowed merchants {at_allowed} + back with the funder {back}")
