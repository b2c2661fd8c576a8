"""Availability of services per period, from monitoring outages and maintenance windows.

Pure: service events in, a report out (``availability_report``); ``AvailabilityProjection``
keeps the same report up to date one event at a time (or follows a log), with equal
output (property-tested).  Per service and period::

    availability = (agreed − excluded − downtime) / (agreed − excluded)

as an exact ``Fraction``, where *agreed* is the agreed service time inside the period
(24×7, or the open time of a ``BusinessCalendar``), and *excluded* and *downtime* follow
the maintenance accounting mode.  Overlapping outages merge (``IntervalSet``); an outage
spanning periods is split between them; an outage still open counts until ``as_of``.
MTBF, MTRS and MTBSI follow ITIL (docs/availability.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.clock import BusinessCalendar
from slacore.clock.instants import as_duration, from_us, to_us
from slacore.clock.intervals import Span, difference, intersection, normalize, total, union
from slacore.errors import InvalidInput, Problem
from slacore.events import (
    Event,
    EventBase,
    MaintenanceCancelled,
    MaintenanceScheduled,
    OutageEnded,
    OutageStarted,
    ServiceEventBase,
    canonical_history,
    parse_event,
)
from slacore.projections._common import LogFollower
from slacore.projections.compliance import Period, PeriodUnit, _Periods, floor_pct
from slacore.projections.contracts import CreditBand, MaintenanceMode, select_band

__all__ = [
    "MAINTENANCE_MODES",
    "AvailabilityProjection",
    "AvailabilityReport",
    "AvailabilityRow",
    "Measurement",
    "ServiceTimeline",
    "availability_report",
    "measure",
    "periods_between",
    "service_timeline",
]

MAINTENANCE_MODES: tuple[str, ...] = ("exclude", "up", "down", "ignore")
_ZERO = timedelta(0)
_UTC = timezone.utc


def _bad(field: str, value: Any, message: str) -> InvalidInput:
    return InvalidInput([Problem(field, value, message)], what="availability arguments")


def periods_between(
    start: datetime,
    end: datetime,
    unit: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
    zone: str = "UTC",
) -> list[Period]:
    """The periods of ``unit`` (in IANA zone ``zone``) that overlap ``[start, end)``, in
    order; custom ``(key, start, end)`` ranges are returned as given (sorted by start)."""
    s, e = to_us(start, "start"), to_us(end, "end")
    if e <= s:
        raise _bad("end", end, f"must be after start ({start.isoformat()})")
    if not isinstance(unit, str):
        out = [p if isinstance(p, Period) else Period(p[0], p[1], p[2]) for p in unit]
        for i, p in enumerate(out):
            if p.start is None or p.end is None or to_us(p.end, f"periods[{i}].end") <= to_us(
                    p.start, f"periods[{i}].start"):
                raise _bad(f"periods[{i}]", p, "a period needs a start before its end")
        return sorted(out, key=lambda p: (to_us(p.start, "start"), p.key))
    if unit == "all":
        return [Period("all", start, end)]
    try:
        periods = _Periods(unit, ZoneInfo(zone))
    except Exception as exc:  # unknown unit or zone
        raise _bad("period", unit, str(exc)) from None
    out = []
    cursor = start
    while to_us(cursor, "start") < e:
        (p,) = periods.of(cursor)
        out.append(p)
        assert p.end is not None
        cursor = p.end
    return out


# --------------------------------------------------------------------------- timeline


@dataclass(frozen=True, slots=True)
class ServiceTimeline:
    """What the events of one service say, as epoch-microsecond spans: ``outages``
    (merged; ``open_since`` is the start of an outage with no end yet) and ``maintenance``
    (the windows still scheduled, merged)."""

    service_id: str
    outages: tuple[Span, ...]
    open_since: tuple[int, ...]
    maintenance: tuple[Span, ...]

    def outage_spans(self, until: int) -> list[Span]:
        """Merged outages, an open one running until ``until``."""
        return normalize([*self.outages, *((s, until) for s in self.open_since)])


def service_timeline(service_id: str, events: Iterable[Event], as_of: datetime | None = None
                     ) -> ServiceTimeline:
    """The outages and maintenance windows of one service, from its events known at
    ``as_of`` (events with ``at`` after it are ignored).

    Outages pair by ``outage_id``; without ids an ``outage_ended`` ends the outage open at
    that point of the canonical order (a second ``outage_started`` while one is open is
    ignored, as in ``evaluate``).  A ``maintenance_scheduled`` with the id of an earlier one
    replaces it; ``maintenance_cancelled`` removes it."""
    cut = None if as_of is None else to_us(as_of, "as_of")
    history = canonical_history(
        e for e in events if cut is None or to_us(e.at, "at") <= cut)
    windows: dict[str, Span] = {}
    outages: list[Span] = []
    opened: dict[str | None, int] = {}
    for ev in history.events:
        if isinstance(ev, MaintenanceScheduled):
            windows[ev.window_id] = (to_us(ev.start, "start"), to_us(ev.end, "end"))
        elif isinstance(ev, MaintenanceCancelled):
            windows.pop(ev.maintenance_id, None)
        elif isinstance(ev, OutageStarted):
            opened.setdefault(ev.outage_id, to_us(ev.at, "at"))
        elif isinstance(ev, OutageEnded):
            begun = opened.pop(ev.outage_id, None)
            if begun is not None:
                outages.append((begun, to_us(ev.at, "at")))
    return ServiceTimeline(
        service_id=service_id,
        outages=tuple(normalize(outages)),
        open_since=tuple(sorted(opened.values())),
        maintenance=tuple(normalize(windows.values())),
    )


# --------------------------------------------------------------------------- one window


@dataclass(frozen=True, slots=True)
class Measurement:
    """Availability of one service over one window (all durations in µs, exact)."""

    agreed: int
    excluded: int
    downtime: int
    failures: int

    @property
    def measured(self) -> int:
        """Agreed service time less the excluded time: the denominator."""
        return self.agreed - self.excluded

    @property
    def availability(self) -> Fraction | None:
        """``(agreed − excluded − downtime) / (agreed − excluded)``; ``None`` when no
        service time is measured."""
        m = self.measured
        return None if m == 0 else Fraction(m - self.downtime, m)

    def _per_failure(self, us: int) -> Fraction | None:
        return None if self.failures == 0 else Fraction(us, self.failures * 1_000_000)

    @property
    def mtbf(self) -> Fraction | None:
        """Mean time between failures, seconds: ``(measured − downtime) / failures``."""
        return self._per_failure(self.measured - self.downtime)

    @property
    def mtrs(self) -> Fraction | None:
        """Mean time to restore service, seconds: ``downtime / failures``."""
        return self._per_failure(self.downtime)

    @property
    def mtbsi(self) -> Fraction | None:
        """Mean time between service incidents, seconds: ``measured / failures`` (=
        MTBF + MTRS)."""
        return self._per_failure(self.measured)


def _mode(maintenance: str) -> str:
    if maintenance not in MAINTENANCE_MODES:
        raise _bad("maintenance", maintenance, "use one of " + ", ".join(MAINTENANCE_MODES))
    return maintenance


def measure(
    timeline: ServiceTimeline,
    start: datetime,
    end: datetime,
    *,
    calendar: BusinessCalendar | None = None,
    maintenance: MaintenanceMode = "exclude",
    min_outage: timedelta = _ZERO,
    as_of: datetime | None = None,
) -> Measurement:
    """Availability of a service over ``[start, min(end, as_of))``.

    Agreed service time is the whole window (``calendar=None``: 24×7) or the calendar's
    open time in it.  ``maintenance`` (windows clipped to agreed time):

    - ``exclude``: windows are left out of the denominator; outages inside them do not count;
    - ``up``: windows count as available time; outages inside them do not count;
    - ``down``: windows count as downtime (as do outages);
    - ``ignore``: windows give no relief; outages count wherever they are.

    Merged outages shorter than ``min_outage`` (real time) are ignored.  A *failure* is a
    maximal interval of the merged downtime source (outages, and windows in ``down``
    mode) that causes downtime inside the window."""
    mode = _mode(maintenance)
    lo = to_us(start, "start")
    hi = to_us(end, "end")
    if as_of is not None:
        hi = min(hi, to_us(as_of, "as_of"))
    if hi <= lo:
        return Measurement(0, 0, 0, 0)
    if calendar is None:
        agreed = [(lo, hi)]
    else:
        agreed = list(calendar.open_set(from_us(lo, _UTC), from_us(hi, _UTC)).spans_us)
    min_us = min_outage // timedelta(microseconds=1)
    outages = [sp for sp in timeline.outage_spans(hi) if sp[1] - sp[0] >= min_us]
    windows = intersection(list(timeline.maintenance), agreed)
    source = union(outages, list(timeline.maintenance)) if mode == "down" else outages
    down_all = intersection(source, agreed)
    if mode in ("exclude", "up"):
        down_all = difference(down_all, windows)
    excluded = total(windows) if mode == "exclude" else 0
    failures = 0
    j = 0
    for s, e in source:
        while j < len(down_all) and down_all[j][1] <= s:
            j += 1
        if j < len(down_all) and down_all[j][0] < e:
            failures += 1
    return Measurement(total(agreed), excluded, total(down_all), failures)


# --------------------------------------------------------------------------- report


class AvailabilityRow(BaseModel):
    """Availability of one service in one period."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    service: str
    period: str
    period_start: datetime
    period_end: datetime
    complete: bool
    """Whether the whole period is known (its end is not after ``as_of``)."""
    agreed: timedelta
    excluded: timedelta
    downtime: timedelta
    availability: Fraction | None
    """Exact; ``None`` when no service time was measured."""
    failures: int
    mtbf_seconds: Fraction | None
    mtrs_seconds: Fraction | None
    mtbsi_seconds: Fraction | None
    band: str | None = None
    credit_percent: Decimal | None = None
    """The credit of the most severe matching band (``None`` when no bands were given or
    nothing was measured; 0 when no band matches)."""

    @field_serializer("availability", "mtbf_seconds", "mtrs_seconds", "mtbsi_seconds")
    def _ser_fraction(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)

    @property
    def availability_pct(self) -> Decimal | None:
        """Availability in percent, rounded **down** to four decimals."""
        return floor_pct(self.availability, 4)

    def row(self) -> dict[str, Any]:
        """One flat row of plain scalars (durations in whole or fractional seconds)."""
        pct = self.availability_pct

        def secs(v: Fraction | None) -> float | None:
            return None if v is None else float(v)

        return {
            "service": self.service, "period": self.period,
            "period_start": self.period_start, "period_end": self.period_end,
            "complete": self.complete,
            "agreed_seconds": self.agreed.total_seconds(),
            "excluded_seconds": self.excluded.total_seconds(),
            "downtime_seconds": self.downtime.total_seconds(),
            "availability_pct": None if pct is None else float(pct),
            "failures": self.failures,
            "mtbf_seconds": secs(self.mtbf_seconds), "mtrs_seconds": secs(self.mtrs_seconds),
            "mtbsi_seconds": secs(self.mtbsi_seconds),
            "band": self.band,
            "credit_percent": None if self.credit_percent is None else float(self.credit_percent),
        }


