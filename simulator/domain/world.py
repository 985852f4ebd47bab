"""What a contract wrapper needs from the run it lives in: the ``World`` protocol.

The run layer's ``Simulation`` provides it; the wrappers name only this protocol, so the domain layer never
imports the engine (the engine sits above it) and a wrapper can be driven by any world that provides these.
"""

from __future__ import annotations

from typing import Any, Iterable, Protocol, Sequence

from ..chain import Chain


class World(Protocol):
    """A running simulation, as the wrappers see it."""

    chain: Chain
    #: The e-CNY wallets (``token.Token``), deployed when the world opens.
    token: Any
    #: Prepaid-supervision and red-packet deployments, in deployment order: each registers itself here.
    prepaid: list[Any]
    campaigns: list[Any]

    @property
    def now(self) -> int: ...

    def addr(self, name: str) -> str: ...

    def at(self, when: int | str) -> int: ...

    def advance(self, *, days: float = 0, hours: float = 0, seconds: int = 0) -> int: ...

    def progress(self, items: Sequence[Any], description: str) -> Iterable[Any]: ...

    def deploy(self, artifact: str, deployer: str, *args: Any, label: str | None = None) -> Any: ...

    def send(self, actor: str, contract: Any, function: str, *args: Any, gas: int | None = None) -> Any: ...

    def seed_storage(self, label: str, writes: Sequence[tuple[int, int]],
                     events: Sequence[tuple[str, dict[str, Any]]], *, actor: str) -> Any: ...
