"""``EventLog``: the append-only log of slacore events on ``eventsourcing``.

    from slacore.log import open_log

    with open_log("sqlite:///sla.db") as log:            # or postgresql://…, memory://
        report = log.ingest(events)                        # idempotent, batched
        log.ticket_events("INC1")                           # one ticket's events
        for rec in log.read(after=0):                       # everything, in log order
            rec.position, rec.recorded_at, rec.event
        log.ticket_events("INC1", as_known_at=1200)         # as known at a position…
        log.ticket_events("INC1", as_known_at=some_instant)  # …or at a recorded time

See docs/store.md.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    ProgrammingError,
)
from eventsourcing.sqlite import SQLiteDatastore

from slacore.events import Event, EventBase, InvalidEvent
from slacore.log.chain import Checkpoint
from slacore.log.ingest import IngestError, IngestReport, Item, Rejected, rejected, write_batch
from slacore.log.recorders import LogRecorder, MemoryLogRecorder, SQLiteLogRecorder
from slacore.log.records import (
    TOPIC_PREFIX,
    EventMapper,
    RecordedEvent,
    parse_log_event,
    parse_log_json,
)
from slacore.log.retention import RetentionPolicy, RetentionReport, apply_retention
from slacore.log.settings import StoreSettings, settings_from
from slacore.log.verify import VerifyReport, adopt_chain, verify_log
from slacore.log.versions import CalendarPublished, PolicyPublished

__all__ = ["EventLog", "KnownAt", "open_log"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)
_RETRIES = 8
_RETRYABLE = (OperationalError, IntegrityError, InterfaceError)
_PAGE = 1000

KnownAt = int | datetime | None
"""A point of the log: a position (events up to it), an aware recorded time (events
recorded at or before it), or ``None`` (everything)."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _open_recorder(settings: StoreSettings) -> LogRecorder:
    if settings.backend == "memory":
        return MemoryLogRecorder()
    if settings.backend == "sqlite":
        path = settings.path
        if path == ":memory:":
            path = f"file:slacore-{uuid.uuid4().hex}?mode=memory&cache=shared"
        elif not path.startswith("file:"):
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        datastore = SQLiteDatastore(
            db_name=path,
            lock_timeout=settings.lock_timeout or None,
            pool_size=settings.pool_size,
            pool_timeout=float(max(settings.lock_timeout, 5)),
            originator_id_type="text",
        )
        sqlite_recorder = SQLiteLogRecorder(datastore, prefix=settings.prefix)
        _create(sqlite_recorder.create_table)
        return sqlite_recorder
    from slacore.log.postgres import PostgresLogRecorder, open_datastore

    pg_datastore = open_datastore(settings)
    try:
        pg_recorder = PostgresLogRecorder(pg_datastore, prefix=settings.prefix)
        _create(pg_recorder.create_table)
    except BaseException:
        pg_datastore.close()
        raise
    return pg_recorder


def _create(create_table: Callable[[], None]) -> None:
    """Create the tables; a concurrent opener creating them too is not an error
    (PostgreSQL reports such races as unique violations or "tuple concurrently
    updated")."""
    for attempt in range(_RETRIES):
        try:
            create_table()
            return
        except (*_RETRYABLE, InternalError, ProgrammingError):
            if attempt == _RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


