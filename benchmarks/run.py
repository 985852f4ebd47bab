"""`make bench`: lesson settlements per second and gas per pupil-lesson, simulator (py-evm, anvil) vs plain web3.

    python -m benchmarks.run                    # full run; rewrites benchmarks/RESULTS.md
    python -m benchmarks.run --quick            # smoke run (~15-20 s); writes nothing unless --output
    python -m benchmarks.run --backend pyevm    # the simulator's routes on py-evm only (default: both)

One run, the same compiled ECNY + PrepaidEscrow bytecode (simulator/artifacts) on every route:

  A  simulator, class batch     ecny_sim.chain.chain.Chain; one `recordLesson(course, [30 order ids])` per lesson
  C  simulator, one order/call  a second Chain set up alike; one `recordLesson(course, [orderId])` per
                                pupil-lesson
  A-anvil, C-anvil              the same two routes on Chain(..., backend="anvil"): each its own anvil node
  B  plain web3                 Web3(EthereumTesterProvider()) (eth-tester, py-evm backend); one
                                `escrow.functions.recordLesson(course, [orderId]).transact({"from": school})`
                                + `w3.eth.wait_for_transaction_receipt` per pupil-lesson, gas estimated by web3

Only the settlement sends are timed (setup is not); the routes run interleaved lesson by lesson, so load
from other processes falls on all of them alike. speedup = A / B = (A / C: batching) x (C / B: route), on
each backend; `speedup_vs_plain_web3` is the best route's (the faster backend's class batch), and
`speedup_vs_plain_web3_route` names it. Without anvil installed the anvil routes are skipped with one line
(ECNY_REQUIRE_ANVIL=1: an error). Gas per pupil-lesson: A = a batch's gas_used / 30 (the 21,000 transaction
base shared by the class); B and C = one receipt's gas_used; the run stops if a transaction's gas differs
between routes or backends. Progress goes to stderr; the report (markdown + `key: value` lines) to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from ecny_sim.chain import Chain, Deployed
from ecny_sim.chain.clock import DAY, HOUR, parse_beijing
from ecny_sim.chain.compiler import load_artifact
from ecny_sim.domain.money import fmt_fen, yuan
from ecny_sim.domain.settings import WALLET_TIERS, PrepaidRules

from .backends import AnvilMissing, add_option, chosen, node_cpu_seconds, version_of

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"

CLASS_SIZE = 30
FEE_FEN = yuan(150)
GENESIS = "2022-05-09 09:00"  # Beijing time; the simulator's routes run at scenario time
# The settlement benchmark measures the release path: each recorded lesson is paid to the school in the same
# call (no dispute window), as before the 48-hour default; the gas table adds the default window's row.
RULES = PrepaidRules(dispute_window_hours=0)
LESSON_EVERY = 2 * DAY  # the courses' timetable: one lesson every two days, as the routes advance the clock
SEED = "bench"
TARGET_SPEEDUP = 20.0
TARGET_SPEEDUP_FASTER = 100.0  # the scale issue: class batch on the faster backend vs plain web3
TARGET_GAS = 20_000

BANK, REGULATOR, SCHOOL = "bank", "regulator", "school:bench"
PARENT_TIER = WALLET_TIERS["id_verified"].tier_id
CORPORATE_TIER = WALLET_TIERS["corporate"].tier_id


_T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


@dataclass
class Route:
    """One route's settlement loop: timed seconds and gas per pupil-lesson, one entry per transaction."""

    key: str
    label: str
    orders_per_tx: int
    pupil_lessons: int = 0
    seconds: float = 0.0  # wall clock (perf_counter) inside the settlement sends
    cpu_seconds: float = 0.0  # this process's CPU time (process_time) over the same sends
    gas_per_pupil: list[float] = field(default_factory=list)  # per transaction, already divided by orders
    lesson_seconds: list[float] = field(default_factory=list)  # wall time of each lesson's sends
    note: str = ""

    @property
    def rate(self) -> float:
        return self.pupil_lessons / self.seconds if self.seconds > 0 else float("nan")

    @property
    def cpu_rate(self) -> float:
        return self.pupil_lessons / self.cpu_seconds if self.cpu_seconds > 0 else float("nan")

    @property
    def gas_mean(self) -> float:
        # mean over pupil-lessons: every transaction settles the same number of orders
        return statistics.fmean(self.gas_per_pupil)

    @property
    def gas_first(self) -> float:
        return self.gas_per_pupil[0]

    @property
    def gas_last(self) -> float:
        return self.gas_per_pupil[-1]

    @property
    def gas_steady(self) -> float:
        """Median of the transactions between the first and the last (the typical lesson)."""
        middle = self.gas_per_pupil[1:-1] or self.gas_per_pupil
        return statistics.median(middle)

    @property
    def gas_max(self) -> float:
        return max(self.gas_per_pupil)


# --------------------------------------------------------------------------------------------------
# Simulator routes (A, C) and the gas table
# --------------------------------------------------------------------------------------------------


@dataclass
class SimClass:
    """A simulator chain with the class enrolled; `start` is a snapshot of that state."""

    chain: Chain
    token: Deployed
    escrow: Deployed
    lessons: int
    course_id: int
    order_ids: list[int]
    parents: list[str]
    setup_gas: dict[str, list[int]]
    start: Any = None


