"""The store on every back end: streams, positions, reading by ticket, by service and in
log order, persistence across re-opening, and the stored format."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent

from slacore.events import parse_event, to_json
from slacore.log import EventLog, EventMapper, RecordedEvent
from slacore.testing.event_strategies import EXAMPLE_EVENTS

Clock = Any  # conftest.Clock: a settable clock (``now``, ``advance(**timedelta)``)


def ev(type_: str, event_id: str, ticket: str = "INC1", **extra: Any) -> dict[str, Any]:
    data = dict(EXAMPLE_EVENTS[type_], event_id=event_id, **extra)
    if "ticket_id" in data:
        data["ticket_id"] = ticket
    return data


def test_events_go_to_their_subjects_streams_in_arrival_order(log: EventLog) -> None:
    report = log.ingest(
        [
            ev("resolved", "r1", "INC2"),  # arrives before the opening: stored as it comes
            ev("opened", "x1", "INC1"),
            EXAMPLE_EVENTS["outage_started"],
            ev("opened", "x2", "INC2"),
            ev("updated", "u1", "INC1"),
            EXAMPLE_EVENTS["maintenance_scheduled"],
        ]
    )
    assert (report.stored, report.first_position, report.last_position) == (6, 1, 6)
    assert [(r.position, r.version, r.event.event_id) for r in log.ticket("INC2")] == [
        (1, 1, "r1"),
        (4, 2, "x2"),
    ]
    assert [r.event.event_id for r in log.ticket("INC1")] == ["x1", "u1"]
    assert [e.event_id for e in log.service_events("email")] == ["o1", "m1"]
    assert log.ticket_events("INC9") == []
    assert log.tickets() == ["INC1", "INC2"]
    assert log.services() == ["email"]
    assert log.head() == 6
    assert log.stats() == {"events": 6, "event_ids": 6, "head": 6}
    rec = log.ticket("INC1")[0]
    assert (rec.stream, rec.originator_id, rec.originator_version) == (
        "ticket:INC1", "ticket:INC1", 1,
    )


def test_read_in_log_order_with_after_limit_types_and_upto(log: EventLog) -> None:
    log.ingest([ev("opened", f"o{i}", f"T{i}") for i in range(25)])
    log.ingest([ev("resolved", f"r{i}", f"T{i}") for i in range(25)])
    everything = list(log.read(page=7))
    assert [r.position for r in everything] == list(range(1, 51))
    assert [r.position for r in log.read(after=45)] == [46, 47, 48, 49, 50]
    assert [r.position for r in log.read(after=10, limit=3, page=2)] == [11, 12, 13]
    assert [r.position for r in log.read(upto=3)] == [1, 2, 3]
    assert [r.event.event_id for r in log.read(types=["resolved"], limit=2)] == ["r0", "r1"]
    assert list(log.read(after=50)) == []
    assert all(isinstance(r, RecordedEvent) for r in everything)


def test_recorded_at_comes_from_the_clock_one_instant_per_transaction(
    log: EventLog, clock: Clock
) -> None:
    log.ingest([ev("opened", "a"), ev("updated", "b")])
    first = clock.now
    clock.advance(minutes=5)
    log.ingest([ev("resolved", "c")])
    assert [r.recorded_at for r in log.read()] == [first, first, clock.now]
    assert all(r.recorded_at.utcoffset() is not None for r in log.read())


def test_recorded_times_never_decrease_even_if_the_clock_does(
    log: EventLog, clock: Clock
) -> None:
    log.ingest([ev("opened", "a")])
    later = clock.now
    clock.advance(hours=-3)  # the wall clock is set back
    log.ingest([ev("updated", "b")])
    assert [r.recorded_at for r in log.read()] == [later, later]


def test_the_log_persists_across_reopening(
    db_url: str, make_log: Callable[..., EventLog]
) -> None:
    first = make_log(db_url)
    first.ingest([ev("opened", "o1"), ev("updated", "u1")])
    first.close()
    again = make_log(db_url)
    assert [e.event_id for e in again.ticket_events("INC1")] == ["o1", "u1"]
    report = again.ingest([ev("opened", "o1"), ev("resolved", "r1")])
    assert (report.stored, report.duplicates) == (1, 1)
    assert [(r.position, r.version) for r in again.ticket("INC1")] == [(1, 1), (2, 2), (3, 3)]


def test_prefixes_keep_logs_apart_in_one_database(
    db_url: str, make_log: Callable[..., EventLog]
) -> None:
    sep = "&" if "?" in db_url else "?"
    a = make_log(db_url + f"{sep}prefix=alpha")
    b = make_log(db_url + f"{sep}prefix=beta")
    a.ingest([ev("opened", "o1")])
    assert b.ingest([ev("opened", "o1"), ev("opened", "o2", "INC2")]).stored == 2
    assert (a.head(), b.head()) == (1, 2)


def test_stored_state_is_readable_json_with_the_exact_event(log: EventLog) -> None:
    data = EXAMPLE_EVENTS["vendor_uptime_reported"]
    log.ingest([data])
    notification = log.recorder.select_notifications(start=1, limit=1)[0]
    assert notification.topic == "slacore:vendor_uptime_reported"
    assert notification.originator_id == "service:email"
    envelope = json.loads(notification.state)
    assert set(envelope) == {"recorded_at", "event"}
    text = notification.state.decode()
    assert text.endswith(',"event":' + to_json(parse_event(data)) + "}")
    assert '"uptime_percent":99.95' in text


def test_mapper_round_trip_and_bad_state() -> None:
    mapper = EventMapper()
    rec = RecordedEvent(
        "ticket:INC1",
        3,
        datetime(2026, 1, 1, tzinfo=timezone.utc),
        parse_event(EXAMPLE_EVENTS["updated"]),
    )
    stored = mapper.to_stored_event(rec)
    assert mapper.to_domain_event(stored) == rec
    with pytest.raises(MapperDeserialisationError, match="not a slacore event envelope"):
        mapper.decode(StoredEvent("ticket:x", 1, "slacore:opened", b'{"x":1}'))
    with pytest.raises(MapperDeserialisationError, match="invalid event"):
        mapper.decode(
            StoredEvent(
                "ticket:x",
                1,
                "slacore:opened",
                b'{"recorded_at":"2026-01-01T00:00:00+00:00","event":{"type":"opened"}}',
            )
        )
    with pytest.raises(TypeError):
        mapper.to_stored_event(stored)  # type: ignore[arg-type]
