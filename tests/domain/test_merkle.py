"""The winners' Merkle tree: every proof verifies; a changed index, winner, amount or proof does not."""

from __future__ import annotations

import pytest

from ecny_sim.domain import merkle
from ecny_sim.chain.actors import Actors


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 33])
def test_every_leaf_proves(n):
    actors = Actors(1)
    addrs = [actors.address_of(f"winner:{i}") for i in range(n)]
    tree = merkle.MerkleTree([merkle.leaf(i, a, 20_000) for i, a in enumerate(addrs)])
    for i, a in enumerate(addrs):
        assert merkle.verify(tree.proof(i), tree.root, merkle.leaf(i, a, 20_000))
    if n > 1:
        assert not merkle.verify(tree.proof(0), tree.root, merkle.leaf(0, addrs[0], 20_001))
        assert not merkle.verify(tree.proof(0), tree.root, merkle.leaf(1, addrs[0], 20_000))
        assert not merkle.verify(tree.proof(0), tree.root, merkle.leaf(0, addrs[1], 20_000))
        outsider = actors.address_of("citizen:x")
        assert not merkle.verify(tree.proof(0), tree.root, merkle.leaf(0, outsider, 20_000))


def test_twin_packets_are_two_leaves():
    """A winner of two equal packets has two different leaves, each with its own proof."""
    a = Actors(1).address_of("winner:twin")
    leaves = [merkle.leaf(0, a, 20_000), merkle.leaf(1, a, 20_000)]
    assert leaves[0] != leaves[1]
    tree = merkle.MerkleTree(leaves)
    assert merkle.verify(tree.proof(0), tree.root, leaves[0]) and merkle.verify(tree.proof(1), tree.root, leaves[1])


def test_empty_tree_refused():
    with pytest.raises(ValueError):
        merkle.MerkleTree([])
