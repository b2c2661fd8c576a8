"""Staffing with Erlang C: the agents a queue needs per interval of the week to answer a
target share of contacts within a target time, from the arrivals and handle times in the
event history.

Erlang C (M/M/N: Poisson arrivals, exponential handle times, no abandonment) needs
``exp()``, so the queueing figures (probability of waiting, service level, ASA) are floats,
computed stably through the Erlang B recursion (no factorials, no powers); everything
else — traffic, occupancy, shrinkage, arrival rates, handle times — is exact.  See
docs/staffing.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.clock.instants import as_duration, from_us, to_us
from slacore.errors import InvalidInput, Problem
from slacore.events import Event, TicketEventBase, canonical_history
from slacore.projections._common import LogFollower

__all__ = [
    "DemandProfile",
    "DemandSlot",
    "StaffingPlan",
    "StaffingProjection",
    "StaffingResult",
    "average_speed_of_answer",
    "demand_profile",
    "erlang_b",
    "erlang_c",
    "required_agents",
    "service_level",
    "staffing_plan",
]

_US = timedelta(microseconds=1)
Ratio = Fraction | Decimal | int | str


def _bad(field: str, value: Any, message: str) -> InvalidInput:
    return InvalidInput([Problem(field, value, message)], what="staffing arguments")


def _ratio(field: str, value: Ratio | float, lo: Fraction, hi: Fraction, *,
           open_hi: bool = False) -> Fraction:
    try:
        f = Fraction(str(value)) if not isinstance(value, Fraction) else value
    except (ValueError, ZeroDivisionError):
        raise _bad(field, value, "not a number") from None
    if not (lo <= f and (f < hi if open_hi else f <= hi)):
        raise _bad(field, value, f"must be in [{lo}, {hi}{')' if open_hi else ']'}")
    return f


# --------------------------------------------------------------------------- Erlang


def erlang_b(agents: int, traffic: float) -> float:
    """Erlang B blocking probability for ``agents`` servers offered ``traffic`` Erlangs,
    by the recursion ``B(0) = 1``, ``B(k) = A·B(k−1) / (k + A·B(k−1))`` (stable: every step
    stays in [0, 1])."""
    if agents < 0 or traffic < 0:
        raise _bad("agents/traffic", (agents, traffic), "must not be negative")
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a contact waits, ``C(N, A) = N·B / (N − A·(1 − B))`` with ``B`` the
    Erlang B of ``(N, A)``; 1 when ``N <= A`` (the queue grows without bound)."""
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents, traffic)
    return agents * b / (agents - traffic * (1 - b))


def service_level(agents: int, traffic: float, aht: timedelta, answer_within: timedelta
                  ) -> float:
    """Share of contacts answered within ``answer_within``:
    ``1 − C(N, A) · exp(−(N − A) · t / AHT)`` (0 when ``N <= A``)."""
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    ratio = answer_within / aht
    return 1.0 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * ratio)


def average_speed_of_answer(agents: int, traffic: float, aht: timedelta) -> float:
    """Mean wait in seconds, ``C(N, A) · AHT / (N − A)`` (infinite when ``N <= A``)."""
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht.total_seconds() / (agents - traffic)


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """Agents for one interval.  ``traffic`` (Erlangs) and ``occupancy`` are exact;
    ``service_level``, ``waiting_probability`` and ``asa_seconds`` are floats."""

    arrivals: Fraction
    interval: timedelta
    aht: timedelta
    traffic: Fraction
    agents: int
    """Agents needed on the phones (raw positions)."""
    staff: int
    """Agents to schedule: ``ceil(agents / (1 − shrinkage))``."""
    service_level: float
    waiting_probability: float
    occupancy: Fraction
    asa_seconds: float


