"""Merkle commitments to a campaign's winners, as `RedPacketCampaign` checks them.

A leaf is keccak256(keccak256(abi.encode(packetIndex, winner, amountFen))) (hashed twice so a leaf can
never be mistaken for an inner node; the packet's index makes two equal packets of one winner two leaves); an inner node hashes its two children smaller-first, so a proof is just the
list of siblings.
"""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak, to_canonical_address


def leaf(index: int, winner: str, amount_fen: int) -> bytes:
    return keccak(keccak(encode(["uint256", "address", "uint256"], [index, to_canonical_address(winner), amount_fen])))


def _parent(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


class MerkleTree:
    """Built once over all leaves; ``proof(i)`` gives leaf ``i``'s siblings from the bottom up."""

    def __init__(self, leaves: list[bytes]):
        if not leaves:
            raise ValueError("a Merkle tree needs at least one leaf")
        self.levels: list[list[bytes]] = [list(leaves)]
        while len(self.levels[-1]) > 1:
            level = self.levels[-1]
            # An odd node out is carried up unchanged.
            self.levels.append([_parent(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                                for i in range(0, len(level), 2)])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def proof(self, index: int) -> list[bytes]:
        siblings = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                siblings.append(level[sibling])
            index //= 2
        return siblings


def verify(proof: list[bytes], root: bytes, node: bytes) -> bool:
    for sibling in proof:
        node = _parent(node, sibling)
    return node == root
