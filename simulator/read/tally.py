"""What the summary needs from a run's events, folded as the transactions happen.

The summary's totals are sums of event arguments, its invariants compare them with what the chain holds at
the end, and the state hash needs to know which wallets were opened and which institutions approved.
``Tally`` keeps exactly that, as running sums and small indices, so that nothing has to hold the run's
events: its memory grows with the contracts' own state (wallets, parents, merchants, payees, pay-run
entries), not with the number of transactions. ``ecny_sim.pilot`` attaches one to every simulation before
the first deployment (``sim.tally``); ``Tally.of`` folds events given as a list (a test that tampers with
one).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from ..run.engine import Simulation

#: Sums kept per value of some arguments: event name -> (the arguments grouped by, the argument summed; None
#: counts the events). The keys seen are the index: the wallets opened, institutions approved, merchants paid.
GROUPED: dict[str, tuple[tuple[str, ...], str | None]] = {
    "WalletOpened": (("wallet",), None),
    "InstitutionApproved": (("institution",), None),
    "OrderPlaced": (("parent",), "feeFen"),
    "OrderCancelled": (("parent",), "refundFen"),
    "OrderRefunded": (("parent",), "refundFen"),
    "DisputeResolved": (("releasedToInstitution",), "amountFen"),
    "PurchasePaid": (("merchant",), None),
}

#: The token's earmark events under a subsidy contract, summed per these arguments (the token's own account
#: of what moved, which the summary checks the contract's account against).
MOVES: dict[str, tuple[str, ...]] = {
    "Earmarked": (), "EarmarkReturned": (), "EarmarkReleased": ("payee",), "EarmarkMoved": ("from", "to"),
}
CONTROLLERS = frozenset({"GrantProgramme", "ConditionalPayment", "WagePassThrough"})

NOTHING: frozenset[str] = frozenset()
#: The arguments each event this tally indexes must have (a user's contract may emit one of the same name).
NEEDS: dict[str, frozenset[str]] = {
    **{name: frozenset(by + ((summed,) if summed else ())) for name, (by, summed) in GROUPED.items()},
    **{name: frozenset(("controller", "amountFen", *by)) for name, by in MOVES.items()},
    "EarmarkReleased": frozenset(("controller", "amountFen", "payee", "wallet")),
    "PayeeRegistered": frozenset(("payee", "purpose")), "PayeeRemoved": frozenset(("payee",)),
    "WageAssigned": frozenset(("payrollId", "worker", "amountFen")), "WagePaid": frozenset(("payrollId", "worker")),
}


class Tally:
    """Running sums and indices over a simulation's decoded events (anything with ``contract`` (label),
    ``name`` and ``args``), in the order they happened."""

    def __init__(self, sim: Simulation | None = None):
        self.sim = sim  # attached: where contract labels and artifacts are looked up
        self._sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._grouped: dict[tuple[str, str], dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
        self._moves: dict[str, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
        self._artifact_at: dict[str, str | None] = {}  # controller address -> artifact (None: not a contract)
        self._purposes: dict[str, dict[str, int]] = defaultdict(dict)  # registry label -> payee -> purpose
        self._releases: dict[str, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
        self._assigned: dict[str, dict[tuple[int, str], int]] = defaultdict(dict)
        self._listed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    @classmethod
    def of(cls, sim: Simulation, events: Iterable[Any]) -> Tally:
        tally = cls(sim)
        for ev in events:
            tally.add(ev)
        return tally

    def attach(self, sim: Simulation) -> Tally:
        """As an observer: folds every transaction's events from now on, and the events seeded state stands for
        (wallets written into the token without transactions); the simulation's ``tally``."""
        self.sim = sim
        sim.tally = self
        sim.chain.on_transaction.append(self.on_transaction)
        sim.on_seed.append(self.on_seed)
        return self

    def on_transaction(self, record: Any) -> None:
        for ev in record.result.events:
            self.add(ev)

    def on_seed(self, record: Any) -> None:
        for ev in record.events:
            self.add(ev)

    def add(self, ev: Any) -> None:
        label, name, args = ev.contract, ev.name, ev.args
        sums = self._sums[label]
        sums[name + ".count"] += 1
        for arg, value in args.items():
            if type(value) is int:  # not bool
                sums[name + "." + arg] += value
        if not args.keys() >= NEEDS.get(name, NOTHING):  # another contract's event of the same name: not ours
            return
        group = GROUPED.get(name)
        if group is not None:
            by, summed = group
            self._grouped[(label, name)][tuple(args[a] for a in by)] += 1 if summed is None else args[summed]
        if name in MOVES and self.sim.artifact_of.get(label) == "ECNY":
            self._token_move(name, args)
        elif name == "PayeeRegistered":
            self._purposes[label][args["payee"]] = args["purpose"]
        elif name == "PayeeRemoved":
            self._purposes[label].pop(args["payee"], None)
        elif name == "WageAssigned":
            self._assigned[label][(args["payrollId"], args["worker"])] = args["amountFen"]
        elif name == "WagePaid":
            self._listed[label][args["worker"]] += self._assigned[label].get((args["payrollId"], args["worker"]), 0)

    def _token_move(self, name: str, args: dict[str, Any]) -> None:
        controller = args["controller"]
        if controller not in self._artifact_at:
            contract = self.sim.chain.lookup(controller)
            self._artifact_at[controller] = self.sim.artifact_of.get(contract) if contract else None
        artifact = self._artifact_at[controller]
        if artifact not in CONTROLLERS:
            return
        self._moves[controller][(name, *(args[a] for a in MOVES[name]))] += args["amountFen"]
        if name == "EarmarkReleased" and artifact == "GrantProgramme":
            # The payee's purpose in every payee registry as it stood at this moment.
            payee = args["payee"]
            codes = frozenset((registry, p[payee]) for registry, p in self._purposes.items() if payee in p)
            self._releases[controller][(args["wallet"], codes)] += args["amountFen"]

    # ------------------------------------------------------------------ reading
    def sums(self, labels: Iterable[str]) -> dict[str, int]:
        """Counts (``"<event>.count"``) and argument sums (``"<event>.<arg>"``) of the events of ``labels``'s
        contracts, added up; a key nothing added to reads 0."""
        total: dict[str, int] = defaultdict(int)
        for label in labels:
            for key, value in self._sums.get(label, {}).items():
                total[key] += value
        return total

    def grouped(self, label: str, name: str) -> dict[tuple, int]:
        """``label``'s ``name`` events, summed (or counted) per value of the arguments ``GROUPED`` names."""
        return self._grouped.get((label, name), {})

    def keys(self, label: str, name: str, arg: str) -> set[Any]:
        """The values of ``arg`` in ``label``'s ``name`` events (an argument ``GROUPED`` groups by)."""
        position = GROUPED[name][0].index(arg)
        return {key[position] for key in self.grouped(label, name)}

    def moves(self, controller: str) -> dict[tuple, int]:
        """The token's earmark events under ``controller`` (a subsidy contract's address), summed per
        ``(event name, *the arguments MOVES names)``."""
        return self._moves.get(controller, {})

    def releases(self, controller: str) -> dict[tuple[str, frozenset], int]:
        """Grant money the token released under ``controller``, per (wallet, the payee's purposes at the time
        as ``{(registry label, purpose)}``)."""
        return self._releases.get(controller, {})

    def listed_wages(self, label: str) -> dict[str, int]:
        """Per worker, the listed wages of the pay-run entries ``label`` marked paid."""
        return self._listed.get(label, {})