class AvailabilityReport(BaseModel):
    """Availability per service and period, ordered by service then period."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    maintenance: str
    zone: str
    items: tuple[AvailabilityRow, ...]

    def rows(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (Arrow/pandas-ready)."""
        return [r.row() for r in self.items]

    def get(self, service: str, period: str) -> AvailabilityRow | None:
        """The row of ``service`` in ``period`` (``None`` if absent)."""
        for r in self.items:
            if r.service == service and r.period == period:
                return r
        return None


class AvailabilityProjection(LogFollower):
    """Availability kept up to date one service event at a time.

    ``add(event)`` takes any event (ticket events are ignored; duplicates and conflicts are
    resolved as in ``canonical_history``), ``update(service_id, events)`` replaces what a
    service's events are, ``remove(service_id)`` forgets a service, ``catch_up(log)`` reads
    the log from where it stopped, and ``report()`` equals ``availability_report`` over
    the same events (property-tested).  The arguments are those of
    ``availability_report``."""

    follows = ServiceEventBase

    def __init__(
        self,
        *,
        start: datetime,
        end: datetime,
        period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
        zone: str = "UTC",
        calendar: BusinessCalendar | None = None,
        calendars: Mapping[str, BusinessCalendar] | None = None,
        maintenance: MaintenanceMode = "exclude",
        min_outage: timedelta = _ZERO,
        as_of: datetime | None = None,
        bands: Sequence[CreditBand] = (),
        services: Iterable[str] | None = None,
    ) -> None:
        self.periods = periods_between(start, end, period, zone)
        self.zone = zone
        self.calendar = calendar
        self.calendars = dict(calendars or {})
        self.maintenance = _mode(maintenance)
        if min_outage < _ZERO:
            raise _bad("min_outage", min_outage, "must not be negative")
        self.min_outage = min_outage
        self.as_of = as_of
        self.cut = None if as_of is None else to_us(as_of, "as_of")
        self.bands = tuple(bands)
        self.wanted = None if services is None else frozenset(services)
        self.events: dict[str, list[Event]] = {}
        self.cache: dict[str, tuple[AvailabilityRow, ...]] = {}
        self.position = 0

    def add(self, event: Event | Mapping[str, Any]) -> None:
        """Take one event into account (a mapping is parsed first, with the usual errors;
        ticket events are ignored: availability is measured from service events)."""
        if not isinstance(event, EventBase):
            event = parse_event(event)
        if not isinstance(event, ServiceEventBase):
            return
        sid = event.service_id
        if self.wanted is not None and sid not in self.wanted:
            return
        self.events.setdefault(sid, []).append(event)
        self.cache.pop(sid, None)

    def update(self, service_id: str, events: Iterable[Event]) -> None:
        """Replace the events of ``service_id`` (others' events are refused)."""
        mine: list[Event] = []
        for e in events:
            if not isinstance(e, ServiceEventBase) or e.service_id != service_id:
                raise _bad("events", e, f"not an event of service {service_id!r}")
            mine.append(e)
        self.remove(service_id)
        if mine and (self.wanted is None or service_id in self.wanted):
            self.events[service_id] = mine

    def remove(self, service_id: str) -> None:
        """Forget a service."""
        self.events.pop(service_id, None)
        self.cache.pop(service_id, None)

    def timeline(self, service_id: str) -> ServiceTimeline:
        """The service's outages and maintenance windows as known at ``as_of``."""
        return service_timeline(service_id, self.events.get(service_id, ()), self.as_of)

    def _rows(self, sid: str) -> tuple[AvailabilityRow, ...]:
        timeline = self.timeline(sid)
        calendar = self.calendars.get(sid, self.calendar)
        out = []
        for p in self.periods:
            assert p.start is not None and p.end is not None
            if self.cut is not None and to_us(p.start, "start") >= self.cut:
                continue
            m = measure(timeline, p.start, p.end, calendar=calendar,
                        maintenance=self.maintenance,  # type: ignore[arg-type]
                        min_outage=self.min_outage, as_of=self.as_of)
            avail = m.availability
            band = credit = None
            if self.bands and avail is not None:
                chosen = select_band(self.bands, avail * 100)
                band = None if chosen is None else chosen.label
                credit = Decimal(0) if chosen is None else chosen.credit_percent
            out.append(AvailabilityRow(
                service=sid, period=p.key, period_start=p.start, period_end=p.end,
                complete=self.cut is None or to_us(p.end, "end") <= self.cut,
                agreed=as_duration(m.agreed), excluded=as_duration(m.excluded),
                downtime=as_duration(m.downtime), availability=avail,
                failures=m.failures, mtbf_seconds=m.mtbf, mtrs_seconds=m.mtrs,
                mtbsi_seconds=m.mtbsi, band=band, credit_percent=credit,
            ))
        return tuple(out)

    def report(self, services: Iterable[str] = ()) -> AvailabilityReport:
        """The report for every service seen (and the extra ``services``, which have no
        events: fully available)."""
        names = sorted(set(self.events) | set(services))
        items: list[AvailabilityRow] = []
        for sid in names:
            rows = self.cache.get(sid)
            if rows is None:
                rows = self.cache[sid] = self._rows(sid)
            items.extend(rows)
        return AvailabilityReport(maintenance=self.maintenance, zone=self.zone,
                                  items=tuple(items))


