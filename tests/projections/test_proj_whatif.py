"""What-if: the same tickets under two policies, compliance side by side."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from slacore.clock import BusinessCalendar
from slacore.policies import parse_policy
from slacore.projections import what_if

BERLIN = ZoneInfo("Europe/Berlin")
CAL = BusinessCalendar("Europe/Berlin", hours={
    d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})


def policy(target: str, version: int) -> Any:
    return parse_policy({
        "id": "p", "version": version, "effective_from": "2026-01-01T00:00:00Z",
        "calendar": "business",
        "metrics": {"resolution": {"start": {"on": ["opened"]}, "stop": {"on": ["resolved"]},
                                   "targets": [{"target": target}]}},
    }, calendars=["business"])


def b(day: int, hour: int) -> datetime:
    return datetime(2026, 2, day, hour, tzinfo=BERLIN)


def tk(tid: str, resolved: datetime | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"type": "opened", "event_id": f"{tid}0", "ticket_id": tid,
                                  "at": b(2, 9), "fields": {"priority": "P2"}}]
    if resolved is not None:
        out.append({"type": "resolved", "event_id": f"{tid}1", "ticket_id": tid,
                    "at": resolved})
    return out


def test_side_by_side() -> None:
    # business elapsed: 7 h (Mon 16:00), 10 h (Tue 11:00), 13 h (Tue 14:00), one open
    tickets = [tk("A", b(2, 16)), tk("B", b(3, 11)), tk("C", b(3, 14)), tk("D", None)]
    rep = what_if(tickets, {"now": policy("8h", 1), "proposed": policy("12h", 2)},
                  calendars={"business": CAL}, as_of=b(4, 9), zone="Europe/Berlin",
                  group_by=("metric", "priority"))
    assert rep.reports["now"].total.compliance == Fraction(1, 3)
    assert rep.reports["proposed"].total.compliance == Fraction(2, 3)
    (row,) = rep.rows()
    assert (row["period"], row["metric"], row["priority"]) == ("2026-02", "resolution", "P2")
    assert (row["now.met"], row["now.breached"], row["now.compliance_pct"]) == (1, 2, 33.33)
    assert (row["proposed.met"], row["proposed.breached"], row["proposed.compliance_pct"]) == (
        2, 1, 66.66)
    # D: open Mon 09:00 -> Wed 09:00 = 16 h: past 8 h and 12 h alike
    assert row["now.running"] == row["proposed.running"] == 1
    assert row["now.total_breach_seconds"] == (2 + 5) * 3600
    assert row["proposed.total_breach_seconds"] == 3600


def test_group_only_under_one_policy() -> None:
    tickets = [tk("A", b(2, 16))]
    rep = what_if(tickets, {"one": policy("8h", 1), "two": policy("12h", 2)},
                  calendars={"business": CAL}, group_by=("metric", "policy_version"),
                  period="all")
    rows = rep.rows()
    assert [(r["policy_version"], r["one.met"], r["two.met"]) for r in rows] == [
        (1, 1, None), (2, None, 1)]
