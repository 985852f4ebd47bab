"""What the narrator learns from the transactions it sees: which contract is which (from its constructor's
arguments, its events or its ABI), courses, orders and their parents, campaigns' terms, purchases, conditional
payments, grants and pay runs, wallets' kinds and limits, and which district a campaign's shops are in.

No words here: parties are known by address, and named by the chain's labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ...domain.settings import WALLET_TIERS

MAX_UINT = 2**256 - 1
TIER_NAME_BY_ID = {t.tier_id: name for name, t in WALLET_TIERS.items()}
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")

#: Shenzhen's districts as labels spell them ("government:luohu"): a campaign's district is guessed from its
#: shops' or its funder's labels.
DISTRICT_WORDS = frozenset({"luohu", "futian", "nanshan", "baoan", "longgang", "yantian", "longhua", "pingshan",
                            "guangming", "dapeng"})

KIND_BY_EVENT = {
    "WalletOpened": "token", "TierSet": "token", "Issued": "token", "Earmarked": "token", "RegulatorSet": "token",
    "MerchantRegistered": "registry",
    "LessonRecorded": "escrow", "LessonsReleased": "escrow", "LessonsDisputed": "escrow", "DisputeResolved": "escrow",
    "LessonDelivered": "upfront", "DepositLocked": "upfront", "DepositReleased": "upfront", "DepositShared": "upfront",
    "CampaignFunded": "campaign", "PacketClaimed": "campaign", "PurchasePaid": "campaign", "CampaignSwept": "campaign",
    "PayeeRegistered": "payees", "PayeeRemoved": "payees",
    "ProgrammeFunded": "grants", "FirmAdmitted": "grants", "TranchePaid": "grants", "GrantSpent": "grants",
    "GrantClawedBack": "grants", "MilestoneMissed": "grants", "DebtRepaid": "grants", "UnpaidWithdrawn": "grants",
    "TrancheWithheld": "grants", "FirmExcluded": "grants", "GrantMoneyReturnedOnClose": "grants",
    "MilestoneSkipped": "grants", "WageSkipped": "wages", "SurplusDepositReleased": "upfront",
    "PaymentCreated": "conditional", "PaymentReleased": "conditional", "PaymentReturned": "conditional",
    "PaymentDisputed": "conditional",
    "PayrollFunded": "wages", "WageAssigned": "wages", "WagePaid": "wages", "WageReturned": "wages",
}
KIND_BY_LABEL = {"ECNY": "token", "MerchantRegistry": "registry", "escrow": "escrow", "risk_deposit": "upfront",
                 "unsupervised": "upfront", "campaign": "campaign",
                 "PayeeRegistry": "payees", "GrantProgramme": "grants", "ConditionalPayment": "conditional",
                 "WagePassThrough": "wages", "payees": "payees", "programme": "grants", "conditional": "conditional",
                 "wages": "wages"}
#: The subsidy contracts' default labels (artifact names and the wrappers' defaults): named by kind alone.
SUBSIDY_DEFAULT_LABELS = {"payees": {"PayeeRegistry", "payees"}, "grants": {"GrantProgramme", "programme"},
                          "conditional": {"ConditionalPayment", "conditional"}, "wages": {"WagePassThrough", "wages"}}
#: Functions that tell each subsidy contract apart when a deployment's arguments alone cannot.
KIND_BY_FUNCTION = {"registerPayees": "payees", "admitFirms": "grants", "reclaim": "conditional",
                    "fundPayroll": "wages", "registerMerchants": "registry"}


def is_address(value: Any) -> bool:
    return isinstance(value, str) and bool(_ADDRESS.match(value))


@dataclass
class Course:
    institution: str  # address
    fee: int
    lessons: int


@dataclass
class Order:
    parent: str  # address
    course_id: int | None


@dataclass
class Payment:
    payer: str
    payee: str
    verifier: str
    amount: int
    deadline: int
    state: str = "pending"  # pending | disputed | released | returned


@dataclass
class Contract:
    kind: str = "unknown"  # token | registry | escrow | upfront | campaign | payees | grants | conditional | wages
    bps: int | None = None
    terms: dict | None = None
    funder: str | None = None
    registrar: str | None = None
    courses: dict[int, Course] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    purchases: dict[int, tuple[str, str, int]] = field(default_factory=dict)  # id -> (buyer, merchant, total)
    agency: str | None = None  # grants: who checks milestones
    main: str | None = None  # wages: the main contractor
    sub: str | None = None  # wages: the subcontractor
    payments: dict[int, Payment] = field(default_factory=dict)  # conditional payments
    grants: dict[int, str] = field(default_factory=dict)  # grant id -> firm (address)
    paydays: dict[int, int] = field(default_factory=dict)  # pay run id -> payday
    window: int | None = None  # conditional payments: how long the verifier has to decide a dispute (seconds)


class Contracts:
    """Everything learnt so far. ``label`` names an address the way the chain does (``chain.label``)."""

    def __init__(self, label: Callable[[str], str] | None = None, districts: dict[int, str] | None = None):
        self.label: Callable[[str], str] = label or (lambda address: address)
        self.by_label: dict[str, Contract] = {}
        self.by_address: dict[str, str] = {}  # contract address (lower) -> label
        self.wallet_tier: dict[str, int] = {}
        self.tier_limits: dict[int, dict[str, int]] = {
            t.tier_id: {"perPaymentFen": t.per_payment_fen, "dailyFen": t.daily_fen, "balanceCapFen": t.balance_cap_fen}
            for t in WALLET_TIERS.values()}
        #: district code -> its name as given (a scenario's own words), else guessed from labels (district_guess)
        self.district_names: dict[int, str] = {int(code): name for code, name in (districts or {}).items()}
        self.district_guess: dict[int, set[str]] = {}

    # ------------------------------------------------------------------ looking up
    def __getitem__(self, label: str) -> Contract:
        """The contract so labelled, learnt from now on if it was not known."""
        c = self.by_label.get(label)
        if c is None:
            c = self.by_label[label] = Contract(kind=KIND_BY_LABEL.get(label, "unknown"))
        return c

    def get(self, label: str) -> Contract | None:
        return self.by_label.get(label)

    def label_of(self, address: str) -> str:
        known = self.by_address.get(address.lower())
        if known is not None:
            return known
        try:
            return self.label(address)
        except Exception:
            return address

    def is_contract(self, address: str) -> bool:
        label = self.label_of(address)
        return label in self.by_label or label in KIND_BY_LABEL or address.lower() in self.by_address

    def is_token(self, address: Any) -> bool:
        if not is_address(address):
            return False
        label = self.by_address.get(address.lower())
        return label is not None and self[label].kind == "token"

    def abi_kind(self, label: str) -> str | None:
        """The kind of a deployed contract from its ABI's functions, when the chain is at hand."""
        chain = getattr(self.label, "__self__", None)
        try:
            abi = chain.contract(label).abi  # type: ignore[union-attr]
        except Exception:
            return None
        names = {e.get("name") for e in abi if e.get("type") == "function"}
        return next((kind for fn, kind in KIND_BY_FUNCTION.items() if fn in names), None)

    def order(self, contract: str, order_id: int) -> Order | None:
        return self[contract].orders.get(order_id)

    def course_of_order(self, contract: str, order_id: int) -> Course | None:
        o = self.order(contract, order_id)
        if o is None or o.course_id is None:
            return None
        return self[contract].courses.get(o.course_id)

    def district_word(self, code: int | None) -> str | None:
        """The district (as labels spell it, "luohu") all shops registered under ``code`` are in, if one."""
        guesses = self.district_guess.get(code, set()) if code else set()
        return next(iter(guesses)) if len(guesses) == 1 and next(iter(guesses)) in DISTRICT_WORDS else None

    def word_in_label(self, address: str) -> str:
        """"luohu" for "government:luohu" or "merchant:luohu-books"."""
        return self.label_of(address).partition(":")[2].split("-")[0].lower()

    # ------------------------------------------------------------------ learning
    def learn(self, record: Any) -> None:
        result = record.result
        if record.function == "constructor" and result.status == 1 and record.address:
            self._deployed(record)
        if result.status != 1:
            return
        for ev in result.events:
            self._event(ev)

    def _deployed(self, record: Any) -> None:
        self.by_address[record.address.lower()] = record.contract
        c = self[record.contract]
        args = list(record.args)
        if len(args) == 5 and isinstance(args[4], dict) and "allowedPurposes" in args[4]:
            c.kind, c.terms, c.funder, c.agency = "grants", dict(args[4]), args[2], args[3]
            if is_address(args[1]) and args[1].lower() in self.by_address:
                self[self.by_address[args[1].lower()]].kind = "payees"
        elif len(args) == 3 and all(is_address(a) for a in args) and (
                self.is_token(args[0]) or self.abi_kind(record.contract) == "wages"):
            c.kind, c.main, c.sub = "wages", args[1], args[2]
        elif (len(args) == 2 and isinstance(args[1], int) and not isinstance(args[1], bool)
              and (self.is_token(args[0]) or self.abi_kind(record.contract) == "conditional")):
            c.kind, c.window = "conditional", args[1]
        elif len(args) == 2 and all(is_address(a) for a in args):
            c.kind = "token"
        elif len(args) == 1 and is_address(args[0]):
            kind = self.abi_kind(record.contract) or KIND_BY_LABEL.get(record.contract)
            if kind == "conditional" or (kind is None and self.is_token(args[0])):
                c.kind = "conditional"
            elif kind == "payees" or (kind is None and "payee" in record.contract.lower()):
                c.kind, c.registrar = "payees", args[0]
            else:
                c.kind, c.registrar = "registry", args[0]
        elif len(args) >= 3 and isinstance(args[2], dict) and "disputeWindow" in args[2]:
            c.kind = "upfront" if len(args) >= 4 else "escrow"
            if len(args) >= 4 and isinstance(args[3], int):
                c.bps = args[3]
        elif len(args) >= 4 and isinstance(args[3], dict) and "winnersRoot" in args[3]:
            c.kind, c.terms, c.funder = "campaign", dict(args[3]), args[2]

    def _event(self, ev: Any) -> None:
        c = self[ev.contract]
        if ev.name in KIND_BY_EVENT and (c.kind == "unknown" or (c.kind == "registry"
                                                               and KIND_BY_EVENT[ev.name] == "payees")):
            c.kind = KIND_BY_EVENT[ev.name]
        a = ev.args
        if ev.name == "CoursePublished":
            c.courses[a["courseId"]] = Course(a["institution"], a["feePerLessonFen"], a["lessons"])
        elif ev.name == "OrderPlaced":
            c.orders[a["orderId"]] = Order(a["parent"], a["courseId"])
        elif ev.name == "DepositLocked" and c.bps is None:
            c.bps = 1
        elif ev.name == "PurchasePaid":
            c.purchases[a["purchaseId"]] = (a["buyer"], a["merchant"], a["packetFen"] + a["ownFen"])
        elif ev.name == "CampaignFunded" and c.funder is None:
            c.funder = a["funder"]
        elif ev.name == "PaymentCreated":
            c.payments[a["paymentId"]] = Payment(a["payer"], a["payee"], a["verifier"], a["amountFen"], a["deadline"])
        elif ev.name in ("PaymentDisputed", "PaymentReleased", "PaymentReturned") and a["paymentId"] in c.payments:
            pay = c.payments[a["paymentId"]]
            pay.state = {"PaymentDisputed": "disputed", "PaymentReleased": "released",
                         "PaymentReturned": "returned"}[ev.name]
            if isinstance(a.get("decideBy"), int):
                pay.deadline = a["decideBy"]  # the verifier's own deadline
        elif ev.name == "FirmAdmitted":
            c.grants[a["grantId"]] = a["firm"]
        elif ev.name == "PayrollFunded":
            c.paydays[a["payrollId"]] = a["payday"]
        elif ev.name == "ProgrammeFunded" and c.funder is None:
            c.funder = a["department"]
        elif ev.name in ("WalletOpened", "WalletTierChanged"):
            self.wallet_tier[a["wallet"].lower()] = a["tier"]
        elif ev.name == "TierSet":
            self.tier_limits[a["tier"]] = {k: a[k] for k in ("perPaymentFen", "dailyFen", "balanceCapFen")}
        elif ev.name == "MerchantRegistered":
            word = self.word_in_label(a["merchant"])
            self.district_guess.setdefault(a["district"], set()).add(word if word in DISTRICT_WORDS else "?")
