"""Hand-computed edges of the counting walk: a target used up exactly at closing time, a
new piece that starts, outside open hours, with the target already used up, and a zero
target.  Each is checked on both ways of counting (piece by piece on the calendar
tables, and through the segments, which exclusions force).

Calendar: Mon-Fri 09:00-17:00 UTC; Mon 2026-02-02 is a working Monday.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import pytest

from slacore.clock import BusinessCalendar
from slacore.policies import Cycle, evaluate, parse_policy

UTC = timezone.utc
H = timedelta(hours=1)
EVALUATE = importlib.import_module("slacore.policies.evaluate")
CALENDARS = {"business": BusinessCalendar(
    "UTC", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})}


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 2, day, hour, tzinfo=UTC)


def policy(targets: list[dict[str, Any]], warn_at: list[float] | None = None) -> Any:
    metric: dict[str, Any] = {"start": {"on": ["opened"]}, "stop": {"on": ["resolved"]},
                              "targets": targets}
    if warn_at:
        metric["warn_at"] = warn_at
    return parse_policy({"id": "p", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
                         "calendar": "business", "metrics": {"m": metric}},
                        calendars=CALENDARS)


def event(kind: str, n: int, when: datetime, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "event_id": f"e{n}", "ticket_id": "T", "at": when.isoformat(),
            **extra}


@pytest.fixture(params=["pieces", "segments"])
def walk(request: pytest.FixtureRequest) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "segments":
            patch.setattr(EVALUATE, "COUNT_BY_SEGMENTS", True)
        yield request.param


def only_cycle(pol: Any, events: list[dict[str, Any]], **kw: Any) -> Cycle:
    (cycle,) = evaluate(pol, events, calendars=CALENDARS, **kw).metrics["m"]
    return cycle


def test_a_target_used_up_at_closing_time_is_breached_when_hours_reopen(walk: str) -> None:
    # 8h target from Mon 09:00: used up exactly at Mon 17:00 (met so far); the first
    # instant past it is Tue 09:00, when counting resumes.
    pol = policy([{"target": "8h"}], warn_at=[1.0])
    events = [event("opened", 0, at(2, 9)), event("resolved", 1, at(3, 10))]
    cycle = only_cycle(pol, events)
    assert cycle.elapsed == 9 * H
    assert cycle.breached_at == at(3, 9)
    assert cycle.due_at == at(2, 17)
    assert [(w.threshold, w.at) for w in cycle.warnings] == [(Fraction(1), at(2, 17))]
    assert not only_cycle(pol, events, as_of=at(3, 9)).breached


def test_a_piece_starting_after_hours_with_the_target_used_up(walk: str) -> None:
    # P2 and the default tier both have 8h.  Mon 09:00-17:00 uses the 8h; at Mon 20:00
    # (closed) the priority change starts a new piece of another tier with the same
    # target: nothing is over yet, the breach begins when counting resumes, Tue 09:00.
    pol = policy([{"when": {"priority": ["P2"]}, "target": "8h"}, {"target": "8h"}])
    events = [
        event("opened", 0, at(2, 9), fields={"priority": "P2"}),
        event("updated", 1, at(2, 20), changes={"priority": "P3"}),
        event("resolved", 2, at(3, 11)),
    ]
    cycle = only_cycle(pol, events)
    assert (cycle.tier, cycle.elapsed) == (1, 10 * H)
    assert cycle.breached_at == at(3, 9)
    assert cycle.due_at == at(2, 17)


def test_a_zero_target_is_reached_at_once_and_breached_at_the_first_counted_instant(
    walk: str,
) -> None:
    # Opened Sat 10:00 (closed) with a zero target: reached at once, so the warning at
    # 50% and the due instant are the start; the breach is the first counted instant,
    # Mon 09:00.
    pol = policy([{"target": "0s"}], warn_at=[0.5])
    events = [event("opened", 0, at(7, 10)), event("resolved", 1, at(9, 10))]
    cycle = only_cycle(pol, events)
    assert cycle.elapsed == H
    assert cycle.breached_at == at(9, 9)
    assert [w.at for w in cycle.warnings] == [at(7, 10)]
    assert cycle.due_at == at(7, 10)
