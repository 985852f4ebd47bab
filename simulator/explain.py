"""Decoded contract values in words people read: fen as ¥, durations in days, times in Beijing time."""

from __future__ import annotations

from typing import Any

from .clock import DAY, format_beijing
from .money import fmt_fen

_TIME_SUFFIXES = ("At", "start", "Start", "end", "End")


def format_arg(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    if name.endswith("Fen"):
        return fmt_fen(value)
    if name.endswith("Seconds"):
        return f"{value / DAY:g} days" if value % 3600 == 0 else f"{value} s"
    if name.endswith(_TIME_SUFFIXES) and value > 10**9:
        return format_beijing(value)
    return str(value)


def format_args(args: dict[str, Any]) -> str:
    """``{"chargeFen": 600000, "capFen": 500000}`` -> ``"chargeFen=¥6,000, capFen=¥5,000"``."""
    return ", ".join(f"{k}={format_arg(k, v)}" for k, v in args.items())