def _sim_deploy(chain: Chain, gas: dict[str, list[int]]) -> tuple[Deployed, Deployed]:
    ecny, escrow_art = load_artifact("ECNY"), load_artifact("PrepaidEscrow")
    token = chain.deploy("ECNY", ecny["abi"], ecny["bytecode"], BANK, (BANK, REGULATOR))
    for tier in WALLET_TIERS.values():
        chain.send(BANK, token, "setTier", tier.tier_id, tier.balance_cap_fen, tier.per_payment_fen, tier.daily_fen)
    escrow = chain.deploy(
        "PrepaidEscrow", escrow_art["abi"], escrow_art["bytecode"], BANK,
        (token.address, REGULATOR, RULES.as_tuple()),
    )
    chain.send(BANK, token, "setController", escrow, True)
    chain.send(REGULATOR, escrow, "approveInstitution", SCHOOL)
    gas.setdefault("openWallet", []).append(
        chain.send(BANK, token, "openWallet", SCHOOL, CORPORATE_TIER).gas_used)
    return token, escrow


def _sim_course(chain: Chain, escrow: Deployed, lessons: int) -> int:
    start = parse_beijing(GENESIS) + DAY  # the routes record a lesson every two days from genesis
    r = chain.send(SCHOOL, escrow, "publishCourse", FEE_FEN, lessons, 1, start, start + lessons * LESSON_EVERY)
    return r.event("CoursePublished").args["courseId"]


def _sim_enrol(chain: Chain, token: Deployed, escrow: Deployed, course_id: int, lessons: int,
               parents: list[str], gas: dict[str, list[int]]) -> list[int]:
    ids = []
    fee = FEE_FEN * lessons
    for p in parents:
        gas.setdefault("openWallet", []).append(chain.send(BANK, token, "openWallet", p, PARENT_TIER).gas_used)
        gas.setdefault("issue", []).append(chain.send(BANK, token, "issue", p, fee).gas_used)
        gas.setdefault("approveEarmark", []).append(chain.send(p, token, "approveEarmark", escrow, fee).gas_used)
        r = chain.send(p, escrow, "enrol", course_id, lessons)
        gas.setdefault("enrol", []).append(r.gas_used)
        ids.append(r.event("OrderPlaced").args["orderId"])
    return ids


def sim_class(lessons: int, backend: str = "pyevm") -> SimClass:
    chain = Chain(GENESIS, SEED, backend=backend)
    try:
        gas: dict[str, list[int]] = {}
        token, escrow = _sim_deploy(chain, gas)
        course_id = _sim_course(chain, escrow, lessons)
        parents = [f"parent:{i}" for i in range(1, CLASS_SIZE + 1)]
        ids = _sim_enrol(chain, token, escrow, course_id, lessons, parents, gas)
    except BaseException:  # no anvil node left behind
        chain.close()
        raise
    sc = SimClass(chain, token, escrow, lessons, course_id, ids, parents, gas)
    sc.start = chain.snapshot()
    return sc


def _check_released(result, expected: int) -> None:
    released = result.events_named("LessonsReleased")
    skipped = result.events_named("LessonSkipped")
    if len(released) != expected or skipped:
        raise RuntimeError(f"recordLesson settled {len(released)} orders (expected {expected}), skipped {len(skipped)}")


def _check_school_paid(balance: int, pupil_lessons: int) -> None:
    if balance != pupil_lessons * FEE_FEN:
        raise RuntimeError(f"school holds {balance} fen after {pupil_lessons} pupil-lessons, expected "
                           f"{pupil_lessons * FEE_FEN}")


class SimulatorRoute:
    """Routes A (the class in one recordLesson) and C (one order per recordLesson), each on its own Chain, on
    py-evm (A, C) or on an anvil node (A-anvil, C-anvil). CPU time counts the node's process too."""

    def __init__(self, orders_per_tx: int, lessons: int, backend: str = "pyevm") -> None:
        self.sc = sim_class(lessons, backend)
        self.backend = backend
        engine = version_of(self.sc.chain)
        batch = orders_per_tx == CLASS_SIZE
        key = ("A" if batch else "C") + ("" if backend == "pyevm" else f"-{backend}")
        self.route = Route(key, f"simulator (ecny_sim Chain on {engine}), "
                                f"{'class batch' if batch else 'one order per call'}", orders_per_tx)

    def close(self) -> None:
        self.sc.chain.close()

    def lesson(self) -> None:
        sc, route = self.sc, self.route
        clock, cpu = time.perf_counter, time.process_time
        sc.chain.advance(days=2)
        batches = [sc.order_ids] if route.orders_per_tx == CLASS_SIZE else [[oid] for oid in sc.order_ids]
        results = []
        wall = proc = 0.0
        node0 = node_cpu_seconds(sc.chain)
        for batch in batches:
            t0, p0 = clock(), cpu()
            r = sc.chain.send(SCHOOL, sc.escrow, "recordLesson", sc.course_id, batch)
            wall += clock() - t0
            proc += cpu() - p0
            results.append((r, len(batch)))
        proc += node_cpu_seconds(sc.chain) - node0  # the node is idle outside the sends
        route.seconds += wall
        route.cpu_seconds += proc
        route.lesson_seconds.append(wall)
        for r, n in results:
            _check_released(r, n)
            route.gas_per_pupil.append(r.gas_used / n)
            route.pupil_lessons += n

    def finish(self) -> Route:
        _check_school_paid(self.sc.chain.call(self.sc.token, "balanceOf", SCHOOL), self.route.pupil_lessons)
        return self.route


