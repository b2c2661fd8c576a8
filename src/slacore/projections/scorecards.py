"""OLA and UC scorecards: per holder (assignment group or vendor) and period (pure).

An SLA promised to a customer rests on operational level agreements (OLAs) with the
internal groups that work the ticket and underpinning contracts (UCs) with vendors.  This
report puts, per holder and period:

- **compliance of the holder's own clocks**: the cycles of the policy metrics that measure
  it (``metrics``: metric id -> holder; ``holder_metrics(policy)`` finds the metrics whose
  ``run_only_when`` is ``{<field>: [X]}``, i.e. clocks that run only while X holds the
  ticket).  Counted like ``compliance_report``: met iff ``elapsed <= target``;
- **time held**: the business time (on ``calendar``, or ``calendars[holder]``; 24×7 by
  default) of the holder's stints, split exactly at period boundaries;
- **hand-offs** in and out (at the transfer's instant), and with ``ack_target`` the
  **responsiveness** to hand-offs in: a hand-off is judged once acknowledged (in time iff
  the business time to the acknowledgement is ``<= ack_target``) or once the holder has kept
  it longer than ``ack_target`` without acknowledging it (late);
- **fixes** (resolutions while holding) and how many were reopened;
- **attribution of the parent SLA** (``parent``: e.g. the resolution metric): each parent
  cycle's elapsed business time split between whoever held the ticket during its counted
  segments (``TicketHoldings.attribute``: sums exactly to the cycle's elapsed), and each
  breached parent cycle blamed on the holder at its ``breached_at``.  Parent figures go to
  the period of the parent cycle (its stop, or its start with ``by="opened"``).  Holder
  ``None`` collects the unassigned share, so the shares of a period add up to its total.

``HolderScorecardProjection`` keeps the report up to date one ticket at a time (``update``
/ ``remove`` / ``report``, equal to ``holder_scorecard`` over the latest inputs;
property-tested).  See docs/scorecards.md.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.clock import BusinessCalendar
from slacore.policies import FieldIn, Policy, TicketSla
from slacore.projections._common import US, order_key, plain, seconds, span_end
from slacore.projections.compliance import (
    Attribution,
    Period,
    PeriodUnit,
    _Periods,
    floor_pct,
)
from slacore.projections.holders import Holder, TicketHoldings

_MIN = datetime.min.replace(tzinfo=timezone.utc)

#: The counters of one (period, holder) cell.
COUNTERS: tuple[str, ...] = (
    "cycles", "met", "breached", "running", "running_breached", "cancelled",
    "held_us", "stints", "handoffs_in", "handoffs_out",
    "acks", "ack_us", "acks_judged", "acks_in_time",
    "fixes", "fixes_reopened",
    "parent_cycles", "parent_elapsed_us", "parent_breaches", "parent_breached_elapsed_us",
)


class ScorecardError(ValueError):
    """Bad arguments to a scorecard."""


def holder_metrics(policy: Policy, field: str = "assignment_group") -> dict[str, Holder]:
    """The metrics of ``policy`` that run only while one holder holds the ticket: those whose
    ``run_only_when`` is exactly ``{<field>: [X]}``; metric id -> X."""
    out: dict[str, Holder] = {}
    for mid, metric in policy.metrics.items():
        cond = metric.run_only_when
        if isinstance(cond, FieldIn) and cond.field == field and len(cond.values) == 1:
            out[mid] = cond.values[0]
    return out


def _ratio(num: int, den: int) -> Fraction | None:
    return Fraction(num, den) if den else None


class HolderRow(BaseModel):
    """The figures of one holder in one period (or over all periods: ``period="all"``)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    period: str
    period_start: datetime | None
    period_end: datetime | None
    holder: Any
    cycles: int
    met: int
    breached: int
    running: int
    running_breached: int
    cancelled: int
    compliance: Fraction | None
    """``met / (met + breached)`` of the holder's own metric cycles; ``None`` if none due."""
    held: timedelta
    """Business time the holder held the open ticket in the period."""
    stints: int
    handoffs_in: int
    handoffs_out: int
    acks: int
    """Hand-offs in that were acknowledged."""
    ack_time: timedelta
    """Total business time from hand-off to acknowledgement of the acknowledged ones."""
    acks_judged: int
    acks_in_time: int
    responsiveness: Fraction | None
    """``acks_in_time / acks_judged`` (``None`` without ``ack_target`` or nothing judged)."""
    fixes: int
    fixes_reopened: int
    reopen_rate: Fraction | None
    """``fixes_reopened / fixes``."""
    parent_cycles: int
    """Parent cycles the holder had a share of."""
    parent_elapsed: timedelta
    """The holder's share of the parent cycles' elapsed business time."""
    parent_share: Fraction | None
    """``parent_elapsed`` over the period's total parent elapsed."""
    parent_breaches: int
    """Breached parent cycles the holder held at the instant of the breach."""
    parent_breached_elapsed: timedelta
    """The holder's share of the elapsed time of the breached parent cycles."""

    @field_serializer("compliance", "responsiveness", "reopen_rate", "parent_share")
    def _ser_fraction(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)

    def row(self) -> dict[str, Any]:
        """One flat row of plain scalars (durations in seconds, ratios as rounded-down
        percentages)."""
        out: dict[str, Any] = {}
        for name, value in self:
            if isinstance(value, timedelta):
                out[f"{name}_seconds"] = seconds(value)
            elif isinstance(value, Fraction):
                pct = floor_pct(value)
                out[f"{name}_pct"] = None if pct is None else float(pct)
            elif name in ("compliance", "responsiveness", "reopen_rate", "parent_share"):
                out[f"{name}_pct"] = None
            else:
                out[name] = plain(value)
        return out


