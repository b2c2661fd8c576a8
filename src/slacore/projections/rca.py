"""Root-cause analysis (RCA) obligations: the clock from ``rca_requested`` to
``rca_delivered`` (pure).

For a major incident an underpinning contract typically obliges the vendor to deliver a
root-cause analysis within a deadline of business time.  ``rca_obligations(events, ...)``
reads one ticket's events (canonical order):

- an ``rca_requested`` event opens the obligation ``rca_id`` (default: one per ticket); a
  repeated request for an open or delivered ``rca_id`` is ignored (the first one counts);
  the vendor who owes it is the event's ``vendor``, else the ticket's ``vendor`` field at
  the request;
- it is due at ``calendar.add(requested_at, deadline)`` (the deadline is the contract's:
  ``deadline``, or ``deadlines[vendor]``; the calendar ``calendar`` or
  ``calendars[vendor]``) — the clock's own arithmetic, nothing recomputed here;
- the first ``rca_delivered`` with the same ``rca_id`` after the request delivers it: on
  time iff ``delivered_at <= due_at``.  A delivery with no earlier request is ignored.

``RcaObligation.status(as_of)``: ``on_time`` / ``late`` once delivered, else ``overdue``
when ``as_of`` is past ``due_at``, else ``outstanding``.  A policy metric ``{start: {on:
[rca_requested]}, stop: {on: [rca_delivered]}, targets: [{target: <deadline>}]}`` runs the
same clock through ``evaluate`` (its ``due_at`` and ``breached`` agree; tested); this module
adds what a metric cannot: several RCAs per ticket and the vendor named by the request.

``rca_report`` / ``RcaProjection`` count the obligations per period of their ``due_at`` and
vendor, with their status as of an instant.  See docs/scorecards.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.clock import BusinessCalendar
from slacore.events import (
    Event,
    RcaDelivered,
    RcaRequested,
    TicketOpened,
    TicketUpdated,
    canonical_history,
)
from slacore.projections._common import order_key
from slacore.projections.compliance import Period, PeriodUnit, _Periods

RcaStatus = Literal["on_time", "late", "overdue", "outstanding"]
DEFAULT_RCA = "rca"
"""``rca_id`` of a request or delivery that names none."""


class RcaError(ValueError):
    """Bad arguments to ``rca_obligations``."""


@dataclass(frozen=True, slots=True)
class RcaObligation:
    """One requested root-cause analysis and its clock."""

    ticket_id: str | None
    rca_id: str
    vendor: Any
    requested_at: datetime
    request_event_id: str
    deadline: timedelta
    due_at: datetime
    delivered_at: datetime | None
    delivery_event_id: str | None

    @property
    def on_time(self) -> bool | None:
        """``True``/``False`` once delivered; ``None`` while not delivered."""
        if self.delivered_at is None:
            return None
        return self.delivered_at <= self.due_at

    def status(self, as_of: datetime | None = None) -> RcaStatus:
        """``on_time``/``late`` once delivered; else ``overdue`` if ``as_of`` is after
        ``due_at``, else ``outstanding`` (also when ``as_of`` is ``None``)."""
        if self.delivered_at is not None:
            return "on_time" if self.delivered_at <= self.due_at else "late"
        if as_of is not None and as_of > self.due_at:
            return "overdue"
        return "outstanding"


def rca_obligations(
    events: Iterable[Event | Mapping[str, Any]],
    *,
    deadline: timedelta,
    calendar: BusinessCalendar | None = None,
    deadlines: Mapping[Any, timedelta] | None = None,
    calendars: Mapping[Any, BusinessCalendar] | None = None,
    as_of: datetime | None = None,
) -> tuple[RcaObligation, ...]:
    """The RCA obligations of one ticket (see the module docstring), in request order.
    Events dated after ``as_of`` are ignored.  ``calendar`` defaults to 24×7 (UTC)."""
    if not isinstance(deadline, timedelta) or deadline < timedelta(0):
        raise RcaError(f"deadline must be a non-negative timedelta, not {deadline!r}")
    for vendor, d in (deadlines or {}).items():
        if not isinstance(d, timedelta) or d < timedelta(0):
            raise RcaError(f"deadlines[{vendor!r}] must be a non-negative timedelta, not {d!r}")
    if as_of is not None and as_of.utcoffset() is None:
        raise RcaError(f"as_of must be timezone-aware, not {as_of!r}")
    default_calendar = calendar if calendar is not None else BusinessCalendar.always("UTC")
    history = canonical_history(events)
    vendor_now: Any = None
    open_: dict[str, RcaObligation] = {}
    done: dict[str, RcaObligation] = {}
    order: list[str] = []
    for ev in history.events:
        if as_of is not None and ev.at > as_of:
            break
        if isinstance(ev, TicketOpened | TicketUpdated):
            payload = ev.fields if isinstance(ev, TicketOpened) else ev.changes
            if "vendor" in payload:
                vendor_now = payload["vendor"]
        elif isinstance(ev, RcaRequested):
            rid = ev.rca_id or DEFAULT_RCA
            if rid in open_ or rid in done:
                continue
            vendor = ev.vendor if ev.vendor is not None else vendor_now
            d = (deadlines or {}).get(vendor, deadline)
            cal = (calendars or {}).get(vendor, default_calendar)
            open_[rid] = RcaObligation(
                ticket_id=ev.ticket_id, rca_id=rid, vendor=vendor, requested_at=ev.at,
                request_event_id=ev.event_id, deadline=d, due_at=cal.add(ev.at, d),
                delivered_at=None, delivery_event_id=None,
            )
            order.append(rid)
        elif isinstance(ev, RcaDelivered):
            rid = ev.rca_id or DEFAULT_RCA
            pending = open_.pop(rid, None)
            if pending is not None:
                done[rid] = RcaObligation(
                    ticket_id=pending.ticket_id, rca_id=rid, vendor=pending.vendor,
                    requested_at=pending.requested_at,
                    request_event_id=pending.request_event_id, deadline=pending.deadline,
                    due_at=pending.due_at, delivered_at=ev.at, delivery_event_id=ev.event_id,
                )
    return tuple(done[r] if r in done else open_[r] for r in order)


# --------------------------------------------------------------------------- the report


class RcaRow(BaseModel):
    """The RCA obligations of one vendor that fall due in one period (``"all"``: in any).

    ``on_time_rate = on_time / (on_time + late + overdue)``: the obligations judged so far
    (``outstanding`` ones are not yet due and not delivered).  ``missed`` lists the
    ``(ticket_id, rca_id)`` of the late and overdue ones, as evidence."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    period: str
    period_start: datetime | None
    period_end: datetime | None
    vendor: Any
    requested: int
    on_time: int
    late: int
    overdue: int
    outstanding: int
    on_time_rate: Fraction | None
    missed: tuple[tuple[str | None, str], ...]

    @field_serializer("on_time_rate")
    def _ser_rate(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)


