"""Money over time, read back from each built-in scenario's journal, agrees with what the chain said at the
end (summary.json's balances and totals) and stays consistent at every transaction."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scenario_runs import session_runs  # noqa: E402

from ecny_sim.run import scenario as scenarios  # noqa: E402
from ecny_sim.chain.actors import Actors  # noqa: E402
from ecny_sim.run.journal_reader import read_journal  # noqa: E402
from ecny_sim.read.timeline import FLOWS, build_timeline, contract_address, group_of, read_timeline  # noqa: E402

NAMES = scenarios.builtin_names()
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    return session_runs(tmp_path_factory)


@pytest.fixture(scope="module")
def timelines(runs):
    return {name: read_timeline(run.dir) for name, run in runs.items()}


@pytest.mark.parametrize("name", NAMES)
def test_final_balances_equal_the_chains(name, runs, timelines):
    tl, summary = timelines[name], runs[name].summary
    expected = summary["balances_fen"]
    assert {actor: tl.balances.get(actor) for actor in expected} == expected
    # Nobody else ends up holding money the summary does not know about.
    assert {a: b for a, b in tl.balances.items() if a not in expected and b} == {}
    assert tl.unattributed_fen == 0


@pytest.mark.parametrize("name", NAMES)
def test_flows_agree_with_the_summary_totals(name, runs, timelines):
    tl, totals = timelines[name], runs[name].summary["totals"]
    end = tl.points[-1]
    assert end.issued == totals["issued_fen"] and end.redeemed == totals["redeemed_fen"]
    campaigns = "funded_fen" in totals
    prepaid = "paid_in_fen" in totals
    grants, conditional, wages = "budget_fen" in totals, "conditional_created_fen" in totals, "wages_funded_fen" in totals
    # Earmarked at the end: unconsumed fees, packet money, a grant programme's budget and the firms' unspent
    # grant money, undecided conditional payments, wages not yet paid.
    locked = sum(totals.get(k, 0) for k in ("locked_fen", "packet_money_unspent_fen", "programme_balance_fen",
                                            "grant_unspent_fen", "conditional_pending_fen", "wages_pending_fen"))
    assert end.locked == locked
    if prepaid and not campaigns:
        assert (end.released, end.refunded, end.returned) == (totals["released_fen"], totals["refunded_fen"], 0)
    if campaigns and not prepaid:
        assert end.released == totals["spent_from_packets_fen"] + totals["own_money_spent_fen"]
        assert end.refunded == totals["refunded_to_buyer_fen"]
        assert end.returned == totals["returned_to_funder_fen"]
    if grants and not (prepaid or campaigns or conditional or wages):
        assert end.released == totals["grant_spent_fen"]
        assert end.refunded == 0
    if conditional and not (prepaid or campaigns or grants or wages):
        assert (end.released, end.refunded) == (totals["conditional_released_fen"], totals["conditional_returned_fen"])
    if wages and not (prepaid or campaigns or grants or conditional):
        assert (end.released, end.returned) == (totals["wages_paid_fen"], totals["wages_returned_fen"])


@pytest.mark.parametrize("name", NAMES)
def test_money_is_conserved_after_every_transaction(name, timelines):
    tl = timelines[name]
    lines = [p.line for p in tl.points]
    assert lines == sorted(set(lines)) and lines[0] == 2  # one point per transaction line (root lines between)
    for p in tl.points:
        assert sum(p.balance_by_group.values()) == p.issued - p.redeemed, p.line
        assert sum(p.locked_by_group.values()) == p.locked, p.line
        assert p.locked >= 0 and all(v >= 0 for v in p.balance_by_group.values()), p.line
    for before, after in zip(tl.points, tl.points[1:]):  # counted from the start: never decrease
        for kind in ("released", "refunded", "returned", "issued", "redeemed"):
            assert after.flow(kind) >= before.flow(kind)
    # The per-actor changes replay to the final balances, and group sums match the group series.
    replayed = tl.balances_at(tl.points[-1].line)
    assert replayed == tl.balances
    by_group: dict[str, int] = {}
    for actor, balance in tl.balances.items():
        by_group[group_of(actor)] = by_group.get(group_of(actor), 0) + balance
    assert {g: v for g, v in by_group.items() if v} == {g: v for g, v in tl.points[-1].balance_by_group.items() if v}


@pytest.mark.parametrize("name", NAMES)
def test_every_address_in_the_events_has_a_name(name, runs, timelines):
    tl = timelines[name]
    unnamed = set()
    for tx in read_journal(runs[name].dir).txs:
        for ev in tx["events"]:
            for value in ev["args"].values():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and ADDRESS.fullmatch(item) and tl.name_of(item) == item:
                        unnamed.add((ev["name"], item))
    assert unnamed == set()


def test_contract_addresses_come_from_deployer_and_nonce(runs, timelines):
    tl = timelines["edu_abscond"]
    bank = Actors(1).address_of("bank")
    assert tl.name_of(contract_address(bank, 0)) == "ECNY"  # the bank's first transaction deploys the token
    controllers = {tl.name_of(ev["args"]["controller"])
                   for tx in read_journal(runs["edu_abscond"].dir).txs for ev in tx["events"]
                   if ev["name"] == "ControllerSet"}
    assert controllers == {"escrow", "risk_deposit", "unsupervised"}


def test_the_tables_per_institution_and_per_campaign(timelines):
    rows = {r.contract: r for r in timelines["edu_abscond"].institutions}
    assert set(rows) == {"escrow", "risk_deposit", "unsupervised"}
    assert all(r.status == "Frozen" and r.paid_in_fen == rows["escrow"].paid_in_fen for r in rows.values())
    assert rows["escrow"].refunded_fen == rows["escrow"].released_fen  # half the term taught
    assert rows["unsupervised"].refunded_fen == 0
    [luohu] = timelines["redpacket_luohu_2020"].campaigns
    assert luohu.swept and luohu.funder.startswith("government:")
    assert luohu.funded_fen == luohu.with_merchants_fen + luohu.returned_to_funder_fen + luohu.unspent_fen
    assert luohu.unspent_fen == 0 and luohu.expiry > luohu.start
    refusals = timelines["redpacket_rules"].refusals
    assert refusals and all(not ADDRESS.search(r.text) for r in refusals)  # addresses named in the reasons
    assert "Campaign_MerchantNotAllowed(merchant=merchant:futian-mall)" in [r.text for r in refusals]


def test_an_incomplete_journal_gives_the_timeline_of_its_complete_lines(runs, tmp_path):
    lines = (runs["edu_withdraw"].dir / "journal.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "journal.jsonl").write_text("".join(lines[:-5]))  # killed: no end line, no summary
    tl = build_timeline(read_journal(tmp_path))
    assert not tl.complete and len(tl.points) == len(lines) - 5 - 1
    assert all(all(isinstance(p.flow(k), int) for k in FLOWS) for p in tl.points[:1])
