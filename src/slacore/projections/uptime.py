"""Vendor-reported uptime against independently measured availability.

For each ``vendor_uptime_reported`` event: the availability slacore measures for the same
service over the same ``[period_start, period_end)`` (``availability.measure``, from the
monitoring outages and maintenance windows), the discrepancy ``reported − measured`` in
percentage points (exact), a flag when it exceeds the tolerance, and the credit claimable
(at the measured figure) against the credit the vendor's own figure concedes and, when
given, the credit actually claimed.  See docs/availability.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.clock import BusinessCalendar
from slacore.clock.instants import to_us
from slacore.errors import InvalidInput, Problem
from slacore.events import (
    Event,
    EventBase,
    ServiceEventBase,
    VendorUptimeReported,
    canonical_history,
    parse_event,
)
from slacore.projections._common import LogFollower
from slacore.projections.availability import MAINTENANCE_MODES, measure, service_timeline
from slacore.projections.compliance import floor_pct
from slacore.projections.contracts import CreditBand, MaintenanceMode, select_band
from slacore.projections.credits import money

__all__ = ["UptimeProjection", "UptimeReport", "UptimeRow", "uptime_report"]

_ZERO = timedelta(0)


def _bad(field: str, value: Any, message: str) -> InvalidInput:
    return InvalidInput([Problem(field, value, message)], what="uptime arguments")


class UptimeRow(BaseModel):
    """One vendor report and what was measured for it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    event_id: str
    service: str
    vendor: str
    period_start: datetime
    period_end: datetime
    complete: bool
    """Whether the whole reported period is known (its end is not after ``as_of``)."""
    reported_percent: Decimal
    measured: Fraction | None
    """Measured availability ratio (0–1), exact; ``None`` if no service time was agreed."""
    discrepancy: Fraction | None
    """``reported_percent − 100 × measured``, percentage points (positive: the vendor
    reports more uptime than was measured)."""
    flagged: bool
    """``|discrepancy| > tolerance``."""
    band_reported: str | None
    band_measured: str | None
    credit_percent_reported: Decimal
    credit_percent_claimable: Decimal
    fee: Decimal | None
    credit_at_reported: Decimal | None
    """fee × the credit % of the vendor's figure: what its own report concedes."""
    credit_claimable: Decimal | None
    """fee × the credit % of the measured figure."""
    credit_claimed: Decimal | None
    """What was claimed for this report, when the caller says so."""
    shortfall: Decimal | None
    """``credit_claimable − (credit_claimed, else credit_at_reported)``."""

    @field_serializer("measured", "discrepancy")
    def _ser(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)

    @property
    def measured_pct(self) -> Decimal | None:
        """Measured availability in percent, rounded down to four decimals."""
        return floor_pct(self.measured, 4)

    @property
    def band_differs(self) -> bool:
        """Whether the measured figure falls in a different credit band than the report."""
        return self.credit_percent_claimable != self.credit_percent_reported

    def row(self) -> dict[str, Any]:
        """A flat dict of plain scalars."""
        pct = self.measured_pct

        def s(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "event_id": self.event_id, "service": self.service, "vendor": self.vendor,
            "period_start": self.period_start, "period_end": self.period_end,
            "complete": self.complete, "reported_pct": float(self.reported_percent),
            "measured_pct": None if pct is None else float(pct),
            "discrepancy_pp": None if self.discrepancy is None else float(self.discrepancy),
            "flagged": self.flagged, "band_reported": self.band_reported,
            "band_measured": self.band_measured, "fee": s(self.fee),
            "credit_at_reported": s(self.credit_at_reported),
            "credit_claimable": s(self.credit_claimable),
            "credit_claimed": s(self.credit_claimed), "shortfall": s(self.shortfall),
        }


