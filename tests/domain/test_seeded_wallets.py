"""Seeded wallets: opened and funded by writing the token's storage, with no transaction. The state must be the
one the transactions would leave (views, raw storage, what the wallets can do next, on both backends), the
summary must count the seeded money, and the layout the writes assume must be the compiler's."""

from __future__ import annotations

import copy

import pytest
from anvil_nodes import require_anvil

from ecny_sim.chain import compiler
from ecny_sim.chain.errors import ContractRevert
from ecny_sim.domain import token as token_module
from ecny_sim.domain.settings import WALLET_TIERS
from ecny_sim.pilot import Simulation
from ecny_sim.read.summary import build_summary
from ecny_sim.run.scenario import load

FUNDING = {"parent:a": 3_000_00, "parent:b": 0, "parent:c": 500_000_00}  # c: exactly the id_verified cap


def _world(backend: str = "pyevm") -> Simulation:
    scenario = load("edu_term")
    return Simulation(scenario, scenario.params(test_scale=True), 7, backend=backend)


def _wallet_state(sim: Simulation, names) -> dict:
    token, chain = sim.token, sim.chain
    rows = {}
    for name in names:
        address = sim.addr(name)
        rows[name] = (token.balance(name), token.free(name), chain.call(token.contract, "isOpen", address),
                      chain.call(token.contract, "isFrozen", address),
                      chain.backend.storage(token.contract.address, token_module._wallet_slot(address)),
                      chain.backend.storage(token.contract.address, token_module._wallet_slot(address) + 1))
    return {"wallets": rows, "supply": token.total_supply()}


@pytest.fixture(params=["pyevm", "anvil"])
def backend(request) -> str:
    if request.param == "anvil":
        require_anvil()
    return request.param


def test_seeded_wallets_are_the_wallets_the_transactions_open(backend):
    sent, seeded = _world(backend), _world(backend)
    try:
        for name, fen in FUNDING.items():
            sent.token.open_wallet(name, fund_fen=fen)
        before = seeded.counts["transactions"]
        seeded.token.seed_wallets(FUNDING)
        assert seeded.counts["transactions"] == before  # nothing sent
        assert _wallet_state(seeded, FUNDING) == _wallet_state(sent, FUNDING)
        assert seeded.token.wallets == sent.token.wallets
        # What the wallets do next is the same: pay, hit the balance cap, be frozen.
        for sim in (sent, seeded):
            sim.token.open_wallet("shop")
            sim.token.transfer("parent:a", "shop", 1_00)
            with pytest.raises(ContractRevert, match="ECNY_BalanceCapExceeded"):
                sim.token.issue("parent:c", 1)
            sim.token.freeze_wallet("parent:b")
        assert _wallet_state(seeded, [*FUNDING, "shop"]) == _wallet_state(sent, [*FUNDING, "shop"])
    finally:
        sent.chain.close()
        seeded.chain.close()


def test_the_summary_counts_seeded_money_like_issued_money():
    sent, seeded = _world(), _world()
    try:
        for name, fen in FUNDING.items():
            sent.token.open_wallet(name, fund_fen=fen)
        seeded.token.seed_wallets(FUNDING)
        a, b = build_summary(sent, "ok"), build_summary(seeded, "ok")
        assert a["totals"] == b["totals"] and a["totals"]["issued_fen"] == sum(FUNDING.values())
        assert a["balances_fen"] == b["balances_fen"] and a["invariants"] == b["invariants"]
        assert all(a["invariants"].values())
        assert a["final_state_hash"] == b["final_state_hash"]
    finally:
        sent.chain.close()
        seeded.chain.close()


@pytest.mark.parametrize("funding, tier, message", [
    ({"parent:a": -1}, "id_verified", "cannot seed parent:a's wallet with -1 fen"),
    ({"parent:a": 1.5}, "id_verified", "cannot seed parent:a's wallet with 1.5 fen"),
    ({"parent:a": WALLET_TIERS["lowest"].balance_cap_fen + 1}, "lowest", "the lowest tier's balance cap"),
    ({"parent:a": 1}, "gold", "unknown wallet tier 'gold'"),
])
def test_seeding_what_no_transaction_could_do_is_refused(funding, tier, message):
    sim = _world()
    try:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
            sim.token.seed_wallets(funding, tier)
        sim.token.open_wallet("parent:b")
        with pytest.raises(ValueError, match="parent:b's wallet is already open"):
            sim.token.seed_wallets({"parent:b": 1})
        assert sim.token.total_supply() == 0 and "parent:a" not in sim.token.wallets
    finally:
        sim.chain.close()


def _storage_layout() -> dict:
    try:
        finding = compiler.find_compiler()
        solc = finding.__enter__()
    except compiler.NoCompilerError:
        pytest.skip("no solc 0.8.37 here (run `make solc` with Node 20, or set SOLC)")
    import solcx

    settings = copy.deepcopy(compiler.SETTINGS)
    settings["outputSelection"] = {"*": {"ECNY": ["storageLayout"]}}
    sources = compiler.read_sources(compiler.repo_contracts_dir())
    out = solcx.compile_standard({"language": "Solidity", "settings": settings,
                                  "sources": {n: {"content": c.decode()} for n, c in sources.items()}},
                                 solc_binary=solc.path, allow_empty=True)
    finding.__exit__(None, None, None)
    return next(c["ECNY"]["storageLayout"] for c in out["contracts"].values() if "ECNY" in c)


def test_the_layout_the_writes_assume_is_the_compilers():
    if compiler.repo_contracts_dir() is None:
        pytest.skip("not running from a checkout")
    layout = _storage_layout()
    slots = {s["label"]: (int(s["slot"]), s["offset"], s["type"]) for s in layout["storage"]}
    assert slots["_wallets"][:2] == (token_module.WALLETS_SLOT, 0)
    assert slots["totalSupply"][:2] == (token_module.TOTAL_SUPPLY_SLOT, 0)
    wallet = layout["types"][slots["_wallets"][2]]["value"]
    members = {m["label"]: (int(m["slot"]), m["offset"]) for m in layout["types"][wallet]["members"]}
    # freeFen bits 0-127, status 128-135, frozen 136-143, tier 144-159, spentDay 160-191; spentTodayFen next word
    assert members == {"freeFen": (0, 0), "status": (0, 16), "frozen": (0, 17), "tier": (0, 18),
                       "spentDay": (0, 20), "spentTodayFen": (1, 0)}
