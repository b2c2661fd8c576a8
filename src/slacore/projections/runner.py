"""A projection that follows the log: per ticket and metric, the state of its SLA clock.

``SlaProjection`` reads the log in position order from where it stopped, re-evaluates
every ticket the new events touch with the pure core (``slacore.policies.evaluate``:
the ticket's whole history as known at that point, and the events of the services it
mentions), and writes the ticket's rows **and its position** (an ``eventsourcing``
tracking record) in one transaction of the log's own database.  A crash at any point
therefore resumes without double counting, two runners cannot both apply the same
position (the tracking record refuses it), and ``rebuild()`` from zero gives the same rows
as the incremental run (tested).

The view holds one ``ViewRow`` per ticket and metric, describing the metric's latest
cycle (state, elapsed, target, breached, due) and how many cycles breached, evaluated
up to the ticket's last event (``as_of=None``: the view never reads the wall clock;
"breach risk now" is a query-time call of ``evaluate`` with ``as_of=now``).

The policy is either a ``Policy`` or the id of a policy published in the log
(``PolicyPublished``): then each ticket is evaluated with the version in force at its
opening (``effective_from`` ≤ the ``at`` of its first ``opened`` event, else of its
earliest event), as known at that point of the log; a new version re-evaluates every
ticket.

With ``store_results=True`` the view also keeps each re-evaluated ticket's full
``TicketSla`` (exact JSON) and, with ``store_events=True``, its canonical events, in the
same transaction; ``listeners`` are told of every chunk applied (after its commit) with the
results in memory.  That is what ``slacore.projections.feed.ReportFeed`` builds on.
See docs/store.md and docs/reporting.md.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from eventsourcing.persistence import IntegrityError

from slacore.clock import BusinessCalendar
from slacore.errors import SlacoreError
from slacore.events import (
    Event,
    EventBase,
    History,
    ServiceEventBase,
    TicketOpened,
    TicketUpdated,
    canonical_history,
    dumps_jsonl,
)
from slacore.log.recorders import StoredRow
from slacore.log.records import RecordedEvent
from slacore.log.store import EventLog
from slacore.log.versions import PolicyPublished, in_force
from slacore.policies import Policy, TicketSla, evaluate
from slacore.projections.views import StoredTicket, ViewRow, ViewStore, open_view

__all__ = ["Evaluated", "Listener", "SlaProjection", "ViewRow", "ViewStore"]

_US = timedelta(microseconds=1)
_UTC = timezone.utc
TICKET_ROW = "*"
"""``metric`` of a ticket-level row: no policy in force, or the evaluation failed."""


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(_UTC).isoformat(timespec="microseconds")



@dataclass(frozen=True, slots=True)
class Evaluated:
    """One ticket re-evaluated by a chunk: its result (``None`` when no policy was in force
    or the evaluation failed) and, when the projection keeps events, its canonical
    history."""

    ticket_id: str
    result: TicketSla | None
    history: History | None


Listener = Callable[[int, int, Sequence[Evaluated]], None]
"""Called after a chunk committed: ``(previous position, new position, tickets)``."""


# --------------------------------------------------------------------------- runner


class SlaProjection:
    """Per-ticket SLA state maintained from the log (see the module docstring).

    ``name`` (a SQL name) identifies the view: its tables ``<prefix>_sla_<name>`` and
    ``..._links`` and its tracking record live in the log's database (in memory for a
    ``memory://`` log).  ``chunk`` is how many log events are applied per transaction.
    ``store_results`` keeps each ticket's full result in ``..._results`` (and
    ``store_events`` its canonical events too); ``listeners`` are called after each
    committed chunk (see ``Listener``).
    """

    def __init__(
        self,
        log: EventLog,
        policy: Policy | str,
        *,
        calendars: Mapping[str, BusinessCalendar] | None = None,
        name: str = "sla",
        chunk: int = 1000,
        store_results: bool = False,
        store_events: bool = False,
    ) -> None:
        if not name.replace("_", "a").isalnum() or not name.isascii() or name != name.lower():
            raise ValueError("a projection name is a lower-case SQL name (letters, digits, _)")
        self.log = log
        self.policy = policy
        self.calendars = dict(calendars or {})
        self.chunk = chunk
        self.store_events = store_events
        self.store_results = store_results or store_events
        self.listeners: list[Listener] = []
        self.view: ViewStore = open_view(log, name)
        self._versions: list[tuple[int, PolicyPublished]] = []
        self._versions_upto = -1
        self._parsed: dict[tuple[str, int], Policy] = {}

    # ------------------------------------------------------------------ control

    def position(self) -> int:
        """The last log position applied to the view."""
        return self.view.position()

    def lag(self) -> int:
        """How many positions the view is behind the log."""
        return self.log.head() - self.position()

    def run(self, *, until: int | None = None, max_chunks: int | None = None) -> int:
        """Catch up with the log (up to ``until`` if given); the number of log events
        applied.  Safe to call again at any time, from a restarted process too."""
        applied = 0
        chunks = 0
        while max_chunks is None or chunks < max_chunks:
            start = self.position()
            if until is not None and start >= until:
                break
            rows = self.log.recorder.select_rows(start + 1, self.chunk, until)
            if not rows:
                break
            try:
                self._apply(rows, previous=start)
            except IntegrityError:
                # Another runner applied these positions first: carry on from its position.
                if self.position() < rows[-1][0]:
                    raise
                continue
            applied += len(rows)
            chunks += 1
        return applied

    def follow(self, stop: threading.Event, *, poll: float = 0.5) -> None:
        """Keep catching up until ``stop`` is set (polls: works on SQLite, which has no
        notifications, and never stalls on a lost PostgreSQL NOTIFY)."""
        while not stop.is_set():
            if self.run() == 0:
                stop.wait(poll)

    def rebuild(self) -> int:
        """Forget the view and its position, then catch up from zero."""
        self.view.clear()
        self._versions, self._versions_upto = [], -1
        return self.run()

    def rows(self, ticket_id: str | None = None) -> list[ViewRow]:
        """The view's rows (of one ticket), ordered by ticket and metric."""
        return self.view.rows(ticket_id)

    # ------------------------------------------------------------------ one chunk

    def _apply(self, chunk: Sequence[StoredRow], previous: int | None = None) -> None:
        end = chunk[-1][0]
        decode = self.log.mapper.decode_row
        # The chunk is grouped as stored rows and a ticket's events are decoded just before
        # it is evaluated: decoded events then die young instead of living through the
        # chunk (in a process holding many objects, the garbage collector's full passes
        # over long-lived ones were a fifth of catch-up).
        by_stream: dict[str, list[StoredRow]] = defaultdict(list)
        touched: set[str] = set()
        services: set[str] = set()
        others: list[RecordedEvent] = []  # policy and calendar versions, governance facts
        for row in chunk:
            by_stream[row[1]].append(row)
            kind, _, subject = row[1].partition(":")
            if kind == "ticket":
                touched.add(subject)
            elif kind == "service":
                services.add(subject)
            else:
                others.append(decode(row))
        new_policy = any(
            isinstance(rec.event, PolicyPublished) and rec.event.policy_id == self.policy
            for rec in others
        )
        self._load_versions(chunk[0][0] - 1, others, end)
        if new_policy:
            touched |= self.view.tickets()
        if services:
            touched |= self.view.linked_tickets(services)
        service_cache: dict[str, list[RecordedEvent]] = {}

        def stream(name: str) -> list[RecordedEvent]:
            if not name.startswith("service:"):  # a ticket's: read once per chunk
                return self._stream(name, by_stream.get(name, []), end)
            if name not in service_cache:
                service_cache[name] = self._stream(name, by_stream.get(name, []), end)
            return service_cache[name]

        rows: dict[str, list[ViewRow]] = {}
        links: dict[str, set[str]] = {}
        evaluated: list[Evaluated] = []
        keep = self.store_results or bool(self.listeners)
        for ticket in sorted(touched):
            recs = stream("ticket:" + ticket)
            if not recs:  # linked by a view that is ahead of this chunk (a stale runner)
                continue
            events: list[Event] = [r.event for r in recs if isinstance(r.event, EventBase)]
            mentioned = _services(events)
            service_recs = [r for s in sorted(mentioned) for r in stream("service:" + s)]
            rows[ticket], result = self._evaluate(ticket, recs, service_recs)
            links[ticket] = mentioned
            if keep:
                history = canonical_history(events) if self.store_events else None
                evaluated.append(Evaluated(ticket, result, history))
        if not self.store_results:
            self.view.apply(rows, links, end)
        else:
            stored = [
                StoredTicket(
                    e.ticket_id,
                    None if e.result is None else e.result.to_json(),
                    None if e.history is None else dumps_jsonl(e.history.events),
                    end,
                )
                for e in evaluated
            ]
            self.view.apply(rows, links, end, stored)
        if previous is not None:
            for listener in self.listeners:
                listener(previous, end, evaluated)

    def _stream(self, name: str, in_chunk: list[StoredRow], end: int) -> list[RecordedEvent]:
        # Versions follow positions within a stream, so a chunk holding version 1 of a
        # stream holds all of it up to ``end``: no need to read it again.
        if in_chunk and in_chunk[0][2] == 1:
            decode = self.log.mapper.decode_row
            return [decode(row) for row in in_chunk]
        return self.log.stream(name, as_known_at=end)

    def _load_versions(self, start: int, records: Sequence[RecordedEvent], end: int) -> None:
        """Keep ``_versions`` = the policy's versions as known at ``end``, given the records
        of the chunk after ``start`` that are neither ticket nor service events."""
        if not isinstance(self.policy, str):
            return
        if self._versions_upto != start:  # first chunk, or another runner moved us on
            self._versions = [
                (rec.position, rec.event)
                for rec in self.log.stream("policy:" + self.policy, as_known_at=start)
                if isinstance(rec.event, PolicyPublished)
            ]
        for rec in records:
            if isinstance(rec.event, PolicyPublished) and rec.event.policy_id == self.policy:
                self._versions.append((rec.position, rec.event))
        self._versions_upto = end

    def _policy_for(self, events: Sequence[Event]) -> tuple[Policy, int] | None:
        if not isinstance(self.policy, str):
            return self.policy, 0
        if not events:
            return None
        opened = [e for e in events if isinstance(e, TicketOpened)]
        when = min(e.at for e in opened) if opened else min(e.at for e in events)
        version = in_force([v for _, v in self._versions], when)
        if version is None:
            return None
        key = (version.policy_id, version.version)
        if key not in self._parsed:
            self._parsed[key] = version.policy(calendars=self.calendars)
        position = max(p for p, v in self._versions if v is version)
        return self._parsed[key], position

    def _evaluate(
        self, ticket: str, recs: Sequence[RecordedEvent], service_recs: Sequence[RecordedEvent]
    ) -> tuple[list[ViewRow], TicketSla | None]:
        events: list[Event] = [r.event for r in recs if isinstance(r.event, EventBase)]
        service_events = [r.event for r in service_recs if isinstance(r.event, ServiceEventBase)]
        chosen = self._policy_for(events)
        position = max([r.position for r in recs] + [r.position for r in service_recs])
        if chosen is None:
            return [_ticket_row(ticket, "no_policy", position, None, None)], None
        policy, policy_position = chosen
        position = max(position, policy_position)
        label = f"{policy.id}@{policy.version}"
        try:
            result = evaluate(policy, events, calendars=self.calendars, services=service_events)
        except (SlacoreError, ValueError) as exc:
            return [_ticket_row(ticket, "error", position, label, str(exc))], None
        out = []
        for metric in policy.metrics:
            cycles = result.metrics.get(metric, ())
            if not cycles:
                out.append(
                    ViewRow(ticket, metric, "not_started", 0, False, 0, 0, None, None, None,
                            None, label, position)
                )
                continue
            last = cycles[-1]
            out.append(
                ViewRow(
                    ticket_id=ticket,
                    metric=metric,
                    state=last.state,
                    cycles=len(cycles),
                    breached=last.breached,
                    breached_cycles=sum(c.breached for c in cycles),
                    elapsed_us=last.elapsed // _US,
                    target_us=last.target // _US,
                    started_at=_iso(last.started_at),
                    stopped_at=_iso(last.stopped_at),
                    due_at=_iso(last.due_at),
                    policy=label,
                    position=position,
                )
            )
        return out, result


def _ticket_row(
    ticket: str, state: str, position: int, policy: str | None, detail: str | None
) -> ViewRow:
    return ViewRow(ticket, TICKET_ROW, state, 0, False, 0, 0, None, None, None, None, policy,
                   position, detail)


def _services(events: Sequence[Event]) -> set[str]:
    """The services a ticket's events name (``service`` in ``fields`` / ``changes``)."""
    out: set[str] = set()
    for e in events:
        values: Mapping[str, Any] | None = None
        if isinstance(e, TicketOpened):
            values = e.fields
        elif isinstance(e, TicketUpdated):
            values = e.changes
        if values is not None and isinstance(values.get("service"), str):
            out.add(values["service"])
    return out

