"""OLA/UC scorecards (``slacore.projections.holder_scorecard``) and holder timelines.

Calendar ``business``: Mon–Fri 09:00–17:00 UTC; the week of Mon 2026-03-02.  Policy: the
parent ``resolution`` (start opened, stop resolved, reopen resume, 8 h) and two OLA clocks
that run only while their group holds the ticket: ``ola_desk`` (2 h) and ``ola_net`` (6 h).

T1: opened Mon 09:00 (desk); to net Mon 10:00; status wip Mon 11:00 (net acknowledges after
    1 h); back to desk Mon 15:00; resolved Tue 11:00 (desk acknowledges by resolving, after
    Mon 15–17 + Tue 09–11 = 4 h).
    resolution: Mon 8 h + Tue 2 h = 10 h > 8 h, breached; 8 h are reached at Mon 17:00, a
    close, so ``breached_at`` is the next opening, Tue 09:00, when desk held it.
    Attribution: desk Mon 09–10 1 h + Mon 15–17 2 h + Tue 09–11 2 h = 5 h; net Mon 10–15
    5 h; 5 + 5 = 10.  ola_desk 5 h > 2 h breached; ola_net 5 h <= 6 h met.
    Held: desk 1 h + 4 h (two stints), net 5 h (one stint).  Fix: desk, not reopened.
T2: opened Tue 09:00 (net); resolved Tue 12:00; reopened Wed 09:00; to desk Wed 10:00;
    resolved Wed 13:00 (desk acknowledges after 3 h).
    resolution: Tue 3 h + Wed 4 h = 7 h, met.  Attribution: net 3 + 1 = 4 h, desk 3 h.
    ola_net 4 h met; ola_desk 3 h breached.  Held: net 3 h + 1 h (two stints), desk 3 h.
    Fixes: net (reopened Wed 09:00), desk (held).

Totals (ack target 2 h):
    desk: OLA 0/2 met; held 8 h in 3 stints; hand-offs in 2 (T1 Mon 15:00, T2 Wed 10:00),
          out 1; acks 4 h + 3 h = 7 h, both late: 0/2; fixes 2, reopened 0; parent 5 + 3 =
          8 h of 17 h, 1 breach (T1), breached share 5 h.
    net:  OLA 2/2 met; held 5 + 4 = 9 h in 3 stints; in 1, out 2; ack 1 h in time: 1/1;
          fixes 1, reopened 1; parent 5 + 4 = 9 h, 0 breaches, breached share 5 h.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.clock import BusinessCalendar
from slacore.policies import evaluate, parse_policy
from slacore.projections import (
    HolderScorecardProjection,
    ScorecardError,
    holder_metrics,
    holder_scorecard,
    holdings,
)
from slacore.testing.profiles import examples
from slacore.testing.sla_strategies import sla_cases, ticket_lives

UTC = timezone.utc
H = timedelta(hours=1)
ZERO = timedelta(0)
CAL = BusinessCalendar("UTC", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu",
                                                                    "fri")})
CALS = {"business": CAL}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def clock(target: str, **extra: Any) -> dict[str, Any]:
    return {"start": {"on": ["opened"]}, "stop": {"on": ["resolved"]}, "reopen": "resume",
            "targets": [{"target": target}], **extra}


POLICY = parse_policy({
    "id": "std", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
    "calendar": "business",
    "metrics": {
        "resolution": clock("8h"),
        "ola_desk": clock("2h", run_only_when={"assignment_group": ["desk"]}),
        "ola_net": clock("6h", run_only_when={"assignment_group": "net"}),
        "ola_both": clock("6h", run_only_when={"assignment_group": ["desk", "net"]}),
    },
}, calendars=CALS)


def ev(tid: str, n: int, kind: str, when: datetime, **payload: Any) -> dict[str, Any]:
    return {"type": kind, "event_id": f"{tid}-{n}", "ticket_id": tid, "at": when.isoformat(),
            **payload}


TICKETS: dict[str, list[dict[str, Any]]] = {
    "T1": [
        ev("T1", 0, "opened", at(2, 9), fields={"assignment_group": "desk", "status": "new"}),
        ev("T1", 1, "updated", at(2, 10), changes={"assignment_group": "net"}),
        ev("T1", 2, "updated", at(2, 11), changes={"status": "wip"}),
        ev("T1", 3, "updated", at(2, 15), changes={"assignment_group": "desk"}),
        ev("T1", 4, "resolved", at(3, 11)),
    ],
    "T2": [
        ev("T2", 0, "opened", at(3, 9), fields={"assignment_group": "net", "status": "new"}),
        ev("T2", 1, "resolved", at(3, 12)),
        ev("T2", 2, "reopened", at(4, 9)),
        ev("T2", 3, "updated", at(4, 10), changes={"assignment_group": "desk"}),
        ev("T2", 4, "resolved", at(4, 13)),
    ],
}
OLA = {"ola_desk": "desk", "ola_net": "net"}


def results() -> list[Any]:
    return [evaluate(POLICY, evs, calendars=CALS) for evs in TICKETS.values()]


def holds() -> list[Any]:
    return [holdings(evs) for evs in TICKETS.values()]


# --------------------------------------------------------------------------- holders


def test_holder_metrics_finds_clocks_that_run_only_for_one_holder() -> None:
    assert holder_metrics(POLICY) == OLA  # ola_both names two groups: not one holder's
    assert holder_metrics(POLICY, "vendor") == {}


def test_holdings_of_t1() -> None:
    h = holdings(TICKETS["T1"])
    assert h.ticket_id == "T1" and h.end == at(3, 11)
    assert [(s.holder, s.start, s.end, s.event_id) for s in h.stints] == [
        ("desk", at(2, 9), at(2, 10), "T1-0"),
        ("net", at(2, 10), at(2, 15), "T1-1"),
        ("desk", at(2, 15), at(3, 11), "T1-3"),
    ]
    assert [(t.source, t.target, t.acknowledged_at, t.ack_event_id) for t in h.transfers] == [
        ("desk", "net", at(2, 11), "T1-2"),
        ("net", "desk", at(3, 11), "T1-4"),
    ]
    assert [(f.holder, f.at, f.reopened_at) for f in h.fixes] == [("desk", at(3, 11), None)]
    assert h.holder_at(at(2, 9, 59)) == "desk"
    assert h.holder_at(at(2, 10)) == "net"  # after the event at that instant
    assert h.holder_at(at(1, 0)) is None


def test_holdings_of_t2_resolved_ticket_is_held_by_nobody() -> None:
    h = holdings(TICKETS["T2"])
    assert [(s.holder, s.start, s.end) for s in h.stints] == [
        ("net", at(3, 9), at(3, 12)),
        ("net", at(4, 9), at(4, 10)),
        ("desk", at(4, 10), at(4, 13)),
    ]
    assert [(f.holder, f.reopened_at, f.reopen_event_id) for f in h.fixes] == [
        ("net", at(4, 9), "T2-2"), ("desk", None, None)]


def test_holdings_as_of_cuts_the_open_stint() -> None:
    h = holdings(TICKETS["T1"], as_of=at(2, 12))
    assert [(s.holder, s.start, s.end) for s in h.stints] == [
        ("desk", at(2, 9), at(2, 10)), ("net", at(2, 10), at(2, 12))]
    assert h.fixes == () and h.end == at(2, 12)


def test_vendor_holder_from_attributes_and_unassigned_transfers() -> None:
    evs = [
        ev("V", 0, "opened", at(2, 9), fields={"attributes": {"supplier": "acme"}}),
        ev("V", 1, "updated", at(2, 10), changes={"attributes": {"supplier": None}}),
        ev("V", 2, "updated", at(2, 11), changes={"attributes": {"supplier": "telco"}}),
        ev("V", 3, "agent_responded", at(2, 12)),
        ev("V", 4, "closed", at(2, 13)),
    ]
    h = holdings(evs, field="attributes.supplier")
    assert [(s.holder, s.start, s.end) for s in h.stints] == [
        ("acme", at(2, 9), at(2, 10)), ("telco", at(2, 11), at(2, 13))]
    assert [(t.source, t.target, t.acknowledged_at) for t in h.transfers] == [
        ("acme", None, None), (None, "telco", at(2, 12))]
    assert h.fixes == ()  # closed, not resolved


def test_attribution_of_the_parent_clock() -> None:
    r1, r2 = results()
    h1, h2 = holds()
    (c1,) = r1.metrics["resolution"]
    assert c1.elapsed == 10 * H and c1.breached and c1.breached_at == at(3, 9)
    assert h1.attribute(c1) == {"desk": 5 * H, "net": 5 * H}
    (c2,) = r2.metrics["resolution"]
    assert c2.elapsed == 7 * H and not c2.breached
    assert h2.attribute(c2) == {"net": 4 * H, "desk": 3 * H}
    assert h1.holder_at(c1.breached_at) == "desk"


# --------------------------------------------------------------------------- the scorecard


def scorecard(**kw: Any) -> Any:
    args: dict[str, Any] = {"metrics": OLA, "parent": "resolution", "calendar": CAL,
                            "ack_target": 2 * H, **kw}
    return holder_scorecard(results(), holds(), **args)


def test_ola_scorecard_hand_computed() -> None:
    card = scorecard()
    desk = card.row_of("desk")
    net = card.row_of("net")
    assert desk is not None and net is not None
    assert (desk.cycles, desk.met, desk.breached, desk.compliance) == (2, 0, 2, Fraction(0))
    assert (net.cycles, net.met, net.breached, net.compliance) == (2, 2, 0, Fraction(1))
    assert (desk.held, desk.stints, net.held, net.stints) == (8 * H, 3, 9 * H, 3)
    assert (desk.handoffs_in, desk.handoffs_out, net.handoffs_in, net.handoffs_out) == (
        2, 1, 1, 2)
    assert (desk.acks, desk.ack_time, desk.acks_judged, desk.acks_in_time) == (2, 7 * H, 2, 0)
    assert desk.responsiveness == 0 and net.responsiveness == 1
    assert (net.acks, net.ack_time, net.acks_judged, net.acks_in_time) == (1, H, 1, 1)
    assert (desk.fixes, desk.fixes_reopened, desk.reopen_rate) == (2, 0, 0)
    assert (net.fixes, net.fixes_reopened, net.reopen_rate) == (1, 1, 1)
    assert (desk.parent_cycles, desk.parent_elapsed, desk.parent_breaches,
            desk.parent_breached_elapsed) == (2, 8 * H, 1, 5 * H)
    assert (net.parent_cycles, net.parent_elapsed, net.parent_breaches,
            net.parent_breached_elapsed) == (2, 9 * H, 0, 5 * H)
    assert desk.parent_share == Fraction(8, 17) and net.parent_share == Fraction(9, 17)
    assert card.parent_elapsed == {"2026-03": 17 * H, "all": 17 * H}
    assert [r.holder for r in card.rows] == ["desk", "net"]  # one month: one row each
    assert card.table()[0]["held_seconds"] == 8 * 3600
    assert card.table()[0]["parent_share_pct"] == 47.05  # 8/17 = 47.0588 %, rounded down


def test_trend_per_day_splits_time_held_at_midnight() -> None:
    card = scorecard(period="day")
    desk = {r.period: r for r in card.trend("desk")}
    # T1 desk: Mon 09–10 and Mon 15–17, then Tue 09–11; T2 desk: Wed 10–13.
    assert {p: r.held for p, r in desk.items()} == {
        "2026-03-02": 3 * H, "2026-03-03": 2 * H, "2026-03-04": 3 * H}
    # stints count in the period they start in; hand-offs at their instant
    assert {p: r.stints for p, r in desk.items()} == {
        "2026-03-02": 2, "2026-03-03": 0, "2026-03-04": 1}
    assert {p: r.handoffs_in for p, r in desk.items()} == {
        "2026-03-02": 1, "2026-03-03": 0, "2026-03-04": 1}
    # parent figures go to the day the parent cycle stopped: T1 Tue, T2 Wed
    assert desk["2026-03-03"].parent_elapsed == 5 * H
    assert desk["2026-03-04"].parent_elapsed == 3 * H
    assert card.parent_elapsed == {"2026-03-02": ZERO, "2026-03-03": 10 * H,
                                   "2026-03-04": 7 * H, "all": 17 * H}
    net = {r.period: r for r in card.trend("net")}
    assert {p: r.held for p, r in net.items()} == {
        "2026-03-02": 5 * H, "2026-03-03": 3 * H, "2026-03-04": H}
    # the OLA cycles: ola_net of T1 stops Tue, of T2 Wed
    assert net["2026-03-03"].met == 1 and net["2026-03-04"].met == 1


def test_unassigned_share_is_reported_under_none() -> None:
    evs = [ev("U", 0, "opened", at(2, 9), fields={"status": "new"}),
           ev("U", 1, "updated", at(2, 11), changes={"assignment_group": "desk"}),
           ev("U", 2, "resolved", at(2, 12))]
    result = evaluate(POLICY, evs, calendars=CALS)
    card = holder_scorecard([result], [holdings(evs)], parent="resolution", calendar=CAL)
    none = card.row_of(None)
    desk = card.row_of("desk")
    assert none is not None and desk is not None
    assert (none.parent_elapsed, desk.parent_elapsed) == (2 * H, H)
    assert desk.handoffs_in == 1 and none.handoffs_out == 0  # nobody hands off from nobody
    assert card.parent_elapsed["all"] == 3 * H


def test_ack_not_given_is_judged_late_only_after_the_target() -> None:
    evs = [ev("A", 0, "opened", at(2, 9), fields={"assignment_group": "desk"}),
           ev("A", 1, "updated", at(2, 16), changes={"assignment_group": "net"})]
    # held by net without acknowledgement: 1 h of business time at Mon 17:00 (not judged),
    # 3 h at Tue 11:00 (late).
    early = holder_scorecard([], [holdings(evs, as_of=at(2, 17))], calendar=CAL,
                             ack_target=2 * H).row_of("net")
    late = holder_scorecard([], [holdings(evs, as_of=at(3, 11))], calendar=CAL,
                            ack_target=2 * H).row_of("net")
    assert early is not None and late is not None
    assert (early.acks, early.acks_judged, early.responsiveness) == (0, 0, None)
    assert (late.acks, late.acks_judged, late.acks_in_time, late.responsiveness) == (
        0, 1, 0, Fraction(0))
    assert late.held == 3 * H


def test_errors() -> None:
    with pytest.raises(ScorecardError, match="by must be"):
        holder_scorecard([], [], by="closed")  # type: ignore[arg-type]
    with pytest.raises(ScorecardError, match="ack_target"):
        holder_scorecard([], [], ack_target=-H)
    with pytest.raises(ScorecardError, match="parent 'ola_desk' is also"):
        holder_scorecard([], [], metrics=OLA, parent="ola_desk")
    with pytest.raises(ScorecardError, match="needs its holdings"):
        holder_scorecard(results(), [], parent="resolution")
    with pytest.raises(ScorecardError, match="on field 'assignment_group'"):
        holder_scorecard(results()[:1], [holdings(TICKETS["T1"])], field="vendor")
    with pytest.raises(ScorecardError, match="two holdings"):
        holder_scorecard([], [holdings(TICKETS["T1"])] * 2)
    with pytest.raises(ScorecardError, match="unknown period unit"):
        holder_scorecard([], [], period="fortnight")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties


@settings(max_examples=examples(60), deadline=None)
@given(sla_cases())
def test_attribution_sums_to_the_parent_elapsed(case: Any) -> None:
    result = evaluate(case.policy, case.events, calendars=case.calendars,
                      services=case.services)
    h = holdings(case.events)
    for cycles in result.metrics.values():
        for cycle in cycles:
            shares = h.attribute(cycle)
            assert sum(shares.values(), ZERO) == cycle.elapsed
            assert all(v > ZERO for v in shares.values())


def held_clock_policy(group: str) -> Any:
    return parse_policy({
        "id": "held", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
        "calendar": "always",
        "metrics": {"held": {
            "start": {"on": ["opened", "reopened"]},
            "stop": {"on": ["resolved", "closed", "cancelled"]},
            "reopen": "new_cycle",
            "run_only_when": {"assignment_group": [group]},
            "targets": [{"target": "1h"}],
        }},
    })


@settings(max_examples=examples(60), deadline=None)
@given(ticket_lives(), st.sampled_from(["desk", "network", "apac-net"]))
def test_time_held_equals_a_clock_that_runs_only_while_the_group_holds(
        events: list[dict[str, Any]], group: str) -> None:
    """The policy language can express an OLA clock; the stints are that clock (24×7)."""
    result = evaluate(held_clock_policy(group), events, calendars={})
    clocked = sum((c.elapsed for c in result.metrics.get("held", ())), ZERO)
    h = holdings(events)
    held = sum((s.end - s.start for s in h.stints if s.holder == group), ZERO)
    assert held == clocked


@st.composite
def ticket_sets(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    n = draw(st.integers(1, 4))
    return [draw(ticket_lives(ticket_id=f"T{i}")) for i in range(n)]


@settings(max_examples=examples(30), deadline=None)
@given(ticket_sets(), st.randoms(use_true_random=False),
       st.sampled_from(["day", "week", "all"]))
def test_incremental_equals_batch(tickets: list[list[dict[str, Any]]], rnd: random.Random,
                                  unit: str) -> None:
    cals = {"business": CAL, "apac": CAL}
    policy = parse_policy({
        "id": "p", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
        "calendar": "business",
        "metrics": {"resolution": clock("3h"),
                    "ola_net": clock("2h", run_only_when={"assignment_group": ["network"]})},
    }, calendars=cals)
    args: dict[str, Any] = {"metrics": holder_metrics(policy), "parent": "resolution",
                            "period": unit, "calendar": CAL, "ack_target": H}
    latest: dict[str, tuple[Any, Any]] = {}
    proj = HolderScorecardProjection(**args)
    steps = []
    for evs in tickets:  # feed growing prefixes of each history, interleaved
        for k in range(1, len(evs) + 1):
            steps.append(evs[:k])
    rnd.shuffle(steps)
    for prefix in steps:
        tid = prefix[0]["ticket_id"]
        pair = (evaluate(policy, prefix, calendars=cals), holdings(prefix))
        proj.update(*pair)
        latest[tid] = pair
        if rnd.random() < 0.1:
            proj.remove(tid)
            del latest[tid]
    batch = holder_scorecard([p[0] for p in latest.values()], [p[1] for p in latest.values()],
                             **args)
    assert proj.report() == batch
    for row in batch.holders:
        assert row.parent_share is None or 0 <= row.parent_share <= 1
    shares = sum((r.parent_elapsed for r in batch.holders), ZERO)
    assert shares == batch.parent_elapsed["all"]
    for key, total in batch.parent_elapsed.items():
        if key != "all":
            assert sum((r.parent_elapsed for r in batch.rows if r.period == key), ZERO) == total
