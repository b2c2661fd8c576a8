"""The three back ends of the log: ``eventsourcing`` application recorders (memory,
SQLite, PostgreSQL) extended with what idempotent ingestion needs.

Each recorder keeps the package's stored-events table (one row per event, primary key
``(originator_id, originator_version)``, a notification id as the log position) and adds
an **event-id index** ``<prefix>_event_ids`` (``event_id`` primary key, a digest of the
content, stream, version, position, recorded time) written in the *same transaction* as
the events.  ``write(fn)`` runs ``fn`` inside one transaction that first takes the
writer lock (SQLite ``BEGIN IMMEDIATE``; PostgreSQL the package's ``LOCK TABLE ... IN
EXCLUSIVE MODE``; memory the recorder's lock), so that what ``fn`` reads (which ids exist,
each stream's head, the last recorded time) cannot change before it writes.

New events are inserted a batch at a time into the package's table, their positions
known before the insert (SQLite: the rows after the last ``rowid``; PostgreSQL: drawn from
the table's sequence), where the package's SQLite insert runs one statement per event to
learn each position.  Bulk reads (``select_rows``) run the query of the package's
``select_notifications`` and return plain tuples.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    Notification,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from slacore.log.chain import ZERO, ChainRow, load_map

__all__ = [
    "EventRow",
    "IndexRow",
    "LogRecorder",
    "MemoryLogRecorder",
    "SQLiteLogRecorder",
    "StoredRow",
    "WriteTx",
]

T = TypeVar("T")
_CHUNK = 500  # ids per IN (...) list in SQLite


EventRow = tuple[str, int, str, bytes]
"""A new stored event's ``(originator_id, originator_version, topic, state)``: the fields
of the package's ``StoredEvent``, as a plain tuple for bulk inserts."""


StoredRow = tuple[int, str, int, str, bytes]
"""A stored event read in bulk: ``(position, originator_id, originator_version, topic,
state)``, the fields of the package's ``Notification`` as a plain tuple."""


class IndexRow(NamedTuple):
    """One row of the event-id index (fields in column order)."""

    event_id: str
    digest: bytes
    stream: str
    version: int
    position: int
    recorded_us: int


class WriteTx(Protocol):
    """What ingestion may do inside one locked write transaction."""

    def existing(self, event_ids: Sequence[str]) -> dict[str, tuple[bytes, int]]:
        """``{event_id: (digest, position)}`` for the ids already stored."""

    def heads(self, streams: Sequence[str]) -> dict[str, int]:
        """``{stream: last version}`` for the streams that exist."""

    def last_recorded_us(self) -> int | None:
        """The latest recorded time in the log (epoch microseconds)."""

    def notifications(self, positions: Sequence[int]) -> dict[int, Notification]:
        """The stored events at these positions."""

    def append(self, rows: Sequence[EventRow]) -> Sequence[int]:
        """Insert new stored events into the package's events table; their positions,
        in order."""

    def index(self, rows: Iterable[IndexRow]) -> None:
        """Insert event-id index rows."""

    def chain_tail(self) -> tuple[int, bytes, int]:
        """``(last chained position, its log hash, last event position)`` (zeros when
        empty)."""

    def stream_hashes(self, streams: Sequence[str]) -> dict[str, bytes]:
        """``{stream: stream hash of its last event}`` for the streams that exist."""

    def chain(self, rows: Sequence[ChainRow]) -> None:
        """Insert chain rows."""

    def chain_rows(self, positions: Sequence[int]) -> dict[int, ChainRow]:
        """The chain rows at these positions."""

    def rewrite(
        self,
        position: int,
        state: bytes,
        salts: str | None,
        redacted: str | None,
        event_id: str,
        digest: bytes,
    ) -> None:
        """Retention: replace an event's stored state, its chain row's salts and
        redactions, and its id-index digest."""

    def set_meta(self, key: str, value: str) -> None:
        """Set a chain metadata entry."""


