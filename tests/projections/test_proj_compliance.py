"""Compliance per period and group (``slacore.projections.compliance_report``).

Expected values are worked out by hand in the comments; the property tests check that the
groups add up to the period rows and the total, and that input order does not matter.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.clock import BusinessCalendar
from slacore.loading import load_policy
from slacore.policies import Cycle, TicketSla, Warning, evaluate
from slacore.projections import (
    ComplianceError,
    ComplianceProjection,
    Period,
    compliance_report,
    nearest_rank,
)
from slacore.projections.compliance import floor_pct
from slacore.testing.profiles import examples

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)
ZERO = timedelta(0)


def cyc(
    metric: str,
    started: datetime,
    stopped: datetime | None,
    state: str,
    elapsed: timedelta,
    target: timedelta,
    *,
    index: int = 0,
    warnings: tuple[Warning, ...] = (),
    due_at: datetime | None = None,
) -> Cycle:
    return Cycle(
        metric=metric, index=index, started_at=started, stopped_at=stopped,
        state=state,  # type: ignore[arg-type]
        end_reason=None, target=target, tier=0, calendar="business", elapsed=elapsed,
        paused=ZERO, excluded=ZERO, breached=elapsed > target,
        breached_at=started + target if elapsed > target else None,
        due_at=due_at if due_at is not None else started + target,
        warnings=warnings, segments=(), start_event_id="e0",
        stop_event_id="e9" if stopped is not None else None,
    )


def ticket(tid: str, *cycles: Cycle, as_of: datetime | None = None, **fields: Any) -> TicketSla:
    metrics: dict[str, tuple[Cycle, ...]] = {}
    for c in cycles:
        metrics.setdefault(c.metric, ())
        metrics[c.metric] += (c,)
    return TicketSla(ticket_id=tid, policy_id="std", policy_version=1, as_of=as_of,
                     metrics=metrics, fields=dict(fields))


def t(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


AS_OF = t(2, 20)

# Resolution targets: P1 4 h, P2 8 h.  Response target 1 h.
DATA = [
    # Jan, P1: met (3 h), breached (6 h: 2 h over)
    ticket("A", cyc("resolution", t(1, 5), t(1, 5, 15), "stopped", 3 * H, 4 * H),
           cyc("response", t(1, 5), t(1, 5, 12, 30), "stopped", 30 * M, H),
           priority="P1", service="mail"),
    ticket("B", cyc("resolution", t(1, 6), t(1, 7), "stopped", 6 * H, 4 * H),
           cyc("response", t(1, 6), t(1, 6, 14), "stopped", 2 * H, H),
           priority="P1", service="web"),
    # stopped 2026-01-31 23:30 UTC = 2026-02-01 00:30 Berlin: January in UTC, February in
    # Berlin.  P2, met (8 h: exactly the target).
    ticket("C", cyc("resolution", t(1, 30), datetime(2026, 1, 31, 23, 30, tzinfo=UTC),
                    "stopped", 8 * H, 8 * H),
           priority="P2", service="mail"),
    # Feb, P2: breached by 90 min; cancelled; running (past target); paused (not past)
    ticket("D", cyc("resolution", t(2, 2), t(2, 4), "stopped", 9 * H + 30 * M, 8 * H),
           priority="P2", service="web"),
    ticket("E", cyc("resolution", t(2, 3), t(2, 3, 13), "cancelled", H, 8 * H),
           priority="P2", service="web"),
    ticket("F", cyc("resolution", t(2, 10), None, "running", 10 * H, 8 * H),
           as_of=AS_OF, priority="P2", service="mail"),
    ticket("G", cyc("resolution", t(1, 28), None, "paused", 2 * H, 8 * H),
           as_of=AS_OF, priority="P1", service="mail"),
]


def by_key(report: Any) -> dict[tuple[Any, ...], Any]:
    return {(r.period, *r.group.values()): r for r in report.groups}


class TestHandComputed:
    def test_month_utc_by_metric_and_priority(self) -> None:
        rep = compliance_report(DATA, group_by=("metric", "priority"))
        rows = by_key(rep)
        assert sorted(rows) == [
            ("2026-01", "resolution", "P1"),
            ("2026-01", "resolution", "P2"),
            ("2026-01", "response", "P1"),
            ("2026-02", "resolution", "P1"),
            ("2026-02", "resolution", "P2"),
        ]
        r = rows[("2026-01", "resolution", "P1")]
        assert (r.cycles, r.met, r.breached, r.due) == (2, 1, 1, 2)
        assert r.compliance == Fraction(1, 2)
        assert r.compliance_pct == Decimal("50.00")
        assert r.total_breach == 2 * H  # 6 h - 4 h
        # nearest rank over [3 h, 6 h]: p50 rank ceil(1) = 1 -> 3 h; p90 rank ceil(1.8) = 2
        assert r.percentiles == {"p50": 3 * H, "p90": 6 * H, "p95": 6 * H}
        r = rows[("2026-01", "resolution", "P2")]  # C, met at exactly the target
        assert (r.met, r.breached, r.compliance) == (1, 0, Fraction(1))
        assert r.total_breach == ZERO
        r = rows[("2026-01", "response", "P1")]  # 30 min met, 2 h breached by 1 h
        assert (r.met, r.breached, r.total_breach) == (1, 1, H)
        # February: G paused as of Feb 20 (attributed to the period of as_of)
        r = rows[("2026-02", "resolution", "P1")]
        assert (r.cycles, r.running, r.running_breached, r.due) == (1, 1, 0, 0)
        assert r.compliance is None and r.compliance_pct is None
        assert r.percentiles == {"p50": None, "p90": None, "p95": None}
        r = rows[("2026-02", "resolution", "P2")]  # D breached 1.5 h, E cancelled, F running
        assert (r.cycles, r.met, r.breached, r.cancelled, r.running, r.running_breached) == (
            3, 0, 1, 1, 1, 1)
        assert r.compliance == 0 and r.total_breach == 90 * M
        assert r.percentiles["p50"] == 9 * H + 30 * M
        # the period rows and the total
        jan, feb = rep.periods
        assert (jan.period, jan.met, jan.breached, jan.total_breach) == ("2026-01", 3, 2, 3 * H)
        assert jan.compliance == Fraction(3, 5)
        assert jan.period_start == t(1, 1, 0) and jan.period_end == t(2, 1, 0)
        assert (feb.met, feb.breached, feb.cancelled, feb.running) == (0, 1, 1, 2)
        tot = rep.total
        assert (tot.cycles, tot.met, tot.breached, tot.cancelled, tot.running) == (9, 3, 3, 1, 2)
        assert tot.compliance == Fraction(1, 2)
        # due elapsed: 30m, 2h, 3h, 6h, 8h, 9h30 -> p50 rank 3 = 3 h; p90 rank ceil(5.4) = 6
        assert tot.percentiles == {"p50": 3 * H, "p90": 9 * H + 30 * M, "p95": 9 * H + 30 * M}
        assert tot.total_breach == 2 * H + H + 90 * M

    def test_zone_moves_the_month_boundary(self) -> None:
        rep = compliance_report(DATA, group_by=("metric", "priority"), zone="Europe/Berlin")
        rows = by_key(rep)
        assert ("2026-01", "resolution", "P2") not in rows
        r = rows[("2026-02", "resolution", "P2")]
        assert (r.met, r.breached, r.compliance) == (1, 1, Fraction(1, 2))
        assert rep.periods[0].period_start == datetime(2026, 1, 1, tzinfo=BERLIN)

    def test_by_opened(self) -> None:
        rep = compliance_report(DATA, group_by=("priority",), by="opened",
                                metrics=["resolution"])
        rows = by_key(rep)
        # G (paused, opened Jan 28) and C (opened Jan 30) now count in January
        jan_p1 = rows[("2026-01", "P1")]
        assert (jan_p1.met, jan_p1.breached, jan_p1.running) == (1, 1, 1)
        jan_p2 = rows[("2026-01", "P2")]
        assert (jan_p2.met, jan_p2.cycles) == (1, 1)
        assert rows[("2026-02", "P2")].cycles == 3

    def test_iso_weeks(self) -> None:
        rep = compliance_report(DATA, group_by=(), period="week", metrics=["resolution"])
        keys = [r.period for r in rep.periods]
        # Jan 5 / 7 -> W02; Jan 31 -> W05; Feb 4 -> W06; Feb 3 -> W06; Feb 20 -> W08
        assert keys == ["2026-W02", "2026-W05", "2026-W06", "2026-W08"]
        w2 = rep.periods[0]
        assert w2.period_start == datetime(2026, 1, 5, tzinfo=UTC)
        assert w2.period_end == datetime(2026, 1, 12, tzinfo=UTC)
        assert (w2.met, w2.breached) == (1, 1)

    def test_custom_ranges_may_overlap(self) -> None:
        ranges = [("first-half", t(1, 1, 0), t(1, 16, 0)),
                  Period("january", t(1, 1, 0), t(2, 1, 0))]
        rep = compliance_report(DATA, group_by=(), period=ranges, metrics=["resolution"])
        assert rep.unit == "custom"
        first, jan = rep.periods
        assert (first.period, first.met, first.breached) == ("first-half", 1, 1)
        assert (jan.period, jan.met, jan.breached) == ("january", 2, 1)
        # cycles outside every range (February) are left out
        assert rep.total.cycles == 5

    def test_all_in_one_period_and_other_keys(self) -> None:
        rep = compliance_report(DATA, group_by=("service", "policy_id"), period="all")
        rows = by_key(rep)
        assert sorted(rows) == [("all", "mail", "std"), ("all", "web", "std")]
        mail = rows[("all", "mail", "std")]
        # A (met, met response), C (met), F (running), G (paused)
        assert (mail.met, mail.breached, mail.running) == (3, 0, 2)
        assert rep.total.period_start is None

    def test_missing_field_groups_as_none_last(self) -> None:
        data = [*DATA, ticket("Z", cyc("resolution", t(1, 5), t(1, 5, 13), "stopped", H, H))]
        rep = compliance_report(data, group_by=("priority",), period="all")
        assert [r.group["priority"] for r in rep.groups] == ["P1", "P2", None]


class TestRows:
    def test_plain_scalars(self) -> None:
        rows = compliance_report(DATA, group_by=("metric", "priority")).rows()
        assert len(rows) == 5
        first = rows[0]
        assert list(first)[:5] == ["period", "period_start", "period_end", "metric", "priority"]
        assert first["compliance_pct"] == 50.0
        assert first["p50_elapsed_seconds"] == 3 * 3600
        assert first["total_breach_seconds"] == 7200
        for row in rows:
            for value in row.values():
                assert value is None or isinstance(value, int | float | str | datetime)
        json.dumps(rows, default=str)

    def test_pandas_frame(self) -> None:
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame(compliance_report(DATA, group_by=("metric",)).rows())
        assert frame["due"].sum() == 6

    def test_report_serialises(self) -> None:
        rep = compliance_report(DATA, group_by=("metric",))
        data = rep.model_dump(mode="json")
        assert data["total"]["compliance"] == "1/2"
        json.dumps(data)


class TestHelpers:
    def test_nearest_rank(self) -> None:
        values = list(range(1, 11))
        assert nearest_rank(values, Fraction(50)) == 5
        assert nearest_rank(values, Fraction(90)) == 9
        assert nearest_rank(values, Fraction(95)) == 10
        assert nearest_rank(values, Fraction(100)) == 10
        assert nearest_rank(values, Fraction(1, 1000)) == 1
        assert nearest_rank([7], Fraction(50)) == 7
        assert nearest_rank([], Fraction(50)) is None
        # 20 values: p95 rank = 19 exactly
        assert nearest_rank(list(range(20)), Fraction(95)) == 18

    def test_floor_pct(self) -> None:
        assert floor_pct(Fraction(2, 3)) == Decimal("66.66")
        assert floor_pct(Fraction(19999, 20000)) == Decimal("99.99")
        assert floor_pct(Fraction(1)) == Decimal("100.00")
        assert floor_pct(Fraction(0)) == Decimal("0.00")
        assert str(floor_pct(Fraction(1, 8))) == "12.50"
        assert floor_pct(None) is None

    def test_custom_percentiles(self) -> None:
        rep = compliance_report(DATA, group_by=(), period="all", percentiles=(75, "99.9"))
        assert set(rep.total.percentiles) == {"p75", "p99.9"}
        assert rep.total.percentiles["p75"] == 8 * H  # rank ceil(4.5) = 5 of 6

    @pytest.mark.parametrize("kwargs", [
        {"group_by": ("met",)},
        {"group_by": ("priority", "priority")},
        {"percentiles": (0,)},
        {"percentiles": (101,)},
        {"period": "fortnight"},
        {"by": "closed"},
        {"period": [("x", datetime(2026, 1, 1), t(2, 1))]},
    ])
    def test_errors(self, kwargs: dict[str, Any]) -> None:
        with pytest.raises(ComplianceError):
            compliance_report(DATA, **kwargs)


# --------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------

STATES = ("stopped", "stopped", "stopped", "cancelled", "running", "paused")


@st.composite
def results(draw: st.DrawFn) -> list[TicketSla]:
    n = draw(st.integers(0, 25))
    out = []
    for i in range(n):
        cycles = []
        for metric in draw(st.lists(st.sampled_from(["resolution", "response"]),
                                    min_size=1, max_size=2, unique=True)):
            for k in range(draw(st.integers(1, 2))):
                start = t(1, 1, 0) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 90)))
                state = draw(st.sampled_from(STATES))
                elapsed = draw(st.integers(0, 20)) * H
                target = draw(st.sampled_from([H, 4 * H, 8 * H]))
                stopped = (start + timedelta(minutes=draw(st.integers(0, 60 * 24 * 20)))
                           if state in ("stopped", "cancelled") else None)
                cycles.append(cyc(metric, start, stopped, state, elapsed, target, index=k))
        out.append(ticket(
            f"T{i}", *cycles, as_of=t(4, 15),
            priority=draw(st.sampled_from(["P1", "P2", "P3", None])),
            service=draw(st.sampled_from(["mail", "web"])),
        ))
    return out


COUNTS = ("cycles", "met", "breached", "cancelled", "running", "running_breached")


def totals(rows: Any) -> tuple[Any, ...]:
    return (*(sum(getattr(r, k) for r in rows) for k in COUNTS),
            sum((r.total_breach for r in rows), ZERO))


@settings(max_examples=examples(60), deadline=None)
@given(results(), st.sampled_from([("metric",), ("metric", "priority"), ("service",), ()]),
       st.sampled_from(["month", "week", "all"]), st.sampled_from(["stopped", "opened"]),
       st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]), st.randoms())
def test_groups_add_up_and_order_does_not_matter(
    data: list[TicketSla], group_by: tuple[str, ...], unit: Any, by: Any, zone: str,
    rnd: random.Random,
) -> None:
    rep = compliance_report(data, group_by=group_by, period=unit, by=by, zone=zone)
    n_cycles = sum(len(r.cycles()) for r in data)
    assert rep.total.cycles == n_cycles
    assert totals(rep.groups) == totals(rep.periods) == totals([rep.total])
    for per in rep.periods:
        assert totals([g for g in rep.groups if g.period == per.period]) == totals([per])
        for g in rep.groups:
            if g.period == per.period and g.period_start is not None:
                assert per.period_start == g.period_start
    # the ungrouped report has the same period rows, percentiles included
    flat = compliance_report(data, group_by=(), period=unit, by=by, zone=zone)
    assert flat.periods == rep.periods
    assert flat.total == rep.total
    for row in rep.groups:
        if row.due:
            assert row.compliance == Fraction(row.met, row.due)
            assert row.percentiles["p50"] is not None
            p = row.percentiles
            assert p["p50"] <= p["p90"] <= p["p95"]  # type: ignore[operator]
    shuffled = list(data)
    rnd.shuffle(shuffled)
    assert compliance_report(shuffled, group_by=group_by, period=unit, by=by, zone=zone) == rep


@settings(max_examples=examples(60), deadline=None)
@given(results(), st.lists(st.integers(0, 7), max_size=30), st.lists(st.integers(0, 7)),
       st.sampled_from([("metric",), ("metric", "priority"), ()]),
       st.sampled_from(["month", "week"]), st.sampled_from(["stopped", "opened"]))
def test_incremental_equals_batch(
    data: list[TicketSla], ids: list[int], removed: list[int], group_by: tuple[str, ...],
    unit: Any, by: Any,
) -> None:
    # successive versions of a few tickets: each update replaces the ticket's previous one
    versions = [TicketSla(ticket_id=f"K{i}", policy_id=r.policy_id, policy_version=1,
                          as_of=r.as_of, metrics=r.metrics, fields=r.fields)
                for r, i in zip(data, ids, strict=False)]
    proj = ComplianceProjection(group_by=group_by, period=unit, by=by)
    latest: dict[str, TicketSla] = {}
    for version in versions:
        proj.update(version)
        assert version.ticket_id is not None
        latest[version.ticket_id] = version
    for i in removed:
        proj.remove(f"K{i}")
        latest.pop(f"K{i}", None)
    want = compliance_report(list(latest.values()), group_by=group_by, period=unit, by=by)
    assert proj.report() == want
    for tid in list(latest):
        proj.remove(tid)
    assert proj.accs == {} and proj.report().total.cycles == 0


def test_update_needs_a_ticket_id() -> None:
    proj = ComplianceProjection()
    with pytest.raises(ComplianceError):
        proj.update(TicketSla(ticket_id=None, policy_id="p", policy_version=1, as_of=None,
                              metrics={}))


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=1, max_size=50),
       st.fractions(min_value=Fraction(1, 100), max_value=100))
def test_nearest_rank_definition(values: list[int], p: Fraction) -> None:
    values.sort()
    got = nearest_rank(values, p)
    assert got is not None
    # the smallest observed value with at least p % of the values at or below it
    ok = [v for v in values if 100 * sum(1 for w in values if w <= v) >= p * len(values)]
    assert got == min(ok)


# --------------------------------------------------------------------------------------
# through evaluate
# --------------------------------------------------------------------------------------


def test_from_evaluate() -> None:
    cal = BusinessCalendar("Europe/Berlin", hours={
        d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
    cals = {"business": cal, "apac-business": cal}
    from pathlib import Path

    pol = load_policy(Path(__file__).resolve().parents[2] / "examples" /
                      "standard-incident.yaml", calendars=cals)

    def b(day: int, hour: int) -> str:
        return datetime(2026, 2, day, hour, tzinfo=BERLIN).isoformat()

    def tk(tid: str, prio: str, resolved_at: str) -> TicketSla:
        return evaluate(pol, [
            {"type": "opened", "event_id": f"{tid}1", "ticket_id": tid, "at": b(2, 9),
             "fields": {"priority": prio, "assignment_group": "desk"}},
            {"type": "resolved", "event_id": f"{tid}2", "ticket_id": tid, "at": resolved_at},
        ], calendars=cals)

    # P2: 8 business hours.  X resolved Mon 16:00 (7 h, met), Y Tue 12:00 (8 h + 3 h, breached
    # by 3 h).  Response (4 h for P2) stops at resolved too: X 7 h breached 3 h, Y 11 h, 7 h.
    rep = compliance_report([tk("X", "P2", b(2, 16)), tk("Y", "P2", b(3, 12))],
                            group_by=("metric", "priority"), zone="Europe/Berlin")
    rows = by_key(rep)
    res = rows[("2026-02", "resolution", "P2")]
    assert (res.met, res.breached, res.total_breach) == (1, 1, 3 * H)
    assert res.percentiles["p50"] == 7 * H
    resp = rows[("2026-02", "response", "P2")]
    assert (resp.met, resp.breached, resp.total_breach) == (0, 2, 3 * H + 7 * H)
