"""Where an ``SlaProjection`` keeps its rows: one ``ViewRow`` per ticket and metric, the
service → ticket links, optionally each ticket's full result and canonical events (a
``StoredTicket``, for the reporting projections fed by ``slacore.projections.feed``), and
the projection's position (an ``eventsourcing`` tracking record), all written in one
transaction of the log's own database.

``MemoryView`` for a ``memory://`` log, ``SQLiteView`` for an SQLite file, and
``PostgresView`` (in ``slacore.projections.postgres_view``, imported only for a
``postgresql://`` log).  See docs/store.md.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

from eventsourcing.persistence import Tracking
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from slacore.log.recorders import MemoryLogRecorder, SQLiteLogRecorder, _sqlite_errors
from slacore.log.store import EventLog

__all__ = [
    "COLUMNS",
    "MemoryView",
    "SQLiteView",
    "StoredTicket",
    "ViewRow",
    "ViewStore",
    "open_view",
]


@dataclass(frozen=True, slots=True)
class ViewRow:
    """One ticket and metric in the view (instants as UTC ISO text, durations in µs)."""

    ticket_id: str
    metric: str
    state: str
    """The latest cycle's state (``running``, ``paused``, ``stopped``, ``cancelled``),
    ``not_started``, or for ``metric == "*"``: ``no_policy`` / ``error``."""
    cycles: int
    breached: bool
    """The latest cycle is breached."""
    breached_cycles: int
    elapsed_us: int
    target_us: int | None
    started_at: str | None
    stopped_at: str | None
    due_at: str | None
    policy: str | None
    """``<policy id>@<version>``."""
    position: int
    """The last log position this row reflects (the ticket's, its services' or its
    policy's latest event)."""
    detail: str | None = None

    def astuple(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))


COLUMNS = tuple(f.name for f in fields(ViewRow))


@dataclass(frozen=True, slots=True)
class StoredTicket:
    """One ticket's latest evaluation as the view stores it (when the projection keeps
    results): written with its rows, in the same transaction as the position."""

    ticket_id: str
    result: str | None
    """``TicketSla.to_json()``; ``None`` when no policy was in force or evaluation failed."""
    events: str | None
    """The ticket's canonical events as JSON Lines (``dumps_jsonl``); ``None`` when the
    projection does not keep events."""
    applied: int
    """The position of the chunk that wrote it (the view's position just after)."""


class ViewStore(Protocol):
    """Where a projection keeps its rows, links (service → tickets) and position."""

    name: str

    def position(self) -> int: ...

    def tickets(self) -> set[str]: ...

    def linked_tickets(self, services: Iterable[str]) -> set[str]: ...

    def apply(
        self,
        rows: Mapping[str, Sequence[ViewRow]],
        links: Mapping[str, set[str]],
        position: int,
        stored: Sequence[StoredTicket] = (),
    ) -> None: ...

    def rows(self, ticket_id: str | None = None) -> list[ViewRow]: ...

    def stored(self, since: int = 0) -> list[StoredTicket]:
        """The stored tickets written by chunks after position ``since``, by ticket id."""
        ...

    def clear(self) -> None: ...


def open_view(log: EventLog, name: str) -> ViewStore:
    """The view named ``name`` in ``log``'s database, its tables created if missing."""
    recorder = log.recorder
    prefix = log.settings.prefix
    if isinstance(recorder, MemoryLogRecorder):
        view_name = f"{prefix}_sla_{name}"
        memory_view: MemoryView = recorder.views.setdefault(view_name, MemoryView(view_name))
        return memory_view
    if isinstance(recorder, SQLiteLogRecorder):
        view = SQLiteView(recorder.datastore, prefix=prefix, name=name)
        view.create_table()
        return view
    from slacore.log.postgres import PostgresLogRecorder
    from slacore.projections.postgres_view import PostgresView

    assert isinstance(recorder, PostgresLogRecorder)
    pg_view = PostgresView(recorder.datastore, prefix=prefix, name=name)
    pg_view.create_table()
    return pg_view



