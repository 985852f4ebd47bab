"""Three-party conditional payments: car prepayments held until delivery, subsidies paid on registration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..chain.clock import DAY
from .deployment import Deployment
from .token import BANK

if TYPE_CHECKING:
    from .world import World

PAYMENT_STATUS = ("None", "Pending", "Disputed", "Released", "Returned")
RETURN_REASONS = ("ConditionFailed", "PayeeDeclined", "DeadlinePassed")


class ConditionalPayments(Deployment):
    """One ``ConditionalPayment`` contract; any number of payments, each with its own payer, payee and
    verifier."""

    def __init__(self, sim: World, label: str = "conditional", *, dispute_window_days: int = 30):
        self.sim = sim
        self.contract = sim.deploy("ConditionalPayment", BANK, sim.token.address, dispute_window_days * DAY,
                                   label=label)
        sim.token.register_controller(self.address)

    def create(self, payer: str, payee: str, verifier: str, amount_fen: int, deadline: int) -> int:
        """The payer earmarks ``amount_fen`` for ``payee``; returns the payment id."""
        self.sim.token.allow_earmark(payer, self.address, amount_fen)
        return self._send(payer, "create", self.sim.addr(payee), self.sim.addr(verifier), amount_fen,
                          deadline).return_value

    def confirm(self, who: str, payment_id: int):
        return self._send(who, "confirm", payment_id)

    def reject(self, who: str, payment_id: int):
        return self._send(who, "reject", payment_id)

    def dispute(self, payee: str, payment_id: int):
        return self._send(payee, "dispute", payment_id)

    def reclaim(self, payment_id: int, caller: str = BANK):
        return self._send(caller, "reclaim", payment_id)

    def payment(self, payment_id: int) -> dict:
        return self.call("paymentOf", payment_id)

    def status(self, payment_id: int) -> str:
        return PAYMENT_STATUS[self.payment(payment_id)["status"]]