class RcaReport(BaseModel):
    """RCA obligations per period (of their ``due_at``) × vendor, and per vendor."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    as_of: datetime | None
    unit: str
    zone: str
    rows: tuple[RcaRow, ...]
    vendors: tuple[RcaRow, ...]

    def row_of(self, vendor: Any, period: str = "all") -> RcaRow | None:
        """The row of ``vendor`` in ``period`` (``"all"``: over all periods)."""
        pool = self.vendors if period == "all" else self.rows
        return next((r for r in pool if r.vendor == vendor and r.period == period), None)


class RcaProjection:
    """RCA obligations kept per ticket: ``update(ticket_id, obligations)`` replaces the
    ticket's, ``remove`` withdraws them, ``report(as_of)`` equals ``rca_report`` over the
    latest obligations of every ticket.  Periods as in ``compliance_report``."""

    def __init__(
        self,
        *,
        period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
        zone: str = "UTC",
    ) -> None:
        try:
            self.periods = _Periods(period, ZoneInfo(zone))
        except ValueError as exc:
            raise RcaError(str(exc)) from None
        except Exception:
            raise RcaError(f"unknown time zone {zone!r}") from None
        self.zone = zone
        self.tickets: dict[str | None, tuple[RcaObligation, ...]] = {}

    def update(self, ticket_id: str, obligations: Iterable[RcaObligation]) -> None:
        """The ticket's obligations are now ``obligations``."""
        obs = tuple(obligations)
        for ob in obs:
            if ob.ticket_id != ticket_id:
                raise RcaError(f"obligation {ob.rca_id!r} is of ticket {ob.ticket_id!r}, "
                               f"not {ticket_id!r}")
        self.tickets[ticket_id] = obs

    def remove(self, ticket_id: str) -> None:
        """Forget the ticket's obligations."""
        self.tickets.pop(ticket_id, None)

    def report(self, as_of: datetime | None = None) -> RcaReport:
        """Every obligation's status as of ``as_of`` (``None``: undelivered ones are
        outstanding), counted in the period of its ``due_at``."""
        if as_of is not None and as_of.utcoffset() is None:
            raise RcaError(f"as_of must be timezone-aware, not {as_of!r}")
        cells: dict[tuple[str, Any], list[RcaObligation]] = {}
        by_key: dict[str, Period] = {}
        per_vendor: dict[Any, list[RcaObligation]] = {}
        for obs in self.tickets.values():
            for ob in obs:
                per_vendor.setdefault(ob.vendor, []).append(ob)
                for per in self.periods.of(ob.due_at):
                    by_key[per.key] = per
                    cells.setdefault((per.key, ob.vendor), []).append(ob)

        def order(key: str) -> tuple[Any, ...]:
            per = by_key[key]
            return (per.start is None, per.start or _MIN, per.key)

        rows = tuple(_rca_row(by_key[p], v, cells[(p, v)], as_of)
                     for p, v in sorted(cells, key=lambda k: (order(k[0]), order_key(k[1]))))
        vendors = tuple(_rca_row(self.periods.all, v, per_vendor[v], as_of)
                        for v in sorted(per_vendor, key=order_key))
        return RcaReport(as_of=as_of, unit=self.periods.unit, zone=self.zone, rows=rows,
                         vendors=vendors)


