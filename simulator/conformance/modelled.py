"""What the property state machines share: sending a transaction whose outcome the model predicted, a named
property failure, the settings a slow EVM needs, and catching a violation in a teeth test."""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant

from ..chain.clock import format_beijing
from .token_model import TIERS, Revert, deployed_once

#: In the default profile ("fast", tests/conftest.py) every example sends a few hundred EVM transactions and
#: reads the balances after each state change; these caps keep a machine to a few seconds there, so that
#: `make test` stays under six minutes on two cores. `make test-deep` ("deep": 1,000 sequences of 50 steps) is
#: where the machines search; run it before resolving a change to the contracts.
FAST_PROFILE_CAPS = {"max_examples": 8, "stateful_step_count": 20}


def machine_settings(**overrides) -> settings:
    """The active profile, with what a stateful test on a slow EVM needs."""
    caps = FAST_PROFILE_CAPS if os.environ.get("HYPOTHESIS_PROFILE", "fast") == "fast" else {}
    return settings(settings(), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    **{**caps, **overrides})


class PropertyViolated(AssertionError):
    """A property failed; `prop` names it (the message starts with it in brackets)."""

    def __init__(self, prop: str, msg: str) -> None:
        super().__init__(f"[{prop}] {msg}")
        self.prop, self.msg = prop, msg

    def __reduce__(self):
        return (type(self), (self.prop, self.msg))


def violation(machine, invariant_name: str) -> PropertyViolated:
    """The violation ``invariant_name`` raises on ``machine`` (a teeth test broke its state on purpose)."""
    try:
        getattr(machine, invariant_name)()
    except PropertyViolated as exc:
        return exc
    raise AssertionError(f"{invariant_name} did not notice")


class ModelledSends:
    """Mixin for a state machine on a family's deployed chain; ``check`` raises ``PropertyViolated`` and marks
    it failed. ``DEPLOY(VARIANT)`` sets the chain up (the family's ``_deploy``), once per process and bytecode;
    ``start`` reverts it."""

    #: the contract the machine drives (a developer's while their build is active)
    VARIANT = ""
    DEPLOY: Any = None
    failed = False
    _changes = 0  # successful transactions so far (a machine that caches views by it)

    @classmethod
    def prepare(cls) -> Any:
        """The deployed chain (deployed outside Hypothesis' timing: py-evm raises the recursion limit)."""
        return deployed_once(cls.VARIANT, None, lambda: cls.DEPLOY(cls.VARIANT))

    def start(self) -> Any:
        """A fresh example: the chain reverted to the snapshot taken after the set-up. Returns the base."""
        base = self.prepare()
        self.chain, self.token, self.contract = base.chain, base.token, base.contract
        self.chain.revert(base.snapshot)
        self.failed, self._changes = False, 0
        self._cache: tuple[int, dict] | None = None
        return base

    def check(self, prop: str, ok: bool, msg: str) -> None:
        if not ok:
            self.failed = True
            raise PropertyViolated(prop, msg)

    def check_events(self, r, expected: list[tuple[str, dict]], prop: str = "events_match_the_model") -> None:
        """The contract's events in `r` are the model's, in order."""
        got = [(e.name, e.args) for e in r.events if e.contract == self.contract.name]
        self.check(prop, got == expected, f"{self.contract.name} events {got} != model {expected}")

    @staticmethod
    def pick_id(pick: int, ids: list[int], preferred: list[int]) -> int:
        """An id: from `preferred` when there are any, else from `ids`; now and then an unknown one (0 or
        past the end)."""
        n = len(ids)
        if n == 0 or pick % 16 == 15:
            return 0 if pick % 2 else n + 1
        pool = preferred or ids
        return pool[pick % len(pool)]

    @property
    def now(self) -> int:
        return self.chain.now

    def send(self, actor: str, contract, fn: str, *args, expect: str | None):
        """Send a transaction; it must succeed (expect None) or revert with exactly the error `expect`."""
        ts = self.now
        r = self.chain.send(actor, contract, fn, *args, allow_revert=True)
        self._changes += r.status == 1
        got = None if r.status == 1 else r.error.name
        outcome = "success" if r.status == 1 else str(r.error)
        self.check(
            "reverts_match_the_model",
            got == expect and r.timestamp == ts,
            f"{contract.name}.{fn}{tuple(args)!r} from {actor} at {format_beijing(ts)}: "
            f"model expects {expect or 'success'}, chain gives {outcome}",
        )
        return r

    def attempt(self, action: str, *args):
        """Runs model action `action` on a copy of ``self.m``: (the predicted revert, None, None) or (None,
        what it returned, the model afterwards)."""
        m = copy.deepcopy(self.m)
        try:
            out = getattr(m, action)(*args)
        except Revert as exc:
            return exc, None, None
        return None, out, m

    def expect_outcome(self, r, ts: int, what: str, exc: Revert | None) -> None:
        """The transaction's outcome (success, or the custom error and its arguments where the model names
        them) is the model's."""
        expect = exc.name if exc else None
        got = None if r.status == 1 else r.error.name
        outcome = "success" if r.status == 1 else str(r.error)
        self.check("reverts_match_the_model", got == expect and r.timestamp == ts,
                   f"{what} at {format_beijing(ts)}: model expects {expect or 'success'}, chain gives {outcome}")
        if exc is not None and exc.error_args:
            self.check("reverts_match_the_model", r.error.args == exc.error_args,
                       f"{what}: {r.error.name}{r.error.args} != model {exc.error_args}")

    @staticmethod
    def with_repeats(ids: list[int], repeats) -> list[int]:
        """`ids` with members repeated: (which member, where) pairs."""
        ids = list(ids)
        for which, where in repeats:
            if ids:
                ids.insert(where % (len(ids) + 1), ids[which % len(ids)])
        return ids


class WalletTiers:
    """The tier invariant, for a machine whose ``views()`` has each wallet's ``balance`` and whose model keeps
    each wallet's tier id: ``TIER_WALLETS`` names the wallets."""

    TIER_WALLETS: tuple[str, ...] = ()

    @invariant()
    def invariant_EveryWalletRespectsItsTier(self):
        """No wallet holds more than its tier's balance cap (the model's tier)."""
        v = self.views()
        for name in self.TIER_WALLETS:
            cap = TIERS[self.m.wallets[name].tier].balance_cap_fen
            self.check("EveryWalletRespectsItsTier", not cap or v["balance"][name] <= cap,
                       f"{name} holds {v['balance'][name]}, over its cap {cap}")


def run_case(machine: type, case) -> None:
    """Runs a fixed sequence `case(m)` on a fresh `machine` (its base chain reverted to the snapshot), then
    every invariant whose preconditions hold and the teardown's checks; raises ``PropertyViolated`` where the
    contract and the model part."""
    m = machine()
    case(m)
    for inv in sorted(m.invariants, key=lambda inv: inv.function.__name__):
        if all(holds(m) for holds in inv.preconditions):
            inv.function(m)
    m.teardown()
