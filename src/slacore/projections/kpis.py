"""Operational KPIs (pure: ``(events, TicketSla)`` pairs and ``as_of`` in, a report out).

Business-time figures come from the SLA clocks of ``slacore.evaluate`` (the ``response``
and ``resolution`` metrics by default); wall-clock figures and the ticket's lifecycle
(responses, resolutions, reopenings, reassignments, time in each status and group) from
its events, read in canonical order up to ``as_of``.  Every formula is in docs/kpis.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.events import EventBase, History, canonical_history
from slacore.policies import TicketSla
from slacore.projections._common import group_order, hashable, plain, seconds

H = timedelta(hours=1)
DEFAULT_AGING: tuple[timedelta, ...] = (H, 4 * H, 8 * H, 24 * H, 40 * H)
NO_CLOCK = "no clock"


class KpiError(ValueError):
    """Bad arguments to ``kpi_report``."""


def _label(d: timedelta) -> str:
    s = d // timedelta(seconds=1)
    if s % 3600 == 0:
        return f"{s // 3600}h"
    if s % 60 == 0:
        return f"{s // 60}m"
    return f"{s}s"


def bucket_labels(edges: Sequence[timedelta]) -> list[str]:
    """Labels of the aging buckets ``[0, e1)``, ``[e1, e2)``, …, ``[en, ∞)``."""
    out = [f"<{_label(edges[0])}"]
    out += [f"{_label(a)}-{_label(b)}" for a, b in itertools.pairwise(edges)]
    out.append(f">={_label(edges[-1])}")
    return out


@dataclass(slots=True)
class _Ticket:
    """What one ticket contributes."""

    group: tuple[Hashable, ...]
    opened: bool = False
    state: str = "open"  # open | resolved | cancelled (closed counts as resolved)
    ever_resolved: bool = False
    reopened: bool = False
    first_contact: bool = False
    response_wall: timedelta | None = None
    response_business: timedelta | None = None
    resolve_wall: timedelta | None = None
    resolve_business: timedelta | None = None
    aging: str | None = None
    in_status: dict[Hashable, timedelta] = field(default_factory=dict)
    in_group: dict[Hashable, timedelta] = field(default_factory=dict)


def _field_changes(event: EventBase) -> Mapping[str, Any] | None:
    if event.type == "opened":
        return event.fields  # type: ignore[attr-defined, no-any-return]
    if event.type == "updated":
        return event.changes  # type: ignore[attr-defined, no-any-return]
    return None


def _ticket(events: Iterable[Any], result: TicketSla, as_of: datetime,
            group_by: Sequence[str], response_metric: str, resolution_metric: str,
            edges: Sequence[timedelta], labels: Sequence[str]) -> _Ticket:
    group = tuple(hashable(result.fields.get(k)) for k in group_by)
    out = _Ticket(group)
    canonical = events if isinstance(events, History) else canonical_history(events)
    history = [e for e in canonical.events if e.at <= as_of]
    opened_at: datetime | None = None
    first_response: datetime | None = None
    first_resolution: datetime | None = None
    last_resolution: datetime | None = None
    responses_before_resolution = 0
    reassigned = False
    status: Hashable = None
    agroup: Hashable = None
    since: datetime | None = None  # start of the current dwell span while the ticket is open

    def accrue(until: datetime) -> None:
        if since is not None and until > since:
            out.in_status[status] = out.in_status.get(status, timedelta(0)) + (until - since)
            out.in_group[agroup] = out.in_group.get(agroup, timedelta(0)) + (until - since)

    for event in history:
        kind = event.type
        at = event.at
        if kind == "opened" and opened_at is None:
            opened_at = since = at
        changes = _field_changes(event)
        if changes is not None:
            if "status" in changes or "assignment_group" in changes:
                accrue(at)
                if since is not None:
                    since = at
            if "status" in changes:
                status = hashable(changes["status"])
            if "assignment_group" in changes:
                new = hashable(changes["assignment_group"])
                if kind == "updated" and new != agroup:
                    reassigned = True
                agroup = new
            continue
        if kind == "agent_responded":
            if first_response is None:
                first_response = at
            if first_resolution is None:
                responses_before_resolution += 1
        elif kind in ("resolved", "closed"):
            if out.state == "open":
                accrue(at)
                since = None
                out.state = "resolved"
                out.ever_resolved = True
                last_resolution = at
                if first_resolution is None:
                    first_resolution = at
        elif kind == "reopened":
            if out.state == "resolved":
                out.state = "open"
                out.reopened = True
                since = at if opened_at is not None else None
        elif kind == "cancelled" and out.state == "open":
            accrue(at)
            since = None
            out.state = "cancelled"
    if out.state == "open":
        accrue(as_of)

    out.opened = opened_at is not None
    if opened_at is not None and first_response is not None:
        out.response_wall = first_response - opened_at
    response = result.metrics.get(response_metric, ())
    if response and response[0].state == "stopped":
        out.response_business = response[0].elapsed
    resolution = result.metrics.get(resolution_metric, ())
    if out.state == "resolved":
        if opened_at is not None and last_resolution is not None:
            out.resolve_wall = last_resolution - opened_at
        stopped = [c.elapsed for c in resolution if c.state == "stopped"]
        if stopped and not any(c.state in ("running", "paused") for c in resolution):
            out.resolve_business = sum(stopped, timedelta(0))
        out.first_contact = (not out.reopened and not reassigned
                             and responses_before_resolution <= 1)
    elif out.state == "open":
        running = [c for c in resolution if c.state in ("running", "paused")]
        if not running:
            out.aging = NO_CLOCK
        else:
            elapsed = running[-1].elapsed
            i = 0
            while i < len(edges) and elapsed >= edges[i]:
                i += 1
            out.aging = labels[i]
    return out


def _mean(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return sum(values, timedelta(0)) // len(values)


def _median(values: list[timedelta]) -> timedelta | None:
    """Lower median (the nearest-rank 50th percentile): an observed value."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[(len(ordered) + 1) // 2 - 1]


