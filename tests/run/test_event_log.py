"""A run's events are kept on disk past the last batch, and read back whole and in order."""

from __future__ import annotations

import pytest

from ecny_sim.run.engine import RecordedEvent
from ecny_sim.run.event_log import EventLog


def event(i: int) -> RecordedEvent:
    return RecordedEvent("escrow", "OrderPlaced", {"orderId": i, "parent": f"0x{i:040x}", "ok": i % 2 == 0},
                         "parent:li", "enrol")


def test_events_come_back_in_order_across_batches():
    log = EventLog(batch=3)
    for i in range(10):
        log.append(event(i))
    assert len(log) == 10
    assert list(log) == [event(i) for i in range(10)]
    assert list(log) == list(log)  # read again from the start
    assert len(log._tail) == 1  # nine are on disk, one in memory


def test_events_appended_while_reading_the_file_are_read_too():
    log = EventLog(batch=2)
    for i in range(4):
        log.append(event(i))
    seen = []
    for ev in log:
        seen.append(ev.args["orderId"])
        if len(seen) == 1:
            for i in range(4, 7):
                log.append(event(i))
    assert seen == list(range(7))


def test_closing_empties_the_log():
    log = EventLog(batch=2)
    for i in range(5):
        log.append(event(i))
    log.close()
    assert len(log) == 0 and list(log) == []
    log.append(event(7))
    assert [ev.args["orderId"] for ev in log] == [7]


def test_a_batch_holds_at_least_one_event():
    with pytest.raises(ValueError, match="at least one event"):
        EventLog(batch=0)
