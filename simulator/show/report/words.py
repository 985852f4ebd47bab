"""The report's words in one language: its catalog of the "report" message domain (show/locale/<lang>/
LC_MESSAGES/report.po), the names of things looked up by key (names.py), amounts, times, lists, and what an
alert says. Anything a language does not translate reads as the English message; a key no table knows reads
as itself (e.g. a user scenario's own invariant)."""

from __future__ import annotations

import gettext
from functools import reduce
from typing import Any, Sequence

from ...chain.clock import format_beijing
from .. import i18n
from ..i18n import N_, Language
from .names import (ALERTS, COUNTS, FLOWS, GROUPS, INVARIANT_PREFIXES, INVARIANTS, MEASURES, MODELS, OUTCOMES,
                    PARAMS, PARTS, STATUSES, TITLES, TOTALS)

DOMAIN = "report"

# TRANSLATORS: the language tag of the report's <html lang="...">: "zh-CN" for Chinese (BCP 47)
HTML_LANG = N_("en")
# TRANSLATORS: the charts' time axes: six strftime formats separated by "|", for ticks that are mostly years,
# months, days, hours, minutes, seconds (matplotlib's ConciseDateFormatter). Keep the "|"s.
DATE_FORMATS = N_("%Y|%b|%d|%H:%M|%H:%M|%S.%f")
# TRANSLATORS: the same six levels, for a tick at the start of the level above ("Jan" on 1 January)
DATE_ZERO_FORMATS = N_("|%Y|%b|%b-%d|%H:%M|%H:%M")
# TRANSLATORS: the same six levels, for the date written once at the end of the axis ("2022-May-09")
DATE_OFFSET_FORMATS = N_("|%Y|%Y-%b|%Y-%b-%d|%Y-%b-%d|%Y-%b-%d %H:%M")


def languages() -> tuple[str, ...]:
    """The languages a report can be written in: those with a compiled catalog of the report domain."""
    return i18n.languages(DOMAIN)


