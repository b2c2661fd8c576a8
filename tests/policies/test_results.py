"""The result types behave as immutable values: a ``Cycle`` whose segments are built on
first access (as ``evaluate`` returns them) equals, hashes, pickles and prints like one
given its segments outright."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from slacore.clock import BusinessCalendar
from slacore.policies import Cycle, Segment, evaluate, parse_policy

UTC = timezone.utc
T0 = datetime(2026, 2, 2, 9, tzinfo=UTC)
H = timedelta(hours=1)

CALENDARS = {"business": BusinessCalendar(
    "UTC", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})}
POLICY = parse_policy({
    "id": "p", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
    "calendar": "business",
    "metrics": {
        "resolution": {
            "start": {"on": ["opened"]}, "stop": {"on": ["resolved"]},
            "pause": {"status": ["waiting"]}, "warn_at": [0.5],
            "targets": [{"target": "4h"}],
        },
    },
}, calendars=CALENDARS)


def _events() -> list[dict[str, Any]]:
    at = [T0 + k * H for k in range(5)]
    return [
        {"type": "opened", "event_id": "e0", "ticket_id": "T", "at": at[0].isoformat(),
         "fields": {"status": "new"}},
        {"type": "updated", "event_id": "e1", "ticket_id": "T", "at": at[1].isoformat(),
         "changes": {"status": "waiting"}},
        {"type": "updated", "event_id": "e2", "ticket_id": "T", "at": at[3].isoformat(),
         "changes": {"status": "open"}},
        {"type": "resolved", "event_id": "e3", "ticket_id": "T", "at": at[4].isoformat()},
    ]


def _cycle() -> Cycle:
    (cycle,) = evaluate(POLICY, _events(), calendars=CALENDARS).metrics["resolution"]
    return cycle


def _eager(cycle: Cycle) -> Cycle:
    values = {name: getattr(cycle, name) for name in Cycle.__match_args__}
    return Cycle(**values)


def test_lazy_segments_are_the_explanation() -> None:
    cycle = _cycle()
    assert [(s.kind, s.start, s.end) for s in cycle.segments] == [
        ("counted", T0, T0 + H), ("paused", T0 + H, T0 + 3 * H),
        ("counted", T0 + 3 * H, T0 + 4 * H),
    ]
    assert cycle.segments is cycle.segments  # built once
    assert cycle.elapsed == 2 * H and cycle.paused == 2 * H


def test_a_lazy_cycle_equals_and_hashes_like_an_eager_one() -> None:
    lazy, eager = _cycle(), _eager(_cycle())
    assert lazy == eager and hash(lazy) == hash(eager)
    assert repr(lazy) == repr(eager)
    other = Cycle(**{**{n: getattr(eager, n) for n in Cycle.__match_args__},
                     "segments": eager.segments[:1]})
    assert other != eager


def test_a_cycle_is_immutable() -> None:
    cycle = _cycle()
    assert type(cycle) is Cycle  # filled in as a writable twin, handed out frozen
    with pytest.raises(FrozenInstanceError):
        cycle.elapsed = timedelta(0)
    with pytest.raises(FrozenInstanceError):
        del cycle.metric


def test_a_lazy_cycle_pickles_and_copies_with_its_segments() -> None:
    cycle = _cycle()
    for clone in (pickle.loads(pickle.dumps(cycle)), copy.deepcopy(cycle), copy.copy(cycle)):
        assert clone == cycle
        assert all(isinstance(s, Segment) for s in clone.segments)


def test_match_args_name_every_field() -> None:
    cycle = _cycle()
    match cycle:
        case Cycle(metric, index, started_at):
            assert (metric, index, started_at) == ("resolution", 0, T0)
    assert set(Cycle.__match_args__) == {*Cycle.__slots__} - {"_segments"} | {"segments"}
