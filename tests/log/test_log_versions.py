"""Policy and calendar versions as events: who published, who approved, from when, and
which version was in force, as known at any point of the log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from slacore.clock import BusinessCalendar
from slacore.loading import load_policy
from slacore.log import CalendarPublished, EventLog, PolicyPublished, in_force

ROOT = Path(__file__).resolve().parents[2]
CALS = ["business", "apac-business"]
JAN = datetime(2026, 1, 1, tzinfo=timezone.utc)


def policy_v(version: int, effective_from: datetime) -> Any:
    policy = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=CALS)
    return policy.model_copy(update={"version": version, "effective_from": effective_from})


def test_policy_versions_round_trip_with_their_provenance(log: EventLog) -> None:
    v1 = PolicyPublished.of(
        policy_v(1, JAN), published_by="alice", approved_by=["bob", "carol"], at=JAN
    )
    assert v1.event_id == "slacore:policy:standard-incident:v1"
    report = log.publish(v1)
    assert report.stored == 1
    [back] = log.policy_versions("standard-incident")
    assert back == v1 and back.model_dump_json() == v1.model_dump_json()
    assert (back.published_by, back.approved_by) == ("alice", ("bob", "carol"))
    assert back.policy(calendars=CALS) == policy_v(1, JAN)
    rec = log.stream("policy:standard-incident")[0]
    assert rec.event == v1 and rec.position == 1


def test_publishing_is_idempotent_and_a_changed_version_is_a_conflict(log: EventLog) -> None:
    v1 = PolicyPublished.of(policy_v(1, JAN), published_by="alice", at=JAN)
    log.publish(v1)
    assert log.publish(v1).duplicates == 1
    tampered = PolicyPublished.of(
        policy_v(1, JAN + timedelta(days=1)), published_by="mallory", at=JAN
    )
    report = log.publish(tampered)
    assert [c.event_id for c in report.conflicts] == [v1.event_id]
    assert log.policy_versions("standard-incident") == [v1]


def test_which_version_was_in_force_and_as_known_when(log: EventLog, clock: Any) -> None:
    v1 = PolicyPublished.of(policy_v(1, JAN), published_by="alice", at=JAN)
    log.publish(v1)
    before_v2 = clock.now
    clock.advance(days=1)
    march = datetime(2026, 3, 1, tzinfo=timezone.utc)
    v2 = PolicyPublished.of(policy_v(2, march), published_by="bob", at=march)
    log.publish(v2)
    versions = log.policy_versions("standard-incident")
    assert in_force(versions, datetime(2026, 2, 1, tzinfo=timezone.utc)) == v1
    assert in_force(versions, datetime(2026, 4, 1, tzinfo=timezone.utc)) == v2
    assert in_force(versions, datetime(2025, 4, 1, tzinfo=timezone.utc)) is None
    known_then = log.policy_versions("standard-incident", as_known_at=before_v2)
    assert in_force(known_then, datetime(2026, 4, 1, tzinfo=timezone.utc)) == v1


def test_calendar_versions(log: EventLog) -> None:
    cal = BusinessCalendar(
        "Europe/Berlin",
        hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays=["2026-12-24", "2026-12-25"],
    )
    c1 = CalendarPublished.of(
        "business", cal, version=1, effective_from=JAN, published_by="ops", at=JAN
    )
    log.ingest([c1.model_dump(mode="json")])  # as a mapping, as it would come from a file
    [back] = log.calendar_versions("business")
    assert back == c1 and back.calendar().to_spec() == cal.to_spec()
    assert log.ingest_jsonl(c1.model_dump_json() + "\n").duplicates == 1


def test_bad_versions_are_rejected_with_reasons(log: EventLog) -> None:
    good = PolicyPublished.of(policy_v(1, JAN), published_by="alice", at=JAN)
    naive = good.model_dump(mode="json") | {"effective_from": "2026-01-01T00:00:00"}
    floaty = good.model_dump(mode="json") | {"definition": {"x": float("nan")}}
    report = log.ingest([naive, floaty, good.model_dump(mode="json") | {"version": 0}])
    assert [r.index for r in report.rejected] == [0, 1, 2]
    assert "effective_from" in report.rejected[0].reason
    assert "NaN" in report.rejected[1].reason
    assert "version" in report.rejected[2].reason
    line = report.rejected[0].event_id
    assert line == good.event_id
    bad_line = log.ingest_jsonl('{"type": "policy_published", "event_id": "p"}')
    assert bad_line.rejected[0].line == 1


@pytest.mark.parametrize("value", [datetime(2026, 1, 1, tzinfo=timezone.utc), {1: 2}, {"a": {3}}])
def test_definitions_must_be_json_plain(value: Any) -> None:
    with pytest.raises(ValueError, match=r"JSON-plain|keys must be strings"):
        CalendarPublished.of(
            "c", {"v": value}, version=1, effective_from=JAN, published_by="x", at=JAN
        )
