"""Wages passed from a main contractor through a subcontractor to the workers (Xiong'an 2022)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from .deployment import Deployment
from .token import BANK

if TYPE_CHECKING:
    from .world import World


class WageContract(Deployment):
    """One ``WagePassThrough``: a project's main contractor, its subcontractor, and their pay runs."""

    def __init__(self, sim: World, *, main_contractor: str, subcontractor: str, label: str = "wages"):
        self.sim = sim
        self.main_contractor = main_contractor
        self.subcontractor = subcontractor
        self.contract = sim.deploy("WagePassThrough", BANK, sim.token.address, sim.addr(main_contractor),
                                   sim.addr(subcontractor), label=label)
        sim.token.register_controller(self.address)

    def fund_payroll(self, wages: Sequence[tuple[str, int]], payday: int) -> int:
        """The main contractor funds a pay run of ``(worker, wage_fen)``; returns its id."""
        total = sum(w for _, w in wages)
        self.sim.token.allow_earmark(self.main_contractor, self.address, total)
        return self._send(self.main_contractor, "fundPayroll", [self.sim.addr(n) for n, _ in wages],
                          [w for _, w in wages], payday).return_value

    def pay(self, caller: str, payroll_id: int, workers: Sequence[str]):
        return self._send(caller, "payWages", payroll_id, [self.sim.addr(n) for n in workers])

    def return_wage(self, payroll_id: int, worker: str):
        return self._send(self.main_contractor, "returnWage", payroll_id, self.sim.addr(worker))

    def payroll(self, payroll_id: int) -> dict:
        return self.call("payrollOf", payroll_id)

    def wage_of(self, payroll_id: int, worker: str) -> tuple[int, bool]:
        return tuple(self.call("wageOf", payroll_id, self.sim.addr(worker)))

    def pending(self) -> int:
        return self.call("pendingWagesFen")