class MemoryView(POPOTrackingRecorder):
    """The view of a ``memory://`` log (rows, links and tracking under one lock)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self._rows: dict[str, list[ViewRow]] = {}
        self._links: dict[str, set[str]] = defaultdict(set)
        self._stored: dict[str, StoredTicket] = {}

    def position(self) -> int:
        return self.max_tracking_id(self.name) or 0

    def tickets(self) -> set[str]:
        with self._database_lock:
            return set(self._rows)

    def linked_tickets(self, services: Iterable[str]) -> set[str]:
        with self._database_lock:
            return {t for s in services for t in self._links.get(s, ())}

    def apply(
        self,
        rows: Mapping[str, Sequence[ViewRow]],
        links: Mapping[str, set[str]],
        position: int,
        stored: Sequence[StoredTicket] = (),
    ) -> None:
        with self._database_lock:
            tracking = Tracking(self.name, position)
            self._assert_tracking_uniqueness(tracking)
            for ticket, ticket_rows in rows.items():
                self._rows[ticket] = list(ticket_rows)
            for ticket, services in links.items():
                for s in services:
                    self._links[s].add(ticket)
            for item in stored:
                self._stored[item.ticket_id] = item
            self._insert_tracking(tracking)

    def stored(self, since: int = 0) -> list[StoredTicket]:
        with self._database_lock:
            return sorted((s for s in self._stored.values() if s.applied > since),
                          key=lambda s: s.ticket_id)

    def rows(self, ticket_id: str | None = None) -> list[ViewRow]:
        with self._database_lock:
            tickets = sorted(self._rows) if ticket_id is None else [ticket_id]
            return [r for t in tickets for r in sorted(self._rows.get(t, ()),
                                                       key=lambda r: r.metric)]

    def clear(self) -> None:
        with self._database_lock:
            self._rows.clear()
            self._links.clear()
            self._stored.clear()
            self._max_tracking_ids.pop(self.name, None)


class SQLiteView(SQLiteTrackingRecorder):
    """The view of an SQLite log: tables in the same file, written with the package's
    tracking record in one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, datastore: SQLiteDatastore, *, prefix: str, name: str) -> None:
        self.name = f"{prefix}_sla_{name}"
        self.table = self.name
        self.links_table = self.name + "_links"
        self.stored_table = self.name + "_results"
        super().__init__(datastore)

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements += [
            f"CREATE TABLE IF NOT EXISTS {self.table} (ticket_id TEXT, metric TEXT, "
            "state TEXT, cycles INTEGER, breached INTEGER, breached_cycles INTEGER, "
            "elapsed_us INTEGER, target_us INTEGER, started_at TEXT, stopped_at TEXT, "
            "due_at TEXT, policy TEXT, position INTEGER, detail TEXT, "
            "PRIMARY KEY (ticket_id, metric)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {self.links_table} (service_id TEXT, "
            "ticket_id TEXT, PRIMARY KEY (service_id, ticket_id)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {self.stored_table} (ticket_id TEXT PRIMARY KEY, "
            "result TEXT, events TEXT, applied INTEGER NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {self.stored_table}_applied "
            f"ON {self.stored_table} (applied)",
        ]
        return statements

    def position(self) -> int:
        return self.max_tracking_id(self.name) or 0

    def _write(self, fn: Callable[[Any], None]) -> None:
        with self.datastore.get_connection(commit=True) as conn, _sqlite_errors():
            cursor = conn.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                fn(cursor)
                conn.commit()
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.rollback()
                raise

    def _select(self, statement: str, params: Sequence[Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as c, _sqlite_errors():
            c.execute(statement, params)
            return list(c.fetchall())

    def tickets(self) -> set[str]:
        return {row[0] for row in self._select(f"SELECT DISTINCT ticket_id FROM {self.table}", [])}

    def linked_tickets(self, services: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for s in services:
            out |= {
                row[0]
                for row in self._select(
                    f"SELECT ticket_id FROM {self.links_table} WHERE service_id=?", [s]
                )
            }
        return out

    def apply(
        self,
        rows: Mapping[str, Sequence[ViewRow]],
        links: Mapping[str, set[str]],
        position: int,
        stored: Sequence[StoredTicket] = (),
    ) -> None:
        def write(c: Any) -> None:
            c.executemany(f"DELETE FROM {self.table} WHERE ticket_id=?", [(t,) for t in rows])
            marks = ",".join("?" * len(COLUMNS))
            c.executemany(
                f"INSERT INTO {self.table} VALUES ({marks})",
                [r.astuple() for ticket_rows in rows.values() for r in ticket_rows],
            )
            c.executemany(
                f"INSERT OR IGNORE INTO {self.links_table} VALUES (?, ?)",
                [(s, t) for t, services in links.items() for s in services],
            )
            c.executemany(
                f"INSERT OR REPLACE INTO {self.stored_table} VALUES (?, ?, ?, ?)",
                [(s.ticket_id, s.result, s.events, s.applied) for s in stored],
            )
            self._insert_tracking(c, Tracking(self.name, position))

        self._write(write)

    def rows(self, ticket_id: str | None = None) -> list[ViewRow]:
        statement = f"SELECT * FROM {self.table} "
        params: list[Any] = []
        if ticket_id is not None:
            statement += "WHERE ticket_id=? "
            params.append(ticket_id)
        statement += "ORDER BY ticket_id, metric"
        return [_row(tuple(r)) for r in self._select(statement, params)]

    def stored(self, since: int = 0) -> list[StoredTicket]:
        return [
            StoredTicket(*r)
            for r in self._select(
                f"SELECT ticket_id, result, events, applied FROM {self.stored_table} "
                "WHERE applied > ? ORDER BY ticket_id", [since])
        ]

    def clear(self) -> None:
        def write(c: Any) -> None:
            c.execute(f"DELETE FROM {self.table}")
            c.execute(f"DELETE FROM {self.links_table}")
            c.execute(f"DELETE FROM {self.stored_table}")
            c.execute("DELETE FROM tracking WHERE application_name=?", [self.name])

        self._write(write)


def _row(values: tuple[Any, ...]) -> ViewRow:
    data = dict(zip(COLUMNS, values, strict=True))
    data["breached"] = bool(data["breached"])
    return ViewRow(**data)

