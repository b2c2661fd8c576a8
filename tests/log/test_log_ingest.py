"""Idempotent, batched ingestion: duplicates, conflicts, rejections, the report, retries,
and failures in the middle of a batch (nothing lost, nothing doubled)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from slacore.events import parse_event, to_json
from slacore.log import EventLog, IngestError, IngestReport
from slacore.log.ingest import write_batch
from slacore.testing.event_strategies import EXAMPLE_EVENTS


def ev(type_: str, event_id: str, ticket: str = "INC1", **extra: Any) -> dict[str, Any]:
    data = dict(EXAMPLE_EVENTS[type_], event_id=event_id, **extra)
    if "ticket_id" in data:
        data["ticket_id"] = ticket
    return data


def balanced(report: IngestReport) -> bool:
    return report.received == (
        report.stored + report.duplicates + len(report.conflicts) + len(report.rejected)
    )


def test_re_ingesting_stores_nothing_new(log: EventLog) -> None:
    events = [ev("opened", "a"), ev("updated", "b"), ev("resolved", "c", "INC2")]
    first = log.ingest(events)
    again = log.ingest(events + events)
    assert (first.stored, first.duplicates) == (3, 0)
    assert (again.stored, again.duplicates, again.ok) == (0, 6, True)
    assert again.first_position is None and balanced(again)
    assert log.stats()["events"] == 3


def test_same_fact_in_another_offset_is_a_duplicate(log: EventLog) -> None:
    log.ingest([ev("opened", "a", at="2026-03-02T09:00:00+01:00")])
    report = log.ingest(
        [
            ev("opened", "a", at="2026-03-02T08:00:00Z"),
            ev("opened", "a", at="2026-03-02T13:45:00+05:45"),
        ]
    )
    assert (report.stored, report.duplicates, report.conflicts) == (0, 2, [])
    # the first copy stays, with its offset
    assert log.ticket_events("INC1")[0].at.isoformat() == "2026-03-02T09:00:00+01:00"


def test_same_id_different_content_is_a_conflict_and_the_rest_lands(log: EventLog) -> None:
    log.ingest([ev("opened", "a")])
    changed = ev("opened", "a", actor="mallory")
    report = log.ingest([ev("updated", "b"), changed, ev("resolved", "c")])
    assert (report.stored, report.duplicates, len(report.conflicts)) == (2, 0, 1)
    conflict = report.conflicts[0]
    assert (conflict.event_id, conflict.index, conflict.line, conflict.stored_position) == (
        "a", 1, None, 1,
    )
    assert conflict.incoming == parse_event(changed)
    assert conflict.stored == parse_event(ev("opened", "a"))
    assert not report.ok and balanced(report)
    assert [e.event_id for e in log.ticket_events("INC1")] == ["a", "b", "c"]
    assert log.ticket_events("INC1")[0].actor is None  # first stored wins
    plain = report.to_dict()
    assert plain["conflicts"][0]["incoming"] == to_json(parse_event(changed))
    json.dumps(plain)


def test_conflicts_inside_one_batch_keep_the_first_version(log: EventLog) -> None:
    report = log.ingest(
        [ev("opened", "a"), ev("opened", "a", seq=9), ev("opened", "a"), ev("updated", "b")]
    )
    assert (report.stored, report.duplicates, len(report.conflicts)) == (2, 1, 1)
    assert report.conflicts[0].index == 1 and report.conflicts[0].stored_position == 1
    assert log.ticket_events("INC1")[0].seq is None


def test_one_event_id_is_unique_across_tickets_and_services(log: EventLog) -> None:
    log.ingest([ev("opened", "shared", "INC1")])
    report = log.ingest(
        [ev("opened", "shared", "INC2"), dict(EXAMPLE_EVENTS["outage_started"], event_id="shared")]
    )
    assert [c.event_id for c in report.conflicts] == ["shared", "shared"]
    assert log.tickets() == ["INC1"] and log.services() == []


def test_invalid_events_are_rejected_with_reason_and_index(log: EventLog) -> None:
    report = log.ingest(
        [
            ev("opened", "a"),
            {"type": "opened", "event_id": "naive", "ticket_id": "X", "at": "2026-03-02T09:00"},
            "not a mapping",
            {"type": "escalated", "event_id": "e9"},
            ev("updated", "b"),
        ]
    )
    assert (report.stored, [r.index for r in report.rejected]) == (2, [1, 2, 3])
    naive, text, unknown = report.rejected
    assert naive.event_id == "naive" and naive.line is None
    assert naive.reason.startswith("invalid event 'naive' at index 1: at: a timezone-aware")
    assert naive.problems[0].field == "at"
    assert "must be a JSON object" in text.reason
    assert "unknown event type" in unknown.reason and unknown.event_id == "e9"
    assert balanced(report) and not report.ok


def test_jsonl_lines_are_numbered(log: EventLog) -> None:
    lines = [
        to_json(parse_event(ev("opened", "a"))),
        "",
        '{"type": "opened", "event_id": "b", "ticket_id": "T", "at": 5}',
        "{not json",
        "   ",
        to_json(parse_event(ev("updated", "c"))),
    ]
    report = log.ingest_jsonl("\n".join(lines) + "\n")
    assert report.stored == 2 and report.received == 4
    assert [(r.line, r.index) for r in report.rejected] == [(3, 1), (4, 2)]
    assert report.rejected[0].reason.startswith("invalid event 'b' on line 3: at:")
    assert report.rejected[1].problems[0].field == "(json)"
    again = log.ingest_jsonl(line.encode() + b"\n" for line in lines)
    assert (again.stored, again.duplicates, len(again.rejected)) == (0, 2, 2)
    assert log.ingest_jsonl(b"\n".join(line.encode() for line in lines)).duplicates == 2


def test_many_tickets_per_transaction(log: EventLog) -> None:
    events = [ev("opened", f"o{i}", f"T{i}") for i in range(50)]
    report = log.ingest(events, batch_size=20)
    assert (report.stored, report.transactions) == (50, 3)
    assert len(log.tickets()) == 50
    assert log.ingest(events).transactions == 1  # the settings' batch_size (1000)


def test_transient_failures_are_retried(log: EventLog, monkeypatch: pytest.MonkeyPatch) -> None:
    real = log.recorder.write
    failures = iter([OperationalError("database is locked"), OperationalError("again")])

    def flaky(fn: Callable[[Any], Any]) -> Any:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(fn)

    monkeypatch.setattr(log.recorder, "write", flaky)
    monkeypatch.setattr("slacore.log.store.time.sleep", lambda _: None)
    report = log.ingest([ev("opened", "a")])
    assert (report.stored, report.retries) == (1, 2)


def test_a_failing_database_raises_with_the_report_so_far(
    log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = log.recorder.write
    calls = []

    def fails_after_first(fn: Callable[[Any], Any]) -> Any:
        calls.append(1)
        if len(calls) > 1:
            raise OperationalError("disk I/O error")
        return real(fn)

    monkeypatch.setattr(log.recorder, "write", fails_after_first)
    monkeypatch.setattr("slacore.log.store.time.sleep", lambda _: None)
    events = [ev("opened", f"o{i}", f"T{i}") for i in range(10)]
    with pytest.raises(IngestError, match="disk I/O error") as info:
        log.ingest(events, batch_size=4)
    assert (info.value.report.stored, info.value.report.received) == (4, 4)
    monkeypatch.undo()
    assert log.ingest(events).stored == 6  # safe to run again


@pytest.mark.parametrize("step", ["append", "index", "after"])
def test_a_crash_inside_the_transaction_leaves_nothing(
    log: EventLog, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """Raise between the steps of a batch's transaction: it rolls back entirely."""
    log.ingest([ev("opened", "a")])

    def crashing(tx: Any, *args: Any) -> Any:
        class Crashing:
            def __getattr__(self, name: str) -> Any:
                if name == step:
                    raise KeyboardInterrupt(f"crash before {step}")
                return getattr(tx, name)

        result = write_batch(Crashing(), *args)  # type: ignore[arg-type]
        if step == "after":
            raise KeyboardInterrupt("crash before commit")
        return result

    monkeypatch.setattr("slacore.log.store.write_batch", crashing)
    events = [ev("opened", "a"), ev("updated", "b"), ev("resolved", "c", "INC2")]
    with pytest.raises(KeyboardInterrupt):
        log.ingest(events)
    assert log.stats() == {"events": 1, "event_ids": 1, "head": 1}
    monkeypatch.undo()
    report = log.ingest(events)
    assert (report.stored, report.duplicates) == (2, 1)
    assert log.stats()["events"] == log.stats()["event_ids"] == 3
