"""Conditional red-packet campaigns and the merchant registry, by actor name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from . import merkle
from .deployment import Deployment
from .token import BANK

if TYPE_CHECKING:
    from .world import World

MAX_UINT = 2**256 - 1
REGISTRAR = "bureau:commerce"


class MerchantRegistry(Deployment):
    """Merchants with a district and a category code, registered in batches by the commerce bureau."""

    def __init__(self, sim: World, registrar: str = REGISTRAR):
        self.sim = sim
        self.registrar = registrar
        self.contract = sim.deploy("MerchantRegistry", BANK, sim.addr(registrar))

    def register(self, merchants: Sequence[str], *, district: int, category: int, batch: int = 200) -> None:
        for i in range(0, len(merchants), batch):
            addresses = [self.sim.addr(m) for m in merchants[i:i + batch]]
            self.sim.send(self.registrar, self.contract, "registerMerchants", addresses, district, category)


@dataclass(frozen=True)
class Packet:
    winner: str
    amount_fen: int
    proof: list[bytes]
    index: int  # the packet's number in the lottery draw: part of its Merkle leaf


class Campaign(Deployment):
    """One ``RedPacketCampaign``: its winners' Merkle tree is built here and each claim sends its proof."""

    def __init__(self, sim: World, *, funder: str, registry: MerchantRegistry, start: int, expiry: int,
                 packets: Sequence[tuple[str, int]], applicants_hash: bytes = b"\0" * 32, district: int = 0,
                 category: int = 0, min_spend_fen: int = 0, max_packets_per_person: int = 1,
                 label: str = "campaign"):
        self.sim = sim
        self.funder = funder
        leaves = [merkle.leaf(i, sim.addr(w), amount) for i, (w, amount) in enumerate(packets)]
        tree = merkle.MerkleTree(leaves)
        self.packets: dict[str, list[Packet]] = {}
        for i, (winner, amount) in enumerate(packets):
            self.packets.setdefault(winner, []).append(Packet(winner, amount, tree.proof(i), i))
        self.winners_root = tree.root
        terms = (start, expiry, min_spend_fen, max_packets_per_person, district, category, applicants_hash, tree.root)
        self.contract = sim.deploy("RedPacketCampaign", BANK, sim.token.address, registry.address,
                                   sim.addr(funder), terms, label=label)
        sim.token.register_controller(self.address)
        sim.campaigns.append(self)

    # -- funder
    def fund(self, budget_fen: int):
        self.sim.token.allow_earmark(self.funder, self.address, budget_fen)
        return self._send(self.funder, "fund", budget_fen)

    def allow_merchants(self, merchants: Sequence[str]):
        return self._send(self.funder, "allowMerchants", [self.sim.addr(m) for m in merchants])

    # -- winners, buyers, merchants
    def claim(self, winner: str, which: int = 0, *, amount_fen: int | None = None, proof: list[bytes] | None = None,
              index: int | None = None):
        """Claims ``winner``'s packet; ``amount_fen``/``proof``/``index`` override it (to try a false claim)."""
        packet = self.packets[winner][which] if winner in self.packets else None
        amount = amount_fen if amount_fen is not None else packet.amount_fen
        index = index if index is not None else (packet.index if packet else 0)
        return self._send(winner, "claim", index, amount, proof if proof is not None else packet.proof)

    def claim_call(self, winner: str, which: int = 0) -> tuple:
        """The claim as a ``(actor, contract, function, *args)`` tuple for ``send_batch``."""
        packet = self.packets[winner][which]
        return (winner, self.contract, "claim", packet.index, packet.amount_fen, packet.proof)

    def pay_call(self, buyer: str, merchant: str, amount_fen: int) -> tuple:
        return (buyer, self.contract, "pay", self.sim.addr(merchant), amount_fen)

    def allow_own_money(self, buyer: str, amount_fen: int = MAX_UINT):
        """The buyer lets the campaign take own money for the part of a payment packets don't cover."""
        return self.sim.token.allow_earmark(buyer, self.address, amount_fen)

    def pay(self, buyer: str, merchant: str, amount_fen: int) -> int:
        return self._send(buyer, "pay", self.sim.addr(merchant), amount_fen).event("PurchasePaid").args["purchaseId"]

    def refund(self, merchant: str, purchase_id: int, amount_fen: int):
        return self._send(merchant, "refund", purchase_id, amount_fen)

    def sweep(self, caller: str = BANK):
        return self._send(caller, "sweep")

    # -- views
    def packet_balance(self, name: str) -> int:
        return self.call("packetBalanceOf", self.sim.addr(name))

    def totals(self) -> dict:
        return self.call("totals")

    def unclaimed(self) -> int:
        return self.call("unclaimedFen")
