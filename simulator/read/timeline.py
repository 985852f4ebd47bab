"""Money over time, read back from a run's journal: what the money was doing after each transaction.

    run = read_journal("runs/edu_abscond-seed1")
    tl = build_timeline(run, names=summary["balances_fen"])     # names: actors that never sent a transaction
    tl.points[-1].locked, tl.points[-1].released, tl.balances["parent:esc-001"]

Everything comes from the decoded events in the journal's transaction lines; nothing is recomputed from
the scenario's parameters. After each transaction line (its block time) the running totals are:

- ``locked``: money earmarked under a supervision contract, a red-packet campaign, a grant programme, a
  conditional payment or a wage contract, in whoever's wallet;
- ``released``: paid out of an earmark to an institution, a merchant or another payee (lesson fees,
  purchases, a deposit handed back to its school, grant money paid to a registered payee, a conditional
  payment released, wages paid to a worker), counted since the start;
- ``refunded``: paid back to the parent, buyer or payer it came from;
- ``returned``: swept or returned to a funder (a campaign's expiry sweep, expired packet refunds,
  packets returned when a wallet closes, budget a grant department takes back, wages sent back to the
  main contractor).

Per actor and per actor group (the name's prefix before ':', e.g. ``parent``) the wallet balances
(free money plus earmarks, as ``ECNY.balanceOf`` counts them) follow the token's events: Issued, Redeemed,
Transfer, Earmarked, EarmarkReleased, EarmarksReleased, EarmarkReturned, EarmarkMoved, AllEarmarksEnded,
WalletClosed. ``EarmarksReleased`` names no wallets, so its per-wallet amounts come from the
``LessonsReleased`` events the same contract emitted in the same transaction.

Addresses become names by re-deriving every actor's address from the journal's seed: the actors that sent
transactions, plus ``names`` (e.g. summary.json's ``balances_fen``: merchants that only ever receive);
contracts by their deployer and nonce. An address nobody can name keeps its hex form, in group ``other``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import rlp
from eth_utils import keccak, to_checksum_address

from ..chain.actors import Actors
from ..domain.explain import format_args
from ..run.journal_reader import JournalRun, read_journal
from ..run.scenario import BadInput

#: The running totals of money by what it is doing, in the order charts and tables show them.
FLOWS = ("locked", "released", "refunded", "returned")

PREPAID_ARTIFACTS = frozenset({"PrepaidEscrow", "BrokenRefundEscrow", "UpfrontPrepaid"})
CAMPAIGN_ARTIFACTS = frozenset({"RedPacketCampaign"})
WAGE_ARTIFACTS = frozenset({"WagePassThrough"})
#: Controllers whose releases always go to a payee (grant money spent, a conditional payment released, wages
#: paid) and whose returns go back to the payer, or to a funder (budget taken back, wages sent back).
SUBSIDY_ARTIFACTS = frozenset({"GrantProgramme", "ConditionalPayment", "WagePassThrough"})
OTHER = "other"
#: The engine's fixed roles, named even in a run where they send nothing.
KNOWN_ROLES = ("bank", "regulator", "bureau:commerce")


def _same_or_copy(now: dict[str, int], before: dict[str, int] | None) -> dict[str, int]:
    """``before`` itself when ``now`` holds the same, else a copy of ``now``."""
    return before if before is not None and before == now else dict(now)


def group_of(name: str) -> str:
    """``parent:alice`` -> ``parent``; a bare role is its own group; a hex address is ``other``."""
    if name.startswith("0x"):
        return OTHER
    return name.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Point:
    """The state after one transaction line. Its two dicts are shared with the point before when nothing in
    them changed (a city's run has tens of thousands of points): read them, never change them."""

    line: int
    block: int
    time: int
    locked: int
    released: int
    refunded: int
    returned: int
    issued: int
    redeemed: int
    balance_by_group: dict[str, int]
    locked_by_group: dict[str, int]

    def flow(self, kind: str) -> int:
        return getattr(self, kind)


@dataclass
class InstitutionRow:
    """One institution under one supervision contract."""

    contract: str  # deployment label, e.g. "escrow"
    artifact: str
    institution: str
    status: str = "Approved"
    courses: int = 0
    orders: int = 0
    lessons_bought: int = 0
    lessons_released: int = 0  # escrow: paid to the institution lesson by lesson
    lessons_delivered: int = 0  # upfront models: recorded as delivered (paid at enrolment)
    paid_in_fen: int = 0
    released_fen: int = 0
    refunded_fen: int = 0
    deposit_locked_fen: int = 0
    deposit_released_fen: int = 0
    deposit_shared_fen: int = 0
    cancellations: int = 0
    disputes: int = 0

    @property
    def escrow(self) -> bool:
        return self.artifact != "UpfrontPrepaid"

    @property
    def locked_fen(self) -> int:
        """Still supervised: unconsumed fees in escrow, or the deposit still held."""
        if self.escrow:
            return self.paid_in_fen - self.released_fen - self.refunded_fen
        return self.deposit_locked_fen - self.deposit_released_fen - self.deposit_shared_fen


@dataclass
class CampaignRow:
    contract: str
    funder: str
    start: int | None = None
    expiry: int | None = None
    funded_fen: int = 0
    claims: int = 0
    claimed_fen: int = 0
    payments: int = 0
    merchants: int = 0
    spent_from_packets_fen: int = 0
    own_money_spent_fen: int = 0
    refunded_to_buyers_fen: int = 0
    packet_refunded_to_buyers_fen: int = 0
    packet_to_funder_fen: int = 0
    returned_on_close_fen: int = 0
    swept_fen: int = 0
    swept_unclaimed_fen: int = 0
    swept_unspent_fen: int = 0
    swept: bool = False

    @property
    def returned_to_funder_fen(self) -> int:
        return self.swept_fen + self.packet_to_funder_fen + self.returned_on_close_fen

    @property
    def with_merchants_fen(self) -> int:
        """Packet money merchants kept (purchases less refunds)."""
        return self.spent_from_packets_fen - self.packet_refunded_to_buyers_fen - self.packet_to_funder_fen

    @property
    def unspent_fen(self) -> int:
        """Packet money still in packets or the unclaimed budget."""
        return self.funded_fen - self.with_merchants_fen - self.returned_to_funder_fen


@dataclass
class Refusal:
    """A transaction that reverted (expected by the scenario or not)."""

    line: int
    time: int
    actor: str
    contract: str
    function: str
    error: str  # the decoded error's name
    text: str  # the decoded error with its arguments, addresses named


@dataclass
class Timeline:
    scenario: str
    seed: Any
    complete: bool
    points: list[Point]
    #: (line, time, actor, balance after the line), one row per actor whose balance changed on that line
    balance_changes: list[tuple[int, int, str, int]]
    balances: dict[str, int]  # final, per actor with a wallet (or named in ``names``)
    groups: list[str]  # groups holding money at some point, in order of first appearance
    names: dict[str, str]  # lower-case address -> actor or contract name
    contracts: dict[str, str]  # deployment label -> artifact
    institutions: list[InstitutionRow]
    campaigns: list[CampaignRow]
    refusals: list[Refusal]
    unattributed_fen: int = 0  # EarmarksReleased money no LessonsReleased event accounted for (should be 0)

    def name_of(self, address: str) -> str:
        return self.names.get(str(address).lower(), str(address))

    @property
    def start(self) -> int | None:
        return self.points[0].time if self.points else None

    @property
    def end(self) -> int | None:
        return self.points[-1].time if self.points else None

    def final(self, kind: str) -> int:
        return self.points[-1].flow(kind) if self.points else 0

    def balances_at(self, line: int) -> dict[str, int]:
        """Per-actor balances after journal line ``line``."""
        out = {name: 0 for name in self.balances}
        for at, _, actor, balance in self.balance_changes:
            if at > line:
                break
            out[actor] = balance
        return out


def contract_address(deployer: str, nonce: int) -> str:
    """The address a contract created by ``deployer``'s transaction number ``nonce`` gets."""
    raw = keccak(rlp.encode([bytes.fromhex(deployer[2:]), nonce]))[12:]
    return to_checksum_address(raw)


def _name_map(run: JournalRun, names: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    actors = Actors(run.header.get("seed", 0))
    out: dict[str, str] = {}
    contracts: dict[str, str] = {}
    nonces: dict[str, int] = defaultdict(int)
    for tx in run.txs:  # transactions only: seeded state takes no nonce
        actor = tx["actor"]
        address = actors.address_of(actor)
        out.setdefault(address.lower(), actor)
        if tx.get("function") == "constructor" and tx.get("status") == 1:
            out[contract_address(address, nonces[actor]).lower()] = tx["contract"]
            contracts[tx["contract"]] = tx.get("artifact") or tx["contract"]
        nonces[actor] += 1
    for name in (*names, *KNOWN_ROLES):
        try:
            out.setdefault(actors.address_of(name).lower(), name)
        except ValueError:  # not an actor name
            continue
    return out, contracts


def open_run(run_dir: str | Path) -> tuple[JournalRun, dict[str, Any] | None, Timeline]:
    """A finished (or killed) run's journal, its summary.json if any, and its timeline (actor names taken
    from the summary's balances). A missing directory, a bad journal, a journal changed after the run or a
    summary that is not its own is `BadInput`."""
    path = Path(run_dir)
    if not path.exists():
        raise BadInput(f"no run directory at {path}")
    run = read_journal(path)
    summary = run.summary()
    run.check_intact(summary=summary)
    return run, summary, build_timeline(run, names=((summary or {}).get("balances_fen") or {}).keys())


def read_timeline(run_dir: str | Path) -> Timeline:
    """The timeline of the run in ``run_dir`` (its journal, plus summary.json's actor names if present)."""
    return open_run(run_dir)[2]


def build_timeline(run: JournalRun, names: Iterable[str] = ()) -> Timeline:
    """Replays the journal's decoded events into running totals and balances (see the module docstring)."""
    names = list(names)
    name_of_addr, contracts = _name_map(run, names)
    steps = run.steps  # transactions and seeded state, in journal order

    def name(address: str) -> str:
        return name_of_addr.get(str(address).lower(), str(address))

    token_labels = {label for label, art in contracts.items() if art == "ECNY"} or {"ECNY"}
    # First pass: who is who. Roles do not change during a run.
    payers: set[str] = set()  # parents, buyers, winners: money coming back to them is a refund
    funders: set[str] = set()
    for tx in steps:
        if (tx.get("function") == "constructor" and tx.get("status") == 1
                and contracts.get(tx["contract"]) in WAGE_ARTIFACTS and len(tx.get("args") or []) >= 2):
            funders.add(name(tx["args"][1]))  # the main contractor: wages sent back go to it
        for ev in tx.get("events") or ():
            a = ev["args"]
            if ev["name"] == "OrderPlaced":
                payers.add(name(a["parent"]))
            elif ev["name"] == "ProgrammeFunded":  # budget taken back returns to the department
                funders.add(name(a["department"]))
            elif ev["name"] == "PurchasePaid":
                payers.add(name(a["buyer"]))
            elif ev["name"] == "PacketClaimed":
                payers.add(name(a["winner"]))
            elif ev["name"] == "CampaignFunded":
                funders.add(name(a["funder"]))

    subsidy_controllers = {label for label, art in contracts.items() if art in SUBSIDY_ARTIFACTS}

    def kind_of(destination: str, controller: str | None = None, returned: bool = False) -> str:
        if controller in subsidy_controllers:
            return "returned" if destination in funders else ("refunded" if returned else "released")
        if destination in funders:
            return "returned"
        if destination in payers:
            return "refunded"
        return "released"

    free: dict[str, int] = defaultdict(int)
    earmarks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # controller -> wallet -> fen
    balance: dict[str, int] = {n: 0 for n in names}
    group_balance: dict[str, int] = defaultdict(int)
    group_locked: dict[str, int] = defaultdict(int)
    groups: list[str] = []
    totals = dict.fromkeys(("locked", "released", "refunded", "returned", "issued", "redeemed"), 0)
    points: list[Point] = []
    changes: list[tuple[int, int, str, int]] = []
    unattributed = 0
    last: dict[str, int] = {}  # balance last recorded in ``changes``

    # Prepaid and campaign bookkeeping for the tables.
    orders: dict[tuple[str, int], tuple[str, str]] = {}  # (label, order id) -> (parent, institution)
    courses: dict[tuple[str, int], str] = {}  # (label, course id) -> institution
    rows: dict[tuple[str, str], InstitutionRow] = {}
    campaigns: dict[str, CampaignRow] = {}
    campaign_merchants: dict[str, set[str]] = defaultdict(set)
    refusals: list[Refusal] = []
    for tx in steps:
        label = tx["contract"]
        art = contracts.get(label, tx.get("artifact") or label)
        if tx.get("function") == "constructor" and art in CAMPAIGN_ARTIFACTS and tx.get("status") == 1:
            args = tx.get("args") or []
            terms = next((x for x in args if isinstance(x, dict) and "expiry" in x), {})
            funder = name(args[2]) if len(args) > 2 and isinstance(args[2], str) else "?"
            campaigns[label] = CampaignRow(label, funder, terms.get("start"), terms.get("expiry"))

    def row(label: str, institution: str) -> InstitutionRow:
        key = (label, institution)
        if key not in rows:
            rows[key] = InstitutionRow(label, contracts.get(label, label), institution)
        return rows[key]

    for tx in steps:
        touched: dict[str, None] = {}
        events = tx.get("events") or ()
        line, t = tx["line"], tx["timestamp"]

        def add(who: str, amount: int, *, locked: bool) -> None:
            balance[who] = balance.get(who, 0) + amount
            g = group_of(who)
            if g not in group_balance and g not in groups:
                groups.append(g)
            group_balance[g] += amount
            if locked:
                group_locked[g] += amount
            touched[who] = None

        # Per-wallet amounts of this transaction's batched releases, by controller label.
        released_orders: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for ev in events:
            if ev["name"] == "LessonsReleased":
                parent = orders.get((ev["contract"], ev["args"]["orderId"]), ("?", "?"))[0]
                released_orders[ev["contract"]].append((parent, ev["args"]["amountFen"]))

        for ev in events:
            a, n, c = ev["args"], ev["name"], ev["contract"]
            if c in token_labels:
                if n == "Issued":
                    w = name(a["wallet"])
                    free[w] += a["amountFen"]
                    totals["issued"] += a["amountFen"]
                    add(w, a["amountFen"], locked=False)
                elif n == "Redeemed":
                    w = name(a["wallet"])
                    free[w] -= a["amountFen"]
                    totals["redeemed"] += a["amountFen"]
                    add(w, -a["amountFen"], locked=False)
                elif n == "WalletClosed":
                    w = name(a["wallet"])
                    totals["redeemed"] += a["redeemedFen"]
                    free[w] -= a["redeemedFen"]
                    add(w, -a["redeemedFen"], locked=False)
                elif n == "Transfer":
                    f, to = name(a["from"]), name(a["to"])
                    free[f] -= a["amountFen"]
                    free[to] += a["amountFen"]
                    add(f, -a["amountFen"], locked=False)
                    add(to, a["amountFen"], locked=False)
                elif n == "Earmarked":
                    w, ctl = name(a["wallet"]), name(a["controller"])
                    free[w] -= a["amountFen"]
                    earmarks[ctl][w] += a["amountFen"]
                    totals["locked"] += a["amountFen"]
                    group_locked[group_of(w)] += a["amountFen"]
                    touched[w] = None
                elif n == "EarmarkReleased":
                    w, ctl, payee = name(a["wallet"]), name(a["controller"]), name(a["payee"])
                    amount = a["amountFen"]
                    earmarks[ctl][w] -= amount
                    totals["locked"] -= amount
                    totals[kind_of(payee, ctl)] += amount
                    add(w, -amount, locked=True)
                    free[payee] += amount
                    add(payee, amount, locked=False)
                elif n == "EarmarksReleased":
                    ctl, payee, amount = name(a["controller"]), name(a["payee"]), a["amountFen"]
                    parts = released_orders.pop(ctl, [])
                    for parent, part in parts:
                        earmarks[ctl][parent] -= part
                        add(parent, -part, locked=True)
                    unattributed += amount - sum(p for _, p in parts)
                    totals["locked"] -= amount
                    totals[kind_of(payee)] += amount
                    free[payee] += amount
                    add(payee, amount, locked=False)
                elif n == "EarmarkReturned":
                    w, ctl = name(a["wallet"]), name(a["controller"])
                    earmarks[ctl][w] -= a["amountFen"]
                    free[w] += a["amountFen"]
                    totals["locked"] -= a["amountFen"]
                    totals[kind_of(w, ctl, returned=True)] += a["amountFen"]
                    group_locked[group_of(w)] -= a["amountFen"]
                    touched[w] = None
                elif n == "EarmarkMoved":
                    f, to, ctl = name(a["from"]), name(a["to"]), name(a["controller"])
                    earmarks[ctl][f] -= a["amountFen"]
                    earmarks[ctl][to] += a["amountFen"]
                    add(f, -a["amountFen"], locked=True)
                    add(to, a["amountFen"], locked=True)
                elif n == "AllEarmarksEnded":
                    ctl, to = name(a["controller"]), name(a["to"])
                    for w, amount in earmarks.pop(ctl, {}).items():
                        if amount:
                            add(w, -amount, locked=True)
                    totals["locked"] -= a["amountFen"]
                    totals[kind_of(to)] += a["amountFen"]
                    free[to] += a["amountFen"]
                    add(to, a["amountFen"], locked=False)
                continue
            art = contracts.get(c, "")
            if art in PREPAID_ARTIFACTS:
                _prepaid_event(n, a, c, name, row, orders, courses)
            elif art in CAMPAIGN_ARTIFACTS and c in campaigns:
                _campaign_event(n, a, campaigns[c], campaign_merchants[c], name)

        if tx.get("status") == 0:
            err = tx.get("error") or {}
            error = err.get("name") or err.get("kind") or "reverted"
            text = (f"{error}({format_args(err['args'], lambda x: name_of_addr.get(x.lower()))})"
                    if err.get("name") and isinstance(err.get("args"), dict)
                    else _name_addresses(err.get("text") or error, name))
            refusals.append(Refusal(line, t, tx["actor"], tx["contract"], tx["function"], error, text))
        for who in touched:
            if balance[who] != last.get(who, 0):
                changes.append((line, t, who, balance[who]))
                last[who] = balance[who]
        before = points[-1] if points else None
        points.append(Point(line, tx["block"], t, totals["locked"], totals["released"], totals["refunded"],
                            totals["returned"], totals["issued"], totals["redeemed"],
                            _same_or_copy(group_balance, before and before.balance_by_group),
                            _same_or_copy(group_locked, before and before.locked_by_group)))

    for label, row_ in campaigns.items():
        row_.merchants = len(campaign_merchants[label])
    return Timeline(
        scenario=run.header.get("scenario", "?"),
        seed=run.header.get("seed"),
        complete=run.complete,
        points=points,
        balance_changes=changes,
        balances=dict(balance),
        groups=groups,
        names=name_of_addr,
        contracts=contracts,
        institutions=list(rows.values()),
        campaigns=list(campaigns.values()),
        refusals=refusals,
        unattributed_fen=unattributed,
    )


def _prepaid_event(n: str, a: dict, label: str, name, row, orders: dict, courses: dict) -> None:
    if n == "InstitutionApproved":
        row(label, name(a["institution"]))
    elif n == "InstitutionFrozen":
        row(label, name(a["institution"])).status = "Frozen"
    elif n == "ClosureAnnounced":
        row(label, name(a["institution"])).status = "Closing"
    elif n == "CoursePublished":
        school = name(a["institution"])
        courses[(label, a["courseId"])] = school
        row(label, school).courses += 1
    elif n == "OrderPlaced":
        school = courses.get((label, a["courseId"]), "?")
        orders[(label, a["orderId"])] = (name(a["parent"]), school)
        r = row(label, school)
        r.orders += 1
        r.lessons_bought += a["lessons"]
        r.paid_in_fen += a["feeFen"]
        if not r.escrow:  # the fee less the deposit reaches the institution at enrolment
            r.released_fen += a["feeFen"]
    else:
        school = orders.get((label, a.get("orderId")), ("?", None))[1]
        if school is None:
            return
        r = row(label, school)
        if n == "LessonsReleased":
            r.released_fen += a["amountFen"]
            r.lessons_released += a["lessons"]
        elif n == "LessonDelivered":
            r.lessons_delivered += 1
        elif n == "DisputeResolved":
            r.disputes += 1
            if a["releasedToInstitution"]:
                r.released_fen += a["amountFen"]
                r.lessons_released += a["lessons"]
            else:
                r.refunded_fen += a["amountFen"]
        elif n in ("OrderCancelled", "OrderRefunded"):
            r.refunded_fen += a["refundFen"]
            r.cancellations += n == "OrderCancelled"
        elif n == "DepositLocked":
            r.deposit_locked_fen += a["amountFen"]
            r.released_fen -= a["amountFen"]
        elif n == "DepositReleased":
            r.deposit_released_fen += a["amountFen"]
            r.released_fen += a["amountFen"]
        elif n == "DepositShared":
            r.deposit_shared_fen += a["amountFen"]


def _campaign_event(n: str, a: dict, c: CampaignRow, merchants: set, name) -> None:
    if n == "CampaignFunded":
        c.funded_fen += a["budgetFen"]
    elif n == "PacketClaimed":
        c.claims += 1
        c.claimed_fen += a["amountFen"]
    elif n == "PurchasePaid":
        c.payments += 1
        c.spent_from_packets_fen += a["packetFen"]
        c.own_money_spent_fen += a["ownFen"]
        merchants.add(name(a["merchant"]))
    elif n == "PurchaseRefunded":
        c.refunded_to_buyers_fen += a["ownToBuyerFen"] + a["packetToBuyerFen"]
        c.packet_refunded_to_buyers_fen += a["packetToBuyerFen"]
        c.packet_to_funder_fen += a["packetToFunderFen"]
    elif n == "PacketReturnedOnClose":
        c.returned_on_close_fen += a["amountFen"]
    elif n == "CampaignSwept":
        c.swept = True
        c.swept_fen += a["sweptFen"]
        c.swept_unclaimed_fen += a["unclaimedFen"]
        c.swept_unspent_fen += a["unspentFen"]


def _name_addresses(text: str, name) -> str:
    return re.sub(r"0x[0-9a-fA-F]{40}", lambda m: name(m.group(0)), text)


__all__ = ["FLOWS", "OTHER", "Point", "Timeline", "InstitutionRow", "CampaignRow", "Refusal", "build_timeline",
           "read_timeline", "group_of", "contract_address"]
