"""Who and what a sentence names: an address as the chain labels it, a contract by its kind, a role in words
("the bank"), a party the narrator never learnt in words ("the payer"), a campaign's shops, a grant
programme's purposes. The base of the classes that choose sentences (sentences, batches, refusals)."""

from __future__ import annotations

from typing import Any, Callable

from ...chain.clock import DAY, HOUR
from .contracts import SUBSIDY_DEFAULT_LABELS, Contract, Contracts, KIND_BY_LABEL, is_address
from .words import NEW_KINDS, Words


class Names:
    def __init__(self, words: Words, known: Contracts):
        self.w = words
        self.known = known

    def name(self, address: Any) -> str:
        if not is_address(address):
            return str(address)
        if self.known.is_contract(address):
            return self.contract_name(self.known.label_of(address))
        return self.w.role(self.known.label_of(address))

    def actor(self, label: str) -> str:
        return self.w.role(label)

    def contract_name(self, label: str) -> str:
        c = self.known.get(label)
        kind = c.kind if c else KIND_BY_LABEL.get(label, "unknown")
        bps = c.bps if c else None
        if kind == "upfront" and bps is None:
            bps = 0 if label == "unsupervised" else 1
        if kind in NEW_KINDS:
            return self.w.contract(kind, label, bps, label in SUBSIDY_DEFAULT_LABELS[kind])
        return self.w.contract(kind, label, bps)

    def party(self, address: str | None, role: str) -> str:
        """A named party of a contract, or its role in words when the narrator never learnt it."""
        return self.name(address) if address else self.w.party(role)

    def parent_of(self, contract: str, order_id: int) -> str:
        o = self.known.order(contract, order_id)
        if o is not None:
            return self.name(o.parent)
        # TRANSLATORS: an order whose parent the narrator does not know, by its number.
        return self.w._("order {order}", order=order_id)

    def grant_firm(self, contract: str, grant_id: Any) -> str:
        firm = self.known[contract].grants.get(grant_id)
        if firm is not None:
            return self.name(firm)
        # TRANSLATORS: a firm the narrator does not know, by the number of its grant.
        return self.w._("grant {grant}'s firm", grant=grant_id)

    def district(self, code: int | None) -> str | None:
        if not code:
            return None
        if code in self.known.district_names:
            return self.known.district_names[code]
        word = self.known.district_word(code)
        return self.w.district(word) if word else None

    def campaign_where(self, c: Contract) -> str:
        terms = c.terms or {}
        district = self.district(terms.get("district"))
        if district is None and terms.get("district") and c.funder:
            district = self.w.district(self.known.word_in_label(c.funder))
        return self.w.where(district)

    def allowed(self, label: str) -> str | None:
        """The purposes a grant programme's money may pay, in words ("payroll, rent or suppliers")."""
        c = self.known.get(label)
        if c is None or c.kind != "grants" or not c.terms:
            return None
        bits = c.terms.get("allowedPurposes", 0)
        codes = [code for code in range(1, 256) if (bits >> code) & 1]
        return self.w.names_or([self.w.purpose(code) for code in codes]) or None

    def duration(self, seconds: int) -> str | None:
        """Whole days, else whole hours; nothing under an hour."""
        if seconds < HOUR:
            return None
        return self.w.count(seconds // DAY, "day") if seconds % DAY == 0 else self.w.count(seconds // HOUR, "hour")

    def when(self, fmt: Callable[[int], str], ts: int) -> str:
        """A time in words; a number past any calendar (a deadline of 2^64 seconds) stays a number."""
        try:
            return fmt(ts)
        except (OverflowError, ValueError, OSError):
            return self.w.number(ts)

    def unknown_event(self, label: str, event: str) -> str:
        """The sentence of an event the narrator has none for."""
        # TRANSLATORS: {contract} is a contract in words ("the escrow contract"), {event} an event's name in code.
        return self.w._("{contract} reports {event}", contract=self.contract_name(label), event=event)
