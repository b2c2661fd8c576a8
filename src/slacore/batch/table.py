"""The single-process batch path: an Arrow (or pandas) table of events in, one row per SLA
cycle out, every ticket evaluated by ``slacore.policies.evaluate``.

Work streams over record batches grouped by ticket.  A ticket's rows may straddle two
batches: the last ticket of each batch is carried over and evaluated once its rows end, so
no ticket is ever split across two evaluations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from slacore.batch.results import result_batch
from slacore.batch.rows import InvalidRow, InvalidTable, check_columns, decode_rows
from slacore.batch.schema import RESULT_SCHEMA
from slacore.clock import BusinessCalendar
from slacore.errors import InvalidInput, Problem
from slacore.events import (
    Event,
    ServiceEvent,
    ServiceEventBase,
    TicketEventBase,
    TicketOpened,
    TicketUpdated,
    parse_event,
)
from slacore.policies import Policy, TicketSla, evaluate
from slacore.policies.evaluate import resolve_calendars
from slacore.policies.model import parse_policy

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EventsInput",
    "ServiceIndex",
    "evaluate_batches",
    "evaluate_table",
    "in_result_order",
    "services_of",
]

EventsInput: TypeAlias = "pa.Table | pa.RecordBatchReader | pd.DataFrame"
_ROW = "__slacore_row"  # original row numbers, carried through the sort
DEFAULT_BATCH_ROWS = 65_536


# --------------------------------------------------------------------------- services


@dataclass(frozen=True)
class ServiceIndex:
    """Service events (maintenance windows, outages) by service id, parsed once."""

    by_service: Mapping[str, tuple[ServiceEvent, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Iterable[Event]) -> ServiceIndex:
        """Index already validated service events."""
        out: dict[str, list[ServiceEvent]] = {}
        for ev in events:
            if isinstance(ev, ServiceEventBase):
                out.setdefault(ev.service_id, []).append(ev)
        return cls({sid: tuple(evs) for sid, evs in out.items()})

    def merged(self, other: ServiceIndex) -> ServiceIndex:
        """The events of both indexes."""
        out = dict(self.by_service)
        for sid, evs in other.by_service.items():
            out[sid] = out.get(sid, ()) + evs
        return ServiceIndex(out)

    def events(self) -> list[ServiceEvent]:
        """Every service event, service by service."""
        return [ev for sid in sorted(self.by_service) for ev in self.by_service[sid]]

    def for_ticket(self, events: Sequence[Event]) -> list[ServiceEvent]:
        """The events of the services the ticket's events name (``service`` in ``fields``
        or ``changes``): what exclusions need."""
        if not self.by_service:
            return []
        names: set[str] = set()
        for ev in events:
            values: Mapping[str, Any] | None = None
            if isinstance(ev, TicketOpened):
                values = ev.fields
            elif isinstance(ev, TicketUpdated):
                values = ev.changes
            if values is not None:
                service = values.get("service")
                if isinstance(service, str):
                    names.add(service)
        return [ev for sid in sorted(names) for ev in self.by_service.get(sid, ())]


def _as_table(events: Any) -> pa.Table | pa.RecordBatchReader:
    if isinstance(events, pa.Table | pa.RecordBatchReader):
        return events
    if isinstance(events, pa.RecordBatch):
        return pa.Table.from_batches([events])
    if type(events).__module__.split(".")[0] == "pandas":
        return pa.Table.from_pandas(events, preserve_index=False)
    raise InvalidInput([Problem("events", type(events).__name__,
                                "give a pyarrow Table, RecordBatchReader or pandas DataFrame")],
                       what="events table")


def _check(schema: pa.Schema) -> None:
    problems = check_columns(pa.schema([f for f in schema if f.name != _ROW]))
    if problems:
        raise InvalidTable(problems)


def services_of(services: Any) -> ServiceIndex:
    """A ``ServiceIndex`` of service events given as a table (Arrow or pandas, the events
    layout), an iterable of events or mappings, or an index already."""
    if services is None:
        return ServiceIndex()
    if isinstance(services, ServiceIndex):
        return services
    if isinstance(services, pa.Table | pa.RecordBatch | pa.RecordBatchReader) or (
        type(services).__module__.split(".")[0] == "pandas"
    ):
        table = _as_table(services)
        _check(table.schema)
        parsed: list[Event] = []
        row = 0
        for batch in (table.to_batches() if isinstance(table, pa.Table) else table):
            for number, ev in _decode(batch, row):
                if not isinstance(ev, ServiceEventBase):
                    raise InvalidRow([Problem("type", ev.type, "a ticket event among the "
                                              "service events")], row=number,
                                     event_id=ev.event_id)
                parsed.append(ev)
            row += batch.num_rows
        return ServiceIndex.of(parsed)
    out: list[Event] = []
    for i, item in enumerate(services):
        ev = parse_event(item)
        if not isinstance(ev, ServiceEventBase):
            raise InvalidInput([Problem(f"services[{i}]", ev.type, "not a service event")],
                               what="services")
        out.append(ev)
    return ServiceIndex.of(out)


# --------------------------------------------------------------------------- streaming


class _Stream:
    """Groups decoded rows into tickets and evaluates each ticket exactly once."""

    def __init__(
        self,
        policy: Policy,
        calendars: Mapping[str, BusinessCalendar],
        as_of: datetime | None,
        services: ServiceIndex,
    ) -> None:
        self.policy = policy
        self.calendars = calendars
        self.as_of = as_of
        self.services = services
        self.current: str | None = None
        self.pending: list[Event] = []
        self.done: set[str] = set()

    def _evaluate(self) -> TicketSla | None:
        if self.current is None:
            return None
        tid, events = self.current, self.pending
        self.done.add(tid)
        self.current, self.pending = None, []
        try:
            return evaluate(self.policy, events, calendars=self.calendars,
                            services=self.services.for_ticket(events), as_of=self.as_of)
        except Exception as exc:
            exc.add_note(f"while evaluating ticket {tid!r} in a batch")
            raise

    def feed(self, rows: Iterable[tuple[int, Event]]) -> list[TicketSla]:
        """Take one batch of rows; the results of the tickets that ended before its last
        ticket (which is carried over)."""
        out: list[TicketSla] = []
        for row, ev in rows:
            if not isinstance(ev, TicketEventBase):
                raise InvalidRow([Problem("service_id", ev.service_id, "service events in a "
                                          "stream of ticket rows: pass them as services=")],
                                 row=row, event_id=ev.event_id)
            tid = ev.ticket_id
            if tid != self.current:
                if tid in self.done:
                    raise InvalidRow([Problem("ticket_id", tid, "the rows of this ticket are "
                                              "not contiguous: a stream must be grouped by "
                                              "ticket_id (sort it)")],
                                     row=row, event_id=ev.event_id)
                result = self._evaluate()
                if result is not None:
                    out.append(result)
                self.current = tid
            self.pending.append(ev)
        return out

    def finish(self) -> list[TicketSla]:
        """The result of the carried-over last ticket."""
        result = self._evaluate()
        return [] if result is None else [result]


def _row_numbers(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, list[int] | None]:
    if _ROW not in batch.schema.names:
        return batch, None
    numbers = [int(n) for n in batch.column(_ROW).to_pylist() if n is not None]
    return batch.drop_columns([_ROW]), numbers


def _decode(batch: pa.RecordBatch, row: int) -> Iterator[tuple[int, Event]]:
    batch, numbers = _row_numbers(batch)
    if numbers is None:
        yield from decode_rows(batch, row)
        return
    for i, ev in decode_rows(batch, 0):
        yield numbers[i], ev


def _prepare(
    policy: Policy | Mapping[str, Any], calendars: Mapping[str, BusinessCalendar] | None
) -> tuple[Policy, dict[str, BusinessCalendar]]:
    if not isinstance(policy, Policy):
        policy = parse_policy(policy, calendars=calendars or {})
    return policy, resolve_calendars(policy, calendars)


def evaluate_batches(
    batches: Iterable[pa.RecordBatch],
    policy: Policy | Mapping[str, Any],
    calendars: Mapping[str, BusinessCalendar] | None = None,
    as_of: datetime | None = None,
    *,
    services: Any = None,
) -> Iterator[pa.RecordBatch]:
    """Stream ticket-event record batches to result record batches (``RESULT_SCHEMA``).

    Each ticket's rows must be contiguous in the stream (sort by ``ticket_id``; a batch
    boundary may fall inside a ticket: its rows are carried over).  Service events go in
    ``services`` (a table or an iterable of events).  Yields one batch per input batch that
    completed at least one ticket, and one for the last ticket at the end; rows are
    numbered from 0 across the stream in errors.
    """
    pol, cals = _prepare(policy, calendars)
    stream = _Stream(pol, cals, as_of, services_of(services))
    row = 0
    checked: pa.Schema | None = None
    for batch in batches:
        if checked is None or not batch.schema.equals(checked):
            _check(batch.schema)
            checked = batch.schema
        results = stream.feed(_decode(batch, row))
        row += batch.num_rows
        if results:
            yield result_batch(results)
    results = stream.finish()
    if results:
        yield result_batch(results)


def evaluate_table(
    events: EventsInput,
    policy: Policy | Mapping[str, Any],
    calendars: Mapping[str, BusinessCalendar] | None = None,
    as_of: datetime | None = None,
    *,
    services: Any = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> pa.Table:
    """Evaluate every ticket of an events table under ``policy``: one row per cycle of
    every metric (``RESULT_SCHEMA``), tickets in ``ticket_id`` order.

    ``events`` is a pyarrow ``Table`` or a pandas ``DataFrame`` in the events layout
    (``docs/batch.md``), rows in any order; service events (rows with ``service_id`` and no
    ``ticket_id``) may sit in it or be given as ``services`` (a second table, or events).
    Each ticket gets the events of the services its fields name, as ``evaluate``'s
    ``services=``.  A ``RecordBatchReader`` is streamed as it comes and must be grouped by
    ticket.  A bad row raises ``InvalidRow`` naming its 0-based row and the field.
    Results equal ``evaluate(policy, ticket_events, calendars=..., services=...,
    as_of=as_of)`` ticket by ticket.
    """
    if batch_rows < 1:
        raise InvalidInput([Problem("batch_rows", batch_rows, "must be at least 1")],
                           what="argument")
    table = _as_table(events)
    _check(table.schema)
    index = services_of(services)
    if isinstance(table, pa.RecordBatchReader):
        stream: Iterable[pa.RecordBatch] = table
    else:
        table = table.append_column(_ROW, pa.array(range(table.num_rows), pa.int64()))
        names = table.schema.names
        if "service_id" in names:
            is_service = pc.is_valid(table.column("service_id"))
            if "ticket_id" in names:
                is_service = pc.and_(is_service, pc.is_null(table.column("ticket_id")))
            service_rows = table.filter(is_service)
            if service_rows.num_rows:
                index = index.merged(services_of(service_rows))
                table = table.filter(pc.invert(is_service))
        if "ticket_id" in names and pa.types.is_dictionary(table.schema.field("ticket_id").type):
            at = names.index("ticket_id")
            table = table.set_column(at, "ticket_id", pc.cast(table.column(at), pa.string()))
        if "ticket_id" in names and table.num_rows:
            table = table.sort_by([("ticket_id", "ascending"), (_ROW, "ascending")])
        stream = table.to_batches(max_chunksize=batch_rows)
    batches = list(evaluate_batches(stream, policy, calendars, as_of, services=index))
    return pa.Table.from_batches(batches, schema=RESULT_SCHEMA)


def in_result_order(results: pa.Table | pd.DataFrame, policy: Policy) -> pa.Table:
    """Results (e.g. collected from Dask or Spark, in any row order and with pandas or
    Spark types) as ``evaluate_table`` orders and types them: ``RESULT_SCHEMA``, by
    ``ticket_id``, then the policy's metric order, then cycle."""
    if not isinstance(results, pa.Table):
        results = pa.Table.from_pandas(results, preserve_index=False)
    results = results.select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA)
    rank = pc.index_in(results.column("metric"), value_set=pa.array(list(policy.metrics)))
    ordered = results.append_column("__metric_rank", rank).sort_by(
        [("ticket_id", "ascending"), ("__metric_rank", "ascending"), ("cycle", "ascending")]
    )
    return ordered.drop_columns(["__metric_rank"]).replace_schema_metadata(None)
