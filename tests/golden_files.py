"""Golden files: what a run wrote before a refactor, kept to prove the refactor changed nothing.

A test compares today's output with the committed file. When an issue changes the journal, summary, report or
narration on purpose, regenerate them in the same commit and say why:

    ECNY_SIM_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_golden.py tests/show/test_narrator.py
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("ECNY_SIM_UPDATE_GOLDEN") == "1"


def digest(path: Path) -> dict[str, str]:
    """sha256 of every file under ``path`` (or of ``path`` itself), by relative name."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p.relative_to(path.parent if path.is_file() else path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files}


def compare_text(relative: str, text: str) -> None:
    """Asserts ``text`` equals the golden file ``relative`` (written instead when updating)."""
    file = GOLDEN / relative
    if UPDATE:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        return
    assert file.exists(), f"no golden file {file}; run with ECNY_SIM_UPDATE_GOLDEN=1 to write it"
    want = file.read_text(encoding="utf-8")
    if text != want:
        got, old = text.splitlines(), want.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(got, old)) if a != b), min(len(got), len(old)))
        raise AssertionError(f"{relative} differs from its golden file at line {first + 1}:\n"
                             f"  golden: {old[first] if first < len(old) else '<end>'}\n"
                             f"  now:    {got[first] if first < len(got) else '<end>'}")


def compare_digests(relative: str, digests: dict[str, str]) -> None:
    compare_text(relative, json.dumps(digests, indent=1, sort_keys=True) + "\n")
