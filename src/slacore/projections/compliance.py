"""SLA compliance per period and per grouping (pure: a list of ``TicketSla`` in, a report out).

A cycle is attributed to one period:

- ``by="stopped"`` (the default): a stopped or cancelled cycle belongs to the period that
  contains its ``stopped_at``; a running or paused cycle to the period that contains the
  instant its numbers are as of (the result's ``as_of``, else the end of its last segment).
- ``by="opened"``: every cycle belongs to the period that contains its ``started_at``.

Periods are half-open ``[start, end)``: calendar months (the default), ISO weeks, days or
years in a named IANA zone, one period for everything (``"all"``), or custom ranges.

Per period and group: ``cycles`` (all attributed), ``met`` and ``breached`` (stopped
cycles, met iff ``elapsed <= target``), ``due = met + breached``, ``cancelled``,
``running`` (running or paused), ``running_breached`` (running cycles already past their
target), ``compliance = met / due`` as an exact ``Fraction`` (``None`` when nothing was
due), nearest-rank percentiles of the elapsed business time of the ``due`` cycles, and
``total_breach``: the sum of ``elapsed - target`` over the breached stopped cycles.
See docs/reporting.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.policies import TicketSla
from slacore.projections._common import (
    US,
    KeyMaker,
    TicketLedger,
    group_order,
    plain,
    seconds,
    span_end,
)

PeriodUnit = Literal["month", "week", "day", "year", "all"]
Attribution = Literal["stopped", "opened"]

_MIN = datetime.min.replace(tzinfo=timezone.utc)

DEFAULT_PERCENTILES: tuple[int, ...] = (50, 90, 95)

#: Column names of a row; a grouping key may not reuse one.
RESERVED = frozenset({
    "period", "period_start", "period_end", "cycles", "due", "met", "breached", "cancelled",
    "running", "running_breached", "compliance_pct", "total_breach_seconds",
})


class ComplianceError(ValueError):
    """Bad arguments to ``compliance_report``."""


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period ``[start, end)``; ``start``/``end`` are ``None`` for ``"all"``."""

    key: str
    start: datetime | None
    end: datetime | None

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` lies in ``[start, end)``."""
        return (self.start is None or self.start <= instant) and (
            self.end is None or instant < self.end
        )


def nearest_rank(sorted_values: Sequence[int], p: Fraction) -> int | None:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of ascending ``sorted_values``:
    the smallest value with at least ``p`` % of the values at or below it, i.e. the value
    at rank ``ceil(p / 100 * n)`` (1-based).  ``None`` for no values."""
    n = len(sorted_values)
    if n == 0:
        return None
    rank = max(1, math.ceil(p * n / 100))
    return sorted_values[rank - 1]


def floor_pct(ratio: Fraction | None, places: int = 2) -> Decimal | None:
    """``ratio`` as a percentage rounded **down** to ``places`` decimals (a report never
    shows a target as met that was missed: 94.999 % shows as 94.99 %)."""
    if ratio is None:
        return None
    return Decimal(math.floor(ratio * 100 * 10**places)).scaleb(-places)


class ComplianceRow(BaseModel):
    """The figures of one period and one group (or of a total over groups)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    period: str
    period_start: datetime | None
    period_end: datetime | None
    group: dict[str, Any]
    cycles: int
    met: int
    breached: int
    cancelled: int
    running: int
    running_breached: int
    compliance: Fraction | None
    """``met / (met + breached)``, exact; ``None`` when nothing was due."""
    percentiles: dict[str, timedelta | None]
    """Nearest-rank percentiles of elapsed business time of the due cycles (``"p50"``…)."""
    total_breach: timedelta
    """Sum of ``elapsed - target`` over the breached stopped cycles."""

    @field_serializer("compliance")
    def _ser_compliance(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)

    @property
    def due(self) -> int:
        """Cycles judged in this row: ``met + breached``."""
        return self.met + self.breached

    @property
    def compliance_pct(self) -> Decimal | None:
        """Compliance as a percentage, rounded down to two decimals."""
        return floor_pct(self.compliance)

    def row(self) -> dict[str, Any]:
        """One flat row of plain scalars (durations in seconds, compliance as a float of the
        rounded-down percentage; ``met`` and ``due`` give the exact ratio)."""
        pct = self.compliance_pct
        out: dict[str, Any] = {
            "period": self.period,
            "period_start": self.period_start,
            "period_end": self.period_end,
        }
        out.update({k: plain(v) for k, v in self.group.items()})
        out.update({
            "cycles": self.cycles,
            "due": self.due,
            "met": self.met,
            "breached": self.breached,
            "cancelled": self.cancelled,
            "running": self.running,
            "running_breached": self.running_breached,
            "compliance_pct": None if pct is None else float(pct),
        })
        for name, value in self.percentiles.items():
            out[f"{name}_elapsed_seconds"] = seconds(value)
        out["total_breach_seconds"] = seconds(self.total_breach)
        return out


class ComplianceReport(BaseModel):
    """Compliance per period × group, per period (all groups) and overall."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    unit: str
    """``month``, ``week``, ``day``, ``year``, ``all`` or ``custom``."""
    zone: str
    by: Attribution
    group_by: tuple[str, ...]
    groups: tuple[ComplianceRow, ...]
    """One row per period and group, ordered by period then group values."""
    periods: tuple[ComplianceRow, ...]
    """One row per period, over all groups."""
    total: ComplianceRow
    """All attributed cycles (with overlapping custom periods, a cycle counts once per
    period it falls in)."""

    def rows(self) -> list[dict[str, Any]]:
        """The per-group rows as plain dicts (Arrow/pandas-ready)."""
        return [r.row() for r in self.groups]


@dataclass(slots=True)
class _Acc:
    cycles: int = 0
    met: int = 0
    breached: int = 0
    cancelled: int = 0
    running: int = 0
    running_breached: int = 0
    elapsed: dict[int, int] = field(default_factory=dict)  # µs -> count, of the due cycles
    breach_us: int = 0

    def merge(self, other: _Acc) -> None:
        self.cycles += other.cycles
        self.met += other.met
        self.breached += other.breached
        self.cancelled += other.cancelled
        self.running += other.running
        self.running_breached += other.running_breached
        for value, count in other.elapsed.items():
            self.elapsed[value] = self.elapsed.get(value, 0) + count
        self.breach_us += other.breach_us

    def apply(self, kind: str, elapsed: int, breach: int, sign: int) -> None:
        self.cycles += sign
        if kind == "met" or kind == "breached":
            count = self.elapsed.get(elapsed, 0) + sign
            if count:
                self.elapsed[elapsed] = count
            else:
                del self.elapsed[elapsed]
            if kind == "met":
                self.met += sign
            else:
                self.breached += sign
                self.breach_us += sign * breach
        elif kind == "cancelled":
            self.cancelled += sign
        else:
            self.running += sign
            if kind == "running_breached":
                self.running_breached += sign

    def sorted_elapsed(self) -> list[int]:
        out: list[int] = []
        for value in sorted(self.elapsed):
            out.extend([value] * self.elapsed[value])
        return out


#: One cycle's contribution: (period key, group key, kind, elapsed µs, breach µs).
_Contribution = tuple[str, tuple[Any, ...], str, int, int]


class _Periods:
    """Maps an instant to its period(s), caching one ``Period`` per key."""

    def __init__(self, unit: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]],
                 zone: ZoneInfo) -> None:
        self.zone = zone
        self.cache: dict[tuple[int, int], Period] = {}
        if isinstance(unit, str):
            if unit not in ("month", "week", "day", "year", "all"):
                raise ComplianceError(f"unknown period unit {unit!r}")
            self.unit: str = unit
            self.custom: tuple[Period, ...] = ()
        else:
            self.unit = "custom"
            custom = []
            for p in unit:
                per = p if isinstance(p, Period) else Period(p[0], p[1], p[2])
                for bound in (per.start, per.end):
                    if bound is not None and bound.tzinfo is None:
                        raise ComplianceError(f"period {per.key!r}: naive datetime {bound}")
                custom.append(per)
            self.custom = tuple(custom)
        self.all = Period("all", None, None)

    def _local(self, y: int, m: int, d: int) -> datetime:
        return datetime(y, m, d, tzinfo=self.zone)

    def of(self, instant: datetime) -> list[Period]:
        unit = self.unit
        if unit == "all":
            return [self.all]
        if unit == "custom":
            return [p for p in self.custom if p.contains(instant)]
        local = instant.astimezone(self.zone)
        if unit == "month":
            ck = (local.year, local.month)
        elif unit == "week":
            iso = local.isocalendar()
            ck = (iso.year, iso.week)
        elif unit == "day":
            ck = (local.year, local.timetuple().tm_yday)
        else:
            ck = (local.year, 0)
        per = self.cache.get(ck)
        if per is None:
            per = self._build(ck, local)
            self.cache[ck] = per
        return [per]

    def _build(self, ck: tuple[int, int], local: datetime) -> Period:
        y, n = ck
        if self.unit == "month":
            nxt = (y + 1, 1) if n == 12 else (y, n + 1)
            return Period(f"{y:04d}-{n:02d}", self._local(y, n, 1), self._local(*nxt, 1))
        if self.unit == "week":
            d0 = date.fromisocalendar(y, n, 1)
            d1 = d0 + timedelta(days=7)
            return Period(f"{y:04d}-W{n:02d}", self._local(d0.year, d0.month, d0.day),
                          self._local(d1.year, d1.month, d1.day))
        if self.unit == "day":
            d0 = local.date()
            d1 = d0 + timedelta(days=1)
            return Period(d0.isoformat(), self._local(d0.year, d0.month, d0.day),
                          self._local(d1.year, d1.month, d1.day))
        return Period(f"{y:04d}", self._local(y, 1, 1), self._local(y + 1, 1, 1))


class ComplianceProjection(TicketLedger[_Contribution]):
    """Compliance kept up to date one ``TicketSla`` at a time.

    ``update(result)`` replaces whatever the same ticket contributed before (a re-evaluated
    ticket), ``remove(ticket_id)`` withdraws it, and ``report()`` equals
    ``compliance_report`` over the latest result of every ticket (property-tested).  The
    arguments are those of ``compliance_report``.
    """

    missing_id = ComplianceError

    def __init__(
        self,
        *,
        group_by: Sequence[str] = ("metric",),
        period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
        zone: str = "UTC",
        by: Attribution = "stopped",
        percentiles: Sequence[int | str | Fraction] = DEFAULT_PERCENTILES,
        metrics: Iterable[str] | None = None,
    ) -> None:
        group_by = tuple(group_by)
        clash = RESERVED.intersection(group_by)
        if clash or len(set(group_by)) != len(group_by):
            raise ComplianceError(
                f"bad grouping keys {group_by!r} (reserved: {sorted(clash)})")
        if by not in ("stopped", "opened"):
            raise ComplianceError(f"by must be 'stopped' or 'opened', not {by!r}")
        self.pcts: list[tuple[str, Fraction]] = []
        for p in percentiles:
            frac = Fraction(str(p)) if not isinstance(p, Fraction) else p
            if not 0 < frac <= 100:
                raise ComplianceError(f"percentile {p!r} not in (0, 100]")
            self.pcts.append((f"p{p}", frac))
        self.group_by = group_by
        self.zone = zone
        self.by: Attribution = by
        self.periods = _Periods(period, ZoneInfo(zone))
        self.wanted = None if metrics is None else frozenset(metrics)
        self.maker = KeyMaker(group_by)
        self.accs: dict[tuple[str, tuple[Any, ...]], _Acc] = {}
        self.by_key: dict[str, Period] = {}
        self.tickets: dict[str, list[_Contribution]] = {}

    def contributions(self, result: TicketSla) -> list[_Contribution]:
        """What each cycle of ``result`` adds to which period and group."""
        out: list[_Contribution] = []
        opened = self.by == "opened"
        for metric_id, cycles in result.metrics.items():
            if self.wanted is not None and metric_id not in self.wanted:
                continue
            shared = self.maker.for_metric(result, metric_id)
            for cycle in cycles:
                pers = self.periods.of(cycle.started_at if opened else span_end(result, cycle))
                if not pers:
                    continue
                gkey = shared if shared is not None else self.maker.for_cycle(result, cycle)
                state = cycle.state
                elapsed = breach = 0
                if state == "stopped":
                    elapsed = cycle.elapsed // US
                    if cycle.breached:
                        kind = "breached"
                        breach = elapsed - cycle.target // US
                    else:
                        kind = "met"
                elif state == "cancelled":
                    kind = "cancelled"
                else:
                    kind = "running_breached" if cycle.breached else "running"
                for per in pers:
                    self.by_key[per.key] = per
                    out.append((per.key, gkey, kind, elapsed, breach))
        return out

    def _apply(self, contributions: list[_Contribution], sign: int) -> None:
        accs = self.accs
        for pkey, gkey, kind, elapsed, breach in contributions:
            acc = accs.get((pkey, gkey))
            if acc is None:
                acc = accs[(pkey, gkey)] = _Acc()
            acc.apply(kind, elapsed, breach, sign)
            if acc.cycles == 0:
                del accs[(pkey, gkey)]

    def _period_order(self, key: str) -> tuple[Any, ...]:
        per = self.by_key[key]
        return (per.start is None, per.start or _MIN, per.key)

    def _row(self, per: Period, group: dict[str, Any], acc: _Acc) -> ComplianceRow:
        values = acc.sorted_elapsed()
        due = acc.met + acc.breached
        return ComplianceRow(
            period=per.key,
            period_start=per.start,
            period_end=per.end,
            group=group,
            cycles=acc.cycles,
            met=acc.met,
            breached=acc.breached,
            cancelled=acc.cancelled,
            running=acc.running,
            running_breached=acc.running_breached,
            compliance=Fraction(acc.met, due) if due else None,
            percentiles={
                name: None if (v := nearest_rank(values, frac)) is None else v * US
                for name, frac in self.pcts
            },
            total_breach=acc.breach_us * US,
        )

    def report(self) -> ComplianceReport:
        """The report over everything counted so far."""
        accs = self.accs
        ordered = sorted(accs, key=lambda k: (self._period_order(k[0]), group_order(k[1])))
        groups = tuple(
            self._row(self.by_key[pk], dict(zip(self.group_by, gk, strict=True)), accs[(pk, gk)])
            for pk, gk in ordered)
        per_period: dict[str, _Acc] = {}
        total = _Acc()
        for key in ordered:
            per_period.setdefault(key[0], _Acc()).merge(accs[key])
            total.merge(accs[key])
        period_rows = tuple(self._row(self.by_key[pk], {}, per_period[pk])
                            for pk in sorted(per_period, key=self._period_order))
        return ComplianceReport(
            unit=self.periods.unit,
            zone=self.zone,
            by=self.by,
            group_by=self.group_by,
            groups=groups,
            periods=period_rows,
            total=self._row(self.periods.all, {}, total),
        )


def compliance_report(
    results: Iterable[TicketSla],
    *,
    group_by: Sequence[str] = ("metric",),
    period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
    zone: str = "UTC",
    by: Attribution = "stopped",
    percentiles: Sequence[int | str | Fraction] = DEFAULT_PERCENTILES,
    metrics: Iterable[str] | None = None,
) -> ComplianceReport:
    """Compliance of the cycles of ``results`` per period and per ``group_by`` values.

    ``group_by`` names grouping keys: ``metric``, ``policy_id``, ``policy_version``,
    ``tier``, ``calendar`` (from the cycle) or any ticket field (``priority``, ``service``,
    ``customer``, ``assignment_group``, ``attributes.vendor`` …, read from
    ``TicketSla.fields``: the values at the end of the evaluated span).  ``period`` is a
    unit in zone ``zone`` or a sequence of custom ``Period``/``(key, start, end)`` ranges
    (aware datetimes; a cycle outside every range is left out).  ``metrics`` restricts the
    report to some metrics.  The result does not depend on the order of ``results``.
    """
    projection = ComplianceProjection(group_by=group_by, period=period, zone=zone, by=by,
                                      percentiles=percentiles, metrics=metrics)
    for result in results:
        projection.add(result)
    return projection.report()
