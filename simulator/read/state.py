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
    opened; ``institutions``, per prepaid contract's label, the institutions it approved."""
    token = _token_label(artifact_of)
    state: dict[str, Any] = {"token": {
        "total_supply": chain.call(token, "totalSupply"),
        "wallets": {w: [chain.call(token, "freeBalanceOf", w), chain.call(token, "balanceOf", w)]
                    for w in sorted(wallets)},
    }}
    prepaid, campaigns, subsidies = {}, {}, {}
    for label, art in artifact_of.items():
        if art in PREPAID_ARTIFACTS:
            approved = sorted(institutions.get(label, ()))
            prepaid[label] = {
                "orders": [plain(chain.call(label, "orderOf", i))
                           for i in range(1, chain.call(label, "orderCount") + 1)],
                "institutions": {i: [chain.call(label, "institutionStatusOf", i),
                                     chain.call(label, "supervisedBalanceOf", i)] for i in approved},
                "locked_fen": chain.call(token, "earmarkedTotalOf", chain.contract(label).address),
            }
        elif art in CAMPAIGN_ARTIFACTS:
            campaigns[label] = {"totals": plain(chain.call(label, "totals")), "swept": chain.call(label, "swept")}
        elif art in SUBSIDY_ARTIFACTS:
            subsidies[label] = _subsidy_state(chain, label, art)
    if prepaid:
        state["prepaid"] = prepaid
    if campaigns:
        state["campaigns"] = campaigns
    if subsidies:
        state["subsidies"] = subsidies
    return state


def _subsidy_state(chain: Any, label: str, artifact: str) -> dict[str, Any]:
    """Every record of a grant programme, conditional-payment or wage contract."""
    if artifact == "GrantProgramme":
        count = chain.call(label, "grantCount")
        return {"totals": plain(chain.call(label, "totals")),
                "grants": [[plain(chain.call(label, "grantOf", i)), plain(chain.call(label, "tranchesOf", i))]
                           for i in range(1, count + 1)]}
    if artifact == "ConditionalPayment":
        return {"payments": [plain(chain.call(label, "paymentOf", i))
                             for i in range(1, chain.call(label, "paymentCount") + 1)]}
    return {"payrolls": [plain(chain.call(label, "payrollOf", i))
                         for i in range(1, chain.call(label, "payrollCount") + 1)],
            "pending_fen": chain.call(label, "pendingWagesFen")}


def state_hash(state: dict[str, Any]) -> str:
    return "0x" + hashlib.sha256(canonical_json(state).encode()).hexdigest()