class EventLog:
    """The append-only event log (see the module docstring and docs/store.md).

    ``target`` is a URL (``sqlite:///path/file.db``, ``postgresql://user@host/db``,
    ``memory://``), a ``StoreSettings``, or ``None`` for ``sqlite:///slacore.db``.
    ``clock`` (returning an aware datetime) stamps ``recorded_at``; tests pass their own.
    """

    def __init__(
        self,
        target: str | StoreSettings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings_from(target)
        self.mapper = EventMapper()
        self.recorder: LogRecorder = _open_recorder(self.settings)
        self._now = clock or _utcnow
        try:
            self._adopt()
        except BaseException:
            self.recorder.close()
            raise

    def _adopt(self) -> None:
        """Chain a store created before the chain existed (once; "trust from here on",
        see docs/audit.md)."""
        if "format" in self.recorder.meta():
            return
        adopted_at = self._now().isoformat()
        for attempt in range(_RETRIES):
            try:
                self.recorder.write(
                    lambda tx: adopt_chain(tx, self.recorder, self.mapper, adopted_at)
                )
                return
            except _RETRYABLE:
                if attempt == _RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    # ------------------------------------------------------------------ audit

    def checkpoint(self) -> Checkpoint:
        """The log's current head as stored: ``(position, log hash)``.  Keep it outside
        the database; ``verify(since_checkpoint=…)`` later proves that the first
        ``position`` events are unchanged.  (``verify().head`` is the same point,
        recomputed from the content.)"""
        position, head = self.recorder.chain_head()
        return Checkpoint(position, head.hex(), self._now())

    def apply_retention(
        self,
        policy: RetentionPolicy,
        *,
        as_of: datetime,
        policies: Iterable[Any] = (),
        allow_fields: Iterable[str] = (),
        dry_run: bool = False,
    ) -> RetentionReport:
        """Remove personal values from old events without breaking the chain; see
        ``slacore.log.retention.apply_retention`` and docs/audit.md."""
        return apply_retention(
            self,
            policy,
            as_of=as_of,
            policies=policies,
            allow_fields=allow_fields,
            dry_run=dry_run,
        )

    def verify(self, since_checkpoint: Checkpoint | None = None) -> VerifyReport:
        """Recompute the hash chain from the stored content: proves that nothing stored
        was altered, removed or reordered (since ``since_checkpoint``, when given), or
        names the first bad position.  See docs/audit.md."""
        return verify_log(self.recorder, self.mapper, since_checkpoint, now=self._now)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the connections (the log stays on disk)."""
        self.recorder.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EventLog({self.settings.url()!r})"

    # ------------------------------------------------------------------ writing

    def ingest(self, events: Iterable[Any], *, batch_size: int | None = None) -> IngestReport:
        """Store events given as mappings or models (slacore events, or policy/calendar
        versions), ``batch_size`` per transaction (default: the settings').

        Idempotent: an ``event_id`` already stored with the same content is a duplicate
        (skipped, counted); with different content a conflict (refused, reported with the
        stored version); an invalid event is rejected with its reason and index.  The
        other events land.  Raises ``IngestError`` (with the report so far) only when the
        database cannot be written after retries."""
        return self._ingest(_items(events), batch_size)

    def ingest_jsonl(
        self, source: str | bytes | Iterable[str | bytes], *, batch_size: int | None = None
    ) -> IngestReport:
        """Store events from JSON Lines (a string, bytes, or an iterable of lines such as
        an open file).  A bad line is rejected with its 1-based line number; the others
        land.  Blank lines are skipped."""
        return self._ingest(_jsonl_items(source), batch_size)

    def publish(self, version: PolicyPublished | CalendarPublished) -> IngestReport:
        """Store one policy or calendar version (idempotent like ``ingest``)."""
        return self.ingest([version])

    def _ingest(self, items: Iterable[Item | Rejected], batch_size: int | None) -> IngestReport:
        size = batch_size or self.settings.batch_size
        report = IngestReport()
        batch: list[Item] = []
        for item in items:
            if isinstance(item, Rejected):
                report.received += 1
                report.rejected.append(item)
                continue
            batch.append(item)
            if len(batch) >= size:
                self._write(batch, report)
                batch = []
        if batch:
            self._write(batch, report)
        return report

    def _write(self, batch: Sequence[Item], report: IngestReport) -> None:
        for attempt in range(_RETRIES):
            try:
                outcome = self.recorder.write(
                    lambda tx: write_batch(tx, batch, self.mapper, self._now)
                )
                break
            except _RETRYABLE as exc:
                if attempt == _RETRIES - 1:
                    raise IngestError(
                        f"could not write a batch of {len(batch)} events after "
                        f"{_RETRIES} attempts: {exc}",
                        report,
                    ) from exc
                report.retries += 1
                time.sleep(min(2.0, 0.02 * 2**attempt) * (0.5 + random.random()))
        report.received += len(batch)
        report.stored += outcome.stored
        report.duplicates += outcome.duplicates
        report.conflicts += outcome.conflicts
        report.transactions += 1
        report._positions(outcome.positions)

    # ------------------------------------------------------------------ reading

    def head(self) -> int:
        """The last position of the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def position_at(self, recorded_at: datetime) -> int:
        """The last position recorded at or before ``recorded_at`` (0 if none):
        the log as it was known then."""
        return self.recorder.position_at(_us(recorded_at, "recorded_at"))

    def resolve(self, as_known_at: KnownAt) -> int | None:
        """A position from a ``KnownAt`` (``None`` stays ``None``: everything)."""
        if as_known_at is None:
            return None
        if isinstance(as_known_at, datetime):
            return self.position_at(as_known_at)
        if isinstance(as_known_at, bool) or not isinstance(as_known_at, int):
            raise TypeError("as_known_at must be a position (int), an aware datetime or None")
        if as_known_at < 0:
            raise ValueError("a log position is >= 0")
        return as_known_at

    def read(
        self,
        after: int = 0,
        *,
        upto: KnownAt = None,
        limit: int | None = None,
        types: Sequence[str] = (),
        page: int = _PAGE,
    ) -> Iterator[RecordedEvent]:
        """Events in log order with positions greater than ``after`` (and not beyond
        ``upto``), at most ``limit`` of them, only of the given ``types`` if any."""
        stop = self.resolve(upto)
        topics = [TOPIC_PREFIX + t for t in types]
        start = after + 1
        remaining = limit
        while remaining is None or remaining > 0:
            n = page if remaining is None else min(page, remaining)
            rows = self.recorder.select_rows(start, n, stop, topics)
            for row in rows:
                yield self.mapper.decode_row(row)
            if len(rows) < n:
                return
            start = rows[-1][0] + 1
            if remaining is not None:
                remaining -= len(rows)

    def stream(self, stream: str, *, as_known_at: KnownAt = None) -> list[RecordedEvent]:
        """One stream (``ticket:<id>``, ``service:<id>``, ``policy:<id>``,
        ``calendar:<id>``) in arrival order."""
        upto = self.resolve(as_known_at)
        return [self.mapper.decode(n) for n in self.recorder.select_stream(stream, upto)]

    def ticket(self, ticket_id: str, *, as_known_at: KnownAt = None) -> list[RecordedEvent]:
        """A ticket's recorded events in arrival order."""
        return self.stream("ticket:" + ticket_id, as_known_at=as_known_at)

    def ticket_events(self, ticket_id: str, *, as_known_at: KnownAt = None) -> list[Event]:
        """A ticket's events (arrival order; ``evaluate`` / ``canonical_history`` order
        them)."""
        return _events(self.ticket(ticket_id, as_known_at=as_known_at))

    def service(self, service_id: str, *, as_known_at: KnownAt = None) -> list[RecordedEvent]:
        """A service's recorded events in arrival order."""
        return self.stream("service:" + service_id, as_known_at=as_known_at)

    def service_events(self, service_id: str, *, as_known_at: KnownAt = None) -> list[Event]:
        """A service's events (maintenance windows, outages, vendor uptime)."""
        return _events(self.service(service_id, as_known_at=as_known_at))

    def policy_versions(
        self, policy_id: str, *, as_known_at: KnownAt = None
    ) -> list[PolicyPublished]:
        """The published versions of a policy, in publication order."""
        recs = self.stream("policy:" + policy_id, as_known_at=as_known_at)
        return [r.event for r in recs if isinstance(r.event, PolicyPublished)]

    def calendar_versions(
        self, calendar_id: str, *, as_known_at: KnownAt = None
    ) -> list[CalendarPublished]:
        """The published versions of a calendar, in publication order."""
        recs = self.stream("calendar:" + calendar_id, as_known_at=as_known_at)
        return [r.event for r in recs if isinstance(r.event, CalendarPublished)]

    def tickets(self, *, as_known_at: KnownAt = None) -> list[str]:
        """The ids of the tickets with events (sorted)."""
        return self._ids("ticket", as_known_at)

    def services(self, *, as_known_at: KnownAt = None) -> list[str]:
        """The ids of the services with events (sorted)."""
        return self._ids("service", as_known_at)

    def _ids(self, kind: str, as_known_at: KnownAt) -> list[str]:
        cut = len(kind) + 1
        return [s[cut:] for s in self.recorder.streams(kind, self.resolve(as_known_at))]

    def stats(self) -> dict[str, int]:
        """``events`` stored, ``event_ids`` indexed (always equal), ``head`` position."""
        events, ids = self.recorder.counts()
        return {"events": events, "event_ids": ids, "head": self.head()}


def open_log(
    target: str | StoreSettings | None = None, *, clock: Callable[[], datetime] | None = None
) -> EventLog:
    """Open (and create if needed) an event log; see ``EventLog``."""
    return EventLog(target, clock=clock)


def _events(records: Iterable[RecordedEvent]) -> list[Event]:
    return [r.event for r in records if isinstance(r.event, EventBase)]


def _us(value: datetime, name: str) -> int:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return (value - _EPOCH) // _US


def _items(events: Iterable[Any]) -> Iterator[Item | Rejected]:
    for index, data in enumerate(events):
        try:
            event = parse_log_event(data)
        except InvalidEvent as exc:
            yield rejected(exc, index, None)
            continue
        yield Item.of(event, index, None)


def _jsonl_items(source: str | bytes | Iterable[str | bytes]) -> Iterator[Item | Rejected]:
    lines: Iterable[str | bytes]
    if isinstance(source, str):
        lines = source.split("\n")
    elif isinstance(source, bytes):
        lines = source.split(b"\n")
    else:
        lines = source
    index = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            event = parse_log_json(stripped)
        except InvalidEvent as exc:
            yield rejected(exc, index, number)
        else:
            yield Item.of(event, index, number)
        index += 1

