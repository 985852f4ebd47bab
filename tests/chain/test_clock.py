from datetime import date, datetime, timezone

import pytest

from ecny_sim.chain.clock import (
    BEIJING,
    DAY,
    HOUR,
    WEEK,
    beijing_day,
    beijing_midnight,
    day_start,
    format_beijing,
    format_beijing_date,
    parse_beijing,
    to_beijing,
    to_timestamp,
)

T = 1652090400  # 2022-05-09 18:00 Beijing = 10:00 UTC


def test_constants():
    assert (HOUR, DAY, WEEK) == (3600, 86400, 604800)
    assert BEIJING.utcoffset(None).total_seconds() == 8 * HOUR


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2022-05-09 18:00", T),
        ("2022-05-09 18:00:00", T),
        ("2022-05-09T18:00", T),
        ("  2022-05-09   18:00  ", T),
        ("2022-05-09 18:00:00 CST", T),
        ("2022-05-09 18:00+08:00", T),
        ("2022-05-09", T - 18 * HOUR),
    ],
)
def test_parse(text, expected):
    assert parse_beijing(text) == expected


def test_date_only_is_beijing_midnight_not_utc():
    ts = parse_beijing("2022-05-09")
    assert datetime.fromtimestamp(ts, timezone.utc) == datetime(2022, 5, 8, 16, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("bad", ["", "   ", "2022-13-01", "09/05/2022", "2022-05-09 25:00", "2022-05-09 18:00Z", "tomorrow"])
def test_parse_rejects(bad):
    with pytest.raises(ValueError):
        parse_beijing(bad)


def test_parse_rejects_non_string():
    with pytest.raises(ValueError):
        parse_beijing(T)  # type: ignore[arg-type]


def test_format_round_trip():
    assert format_beijing(T) == "2022-05-09 18:00:00 CST"
    assert format_beijing_date(T) == "2022-05-09"
    for ts in (0, T, T + 59, 1_600_000_000, 4_102_444_799):
        assert parse_beijing(format_beijing(ts)) == ts
    assert to_beijing(T).hour == 18


def test_beijing_day_boundaries():
    before = parse_beijing("2022-05-09 23:59:59")
    midnight = parse_beijing("2022-05-10 00:00")
    assert beijing_day(midnight) == beijing_day(before) + 1
    assert beijing_day(midnight) == (midnight + 8 * HOUR) // DAY
    # 16:00 UTC is already the next Beijing day
    utc_1600 = int(datetime(2022, 5, 8, 16, 0, tzinfo=timezone.utc).timestamp())
    assert beijing_day(utc_1600) == beijing_day(utc_1600 - 1) + 1
    assert utc_1600 == parse_beijing("2022-05-09")
    assert beijing_midnight(before) == parse_beijing("2022-05-09")
    assert beijing_midnight(midnight) == midnight
    assert day_start(beijing_day(T)) == parse_beijing("2022-05-09")
    assert beijing_day(0) == 0 and beijing_day(16 * HOUR) == 1  # 1970-01-02 00:00 Beijing


def test_to_timestamp():
    assert to_timestamp(T) == T
    assert to_timestamp("2022-05-09 18:00") == T
    assert to_timestamp(date(2022, 5, 9)) == parse_beijing("2022-05-09")
    assert to_timestamp(datetime(2022, 5, 9, 18, 0)) == T  # naive = Beijing wall clock
    assert to_timestamp(datetime(2022, 5, 9, 10, 0, tzinfo=timezone.utc)) == T
    with pytest.raises(ValueError):
        to_timestamp(True)
    with pytest.raises(ValueError):
        to_timestamp(1.5)  # type: ignore[arg-type]
