#!/usr/bin/env python3
"""The gate of `make audit`: reads slither's JSON and the triage file, prints the findings, and fails on any
High or Medium finding the triage file does not accept.

    python tools/audit/check.py build/audit/slither.json audit/triage.toml

Standard library only (Python 3.11+ for tomllib), so it runs in the audit venv or any other.

A finding is keyed by detector + where + (sometimes) detail, never by line numbers:
  where   "Contract.function" for a finding about a function (or a node in it), "Contract.variable" for a state
          variable; the contract is the one that declares it.
  detail  the local variable's name (uninitialized-local and other local-variable findings) or the called
          function, "receiver.name" (unused-return and the unchecked-* detectors); absent for the rest.
  calls   reentrancy detectors only: the external calls slither saw, as "receiver.name" ("_token.moveEarmark";
          a call through a cast such as IEarmarkController(c).onWalletClose is "IEarmarkController.onWalletClose").

A triage entry ([[accepted]] in the TOML file) names detector and where, and may narrow itself with detail
(must be equal) and calls (every external call of the finding must be in the list, so a new call to something
else in an accepted function fails the gate again). Without them it accepts every finding of that detector in
that function. Every entry needs a one-line reason.

Exit status: 0 all High/Medium findings triaged; 1 some are not; 2 bad input (slither failed, file missing,
malformed triage file). Triage entries that match nothing are reported as stale (a warning; --fail-stale makes
them an error).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    sys.exit("tools/audit/check.py needs Python 3.11 or newer (tomllib)")

GATED = ("High", "Medium")
IMPACT_ORDER = {"High": 0, "Medium": 1, "Low": 2, "Informational": 3, "Optimization": 4}
DETAIL_IS_CALLEE = ("unused-return", "unchecked-transfer", "unchecked-lowlevel", "unchecked-send")
ENTRY_KEYS = {"detector", "where", "detail", "calls", "reason"}


class InputError(Exception):
    pass


@dataclass
class Finding:
    detector: str
    impact: str
    confidence: str
    where: str
    detail: str | None
    calls: frozenset[str]
    location: str  # file#lines, for people only
    summary: str
    accepted_by: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.where} [{self.detail}]" if self.detail else self.where


@dataclass
class Entry:
    index: int
    detector: str
    where: str
    detail: str | None
    calls: frozenset[str] | None
    reason: str
    matched: int = 0

    def accepts(self, f: Finding) -> bool:
        if f.detector != self.detector or f.where != self.where:
            return False
        if self.detail is not None and f.detail != self.detail:
            return False
        if self.calls is not None and not f.calls <= self.calls:
            return False
        return True

    @property
    def label(self) -> str:
        text = f"{self.detector} {self.where}"
        if self.detail is not None:
            text += f" [{self.detail}]"
        if self.calls is not None:
            text += f" calls={sorted(self.calls)}"
        return text


# ---------------------------------------------------------------------------------------------- slither JSON


def _parent(element: dict) -> dict | None:
    return (element.get("type_specific_fields") or {}).get("parent")


def _where(element: dict) -> tuple[str, str | None]:
    """("Contract.member", local variable name or None) for slither's primary element."""
    kind, name = element.get("type"), element.get("name", "")
    parent = _parent(element)
    if kind == "variable" and parent and parent.get("type") == "function":
        contract = _parent(parent) or {}
        return f"{contract.get('name', '?')}.{parent.get('name', '?')}", name
    if kind == "node" and parent and parent.get("type") == "function":
        contract = _parent(parent) or {}
        return f"{contract.get('name', '?')}.{parent.get('name', '?')}", None
    if parent and parent.get("type") == "contract":
        return f"{parent.get('name', '?')}.{name}", None
    return name or "?", None


def callee(expression: str) -> str | None:
    """'receiver.name' of the outermost call in a node's expression, None for an internal call.

    '_token.endAllEarmarks(funder)' -> '_token.endAllEarmarks';
    'IEarmarkController(controller).onWalletClose(wallet)' -> 'IEarmarkController.onWalletClose';
    'x = _token.earmarkedOf(a,b)' -> '_token.earmarkedOf'; '_payOut(one,c)' -> None.
    """
    text = expression.strip()
    if "=" in text:  # an assignment: the call is on the right
        text = re.split(r"(?<![=!<>])=(?!=)", text)[-1].strip()
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):  # the '(' that opens the final argument list
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            target = text[:i]
            break
    else:
        return None
    target = re.sub(r"\{[^{}]*\}$", "", target)  # call options: f{value: v}(...)
    if "." not in target:
        return None
    receiver, name = target.rsplit(".", 1)
    cast = re.fullmatch(r"(\w+)\(.*\)", receiver)
    if cast:
        receiver = cast.group(1)
    return f"{receiver}.{name}"


