"""A realistic, seeded ITSM history: what a two-region service desk logs in three months.

``generate_history(seed=7, tickets=3000)`` returns the events as JSON-able mappings (the
form ``slacore ingest`` reads from JSON Lines), in the order a feed would deliver them,
plus a *backfill*: the events of one day that reached the log late (an integration
outage), together with some events sent twice.  The same seed and size always give the
same events, byte for byte.

What is in it:

* tickets in two regions (Europe/Berlin and America/New_York), opened mostly in local
  office hours, fewer at night and at weekends;
* impact and urgency drawn per ticket, the priority from ``PriorityMatrix.itil()``;
* a first response by the region's service desk, then work, hand-offs to resolver groups
  (``assignment_group``), waits for the customer (``awaiting_customer``: the resolution
  clock pauses) and for a vendor (``awaiting_vendor`` with ``vendor`` set: the vendor's
  underpinning contract runs), priority changes, resolutions, reopens, auto-closure three
  business days after the resolution, and cancelled duplicates;
* work durations drawn *on the business calendars* (``BusinessCalendar.add``), relative to
  each ticket's target, so that most tickets meet their SLA and some do not;
* service events: weekly maintenance windows (one of them cancelled) and outages seen by
  monitoring, each with a burst of major incidents on the failing service.

Events dated after ``as_of`` are not in the history: those tickets are still open.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from slacore.clock import BusinessCalendar
from slacore.demo.definitions import CALENDARS
from slacore.policies import PriorityMatrix

__all__ = ["DemoHistory", "Region", "generate_history"]

UTC = timezone.utc
MATRIX = PriorityMatrix.itil()


@dataclass(frozen=True)
class Region:
    """A service-desk region: its zone, calendar, desk group and share of the tickets."""

    name: str
    zone: str
    calendar: str
    desk: str
    share: float


REGIONS = (
    Region("emea", "Europe/Berlin", "emea-business", "desk-emea", 0.62),
    Region("amer", "America/New_York", "amer-business", "desk-amer", 0.38),
)

# service -> (category, vendor that supports it or None, share of tickets)
SERVICES: dict[str, tuple[str, str | None, float]] = {
    "email": ("software", "cloudmail", 0.16),
    "erp": ("application", "erp-vendor", 0.14),
    "crm": ("application", None, 0.10),
    "vpn": ("network", "telco", 0.10),
    "wan": ("network", "telco", 0.06),
    "laptop": ("hardware", "hw-supplier", 0.18),
    "printing": ("hardware", None, 0.08),
    "identity": ("access", None, 0.18),
}
CUSTOMERS = (("contoso", 0.35), ("fabrikam", 0.25), ("northwind", 0.2), ("tailspin", 0.2))
CHANNELS = (("portal", 0.5), ("email", 0.3), ("phone", 0.2))

# Targets the generator aims at (the demo policy's, in business time on the calendar in
# force); work is drawn as a random fraction of them.
RESPONSE = {"P1": timedelta(minutes=15), "P2": timedelta(minutes=30), "P3": timedelta(hours=2),
            "P4": timedelta(hours=4), "P5": timedelta(hours=8)}
RESOLUTION = {"P1": timedelta(hours=4), "P2": timedelta(hours=8), "P3": timedelta(hours=20),
              "P4": timedelta(hours=40), "P5": timedelta(hours=90)}
VENDOR_TARGET = {"telco": (timedelta(hours=4), "always"),
                 "cloudmail": (timedelta(hours=2), "always"),
                 "erp-vendor": (timedelta(hours=16), None),
                 "hw-supplier": (timedelta(hours=20), None)}
HOUR_WEIGHTS = [0.2] * 7 + [1.5, 3.0, 3.2, 3.0, 2.4, 1.8, 2.6, 2.6, 2.3, 2.0, 1.4] + [0.4] * 6
"""Relative frequency of openings per local hour (office hours, a lunch dip)."""
ALWAYS_PRIORITIES = ("P1",)
"""Priorities worked around the clock (the policy measures them on ``always``)."""


@dataclass
class DemoHistory:
    """The generated history.

    ``events`` is the main feed (ordered by ``at``), ``backfill`` what arrived late (the
    events of ``backfill_day`` plus re-sent duplicates), ``as_of`` the instant the history
    stops (the last event's), ``start`` the first opening."""

    seed: int
    events: list[dict[str, Any]]
    backfill: list[dict[str, Any]]
    start: datetime
    as_of: datetime
    backfill_day: date
    tickets: int
    outages: int
    maintenance_windows: int
    stats: dict[str, int] = field(default_factory=dict)

    def all_events(self) -> list[dict[str, Any]]:
        """Every distinct event (main feed and backfill, duplicates removed)."""
        seen: dict[str, dict[str, Any]] = {}
        for event in [*self.events, *self.backfill]:
            seen.setdefault(event["event_id"], event)
        return list(seen.values())

    def jsonl(self) -> Iterator[str]:
        """The main feed then the backfill as JSON Lines (one event per line)."""
        for event in [*self.events, *self.backfill]:
            yield json.dumps(event, separators=(",", ":")) + "\n"


def _iso(t: datetime, zone: ZoneInfo) -> str:
    return t.astimezone(zone).isoformat()


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _lognormal_fraction(rng: random.Random, median: float, sigma: float) -> float:
    return math.exp(rng.gauss(math.log(median), sigma))


def _seconds(d: timedelta, fraction: float) -> timedelta:
    return timedelta(seconds=max(60, round(d.total_seconds() * fraction)))


class _Generator:
    def __init__(self, seed: int, start: date, days: int) -> None:
        self.rng = random.Random(seed)
        self.start = start
        self.days = days
        self.calendars = {cid: BusinessCalendar.from_spec(spec) for cid, spec in CALENDARS.items()}
        self.calendars["always"] = BusinessCalendar.always()
        self.group_calendar = {r.desk: r.calendar for r in REGIONS}
        self.group_calendar.update({"apps-emea": "emea-business", "apps-amer": "amer-business",
                                    "workplace-emea": "emea-business",
                                    "workplace-amer": "amer-business",
                                    "network": "emea-business", "database": "amer-business"})
        self.events: list[dict[str, Any]] = []
        self.service_events: list[dict[str, Any]] = []
        self.outage_spans: list[tuple[str, datetime, datetime]] = []
        self.count = 0
        self.day_weights = [1.0 if (start + timedelta(days=i)).weekday() < 5 else 0.12
                            for i in range(days)]
        self.specs: list[tuple[datetime, str, dict[str, Any]]] = []

    # ----------------------------------------------------------------- helpers

    def resolver(self, category: str, region: Region, service: str) -> str | None:
        """The resolver group a ticket of this category is handed to (None: the desk)."""
        if category == "network":
            return "network"
        if category in ("application", "software"):
            if service == "erp" and self.rng.random() < 0.3:
                return "database"
            return f"apps-{region.name}"
        if category == "hardware":
            return f"workplace-{region.name}"
        return None

    def calendar_for(self, group: str, priority: str) -> BusinessCalendar:
        if priority in ALWAYS_PRIORITIES:
            return self.calendars["always"]
        return self.calendars[self.group_calendar[group]]

    def opening_instant(self, region: Region) -> datetime:
        rng = self.rng
        zone = ZoneInfo(region.zone)
        day = self.start + timedelta(days=rng.choices(range(self.days), self.day_weights)[0])
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), zone)
        return local.astimezone(UTC)

    # ----------------------------------------------------------------- one ticket

    def ticket(self, opened: datetime, region: Region, *, service: str | None = None,
               impact: int | None = None, urgency: int | None = None,
               restored: datetime | None = None) -> None:
        """Append the events of one ticket (``restored``: the outage it reports ends
        then, and the ticket is resolved soon after)."""
        rng = self.rng
        self.count += 1
        tid = f"INC{10000 + self.count:07d}"
        zone = ZoneInfo(region.zone)
        seq = 0
        out: list[dict[str, Any]] = []

        def emit(kind: str, at: datetime, **payload: Any) -> None:
            nonlocal seq
            seq += 1
            event = {"type": kind, "event_id": f"{tid}-{seq:02d}", "ticket_id": tid,
                     "at": _iso(at, zone), "seq": seq, "source": "servicenow"}
            event.update(payload)
            out.append(event)

        if service is None:
            names = list(SERVICES)
            service = rng.choices(names, [SERVICES[s][2] for s in names])[0]
        category, vendor, _ = SERVICES[service]
        if impact is None:
            impact = rng.choices((1, 2, 3), (0.06, 0.29, 0.65))[0]
        if urgency is None:
            urgency = rng.choices((1, 2, 3), (0.12, 0.33, 0.55))[0]
        priority = MATRIX.priority(impact, urgency)
        group = region.desk
        customer = _pick(rng, CUSTOMERS)
        emit("opened", opened, actor=f"{customer}-user", fields={
            "status": "new", "impact": str(impact), "urgency": str(urgency),
            "priority": priority, "assignment_group": group, "service": service,
            "category": category, "customer": customer,
            "attributes": {"region": region.name, "channel": _pick(rng, CHANNELS)}})

        # First response by the desk: a fraction of the response target, longer in a burst.
        burst = restored is not None
        response = _lognormal_fraction(rng, 0.8 if burst else 0.35, 0.7 if burst else 0.8)
        on_call = priority in ("P1", "P2")  # the policy answers P1 and P2 around the clock
        calendar = self.calendars["always"] if on_call else self.calendar_for(group, priority)
        t = calendar.add(opened, _seconds(RESPONSE[priority], response)).astimezone(UTC)
        agent = f"agent{rng.randrange(1, 41):02d}"
        emit("agent_responded", t, actor=agent)
        emit("updated", t, actor=agent, changes={"status": "in_progress", "assignee": agent})

        if rng.random() < 0.025 and not burst:  # a duplicate, withdrawn
            t += timedelta(minutes=rng.randrange(5, 90))
            emit("updated", t, actor=agent, changes={"status": "cancelled"})
            emit("cancelled", t, actor=agent)
            self.events.extend(out)
            return

        def work(piece: timedelta) -> None:
            nonlocal t
            if not burst:  # in a burst, everyone waits for the service to come back
                t = self.calendar_for(group, priority).add(t, piece).astimezone(UTC)

        def wait_for_customer() -> None:
            nonlocal t
            emit("updated", t, actor=agent, changes={"status": "awaiting_customer"})
            wait = timedelta(seconds=round(_lognormal_fraction(rng, 18 * 3600, 1.1)))
            t += min(wait, timedelta(days=12))
            emit("customer_responded", t, actor=f"{customer}-user")
            emit("updated", t, actor=agent, changes={"status": "in_progress"})

        # Triage by the desk: it asks the customer for details, then resolves the ticket
        # itself or dispatches it to a resolver group.
        desk_target = timedelta(minutes=30) if priority in ("P1", "P2") else timedelta(hours=4)
        customer_wait = rng.random() < 0.28 and not burst
        if customer_wait and rng.random() < 0.4:
            work(_seconds(desk_target, rng.uniform(0.05, 0.3)))
            wait_for_customer()
            customer_wait = False
        resolver = self.resolver(category, region, service)
        if resolver is None or rng.random() < 0.2:
            work(_seconds(desk_target, _lognormal_fraction(rng, 0.5, 0.8)))
        else:
            work(_seconds(desk_target, _lognormal_fraction(rng, 0.3, 0.8)))
            group, agent = resolver, f"{resolver}-{rng.randrange(1, 9)}"
            emit("updated", t, actor="dispatcher",
                 changes={"assignment_group": group, "assignee": agent})
            steps = ["customer"] if customer_wait else []
            if rng.random() < 0.07 and not burst:
                steps.append("priority")
            if vendor is not None and rng.random() < (0.35 if burst else 0.2):
                steps.append("vendor")
            if rng.random() < 0.1 and not burst:
                steps.append("handoff")
            rng.shuffle(steps)
            budget = _seconds(RESOLUTION[priority], _lognormal_fraction(rng, 0.35, 0.7))
            cuts = sorted(rng.random() for _ in range(len(steps)))
            shares = [b - a for a, b in zip([0.0, *cuts], [*cuts, 1.0], strict=True)]
            for step, share in zip([*steps, "resolve"], shares, strict=True):
                work(timedelta(seconds=round(budget.total_seconds() * share)))
                if step == "customer":
                    wait_for_customer()
                elif step == "priority":
                    new_impact = max(1, impact - 1) if rng.random() < 0.7 else min(3, impact + 1)
                    new_priority = MATRIX.priority(new_impact, urgency)
                    if new_priority != priority:
                        impact, priority = new_impact, new_priority
                        emit("updated", t, actor=agent,
                             changes={"impact": str(impact), "priority": priority})
                elif step == "handoff":
                    group = "database" if group != "database" else f"apps-{region.name}"
                    agent = f"{group}-{rng.randrange(1, 9)}"
                    emit("updated", t, actor="dispatcher",
                         changes={"assignment_group": group, "assignee": agent})
                elif step == "vendor" and vendor is not None:
                    emit("updated", t, actor=agent,
                         changes={"status": "awaiting_vendor", "vendor": vendor})
                    uc_target, uc_calendar = VENDOR_TARGET[vendor]
                    calendar = self.calendars[uc_calendar or self.group_calendar[group]]
                    t = calendar.add(t, _seconds(uc_target, _lognormal_fraction(rng, 0.5, 0.75))
                                     ).astimezone(UTC)
                    emit("updated", t, actor=agent, changes={"status": "in_progress"})
        if burst:
            assert restored is not None
            t = max(t, restored) + timedelta(minutes=rng.randrange(4, 40))
        emit("resolved", t, actor=agent)
        emit("updated", t, actor=agent, changes={"status": "resolved"})
        if rng.random() < 0.06:
            t += timedelta(seconds=round(_lognormal_fraction(rng, 20 * 3600, 0.8)))
            emit("reopened", t, actor=f"{customer}-user")
            emit("updated", t, actor=agent, changes={"status": "in_progress"})
            t = self.calendar_for(group, priority).add(
                t, _seconds(RESOLUTION[priority], _lognormal_fraction(rng, 0.15, 0.6))
            ).astimezone(UTC)
            emit("resolved", t, actor=agent)
            emit("updated", t, actor=agent, changes={"status": "resolved"})
        t = self.calendars[region.calendar].add(t, timedelta(hours=30)).astimezone(UTC)
        emit("updated", t, actor="system", changes={"status": "closed"})
        emit("closed", t, actor="system")
        self.events.extend(out)

    # ----------------------------------------------------------------- services

    def maintenance(self, end: datetime) -> int:
        """Weekly windows: ERP on Wednesdays 17:00-19:00 Berlin, WAN on Tuesdays
        07:00-09:00 New York; announced five days ahead; one ERP window cancelled."""
        windows = 0
        plans = (("erp", "Europe/Berlin", 2, time(17), time(19)),
                 ("wan", "America/New_York", 1, time(7), time(9)))
        cancel_at = 5
        for service, zone_name, weekday, begin, finish in plans:
            zone = ZoneInfo(zone_name)
            day = self.start + timedelta(days=(weekday - self.start.weekday()) % 7)
            n = 0
            while True:
                start = datetime.combine(day, begin, zone).astimezone(UTC)
                if start >= end:
                    break
                stop = datetime.combine(day, finish, zone).astimezone(UTC)
                n += 1
                mid = f"CHG-{service}-{n:02d}"
                announced = start - timedelta(days=5)
                self.service_events.append({
                    "type": "maintenance_scheduled", "event_id": f"{mid}-scheduled",
                    "service_id": service, "at": _iso(announced, zone), "source": "change",
                    "start": _iso(start, zone), "end": _iso(stop, zone), "maintenance_id": mid})
                windows += 1
                if service == "erp" and n == cancel_at:
                    self.service_events.append({
                        "type": "maintenance_cancelled", "event_id": f"{mid}-cancelled",
                        "service_id": service, "at": _iso(start - timedelta(days=1), zone),
                        "source": "change", "maintenance_id": mid})
                    windows -= 1
                day += timedelta(days=7)
        return windows

    def outages(self, count: int, end: datetime) -> None:
        rng = self.rng
        names = ["email", "erp", "vpn", "wan", "identity", "crm"]
        for n in range(count):
            service = names[n % len(names)]
            region = REGIONS[n % 2]
            begin = self.opening_instant(region).replace(second=0)
            length = timedelta(minutes=rng.choice((25, 50, 95, 140, 210, 320)))
            stop = begin + length
            if stop >= end:
                continue
            oid = f"OUT-{n + 1:03d}"
            zone = ZoneInfo(region.zone)
            self.service_events.append({
                "type": "outage_started", "event_id": f"{oid}-start", "service_id": service,
                "at": _iso(begin, zone), "source": "monitoring", "outage_id": oid})
            self.service_events.append({
                "type": "outage_ended", "event_id": f"{oid}-end", "service_id": service,
                "at": _iso(stop, zone), "source": "monitoring", "outage_id": oid})
            self.outage_spans.append((service, begin, stop))
            for _ in range(rng.randrange(8, 26)):
                opened = begin + timedelta(seconds=rng.randrange(60, 40 * 60))
                self.specs.append((opened, rng.choice(REGIONS).name, {
                    "service": service, "impact": rng.choice((1, 1, 2)), "urgency": 1,
                    "restored": stop}))


