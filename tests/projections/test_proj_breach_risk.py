"""Breach risk of open cycles: the Kaplan–Meier estimator and ``risk_report``.

The textbook vector (times [3,5,6,7,8,10,12,12], events [1,0,1,1,0,1,1,0]) is worked by
hand in ``TestTextbook``: at 3 one of 8 completes (7/8); 5 censored; at 6 one of 6 (×5/6 =
35/48); at 7 one of 5 (×4/5 = 7/12); 8 censored; at 10 one of 3 (×2/3 = 7/18); at 12 one of
2 completes and one is censored (×1/2 = 7/36).  Median: S(7) > 1/2 >= S(10), so 10.
Open at 6 with deadline 10: S(10)/S(6) = (7/18)/(35/48) = 8/15.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.clock import BusinessCalendar
from slacore.loading import load_policy
from slacore.policies import Cycle, TicketSla, Warning, evaluate
from slacore.projections import (
    CompletionModel,
    KaplanMeier,
    RiskError,
    risk_report,
)
from slacore.testing.profiles import examples

UTC = timezone.utc
H = timedelta(hours=1)
US = timedelta(microseconds=1)
ZERO = timedelta(0)
AS_OF = datetime(2026, 3, 10, 12, tzinfo=UTC)

TIMES = [3, 5, 6, 7, 8, 10, 12, 12]
EVENTS = [1, 0, 1, 1, 0, 1, 1, 0]


def cyc(metric: str, state: str, elapsed: timedelta, target: timedelta, *,
        started: datetime | None = None, due_at: datetime | None = None,
        warnings: tuple[Warning, ...] = (), index: int = 0) -> Cycle:
    started = started or datetime(2026, 3, 1, tzinfo=UTC)
    open_ = state in ("running", "paused")
    return Cycle(
        metric=metric, index=index, started_at=started,
        stopped_at=None if open_ else started + elapsed,
        state=state,  # type: ignore[arg-type]
        end_reason=None, target=target, tier=0, calendar="business", elapsed=elapsed,
        paused=ZERO, excluded=ZERO, breached=elapsed > target,
        breached_at=started + target if elapsed > target else None,
        due_at=due_at if due_at is not None else started + target,
        warnings=warnings, segments=(), start_event_id="e0", stop_event_id=None,
    )


def ticket(tid: str, *cycles: Cycle, as_of: datetime | None = AS_OF,
           **fields: Any) -> TicketSla:
    metrics: dict[str, tuple[Cycle, ...]] = {}
    for c in cycles:
        metrics[c.metric] = (*metrics.get(c.metric, ()), c)
    return TicketSla(ticket_id=tid, policy_id="std", policy_version=1, as_of=as_of,
                     metrics=metrics, fields=dict(fields))


def textbook_history(priority: str = "P2", metric: str = "resolution") -> list[TicketSla]:
    """The textbook vector in hours: completions stopped, censorings cancelled or running."""
    out = []
    for i, (time, event) in enumerate(zip(TIMES, EVENTS, strict=True)):
        state = "stopped" if event else ("running" if i == 1 else "cancelled")
        out.append(ticket(f"H{priority}{metric}{i}", cyc(metric, state, time * H, 20 * H),
                          priority=priority))
    return out


class TestTextbook:
    km = KaplanMeier(TIMES, EVENTS)

    def test_survival_exact(self) -> None:
        s = self.km.survival
        assert s(0) == 1 and s(2) == 1
        assert s(3) == Fraction(7, 8) and s(5) == Fraction(7, 8)
        assert s(6) == Fraction(35, 48)
        assert s(7) == Fraction(7, 12)
        assert s(8) == Fraction(7, 12)
        assert s(10) == Fraction(7, 18)
        assert s(12) == Fraction(7, 36)
        assert s(1000) == Fraction(7, 36)  # held flat after the last observation
        for t in range(14):
            assert s(t, exact=False) == pytest.approx(float(s(t)), rel=1e-12)

    def test_median_and_counts(self) -> None:
        assert self.km.median() == 10
        assert (self.km.n, self.km.events, self.km.censored_total) == (8, 5, 3)
        assert self.km.times == [3, 6, 7, 10, 12]
        assert self.km.at_risk == [8, 6, 5, 3, 2]
        assert self.km.deaths == [1, 1, 1, 1, 1]
        assert self.km.table()[1] == {"time": 6, "at_risk": 6, "events": 1,
                                      "survival": pytest.approx(35 / 48)}

    def test_breach_probability(self) -> None:
        assert self.km.conditional(6, 10) == Fraction(8, 15)
        assert self.km.conditional(6, 10, exact=False) == pytest.approx(8 / 15)
        assert self.km.conditional(0, 10) == Fraction(7, 18)
        assert self.km.conditional(10, 10) == 1
        # half of those open at 6 are done by: S(t) <= 35/96 -> S(12) = 7/36 -> 12
        assert self.km.quantile_time(Fraction(1, 2), after=6) == 12
        with pytest.raises(RiskError):
            self.km.conditional(10, 6)

    def test_all_complete(self) -> None:
        km = KaplanMeier([1, 2, 2], [1, 1, 1])
        assert km.survival(2) == 0 and km.is_zero(2) and not km.is_zero(1)
        assert km.conditional(2, 5) is None
        assert km.conditional(1, 5) == 0
        assert km.median() == 2

    def test_empty(self) -> None:
        km = KaplanMeier([], [])
        assert km.survival(5) == 1 and km.median() is None and km.conditional(1, 2) == 1


def naive_survival(times: list[int], events: list[int], t: int) -> Fraction:
    out = Fraction(1)
    for ti in sorted({x for x, e in zip(times, events, strict=True) if e}):
        if ti > t:
            break
        n = sum(1 for x in times if x >= ti)
        d = sum(1 for x, e in zip(times, events, strict=True) if e and x == ti)
        out *= 1 - Fraction(d, n)
    return out


@settings(max_examples=examples(80), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 1)), max_size=40),
       st.integers(0, 32), st.integers(0, 32))
def test_km_matches_the_definition(obs: list[tuple[int, int]], a: int, b: int) -> None:
    times = [x for x, _ in obs]
    events = [e for _, e in obs]
    km = KaplanMeier(reversed(times), reversed(events))  # order does not matter
    e, d = min(a, b), max(a, b)
    s_e, s_d = naive_survival(times, events, e), naive_survival(times, events, d)
    assert km.survival(e) == s_e
    assert km.survival(e, exact=False) == pytest.approx(float(s_e), abs=1e-12)
    assert km.is_zero(e) == (s_e == 0)
    got = km.conditional(e, d)
    assert got == (None if s_e == 0 else s_d / s_e)
    median = km.median()
    event_times = sorted({x for x, ev in obs if ev})
    want = next((t for t in event_times if naive_survival(times, events, t) <= Fraction(1, 2)),
                None)
    assert median == want
    # conditional median after e: smallest event time t > e with S(t) / S(e) <= 1/2
    want_after = None if s_e == 0 else next(
        (t for t in event_times
         if t > e and naive_survival(times, events, t) <= s_e / 2), None)
    assert km.quantile_time(Fraction(1, 2), after=e) == want_after


class TestRiskReport:
    def test_textbook_probability(self) -> None:
        open_ = ticket("OPEN", cyc("resolution", "running", 6 * H, 10 * H), priority="P2")
        rep = risk_report([open_], as_of=AS_OF, history=textbook_history(),
                          min_observations=8, exact=True)
        (item,) = rep.cycles
        assert item.probability == Fraction(8, 15)
        assert item.stratum == {"metric": "resolution", "priority": "P2"}
        assert item.stratum_level == 0
        assert (item.observations, item.completions) == (8, 5)
        assert item.elapsed == 6 * H and item.remaining == 4 * H
        assert item.median_remaining == 6 * H  # 12 h - 6 h
        assert item.reasons == ("high_probability",)  # 8/15 >= 1/2
        # the float path agrees
        flt = risk_report([open_], as_of=AS_OF, history=textbook_history(),
                          min_observations=8).cycles[0]
        assert flt.probability == pytest.approx(8 / 15)
        assert flt.median_remaining == 6 * H
        # a threshold above 8/15: no reason
        calm = risk_report([open_], as_of=AS_OF, history=textbook_history(),
                           min_observations=8, high_probability="0.6")
        assert calm.at_risk == ()

    def test_fallback_to_coarser_strata(self) -> None:
        history = [*textbook_history("P2"), *textbook_history("P3")[:3]]
        opens = [
            ticket("A", cyc("resolution", "running", 6 * H, 10 * H), priority="P3"),
            ticket("B", cyc("response", "running", H, 2 * H), priority="P2"),
        ]
        rep = risk_report(opens, as_of=AS_OF, history=[*history, *textbook_history(
            "P1", "response")], min_observations=8, exact=True)
        by_id = {c.ticket_id: c for c in rep.cycles}
        # P3 has 3 observations: falls back to the metric (11 observations)
        a = by_id["A"]
        assert a.stratum == {"metric": "resolution"} and a.stratum_level == 1
        assert a.observations == 11
        # no P2 response history, but 8 response cycles in all: metric level
        km = KaplanMeier([*TIMES, 3, 5, 6], [*EVENTS, 1, 0, 1])
        assert a.probability == km.conditional(6, 10)
        b = by_id["B"]
        assert b.stratum == {"metric": "response"} and b.stratum_level == 1
        # no response completed before 3 h: S(2) / S(1) = 1
        assert b.probability == 1 and b.reasons == ("high_probability",)

    def test_everything_and_none(self) -> None:
        opens = [ticket("A", cyc("other", "running", H, 10 * H), priority="P2")]
        rep = risk_report(opens, as_of=AS_OF, history=textbook_history(), min_observations=8,
                          exact=True)
        item = rep.cycles[0]
        assert item.stratum == {} and item.stratum_level == 2
        assert item.probability == Fraction(7, 18)  # S(10) / S(1)
        rep = risk_report(opens, as_of=AS_OF, history=textbook_history(), min_observations=9)
        item = rep.cycles[0]
        assert item.probability is None and item.stratum is None and item.observations == 0

    def test_beyond_all_completions_falls_back(self) -> None:
        fine = [ticket(f"F{i}", cyc("resolution", "stopped", x * H, 20 * H), priority="P1")
                for i, x in enumerate([1, 2, 3])]
        opens = [ticket("A", cyc("resolution", "running", 4 * H, 10 * H), priority="P1")]
        rep = risk_report(opens, as_of=AS_OF, history=[*fine, *textbook_history()],
                          min_observations=3, exact=True)
        item = rep.cycles[0]
        # P1 curve is 0 from 3 h on: S(4) = 0, so the metric level (11 observations) is used
        assert item.stratum_level == 1
        km = KaplanMeier([1, 2, 3, *TIMES], [1, 1, 1, *EVENTS])
        assert item.probability == km.conditional(4, 10)

    def test_reasons_and_order(self) -> None:
        t0 = AS_OF - 10 * H
        opens = [
            ticket("LATE", cyc("resolution", "running", 12 * H, 10 * H,
                               due_at=AS_OF - 2 * H), priority="P2"),
            ticket("WARN", cyc("resolution", "paused", H, 10 * H, due_at=AS_OF + 30 * H,
                               warnings=(Warning(Fraction(1, 2), t0),)), priority="P2"),
            ticket("SOON", cyc("resolution", "running", 7 * H, 10 * H,
                               due_at=AS_OF + 3 * H), priority="P2"),
            ticket("CALM", cyc("resolution", "running", H, 10 * H, due_at=AS_OF + H),
                   priority="P2"),
            ticket("DONE", cyc("resolution", "stopped", H, 10 * H), priority="P2"),
        ]
        rep = risk_report(opens, as_of=AS_OF, history=textbook_history(), min_observations=8,
                          exact=True)
        assert [c.ticket_id for c in rep.cycles] == ["LATE", "CALM", "SOON", "WARN"]
        late, calm, soon, warn = rep.cycles
        assert late.probability == 1 and late.reasons == ("breached",)
        assert late.time_to_due == -2 * H
        assert calm.probability == Fraction(7, 18) and calm.reasons == ()
        # S(10)/S(7) = (7/18)/(7/12) = 2/3
        assert soon.probability == Fraction(2, 3) and soon.reasons == ("high_probability",)
        assert warn.warning_level == Fraction(1, 2) and warn.reasons == ("warning",)
        assert [c.ticket_id for c in rep.at_risk] == ["LATE", "SOON", "WARN"]
        rows = rep.rows(at_risk_only=True)
        assert rows[0]["reasons"] == "breached" and rows[0]["probability"] == 1.0
        assert rows[1]["stratum"] == "metric=resolution,priority=P2"
        assert rows[2]["warning_level"] == 0.5
        for row in rows:
            for value in row.values():
                assert value is None or isinstance(value, int | float | str | datetime)
        json.dumps(rep.model_dump(mode="json"))

    def test_history_defaults_to_results(self) -> None:
        data = [*textbook_history(), ticket("OPEN", cyc("resolution", "running", 6 * H,
                                                           10 * H), priority="P2")]
        rep = risk_report(data, as_of=AS_OF, min_observations=1, exact=True)
        # history = the 8 textbook cycles (one running) + OPEN censored at 6 h; a censoring
        # at 6 h does not change who is at risk after 6 h: still 8/15
        km = KaplanMeier([*TIMES, 6], [*EVENTS, 0])
        item = next(c for c in rep.cycles if c.ticket_id == "OPEN")
        assert item.probability == km.conditional(6, 10) == Fraction(8, 15)
        assert len(rep.cycles) == 2

    def test_as_of_must_match(self) -> None:
        stale = ticket("X", cyc("resolution", "running", H, 2 * H),
                       as_of=AS_OF - H, priority="P2")
        with pytest.raises(RiskError):
            risk_report([stale], as_of=AS_OF)
        with pytest.raises(RiskError):
            risk_report([], as_of=datetime(2026, 3, 1))
        with pytest.raises(RiskError):
            CompletionModel([], strata=())

    def test_model_can_be_reused(self) -> None:
        model = CompletionModel(textbook_history(), min_observations=8,
                                strata=[("priority",)])
        open_ = ticket("OPEN", cyc("resolution", "running", 6 * H, 10 * H), priority="P2")
        item = risk_report([open_], as_of=AS_OF, model=model, exact=True).cycles[0]
        assert item.probability == Fraction(8, 15) and item.stratum == {"priority": "P2"}


def test_from_evaluate() -> None:
    cal = BusinessCalendar("Europe/Berlin", hours={
        d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
    cals = {"business": cal, "apac-business": cal}
    pol = load_policy(Path(__file__).resolve().parents[2] / "examples" /
                      "standard-incident.yaml", calendars=cals)
    as_of = datetime(2026, 2, 3, 16, tzinfo=UTC)  # Tue 17:00 Berlin

    def at(day: int, hour: int) -> str:
        return datetime(2026, 2, day, hour, tzinfo=UTC).isoformat()

    def tk(tid: str, resolved: int | None) -> TicketSla:
        events: list[dict[str, Any]] = [
            {"type": "opened", "event_id": f"{tid}1", "ticket_id": tid, "at": at(2, 8),
             "fields": {"priority": "P2", "assignment_group": "desk"}},
            {"type": "agent_responded", "event_id": f"{tid}2", "ticket_id": tid,
             "at": at(2, 9)}]
        if resolved is not None:
            events.append({"type": "resolved", "event_id": f"{tid}3", "ticket_id": tid,
                           "at": at(2, resolved)})
        return evaluate(pol, events, calendars=cals, as_of=as_of)

    # history: resolved after 2, 4, 6 business hours (opened Mon 09:00 Berlin)
    results = [tk("R2", 10), tk("R4", 12), tk("R6", 14), tk("OPEN", None)]
    rep = risk_report(results, as_of=as_of, min_observations=1, exact=True,
                      metrics=["resolution"])
    (item,) = rep.cycles
    # OPEN: Mon 09-17 + Tue 09-17 Berlin = 16 h > 8 h target (P2): breached
    assert item.ticket_id == "OPEN" and item.elapsed == 16 * H and item.breached
    assert item.probability == 1
    assert item.reasons == ("breached", "warning")
    assert item.warning_level == Fraction(9, 10)
    assert item.stratum == {"metric": "resolution", "priority": "P2"}
    assert (item.observations, item.completions) == (4, 3)


@st.composite
def histories(draw: st.DrawFn) -> list[TicketSla]:
    out = []
    for i in range(draw(st.integers(1, 30))):
        state = draw(st.sampled_from(["stopped", "stopped", "cancelled", "running", "paused"]))
        out.append(ticket(
            f"T{i}",
            cyc(draw(st.sampled_from(["resolution", "response"])), state,
                draw(st.integers(0, 12)) * H, draw(st.sampled_from([2 * H, 6 * H, 10 * H])),
                due_at=AS_OF + draw(st.integers(-5, 5)) * H),
            priority=draw(st.sampled_from(["P1", "P2", None])),
        ))
    return out


@settings(max_examples=examples(50), deadline=None)
@given(histories(), st.integers(1, 6), st.randoms())
def test_risk_properties(data: list[TicketSla], min_obs: int, rnd: Any) -> None:
    exact = risk_report(data, as_of=AS_OF, min_observations=min_obs, exact=True)
    approx = risk_report(data, as_of=AS_OF, min_observations=min_obs)
    n_open = sum(1 for r in data for c in r.cycles() if c.state in ("running", "paused"))
    assert len(exact.cycles) == n_open
    dues = [c.due_at for c in exact.cycles]
    assert dues == sorted(dues)  # type: ignore[type-var]
    for e, a in zip(exact.cycles, approx.cycles, strict=True):
        assert (e.ticket_id, e.stratum, e.median_remaining) == (
            a.ticket_id, a.stratum, a.median_remaining)
        if e.probability is None:
            assert a.probability is None
        else:
            assert 0 <= e.probability <= 1
            assert float(e.probability) == pytest.approx(a.probability, abs=1e-9)
            assert e.stratum is None or e.observations >= min_obs
            assert e.stratum is not None or e.breached  # no history: only known breaches
        if e.breached:
            assert e.probability == 1 and e.reasons[0] == "breached"
    shuffled = list(data)
    rnd.shuffle(shuffled)
    assert risk_report(shuffled, as_of=AS_OF, min_observations=min_obs, exact=True) == exact
