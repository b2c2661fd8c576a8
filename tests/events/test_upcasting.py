"""Format versions: events stored in format 1 (fixtures kept in tests/fixtures) read into
the current models, re-serialise in the current format, and give the same histories and
SLA results as the same facts written in the current format; the registry refuses
formats it does not know, with errors that name ``format``."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from slacore.events import (
    EVENT_TYPES,
    Event,
    InvalidEvent,
    MaintenanceScheduled,
    canonical_history,
    canonical_json,
    dumps_jsonl,
    event_json_schema,
    from_json,
    group_by_subject,
    loads_jsonl,
    parse_event,
    to_json,
)
from slacore.events.models import _CLASS_BY_TYPE
from slacore.events.upcasting import EVENT_FORMATS, FORMAT_KEY, FormatRegistry
from slacore.loading import load_policy
from slacore.policies import evaluate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
V1_TEXT = (FIXTURES / "events_v1.jsonl").read_text(encoding="utf-8")
CURRENT_TEXT = (FIXTURES / "events_current.jsonl").read_text(encoding="utf-8")
UTC = timezone.utc


def v1_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in V1_TEXT.splitlines()]


# --------------------------------------------------------------------------- fixtures


def test_the_v1_fixture_covers_every_type_and_is_format_1() -> None:
    rows = v1_rows()
    assert {r["type"] for r in rows} == set(EVENT_TYPES)
    assert all(FORMAT_KEY not in r for r in rows)
    # the case format 2 changed: a window without its id
    assert any(r["type"] == "maintenance_scheduled" and "maintenance_id" not in r for r in rows)


def test_v1_events_read_into_the_current_models() -> None:
    old, new = loads_jsonl(V1_TEXT), loads_jsonl(CURRENT_TEXT)
    assert old == new
    assert [type(e) for e in old] == [type(e) for e in new]
    assert [canonical_json(e) for e in old] == [canonical_json(e) for e in new]
    windows = {e.event_id: e.window_id for e in old if isinstance(e, MaintenanceScheduled)}
    assert windows == {"m1": "m1", "m2": "CHG42", "m3": "m3"}


def test_v1_events_re_serialise_in_the_current_format() -> None:
    assert dumps_jsonl(loads_jsonl(V1_TEXT)) == CURRENT_TEXT
    assert dumps_jsonl(loads_jsonl(CURRENT_TEXT)) == CURRENT_TEXT  # a fixed point
    written = [json.loads(line) for line in CURRENT_TEXT.splitlines()]
    for row in written:
        current = EVENT_FORMATS.current(row["type"])
        assert row.get(FORMAT_KEY, 1) == current
        lead = ["type", FORMAT_KEY] if current > 1 else ["type"]
        assert list(row)[: len(lead)] == lead


def test_mappings_read_like_lines() -> None:
    assert [parse_event(r) for r in v1_rows()] == loads_jsonl(CURRENT_TEXT)
    assert [from_json(line) for line in V1_TEXT.splitlines()] == loads_jsonl(CURRENT_TEXT)


def test_canonical_histories_are_the_same() -> None:
    old, new = group_by_subject(loads_jsonl(V1_TEXT)), group_by_subject(loads_jsonl(CURRENT_TEXT))
    assert list(old) == list(new)
    for subject in old:
        a, b = canonical_history(old[subject]), canonical_history(new[subject])
        assert a == b
        assert [to_json(e) for e in a.events] == [to_json(e) for e in b.events]
    service = canonical_history(next(v for k, v in old.items() if k.kind == "service"))
    # m4 cancels the window m3, whose id format 1 left implicit: no anomaly
    assert service.anomalies == ()


def test_sla_results_are_the_same_and_as_computed_by_hand() -> None:
    policy = load_policy(FIXTURES / "policy_v1.yaml")
    as_of = datetime(2026, 3, 6, tzinfo=UTC)
    results = []
    for text in (V1_TEXT, CURRENT_TEXT):
        groups = group_by_subject(loads_jsonl(text))
        services = next(v for k, v in groups.items() if k.kind == "service")
        tickets = {k.id: v for k, v in groups.items() if k.kind == "ticket"}
        results.append(
            {t: evaluate(policy, evs, services=services, as_of=as_of) for t, evs in tickets.items()}
        )
    assert results[0] == results[1]
    first = results[0]["INC1"].metrics["resolution"][0]
    # opened 09:00Z, resolved 13:00Z; maintenance m1 10:00-11:00 (no id in format 1) and
    # CHG42 11:30-12:00 excluded; m3 12:00-12:15 was cancelled by its implicit id.
    assert first.started_at == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert first.stopped_at == datetime(2026, 3, 2, 13, tzinfo=UTC)
    assert first.excluded == timedelta(hours=1, minutes=30)
    assert first.elapsed == timedelta(hours=2, minutes=30)


# --------------------------------------------------------------------------- stored rows


def envelope(text: str) -> bytes:
    return ('{"recorded_at":"2026-02-20T12:00:01.000000+00:00","event":' + text + "}").encode()


def test_a_stored_v1_row_is_upcast_by_the_mapper() -> None:
    from eventsourcing.persistence import StoredEvent

    from slacore.log.records import EventMapper

    line = V1_TEXT.splitlines()[11]
    assert '"event_id":"m1"' in line and "maintenance_id" not in line
    stored = StoredEvent("service:email", 1, "slacore:maintenance_scheduled", envelope(line))
    event = EventMapper().decode(stored).event
    assert isinstance(event, MaintenanceScheduled)
    assert event.maintenance_id == "m1" and event.format == 2


def _events_table(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            columns = {row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')}
            if {"originator_id", "originator_version", "topic", "state"} <= columns:
                return str(name)
    finally:
        conn.close()
    raise AssertionError("no stored-events table")


def test_a_v1_row_in_a_sqlite_store_reads_as_the_current_model(tmp_path: Path) -> None:
    from slacore.log import open_log

    db = tmp_path / "old.db"
    rows = [r for r in v1_rows() if r["type"] == "maintenance_scheduled"]
    with open_log(f"sqlite:///{db}") as log:
        assert log.ingest(rows).stored == 3
    # What an older slacore stored: the format-1 text, byte for byte.
    table = _events_table(db)
    conn = sqlite3.connect(db)
    lines = [ln for ln in V1_TEXT.splitlines() if "maintenance_sch" in ln]
    for version, line in enumerate(lines, 1):
        conn.execute(
            f'UPDATE "{table}" SET state = ? WHERE originator_id = ? AND originator_version = ?',
            (envelope(line), "service:email", version),
        )
    conn.commit()
    conn.close()
    with open_log(f"sqlite:///{db}") as log:
        events = log.service_events("email")
        assert events == [e for e in loads_jsonl(CURRENT_TEXT) if e.type == "maintenance_scheduled"]
        # the same fact delivered again in the current format is a duplicate, not a conflict
        report = log.ingest(loads_jsonl(CURRENT_TEXT)[11:14])
        assert (report.duplicates, report.conflicts, report.stored) == (3, [], 0)


# --------------------------------------------------------------------------- the rules


def window(**extra: Any) -> dict[str, Any]:
    data = json.loads(V1_TEXT.splitlines()[11])
    return {**data, **extra}


def test_explicit_formats() -> None:
    upcast = parse_event(window())
    assert parse_event(window(format=1)) == upcast
    assert parse_event(window(format=2, maintenance_id="m1")) == upcast
    # format 1 with the id already there (a mapping built by hand in the new shape)
    assert parse_event(window(maintenance_id="m1")) == upcast
    assert parse_event(window(maintenance_id=None)) == upcast
    # a format-1 type may say so
    closed = {"type": "closed", "event_id": "c", "ticket_id": "T", "at": "2026-01-01T00:00:00Z"}
    assert parse_event({**closed, "format": 1}) == parse_event(closed)
    assert FORMAT_KEY not in to_json(parse_event(closed))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (3, "format 3 of event 'maintenance_scheduled' is newer than this version"),
        (0, "whole number from 1 to 2"),
        ("2", "whole number from 1 to 2"),
        (True, "whole number from 1 to 2"),
        (2.0, "whole number from 1 to 2"),
    ],
)
def test_unreadable_formats_are_refused_naming_the_field(value: object, message: str) -> None:
    with pytest.raises(InvalidEvent) as info:
        parse_event(window(format=value))
    assert [(p.field, p.value) for p in info.value.problems] == [("format", value)]
    assert message in str(info.value) and "'m1'" in str(info.value)
    with pytest.raises(InvalidEvent, match="format 2 of event 'closed' is newer"):
        from_json('{"type":"closed","format":2,"event_id":"c","ticket_id":"T",'
                  '"at":"2026-01-01T00:00:00Z"}')


def test_format_2_requires_the_window_id() -> None:
    data = window(format=2)
    with pytest.raises(InvalidEvent) as info:
        parse_event(data)
    assert [p.field for p in info.value.problems] == ["maintenance_id"]


def test_models_upcast_on_every_path() -> None:
    data = window()
    expected = parse_event(data)
    assert MaintenanceScheduled.model_validate(data) == expected
    assert MaintenanceScheduled(**{k: v for k, v in data.items() if k != "type"}) == expected
    assert TypeAdapter(Event).validate_python(data) == expected

    class Envelope(BaseModel):
        event: Event

    assert Envelope.model_validate({"event": data}).event == expected
    assert MaintenanceScheduled.model_validate(expected.model_dump()) == expected


def test_model_formats_agree_with_the_registry() -> None:
    changed = EVENT_FORMATS.changed()
    assert changed == {"maintenance_scheduled": 2}
    for type_, cls in _CLASS_BY_TYPE.items():
        field = cls.model_fields.get(FORMAT_KEY)
        if type_ in changed:
            assert field is not None and field.default == changed[type_]
        else:
            assert field is None and EVENT_FORMATS.current(type_) == 1


def test_the_json_schema_says_format_2() -> None:
    schema = event_json_schema()
    defs = schema["$defs"]["MaintenanceScheduled"]
    assert defs["properties"]["format"]["const"] == 2
    assert "maintenance_id" in defs["required"]


def test_a_registry_chains_upcasters_in_order() -> None:
    registry = FormatRegistry("thing")
    calls: list[int] = []

    @registry.register("box", 1)
    def one_to_two(data: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        data["size_mm"] = data.pop("size_cm") * 10
        return data

    @registry.register("box", 2)
    def two_to_three(data: dict[str, Any]) -> dict[str, Any]:
        calls.append(2)
        data["dims"] = {"size_mm": data.pop("size_mm")}
        return data

    assert registry.current("box") == 3 and registry.current("other") == 1
    source = {"size_cm": 4}
    assert registry.upcast("box", source) == {"dims": {"size_mm": 40}, "format": 3}
    assert source == {"size_cm": 4}  # never changed in place
    from_2 = registry.upcast("box", {"format": 2, "size_mm": 5})
    assert from_2 == {"dims": {"size_mm": 5}, "format": 3}
    assert calls == [1, 2, 2]
    current = {"format": 3, "dims": {}}
    assert registry.upcast("box", current) is current
    with pytest.raises(ValueError, match="next upcaster to register is from format 3"):
        registry.register("box", 5)(one_to_two)
