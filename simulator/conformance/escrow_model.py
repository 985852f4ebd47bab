"""The world and the Python model of the prepaid escrow's rules (IPrepaidEscrow with the token), against which
the escrow state machine (``escrow_machine``) checks a contract: each action of ``Model`` either raises
``Revert`` with the custom error the contract must give, or applies its effects and returns the escrow events
the contract must emit. Moved from tests/contracts/test_properties_escrow.py (whose docstring lists the
properties) so that ``ecny-sim check`` runs it against a developer's contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..chain import Chain
from ..chain.clock import DAY, HOUR, parse_beijing
from ..domain.settings import WALLET_TIERS, PrepaidRules
from .prepaid_model import ACTIVE, CourseSpec, PrepaidChecks, lessons_due, publish
from .token_model import (BANK, REGULATOR, Base, Revert, TokenRules, TokenWallet, deploy_family, deployed_once,
                          open_wallet)

# ------------------------------------------------------------------------------------------ the world

T0 = parse_beijing("2022-05-09")  # genesis; every example starts at T0 + 1 h (then 0-3 h pass)
START = T0 + HOUR
EDGE = START + 30 * 60  # until then course 1's order span is too long and course 2 charges too early

RULES = PrepaidRules(dispute_window_hours=48, closure_notice_days=5)
MAX_HOURS = RULES.max_class_hours_per_order  # 60
MAX_SPAN = RULES.max_order_span_days * DAY  # 92 days
MAX_CHARGE = RULES.max_charge_fen  # 500,000 fen
MAX_LEAD = RULES.max_prepay_lead_days * DAY  # 30 days
RENEWAL_HOURS = RULES.renewal_max_hours_left  # 20
NOTICE = RULES.closure_notice_days * DAY  # 5 days
SLACK = 1  # PrepaidBase.PACE_SLACK_LESSONS
MAX_HELD = 4  # PrepaidEscrow.MAX_HELD_LESSONS: lessons of one order waiting in their dispute windows
MAX_PACE = 2**16 - 1  # Order.paceBase is a uint16

SCHOOLS = ("school:a", "school:b")
OUTSIDER = "school:x"  # never approved, has no wallet
# parent -> (wallet tier, first top-up). Every tier but corporate caps the balance: lowest at 1,000,000 fen
# (200,000 a payment), class_iii at 2,000,000 (500,000 a payment), id_verified at 50,000,000.
PARENTS = {"parent:0": ("id_verified", 600_000), "parent:1": ("lowest", 300_000), "parent:2": ("class_iii", 1_500_000)}
PARENT_NAMES = tuple(PARENTS)
WALLETS = (*PARENT_NAMES, *SCHOOLS)


COURSES = {
    # lessons 1-30 keep the caps; 31-40 break the 60-class-hour cap; the order span is too long until EDGE;
    # a renewal is too early while the parent's active orders of the course have more than 10 lessons left;
    # a lesson every 2.3 days
    1: CourseSpec("school:a", 15_000, 40, 2, START, EDGE + 92 * DAY),
    # lessons 1-16 keep the caps; 17-20 break the ¥5,000 charge cap; 21-30 the hours cap; a renewal is too
    # early while more than 6 lessons are left; charging is too early until EDGE (30 days before the start);
    # the course ends at T0 + 70 days; a lesson every 1.3 days
    2: CourseSpec("school:b", 30_001, 30, 3, EDGE + 30 * DAY, T0 + 70 * DAY),
    # a fast timetable: 20 lessons, one every 12 hours from two days after START, so four can wait in their
    # 48-hour windows at once; a renewal is too early while more than 20 lessons are left
    3: CourseSpec("school:a", 20_000, 20, 1, START + 2 * DAY, START + 12 * DAY),
}
UNKNOWN_COURSE = 4

# Solidity enums
COMPLETED, CANCELLED, REFUNDED = 2, 3, 4  # OrderStatus (ACTIVE: 1)
ST_LOCKED, ST_PARTIAL, ST_DISPUTED, ST_COMPLETED, ST_CANCELLED, ST_REFUNDED = 1, 2, 3, 4, 5, 6  # OrderState
# SkipReason
NOT_IN_COURSE, WRONG_INSTITUTION, NOT_ACTIVE, DISPUTED, NOTHING_LEFT, TOO_MANY_HELD = 0, 1, 2, 3, 4, 6
REPEATED, AHEAD_OF_TIMETABLE, SCHOOL_WALLET_CLOSED = 7, 8, 9
I_UNKNOWN, I_APPROVED, I_CLOSING, I_CLOSED, I_FROZEN = 0, 1, 2, 3, 4  # InstitutionStatus


def _base(variant: str, window_hours: int) -> Base:
    """The chain with ECNY and `variant` deployed and set up, once per process and bytecode (while a user's
    build is active, `variant` "PrepaidEscrow" is the user's contract, with its manifest's arguments); a
    snapshot of it."""
    return deployed_once(variant, window_hours, lambda: _deploy(variant, window_hours))


def _deploy(variant: str, window_hours: int) -> Base:
    chain = Chain(T0, seed=20220509)
    rules = PrepaidRules(dispute_window_hours=window_hours, closure_notice_days=RULES.closure_notice_days)
    token, escrow = deploy_family(chain, variant, REGULATOR, lambda token: (token.address, REGULATOR, rules.as_tuple()))
    for school in SCHOOLS:
        open_wallet(chain, token, school, "corporate")
        chain.send(REGULATOR, escrow, "approveInstitution", school)
    for parent, (tier, funds) in PARENTS.items():
        open_wallet(chain, token, parent, tier, funds)
    publish(chain, escrow, COURSES)
    chain.address_of(OUTSIDER)
    chain.set_time(START)
    return Base(chain, token, escrow, chain.snapshot())


# ------------------------------------------------------------------------------------------ the model


@dataclass
class MOrder:
    id: int
    parent: str
    course: int
    paid: int  # lessons paid for
    pace_base: int  # lessons of the timetable this order cannot be charged for
    placed_at: int
    status: int = ACTIVE
    disputed: bool = False
    held: list[int] = field(default_factory=list)  # when each held lesson was recorded, oldest first
    released: int = 0
    returned: int = 0
    recorded: int = 0  # lessons the school recorded for this order (never decreases)
    refund_run: str | None = None  # "closed" / "frozen": a refund run of its school covered it

    @property
    def spec(self) -> CourseSpec:
        return COURSES[self.course]

    @property
    def pending(self) -> int:
        """Lessons recorded and held in their dispute window."""
        return len(self.held)

    @property
    def left(self) -> int:
        return self.paid - self.released - self.pending - self.returned

    @property
    def unconsumed(self) -> int:
        """Lessons whose fee is still earmarked (held ones included)."""
        return self.paid - self.released - self.returned

    def matured(self, now: int, window: int) -> int:
        """Held lessons, oldest first, whose own window has passed (none while disputed)."""
        if self.disputed:
            return 0
        return sum(1 for t in self.held if t + window <= now)  # `held` is in recording order

    def state(self) -> int:
        if self.disputed:
            return ST_DISPUTED
        return {COMPLETED: ST_COMPLETED, CANCELLED: ST_CANCELLED, REFUNDED: ST_REFUNDED}.get(
            self.status, ST_LOCKED if self.released + self.pending == 0 else ST_PARTIAL
        )


@dataclass
class MWallet(TokenWallet):
    paid: int = 0  # fees earmarked
    refunds: int = 0  # earmarked money returned to free
    released_from: int = 0  # earmarked money paid to a school
    received: int = 0  # released fees received (schools)


@dataclass
class MInstitution:
    frozen: bool = False
    closes_at: int = 0

    def status(self, now: int) -> int:
        if self.frozen:
            return I_FROZEN
        if self.closes_at == 0:
            return I_APPROVED
        return I_CLOSING if now < self.closes_at else I_CLOSED

    def closed(self, now: int) -> bool:
        return self.closes_at != 0 and now >= self.closes_at


def skip(oid: int, reason: int) -> tuple[str, dict]:
    return ("LessonSkipped", {"orderId": oid, "reason": reason})


@dataclass
class Model(TokenRules, PrepaidChecks):
    """The escrow's and the token's rules, restated. Each action either raises `Revert` (before changing
    anything: the machine runs actions on a copy) or applies its effects and returns the escrow events."""

    addr: dict[str, str]
    escrow: str  # the escrow's address (the controller named in ECNY_WalletHasEarmarks)
    window: int
    wallets: dict[str, MWallet] = field(default_factory=dict)
    inst: dict[str, MInstitution] = field(default_factory=dict)
    orders: dict[int, MOrder] = field(default_factory=dict)
    issued: int = 0
    redeemed: int = 0
    COURSES = COURSES
    NOTICE = NOTICE

    @classmethod
    def initial(cls, addr: dict[str, str], escrow: str, window: int) -> "Model":
        m = cls(addr, escrow, window)
        for school in SCHOOLS:
            m.wallets[school] = MWallet(tier=WALLET_TIERS["corporate"].tier_id)
            m.inst[school] = MInstitution()
        for parent, (tier, funds) in PARENTS.items():
            m.wallets[parent] = MWallet(tier=WALLET_TIERS[tier].tier_id, free=funds, funded=funds)
            m.issued += funds
        return m

    # ---------------------------------------------------------------- views

    def orders_of(self, parent: str) -> list[MOrder]:
        return [o for o in self.orders.values() if o.parent == parent]

    def earmarked_of(self, parent: str) -> int:
        return sum(o.unconsumed * o.spec.fee for o in self.orders_of(parent))

    def supervised_of(self, school: str) -> int:
        return sum(o.unconsumed * o.spec.fee for o in self.orders.values() if o.spec.school == school)

    def held_of(self, parent: str) -> int:
        return sum(o.pending * o.spec.fee for o in self.orders_of(parent))

    def balance_of(self, name: str) -> int:
        return self.wallets[name].free + (self.earmarked_of(name) if name in PARENTS else 0)

    # ---------------------------------------------------------------- token rules

    def close_wallet(self, actor: str, name: str, now: int) -> list:
        """ECNY.closeWallet: a parent's escrow settles first (onWalletClose); a school's wallet has no
        controllers. The close is refused while lessons stay held."""
        w = self.wallets[name]
        if actor not in (name, BANK):
            raise Revert("ECNY_NotWalletOwnerOrIssuer")
        if not w.open:
            raise Revert("ECNY_WalletNotOpen")
        events: list = []
        for o in self.orders_of(name):
            school = o.spec.school
            lessons = o.left if o.status == ACTIVE else 0
            matured = 0 if self.inst[school].frozen else o.matured(now, self.window)
            if matured and self.wallets[school].open:
                self.release(o, matured, events)
            elif matured:
                events.append(skip(o.id, SCHOOL_WALLET_CLOSED))
                o.held = o.held[matured:]
                lessons += matured
            if lessons == 0:
                continue
            amount = lessons * o.spec.fee
            o.returned += lessons
            if o.status == ACTIVE:
                o.status = REFUNDED if o.pending == 0 else CANCELLED
            self.refund(o, amount)
            events.append(("OrderRefunded", {"orderId": o.id, "parent": self.addr[name], "refundFen": amount,
                                             "unconsumedFen": amount}))
        held = self.held_of(name) if name in PARENTS else 0
        if held:  # lessons inside a dispute window, or disputed, stay held: the token refuses
            raise Revert("ECNY_WalletHasEarmarks", wallet=self.addr[name], controller=self.escrow, amountFen=held)
        w.redeemed += w.free
        self.redeemed += w.free
        w.free = 0
        w.open = False
        return events

    # ---------------------------------------------------------------- escrow bookkeeping

    def complete_if_settled(self, o: MOrder) -> None:
        if o.status == ACTIVE and o.pending == 0 and o.left == 0:
            o.status = COMPLETED if o.released else REFUNDED

    def release(self, o: MOrder, lessons: int, events: list, from_held: bool = True) -> int:
        amount = lessons * o.spec.fee
        if from_held:
            o.held = o.held[lessons:]
        o.released += lessons
        self.complete_if_settled(o)
        self.wallets[o.spec.school].free += amount
        self.wallets[o.spec.school].received += amount
        self.wallets[o.parent].released_from += amount
        events.append(("LessonsReleased", {"orderId": o.id, "lessons": lessons, "amountFen": amount,
                                           "lessonsReleased": o.released}))
        return amount

    def refund(self, o: MOrder, amount: int) -> None:
        w = self.wallets[o.parent]
        w.free += amount
        w.refunds += amount

    def can_pay_school(self, school: str) -> bool:
        return not self.inst[school].frozen and self.wallets[school].open

    # ---------------------------------------------------------------- escrow actions

    def enrol(self, p: str, course: int, lessons: int, now: int) -> list:
        c = self.admitted(p, course, lessons, now)
        if lessons * c.hours > MAX_HOURS:
            raise Revert("Prepaid_ClassHoursCapExceeded")
        if c.end - max(now, c.start) > MAX_SPAN:
            raise Revert("Prepaid_OrderSpanTooLong")
        fee = lessons * c.fee
        if fee > MAX_CHARGE:
            raise Revert("Prepaid_ChargeCapExceeded")
        if now + MAX_LEAD < c.start:
            raise Revert("Prepaid_ChargeTooEarly")
        # renewal: lessons left on every active order the parent holds for this course
        left = self.lessons_left(p, course)
        if left and left * c.hours > RENEWAL_HOURS:
            raise Revert("Prepaid_RenewalTooEarly")
        # the fee is earmarked in the parent's own wallet (ECNY.earmarkFrom)
        w = self.wallets[p]
        if not w.open:
            raise Revert("ECNY_WalletNotOpen")
        if w.allowance < fee:
            raise Revert("ECNY_InsufficientAllowance")
        self.charge_limits(p, fee, now)
        if w.free < fee:
            raise Revert("ECNY_InsufficientFree")
        w.allowance -= fee
        w.free -= fee
        w.paid += fee
        oid = len(self.orders) + 1
        pace_base = min(lessons_due(c, now) + left, MAX_PACE)
        self.orders[oid] = MOrder(oid, p, course, lessons, pace_base, now)
        return [("OrderPlaced", {"orderId": oid, "parent": self.addr[p], "courseId": course, "lessons": lessons,
                                 "feeFen": fee})]

    def lesson_skip(self, course: int, oid: int, due: int, seen: set[int]) -> int | None:
        """Why order `oid` cannot take the class's lesson now (PrepaidBase._skipsLesson), or None; marks
        the order as seen in this call the first time it is in the course."""
        o = self.orders.get(oid)
        if o is None or o.course != course:
            return NOT_IN_COURSE
        if oid in seen:
            return REPEATED
        seen.add(oid)
        if o.status != ACTIVE:
            return NOT_ACTIVE
        if o.disputed:
            return DISPUTED
        if o.left == 0:
            return NOTHING_LEFT
        if o.pace_base + (o.paid - o.left) >= due + SLACK:
            return AHEAD_OF_TIMETABLE
        return None

    def record_lesson(self, actor: str, course: int, ids: list[int], now: int) -> list:
        c = self.recordable(actor, course, now)
        due, seen = lessons_due(c, now), set()
        events, paid_out = [], 0
        for oid in ids:
            reason = self.lesson_skip(course, oid, due, seen)
            if reason is not None:
                events.append(skip(oid, reason))
                continue
            o = self.orders[oid]
            if self.window == 0:
                o.recorded += 1
                paid_out += self.release(o, 1, events, from_held=False)
                continue
            matured = o.matured(now, self.window)  # held lessons past their own window are paid out first
            if matured:
                paid_out += self.release(o, matured, events)
            if o.pending == MAX_HELD:
                events.append(skip(oid, TOO_MANY_HELD))
                continue
            o.held.append(now)
            o.recorded += 1
            number = o.released + o.pending + o.returned  # returned: refunded in disputes while active
            events.append(("LessonRecorded", {"orderId": oid, "lessonNumber": number,
                                              "releasableAt": now + self.window}))
        if paid_out and not self.wallets[c.school].open:
            raise Revert("ECNY_WalletNotOpen")  # the payout to a school that closed its wallet
        return events

    def release_matured(self, course: int, ids: list[int], now: int) -> list:
        c = self.payable(course)
        events, paid_out = [], 0
        for oid in ids:
            o = self.orders.get(oid)
            matured = o.matured(now, self.window) if o is not None and o.course == course else 0
            if matured == 0:
                reason = (NOT_IN_COURSE if o is None or o.course != course
                          else DISPUTED if o.disputed else NOTHING_LEFT)
                events.append(skip(oid, reason))
                continue
            paid_out += self.release(o, matured, events)
        if paid_out and not self.wallets[c.school].open:
            raise Revert("ECNY_WalletNotOpen")
        return events

    def cancel(self, actor: str, oid: int) -> list:
        o = self.cancellable(actor, oid)
        if o.left == 0:
            raise Revert("Prepaid_NothingToRefund")
        unused = o.left
        owed = unused * o.spec.fee
        o.returned += unused
        o.status = CANCELLED
        self.refund(o, owed)
        return [("OrderCancelled", {"orderId": oid, "parent": self.addr[actor], "refundFen": owed,
                                    "lessonsUnused": unused})]

    def dispute(self, actor: str, oid: int, now: int) -> list:
        o = self.orders.get(oid)
        if o is None:
            raise Revert("Prepaid_UnknownOrder")
        if actor != o.parent:
            raise Revert("Prepaid_NotOrderParent")
        if o.disputed:
            raise Revert("Prepaid_AlreadyDisputed")
        if o.pending == 0:
            raise Revert("Prepaid_NothingToDispute")
        matured = o.matured(now, self.window)
        if matured == o.pending:  # every held lesson's window has passed
            raise Revert("Prepaid_DisputeWindowClosed", orderId=oid, closedAt=o.held[-1] + self.window)
        # lessons already past their own window are not in dispute: paid out first, unless the school is
        # frozen or closed its wallet (then the regulator decides them with the rest)
        events: list = []
        if matured and self.can_pay_school(o.spec.school):
            self.release(o, matured, events)
        o.disputed = True
        events.append(("LessonsDisputed", {"orderId": oid, "parent": self.addr[actor], "lessonsHeld": o.pending}))
        return events

    def resolve(self, actor: str, oid: int, to_school: bool) -> list:
        o = self.orders.get(oid)
        if actor != REGULATOR:
            raise Revert("Prepaid_NotRegulator")
        if o is None:
            raise Revert("Prepaid_UnknownOrder")
        if not o.disputed:
            raise Revert("Prepaid_NotDisputed")
        if to_school and not self.wallets[o.spec.school].open:
            raise Revert("ECNY_WalletNotOpen")
        lessons, amount = o.pending, o.pending * o.spec.fee
        o.disputed = False
        o.held = []
        if to_school:
            o.released += lessons
            self.wallets[o.spec.school].free += amount
            self.wallets[o.spec.school].received += amount
            self.wallets[o.parent].released_from += amount
        else:
            o.returned += lessons
            self.refund(o, amount)
        self.complete_if_settled(o)
        return [("DisputeResolved", {"orderId": oid, "releasedToInstitution": to_school, "lessons": lessons,
                                     "amountFen": amount})]

    def freeze(self, actor: str, who: str) -> list:
        inst = self.inst.get(who)
        if actor != REGULATOR:
            raise Revert("Prepaid_NotRegulator")
        if inst is None:
            raise Revert("Prepaid_NotApprovedInstitution")
        if inst.frozen:
            raise Revert("Prepaid_AlreadyFrozen")
        inst.frozen = True
        return [("InstitutionFrozen", {"institution": self.addr[who]})]

    def refund_orders(self, actor: str, who: str, ids: list[int], now: int) -> list:
        inst = self.inst.get(who, MInstitution())
        self.refunds_open(actor, inst, now)
        # the closure took effect (anyone may call), or the regulator refunds a frozen school
        frozen = inst.frozen
        school_paid = self.can_pay_school(who)
        events: list = []
        for oid in ids:
            o = self.orders.get(oid)
            if o is None or o.spec.school != who:
                events.append(skip(oid, WRONG_INSTITUTION))
                continue
            lessons = o.left if o.status == ACTIVE else 0
            matured = 0
            if frozen:  # every lesson not paid to the school goes back, held and disputed ones included
                lessons += o.pending
                o.held = []
                o.disputed = False
            else:  # a closed school still earns its matured lessons; in-window and disputed ones stay held
                matured = o.matured(now, self.window)
                if matured and school_paid:
                    self.release(o, matured, events)
                elif matured:
                    events.append(skip(oid, SCHOOL_WALLET_CLOSED))
                    o.held = o.held[matured:]
                    lessons += matured
            o.refund_run = "frozen" if frozen else (o.refund_run or "closed")
            if lessons:
                amount = lessons * o.spec.fee
                o.returned += lessons
                if o.status == ACTIVE:
                    o.status = REFUNDED
                self.refund(o, amount)
                events.append(("OrderRefunded", {"orderId": oid, "parent": self.addr[o.parent], "refundFen": amount,
                                                 "unconsumedFen": amount}))
            elif matured == 0:
                events.append(skip(oid, NOT_ACTIVE))
        return events
