"""Alerts a supervisor would want raised while a run goes: read from each transaction's decoded events, so
they are as reproducible as the journal. Each alert is raised once per subject.

- cancellation_wave: an institution's cancellations pass a share of its orders within a window (and a
  minimum count: one parent leaving a small class is no wave);
- supervised_balance_high: money supervised for one institution passes a threshold (Shanghai's prepaid
  rules require bank custody above one);
- course_oversold: an order buys more lessons than the course can still teach before its end date;
- campaign_unspent_near_expiry: a campaign close to expiry with most of its money unspent;
- grant_debt_outstanding: a clawback left a firm owing money its unspent grant did not cover;
- milestones_missed: a share of a grant programme's firms missed a milestone;
- conditional_payment_disputed: a payee disputed a conditional payment and its verifier must decide.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ..chain.clock import HOUR, format_beijing
from ..domain.money import fmt_fen

if TYPE_CHECKING:
    from ..run.engine import Simulation


def _count(n: int, noun: str) -> str:
    """``1 order``, ``1,000 orders``: the alerts' messages are English (the report translates them)."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


class AlertSettings(BaseModel):
    """Thresholds, with defaults a supervisor might start from (all inferred: no source fixes them)."""

    model_config = ConfigDict(extra="forbid")
    cancellation_share: float = Field(0.2, gt=0, le=1, description="share of an institution's orders")
    cancellation_min_count: int = Field(5, ge=1, description="cancellations within the window, at least: one "
                                        "parent leaving a small class is not a wave (inferred)")
    cancellation_window_hours: int = Field(24, ge=1)
    supervised_balance_threshold_fen: int = Field(100_000_000, ge=1, description="¥1,000,000")
    campaign_unspent_share: float = Field(0.5, gt=0, le=1)
    campaign_warning_hours: int = Field(24, ge=1)
    missed_milestone_share: float = Field(0.1, gt=0, le=1, description="share of a programme's admitted firms")


