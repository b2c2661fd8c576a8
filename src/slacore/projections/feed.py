"""Reporting projections fed from the log: incremental, resumable, rebuildable.

A ``ReportFeed`` runs an ``SlaProjection`` that keeps, besides its rows, every ticket's full
``TicketSla`` (exact JSON) and, when a projection needs them, its canonical events, all in
the same transaction as its position (``store_results`` / ``store_events``).  The feed
holds any number of incremental projections (``ComplianceProjection``, ``KpiProjection``,
``TrendProjection``, ``RecurringProjection``, ``LatestResults`` …) in memory:

- on its first ``run()`` / ``refresh()`` it loads every stored ticket into them
  (``update``), so a restarted process starts where the view is, without replaying the log;
- then each chunk the runner commits calls ``update`` for every re-evaluated ticket (the
  results in memory, not read back);
- if the view moved without it (another process runs the view, or a chunk's callbacks
  failed half-way), it reads the tickets stored after its own position and updates them
  again: an ``update`` replaces a ticket's contribution, so applying one twice is harmless;
- if the view went backwards (rebuilt from zero elsewhere), it withdraws every ticket and
  loads again.

So each projection's ``report()`` always equals its pure function over the latest
evaluation of every ticket in the view (property-tested on memory, SQLite and PostgreSQL,
with restarts and crashes between steps).  See docs/reporting.md.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slacore.clock import BusinessCalendar
from slacore.errors import SlacoreError
from slacore.events import History, canonical_history, loads_jsonl
from slacore.log.store import EventLog
from slacore.policies import Policy, TicketSla
from slacore.projections.holders import holdings
from slacore.projections.kpis import KpiProjection
from slacore.projections.runner import Evaluated, SlaProjection
from slacore.projections.scorecards import HolderScorecardProjection
from slacore.projections.staffing import StaffingProjection
from slacore.projections.views import StoredTicket

__all__ = [
    "FedTicket",
    "FeedError",
    "LatestResults",
    "ReportFeed",
    "Subscriber",
    "subscriber",
]


class FeedError(SlacoreError):
    """A feed that cannot be set up or loaded as asked."""


@dataclass(frozen=True, slots=True)
class FedTicket:
    """What a projection is given for one ticket: its latest result (``None`` when no
    policy was in force or the evaluation failed) and, when the feed keeps events, its
    canonical history."""

    ticket_id: str
    result: TicketSla | None
    history: History | None


class Subscriber:
    """Adapts one incremental projection to the feed: ``update(ticket)`` replaces what the
    ticket contributed, ``remove(ticket_id)`` withdraws it.  Subclass it for a projection
    the feed does not know; ``needs_events`` asks the feed to keep canonical events."""

    needs_events = False

    def __init__(self, projection: Any) -> None:
        self.projection = projection

    def update(self, ticket: FedTicket) -> None:
        """Count the ticket's latest state instead of its previous one."""
        raise NotImplementedError

    def remove(self, ticket_id: str) -> None:
        """Withdraw the ticket."""
        self.projection.remove(ticket_id)


class _Results(Subscriber):
    """``update(result)`` / ``remove(ticket_id)`` projections."""

    def update(self, ticket: FedTicket) -> None:
        if ticket.result is None:
            self.projection.remove(ticket.ticket_id)
        else:
            self.projection.update(ticket.result)


class _Pairs(Subscriber):
    """``KpiProjection``: ``update(events, result)``."""

    needs_events = True

    def update(self, ticket: FedTicket) -> None:
        if ticket.result is None or ticket.history is None:
            self.projection.remove(ticket.ticket_id)
        else:
            self.projection.update(ticket.history, ticket.result)


class _Events(Subscriber):
    """``StaffingProjection``: ``update(ticket_id, events)``."""

    needs_events = True

    def update(self, ticket: FedTicket) -> None:
        assert ticket.history is not None
        self.projection.update(ticket.ticket_id, ticket.history.events)


class _Holdings(Subscriber):
    """``HolderScorecardProjection``: ``update(result, holdings)``."""

    needs_events = True

    def update(self, ticket: FedTicket) -> None:
        assert ticket.history is not None
        held = holdings(ticket.history.events, field=self.projection.field)
        self.projection.update(ticket.result, held)


