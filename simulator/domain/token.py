"""The e-CNY wallets of a run, by actor name: open, top up, pay, and read balances in fen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from eth_utils import keccak

from .deployment import Deployment
from .settings import WALLET_TIERS

if TYPE_CHECKING:
    from .world import World

#: The operating bank issues e-CNY and runs the wallets.
BANK = "bank"
REGULATOR = "regulator"

#: ECNY's storage layout, as solc's storageLayout gives it (tests/domain/test_seeded_wallets.py compiles the
#: contract and compares): the slot of ``mapping(address => Wallet) _wallets`` and of ``totalSupply``; a
#: Wallet's first word packs freeFen (bits 0-127), status (128-135: 1 = Open), frozen (136-143), tier
#: (144-159) and spentDay (160-191); its second word is spentTodayFen.
WALLETS_SLOT = 3
TOTAL_SUPPLY_SLOT = 4
WALLET_OPEN = 1
UINT128_MAX = 2**128 - 1


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

    def seed_wallets(self, funding: Mapping[str, int], tier: str = "id_verified") -> None:
        """Opens wallets in ``tier`` holding ``funding[name]`` fen each, written into the token's storage as
        seeded state instead of sent as transactions: for set-up a scenario does not study (a city's parents
        with their tuition ready). The state is what ``open_wallet(name, tier, fund_fen)`` would leave (the
        tier's balance cap holds, the total supply grows by the sum); the journal records the writes and the
        WalletOpened and Issued events they stand for, which the summary counts like any other."""
        if tier not in WALLET_TIERS:
            raise ValueError(f"unknown wallet tier {tier!r}; known: {', '.join(WALLET_TIERS)}")
        limits = WALLET_TIERS[tier]
        writes: list[tuple[int, int]] = []
        events: list[tuple[str, dict]] = []
        total = 0
        for name, fen in funding.items():
            if name in self.wallets:
                raise ValueError(f"{name}'s wallet is already open")
            if type(fen) is not int or fen < 0 or (limits.balance_cap_fen and fen > limits.balance_cap_fen):
                raise ValueError(f"cannot seed {name}'s wallet with {fen!r} fen: a whole number of fen from 0 to "
                                 f"the {tier} tier's balance cap ({limits.balance_cap_fen or 'none'})")
            address = self.sim.addr(name)
            word = fen | WALLET_OPEN << 128 | limits.tier_id << 144
            writes.append((_wallet_slot(address), word))
            events.append(("WalletOpened", {"wallet": address, "tier": limits.tier_id}))
            if fen:
                events.append(("Issued", {"wallet": address, "amountFen": fen}))
            total += fen
        supply = self.total_supply() + total
        if supply > UINT128_MAX:
            raise ValueError(f"seeding {total} fen would take the total supply past 2**128 - 1")
        writes.append((TOTAL_SUPPLY_SLOT, supply))
        self.sim.seed_storage(self.contract.name, writes, events, actor=BANK)
        for name in funding:
            self.wallets[name] = tier

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


def _wallet_slot(address: str) -> int:
    """Where ``_wallets[address]``'s first word lives: keccak256(abi.encode(address, WALLETS_SLOT))."""
    return int.from_bytes(keccak(bytes(12) + bytes.fromhex(address[2:]) + WALLETS_SLOT.to_bytes(32, "big")), "big")
