"""Retention: personal values of old events are removed while the chain still verifies
(checkpoints taken before still hold), timestamps and states stay, the SLA results over
the retained events equal those over the originals (scenario and hypothesis), and what
was removed is reported per type and field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from slacore.clock import BusinessCalendar
from slacore.events import Event, to_json
from slacore.loading import load_policy
from slacore.log import (
    REDACTED,
    EventLog,
    PolicyPublished,
    RetentionConflict,
    RetentionError,
    RetentionPolicy,
    RetentionRule,
    open_log,
)
from slacore.policies import evaluate
from slacore.testing.event_strategies import service_histories, ticket_histories
from slacore.testing.profiles import examples

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
BUSINESS = BusinessCalendar(
    "Europe/Berlin", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
)
CALENDARS = {"business": BUSINESS, "apac-business": BUSINESS}
POLICY = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=CALENDARS)

PERSONAL = RetentionPolicy(
    rules=[
        RetentionRule(types=("opened", "updated"), older_than="3y",
                      fields=("assignee", "customer", "attributes.*")),
        RetentionRule(types=("*",), fields=("actor",), older_than="3y"),
    ]
)


def t(ticket: str, type_: str, eid: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "event_id": eid, "ticket_id": ticket, "at": at, **extra}


def scenario() -> list[dict[str, Any]]:
    personal = {"priority": "P2", "status": "new", "assignee": "amy", "customer": "ACME",
                "attributes": {"caller": "Bob Jones", "description": "printer on fire"}}
    return [
        # closed in 2020: its personal values go
        t("OLD", "opened", "old-1", "2020-01-10T09:00:00Z", actor="alice", fields=personal),
        t("OLD", "updated", "old-2", "2020-01-10T10:00:00Z", actor="alice",
          changes={"assignee": "zed", "status": "in_progress"}),
        t("OLD", "agent_responded", "old-3", "2020-01-10T11:00:00Z"),
        t("OLD", "resolved", "old-4", "2020-01-13T15:00:00Z", actor="zed"),
        t("OLD", "closed", "old-5", "2020-01-20T00:00:00Z", actor="system"),
        # as old, but still open: kept
        t("OPEN", "opened", "open-1", "2020-01-10T09:00:00Z", actor="alice", fields=personal),
        # closed, reopened, closed again recently: kept
        t("BACK", "opened", "back-1", "2020-02-03T09:00:00Z", actor="carl", fields=personal),
        t("BACK", "closed", "back-2", "2020-02-05T09:00:00Z"),
        t("BACK", "reopened", "back-3", "2025-01-05T09:00:00Z", actor="carl"),
        t("BACK", "closed", "back-4", "2025-01-06T09:00:00Z"),
        # a service event: aged by its own time
        {"type": "outage_started", "event_id": "out-1", "service_id": "email",
         "at": "2020-03-01T10:00:00Z", "actor": "monitor-bot"},
    ]


def results(log: EventLog, ticket: str) -> Any:
    return evaluate(POLICY, log.ticket_events(ticket), calendars=CALENDARS,
                    services=log.service_events("email"))


def same_sla(before: Any, after: Any) -> None:
    """Identical metrics, anomalies and conflicts; ticket fields equal except removed
    personal ones."""
    assert after.metrics == before.metrics
    assert after.anomalies == before.anomalies
    assert after.conflicts == before.conflicts
    assert set(after.fields) == set(before.fields)
    for k, v in after.fields.items():
        assert v == before.fields[k] or v == REDACTED


def test_retention_removes_old_personal_values_and_the_chain_still_verifies(
    log: EventLog,
) -> None:
    log.ingest(scenario())
    cp = log.checkpoint()
    before = {tid: results(log, tid) for tid in log.tickets()}
    report = log.apply_retention(PERSONAL, as_of=AS_OF)
    assert report.to_dict()["by_type_field"] == {
        "closed.actor": 1,
        "opened.actor": 1,
        "opened.assignee": 1,
        "opened.attributes.caller": 1,
        "opened.attributes.description": 1,
        "opened.customer": 1,
        "outage_started.actor": 1,
        "resolved.actor": 1,
        "updated.actor": 1,
        "updated.assignee": 1,
    }
    assert (report.events, report.values) == (5, 10)
    assert report.tickets == ["OLD"] and report.services == ["email"]
    assert report.positions == [1, 2, 4, 5, 11]
    assert "removed 10 personal value(s) from 5 event(s) of 1 ticket(s)" in report.summary()

    opened = log.ticket_events("OLD")[0]
    assert opened.actor == REDACTED
    assert opened.fields == {"priority": "P2", "status": "new", "assignee": REDACTED,
                             "customer": REDACTED,
                             "attributes": {"caller": REDACTED, "description": REDACTED}}
    assert opened.at == datetime(2020, 1, 10, 9, tzinfo=UTC)
    assert log.ticket_events("OPEN")[0].actor == "alice"
    assert log.ticket_events("BACK")[0].fields["customer"] == "ACME"
    old = "".join(to_json(e) for e in log.ticket_events("OLD"))
    assert "Bob Jones" not in old and "zed" not in old and "alice" not in old

    verified = log.verify(since_checkpoint=cp)
    assert verified.ok and verified.checkpoint_ok
    assert (verified.redacted_events, verified.redacted_values) == (5, 10)
    assert verified.head.head == cp.head  # retention changed no leaf and no link
    for tid, sla in before.items():
        same_sla(sla, results(log, tid))
    # running it again removes nothing more
    assert log.apply_retention(PERSONAL, as_of=AS_OF).values == 0


def test_re_ingesting_the_originals_after_retention_brings_nothing_back(
    log: EventLog,
) -> None:
    log.ingest(scenario())
    log.apply_retention(PERSONAL, as_of=AS_OF)
    again = log.ingest(scenario())
    assert (again.stored, again.duplicates, again.conflicts) == (0, 11, [])
    assert log.ticket_events("OLD")[0].actor == REDACTED
    # a version differing only in a removed value cannot be told apart any more...
    assert log.ingest([dict(scenario()[0], actor="mallory")]).duplicates == 1
    # ...one differing in what was kept is still a conflict
    changed = dict(scenario()[0], fields=dict(scenario()[0]["fields"], priority="P1"))
    assert len(log.ingest([changed]).conflicts) == 1
    assert log.verify().ok


def test_a_dry_run_reports_without_changing_anything(log: EventLog) -> None:
    log.ingest(scenario())
    cp = log.checkpoint()
    text = [to_json(r.event) for r in log.read()]
    dry = log.apply_retention(PERSONAL, as_of=AS_OF, dry_run=True)
    assert dry.dry_run and dry.values == 10 and "would remove" in dry.summary()
    assert [to_json(r.event) for r in log.read()] == text
    assert log.verify(cp).ok


def test_fields_a_policy_reads_are_refused(log: EventLog) -> None:
    log.ingest(scenario())
    by_customer = POLICY.model_copy(update={"id": "vip"})
    data = by_customer.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["metrics"]["response"]["targets"].insert(0, {"when": {"customer": ["ACME"]},
                                                      "target": "15m"})
    with pytest.raises(RetentionConflict, match="'customer' \\(read by policy vip\\)"):
        log.apply_retention(PERSONAL, as_of=AS_OF, policies=[data])
    # the policies published in the log count too
    log.publish(PolicyPublished(event_id="p1", policy_id="vip", version=1, at=AS_OF,
                                effective_from=AS_OF, published_by="ops", definition=data))
    with pytest.raises(RetentionConflict, match="policy vip v1"):
        log.apply_retention(PERSONAL, as_of=AS_OF)
    report = log.apply_retention(PERSONAL, as_of=AS_OF, allow_fields=["customer"])
    assert report.by_type_field[("opened", "customer")] == 1


def test_a_tampered_event_is_not_purged_and_a_restored_value_is_found(
    make_log: Callable[..., EventLog],
) -> None:
    log = make_log("memory://")
    log.ingest(scenario())
    log.apply_retention(PERSONAL, as_of=AS_OF)
    from eventsourcing.persistence import StoredEvent

    s = log.recorder._stored_events[0]  # type: ignore[attr-defined]
    log.recorder._stored_events[0] = StoredEvent(  # type: ignore[attr-defined]
        s.originator_id, s.originator_version, s.topic,
        s.state.replace(b'"caller":"[redacted]"', b'"caller":"Bob Jones"'))
    report = log.verify()
    assert report.first_bad_position == 1
    assert "present again" in report.problems[0].message
    other = make_log("memory://")
    other.ingest(scenario())
    s = other.recorder._stored_events[1]  # type: ignore[attr-defined]
    other.recorder._stored_events[1] = StoredEvent(  # type: ignore[attr-defined]
        s.originator_id, s.originator_version, s.topic, s.state.replace(b"zed", b"zoe"))
    with pytest.raises(RetentionError, match="position 2 fails verification"):
        other.apply_retention(PERSONAL, as_of=AS_OF)
    assert other.ticket_events("OLD")[0].actor == "alice"  # the batch rolled back


def test_removed_values_leave_the_sqlite_file(tmp_path: Path,
                                              make_log: Callable[..., EventLog]) -> None:
    path = tmp_path / "log.db"
    log = make_log(f"sqlite:///{path}")
    log.ingest(scenario())
    log.apply_retention(PERSONAL, as_of=AS_OF)
    # while the log is open: the write-ahead log must not keep the old pages either
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"printer on fire" in raw  # kept for the open ticket
    assert b"zed" not in raw  # only OLD had "zed" (assignee and resolver)
    assert b"Bob Jones" in raw  # OPEN and BACK keep their caller


def test_bad_rules_are_refused_naming_the_problem() -> None:
    with pytest.raises(ValidationError, match="not a personal field"):
        RetentionRule(types=("opened",), fields=("status",), older_than="1y")
    with pytest.raises(ValidationError, match="unknown event type 'openned'"):
        RetentionRule(types=("openned",), fields=("actor",), older_than="1y")
    with pytest.raises(ValidationError, match="not an age"):
        RetentionRule(types=("opened",), fields=("actor",), older_than="3 years")
    rule = RetentionRule(types=("*",), fields=("actor",), older_than="1y")
    assert rule.cutoff(datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2027, 2, 28, tzinfo=UTC)
    assert rule.cutoff(datetime(2028, 3, 1, tzinfo=UTC)) == datetime(2027, 3, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- property

EVERYTHING = RetentionPolicy(rules=[RetentionRule(
    types=("*",), fields=("actor", "assignee", "customer", "attributes.*"),
    older_than="1d", closed_only=False)])


@st.composite
def logs(draw: st.DrawFn) -> list[Event]:
    events: list[Event] = []
    for ticket in ("A", "B", "C"):
        events += draw(ticket_histories(ticket_id=ticket, max_events=6))
    events += draw(service_histories(service_id="email", max_events=3))
    return events


@settings(max_examples=examples(25), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(logs(), st.sampled_from([EVERYTHING, PERSONAL]))
def test_sla_results_are_identical_before_and_after_retention(
    events: list[Event], policy: RetentionPolicy
) -> None:
    with open_log("memory://") as log:
        log.ingest(events)
        cp = log.checkpoint()
        before = {tid: results(log, tid) for tid in log.tickets()}
        report = log.apply_retention(policy, as_of=datetime(2100, 1, 1, tzinfo=UTC))
        after = list(log.read())
        assert all(
            v == REDACTED
            for r in after
            for v in _personal(r.event).values()
        ) or policy is PERSONAL
        for tid, sla in before.items():
            same_sla(sla, results(log, tid))
        verified = log.verify(since_checkpoint=cp)
        assert verified.ok and verified.checkpoint_ok
        assert verified.redacted_values == report.values


def _personal(event: Any) -> dict[str, Any]:
    from slacore.log.chain import personal_values

    return personal_values(event)
