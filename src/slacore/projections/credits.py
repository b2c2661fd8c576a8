"""Service credits a vendor owes under a ``Contract``, per period.

Per service level and period: the measured figure (compliance from the compliance report,
availability from ``availability``), the most severe matching credit band, the credit
(invoice × at-risk % × pool % × allocation % × band credit %), and its earn-back status;
per period: the sum, the cap and whether it applied.  Money is ``Decimal``, computed from
exact fractions and rounded half-up once per line.  See docs/credits.md.

``credit_report`` takes measurements already made; ``contract_credits`` makes them from
``TicketSla`` results and service events; ``CreditProjection`` keeps the same report up
to date one result / event at a time, with equal output (property-tested).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.clock import BusinessCalendar
from slacore.clock.instants import to_us
from slacore.errors import InvalidInput, Problem
from slacore.events import Event
from slacore.policies import TicketSla
from slacore.projections.availability import (
    AvailabilityProjection,
    AvailabilityReport,
    periods_between,
)
from slacore.projections.compliance import (
    ComplianceProjection,
    ComplianceReport,
    Period,
    floor_pct,
)
from slacore.projections.contracts import Contract, ServiceLevel, select_band

__all__ = [
    "CreditLine",
    "CreditPeriod",
    "CreditProjection",
    "CreditReport",
    "EarnBackStatus",
    "availability_measurements",
    "compliance_measurements",
    "contract_credits",
    "credit_report",
    "money",
    "selector_keys",
]

EarnBackStatus = Literal["no_credit", "no_clause", "pending", "earned_back", "forfeited"]
Measurements = Mapping[str, Mapping[str, Fraction | None]]
"""Service level id → period key → measured ratio (0–1, exact; ``None``: nothing measured)."""

_HUNDRED = Fraction(100)


def _bad(field: str, value: Any, message: str) -> InvalidInput:
    return InvalidInput([Problem(field, value, message)], what="credit arguments")


def money(value: Fraction | Decimal | int, decimals: int) -> Decimal:
    """``value`` rounded half-up to ``decimals`` places, exactly (no float, no context
    precision limit)."""
    f = Fraction(value)
    scaled = f * 10**decimals
    n, r = divmod(scaled.numerator, scaled.denominator)
    if 2 * r >= scaled.denominator:
        n += 1  # half-up (away from zero; amounts are never negative)
    return Decimal(f"{n}e-{decimals}")


class CreditLine(BaseModel):
    """One service level in one period."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    service_level: str
    measure: str
    period: str
    measured: Fraction | None
    """The measured ratio (0–1), exact; ``None`` when nothing was measured."""
    target_percent: Decimal
    met_target: bool | None
    """``measured × 100 >= target_percent``; ``None`` when nothing was measured."""
    band: str | None
    credit_percent: Decimal
    base: Decimal
    """invoice × at-risk % × pool % × allocation %."""
    credit: Decimal
    """base × credit %, rounded half-up to the contract's decimals."""
    earn_back: EarnBackStatus
    waived: Decimal
    """The credit when it was earned back, else 0."""
    owed: Decimal
    """``credit − waived`` (before the period's cap)."""

    @field_serializer("measured")
    def _ser(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)

    @property
    def measured_pct(self) -> Decimal | None:
        """The measured percentage rounded down to four decimals (display only)."""
        return floor_pct(self.measured, 4)


class CreditPeriod(BaseModel):
    """What the vendor owes for one period."""

    model_config = ConfigDict(frozen=True)

    vendor: str
    period: str
    period_start: datetime
    period_end: datetime
    complete: bool
    invoice: Decimal
    lines: tuple[CreditLine, ...]
    credit: Decimal
    """Σ line credits."""
    waived: Decimal
    """Σ credits earned back."""
    before_cap: Decimal
    """Σ line ``owed``."""
    cap: Decimal
    """The period's cap: the invoice, or less when the contract sets a cap."""
    cap_applied: bool
    owed: Decimal
    """``min(before_cap, cap)``: the credit owed for the period."""