def availability_report(
    events: Iterable[Event],
    *,
    start: datetime,
    end: datetime,
    period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
    zone: str = "UTC",
    calendar: BusinessCalendar | None = None,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    maintenance: MaintenanceMode = "exclude",
    min_outage: timedelta = _ZERO,
    as_of: datetime | None = None,
    bands: Sequence[CreditBand] = (),
    services: Iterable[str] | None = None,
) -> AvailabilityReport:
    """Availability of every service with events (restricted to ``services`` when given,
    and including those without events) per period of ``[start, end)``.

    ``period`` is a unit (``month``, ``week``, ``day``, ``year`` in IANA zone ``zone``;
    ``all`` for the whole window) or custom ``(key, start, end)`` ranges.  Agreed service
    time is 24×7 unless ``calendar`` (or ``calendars[service]``) gives it.  ``as_of``
    cuts the knowledge: later events are ignored, an open outage runs until ``as_of``, a
    period is measured only up to it and periods starting after it are left out.
    ``bands`` (e.g. ``AWS_EC2_REGION``) add the most severe matching credit band per row.
    Ticket events in ``events`` are ignored; the order of ``events`` does not matter.
    """
    wanted = None if services is None else list(services)
    projection = AvailabilityProjection(
        start=start, end=end, period=period, zone=zone, calendar=calendar,
        calendars=calendars, maintenance=maintenance, min_outage=min_outage, as_of=as_of,
        bands=bands, services=wanted)
    for event in events:
        projection.add(event)
    return projection.report(wanted or ())

