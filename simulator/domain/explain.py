"""Decoded contract values in words people read: fen as ¥, durations in days, times in Beijing time."""

from __future__ import annotations

from typing import Any, Callable

from ..chain.clock import DAY, format_beijing
from .money import fmt_fen

#: Argument names that hold a moment (unix seconds): shown in Beijing time. "...At" (closesAt, releasableAt),
#: start/end/expiry (courseStart, promiseEnd), deadline, decideBy, payday, until and a bare "time".
_TIME_SUFFIXES = ("At", "start", "Start", "end", "End", "expiry", "Expiry", "deadline", "Deadline", "By", "payday",
                  "Payday", "until", "Until", "time", "Time")
NameOf = Callable[[str], "str | None"]


def format_arg(name: str, value: Any, name_of: NameOf | None = None) -> str:
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42 and name_of is not None:
        return name_of(value) or value
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    if name.endswith("Fen"):
        return fmt_fen(value)
    if name.endswith("Seconds"):
        return f"{value / DAY:g} days" if value % 3600 == 0 else f"{value} s"
    if name.endswith(_TIME_SUFFIXES) and value > 10**9:
        return format_beijing(value)
    return str(value)


def format_args(args: dict[str, Any], name_of: NameOf | None = None) -> str:
    """``{"chargeFen": 600000, "capFen": 500000}`` -> ``"chargeFen=¥6,000, capFen=¥5,000"``; addresses
    become actor or contract names when ``name_of`` knows them."""
    return ", ".join(f"{k}={format_arg(k, v, name_of)}" for k, v in args.items())
