"""The world and the Python model of the upfront prepaid contract's rules (IUpfrontPrepaid with the token, a
20 % risk deposit), against which the upfront state machine (``upfront_machine``) checks a contract: each action
of ``Model`` either raises ``Revert`` with the custom error the contract must give, or applies its effects and
returns the contract's events. Moved from tests/contracts/test_properties_upfront.py (whose docstring lists the
properties) so that ``ecny-sim check`` runs it against a developer's contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..chain import Chain
from ..chain.clock import DAY, HOUR, parse_beijing
from ..domain.settings import PrepaidRules
from .prepaid_model import ACTIVE, CourseSpec, PrepaidChecks, lessons_due, publish
from .token_model import (BANK, MAX_UINT, REGULATOR, TIERS, Base, Revert, TokenRules, TokenWallet, deploy_family,
                          open_wallet)

# ------------------------------------------------------------------------------------------ the world

T0 = parse_beijing("2022-08-29 09:00")
START = T0 + HOUR
RULES = PrepaidRules(dispute_window_hours=0, closure_notice_days=4)
NOTICE = RULES.closure_notice_days * DAY
DEPOSIT_BPS = 2_000
BPS = 10_000
SLACK = 1
MAX_PACE = 2**16 - 1
SCHOOLS = ("school:a", "school:b")
SUPPLIER = "supplier"  # where a school spends its money
#: wallet -> (tier, first top-up, the schools' allowance for the upfront contract)
PARENTS = {"parent:0": ("id_verified", 800_000), "parent:1": ("lowest", 400_000), "parent:2": ("class_iii", 1_700_000)}
SCHOOL_FUNDS = {"school:a": (400_000, MAX_UINT), "school:b": (60_000, 200_000)}
PARENT_NAMES = tuple(PARENTS)
WALLETS = (*PARENT_NAMES, *SCHOOLS, SUPPLIER)


COURSES = {
    1: CourseSpec("school:a", 15_000, 20, 1, START + DAY, START + 21 * DAY),  # a lesson a day
    2: CourseSpec("school:a", 20_000, 10, 2, START + 2 * DAY, START + 7 * DAY),  # every 12 hours
    3: CourseSpec("school:b", 30_000, 12, 1, START + 3 * DAY, START + 15 * DAY),  # a lesson a day
}
UNKNOWN_COURSE = 4

COMPLETED, CANCELLED, REFUNDED = 2, 3, 4  # OrderStatus (ACTIVE: 1)
NOT_IN_COURSE, WRONG_INSTITUTION, NOT_ACTIVE, NOTHING_LEFT, COURSE_NOT_ENDED = 0, 1, 2, 4, 5  # SkipReason
REPEATED, AHEAD_OF_TIMETABLE, WALLET_CANNOT_RECEIVE, SCHOOL_CANNOT_PAY = 7, 8, 10, 11


VARIANT = "UpfrontPrepaid"


def _deploy(variant: str) -> Base:
    """ECNY and one upfront contract (20 % deposit), two schools approved and funded, three parents, three courses.
    `variant` is a developer's contract while their build is active."""
    chain = Chain(T0, seed=20220829)
    token, upfront = deploy_family(chain, variant, REGULATOR,
                                   lambda token: (token.address, REGULATOR, RULES.as_tuple(), DEPOSIT_BPS))
    open_wallet(chain, token, SUPPLIER, "corporate")
    for school, (funds, allowance) in SCHOOL_FUNDS.items():
        open_wallet(chain, token, school, "corporate", funds)
        chain.send(school, token, "approveEarmark", upfront, allowance)
        chain.send(REGULATOR, upfront, "approveInstitution", school)
    for parent, (tier, funds) in PARENTS.items():
        open_wallet(chain, token, parent, tier, funds)
    publish(chain, upfront, COURSES)
    chain.set_time(START)
    return Base(chain, token, upfront, chain.snapshot())


# ------------------------------------------------------------------------------------------ the model