class KpiRow(BaseModel):
    """The KPIs of one group of tickets (or of all of them)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    group: dict[str, Any]
    tickets: int
    resolved: int
    cancelled: int
    backlog: int
    responded: int
    first_response_business_mean: timedelta | None
    first_response_business_median: timedelta | None
    first_response_wall_mean: timedelta | None
    first_response_wall_median: timedelta | None
    resolve_business_mean: timedelta | None
    resolve_business_median: timedelta | None
    resolve_wall_mean: timedelta | None
    resolve_wall_median: timedelta | None
    reopen_rate: Fraction | None
    """Tickets reopened at least once / tickets resolved at least once."""
    first_contact_resolution: Fraction | None
    """First-contact resolutions / resolved tickets."""
    aging: dict[str, int]
    """Backlog by elapsed business time of the open resolution clock."""
    time_in_status: dict[str, timedelta]
    """Mean wall time per ticket that spent time in the status."""
    time_in_group: dict[str, timedelta]
    """Mean wall time per ticket that spent time with the assignment group."""

    @field_serializer("reopen_rate", "first_contact_resolution")
    def _ser_frac(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)

    def row(self) -> dict[str, Any]:
        """A flat row of plain scalars (durations in seconds, ratios as floats)."""
        out: dict[str, Any] = {k: plain(v) for k, v in self.group.items()}
        for name in ("tickets", "resolved", "cancelled", "backlog", "responded"):
            out[name] = getattr(self, name)
        for name in ("first_response_business", "first_response_wall", "resolve_business",
                     "resolve_wall"):
            for stat in ("mean", "median"):
                out[f"{name}_{stat}_seconds"] = seconds(getattr(self, f"{name}_{stat}"))
        for name in ("reopen_rate", "first_contact_resolution"):
            value = getattr(self, name)
            out[name] = None if value is None else float(value)
        for label, count in self.aging.items():
            out[f"aging {label}"] = count
        for key, value in self.time_in_status.items():
            out[f"status {key} mean_seconds"] = seconds(value)
        for key, value in self.time_in_group.items():
            out[f"group {key} mean_seconds"] = seconds(value)
        return out


class KpiReport(BaseModel):
    """KPIs per group of ``group_by`` values and over all tickets."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    as_of: datetime
    group_by: tuple[str, ...]
    aging_buckets: tuple[str, ...]
    groups: tuple[KpiRow, ...]
    total: KpiRow

    def rows(self) -> list[dict[str, Any]]:
        """The per-group rows as plain dicts."""
        return [r.row() for r in self.groups]


def _dwell(tickets: list[_Ticket], attr: str) -> dict[str, timedelta]:
    totals: dict[Hashable, list[timedelta]] = {}
    for t in tickets:
        for key, value in getattr(t, attr).items():
            totals.setdefault(key, []).append(value)
    out: dict[str, timedelta] = {}
    for key in sorted(totals, key=lambda k: group_order([k])):
        mean = _mean(totals[key])
        assert mean is not None
        out["(none)" if key is None else str(plain(key))] = mean
    return out