@dataclass
class GasRow:
    contract: str
    function: str
    case: str
    samples: list[int]
    per: int = 1  # divide by this for the per-unit column
    unit: str = ""

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)


def gas_table(sc: SimClass, batch: Route, single: Route) -> list[GasRow]:
    """Gas of the main operations, on route A's chain reverted to its start (the class enrolled), plus a
    second course with two more parents for the cancellation and the wallet closures. The same bytecode costs
    the same gas on every route."""
    chain, token, escrow = sc.chain, sc.token, sc.escrow
    gas = {k: list(v) for k, v in sc.setup_gas.items()}
    chain.revert(sc.start)
    lessons = sc.lessons
    fee = FEE_FEN * lessons
    c1, ids = sc.course_id, sc.order_ids
    c2 = _sim_course(chain, escrow, lessons)
    canceller, closer = "parent:cancel", "parent:close"
    cancel_id, _ = _sim_enrol(chain, token, escrow, c2, lessons, [canceller, closer], gas)
    n_parents = len(sc.parents) + 2

    rows: list[GasRow] = []
    rows += [
        GasRow("ECNY", "openWallet", f"new wallet ({n_parents} parents, the school)", gas["openWallet"]),
        GasRow("ECNY", "issue", f"top-up of an empty wallet ({fmt_fen(fee)})", gas["issue"]),
        GasRow("ECNY", "approveEarmark", f"allow the escrow {fmt_fen(fee)}", gas["approveEarmark"]),
        GasRow("PrepaidEscrow", "enrol", f"{lessons} lessons × {fmt_fen(FEE_FEN)}, fee earmarked in the "
               "parent's wallet", gas["enrol"]),
    ]
    # recordLesson: from routes A and C, per pupil-lesson
    a_total = [round(g * CLASS_SIZE) for g in batch.gas_per_pupil]
    rows.append(GasRow("PrepaidEscrow", "recordLesson", f"class of {CLASS_SIZE}, each lesson (route A)",
                       a_total, CLASS_SIZE, "pupil-lesson"))
    rows.append(GasRow("PrepaidEscrow", "recordLesson", "one order per call, each pupil-lesson (route C)",
                       [int(g) for g in single.gas_per_pupil], 1, "pupil-lesson"))

    chain.advance(days=8)
    done = min(2, lessons - 1)  # lessons delivered before the cancellation and the refunds
    for _ in range(done):
        chain.send(SCHOOL, escrow, "recordLesson", c1, ids)
        chain.send(SCHOOL, escrow, "recordLesson", c2, [cancel_id])
        chain.advance(days=2)
    r = chain.send(canceller, escrow, "cancelOrder", cancel_id)
    rows.append(GasRow("PrepaidEscrow", "cancelOrder", f"{lessons - done} of {lessons} lessons refunded to the parent",
                       [r.gas_used]))
    r = chain.send(canceller, token, "closeWallet", canceller)
    rows.append(GasRow("ECNY", "closeWallet", "no earmark left; free money redeemed", [r.gas_used]))
    r = chain.send(closer, token, "closeWallet", closer)
    if not r.events_named("OrderRefunded"):
        raise RuntimeError("closeWallet with an active order refunded nothing")
    rows.append(GasRow("ECNY", "closeWallet", "one active order: escrow refunds it first (onWalletClose)",
                       [r.gas_used]))

    chain.send(REGULATOR, escrow, "freezeInstitution", SCHOOL)
    r = chain.send(REGULATOR, escrow, "refundOrders", SCHOOL, ids)
    if len(r.events_named("OrderRefunded")) != CLASS_SIZE:
        raise RuntimeError("refundOrders did not refund the whole class")
    rows.append(GasRow("PrepaidEscrow", "refundOrders", f"frozen school, batch of {CLASS_SIZE} orders, "
                       f"{lessons - done} lesson{'s' if lessons - done != 1 else ''} each",
                       [r.gas_used], CLASS_SIZE, "order"))

    # endAllEarmarks: a campaign controller (an account the bank registers) earmarks ¥100 in each of the
    # 30 parents' wallets, then ends them all in one call.
    campaign = "campaign:bench"
    chain.send(BANK, token, "openWallet", campaign, CORPORATE_TIER)
    chain.send(BANK, token, "setController", campaign, True)
    earmark = []
    for p in sc.parents:
        chain.send(p, token, "approveEarmark", campaign, yuan(100))
        earmark.append(chain.send(campaign, token, "earmarkFrom", p, yuan(100)).gas_used)
    rows.append(GasRow("ECNY", "earmarkFrom", "controller locks ¥100 in a parent's wallet", earmark))
    r = chain.send(campaign, token, "endAllEarmarks", campaign)
    if r.event("AllEarmarksEnded").args["amountFen"] != CLASS_SIZE * yuan(100):
        raise RuntimeError("endAllEarmarks ended the wrong amount")
    rows.append(GasRow("ECNY", "endAllEarmarks", f"{CLASS_SIZE} wallets' earmarks, O(1) (epoch bump)",
                       [r.gas_used], CLASS_SIZE, "wallet"))
    rows.append(_held_lesson_row(chain, token, sc))
    return rows


