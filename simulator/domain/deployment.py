"""What every contract wrapper shares: the deployed contract, its address and label, sending and calling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..chain import Deployed, TxResult
    from .world import World


class Deployment:
    """Base of the domain wrappers (`Token`, `Prepaid`, `Campaign`, `MerchantRegistry`)."""

    sim: World
    contract: Deployed

    @property
    def address(self) -> str:
        return self.contract.address

    @property
    def label(self) -> str:
        """The deployment's name in the journal, e.g. "escrow", "luohu_2020"."""
        return self.contract.name

    def _send(self, actor: str, function: str, *args: Any, gas: int | None = None) -> TxResult:
        return self.sim.send(actor, self.contract, function, *args, gas=gas)

    def call(self, function: str, *args: Any) -> Any:
        return self.sim.chain.call(self.contract, function, *args)
