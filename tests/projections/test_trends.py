"""Trends of volume and compliance with a seasonal baseline (``trend_report``).

Expected values are worked out by hand in the comments; the property tests check the
incremental projection against the batch function, the periods against
``compliance_report``, and the baselines against a brute force over real instants.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.policies import Cycle, TicketSla
from slacore.projections import (
    TrendError,
    TrendProjection,
    TrendRow,
    compliance_report,
    trend_report,
)
from slacore.testing.profiles import examples

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
ZERO = timedelta(0)


def cyc(metric: str, started: datetime, stopped: datetime | None = None, *,
        state: str | None = None, breached: bool = False, index: int = 0) -> Cycle:
    target = 4 * H
    elapsed = 5 * H if breached else 2 * H
    return Cycle(
        metric=metric, index=index, started_at=started, stopped_at=stopped,
        state=state or ("stopped" if stopped is not None else "running"),  # type: ignore[arg-type]
        end_reason=None, target=target, tier=0, calendar="business", elapsed=elapsed,
        paused=ZERO, excluded=ZERO, breached=breached,
        breached_at=started + target if breached else None, due_at=started + target,
        warnings=(), segments=(), start_event_id="e0",
        stop_event_id="e9" if stopped is not None else None,
    )


def ticket(tid: str, *cycles: Cycle, **fields: Any) -> TicketSla:
    metrics: dict[str, tuple[Cycle, ...]] = {}
    for c in cycles:
        metrics[c.metric] = (*metrics.get(c.metric, ()), c)
    return TicketSla(ticket_id=tid, policy_id="std", policy_version=1, as_of=None,
                     metrics=metrics, fields=dict(fields))


def t(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# Three Mondays: 2 March, 9 March, 16 March 2026 (UTC days, resolution cycles).
TICKETS = [
    ticket("A", cyc("resolution", t(3, 2, 10), t(3, 2, 12))),                     # met Mon 2
    ticket("B", cyc("resolution", t(3, 2, 11), t(3, 3, 9), breached=True)),       # breached Tue 3
    ticket("C", cyc("resolution", t(3, 9, 10), t(3, 9, 11))),                     # met Mon 9
    ticket("D", cyc("resolution", t(3, 9, 13))),                                  # running
    ticket("E", cyc("resolution", t(3, 9, 14), t(3, 9, 15), state="cancelled")),  # cancelled
    ticket("F", cyc("resolution", t(3, 16, 8), t(3, 16, 9))),                     # met Mon 16
    ticket("G", cyc("resolution", t(3, 16, 9), t(3, 16, 20), breached=True)),     # breached
    ticket("H", cyc("resolution", t(3, 16, 10))),
    ticket("I", cyc("resolution", t(3, 16, 11))),
]


def by_period(rows: tuple[TrendRow, ...]) -> dict[str, TrendRow]:
    return {r.period: r for r in rows}


def test_daily_trend_with_a_two_week_baseline() -> None:
    report = trend_report(TICKETS, unit="day", weeks=2)
    rows = by_period(report.periods)
    assert len(report.periods) == 15  # 2 March .. 16 March, empty days included
    assert report.periods[0].period == "2026-03-02" and report.periods[-1].period == "2026-03-16"
    mon2, tue3, mon9, tue10, mon16 = (rows[d] for d in (
        "2026-03-02", "2026-03-03", "2026-03-09", "2026-03-10", "2026-03-16"))
    # Mon 2: A and B start, A meets; nothing before it: no baseline.
    assert (mon2.started, mon2.met, mon2.breached, mon2.compliance) == (2, 1, 0, Fraction(1))
    assert (mon2.baseline_weeks, mon2.baseline_started, mon2.baseline_compliance,
            mon2.surge) == (0, None, None, False)
    assert (mon2.weekday, mon2.hour, mon2.group) == (0, None, {"metric": "resolution"})
    assert mon2.period_start == datetime(2026, 3, 2, tzinfo=UTC)
    assert mon2.period_end == datetime(2026, 3, 3, tzinfo=UTC)
    # Tue 3: B stops breached; compliance 0/1.
    assert (tue3.started, tue3.due, tue3.compliance) == (0, 1, Fraction(0))
    # Mon 9: C, D, E start (volume 3), only C is due and met.  Baseline: Mon 2 only
    # (23 Feb is before the data): 2 started, 1/1 met.  3 > 3/2 × 2 is false: no surge.
    assert (mon9.started, mon9.met, mon9.breached) == (3, 1, 0)
    assert (mon9.baseline_weeks, mon9.baseline_started, mon9.baseline_compliance) == (
        1, Fraction(2), Fraction(1))
    assert not mon9.surge
    # Tue 10: nothing; its baseline is Tue 3: 0 started, 0/1 met.
    assert (tue10.started, tue10.baseline_weeks, tue10.baseline_started,
            tue10.baseline_compliance) == (0, 1, Fraction(0), Fraction(0))
    # Mon 16: F, G, H, I start (4); F met, G breached: 1/2.  Baseline: Mon 9 and Mon 2:
    # (3 + 2) / 2 = 5/2 started, (1 + 1) / (1 + 1) = 1.  4 > 3/2 × 5/2 = 15/4: a surge.
    assert (mon16.started, mon16.compliance) == (4, Fraction(1, 2))
    assert (mon16.baseline_weeks, mon16.baseline_started, mon16.baseline_compliance) == (
        2, Fraction(5, 2), Fraction(1))
    assert mon16.surge and report.surges == (mon16,)
    # With a higher factor, no surge; with weeks=1 the baseline is Mon 9 alone.
    assert not trend_report(TICKETS, weeks=2, surge_factor=2).surges
    one = by_period(trend_report(TICKETS, weeks=1).periods)["2026-03-16"]
    assert (one.baseline_weeks, one.baseline_started, one.baseline_compliance) == (
        1, Fraction(3), Fraction(1))
    row = mon16.row()
    assert row["compliance_pct"] == 50.0 and row["baseline_started"] == 2.5
    assert row["metric"] == "resolution" and row["surge"] is True


def test_weekly_trend_and_a_requested_span() -> None:
    report = trend_report(TICKETS, unit="week", weeks=2)
    assert [r.period for r in report.periods] == ["2026-W10", "2026-W11", "2026-W12"]
    w10, w11, w12 = report.periods
    # W10: A, B start; A met, B breached (Tue 3).  W11: C, D, E; C met.  W12: F-I; F met,
    # G breached.  Baseline of W12: W11 and W10: (3 + 2) / 2 started, (1 + 1) / (1 + 2).
    assert (w10.started, w10.met, w10.breached) == (2, 1, 1)
    assert (w11.started, w11.met, w11.breached, w11.baseline_started) == (3, 1, 0,
                                                                          Fraction(2))
    assert (w12.baseline_weeks, w12.baseline_started, w12.baseline_compliance) == (
        2, Fraction(5, 2), Fraction(2, 3))
    # A span starting later still uses the earlier weeks for the baseline.
    later = trend_report(TICKETS, unit="week", weeks=2, start=t(3, 16, 0), end=t(3, 30, 0))
    assert [r.period for r in later.periods] == ["2026-W12", "2026-W13"]
    assert later.periods[0] == w12
    # W13: nothing; baseline W12 (4 started, 1/2) and W11 (3, 1/1): 7/2 and 2/3.
    w13 = later.periods[1]
    assert (w13.started, w13.baseline_started, w13.baseline_compliance) == (
        0, Fraction(7, 2), Fraction(2, 3))


def test_grouping_and_metric_filter() -> None:
    tickets = [
        ticket("A", cyc("resolution", t(3, 2, 10), t(3, 2, 12)),
               cyc("response", t(3, 2, 10), t(3, 2, 11)), priority="P1"),
        ticket("B", cyc("resolution", t(3, 2, 11)), priority="P2"),
    ]
    report = trend_report(tickets, group_by=("metric", "priority"))
    assert [(r.group["metric"], r.group["priority"], r.started) for r in report.periods] == [
        ("resolution", "P1", 1), ("resolution", "P2", 1), ("response", "P1", 1)]
    only = trend_report(tickets, group_by=("priority",), metrics=["response"])
    assert [(r.group, r.started, r.met) for r in only.periods] == [({"priority": "P1"}, 1, 1)]
    assert trend_report([]).periods == ()


def test_hours_across_the_spring_forward_gap() -> None:
    # Berlin skips 02:00-03:00 on 29 March 2026.  One cycle a week earlier at 01:30 local
    # (00:30 UTC), one on the day at 01:30 CET (00:30 UTC), one at 03:30 CEST (01:30 UTC).
    tickets = [
        ticket("A", cyc("resolution", datetime(2026, 3, 22, 0, 30, tzinfo=UTC))),
        ticket("B", cyc("resolution", datetime(2026, 3, 29, 0, 30, tzinfo=UTC))),
        ticket("C", cyc("resolution", datetime(2026, 3, 29, 1, 30, tzinfo=UTC))),
    ]
    report = trend_report(tickets, unit="hour", zone="Europe/Berlin", weeks=1,
                          start=datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN),
                          end=datetime(2026, 3, 29, 4, 0, tzinfo=BERLIN))
    assert [r.period for r in report.periods] == [
        "2026-03-29T00", "2026-03-29T01", "2026-03-29T03"]  # no 02 that day
    h0, h1, h3 = report.periods
    assert h1.period_start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert h1.period_end == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert h1.period_end.utcoffset() == 2 * H
    assert (h1.started, h1.baseline_weeks, h1.baseline_started) == (1, 1, Fraction(1))
    assert (h1.weekday, h1.hour) == (6, 1)
    assert (h3.started, h3.baseline_weeks, h3.baseline_started) == (1, 1, Fraction(0))
    assert h0.started == 0


def test_the_repeated_hour_of_the_fall_back_is_one_period_of_two_real_hours() -> None:
    tickets = [
        ticket("A", cyc("resolution", datetime(2026, 10, 25, 0, 30, tzinfo=UTC))),  # 02:30 CEST
        ticket("B", cyc("resolution", datetime(2026, 10, 25, 1, 30, tzinfo=UTC))),  # 02:30 CET
    ]
    [row] = trend_report(tickets, unit="hour", zone="Europe/Berlin").periods
    assert row.period == "2026-10-25T02" and row.started == 2
    # (subtract in UTC: two datetimes sharing one ZoneInfo subtract on the wall clock)
    assert row.period_end.astimezone(UTC) - row.period_start.astimezone(UTC) == 2 * H
    assert row.period_start.utcoffset() == 2 * H and row.period_end.utcoffset() == H


def test_bad_arguments_name_the_field() -> None:
    with pytest.raises(TrendError, match="unit"):
        trend_report([], unit="month")  # type: ignore[arg-type]
    with pytest.raises(TrendError, match="zone"):
        trend_report([], zone="Mars/Olympus")
    with pytest.raises(TrendError, match="weeks"):
        trend_report([], weeks=0)
    with pytest.raises(TrendError, match="group_by"):
        trend_report([], group_by=("started",))
    with pytest.raises(TrendError, match="start"):
        trend_report([], start=datetime(2026, 1, 1))
    with pytest.raises(TrendError, match="end"):
        trend_report([], start=t(3, 2), end=t(3, 1))
    with pytest.raises(TrendError, match="surge_factor"):
        trend_report([], surge_factor="-1")
    with pytest.raises(TrendError, match="ticket_id"):
        TrendProjection().update(TicketSla(None, "p", 1, None, {}))


# --------------------------------------------------------------------------- properties

BASE = datetime(2026, 3, 1, tzinfo=UTC)


@st.composite
def results(draw: st.DrawFn, n: int = 12) -> list[TicketSla]:
    out = []
    for i in range(draw(st.integers(0, n))):
        cycles = []
        for k, metric in enumerate(draw(st.lists(st.sampled_from(["response", "resolution"]),
                                                 min_size=1, max_size=3))):
            started = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))
            kind = draw(st.sampled_from(["met", "breached", "running", "cancelled"]))
            stopped = started + timedelta(minutes=draw(st.integers(0, 60 * 24 * 3)))
            if kind == "running":
                cycles.append(cyc(metric, started, index=k))
            elif kind == "cancelled":
                cycles.append(cyc(metric, started, stopped, state="cancelled", index=k))
            else:
                cycles.append(cyc(metric, started, stopped, breached=kind == "breached",
                                  index=k))
        out.append(ticket(f"T{i}", *cycles, priority=draw(st.sampled_from(["P1", "P2"]))))
    return out


@settings(max_examples=examples(40), deadline=None)
@given(data=st.data(), unit=st.sampled_from(["hour", "day", "week"]))
def test_incremental_equals_batch(data: Any, unit: str) -> None:
    first = data.draw(results())
    second = data.draw(results())
    proj = TrendProjection(unit=unit, zone="Europe/Berlin", group_by=("metric", "priority"),  # type: ignore[arg-type]
                           weeks=3)
    latest: dict[str, TicketSla] = {}
    for r in first + second:
        proj.update(r)
        latest[r.ticket_id or ""] = r
    for tid in data.draw(st.lists(st.sampled_from(sorted(latest) or ["none"]), max_size=4)):
        proj.remove(tid)
        latest.pop(tid, None)
    assert proj.report() == trend_report(list(reversed(latest.values())), unit=unit,  # type: ignore[arg-type]
                                         zone="Europe/Berlin",
                                         group_by=("metric", "priority"), weeks=3)


@settings(max_examples=examples(40), deadline=None)
@given(rs=results(), unit=st.sampled_from(["hour", "day", "week"]))
def test_periods_add_up_to_the_compliance_totals(rs: list[TicketSla], unit: str) -> None:
    report = trend_report(rs, unit=unit, zone="Europe/Berlin")  # type: ignore[arg-type]
    totals = compliance_report(rs, period="all", group_by=("metric",))
    for row in totals.groups:
        mine = [r for r in report.periods if r.group == row.group]
        assert sum(r.met for r in mine) == row.met
        assert sum(r.breached for r in mine) == row.breached
        assert sum(r.started for r in mine) == row.cycles
    assert sum(r.started for r in report.periods) == sum(len(r.cycles()) for r in rs)


@settings(max_examples=examples(40), deadline=None)
@given(rs=results(), weeks=st.integers(1, 4))
def test_daily_baselines_match_a_brute_force_over_instants(rs: list[TicketSla],
                                                            weeks: int) -> None:
    report = trend_report(rs, unit="day", zone="Europe/Berlin", group_by=(), weeks=weeks)
    cycles = [c for r in rs for c in r.cycles()]
    instants = [c.started_at for c in cycles] + [
        c.stopped_at for c in cycles if c.state == "stopped" and c.stopped_at is not None]
    if not instants:
        assert report.periods == ()
        return
    first_day = min(i.astimezone(BERLIN).date() for i in instants)

    def day_span(d: date) -> tuple[datetime, datetime]:
        nxt = d + timedelta(days=1)
        return (datetime(d.year, d.month, d.day, tzinfo=BERLIN),
                datetime(nxt.year, nxt.month, nxt.day, tzinfo=BERLIN))

    for row in report.periods:
        day = date.fromisoformat(row.period)
        assert (row.period_start, row.period_end) == day_span(day)
        shifted = [day - timedelta(days=7 * j) for j in range(1, weeks + 1)]
        shifted = [d for d in shifted if d >= first_day]
        started = met = due = 0
        for d in shifted:
            lo, hi = day_span(d)
            started += sum(1 for c in cycles if lo <= c.started_at < hi)
            for c in cycles:
                if c.state == "stopped" and c.stopped_at is not None and lo <= c.stopped_at < hi:
                    due += 1
                    met += not c.breached
        assert row.baseline_weeks == len(shifted)
        assert row.baseline_started == (Fraction(started, len(shifted)) if shifted else None)
        assert row.baseline_compliance == (Fraction(met, due) if due else None)