def _held_lesson_row(chain: Chain, token: Deployed, sc: SimClass) -> GasRow:
    """recordLesson under the pilot's default rules (48-hour dispute window): each call holds the class's new
    lesson and pays the one before it, whose window has passed. A second escrow, the same class re-enrolled."""
    art = load_artifact("PrepaidEscrow")
    escrow = chain.deploy("PrepaidEscrow:default-rules", art["abi"], art["bytecode"], BANK,
                          (token.address, REGULATOR, PrepaidRules().as_tuple()))
    chain.send(BANK, token, "setController", escrow, True)
    chain.send(REGULATOR, escrow, "approveInstitution", SCHOOL)
    lessons = 4
    start = chain.now + DAY
    course = chain.send(SCHOOL, escrow, "publishCourse", FEE_FEN, lessons, 1, start,
                        start + lessons * LESSON_EVERY).event("CoursePublished").args["courseId"]
    ids = []
    for p in sc.parents:
        chain.send(BANK, token, "issue", p, FEE_FEN * lessons)
        chain.send(p, token, "approveEarmark", escrow, FEE_FEN * lessons)
        ids.append(chain.send(p, escrow, "enrol", course, lessons).event("OrderPlaced").args["orderId"])
    chain.set_time(start)
    samples = []
    for n in range(lessons):
        r = chain.send(SCHOOL, escrow, "recordLesson", course, ids)
        if len(r.events_named("LessonRecorded")) != CLASS_SIZE or r.events_named("LessonSkipped"):
            raise RuntimeError("recordLesson under the default window did not hold the whole class's lesson")
        if n:  # the first lesson only holds; each later one also pays the lesson before
            if len(r.events_named("LessonsReleased")) != CLASS_SIZE:
                raise RuntimeError("recordLesson under the default window did not pay the previous lesson")
            samples.append(r.gas_used)
        chain.advance(seconds=LESSON_EVERY)
    return GasRow("PrepaidEscrow", "recordLesson", f"class of {CLASS_SIZE}, default 48-hour window: holds the "
                  "lesson, pays the one before", samples, CLASS_SIZE, "pupil-lesson")


# --------------------------------------------------------------------------------------------------
# Route B: plain web3
# --------------------------------------------------------------------------------------------------


class PlainWeb3Route:
    """Route B: web3 + EthereumTesterProvider, `transact()` + wait per pupil-lesson, as a user writes it."""

    def __init__(self, lessons_in_course: int) -> None:
        from eth_tester import EthereumTester, PyEVMBackend
        from web3 import EthereumTesterProvider, Web3
        from web3.logs import DISCARD

        # eth-tester's default is 10 funded accounts; the class needs 33 (bank, regulator, school, 30 parents).
        backend = PyEVMBackend(genesis_state=PyEVMBackend.generate_genesis_state(num_accounts=3 + CLASS_SIZE))
        w3 = Web3(EthereumTesterProvider(EthereumTester(backend)))
        bank, regulator, school, *parents = w3.eth.accounts
        assert len(parents) == CLASS_SIZE

        def setup(fn, sender: str):
            # setup is not timed; an explicit gas limit skips eth-tester's slow estimation here only
            receipt = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender, "gas": 5_000_000}))
            if receipt.status != 1:
                raise RuntimeError(f"route B setup transaction failed: {fn.fn_name}")
            return receipt

        ecny, escrow_art = load_artifact("ECNY"), load_artifact("PrepaidEscrow")
        r = setup(w3.eth.contract(abi=ecny["abi"], bytecode=ecny["bytecode"]).constructor(bank, regulator), bank)
        token = w3.eth.contract(address=r.contractAddress, abi=ecny["abi"])
        for tier in WALLET_TIERS.values():
            setup(token.functions.setTier(tier.tier_id, tier.balance_cap_fen, tier.per_payment_fen, tier.daily_fen),
                  bank)
        r = setup(w3.eth.contract(abi=escrow_art["abi"], bytecode=escrow_art["bytecode"]).constructor(
            token.address, regulator, RULES.as_tuple()), bank)
        escrow = w3.eth.contract(address=r.contractAddress, abi=escrow_art["abi"])
        setup(token.functions.setController(escrow.address, True), bank)
        setup(escrow.functions.approveInstitution(school), regulator)
        setup(token.functions.openWallet(school, CORPORATE_TIER), bank)
        start = w3.eth.get_block("latest")["timestamp"] + DAY  # eth-tester's blocks follow the wall clock
        r = setup(escrow.functions.publishCourse(FEE_FEN, lessons_in_course, 1, start,
                                                 start + lessons_in_course * LESSON_EVERY), school)
        self.next_lesson_at = start
        course_id = escrow.events.CoursePublished().process_receipt(r, errors=DISCARD)[0].args.courseId
        fee = FEE_FEN * lessons_in_course
        order_ids = []
        for p in parents:
            setup(token.functions.openWallet(p, PARENT_TIER), bank)
            setup(token.functions.issue(p, fee), bank)
            setup(token.functions.approveEarmark(escrow.address, fee), p)
            r = setup(escrow.functions.enrol(course_id, lessons_in_course), p)
            order_ids.append(escrow.events.OrderPlaced().process_receipt(r, errors=DISCARD)[0].args.orderId)

        self.w3, self.token, self.escrow, self.school = w3, token, escrow, school
        self.course_id, self.order_ids = course_id, order_ids
        self.lessons_in_course = lessons_in_course
        self.receipts: list[Any] = []
        self.route = Route("B", "plain web3 (EthereumTesterProvider), transact() + wait, one order per call", 1)

    def lesson(self) -> None:
        w3, escrow, school, course_id = self.w3, self.escrow, self.school, self.course_id
        receipts = self.receipts
        # the timetable: move eth-tester's clock to the lesson's day (not timed)
        w3.testing.timeTravel(self.next_lesson_at + HOUR)
        self.next_lesson_at += LESSON_EVERY
        t0, p0 = time.perf_counter(), time.process_time()
        # ---- the timed loop, as a typical user writes it ----
        for order_id in self.order_ids:
            tx_hash = escrow.functions.recordLesson(course_id, [order_id]).transact({"from": school})
            receipts.append(w3.eth.wait_for_transaction_receipt(tx_hash))
        # -----------------------------------------------------
        wall = time.perf_counter() - t0
        self.route.seconds += wall
        self.route.cpu_seconds += time.process_time() - p0
        self.route.lesson_seconds.append(wall)

    def finish(self) -> Route:
        route = self.route
        from web3.logs import DISCARD

        released = self.escrow.events.LessonsReleased()
        skipped = self.escrow.events.LessonSkipped()
        for rc in self.receipts:
            if rc.status != 1:
                raise RuntimeError("route B: a recordLesson transaction failed")
            if len(released.process_receipt(rc, errors=DISCARD)) != 1 or skipped.process_receipt(rc, errors=DISCARD):
                raise RuntimeError("route B: a recordLesson did not settle exactly its one order")
            route.gas_per_pupil.append(rc.gasUsed)
        route.pupil_lessons = len(self.receipts)
        _check_school_paid(self.token.functions.balanceOf(self.school).call(), route.pupil_lessons)
        timed = len(route.lesson_seconds)
        if timed < self.lessons_in_course:
            route.note = f"{timed} of the course's {self.lessons_in_course} lessons timed"
        return route


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------


