"""Recurring incidents: clusters of tickets with the same service / category /
configuration item, too many within a window — problem-management candidates (pure: a list
of ``TicketSla`` in, a report out; ``RecurringProjection`` keeps it up to date).

A ticket's **key** is its values of the ``by`` fields (``TicketSla.fields`` at the end of
the evaluated span; by default ``service``, ``category`` and
``attributes.configuration_item``).  A missing field is the value ``None``; a ticket whose
values are all ``None`` has nothing to recur on and is left out.  Its **arrival** is the
start of its first SLA clock (the earliest ``started_at`` of its cycles: its opening under
the usual policies); a ticket without a cycle is left out.

Per key, with the tickets in arrival order (ties by ticket id): the window of a ticket is
the half-open span ``[arrival, arrival + window)`` and holds the tickets of the key that
arrived in it.  A window **qualifies** when it holds at least ``min_tickets`` tickets.  A
**cluster** is a maximal chain of qualifying windows that share tickets; it reports its
tickets (those of its windows), its first and last arrival, ``peak`` (the most tickets in
one window) and how many of its tickets breached a cycle.  Clusters come most tickets
first, then earliest first.  Property-tested against a brute-force union of windows.
See docs/reporting.md.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.policies import TicketSla
from slacore.projections._common import US, group_order, plain, result_value, seconds

DEFAULT_BY: tuple[str, ...] = ("service", "category", "attributes.configuration_item")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: Column names of a row; a key field may not reuse one.
RESERVED = frozenset({"first_at", "last_at", "tickets", "peak", "breached", "ticket_ids"})


class RecurringError(ValueError):
    """Bad arguments to ``recurring_incidents`` / ``RecurringProjection``."""


class RecurringCluster(BaseModel):
    """One problem-management candidate: tickets of one key bunched in time."""

    model_config = ConfigDict(frozen=True)

    key: dict[str, Any]
    tickets: tuple[str, ...]
    """In arrival order."""
    first_at: datetime
    last_at: datetime
    peak: int
    """The most tickets of the cluster in one window."""
    breached: int
    """Tickets of the cluster with at least one breached cycle."""

    @property
    def count(self) -> int:
        """How many tickets the cluster holds."""
        return len(self.tickets)

    def row(self) -> dict[str, Any]:
        """A flat row of plain scalars (ticket ids joined by spaces)."""
        out: dict[str, Any] = {k: plain(v) for k, v in self.key.items()}
        out.update({
            "first_at": self.first_at,
            "last_at": self.last_at,
            "tickets": self.count,
            "peak": self.peak,
            "breached": self.breached,
            "ticket_ids": " ".join(self.tickets),
        })
        return out


class RecurringReport(BaseModel):
    """The clusters found with the given key fields, window and threshold."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    by: tuple[str, ...]
    window: timedelta
    min_tickets: int
    candidates: tuple[RecurringCluster, ...]

    @field_serializer("window")
    def _ser_window(self, value: timedelta) -> int | float | None:
        return seconds(value)

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per candidate."""
        return [c.row() for c in self.candidates]


@dataclass(frozen=True, slots=True)
class _Ticket:
    key: tuple[Hashable, ...]
    arrival: int  # µs since the epoch
    breached: bool


def arrival(result: TicketSla) -> datetime | None:
    """The start of the ticket's first SLA clock (``None`` without any cycle)."""
    starts = [c.started_at for c in result.cycles()]
    return min(starts) if starts else None


def clusters(arrivals: Sequence[tuple[int, str]], window: int, min_tickets: int
             ) -> list[tuple[int, int, int]]:
    """Clusters of one key: ``(first index, end index, peak)`` over ``arrivals`` sorted by
    ``(time, id)`` (integer times), as half-open index ranges."""
    out: list[tuple[int, int, int]] = []
    n = len(arrivals)
    end = 0
    current: list[int] | None = None  # [start, end, peak]
    for i in range(n):
        horizon = arrivals[i][0] + window
        end = max(end, i)
        while end < n and arrivals[end][0] < horizon:
            end += 1
        size = end - i
        if size < min_tickets:
            continue
        if current is not None and i < current[1]:
            current[1] = end
            current[2] = max(current[2], size)
        else:
            if current is not None:
                out.append((current[0], current[1], current[2]))
            current = [i, end, size]
    if current is not None:
        out.append((current[0], current[1], current[2]))
    return out


