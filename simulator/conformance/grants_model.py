"""GrantProgramme's world and the Python model of its rules (IGrantProgramme with the token and the payee
registry), against which the grants state machine (``grants_machine``) checks a contract. Moved from
tests/contracts/test_properties_grants.py (whose docstring tells the rules and properties) so that ``ecny-sim
check`` runs it against a developer's contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from ..chain import Chain
from ..chain.clock import DAY, HOUR, parse_beijing
from ..chain.compiler import load_artifact
from ..domain.settings import WALLET_TIERS
from .token_model import BANK, MAX_UINT, Base, deploy_controller, deploy_token

# ------------------------------------------------------------------------------------------ the world

T0 = parse_beijing("2021-04-01 09:00")
DEPT, AGENCY, REGISTRAR = "dept:industry", "agency:audit", "office:funds"
ZERO = "0x" + "00" * 20
MAX_U128 = 2**128 - 1
YEAR = 365 * DAY

RATE_BPS = 375  # 3.75 % simple yearly interest on clawed-back money
PROMISE_DAYS = 730  # short, so that examples reach a promise's end
EXCLUSION_DAYS = 365
MAX_TRANCHES = 8
DEPT_FUNDS = 30_000_000  # the department's own money (¥300,000)
FIRM_FUNDS = 400_000

# payee -> purpose (0: a wallet that was never registered)
PAYEES = {"payee:payroll": 1, "payee:landlord": 2, "payee:equipment": 4, "payee:supplier": 3,
          "payee:karaoke": 5, "payee:unregistered": 0}
ALLOWED = frozenset({1, 2, 4})
ALLOWED_MASK = sum(1 << p for p in ALLOWED)
FIRMS = ("firm:a", "firm:b", "firm:c", "firm:d")
LANDLORD_FIRM = "firm:d"  # also registered as a landlord: other firms may pay it grant money
PURPOSE = {**PAYEES, LANDLORD_FIRM: 2}
STINGY = "firm:c"  # never allows the programme to take its own money: cannot repay
CAPPED = "firm:b"  # its wallet's tier caps its balance (grant money included); no other limit
CAPPED_TIER, CAPPED_CAP = 9, 1_000_000
ALLOWED_PAYEES = tuple(p for p, code in PURPOSE.items() if code in ALLOWED)
OTHER_PAYEES = tuple(p for p, code in PURPOSE.items() if code not in ALLOWED)  # never get grant money
WALLET_NAMES = (DEPT,) + FIRMS + tuple(PAYEES)
NAMES = WALLET_NAMES + (AGENCY, "stranger")

# Solidity enums
ACTIVE, COMPLETED, ENDED, CLAWED_BACK, SETTLED = 1, 2, 3, 4, 5  # GrantStatus
PAY, UNKNOWN_GRANT, NOT_ACTIVE, WRONG_MILESTONE, FIRM_CANNOT_RECEIVE = 0, 1, 2, 3, 4  # MilestoneSkipReason
TOTALS = ("fundedFen withdrawnFen committedFen paidOutFen paidToFirmsFen spentFen owedFen interestFen "
          "returnedUnspentFen repaidFen withheldFen returnedOnCloseFen").split()


VARIANT = "GrantProgramme"


def _deploy(variant: str) -> Base:
    """ECNY, the payee registry and one programme, the department's, firms' and payees' wallets opened. `variant` is a
    developer's contract while their build is active."""
    chain = Chain(T0, seed=20210401)
    token, reg = deploy_token(chain), load_artifact("PayeeRegistry")
    chain.send(BANK, token, "setTier", CAPPED_TIER, CAPPED_CAP, 0, 0)
    registry = chain.deploy("PayeeRegistry", reg["abi"], reg["bytecode"], BANK, (REGISTRAR,))
    for payee, purpose in PURPOSE.items():
        if purpose:
            chain.send(REGISTRAR, registry, "registerPayees", [payee], purpose)
    rules = (RATE_BPS, PROMISE_DAYS, EXCLUSION_DAYS, ALLOWED_MASK)
    gp = deploy_controller(chain, token, variant, BANK, (token.address, registry.address, chain.address_of(DEPT),
                                                        chain.address_of(AGENCY), rules))
    corporate = WALLET_TIERS["corporate"].tier_id
    chain.send(BANK, token, "openWallets", list(WALLET_NAMES), corporate)
    chain.send(BANK, token, "setWalletTier", CAPPED, CAPPED_TIER)
    chain.send(BANK, token, "issue", DEPT, DEPT_FUNDS)
    chain.send(DEPT, token, "approveEarmark", gp, MAX_UINT)
    for firm in FIRMS:
        chain.send(BANK, token, "issue", firm, FIRM_FUNDS)
        if firm != STINGY:
            chain.send(firm, token, "approveEarmark", gp, MAX_UINT)
    chain.address_of("stranger")
    chain.set_time(T0 + HOUR)
    return Base(chain, token, gp, chain.snapshot())


# ------------------------------------------------------------------------------------------ the model


def interest_on(amount: int, paid_at: int, breached_at: int) -> int:
    """The rule's interest on one payment: floor(amount × rate_bps × whole days / (10,000 × 365))."""
    days = (breached_at - paid_at) // DAY if breached_at > paid_at else 0
    return amount * RATE_BPS * days // (10_000 * 365)


