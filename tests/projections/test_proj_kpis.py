"""Operational KPIs (``slacore.projections.kpi_report``) on hand-computed tickets.

Policy: examples/standard-incident.yaml; calendar ``business`` Mon–Fri 09:00–17:00
Europe/Berlin; the week of Mon 2026-02-02; ``as_of`` Tue 2026-02-03 15:00 Berlin.

A (P2): opened Mon 09:00 (new), responded 10:00, awaiting_customer 11:00, in_progress 13:00,
   resolved 15:00.  Response 1 h (business and wall).  Resolution clock paused 11–13:
   4 h business, 6 h wall.  Status new 2 h, awaiting 2 h, in_progress 2 h; desk 6 h.  FCR.
B (P2): opened Mon 09:00 (new), reassigned to network Mon 12:00, resolved Tue 10:00,
   reopened Tue 11:00, resolved Tue 12:00; no agent response.  The response clock stops on
   resolved and resumes on reopened (a clock stopped by ``resolved`` resumes): Mon 8 h +
   Tue 1 h + 1 h = 10 h business; no wall-clock response (no ``agent_responded``).  Resolution
   (reopen: resume) 8 + 1 + 1 = 10 h business, 27 h wall.  Status new 25 h + 1 h = 26 h
   (not while resolved); desk 3 h, network 22 h + 1 h = 23 h.  Reopened, not FCR.
C (P1): opened Tue 09:00 (new), open at as_of: the P1 resolution clock is 24×7, 6 h ->
   aging bucket 4h-8h.  new 6 h, desk 6 h.
D (P3): opened Mon 09:00 (new), cancelled Mon 10:00.  new 1 h, desk 1 h.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from slacore.clock import BusinessCalendar
from slacore.loading import load_policy
from slacore.policies import TicketSla, evaluate
from slacore.projections import KpiError, KpiProjection, kpi_report
from slacore.projections.kpis import bucket_labels

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)
CAL = BusinessCalendar("Europe/Berlin", hours={
    d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
CALS = {"business": CAL, "apac-business": CAL}
POLICY = load_policy(Path(__file__).resolve().parents[2] / "examples" /
                     "standard-incident.yaml", calendars=CALS)
AS_OF = datetime(2026, 2, 3, 15, tzinfo=BERLIN)


def b(day: int, hour: int) -> datetime:
    return datetime(2026, 2, day, hour, tzinfo=BERLIN)


def ev(tid: str, n: int, kind: str, at: datetime, **payload: Any) -> dict[str, Any]:
    return {"type": kind, "event_id": f"{tid}-{n}", "ticket_id": tid, "at": at, **payload}


def opened(tid: str, at: datetime, priority: str) -> dict[str, Any]:
    return ev(tid, 0, "opened", at, fields={"priority": priority, "status": "new",
                                             "assignment_group": "desk"})


TICKETS = {
    "A": [opened("A", b(2, 9), "P2"), ev("A", 1, "agent_responded", b(2, 10)),
          ev("A", 2, "updated", b(2, 11), changes={"status": "awaiting_customer"}),
          ev("A", 3, "updated", b(2, 13), changes={"status": "in_progress"}),
          ev("A", 4, "resolved", b(2, 15))],
    "B": [opened("B", b(2, 9), "P2"),
          ev("B", 1, "updated", b(2, 12), changes={"assignment_group": "network"}),
          ev("B", 2, "resolved", b(3, 10)), ev("B", 3, "reopened", b(3, 11)),
          ev("B", 4, "resolved", b(3, 12))],
    "C": [opened("C", b(3, 9), "P1"),
          ev("C", 1, "resolved", b(3, 16))],  # after as_of: ignored
    "D": [opened("D", b(2, 9), "P3"), ev("D", 1, "cancelled", b(2, 10))],
}


def pairs() -> list[tuple[list[dict[str, Any]], TicketSla]]:
    return [(events, evaluate(POLICY, events, calendars=CALS, as_of=AS_OF))
            for events in TICKETS.values()]


class TestHandComputed:
    def test_total(self) -> None:
        rep = kpi_report(pairs(), as_of=AS_OF)
        t = rep.total
        assert (t.tickets, t.resolved, t.cancelled, t.backlog, t.responded) == (4, 2, 1, 1, 1)
        # business first response: A 1 h, B 10 h (C's clock runs; D's runs after cancel)
        assert t.first_response_business_mean == 5 * H + 30 * M
        assert t.first_response_business_median == H  # lower median of [1 h, 9 h]
        assert t.first_response_wall_mean == t.first_response_wall_median == H
        assert t.resolve_business_mean == 7 * H and t.resolve_business_median == 4 * H
        assert t.resolve_wall_mean == 16 * H + 30 * M and t.resolve_wall_median == 6 * H
        assert t.reopen_rate == Fraction(1, 2)
        assert t.first_contact_resolution == Fraction(1, 2)
        assert t.aging == {"<1h": 0, "1h-4h": 0, "4h-8h": 1, "8h-24h": 0, "24h-40h": 0,
                           ">=40h": 0, "no clock": 0}
        # new: A 2 + B 26 + C 6 + D 1 = 35 h over 4 tickets
        assert t.time_in_status == {"awaiting_customer": 2 * H, "in_progress": 2 * H,
                                    "new": 8 * H + 45 * M}
        assert t.time_in_group == {"desk": 4 * H, "network": 23 * H}

    def test_by_priority(self) -> None:
        rep = kpi_report(pairs(), as_of=AS_OF, group_by=("priority",))
        p1, p2, p3 = rep.groups
        assert (p1.group, p1.backlog, p1.resolve_wall_mean) == ({"priority": "P1"}, 1, None)
        assert p1.reopen_rate is None and p1.first_contact_resolution is None
        assert (p2.resolved, p2.reopen_rate, p2.resolve_business_mean) == (
            2, Fraction(1, 2), 7 * H)
        assert (p3.cancelled, p3.time_in_status) == (1, {"new": H})
        assert sum(g.tickets for g in rep.groups) == rep.total.tickets
        rows = rep.rows()
        assert rows[1]["priority"] == "P2" and rows[1]["reopen_rate"] == 0.5
        assert rows[1]["resolve_wall_mean_seconds"] == 16.5 * 3600
        assert rows[0]["aging 4h-8h"] == 1
        assert rows[1]["status new mean_seconds"] == (2 + 26) / 2 * 3600
        json.dumps(rows)
        json.dumps(rep.model_dump(mode="json"), default=str)

    def test_order_does_not_matter(self) -> None:
        data = pairs()
        want = kpi_report(data, as_of=AS_OF, group_by=("priority",))
        rnd = random.Random(5)
        for _ in range(3):
            shuffled = [(rnd.sample(evs, len(evs)), r) for evs, r in data]
            rnd.shuffle(shuffled)
            assert kpi_report(shuffled, as_of=AS_OF, group_by=("priority",)) == want

    def test_custom_buckets(self) -> None:
        rep = kpi_report(pairs(), as_of=AS_OF, aging_buckets=[30 * M, 6 * H])
        assert rep.aging_buckets == ("<30m", "30m-6h", ">=6h", "no clock")
        assert rep.total.aging[">=6h"] == 1  # exactly 6 h: the upper bucket

    def test_labels_and_errors(self) -> None:
        assert bucket_labels([timedelta(seconds=90)]) == ["<90s", ">=90s"]
        for bad in ([], [H, H], [2 * H, H], [timedelta(0)]):
            with pytest.raises(KpiError):
                kpi_report([], as_of=AS_OF, aging_buckets=bad)
        with pytest.raises(KpiError):
            kpi_report([], as_of=datetime(2026, 2, 3))


def test_incremental_equals_batch() -> None:
    # feed each ticket event by event (re-evaluated each time), in a shuffled interleaving
    proj = KpiProjection(as_of=AS_OF, group_by=("priority",))
    steps = [(tid, n) for tid, evs in TICKETS.items() for n in range(1, len(evs) + 1)]
    rnd = random.Random(11)
    rnd.shuffle(steps)
    seen: dict[str, int] = {}
    for tid, n in steps:
        n = max(n, seen.get(tid, 0))
        seen[tid] = n
        evs = TICKETS[tid][:n]
        proj.update(evs, evaluate(POLICY, evs, calendars=CALS, as_of=AS_OF))
    assert proj.report() == kpi_report(pairs(), as_of=AS_OF, group_by=("priority",))
    proj.remove("A")
    assert proj.report().total.tickets == 3
    with pytest.raises(KpiError):
        proj.update([], TicketSla(ticket_id=None, policy_id="p", policy_version=1,
                                  as_of=None, metrics={}))