class LogRecorder(Protocol):
    """The recorder interface the log uses (besides the package's own
    ``select_notifications`` and ``max_notification_id``)."""

    def write(self, fn: Callable[[WriteTx], T]) -> T: ...

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...

    def max_notification_id(self) -> int | None: ...

    def select_rows(
        self, start: int, limit: int, stop: int | None = None, topics: Sequence[str] = ()
    ) -> list[StoredRow]: ...

    def select_stream(self, stream: str, upto: int | None = None) -> list[Notification]: ...

    def position_at(self, recorded_us: int) -> int: ...

    def streams(self, kind: str, upto: int | None = None) -> list[str]: ...

    def counts(self) -> tuple[int, int]: ...

    def select_chain(self, start: int, limit: int) -> list[ChainRow]: ...

    def chain_head(self) -> tuple[int, bytes]: ...

    def meta(self) -> dict[str, str]: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- memory


class MemoryLogRecorder(POPOApplicationRecorder):
    """In-process log (``memory://``): the package's POPO recorder plus the id index.

    A write stages its events and index rows and applies them together at the end, under
    the recorder's lock, so a failing write leaves nothing behind."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, IndexRow] = {}
        self.views: dict[str, Any] = {}  # projections' views of this log, by name
        self._recorded: list[tuple[int, int]] = []  # (recorded_us, position), ascending
        self.chain_table: dict[int, ChainRow] = {}
        self.chain_meta: dict[str, str] = {}

    def write(self, fn: Callable[[WriteTx], T]) -> T:
        with self._database_lock:
            tx = _MemoryTx(self)
            result = fn(tx)
            tx.commit()
        if tx.staged:
            self._notify_listeners()
        return result

    def select_rows(
        self, start: int, limit: int, stop: int | None = None, topics: Sequence[str] = ()
    ) -> list[StoredRow]:
        """``select_notifications`` (from ``start``, inclusive) as plain tuples."""
        return [
            (n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
            for n in self.select_notifications(start, limit, stop, topics)
        ]

    def select_stream(self, stream: str, upto: int | None = None) -> list[Notification]:
        with self._database_lock:
            index = self._stored_events_index.get(stream, {})
            out = []
            for i in index.values():
                if upto is not None and i + 1 > upto:
                    continue
                s = self._stored_events[i]
                out.append(
                    Notification(
                        id=i + 1,
                        originator_id=s.originator_id,
                        originator_version=s.originator_version,
                        topic=s.topic,
                        state=s.state,
                    )
                )
            return out

    def position_at(self, recorded_us: int) -> int:
        with self._database_lock:
            best = 0
            for us, pos in self._recorded:
                if us > recorded_us:
                    break
                best = max(best, pos)
            return best

    def streams(self, kind: str, upto: int | None = None) -> list[str]:
        with self._database_lock:
            prefix = kind + ":"
            return sorted(
                s
                for s, index in self._stored_events_index.items()
                if s.startswith(prefix)
                and index
                and (upto is None or min(index.values()) + 1 <= upto)
            )

    def counts(self) -> tuple[int, int]:
        with self._database_lock:
            return len(self._stored_events), len(self.ids)

    def select_chain(self, start: int, limit: int) -> list[ChainRow]:
        with self._database_lock:
            keys = sorted(p for p in self.chain_table if p >= start)[:limit]
            return [self.chain_table[p] for p in keys]

    def chain_head(self) -> tuple[int, bytes]:
        with self._database_lock:
            last = max(self.chain_table, default=0)
            return last, self.chain_table[last].log_hash if last else ZERO

    def meta(self) -> dict[str, str]:
        with self._database_lock:
            return dict(self.chain_meta)

    def close(self) -> None:
        pass


class _MemoryTx:
    def __init__(self, recorder: MemoryLogRecorder) -> None:
        self.r = recorder
        self.staged: list[StoredEvent] = []
        self.rows: list[IndexRow] = []
        self.chained: list[ChainRow] = []
        self.rewrites: list[tuple[int, bytes, str | None, str | None, str, bytes]] = []
        self.meta: dict[str, str] = {}

    def existing(self, event_ids: Sequence[str]) -> dict[str, tuple[bytes, int]]:
        ids = self.r.ids
        return {i: (ids[i].digest, ids[i].position) for i in event_ids if i in ids}

    def heads(self, streams: Sequence[str]) -> dict[str, int]:
        index = self.r._stored_events_index
        return {s: max(index[s]) for s in streams if index.get(s)}

    def last_recorded_us(self) -> int | None:
        return self.r._recorded[-1][0] if self.r._recorded else None

    def notifications(self, positions: Sequence[int]) -> dict[int, Notification]:
        out = {}
        for p in positions:
            s = self.r._stored_events[p - 1]
            out[p] = Notification(
                id=p,
                originator_id=s.originator_id,
                originator_version=s.originator_version,
                topic=s.topic,
                state=s.state,
            )
        return out

    def append(self, rows: Sequence[EventRow]) -> Sequence[int]:
        start = len(self.r._stored_events) + len(self.staged) + 1
        self.staged.extend(
            StoredEvent(originator_id=s, originator_version=v, topic=t, state=d)
            for s, v, t, d in rows
        )
        return range(start, start + len(rows))

    def index(self, rows: Iterable[IndexRow]) -> None:
        self.rows.extend(rows)

    def chain_tail(self) -> tuple[int, bytes, int]:
        table = self.r.chain_table
        last = max(table) if table else 0
        return last, table[last].log_hash if last else ZERO, len(self.r._stored_events)

    def stream_hashes(self, streams: Sequence[str]) -> dict[str, bytes]:
        index = self.r._stored_events_index
        out = {}
        for s in streams:
            if index.get(s):
                row = self.r.chain_table.get(max(index[s].values()) + 1)
                if row is not None:
                    out[s] = row.stream_hash
        return out

    def chain(self, rows: Sequence[ChainRow]) -> None:
        self.chained.extend(rows)

    def chain_rows(self, positions: Sequence[int]) -> dict[int, ChainRow]:
        table = self.r.chain_table
        return {p: table[p] for p in positions if p in table}

    def rewrite(
        self,
        position: int,
        state: bytes,
        salts: str | None,
        redacted: str | None,
        event_id: str,
        digest: bytes,
    ) -> None:
        self.rewrites.append((position, state, salts, redacted, event_id, digest))

    def set_meta(self, key: str, value: str) -> None:
        self.meta[key] = value

    def commit(self) -> None:
        for link in self.chained:
            if link.position in self.r.chain_table:
                raise IntegrityError(f"position {link.position} is already chained")
        seen = set(self.r.ids)
        for row in self.rows:
            if row.event_id in seen:
                raise IntegrityError(f"event id {row.event_id!r} is already stored")
            seen.add(row.event_id)
        if self.staged:
            self.r._insert_events(self.staged)  # the package's uniqueness check and append
        for row in self.rows:
            self.r.ids[row.event_id] = row
            self.r._recorded.append((row.recorded_us, row.position))
        for chained in self.chained:
            self.r.chain_table[chained.position] = chained
        for position, state, salts, redacted, event_id, digest in self.rewrites:
            old = self.r._stored_events[position - 1]
            self.r._stored_events[position - 1] = StoredEvent(
                originator_id=old.originator_id,
                originator_version=old.originator_version,
                topic=old.topic,
                state=state,
            )
            c = self.r.chain_table[position]
            self.r.chain_table[position] = ChainRow(
                c.position, c.stream, c.version, c.leaf, c.stream_hash, c.log_hash,
                load_map(salts), load_map(redacted),
            )
            self.r.ids[event_id] = self.r.ids[event_id]._replace(digest=digest)
        self.r.chain_meta.update(self.meta)


# --------------------------------------------------------------------------- SQLite


@contextlib.contextmanager
def _sqlite_errors() -> Iterator[None]:
    """sqlite3 errors as the package's persistence errors (as its transactions do)."""
    try:
        yield
    except sqlite3.IntegrityError as e:
        raise IntegrityError(e) from e
    except sqlite3.OperationalError as e:
        raise OperationalError(e) from e
    except sqlite3.InterfaceError as e:
        raise InterfaceError(e) from e
    except sqlite3.DataError as e:
        raise DataError(e) from e
    except sqlite3.InternalError as e:
        raise InternalError(e) from e
    except sqlite3.ProgrammingError as e:
        raise ProgrammingError(e) from e
    except sqlite3.NotSupportedError as e:
        raise NotSupportedError(e) from e
    except sqlite3.DatabaseError as e:
        raise DatabaseError(e) from e
    except sqlite3.Error as e:
        raise PersistenceError(e) from e


