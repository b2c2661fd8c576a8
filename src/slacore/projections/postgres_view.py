"""The view of an ``SlaProjection`` on a PostgreSQL log (psycopg 3; imported only when a
``postgresql://`` log is opened): ``<prefix>_sla_<name>``, ``..._links`` and ``..._results``
in the log's schema, written with the package's tracking record in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from slacore.projections.views import COLUMNS, StoredTicket, ViewRow, _row

__all__ = ["PostgresView"]


class PostgresView(PostgresTrackingRecorder):
    """The view of a PostgreSQL log: ``<prefix>_sla_<name>`` and ``..._links`` in the
    log's schema, written with the package's tracking record (``<prefix>_tracking``) in
    one transaction."""

    def __init__(self, datastore: PostgresDatastore, *, prefix: str, name: str) -> None:
        super().__init__(datastore, tracking_table_name=f"{prefix}_tracking")
        self.name = f"{prefix}_sla_{name}"
        self.check_identifier_length(self.name + "_results_applied")
        schema = Identifier(datastore.schema)
        table = Identifier(self.name)
        links = Identifier(self.name + "_links")
        stored = Identifier(self.name + "_results")
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (ticket_id text, metric text, state text, "
                "cycles bigint, breached boolean, breached_cycles bigint, elapsed_us bigint, "
                "target_us bigint, started_at text, stopped_at text, due_at text, "
                "policy text, position bigint, detail text, PRIMARY KEY (ticket_id, metric))"
            ).format(schema, table),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (service_id text, ticket_id text, "
                "PRIMARY KEY (service_id, ticket_id))"
            ).format(schema, links),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (ticket_id text PRIMARY KEY, result text, "
                "events text, applied bigint NOT NULL)"
            ).format(schema, stored),
            SQL("CREATE INDEX IF NOT EXISTS {0} ON {1}.{2} (applied)").format(
                Identifier(self.name + "_results_applied"), schema, stored),
        ]
        self._sql_tickets = SQL("SELECT DISTINCT ticket_id FROM {0}.{1}").format(schema, table)
        self._sql_linked = SQL(
            "SELECT DISTINCT ticket_id FROM {0}.{1} WHERE service_id = ANY(%s)"
        ).format(schema, links)
        self._sql_delete = SQL("DELETE FROM {0}.{1} WHERE ticket_id = ANY(%s)").format(
            schema, table
        )
        self._sql_copy = SQL("COPY {0}.{1} ({2}) FROM STDIN (FORMAT BINARY)").format(
            schema, table, SQL(", ").join(Identifier(c) for c in COLUMNS)
        )
        self._sql_links = SQL(
            "INSERT INTO {0}.{1} SELECT * FROM unnest(%s::text[], %s::text[]) "
            "ON CONFLICT DO NOTHING"
        ).format(schema, links)
        self._sql_rows = SQL("SELECT * FROM {0}.{1}").format(schema, table)
        self._sql_store = SQL(
            "INSERT INTO {0}.{1} SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], "
            "%s::bigint[]) ON CONFLICT (ticket_id) DO UPDATE SET result = EXCLUDED.result, "
            "events = EXCLUDED.events, applied = EXCLUDED.applied"
        ).format(schema, stored)
        self._sql_stored = SQL(
            "SELECT ticket_id, result, events, applied FROM {0}.{1} WHERE applied > %s "
            "ORDER BY ticket_id COLLATE \"C\""
        ).format(schema, stored)
        self._sql_clear = [
            SQL("DELETE FROM {0}.{1}").format(schema, table),
            SQL("DELETE FROM {0}.{1}").format(schema, links),
            SQL("DELETE FROM {0}.{1}").format(schema, stored),
            SQL("DELETE FROM {0}.{1} WHERE application_name = %s").format(
                schema, Identifier(self.tracking_table_name)
            ),
        ]

    def position(self) -> int:
        return self.max_tracking_id(self.name) or 0

    def _read(self, statement: Any, params: Sequence[Any]) -> list[DictRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return curs.fetchall()

    def tickets(self) -> set[str]:
        return {row["ticket_id"] for row in self._read(self._sql_tickets, [])}

    def linked_tickets(self, services: Iterable[str]) -> set[str]:
        return {row["ticket_id"] for row in self._read(self._sql_linked, [list(services)])}

    def apply(
        self,
        rows: Mapping[str, Sequence[ViewRow]],
        links: Mapping[str, set[str]],
        position: int,
        stored: Sequence[StoredTicket] = (),
    ) -> None:
        types = ["text", "text", "text", "int8", "bool", "int8", "int8", "int8", "text",
                 "text", "text", "text", "int8", "text"]
        pairs = [(s, t) for t, services in links.items() for s in sorted(services)]
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._sql_delete, [list(rows)])
            with curs.copy(self._sql_copy) as copy:
                copy.set_types(types)
                for ticket_rows in rows.values():
                    for r in ticket_rows:
                        copy.write_row(r.astuple())
            if pairs:
                curs.execute(self._sql_links, [[s for s, _ in pairs], [t for _, t in pairs]])
            if stored:
                curs.execute(self._sql_store, [[s.ticket_id for s in stored],
                                               [s.result for s in stored],
                                               [s.events for s in stored],
                                               [s.applied for s in stored]])
            self._insert_tracking(curs, Tracking(self.name, position))

    def rows(self, ticket_id: str | None = None) -> list[ViewRow]:
        statement = self._sql_rows
        params: list[Any] = []
        if ticket_id is not None:
            statement += SQL(" WHERE ticket_id = %s")
            params.append(ticket_id)
        statement += SQL(" ORDER BY ticket_id COLLATE \"C\", metric COLLATE \"C\"")
        return [_row(tuple(r[c] for c in COLUMNS)) for r in self._read(statement, params)]

    def stored(self, since: int = 0) -> list[StoredTicket]:
        return [StoredTicket(r["ticket_id"], r["result"], r["events"], r["applied"])
                for r in self._read(self._sql_stored, [since])]

    def clear(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for statement in self._sql_clear[:3]:
                curs.execute(statement)
            curs.execute(self._sql_clear[3], [self.name])