class HolderScorecard(BaseModel):
    """OLA/UC scorecard: per period × holder, per holder over all periods, and the parent
    totals per period."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    field: str
    unit: str
    zone: str
    by: Attribution
    metrics: dict[str, Any]
    parent: str | None
    ack_target: timedelta | None
    rows: tuple[HolderRow, ...]
    """One row per period and holder, by period then holder (``None`` last)."""
    holders: tuple[HolderRow, ...]
    """One row per holder over all periods (``period="all"``)."""
    parent_elapsed: dict[str, timedelta]
    """Per period key (and ``"all"``): the parent cycles' total elapsed; the holders' shares
    in that period add up to it."""

    def trend(self, holder: Holder) -> list[HolderRow]:
        """The rows of one holder, period by period."""
        return [r for r in self.rows if r.holder == holder]

    def row_of(self, holder: Holder, period: str = "all") -> HolderRow | None:
        """The row of ``holder`` in ``period`` (``"all"``: over all periods)."""
        pool = self.holders if period == "all" else self.rows
        for r in pool:
            if r.holder == holder and r.period == period:
                return r
        return None

    def table(self) -> list[dict[str, Any]]:
        """The period × holder rows as plain dicts (Arrow/pandas-ready)."""
        return [r.row() for r in self.rows]


#: One contribution: (period key, holder, counter, amount).
_Contribution = tuple[str, Hashable, str, int]


class HolderScorecardProjection:
    """The holder scorecard kept up to date one ticket at a time.

    ``update(result, holdings)`` replaces whatever the ticket contributed before,
    ``remove(ticket_id)`` withdraws it, ``report()`` equals ``holder_scorecard`` over the
    latest inputs of every ticket.  ``result`` may be ``None`` (a ticket no policy covers
    still has holders); ``holdings`` must be those of the same ticket, on ``field``.
    """

    def __init__(
        self,
        *,
        field: str = "assignment_group",
        metrics: Mapping[str, Holder] | None = None,
        parent: str | None = None,
        period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
        zone: str = "UTC",
        by: Attribution = "stopped",
        calendar: BusinessCalendar | None = None,
        calendars: Mapping[Holder, BusinessCalendar] | None = None,
        ack_target: timedelta | None = None,
    ) -> None:
        if by not in ("stopped", "opened"):
            raise ScorecardError(f"by must be 'stopped' or 'opened', not {by!r}")
        if ack_target is not None and (
            not isinstance(ack_target, timedelta) or ack_target < timedelta(0)
        ):
            raise ScorecardError(f"ack_target must be a non-negative timedelta, not {ack_target!r}")
        if parent is not None and metrics and parent in metrics:
            raise ScorecardError(f"parent {parent!r} is also a holder metric")
        try:
            tz = ZoneInfo(zone)
        except Exception:
            raise ScorecardError(f"unknown time zone {zone!r}") from None
        self.field = field
        self.metrics = dict(metrics or {})
        self.parent = parent
        self.zone = zone
        self.by: Attribution = by
        try:
            self.periods = _Periods(period, tz)
        except ValueError as exc:
            raise ScorecardError(str(exc)) from None
        self.calendar = calendar if calendar is not None else BusinessCalendar.always(zone)
        self.calendars = dict(calendars or {})
        self.ack_target = ack_target
        self.cells: dict[tuple[str, Hashable], dict[str, int]] = {}
        self.by_key: dict[str, Period] = {}
        self.tickets: dict[str, list[_Contribution]] = {}

    # ------------------------------------------------------------------ contributions

    def _cal(self, holder: Holder) -> BusinessCalendar:
        return self.calendars.get(holder, self.calendar)

    def _period_of(self, instant: datetime) -> list[Period]:
        pers = self.periods.of(instant)
        for p in pers:
            self.by_key[p.key] = p
        return pers

    def _split(self, start: datetime, end: datetime) -> list[tuple[Period, datetime, datetime]]:
        """``[start, end)`` cut into the periods it crosses."""
        periods = self.periods
        if periods.unit == "custom":
            out = []
            for p in periods.custom:
                lo = start if p.start is None else max(start, p.start)
                hi = end if p.end is None else min(end, p.end)
                if lo < hi:
                    self.by_key[p.key] = p
                    out.append((p, lo, hi))
            return out
        pieces = []
        lo = start
        while lo < end:
            p = self._period_of(lo)[0]
            hi = end if p.end is None else min(end, p.end)
            pieces.append((p, lo, hi))
            lo = hi
        return pieces

    def contributions(
        self, result: TicketSla | None, holdings: TicketHoldings | None
    ) -> list[_Contribution]:
        """What one ticket adds to which period and holder."""
        out: list[_Contribution] = []
        if result is not None:
            out += self._metric_contributions(result)
            if self.parent is not None and self.parent in result.metrics:
                if holdings is None:
                    raise ScorecardError(
                        f"ticket {result.ticket_id!r}: parent attribution needs its holdings")
                out += self._parent_contributions(result, holdings)
        if holdings is not None:
            out += self._holding_contributions(holdings)
        return out

    def _metric_contributions(self, result: TicketSla) -> list[_Contribution]:
        out: list[_Contribution] = []
        opened = self.by == "opened"
        for mid, holder in self.metrics.items():
            for cycle in result.metrics.get(mid, ()):
                when = cycle.started_at if opened else span_end(result, cycle)
                if cycle.state == "stopped":
                    kinds = ["breached" if cycle.breached else "met"]
                elif cycle.state == "cancelled":
                    kinds = ["cancelled"]
                else:
                    kinds = ["running"] + (["running_breached"] if cycle.breached else [])
                for per in self._period_of(when):
                    out.append((per.key, holder, "cycles", 1))
                    out += [(per.key, holder, k, 1) for k in kinds]
        return out

    def _parent_contributions(
        self, result: TicketSla, holdings: TicketHoldings
    ) -> list[_Contribution]:
        out: list[_Contribution] = []
        opened = self.by == "opened"
        assert self.parent is not None
        for cycle in result.metrics[self.parent]:
            if cycle.state == "cancelled":
                continue
            shares = holdings.attribute(cycle)
            blamed = None
            if cycle.breached and cycle.breached_at is not None:
                blamed = holdings.holder_at(cycle.breached_at)
            when = cycle.started_at if opened else span_end(result, cycle)
            for per in self._period_of(when):
                for holder, share in shares.items():
                    us = share // US
                    out.append((per.key, holder, "parent_cycles", 1))
                    out.append((per.key, holder, "parent_elapsed_us", us))
                    if cycle.breached:
                        out.append((per.key, holder, "parent_breached_elapsed_us", us))
                if cycle.breached and cycle.breached_at is not None:
                    out.append((per.key, blamed, "parent_breaches", 1))
        return out

    def _holding_contributions(self, holdings: TicketHoldings) -> list[_Contribution]:
        out: list[_Contribution] = []
        for stint in holdings.stints:
            cal = self._cal(stint.holder)
            first = True
            for per, lo, hi in self._split(stint.start, stint.end):
                out.append((per.key, stint.holder, "held_us", cal.elapsed(lo, hi) // US))
                if first:
                    out.append((per.key, stint.holder, "stints", 1))
                    first = False
        changes = holdings.timeline
        for tr in holdings.transfers:
            for per in self._period_of(tr.at):
                if tr.source is not None:
                    out.append((per.key, tr.source, "handoffs_out", 1))
                if tr.target is None:
                    continue
                out.append((per.key, tr.target, "handoffs_in", 1))
                cal = self._cal(tr.target)
                waited: int | None = None
                if tr.acknowledged_at is not None:
                    waited = cal.elapsed(tr.at, tr.acknowledged_at) // US
                    out.append((per.key, tr.target, "acks", 1))
                    out.append((per.key, tr.target, "ack_us", waited))
                if self.ack_target is not None:
                    limit = self.ack_target // US
                    if waited is not None:
                        out.append((per.key, tr.target, "acks_judged", 1))
                        if waited <= limit:
                            out.append((per.key, tr.target, "acks_in_time", 1))
                    else:
                        release = next((c.at for c in changes if c.at > tr.at), holdings.end)
                        if release is not None and cal.elapsed(tr.at, release) // US > limit:
                            out.append((per.key, tr.target, "acks_judged", 1))
        for fix in holdings.fixes:
            if fix.holder is None:
                continue
            for per in self._period_of(fix.at):
                out.append((per.key, fix.holder, "fixes", 1))
                if fix.reopened_at is not None:
                    out.append((per.key, fix.holder, "fixes_reopened", 1))
        return out

    # ------------------------------------------------------------------ bookkeeping

    def _apply(self, contributions: list[_Contribution], sign: int) -> None:
        cells = self.cells
        for pkey, holder, name, amount in contributions:
            cell = cells.get((pkey, holder))
            if cell is None:
                cell = cells[(pkey, holder)] = {}
            value = cell.get(name, 0) + sign * amount
            if value:
                cell[name] = value
            else:
                cell.pop(name, None)
            if not cell:
                del cells[(pkey, holder)]

    def add(self, result: TicketSla | None, holdings: TicketHoldings | None) -> None:
        """Count one ticket without remembering it (batch use: it cannot be replaced)."""
        self._apply(self.contributions(result, holdings), 1)

    def update(self, result: TicketSla | None, holdings: TicketHoldings | None) -> None:
        """Count one ticket instead of its previous inputs."""
        tid = _ticket_id(result, holdings, self.field)
        self.remove(tid)
        contributions = self.contributions(result, holdings)
        self.tickets[tid] = contributions
        self._apply(contributions, 1)

    def remove(self, ticket_id: str) -> None:
        """Withdraw what the ticket contributed (nothing if unknown)."""
        old = self.tickets.pop(ticket_id, None)
        if old is not None:
            self._apply(old, -1)

    # ------------------------------------------------------------------ the report

    def _period_order(self, key: str) -> tuple[Any, ...]:
        per = self.by_key[key]
        return (per.start is None, per.start or _MIN, per.key)

    def _row(self, per: Period, holder: Holder, c: Mapping[str, int], parent_total: int
             ) -> HolderRow:
        g = c.get
        return HolderRow(
            period=per.key, period_start=per.start, period_end=per.end, holder=holder,
            cycles=g("cycles", 0), met=g("met", 0), breached=g("breached", 0),
            running=g("running", 0), running_breached=g("running_breached", 0),
            cancelled=g("cancelled", 0),
            compliance=_ratio(g("met", 0), g("met", 0) + g("breached", 0)),
            held=g("held_us", 0) * US, stints=g("stints", 0),
            handoffs_in=g("handoffs_in", 0), handoffs_out=g("handoffs_out", 0),
            acks=g("acks", 0), ack_time=g("ack_us", 0) * US,
            acks_judged=g("acks_judged", 0), acks_in_time=g("acks_in_time", 0),
            responsiveness=_ratio(g("acks_in_time", 0), g("acks_judged", 0)),
            fixes=g("fixes", 0), fixes_reopened=g("fixes_reopened", 0),
            reopen_rate=_ratio(g("fixes_reopened", 0), g("fixes", 0)),
            parent_cycles=g("parent_cycles", 0),
            parent_elapsed=g("parent_elapsed_us", 0) * US,
            parent_share=_ratio(g("parent_elapsed_us", 0), parent_total),
            parent_breaches=g("parent_breaches", 0),
            parent_breached_elapsed=g("parent_breached_elapsed_us", 0) * US,
        )

    def report(self) -> HolderScorecard:
        """The scorecard over everything counted so far."""
        cells = self.cells
        keys = sorted(cells, key=lambda k: (self._period_order(k[0]), order_key(k[1])))
        parent_total: dict[str, int] = {}
        totals: dict[Hashable, dict[str, int]] = {}
        for pkey, holder in keys:
            cell = cells[(pkey, holder)]
            us = cell.get("parent_elapsed_us", 0)
            parent_total[pkey] = parent_total.get(pkey, 0) + us
            total = totals.setdefault(holder, {})
            for name, value in cell.items():
                total[name] = total.get(name, 0) + value
        grand = sum(parent_total.values())
        rows = tuple(self._row(self.by_key[p], h, cells[(p, h)], parent_total[p])
                     for p, h in keys)
        everything = self.periods.all
        holders = tuple(self._row(everything, h, totals[h], grand)
                        for h in sorted(totals, key=order_key))
        elapsed = {p: parent_total[p] * US for p in sorted(parent_total, key=self._period_order)}
        elapsed["all"] = grand * US
        return HolderScorecard(
            field=self.field, unit=self.periods.unit, zone=self.zone, by=self.by,
            metrics=dict(self.metrics), parent=self.parent, ack_target=self.ack_target,
            rows=rows, holders=holders, parent_elapsed=elapsed,
        )


def _ticket_id(result: TicketSla | None, holdings: TicketHoldings | None, field: str) -> str:
    ids = {x.ticket_id for x in (result, holdings) if x is not None}
    if holdings is not None and holdings.field != field:
        raise ScorecardError(
            f"holdings of ticket {holdings.ticket_id!r} are on field {holdings.field!r}, "
            f"the scorecard on {field!r}")
    if len(ids) != 1 or None in ids:
        raise ScorecardError(
            f"result and holdings must name one ticket, not {sorted(map(str, ids))}")
    (tid,) = ids
    assert tid is not None
    return tid


def holder_scorecard(
    results: Iterable[TicketSla],
    holdings: Iterable[TicketHoldings],
    *,
    field: str = "assignment_group",
    metrics: Mapping[str, Holder] | None = None,
    parent: str | None = None,
    period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
    zone: str = "UTC",
    by: Attribution = "stopped",
    calendar: BusinessCalendar | None = None,
    calendars: Mapping[Holder, BusinessCalendar] | None = None,
    ack_target: timedelta | None = None,
) -> HolderScorecard:
    """The OLA (``field="assignment_group"``) or UC (``field="vendor"``) scorecard of the
    tickets: ``results`` (``TicketSla``s) and ``holdings`` (``TicketHoldings`` on ``field``)
    joined by ticket id; a ticket may have holdings and no result.  See the module
    docstring for the figures; the report does not depend on the order of the inputs."""
    projection = HolderScorecardProjection(
        field=field, metrics=metrics, parent=parent, period=period, zone=zone, by=by,
        calendar=calendar, calendars=calendars, ack_target=ack_target)
    by_ticket: dict[str, TicketHoldings] = {}
    for h in holdings:
        if h.ticket_id is None:
            raise ScorecardError("holdings without a ticket_id (no events?)")
        if h.ticket_id in by_ticket:
            raise ScorecardError(f"two holdings for ticket {h.ticket_id!r}")
        by_ticket[h.ticket_id] = h
    seen: set[str] = set()
    for result in results:
        if result.ticket_id is None:
            raise ScorecardError("results need a ticket_id")
        if result.ticket_id in seen:
            raise ScorecardError(f"two results for ticket {result.ticket_id!r}")
        seen.add(result.ticket_id)
        mine: TicketHoldings | None = by_ticket.pop(result.ticket_id, None)
        _ticket_id(result, mine, field)
        projection.add(result, mine)
    for rest in by_ticket.values():
        _ticket_id(None, rest, field)
        projection.add(None, rest)
    return projection.report()
