"""Erlang C staffing (``slacore.projections.staffing``).

The two published vectors must hold; Erlang C is checked against the closed form computed
exactly with fractions; the demand profile against counts made by hand; the incremental
projection against the batch function.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta, timezone
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.errors import InvalidInput
from slacore.events import Event, parse_event
from slacore.projections import (
    StaffingProjection,
    demand_profile,
    required_agents,
    staffing_plan,
)
from slacore.projections.staffing import (
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    service_level,
)
from slacore.testing.profiles import examples

UTC = timezone.utc
HALF_HOUR = timedelta(minutes=30)
S = timedelta(seconds=1)


def test_vector_100_calls_aht_3_min_80_in_20_s() -> None:
    r = required_agents(100, HALF_HOUR, timedelta(minutes=3), target="0.8",
                        answer_within=20 * S, shrinkage="0.3", max_occupancy="0.85")
    assert r.traffic == 10
    assert r.agents == 14
    assert r.staff == 20  # ceil(14 / 0.7), exactly 20 (a float division would say 21)
    assert r.service_level == pytest.approx(0.88835, abs=5e-6)
    assert r.waiting_probability == pytest.approx(0.17413, abs=5e-6)
    assert r.occupancy == Fraction(5, 7)  # 71.4 %
    assert r.asa_seconds == pytest.approx(7.84, abs=5e-3)
    # 13 agents miss the target (79.56 %), so 14 is the fewest
    assert service_level(13, 10.0, timedelta(minutes=3), 20 * S) == pytest.approx(
        0.795595, abs=5e-6)


def test_vector_360_calls_aht_4_min_55_agents_15_s() -> None:
    aht = timedelta(minutes=4)
    assert erlang_c(55, 48.0) == pytest.approx(0.2387, abs=5e-5)
    assert service_level(55, 48.0, aht, 15 * S) == pytest.approx(0.8459, abs=5e-5)
    assert average_speed_of_answer(55, 48.0, aht) == pytest.approx(8.18, abs=5e-3)
    r = required_agents(360, HALF_HOUR, aht, answer_within=15 * S)
    assert r.traffic == 48 and r.agents == 55  # 54 agents give 79.29 %
    assert r.occupancy == Fraction(48, 55)
    assert service_level(54, 48.0, aht, 15 * S) == pytest.approx(0.7929, abs=5e-5)


def test_occupancy_cap_and_edge_cases() -> None:
    # A = 10 E; at most 70 % occupancy needs ceil(10 / 0.7) = 15 agents
    r = required_agents(100, HALF_HOUR, timedelta(minutes=3), max_occupancy="0.7")
    assert r.agents == 15 and r.occupancy == Fraction(2, 3)
    zero = required_agents(0, HALF_HOUR, timedelta(minutes=3))
    assert (zero.agents, zero.staff, zero.service_level) == (0, 0, 1.0)
    assert erlang_c(5, 5.0) == 1.0 and service_level(4, 5.0, S, S) == 0.0
    assert math.isinf(average_speed_of_answer(5, 6.0, S))
    assert erlang_b(0, 3.0) == 1.0


@pytest.mark.parametrize(("kw", "field"), [
    ({"target": "1"}, "target"),
    ({"shrinkage": "1"}, "shrinkage"),
    ({"shrinkage": "-0.1"}, "shrinkage"),
    ({"max_occupancy": "0"}, "max_occupancy"),
    ({"target": "lots"}, "target"),
])
def test_bad_arguments_name_the_field(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput, match=field):
        required_agents(100, HALF_HOUR, timedelta(minutes=3), **kw)
    with pytest.raises(InvalidInput, match="aht"):
        required_agents(100, HALF_HOUR, timedelta(0))


def _closed_form(n: int, a: int) -> Fraction:
    """``A^N/N! · N/(N−A) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))``, exactly."""
    top = Fraction(a**n, math.factorial(n)) * Fraction(n, n - a)
    return top / (sum(Fraction(a**k, math.factorial(k)) for k in range(n)) + top)


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(1, 60), st.integers(1, 40))
def test_erlang_c_equals_the_closed_form(a: int, extra: int) -> None:
    n = a + extra
    assert erlang_c(n, float(a)) == pytest.approx(float(_closed_form(n, a)), rel=1e-9,
                                                  abs=1e-15)


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(1, 2000), st.integers(30, 900), st.integers(0, 60),
       st.fractions(Fraction(1, 2), Fraction(99, 100)))
def test_required_agents_is_the_fewest_meeting_the_target(
        calls: int, aht_s: int, within_s: int, target: Fraction) -> None:
    aht, within = timedelta(seconds=aht_s), timedelta(seconds=within_s)
    r = required_agents(calls, HALF_HOUR, aht, target=target, answer_within=within)
    a = float(r.traffic)
    assert r.agents > r.traffic
    assert r.service_level >= float(target)
    if r.agents - 1 > r.traffic:
        assert service_level(r.agents - 1, a, aht, within) < float(target)
    # more agents never lower the service level
    assert service_level(r.agents + 1, a, aht, within) >= r.service_level - 1e-12


# --------------------------------------------------------------------------- demand

_n = 0


def tev(kind: str, tid: str, at: datetime, **kw: Any) -> Event:
    global _n
    _n += 1
    return parse_event({"type": kind, "event_id": f"{tid}-{_n}", "ticket_id": tid,
                        "at": at.isoformat(), **kw})


def contact(tid: str, at: datetime, handle_min: int | None = None) -> list[Event]:
    out = [tev("opened", tid, at)]
    if handle_min is not None:
        out += [tev("agent_responded", tid, at + timedelta(minutes=2)),
                tev("resolved", tid, at + timedelta(minutes=2 + handle_min))]
    return out


def d(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


# two whole weeks: Mon 2026-03-02 00:00 to Mon 2026-03-16 00:00 (UTC)
HISTORY = [
    *contact("A", d(2, 9, 10), 6),   # Mon 09:00-09:30, week 1; handled in 6 min
    *contact("B", d(2, 9, 20), 4),   # same slot; 4 min
    *contact("C", d(9, 9, 5)),       # Mon 09:00 slot, week 2; never answered
    *contact("D", d(11, 14, 45), 8),  # Wed 14:30-15:00, week 2
    *contact("E", d(16, 9, 0), 1),   # after the window: not counted
]


def test_demand_profile_by_hand() -> None:
    prof = demand_profile(HISTORY, start=d(2, 0), end=d(16, 0))
    assert len(prof.slots) == 7 * 48
    assert all(s.occurrences == 2 for s in prof.slots)
    mon9 = prof.slots[18]
    assert (mon9.weekday, mon9.start, mon9.arrivals, mon9.rate) == (0, time(9), 3,
                                                                    Fraction(3, 2))
    wed = prof.slots[2 * 48 + 29]
    assert (wed.start, wed.arrivals, wed.rate) == (time(14, 30), 1, Fraction(1, 2))
    assert sum(s.arrivals for s in prof.slots) == 4
    # AHT over A, B, D: (6 + 4 + 8) / 3 = 6 min
    assert prof.handled == 3 and prof.aht == timedelta(minutes=6)
    hours = dict(prof.by_hour())
    assert hours[9] == Fraction(3, 2) and hours[2 * 24 + 14] == Fraction(1, 2)
    assert prof.peaks(2) == [(9, Fraction(3, 2)), (62, Fraction(1, 2))]


def test_demand_profile_partial_window_and_zone() -> None:
    # Berlin is UTC+1 in early March: Mon 09:10 UTC is the 10:00 slot locally.  A window of
    # 1.5 weeks: Monday slots occur twice, Thursday 12:00 once.
    prof = demand_profile(HISTORY[:2], start=d(2, 0) - timedelta(hours=1),
                          end=d(12, 11), zone="Europe/Berlin")
    mon10 = prof.slots[20]
    assert mon10.start == time(10) and mon10.arrivals == 1 and mon10.occurrences == 2
    assert prof.slots[3 * 48 + 24].occurrences == 1
    with pytest.raises(InvalidInput, match="interval"):
        demand_profile([], start=d(2, 0), end=d(3, 0), interval=timedelta(minutes=7))


def test_staffing_plan_follows_demand() -> None:
    # 200 calls in the Monday 09:00 slot over two weeks = 100 per occurrence
    events = [e for i in range(200)
              for e in contact(f"T{i}", d(2 if i % 2 else 9, 9, i % 30), 3)]
    prof = demand_profile(events, start=d(2, 0), end=d(16, 0))
    plan = staffing_plan(prof, target="0.8", answer_within=20 * S, shrinkage="0.3")
    assert plan.aht == timedelta(minutes=3)
    by_slot = {(s.weekday, s.start): r for s, r in plan.slots}
    assert by_slot[(0, time(9))].agents == 14 and by_slot[(0, time(9))].staff == 20
    assert by_slot[(0, time(10))].agents == 0
    assert plan.peak_staff == 20
    assert plan.rows()[18]["agents"] == 14
    with pytest.raises(InvalidInput, match="aht"):
        staffing_plan(demand_profile([], start=d(2, 0), end=d(9, 0)))


@settings(max_examples=examples(30), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20 * 24 * 60), st.none() | st.integers(1, 30)),
                max_size=25),
       st.randoms(use_true_random=False))
def test_projection_equals_batch(contacts: list[tuple[int, int | None]],
                                 rnd: random.Random) -> None:
    events = [e for i, (m, h) in enumerate(contacts)
              for e in contact(f"P{i}", d(1, 0) + timedelta(minutes=m), h)]
    kw: dict[str, Any] = {"start": d(2, 0), "end": d(16, 0), "zone": "Europe/Berlin"}
    batch = demand_profile(events, **kw)
    proj = StaffingProjection(**kw)
    feed = [*events, *events[::3]]
    rnd.shuffle(feed)
    for e in feed:
        proj.add(e)
    assert proj.profile() == batch
    if contacts:
        proj.remove("P0")
        assert proj.profile() == demand_profile(
            [e for e in events if getattr(e, "ticket_id", None) != "P0"], **kw)
        proj.update("P0", [e for e in events if getattr(e, "ticket_id", None) == "P0"])
        assert proj.profile() == batch


def test_projection_follows_a_log() -> None:
    from slacore.log import open_log

    log = open_log("memory://")
    log.ingest(HISTORY[:5])
    proj = StaffingProjection(start=d(2, 0), end=d(16, 0))
    assert proj.catch_up(log) == 5
    log.ingest(HISTORY[5:])
    proj.catch_up(log)
    assert proj.profile() == demand_profile(HISTORY, start=d(2, 0), end=d(16, 0))
