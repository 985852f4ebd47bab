"""Chromium through Playwright for Python, with no browser download: the system's Chromium
(``executable_path``, /usr/bin/chromium unless ECNY_CHROMIUM names another). Without it (or without Playwright)
the browser tests are skipped with the reason, unless ECNY_REQUIRE_BROWSER=1 (as in .ci/run), which makes that a
failure. ``watch(page)`` collects what must not happen: console errors, uncaught exceptions, failed requests."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

REQUIRE_BROWSER = os.environ.get("ECNY_REQUIRE_BROWSER") == "1"


def chromium_path() -> str | None:
    named = os.environ.get("ECNY_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _missing(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason}; ECNY_REQUIRE_BROWSER=1 makes that a failure")
    pytest.skip(reason)


def launch() -> Iterator[Any]:
    """A headless Chromium for a fixture to yield; closed (and Playwright stopped) when the fixture ends."""
    binary = chromium_path()
    if binary is None:
        _missing("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def watch(page: Any) -> Watch:
    seen = Watch()
    page.on("console", lambda m: m.type == "error" and seen.errors.append(f"console.error: {m.text}"))
    page.on("pageerror", lambda e: seen.errors.append(f"exception: {e}"))
    page.on("requestfailed", lambda r: seen.errors.append(f"failed: {r.url} {r.failure}"))
    page.on("request", lambda r: seen.requests.append(r.url))
    return seen
