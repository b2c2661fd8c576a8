"""The PostgreSQL back end of the log (psycopg 3; imported only when a
``postgresql://`` log is opened).

The package's ``PostgresApplicationRecorder`` (table ``<prefix>_events``, position =
``notification_id``) plus the event-id index ``<prefix>_event_ids``.  A write runs in one
transaction that first takes the package's ``LOCK TABLE <prefix>_events IN EXCLUSIVE
MODE`` (which also makes commit order equal position order, so readers never skip a
position that commits later), then reads the ids and stream heads it needs, draws the
positions of the new events from the table's ``notification_id`` sequence, writes the
events, the index rows and the chain rows with binary ``COPY``, and commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from eventsourcing.persistence import (
    IntegrityError,
    Notification,
    ProgrammingError,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
)
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from slacore.log.chain import ZERO, ChainRow, load_map
from slacore.log.recorders import EventRow, IndexRow, StoredRow, WriteTx
from slacore.log.settings import StoreSettings

__all__ = ["PostgresLogRecorder", "open_datastore"]

T = TypeVar("T")


def open_datastore(settings: StoreSettings) -> PostgresDatastore:
    """A package datastore (psycopg connection pool) for ``settings``; creates the schema."""
    datastore = PostgresDatastore(
        dbname=settings.dbname,
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        connect_timeout=settings.connect_timeout,
        idle_in_transaction_session_timeout=0,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        lock_timeout=settings.lock_timeout,
        schema=settings.pg_schema,
        originator_id_type="text",
    )
    try:
        with datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(settings.pg_schema))
            )
    except (IntegrityError, ProgrammingError):
        pass  # created by a concurrent opener
    except BaseException:
        datastore.close()
        raise
    return datastore


class PostgresLogRecorder(PostgresApplicationRecorder):
    """PostgreSQL log recorder (see the module docstring)."""

    def __init__(self, datastore: PostgresDatastore, *, prefix: str = "slacore") -> None:
        super().__init__(datastore, events_table_name=f"{prefix}_events")
        self.ids_table = f"{prefix}_event_ids"
        self.check_identifier_length(self.ids_table + "_recorded_idx")
        schema = Identifier(datastore.schema)
        ids = Identifier(self.ids_table)
        events = Identifier(self.events_table_name)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "event_id text PRIMARY KEY, digest bytea NOT NULL, stream text NOT NULL, "
                "version bigint NOT NULL, position bigint NOT NULL, "
                "recorded_us bigint NOT NULL)"
            ).format(schema, ids),
            SQL("CREATE INDEX IF NOT EXISTS {0} ON {1}.{2} (recorded_us, position)").format(
                Identifier(self.ids_table + "_recorded_idx"), schema, ids
            ),
        ]
        # The notification-id sequence is looked up once (``pg_get_serial_sequence`` is
        # not folded into a constant: evaluated per row it costs ~3 µs an event).
        self._sql_sequence = SQL("SELECT pg_get_serial_sequence(%s, 'notification_id') AS s")
        self._sql_allocate = SQL(
            "SELECT nextval(%s::regclass) AS n FROM generate_series(1, %s) ORDER BY 1"
        )
        self._qualified_events = f"{datastore.schema}.{self.events_table_name}"
        self._sequence: str | None = None
        self._sql_copy_events = SQL(
            "COPY {0}.{1} (originator_id, originator_version, topic, state, notification_id) "
            "FROM STDIN (FORMAT BINARY)"
        ).format(schema, events)
        self._sql_copy_index = SQL(
            "COPY {0}.{1} (event_id, digest, stream, version, position, recorded_us) "
            "FROM STDIN (FORMAT BINARY)"
        ).format(schema, ids)
        self._sql_existing = SQL(
            "SELECT event_id, digest, position FROM {0}.{1} WHERE event_id = ANY(%s)"
        ).format(schema, ids)
        self._sql_heads = SQL(
            "SELECT originator_id, MAX(originator_version) AS v FROM {0}.{1} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(schema, events)
        self._sql_last_recorded = SQL("SELECT MAX(recorded_us) AS m FROM {0}.{1}").format(
            schema, ids
        )
        self._sql_by_position = SQL(
            "SELECT * FROM {0}.{1} WHERE notification_id = ANY(%s)"
        ).format(schema, events)
        # Bulk reads, by (with a stop, with topics): the package's conditions, no more (an
        # always-present upper bound can turn the plan into a scan on fresh statistics).
        self._sql_rows = {
            (stop, topics): SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {0}.{1} WHERE notification_id >= %s "
                + ("AND notification_id <= %s " if stop else "")
                + ("AND topic = ANY(%s) " if topics else "")
                + "ORDER BY notification_id LIMIT %s"
            ).format(schema, events)
            for stop in (False, True)
            for topics in (False, True)
        }
        self._sql_stream = SQL(
            "SELECT notification_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE originator_id = %s AND notification_id <= %s ORDER BY originator_version"
        ).format(schema, events)
        self._sql_position_at = SQL(
            "SELECT position FROM {0}.{1} WHERE recorded_us <= %s "
            "ORDER BY recorded_us DESC, position DESC LIMIT 1"
        ).format(schema, ids)
        self._sql_streams = SQL(
            "SELECT DISTINCT originator_id FROM {0}.{1} WHERE originator_id >= %s "
            "AND originator_id < %s AND notification_id <= %s ORDER BY originator_id"
        ).format(schema, events)
        self.chain_table = f"{prefix}_chain"
        self.meta_table = f"{prefix}_chain_meta"
        chain = Identifier(self.chain_table)
        meta = Identifier(self.meta_table)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "position bigint PRIMARY KEY, stream text NOT NULL, version bigint NOT NULL, "
                "leaf bytea NOT NULL, stream_hash bytea NOT NULL, log_hash bytea NOT NULL, "
                "salts text, redacted text)"
            ).format(schema, chain),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (key text PRIMARY KEY, value text NOT NULL)"
            ).format(schema, meta),
        ]
        self._sql_chain_tail = SQL(
            "SELECT (SELECT position FROM {0}.{1} ORDER BY position DESC LIMIT 1) AS p, "
            "(SELECT log_hash FROM {0}.{1} ORDER BY position DESC LIMIT 1) AS h, "
            "(SELECT MAX(notification_id) FROM {0}.{2}) AS e"
        ).format(schema, chain, events)
        self._sql_stream_hashes = SQL(
            "SELECT stream, stream_hash FROM {0}.{1} WHERE position IN ("
            "SELECT MAX(notification_id) FROM {0}.{2} WHERE originator_id = ANY(%s) "
            "GROUP BY originator_id)"
        ).format(schema, chain, events)
        self._sql_copy_chain = SQL(
            "COPY {0}.{1} (position, stream, version, leaf, stream_hash, log_hash, salts, "
            "redacted) FROM STDIN (FORMAT BINARY)"
        ).format(schema, chain)
        self._sql_chain_rows = SQL("SELECT * FROM {0}.{1} WHERE position = ANY(%s)").format(
            schema, chain
        )
        self._sql_select_chain = SQL(
            "SELECT * FROM {0}.{1} WHERE position >= %s ORDER BY position LIMIT %s"
        ).format(schema, chain)
        self._sql_rewrite = [
            SQL("UPDATE {0}.{1} SET state = %s WHERE notification_id = %s").format(
                schema, events
            ),
            SQL("UPDATE {0}.{1} SET salts = %s, redacted = %s WHERE position = %s").format(
                schema, chain
            ),
            SQL("UPDATE {0}.{1} SET digest = %s WHERE event_id = %s").format(schema, ids),
        ]
        self._sql_chain_head = SQL(
            "SELECT position, log_hash FROM {0}.{1} ORDER BY position DESC LIMIT 1"
        ).format(schema, chain)
        self._sql_meta = SQL("SELECT key, value FROM {0}.{1}").format(schema, meta)
        self._sql_set_meta = SQL(
            "INSERT INTO {0}.{1} (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
        ).format(schema, meta)
        self._sql_counts = SQL(
            "SELECT (SELECT COUNT(*) FROM {0}.{1}) AS e, (SELECT COUNT(*) FROM {0}.{2}) AS i"
        ).format(schema, events, ids)

    def write(self, fn: Callable[[WriteTx], T]) -> T:
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            return fn(_PostgresTx(self, curs))

    def _read(self, statement: Any, params: Sequence[Any]) -> list[DictRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return curs.fetchall()

    def select_rows(
        self, start: int, limit: int, stop: int | None = None, topics: Sequence[str] = ()
    ) -> list[StoredRow]:
        """The package's ``select_notifications`` (from ``start``, inclusive) as plain
        tuples: reading in bulk without building a ``Notification`` per event."""
        params: list[Any] = [start]
        if stop is not None:
            params.append(stop)
        if topics:
            params.append(list(topics))
        params.append(limit)
        statement = self._sql_rows[stop is not None, bool(topics)]
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as c:
            c.execute(statement, params, prepare=True)
            return [(p, i, v, t, bytes(d)) for p, i, v, t, d in c.fetchall()]

    def select_stream(self, stream: str, upto: int | None = None) -> list[Notification]:
        rows = self._read(self._sql_stream, [stream, upto if upto is not None else 2**62])
        return [
            Notification(
                id=row["notification_id"],
                originator_id=stream,
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]

    def position_at(self, recorded_us: int) -> int:
        rows = self._read(self._sql_position_at, [recorded_us])
        return int(rows[0]["position"]) if rows else 0

    def streams(self, kind: str, upto: int | None = None) -> list[str]:
        rows = self._read(
            self._sql_streams, [kind + ":", kind + ";", upto if upto is not None else 2**62]
        )
        return [row["originator_id"] for row in rows]

    def counts(self) -> tuple[int, int]:
        row = self._read(self._sql_counts, [])[0]
        return int(row["e"]), int(row["i"])

    def select_chain(self, start: int, limit: int) -> list[ChainRow]:
        return [_chain_row(r) for r in self._read(self._sql_select_chain, [start, limit])]

    def scrub(self) -> None:
        """After retention: ``VACUUM`` the rewritten tables so the old row versions are
        freed (their bytes stay in free space until reused; ``VACUUM FULL`` rewrites
        the tables, see docs/audit.md)."""
        with self.datastore.get_connection() as conn:
            autocommit = conn.autocommit
            conn.commit()
            conn.autocommit = True
            try:
                for table in (self.events_table_name, self.ids_table, self.chain_table):
                    conn.execute(
                        SQL("VACUUM {0}.{1}").format(
                            Identifier(self.datastore.schema), Identifier(table)
                        )
                    )
            finally:
                conn.autocommit = autocommit

    def chain_head(self) -> tuple[int, bytes]:
        rows = self._read(self._sql_chain_head, [])
        return (int(rows[0]["position"]), bytes(rows[0]["log_hash"])) if rows else (0, ZERO)

    def meta(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self._read(self._sql_meta, [])}

    def close(self) -> None:
        self.datastore.close()


def _chain_row(r: DictRow) -> ChainRow:
    return ChainRow(
        int(r["position"]),
        r["stream"],
        int(r["version"]),
        bytes(r["leaf"]),
        bytes(r["stream_hash"]),
        bytes(r["log_hash"]),
        load_map(r["salts"]),
        load_map(r["redacted"]),
    )


class _PostgresTx:
    def __init__(self, recorder: PostgresLogRecorder, curs: Cursor[DictRow]) -> None:
        self.r = recorder
        self.c = curs

    def existing(self, event_ids: Sequence[str]) -> dict[str, tuple[bytes, int]]:
        self.c.execute(self.r._sql_existing, [list(event_ids)])
        return {
            row["event_id"]: (bytes(row["digest"]), int(row["position"]))
            for row in self.c.fetchall()
        }

    def heads(self, streams: Sequence[str]) -> dict[str, int]:
        self.c.execute(self.r._sql_heads, [list(streams)])
        return {row["originator_id"]: int(row["v"]) for row in self.c.fetchall()}

    def last_recorded_us(self) -> int | None:
        self.c.execute(self.r._sql_last_recorded)
        row = self.c.fetchone()
        return None if row is None or row["m"] is None else int(row["m"])

    def notifications(self, positions: Sequence[int]) -> dict[int, Notification]:
        self.c.execute(self.r._sql_by_position, [list(positions)])
        return {
            row["notification_id"]: Notification(
                id=row["notification_id"],
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in self.c.fetchall()
        }

    def append(self, rows: Sequence[EventRow]) -> Sequence[int]:
        # Under the table lock (taken first by ``write``) no other writer draws from the
        # notification-id sequence, so the ids drawn here are above every committed
        # position and below every later one: commit order stays position order, as with
        # the package's ``INSERT ... RETURNING``.  COPY is ~10x faster than that insert.
        self.r._notify_channel(self.c)
        self.c.execute(self.r._sql_allocate, [self._sequence(), len(rows)])
        positions = [int(row["n"]) for row in self.c.fetchall()]
        with self.c.copy(self.r._sql_copy_events) as copy:
            copy.set_types(["text", "int8", "text", "bytea", "int8"])
            for row, p in zip(rows, positions, strict=True):
                copy.write_row((*row, p))
        return positions

    def _sequence(self) -> str:
        """The name of the events table's notification-id sequence."""
        if self.r._sequence is None:
            self.c.execute(self.r._sql_sequence, [self.r._qualified_events])
            row = self.c.fetchone()
            assert row is not None and row["s"], "the events table has no id sequence"
            self.r._sequence = str(row["s"])
        return self.r._sequence

    def index(self, rows: Iterable[IndexRow]) -> None:
        with self.c.copy(self.r._sql_copy_index) as copy:
            copy.set_types(["text", "bytea", "text", "int8", "int8", "int8"])
            for r in rows:
                copy.write_row(
                    (r.event_id, r.digest, r.stream, r.version, r.position, r.recorded_us)
                )

    def chain_tail(self) -> tuple[int, bytes, int]:
        self.c.execute(self.r._sql_chain_tail)
        row = self.c.fetchone()
        assert row is not None
        head = int(row["e"] or 0)
        if row["p"] is None:
            return 0, ZERO, head
        return int(row["p"]), bytes(row["h"]), head

    def stream_hashes(self, streams: Sequence[str]) -> dict[str, bytes]:
        self.c.execute(self.r._sql_stream_hashes, [list(streams)])
        return {row["stream"]: bytes(row["stream_hash"]) for row in self.c.fetchall()}

    def chain(self, rows: Sequence[ChainRow]) -> None:
        with self.c.copy(self.r._sql_copy_chain) as copy:
            copy.set_types(["int8", "text", "int8", "bytea", "bytea", "bytea", "text", "text"])
            for r in rows:
                copy.write_row(
                    (
                        r.position, r.stream, r.version, r.leaf, r.stream_hash, r.log_hash,
                        r.salts_json(), r.redacted_json(),
                    )
                )

    def chain_rows(self, positions: Sequence[int]) -> dict[int, ChainRow]:
        self.c.execute(self.r._sql_chain_rows, [list(positions)])
        return {int(r["position"]): _chain_row(r) for r in self.c.fetchall()}

    def rewrite(
        self,
        position: int,
        state: bytes,
        salts: str | None,
        redacted: str | None,
        event_id: str,
        digest: bytes,
    ) -> None:
        events, chain, ids = self.r._sql_rewrite
        self.c.execute(events, [state, position])
        self.c.execute(chain, [salts, redacted, position])
        self.c.execute(ids, [digest, event_id])

    def set_meta(self, key: str, value: str) -> None:
        self.c.execute(self.r._sql_set_meta, [key, value])
