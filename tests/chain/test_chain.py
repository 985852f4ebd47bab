import hashlib
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from eth_utils import is_checksum_address

from ecny_sim.chain import Chain, Deployed, Event, TxRecord, TxResult
from ecny_sim.chain.clock import DAY, HOUR, beijing_day, parse_beijing
from ecny_sim.chain.errors import ContractRevert, MissingRevert, TransactionRejected

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARTIFACT = json.loads((FIXTURES / "Fixture.json").read_text())
T0 = parse_beijing("2022-05-09")  # the pilot's first day


def test_fixture_artifact_matches_source():
    src = (FIXTURES / "Fixture.sol").read_bytes()
    assert ARTIFACT["source_sha256"] == hashlib.sha256(src).hexdigest(), (
        "tests/fixtures/Fixture.json is stale: run `node tests/fixtures/compile_fixture.js`"
    )


# The backend these tests run on; tests/chain/test_backends.py runs them again on anvil (it overrides this).
@pytest.fixture(scope="module")
def backend():
    return "pyevm"


# One chain for the module; each test runs between a snapshot and a revert (which the tests also check).
@pytest.fixture(scope="module")
def base(backend):
    chain = Chain(T0, seed=11, backend=backend, mining="by_time")
    fixture = chain.deploy("Fixture", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank", args=(100,))
    yield chain, fixture
    chain.close()


@pytest.fixture
def new_chain(backend):
    """Makes fresh chains on the module's backend (closed after the test)."""
    made: list[Chain] = []

    def make(*args, **kwargs) -> Chain:
        made.append(Chain(*args, backend=backend, **{"mining": "by_time", **kwargs}))
        return made[-1]

    yield make
    for chain in made:
        chain.close()


@pytest.fixture
def chain(base):
    chain, _ = base
    snap = chain.snapshot()
    yield chain
    chain.on_transaction.clear()
    chain.revert(snap)


@pytest.fixture
def fx(base):
    return base[1]


# ------------------------------------------------------------------------------------------- genesis


def test_genesis_and_description(new_chain):
    chain = new_chain("2022-05-09 08:30", seed=1)
    assert chain.genesis_time == parse_beijing("2022-05-09 08:30")
    assert chain.block_number == 0
    assert chain.last_block_time == chain.genesis_time
    assert chain.now == chain.genesis_time + 1  # blocks must be strictly later than genesis
    assert chain.genesis_allocation == {}
    assert chain.chain_id == 131277322940537
    assert chain.block_gas_limit == 1_000_000_000 and chain.block_gas_target == chain.block_gas_limit // 2
    assert chain.max_tx_gas == 2**24  # EIP-7825's cap per transaction
    json.dumps({"settings": chain.settings, "alloc": chain.genesis_allocation})
    assert chain.settings["fork"] == "prague" and chain.settings["base_fee_per_gas"] == 0
    assert chain.state_root().startswith("0x") and len(chain.state_root()) == 66


def test_deploy(base):
    chain, fx = base
    assert isinstance(fx, Deployed) and fx.name == "Fixture" and is_checksum_address(fx.address)
    assert chain.contract("Fixture") is fx
    assert chain.name_of(fx.address) == "Fixture" and chain.label(fx.address.lower()) == "Fixture"
    assert chain.call(fx, "owner") == chain.address_of("bank")
    assert chain.call(fx, "limit") == 100
    assert "setValue(uint256)" in fx.functions


def test_deploy_duplicate_name_and_revert(chain):
    with pytest.raises(ValueError, match="already deployed"):
        chain.deploy("Fixture", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank", args=(1,))
    with pytest.raises(ValueError, match="constructor takes 1"):
        chain.deploy("Other", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank")
    # init code PUSH1 0 PUSH1 0 REVERT: the constructor reverts without data
    with pytest.raises(ContractRevert) as info:
        chain.deploy("Broken", [], "0x60006000fd", "bank")
    assert str(info.value) == "Broken.constructor reverted: reverted without reason"
    assert info.value.tx.status == 0 and "Broken" not in chain.contracts


# ------------------------------------------------------------------------------------------- send / events


def test_send_and_events(chain, fx):
    chain.set_time("2022-05-09 18:00")
    r = chain.send("parent:alice", fx, "setValue", 5)
    assert isinstance(r, TxResult) and r.ok and r.status == 1 and r.error is None
    assert r.timestamp == parse_beijing("2022-05-09 18:00")
    assert r.block_number == chain.open_block == chain.block_number + 1  # open while the clock stands still
    assert r.gas_used > 21_000 and isinstance(r.gas_used, int)
    sealed: list = []
    chain.on_block.append(sealed.append)
    root = chain.state_root()  # seals the open block
    assert [(b.number, b.timestamp, b.state_root) for b in sealed] == [(r.block_number, r.timestamp, root)]
    assert chain.open_block is None and chain.block_number == r.block_number
    chain.on_block.clear()
    assert r.tx_hash.startswith("0x") and len(r.tx_hash) == 66
    assert r.events == [Event("Fixture", "ValueSet", {"by": chain.address_of("parent:alice"), "value": 5, "total": 5})]
    assert r.event("ValueSet").args["total"] == 5
    assert chain.call(fx, "valueOf", "parent:alice") == 5
    json.dumps(r.to_json())


def test_event_value_types(chain, fx):
    r = chain.send("parent:bob", fx, "note", b"\x01" * 32, "0xdead", "学费 ok", -5)
    assert r.events[0].args == {"tag": "0x" + "01" * 32, "data": "0xdead", "text": "学费 ok", "delta": -5}
    r = chain.send("parent:bob", fx, "batch", [1, 2**200], ["parent:alice", fx, fx.address.lower()])
    assert r.events[0].args == {
        "ids": [1, 2**200],
        "who": [chain.address_of("parent:alice"), fx.address, fx.address],
    }


def test_return_value_and_call(chain, fx):
    assert chain.send("parent:bob", fx, "divide", 7, 2).return_value == 3
    assert chain.call(fx, "divide", 7, 2) == 3
    chain.send("parent:bob", fx, "setValue", 9)
    assert chain.call(fx, "info", "parent:bob") == (9, 100, chain.address_of("bank"))
    with pytest.raises(ContractRevert) as info:
        chain.call(fx, "divide", 1, 0)
    assert info.value.tx is None and str(info.value) == "Fixture.divide reverted: Panic(0x12: division or modulo by zero)"


def test_call_many_answers_each_read_as_call_does(chain, fx):
    chain.send("parent:bob", fx, "setValue", 9)
    reads = [(fx, "divide", (7, 2)), ("Fixture", "info", ("parent:bob",)), (fx, "time", ())]
    assert chain.call_many(reads) == [chain.call(c, f, *a) for c, f, a in reads]
    assert chain.call_many(reads) == [3, (9, 100, chain.address_of("bank")), chain.now]
    assert chain.call_many([]) == []
    # the first read that fails is raised with its decoded error, like call's
    with pytest.raises(ContractRevert) as info:
        chain.call_many([(fx, "divide", (1, 1)), (fx, "divide", (1, 0)), (fx, "requireOk", (False,))])
    assert info.value.tx is None and str(info.value) == "Fixture.divide reverted: Panic(0x12: division or modulo by zero)"
    with pytest.raises(ValueError, match="takes 2 arguments"):
        chain.call_many([(fx, "divide", (1,))])


def test_argument_errors(chain, fx):
    with pytest.raises(ValueError, match="no function 'nope'"):
        chain.send("parent:bob", fx, "nope")
    with pytest.raises(ValueError, match="takes 1 arguments"):
        chain.send("parent:bob", fx, "setValue")
    with pytest.raises(ValueError, match="expected an int"):
        chain.send("parent:bob", fx, "setValue", "5")
    with pytest.raises(ValueError):
        chain.send("parent:bob", fx, "valueOf", "not an actor")
    with pytest.raises(ValueError):
        chain.send(" ", fx, "setValue", 1)
    assert chain.send("parent:bob", "Fixture", "setValue", 1).ok  # contract by name


# ------------------------------------------------------------------------------------------- errors


def test_custom_error_raises_with_args(chain, fx):
    seen: list[TxRecord] = []
    chain.on_transaction.append(seen.append)
    block = chain.block_number
    with pytest.raises(ContractRevert) as info:
        chain.send("parent:alice", fx, "setValue", 500)
    e = info.value
    assert e.error_name == "Fixture_TooLarge"
    assert e.args == {"value": 500, "limit": 100}
    assert (e.contract, e.function) == ("Fixture", "setValue")
    assert str(e) == "Fixture.setValue reverted: Fixture_TooLarge(value=500, limit=100)"
    # it was executed in a block (status 0, gas charged) and journaled before raising
    assert e.tx.status == 0 and e.tx.gas_used > 21_000 and e.tx.events == []
    assert e.tx.block_number == chain.open_block and chain.block_number <= e.tx.block_number <= block + 1
    assert [r.result for r in seen] == [e.tx]
    assert pickle.loads(pickle.dumps(e)).args == e.args


def test_custom_error_with_address_args(chain, fx):
    with pytest.raises(ContractRevert) as info:
        chain.send("parent:alice", fx, "setLimit", 1)
    assert info.value.args == {"caller": chain.address_of("parent:alice"), "owner": chain.address_of("bank")}


def test_expect_and_allow_revert(chain, fx):
    r = chain.send("parent:alice", fx, "setValue", 500, expect_revert=True)
    assert r.status == 0 and r.error.name == "Fixture_TooLarge" and r.error.args["value"] == 500
    assert chain.send("parent:alice", fx, "setValue", 500, expect_revert="Fixture_TooLarge").status == 0
    with pytest.raises(ContractRevert, match=r"\(expected Fixture_Nothing\)"):
        chain.send("parent:alice", fx, "setValue", 500, expect_revert="Fixture_Nothing")
    with pytest.raises(MissingRevert):
        chain.send("parent:alice", fx, "setValue", 5, expect_revert=True)
    assert chain.send("parent:alice", fx, "setValue", 5, allow_revert=True).status == 1
    assert chain.send("parent:alice", fx, "setValue", 500, allow_revert=True).status == 0
    assert chain.send("parent:alice", fx, "nothing", expect_revert=True).error.to_json() == {
        "kind": "custom",
        "name": "Fixture_Nothing",
        "args": {},
        "text": "Fixture_Nothing()",
    }


@pytest.mark.parametrize(
    "function, args, kind, text",
    [
        ("decrement", (1,), "Panic", "Panic(0x11: arithmetic overflow or underflow)"),
        ("divide", (1, 0), "Panic", "Panic(0x12: division or modulo by zero)"),
        ("requireOk", (False,), "Error", 'Error("Fixture: not ok")'),
        ("revertEmpty", (), "empty", "reverted without reason"),
    ],
)
def test_builtin_failures(chain, fx, function, args, kind, text):
    r = chain.send("parent:carol", fx, function, *args, expect_revert=True)
    assert (r.error.kind, str(r.error)) == (kind, text)


def test_out_of_gas(chain, fx):
    r = chain.send("parent:carol", fx, "setValue", 5, gas=30_000, expect_revert=True)
    assert r.error.kind == "out_of_gas" and str(r.error) == "out of gas" and r.gas_used == 30_000


def test_rejected_transaction_mines_nothing(chain, fx):
    block, now, nonce = chain.block_number, chain.now, chain.nonce_of("parent:dan")
    with pytest.raises(TransactionRejected, match="rejected by the chain"):
        chain.send("parent:dan", fx, "setValue", 5, gas=21_000)  # below the intrinsic cost
    assert (chain.block_number, chain.now, chain.nonce_of("parent:dan")) == (block, now, nonce)
    assert chain.send("parent:dan", fx, "setValue", 5).ok


def test_rejected_transaction_in_a_shared_block_takes_no_nonce(chain, fx):
    chain.send("parent:dan", fx, "setValue", 5)  # the block of the moment holds a transaction already
    block, nonce = chain.open_block, chain.nonce_of("parent:dan")
    with pytest.raises(TransactionRejected, match="rejected by the chain"):
        chain.send("parent:dan", fx, "setValue", 5, gas=21_000)
    assert (chain.open_block, chain.backend.nonce(chain.address_of("parent:dan"))) == (block, nonce)
    assert chain.send("parent:dan", fx, "setValue", 6).block_number == block


# ------------------------------------------------------------------------------------------- seeded state


def test_write_storage_lands_in_the_block_of_the_moment(chain, fx):
    # Fixture's storage: owner (slot 0), limit (1), total (2). Views read what was written.
    chain.send("parent:dan", fx, "setValue", 5)
    block = chain.open_block
    assert chain.write_storage(fx, [(1, 7), (2, 40)]) == (block, chain.last_block_time)
    assert (chain.call(fx, "limit"), chain.call(fx, "total")) == (7, 40)
    with pytest.raises(ContractRevert, match="Fixture_TooLarge"):  # the contract now lives by the written limit
        chain.send("parent:dan", fx, "setValue", 8)
    sealed = chain.seal()
    assert sealed.number == block and chain.backend.storage(fx.address, 1) == 7
    # Between blocks: a block of the moment is opened for the writes, and the next transaction joins it.
    chain.advance(minutes=1)
    number, when = chain.write_storage("Fixture", [(1, 100)])
    assert (number, when) == (block + 1, chain.now)
    assert chain.send("parent:dan", fx, "setValue", 50).block_number == number
    with pytest.raises(ValueError, match="not a 256-bit word"):
        chain.write_storage(fx, [(1, 2**256)])


def test_writes_survive_a_rejected_transaction_in_their_block(chain, fx):
    chain.send("parent:dan", fx, "setValue", 5)
    chain.write_storage(fx, [(2, 1234)])
    with pytest.raises(TransactionRejected):
        chain.send("parent:dan", fx, "setValue", 5, gas=21_000)  # below the intrinsic cost: the block is rebuilt
    assert chain.call(fx, "total") == 1234
    assert chain.send("parent:dan", fx, "setValue", 6).ok and chain.call(fx, "total") == 1240


# ------------------------------------------------------------------------------------------- fees


def test_zero_fees_and_gas_cap(chain, fx):
    fresh = "parent:never-funded"
    assert chain.backend.balance(chain.address_of(fresh)) == 0
    assert chain.send(fresh, fx, "setValue", 1).ok
    with pytest.raises(ValueError, match="at most"):
        chain.send(fresh, fx, "setValue", 1, gas=chain.max_tx_gas + 1)
    # A transaction using nearly the whole gas target keeps the base fee at 0 (a block over half full
    # would raise it to 1 wei forever and lock out every unfunded actor).
    r = chain.send(fresh, fx, "burn", 600, gas=chain.max_tx_gas)
    assert r.gas_used > chain.max_tx_gas * 0.8
    assert chain.backend.next_base_fee() == 0
    assert chain.send("parent:another-fresh-one", fx, "setValue", 2).ok


# ------------------------------------------------------------------------------------------- time


def test_time_is_exact_and_monotonic(chain, fx):
    lesson = parse_beijing("2022-05-10 18:00")
    chain.set_time(lesson)
    r = chain.send("school:taoli", fx, "stamp")
    assert r.timestamp == lesson
    assert r.events[0].args == {"timestamp": lesson, "beijingDay": beijing_day(lesson)}
    # while the clock stands still, transactions share the block of that moment
    again = chain.send("school:taoli", fx, "stamp")
    assert (again.timestamp, again.block_number) == (lesson, r.block_number)
    assert chain.now == lesson
    chain.seal()  # the block ends: the next one is at least 1 s later
    assert chain.open_block is None and chain.block_number == r.block_number and chain.now == lesson + 1
    with pytest.raises(ValueError, match="cannot set time"):
        chain.set_time(lesson)  # already used by a block
    with pytest.raises(ValueError):
        chain.set_time(lesson - DAY)
    with pytest.raises(ValueError):
        chain.advance(-1)
    # advance counts from the scenario time: no drift from the 1 s steps
    assert chain.advance(days=1) == lesson + DAY
    assert chain.send("school:taoli", fx, "stamp").timestamp == lesson + DAY
    chain.seal()  # a block ended early: the next transaction at the same time goes 1 s later
    assert chain.send("school:taoli", fx, "stamp").timestamp == lesson + DAY + 1
    chain.advance(hours=2, minutes=30)
    assert chain.send("school:taoli", fx, "stamp").timestamp == lesson + DAY + 2 * HOUR + 1800
    # views run at `now`
    assert chain.call(fx, "time") == chain.now


def test_blocks_by_time(chain, fx):
    sealed: list = []
    chain.on_block.append(sealed.append)
    chain.set_time("2022-05-10 09:00")
    first = [chain.send(f"parent:p{i}", fx, "setValue", i) for i in range(3)]
    assert {r.block_number for r in first} == {chain.open_block} and not sealed
    assert chain.call(fx, "total") == 0 + 1 + 2  # views see the open block's transactions
    assert chain.nonce_of("parent:p1") == 1
    chain.advance(hours=1)  # the clock moves on: the block is sealed, with one state root for all three
    assert [b.number for b in sealed] == [first[0].block_number] and chain.open_block is None
    later = chain.send("parent:p0", fx, "setValue", 7)
    assert (later.block_number, later.timestamp) == (first[0].block_number + 1, first[0].timestamp + 3600)
    # a block takes transactions while their gas limits fit its gas target; then the next second's block
    room = (chain.block_gas_target - chain.default_gas) // chain.max_tx_gas
    full = [chain.send(f"parent:q{i}", fx, "setValue", 1, gas=chain.max_tx_gas).block_number for i in range(room + 1)]
    assert full == [later.block_number] * room + [later.block_number + 1]
    assert chain.send("parent:q9", fx, "setValue", 1).timestamp == later.timestamp + 1
    # a batch goes into the open block when it fits
    batch = chain.send_batch([(f"parent:b{i}", fx, "setValue", i) for i in range(5)], gas=100_000)
    assert {r.block_number for r in batch} == {later.block_number + 1}
    assert chain.backend.next_base_fee() == 0
    chain.on_block.clear()


def test_automine_gives_each_transaction_its_own_block(new_chain):
    chain = new_chain("2022-05-09 08:30", seed=3, mining="automine")
    assert chain.settings["blocks"].startswith("automine")
    fx = chain.deploy("Fixture", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank", args=(100,))
    first = chain.send("parent:a", fx, "setValue", 1)
    second = chain.send("parent:b", fx, "setValue", 2)
    assert chain.open_block is None and second.block_number == first.block_number + 1 == chain.block_number
    assert second.timestamp == first.timestamp + 1 and chain.now == second.timestamp + 1
    batch = chain.send_batch([(f"parent:c{i}", fx, "setValue", i) for i in range(3)], gas=100_000)
    assert {r.block_number for r in batch} == {chain.block_number} == {second.block_number + 1}
    with pytest.raises(ValueError, match="unknown mining"):
        new_chain("2022-05-09", mining="sometimes")


def test_beijing_midnight_in_the_evm(chain, fx):
    chain.set_time("2022-05-10 23:59:59")
    d1 = chain.send("parent:alice", fx, "stamp").events[0].args["beijingDay"]
    chain.advance(1)
    d2 = chain.send("parent:alice", fx, "stamp").events[0].args["beijingDay"]  # 00:00:00, 1 s later
    assert d2 == d1 + 1 == beijing_day(parse_beijing("2022-05-11"))


# ------------------------------------------------------------------------------------------- snapshots


def test_snapshot_and_revert(chain, fx, new_chain):
    chain.send("parent:alice", fx, "setValue", 5)
    snap = chain.snapshot()
    state = (chain.block_number, chain.now, chain.state_root(), chain.call(fx, "total"))
    chain.advance(days=3)
    chain.send("parent:alice", fx, "setValue", 7)
    chain.send("parent:bob", fx, "setValue", 8)
    chain.deploy("Fixture2", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank", args=(1,))
    assert chain.call(fx, "total") == 20
    chain.revert(snap)
    assert (chain.block_number, chain.now, chain.state_root(), chain.call(fx, "total")) == state
    assert chain.call(fx, "valueOf", "parent:bob") == 0 and "Fixture2" not in chain.contracts
    # the same history again gives the same state; a snapshot can be reverted to twice
    chain.advance(days=3)
    r1 = chain.send("parent:alice", fx, "setValue", 7)
    chain.revert(snap)
    chain.advance(days=3)
    r2 = chain.send("parent:alice", fx, "setValue", 7)
    assert r1 == r2
    with pytest.raises(ValueError):
        chain.revert(new_chain(T0).snapshot())


def test_revert_to_genesis(new_chain):
    chain = new_chain(T0, seed=2)
    snap = chain.snapshot()
    root = chain.state_root()
    chain.deploy("Fixture", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank", args=(1,))
    chain.revert(snap)
    assert (chain.block_number, chain.state_root(), chain.contracts, chain.now) == (0, root, {}, T0 + 1)
    fx = chain.deploy("Fixture", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank", args=(1,))
    assert chain.call(fx, "limit") == 1


# ------------------------------------------------------------------------------------------- hooks


def test_hook_records_every_transaction(new_chain):
    chain = new_chain(T0, seed=3)
    seen: list[TxRecord] = []
    chain.on_transaction.append(seen.append)
    fx = chain.deploy("Fixture", ARTIFACT["abi"], ARTIFACT["bytecode"], "bank", args=(100,))
    chain.send("parent:alice", fx, "batch", [3], ["school:taoli"])
    chain.send("parent:alice", fx, "setValue", 101, expect_revert=True)
    assert [(r.actor, r.contract, r.function) for r in seen] == [
        ("bank", "Fixture", "constructor"),
        ("parent:alice", "Fixture", "batch"),
        ("parent:alice", "Fixture", "setValue"),
    ]
    assert seen[0].args == [100] and seen[0].result.contract_address == fx.address == seen[0].address
    assert seen[1].args == [[3], [chain.address_of("school:taoli")]]
    assert [r.result.status for r in seen] == [1, 1, 0]
    json.dumps([{"args": r.args, "result": r.result.to_json()} for r in seen])


# ------------------------------------------------------------------------------------------- scale


def test_a_thousand_fresh_actors(base):
    chain, fx = base
    snap = chain.snapshot()
    start = chain.block_number
    names = [f"parent:p{i:04d}" for i in range(1000)]
    blocks = {chain.send(name, fx, "setValue", i % 100).block_number for i, name in enumerate(names)}
    # all due at one moment: as many blocks as the gas target needs (50 of the default 10M gas each), 1 s apart
    per_block = chain.block_gas_target // chain.default_gas
    assert blocks == set(range(start + 1, start + 1 + -(-1000 // per_block)))
    assert len({chain.address_of(n) for n in names}) == 1000
    assert chain.call(fx, "valueOf", names[-1]) == 999 % 100
    chain.revert(snap)


# ------------------------------------------------------------------------------------------- determinism

_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from ecny_sim.chain import Chain
    art = json.loads(open(sys.argv[1]).read())
    chain = Chain("2022-05-09", seed=int(sys.argv[2]), backend=sys.argv[3])
    out = []
    chain.on_transaction.append(lambda r: out.append([r.actor, r.function, r.args, r.result.to_json()]))
    fx = chain.deploy("Fixture", art["abi"], art["bytecode"], "bank", args=(100,))
    chain.set_time("2022-05-09 18:00")
    for i in range(6):
        chain.send(f"parent:p{i}", fx, "setValue", i * 30, allow_revert=True)
        chain.advance(hours=7)
    chain.send("school:taoli", fx, "stamp")
    out.append(chain.state_root())
    chain.close()
    print(json.dumps(out, sort_keys=True))
    """
)


def _run(hashseed: str, seed: int, backend: str = "pyevm") -> str:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(FIXTURES / "Fixture.json"), str(seed), backend],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )
    return proc.stdout


def test_state_roots_identical_across_processes(backend):
    a, b = _run("1", 5, backend), _run("2", 5, backend)
    assert a == b
    records = json.loads(a)
    assert any(r[3]["status"] == 0 for r in records[:-1])  # a revert is part of the history
    assert _run("1", 6, backend) != a  # another seed: other actors, other state