def required_agents(
    arrivals: Ratio,
    interval: timedelta,
    aht: timedelta,
    *,
    target: Ratio = Fraction(4, 5),
    answer_within: timedelta = timedelta(seconds=20),
    shrinkage: Ratio = 0,
    max_occupancy: Ratio | None = None,
) -> StaffingResult:
    """The fewest agents ``N > A`` whose service level within ``answer_within`` is at least
    ``target`` (and whose occupancy ``A/N`` is at most ``max_occupancy`` when given),
    with ``A = arrivals × aht / interval`` Erlangs; ``staff`` adds ``shrinkage`` (the share
    of paid time not on the queue).  No arrivals need no agents."""
    lam = _ratio("arrivals", arrivals, Fraction(0), Fraction(10**9))
    if interval <= timedelta(0):
        raise _bad("interval", interval, "must be positive")
    if aht <= timedelta(0):
        raise _bad("aht", aht, "must be positive")
    if answer_within < timedelta(0):
        raise _bad("answer_within", answer_within, "must not be negative")
    goal = _ratio("target", target, Fraction(0), Fraction(1), open_hi=True)
    shrink = _ratio("shrinkage", shrinkage, Fraction(0), Fraction(1), open_hi=True)
    occ_cap = None if max_occupancy is None else _ratio(
        "max_occupancy", max_occupancy, Fraction(0), Fraction(1))
    if occ_cap == 0:
        raise _bad("max_occupancy", max_occupancy, "must be above 0")
    traffic = lam * Fraction(aht // _US, interval // _US)
    if traffic == 0:
        return StaffingResult(lam, interval, aht, traffic, 0, 0, 1.0, 0.0, Fraction(0), 0.0)
    a = float(traffic)
    n = math.floor(traffic) + 1
    if occ_cap is not None:
        n = max(n, math.ceil(traffic / occ_cap))
    while service_level(n, a, aht, answer_within) < float(goal):
        n += 1
    staff = math.ceil(Fraction(n) / (1 - shrink))
    return StaffingResult(
        arrivals=lam, interval=interval, aht=aht, traffic=traffic, agents=n, staff=staff,
        service_level=service_level(n, a, aht, answer_within),
        waiting_probability=erlang_c(n, a), occupancy=traffic / n,
        asa_seconds=average_speed_of_answer(n, a, aht))


# --------------------------------------------------------------------------- demand


class DemandSlot(BaseModel):
    """One interval of the week (local wall clock in the profile's zone)."""

    model_config = ConfigDict(frozen=True)

    weekday: int
    """0 = Monday … 6 = Sunday."""
    start: time
    arrivals: int
    """Contacts that arrived in this slot over the observed window."""
    occurrences: int
    """How often the slot occurs in the window."""

    @property
    def rate(self) -> Fraction:
        """Mean arrivals per occurrence (0 when the slot never occurs)."""
        return Fraction(self.arrivals, self.occurrences) if self.occurrences else Fraction(0)

    @property
    def hour_of_week(self) -> int:
        """``weekday × 24 + hour`` (0 = Monday 00:00–01:00)."""
        return self.weekday * 24 + self.start.hour


class DemandProfile(BaseModel):
    """Arrivals per interval of the week and the average handle time, from the events of
    ``[start, end)``."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    zone: str
    interval: timedelta
    start: datetime
    end: datetime
    slots: tuple[DemandSlot, ...]
    """Every slot of the week, Monday 00:00 first."""
    handled: int
    """Tickets with a measured handle time."""
    handle_total: timedelta
    """Sum of their handle times."""

    @property
    def aht(self) -> timedelta | None:
        """Average handle time (rounded down to the microsecond); ``None`` if none."""
        return None if self.handled == 0 else self.handle_total // self.handled

    def by_hour(self) -> list[tuple[int, Fraction]]:
        """``(hour of week, mean arrivals per hour)`` for the 168 hours: the peak-demand
        profile (the sum of the mean rates of the hour's slots)."""
        hours: dict[int, Fraction] = {h: Fraction(0) for h in range(168)}
        for s in self.slots:
            hours[s.hour_of_week] += s.rate
        return sorted(hours.items())

    def peaks(self, n: int = 5) -> list[tuple[int, Fraction]]:
        """The ``n`` busiest hours of the week, busiest first (earlier hour on ties)."""
        return sorted(self.by_hour(), key=lambda hv: (-hv[1], hv[0]))[:n]


class StaffingPlan(BaseModel):
    """Agents per slot of the week."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    profile: DemandProfile
    aht: timedelta
    target: Fraction
    answer_within: timedelta
    shrinkage: Fraction
    slots: tuple[tuple[DemandSlot, StaffingResult], ...]

    @field_serializer("target", "shrinkage")
    def _ser(self, value: Fraction) -> str:
        return str(value)

    @property
    def peak_staff(self) -> int:
        """The most agents any slot needs scheduled."""
        return max((r.staff for _, r in self.slots), default=0)

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per slot."""
        return [{
            "weekday": s.weekday, "start": s.start.isoformat("minutes"),
            "arrivals_per_interval": float(s.rate), "traffic_erlangs": float(r.traffic),
            "agents": r.agents, "staff": r.staff, "service_level": r.service_level,
            "waiting_probability": r.waiting_probability, "occupancy": float(r.occupancy),
            "asa_seconds": r.asa_seconds,
        } for s, r in self.slots]


def staffing_plan(
    profile: DemandProfile,
    *,
    aht: timedelta | None = None,
    target: Ratio = Fraction(4, 5),
    answer_within: timedelta = timedelta(seconds=20),
    shrinkage: Ratio = 0,
    max_occupancy: Ratio | None = None,
) -> StaffingPlan:
    """Erlang C staffing for every slot of ``profile`` at its mean arrival rate, with
    ``aht`` (default: the profile's measured AHT)."""
    handle = aht if aht is not None else profile.aht
    if handle is None:
        raise _bad("aht", None, "the history has no handle times; pass aht")
    out = []
    for s in profile.slots:
        r = required_agents(s.rate, profile.interval, handle, target=target,
                            answer_within=answer_within, shrinkage=shrinkage,
                            max_occupancy=max_occupancy)
        out.append((s, r))
    return StaffingPlan(profile=profile, aht=handle,
                        target=_ratio("target", target, Fraction(0), Fraction(1)),
                        answer_within=answer_within,
                        shrinkage=_ratio("shrinkage", shrinkage, Fraction(0), Fraction(1)),
                        slots=tuple(out))


@dataclass(frozen=True, slots=True)
class _Ticket:
    arrival: int | None  # µs of the first ``opened``
    handle: int | None  # µs from the first start event to the first end event after it


class StaffingProjection(LogFollower):
    """Demand kept up to date one ticket event at a time: ``add(event)``,
    ``update(ticket_id, events)``, ``remove(ticket_id)``; ``profile()`` equals
    ``demand_profile`` over the same events (property-tested)."""

    follows = TicketEventBase

    def __init__(
        self,
        *,
        start: datetime,
        end: datetime,
        zone: str = "UTC",
        interval: timedelta = timedelta(minutes=30),
        handle_from: Sequence[str] = ("agent_responded",),
        handle_to: Sequence[str] = ("resolved",),
    ) -> None:
        self.lo, self.hi = to_us(start, "start"), to_us(end, "end")
        if self.hi <= self.lo:
            raise _bad("end", end, "must be after start")
        try:
            self.zone = ZoneInfo(zone)
        except Exception:
            raise _bad("zone", zone, "unknown IANA time zone") from None
        minutes, rest = divmod(interval, timedelta(minutes=1))
        if rest or minutes <= 0 or 1440 % minutes:
            raise _bad("interval", interval, "must be whole minutes dividing a day")
        self.start, self.end, self.zone_name, self.interval = start, end, zone, interval
        self.step = minutes
        self.handle_from = frozenset(handle_from)
        self.handle_to = frozenset(handle_to)
        self.events: dict[str, list[Event]] = {}
        self.tickets: dict[str, _Ticket] = {}
        self.position = 0

    def add(self, event: Event) -> None:
        """Take one ticket event into account (service events are ignored)."""
        if isinstance(event, TicketEventBase):
            self.events.setdefault(event.ticket_id, []).append(event)
            self.tickets.pop(event.ticket_id, None)

    def update(self, ticket_id: str, events: Iterable[Event]) -> None:
        """Replace the events of ``ticket_id``."""
        mine: list[Event] = []
        for e in events:
            if not isinstance(e, TicketEventBase) or e.ticket_id != ticket_id:
                raise _bad("events", e, f"not an event of ticket {ticket_id!r}")
            mine.append(e)
        self.events[ticket_id] = mine
        self.tickets.pop(ticket_id, None)

    def remove(self, ticket_id: str) -> None:
        """Forget a ticket."""
        self.events.pop(ticket_id, None)
        self.tickets.pop(ticket_id, None)

    def _ticket(self, tid: str) -> _Ticket:
        t = self.tickets.get(tid)
        if t is None:
            arrival = begun = handle = None
            for ev in canonical_history(self.events[tid]).events:
                u = to_us(ev.at, "at")
                if ev.type == "opened" and arrival is None:
                    arrival = u
                if ev.type in self.handle_from and begun is None:
                    begun = u
                elif ev.type in self.handle_to and begun is not None and handle is None:
                    handle = u - begun
            t = self.tickets[tid] = _Ticket(arrival, handle)
        return t

    def _occurrences(self) -> dict[tuple[int, int], int]:
        counts: dict[tuple[int, int], int] = {}
        first = from_us(self.lo, self.zone).date()
        last = from_us(self.hi, self.zone).date()
        day = first - timedelta(days=1)
        while day <= last + timedelta(days=1):
            for k in range(1440 // self.step):
                m = k * self.step
                local = datetime.combine(day, time(m // 60, m % 60), tzinfo=self.zone)
                if self.lo <= to_us(local, "slot") < self.hi:
                    key = (day.weekday(), k)
                    counts[key] = counts.get(key, 0) + 1
            day = day + timedelta(days=1)
        return counts

    def profile(self) -> DemandProfile:
        """The demand profile over everything so far."""
        arrivals: dict[tuple[int, int], int] = {}
        handled = handle_total = 0
        for tid in self.events:
            t = self._ticket(tid)
            if t.arrival is None or not self.lo <= t.arrival < self.hi:
                continue
            local = from_us(t.arrival, self.zone)
            key = (local.weekday(), (local.hour * 60 + local.minute) // self.step)
            arrivals[key] = arrivals.get(key, 0) + 1
            if t.handle is not None:
                handled += 1
                handle_total += t.handle
        occurrences = self._occurrences()
        slots = tuple(
            DemandSlot(weekday=wd, start=time((k * self.step) // 60, (k * self.step) % 60),
                       arrivals=arrivals.get((wd, k), 0),
                       occurrences=occurrences.get((wd, k), 0))
            for wd in range(7) for k in range(1440 // self.step))
        return DemandProfile(zone=self.zone_name, interval=self.interval, start=self.start,
                             end=self.end, slots=slots, handled=handled,
                             handle_total=as_duration(handle_total))


def demand_profile(
    events: Iterable[Event],
    *,
    start: datetime,
    end: datetime,
    zone: str = "UTC",
    interval: timedelta = timedelta(minutes=30),
    handle_from: Sequence[str] = ("agent_responded",),
    handle_to: Sequence[str] = ("resolved",),
) -> DemandProfile:
    """Arrivals per ``interval`` of the week (local wall clock in ``zone``) and the average
    handle time, from the ticket events of ``events``.

    A ticket arrives at its first ``opened`` event; it counts when that lies in
    ``[start, end)``.  Its handle time runs from its first ``handle_from`` event to the
    first ``handle_to`` event after it (default: from the agent's first response to the
    resolution); tickets without both have none.  A slot's rate is its arrivals divided by
    the number of times the slot starts inside ``[start, end)`` (exact)."""
    projection = StaffingProjection(start=start, end=end, zone=zone, interval=interval,
                                    handle_from=handle_from, handle_to=handle_to)
    for event in events:
        projection.add(event)
    return projection.profile()