class CreditReport(BaseModel):
    """Credits of one contract, per period in order."""

    model_config = ConfigDict(frozen=True)

    contract: str
    vendor: str
    currency: str
    periods: tuple[CreditPeriod, ...]
    owed: Decimal
    """Σ ``owed`` over the periods."""

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per period and service level (Arrow/pandas-ready)."""
        out = []
        for p in self.periods:
            for line in p.lines:
                pct = line.measured_pct
                out.append({
                    "contract": self.contract, "vendor": self.vendor, "period": p.period,
                    "service_level": line.service_level, "measure": line.measure,
                    "measured_pct": None if pct is None else float(pct),
                    "target_percent": float(line.target_percent), "band": line.band,
                    "credit_percent": float(line.credit_percent), "base": str(line.base),
                    "credit": str(line.credit), "earn_back": line.earn_back,
                    "owed": str(line.owed), "period_cap": str(p.cap),
                    "cap_applied": p.cap_applied, "period_owed": str(p.owed),
                })
        return out


def _pct(d: Decimal) -> Fraction:
    return Fraction(d) / _HUNDRED


def _meets(measured: Fraction | None, target: Decimal) -> bool:
    return measured is not None and measured * _HUNDRED >= Fraction(target)


def _earn_back(contract: Contract, sl: ServiceLevel, index: int, periods: Sequence[Period],
               measured: Mapping[str, Fraction | None], complete: Sequence[bool]
               ) -> EarnBackStatus:
    rule = sl.earn_back or contract.earn_back
    if rule is None:
        return "no_clause"
    target = rule.target_percent if rule.target_percent is not None else sl.target_percent
    following = range(index + 1, index + 1 + rule.periods)
    for j in following:
        if j >= len(periods) or not complete[j]:
            return "pending"
        if not _meets(measured.get(periods[j].key), target):
            return "forfeited"
    return "earned_back"


def credit_report(
    contract: Contract,
    measurements: Measurements,
    *,
    periods: Sequence[Period],
    invoices: Mapping[str, Decimal | int | str] | None = None,
    as_of: datetime | None = None,
) -> CreditReport:
    """Credits of ``contract`` over ``periods`` (in order; e.g. ``periods_between``) from
    ``measurements`` (service level id → period key → ratio).

    ``invoices`` gives each period's invoice amount (default: ``contract.invoice``; a
    period with neither is an error).  A period ending after ``as_of`` is incomplete: it
    neither earns back nor forfeits an earlier credit (``pending``).  Earn-back: a credit
    is waived when each of the next N periods (complete, measured) meets the target; one
    that does not (or has nothing measured) forfeits it.  Waivers come first, then the
    cap: ``owed = min(Σ (credit − waived), cap)`` with ``cap = min(invoice, cap % ×
    invoice, cap amount)``."""
    invoices = dict(invoices or {})
    ordered = sorted(periods, key=lambda p: to_us(p.start, "period.start"))
    cut = None if as_of is None else to_us(as_of, "as_of")
    complete = [cut is None or to_us(p.end, "period.end") <= cut for p in ordered]
    unknown = set(measurements) - {sl.id for sl in contract.service_levels}
    if unknown:
        raise _bad("measurements", sorted(unknown), "not service levels of the contract")
    d = contract.decimals
    out: list[CreditPeriod] = []
    for i, per in enumerate(ordered):
        assert per.start is not None and per.end is not None
        raw = invoices.get(per.key, contract.invoice)
        if raw is None:
            raise _bad(f"invoices.{per.key}", None,
                       "no invoice amount for the period and the contract has no default")
        try:
            invoice = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
        except ArithmeticError:
            raise _bad(f"invoices.{per.key}", raw, "not a number") from None
        if not invoice.is_finite() or invoice < 0:
            raise _bad(f"invoices.{per.key}", raw, "an invoice is a non-negative amount")
        pool = Fraction(invoice) * _pct(contract.at_risk_percent) * _pct(contract.pool_percent)
        lines = []
        for sl in contract.service_levels:
            by_period = measurements.get(sl.id, {})
            measured = by_period.get(per.key)
            band = None if measured is None else select_band(sl.bands, measured * _HUNDRED)
            credit_pct = Decimal(0) if band is None else band.credit_percent
            base = pool * _pct(sl.allocation_percent)
            credit = money(base * _pct(credit_pct), d)
            status: EarnBackStatus = "no_credit"
            if credit > 0:
                status = _earn_back(contract, sl, i, ordered, by_period, complete)
            waived = credit if status == "earned_back" else money(0, d)
            lines.append(CreditLine(
                service_level=sl.id, measure=sl.measure, period=per.key, measured=measured,
                target_percent=sl.target_percent,
                met_target=None if measured is None else _meets(measured, sl.target_percent),
                band=None if band is None else band.label, credit_percent=credit_pct,
                base=money(base, d), credit=credit, earn_back=status, waived=waived,
                owed=credit - waived,
            ))
        caps = [Fraction(invoice)]
        if contract.cap is not None:
            if contract.cap.percent_of_invoice is not None:
                caps.append(Fraction(invoice) * _pct(contract.cap.percent_of_invoice))
            if contract.cap.amount is not None:
                caps.append(Fraction(contract.cap.amount))
        cap = money(min(caps), d)
        before = sum((line.owed for line in lines), money(0, d))
        out.append(CreditPeriod(
            vendor=contract.vendor, period=per.key, period_start=per.start,
            period_end=per.end, complete=complete[i], invoice=invoice, lines=tuple(lines),
            credit=sum((line.credit for line in lines), money(0, d)),
            waived=sum((line.waived for line in lines), money(0, d)),
            before_cap=before, cap=cap, cap_applied=before > cap, owed=min(before, cap),
        ))
    return CreditReport(contract=contract.id, vendor=contract.vendor,
                        currency=contract.currency, periods=tuple(out),
                        owed=sum((p.owed for p in out), money(0, d)))


# --------------------------------------------------------------------------- measuring


def selector_keys(contract: Contract) -> tuple[str, ...]:
    """The grouping keys the compliance service levels select on (sorted)."""
    return tuple(sorted({k for sl in contract.service_levels for k in sl.select}))


def compliance_measurements(contract: Contract, report: ComplianceReport
                            ) -> dict[str, dict[str, Fraction | None]]:
    """Measured compliance of each compliance service level per period: Σ met / Σ due over
    the report's rows whose group values equal the level's ``select`` (the report must
    group by every selected key, e.g. ``selector_keys(contract)``)."""
    out: dict[str, dict[str, Fraction | None]] = {}
    for sl in contract.service_levels:
        if sl.measure != "compliance":
            continue
        missing = set(sl.select) - set(report.group_by)
        if missing:
            raise _bad("report.group_by", report.group_by,
                       f"service level {sl.id!r} selects on {sorted(missing)}; group by them")
        sums: dict[str, list[int]] = {}
        for row in report.groups:
            if all(row.group.get(k) == v for k, v in sl.select.items()):
                acc = sums.setdefault(row.period, [0, 0])
                acc[0] += row.met
                acc[1] += row.due
        out[sl.id] = {k: Fraction(met, due) if due else None for k, (met, due) in sums.items()}
    return out


def availability_measurements(contract: Contract, reports: Mapping[str, AvailabilityReport]
                              ) -> dict[str, dict[str, Fraction | None]]:
    """Measured availability of each availability service level per period, from
    ``reports[service level id]`` (each covering the level's service)."""
    out: dict[str, dict[str, Fraction | None]] = {}
    for sl in contract.service_levels:
        if sl.measure != "availability":
            continue
        report = reports.get(sl.id)
        if report is None:
            raise _bad("reports", sorted(reports), f"no availability report for {sl.id!r}")
        out[sl.id] = {r.period: r.availability for r in report.items if r.service == sl.service}
    return out


class CreditProjection:
    """Credits of a contract kept up to date: ``update(result)`` / ``remove(ticket_id)``
    for ``TicketSla`` results (compliance levels), ``add(event)`` for service events
    (availability levels), ``set_invoice(period, amount)``, and ``report()`` equal to
    ``contract_credits`` over the same inputs (property-tested)."""

    def __init__(
        self,
        contract: Contract,
        *,
        start: datetime,
        end: datetime,
        invoices: Mapping[str, Decimal | int | str] | None = None,
        calendars: Mapping[str, BusinessCalendar] | None = None,
        as_of: datetime | None = None,
    ) -> None:
        self.contract = contract
        self.periods = periods_between(start, end, contract.period, contract.zone)
        self.invoices: dict[str, Decimal | int | str] = dict(invoices or {})
        self.as_of = as_of
        cals = dict(calendars or {})
        for path, name in contract.calendar_references():
            if name not in cals:
                raise _bad(path, name, "unknown calendar; pass it in calendars")
        self.compliance = ComplianceProjection(
            group_by=selector_keys(contract), period=contract.period, zone=contract.zone)
        self.availability = {
            sl.id: AvailabilityProjection(
                start=start, end=end, period=contract.period, zone=contract.zone,
                calendar=None if sl.calendar is None else cals[sl.calendar],
                maintenance=sl.maintenance, min_outage=sl.min_outage, as_of=as_of,
                services=[sl.service or ""])
            for sl in contract.service_levels if sl.measure == "availability"
        }

    def update(self, result: TicketSla) -> None:
        """Count ``result`` instead of the previous result of the same ticket."""
        self.compliance.update(result)

    def remove(self, ticket_id: str) -> None:
        """Withdraw a ticket's result."""
        self.compliance.remove(ticket_id)

    def add(self, event: Event | Mapping[str, Any]) -> None:
        """Take a service event into account (a mapping is parsed first; ticket events
        are ignored: they reach the credits through ``update``)."""
        for proj in self.availability.values():
            proj.add(event)

    def set_invoice(self, period: str, amount: Decimal | int | str) -> None:
        """Set the invoice amount of a period."""
        self.invoices[period] = amount

    def report(self) -> CreditReport:
        """The credit report over everything so far."""
        measured = compliance_measurements(self.contract, self.compliance.report())
        measured.update(availability_measurements(self.contract, {
            sl_id: proj.report([self.contract.service_level(sl_id).service or ""])
            for sl_id, proj in self.availability.items()}))
        return credit_report(self.contract, measured, periods=self.periods,
                             invoices=self.invoices, as_of=self.as_of)


def contract_credits(
    contract: Contract,
    results: Iterable[TicketSla] = (),
    service_events: Iterable[Event | Mapping[str, Any]] = (),
    *,
    start: datetime,
    end: datetime,
    invoices: Mapping[str, Decimal | int | str] | None = None,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    as_of: datetime | None = None,
) -> CreditReport:
    """Credits of ``contract`` over the periods of ``[start, end)`` (the contract's period
    unit and zone): compliance measured from ``results`` (the latest ``TicketSla`` of each
    ticket, cycles attributed to the period they stopped in), availability from
    ``service_events``; see ``credit_report`` for the rest."""
    projection = CreditProjection(contract, start=start, end=end, invoices=invoices,
                                  calendars=calendars, as_of=as_of)
    for result in results:
        projection.compliance.add(result)
    for event in service_events:
        projection.add(event)
    return projection.report()
