"""Trends of volume and compliance per period, with a seasonal baseline (pure: a list of
``TicketSla`` in, a report out; ``TrendProjection`` keeps it up to date ticket by ticket).

Periods are wall-clock hours, days or ISO weeks in a named IANA zone.  Per period and group
(``group_by`` keys as in ``compliance_report``; ``metric`` by default):

- ``started``: cycles whose ``started_at`` falls in the period (the volume of work);
- ``met`` / ``breached`` (``due`` = both): cycles that **stopped** in the period, met iff
  ``elapsed <= target``, and ``compliance = met / due`` (exact ``Fraction``; ``None`` when
  nothing was due).  Running and cancelled cycles are never due; this is
  ``compliance_report(by="stopped")`` cut finer.

The **seasonal baseline** of a period is the same period shifted back by 1, 2, …,
``weeks`` whole weeks (the same weekday and hour for hours, the same weekday for days, the
previous weeks for weeks), counting only the shifted periods that are not before the first
period with any data (nor hours that a DST change skipped): ``baseline_weeks`` is how many
were used, ``baseline_started`` their mean volume and ``baseline_compliance`` their pooled
compliance (Σ met / Σ due).  ``surge`` flags a period whose volume exceeds
``surge_factor`` × the baseline: the threshold follows the seasonal profile instead of
being one fixed number.  See docs/reporting.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.policies import TicketSla
from slacore.projections._common import (
    KeyMaker,
    TicketLedger,
    group_order,
    plain,
)
from slacore.projections.compliance import floor_pct

TrendUnit = Literal["hour", "day", "week"]

_UTC = timezone.utc

#: Column names of a row; a grouping key may not reuse one.
RESERVED = frozenset({
    "period", "period_start", "period_end", "weekday", "hour", "started", "due", "met",
    "breached", "compliance_pct", "baseline_weeks", "baseline_started",
    "baseline_compliance_pct", "surge",
})


class TrendError(ValueError):
    """Bad arguments to ``trend_report`` / ``TrendProjection``."""


def _fraction(name: str, value: Fraction | int | str) -> Fraction:
    try:
        out = value if isinstance(value, Fraction) else Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise TrendError(f"{name}: not a number: {value!r}") from None
    if out < 0:
        raise TrendError(f"{name}: must be >= 0, not {value!r}")
    return out


class TrendRow(BaseModel):
    """One period and group: its volume, compliance and seasonal baseline."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    period: str
    period_start: datetime
    period_end: datetime
    weekday: int
    """Weekday of the period's start, 0 = Monday."""
    hour: int | None
    """Wall-clock hour of the period's start (``None`` for days and weeks)."""
    group: dict[str, Any]
    started: int
    met: int
    breached: int
    compliance: Fraction | None
    baseline_weeks: int
    baseline_started: Fraction | None
    """Mean ``started`` over the baseline periods (``None`` without any)."""
    baseline_compliance: Fraction | None
    """Σ met / Σ due over the baseline periods (``None`` when nothing was due there)."""
    surge: bool
    """``started > surge_factor × baseline_started`` (``False`` without a baseline)."""

    @field_serializer("compliance", "baseline_started", "baseline_compliance")
    def _ser_frac(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)

    @property
    def due(self) -> int:
        """Cycles judged in this period: ``met + breached``."""
        return self.met + self.breached

    def row(self) -> dict[str, Any]:
        """A flat row of plain scalars (percentages rounded down to two decimals, the mean
        volume as a float; ``met``/``due`` give the exact ratio)."""
        out: dict[str, Any] = {
            "period": self.period,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "weekday": self.weekday,
            "hour": self.hour,
        }
        out.update({k: plain(v) for k, v in self.group.items()})
        pct: Decimal | None = floor_pct(self.compliance)
        base_pct: Decimal | None = floor_pct(self.baseline_compliance)
        out.update({
            "started": self.started,
            "due": self.due,
            "met": self.met,
            "breached": self.breached,
            "compliance_pct": None if pct is None else float(pct),
            "baseline_weeks": self.baseline_weeks,
            "baseline_started": (None if self.baseline_started is None
                                 else float(self.baseline_started)),
            "baseline_compliance_pct": None if base_pct is None else float(base_pct),
            "surge": self.surge,
        })
        return out


