"""What the property state machines share: sending a transaction whose outcome the model predicted."""

from __future__ import annotations

from ecny_sim.clock import format_beijing


class ModelledSends:
    """Mixin for a state machine with ``chain`` and ``check(prop, ok, msg)``."""

    @property
    def now(self) -> int:
        return self.chain.now

    def send(self, actor: str, contract, fn: str, *args, expect: str | None):
        """Send a transaction; it must succeed (expect None) or revert with exactly the error `expect`."""
        ts = self.now
        r = self.chain.send(actor, contract, fn, *args, allow_revert=True)
        got = None if r.status == 1 else r.error.name
        outcome = "success" if r.status == 1 else str(r.error)
        self.check(
            "reverts_match_the_model",
            got == expect and r.timestamp == ts,
            f"{contract.name}.{fn}{tuple(args)!r} from {actor} at {format_beijing(ts)}: "
            f"model expects {expect or 'success'}, chain gives {outcome}",
        )
        return r
