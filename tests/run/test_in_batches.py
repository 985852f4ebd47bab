"""Simulation.in_batches: every item once, in order, in lists of the batch size, the last one shorter."""

from __future__ import annotations

from ecny_sim.run import scenario as scenarios
from ecny_sim.pilot import Simulation


def test_in_batches_keeps_every_item_in_order():
    s = scenarios.load("edu_term")
    sim = Simulation(s, s.params(), seed=1)
    assert list(sim.in_batches(list(range(7)), 3, "x")) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(sim.in_batches(list(range(6)), 3, "x")) == [[0, 1, 2], [3, 4, 5]]
    assert list(sim.in_batches([], 3, "x")) == []