@dataclass
class MOrder:
    id: int
    parent: str
    course: int
    paid: int
    pace_base: int
    placed_at: int
    deposit: int  # depositOfOrder
    status: int = ACTIVE
    delivered: int = 0  # lessonsReleased
    returned: int = 0
    back: int = 0  # fen that came back to the parent for it (refund or deposit share)

    @property
    def spec(self) -> CourseSpec:
        return COURSES[self.course]

    @property
    def left(self) -> int:
        return self.paid - self.delivered - self.returned


@dataclass
class MWallet(TokenWallet):
    fees: int = 0  # parents: fees paid; schools: fees received (free part)
    back: int = 0  # parents: refunds and shares received; schools: deposits returned to free money
    refunds_paid: int = 0  # schools: refunds paid from free money


@dataclass
class MExposure:
    owed: int = 0
    deposit: int = 0
    frozen: bool = False
    closes_at: int = 0
    owed_at_freeze: int = 0
    pool: int = 0  # depositAtFreezeFen
    owed_unrefunded: int = 0
    unshared: int = 0
    shares_paid: int = 0
    surplus_released: int = 0

    def closed(self, now: int) -> bool:
        return self.closes_at != 0 and now >= self.closes_at


@dataclass
class Model(TokenRules, PrepaidChecks):
    addr: dict[str, str]
    upfront: str
    wallets: dict[str, MWallet] = field(default_factory=dict)
    inst: dict[str, MExposure] = field(default_factory=dict)
    orders: dict[int, MOrder] = field(default_factory=dict)
    issued: int = 0
    redeemed: int = 0
    COURSES = COURSES
    NOTICE = NOTICE

    def orders_of(self, p: str) -> list[MOrder]:
        return [o for o in self.orders.values() if o.parent == p]

    def balance_of(self, w: str) -> int:
        return self.wallets[w].free + (self.inst[w].deposit if w in self.inst else 0)

    def can_receive(self, w: str, amount: int) -> bool:
        cap = TIERS[self.wallets[w].tier].balance_cap_fen
        return self.wallets[w].open and (not cap or self.balance_of(w) + amount <= cap)

    # ---------------------------------------------------------------- token

    def earmark_from(self, w: str, amount: int, now: int) -> None:
        """ECNY.earmarkFrom by the upfront contract (the money stays in `w`, earmarked)."""
        wallet = self.wallets[w]
        if not wallet.open:
            raise Revert("ECNY_WalletNotOpen")
        if wallet.allowance < amount:
            raise Revert("ECNY_InsufficientAllowance")
        self.charge_limits(w, amount, now)
        if wallet.free < amount:
            raise Revert("ECNY_InsufficientFree")
        if wallet.allowance != MAX_UINT:
            wallet.allowance -= amount
        wallet.free -= amount

    def credit(self, payee: str, amount: int) -> None:
        """ECNY.releaseEarmark into `payee`: open, and within its cap afterwards."""
        if not self.wallets[payee].open:
            raise Revert("ECNY_WalletNotOpen")
        self.wallets[payee].free += amount
        cap = TIERS[self.wallets[payee].tier].balance_cap_fen
        if cap and self.balance_of(payee) > cap:
            raise Revert("ECNY_BalanceCapExceeded")

    def close_wallet(self, actor: str, w: str) -> list:
        wallet = self.wallets[w]
        if actor not in (w, BANK):
            raise Revert("ECNY_NotWalletOwnerOrIssuer")
        if not wallet.open:
            raise Revert("ECNY_WalletNotOpen")
        if w in PARENTS:
            active = [o.id for o in self.orders_of(w) if o.status == ACTIVE]
            if active:
                raise Revert("Prepaid_OrderStillActive", wallet=self.addr[w], orderId=active[0])
        if w in self.inst and self.inst[w].deposit:
            raise Revert("ECNY_WalletHasEarmarks", wallet=self.addr[w], controller=self.upfront,
                         amountFen=self.inst[w].deposit)
        wallet.redeemed += wallet.free
        self.redeemed += wallet.free
        wallet.free = 0
        wallet.open = False
        return []

    # ---------------------------------------------------------------- upfront

    def enrol(self, p: str, course: int, lessons: int, now: int) -> list:
        c = self.admitted(p, course, lessons, now)
        e = self.inst[c.school]
        # the three courses keep the hours, span, charge and lead caps; a renewal waits until the parent's
        # active orders of the course have 20 class hours or fewer left
        left = self.lessons_left(p, course)
        if left and left * c.hours > RULES.renewal_max_hours_left:
            raise Revert("Prepaid_RenewalTooEarly", classHoursLeft=left * c.hours,
                         maxHoursLeft=RULES.renewal_max_hours_left)
        fee = lessons * c.fee
        deposit = fee * DEPOSIT_BPS // BPS
        oid = len(self.orders) + 1
        events = [("OrderPlaced", {"orderId": oid, "parent": self.addr[p], "courseId": course, "lessons": lessons,
                                   "feeFen": fee})]
        e.owed += fee
        e.deposit += deposit
        if deposit:
            events.append(("DepositLocked", {"orderId": oid, "institution": self.addr[c.school], "amountFen": deposit}))
        self.earmark_from(p, fee, now)
        self.credit(c.school, fee - deposit)  # the fee less the deposit goes to the school at once
        if not self.wallets[c.school].open:
            raise Revert("ECNY_WalletNotOpen")  # the deposit's moveEarmark into the school's wallet
        self.wallets[p].fees += fee
        self.wallets[c.school].fees += fee - deposit
        self.orders[oid] = MOrder(oid, p, course, lessons, min(lessons_due(c, now) + left, MAX_PACE), now, deposit)
        return events

    def record_lesson(self, actor: str, course: int, ids: list[int], now: int) -> list:
        c = self.recordable(actor, course, now)
        e = self.inst[c.school]
        due, seen, events = lessons_due(c, now), set(), []
        for oid in ids:
            o = self.orders.get(oid)
            reason = None
            if o is None or o.course != course:
                reason = NOT_IN_COURSE
            elif oid in seen:
                reason = REPEATED
            else:
                seen.add(oid)
                if o.status != ACTIVE:
                    reason = NOT_ACTIVE
                elif o.left == 0:
                    reason = NOTHING_LEFT
                elif o.pace_base + (o.paid - o.left) >= due + SLACK:
                    reason = AHEAD_OF_TIMETABLE
            if reason is not None:
                events.append(("LessonSkipped", {"orderId": oid, "reason": reason}))
                continue
            o.delivered += 1
            if o.left == 0:
                o.status = COMPLETED
            e.owed -= c.fee
            events.append(("LessonDelivered", {"orderId": oid, "lessonNumber": o.delivered}))
        return events

    def release_deposits(self, course: int, ids: list[int], now: int) -> list:
        c = self.payable(course)
        e = self.inst[c.school]
        events, total = [], 0
        for oid in ids:
            o = self.orders.get(oid)
            if o is None or o.course != course:
                events.append(("LessonSkipped", {"orderId": oid, "reason": NOT_IN_COURSE}))
            elif now < c.end:
                events.append(("LessonSkipped", {"orderId": oid, "reason": COURSE_NOT_ENDED}))
            elif o.deposit == 0:
                events.append(("LessonSkipped", {"orderId": oid, "reason": NOTHING_LEFT}))
            else:
                total += o.deposit
                events.append(("DepositReleased", {"orderId": oid, "institution": self.addr[c.school],
                                                   "amountFen": o.deposit}))
                o.deposit = 0
        e.deposit -= total
        self.wallets[c.school].free += total
        self.wallets[c.school].back += total
        return events

    def pay_refund(self, o: MOrder, refund: int, now: int, events: list) -> None:
        """UpfrontPrepaid._payRefundFromInstitution: the order's deposit back to the school's free money,
        which pays the refund."""
        school = o.spec.school
        if o.deposit:
            events.append(("DepositReleased", {"orderId": o.id, "institution": self.addr[school],
                                               "amountFen": o.deposit}))
            self.wallets[school].free += o.deposit
            self.wallets[school].back += o.deposit
            o.deposit = 0
        self.earmark_from(school, refund, now)
        self.credit(o.parent, refund)
        self.wallets[school].refunds_paid += refund
        self.wallets[o.parent].back += refund
        o.back += refund

    def cancel(self, actor: str, oid: int, now: int) -> list:
        o = self.cancellable(actor, oid)
        e = self.inst[o.spec.school]
        if e.frozen:
            raise Revert("Prepaid_InstitutionFrozen")
        lessons = o.left
        refund = lessons * o.spec.fee
        o.returned += lessons
        e.owed -= refund
        e.deposit -= o.deposit
        o.status = CANCELLED
        events = [("OrderCancelled", {"orderId": oid, "parent": self.addr[actor], "refundFen": refund,
                                      "lessonsUnused": lessons})]
        self.pay_refund(o, refund, now, events)
        return events

    def freeze(self, actor: str, who: str) -> list:
        if actor != REGULATOR:
            raise Revert("Prepaid_NotRegulator")
        e = self.inst[who]
        if e.frozen:
            raise Revert("Prepaid_AlreadyFrozen")
        e.frozen = True
        e.owed_at_freeze = e.owed_unrefunded = e.owed
        e.pool = e.unshared = min(e.deposit, e.owed)
        return [("InstitutionFrozen", {"institution": self.addr[who]})]

    def refund_orders(self, actor: str, who: str, ids: list[int], now: int) -> list:
        e = self.inst[who]
        self.refunds_open(actor, e, now)
        events: list = []
        for oid in ids:
            o = self.orders.get(oid)
            if o is None or o.spec.school != who:
                events.append(("LessonSkipped", {"orderId": oid, "reason": WRONG_INSTITUTION}))
                continue
            lessons = o.left if o.status == ACTIVE else 0
            if lessons == 0:
                events.append(("LessonSkipped", {"orderId": oid, "reason": NOT_ACTIVE}))
                continue
            owed = lessons * o.spec.fee
            if not e.frozen:  # the school refunds in full, if it can and the parent can take it
                school = self.wallets[who]
                if school.free + o.deposit < owed or school.allowance < owed:
                    events.append(("LessonSkipped", {"orderId": oid, "reason": SCHOOL_CANNOT_PAY}))
                    continue
                if not self.can_receive(o.parent, owed):
                    events.append(("LessonSkipped", {"orderId": oid, "reason": WALLET_CANNOT_RECEIVE}))
                    continue
                o.status = REFUNDED
                o.returned += lessons
                e.owed -= owed
                e.deposit -= o.deposit
                events.append(("OrderRefunded", {"orderId": oid, "parent": self.addr[o.parent], "refundFen": owed,
                                                 "unconsumedFen": owed}))
                self.pay_refund(o, owed, now, events)
                continue
            share = e.unshared if owed == e.owed_unrefunded else owed * e.pool // e.owed_at_freeze
            if share and not self.can_receive(o.parent, share):
                events.append(("LessonSkipped", {"orderId": oid, "reason": WALLET_CANNOT_RECEIVE}))
                continue
            o.status = REFUNDED
            o.returned += lessons
            e.owed -= owed
            e.owed_unrefunded -= owed
            e.unshared -= share
            e.deposit -= share
            e.shares_paid += share
            o.deposit = 0
            events.append(("OrderRefunded", {"orderId": oid, "parent": self.addr[o.parent], "refundFen": share,
                                             "unconsumedFen": owed}))
            events.append(("DepositShared", {"orderId": oid, "parent": self.addr[o.parent], "amountFen": share}))
            if share:
                self.credit(o.parent, share)
                self.wallets[o.parent].back += share
                o.back += share
        return events

    def release_surplus(self, actor: str, who: str) -> list:
        if actor != REGULATOR:
            raise Revert("Prepaid_NotRegulator")
        e = self.inst[who]
        if not e.frozen:
            raise Revert("Prepaid_NotFrozen", institution=self.addr[who])
        surplus = e.deposit - e.unshared
        if surplus == 0:
            raise Revert("Prepaid_NoSurplusDeposit", institution=self.addr[who])
        e.deposit -= surplus
        e.surplus_released += surplus
        self.wallets[who].free += surplus
        self.wallets[who].back += surplus
        return [("SurplusDepositReleased", {"institution": self.addr[who], "amountFen": surplus})]
