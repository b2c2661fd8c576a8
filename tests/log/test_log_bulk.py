"""The bulk paths of the log: positions assigned to a whole batch at once (SQLite: the
rows after the last ``rowid`` under ``BEGIN IMMEDIATE``; PostgreSQL: the table's sequence
under the table lock), the id index and the chain written with those positions, and rows
read in bulk without the package's ``Notification`` objects."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from slacore.log import EventLog, IngestReport, open_log
from slacore.log.chain import personal_values


def ticket_events(first: int, tickets: int, tag: str = "") -> list[dict[str, Any]]:
    """Three events per ticket; ``tag`` changes the content (not the ids)."""
    out: list[dict[str, Any]] = []
    for i in range(first, first + tickets):
        t = f"T{i}"
        out.append({"type": "opened", "event_id": f"{t}-o", "ticket_id": t,
                    "at": "2026-03-02T09:00:00+01:00",
                    "fields": {"priority": "P2", "status": "new" + tag}})
        out.append({"type": "updated", "event_id": f"{t}-u", "ticket_id": t,
                    "at": "2026-03-02T10:00:00+01:00", "changes": {"status": "wip" + tag}})
        out.append({"type": "resolved", "event_id": f"{t}-r", "ticket_id": t,
                    "at": "2026-03-02T11:00:00" + ("+01:00" if not tag else "+02:00")})
    return out


def test_two_writers_get_distinct_positions_and_index_them_right(
    db_url: str, make_log: Callable[..., EventLog], run_together: Callable[..., None]
) -> None:
    make_log(db_url)  # create the tables once
    inputs = {"a": ticket_events(0, 400), "b": ticket_events(400, 400)}
    barrier = threading.Barrier(2, timeout=60)
    reports: dict[str, IngestReport] = {}

    def writer(name: str) -> None:
        with open_log(db_url) as log:
            barrier.wait()
            reports[name] = log.ingest(inputs[name], batch_size=40)  # 30 transactions

    run_together(writer, [(name,) for name in inputs])
    assert reports["a"].stored == reports["b"].stored == 1200

    log = make_log(db_url)
    records = list(log.read())
    positions = [r.position for r in records]
    assert len(positions) == len(set(positions)) == 2400
    assert positions == sorted(positions)
    if log.settings.backend == "sqlite":
        assert positions == list(range(1, 2401))  # the rows right after the last rowid
    assert log.verify().ok  # the chain was written with the positions the rows got
    # The id index holds each event's own position: a changed version of every event is
    # a conflict that names the position where the event was read back.
    where = {r.event.event_id: r.position for r in records}
    changed = ticket_events(0, 800, tag="!")
    report = log.ingest(changed)
    assert len(report.conflicts) == 2400
    assert all(c.stored_position == where[c.event_id] for c in report.conflicts)


def test_logs_sharing_a_schema_number_their_positions_apart(
    pg_schema_url: str, make_log: Callable[..., EventLog]
) -> None:
    first = make_log(f"{pg_schema_url}&prefix=bulk_a")
    second = make_log(f"{pg_schema_url}&prefix=bulk_b")
    for start in (0, 10, 20):  # interleaved batches
        first.ingest(ticket_events(start, 10))
        second.ingest(ticket_events(start + 100, 5))
    assert [r.position for r in first.read()] == list(range(1, 91))
    assert [r.position for r in second.read()] == list(range(1, 46))
    assert first.verify().ok and second.verify().ok


def test_rows_read_in_bulk_equal_the_package_notifications(log: EventLog) -> None:
    log.ingest(ticket_events(0, 30))
    log.ingest([{"type": "outage_started", "event_id": "out1", "service_id": "email",
                 "at": "2026-03-02T09:30:00+01:00"}])
    log.ingest(ticket_events(30, 10))
    head = log.head()
    cases: list[tuple[int, int, int | None, tuple[str, ...]]] = [
        (1, 1000, None, ()), (1, 7, None, ()), (50, 20, None, ()), (10, 1000, 40, ()),
        (1, 1000, None, ("slacore:resolved", "slacore:outage_started")),
        (5, 3, head - 10, ("slacore:opened",)), (head + 1, 10, None, ()),
    ]
    for start, limit, stop, topics in cases:
        rows = log.recorder.select_rows(start, limit, stop, topics)
        expected = [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in log.recorder.select_notifications(start, limit, stop, topics)
        ]
        assert rows == expected, (start, limit, stop, topics)
    assert [log.mapper.decode_row(r) for r in log.recorder.select_rows(1, 1000)] == list(
        log.read()
    )


def test_only_events_with_personal_values_get_salts(log: EventLog) -> None:
    events = ticket_events(0, 6)
    for e in events[::4]:
        e["actor"] = "alice"
    events[1]["changes"]["assignee"] = "amy"
    log.ingest(events)  # one batch mixing both kinds
    rows = {row.position: row for row in log.recorder.select_chain(1, 1000)}
    for rec in log.read():
        personal = personal_values(rec.event)
        salts = rows[rec.position].salts
        assert (set(salts) if salts else set()) == set(personal), rec.event.event_id
        assert rows[rec.position].redacted is None
    assert log.verify().ok
