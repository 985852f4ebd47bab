"""Fixtures of the contract unit tests.

One chain per test module (`world`): the token, two escrows (dispute window 0 and 48 h), two upfront
contracts (20 % risk deposit and none), tiers, controllers and a few funded wallets. Every test runs between a
snapshot and a revert of that chain (`w`), so tests never see each other's transactions.

The session also records which functions of ECNY, PrepaidEscrow and UpfrontPrepaid were called and which of
their custom errors were seen (`abi_recorder`); tests/contracts/test_abi_coverage.py checks that record after
every other test has run.
"""

from __future__ import annotations

import sys
import weakref
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest

from ecny_sim.chain import Chain, Deployed, TxResult
from ecny_sim.chain.clock import DAY, HOUR, parse_beijing
from ecny_sim.chain.compiler import load_artifact
from ecny_sim.chain.errors import ContractRevert, DecodedError, MissingRevert
from ecny_sim.domain.settings import WALLET_TIERS, PrepaidRules

HERE = Path(__file__).resolve().parent
COVERAGE_MODULE = "test_abi_coverage.py"
#: The example-based modules the ABI coverage check relies on: it only runs when all of them ran in full.
UNIT_MODULES = ("test_ecny.py", "test_prepaid_escrow.py", "test_upfront_prepaid.py", "test_prepaid_hardening.py",
                "test_merchant_registry.py",
                "test_red_packet_campaign.py", "test_conditional_payment.py", "test_payee_registry.py",
                "test_grant_programme.py", "test_wage_pass_through.py")
COVERED_ARTIFACTS = ("ECNY", "PrepaidEscrow", "UpfrontPrepaid", "MerchantRegistry", "RedPacketCampaign",
                     "ConditionalPayment", "PayeeRegistry", "GrantProgramme", "WagePassThrough")

# ------------------------------------------------------------------------------------------ constants

T0 = parse_beijing("2022-05-09 09:00")  # a Monday, the pilot's first day; the genesis time
BANK = "bank"
REGULATOR = "regulator"
SCHOOL = "school:a"
SCHOOL_B = "school:b"
CTL = "ctl:a"  # plain accounts registered as controllers: drive the token's controller API directly
CTL_B = "ctl:b"
ZERO = "0x" + "00" * 20
MAX_UINT = 2**256 - 1
WINDOW = 48 * HOUR  # dispute window of the `escrow_w` instance
RULES = PrepaidRules(dispute_window_hours=0).as_tuple()  # the `escrow` instance releases each lesson at once
RULES_W = PrepaidRules(dispute_window_hours=48).as_tuple()
TIER = {name: t.tier_id for name, t in WALLET_TIERS.items()}
PARENT_FUND = 2_000_000  # ¥20,000
SCHOOL_FUND = 10_000_000  # ¥100,000
BASE_PARENTS = 6

# The default course: 20 lessons x ¥150, one class hour each, starting a week after T0, ten weeks long.
FEE = 15_000
LESSONS = 20
START = T0 + 7 * DAY
END = START + 70 * DAY


class OrderState(IntEnum):
    NONE = 0
    LOCKED = 1
    PARTIALLY_CONSUMED = 2
    DISPUTED = 3
    COMPLETED = 4
    CANCELLED = 5
    REFUNDED = 6


class OrderStatus(IntEnum):
    NONE = 0
    ACTIVE = 1
    COMPLETED = 2
    CANCELLED = 3
    REFUNDED = 4


class InstitutionStatus(IntEnum):
    UNKNOWN = 0
    APPROVED = 1
    CLOSING = 2
    CLOSED = 3
    FROZEN = 4


class Skip(IntEnum):
    NOT_IN_COURSE = 0
    WRONG_INSTITUTION = 1
    NOT_ACTIVE = 2
    DISPUTED = 3
    NOTHING_LEFT = 4
    COURSE_NOT_ENDED = 5
    TOO_MANY_HELD = 6
    REPEATED = 7
    AHEAD_OF_TIMETABLE = 8
    SCHOOL_WALLET_CLOSED = 9
    WALLET_CANNOT_RECEIVE = 10
    SCHOOL_CANNOT_PAY = 11


# ------------------------------------------------------------------------------------------ ABI recorder