# A BLOB parameter that ``sqlite3`` binds directly.  ``bytes`` (and ``None``) are first
# looked up in its adapter registry, a miss that costs more than copying the bytes
# (CPython's ``sqlite3`` binds only ``int``, ``float``, ``str`` and ``bytearray`` as is).
_blob = bytearray


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class SQLiteLogRecorder(SQLiteApplicationRecorder):
    """SQLite log: the package's application recorder (``<prefix>_events``, position =
    ``rowid``) plus the id index, written in one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, datastore: SQLiteDatastore, *, prefix: str = "slacore") -> None:
        self.ids_table = f"{prefix}_event_ids"
        self.chain_table = f"{prefix}_chain"
        self.meta_table = f"{prefix}_chain_meta"
        super().__init__(datastore, events_table_name=f"{prefix}_events")
        self.insert_positioned_statement = (
            f"INSERT INTO {self.events_table_name} "
            "(rowid, originator_id, originator_version, topic, state) VALUES (?,?,?,?,?)"
        )

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements += [
            f"CREATE TABLE IF NOT EXISTS {self.ids_table} ("
            "event_id TEXT PRIMARY KEY, digest BLOB NOT NULL, stream TEXT NOT NULL, "
            "version INTEGER NOT NULL, position INTEGER NOT NULL, "
            "recorded_us INTEGER NOT NULL) WITHOUT ROWID",
            f"CREATE INDEX IF NOT EXISTS {self.ids_table}_recorded "
            f"ON {self.ids_table} (recorded_us, position)",
            f"CREATE TABLE IF NOT EXISTS {self.chain_table} ("
            "position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL, "
            "leaf BLOB NOT NULL, stream_hash BLOB NOT NULL, log_hash BLOB NOT NULL, "
            "salts TEXT, redacted TEXT)",
            f"CREATE TABLE IF NOT EXISTS {self.meta_table} ("
            "key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ]
        return statements

    def write(self, fn: Callable[[WriteTx], T]) -> T:
        with self.datastore.get_connection(commit=True) as conn, _sqlite_errors():
            cursor = conn.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                result = fn(_SQLiteTx(self, cursor))
                conn.commit()
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.rollback()
                raise
            return result

    def _read(self, statement: str, params: Sequence[Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as c, _sqlite_errors():
            c.execute(statement, params)
            return list(c.fetchall())

    def select_rows(
        self, start: int, limit: int, stop: int | None = None, topics: Sequence[str] = ()
    ) -> list[StoredRow]:
        """The package's ``select_notifications`` (from ``start``, inclusive) as plain
        tuples: reading in bulk without building a ``Notification`` per event."""
        statement = (
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE rowid>=? "
        )
        params: list[Any] = [start]
        if stop is not None:
            statement += "AND rowid<=? "
            params.append(stop)
        if topics:
            statement += f"AND topic IN ({','.join('?' * len(topics))}) "
            params += topics
        statement += "ORDER BY rowid LIMIT ?"
        params.append(limit)
        return [tuple(row) for row in self._read(statement, params)]

    def select_stream(self, stream: str, upto: int | None = None) -> list[Notification]:
        statement = (
            f"SELECT rowid, originator_version, topic, state FROM {self.events_table_name} "
            "WHERE originator_id=? "
        )
        params: list[Any] = [stream]
        if upto is not None:
            statement += "AND rowid<=? "
            params.append(upto)
        statement += "ORDER BY originator_version"
        return [
            Notification(
                id=row[0],
                originator_id=stream,
                originator_version=row[1],
                topic=row[2],
                state=row[3],
            )
            for row in self._read(statement, params)
        ]

    def position_at(self, recorded_us: int) -> int:
        rows = self._read(
            f"SELECT position FROM {self.ids_table} WHERE recorded_us<=? "
            "ORDER BY recorded_us DESC, position DESC LIMIT 1",
            [recorded_us],
        )
        return int(rows[0][0]) if rows else 0

    def streams(self, kind: str, upto: int | None = None) -> list[str]:
        # ':' + 1 == ';': the range of ids that start with '<kind>:'.
        statement = (
            f"SELECT originator_id FROM {self.events_table_name} "
            "WHERE originator_id>=? AND originator_id<? "
        )
        params: list[Any] = [kind + ":", kind + ";"]
        if upto is not None:
            statement += "AND rowid<=? "
            params.append(upto)
        statement += "GROUP BY originator_id ORDER BY originator_id"
        return [row[0] for row in self._read(statement, params)]

    def counts(self) -> tuple[int, int]:
        events = self._read(f"SELECT COUNT(*) FROM {self.events_table_name}", [])[0][0]
        ids = self._read(f"SELECT COUNT(*) FROM {self.ids_table}", [])[0][0]
        return int(events), int(ids)

    def select_chain(self, start: int, limit: int) -> list[ChainRow]:
        rows = self._read(
            f"SELECT * FROM {self.chain_table} WHERE position>=? ORDER BY position LIMIT ?",
            [start, limit],
        )
        return [_chain_row(r) for r in rows]

    def scrub(self) -> None:
        """After retention: rebuild the file without the freed pages (``VACUUM``) and
        empty the write-ahead log, so removed values are not left on disk."""
        with self.datastore.get_connection(commit=False) as conn, _sqlite_errors():
            cursor = conn.cursor()
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def chain_head(self) -> tuple[int, bytes]:
        rows = self._read(
            f"SELECT position, log_hash FROM {self.chain_table} ORDER BY position DESC LIMIT 1",
            [],
        )
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else (0, ZERO)

    def meta(self) -> dict[str, str]:
        return {k: v for k, v in self._read(f"SELECT key, value FROM {self.meta_table}", [])}

    def close(self) -> None:
        self.datastore.close()


class _SQLiteTx:
    def __init__(self, recorder: SQLiteLogRecorder, cursor: SQLiteCursor) -> None:
        self.r = recorder
        self.c = cursor

    def _in(self, template: str, values: Sequence[Any]) -> list[Any]:
        rows: list[Any] = []
        for part in _chunks(values):
            self.c.execute(template.format(",".join("?" * len(part))), list(part))
            rows += self.c.fetchall()
        return rows

    def existing(self, event_ids: Sequence[str]) -> dict[str, tuple[bytes, int]]:
        rows = self._in(
            f"SELECT event_id, digest, position FROM {self.r.ids_table} WHERE event_id IN ({{}})",
            event_ids,
        )
        return {row[0]: (bytes(row[1]), int(row[2])) for row in rows}

    def heads(self, streams: Sequence[str]) -> dict[str, int]:
        rows = self._in(
            f"SELECT originator_id, MAX(originator_version) FROM {self.r.events_table_name} "
            "WHERE originator_id IN ({}) GROUP BY originator_id",
            streams,
        )
        return {row[0]: int(row[1]) for row in rows}

    def last_recorded_us(self) -> int | None:
        self.c.execute(f"SELECT MAX(recorded_us) FROM {self.r.ids_table}")
        value = self.c.fetchone()[0]
        return None if value is None else int(value)

    def notifications(self, positions: Sequence[int]) -> dict[int, Notification]:
        rows = self._in(
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.r.events_table_name} WHERE rowid IN ({{}})",
            positions,
        )
        return {
            row[0]: Notification(
                id=row[0],
                originator_id=row[1],
                originator_version=row[2],
                topic=row[3],
                state=row[4],
            )
            for row in rows
        }

    def append(self, rows: Sequence[EventRow]) -> Sequence[int]:
        # The package's insert runs one statement per row to learn each ``rowid``.  Under
        # ``BEGIN IMMEDIATE`` no other writer can insert, so the positions are the next
        # ones after the current last ``rowid``: given explicitly, one ``executemany``
        # writes the whole batch (a clash would be an integrity error, never a silent
        # renumbering).
        self.c.execute(f"SELECT MAX(rowid) FROM {self.r.events_table_name}")
        first = (self.c.fetchone()[0] or 0) + 1
        positions = range(first, first + len(rows))
        self.c.executemany(
            self.r.insert_positioned_statement,
            [
                (p, stream, version, topic, _blob(state))
                for p, (stream, version, topic, state) in zip(positions, rows, strict=True)
            ],
        )
        return positions

    def index(self, rows: Iterable[IndexRow]) -> None:
        self.c.executemany(
            f"INSERT INTO {self.r.ids_table} VALUES (?,?,?,?,?,?)",
            (
                (r.event_id, _blob(r.digest), r.stream, r.version, r.position, r.recorded_us)
                for r in rows
            ),
        )

    def chain_tail(self) -> tuple[int, bytes, int]:
        self.c.execute(
            f"SELECT position, log_hash FROM {self.r.chain_table} ORDER BY position DESC LIMIT 1"
        )
        row = self.c.fetchone()
        self.c.execute(f"SELECT MAX(rowid) FROM {self.r.events_table_name}")
        head = self.c.fetchone()[0] or 0
        if row is None:
            return 0, ZERO, int(head)
        return int(row[0]), bytes(row[1]), int(head)

    def stream_hashes(self, streams: Sequence[str]) -> dict[str, bytes]:
        rows = self._in(
            f"SELECT stream, stream_hash FROM {self.r.chain_table} WHERE position IN ("
            f"SELECT MAX(rowid) FROM {self.r.events_table_name} "
            "WHERE originator_id IN ({}) GROUP BY originator_id)",
            streams,
        )
        return {row[0]: bytes(row[1]) for row in rows}

    def chain(self, rows: Sequence[ChainRow]) -> None:
        # Rows without salts or redactions (most) leave those columns to their default
        # NULL rather than binding None (see ``_blob``).
        plain = [r for r in rows if not r.salts and not r.redacted]
        self.c.executemany(
            f"INSERT INTO {self.r.chain_table} "
            "(position, stream, version, leaf, stream_hash, log_hash) VALUES (?,?,?,?,?,?)",
            [
                (
                    r.position, r.stream, r.version,
                    _blob(r.leaf), _blob(r.stream_hash), _blob(r.log_hash),
                )
                for r in plain
            ],
        )
        if len(plain) < len(rows):
            self.c.executemany(
                f"INSERT INTO {self.r.chain_table} VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        r.position, r.stream, r.version,
                        _blob(r.leaf), _blob(r.stream_hash), _blob(r.log_hash),
                        r.salts_json(), r.redacted_json(),
                    )
                    for r in rows
                    if r.salts or r.redacted
                ],
            )

    def chain_rows(self, positions: Sequence[int]) -> dict[int, ChainRow]:
        rows = self._in(
            f"SELECT * FROM {self.r.chain_table} WHERE position IN ({{}})", positions
        )
        return {int(r[0]): _chain_row(r) for r in rows}

    def rewrite(
        self,
        position: int,
        state: bytes,
        salts: str | None,
        redacted: str | None,
        event_id: str,
        digest: bytes,
    ) -> None:
        self.c.execute(
            f"UPDATE {self.r.events_table_name} SET state=? WHERE rowid=?", (state, position)
        )
        self.c.execute(
            f"UPDATE {self.r.chain_table} SET salts=?, redacted=? WHERE position=?",
            (salts, redacted, position),
        )
        self.c.execute(
            f"UPDATE {self.r.ids_table} SET digest=? WHERE event_id=?", (digest, event_id)
        )

    def set_meta(self, key: str, value: str) -> None:
        self.c.execute(
            f"INSERT OR REPLACE INTO {self.r.meta_table} (key, value) VALUES (?, ?)",
            (key, value),
        )


def _chain_row(r: Sequence[Any]) -> ChainRow:
    return ChainRow(
        int(r[0]), r[1], int(r[2]), bytes(r[3]), bytes(r[4]), bytes(r[5]),
        load_map(r[6]), load_map(r[7]),
    )
