"""DESIGN §6 invariants of ``evaluate``, on generated policies and ticket lives."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.events import parse_event
from slacore.policies import TicketSla, evaluate
from slacore.testing.profiles import examples
from slacore.testing.sla_strategies import SlaCase, sla_cases

US = timedelta(microseconds=1)
EVALUATE = importlib.import_module("slacore.policies.evaluate")  # the module, not the function
SETTINGS = settings(max_examples=examples(150), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run(case: SlaCase, events: list[Any] | None = None, **kw: Any) -> TicketSla:
    return evaluate(case.policy, case.events if events is None else events,
                    calendars=case.calendars, services=case.services, **kw)


def check_accounting(case: SlaCase, result: TicketSla) -> None:
    for cycle in result.cycles():
        segs = cycle.segments
        end = cycle.stopped_at
        if end is None:
            end = result.as_of if result.as_of is not None else max(
                parse_event(e).at for e in case.events)
        if end == cycle.started_at:
            assert segs == ()
        else:
            assert segs[0].start == cycle.started_at
            assert segs[-1].end == end
        for a, b in pairwise(segs):
            assert a.end == b.start, "segments must tile the span"
        assert all(s.start < s.end for s in segs)
        counted = sum((s.duration for s in segs if s.kind == "counted"), timedelta(0))
        assert cycle.elapsed == counted
        paused = sum((case.calendars[s.calendar].elapsed(s.start, s.end)
                      if s.calendar != "always" else s.duration
                      for s in segs if s.kind == "paused"), timedelta(0))
        assert cycle.paused == paused
        for s in segs:
            if s.kind == "counted" and s.calendar in case.calendars:
                cal = case.calendars[s.calendar]
                assert cal.elapsed(s.start, s.end) == s.duration, "counted time is open time"
        if cycle.state == "stopped":
            assert cycle.met is (cycle.elapsed <= cycle.target)
        assert cycle.breached is (cycle.elapsed > cycle.target)
        assert (cycle.breached_at is not None) is cycle.breached
        if cycle.breached_at is not None:
            assert cycle.started_at <= cycle.breached_at <= end


@SETTINGS
@given(sla_cases(), st.randoms(use_true_random=False), st.integers(0, 3))
def test_replay_is_order_and_duplicate_free(case: SlaCase, rnd: Any, dups: int) -> None:
    base = run(case)
    shuffled = list(case.events) + [rnd.choice(case.events) for _ in range(dups)]
    rnd.shuffle(shuffled)
    again = run(case, shuffled)
    assert again.to_dict() == base.to_dict()
    check_accounting(case, base)


@SETTINGS
@given(sla_cases(), st.data())
def test_as_of_equals_dropping_later_events(case: SlaCase, data: st.DataObject) -> None:
    instants = sorted({parse_event(e).at for e in case.events})
    t: datetime = data.draw(st.sampled_from(instants)) + timedelta(
        minutes=data.draw(st.integers(-30, 3 * 24 * 60)))
    full = run(case, as_of=t)
    known = [e for e in case.events if parse_event(e).at <= t]
    services = [e for e in case.services if parse_event(e).at <= t]
    dropped = evaluate(case.policy, known, calendars=case.calendars, services=services,
                       as_of=t)
    assert full.to_dict() == dropped.to_dict()
    check_accounting(case, full)


@SETTINGS
@given(sla_cases(), st.integers(0, 10 * 24 * 60))
def test_due_at_is_exact_for_a_counting_clock(case: SlaCase, later: int) -> None:
    """Evaluated again at its projected ``due_at`` with no new events, a counting cycle
    has used exactly its target and is not breached; one microsecond later it is, unless
    the clock is not counting then (a close)."""
    last = max(parse_event(e).at for e in case.events)
    as_of = last + timedelta(minutes=later)
    now = run(case, as_of=as_of)
    for metric, cycles in now.metrics.items():
        for cycle in cycles:
            if cycle.state != "running" or cycle.breached or cycle.due_at is None:
                continue
            if cycle.excluded or any(s.kind == "excluded" for s in cycle.segments):
                continue  # future windows are not part of the projection
            at_due = run(case, as_of=cycle.due_at).metrics[metric][cycle.index]
            if any(s.kind == "excluded" for s in at_due.segments):
                continue
            assert at_due.elapsed == at_due.target
            assert not at_due.breached
            assert at_due.due_at == cycle.due_at


@SETTINGS
@given(sla_cases())
def test_breached_at_is_where_elapsed_passes_the_target(case: SlaCase) -> None:
    """At ``breached_at`` the clock has used exactly its target (or a target change at
    that instant breached it at once); one microsecond later it is over by 1 µs."""
    result = run(case)
    for metric, cycles in result.metrics.items():
        for cycle in cycles:
            if cycle.breached_at is None:
                continue
            at_b = run(case, as_of=cycle.breached_at).metrics[metric][cycle.index]
            if at_b.breached:
                assert at_b.breached_at == cycle.breached_at
                continue
            assert at_b.elapsed == at_b.target
            after = run(case, as_of=cycle.breached_at + US).metrics[metric][cycle.index]
            assert after.breached
            assert after.breached_at == cycle.breached_at
            assert after.elapsed == after.target + US


@SETTINGS
@given(sla_cases(), st.integers(0, 3))
def test_counting_by_pieces_equals_counting_by_segments(case: SlaCase, cut: int) -> None:
    """Without exclusions the numbers are counted piece by piece on the calendar tables;
    walking the explanatory segments instead must give every number identically."""
    instants = sorted(parse_event(e).at for e in case.events)
    as_of = instants[min(cut, len(instants) - 1)] + timedelta(minutes=37 * cut)
    options: list[dict[str, Any]] = [{}, {"as_of": as_of}]
    for kw in options:
        by_pieces = run(case, **kw)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(EVALUATE, "COUNT_BY_SEGMENTS", True)
            by_segments = run(case, **kw)
        assert by_pieces == by_segments