@dataclass
class MWallet:
    start: int
    free: int
    grant: int = 0  # grant money: earmarked under the programme (a firm's; the department's is the budget)
    open: bool = True
    frozen: bool = False
    redeemed: int = 0
    own_in: int = 0  # own money transferred to it
    grant_in: int = 0  # grant money spent with it (as a payee)


@dataclass
class MGrant:
    id: int
    firm: str
    tranches: list[int]
    admitted_at: int
    paid_at: list[int] = field(default_factory=list)  # per tranche: when it was paid (0: not paid)
    status: int = ACTIVE
    settled: int = 0  # tranches paid, withheld or cancelled
    fraud: bool = False
    breached_at: int = 0
    interest: int = 0
    returned: int = 0
    repaid: int = 0
    withheld: int = 0
    on_close: int = 0  # grant money credited to it when its firm closed its wallet

    def __post_init__(self) -> None:
        if not self.paid_at:
            self.paid_at = [0] * len(self.tranches)

    @property
    def paid(self) -> int:
        return sum(a for a, t in zip(self.tranches, self.paid_at) if t)

    @property
    def owed(self) -> int:
        """What a clawback asks back: principal plus interest, less what already came back on a close."""
        return self.paid + self.interest - self.on_close

    @property
    def outstanding(self) -> int:
        if self.status != CLAWED_BACK:
            return 0
        return self.owed - self.returned - self.repaid - self.withheld

    @property
    def promise_end(self) -> int:
        return self.admitted_at + PROMISE_DAYS * DAY

    @property
    def clawed(self) -> bool:
        return self.status in (CLAWED_BACK, SETTLED)


@dataclass
class Model:
    wallets: dict[str, MWallet] = field(default_factory=dict)
    grants: list[MGrant] = field(default_factory=list)  # id i + 1 at index i
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOTALS, 0))
    excluded_until: dict[str, int] = field(default_factory=dict)
    promises_end: int = 0  # the last promise period of any paid grant ends here
    live: dict[str, int] = field(default_factory=dict)  # the contract's _liveGrant: money returned on close goes there
    issued: int = 0

    @classmethod
    def initial(cls) -> "Model":
        m = cls()
        for name in WALLET_NAMES:
            own = DEPT_FUNDS if name == DEPT else FIRM_FUNDS if name in FIRMS else 0
            m.wallets[name] = MWallet(own, own)
            m.issued += own
        return m

    def grant(self, gid: int) -> MGrant | None:
        return self.grants[gid - 1] if 1 <= gid <= len(self.grants) else None

    @property
    def budget(self) -> int:
        return self.wallets[DEPT].grant

    @property
    def withdrawable(self) -> int:
        return self.budget - self.totals["committedFen"]

    def is_open(self, name: str) -> bool:
        w = self.wallets.get(name)
        return w is not None and w.open

    def live_grants(self, firm: str, now: int) -> list[MGrant]:
        """The firm's grants that keep it from a new one: active, owing a debt, or paid and still under their
        promise (the contract keeps one per firm)."""
        return [g for g in self.grants if g.firm == firm and (
            g.status in (ACTIVE, CLAWED_BACK) or g.status in (COMPLETED, ENDED) and g.paid and now < g.promise_end)]

    def cancel_remaining(self, g: MGrant) -> int:
        cancelled = sum(g.tranches[g.settled:])
        g.settled = len(g.tranches)
        self.totals["committedFen"] -= cancelled
        return cancelled

    def settle(self, g: MGrant) -> int:
        g.status = SETTLED
        if self.live.get(g.firm) == g.id:
            del self.live[g.firm]
        return self.cancel_remaining(g)

    def can_receive(self, name: str, amount: int) -> bool:
        """ECNY.canReceive: open, and its tier's cap (CAPPED only) holds afterwards (its grant money counts)."""
        w = self.wallets.get(name)
        if w is None or not w.open:
            return False
        return name != CAPPED or w.free + w.grant + amount <= CAPPED_CAP

    def move_grant_money(self, src: str, dst: str, amount: int) -> None:
        self.wallets[src].grant -= amount
        self.wallets[dst].grant += amount




# ------------------------------------------------------------------------------------------ strategies

TRANCHE = st.one_of(st.integers(10_000, 800_000), st.sampled_from([1, 100_000, 1_000_000]))
TRANCHES = st.lists(TRANCHE, min_size=1, max_size=3)
FIRM = st.sampled_from(FIRMS)
PICK = st.integers(0, 63)
ADMIT_FLAW = st.sampled_from(["none"] * 8 + ["no tranches", "nine tranches", "zero tranche", "too much", "twice",
                                             "department", "agency", "zero address", "by agency"])
SPEND_TO = st.sampled_from(ALLOWED_PAYEES * 2 + OTHER_PAYEES + ("self",))
AMOUNT_PART = st.sampled_from([0.1, 0.3, 0.5, 1.0, "zero", "more"])
STEP = st.sampled_from(["attest"] * 4 + ["spend"] * 3 + ["wait"] * 2 + ["repay"] * 2
                       + ["spend elsewhere", "breach", "breach", "miss"])
TIME_STEP = st.one_of(st.integers(HOUR, 3 * DAY), st.integers(DAY, 60 * DAY), st.integers(30 * DAY, 400 * DAY),
                      st.sampled_from([YEAR, 2 * YEAR]))
