"""Grant programmes (special funds paid to firms in tranches) and the registry of payees they may pay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from .deployment import Deployment
from .settings import PURPOSES, GrantRules
from .token import BANK

if TYPE_CHECKING:
    from .world import World

REGISTRAR = "office:funds"
GRANT_STATUS = ("None", "Active", "Completed", "Ended", "ClawedBack", "Settled")


def interest_fen(amount_fen: int, rate_bps: int, days: int) -> int:
    """Simple interest on one payment, floored to the fen, as the programme's rule states it."""
    return amount_fen * rate_bps * days // (10_000 * 365)


class PayeeRegistry(Deployment):
    """Payees (payroll agents, landlords, suppliers) and the purpose each is registered for."""

    def __init__(self, sim: World, registrar: str = REGISTRAR, label: str = "payees"):
        self.sim = sim
        self.registrar = registrar
        self.contract = sim.deploy("PayeeRegistry", BANK, sim.addr(registrar), label=label)

    def register(self, payees: Sequence[str], purpose: str, *, batch: int = 200) -> None:
        code = PURPOSES[purpose]
        for i in range(0, len(payees), batch):
            addresses = [self.sim.addr(p) for p in payees[i:i + batch]]
            self._send(self.registrar, "registerPayees", addresses, code)

    def remove(self, payee: str):
        return self._send(self.registrar, "removePayee", self.sim.addr(payee))

    def purpose_of(self, payee: str) -> int:
        return self.call("purposeOf", self.sim.addr(payee))


class GrantProgramme(Deployment):
    """One ``GrantProgramme``: a department's budget, its firms' grants, and the agency that checks them."""

    def __init__(self, sim: World, *, department: str, agency: str, payees: PayeeRegistry,
                 rules: GrantRules | None = None, label: str = "programme"):
        self.sim = sim
        self.department = department
        self.agency = agency
        self.rules = rules or GrantRules()
        self.contract = sim.deploy("GrantProgramme", BANK, sim.token.address, payees.address, sim.addr(department),
                                   sim.addr(agency), self.rules.as_tuple(), label=label)
        sim.token.register_controller(self.address)

    # -- department
    def fund(self, amount_fen: int):
        self.sim.token.allow_earmark(self.department, self.address, amount_fen)
        return self._send(self.department, "fund", amount_fen)

    def withdraw_unpaid(self, amount_fen: int):
        return self._send(self.department, "withdrawUnpaid", amount_fen)

    def admit(self, grants: Sequence[tuple[str, Sequence[int]]], *, batch: int = 40) -> list[int]:
        """Admits ``(firm, tranches_fen)`` pairs in batches; returns their grant ids in order."""
        ids: list[int] = []
        for i in range(0, len(grants), batch):
            chunk = grants[i:i + batch]
            first = self._send(self.department, "admitFirms", [self.sim.addr(f) for f, _ in chunk],
                               [list(t) for _, t in chunk]).return_value
            ids.extend(range(first, first + len(chunk)))
        return ids

    # -- agency
    def attest(self, grant_ids: Sequence[int], milestone: int, *, batch: int = 60) -> None:
        for i in range(0, len(grant_ids), batch):
            chunk = list(grant_ids[i:i + batch])
            self._send(self.agency, "attestMilestones", chunk, milestone)

    def miss(self, grant_id: int, milestone: int):
        return self._send(self.agency, "recordMissedMilestone", grant_id, milestone)

    def breach(self, grant_id: int, breached_at: int, *, fraud: bool = False) -> dict[str, Any]:
        """Records a broken promise; returns the ``GrantClawedBack`` event's arguments."""
        return self._send(self.agency, "recordBreach", grant_id, breached_at, fraud).event("GrantClawedBack").args

    # -- firms
    def spend(self, firm: str, payee: str, amount_fen: int):
        return self._send(firm, "spend", self.sim.addr(payee), amount_fen)

    def spend_call(self, firm: str, payee: str, amount_fen: int) -> tuple:
        """A spend as a ``(actor, contract, function, *args)`` tuple for ``send_batch``."""
        return (firm, self.contract, "spend", self.sim.addr(payee), amount_fen)

    def repay(self, firm: str, grant_id: int, amount_fen: int):
        self.sim.token.allow_earmark(firm, self.address, amount_fen)
        return self._send(firm, "repay", grant_id, amount_fen)

    # -- views
    def grant(self, grant_id: int) -> dict:
        return self.call("grantOf", grant_id)

    def tranches(self, grant_id: int) -> list[dict]:
        return self.call("tranchesOf", grant_id)

    def totals(self) -> dict:
        return self.call("totals")

    def balance(self) -> int:
        return self.call("programmeBalanceFen")

    def withdrawable(self) -> int:
        return self.call("withdrawableFen")

    def grant_money(self, wallet: str) -> int:
        return self.call("grantMoneyOf", self.sim.addr(wallet))

    def outstanding(self, grant_id: int) -> int:
        return self.call("outstandingOf", grant_id)

    def quote(self, grant_id: int, breached_at: int) -> tuple[int, int]:
        return tuple(self.call("clawbackQuote", grant_id, breached_at))

