"""The event models: every type parses, bad input is refused with errors that name the
field path and the value, values are normalised, and the JSON Schema lists every type."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ValidationError

from slacore.errors import InvalidInput
from slacore.events import (
    EVENT_TYPES,
    MISSING,
    SERVICE_EVENT_TYPES,
    TICKET_EVENT_TYPES,
    TICKET_FIELDS,
    Event,
    InvalidEvent,
    MaintenanceScheduled,
    Subject,
    TicketOpened,
    TicketUpdated,
    VendorUptimeReported,
    event_json_schema,
    parse_event,
    parse_events,
)
from slacore.testing.event_strategies import EXAMPLE_EVENTS

EXAMPLES = EXAMPLE_EVENTS


def problems(exc: InvalidEvent) -> dict[str, Any]:
    return {p.field: p.value for p in exc.problems}


def refuse(data: Any) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as info:
        parse_event(data)
    return info.value


def with_(name: str, **changes: Any) -> dict[str, Any]:
    data = dict(EXAMPLES[name])
    for key, value in changes.items():
        if value is MISSING:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# --------------------------------------------------------------------------- vocabulary


def test_examples_cover_every_type() -> None:
    assert set(EXAMPLES) == set(EVENT_TYPES)
    assert EVENT_TYPES == TICKET_EVENT_TYPES + SERVICE_EVENT_TYPES
    assert len(set(EVENT_TYPES)) == 15


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_type_parses(name: str) -> None:
    event = parse_event(EXAMPLES[name])
    assert event.type == name
    assert event.event_id == EXAMPLES[name]["event_id"]
    assert event.at.utcoffset() is not None
    kind = "ticket" if name in TICKET_EVENT_TYPES else "service"
    assert event.subject == Subject(kind, EXAMPLES[name].get("ticket_id") or "email")


def test_opened_keeps_fields_and_offset() -> None:
    event = parse_event(EXAMPLES["opened"])
    assert isinstance(event, TicketOpened)
    assert event.fields["priority"] == "P2"
    assert event.fields["attributes"] == {"channel": "phone", "vip": True}
    assert event.at == datetime(2026, 3, 2, 8, tzinfo=timezone.utc)
    assert event.at.utcoffset() == timedelta(hours=1)
    assert event.seq is None and event.source is None and event.actor is None


def test_updated_distinguishes_cleared_from_unmentioned() -> None:
    event = parse_event(EXAMPLES["updated"])
    assert isinstance(event, TicketUpdated)
    assert event.changes == {"status": "awaiting_customer", "assignee": None}
    assert "priority" not in event.changes
    assert (event.seq, event.source, event.actor) == (2, "servicenow", "alice")


def test_python_construction_with_zoneinfo() -> None:
    at = datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    event = TicketOpened(event_id="e1", ticket_id="INC1", at=at)
    assert event.type == "opened" and event.fields == {}
    assert event.at == at and event.at.tzinfo == timezone(timedelta(hours=2))


def test_opened_fields_default_to_empty() -> None:
    event = parse_event(with_("opened", fields=MISSING))
    assert isinstance(event, TicketOpened)
    assert event.fields == {}


def test_models_are_frozen_and_hashable() -> None:
    event = parse_event(EXAMPLES["opened"])
    with pytest.raises(ValidationError):
        event.event_id = "other"  # type: ignore[misc]
    same = parse_event(with_("opened", at="2026-03-02T08:00:00Z"))
    assert same == event and hash(same) == hash(event)
    assert len({event, same, parse_event(EXAMPLES["closed"])}) == 2


def test_event_passes_through_and_works_as_a_pydantic_field() -> None:
    event = parse_event(EXAMPLES["closed"])
    assert parse_event(event) is event

    class Envelope(BaseModel):
        event: Event

    wrapped = Envelope.model_validate({"event": EXAMPLES["outage_started"]})
    assert wrapped.event.type == "outage_started"


def test_maintenance_window_id_defaults_to_event_id() -> None:
    # Format 1 (no ``format`` key) let the id out; it is upcast to the event id.
    event = parse_event(with_("maintenance_scheduled", maintenance_id=MISSING))
    assert isinstance(event, MaintenanceScheduled)
    assert event.maintenance_id == "m1" and event.window_id == "m1" and event.format == 2
    named = parse_event(EXAMPLES["maintenance_scheduled"])
    assert isinstance(named, MaintenanceScheduled) and named.window_id == "CHG42"


# --------------------------------------------------------------------------- values


def test_numbers_become_int_or_decimal() -> None:
    fields = {
        "impact": 2,
        "urgency": Decimal("3"),
        "attributes": {"f": 0.1, "d": Decimal("1.50"), "e": Decimal("1E+2"), "t": True},
    }
    event = parse_event(with_("opened", fields=fields))
    assert isinstance(event, TicketOpened)
    attributes = event.fields["attributes"]
    assert event.fields["urgency"] == 3 and type(event.fields["urgency"]) is int
    assert attributes["f"] == Decimal("0.1") and isinstance(attributes["f"], Decimal)
    assert str(attributes["d"]) == "1.50"
    assert attributes["e"] == 100 and type(attributes["e"]) is int
    assert attributes["t"] is True


def test_uptime_percent_is_decimal() -> None:
    event = parse_event(with_("vendor_uptime_reported", uptime_percent=99.9))
    assert isinstance(event, VendorUptimeReported)
    assert event.uptime_percent == Decimal("99.9")
    event = parse_event(with_("vendor_uptime_reported", uptime_percent="100"))
    assert isinstance(event, VendorUptimeReported)
    assert event.uptime_percent == Decimal(100)


# --------------------------------------------------------------------------- errors


def test_errors_are_invalid_input() -> None:
    exc = refuse(with_("opened", at="2026-03-02T09:00:00"))
    assert isinstance(exc, InvalidInput) and isinstance(exc, ValueError)
    assert exc.event_id == "e1"


@pytest.mark.parametrize(
    "at", ["2026-03-02T09:00:00", datetime(2026, 3, 2, 9)], ids=["text", "datetime"]
)
def test_naive_at_names_at_and_value(at: Any) -> None:
    exc = refuse(with_("opened", at=at))
    assert problems(exc) == {"at": at}
    assert "at: a timezone-aware datetime is required" in str(exc)
    assert repr(at) in str(exc)


def test_at_must_be_text_or_datetime() -> None:
    exc = refuse(with_("closed", at=1_700_000_000))
    assert problems(exc) == {"at": 1_700_000_000}
    assert "ISO 8601" in str(exc)


def test_offset_must_be_whole_minutes() -> None:
    lmt = datetime(1850, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam"))  # +00:19:32 LMT
    exc = refuse(with_("closed", at=lmt))
    assert list(problems(exc)) == ["at"]
    assert "whole number of minutes" in str(exc)


def test_unknown_type_lists_known_types() -> None:
    exc = refuse(with_("closed", type="escalated"))
    assert problems(exc) == {"type": "escalated"}
    message = str(exc)
    assert "unknown event type" in message and "'escalated'" in message
    for name in EVENT_TYPES:
        assert name in message


def test_missing_type() -> None:
    exc = refuse(with_("closed", type=MISSING))
    assert problems(exc) == {"type": MISSING}
    assert "known types: opened" in str(exc) and "(got nothing)" in str(exc)


@pytest.mark.parametrize("field", ["ticket_id", "event_id", "at"])
def test_missing_ids_and_at_are_named(field: str) -> None:
    exc = refuse(with_("resolved", **{field: MISSING}))
    assert problems(exc) == {field: MISSING}
    assert f"{field}: required for 'resolved' events (got nothing)" in str(exc)


def test_missing_service_id_and_changes() -> None:
    exc = refuse(with_("outage_ended", service_id=MISSING))
    assert problems(exc) == {"service_id": MISSING}
    exc = refuse(with_("updated", changes=MISSING))
    assert problems(exc) == {"changes": MISSING}


@pytest.mark.parametrize("value", ["", "   "])
def test_blank_ids_are_refused(value: str) -> None:
    exc = refuse(with_("closed", event_id=value, ticket_id=value))
    assert problems(exc) == {"event_id": value, "ticket_id": value}


def test_ids_must_be_strings() -> None:
    exc = refuse(with_("closed", ticket_id=42))
    assert problems(exc) == {"ticket_id": 42}


def test_ticket_event_with_service_id() -> None:
    exc = refuse(with_("closed", ticket_id=MISSING, service_id="email"))
    assert problems(exc) == {"ticket_id": MISSING, "service_id": "email"}
    assert "'closed' events carry ticket_id, not service_id" in str(exc)


def test_unknown_top_level_key_lists_allowed() -> None:
    exc = refuse(with_("closed", reason="dup"))
    assert problems(exc) == {"reason": "dup"}
    assert "unknown field for 'closed' events; allowed: type, event_id, at" in str(exc)


def test_unknown_field_key_is_named_with_its_path() -> None:
    exc = refuse(with_("updated", changes={"status": "new", "colour": "red"}))
    assert problems(exc) == {"changes.colour": "red"}
    message = str(exc)
    assert "unknown ticket field 'colour'" in message and "attributes" in message
    for name in TICKET_FIELDS:
        assert name in message
    exc = refuse(with_("opened", fields={"Priority": "P1"}))
    assert problems(exc) == {"fields.Priority": "P1"}


@pytest.mark.parametrize(
    ("fields", "path", "value"),
    [
        ({"priority": ["P1"]}, "fields.priority", ["P1"]),
        ({"attributes": {"tags": ["a", "b"]}}, "fields.attributes.tags", ["a", "b"]),
        ({"attributes": {"x": float("nan")}}, "fields.attributes.x", None),
        ({"impact": Decimal("Infinity")}, "fields.impact", Decimal("Infinity")),
        ({"attributes": "vip"}, "fields.attributes", "vip"),
    ],
)
def test_non_scalar_field_values(fields: dict[str, Any], path: str, value: Any) -> None:
    exc = refuse(with_("opened", fields=fields))
    assert list(problems(exc)) == [path]
    if value is not None:
        assert problems(exc)[path] == value


def test_fields_must_be_a_mapping() -> None:
    exc = refuse(with_("opened", fields=["priority"]))
    assert list(problems(exc)) == ["fields"]


@pytest.mark.parametrize("seq", ["3", 3.0, True])
def test_seq_is_a_strict_integer(seq: Any) -> None:
    exc = refuse(with_("closed", seq=seq))
    assert problems(exc) == {"seq": seq}


@pytest.mark.parametrize(
    "end", ["2026-03-07T22:00:00+01:00", "2026-03-07T20:59:59Z"], ids=["equal", "before"]
)
def test_maintenance_end_must_follow_start(end: str) -> None:
    exc = refuse(with_("maintenance_scheduled", end=end))
    assert problems(exc) == {"end": end}
    assert "end: must be after start (2026-03-07T22:00:00+01:00)" in str(exc)


def test_naive_maintenance_start() -> None:
    exc = refuse(with_("maintenance_scheduled", start="2026-03-07T22:00:00"))
    assert problems(exc) == {"start": "2026-03-07T22:00:00"}


def test_maintenance_cancelled_needs_the_window_id() -> None:
    exc = refuse(with_("maintenance_cancelled", maintenance_id=MISSING))
    assert problems(exc) == {"maintenance_id": MISSING}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"uptime_percent": Decimal("100.01")}, "uptime_percent"),
        ({"uptime_percent": -1}, "uptime_percent"),
        ({"uptime_percent": True}, "uptime_percent"),
        ({"uptime_percent": "NaN"}, "uptime_percent"),
        ({"period_end": "2026-02-28T00:00:00Z"}, "period_end"),
        ({"vendor": ""}, "vendor"),
    ],
)
def test_vendor_uptime_errors(changes: dict[str, Any], field: str) -> None:
    exc = refuse(with_("vendor_uptime_reported", **changes))
    assert problems(exc) == {field: changes[field]}


def test_every_problem_is_reported_at_once() -> None:
    exc = refuse({"type": "opened", "at": "2026-03-02", "fields": {"foo": 1}})
    assert set(problems(exc)) == {"event_id", "ticket_id", "at", "fields.foo"}


def test_not_a_mapping() -> None:
    exc = refuse(["opened"])
    assert problems(exc) == {"(root)": ["opened"]}


def test_parse_events_names_the_index() -> None:
    good = EXAMPLES["opened"]
    bad = with_("closed", at="2026-03-02T09:00:00")
    assert [e.type for e in parse_events([good, EXAMPLES["closed"]])] == ["opened", "closed"]
    with pytest.raises(InvalidEvent) as info:
        parse_events([good, good, bad])
    assert info.value.index == 2
    assert str(info.value).startswith("invalid event 'e7' at index 2: at:")


# --------------------------------------------------------------------------- JSON Schema


def test_json_schema_is_json_and_lists_every_type() -> None:
    schema = event_json_schema()
    text = json.dumps(schema)
    assert json.loads(text) == schema
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["discriminator"]["propertyName"] == "type"
    assert set(schema["discriminator"]["mapping"]) == set(EVENT_TYPES)
    assert len(schema["oneOf"]) == len(EVENT_TYPES)
    consts = {
        d["properties"]["type"]["const"]
        for d in schema["$defs"].values()
        if "type" in d.get("properties", {})
    }
    assert consts == set(EVENT_TYPES)


def test_json_schema_shapes() -> None:
    schema = event_json_schema()
    defs = schema["$defs"]
    opened = defs["TicketOpened"]
    assert opened["additionalProperties"] is False
    assert set(opened["required"]) == {"event_id", "at", "ticket_id"}
    assert opened["properties"]["at"]["format"] == "date-time"
    fields = defs["TicketFields"]
    assert fields["additionalProperties"] is False
    assert set(fields["properties"]) == set(TICKET_FIELDS)
    assert defs["VendorUptimeReported"]["properties"]["uptime_percent"]["type"] == "number"
    schema["title"] = "changed"
    assert event_json_schema()["title"] == "slacore event"  # a fresh copy each time