class UptimeReport(BaseModel):
    """Every vendor report, ordered by service, vendor, period start and event id."""

    model_config = ConfigDict(frozen=True)

    tolerance: Decimal
    items: tuple[UptimeRow, ...]

    @property
    def flagged(self) -> tuple[UptimeRow, ...]:
        """The reports whose discrepancy exceeds the tolerance."""
        return tuple(r for r in self.items if r.flagged)

    def rows(self) -> list[dict[str, Any]]:
        """The rows as plain dicts."""
        return [r.row() for r in self.items]


class UptimeProjection(LogFollower):
    """The uptime comparison kept up to date one service event at a time (``add``,
    ``update(service_id, events)``, ``remove(service_id)``); ``report()`` equals
    ``uptime_report`` over the same events (property-tested)."""

    follows = ServiceEventBase

    def __init__(
        self,
        *,
        bands: Sequence[CreditBand] = (),
        tolerance: Decimal | int | str = Decimal("0.01"),
        calendar: BusinessCalendar | None = None,
        calendars: Mapping[str, BusinessCalendar] | None = None,
        maintenance: MaintenanceMode = "exclude",
        min_outage: timedelta = _ZERO,
        as_of: datetime | None = None,
        fees: Mapping[str, Decimal | int | str] | Decimal | int | str | None = None,
        claimed: Mapping[str, Decimal | int | str] | None = None,
        decimals: int = 2,
    ) -> None:
        try:
            self.tolerance = Decimal(str(tolerance))
        except ArithmeticError:
            raise _bad("tolerance", tolerance, "not a number") from None
        if not self.tolerance.is_finite() or self.tolerance < 0:
            raise _bad("tolerance", tolerance, "must be a non-negative number of points")
        if maintenance not in MAINTENANCE_MODES:
            raise _bad("maintenance", maintenance, "use one of " + ", ".join(MAINTENANCE_MODES))
        self.bands = tuple(bands)
        self.calendar = calendar
        self.calendars = dict(calendars or {})
        self.maintenance: MaintenanceMode = maintenance
        self.min_outage = min_outage
        self.as_of = as_of
        self.cut = None if as_of is None else to_us(as_of, "as_of")
        self.fees = fees
        self.claimed = {k: self._amount(f"claimed.{k}", v) for k, v in (claimed or {}).items()}
        self.decimals = decimals
        self.events: dict[str, list[Event]] = {}
        self.cache: dict[str, tuple[UptimeRow, ...]] = {}
        self.position = 0

    @staticmethod
    def _amount(field: str, value: Decimal | int | str) -> Decimal:
        try:
            d = value if isinstance(value, Decimal) else Decimal(str(value))
        except ArithmeticError:
            raise _bad(field, value, "not a number") from None
        if not d.is_finite() or d < 0:
            raise _bad(field, value, "must be a non-negative amount")
        return d

    def _fee(self, service: str) -> Decimal | None:
        if self.fees is None:
            return None
        if isinstance(self.fees, Mapping):
            raw = self.fees.get(service)
            return None if raw is None else self._amount(f"fees.{service}", raw)
        return self._amount("fees", self.fees)

    def add(self, event: Event | Mapping[str, Any]) -> None:
        """Take one event into account (a mapping is parsed first, with the usual errors;
        only service events matter)."""
        if not isinstance(event, EventBase):
            event = parse_event(event)
        if isinstance(event, ServiceEventBase):
            self.events.setdefault(event.service_id, []).append(event)
            self.cache.pop(event.service_id, None)

    def update(self, service_id: str, events: Iterable[Event]) -> None:
        """Replace the events of ``service_id``."""
        mine: list[Event] = []
        for e in events:
            if not isinstance(e, ServiceEventBase) or e.service_id != service_id:
                raise _bad("events", e, f"not an event of service {service_id!r}")
            mine.append(e)
        self.remove(service_id)
        if mine:
            self.events[service_id] = mine

    def remove(self, service_id: str) -> None:
        """Forget a service."""
        self.events.pop(service_id, None)
        self.cache.pop(service_id, None)

    def _rows(self, sid: str) -> tuple[UptimeRow, ...]:
        events = self.events[sid]
        known = [e for e in events if self.cut is None or to_us(e.at, "at") <= self.cut]
        reports = [e for e in canonical_history(known).events
                   if isinstance(e, VendorUptimeReported)]
        timeline = service_timeline(sid, known)
        calendar = self.calendars.get(sid, self.calendar)
        fee = self._fee(sid)
        d = self.decimals
        out = []
        for rep in reports:
            m = measure(timeline, rep.period_start, rep.period_end, calendar=calendar,
                        maintenance=self.maintenance, min_outage=self.min_outage,
                        as_of=self.as_of)
            measured = m.availability
            reported = Fraction(rep.uptime_percent)
            band_r = select_band(self.bands, reported)
            band_m = None if measured is None else select_band(self.bands, measured * 100)
            pct_r = Decimal(0) if band_r is None else band_r.credit_percent
            pct_m = Decimal(0) if band_m is None else band_m.credit_percent
            diff = None if measured is None else reported - measured * 100
            at_reported = None if fee is None else money(Fraction(fee) * Fraction(pct_r) / 100, d)
            claimable = None if fee is None else money(Fraction(fee) * Fraction(pct_m) / 100, d)
            claimed = self.claimed.get(rep.event_id)
            against = claimed if claimed is not None else at_reported
            out.append(UptimeRow(
                event_id=rep.event_id, service=sid, vendor=rep.vendor,
                period_start=rep.period_start, period_end=rep.period_end,
                complete=self.cut is None or to_us(rep.period_end, "period_end") <= self.cut,
                reported_percent=rep.uptime_percent, measured=measured, discrepancy=diff,
                flagged=diff is not None and abs(diff) > Fraction(self.tolerance),
                band_reported=None if band_r is None else band_r.label,
                band_measured=None if band_m is None else band_m.label,
                credit_percent_reported=pct_r, credit_percent_claimable=pct_m, fee=fee,
                credit_at_reported=at_reported, credit_claimable=claimable,
                credit_claimed=claimed,
                shortfall=None if claimable is None or against is None else claimable - against,
            ))
        out.sort(key=lambda r: (r.vendor, to_us(r.period_start, "period_start"), r.event_id))
        return tuple(out)

    def report(self) -> UptimeReport:
        """The comparison over everything so far."""
        items: list[UptimeRow] = []
        for sid in sorted(self.events):
            rows = self.cache.get(sid)
            if rows is None:
                rows = self.cache[sid] = self._rows(sid)
            items.extend(rows)
        return UptimeReport(tolerance=self.tolerance, items=tuple(items))


