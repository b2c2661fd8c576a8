"""Reading the log "as known at" a position or a recorded time, and evaluating from the
store (DESIGN §6.1: evaluating from the store equals evaluating the raw list)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.events import Event, to_json
from slacore.loading import load_policy
from slacore.log import EventLog, open_log
from slacore.policies import evaluate
from slacore.testing.event_strategies import EXAMPLE_EVENTS, ticket_histories
from slacore.testing.profiles import examples

ROOT = Path(__file__).resolve().parents[2]


def ev(type_: str, event_id: str, ticket: str = "INC1", **extra: Any) -> dict[str, Any]:
    data = dict(EXAMPLE_EVENTS[type_], event_id=event_id, **extra)
    if "ticket_id" in data:
        data["ticket_id"] = ticket
    return data


def ids(events: list[Event]) -> list[str]:
    return [e.event_id for e in events]


def test_as_known_at_a_position_or_a_recorded_time(log: EventLog, clock: Any) -> None:
    t1 = clock.now
    log.ingest([ev("opened", "o1"), ev("opened", "o2", "INC2")])  # positions 1-2 at t1
    t2 = clock.advance(hours=1)
    log.ingest([ev("updated", "u1"), ev("resolved", "r2", "INC2")])  # 3-4 at t2
    t3 = clock.advance(hours=1)
    log.ingest([ev("opened", "o3", "INC3"), ev("resolved", "r1")])  # 5-6 at t3

    assert ids(log.ticket_events("INC1", as_known_at=3)) == ["o1", "u1"]
    assert ids(log.ticket_events("INC1", as_known_at=0)) == []
    assert ids(log.ticket_events("INC1")) == ["o1", "u1", "r1"]
    assert log.position_at(t1 - timedelta(microseconds=1)) == 0
    assert [log.position_at(t) for t in (t1, t2 - timedelta(seconds=1), t2, t3)] == [2, 2, 4, 6]
    assert ids(log.ticket_events("INC1", as_known_at=t2)) == ["o1", "u1"]
    in_berlin = (t2 + timedelta(minutes=30)).astimezone(timezone(timedelta(hours=2)))
    assert ids(log.ticket_events("INC2", as_known_at=in_berlin)) == ["o2", "r2"]
    assert log.tickets(as_known_at=t2) == ["INC1", "INC2"]
    assert log.tickets(as_known_at=1) == ["INC1"]
    assert log.tickets() == ["INC1", "INC2", "INC3"]
    assert [r.position for r in log.read(upto=t1)] == [1, 2]
    assert [r.position for r in log.read(after=2, upto=t2)] == [3, 4]
    assert log.resolve(None) is None and log.resolve(t3) == 6


def test_bad_as_of_points(log: EventLog) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        log.position_at(datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        log.resolve(True)
    with pytest.raises(ValueError, match=">= 0"):
        log.resolve(-1)


def test_an_auditor_rebuilds_the_view_of_a_past_day(log: EventLog, clock: Any) -> None:
    """What was known on the day the report was produced, not what is known now."""
    policy = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=["business",
                                                                                   "apac-business"])
    always = {"business": _always(), "apac-business": _always()}
    log.ingest([ev("opened", "o1", at="2026-03-02T09:00:00+01:00",
                   fields={"priority": "P1", "status": "new"})])
    report_day = clock.advance(days=1)
    clock.advance(days=1)
    log.ingest([ev("resolved", "r1", at="2026-03-02T10:00:00+01:00")])  # arrives late
    then = evaluate(policy, log.ticket_events("INC1", as_known_at=report_day), calendars=always)
    now = evaluate(policy, log.ticket_events("INC1"), calendars=always)
    assert then.metrics["resolution"][0].state == "running"
    assert now.metrics["resolution"][0].state == "stopped"


def _always() -> Any:
    from slacore.clock import BusinessCalendar

    return BusinessCalendar.always("UTC")


@settings(max_examples=examples(30), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=ticket_histories(ticket_id="T"), data=st.data())
def test_evaluating_from_the_store_equals_evaluating_the_raw_list(
    history: list[Event], data: Any
) -> None:
    policy = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=["business",
                                                                                   "apac-business"])
    calendars = {"business": _always(), "apac-business": _always()}
    delivered = data.draw(st.permutations(history + history[: data.draw(st.integers(0, 3))]))
    with open_log("memory://") as log:
        for i in range(0, len(delivered), 3):
            log.ingest(delivered[i : i + 3])
        from_store = log.ticket_events("T")
    assert sorted(map(to_json, from_store)) == sorted(map(to_json, history))
    assert evaluate(policy, from_store, calendars=calendars) == evaluate(
        policy, history, calendars=calendars
    )