def _row(group: dict[str, Any], tickets: list[_Ticket], labels: Sequence[str]) -> KpiRow:
    def vals(attr: str) -> list[timedelta]:
        return [v for t in tickets if (v := getattr(t, attr)) is not None]

    ever = sum(1 for t in tickets if t.ever_resolved)
    resolved = [t for t in tickets if t.state == "resolved"]
    aging = dict.fromkeys([*labels, NO_CLOCK], 0)
    for t in tickets:
        if t.aging is not None:
            aging[t.aging] += 1
    fr_b, fr_w = vals("response_business"), vals("response_wall")
    rs_b, rs_w = vals("resolve_business"), vals("resolve_wall")
    return KpiRow(
        group=group,
        tickets=len(tickets),
        resolved=len(resolved),
        cancelled=sum(1 for t in tickets if t.state == "cancelled"),
        backlog=sum(1 for t in tickets if t.state == "open"),
        responded=len(fr_w),
        first_response_business_mean=_mean(fr_b),
        first_response_business_median=_median(fr_b),
        first_response_wall_mean=_mean(fr_w),
        first_response_wall_median=_median(fr_w),
        resolve_business_mean=_mean(rs_b),
        resolve_business_median=_median(rs_b),
        resolve_wall_mean=_mean(rs_w),
        resolve_wall_median=_median(rs_w),
        reopen_rate=Fraction(sum(1 for t in tickets if t.reopened), ever) if ever else None,
        first_contact_resolution=(Fraction(sum(1 for t in resolved if t.first_contact),
                                           len(resolved)) if resolved else None),
        aging=aging,
        time_in_status=_dwell(tickets, "in_status"),
        time_in_group=_dwell(tickets, "in_group"),
    )


class KpiProjection:
    """KPIs kept up to date one ticket at a time: ``update(events, result)`` replaces what
    the ticket (``result.ticket_id``) contributed before; ``report()`` equals
    ``kpi_report`` over the latest pair of every ticket.  Arguments as ``kpi_report``."""

    def __init__(
        self,
        *,
        as_of: datetime,
        group_by: Sequence[str] = (),
        response_metric: str = "response",
        resolution_metric: str = "resolution",
        aging_buckets: Sequence[timedelta] = DEFAULT_AGING,
    ) -> None:
        if as_of.tzinfo is None:
            raise KpiError("as_of must be timezone-aware")
        edges = tuple(aging_buckets)
        if (not edges or any(e <= timedelta(0) for e in edges)
                or list(edges) != sorted(set(edges))):
            raise KpiError("aging_buckets must be ascending, distinct and positive")
        self.as_of = as_of
        self.edges = edges
        self.labels = bucket_labels(edges)
        self.group_by = tuple(group_by)
        self.response_metric = response_metric
        self.resolution_metric = resolution_metric
        self.tickets: dict[str, _Ticket] = {}
        self.anonymous: list[_Ticket] = []

    def _measure(self, events: Iterable[Any], result: TicketSla) -> _Ticket:
        return _ticket(events, result, self.as_of, self.group_by, self.response_metric,
                       self.resolution_metric, self.edges, self.labels)

    def add(self, events: Iterable[Any], result: TicketSla) -> None:
        """Count one ticket without remembering it (batch use)."""
        self.anonymous.append(self._measure(events, result))

    def update(self, events: Iterable[Any], result: TicketSla) -> None:
        """Count the ticket's latest events and result instead of its previous ones."""
        if result.ticket_id is None:
            raise KpiError("update needs results with a ticket_id")
        self.tickets[result.ticket_id] = self._measure(events, result)

    def remove(self, ticket_id: str) -> None:
        """Withdraw a ticket (nothing if unknown)."""
        self.tickets.pop(ticket_id, None)

    def report(self) -> KpiReport:
        """The report over every ticket counted so far."""
        tickets = [*self.anonymous, *self.tickets.values()]
        by_group: dict[tuple[Hashable, ...], list[_Ticket]] = {}
        for t in tickets:
            by_group.setdefault(t.group, []).append(t)
        groups = tuple(
            _row(dict(zip(self.group_by, key, strict=True)), by_group[key], self.labels)
            for key in sorted(by_group, key=group_order)
        )
        return KpiReport(as_of=self.as_of, group_by=self.group_by,
                         aging_buckets=(*self.labels, NO_CLOCK), groups=groups,
                         total=_row({}, tickets, self.labels))


def kpi_report(
    pairs: Iterable[tuple[Iterable[Any], TicketSla]],
    *,
    as_of: datetime,
    group_by: Sequence[str] = (),
    response_metric: str = "response",
    resolution_metric: str = "resolution",
    aging_buckets: Sequence[timedelta] = DEFAULT_AGING,
) -> KpiReport:
    """Operational KPIs of tickets given as ``(events, TicketSla)`` pairs at ``as_of``.

    ``events`` are the ticket's events (models or mappings, or its ``History`` from
    ``canonical_history``, which saves rebuilding it; events after ``as_of`` are
    ignored); the ``TicketSla`` is its evaluation at ``as_of``.  ``group_by`` names ticket
    fields (values at the end of the evaluated span).  ``aging_buckets`` are ascending
    positive edges on the SLA clock.  The result does not depend on the order of pairs.
    """
    projection = KpiProjection(as_of=as_of, group_by=group_by,
                               response_metric=response_metric,
                               resolution_metric=resolution_metric,
                               aging_buckets=aging_buckets)
    for events, result in pairs:
        projection.add(events, result)
    return projection.report()