def _takes_one_argument(method: Any) -> bool:
    try:
        params = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False
    required = [p for p in params if p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(required) == 1


def subscriber(projection: Any) -> Subscriber:
    """The adapter the feed uses for ``projection``: a ``Subscriber`` as is;
    ``KpiProjection`` (events and result), ``StaffingProjection`` (events),
    ``HolderScorecardProjection`` (result and holdings from the events); anything else
    with ``update(result)`` and ``remove(ticket_id)``."""
    if isinstance(projection, Subscriber):
        return projection
    if isinstance(projection, KpiProjection):
        return _Pairs(projection)
    if isinstance(projection, StaffingProjection):
        return _Events(projection)
    if isinstance(projection, HolderScorecardProjection):
        return _Holdings(projection)
    update = getattr(projection, "update", None)
    if callable(update) and callable(getattr(projection, "remove", None)) and (
            _takes_one_argument(update)):
        return _Results(projection)
    raise FeedError(
        f"projections: {type(projection).__name__} has no update(result) and "
        "remove(ticket_id); wrap it in a slacore.projections.feed.Subscriber")


class LatestResults:
    """The latest ``TicketSla`` of every ticket, for the reports that are computed at query
    time (``risk_report``, ``detect_crises``, ``recommend_targets`` …)."""

    def __init__(self) -> None:
        self.by_ticket: dict[str, TicketSla] = {}

    def update(self, result: TicketSla) -> None:
        """Keep ``result`` instead of the ticket's previous one."""
        if result.ticket_id is None:
            raise FeedError("results need a ticket_id")
        self.by_ticket[result.ticket_id] = result

    def remove(self, ticket_id: str) -> None:
        """Forget the ticket (nothing if unknown)."""
        self.by_ticket.pop(ticket_id, None)

    def results(self) -> list[TicketSla]:
        """The results, by ticket id."""
        return [self.by_ticket[t] for t in sorted(self.by_ticket)]

    def report(self) -> list[TicketSla]:
        """Same as ``results()`` (every projection of a feed has a ``report()``)."""
        return self.results()


class ReportFeed:
    """Incremental reporting projections kept up to date from the log (module docstring).

    ``projections`` are the incremental projections to feed (adapted by ``subscriber``);
    ``log``, ``policy``, ``calendars``, ``name`` and ``chunk`` are those of the
    ``SlaProjection`` it runs (its view ``name`` keeps results, and events when a
    projection needs them; give each differently configured feed its own name).
    """

    def __init__(
        self,
        log: EventLog,
        policy: Policy | str,
        projections: Iterable[Any],
        *,
        calendars: Mapping[str, BusinessCalendar] | None = None,
        name: str = "reports",
        chunk: int = 1000,
    ) -> None:
        self.projections = tuple(projections)
        self.subscribers = [subscriber(p) for p in self.projections]
        self.needs_events = any(s.needs_events for s in self.subscribers)
        self.runner = SlaProjection(log, policy, calendars=calendars, name=name, chunk=chunk,
                                    store_results=True, store_events=self.needs_events)
        self.runner.listeners.append(self._on_chunk)
        self._position: int | None = None  # None: nothing loaded yet
        self._fed: set[str] = set()

    # ------------------------------------------------------------------ control

    def position(self) -> int | None:
        """The view position the projections reflect (``None`` before the first load)."""
        return self._position

    def lag(self) -> int:
        """How many log positions the projections are behind the log."""
        return self.runner.log.head() - (self._position or 0)

    def run(self, *, until: int | None = None, max_chunks: int | None = None) -> int:
        """Bring the projections to the view, then run the view on (as
        ``SlaProjection.run``), updating the projections chunk by chunk; the number of
        log events applied.  Safe to call again at any time, from a restarted process."""
        self.refresh()
        applied = self.runner.run(until=until, max_chunks=max_chunks)
        self.refresh()
        return applied

    def follow(self, stop: threading.Event, *, poll: float = 0.5) -> None:
        """Keep running until ``stop`` is set (polling, like ``SlaProjection.follow``)."""
        while not stop.is_set():
            if self.run() == 0:
                stop.wait(poll)

    def refresh(self) -> int:
        """Bring the projections to the view's position without running it (for a view
        another process runs); the number of tickets updated."""
        position = self.runner.view.position()
        if self._position is not None and position == self._position:
            return 0
        if self._position is None or position < self._position:
            self._reset()
            tickets = self.runner.view.tickets()
            stored = self.runner.view.stored(0)
            self._check(tickets, stored)
        else:
            stored = self.runner.view.stored(self._position)
        for item in stored:
            self._deliver(self._decode(item))
        self._position = position
        return len(stored)

    def rebuild(self) -> int:
        """Withdraw every ticket, rebuild the view from zero and feed the projections
        again; the number of log events applied."""
        self._reset()
        self._position = 0
        applied = self.runner.rebuild()
        self.refresh()
        return applied

    # ------------------------------------------------------------------ internals

    def _reset(self) -> None:
        for ticket in sorted(self._fed):
            for sub in self.subscribers:
                sub.remove(ticket)
        self._fed.clear()
        self._position = None

    def _check(self, tickets: set[str], stored: Sequence[StoredTicket]) -> None:
        have = {s.ticket_id for s in stored}
        missing = tickets - have
        if self.needs_events:
            missing |= {s.ticket_id for s in stored if s.events is None}
        if missing:
            raise FeedError(
                f"view {self.runner.view.name!r}: {len(missing)} ticket(s) without a stored "
                f"{'result and events' if self.needs_events else 'result'} (e.g. "
                f"{min(missing)!r}); the view was built without them: rebuild() it")

    def _decode(self, item: StoredTicket) -> FedTicket:
        result = None if item.result is None else TicketSla.from_json(item.result)
        history = None if item.events is None else canonical_history(loads_jsonl(item.events))
        return FedTicket(item.ticket_id, result, history)

    def _deliver(self, ticket: FedTicket) -> None:
        self._fed.add(ticket.ticket_id)
        for sub in self.subscribers:
            sub.update(ticket)

    def _on_chunk(self, previous: int, end: int, tickets: Sequence[Evaluated]) -> None:
        if self._position is None or self._position != previous:
            return  # the view moved without us: ``refresh`` reads the store
        for t in tickets:
            self._deliver(FedTicket(t.ticket_id, t.result, t.history))
        self._position = end