def _n(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@dataclass
class Measured:
    """Every route of one run: the class batch and the one-order route per backend, plain web3, the gas table."""

    batch: dict[str, Route]  # backend -> route A (py-evm) / A-anvil
    single: dict[str, Route]  # backend -> route C / C-anvil
    plain: Route  # B
    rows: list[GasRow]
    engines: dict[str, str]  # backend -> "py-evm 0.12.1b1", "anvil 1.7.1"
    anvil_skipped: str = ""  # the line saying why the anvil routes did not run

    @property
    def ref(self) -> str:
        """The backend whose chain the gas figures are read from (py-evm when it ran): every other agrees."""
        return next(iter(self.batch))

    @property
    def best(self) -> str:
        """The backend whose class batch settles fastest (wall clock): the headline speed-up's route."""
        return max(self.batch, key=lambda k: self.batch[k].rate)


def check_gas_equal(m: Measured, rows: dict[str, list[GasRow]]) -> None:
    """Gas comes from the contract and the batch size only: the same transaction costs the same on every route
    and backend (routes B and C over the lessons both timed), and the gas table built on each backend is the
    same. Raises RuntimeError naming the first difference."""

    def same(what: str, x: list[Any], y: list[Any]) -> None:
        n = min(len(x), len(y))
        diff = next((i for i in range(n) if x[i] != y[i]), None)
        if diff is not None or not n:
            raise RuntimeError(f"gas differs between routes: {what}, transaction {diff}: {x[diff]} vs {y[diff]}"
                               if n else f"gas differs between routes: {what} has no transaction to compare")

    a = m.batch[m.ref]
    for k in m.batch:
        c = m.single[k]
        same(f"B vs {c.key} (one order per call)", m.plain.gas_per_pupil, c.gas_per_pupil)
        if k != m.ref:
            same(f"{a.key} vs {m.batch[k].key} (class batch)", a.gas_per_pupil, m.batch[k].gas_per_pupil)
            same(f"{m.single[m.ref].key} vs {c.key} (one order per call)", m.single[m.ref].gas_per_pupil,
                 c.gas_per_pupil)
            for ours, theirs in zip(rows[m.ref], rows[k], strict=True):
                same(f"gas table on {m.engines[k]}, {ours.function} ({ours.case})", ours.samples, theirs.samples)


def _x(num: float, den: float, digits: int = 1) -> str:
    return f"{num / den:.{digits}f}"


def machine_lines(m: Measured, *, quick: bool, runtime_s: float) -> dict[str, str]:
    """The `key: value` lines. A simulator route's figures have no suffix on py-evm and `_anvil` on anvil.
    The headline speed-up (with its CPU-time twin and its two factors) is the best route's, named by
    `speedup_vs_plain_web3_route`; gas figures are the same on every route (checked)."""
    a, b = m.batch[m.ref], m.plain
    ab, cb = m.batch[m.best], m.single[m.best]
    speedup = ab.rate / b.rate
    lines: dict[str, str] = {
        "mode": "quick" if quick else "full",
        "class_size": str(CLASS_SIZE),
        "backends": ",".join(m.batch),
        "anvil_version": m.engines["anvil"].split()[-1] if "anvil" in m.engines else "skipped",
    }
    for k in m.batch:
        sfx = "" if k == "pyevm" else f"_{k}"
        lines |= {f"pupil_lessons_simulator{sfx}": str(m.batch[k].pupil_lessons),
                  f"pupil_lessons_simulator_single{sfx}": str(m.single[k].pupil_lessons)}
    lines["pupil_lessons_plain_web3"] = str(b.pupil_lessons)
    for kind in ("", "_cpu"):
        for k in m.batch:
            sfx = ("" if k == "pyevm" else f"_{k}") + kind
            for name, r in (("simulator", m.batch[k]), ("simulator_single", m.single[k])):
                lines[f"settlements_per_s_{name}{sfx}"] = f"{r.cpu_rate if kind else r.rate:.1f}"
        lines[f"settlements_per_s_plain_web3{kind}"] = f"{b.cpu_rate if kind else b.rate:.1f}"
    lines |= {
        "speedup_vs_plain_web3": f"{speedup:.1f}",
        "speedup_vs_plain_web3_route": ab.key,
        "speedup_vs_plain_web3_cpu": _x(ab.cpu_rate, b.cpu_rate),
        "speedup_from_batching": _x(ab.rate, cb.rate),
        "speedup_from_route": _x(cb.rate, b.rate, 2),
    }
    for k in m.batch:
        lines[f"speedup_vs_plain_web3_{k}"] = _x(m.batch[k].rate, b.rate)
    if len(m.batch) > 1:
        lines |= {"anvil_vs_pyevm_class_batch": _x(m.batch["anvil"].rate, m.batch["pyevm"].rate, 2),
                  "anvil_vs_pyevm_single": _x(m.single["anvil"].rate, m.single["pyevm"].rate, 2)}
    c = m.single[m.ref]
    lines |= {
        "gas_per_pupil_lesson_class_batch": f"{a.gas_mean:.0f}",
        "gas_per_pupil_lesson_class_batch_max": f"{a.gas_max:.0f}",
        "gas_per_pupil_lesson_single": f"{b.gas_mean:.0f}",
        "gas_per_pupil_lesson_single_simulator": f"{c.gas_mean:.0f}",
        "gas_single_same_on_both_routes": "yes",  # check_gas_equal stops the run otherwise
        "gas_same_on_every_route": "yes",
        "gas_saving_from_batching": f"{b.gas_mean / a.gas_mean:.2f}x",
        "target_speedup_20x": "met" if speedup >= TARGET_SPEEDUP else "MISSED",
        "target_speedup_100x": "met" if speedup >= TARGET_SPEEDUP_FASTER else "MISSED",
        "target_gas_20k": "met" if a.gas_max <= TARGET_GAS else "MISSED",
        "bench_runtime_s": f"{runtime_s:.1f}",
    }
    return lines


def report(m: Measured, *, quick: bool, command: str, runtime_s: float,
           load: tuple[str, str] = ("n/a", "n/a")) -> tuple[str, dict[str, str]]:
    lines = machine_lines(m, quick=quick, runtime_s=runtime_s)
    a, b = m.batch[m.ref], m.plain
    best = m.batch[m.best]
    speedup = float(lines["speedup_vs_plain_web3"])
    backends = list(m.batch)
    routes = [r for k in backends for r in (m.batch[k], m.single[k])] + [b]

    out: list[str] = []
    w = out.append
    w(f"# ecny-sim benchmark: lesson settlements, simulator ({', '.join(m.engines.values())}) vs plain web3")
    w("")
    w(f"- Date (UTC): {datetime.now(timezone.utc).date().isoformat()}")
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    w(f"- Machine: {os.cpu_count()} CPUs (nproc {nproc}), "
      f"{_cpu_model()}, {platform.system()} {platform.machine()}; Python {platform.python_version()}")
    w(f"- Packages: web3 {_version('web3')}, eth-tester {_version('eth-tester')}, py-evm {_version('py-evm')}, "
      f"eth-account {_version('eth-account')}, coincurve {_version('coincurve')}")
    node = ("; the anvil node: npm `@foundry-rs/anvil`, native, on 127.0.0.1" if "anvil" in m.engines else
            "; anvil not asked for (`--backend pyevm`)" if "pyevm" in m.engines else "")
    w(f"- Chain backends: {', '.join(m.engines.values())}" + (f"; {m.anvil_skipped}" if m.anvil_skipped else node))
    w(f"- Command: {command}" + (" (quick smoke mode: figures are not the benchmark)" if quick else ""))
    w(f"- Whole run (setup of every route and the gas table included): {runtime_s:.1f} s; load average "
      f"(1/5/15 min) at start {load[0]}, at end {load[1]}")
    w("")
    order = ", ".join(r.key for r in routes)
    w(f"Workload: the same compiled `ECNY` + `PrepaidEscrow` bytecode on every route; {CLASS_SIZE} parents "
      f"enrolled in one course of {len(a.gas_per_pupil)} lessons × ¥150 (dispute window 0: each lesson's fee is "
      "released at once). Only the settlement transactions are timed; setup is not. "
      f"The routes run interleaved, lesson by lesson ({order}), so background load on the machine falls on "
      "all of them alike.")
    w("")
    w("## Settlements per second")
    w("")
    w("| route | orders per tx | pupil-lessons timed | seconds (wall) | settlements/s | vs plain web3 "
      "| settlements/CPU-s | slowest–fastest lesson, /s | gas per pupil-lesson: first | steady | last | mean |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in routes:
        label = f"{r.key}: {r.label}" + (f" ({r.note})" if r.note else "")
        per_lesson = [CLASS_SIZE / t for t in r.lesson_seconds]
        w(f"| {label} | {r.orders_per_tx} | {r.pupil_lessons} | {r.seconds:.2f} | **{_n(r.rate, 1)}** | "
          f"{_x(r.rate, b.rate)}× | {_n(r.cpu_rate, 1)} | {_n(min(per_lesson), 1)}–{_n(max(per_lesson), 1)} | "
          f"{_n(r.gas_first)} | {_n(r.gas_steady)} | {_n(r.gas_last)} | {_n(r.gas_mean)} |")
    w("")
    w("settlements/s is wall-clock time inside the timed sends (the figure the targets use); settlements/CPU-s "
      "divides by the CPU time of this process over the same sends, plus the anvil node's own process on the "
      "anvil routes (read from /proc), which other work on a shared machine does not inflate.")
    w("")
    w(f"`speedup_vs_plain_web3` is the best route's class-batch settlement against plain web3: this run, route "
      f"**{best.key}**, **{speedup:.1f}×** (by CPU time {lines['speedup_vs_plain_web3_cpu']}×). Where the "
      "speed-up comes from (settlements/s ratios; A/B = A/C × C/B on each backend):")
    w("")
    ratio_head = " anvil / py-evm |" if len(backends) > 1 else ""
    w("| factor | " + " | ".join(m.engines[k] for k in backends) + " |" + ratio_head)
    w("|---|" + "---:|" * (len(backends) + (len(backends) > 1)))

    def row(label: str, num: dict[str, Route], den: dict[str, Route], cpu: bool = False) -> None:
        def rate(r: Route) -> float:
            return r.cpu_rate if cpu else r.rate
        cells = [f"{_x(rate(num[k]), rate(den[k]), 2)}×" for k in backends]
        if len(backends) > 1:
            cells.append(f"{_x(rate(num['anvil']), rate(num['pyevm']), 2)}×")
        w(f"| {label} | " + " | ".join(cells) + " |")

    plain = {k: b for k in backends}
    row("batching: 30 orders per transaction instead of 1, same chain (A / C)", m.batch, m.single)
    row("route: simulator instead of plain web3, same one-order transaction (C / B)", m.single, plain)
    row("**total: simulator class batch vs plain web3 (A / B)**", m.batch, plain)
    row("total by CPU time (this process + the node)", m.batch, plain, cpu=True)
    w("")
    w("(The anvil / py-evm column compares the simulator's own routes: class batch in the first and last "
      "two rows, one order per call in the second.)" if len(backends) > 1 else
      f"(One backend ran: {', '.join(m.engines.values())}.)")
    w("")
    w("Gas per pupil-lesson: gas comes from the contract and the batch size only, never from the route or the "
      "backend — checked, not assumed: the run stops if any transaction's gas differs between routes "
      "(B and C over the lessons both timed" + (", A and A-anvil, C and C-anvil, and the whole gas table below "
                                                "run again on anvil)." if len(m.batch) > 1 else ")."))
    w("")
    w("| how the lesson is recorded | gas per pupil-lesson (mean) | worst lesson |")
    w("|---|---:|---:|")
    w(f"| one order per transaction (route B receipts) | {_n(b.gas_mean)} | {_n(b.gas_max)} |")
    w(f"| class of {CLASS_SIZE} in one transaction (route {a.key}) | {_n(a.gas_mean)} | {_n(a.gas_max)} |")
    w(f"| saving from batching | {b.gas_mean / a.gas_mean:.2f}× | |")
    w("")
    w("Targets: speed-up at least 20× — "
      f"**{lines['target_speedup_20x']}** ({speedup:.1f}×); at least 100× on the faster backend (scale issue) — "
      f"**{lines['target_speedup_100x']}**; at most 20,000 gas per pupil-lesson in a class batch "
      f"(worst lesson) — **{lines['target_gas_20k']}** ({_n(a.gas_max)}).")
    w("")
    w("## Gas of the main operations")
    w("")
    w("Transaction gas (`gas_used`, 21,000 base included), on the simulator chain"
      + (", py-evm and anvil alike (the table is built on both and compared)." if len(m.batch) > 1 else
         f" ({', '.join(m.engines.values())})."))
    w("")
    w("| contract | function | case | calls | min | mean | max | per unit (mean) |")
    w("|---|---|---|---:|---:|---:|---:|---:|")
    for g in m.rows:
        per = f"{_n(g.mean / g.per)} per {g.unit}" if g.per != 1 or g.unit else ""
        w(f"| {g.contract} | `{g.function}` | {g.case} | {len(g.samples)} | {_n(min(g.samples))} | "
          f"{_n(g.mean)} | {_n(max(g.samples))} | {per} |")
    w("")
    w("## Machine-readable")
    w("")
    w("```")
    for k, v in lines.items():
        w(f"{k}: {v}")
    w("```")
    w("")
    w("## Method")
    w("")
    w(f"- **A** `ecny_sim.chain.Chain` on py-evm (in this process; explicit gas, locally signed, events decoded): "
      f"per lesson one `chain.send(school, escrow, \"recordLesson\", courseId, [{CLASS_SIZE} order ids])`; the "
      "time of those `send` calls is summed; gas = `gas_used / 30`.")
    w("- **C** a second `Chain` set up the same way (same class, same state), one "
      "`recordLesson(courseId, [orderId])` per pupil-lesson: separates what batching gives from what the route "
      "gives.")
    w("- **A-anvil**, **C-anvil** the same two routes, the same code, on `Chain(..., backend=\"anvil\")`: each "
      "starts its own anvil node (the pinned npm `@foundry-rs/anvil`, on a free 127.0.0.1 port, stopped at "
      "the end); every block goes over JSON-RPC (`eth_sendRawTransaction`, `evm_mine`, receipts read back). "
      "`--backend pyevm` leaves them out; without anvil installed they are skipped with one line "
      "(ECNY_REQUIRE_ANVIL=1 makes that an error).")
    w("- **B** `Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend(...))))`, eth-tester's own keys "
      f"({3 + CLASS_SIZE} genesis accounts instead of the default 10: bank, regulator, school, {CLASS_SIZE} parents); "
      "the same contracts deployed with `w3.eth.contract(abi=..., bytecode=...).constructor(...).transact()`; "
      "setup (wallets, top-ups, approvals, enrolments) untimed and sent with an explicit gas limit to save "
      "time; the timed loop is "
      "`escrow.functions.recordLesson(courseId, [orderId]).transact({\"from\": school})` + "
      "`w3.eth.wait_for_transaction_receipt(tx_hash)` per pupil-lesson, with no gas given (web3 estimates it). "
      "Gas from the receipts.")
    w("- Every route checks each settlement outside the timed part (status, one `LessonsReleased` per order, "
      "no `LessonSkipped`) and the school's final balance.")
    w("- Steady = median of the transactions between the first and the last. The first lesson also pays "
      "for the school's first incoming money; the last one completes every order and clears its earmark "
      "(a storage refund).")
    w("- `make bench` = `.venv/bin/python -m benchmarks.run` (rewrites this file); "
      "`python -m benchmarks.run --quick` is the smoke run used by tests/benchmarks/test_bench_smoke.py.")
    return "\n".join(out) + "\n", lines


def _loadavg() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


def measure(lessons: int, single_lessons: int, plain_lessons: int, backends: list[str],
            anvil_skipped: str) -> Measured:
    """Set up every route, settle the course lesson by lesson (interleaved), build the gas table (on anvil too,
    to compare), and check gas is equal across routes. Stops every anvil node it started."""
    names = ", ".join(f"A{s}, C{s}" for s in ("" if k == "pyevm" else f"-{k}" for k in backends))
    log(f"setup: class of {CLASS_SIZE}, course of {lessons} lessons, on routes {names} (simulator) and B (web3) ...")
    sims: list[SimulatorRoute] = []
    try:
        for backend in backends:
            sims += [SimulatorRoute(CLASS_SIZE, lessons, backend), SimulatorRoute(1, lessons, backend)]
        rb = PlainWeb3Route(lessons)
        log(f"settlement: lesson by lesson, interleaved (C routes: {single_lessons}, B: {plain_lessons} lessons) ...")
        for i in range(lessons):
            # Interleaved so that load from other processes on the machine falls on every route alike.
            for sim in sims:
                if sim.route.orders_per_tx == CLASS_SIZE or i < single_lessons:
                    sim.lesson()
            if i < plain_lessons:
                rb.lesson()
            rates = [f"{r.key} {CLASS_SIZE / r.lesson_seconds[-1]:,.1f}/s"
                     for r in [s.route for s in sims] + [rb.route] if len(r.lesson_seconds) == i + 1]
            log(f"  lesson {i + 1:2d}: " + ", ".join(rates))
        done = {(s.backend, s.route.orders_per_tx): s for s in sims}
        for s in sims:
            s.finish()
        m = Measured(batch={k: done[k, CLASS_SIZE].route for k in backends},
                     single={k: done[k, 1].route for k in backends}, plain=rb.finish(), rows=[],
                     engines={k: version_of(done[k, 1].sc.chain) for k in backends}, anvil_skipped=anvil_skipped)
        for r in [s.route for s in sims] + [m.plain]:
            log(f"  {r.key}: {r.rate:,.1f} settlements/s, {r.gas_mean:,.0f} gas per pupil-lesson")
        log("gas table ...")
        rows = {k: gas_table(done[k, CLASS_SIZE].sc, m.batch[k], m.single[k]) for k in backends}
        check_gas_equal(m, rows)
        m.rows = rows[m.ref]
        return m
    finally:
        for sim in sims:
            sim.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: a 3-lesson course, one lesson of the class on routes B and C; "
                             "writes no file unless --output is given")
    parser.add_argument("--plain-lessons", type=int, default=None,
                        help="lessons of the class timed on plain web3, route B (default: the whole course)")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"write the markdown report here (default: {RESULTS_PATH} in full mode, none in quick)")
    add_option(parser)
    args = parser.parse_args(argv)

    lessons = 3 if args.quick else 20
    single_lessons = 1 if args.quick else lessons
    plain_lessons = args.plain_lessons if args.plain_lessons is not None else (1 if args.quick else lessons)
    if not 1 <= plain_lessons <= lessons:
        parser.error(f"--plain-lessons must be within 1..{lessons}")
    output = args.output if args.output is not None else (None if args.quick else RESULTS_PATH)
    extra = sys.argv[1:] if argv is None else list(argv)
    command = "`python -m benchmarks.run" + "".join(f" {x}" for x in extra) + "`"
    if not extra:
        command = "`make bench` (= `.venv/bin/python -m benchmarks.run`)"
    try:
        backends, skipped = chosen(args.backend, say=log)
    except AnvilMissing as exc:
        print(f"benchmarks.run: {exc}", file=sys.stderr)
        return exc.code
    load_before = _loadavg()
    t_start = time.perf_counter()
    m = measure(lessons, single_lessons, plain_lessons, backends, skipped)
    runtime = time.perf_counter() - t_start

    text, _ = report(m, quick=args.quick, command=command, runtime_s=runtime, load=(load_before, _loadavg()))
    sys.stdout.write(text)
    sys.stdout.flush()
    if output is not None:
        output.write_text(text, encoding="utf-8")
        log(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
