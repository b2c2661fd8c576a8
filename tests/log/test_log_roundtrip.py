"""Exact round trip of every event type through each back end: what is read back equals
what was stored, with the same offsets, ``Decimal`` digits and free attributes (the same
``to_json`` text), and recorded positions and times that make sense."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.events import EVENT_TYPES, Event, parse_event, to_json
from slacore.log import EventLog, stream_of
from slacore.testing.event_strategies import EXAMPLE_EVENTS, events
from slacore.testing.profiles import examples

ROUND_TRIP = settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def fresh_ids(batch: list[Event]) -> list[Event]:
    """The events with ids unique to this example (the log outlives one example)."""
    tag = uuid.uuid4().hex[:8]
    return [
        e.model_copy(update={"event_id": f"{tag}-{i}-{e.event_id}"}) for i, e in enumerate(batch)
    ]


def test_every_example_event_type_round_trips(log: EventLog) -> None:
    originals = [parse_event(data) for data in EXAMPLE_EVENTS.values()]
    assert {e.type for e in originals} == set(EVENT_TYPES)
    log.ingest(originals)
    back = [r.event for r in log.read()]
    assert back == originals
    assert [to_json(e) for e in back] == [to_json(e) for e in originals]


@ROUND_TRIP
@given(batch=st.lists(events(), min_size=1, max_size=8))
def test_any_events_round_trip_exactly(log: EventLog, batch: list[Event]) -> None:
    batch = fresh_ids(batch)
    head = log.head()
    report = log.ingest(batch)
    assert report.stored == len(batch)
    records = list(log.read(after=head))
    assert [to_json(r.event) for r in records] == [to_json(e) for e in batch]
    assert [r.event for r in records] == batch
    assert [r.position for r in records] == list(range(head + 1, head + len(batch) + 1))
    by_stream: dict[str, list[str]] = defaultdict(list)
    for original in batch:
        by_stream[stream_of(original)].append(to_json(original))
    for stream, texts in by_stream.items():  # each stream ends with this batch, in order
        assert [to_json(r.event) for r in log.stream(stream)][-len(texts):] == texts


def test_awkward_values_survive(log: EventLog, make_log: Callable[..., EventLog]) -> None:
    opened = parse_event(
        {
            "type": "opened",
            "event_id": "ünïcode-id \u2028 \"quoted\"",
            "ticket_id": "INC/1 with spaces",
            "at": "2026-11-01T01:30:00.000001-05:00",
            "seq": -3,
            "fields": {
                "priority": Decimal("1.50"),
                "impact": 1,
                "urgency": True,
                "assignee": None,
                "attributes": {"ratio": Decimal("1E-7"), "big": 10**30, "emoji": "✓", "": ""},
            },
        }
    )
    uptime = parse_event(
        dict(EXAMPLE_EVENTS["vendor_uptime_reported"], uptime_percent=Decimal("99.9500"))
    )
    log.ingest([opened, uptime])
    back = log.ticket_events("INC/1 with spaces")[0]
    assert to_json(back) == to_json(opened)
    fields = back.fields  # type: ignore[union-attr]
    assert fields["priority"] == Decimal("1.50") and str(fields["priority"]) == "1.50"
    assert fields["urgency"] is True and fields["impact"] == 1 and type(fields["impact"]) is int
    assert back.at.utcoffset() == opened.at.utcoffset()
    assert str(log.service_events("email")[0].uptime_percent) == "99.9500"  # type: ignore[union-attr]
