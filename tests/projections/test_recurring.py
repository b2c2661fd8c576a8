"""Recurring incidents as problem-management candidates (``recurring_incidents``).

A hand-worked example, then properties: the clusters equal a brute-force union of the
qualifying windows, and the incremental projection equals the batch function.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.policies import Cycle, TicketSla
from slacore.projections import (
    RecurringError,
    RecurringProjection,
    recurring_incidents,
)
from slacore.projections.recurring import arrival
from slacore.testing.profiles import examples

UTC = timezone.utc
H = timedelta(hours=1)
ZERO = timedelta(0)
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def cyc(metric: str, started: datetime, *, breached: bool = False) -> Cycle:
    return Cycle(
        metric=metric, index=0, started_at=started, stopped_at=None, state="running",
        end_reason=None, target=4 * H, tier=0, calendar="business",
        elapsed=5 * H if breached else H, paused=ZERO, excluded=ZERO, breached=breached,
        breached_at=started + 4 * H if breached else None, due_at=started + 4 * H,
        warnings=(), segments=(), start_event_id="e0", stop_event_id=None,
    )


def ticket(tid: str, hours: float | None, *, breached: bool = False,
           **fields: Any) -> TicketSla:
    metrics: dict[str, tuple[Cycle, ...]] = {}
    if hours is not None:
        start = T0 + timedelta(hours=hours)
        # the response clock starts an hour after the resolution clock: arrival is the earlier
        metrics = {"response": (cyc("response", start + H),),
                   "resolution": (cyc("resolution", start, breached=breached),)}
    return TicketSla(ticket_id=tid, policy_id="std", policy_version=1, as_of=None,
                     metrics=metrics, fields=dict(fields))


def email(tid: str, hours: float, **kw: Any) -> TicketSla:
    return ticket(tid, hours, service="email", category="outage", **kw)


def test_a_hand_worked_example() -> None:
    # email/outage tickets at 0, 5, 20, 23, 30, 100, 101, 102 and 200 h; 24 h windows,
    # at least 3 tickets:
    #   W(0)  = [0, 24)   -> 0, 5, 20, 23   (4: qualifies)
    #   W(5)  = [5, 29)   -> 5, 20, 23      (3: qualifies)
    #   W(20) = [20, 44)  -> 20, 23, 30     (3: qualifies; brings in 30)
    #   W(23) = [23, 47)  -> 23, 30         (2)
    #   W(100)= [100,124) -> 100, 101, 102  (3: qualifies)
    #   the rest hold fewer than 3.
    # Clusters: {0, 5, 20, 23, 30} (peak 4) and {100, 101, 102} (peak 3); 200 is alone.
    results = [
        email("E0", 0), email("E5", 5, breached=True), email("E20", 20), email("E23", 23),
        email("E30", 30), email("E100", 100), email("E101", 101, breached=True),
        email("E102", 102), email("E200", 200),
        ticket("V1", 1, service="vpn", category="outage"),
        ticket("V2", 2, service="vpn", category="outage"),     # only 2 vpn tickets
        ticket("N1", 3), ticket("N2", 3), ticket("N3", 3),      # no key values: left out
        ticket("X", None, service="email", category="outage"),  # no clock: left out
        ticket("O1", 4, service="email", category="access"),    # another key
    ]
    report = recurring_incidents(results, by=("service", "category"), window=24 * H,
                                 min_tickets=3)
    assert [(c.tickets, c.peak, c.breached) for c in report.candidates] == [
        (("E0", "E5", "E20", "E23", "E30"), 4, 1),
        (("E100", "E101", "E102"), 3, 1),
    ]
    first = report.candidates[0]
    assert first.key == {"service": "email", "category": "outage"} and first.count == 5
    assert (first.first_at, first.last_at) == (T0, T0 + 30 * H)
    assert first.row()["ticket_ids"] == "E0 E5 E20 E23 E30"
    assert first.row()["tickets"] == 5 and first.row()["service"] == "email"
    # A window is half-open: with 20 h windows W(0) = [0, 20) holds 0 and 5 only, so E0
    # drops out; W(5) = [5, 25) -> 5, 20, 23 and W(20) = [20, 40) -> 20, 23, 30 qualify.
    narrow = recurring_incidents(results, by=("service", "category"), window=20 * H,
                                 min_tickets=3)
    assert [(c.tickets, c.peak) for c in narrow.candidates] == [
        (("E5", "E20", "E23", "E30"), 3), (("E100", "E101", "E102"), 3)]
    # By service only, 2 h windows, pairs: O1 (email/access, 4 h) now pairs with E5;
    # W(100) and W(101) chain 100-102 (peak 2); V1, V2 pair; the N tickets have no service.
    pairs = recurring_incidents(results, by=("service",), window=2 * H, min_tickets=2)
    assert [(c.tickets, c.peak) for c in pairs.candidates] == [
        (("E100", "E101", "E102"), 2), (("V1", "V2"), 2), (("O1", "E5"), 2)]


def test_arrival_is_the_start_of_the_first_clock() -> None:
    assert arrival(email("A", 5)) == T0 + 5 * H
    assert arrival(ticket("B", None)) is None


def test_the_default_key_includes_the_configuration_item() -> None:
    results = []
    for i in range(5):
        fields: dict[str, Any] = {"service": "email", "category": "outage",
                  "attributes.configuration_item": "mx1" if i < 3 else "mx2"}
        results.append(ticket(f"T{i}", i, **fields))
    report = recurring_incidents(results, window=24 * H, min_tickets=3)
    [cluster] = report.candidates
    assert cluster.key == {"service": "email", "category": "outage",
                           "attributes.configuration_item": "mx1"}
    assert cluster.tickets == ("T0", "T1", "T2")


def test_bad_arguments_name_the_field() -> None:
    with pytest.raises(RecurringError, match="by"):
        recurring_incidents([], by=())
    with pytest.raises(RecurringError, match="by"):
        recurring_incidents([], by=("tickets",))
    with pytest.raises(RecurringError, match="window"):
        recurring_incidents([], window=ZERO)
    with pytest.raises(RecurringError, match="min_tickets"):
        recurring_incidents([], min_tickets=1)
    with pytest.raises(RecurringError, match="ticket_id"):
        RecurringProjection().update(TicketSla(None, "p", 1, None, {}))


# --------------------------------------------------------------------------- properties


@st.composite
def tickets(draw: st.DrawFn) -> list[TicketSla]:
    out = []
    for i in range(draw(st.integers(0, 25))):
        out.append(ticket(f"T{i:02d}", draw(st.integers(0, 60)),
                          breached=draw(st.booleans()),
                          service=draw(st.sampled_from(["email", "vpn", None])),
                          category=draw(st.sampled_from(["a", "b"]))))
    return out


def brute_force(results: list[TicketSla], by: tuple[str, ...], window: timedelta,
                min_tickets: int) -> set[tuple[tuple[str, ...], int]]:
    """Every qualifying window as a set of tickets; windows sharing a ticket merged."""
    keyed: dict[tuple[Any, ...], list[tuple[datetime, str]]] = {}
    for r in results:
        key = tuple(r.fields.get(k) for k in by)
        at = arrival(r)
        if at is None or all(v is None for v in key):
            continue
        keyed.setdefault(key, []).append((at, r.ticket_id or ""))
    out = set()
    for items in keyed.values():
        items.sort()
        windows = []
        for at, _ in items:
            members = frozenset(t for a, t in items if at <= a < at + window)
            if len(members) >= min_tickets:
                windows.append((members, len(members)))
        merged: list[tuple[set[str], int]] = []
        for members, size in windows:
            touching = [m for m in merged if m[0] & members]
            group = set(members).union(*(m[0] for m in touching))
            peak = max([size, *(m[1] for m in touching)])
            merged = [m for m in merged if not (m[0] & members)] + [(group, peak)]
        for group, peak in merged:
            order = tuple(t for _, t in items if t in group)
            out.add((order, peak))
    return out


@settings(max_examples=examples(80), deadline=None)
@given(rs=tickets(), hours=st.integers(1, 12), min_tickets=st.integers(2, 4))
def test_clusters_equal_a_brute_force_union_of_windows(rs: list[TicketSla], hours: int,
                                                      min_tickets: int) -> None:
    by = ("service", "category")
    report = recurring_incidents(rs, by=by, window=hours * H, min_tickets=min_tickets)
    assert {(c.tickets, c.peak) for c in report.candidates} == brute_force(
        rs, by, hours * H, min_tickets)
    breached = {r.ticket_id for r in rs if any(c.breached for c in r.cycles())}
    for c in report.candidates:
        assert c.breached == sum(t in breached for t in c.tickets)
        assert c.count >= min_tickets
    counts = [c.count for c in report.candidates]
    assert counts == sorted(counts, reverse=True)


@settings(max_examples=examples(60), deadline=None)
@given(first=tickets(), second=tickets(), data=st.data())
def test_incremental_equals_batch(first: list[TicketSla], second: list[TicketSla],
                                  data: Any) -> None:
    proj = RecurringProjection(by=("service",), window=6 * H, min_tickets=2)
    latest: dict[str, TicketSla] = {}
    for r in first + second:  # the second list re-evaluates some tickets
        proj.update(r)
        latest[r.ticket_id or ""] = r
    for tid in data.draw(st.lists(st.sampled_from(sorted(latest) or ["none"]), max_size=5)):
        proj.remove(tid)
        latest.pop(tid, None)
    assert proj.report() == recurring_incidents(
        list(reversed(latest.values())), by=("service",), window=6 * H, min_tickets=2)
