"""The summary is built from the tally folded as the run went, not from the run's events held in memory, and
it reads each figure from the chain once."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest

from ecny_sim.pilot import Simulation
from ecny_sim.read.summary import build_summary
from ecny_sim.read.tally import Tally
from ecny_sim.run import scenario as scenarios
from ecny_sim.run.engine import RecordedEvent

#: One scenario of each programme kind: prepaid (escrow and upfront), red packets, grants, conditional
#: payments, wages.
NAMES = ("edu_abscond", "redpacket_rules", "sme_relocation_clawback", "car_prepayment", "wage_passthrough")


@pytest.fixture(scope="module")
def runs():
    sims = {}
    for name in NAMES:
        s = scenarios.load(name)
        params = s.params(test_scale=True)
        sim = Simulation(s, params, seed=3)
        s.run(sim, params)
        sims[name] = sim
    yield sims
    for sim in sims.values():
        sim.chain.close()


class Unread:
    """Stands in for a run's events: the summary must not look at them."""

    def __iter__(self):
        raise AssertionError("the summary iterated over the run's events")

    def __len__(self):
        raise AssertionError("the summary asked how many events the run had")


@pytest.mark.parametrize("name", NAMES)
def test_the_summary_does_not_read_the_events_back(runs, name):
    sim = runs[name]
    events, sim.events = sim.events, Unread()
    try:
        summary = build_summary(sim, "ok")
    finally:
        sim.events = events
    assert summary["invariants"] and all(summary["invariants"].values())


@pytest.mark.parametrize("name", NAMES)
def test_the_tally_folded_as_the_run_went_equals_one_folded_from_its_events(runs, name):
    sim = runs[name]
    live = build_summary(sim, "ok")
    own = sim.tally
    sim.tally = Tally.of(sim, sim.events)
    try:
        assert build_summary(sim, "ok") == live
    finally:
        sim.tally = own
    assert own.sums([sim.token.contract.name])["Issued.count"] > 0


@pytest.mark.parametrize("name", NAMES)
def test_the_summary_reads_no_figure_twice(runs, name, monkeypatch):
    sim = runs[name]
    calls: Counter = Counter()
    call_many = sim.chain.call_many

    def counted_many(reads, **kwargs):  # every read goes through it (`call` is one read of call_many)
        reads = list(reads)
        for contract, function, args in reads:
            calls[(getattr(contract, "name", contract), function, repr(tuple(args)))] += 1
        return call_many(reads, **kwargs)

    monkeypatch.setattr(sim.chain, "call_many", counted_many)
    build_summary(sim, "ok")
    assert calls[("ECNY", "totalSupply", "()")] == 1  # the state hash's reading, used by the summary too
    assert [key for key, n in calls.items() if n > 1] == []



PROGRAMME, FIRM, PAYEE = "0x" + "1" * 40, "0x" + "2" * 40, "0x" + "3" * 40


def fold(*events: tuple[str, str, dict]) -> Tally:
    """A tally of ``(label, event, args)`` events, in a world of a token, a grant programme and a registry."""
    world = SimpleNamespace(artifact_of={"ECNY": "ECNY", "grants": "GrantProgramme", "registry": "PayeeRegistry",
                                         "mine": "MyContract"},
                            chain=SimpleNamespace(lookup={PROGRAMME: "grants"}.get))
    return Tally.of(world, [RecordedEvent(label, name, args, "someone", "f") for label, name, args in events])


def test_a_release_is_kept_with_the_payees_purpose_at_that_moment():
    released = {"wallet": FIRM, "controller": PROGRAMME, "payee": PAYEE, "amountFen": 500}
    tally = fold(("registry", "PayeeRegistered", {"payee": PAYEE, "purpose": 2}),
                 ("ECNY", "EarmarkReleased", released),
                 ("registry", "PayeeRemoved", {"payee": PAYEE, "purpose": 2}),
                 ("ECNY", "EarmarkReleased", released))
    assert tally.releases(PROGRAMME) == {(FIRM, frozenset({("registry", 2)})): 500, (FIRM, frozenset()): 500}
    assert tally.moves(PROGRAMME) == {("EarmarkReleased", PAYEE): 1000}


def test_another_contracts_event_of_the_same_name_is_counted_not_indexed():
    tally = fold(("mine", "OrderPlaced", {"orderId": 7}), ("mine", "WalletOpened", {"owner": FIRM}))
    assert tally.sums(["mine"]) == {"OrderPlaced.count": 1, "OrderPlaced.orderId": 7, "WalletOpened.count": 1}
    assert tally.grouped("mine", "OrderPlaced") == {} and tally.keys("mine", "WalletOpened", "wallet") == set()
