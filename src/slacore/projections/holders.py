"""Who held a ticket, and when: the holder timeline of one ticket (pure).

The *holder* is the value of one ticket field over time: ``assignment_group`` for
operational level agreements (OLAs), ``vendor`` for underpinning contracts (UCs), or any
other field (``attributes.<name>`` for free attributes).  It is read from the ticket's
events in canonical order (``opened`` sets the initial fields, ``updated`` changes them),
exactly as ``evaluate`` reads the fields for its conditions.

``holdings(events, field=...)`` returns a ``TicketHoldings``:

- ``timeline``: each change of the field's value (``None``: empty, unassigned);
- ``stints``: the spans ``[start, end)`` during which the ticket was **open** and held by a
  (non-empty) holder.  The ticket is open from an ``opened`` or ``reopened`` event until a
  ``resolved``, ``closed`` or ``cancelled`` event; nobody holds a resolved ticket.  This is
  the time a metric ``{start: {on: [opened, reopened]}, stop: {on: [resolved, closed,
  cancelled]}, reopen: new_cycle, run_only_when: {<field>: [X]}}`` counts for ``X`` on a
  24×7 calendar (property-tested);
- ``transfers``: hand-offs, i.e. ``updated`` events that change the holder from one value
  to another (the first value, set by ``opened``, is an assignment, not a hand-off), each
  with the instant the new holder **acknowledged** it: the first later event while it still
  holds the ticket that is an ``agent_responded``, a ``resolved``, or an ``updated`` that
  changes ``status`` or ``assignee`` without handing the ticket on;
- ``fixes``: ``resolved`` events that resolved an open ticket, with who held it and the
  ``reopened`` event (if any) that undid the fix before the next resolution.

``TicketHoldings.attribute(cycle)`` splits a cycle's elapsed business time between the
holders: each ``counted`` segment of the cycle (DESIGN §5: they sum to ``elapsed``)
is cut where the holder changed.  No clock arithmetic is redone, so the parts always sum
to the cycle's ``elapsed`` exactly.  See docs/scorecards.md.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slacore.clock.instants import EPOCH, ONE_US
from slacore.events import (
    Event,
    TicketOpened,
    TicketUpdated,
    canonical_history,
)
from slacore.policies import Cycle

Holder = Hashable
"""A holder: a ticket field value (``None`` is "nobody")."""

_OPENS = frozenset({"opened", "reopened"})
_CLOSES = frozenset({"resolved", "closed", "cancelled"})
_ACK_FIELDS = ("status", "assignee")


def _us(at: datetime) -> int:
    return (at - EPOCH) // ONE_US


def _value(changes: Mapping[str, Any], field: str) -> tuple[bool, Any]:
    """Whether an ``opened``/``updated`` payload sets ``field``, and to what."""
    if field.startswith("attributes."):
        attributes = changes.get("attributes")
        name = field[len("attributes."):]
        if isinstance(attributes, Mapping) and name in attributes:
            return True, attributes[name]
        return False, None
    if field in changes:
        return True, changes[field]
    return False, None


@dataclass(frozen=True, slots=True)
class HolderChange:
    """From ``at`` on (after the event ``event_id``), the holder is ``holder``."""

    at: datetime
    holder: Holder
    event_id: str


@dataclass(frozen=True, slots=True)
class Stint:
    """The open ticket was held by ``holder`` over ``[start, end)``; ``event_id`` is the
    event that began the stint (an assignment, a hand-off, an opening or a reopening)."""

    holder: Holder
    start: datetime
    end: datetime
    event_id: str


@dataclass(frozen=True, slots=True)
class Transfer:
    """A hand-off at ``at`` (event ``event_id``) from ``source`` to ``target`` (either may
    be ``None``: from or to nobody).  ``acknowledged_at`` is when ``target`` first acted
    on the ticket while holding it (``None``: not acknowledged within the span)."""

    at: datetime
    event_id: str
    source: Holder
    target: Holder
    acknowledged_at: datetime | None
    ack_event_id: str | None


@dataclass(frozen=True, slots=True)
class Fix:
    """A resolution at ``at`` (event ``event_id``) while ``holder`` held the ticket;
    ``reopened_at`` is the reopening that undid it (``None``: it held)."""

    at: datetime
    event_id: str
    holder: Holder
    reopened_at: datetime | None
    reopen_event_id: str | None


@dataclass(frozen=True, slots=True)
class TicketHoldings:
    """Who held one ticket, when (see the module docstring).  ``end`` is the end of the
    span the figures describe: ``as_of`` when given, else the ticket's last event
    (``None`` when there are no events)."""

    ticket_id: str | None
    field: str
    end: datetime | None
    timeline: tuple[HolderChange, ...]
    stints: tuple[Stint, ...]
    transfers: tuple[Transfer, ...]
    fixes: tuple[Fix, ...]

    def holder_at(self, instant: datetime) -> Holder:
        """The holder in force at ``instant`` (after every event at that instant)."""
        keys = [_us(c.at) for c in self.timeline]
        i = bisect.bisect_right(keys, _us(instant))
        return None if i == 0 else self.timeline[i - 1].holder

    def attribute(self, cycle: Cycle) -> dict[Holder, timedelta]:
        """The cycle's elapsed business time split by who held the ticket: its ``counted``
        segments cut at each change of holder.  The parts sum to ``cycle.elapsed`` (they
        are the counted segments, re-labelled); holders with no share are left out."""
        changes = [(_us(c.at), c.holder) for c in self.timeline]
        keys = [k for k, _ in changes]
        out: dict[Holder, int] = {}
        for seg in cycle.segments:
            if seg.kind != "counted":
                continue
            lo, hi = _us(seg.start), _us(seg.end)
            i = bisect.bisect_right(keys, lo)
            holder = None if i == 0 else changes[i - 1][1]
            while lo < hi:
                nxt = changes[i][0] if i < len(changes) else hi
                cut = min(hi, nxt)
                if cut > lo:
                    out[holder] = out.get(holder, 0) + (cut - lo)
                    lo = cut
                if i < len(changes) and changes[i][0] <= lo:
                    holder = changes[i][1]
                    i += 1
        return {h: v * ONE_US for h, v in out.items() if v}


def holdings(
    events: Iterable[Event | Mapping[str, Any]],
    *,
    field: str = "assignment_group",
    as_of: datetime | None = None,
) -> TicketHoldings:
    """The holder timeline of one ticket from its events (any order, duplicates allowed;
    mappings are parsed).  Events dated after ``as_of`` are ignored and open stints run to
    ``as_of``; without ``as_of`` they run to the last event."""
    if as_of is not None and as_of.utcoffset() is None:
        raise ValueError(f"as_of must be timezone-aware, not {as_of!r}")
    history = canonical_history(events)
    evs = [e for e in history.events if as_of is None or e.at <= as_of]
    ticket_evs = [e for e in evs if e.subject.kind == "ticket"]
    end = as_of if as_of is not None else (max(e.at for e in ticket_evs) if ticket_evs else None)

    timeline: list[HolderChange] = []
    stints: list[Stint] = []
    transfers: list[list[Any]] = []  # mutable: the acknowledgement comes later
    fixes: list[list[Any]] = []
    holder: Holder = None
    is_open = False
    stint_start: tuple[datetime, str] | None = None
    pending: list[Any] | None = None  # the last transfer to the current holder, not yet acked
    last_fix: list[Any] | None = None

    def close_stint(at: datetime) -> None:
        nonlocal stint_start
        if stint_start is not None and holder is not None and stint_start[0] < at:
            stints.append(Stint(holder, stint_start[0], at, stint_start[1]))
        stint_start = None

    for ev in ticket_evs:
        kind = ev.type
        if isinstance(ev, TicketOpened | TicketUpdated):
            payload = ev.fields if isinstance(ev, TicketOpened) else ev.changes
            sets, value = _value(payload, field)
            changed = sets and value != holder
            if changed:
                if is_open:
                    close_stint(ev.at)
                source, holder = holder, value
                timeline.append(HolderChange(ev.at, holder, ev.event_id))
                if is_open or isinstance(ev, TicketOpened):
                    stint_start = (ev.at, ev.event_id)
                if isinstance(ev, TicketUpdated):
                    pending = [ev.at, ev.event_id, source, holder, None, None]
                    transfers.append(pending)
                else:
                    pending = None
            elif isinstance(ev, TicketUpdated) and pending is not None and any(
                k in payload for k in _ACK_FIELDS
            ):
                pending[4], pending[5] = ev.at, ev.event_id
                pending = None
        elif kind == "agent_responded" and pending is not None:
            pending[4], pending[5] = ev.at, ev.event_id
            pending = None
        if kind in _OPENS and not is_open:
            is_open = True
            if stint_start is None:
                stint_start = (ev.at, ev.event_id)
            if kind == "reopened" and last_fix is not None:
                last_fix[3], last_fix[4] = ev.at, ev.event_id
                last_fix = None
        elif kind in _CLOSES and is_open:
            if kind == "resolved":
                if pending is not None:
                    pending[4], pending[5] = ev.at, ev.event_id
                    pending = None
                last_fix = [ev.at, ev.event_id, holder, None, None]
                fixes.append(last_fix)
            is_open = False
            close_stint(ev.at)
    if is_open and end is not None:
        close_stint(end)
    return TicketHoldings(
        ticket_id=history.ticket_id,
        field=field,
        end=end,
        timeline=tuple(timeline),
        stints=tuple(stints),
        transfers=tuple(Transfer(*t) for t in transfers),
        fixes=tuple(Fix(*f) for f in fixes),
    )