class TrendReport(BaseModel):
    """Volume and compliance per period × group with their seasonal baselines."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    unit: TrendUnit
    zone: str
    weeks: int
    surge_factor: Fraction
    group_by: tuple[str, ...]
    periods: tuple[TrendRow, ...]
    """Every period from the first to the last (with data, or of the requested span) for
    every group seen, ordered by period then group values."""

    @field_serializer("surge_factor")
    def _ser_surge(self, value: Fraction) -> str:
        return str(value)

    @property
    def surges(self) -> tuple[TrendRow, ...]:
        """The periods flagged ``surge``."""
        return tuple(r for r in self.periods if r.surge)

    def rows(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (Arrow/pandas-ready)."""
        return [r.row() for r in self.periods]


@dataclass(slots=True)
class _Counts:
    started: int = 0
    met: int = 0
    breached: int = 0

    def empty(self) -> bool:
        return not (self.started or self.met or self.breached)


_KINDS = ("started", "met", "breached")

#: One contribution: (slot, group key, index into _KINDS).
_Contribution = tuple[int, tuple[Any, ...], int]


class _Slots:
    """Integer slots of wall-clock hours / days / weeks in a zone (consecutive integers
    for hours and days, Monday ordinals for weeks)."""

    def __init__(self, unit: str, zone: ZoneInfo) -> None:
        self.unit = unit
        self.zone = zone
        self.step = 7 if unit == "week" else 1
        self.week = 168 if unit == "hour" else 7

    def of(self, instant: datetime) -> int:
        local = instant.astimezone(self.zone)
        ordinal = local.toordinal()
        if self.unit == "hour":
            return ordinal * 24 + local.hour
        if self.unit == "day":
            return ordinal
        return ordinal - local.weekday()

    def exists(self, slot: int) -> bool:
        """Whether the slot's wall-clock start exists (not an hour skipped by DST)."""
        if self.unit != "hour":
            return True
        start = self._start(slot)
        back = start.astimezone(_UTC).astimezone(self.zone)
        return back.replace(tzinfo=None) == start.replace(tzinfo=None)

    def _start(self, slot: int) -> datetime:
        if self.unit == "hour":
            d = date.fromordinal(slot // 24)
            return datetime(d.year, d.month, d.day, slot % 24, tzinfo=self.zone)
        d = date.fromordinal(slot)
        return datetime(d.year, d.month, d.day, tzinfo=self.zone)

    def describe(self, slot: int) -> tuple[str, datetime, datetime, int, int | None]:
        """``(key, start, end, weekday, hour)`` of a slot; ``start`` and ``end`` are real
        instants shown in the zone (a wall time skipped by a DST change resolves to the
        first instant after the gap)."""
        wall = self._start(slot)
        start = self._norm(wall)
        if self.unit == "hour":
            key = f"{wall.date().isoformat()}T{wall.hour:02d}"
            return key, start, self._norm(self._start(slot + 1)), wall.weekday(), wall.hour
        end = self._norm(self._start(slot + self.step))
        if self.unit == "day":
            return wall.date().isoformat(), start, end, wall.weekday(), None
        iso = wall.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}", start, end, 0, None

    def _norm(self, wall: datetime) -> datetime:
        return wall.astimezone(_UTC).astimezone(self.zone)

    def span(self, first: int, last: int) -> list[int]:
        return [s for s in range(first, last + 1, self.step) if self.exists(s)]