class AbiRecorder:
    """Records, for the three covered artifacts, every function called through Chain.send / Chain.call
    (and whether it succeeded) and every custom error seen (from send, call or a reverted deployment).

    A contract is attributed to an artifact by its deployment bytecode (so a deliberately broken variant
    with the same ABI, or another contract, does not count). An error counts only when a covered contract was
    called (or deployed): for that contract's artifact when its ABI declares the error; otherwise (it bubbled
    up from a nested call, e.g. the token refusing an escrow's earmark) for every covered artifact whose ABI
    declares it.
    """

    def __init__(self) -> None:
        self.artifacts = {name: load_artifact(name) for name in COVERED_ARTIFACTS}
        self.functions = {
            name: {e["name"] for e in art["abi"] if e.get("type") == "function"} for name, art in self.artifacts.items()
        }
        self.errors = {
            name: {e["name"] for e in art["abi"] if e.get("type") == "error"} for name, art in self.artifacts.items()
        }
        self._by_bytecode = {_norm_hex(art["bytecode"]): name for name, art in self.artifacts.items()}
        self._addresses: "weakref.WeakKeyDictionary[Chain, dict[str, str]]" = weakref.WeakKeyDictionary()
        self.called: set[tuple[str, str]] = set()
        self.succeeded: set[tuple[str, str]] = set()
        self.seen_errors: set[tuple[str, str]] = set()

    # -- attribution
    def artifact_of(self, chain: Chain, contract: Deployed | str) -> str | None:
        try:
            deployed = contract if isinstance(contract, Deployed) else chain.contract(contract)
        except KeyError:
            return None
        return self._addresses.get(chain, {}).get(deployed.address.lower())

    def _note_error(self, artifact: str | None, error: DecodedError | None) -> None:
        if error is None or error.kind != "custom" or artifact is None:
            return
        if error.name in self.errors[artifact]:
            self.seen_errors.add((artifact, error.name))
            return
        for name, errors in self.errors.items():
            if error.name in errors:
                self.seen_errors.add((name, error.name))

    def _note_call(self, artifact: str | None, function: str, ok: bool, error: DecodedError | None) -> None:
        if artifact is not None:
            name = function.split("(", 1)[0]
            self.called.add((artifact, name))
            if ok:
                self.succeeded.add((artifact, name))
        self._note_error(artifact, error)

    # -- installation
    def install(self, mp: pytest.MonkeyPatch) -> None:
        rec = self
        orig_deploy, orig_send, orig_call = Chain.deploy, Chain.send, Chain.call

        def deploy(chain, name, abi, bytecode, *args, **kwargs):
            raw = bytecode if isinstance(bytecode, str) else "0x" + bytes(bytecode).hex()
            artifact = rec._by_bytecode.get(_norm_hex(raw))
            try:
                deployed = orig_deploy(chain, name, abi, bytecode, *args, **kwargs)
            except ContractRevert as exc:
                rec._note_error(artifact, exc.error)
                raise
            if artifact is not None:
                rec._addresses.setdefault(chain, {})[deployed.address.lower()] = artifact
            return deployed

        def send(chain, actor, contract, function, *args, **kwargs):
            artifact = rec.artifact_of(chain, contract)
            try:
                result = orig_send(chain, actor, contract, function, *args, **kwargs)
            except ContractRevert as exc:
                rec._note_call(artifact, function, False, exc.error)
                raise
            except MissingRevert:
                rec._note_call(artifact, function, True, None)
                raise
            rec._note_call(artifact, function, result.ok, result.error)
            return result

        def call(chain, contract, function, *args, **kwargs):
            artifact = rec.artifact_of(chain, contract)
            try:
                value = orig_call(chain, contract, function, *args, **kwargs)
            except ContractRevert as exc:
                rec._note_call(artifact, function, False, exc.error)
                raise
            rec._note_call(artifact, function, True, None)
            return value

        mp.setattr(Chain, "deploy", deploy)
        mp.setattr(Chain, "send", send)
        mp.setattr(Chain, "call", call)


def _norm_hex(value: str) -> str:
    value = value.lower()
    return value[2:] if value.startswith("0x") else value


@pytest.fixture(scope="session")
def abi_recorder() -> AbiRecorder:
    """The session's record of what the contract tests exercised."""
    return AbiRecorder()


@pytest.fixture(scope="module", autouse=True)
def _record_abi_use(abi_recorder):
    """Records every module of tests/contracts (installed before the module's chain is deployed; removed
    afterwards, so tests elsewhere see the plain Chain)."""
    mp = pytest.MonkeyPatch()
    abi_recorder.install(mp)
    yield
    mp.undo()