class AlertMonitor:
    """Watches a simulation's transactions; ``attach`` it when the simulation opens (before any deployment).
    The alerts raised are in ``alerts``, and the simulation's ``alerts`` attribute is this monitor."""

    def __init__(self, settings: AlertSettings | None = None):
        self.sim: Simulation | None = None
        self.settings = settings or AlertSettings()
        self.alerts: list[dict[str, Any]] = []
        self._raised: set[tuple[str, str]] = set()
        self._courses: dict[tuple[str, int], dict[str, int | str]] = {}
        self._order_institution: dict[tuple[str, int], str] = {}
        self._orders: dict[str, int] = defaultdict(int)
        self._cancellations: dict[str, deque[int]] = defaultdict(deque)
        self._supervised: dict[str, int] = defaultdict(int)
        self._campaigns: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._programmes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def attach(self, sim: Simulation) -> "AlertMonitor":
        self.sim = sim
        sim.alerts = self
        sim.chain.on_transaction.append(self.on_transaction)
        return self

    def _prepaid_model(self, label: str) -> str | None:
        """The supervision model of the prepaid contract deployed as ``label``."""
        return next((p.model for p in self.sim.prepaid if p.contract.name == label), None)

    def _campaign_expiry(self, label: str) -> int:
        campaign = next(c for c in self.sim.campaigns if c.label == label)
        return campaign.call("terms")["expiry"]

    def _raise(self, kind: str, subject: str, time: int, message: str, value: float, threshold: float) -> None:
        if (kind, subject) in self._raised:
            return
        self._raised.add((kind, subject))
        self.alerts.append({"kind": kind, "subject": subject, "time": time, "message": message,
                            "value": value, "threshold": threshold})

    def on_transaction(self, record: Any) -> None:
        t = record.result.timestamp
        for ev in record.result.events:
            handler = getattr(self, f"_on_{ev.name}", None)
            if handler is not None:
                handler(ev.contract, ev.args, t)
        self._check_campaigns(t)

    # -- prepaid tuition
    def _on_CoursePublished(self, contract: str, a: dict, t: int) -> None:
        self._courses[(contract, a["courseId"])] = {"institution": self.sim.chain.label(a["institution"]),
                                                    "lessons": a["lessons"], "start": a["start"], "end": a["end"]}

    def _on_OrderPlaced(self, contract: str, a: dict, t: int) -> None:
        course = self._courses.get((contract, a["courseId"]))
        if course is None:
            return
        school = str(course["institution"])
        self._order_institution[(contract, a["orderId"])] = school
        self._orders[school] += 1
        start, end, lessons = int(course["start"]), int(course["end"]), int(course["lessons"])
        can_teach = lessons * (end - max(t, start)) // (end - start)
        if a["lessons"] > can_teach:
            self._raise("course_oversold", f"{school} course {a['courseId']}", t,
                        f"{school} sold {_count(a['lessons'], 'lesson')} of course {a['courseId']} on "
                        f"{format_beijing(t)}, but only about {can_teach:,} can be taught before it ends",
                        a["lessons"], can_teach)
        if self._prepaid_model(contract) == "escrow":
            self._supervise(school, a["feeFen"], t)

    def _on_DepositLocked(self, contract: str, a: dict, t: int) -> None:
        self._supervise(self.sim.chain.label(a["institution"]), a["amountFen"], t)

    def _on_DepositReleased(self, contract: str, a: dict, t: int) -> None:
        self._supervised[self.sim.chain.label(a["institution"])] -= a["amountFen"]

    def _on_DepositShared(self, contract: str, a: dict, t: int) -> None:
        self._release(contract, a["orderId"], a["amountFen"])

    def _on_LessonsReleased(self, contract: str, a: dict, t: int) -> None:
        self._release(contract, a["orderId"], a["amountFen"])

    def _on_OrderRefunded(self, contract: str, a: dict, t: int) -> None:
        if self._prepaid_model(contract) == "escrow":
            self._release(contract, a["orderId"], a["refundFen"])

    def _on_DisputeResolved(self, contract: str, a: dict, t: int) -> None:
        self._release(contract, a["orderId"], a["amountFen"])

    def _release(self, contract: str, order_id: int, amount: int) -> None:
        school = self._order_institution.get((contract, order_id))
        if school is not None:
            self._supervised[school] -= amount

    def _supervise(self, school: str, amount: int, t: int) -> None:
        self._supervised[school] += amount
        limit = self.settings.supervised_balance_threshold_fen
        if self._supervised[school] > limit:
            self._raise("supervised_balance_high", school, t,
                        f"money supervised for {school} reached {fmt_fen(self._supervised[school])}, above "
                        f"{fmt_fen(limit)}: custody at a bank is required", self._supervised[school], limit)

    def _on_OrderCancelled(self, contract: str, a: dict, t: int) -> None:
        school = self._order_institution.get((contract, a["orderId"]))
        if school is None:
            return
        if self._prepaid_model(contract) == "escrow":
            self._supervised[school] -= a["refundFen"]
        window = self._cancellations[school]
        window.append(t)
        while window and window[0] <= t - self.settings.cancellation_window_hours * HOUR:
            window.popleft()
        share = len(window) / max(self._orders[school], 1)
        if share > self.settings.cancellation_share and len(window) >= self.settings.cancellation_min_count:
            self._raise("cancellation_wave", school, t,
                        f"{len(window):,} of {school}'s {_count(self._orders[school], 'order')} "
                        f"{'was' if len(window) == 1 else 'were'} cancelled within "
                        f"{_count(self.settings.cancellation_window_hours, 'hour')} ({share:.0%})",
                        round(share, 4), self.settings.cancellation_share)

    # -- red packets
    def _on_CampaignFunded(self, contract: str, a: dict, t: int) -> None:
        self._campaigns[contract]["funded"] += a["budgetFen"]
        self._campaigns[contract]["expiry"] = self._campaign_expiry(contract)

    def _on_PurchasePaid(self, contract: str, a: dict, t: int) -> None:
        self._campaigns[contract]["spent"] += a["packetFen"]

    def _on_PurchaseRefunded(self, contract: str, a: dict, t: int) -> None:
        self._campaigns[contract]["spent"] -= a["packetToBuyerFen"] + a["packetToFunderFen"]

    # -- grants and conditional payments
    def _on_FirmAdmitted(self, contract: str, a: dict, t: int) -> None:
        self._programmes[contract]["admitted"] += 1

    def _on_MilestoneMissed(self, contract: str, a: dict, t: int) -> None:
        p = self._programmes[contract]
        p["missed"] += 1
        share = p["missed"] / max(p["admitted"], 1)
        if share > self.settings.missed_milestone_share:
            self._raise("milestones_missed", contract, t,
                        f"{p['missed']:,} of the {_count(p['admitted'], 'firm')} of {contract} missed a milestone "
                        f"({share:.0%})",
                        round(share, 4), self.settings.missed_milestone_share)

    def _on_GrantClawedBack(self, contract: str, a: dict, t: int) -> None:
        if a["outstandingFen"]:
            firm = self.sim.chain.label(a["firm"])
            self._raise("grant_debt_outstanding", f"{firm} grant {a['grantId']}", t,
                        f"{firm} owes {fmt_fen(a['outstandingFen'])} after grant {a['grantId']} was clawed back "
                        f"({fmt_fen(a['returnedUnspentFen'])} of unspent grant money came back at once)",
                        a["outstandingFen"], 0)

    def _on_PaymentDisputed(self, contract: str, a: dict, t: int) -> None:
        payee = self.sim.chain.label(a["payee"])
        self._raise("conditional_payment_disputed", f"{contract} payment {a['paymentId']}", t,
                    f"{payee} disputes payment {a['paymentId']} of {contract}: its verifier must decide by "
                    f"{format_beijing(a['decideBy'])}, or the money goes back to the payer", a["decideBy"] - t, 0)

    def _check_campaigns(self, t: int) -> None:
        warn = self.settings.campaign_warning_hours * HOUR
        for label, c in self._campaigns.items():
            if not c["funded"] or not c["expiry"] - warn <= t < c["expiry"]:
                continue
            unspent = 1 - c["spent"] / c["funded"]
            if unspent > self.settings.campaign_unspent_share:
                self._raise("campaign_unspent_near_expiry", label, t,
                            f"campaign {label} expires {format_beijing(c['expiry'])} with {unspent:.0%} of its "
                            f"{fmt_fen(c['funded'])} unspent", round(unspent, 4), self.settings.campaign_unspent_share)