class RecurringProjection:
    """Recurring incidents kept up to date one ``TicketSla`` at a time: ``update(result)``
    replaces the ticket's key and arrival, ``remove(ticket_id)`` withdraws it, and
    ``report()`` equals ``recurring_incidents`` over the latest result of every ticket
    (property-tested).  The arguments are those of ``recurring_incidents``."""

    def __init__(
        self,
        *,
        by: Sequence[str] = DEFAULT_BY,
        window: timedelta = timedelta(days=7),
        min_tickets: int = 3,
    ) -> None:
        by = tuple(by)
        if not by or len(set(by)) != len(by) or RESERVED.intersection(by):
            raise RecurringError(f"by: needs distinct field names, none of "
                                 f"{sorted(RESERVED)}, not {by!r}")
        if not isinstance(window, timedelta) or window <= timedelta(0):
            raise RecurringError(f"window: must be a positive duration, not {window!r}")
        if isinstance(min_tickets, bool) or not isinstance(min_tickets, int) or min_tickets < 2:
            raise RecurringError(f"min_tickets: must be a whole number >= 2, not {min_tickets!r}")
        self.by = by
        self.window = window
        self.min_tickets = min_tickets
        self.tickets: dict[str, _Ticket] = {}
        self.keys: dict[tuple[Hashable, ...], list[tuple[int, str]]] = {}

    def _measure(self, result: TicketSla) -> _Ticket | None:
        key = tuple(result_value(result, k) for k in self.by)
        at = arrival(result)
        if at is None or all(v is None for v in key):
            return None
        breached = any(c.breached for c in result.cycles())
        return _Ticket(key, (at - _EPOCH) // US, breached)

    def update(self, result: TicketSla) -> None:
        """Count ``result`` instead of the previous result of the same ticket."""
        tid = result.ticket_id
        if tid is None:
            raise RecurringError("update needs results with a ticket_id")
        self.remove(tid)
        ticket = self._measure(result)
        if ticket is None:
            return
        self.tickets[tid] = ticket
        bisect.insort(self.keys.setdefault(ticket.key, []), (ticket.arrival, tid))

    def add(self, result: TicketSla) -> None:
        """Same as ``update`` (a ticket is remembered by its id)."""
        self.update(result)

    def remove(self, ticket_id: str) -> None:
        """Withdraw the ticket (nothing if unknown)."""
        old = self.tickets.pop(ticket_id, None)
        if old is None:
            return
        items = self.keys[old.key]
        del items[bisect.bisect_left(items, (old.arrival, ticket_id))]
        if not items:
            del self.keys[old.key]

    def report(self) -> RecurringReport:
        """The clusters over every ticket counted so far."""
        window = self.window // US
        found: list[RecurringCluster] = []
        for key, items in self.keys.items():
            for lo, hi, peak in clusters(items, window, self.min_tickets):
                members = items[lo:hi]
                found.append(RecurringCluster(
                    key=dict(zip(self.by, key, strict=True)),
                    tickets=tuple(t for _, t in members),
                    first_at=_EPOCH + members[0][0] * US,
                    last_at=_EPOCH + members[-1][0] * US,
                    peak=peak,
                    breached=sum(self.tickets[t].breached for _, t in members),
                ))
        found.sort(key=lambda c: (-c.count, c.first_at, group_order(tuple(c.key.values())),
                                  c.tickets))
        return RecurringReport(by=self.by, window=self.window, min_tickets=self.min_tickets,
                               candidates=tuple(found))


def recurring_incidents(
    results: Iterable[TicketSla],
    *,
    by: Sequence[str] = DEFAULT_BY,
    window: timedelta = timedelta(days=7),
    min_tickets: int = 3,
) -> RecurringReport:
    """Problem-management candidates among ``results``: per key of ``by`` field values,
    the clusters of at least ``min_tickets`` tickets arriving within ``window`` of each
    other (module docstring).  One result per ticket id (a repeated id keeps its last
    result); the result does not depend on the order of ``results``."""
    projection = RecurringProjection(by=by, window=window, min_tickets=min_tickets)
    for result in results:
        projection.update(result)
    return projection.report()
