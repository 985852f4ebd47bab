"""The contracts' observable state at the end of a run, and its hash: what equal runs must agree on.

Computed from the chain and the run's decoded events alone (which contracts were deployed from which
artifact, which wallets were opened, which institutions approved), so a replay computes it the same way
without the scenario's source.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Mapping

from ..run.journal import canonical_json

PREPAID_ARTIFACTS = frozenset({"PrepaidEscrow", "BrokenRefundEscrow", "UpfrontPrepaid"})
CAMPAIGN_ARTIFACTS = frozenset({"RedPacketCampaign"})
SUBSIDY_ARTIFACTS = frozenset({"GrantProgramme", "ConditionalPayment", "WagePassThrough"})


def plain(value: Any) -> Any:
    """View-call results (tuples, named tuples, bytes) as JSON-able lists and dicts."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


#: The events the observable state is found from (which wallets, which institutions): a reader keeps only these.
STATE_EVENTS = frozenset({"WalletOpened", "InstitutionApproved"})


def observable_state(chain: Any, artifact_of: Mapping[str, str], events: Iterable[Any]) -> dict[str, Any]:
    """``artifact_of``: deployment label -> artifact name; ``events``: objects with ``.contract`` (label),
    ``.name`` and ``.args``, in order (read once, not held)."""
    token = _token_label(artifact_of)
    wallets: set[str] = set()
    institutions: dict[str, set[str]] = {label: set() for label, art in artifact_of.items()
                                         if art in PREPAID_ARTIFACTS}
    for e in events:
        if e.name == "WalletOpened" and e.contract == token:
            wallets.add(e.args["wallet"])
        elif e.name == "InstitutionApproved" and e.contract in institutions:
            institutions[e.contract].add(e.args["institution"])
    return read_state(chain, artifact_of, wallets, institutions)


def _token_label(artifact_of: Mapping[str, str]) -> str:
    return next(label for label, art in artifact_of.items() if art == "ECNY")


def read_state(chain: Any, artifact_of: Mapping[str, str], wallets: Iterable[str],
               institutions: Mapping[str, Iterable[str]]) -> dict[str, Any]:
    """The observable state, read from the chain: ``wallets``, the addresses of the wallets the token
    opened; ``institutions``, per prepaid contract's label, the institutions it approved. The reads go to
    the chain in two rounds (the counts, then every record), each in one ``call_many``."""
    token = _token_label(artifact_of)
    counted = {label: _COUNTS[art] for label, art in artifact_of.items() if art in _COUNTS}
    first = chain.call_many([(token, "totalSupply", ()), *((label, fn, ()) for label, fn in counted.items())])
    supply, count_of = first[0], dict(zip(counted, first[1:]))

    reads = _Reads()
    wallets = sorted(wallets)
    held = [(reads.add(token, "freeBalanceOf", w), reads.add(token, "balanceOf", w)) for w in wallets]
    parts: dict[str, tuple[str, Any]] = {}  # label -> (where it goes, what to fill in once read)
    for label, art in artifact_of.items():
        if art in PREPAID_ARTIFACTS:
            approved = sorted(institutions.get(label, ()))
            parts[label] = ("prepaid", {
                "orders": [reads.add(label, "orderOf", i) for i in range(1, count_of[label] + 1)],
                "institutions": {i: [reads.add(label, "institutionStatusOf", i),
                                     reads.add(label, "supervisedBalanceOf", i)] for i in approved},
                "locked_fen": reads.add(token, "earmarkedTotalOf", chain.contract(label).address),
            })
        elif art in CAMPAIGN_ARTIFACTS:
            parts[label] = ("campaigns", {"totals": reads.add(label, "totals"), "swept": reads.add(label, "swept")})
        elif art == "GrantProgramme":
            parts[label] = ("subsidies", {"totals": reads.add(label, "totals"), "grants": [
                [reads.add(label, "grantOf", i), reads.add(label, "tranchesOf", i)]
                for i in range(1, count_of[label] + 1)]})
        elif art == "ConditionalPayment":
            parts[label] = ("subsidies", {"payments": [reads.add(label, "paymentOf", i)
                                                       for i in range(1, count_of[label] + 1)]})
        elif art in SUBSIDY_ARTIFACTS:
            parts[label] = ("subsidies", {"payrolls": [reads.add(label, "payrollOf", i)
                                                       for i in range(1, count_of[label] + 1)],
                                          "pending_fen": reads.add(label, "pendingWagesFen")})
    values = chain.call_many(reads.calls)

    def fill(shape: Any) -> Any:  # read indexes -> the values read, in the shape they were asked in
        if isinstance(shape, dict):
            return {k: fill(v) for k, v in shape.items()}
        if isinstance(shape, list):
            return [fill(v) for v in shape]
        return plain(values[shape])

    state: dict[str, Any] = {"token": {
        "total_supply": supply,
        "wallets": {w: [values[free], values[balance]] for w, (free, balance) in zip(wallets, held)},
    }}
    for label, (where, shape) in parts.items():
        state.setdefault(where, {})[label] = fill(shape)
    return state


#: Artifact -> the view that says how many records it holds (numbered from 1).
_COUNTS = {**{art: "orderCount" for art in PREPAID_ARTIFACTS}, "GrantProgramme": "grantCount",
           "ConditionalPayment": "paymentCount", "WagePassThrough": "payrollCount"}


class _Reads:
    """View calls queued for one ``call_many``; ``add`` gives each its index in the answers."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, tuple[Any, ...]]] = []

    def add(self, label: str, function: str, *args: Any) -> int:
        self.calls.append((label, function, args))
        return len(self.calls) - 1


def state_hash(state: dict[str, Any]) -> str:
    return "0x" + hashlib.sha256(canonical_json(state).encode()).hexdigest()
