"""JSON and JSON Lines: the round trip is exact (offsets, microseconds, Decimal digits,
booleans vs numbers, cleared fields), bad lines name their 1-based number and the field,
and the canonical form identifies content regardless of representation."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings

from slacore.events import (
    EVENT_TYPES,
    EventBase,
    InvalidEvent,
    TicketOpened,
    TicketUpdated,
    VendorUptimeReported,
    canonical_json,
    dumps_jsonl,
    from_json,
    loads_jsonl,
    parse_event,
    to_json,
)
from slacore.testing.event_strategies import EXAMPLE_EVENTS as EXAMPLES
from slacore.testing.event_strategies import events, ticket_histories

KATHMANDU = timezone(timedelta(hours=5, minutes=45))


def assert_same(a: object, b: object) -> None:
    """Equal, and every datetime / Decimal has the same offset / digits (``==`` alone
    ignores both)."""
    assert a == b
    assert type(a) is type(b)
    if isinstance(a, datetime) and isinstance(b, datetime):
        assert a.utcoffset() == b.utcoffset()
        assert (a.year, a.hour, a.minute, a.microsecond) == (
            b.year,
            b.hour,
            b.minute,
            b.microsecond,
        )
    elif isinstance(a, Decimal) and isinstance(b, Decimal):
        assert a.as_tuple() == b.as_tuple()
    elif isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same(a[key], b[key])


def assert_exact_round_trip(event: object) -> None:
    assert isinstance(event, EventBase)
    text = to_json(event)
    back = from_json(text)
    assert to_json(back) == text
    assert back == event
    for name in type(event).model_fields:
        assert_same(getattr(back, name), getattr(event, name))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_round_trips(name: str) -> None:
    assert_exact_round_trip(parse_event(EXAMPLES[name]))


def test_offsets_and_microseconds_survive() -> None:
    at = datetime(2026, 3, 2, 14, 45, 0, 123, tzinfo=KATHMANDU)
    event = TicketOpened(event_id="e1", ticket_id="INC1", at=at)
    text = to_json(event)
    assert '"at":"2026-03-02T14:45:00.000123+05:45"' in text
    back = from_json(text)
    assert back.at == at and back.at.utcoffset() == timedelta(hours=5, minutes=45)
    assert back.at.microsecond == 123
    assert_exact_round_trip(event)


@pytest.mark.parametrize(
    "at",
    [
        "2026-03-02T09:00:00-03:30",
        "2026-03-02T09:00:00.5+14:00",
        "2026-03-02T09:00:00.999999-12:00",
        "2026-11-01T01:30:00-05:00",
    ],
)
def test_odd_offsets_round_trip(at: str) -> None:
    event = parse_event({"type": "closed", "event_id": "e", "ticket_id": "T", "at": at})
    assert_exact_round_trip(event)


def test_zoneinfo_becomes_its_fixed_offset() -> None:
    # The second 01:30 of the New York fall-back night (fold=1, -05:00).
    at = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York"))
    event = TicketOpened(event_id="e1", ticket_id="INC1", at=at)
    assert event.at.tzinfo == timezone(timedelta(hours=-5)) and event.at.fold == 0
    assert event.at.astimezone(timezone.utc) == at.astimezone(timezone.utc)
    assert '"at":"2026-11-01T01:30:00-05:00"' in to_json(event)
    back = from_json(to_json(event))
    assert back == event and back.at.tzinfo == event.at.tzinfo
    first = TicketOpened(event_id="e1", ticket_id="INC1", at=at.replace(fold=0))
    assert first.at.utcoffset() == timedelta(hours=-4) and first != event


def test_z_is_read_and_written_as_plus_zero() -> None:
    event = from_json(
        '{"type":"closed","event_id":"e","ticket_id":"T","at":"2026-03-02T09:00:00Z"}'
    )
    assert to_json(event) == (
        '{"type":"closed","event_id":"e","ticket_id":"T","at":"2026-03-02T09:00:00+00:00"}'
    )


def test_field_values_keep_their_kind() -> None:
    changes = {
        "priority": 1,
        "impact": Decimal("2.50"),
        "urgency": True,
        "assignee": None,
        "attributes": {"ratio": Decimal("0.1"), "tiny": Decimal("1E-7"), "note": "→ \u2028 ok"},
    }
    event = TicketUpdated(
        event_id="u1",
        ticket_id="T",
        at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        changes=changes,  # type: ignore[arg-type]
    )
    text = to_json(event)
    assert '"impact":2.50' in text and '"urgency":true' in text and '"assignee":null' in text
    assert '"tiny":1E-7' in text
    assert_exact_round_trip(event)
    back = from_json(text)
    assert isinstance(back, TicketUpdated)
    assert back.changes["priority"] == 1 and back.changes["urgency"] is True


def test_decimal_percent_keeps_its_digits() -> None:
    for text in ("99.950", "100", "1E+2", "0.0001"):
        event = parse_event(
            {
                **EXAMPLES["vendor_uptime_reported"],
                "uptime_percent": Decimal(text),
            }
        )
        assert_exact_round_trip(event)
        back = from_json(to_json(event))
        assert isinstance(back, VendorUptimeReported)
        assert str(back.uptime_percent) == text


def test_float_input_reads_as_its_shortest_decimal() -> None:
    event = from_json(
        '{"type":"opened","event_id":"e","ticket_id":"T","at":"2026-01-01T00:00:00Z",'
        '"fields":{"attributes":{"x":0.1,"big":12345678901234567890.5}}}'
    )
    assert isinstance(event, TicketOpened)
    assert event.fields["attributes"] == {
        "x": Decimal("0.1"),
        "big": Decimal("12345678901234567890.5"),
    }


def test_json_field_order_and_omitted_nones() -> None:
    text = to_json(parse_event(EXAMPLES["updated"]))
    assert list(json.loads(text)) == [
        "type",
        "event_id",
        "ticket_id",
        "at",
        "seq",
        "source",
        "actor",
        "changes",
    ]
    closed = to_json(parse_event(EXAMPLES["closed"]))
    assert (
        closed
        == '{"type":"closed","event_id":"e7","ticket_id":"INC1","at":"2026-03-02T09:00:00+01:00"}'
    )


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"type":"closed","type":"opened"}', "key 'type' appears twice"),
        (
            '{"type":"opened","event_id":"e","ticket_id":"T","at":"2026-01-01T00:00:00Z",'
            '"fields":{"attributes":{"x":NaN}}}',
            "NaN is not a JSON number",
        ),
    ],
)
def test_from_json_refuses_bad_json(text: str, fragment: str) -> None:
    with pytest.raises(InvalidEvent) as info:
        from_json(text)
    assert [p.field for p in info.value.problems] == ["(json)"]
    assert fragment in str(info.value)


def test_from_json_names_the_field() -> None:
    with pytest.raises(InvalidEvent) as info:
        from_json('{"type":"closed","event_id":"e9","at":"2026-01-01T00:00:00Z"}')
    assert str(info.value) == (
        "invalid event 'e9': ticket_id: required for 'closed' events (got nothing)"
    )


# --------------------------------------------------------------------------- JSON Lines


def test_jsonl_round_trip() -> None:
    events = [parse_event(EXAMPLES[name]) for name in sorted(EXAMPLES)]
    text = dumps_jsonl(events)
    assert text.endswith("\n") and text.count("\n") == len(events)
    back = loads_jsonl(text)
    assert back == events
    assert dumps_jsonl(back) == text
    assert loads_jsonl(text.splitlines(keepends=True)) == events  # like an open file
    assert loads_jsonl(text.encode()) == events
    assert loads_jsonl([line.encode() for line in text.split("\n")]) == events
    assert dumps_jsonl([]) == "" and loads_jsonl("") == []


def test_jsonl_skips_blank_lines_and_crlf() -> None:
    lines = dumps_jsonl([parse_event(EXAMPLES["opened"]), parse_event(EXAMPLES["closed"])])
    text = "\n" + lines.replace("\n", "\r\n", 1) + "   \n\n"
    assert [e.type for e in loads_jsonl(text)] == ["opened", "closed"]


def test_jsonl_keeps_line_separators_inside_strings() -> None:
    event = parse_event({**EXAMPLES["closed"], "actor": "a\u2028b\u0085c"})
    assert loads_jsonl(dumps_jsonl([event, event])) == [event, event]


def test_jsonl_bad_line_names_line_number_and_field() -> None:
    good = to_json(parse_event(EXAMPLES["opened"]))
    bad = to_json(parse_event(EXAMPLES["closed"])).replace("+01:00", "")
    text = "\n".join([good, "", good, bad, good])
    with pytest.raises(InvalidEvent) as info:
        loads_jsonl(text)
    exc = info.value
    assert exc.line == 4
    assert [p.field for p in exc.problems] == ["at"]
    assert str(exc).startswith("invalid event 'e7' on line 4: at: a timezone-aware")
    assert "'2026-03-02T09:00:00'" in str(exc)


def test_jsonl_bad_json_names_line_number() -> None:
    with pytest.raises(InvalidEvent) as info:
        loads_jsonl(["\n", '{"type": "closed",\n'])
    assert info.value.line == 2
    assert "on line 2: (json): not valid JSON" in str(info.value)


def test_jsonl_unknown_type_on_a_line() -> None:
    with pytest.raises(InvalidEvent) as info:
        loads_jsonl('{"type":"escalated","event_id":"x"}\n')
    assert info.value.line == 1
    assert "type: unknown event type; known types: opened, updated" in str(info.value)


# --------------------------------------------------------------------------- canonical


def test_canonical_json_ignores_representation() -> None:
    a = parse_event({**EXAMPLES["vendor_uptime_reported"], "uptime_percent": Decimal("99.90")})
    b = parse_event(
        {
            **EXAMPLES["vendor_uptime_reported"],
            "uptime_percent": Decimal("99.9"),
            "at": "2026-04-01T11:45:00+05:45",
            "period_start": "2026-02-28T19:00:00-05:00",
        }
    )
    assert to_json(a) != to_json(b)
    assert canonical_json(a) == canonical_json(b)
    assert '"at":"2026-04-01T06:00:00.000000Z"' in canonical_json(a)
    assert canonical_json(a).startswith('{"at":')  # keys sorted


def test_canonical_json_sees_content() -> None:
    a = parse_event(EXAMPLES["updated"])
    changed = {**EXAMPLES["updated"], "changes": {"status": "awaiting_customer", "assignee": "bob"}}
    assert canonical_json(a) != canonical_json(parse_event(changed))
    one = {**EXAMPLES["opened"], "fields": {"urgency": 1}}
    true = {**EXAMPLES["opened"], "fields": {"urgency": True}}
    assert canonical_json(parse_event(one)) != canonical_json(parse_event(true))


# --------------------------------------------------------------------------- properties


@settings(max_examples=100, deadline=None)
@given(events())
def test_any_event_round_trips_exactly(event: object) -> None:
    assert_exact_round_trip(event)
    assert canonical_json(from_json(to_json(event))) == canonical_json(event)  # type: ignore[arg-type]


@settings(max_examples=30, deadline=None)
@given(ticket_histories())
def test_any_history_round_trips_through_jsonl(history: list[TicketOpened]) -> None:
    text = dumps_jsonl(history)
    back = loads_jsonl(text)
    assert [to_json(e) for e in back] == [to_json(e) for e in history]
    assert back == history


# --------------------------------------------------------------------------- the docs


def test_docs_examples_parse_and_cover_every_type() -> None:
    text = (Path(__file__).parents[2] / "docs" / "events.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    parsed = [from_json(block) for block in blocks]
    assert sorted(e.type for e in parsed) == sorted(EVENT_TYPES)
    for event in parsed:
        assert_exact_round_trip(event)
