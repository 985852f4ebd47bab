"""The e-CNY wallets of a run, by actor name: open, top up, pay, and read balances in fen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .deployment import Deployment
from .settings import WALLET_TIERS

if TYPE_CHECKING:
    from .world import World

#: The operating bank issues e-CNY and runs the wallets.
BANK = "bank"
REGULATOR = "regulator"


class Token(Deployment):
    """Wraps the deployed ``ECNY`` contract; every method takes actor names, not addresses."""

    def __init__(self, sim: World):
        self.sim = sim
        self.contract = sim.deploy("ECNY", BANK, sim.addr(BANK), sim.addr(REGULATOR))
        for tier in WALLET_TIERS.values():
            self._send(BANK, "setTier", tier.tier_id, tier.balance_cap_fen, tier.per_payment_fen, tier.daily_fen)
        self.wallets: dict[str, str] = {}  # actor name -> tier name, in opening order

    # -- the bank
    def open_wallet(self, name: str, tier: str = "id_verified", fund_fen: int = 0) -> str:
        """Opens ``name``'s wallet in ``tier`` and tops it up with ``fund_fen``; returns its address."""
        if tier not in WALLET_TIERS:
            raise ValueError(f"unknown wallet tier {tier!r}; known: {', '.join(WALLET_TIERS)}")
        address = self.sim.addr(name)
        self._send(BANK, "openWallet", address, WALLET_TIERS[tier].tier_id)
        self.wallets[name] = tier
        if fund_fen:
            self.issue(name, fund_fen)
        return address

    def open_wallets(self, names: list[str], tier: str = "id_verified"):
        """Opens many wallets in one transaction (a campaign's winners, a school's parents)."""
        if tier not in WALLET_TIERS:
            raise ValueError(f"unknown wallet tier {tier!r}; known: {', '.join(WALLET_TIERS)}")
        result = self._send(BANK, "openWallets", [self.sim.addr(n) for n in names], WALLET_TIERS[tier].tier_id)
        for name in names:
            self.wallets[name] = tier
        return result

    def issue(self, name: str, amount_fen: int):
        return self._send(BANK, "issue", self.sim.addr(name), amount_fen)

    def set_tier(self, name: str, tier: str):
        if tier not in WALLET_TIERS:
            raise ValueError(f"unknown wallet tier {tier!r}; known: {', '.join(WALLET_TIERS)}")
        self.wallets[name] = tier
        return self._send(BANK, "setWalletTier", self.sim.addr(name), WALLET_TIERS[tier].tier_id)

    def redeem(self, name: str, amount_fen: int):
        return self._send(BANK, "redeem", self.sim.addr(name), amount_fen)

    def register_controller(self, address: str, enabled: bool = True):
        return self._send(BANK, "setController", address, enabled)

    def close_wallet(self, name: str):
        return self._send(name, "closeWallet", self.sim.addr(name))

    # -- the regulator
    def freeze_wallet(self, name: str):
        return self._send(REGULATOR, "freezeWallet", self.sim.addr(name))

    # -- owners
    def transfer(self, sender: str, to: str, amount_fen: int):
        return self._send(sender, "transfer", self.sim.addr(to), amount_fen)

    def allow_earmark(self, owner: str, controller: str, amount_fen: int):
        return self._send(owner, "approveEarmark", controller, amount_fen)

    # -- views
    def balance(self, name: str) -> int:
        return self.call("balanceOf", self.sim.addr(name))

    def free(self, name: str) -> int:
        return self.call("freeBalanceOf", self.sim.addr(name))

    def earmarked(self, name: str, controller: str) -> int:
        return self.call("earmarkedOf", self.sim.addr(name), controller)

    def earmarked_total(self, controller: str) -> int:
        return self.call("earmarkedTotalOf", controller)

    def total_supply(self) -> int:
        return self.call("totalSupply")