def uptime_report(
    events: Iterable[Event],
    *,
    bands: Sequence[CreditBand] = (),
    tolerance: Decimal | int | str = Decimal("0.01"),
    calendar: BusinessCalendar | None = None,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    maintenance: MaintenanceMode = "exclude",
    min_outage: timedelta = _ZERO,
    as_of: datetime | None = None,
    fees: Mapping[str, Decimal | int | str] | Decimal | int | str | None = None,
    claimed: Mapping[str, Decimal | int | str] | None = None,
    decimals: int = 2,
) -> UptimeReport:
    """Compare every ``vendor_uptime_reported`` event in ``events`` with the availability
    measured from the same service's outages and maintenance windows over the reported
    period (agreed time, ``maintenance`` and ``min_outage`` as in ``availability_report``,
    which must match the contract's definition for the figures to be comparable).

    ``tolerance`` is in percentage points.  ``bands`` (e.g. ``AWS_EC2_REGION``) turn both
    figures into credit percentages; ``fees`` (one amount, or per service id: the charge
    for the reported period) into amounts; ``claimed`` (by report ``event_id``) is what was
    actually claimed.  ``as_of`` ignores later events and measures only up to it."""
    projection = UptimeProjection(
        bands=bands, tolerance=tolerance, calendar=calendar, calendars=calendars,
        maintenance=maintenance, min_outage=min_outage, as_of=as_of, fees=fees,
        claimed=claimed, decimals=decimals)
    for event in events:
        projection.add(event)
    return projection.report()
