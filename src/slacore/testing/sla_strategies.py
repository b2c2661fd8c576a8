"""Hypothesis strategies for SLA policies and realistic ticket lives.

The generic event strategies (``slacore.testing.event_strategies``) draw arbitrary field
values; these draw from a small ITSM vocabulary so that pause conditions, tiers,
hand-offs, reopenings and maintenance windows actually fire::

    from hypothesis import given
    from slacore.testing.sla_strategies import sla_cases

    @given(sla_cases())
    def test_my_invariant(case):
        result = evaluate(case.policy, case.events, calendars=case.calendars,
                          services=case.services)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from slacore.clock import BusinessCalendar
from slacore.policies import Policy, parse_policy

__all__ = ["SlaCase", "sla_cases", "sla_policies", "ticket_lives"]

PRIORITIES = ("P1", "P2", "P3")
STATUSES = ("new", "in_progress", "awaiting_customer", "awaiting_vendor")
GROUPS = ("desk", "network", "apac-net")
SERVICES = ("email", "vpn")
_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC")
_T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)  # DST changes in the following weeks
#: Where a ticket's life may begin: its three weeks then hold the American DST change
#: (8 March) or the European one (29 March), and the drawn holidays.
STARTS = (_T0, datetime(2026, 3, 16, tzinfo=timezone.utc))


@dataclass(frozen=True)
class SlaCase:
    """A policy, the calendars it needs, one ticket's events and its service's events."""

    policy: Policy
    calendars: dict[str, BusinessCalendar]
    events: list[dict[str, Any]]
    services: list[dict[str, Any]]


@st.composite
def _calendar(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(_ZONES))
    shape = draw(st.sampled_from(["office", "split", "night", "always"]))
    if shape == "always":
        return BusinessCalendar.always(zone)
    days = ("mon", "tue", "wed", "thu", "fri")
    hours = {
        "office": ["09:00-17:00"],
        "split": ["08:00-12:00", "13:00-17:30"],
        "night": ["22:00-06:00"],
    }[shape]
    holidays = draw(st.lists(st.sampled_from(["2026-03-06", "2026-03-10", "2026-03-31"]),
                             max_size=2, unique=True))
    # Sometimes a date with other hours (or none), and a closure of a few hours: both
    # fall in the weeks ticket lives cover.
    overrides: dict[str, list[str]] = {}
    if draw(st.booleans()):
        day = draw(st.sampled_from(["2026-03-04", "2026-03-12", "2026-03-19", "2026-03-27"]))
        overrides[day] = draw(st.sampled_from([[], ["10:00-12:00"], ["07:00-20:00"]]))
    closures = []
    if draw(st.booleans()):
        begin = _T0 + timedelta(days=draw(st.integers(0, 35)), hours=draw(st.integers(0, 23)))
        closures.append((begin, begin + timedelta(hours=draw(st.integers(1, 30)))))
    return BusinessCalendar(zone, hours={d: hours for d in days}, holidays=holidays,
                            overrides=overrides, closures=closures)


@st.composite
def sla_policies(draw: st.DrawFn) -> dict[str, Any]:
    """A policy as data with one to three metrics built from the usual parts."""
    metrics: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(["response", "resolution", "ola"]),
                              min_size=1, max_size=3, unique=True)):
        metric: dict[str, Any] = {
            "start": {"on": ["opened"]},
            "stop": {"on": ["agent_responded", "resolved"] if name == "response"
                     else ["resolved"]},
            "on_target_change": draw(st.sampled_from(["recalculate", "keep", "restart"])),
            "reopen": draw(st.sampled_from(["resume", "new_cycle"])),
        }
        if draw(st.booleans()):
            metric["cancel"] = {"on": ["cancelled"]}
        if name == "ola":
            metric["run_only_when"] = {"assignment_group": ["network", "apac-net"]}
        elif draw(st.booleans()):
            metric["pause"] = {"status": ["awaiting_customer", "awaiting_vendor"]}
        if draw(st.booleans()):
            metric["exclude"] = ["maintenance"]
        if draw(st.booleans()):
            metric["warn_at"] = [0.5, 0.75, 0.9]
        tiers = []
        for prio, minutes in zip(PRIORITIES[:2], draw(st.lists(
                st.integers(1, 16 * 60), min_size=2, max_size=2)), strict=True):
            tier: dict[str, Any] = {"when": {"priority": [prio]}, "target": f"{minutes}m"}
            if draw(st.booleans()):
                tier["calendar"] = draw(st.sampled_from(["always", "business"]))
            tiers.append(tier)
        tiers.append({"target": f"{draw(st.integers(1, 40 * 60))}m"})
        metric["targets"] = tiers
        metrics[name] = metric
    return {
        "id": "generated",
        "version": 1,
        "effective_from": "2026-01-01T00:00:00Z",
        "calendar": "business",
        "calendar_by_group": {"apac-net": "apac"} if draw(st.booleans()) else {},
        "metrics": metrics,
    }


@st.composite
def ticket_lives(
    draw: st.DrawFn, ticket_id: str = "INC1", start: datetime = _T0
) -> list[dict[str, Any]]:
    """One ticket's events over the three weeks from ``start``: updates of status,
    priority, group and service, responses, resolutions, reopenings, cancellation; ties
    included."""
    n = draw(st.integers(0, 12))
    offsets = sorted(draw(st.lists(st.integers(0, 21 * 24 * 60), min_size=n + 1,
                                   max_size=n + 1)))
    at = [(start + timedelta(minutes=m)).isoformat() for m in offsets]
    events: list[dict[str, Any]] = [{
        "type": "opened", "event_id": "e0", "ticket_id": ticket_id, "at": at[0],
        "fields": {"priority": draw(st.sampled_from(PRIORITIES)), "status": "new",
                   "assignment_group": draw(st.sampled_from(GROUPS)),
                   "service": draw(st.sampled_from(SERVICES))},
    }]
    kinds = st.sampled_from(["status", "priority", "group", "service", "agent_responded",
                             "customer_responded", "resolved", "reopened", "closed",
                             "cancelled"])
    for i in range(1, n + 1):
        kind = draw(kinds)
        base = {"event_id": f"e{i}", "ticket_id": ticket_id, "at": at[i]}
        if kind in ("status", "priority", "group", "service"):
            key = {"group": "assignment_group"}.get(kind, kind)
            pool = {"status": STATUSES, "priority": PRIORITIES, "group": GROUPS,
                    "service": SERVICES}[kind]
            events.append({"type": "updated", **base,
                           "changes": {key: draw(st.sampled_from(pool))}})
        else:
            events.append({"type": kind, **base})
    return events


@st.composite
def _maintenance(draw: st.DrawFn, t0: datetime = _T0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 3))):
        start = t0 + timedelta(minutes=draw(st.integers(0, 21 * 24 * 60)))
        end = start + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
        service = draw(st.sampled_from(SERVICES))
        out.append({"type": "maintenance_scheduled", "event_id": f"m{i}",
                    "service_id": service, "at": t0.isoformat(),
                    "start": start.isoformat(), "end": end.isoformat()})
        if draw(st.integers(0, 3)) == 0:
            out.append({"type": "maintenance_cancelled", "event_id": f"mc{i}",
                        "service_id": service, "at": start.isoformat(),
                        "maintenance_id": f"m{i}"})
    return out


@st.composite
def sla_cases(draw: st.DrawFn) -> SlaCase:
    """A policy with its calendars, a ticket's life and its services' maintenance."""
    calendars = {"business": draw(_calendar()), "apac": draw(_calendar())}
    policy = parse_policy(draw(sla_policies()), calendars=calendars)
    start = draw(st.sampled_from(STARTS))
    return SlaCase(policy, calendars, draw(ticket_lives(start=start)),
                   draw(_maintenance(start)))