class ReportWords:
    """The report's words in one language (``ValueError`` for a language without a report catalog)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.words = Language(lang, DOMAIN)
        self._ = self.words._
        self.n_ = self.words.n_
        self.p_ = self.words.p_

    def translated(self, message: str) -> str | None:
        """The message in this language, or None where the catalog does not translate it."""
        text = self.words.catalog.gettext(message)
        return None if text == message else text

    # -- the page's language
    @property
    def html_lang(self) -> str:
        """The page's language tag: the catalog's, else the language's code."""
        return self.translated(HTML_LANG) or self.lang

    def date_formats(self) -> tuple[list[str], list[str], list[str]] | None:
        """The time axes' formats (ConciseDateFormatter's formats, zero_formats, offset_formats), or None where
        the language keeps matplotlib's own."""
        messages = (DATE_FORMATS, DATE_ZERO_FORMATS, DATE_OFFSET_FORMATS)
        said = [self.translated(m) for m in messages]
        if not any(said):
            return None
        formats, zero, offset = ((text or message).split("|") for text, message in zip(said, messages))
        return formats, zero, offset

    # -- amounts, times, sentences
    def money(self, fen: int) -> str:
        """An amount in a sentence: ¥1,200 in English, 1,200 元 in Chinese."""
        # TRANSLATORS: an amount of money in a sentence; {amount} is the number of yuan ("1,200" or "12.50")
        return self.words.money(fen, self._("¥{amount}"))

    def number(self, n: int) -> str:
        return self.words.number(n)

    def time(self, ts: int | None, seconds: bool = False) -> str:
        if ts is None:
            return "—"
        text = format_beijing(ts).removesuffix(" CST")
        return text if seconds else text[:-3]

    def sentences(self, parts: Sequence[str]) -> str:
        """Sentences one after the other, in one paragraph."""
        if not parts:
            return ""
        # TRANSLATORS: two sentences one after the other (Chinese writes them without a space)
        return reduce(lambda first, then: self._("{first} {then}", first=first, then=then), parts)

    def list(self, items: Sequence[str]) -> str:
        """``a, b and c``."""
        if len(items) <= 1:
            return "".join(items)
        # TRANSLATORS: between the items of a list, but the last two ("a, b and c")
        head = self.p_("list", ", ").join(items[:-1])
        # TRANSLATORS: the end of a list ("a, b and c"): {head} is all the items but the last
        return self._("{head} and {last}", head=head, last=items[-1])

    # -- names of things
    def title(self, scenario: str, english: str) -> str:
        """A scenario's title: the run's own (English) unless this language translates the built-in one."""
        return (self.translated(TITLES[scenario]) if scenario in TITLES else None) or english

    def param(self, key: str) -> str | None:
        """A scenario parameter's name in words, with its unit where it has one ("dispute window (hours)"); None
        for a parameter no table knows (a user scenario's own)."""
        return self._(PARAMS[key]) if key in PARAMS else None

    def total(self, key: str) -> str:
        return self._(TOTALS[key]) if key in TOTALS else key.removesuffix("_fen").replace("_", " ")

    def count(self, key: str) -> str:
        return self._(COUNTS[key]) if key in COUNTS else key.replace("_", " ")

    def group(self, group: str) -> str:
        return self._(GROUPS[group]) if group in GROUPS else group

    def model(self, label: str) -> str:
        return self._(MODELS[label]) if label in MODELS else label

    def measure(self, kind: str, otherwise: str) -> str:
        return self._(MEASURES[kind]) if kind in MEASURES else otherwise

    def flow(self, kind: str) -> str:
        return self._(FLOWS[kind]) if kind in FLOWS else f"flow_{kind}"

    def part(self, kind: str) -> str:
        return self._(PARTS[kind]) if kind in PARTS else f"part_{kind}"

    def status(self, status: str) -> str:
        return self._(STATUSES[status]) if status in STATUSES else status

    def outcome(self, outcome: str) -> str:
        return self._(OUTCOMES[outcome]) if outcome in OUTCOMES else outcome

    def invariant(self, name: str) -> str:
        """An invariant's name in this language; in "prefix: name" a known name reads its prefix too."""
        if name in INVARIANTS:
            return self._(name)
        prefix, sep, rest = name.partition(": ")
        said = self.translated(rest) if sep and rest in INVARIANTS else None
        if said is None:
            return name
        label = (self.translated(INVARIANT_PREFIXES[prefix]) if prefix in INVARIANT_PREFIXES else None) or prefix
        # TRANSLATORS: a check that holds for one part of a run ("grant programme: paid out = budget - unpaid")
        return self._("{label}: {invariant}", label=label, invariant=said)

    def alert(self, alert: dict[str, Any]) -> tuple[str, str]:
        """(kind in words, what happened in one sentence): the alert's own message (English) unless this
        language translates what an alert of its kind says."""
        kind = str(alert.get("kind", ""))
        words = self._(ALERTS[kind]) if kind in ALERTS else kind.replace("_", " ")
        own = str(alert.get("message", ""))
        try:
            values = self._alert_values(kind, alert)
        except (TypeError, ValueError, ArithmeticError):  # values not as the kind has them: its own message
            return words, own
        if values is None or _says(_Templates(self.words.catalog), kind, values) == \
                _says(_Templates(gettext.NullTranslations()), kind, values):
            return words, own
        return words, _says(self, kind, values)

    def _alert_values(self, kind: str, alert: dict[str, Any]) -> dict[str, Any] | None:
        subject, value, threshold = alert.get("subject", ""), alert.get("value"), alert.get("threshold")
        if kind in ("cancellation_wave", "campaign_unspent_near_expiry", "milestones_missed"):
            return {"subject": subject, "share": f"{value:.0%}", "threshold": f"{threshold:.0%}"}
        if kind == "supervised_balance_high":
            return {"subject": subject, "amount": self.money(int(value)), "threshold": self.money(int(threshold))}
        if kind == "course_oversold":
            return {"subject": subject, "sold": int(value), "can_teach": self.number(int(threshold))}
        if kind == "grant_debt_outstanding":
            return {"subject": subject, "owed": self.money(int(value))}
        if kind == "conditional_payment_disputed":
            return {"subject": subject, "days": int(value) // 86400}
        return None


def _says(words: Any, kind: str, v: dict[str, Any]) -> str:
    """What an alert of ``kind`` says, with its values ``v`` (from ``ReportWords._alert_values``)."""
    if kind == "cancellation_wave":
        # TRANSLATORS: {share} and {threshold} are percentages ("46%")
        return words._("{subject}: {share} of its orders were cancelled within a short time, above the threshold "
                       "of {threshold}", **v)
    if kind == "supervised_balance_high":
        return words._("money supervised for {subject} reached {amount}, above {threshold}: custody at a bank is "
                       "required", **v)
    if kind == "course_oversold":
        return words.n_("{subject}: {n} lesson sold, but only about {can_teach} can be taught before the course ends",
                        "{subject}: {n} lessons sold, but only about {can_teach} can be taught before the course "
                        "ends", v["sold"], subject=v["subject"], can_teach=v["can_teach"])
    if kind == "campaign_unspent_near_expiry":
        # TRANSLATORS: {subject} is a red-packet campaign; {share} and {threshold} are percentages ("46%")
        return words._("campaign {subject} expires soon with {share} of its money unspent (threshold {threshold})",
                       **v)
    if kind == "grant_debt_outstanding":
        return words._("{subject} was clawed back and its unspent money did not cover the debt: {owed} is still "
                       "owed", **v)
    if kind == "milestones_missed":
        # TRANSLATORS: {subject} is a grant programme; {share} and {threshold} are percentages ("5%")
        return words._("{share} of the firms of grant programme {subject} missed a milestone (threshold "
                       "{threshold})", **v)
    # TRANSLATORS: {subject} is a conditional payment ("cars payment 2")
    return words.n_("{subject} is disputed: its verifier must decide within {n} day, or the money goes back to the "
                    "payer", "{subject} is disputed: its verifier must decide within {n} days, or the money goes back "
                    "to the payer", v["days"], subject=v["subject"])


class _Templates:
    """A catalog's messages unfilled: ``_says`` through two of these tells whether a language translates it."""

    def __init__(self, catalog: gettext.NullTranslations):
        self.catalog = catalog

    def _(self, message: str, **_values: Any) -> str:
        return self.catalog.gettext(message)

    def n_(self, singular: str, plural: str, n: int, **_values: Any) -> str:
        return self.catalog.ngettext(singular, plural, n)


__all__ = ["ReportWords", "languages", "DOMAIN"]