# ------------------------------------------------------------------------------------------ ordering / selection

_DESELECTED = pytest.StashKey[list]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Run the ABI coverage check after every other test."""
    last = [it for it in items if Path(str(it.path)).name == COVERAGE_MODULE and Path(str(it.path)).parent == HERE]
    if last:
        rest = [it for it in items if it not in last]
        items[:] = rest + last


def pytest_deselected(items):
    if items:
        items[0].config.stash.setdefault(_DESELECTED, []).extend(items)


def unit_suite_incomplete(session) -> str | None:
    """Why the coverage check cannot judge this session (a reason to skip), or None if every unit module of
    tests/contracts ran in full."""
    config = session.config
    if hasattr(config, "workerinput"):
        return "running in a pytest-xdist worker: each worker sees only part of the suite"
    for item in config.stash.get(_DESELECTED, []):
        path = Path(str(item.path))
        if path.parent == HERE and path.name in UNIT_MODULES:
            return f"{item.nodeid} was deselected"
    for arg in config.args:
        path_part, sep, _ = str(arg).partition("::")
        path = (Path(config.invocation_params.dir) / path_part).resolve()
        if sep and path.parent == HERE and path.name in UNIT_MODULES:
            return f"only part of {Path(path_part).name} was selected ({arg})"
    selected = {Path(str(it.path)).name for it in session.items if Path(str(it.path)).parent == HERE}
    missing = [m for m in UNIT_MODULES if m not in selected]
    if missing:
        return "not selected: " + ", ".join(missing)
    return None


# ------------------------------------------------------------------------------------------ the world


class World:
    """A chain with the token and the four supervision contracts, and short-hands for the tests."""

    def __init__(self, chain: Chain):
        self.chain = chain
        art = {n: load_artifact(n) for n in COVERED_ARTIFACTS}
        self.art = art
        self.token = chain.deploy("ECNY", art["ECNY"]["abi"], art["ECNY"]["bytecode"], BANK, (BANK, REGULATOR))
        for tier in WALLET_TIERS.values():
            self.tok(BANK, "setTier", tier.tier_id, tier.balance_cap_fen, tier.per_payment_fen, tier.daily_fen)
        esc, up = art["PrepaidEscrow"], art["UpfrontPrepaid"]
        self.escrow = chain.deploy("escrow", esc["abi"], esc["bytecode"], BANK, (self.token, REGULATOR, RULES))
        self.escrow_w = chain.deploy("escrow_w", esc["abi"], esc["bytecode"], BANK, (self.token, REGULATOR, RULES_W))
        self.upfront = chain.deploy("upfront", up["abi"], up["bytecode"], BANK, (self.token, REGULATOR, RULES, 2000))
        self.upfront0 = chain.deploy("upfront0", up["abi"], up["bytecode"], BANK, (self.token, REGULATOR, RULES, 0))
        for controller in (self.escrow, self.escrow_w, self.upfront, self.upfront0, CTL, CTL_B):
            self.tok(BANK, "setController", controller, True)
        for name in (SCHOOL, SCHOOL_B, REGULATOR, BANK):
            self.open_wallet(name, "corporate", SCHOOL_FUND if name.startswith("school") else 0)
        for i in range(1, BASE_PARENTS + 1):
            self.open_wallet(f"parent:{i}", "id_verified", PARENT_FUND)
        for model in (self.escrow, self.escrow_w, self.upfront, self.upfront0):
            self.send(REGULATOR, model, "approveInstitution", SCHOOL)
            self.send(REGULATOR, model, "approveInstitution", SCHOOL_B)

    # -- plumbing
    def addr(self, name: str) -> str:
        return self.chain.address_of(name)

    def send(self, actor: str, contract, fn: str, *args, **kw) -> TxResult:
        return self.chain.send(actor, contract, fn, *args, **kw)

    def call(self, contract, fn: str, *args, **kw) -> Any:
        return self.chain.call(contract, fn, *args, **kw)

    def tok(self, actor: str, fn: str, *args, **kw) -> TxResult:
        return self.chain.send(actor, self.token, fn, *args, **kw)

    def view(self, fn: str, *args) -> Any:
        return self.chain.call(self.token, fn, *args)

    def reverts(self, actor: str, contract, fn: str, *args, error: str, **expected) -> TxResult:
        """Sends a transaction that must revert with custom error `error`; each keyword names one of the
        error's arguments and its value (actor names are turned into addresses). Returns the TxResult."""
        result = self.chain.send(actor, contract, fn, *args, expect_revert=error)
        for key, want in expected.items():
            assert key in result.error.args, f"{error} has no argument {key!r}: {result.error.args}"
            if isinstance(want, str) and not want.startswith("0x"):
                want = self.addr(want)
            elif isinstance(want, Deployed):
                want = want.address
            assert result.error.args[key] == want, f"{error}.{key}: {result.error.args[key]!r} != {want!r}"
        return result

    # -- wallets
    def open_wallet(self, name: str, tier: str = "id_verified", fund: int = 0) -> str:
        self.tok(BANK, "openWallet", name, TIER[tier])
        if fund:
            self.tok(BANK, "issue", name, fund)
        return self.addr(name)

    def parents(self, n: int) -> list[str]:
        """parent:1 .. parent:n, opening and funding the ones the base world does not have."""
        names = [f"parent:{i}" for i in range(1, n + 1)]
        new = names[BASE_PARENTS:]
        if new:
            self.tok(BANK, "openWallets", new, TIER["id_verified"])
            for name in new:
                self.tok(BANK, "issue", name, PARENT_FUND)
        return names

    def free(self, name: str) -> int:
        return self.view("freeBalanceOf", name)

    def balance(self, name: str) -> int:
        return self.view("balanceOf", name)

    def earmarked(self, name: str, controller) -> int:
        return self.view("earmarkedOf", name, controller)

    # -- prepaid
    def publish(self, model, school: str = SCHOOL, fee: int = FEE, lessons: int = LESSONS, hours: int = 1,
                start: int = START, end: int = END) -> int:
        return self.send(school, model, "publishCourse", fee, lessons, hours, start, end).return_value

    def enrol(self, model, parent: str, course: int, lessons: int = LESSONS, approve: int | None = None) -> int:
        """Approves the fee (or `approve`) for `model` and enrols; returns the order id."""
        fee = self.call(model, "courseOf", course)["feePerLessonFen"] * lessons
        self.tok(parent, "approveEarmark", model, fee if approve is None else approve)
        return self.send(parent, model, "enrol", course, lessons).return_value

    def record(self, model, course: int, orders, school: str = SCHOOL, *, on_timetable: bool = True) -> TxResult:
        """Records a lesson for `orders`. With `on_timetable` the clock first moves (if it must) to when the
        timetable lets the furthest-along listed order take its next lesson, as a real school would wait."""
        if on_timetable:
            self.wait_for_next_lesson(model, course, orders)
        return self.send(school, model, "recordLesson", course, list(orders))

    def wait_for_next_lesson(self, model, course: int, orders) -> None:
        c = self.call(model, "courseOf", course)
        slack = self.call(model, "PACE_SLACK_LESSONS")
        needed = 1
        for order_id in set(orders):
            o = self.call(model, "orderOf", order_id)
            if o["courseId"] != course or o["status"] != OrderStatus.ACTIVE:
                continue
            left = self.call(model, "lessonsLeftOf", order_id)
            needed = max(needed, o["paceBase"] + o["lessonsPaid"] - left + 1 - slack)
        span, lessons = c["end"] - c["start"], c["lessons"]
        due_at = c["start"] + (-(-(needed - 1) * span // lessons) if needed > 1 else 0)
        if self.chain.now < due_at:
            self.chain.set_time(due_at)

    def order(self, model, order_id: int) -> dict:
        return self.call(model, "orderOf", order_id)

    def state(self, model, order_id: int) -> OrderState:
        return OrderState(self.call(model, "orderStateOf", order_id))


@pytest.fixture(scope="module")
def world(_record_abi_use) -> World:
    return World(Chain(T0, seed=2022))


@pytest.fixture
def w(world):
    """The module's world, reverted to its base state after the test."""
    snap = world.chain.snapshot()
    try:
        yield world
    finally:
        world.chain.on_transaction.clear()
        world.chain.revert(snap)


# Test modules import the constants and helpers above as `contract_testkit`. (`from conftest import ...` would
# be ambiguous: tests/conftest.py is a top-level module named "conftest" as well in pytest's default import
# mode.) The conftest is always imported before the test modules of its directory.
sys.modules["contract_testkit"] = sys.modules[__name__]