def generate_history(
    seed: int = 7,
    tickets: int = 3000,
    *,
    start: date = date(2026, 8, 3),
    days: int = 89,
    outages: int = 6,
) -> DemoHistory:
    """A seeded history of ``tickets`` tickets (plus the major incidents of ``outages``
    outages) opened over ``days`` days from ``start``; see the module docstring."""
    if tickets < 1 or days < 7:
        raise ValueError("the demo needs at least one ticket and a week of history")
    gen = _Generator(seed, start, days)
    end_day = start + timedelta(days=days)
    cutoff = datetime.combine(end_day, time(16), ZoneInfo("Europe/Berlin")).astimezone(UTC)
    windows = gen.maintenance(cutoff)
    gen.outages(outages, cutoff)
    burst = len(gen.specs)
    for _ in range(tickets):
        region = gen.rng.choices(REGIONS, [r.share for r in REGIONS])[0]
        gen.specs.append((gen.opening_instant(region), region.name, {}))
    by_name = {r.name: r for r in REGIONS}
    # Ticket numbers follow the opening order, as in a real tool.
    for opened, name, extra in sorted(gen.specs, key=lambda s: (s[0], s[1])):
        if opened < cutoff:
            gen.ticket(opened, by_name[name], **extra)
    ticket_count = gen.count

    def instant(event: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(event["at"]).astimezone(UTC)

    kept = [e for e in [*gen.service_events, *gen.events] if instant(e) <= cutoff]
    kept.sort(key=lambda e: (instant(e), e["event_id"]))
    as_of = instant(kept[-1])
    # One day's events reached the log late (an integration outage), and the backfill
    # re-sent some events already delivered.
    backfill_day = end_day - timedelta(days=16)
    while backfill_day.weekday() >= 5:
        backfill_day -= timedelta(days=1)
    lo = datetime.combine(backfill_day, time(0), UTC)
    hi = lo + timedelta(days=1)
    late = [e for e in kept if lo <= instant(e) < hi and "ticket_id" in e]
    main = [e for e in kept if not (lo <= instant(e) < hi and "ticket_id" in e)]
    resent = gen.rng.sample(main[: len(main) // 2], min(150, len(main) // 4))
    backfill = late + sorted(resent, key=lambda e: (instant(e), e["event_id"]))
    return DemoHistory(
        seed=seed, events=main, backfill=backfill,
        start=min(instant(e) for e in kept if e["type"] == "opened"), as_of=as_of,
        backfill_day=backfill_day, tickets=ticket_count, outages=len(gen.outage_spans),
        maintenance_windows=windows,
        stats={"events": len(kept), "ticket_events": sum("ticket_id" in e for e in kept),
               "service_events": sum("service_id" in e for e in kept),
               "late_events": len(late), "resent_events": len(resent),
               "outage_tickets": burst},
    )
