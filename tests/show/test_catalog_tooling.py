"""`make catalogs` and the code agree: pybabel is given the same keywords the code marks messages with, and each
committed .po is exactly what `make catalogs` writes (so running it on a clean checkout changes nothing)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from ecny_sim.show import i18n

ROOT = Path(__file__).resolve().parents[2]


def _pybabel_keywords() -> dict:
    line = next(l for l in (ROOT / "Makefile").read_text().splitlines() if l.startswith("BABEL_KEYWORDS"))
    found = {}
    for name, spec in re.findall(r"-k (\w+)(?::(\S+))?", line):
        if not spec:
            found[name] = None
            continue
        parts = tuple((int(p[:-1]), "c") if p.endswith("c") else int(p) for p in spec.split(","))
        found[name] = parts
    return found


def test_the_makefile_extracts_with_the_codes_keywords():
    assert _pybabel_keywords() == i18n.KEYWORDS


@pytest.mark.parametrize("po", sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/*.po")), ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_each_po_is_as_make_catalogs_writes_it(po):
    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parent.parent.name, domain=po.stem)
    again = io.BytesIO()
    write_po(again, catalog, width=76, include_previous=False, ignore_obsolete=True)
    assert again.getvalue().decode() == po.read_text(encoding="utf-8"), \
        f"{po} is not in the form `make catalogs` writes: run `make catalogs` and commit the result"