def _summary(description: str, limit: int = 300) -> str:
    """slither's description on one line: the headline and the lines under it, without file#line suffixes."""
    text = " ".join(line.strip() for line in description.strip().splitlines()[:4])
    text = re.sub(r" \([^()]*\.sol#[\d-]+\)", "", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_findings(path: Path) -> list[Finding]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: not found (did slither run?)") from None
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: not JSON: {err}") from None
    if not data.get("success", False):
        raise InputError(f"{path}: slither failed: {data.get('error')}")
    findings = []
    for result in (data.get("results") or {}).get("detectors", []):
        elements = result.get("elements") or []
        if not elements:
            continue
        detector = result["check"]
        where, local = _where(elements[0])
        nodes = [e for e in elements[1:] if e.get("type") == "node"]
        detail = local
        if detail is None and detector in DETAIL_IS_CALLEE and nodes:
            detail = callee(nodes[0].get("name", ""))
        calls = set()
        if detector.startswith("reentrancy"):
            for e in nodes:
                kind = (e.get("additional_fields") or {}).get("underlying_type", "")
                if kind.startswith("external_calls"):
                    name = callee(e.get("name", ""))
                    if name:
                        calls.add(name)
        findings.append(Finding(
            detector=detector,
            impact=result.get("impact", "?"),
            confidence=result.get("confidence", "?"),
            where=where,
            detail=detail,
            calls=frozenset(calls),
            location=result.get("first_markdown_element", ""),
            summary=_summary(result.get("description") or ""),
        ))
    return findings


# ---------------------------------------------------------------------------------------------- triage file


def load_triage(path: Path) -> list[Entry]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: not found") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: {err}") from None
    unknown = set(data) - {"accepted"}
    if unknown:
        raise InputError(f"{path}: unknown top-level keys {sorted(unknown)} (only [[accepted]] tables)")
    entries, seen, problems = [], set(), []
    for i, raw in enumerate(data.get("accepted", []), start=1):
        where = f"{path}: entry {i}"
        extra = set(raw) - ENTRY_KEYS
        if extra:
            problems.append(f"{where}: unknown keys {sorted(extra)}")
        for key in ("detector", "where", "reason"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                problems.append(f"{where}: `{key}` missing or empty")
        reason = str(raw.get("reason", "")).strip()
        if "\n" in reason:
            problems.append(f"{where}: the reason must be one line")
        detail = raw.get("detail")
        if detail is not None and not isinstance(detail, str):
            problems.append(f"{where}: `detail` must be a string")
        calls = raw.get("calls")
        if calls is not None and (not isinstance(calls, list) or not all(isinstance(c, str) for c in calls)):
            problems.append(f"{where}: `calls` must be a list of strings")
        key = (raw.get("detector"), raw.get("where"), detail, tuple(sorted(calls)) if calls else None)
        if key in seen:
            problems.append(f"{where}: duplicate of an earlier entry")
        seen.add(key)
        entries.append(Entry(i, str(raw.get("detector", "")), str(raw.get("where", "")), detail,
                             frozenset(calls) if isinstance(calls, list) else None, reason))
    if problems:
        raise InputError("\n".join(problems))
    return entries


# ---------------------------------------------------------------------------------------------- report


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    widths[-1] = len(headers[-1])  # the last column (reason) is not padded
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slither_json", type=Path)
    parser.add_argument("triage", type=Path)
    parser.add_argument("--fail-stale", action="store_true", help="stale triage entries are an error too")
    args = parser.parse_args(argv)
    try:
        findings = load_findings(args.slither_json)
        entries = load_triage(args.triage)
    except InputError as err:
        print(f"audit: {err}", file=sys.stderr)
        return 2

    for f in findings:
        for e in entries:
            if e.accepts(f):
                f.accepted_by.append(e.index)
                e.matched += 1
    by_index = {e.index: e for e in entries}

    gated = sorted((f for f in findings if f.impact in GATED),
                   key=lambda f: (IMPACT_ORDER.get(f.impact, 9), f.detector, f.label))
    rows, untriaged = [], []
    for f in gated:
        if f.accepted_by:
            rows.append([f.impact, f.detector, f.label, "yes", by_index[f.accepted_by[0]].reason])
        else:
            untriaged.append(f)
            rows.append([f.impact, f.detector, f.label, "NO", "-"])
    print(f"High/Medium findings ({len(gated)}):")
    print(_table(rows, ["impact", "detector", "where", "triaged", "reason"]) if rows else "  none")
    if untriaged:
        print("\nNot triaged (fix the code, or add an [[accepted]] entry if it is a false positive):")
        for f in untriaged:
            key = f'detector = "{f.detector}", where = "{f.where}"'
            if f.detail:
                key += f', detail = "{f.detail}"'
            if f.calls:
                key += ", calls = [" + ", ".join(f'"{c}"' for c in sorted(f.calls)) + "]"
            print(f"  {f.impact} {f.detector} at {f.location}\n    {f.summary}\n    key: {key}")

    rest = Counter((f.impact, f.detector) for f in findings if f.impact not in GATED)
    if rest:
        print(f"\nLow/Informational/Optimization findings ({sum(rest.values())}, not gated; "
              "details in slither's text output):")
        for (impact, detector), n in sorted(rest.items(), key=lambda kv: (IMPACT_ORDER.get(kv[0][0], 9), kv[0][1])):
            print(f"  {impact:<14} {detector:<28} {n}")

    stale = [e for e in entries if e.matched == 0]
    if stale:
        print(f"\nwarning: {len(stale)} stale triage entries match no finding; delete them from {args.triage} "
              "once the code they excused is gone:")
        for e in stale:
            print(f"  entry {e.index}: {e.label}")

    counts = Counter(f.impact for f in findings)
    print(f"\n{len(findings)} results: " + ", ".join(
        f"{counts[k]} {k}" for k in sorted(counts, key=lambda k: IMPACT_ORDER.get(k, 9))) +
        f"; {len(gated) - len(untriaged)} of {len(gated)} High/Medium triaged"
        + (f"; {len(stale)} stale triage entries" if stale else ""))
    sys.stdout.flush()
    if untriaged:
        print(f"audit FAILED: {len(untriaged)} High/Medium finding(s) not in {args.triage}. Fix the code, or if "
              "it is a false positive add an [[accepted]] entry with a one-line reason.", file=sys.stderr)
        return 1
    if stale and args.fail_stale:
        print("audit FAILED: stale triage entries (--fail-stale)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