class TrendProjection(TicketLedger[_Contribution]):
    """Trends kept up to date one ``TicketSla`` at a time: ``update(result)`` replaces what
    the ticket contributed, ``remove(ticket_id)`` withdraws it, and ``report()`` equals
    ``trend_report`` over the latest result of every ticket (property-tested).  The
    arguments are those of ``trend_report``."""

    missing_id = TrendError

    def __init__(
        self,
        *,
        unit: TrendUnit = "day",
        zone: str = "UTC",
        group_by: Sequence[str] = ("metric",),
        weeks: int = 4,
        surge_factor: Fraction | int | str = Fraction(3, 2),
        metrics: Iterable[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        if unit not in ("hour", "day", "week"):
            raise TrendError(f"unit: must be 'hour', 'day' or 'week', not {unit!r}")
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise TrendError(f"zone: unknown IANA time zone {zone!r}") from None
        group_by = tuple(group_by)
        clash = RESERVED.intersection(group_by)
        if clash or len(set(group_by)) != len(group_by):
            raise TrendError(f"group_by: bad grouping keys {group_by!r} "
                             f"(reserved: {sorted(clash)})")
        if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
            raise TrendError(f"weeks: must be a whole number >= 1, not {weeks!r}")
        for name, bound in (("start", start), ("end", end)):
            if bound is not None and bound.utcoffset() is None:
                raise TrendError(f"{name}: must be timezone-aware, not {bound!r}")
        if start is not None and end is not None and end <= start:
            raise TrendError(f"end: must be after start ({start.isoformat()}), "
                             f"not {end.isoformat()}")
        self.unit: TrendUnit = unit
        self.zone = zone
        self.group_by = group_by
        self.weeks = weeks
        self.surge_factor = _fraction("surge_factor", surge_factor)
        self.wanted = None if metrics is None else frozenset(metrics)
        self.start = start
        self.end = end
        self.slots = _Slots(unit, tz)
        self.maker = KeyMaker(group_by)
        self.counts: dict[tuple[int, tuple[Any, ...]], _Counts] = {}
        self.tickets: dict[str, list[_Contribution]] = {}

    def contributions(self, result: TicketSla) -> list[_Contribution]:
        """What each cycle of ``result`` adds to which slot and group."""
        out: list[_Contribution] = []
        for metric_id, cycles in result.metrics.items():
            if self.wanted is not None and metric_id not in self.wanted:
                continue
            shared = self.maker.for_metric(result, metric_id)
            for cycle in cycles:
                gkey = shared if shared is not None else self.maker.for_cycle(result, cycle)
                out.append((self.slots.of(cycle.started_at), gkey, 0))
                if cycle.state == "stopped" and cycle.stopped_at is not None:
                    out.append((self.slots.of(cycle.stopped_at), gkey,
                                2 if cycle.breached else 1))
        return out

    def _apply(self, contributions: list[_Contribution], sign: int) -> None:
        counts = self.counts
        for slot, gkey, kind in contributions:
            c = counts.get((slot, gkey))
            if c is None:
                c = counts[(slot, gkey)] = _Counts()
            if kind == 0:
                c.started += sign
            elif kind == 1:
                c.met += sign
            else:
                c.breached += sign
            if c.empty():
                del counts[(slot, gkey)]

    def report(self) -> TrendReport:
        """The report over everything counted so far."""
        counts = self.counts
        groups = sorted({g for _, g in counts}, key=group_order)
        rows: list[TrendRow] = []
        if counts:
            data_first = min(s for s, _ in counts)
            first = data_first if self.start is None else self.slots.of(self.start)
            last = (max(s for s, _ in counts) if self.end is None
                    else self.slots.of(self.end - timedelta(microseconds=1)))
            zero = _Counts()
            for slot in self.slots.span(first, last):
                key, start, end, weekday, hour = self.slots.describe(slot)
                shifted = [slot - j * self.slots.week for j in range(1, self.weeks + 1)]
                shifted = [s for s in shifted if s >= data_first and self.slots.exists(s)]
                for gkey in groups:
                    c = counts.get((slot, gkey), zero)
                    base = [counts.get((s, gkey), zero) for s in shifted]
                    base_started = (Fraction(sum(b.started for b in base), len(base))
                                    if base else None)
                    base_due = sum(b.met + b.breached for b in base)
                    due = c.met + c.breached
                    rows.append(TrendRow(
                        period=key, period_start=start, period_end=end, weekday=weekday,
                        hour=hour, group=dict(zip(self.group_by, gkey, strict=True)),
                        started=c.started, met=c.met, breached=c.breached,
                        compliance=Fraction(c.met, due) if due else None,
                        baseline_weeks=len(base), baseline_started=base_started,
                        baseline_compliance=(Fraction(sum(b.met for b in base), base_due)
                                             if base_due else None),
                        surge=(base_started is not None
                               and c.started > self.surge_factor * base_started),
                    ))
        return TrendReport(unit=self.unit, zone=self.zone, weeks=self.weeks,
                           surge_factor=self.surge_factor, group_by=self.group_by,
                           periods=tuple(rows))


def trend_report(
    results: Iterable[TicketSla],
    *,
    unit: TrendUnit = "day",
    zone: str = "UTC",
    group_by: Sequence[str] = ("metric",),
    weeks: int = 4,
    surge_factor: Fraction | int | str = Fraction(3, 2),
    metrics: Iterable[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> TrendReport:
    """Volume (cycles started) and compliance (cycles stopped: met / due) of ``results``
    per ``unit`` (``hour``, ``day`` or ``week`` in ``zone``) and ``group_by`` values, each
    period with the baseline of the same period in the previous ``weeks`` weeks.

    The periods reported run from ``start`` to ``end`` (aware; default: the first and last
    periods with data), every one of them for every group seen, empty ones included;
    the baselines use all the data, also before ``start``.  ``metrics`` restricts the
    cycles counted.  The result does not depend on the order of ``results``.
    """
    projection = TrendProjection(unit=unit, zone=zone, group_by=group_by, weeks=weeks,
                                 surge_factor=surge_factor, metrics=metrics, start=start,
                                 end=end)
    for result in results:
        projection.add(result)
    return projection.report()
