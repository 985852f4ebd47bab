"""Beijing time (UTC+8) for a simulated run.

The chain counts time in unix seconds; people read it in Beijing time. Everything here is a pure function
of its arguments: no wall clock is ever read.

    >>> parse_beijing("2022-05-09 18:00")
    1652090400
    >>> format_beijing(1652090400)
    '2022-05-09 18:00:00 CST'
    >>> beijing_day(parse_beijing("2022-05-10")) - beijing_day(parse_beijing("2022-05-09 23:59:59"))
    1
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

__all__ = [
    "BEIJING",
    "BEIJING_OFFSET",
    "SECOND",
    "MINUTE",
    "HOUR",
    "DAY",
    "WEEK",
    "parse_beijing",
    "to_timestamp",
    "to_beijing",
    "format_beijing",
    "format_beijing_date",
    "beijing_day",
    "beijing_midnight",
    "day_start",
]

SECOND = 1
MINUTE = 60
HOUR = 3600
DAY = 86400
WEEK = 7 * DAY

#: Offset of Beijing time (China Standard Time, no daylight saving) from UTC, in seconds.
BEIJING_OFFSET = 8 * HOUR
#: tzinfo for Beijing time. Printed as "CST" (China Standard Time).
BEIJING = timezone(timedelta(seconds=BEIJING_OFFSET), "CST")

_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def parse_beijing(text: str) -> int:
    """Unix seconds of a Beijing wall-clock time: "2022-05-09", "2022-05-09 18:00", "2022-05-09 18:00:30".

    A date alone means Beijing midnight of that day. A trailing "CST" or "+08:00" is accepted (both say
    Beijing time); any other explicit offset is refused rather than silently converted.
    Raises ValueError on anything else.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a date/time string in Beijing time, got {text!r}")
    s = " ".join(text.split())  # trims and collapses whitespace
    for suffix in (" CST", "+08:00", " +08:00", "+0800", " +0800"):
        if s.endswith(suffix):
            s = s[: -len(suffix)].rstrip()
            break
    for fmt in _FORMATS:
        try:
            naive = datetime.strptime(s, fmt)
        except ValueError:
            continue
        return int(naive.replace(tzinfo=BEIJING).timestamp())
    raise ValueError(
        f"not a Beijing date/time: {text!r} (expected e.g. '2022-05-09' or '2022-05-09 18:00' or '2022-05-09 18:00:30')"
    )


def to_timestamp(value: int | str | date | datetime) -> int:
    """Unix seconds from an int (returned as is), a Beijing time string, a date (Beijing midnight) or a
    datetime (naive means Beijing wall-clock time; aware is converted)."""
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return parse_beijing(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=BEIJING)
        return int(value.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=BEIJING).timestamp())
    raise ValueError(f"not a time: {value!r}")


def to_beijing(ts: int) -> datetime:
    """An aware datetime in Beijing time for unix seconds `ts`."""
    return datetime.fromtimestamp(int(ts), tz=BEIJING)


def format_beijing(ts: int) -> str:
    """'2022-05-09 18:00:00 CST' for unix seconds `ts`."""
    return to_beijing(ts).strftime("%Y-%m-%d %H:%M:%S CST")


def format_beijing_date(ts: int) -> str:
    """'2022-05-09' (the Beijing calendar date) for unix seconds `ts`."""
    return to_beijing(ts).strftime("%Y-%m-%d")


def beijing_day(ts: int) -> int:
    """Day number counted from Beijing midnight: (ts + 8 h) // 1 day.

    This is the day index a contract computes as `(block.timestamp + 8 hours) / 1 days`, so a daily limit
    resets at 00:00 Beijing time.
    """
    return (int(ts) + BEIJING_OFFSET) // DAY


def day_start(day: int) -> int:
    """Unix seconds of Beijing midnight that opens day number `day` (the inverse of beijing_day)."""
    return int(day) * DAY - BEIJING_OFFSET


def beijing_midnight(ts: int) -> int:
    """Unix seconds of the Beijing midnight at or before `ts`."""
    return day_start(beijing_day(ts))
