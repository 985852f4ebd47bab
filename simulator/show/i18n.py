"""Languages of what people read: gettext message catalogs, and Babel for numbers and dates.

Every sentence the narrator or the report writes is an English message (the msgid) looked up in a catalog:
``show/locale/<lang>/LC_MESSAGES/<domain>.po`` (compiled to ``.mo`` beside it), one domain per reader:
``narration``, ``report`` and ``console`` (the terminal's titles, headers and status lines). A language is a
folder of catalogs, nothing more: adding one needs no Python change. More folders can be named in
``ECNY_SIM_LOCALE_PATH`` (``os.pathsep``-separated), searched first.

    words = Language("zh", "narration")
    words._("{parent} gets {refund} back", parent="parent:li", refund=words.money(45_000))
    words.n_("{n} lesson", "{n} lessons", 3)                      # the catalog's plural rule picks the form
    words.p_("wallet kind", "business")                           # a context tells two uses apart
    words.datetime(ts, words._("d MMM HH:mm"))                    # the pattern is a message too

Messages carry named ``{placeholders}``; the code fills them, the translation may move them. Marking a message
that is looked up later (a table of words): ``N_("...")``, which returns it unchanged.

Money is formatted from integer fen with the catalog's money pattern (``"¥{amount}"``, in Chinese
``"{amount}元"``), the amount grouped by Babel in the language's own way. A language Babel does not know (a
pseudo-locale) formats numbers and dates as English does.
"""

from __future__ import annotations

import datetime as dt
import gettext
import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.numbers import format_decimal

from ..chain.clock import to_beijing
from ..domain.money import FEN_PER_YUAN

__all__ = ["Language", "N_", "languages", "locale_dirs", "LOCALE_DIR", "DOMAINS", "SOURCE_LANGUAGE"]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAINS = ("narration", "report", "console")
#: The language the messages are written in (the msgids); its catalogs hold no translations, only plurals.
SOURCE_LANGUAGE = "en"
LOCALE_PATH_ENV = "ECNY_SIM_LOCALE_PATH"
#: The functions messages are marked with, as pybabel extract's keywords (the Makefile passes the same ones).
KEYWORDS = {"_": None, "n_": (1, 2), "p_": ((1, "c"), 2), "np_": ((1, "c"), 2, 3), "N_": None}


def N_(message: str) -> str:
    """Marks a message for extraction without translating it now (it is looked up later, e.g. from a table)."""
    return message


def locale_dirs() -> list[Path]:
    """Where catalogs are looked for: the folders in ECNY_SIM_LOCALE_PATH first, then the package's own."""
    extra = [Path(p) for p in os.environ.get(LOCALE_PATH_ENV, "").split(os.pathsep) if p]
    return [*extra, LOCALE_DIR]


def languages(domain: str = "narration") -> tuple[str, ...]:
    """The languages with a compiled catalog for ``domain``: English first, then the others by code."""
    found = {lang.name for d in locale_dirs() if d.is_dir() for lang in d.iterdir()
             if (lang / "LC_MESSAGES" / f"{domain}.mo").is_file()}
    return tuple(sorted(found, key=lambda code: (code != SOURCE_LANGUAGE, code)))


@lru_cache(maxsize=None)
def _translations(lang: str, domain: str, dirs: tuple[Path, ...]) -> gettext.NullTranslations:
    for directory in dirs:
        if (directory / lang / "LC_MESSAGES" / f"{domain}.mo").is_file():
            return gettext.translation(domain, localedir=str(directory), languages=[lang])
    raise ValueError(f"unknown language {lang!r}; choose one of: {', '.join(languages(domain))}")


@lru_cache(maxsize=None)
def _babel_locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LANGUAGE)


class Language:
    """The words of one language for one domain (``narration``, ``report`` or ``console``)."""

    def __init__(self, lang: str, domain: str):
        if domain not in DOMAINS:
            raise ValueError(f"unknown message domain {domain!r}; known: {', '.join(DOMAINS)}")
        self.code = lang
        self.domain = domain
        self.catalog = _translations(lang, domain, tuple(locale_dirs()))
        self.locale = _babel_locale(lang)

    # ------------------------------------------------------------------ messages
    def _(self, message: str, **values: Any) -> str:
        text = self.catalog.gettext(message)
        return text.format(**values) if values else text

    def n_(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """A message with a count: ``{n}`` is the count, grouped the language's way."""
        return self.catalog.ngettext(singular, plural, n).format(n=self.number(n), **values)

    def p_(self, context: str, message: str, **values: Any) -> str:
        text = self.catalog.pgettext(context, message)
        return text.format(**values) if values else text

    def np_(self, context: str, singular: str, plural: str, n: int, **values: Any) -> str:
        return self.catalog.npgettext(context, singular, plural, n).format(n=self.number(n), **values)

    # ------------------------------------------------------------------ numbers, money, dates
    def number(self, n: int) -> str:
        return format_decimal(n, format="#,##0", locale=self.locale)

    def money(self, fen: int, pattern: str | None = None) -> str:
        """Integer fen in words: whole yuan without decimals (``¥150``), else two (``¥12,345.67``); the pattern
        is the catalog's (``_("¥{amount}")`` unless given)."""
        whole, part = divmod(abs(fen), FEN_PER_YUAN)
        amount = self.number(whole) if part == 0 else format_decimal(
            Decimal(abs(fen)) / FEN_PER_YUAN, format="#,##0.00", locale=self.locale)
        return ("-" if fen < 0 else "") + (pattern or self._("¥{amount}")).format(amount=amount)

    def datetime(self, ts: int | dt.datetime, pattern: str) -> str:
        """A Beijing time with an LDML pattern (``"d MMM HH:mm"``), month names in this language."""
        moment = to_beijing(ts) if isinstance(ts, int) else ts
        return format_datetime(moment, pattern, locale=self.locale)
