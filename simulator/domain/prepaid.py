"""Prepaid tuition under a supervision model, by actor name. Every model speaks ``IPrepaidSupervision``;
the escrow adds disputes, the upfront models a deposit. Scenarios use this class for all three."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from .deployment import Deployment
from .settings import PrepaidRules
from .token import REGULATOR

if TYPE_CHECKING:
    from .world import World

#: Supervision model -> (contract, share of each fee kept as deposit in basis points).
MODELS: dict[str, tuple[str, int | None]] = {
    "escrow": ("PrepaidEscrow", None),
    "risk_deposit": ("UpfrontPrepaid", 2_000),
    "unsupervised": ("UpfrontPrepaid", 0),
}

ORDER_STATES = ["None", "Locked", "PartiallyConsumed", "Disputed", "Completed", "Cancelled", "Refunded"]
INSTITUTION_STATES = ["Unknown", "Approved", "Closing", "Closed", "Frozen"]


@dataclass(frozen=True)
class Order:
    id: int
    parent: str
    course_id: int
    lessons: int
    fee_fen: int


class Prepaid(Deployment):
    """One deployed supervision contract (a model) and the orders placed through it."""

    def __init__(self, sim: World, model: str = "escrow", rules: PrepaidRules | None = None,
                 deposit_bps: int | None = None, contract: str | None = None):
        if model not in MODELS:
            raise ValueError(f"unknown supervision model {model!r}; known: {', '.join(MODELS)}")
        default_contract, default_bps = MODELS[model]
        self.sim = sim
        self.model = model
        self.rules = rules or PrepaidRules()
        args = [sim.token.address, sim.addr(REGULATOR), self.rules.as_tuple()]
        bps = default_bps if deposit_bps is None else deposit_bps
        if bps is not None:
            args.append(bps)
        self.deposit_bps = bps or 0
        self.contract = sim.deploy(contract or default_contract, "bank", *args, label=f"{model}")
        sim.token.register_controller(self.address)
        self.orders: dict[int, Order] = {}
        self._fee_per_lesson: dict[int, int] = {}  # course id -> fee; courses never change once published
        sim.prepaid.append(self)  # the summary and the alerts find every supervision contract here

    # -- regulator
    def approve_institution(self, institution: str):
        """Approves the institution; under the upfront models it also allows the contract to take refunds
        from its wallet, a condition of approval."""
        result = self._send(REGULATOR, "approveInstitution", self.sim.addr(institution))
        if self.model != "escrow":
            self.sim.token.allow_earmark(institution, self.address, 2**256 - 1)
        return result

    def freeze(self, institution: str):
        return self._send(REGULATOR, "freezeInstitution", self.sim.addr(institution))

    def refund_orders(self, institution: str, order_ids: Sequence[int], *, caller: str = REGULATOR,
                      batch: int = 100) -> list:
        """Refunds orders in batches of ``batch`` so a big school fits in blocks."""
        return [self._send(caller, "refundOrders", self.sim.addr(institution), list(order_ids[i:i + batch]))
                for i in range(0, len(order_ids), batch)]

    def resolve_dispute(self, order_id: int, release_to_institution: bool):
        return self._send(REGULATOR, "resolveDispute", order_id, release_to_institution)

    # -- institutions
    def publish_course(self, institution: str, *, fee_per_lesson_fen: int, lessons: int, start: int, end: int,
                       class_hours_per_lesson: int = 1) -> int:
        result = self._send(institution, "publishCourse", fee_per_lesson_fen, lessons, class_hours_per_lesson,
                            start, end)
        course_id = result.event("CoursePublished").args["courseId"]
        self._fee_per_lesson[course_id] = fee_per_lesson_fen
        return course_id

    def record_lesson(self, institution: str, course_id: int, order_ids: Iterable[int]):
        return self._send(institution, "recordLesson", course_id, list(order_ids))

    def release_matured(self, caller: str, course_id: int, order_ids: Iterable[int]):
        return self._send(caller, "releaseMatured", course_id, list(order_ids))

    def announce_closure(self, institution: str):
        return self._send(institution, "announceClosure")

    # -- parents
    def enrol(self, parent: str, course_id: int, lessons: int) -> Order:
        """Allows the contract to earmark the fee, then enrols: two transactions, as in a wallet app."""
        if course_id not in self._fee_per_lesson:
            self._fee_per_lesson[course_id] = self.course(course_id)["feePerLessonFen"]
        fee = lessons * self._fee_per_lesson[course_id]
        self.sim.token.allow_earmark(parent, self.address, fee)
        result = self._send(parent, "enrol", course_id, lessons)
        placed = result.event("OrderPlaced").args
        order = Order(placed["orderId"], parent, course_id, lessons, placed["feeFen"])
        self.orders[order.id] = order
        return order

    def cancel(self, parent: str, order_id: int):
        return self._send(parent, "cancelOrder", order_id)

    def dispute(self, parent: str, order_id: int):
        return self._send(parent, "disputeLessons", order_id)

    # -- views
    def course(self, course_id: int) -> dict:
        return self.call("courseOf", course_id)

    def order(self, order_id: int) -> dict:
        return self.call("orderOf", order_id)

    def order_state(self, order_id: int) -> str:
        return ORDER_STATES[self.call("orderStateOf", order_id)]

    def institution_status(self, institution: str) -> str:
        return INSTITUTION_STATES[self.call("institutionStatusOf", self.sim.addr(institution))]

    def refundable(self, order_id: int) -> int:
        return self.call("refundableAmountOf", order_id)

    def supervised_balance(self, institution: str) -> int:
        return self.call("supervisedBalanceOf", self.sim.addr(institution))

    def locked_total(self) -> int:
        """Everything earmarked under this contract, in every wallet."""
        return self.sim.token.earmarked_total(self.address)