_MIN = datetime.min.replace(tzinfo=timezone.utc)


def _rca_row(per: Period, vendor: Any, obs: list[RcaObligation], as_of: datetime | None
             ) -> RcaRow:
    counts = {"on_time": 0, "late": 0, "overdue": 0, "outstanding": 0}
    missed = []
    for ob in obs:
        status = ob.status(as_of)
        counts[status] += 1
        if status in ("late", "overdue"):
            missed.append((ob.ticket_id, ob.rca_id))
    judged = counts["on_time"] + counts["late"] + counts["overdue"]
    return RcaRow(
        period=per.key, period_start=per.start, period_end=per.end, vendor=vendor,
        requested=len(obs), **counts,
        on_time_rate=Fraction(counts["on_time"], judged) if judged else None,
        missed=tuple(sorted(missed, key=lambda m: (m[0] or "", m[1]))),
    )


def rca_report(
    obligations: Iterable[RcaObligation],
    *,
    as_of: datetime | None = None,
    period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
    zone: str = "UTC",
) -> RcaReport:
    """RCA obligations (of any tickets) per period of their ``due_at`` and vendor, with
    their status as of ``as_of``."""
    projection = RcaProjection(period=period, zone=zone)
    by_ticket: dict[str | None, list[RcaObligation]] = {}
    for ob in obligations:
        by_ticket.setdefault(ob.ticket_id, []).append(ob)
    projection.tickets = {t: tuple(obs) for t, obs in by_ticket.items()}
    return projection.report(as_of)
