"""What every family's Python model shares: the predicted revert, the token's rules for a wallet (its tier's
payment limits and balance cap, top-ups and transfers), and the deployed chain
each family's machine reverts to, once per process and bytecode (so a developer's build gets its own).
The families' models (``escrow_model``, ``upfront_model``, ...) and tests/contracts' close-guard machine build
on it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable

from ..chain.clock import DAY, HOUR
from ..domain.settings import WALLET_TIERS

BEIJING_OFFSET = 8 * HOUR
MAX_UINT = 2**256 - 1
BANK, REGULATOR = "bank", "regulator"
#: tier id -> the tier (its balance cap, per-payment and daily limits; 0: none)
TIERS = {t.tier_id: t for t in WALLET_TIERS.values()}


class Revert(Exception):
    """The model's prediction that a transaction reverts with custom error `name` (and, if given, `args`)."""

    def __init__(self, name: str, **args: Any) -> None:
        super().__init__(name)
        self.name, self.error_args = name, args


def beijing_day(ts: int) -> int:
    return (ts + BEIJING_OFFSET) // DAY


class SpendingLimits:
    """A model wallet's tier limits: ``tier`` is a tier id or a WALLET_TIERS name; ``day`` and ``spent`` count
    what it paid on a Beijing day (ECNY._chargeLimits, restated)."""

    tier: int | str
    day: int
    spent: int

    def limit_error(self, amount: int, now: int) -> str | None:
        """The custom error a payment of `amount` at `now` meets, or None."""
        tier = WALLET_TIERS[self.tier] if isinstance(self.tier, str) else TIERS[self.tier]
        if tier.per_payment_fen and amount > tier.per_payment_fen:
            return "ECNY_PerPaymentLimitExceeded"
        spent = self.spent if self.day == beijing_day(now) else 0
        if tier.daily_fen and spent + amount > tier.daily_fen:
            return "ECNY_DailyLimitExceeded"
        return None

    def charge(self, amount: int, now: int) -> None:
        """Counts a payment against its day."""
        if self.day != beijing_day(now):
            self.day, self.spent = beijing_day(now), 0
        self.spent += amount


@dataclass
class TokenWallet(SpendingLimits):
    """A wallet as the token keeps it, and what the invariants count; a family's model adds its own fields."""

    tier: int
    free: int = 0
    open: bool = True
    day: int = -1  # Beijing day of `spent`
    spent: int = 0
    allowance: int = 0  # for the family's contract (earmarkFrom)
    funded: int = 0  # issued into it
    sent: int = 0  # transfers out
    got: int = 0  # transfers in
    redeemed: int = 0  # cashed out on close


class TokenRules:
    """ECNY's rules on a model with ``wallets`` (name -> a TokenWallet) and ``issued``; ``balance_of`` is the
    wallet's free money plus whatever the family earmarks in it."""

    wallets: dict[str, Any]
    issued: int

    def balance_of(self, name: str) -> int:
        return self.wallets[name].free

    def charge_limits(self, name: str, amount: int, now: int) -> None:
        """ECNY._chargeLimits: raises, or counts the payment against the day."""
        error = self.wallets[name].limit_error(amount, now)
        if error:
            raise Revert(error)
        self.wallets[name].charge(amount, now)

    def check_cap(self, name: str, amount: int) -> None:
        cap = TIERS[self.wallets[name].tier].balance_cap_fen
        if cap and self.balance_of(name) + amount > cap:
            raise Revert("ECNY_BalanceCapExceeded")

    def top_up(self, name: str, amount: int) -> list:
        w = self.wallets[name]
        if not w.open:
            raise Revert("ECNY_WalletNotOpen")
        self.check_cap(name, amount)
        w.free += amount
        w.funded += amount
        self.issued += amount
        return []

    def transfer(self, frm: str, to: str, amount: int, now: int) -> list:
        src, dst = self.wallets[frm], self.wallets[to]
        if not src.open or not dst.open:
            raise Revert("ECNY_WalletNotOpen")
        self.charge_limits(frm, amount, now)
        self.check_cap(to, amount)
        if src.free < amount:
            raise Revert("ECNY_InsufficientFree")
        src.free -= amount
        src.sent += amount
        dst.free += amount
        dst.got += amount
        return []


# ------------------------------------------------------------------------------------------ the deployed chain

@dataclass
class Base:
    """A family's deployed chain: the token, the contract its machine drives, the snapshot every example
    reverts to, and whatever else the set-up made (e.g. a campaign's Merkle proofs)."""

    chain: Any
    token: Any
    contract: Any
    snapshot: Any
    extra: Any = None


_BASES: dict[tuple, Any] = {}


def deployed_once(variant: str, setting: Any, deploy: Callable[[], Any]) -> Any:
    """``deploy()`` (which sets up a chain and returns its base, snapshot taken) once per process, contract
    `variant`'s bytecode and `setting`: while a developer's build is active, ``load_artifact(variant)`` is
    their contract, which gets its own chain."""
    from ..chain.compiler import load_artifact

    key = (variant, hashlib.sha256(load_artifact(variant)["bytecode"].encode()).hexdigest(), setting)
    if key not in _BASES:
        _BASES[key] = deploy()
    return _BASES[key]


def deploy_with_args(chain: Any, variant: str, deployer: str, builtin_args: tuple) -> Any:
    """Deploys `variant` (the developer's contract while a build is active, with its manifest's arguments)."""
    from ..chain.compiler import load_artifact
    from ..chain.user_contracts import constructor_args

    art = load_artifact(variant)
    return chain.deploy(variant, art["abi"], art["bytecode"], deployer, constructor_args(variant, builtin_args))


def deploy_token(chain: Any) -> Any:
    """ECNY on `chain` (the bank issues, the regulator freezes), every wallet tier set."""
    from ..chain.compiler import load_artifact

    ecny = load_artifact("ECNY")
    token = chain.deploy("ECNY", ecny["abi"], ecny["bytecode"], BANK, (BANK, REGULATOR))
    for t in TIERS.values():
        chain.send(BANK, token, "setTier", t.tier_id, t.balance_cap_fen, t.per_payment_fen, t.daily_fen)
    return token


def deploy_controller(chain: Any, token: Any, variant: str, deployer: str, builtin_args: tuple) -> Any:
    """`variant` deployed by `deployer` (see ``deploy_with_args``) and made the token's controller."""
    contract = deploy_with_args(chain, variant, deployer, builtin_args)
    chain.send(BANK, token, "setController", contract, True)
    return contract


def deploy_family(chain: Any, variant: str, deployer: str, args_of: Callable[[Any], tuple]) -> tuple[Any, Any]:
    """ECNY (``deploy_token``) and `variant`, its controller, with the built-in's arguments ``args_of(token)``."""
    token = deploy_token(chain)
    return token, deploy_controller(chain, token, variant, deployer, args_of(token))


def open_wallet(chain: Any, token: Any, name: str, tier: str, funds: int = 0) -> None:
    """The bank opens `name`'s wallet in tier `tier` (a WALLET_TIERS name) and issues `funds` into it."""
    chain.send(BANK, token, "openWallet", name, WALLET_TIERS[tier].tier_id)
    if funds:
        chain.send(BANK, token, "issue", name, funds)
