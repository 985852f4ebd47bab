"""The narration's words in one language, built on the "narration" message catalog (show/i18n.py): names listed,
possessives, counts with plurals, dates ("18 Oct 24:00"), percentages, and the narrator's own nouns (roles,
contract kinds, wallet kinds, purposes, districts, reasons a batch passes someone over).

Nothing here knows a language: every word is a message, and where English grammar needs a choice (a name's
possessive, "its" or "their", "a" or "an") the choice is between messages, each translated on its own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Sequence

from babel.numbers import format_decimal, format_percent

from ...chain.clock import to_beijing
from ..i18n import Language

#: Label prefixes of parties that are organisations ("its wallet"), not people ("their wallet").
ORGANISATIONS = ("school:", "merchant:", "government:", "bureau:", "institution:", "shop:", "firm:",
                 "department:", "agency:", "dealer:", "carmaker:", "maker:", "contractor:", "subcontractor:",
                 "supplier:", "company:", "office:", "landlord:", "payroll:", "developer:", "builder:",
                 "dept:", "fund:", "registry:", "verifier:", "rent:", "suppliers:", "bank:", "insurer:")

#: Contract kinds of the subsidy contracts (named by kind, with their label only when several share one).
NEW_KINDS = frozenset({"payees", "grants", "conditional", "wages"})
#: Each contract kind's default label: a contract so labelled is named by its kind alone.
DEFAULT_LABELS = {"token": "ECNY", "registry": "MerchantRegistry", "escrow": "escrow", "campaign": "campaign"}


class Words(Language):
    """The narration catalog of one language, with the narrator's helpers. ``nouns`` remembers the narrator's
    own noun phrases ("the bank", "the escrow contract"): a sentence beginning with one is capitalised, and they
    name organisations; a sentence beginning with a name from the chain ("parent:alice") keeps it as it is."""

    def __init__(self, lang: str):
        super().__init__(lang, "narration")
        self.nouns: set[str] = set()
        self._starts: tuple[str, ...] = ()

    def noun(self, text: str) -> str:
        if text and text not in self.nouns:
            self.nouns.add(text)
            self._starts = tuple(self.nouns)
        return text

    def sentence(self, text: str) -> str:
        return text[:1].upper() + text[1:] if text.startswith(self._starts) else text

    def organisation(self, name: str) -> bool:
        return name in self.nouns or name.startswith(ORGANISATIONS)

    def by_kind(self, name: str, organisation: str, person: str, **values: Any) -> str:
        """One of two translated patterns, for an organisation or for a person (``name``), filled in."""
        return (organisation if self.organisation(name) else person).format(**values)

    # ------------------------------------------------------------------ times
    def time(self, ts: int) -> str:
        # TRANSLATORS: a date and time pattern (Unicode LDML): d the day, MMM the month's short name, HH:mm the time.
        return self.datetime(ts, self._("d MMM HH:mm"))

    def date(self, ts: int) -> str:
        # TRANSLATORS: a date pattern (Unicode LDML): d the day, MMM the month's short name.
        return self.datetime(ts, self._("d MMM"))

    def day(self, ts: int) -> str:
        """A day with its year, for things years apart (a grant's promise, an exclusion)."""
        # TRANSLATORS: a date pattern with the year (Unicode LDML): d the day, MMM the month's short name, y the year.
        return self.datetime(ts, self._("d MMM y"))

    def until(self, ts: int) -> str:
        """A deadline: midnight reads as 24:00 of the day before ("18 Oct 24:00")."""
        moment = to_beijing(ts)
        if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
            # TRANSLATORS: a deadline at midnight, told as the end of the day before; {date} is a "d MMM" date.
            return self._("{date} 24:00", date=self.date(ts - 1))
        return self.time(ts)

    def span(self, days: int) -> str:
        """A period in whole years when it is one ("15 years", leap days included), else in days."""
        years = round(days / 365.25)
        return self.count(years, "year") if years and 365 * years <= days <= 366 * years else self.count(days, "day")

    # ------------------------------------------------------------------ numbers
    def money(self, fen: int, pattern: str | None = None) -> str:
        # TRANSLATORS: an amount of money; {amount} is the number of yuan, grouped the language's way.
        return super().money(fen, pattern or self._("¥{amount}"))

    def percent(self, bps: int) -> str:
        """Basis points as a percentage: 345 -> "3.45%"."""
        return format_percent(Decimal(bps) / 10_000, format="0.##%", locale=self.locale)

    def decimal(self, value: float) -> str:
        """A number to one decimal, the decimal dropped when it is zero, not grouped: 7.5, 92, 19283.7."""
        return format_decimal(round(value, 1), format="0.#", locale=self.locale)

    def count(self, n: int, noun: str) -> str:
        forms: dict[str, Callable[[], str]] = {
            "lesson": lambda: self.n_("{n} lesson", "{n} lessons", n),
            "pupil": lambda: self.n_("{n} pupil", "{n} pupils", n),
            "parent": lambda: self.n_("{n} parent", "{n} parents", n),
            "wallet": lambda: self.n_("{n} wallet", "{n} wallets", n),
            "shop": lambda: self.n_("{n} shop", "{n} shops", n),
            "order": lambda: self.n_("{n} order", "{n} orders", n),
            "packet": lambda: self.n_("{n} packet", "{n} packets", n),
            "class hour": lambda: self.n_("{n} class hour", "{n} class hours", n),
            "day": lambda: self.n_("{n} day", "{n} days", n),
            "hour": lambda: self.n_("{n} hour", "{n} hours", n),
            "firm": lambda: self.n_("{n} firm", "{n} firms", n),
            "worker": lambda: self.n_("{n} worker", "{n} workers", n),
            "payee": lambda: self.n_("{n} payee", "{n} payees", n),
            "tranche": lambda: self.n_("{n} tranche", "{n} tranches", n),
            "year": lambda: self.n_("{n} year", "{n} years", n),
            "grant": lambda: self.n_("{n} grant", "{n} grants", n),
        }
        return forms[noun]()

    # ------------------------------------------------------------------ names
    @staticmethod
    def _fold(items: Sequence[str], join: Callable[[str, str], str]) -> str:
        items = list(items)
        text = items[0] if items else ""
        for item in items[1:]:
            text = join(text, item)
        return text

    def _ending(self, names: Sequence[str], pattern: str) -> str:
        names = list(names)
        return pattern.format(list=self.listed(names[:-1]), last=names[-1]) if len(names) > 1 else "".join(names)

    def listed(self, items: Sequence[str]) -> str:
        """"a, b, c": items of a list, the last one not set apart."""
        # TRANSLATORS: a list goes on: {list} so far, then {next}.
        return self._fold(items, lambda text, item: self.p_("list", "{list}, {next}", list=text, next=item))

    def clauses(self, items: Sequence[str]) -> str:
        """"a; b; c": clauses of one sentence."""
        # TRANSLATORS: clauses of one sentence: {list} so far, then the {next} clause.
        return self._fold(items, lambda text, item: self.p_("list of clauses", "{list}; {next}", list=text, next=item))

    def names(self, names: Sequence[str]) -> str:
        """"a, b and c"."""
        # TRANSLATORS: a list ends: {list} so far, then the {last} one ("a, b and c").
        return self._ending(names, self.p_("list", "{list} and {last}"))

    def names_or(self, names: Sequence[str]) -> str:
        """"a, b or c"."""
        # TRANSLATORS: a list of choices ends: {list} so far, then the {last} one ("a, b or c").
        return self._ending(names, self.p_("list", "{list} or {last}"))

    def range(self, first: str, last: str) -> str:
        # TRANSLATORS: names in a row, from the {first} to the {last} one.
        return self.p_("a range of names", "{first} to {last}", first=first, last=last)

    def who(self, names: Sequence[str], noun: str) -> str:
        """Up to three names listed; more counted, first to last ("5 workers (worker:w01 to worker:w05)")."""
        names = list(names)
        if len(names) <= 3:
            return self.names(names)
        # TRANSLATORS: {count} is a number of people or firms ("5 workers"), {first} and {last} name two of them.
        return self._("{count} ({first} to {last})", count=self.count(len(names), noun), first=names[0],
                      last=names[-1])

    def possessive(self, name: str) -> str:
        """A name as owner ("parent:li's"); in other messages a placeholder ending in ``_s`` holds this form."""
        # TRANSLATORS: the endings (space-separated) after which a name takes the short possessive below
        # (English: "s", for "parents'"; German might list "s x z ß"); leave it empty if none.
        endings = tuple(self.p_("possessive: name endings that take the short form", "s").split())
        if endings and name.endswith(endings):
            # TRANSLATORS: the possessive of a name with one of the endings above. A language that marks the
            # owner in the sentence itself (Chinese: "{name}的" written in each sentence) translates it "{name}".
            return self.p_("possessive of a name ending in s", "{name}'", name=name)
        # TRANSLATORS: the possessive of a name; every {..._s} placeholder elsewhere is a name in this form.
        # A language that marks the owner in the sentence itself translates it "{name}".
        return self.p_("possessive", "{name}'s", name=name)

    def role(self, label: str) -> str:
        """Bare role actors read as words ("the bank"); named actors keep their names."""
        if label == "bank":
            return self.noun(self.p_("role", "the bank"))
        if label == "regulator":
            return self.noun(self.p_("role", "the regulator"))
        return label

    def party(self, role: str) -> str:
        """A party of a contract the narrator never learnt the name of, in words."""
        words = {
            "main": lambda: self.p_("party", "the main contractor"),
            "sub": lambda: self.p_("party", "the subcontractor"),
            "payer": lambda: self.p_("party", "the payer"),
            "payee": lambda: self.p_("party", "the payee"),
            "verifier": lambda: self.p_("party", "the verifier"),
            "registrar": lambda: self.p_("party", "the registrar"),
            "buyer": lambda: self.p_("party", "the buyer"),
        }
        return self.noun(words[role]())

    # ------------------------------------------------------------------ the narrator's own nouns
    def contract(self, kind: str, label: str, bps: int | None, alone: bool = True) -> str:
        """A contract named by its kind, with its label when it is not the kind's usual one."""
        base = {
            "payees": lambda: self.p_("contract", "the payee register"),
            "grants": lambda: self.p_("contract", "the grant programme"),
            "conditional": lambda: self.p_("contract", "the conditional-payment contract"),
            "wages": lambda: self.p_("contract", "the wage contract"),
            "token": lambda: self.p_("contract", "the e-CNY system"),
            "registry": lambda: self.p_("contract", "the shop register"),
            "escrow": lambda: self.p_("contract", "the escrow contract"),
            "campaign": lambda: self.p_("contract", "the red-packet campaign"),
            "upfront": lambda: (self.p_("contract", "the risk-deposit contract") if bps
                                else self.p_("contract", "the pay-up-front contract")),
        }.get(kind)
        if base is None:
            # TRANSLATORS: a contract the narrator knows only by its {label}.
            return self.noun(self._("the contract {label}", label=label))
        if kind in NEW_KINDS:
            named = not alone
        else:
            default = DEFAULT_LABELS.get(kind) or ("risk_deposit" if bps else "unsupervised")
            named = label != default
        if not named:
            return self.noun(base())
        # TRANSLATORS: a {contract} kind ("the escrow contract") and the {label} telling it from others of its kind.
        return self.noun(self.p_("contract", "{contract} {label}", contract=base(), label=label))

    def tier(self, name: str | None) -> str:
        """A wallet kind as an adjective ("lowest-tier"); "" when unknown."""
        words = {
            "corporate": lambda: self.p_("wallet kind", "business"),
            "lowest": lambda: self.p_("wallet kind", "lowest-tier"),
            "class_iii": lambda: self.p_("wallet kind", "class-III"),
            "id_verified": lambda: self.p_("wallet kind", "ID-verified"),
        }.get(name or "")
        return words() if words else ""

    def any_wallet(self, name: str | None) -> str:
        """Any wallet of a kind, as a rule's subject ("a lowest-tier wallet may pay at most ...")."""
        words = {
            "corporate": lambda: self.p_("any wallet of this kind", "a business wallet"),
            "lowest": lambda: self.p_("any wallet of this kind", "a lowest-tier wallet"),
            "class_iii": lambda: self.p_("any wallet of this kind", "a class-III wallet"),
            "id_verified": lambda: self.p_("any wallet of this kind", "an ID-verified wallet"),
        }.get(name or "", lambda: self.p_("any wallet of this kind", "a wallet of this kind"))
        return words()

    def one_wallet(self, name: str | None) -> str:
        """One new wallet of a kind ("The bank opens a lowest-tier wallet for ...")."""
        words = {
            "corporate": lambda: self.p_("one new wallet", "a business wallet"),
            "lowest": lambda: self.p_("one new wallet", "a lowest-tier wallet"),
            "class_iii": lambda: self.p_("one new wallet", "a class-III wallet"),
            "id_verified": lambda: self.p_("one new wallet", "an ID-verified wallet"),
        }.get(name or "", lambda: self.p_("one new wallet", "a wallet"))
        return words()

    def purpose(self, code: Any) -> str:
        """What purpose-bound money may pay, by the scenarios' purpose codes."""
        words = {
            1: lambda: self.p_("purpose", "payroll"),
            2: lambda: self.p_("purpose", "rent"),
            3: lambda: self.p_("purpose", "suppliers"),
            4: lambda: self.p_("purpose", "equipment"),
            5: lambda: self.p_("purpose", "entertainment"),
        }.get(code)
        # TRANSLATORS: a purpose known only by its number.
        return words() if words else self.p_("purpose", "purpose {code}", code=code)

    def district(self, word: str) -> str | None:
        """Shenzhen's districts, by the word a label spells them with ("luohu")."""
        words = {
            "luohu": lambda: self.p_("district", "Luohu"),
            "futian": lambda: self.p_("district", "Futian"),
            "nanshan": lambda: self.p_("district", "Nanshan"),
            "baoan": lambda: self.p_("district", "Bao'an"),
            "longgang": lambda: self.p_("district", "Longgang"),
            "yantian": lambda: self.p_("district", "Yantian"),
            "longhua": lambda: self.p_("district", "Longhua"),
            "pingshan": lambda: self.p_("district", "Pingshan"),
            "guangming": lambda: self.p_("district", "Guangming"),
            "dapeng": lambda: self.p_("district", "Dapeng"),
        }.get(word)
        return words() if words else None

    def where(self, district: str | None) -> str:
        if district:
            # TRANSLATORS: where red packets can be spent: the shops of a {district}.
            return self._("{district} shops", district=district)
        return self._("the campaign's shops")

    def allowed_payees(self, allowed: str | None) -> str:
        """Whom grant money may pay; ``allowed`` lists the purposes ("payroll, rent or suppliers")."""
        if allowed:
            # TRANSLATORS: {allowed} lists purposes ("payroll, rent or suppliers").
            return self._("payees registered for {allowed}", allowed=allowed)
        return self._("registered payees of the allowed purposes")

    def unknown_amount(self) -> str:
        # TRANSLATORS: stands for an amount of a lesson's fee the narrator does not know ("each fee stays locked").
        return self.p_("an amount not known", "fee")

    def unknown_money(self) -> str:
        # TRANSLATORS: stands for an amount the narrator does not know ("tries to release parent:li's money").
        return self.p_("an amount not known", "money")
