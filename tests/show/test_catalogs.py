"""The message catalogs (show/locale/): every message the code marks is translated in every shipped language,
with the same {placeholders}; the committed .mo files are the .po files compiled; nothing obsolete lingers."""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ecny_sim.show import i18n

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [(domain, po.parent.parent.name, po) for domain in i18n.DOMAINS
           for po in sorted(i18n.LOCALE_DIR.glob(f"*/LC_MESSAGES/{domain}.po"))]
IDS = [f"{domain}-{lang}" for domain, lang, _ in SHIPPED]


def _catalog(po: Path):
    with po.open("rb") as f:
        return read_po(f, locale=po.parent.parent.name, domain=po.stem)


def _marked(domain: str) -> set:
    """(context, msgid) of every message the domain's code marks, as `make catalogs` extracts them."""
    with (ROOT / "tools" / "babel" / f"{domain}.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=i18n.KEYWORDS, comment_tags=("TRANSLATORS:",)):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_domains_ship_in_english_and_chinese():
    shipped = {(domain, lang) for domain, lang, _ in SHIPPED}
    assert {(d, lang) for d in i18n.DOMAINS for lang in ("en", "zh")} <= shipped
    for domain in i18n.DOMAINS:
        assert i18n.languages(domain)[:1] == ("en",) and "zh" in i18n.languages(domain)


@pytest.mark.parametrize("domain,lang,po", SHIPPED, ids=IDS)
def test_the_committed_mo_is_the_po_compiled(domain, lang, po):
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(po))
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.read_bytes() == compiled.getvalue(), f"{mo} is stale: run `make catalogs`"


@pytest.mark.parametrize("domain,lang,po", SHIPPED, ids=IDS)
def test_every_marked_message_is_in_the_catalog_and_nothing_else(domain, lang, po):
    catalog = _catalog(po)
    entries = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    marked = _marked(domain)
    assert marked, f"no message of the {domain} domain was found in the code"
    assert not marked - entries, f"not in {po.name} ({lang}): {sorted(marked - entries)[:5]}; run `make catalogs`"
    assert not entries - marked, f"obsolete in {po.name} ({lang}): {sorted(entries - marked)[:5]}"


@pytest.mark.parametrize("domain,lang,po", [s for s in SHIPPED if s[1] != i18n.SOURCE_LANGUAGE],
                         ids=[i for i, s in zip(IDS, SHIPPED) if s[1] != i18n.SOURCE_LANGUAGE])
def test_every_message_is_translated_with_the_same_placeholders(domain, lang, po):
    catalog = _catalog(po)
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strs = [m.string] if isinstance(m.string, str) else list(m.string)
        assert all(strs) and not m.fuzzy, f"{lang}: untranslated or fuzzy: {ids[0]!r}"
        want = set().union(*(_fields(i) for i in ids))
        for text in strs:
            # a plural form may leave out the count ("{n}") where the language says it in words
            assert _fields(text) <= want and _fields(text) >= want - {"n"}, \
                f"{lang}: placeholders differ in {ids[0]!r}: {text!r}"


def test_plural_forms_follow_the_language():
    for domain, lang, po in SHIPPED:
        catalog = _catalog(po)
        assert catalog.num_plurals == {"en": 2, "zh": 1}.get(lang, catalog.num_plurals), (domain, lang)


def test_money_and_dates_keep_the_pilots_way_of_writing_them():
    en, zh = i18n.Language("en", "narration"), i18n.Language("zh", "narration")
    assert [en.money(f) for f in (15_000, 1_234_567, -500)] == ["¥150", "¥12,345.67", "-¥5"]
    assert [zh.money(f) for f in (15_000, 1_234_567)] == ["150元", "12,345.67元"]
    assert re.fullmatch(r"\d+ [A-Z][a-z]{2} \d\d:\d\d", en.datetime(1666094400, "d MMM HH:mm"))


def test_an_unknown_language_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown language 'fr'; choose one of: en, zh"):
        i18n.Language("fr", "narration")
