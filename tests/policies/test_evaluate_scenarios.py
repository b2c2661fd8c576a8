"""Hand-computed scenarios for ``slacore.policies.evaluate`` (docs/evaluation.md).

Every expected value was worked out by hand from docs/evaluation.md, DESIGN.md §3–5 and
docs/clock.md, never by running the evaluator first; the working is in the comment next
to it.  Every result built here also goes through ``check_invariants``: the segments tile
each cycle's span, ``elapsed`` is the sum of the counted segments, ``paused`` / ``excluded``
are the business time inside the paused / excluded segments, and the derived numbers agree.

Default calendar ``business``: Mon–Fri 09:00–17:00 Europe/Berlin, in the holiday-free
week of Mon 2026-02-02 (CET = UTC+1 all month, no DST change):

    Mon 02  Tue 03  Wed 04  Thu 05  Fri 06  Sat 07  Sun 08  Mon 09  Tue 10

Instants are compared as instants (converted to UTC): the contract does not fix the zone
results are shown in.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest

from slacore.clock import BusinessCalendar
from slacore.events import parse_events
from slacore.policies import Cycle, Policy, TicketSla, evaluate, parse_policy, resolve_calendars

UTC = timezone.utc
H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)
US = timedelta(microseconds=1)
ZERO = timedelta(0)

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
KOLKATA = ZoneInfo("Asia/Kolkata")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

# day numbers in February 2026
MON, TUE, WED, THU, FRI, SAT, SUN, MON2, TUE2 = 2, 3, 4, 5, 6, 7, 8, 9, 10


def weekly(ranges: list[str]) -> dict[str, list[str]]:
    return {d: list(ranges) for d in WEEKDAYS}


BUSINESS = BusinessCalendar("Europe/Berlin", hours=weekly(["09:00-17:00"]))
# Tokyo 09:00–17:00 (UTC+9) = Berlin 01:00–09:00 (UTC+1): it never overlaps BUSINESS.
APAC = BusinessCalendar("Asia/Tokyo", hours=weekly(["09:00-17:00"]))
CALS: dict[str, BusinessCalendar] = {"business": BUSINESS, "apac": APAC}
CALENDAR_IDS = ("business", "apac", "frappe", "snow", "erpnext")


def b(day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    """Berlin wall time on 2026-02-``day``."""
    return datetime(2026, 2, day, hour, minute, second, micro, tzinfo=BERLIN)


def u(value: datetime) -> datetime:
    return value.astimezone(UTC)


# --------------------------------------------------------------------------------------
# building blocks
# --------------------------------------------------------------------------------------


def policy(metrics: Mapping[str, Any], **extra: Any) -> Policy:
    data = {
        "id": "test",
        "version": 1,
        "effective_from": "2026-01-01T00:00:00Z",
        "calendar": "business",
        "metrics": metrics,
        **extra,
    }
    return parse_policy(data, calendars=CALENDAR_IDS)


def metric(**fields: Any) -> dict[str, Any]:
    """A resolution-like metric: starts on opened, stops on resolved, 8 h by default."""
    out: dict[str, Any] = {
        "start": {"on": ["opened"]},
        "stop": {"on": ["resolved"]},
        "targets": [{"target": "8h"}],
    }
    out.update(fields)
    return out


def opened(eid: str, at: datetime, seq: int | None = None, **fields: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {"type": "opened", "event_id": eid, "ticket_id": "T1", "at": at,
                          "fields": fields}
    if seq is not None:
        ev["seq"] = seq
    return ev


def updated(eid: str, at: datetime, seq: int | None = None, **changes: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {"type": "updated", "event_id": eid, "ticket_id": "T1", "at": at,
                          "changes": changes}
    if seq is not None:
        ev["seq"] = seq
    return ev


def ev(kind: str, eid: str, at: datetime, seq: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind, "event_id": eid, "ticket_id": "T1", "at": at}
    if seq is not None:
        out["seq"] = seq
    return out


def maintenance(
    eid: str, service: str, start: datetime, end: datetime, *, at: datetime | None = None,
    mid: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "maintenance_scheduled", "event_id": eid, "service_id": service,
        "at": at if at is not None else datetime(2026, 1, 30, 12, tzinfo=BERLIN),
        "start": start, "end": end,
    }
    if mid is not None:
        out["maintenance_id"] = mid
    return out


def _at(event: Any) -> datetime:
    return event["at"] if isinstance(event, Mapping) else event.at


def _is_ticket_event(event: Any) -> bool:
    return "ticket_id" in event if isinstance(event, Mapping) else hasattr(event, "ticket_id")


def check_invariants(
    result: TicketSla,
    pol: Policy,
    events: Sequence[Any],
    cals: Mapping[str, BusinessCalendar],
    as_of: datetime | None,
) -> None:
    """The contract's invariants, for every cycle of every metric of ``result``."""
    known = resolve_calendars(pol, cals)
    ticket_ats = [u(_at(e)) for e in events if _is_ticket_event(e)]
    if as_of is not None:
        ticket_ats = [t for t in ticket_ats if t <= u(as_of)]
    default_end = u(as_of) if as_of is not None else (max(ticket_ats) if ticket_ats else None)
    json.dumps(result.to_dict())  # JSON-able
    assert len(result.rows()) == len(result.cycles())
    for mid, cycles in result.metrics.items():
        for cycle in cycles:
            where = f"{mid}[{cycle.index}]"
            if cycle.state in ("stopped", "cancelled"):
                assert cycle.stopped_at is not None, where
                end = u(cycle.stopped_at)
            else:
                assert cycle.state in ("running", "paused"), where
                assert cycle.stopped_at is None, where
                assert default_end is not None
                end = default_end
            start = u(cycle.started_at)
            assert start <= end, where
            segs = cycle.segments
            # tiling: consecutive, non-empty, from started_at to the end of the span
            if not segs:
                assert start == end, f"{where}: no segments for a non-empty span"
            else:
                assert u(segs[0].start) == start, where
                assert u(segs[-1].end) == end, where
                for s in segs:
                    assert u(s.start) < u(s.end), f"{where}: empty segment {s}"
                    assert s.kind in ("counted", "paused", "excluded", "closed"), where
                for s1, s2 in itertools.pairwise(segs):
                    assert u(s1.end) == u(s2.start), f"{where}: gap or overlap {s1} {s2}"
                    assert (s1.kind, s1.reason, s1.event_id, s1.calendar) != (
                        s2.kind, s2.reason, s2.event_id, s2.calendar
                    ), f"{where}: touching segments with the same label not merged"
            counted = sum((u(s.end) - u(s.start) for s in segs if s.kind == "counted"), ZERO)
            assert cycle.elapsed == counted, f"{where}: elapsed != sum of counted segments"
            for s in segs:
                cal = known[s.calendar]
                real = u(s.end) - u(s.start)
                if s.kind == "counted":
                    assert cal.elapsed(s.start, s.end) == real, f"{where}: {s} not all open"
                elif s.kind == "closed":
                    assert cal.elapsed(s.start, s.end) == ZERO, f"{where}: {s} not all closed"
            for kind, total in (("paused", cycle.paused), ("excluded", cycle.excluded)):
                business = sum(
                    (known[s.calendar].elapsed(s.start, s.end) for s in segs if s.kind == kind),
                    ZERO,
                )
                assert total == business, f"{where}: {kind} != business time in {kind} segments"
            # the numbers
            assert cycle.breached == (cycle.elapsed > cycle.target), where
            assert (cycle.breached_at is not None) == cycle.breached, where
            assert cycle.remaining == max(cycle.target - cycle.elapsed, ZERO), where
            if cycle.state == "stopped":
                assert cycle.met is (cycle.elapsed <= cycle.target), where
            else:
                assert cycle.met is None, where
            thresholds = [w.threshold for w in cycle.warnings]
            assert thresholds == sorted(thresholds), where
            for w in cycle.warnings:
                assert start <= u(w.at) <= end, where


def run(
    pol: Policy,
    events: Sequence[Any],
    *,
    cals: Mapping[str, BusinessCalendar] = CALS,
    services: Iterable[Any] = (),
    as_of: datetime | None = None,
) -> TicketSla:
    services = list(services)
    result = evaluate(pol, events, calendars=cals, services=services, as_of=as_of)
    check_invariants(result, pol, events, cals, as_of)
    return result


def only(result: TicketSla, metric_id: str = "m") -> Cycle:
    cycles = result.metrics[metric_id]
    assert len(cycles) == 1, cycles
    return cycles[0]


def same(got: datetime | None, want: datetime | None) -> None:
    if want is None:
        assert got is None
    else:
        assert got is not None
        assert u(got) == u(want), f"got {got.isoformat()}, want {u(want).isoformat()}"


def shape(cycle: Cycle) -> list[tuple[datetime, datetime, str]]:
    return [(u(s.start), u(s.end), s.kind) for s in cycle.segments]


def spans(*items: tuple[datetime, datetime, str]) -> list[tuple[datetime, datetime, str]]:
    return [(u(a), u(z), k) for a, z, k in items]


# --------------------------------------------------------------------------------------
# pause / resume across a weekend
# --------------------------------------------------------------------------------------

PAUSING = policy({"m": metric(pause={"status": ["awaiting_customer"]}, targets=[
    {"target": "20h"}])})
WEEKEND = [
    opened("e1", b(THU, 10), status="new"),
    updated("e2", b(FRI, 15), status="awaiting_customer"),
    updated("e3", b(MON2, 11), status="in_progress"),
    ev("resolved", "e4", b(MON2, 14)),
]


class TestPauseAcrossWeekend:
    def test_final(self) -> None:
        c = only(run(PAUSING, WEEKEND))
        # counted Thu 10-17 (7 h) + Fri 09-15 (6 h) + Mon 11-14 (3 h) = 16 h
        assert c.elapsed == 16 * H
        # paused segment Fri 15:00 -> Mon 11:00: 68 h of real time but only
        # Fri 15-17 (2 h) + Mon 09-11 (2 h) = 4 h of business time
        assert c.paused == 4 * H
        assert c.excluded == ZERO
        assert shape(c) == spans(
            (b(THU, 10), b(THU, 17), "counted"),
            (b(THU, 17), b(FRI, 9), "closed"),
            (b(FRI, 9), b(FRI, 15), "counted"),
            (b(FRI, 15), b(MON2, 11), "paused"),
            (b(MON2, 11), b(MON2, 14), "counted"),
        )
        paused = c.segments[3]
        assert u(paused.end) - u(paused.start) == 68 * H
        assert paused.event_id == "e2"
        assert c.state == "stopped" and c.met is True and not c.breached
        same(c.stopped_at, b(MON2, 14))
        assert c.stop_event_id == "e4" and c.start_event_id == "e1"
        assert c.target == 20 * H and c.remaining == 4 * H
        assert c.percent == Decimal("80.00")  # 16 / 20
        # not reached: projected from Mon 14:00: 3 h to the close + 1 h Tue -> Tue 10:00
        same(c.due_at, b(TUE2, 10))

    def test_paused_on_saturday(self) -> None:
        c = only(run(PAUSING, WEEKEND, as_of=b(SAT, 12)))
        assert c.state == "paused"
        assert c.stopped_at is None
        assert c.elapsed == 13 * H  # Thu 7 h + Fri 6 h
        assert c.paused == 2 * H  # Fri 15-17
        assert shape(c)[-1] == (u(b(FRI, 15)), u(b(SAT, 12)), "paused")
        # 7 h left, projected from Sat 12:00 as if counting: Mon 09:00 + 7 h = Mon 16:00
        same(c.due_at, b(MON2, 16))

    def test_due_moves_while_paused(self) -> None:
        c = only(run(PAUSING, WEEKEND, as_of=b(MON2, 10)))
        assert c.state == "paused"
        assert c.elapsed == 13 * H
        assert c.paused == 3 * H  # Fri 15-17 + Mon 09-10
        # 7 h from Mon 10:00 -> Mon 17:00 (the close: the earliest such instant)
        same(c.due_at, b(MON2, 17))


# --------------------------------------------------------------------------------------
# priority changed mid-ticket under each on_target_change
# --------------------------------------------------------------------------------------

TIERS = [
    {"when": {"priority": ["P1"]}, "target": "2h"},
    {"when": {"priority": ["P2"]}, "target": "4h"},
    {"target": "8h"},
]


def tiered(mode: str) -> Policy:
    return policy({"m": metric(targets=TIERS, on_target_change=mode)})


RAISE_P2 = [
    opened("e1", b(MON, 9), priority="P3"),
    updated("e2", b(MON, 11), priority="P2"),
    ev("resolved", "e3", b(MON, 14)),
]
RAISE_P1_EXCEEDED = [
    opened("e1", b(MON, 9), priority="P3"),
    updated("e2", b(MON, 13), priority="P1"),
    ev("resolved", "e3", b(MON, 15)),
]
CHANGE_WHILE_CLOSED = [
    opened("e1", b(MON, 9), priority="P3"),
    updated("e2", b(MON, 20), priority="P2"),
]

# Disagreements between docs/evaluation.md and the evaluator (reported to the lead).


class TestTargetChange:
    def test_recalculate(self) -> None:
        c = only(run(tiered("recalculate"), RAISE_P2))
        # one cycle 09-14 = 5 h against the new 4 h target (elapsed carries over)
        assert c.elapsed == 5 * H
        assert c.target == 4 * H and c.tier == 1 and c.calendar == "business"
        assert c.breached and c.met is False
        # 4 h reached inside the counted span at 13:00
        same(c.breached_at, b(MON, 13))
        same(c.due_at, b(MON, 13))
        assert c.percent == Decimal("125.00")

    def test_keep(self) -> None:
        c = only(run(tiered("keep"), RAISE_P2))
        # the tier chosen at the start (P3, 8 h) stays
        assert c.elapsed == 5 * H
        assert c.target == 8 * H and c.tier == 2
        assert not c.breached and c.met is True
        same(c.breached_at, None)
        same(c.due_at, b(MON, 17))  # 3 h left from 14:00

    def test_restart(self) -> None:
        cycles = run(tiered("restart"), RAISE_P2).metrics["m"]
        assert len(cycles) == 2
        first, second = cycles
        # first: 09-11 under P3, cancelled at the change
        assert first.state == "cancelled"
        assert first.end_reason is not None and first.end_reason.startswith("restarted")
        same(first.started_at, b(MON, 9))
        same(first.stopped_at, b(MON, 11))
        assert first.elapsed == 2 * H and first.target == 8 * H and first.tier == 2
        assert not first.breached and first.met is None
        same(first.due_at, b(MON, 17))  # 6 h left from 11:00
        # second: new cycle at the change, 11-14 = 3 h against 4 h
        assert second.state == "stopped"
        same(second.started_at, b(MON, 11))
        same(second.stopped_at, b(MON, 14))
        assert second.start_event_id == "e2"
        assert second.elapsed == 3 * H and second.target == 4 * H and second.tier == 1
        assert second.met is True
        same(second.due_at, b(MON, 15))

    def test_recalculate_already_exceeded(self) -> None:
        c = only(run(tiered("recalculate"), RAISE_P1_EXCEEDED))
        # 09-15 = 6 h against 2 h; at the change (13:00) 4 h had elapsed > 2 h:
        # breached_at is the instant of the change
        assert c.elapsed == 6 * H and c.target == 2 * H and c.tier == 0
        assert c.breached
        same(c.breached_at, b(MON, 13))
        assert c.percent == Decimal("300.00")

    def test_recalculate_already_exceeded_due_at(self) -> None:
        c = only(run(tiered("recalculate"), RAISE_P1_EXCEEDED))
        # due_at is "the instant elapsed reaches the target" (the 2 h in force at the
        # end); elapsed reached 2 h at 11:00 (09:00 + 2 h, all counted).  Only breached_at
        # has the "instant of the change" rule for a lowered target.
        same(c.due_at, b(MON, 11))

    def test_recalculate_already_exceeded_warnings(self) -> None:
        pol = policy({"m": metric(targets=TIERS, on_target_change="recalculate",
                                  warn_at=[0.5, 0.75, 0.9])})
        c = only(run(pol, RAISE_P1_EXCEEDED))
        # Warnings are raised as it happens, against the target in force: under P3 (8 h)
        # the 4 h elapsed by 13:00 is exactly 0.5 of it -> 0.5 crossed at 13:00 (09:00 +
        # 4 h); at 13:00 the target drops to 2 h with 4 h elapsed, so 0.75 and 0.9
        # (1 h 30 m, 1 h 48 m) are crossed at that instant.
        assert [(w.threshold, u(w.at)) for w in c.warnings] == [
            (Fraction(1, 2), u(b(MON, 13))),
            (Fraction(3, 4), u(b(MON, 13))),
            (Fraction(9, 10), u(b(MON, 13))),
        ]

    def test_keep_already_exceeded(self) -> None:
        c = only(run(tiered("keep"), RAISE_P1_EXCEEDED))
        assert c.elapsed == 6 * H and c.target == 8 * H and c.met is True
        same(c.due_at, b(MON, 17))  # 2 h left from 15:00

    def test_restart_already_exceeded(self) -> None:
        first, second = run(tiered("restart"), RAISE_P1_EXCEEDED).metrics["m"]
        assert first.state == "cancelled" and first.elapsed == 4 * H
        assert not first.breached  # 4 h <= 8 h
        # 13-15 = 2 h against 2 h: met exactly, reached at the stop
        assert second.elapsed == 2 * H and second.target == 2 * H
        assert second.met is True and not second.breached
        same(second.breached_at, None)
        same(second.due_at, b(MON, 15))

    def test_recalculate_change_while_closed(self) -> None:
        c = only(run(tiered("recalculate"), CHANGE_WHILE_CLOSED, as_of=b(TUE, 10)))
        # Mon 09-17 = 8 h (exactly P3's target, not exceeded) + Tue 09-10 = 9 h;
        # at Mon 20:00 the target drops to 4 h, already exceeded -> breached_at Mon 20:00
        assert c.state == "running"
        assert c.elapsed == 9 * H and c.target == 4 * H
        same(c.breached_at, b(MON, 20))

    def test_recalculate_change_while_closed_due_at(self) -> None:
        c = only(run(tiered("recalculate"), CHANGE_WHILE_CLOSED, as_of=b(TUE, 10)))
        # the final target is 4 h; elapsed reached 4 h at Mon 13:00
        same(c.due_at, b(MON, 13))

    def test_touching_closed_segments_merge_across_an_event(self) -> None:
        c = only(run(tiered("recalculate"), CHANGE_WHILE_CLOSED, as_of=b(TUE, 10)))
        # the event at Mon 20:00 changes nothing the segments show: Mon 17:00-Tue 09:00 is
        # one closed segment ("touching segments with the same label merge")
        assert shape(c) == spans(
            (b(MON, 9), b(MON, 17), "counted"),
            (b(MON, 17), b(TUE, 9), "closed"),
            (b(TUE, 9), b(TUE, 10), "counted"),
        )

    def test_recalculate_lowered_priority_unbreaches(self) -> None:
        events = [
            opened("e1", b(MON, 9), priority="P2"),
            updated("e2", b(MON, 14), priority="P3"),
        ]
        c = only(run(tiered("recalculate"), events, as_of=b(MON, 16)))
        # 7 h against the final 8 h: above 4 h for a while, but not at the end
        assert c.elapsed == 7 * H and c.target == 8 * H
        assert not c.breached
        same(c.breached_at, None)
        same(c.due_at, b(MON, 17))


# --------------------------------------------------------------------------------------
# reopen
# --------------------------------------------------------------------------------------

REOPENED = [
    opened("e1", b(MON, 9)),
    ev("resolved", "e2", b(MON, 12)),
    ev("reopened", "e3", b(TUE, 10)),
    ev("resolved", "e4", b(TUE, 13)),
]


class TestReopen:
    def test_resume(self) -> None:
        c = only(run(policy({"m": metric(reopen="resume")}), REOPENED))
        # Mon 09-12 (3 h) + Tue 10-13 (3 h) = 6 h, one cycle
        assert c.elapsed == 6 * H
        same(c.started_at, b(MON, 9))
        same(c.stopped_at, b(TUE, 13))
        assert c.state == "stopped" and c.stop_event_id == "e4"
        # the stretch from the stop to the reopen is ONE paused segment (paused wins over
        # closed): Mon 12-17 (5 h) + Tue 09-10 (1 h) = 6 h of business time
        assert shape(c) == spans(
            (b(MON, 9), b(MON, 12), "counted"),
            (b(MON, 12), b(TUE, 10), "paused"),
            (b(TUE, 10), b(TUE, 13), "counted"),
        )
        gap = c.segments[1]
        assert gap.event_id == "e2"
        assert "resolved" in gap.reason and "reopened" in gap.reason
        assert c.paused == 6 * H
        assert c.met is True
        same(c.due_at, b(TUE, 15))  # 2 h left from 13:00

    def test_resume_before_the_reopen(self) -> None:
        c = only(run(policy({"m": metric(reopen="resume")}), REOPENED, as_of=b(MON, 15)))
        assert c.state == "stopped" and c.elapsed == 3 * H
        same(c.stopped_at, b(MON, 12))

    def test_new_cycle(self) -> None:
        cycles = run(policy({"m": metric(reopen="new_cycle")}), REOPENED).metrics["m"]
        assert len(cycles) == 2
        first, second = cycles
        same(first.started_at, b(MON, 9))
        same(first.stopped_at, b(MON, 12))
        assert first.elapsed == 3 * H and first.state == "stopped"
        same(second.started_at, b(TUE, 10))
        same(second.stopped_at, b(TUE, 13))
        assert second.start_event_id == "e3"
        assert second.elapsed == 3 * H and second.state == "stopped"
        assert second.paused == ZERO
        assert [c.index for c in cycles] == [0, 1]

    @pytest.mark.parametrize("mode", ["resume", "new_cycle"])
    def test_response_stopped_by_agent_is_not_resumed(self, mode: str) -> None:
        pol = policy({"m": metric(stop={"on": ["agent_responded", "resolved"]}, reopen=mode,
                                  targets=[{"target": "4h"}])})
        events = [
            opened("e1", b(MON, 9)),
            ev("agent_responded", "e2", b(MON, 10)),
            ev("resolved", "e3", b(MON, 12)),
            ev("reopened", "e4", b(TUE, 10)),
            ev("resolved", "e5", b(TUE, 11)),
        ]
        c = only(run(pol, events))
        # stopped by agent_responded: the reopen leaves it stopped (and opened is the only
        # start), so one cycle 09-10 = 1 h
        assert c.state == "stopped" and c.stop_event_id == "e2"
        same(c.stopped_at, b(MON, 10))
        assert c.elapsed == H

    def test_response_stopped_by_resolved_is_resumed(self) -> None:
        pol = policy({"m": metric(stop={"on": ["agent_responded", "resolved"]}, reopen="resume",
                                  targets=[{"target": "4h"}])})
        events = [
            opened("e1", b(MON, 9)),
            ev("resolved", "e2", b(MON, 11)),
            ev("reopened", "e3", b(MON, 14)),
            ev("agent_responded", "e4", b(MON, 15)),
        ]
        c = only(run(pol, events))
        # 09-11 (2 h) + 14-15 (1 h); 11-14 paused (stopped by resolved until reopened)
        assert c.elapsed == 3 * H and c.paused == 3 * H
        assert c.stop_event_id == "e4"
        assert shape(c) == spans(
            (b(MON, 9), b(MON, 11), "counted"),
            (b(MON, 11), b(MON, 14), "paused"),
            (b(MON, 14), b(MON, 15), "counted"),
        )


# --------------------------------------------------------------------------------------
# same-timestamp events
# --------------------------------------------------------------------------------------

RESPONSE = policy({"m": metric(stop={"on": ["agent_responded", "resolved"]},
                               targets=[{"target": "4h"}])})


class TestSameInstant:
    @pytest.mark.parametrize("reverse", [False, True])
    def test_opened_and_responded_together(self, reverse: bool) -> None:
        events = [opened("e1", b(MON, 10)), ev("agent_responded", "e0", b(MON, 10))]
        if reverse:
            events.reverse()
        c = only(run(RESPONSE, events))
        # type rank: opened before agent_responded (whatever the ids and the arrival
        # order) -> a zero-length cycle, met
        assert c.state == "stopped"
        same(c.started_at, b(MON, 10))
        same(c.stopped_at, b(MON, 10))
        assert c.elapsed == ZERO and c.segments == ()
        assert c.met is True and c.percent == Decimal("0.00") and c.remaining == 4 * H
        same(c.due_at, b(MON, 14))  # projected from 10:00

    def test_seq_beats_event_id(self) -> None:
        pol = policy({"m": metric(pause={"status": ["awaiting_customer"]})})
        # at 11:00, two updates; by event_id "a-progress" would come first and the
        # ticket would end up waiting; by seq "b-waiting" (2) comes before "a-progress" (3)
        events = [
            opened("e1", b(MON, 9), seq=1, status="new"),
            updated("b-waiting", b(MON, 11), seq=2, status="awaiting_customer"),
            updated("a-progress", b(MON, 11), seq=3, status="in_progress"),
        ]
        c = only(run(pol, events, as_of=b(MON, 13)))
        assert c.state == "running" and c.elapsed == 4 * H and c.paused == ZERO
        # without seq: by event_id, a-progress then b-waiting -> paused from 11:00
        no_seq = [{k: v for k, v in e.items() if k != "seq"} for e in events]
        c = only(run(pol, no_seq, as_of=b(MON, 13)))
        assert c.state == "paused" and c.elapsed == 2 * H and c.paused == 2 * H

    def test_seq_beats_type_rank(self) -> None:
        pol = policy({"m": metric(reopen="resume")})
        # no seq: resolved (rank 4) before reopened (rank 5) -> stopped and resumed at
        # once: the clock runs on, 09-15 = 6 h
        events = [
            opened("e1", b(MON, 9)),
            ev("resolved", "e2", b(MON, 12)),
            ev("reopened", "e3", b(MON, 12)),
        ]
        c = only(run(pol, events, as_of=b(MON, 15)))
        assert c.state == "running" and c.stopped_at is None and c.elapsed == 6 * H
        # seq puts the reopen first (a no-op on a running cycle), then the resolve stops it
        events = [
            opened("e1", b(MON, 9), seq=1),
            ev("resolved", "e2", b(MON, 12), seq=3),
            ev("reopened", "e3", b(MON, 12), seq=2),
        ]
        c = only(run(pol, events, as_of=b(MON, 15)))
        assert c.state == "stopped" and c.elapsed == 3 * H
        same(c.stopped_at, b(MON, 12))

    def test_type_rank_beats_event_id(self) -> None:
        pol = policy({"m": metric(cancel={"on": ["cancelled"]})})
        # "a-cancel" sorts before "z-resolve" by id, but resolved (rank 4) comes before
        # cancelled (rank 6): the cycle is stopped, the cancel finds nothing running
        events = [
            opened("e1", b(MON, 9)),
            ev("cancelled", "a-cancel", b(MON, 11)),
            ev("resolved", "z-resolve", b(MON, 11)),
        ]
        c = only(run(pol, events))
        assert c.state == "stopped" and c.stop_event_id == "z-resolve"
        assert c.elapsed == 2 * H


# --------------------------------------------------------------------------------------
# follow-the-sun
# --------------------------------------------------------------------------------------


class TestFollowTheSun:
    POLICY = policy(
        {"m": metric(targets=[{"when": {"priority": ["P1"]}, "target": "4h",
                               "calendar": "always"}, {"target": "8h"}])},
        calendar_by_group={"apac-net": "apac"},
    )

    def test_switch_by_assignment_group(self) -> None:
        events = [
            opened("e1", b(MON, 14), priority="P3", assignment_group="desk"),
            updated("e2", b(MON, 16), assignment_group="apac-net"),
            updated("e3", b(TUE, 5), assignment_group="desk"),
            ev("resolved", "e4", b(TUE, 11)),
        ]
        c = only(run(self.POLICY, events))
        # business Mon 14-16 (2 h); apac from Mon 16:00 Berlin (= Tue 00:00 Tokyo): opens
        # Tue 09:00 Tokyo = Tue 01:00 Berlin, counts to 05:00 Berlin (4 h); business again
        # from 05:00 Berlin, opens 09:00, counts to 11:00 (2 h) -> 8 h = target, met
        assert c.elapsed == 8 * H and c.target == 8 * H
        assert c.met is True and not c.breached
        assert c.calendar == "business"  # in force at the end
        assert shape(c) == spans(
            (b(MON, 14), b(MON, 16), "counted"),
            (b(MON, 16), b(TUE, 1), "closed"),
            (b(TUE, 1), b(TUE, 5), "counted"),
            (b(TUE, 5), b(TUE, 9), "closed"),
            (b(TUE, 9), b(TUE, 11), "counted"),
        )
        assert [s.calendar for s in c.segments] == [
            "business", "apac", "apac", "business", "business"
        ]
        same(c.due_at, b(TUE, 11))  # reached exactly at the stop
        # without the switch it would have been Mon 14-17 + Tue 09-11 = 5 h

    def test_tier_calendar_wins_over_group(self) -> None:
        p1 = [opened("e1", b(MON, 16), priority="P1", assignment_group="apac-net")]
        c = only(run(self.POLICY, p1, as_of=b(MON, 19)))
        assert c.calendar == "always" and c.elapsed == 3 * H  # 24x7: 16-19
        p3 = [opened("e1", b(MON, 16), priority="P3", assignment_group="apac-net")]
        c = only(run(self.POLICY, p3, as_of=b(MON, 19)))
        # apac: Mon 16-19 Berlin = Tue 00-03 Tokyo, closed
        assert c.calendar == "apac" and c.elapsed == ZERO
        # 8 h on apac from Tue 00-03 Tokyo: Tue 09:00-17:00 Tokyo = Tue 01:00-09:00 Berlin
        same(c.due_at, b(TUE, 9))


# --------------------------------------------------------------------------------------
# exclusions: maintenance windows and outages
# --------------------------------------------------------------------------------------

EXCLUDING = policy({"m": metric(exclude=["maintenance"], pause={"status": ["awaiting_customer"]})})
EMAIL_TICKET = [opened("e1", b(MON, 9), service="email", status="new"),
                ev("resolved", "e9", b(MON, 15))]


class TestMaintenance:
    def test_inside_open_hours(self) -> None:
        services = [maintenance("w1", "email", b(MON, 11), b(MON, 12))]
        c = only(run(EXCLUDING, EMAIL_TICKET, services=services))
        # 09-11 + 12-15 = 5 h counted, 1 h excluded
        assert c.elapsed == 5 * H and c.excluded == H and c.paused == ZERO
        assert shape(c) == spans(
            (b(MON, 9), b(MON, 11), "counted"),
            (b(MON, 11), b(MON, 12), "excluded"),
            (b(MON, 12), b(MON, 15), "counted"),
        )

    def test_across_closed_hours(self) -> None:
        services = [maintenance("w1", "email", b(MON, 16), b(TUE, 10))]
        events = [opened("e1", b(MON, 9), service="email"), ev("resolved", "e9", b(TUE, 12))]
        c = only(run(EXCLUDING, events, services=services))
        # counted Mon 09-16 (7 h) + Tue 10-12 (2 h) = 9 h > 8 h
        assert c.elapsed == 9 * H
        # one excluded segment (excluded wins over closed), 18 h long, counting only its
        # open time: Mon 16-17 + Tue 09-10 = 2 h
        assert shape(c) == spans(
            (b(MON, 9), b(MON, 16), "counted"),
            (b(MON, 16), b(TUE, 10), "excluded"),
            (b(TUE, 10), b(TUE, 12), "counted"),
        )
        assert c.excluded == 2 * H
        # 7 h by Mon 16:00, the 8th hour ends Tue 11:00
        assert c.breached
        same(c.breached_at, b(TUE, 11))
        same(c.due_at, b(TUE, 11))

    def test_cancelled_window_is_not_excluded(self) -> None:
        services = [
            maintenance("w1", "email", b(MON, 11), b(MON, 12), mid="mw-1"),
            {"type": "maintenance_cancelled", "event_id": "w1c", "service_id": "email",
             "at": b(MON, 8), "maintenance_id": "mw-1"},
        ]
        c = only(run(EXCLUDING, EMAIL_TICKET, services=services))
        assert c.elapsed == 6 * H and c.excluded == ZERO
        assert shape(c) == spans((b(MON, 9), b(MON, 15), "counted"))

    def test_other_service_window_is_not_excluded(self) -> None:
        services = [maintenance("w1", "vpn", b(MON, 11), b(MON, 12))]
        c = only(run(EXCLUDING, EMAIL_TICKET, services=services))
        assert c.elapsed == 6 * H and c.excluded == ZERO

    def test_follows_the_current_service(self) -> None:
        services = [
            maintenance("w1", "email", b(MON, 11), b(MON, 12)),
            maintenance("w2", "vpn", b(MON, 11, 45), b(MON, 12, 15)),
        ]
        events = [*EMAIL_TICKET, updated("e2", b(MON, 11, 30), service="vpn")]
        c = only(run(EXCLUDING, events, services=services))
        # email window while on email: 11:00-11:30; counted 11:30-11:45 (vpn, before its
        # window); vpn window 11:45-12:15
        assert shape(c) == spans(
            (b(MON, 9), b(MON, 11), "counted"),
            (b(MON, 11), b(MON, 11, 30), "excluded"),
            (b(MON, 11, 30), b(MON, 11, 45), "counted"),
            (b(MON, 11, 45), b(MON, 12, 15), "excluded"),
            (b(MON, 12, 15), b(MON, 15), "counted"),
        )
        # 2 h + 15 m + 2 h 45 m = 5 h; excluded 30 m + 30 m
        assert c.elapsed == 5 * H and c.excluded == H

    def test_pause_wins_over_exclusion(self) -> None:
        services = [maintenance("w1", "email", b(MON, 11), b(MON, 12))]
        events = [
            *EMAIL_TICKET,
            updated("e2", b(MON, 10, 30), status="awaiting_customer"),
            updated("e3", b(MON, 11, 30), status="in_progress"),
        ]
        c = only(run(EXCLUDING, events, services=services))
        assert shape(c) == spans(
            (b(MON, 9), b(MON, 10, 30), "counted"),
            (b(MON, 10, 30), b(MON, 11, 30), "paused"),
            (b(MON, 11, 30), b(MON, 12), "excluded"),
            (b(MON, 12), b(MON, 15), "counted"),
        )
        assert c.elapsed == 4 * H + 30 * M
        assert c.paused == H and c.excluded == 30 * M

    def test_outage(self) -> None:
        pol = policy({"m": metric(exclude=["outage"])})
        services = [
            {"type": "outage_started", "event_id": "o1s", "service_id": "email",
             "at": b(MON, 11), "outage_id": "o1"},
            {"type": "outage_ended", "event_id": "o1e", "service_id": "email",
             "at": b(MON, 11, 30), "outage_id": "o1"},
        ]
        c = only(run(pol, EMAIL_TICKET, services=services))
        assert c.elapsed == 5 * H + 30 * M and c.excluded == 30 * M
        assert (u(b(MON, 11)), u(b(MON, 11, 30)), "excluded") in shape(c)


# --------------------------------------------------------------------------------------
# warnings
# --------------------------------------------------------------------------------------

WARNING = policy({"m": metric(warn_at=[0.5, 0.75, 0.9])})


class TestWarnings:
    def test_three_thresholds_and_a_breach_while_running(self) -> None:
        events = [opened("e1", b(MON, 10))]
        c = only(run(WARNING, events, as_of=b(TUE, 11)))
        # 0.5 x 8 h = 4 h at Mon 14:00; 6 h at Mon 16:00; 7 h 12 m: 7 h by Mon 17:00,
        # + 12 m -> Tue 09:12
        assert [(w.threshold, u(w.at)) for w in c.warnings] == [
            (Fraction(1, 2), u(b(MON, 14))),
            (Fraction(3, 4), u(b(MON, 16))),
            (Fraction(9, 10), u(b(TUE, 9, 12))),
        ]
        # breached while still running: 7 h Mon + 2 h Tue = 9 h; 8 h reached Tue 10:00
        assert c.state == "running" and c.stopped_at is None
        assert c.elapsed == 9 * H and c.breached
        same(c.breached_at, b(TUE, 10))
        same(c.due_at, b(TUE, 10))
        assert c.percent == Decimal("112.50") and c.remaining == ZERO

    def test_before_the_breach(self) -> None:
        c = only(run(WARNING, [opened("e1", b(MON, 10))], as_of=b(MON, 15)))
        assert [(w.threshold, u(w.at)) for w in c.warnings] == [(Fraction(1, 2), u(b(MON, 14)))]
        assert c.elapsed == 5 * H and not c.breached
        same(c.due_at, b(TUE, 10))  # 3 h from 15:00: 2 h Mon + 1 h Tue
        assert c.percent == Decimal("62.50")

    def test_threshold_reached_at_the_close(self) -> None:
        c = only(run(WARNING, [opened("e1", b(MON, 13))], as_of=b(TUE, 10)))
        # 4 h reached exactly at Mon 17:00, the first instant elapsed == 4 h
        assert [(w.threshold, u(w.at)) for w in c.warnings] == [(Fraction(1, 2), u(b(MON, 17)))]
        assert c.elapsed == 5 * H

    def test_threshold_rounds_up_to_a_microsecond(self) -> None:
        pol = policy({"m": metric(warn_at=["1/3", 1], targets=[{"target": "10s",
                                                               "calendar": "always"}])})
        c = only(run(pol, [opened("e1", b(MON, 10))], as_of=b(MON, 10, 0, 20)))
        # ceil(10 000 000 us / 3) = 3 333 334 us; 1 x 10 s at 10:00:10
        assert [(w.threshold, u(w.at)) for w in c.warnings] == [
            (Fraction(1, 3), u(b(MON, 10, 0, 3, 333_334))),
            (Fraction(1), u(b(MON, 10, 0, 10))),
        ]


# --------------------------------------------------------------------------------------
# relative targets
# --------------------------------------------------------------------------------------

RELATIVE = policy({"m": metric(targets=[{"target": {"business_days": 1, "by": "16:00"}}])})


class TestRelativeTarget:
    def test_next_business_day(self) -> None:
        events = [opened("e1", b(THU, 11)), ev("resolved", "e2", b(FRI, 15))]
        c = only(run(RELATIVE, events))
        # Thu 11:00 -> Fri 16:00: Thu 11-17 (6 h) + Fri 09-16 (7 h) = 13 h
        assert c.target == 13 * H
        assert c.elapsed == 12 * H and c.met is True
        same(c.due_at, b(FRI, 16))

    def test_over_the_weekend_breached_while_running(self) -> None:
        c = only(run(RELATIVE, [opened("e1", b(FRI, 11))], as_of=b(MON2, 16, 30)))
        # the next date with open time after Fri is Mon: Fri 11-17 (6 h) + Mon 09-16 (7 h)
        assert c.target == 13 * H
        assert c.elapsed == 13 * H + 30 * M and c.breached
        same(c.breached_at, b(MON2, 16))

    def test_started_on_a_saturday(self) -> None:
        c = only(run(RELATIVE, [opened("e1", b(SAT, 12))], as_of=b(MON2, 12)))
        # the next date with open time after Sat is Mon: Sat 12:00 -> Mon 16:00 = 7 h
        assert c.target == 7 * H and c.elapsed == 3 * H
        same(c.due_at, b(MON2, 16))

    def test_two_business_days(self) -> None:
        pol = policy({"m": metric(targets=[{"target": {"business_days": 2, "by": "16:00"}}])})
        c = only(run(pol, [opened("e1", b(THU, 11))], as_of=b(THU, 12)))
        # 1st = Fri, 2nd = Mon: 6 h + 8 h + 7 h = 21 h
        assert c.target == 21 * H
        same(c.due_at, b(MON2, 16))


# --------------------------------------------------------------------------------------
# a target reached exactly at a close
# --------------------------------------------------------------------------------------


class TestTargetAtClose:
    POLICY = policy({"m": metric()})

    def test_stopped_at_next_opening_is_met(self) -> None:
        events = [opened("e1", b(MON, 9)), ev("resolved", "e2", b(TUE, 9))]
        c = only(run(self.POLICY, events))
        # Mon 09-17 = 8 h; Mon 17:00 -> Tue 09:00 is closed: elapsed == target -> met
        assert c.elapsed == 8 * H and c.met is True and not c.breached
        same(c.breached_at, None)
        same(c.due_at, b(MON, 17))  # the first instant elapsed == 8 h

    def test_stopped_one_second_later_is_breached_at_the_opening(self) -> None:
        events = [opened("e1", b(MON, 9)), ev("resolved", "e2", b(TUE, 9, 0, 1))]
        c = only(run(self.POLICY, events))
        assert c.elapsed == 8 * H + S and c.breached and c.met is False
        # target reached exactly at the close -> breached from the next opening
        same(c.breached_at, b(TUE, 9))
        same(c.due_at, b(MON, 17))
        assert shape(c) == spans(
            (b(MON, 9), b(MON, 17), "counted"),
            (b(MON, 17), b(TUE, 9), "closed"),
            (b(TUE, 9), b(TUE, 9, 0, 1), "counted"),
        )

    def test_running_through_the_night(self) -> None:
        c = only(run(self.POLICY, [opened("e1", b(MON, 9))], as_of=b(MON, 23)))
        assert c.elapsed == 8 * H and not c.breached
        same(c.due_at, b(MON, 17))


# --------------------------------------------------------------------------------------
# cancel and reset
# --------------------------------------------------------------------------------------


class TestCancelAndReset:
    def test_cancel(self) -> None:
        pol = policy({"m": metric(cancel={"on": ["cancelled"]})})
        events = [
            opened("e1", b(MON, 9)),
            ev("cancelled", "e2", b(MON, 11)),
            updated("e3", b(MON, 12), status="whatever"),
        ]
        c = only(run(pol, events))
        assert c.state == "cancelled" and c.met is None
        same(c.stopped_at, b(MON, 11))
        assert c.elapsed == 2 * H and c.stop_event_id == "e2"

    def test_cancel_wins_over_stop_on_the_same_event(self) -> None:
        pol = policy({"m": metric(stop={"on": ["closed"]},
                                  cancel={"on": ["closed"], "when": {"status": ["withdrawn"]}})})
        withdrawn = [
            opened("e1", b(MON, 9), status="new"),
            updated("e2", b(MON, 10), status="withdrawn"),
            ev("closed", "e3", b(MON, 11)),
        ]
        c = only(run(pol, withdrawn))
        assert c.state == "cancelled" and c.elapsed == 2 * H
        c = only(run(pol, [withdrawn[0], withdrawn[2]]))
        assert c.state == "stopped" and c.met is True and c.elapsed == 2 * H

    def test_reset(self) -> None:
        pol = policy({"m": metric(reset={"on": ["customer_responded"]})})
        events = [
            opened("e1", b(MON, 9)),
            ev("customer_responded", "e2", b(MON, 11)),
            ev("resolved", "e3", b(MON, 12)),
        ]
        first, second = run(pol, events).metrics["m"]
        assert first.state == "cancelled" and first.elapsed == 2 * H
        assert first.end_reason is not None and first.end_reason.startswith("reset by")
        same(second.started_at, b(MON, 11))
        assert second.state == "stopped" and second.elapsed == H


# --------------------------------------------------------------------------------------
# run_only_when: an OLA
# --------------------------------------------------------------------------------------


class TestRunOnlyWhen:
    POLICY = policy({"m": metric(run_only_when={"assignment_group": ["network"]},
                                 targets=[{"target": "2h"}])})
    EVENTS: ClassVar[list[dict[str, Any]]] = [
        opened("e1", b(MON, 9), assignment_group="desk"),
        updated("e2", b(MON, 10), assignment_group="network"),
        updated("e3", b(MON, 11, 30), assignment_group="desk"),
        updated("e4", b(MON, 14), assignment_group="network"),
        ev("resolved", "e5", b(MON, 15)),
    ]

    def test_counts_only_while_network_holds_it(self) -> None:
        c = only(run(self.POLICY, self.EVENTS))
        assert shape(c) == spans(
            (b(MON, 9), b(MON, 10), "paused"),
            (b(MON, 10), b(MON, 11, 30), "counted"),
            (b(MON, 11, 30), b(MON, 14), "paused"),
            (b(MON, 14), b(MON, 15), "counted"),
        )
        assert [s.event_id for s in c.segments] == ["e1", "e2", "e3", "e4"]
        # 1 h 30 m + 1 h = 2 h 30 m; 1 h 30 m by 11:30, the last 30 m reached 14:30
        assert c.elapsed == 2 * H + 30 * M and c.paused == 3 * H + 30 * M
        assert c.breached and c.met is False
        same(c.breached_at, b(MON, 14, 30))
        same(c.due_at, b(MON, 14, 30))

    def test_paused_while_desk_holds_it(self) -> None:
        c = only(run(self.POLICY, self.EVENTS, as_of=b(MON, 12)))
        assert c.state == "paused" and c.elapsed == 90 * M
        same(c.due_at, b(MON, 12, 30))  # 30 m left, projected from 12:00


# --------------------------------------------------------------------------------------
# a whole ticket on a standard policy: hand numbers, as_of, arrival order, duplicates
# --------------------------------------------------------------------------------------

STANDARD = policy(
    {
        "response": {
            "start": {"on": ["opened"]},
            "stop": {"on": ["agent_responded", "resolved"]},
            "targets": [{"when": {"priority": ["P1"]}, "target": "30m", "calendar": "always"},
                        {"target": "4h"}],
        },
        "resolution": {
            "start": {"on": ["opened"]},
            "stop": {"on": ["resolved"]},
            "cancel": {"on": ["cancelled"]},
            "pause": {"status": ["awaiting_customer"]},
            "exclude": ["maintenance"],
            "reopen": "resume",
            "on_target_change": "recalculate",
            "warn_at": [0.5, 0.75, 0.9],
            "targets": [{"when": {"priority": ["P1"]}, "target": "4h", "calendar": "always"},
                        {"when": {"priority": ["P2"]}, "target": "8h"},
                        {"target": "40h"}],
        },
        "network-ola": {
            "start": {"on": ["opened"]},
            "stop": {"on": ["resolved"]},
            "run_only_when": {"assignment_group": ["network"]},
            "targets": [{"target": "2h"}],
        },
    },
    calendar_by_group={"apac-net": "apac"},
)
TICKET = [
    opened("e1", b(MON, 9), priority="P3", status="new", service="email",
           assignment_group="desk"),
    ev("agent_responded", "e2", b(MON, 10)),
    updated("e3", b(MON, 11), assignment_group="network"),
    updated("e4", b(MON, 12), status="awaiting_customer"),
    updated("e5", b(TUE, 10), status="in_progress", priority="P2"),
    updated("e6", b(TUE, 11), assignment_group="desk"),
    ev("resolved", "e7", b(TUE, 14)),
    ev("reopened", "e8", b(WED, 10)),
    ev("resolved", "e9", b(WED, 12)),
]
TICKET_SERVICES = [maintenance("w1", "email", b(TUE, 13), b(TUE, 13, 30))]


class TestWholeTicket:
    def test_final(self) -> None:
        r = run(STANDARD, TICKET, services=TICKET_SERVICES)
        response = only(r, "response")
        assert response.elapsed == H and response.met is True  # stopped by e2, not resumed
        res = only(r, "resolution")
        # counted Mon 09-12 (3 h), paused Mon 12:00-Tue 10:00, P2 from Tue 10:00 (8 h),
        # counted Tue 10-13 (3 h), excluded 13:00-13:30, counted 13:30-14:00 (30 m),
        # stopped Tue 14:00 -> reopened Wed 10:00 (paused), counted Wed 10-12 (2 h)
        assert res.elapsed == 8 * H + 30 * M
        assert res.target == 8 * H and res.tier == 1
        # paused: Mon 12-17 (5 h) + Tue 09-10 (1 h) + Tue 14-17 (3 h) + Wed 09-10 (1 h)
        assert res.paused == 10 * H
        assert res.excluded == 30 * M
        # 6 h 30 m at Tue 14:00, 1 h 30 m more -> Wed 11:30
        same(res.breached_at, b(WED, 11, 30))
        same(res.due_at, b(WED, 11, 30))
        # 4 h at Tue 11:00; 6 h at Tue 13:00 (the exclusion starts then); 7 h 12 m:
        # 6 h 30 m at Tue 14:00, then 42 m after the reopen -> Wed 10:42
        assert [(w.threshold, u(w.at)) for w in res.warnings] == [
            (Fraction(1, 2), u(b(TUE, 11))),
            (Fraction(3, 4), u(b(TUE, 13))),
            (Fraction(9, 10), u(b(WED, 10, 42))),
        ]
        assert shape(res) == spans(
            (b(MON, 9), b(MON, 12), "counted"),
            (b(MON, 12), b(TUE, 10), "paused"),
            (b(TUE, 10), b(TUE, 13), "counted"),
            (b(TUE, 13), b(TUE, 13, 30), "excluded"),
            (b(TUE, 13, 30), b(TUE, 14), "counted"),
            (b(TUE, 14), b(WED, 10), "paused"),
            (b(WED, 10), b(WED, 12), "counted"),
        )
        ola = only(r, "network-ola")
        # network Mon 11-17 (6 h) + Tue 09-11 (2 h) = 8 h; 2 h reached Mon 13:00; resolved
        # Tue 14:00, resumed by the reopen (default reopen: resume) but desk holds it
        assert ola.elapsed == 8 * H and ola.breached
        same(ola.breached_at, b(MON, 13))
        same(ola.stopped_at, b(WED, 12))

    def test_mid_way(self) -> None:
        r = run(STANDARD, TICKET, services=TICKET_SERVICES, as_of=b(TUE, 12, 30))
        res = only(r, "resolution")
        # Mon 3 h + Tue 10:00-12:30 (2 h 30 m); paused Mon 12-17 + Tue 09-10
        assert res.state == "running"
        assert res.elapsed == 5 * H + 30 * M and res.paused == 6 * H
        assert res.target == 8 * H
        assert [(w.threshold, u(w.at)) for w in res.warnings] == [
            (Fraction(1, 2), u(b(TUE, 11)))
        ]
        ola = only(r, "network-ola")
        assert ola.state == "paused" and ola.elapsed == 8 * H

    @pytest.mark.parametrize(
        "as_of",
        [b(MON, 8), b(MON, 9), b(MON, 10), b(MON, 10, 30), b(MON, 12), b(MON, 20), b(TUE, 10),
         b(TUE, 13, 15), b(TUE, 14), b(TUE, 16), b(WED, 10), b(WED, 11), b(WED, 12),
         b(THU, 9)],
    )
    def test_as_of_is_dropping_later_events(self, as_of: datetime) -> None:
        full = run(STANDARD, TICKET, services=TICKET_SERVICES, as_of=as_of)
        kept = [e for e in TICKET if u(e["at"]) <= u(as_of)]
        services = [s for s in TICKET_SERVICES if u(s["at"]) <= u(as_of)]
        dropped = run(STANDARD, kept, services=services, as_of=as_of)
        assert full.to_dict() == dropped.to_dict()

    def test_as_of_ignores_later_service_events(self) -> None:
        # the cancellation (dated Mon 14:00) is unknown at Mon 13:00: the window counts
        services = [
            maintenance("w1", "email", b(MON, 11), b(MON, 12), mid="mw-1"),
            {"type": "maintenance_cancelled", "event_id": "w1c", "service_id": "email",
             "at": b(MON, 14), "maintenance_id": "mw-1"},
        ]
        c = only(run(EXCLUDING, EMAIL_TICKET, services=services, as_of=b(MON, 13)))
        assert c.elapsed == 3 * H and c.excluded == H  # 09-11 + 12-13
        c = only(run(EXCLUDING, EMAIL_TICKET, services=services, as_of=b(MON, 15)))
        assert c.elapsed == 6 * H and c.excluded == ZERO
        # a window scheduled after the fact (at Mon 13:00) is unknown at Mon 12:30
        late = [maintenance("w2", "email", b(MON, 11), b(MON, 12), at=b(MON, 13))]
        c = only(run(EXCLUDING, EMAIL_TICKET, services=late, as_of=b(MON, 12, 30)))
        assert c.elapsed == 3 * H + 30 * M and c.excluded == ZERO
        c = only(run(EXCLUDING, EMAIL_TICKET, services=late, as_of=b(MON, 14)))
        assert c.elapsed == 4 * H and c.excluded == H

    @pytest.mark.parametrize("seed", range(12))
    def test_arrival_order_and_duplicates_do_not_matter(self, seed: int) -> None:
        base = run(STANDARD, TICKET, services=TICKET_SERVICES).to_dict()
        rng = random.Random(seed)
        events: list[Any] = list(TICKET) + rng.sample(TICKET, 3)
        if seed % 2:
            events = list(parse_events(events))  # models instead of mappings
        rng.shuffle(events)
        services = list(TICKET_SERVICES) * 2
        got = run(STANDARD, events, services=services)
        assert got.to_dict() == base
        assert got.conflicts == ()


# --------------------------------------------------------------------------------------
# Peer conformance vectors (conformance/VECTORS.md beside the design notes), through evaluate.
# Only the vectors about SLA behaviour (pauses, failures, tiers, warnings); the pure
# calendar arithmetic ones are in tests/clock/test_scenarios.py.
# --------------------------------------------------------------------------------------


def k(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """Asia/Kolkata wall time on 2026-02-``day`` (the Frappe week: Mon = 02-02)."""
    return datetime(2026, 2, day, hour, minute, second, tzinfo=KOLKATA)


FRAPPE_CAL = BusinessCalendar("Asia/Kolkata", hours=weekly(["10:00-18:00"]))
FRAPPE_CALS = {"frappe": FRAPPE_CAL}


def frappe_tiers(urgent: str, high: str, low: str, medium: str) -> list[dict[str, Any]]:
    return [
        {"when": {"priority": ["Urgent"]}, "target": urgent},
        {"when": {"priority": ["High"]}, "target": high},
        {"when": {"priority": ["Low"]}, "target": low},
        {"target": medium},
    ]


FRAPPE = policy(
    {
        "response": {
            "start": {"on": ["opened"]},
            "stop": {"on": ["agent_responded"]},
            "targets": frappe_tiers("30m", "1h", "24h", "8h"),
        },
        "resolution": {
            "start": {"on": ["opened"]},
            "stop": {"on": ["resolved", "closed"]},
            "pause": {"status": ["Replied"]},
            "targets": frappe_tiers("2h", "4h", "72h", "24h"),
        },
    },
    calendar="frappe",
)


def replied(eid: str, at: datetime) -> list[dict[str, Any]]:
    """An agent reply that sets the status to Replied (Frappe's paused status)."""
    return [ev("agent_responded", eid + "r", at), updated(eid, at, status="Replied")]


class TestFrappeHelpdesk:
    """§4.5 with Frappe's conventions, which are slacore's defaults: pauses (hold time) in
    business time, a deadline landing on a close is the close.  Mon–Fri 10:00–18:00,
    zone Asia/Kolkata, "Mon" = Mon 2026-02-02.  response_by / resolution_by are ``due_at``;
    resolution_time is ``elapsed``; total_hold_time is ``paused``; "failed by" is
    ``elapsed - target``."""

    def test_h8_hold_ending_exactly_at_close(self) -> None:
        # Urgent Thu 15:00: response_by 15:30, resolution_by 17:00
        c = run(FRAPPE, [opened("e1", k(THU, 15), priority="Urgent", status="Open")],
                cals=FRAPPE_CALS, as_of=k(THU, 15))
        same(only(c, "response").due_at, k(THU, 15, 30))
        same(only(c, "resolution").due_at, k(THU, 17))
        # a hold of 3600 s (business): on hold from the opening until 16:00 -> 2 h from
        # 16:00 = Thu 18:00, exactly the close, not rolled to Friday
        held = [opened("e1", k(THU, 15), priority="Urgent", status="Replied"),
                updated("e2", k(THU, 16), status="Open")]
        res = only(run(FRAPPE, held, cals=FRAPPE_CALS, as_of=k(THU, 16)), "resolution")
        assert res.paused == 3600 * S
        same(res.due_at, k(THU, 18))
        # 3601 s: the last second falls on Fri -> Fri 10:00:01
        held[1] = updated("e2", k(THU, 16, 0, 1), status="Open")
        res = only(run(FRAPPE, held, cals=FRAPPE_CALS, as_of=k(THU, 16, 0, 1)), "resolution")
        assert res.paused == 3601 * S
        same(res.due_at, k(FRI, 10, 0, 1))

    H9: ClassVar[list[dict[str, Any]]] = [
        opened("e1", k(MON, 12), priority="High", status="Open"),
        *replied("e2", k(MON, 12, 30)),
        updated("e3", k(MON, 13), status="Open"),
        ev("resolved", "e4", k(MON, 13, 30)),
    ]

    def test_h9_pause(self) -> None:
        at_open = run(FRAPPE, self.H9, cals=FRAPPE_CALS, as_of=k(MON, 12))
        same(only(at_open, "response").due_at, k(MON, 13))
        same(only(at_open, "resolution").due_at, k(MON, 16))
        after_pause = run(FRAPPE, self.H9, cals=FRAPPE_CALS, as_of=k(MON, 13))
        # 4 h + 30 m of hold -> 16:30
        same(only(after_pause, "resolution").due_at, k(MON, 16, 30))
        r = run(FRAPPE, self.H9, cals=FRAPPE_CALS)
        response = only(r, "response")
        same(response.stopped_at, k(MON, 12, 30))  # first_responded_on
        assert response.met is True
        res = only(r, "resolution")
        # 12:00-12:30 + 13:00-13:30 = 3600 s; hold 1800 s
        assert res.elapsed == 3600 * S and res.paused == 1800 * S
        same(res.due_at, k(MON, 16, 30))
        assert res.met is True

    def test_h10_hold_over_a_holiday(self) -> None:
        cals = {"frappe": BusinessCalendar("Asia/Kolkata", hours=weekly(["10:00-18:00"]),
                                           holidays=["2026-02-06"])}
        events = [
            opened("e1", k(THU, 17, 30), priority="High", status="Open"),
            *replied("e2", k(THU, 17, 50)),
            updated("e3", k(MON2, 12, 30), status="Open"),
            ev("resolved", "e4", k(MON2, 13)),
        ]
        res = only(run(FRAPPE, events, cals=cals), "resolution")
        # hold: Thu 17:50-18:00 (10 m) + Mon 10:00-12:30 (150 m) = 9600 s
        assert res.paused == 9600 * S
        # 12600 s of business time in all, minus the hold: 20 m Thu + 30 m Mon = 3000 s
        assert res.elapsed == 3000 * S
        assert res.elapsed + res.paused == 12600 * S

    def test_h10_custom_statuses(self) -> None:
        cals = {"frappe": BusinessCalendar("Asia/Kolkata", hours=weekly(["10:00-18:00"]),
                                           holidays=["2026-02-06"])}
        pol = policy({"resolution": {
            "start": {"on": ["opened"]},
            "stop": {"on": ["updated"], "when": {"status": ["Completed"]}},
            "pause": {"status": ["On Hold"]},
            "targets": frappe_tiers("2h", "4h", "72h", "24h"),
        }}, calendar="frappe")
        events = [
            opened("e1", k(THU, 17, 30), priority="High", status="Open"),
            updated("e2", k(THU, 17, 50), status="On Hold"),
            updated("e3", k(MON2, 12, 30), status="Open"),
            updated("e4", k(MON2, 13), status="Completed"),
        ]
        res = only(run(pol, events, cals=cals), "resolution")
        assert res.state == "stopped" and res.stop_event_id == "e4"
        assert res.paused == 9600 * S and res.elapsed == 3000 * S

    def test_h11_close_after_resolve_changes_nothing(self) -> None:
        events = [
            opened("e1", k(MON, 12), priority="High", status="Open"),
            ev("resolved", "e2", k(MON, 12, 30)),
            ev("closed", "e3", k(TUE, 11)),
        ]
        res = only(run(FRAPPE, events, cals=FRAPPE_CALS), "resolution")
        assert res.elapsed == 1800 * S
        same(res.stopped_at, k(MON, 12, 30))

    def test_h12_first_response_failed_by(self) -> None:
        events = [opened("e1", k(MON, 10), priority="Urgent", status="Open"),
                  ev("agent_responded", "e2", k(MON, 10, 39))]
        response = only(run(FRAPPE, events, cals=FRAPPE_CALS), "response")
        assert response.met is False
        assert response.elapsed - response.target == 540 * S
        same(response.breached_at, k(MON, 10, 30))

    def test_h13_reply_after_close_is_in_time(self) -> None:
        events = [opened("e1", k(MON, 17, 55), priority="Urgent", status="Open"),
                  ev("agent_responded", "e2", k(MON, 18, 5))]
        response = only(run(FRAPPE, events, cals=FRAPPE_CALS), "response")
        # 17:55-18:00 = 5 m counted; 25 m left -> Tue 10:25
        assert response.met is True and response.elapsed == 5 * M
        same(response.breached_at, None)
        same(response.due_at, k(TUE, 10, 25))

    def test_h14_resolution_failed_by(self) -> None:
        events = [opened("e1", k(MON, 10), priority="Urgent", status="Open"),
                  ev("resolved", "e2", k(MON, 12, 15))]
        res = only(run(FRAPPE, events, cals=FRAPPE_CALS), "resolution")
        assert res.met is False and res.elapsed - res.target == 900 * S
        same(res.breached_at, k(MON, 12))

    H15: ClassVar[list[dict[str, Any]]] = [
        opened("e1", k(MON, 10), priority="Urgent", status="Open"),
        *replied("e2", k(MON, 10, 10)),
        updated("e3", k(MON, 10, 20), status="Open"),
    ]

    def test_h15_due_then_failed(self) -> None:
        res = only(run(FRAPPE, self.H15, cals=FRAPPE_CALS, as_of=k(MON, 10, 20)), "resolution")
        # 10 m counted, 10 m held: 1 h 50 m left from 10:20 -> 12:10
        assert res.state == "running" and not res.breached
        same(res.due_at, k(MON, 12, 10))
        res = only(run(FRAPPE, self.H15, cals=FRAPPE_CALS, as_of=k(MON, 12, 15)), "resolution")
        # 10 m + 1 h 55 m = 2 h 5 m > 2 h, failed since 12:10
        assert res.elapsed == 2 * H + 5 * M and res.breached
        same(res.breached_at, k(MON, 12, 10))

    def test_h16_status_sequence(self) -> None:
        events = [*self.H15, ev("resolved", "e4", k(MON, 10, 40))]

        def states(as_of: datetime) -> tuple[str, str]:
            r = run(FRAPPE, events, cals=FRAPPE_CALS, as_of=as_of)
            return only(r, "response").state, only(r, "resolution").state

        # First Response Due -> Paused -> Resolution Due -> Fulfilled
        assert states(k(MON, 10)) == ("running", "running")
        assert states(k(MON, 10, 10)) == ("stopped", "paused")
        assert states(k(MON, 10, 20)) == ("stopped", "running")
        assert states(k(MON, 10, 40)) == ("stopped", "stopped")
        final = run(FRAPPE, events, cals=FRAPPE_CALS)
        assert only(final, "response").met is True
        assert only(final, "resolution").met is True


def snow(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


class TestServiceNow:
    """§4.1, zone Europe/Berlin.  ServiceNow's conventions that slacore shares by default:
    pauses are business time added to the breach time (SN8), breach is decided on exact
    time, not on the rounded percentage (SN7 with ``use_time_left=true``)."""

    def test_sn1_no_schedule(self) -> None:
        pol = policy({"m": metric(targets=[{"target": "10h"}])}, calendar="always")
        c = only(run(pol, [opened("e1", snow(2015, 1, 1, 10, 30))],
                     as_of=snow(2015, 1, 1, 21)))
        same(c.breached_at, snow(2015, 1, 1, 20, 30))

    def test_sn3_business_vs_actual(self) -> None:
        c = only(run(policy({"m": metric()}), [opened("e1", b(TUE, 14))], as_of=b(WED, 9)))
        assert c.elapsed == 3 * H  # Tue 14-17
        assert u(b(WED, 9)) - u(c.started_at) == 19 * H  # actual
        assert c.percent == Decimal("37.50")

    def test_sn4_friday_night_to_monday(self) -> None:
        cals = {"snow": BusinessCalendar("Europe/Berlin", hours=weekly(["08:00-17:00"]))}
        pol = policy({"m": metric()}, calendar="snow")
        c = only(run(pol, [opened("e1", snow(2014, 12, 12, 21))], cals=cals,
                     as_of=snow(2014, 12, 15, 9, 30)))
        # Mon 08:00-09:30 = 1 h 30 m business (18.75 % of 8 h); 60 h 30 m actual
        assert c.elapsed == 90 * M and c.percent == Decimal("18.75")
        assert u(snow(2014, 12, 15, 9, 30)) - u(c.started_at) == 60 * H + 30 * M

    def test_sn5_one_day_is_24_business_hours(self) -> None:
        pol = policy({"m": metric(targets=[{"target": "24h"}])})
        c = only(run(pol, [opened("e1", b(MON, 10))], as_of=b(MON, 10)))
        # three 8-h days: Mon 10:00 -> Thu 10:00
        same(c.due_at, b(THU, 10))

    def test_sn6_attached_before_the_schedule_opens(self) -> None:
        cals = {"snow": BusinessCalendar("Europe/Berlin", hours=weekly(["08:00-17:00"]))}
        pol = policy({"m": metric(warn_at=[0.5, 0.75])}, calendar="snow")
        c = only(run(pol, [opened("e1", b(MON, 7))], cals=cals, as_of=b(MON, 17)))
        assert [(w.threshold, u(w.at)) for w in c.warnings] == [
            (Fraction(1, 2), u(b(MON, 12))),
            (Fraction(3, 4), u(b(MON, 14))),
        ]
        same(c.breached_at, b(MON, 16))
        assert shape(c) == spans((b(MON, 7), b(MON, 8), "closed"),
                                 (b(MON, 8), b(MON, 17), "counted"))

    def test_sn7_rounded_percentage_does_not_breach(self) -> None:
        pol = policy({"m": metric(targets=[{"target": "20000s"}])}, calendar="always")
        events = [opened("e1", b(MON, 10)), ev("resolved", "e2", b(MON, 10) + 19999 * S)]
        c = only(run(pol, events))
        # 19999 / 20000 = 99.995 % -> shown as 100.00, yet met (elapsed <= target)
        assert c.percent == Decimal("100.00")
        assert c.met is True and not c.breached and c.remaining == S
        pol = policy({"m": metric(targets=[{"target": "100000s"}])}, calendar="always")
        events = [opened("e1", b(MON, 10)), ev("resolved", "e2", b(MON, 10) + 99951 * S)]
        assert only(run(pol, events)).percent == Decimal("99.95")

    @pytest.mark.parametrize(
        ("pause_from", "pause_to"),
        [(b(MON, 10), b(MON, 12)), (b(MON, 16), b(TUE, 10))],
    )
    def test_sn8_pause_moves_the_breach_by_its_business_time(
        self, pause_from: datetime, pause_to: datetime
    ) -> None:
        pol = policy({"m": metric(pause={"status": ["awaiting_customer"]})})
        events = [
            opened("e1", b(MON, 9), status="new"),
            updated("e2", pause_from, status="awaiting_customer"),
            updated("e3", pause_to, status="in_progress"),
        ]
        c = only(run(pol, events, as_of=b(WED, 9)))
        # without the pause: Mon 17:00; both pauses hold 2 business hours -> Tue 11:00
        assert c.paused == 2 * H
        same(c.breached_at, BUSINESS.add(b(MON, 17), c.paused))
        same(c.breached_at, b(TUE, 11))

    def test_sn9_priority_change_cancels_one_definition_and_attaches_another(self) -> None:
        def definition(priority: str, target: str) -> dict[str, Any]:
            return {
                "start": {"on": ["opened", "updated"], "when": {"priority": [priority]}},
                "stop": {"on": ["resolved"]},
                "cancel": {"on": ["updated"], "when": {"priority": {"not_in": [priority]}}},
                "pause": {"status": ["awaiting_user_info"]},
                "targets": [{"target": target}],
            }

        pol = policy({"p1": definition("P1", "8h"), "p2": definition("P2", "16h")})
        events = [
            opened("e1", b(MON, 9), priority="P1", status="active"),
            updated("e2", b(MON, 10), priority="P2"),
            updated("e3", b(MON, 11), status="awaiting_user_info"),
            updated("e4", b(MON, 13), status="active"),
            ev("resolved", "e5", b(MON, 15)),
        ]
        r = run(pol, events)
        p1 = only(r, "p1")
        assert p1.state == "cancelled" and p1.elapsed == H
        same(p1.stopped_at, b(MON, 10))
        p2 = only(r, "p2")
        # attached at 10:00, paused 11-13, completed 15:00: 1 h + 2 h
        same(p2.started_at, b(MON, 10))
        assert p2.state == "stopped" and p2.met is True
        assert p2.elapsed == 3 * H and p2.paused == 2 * H
        # attached -> Paused -> In progress -> Completed
        assert only(run(pol, events, as_of=b(MON, 10, 30)), "p2").state == "running"
        assert only(run(pol, events, as_of=b(MON, 12)), "p2").state == "paused"
        assert only(run(pol, events, as_of=b(MON, 14)), "p2").state == "running"


def kol(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KOLKATA)


ERPNEXT_CALS = {"erpnext": BusinessCalendar(
    "Asia/Kolkata", hours=weekly(["10:00-18:00"]),
    holidays=["2019-02-11", "2019-03-05", "2019-03-07"],
)}


def erpnext_metric(stop: list[str], special: str, default: str) -> dict[str, Any]:
    return {
        "start": {"on": ["opened"]},
        "stop": {"on": stop},
        "targets": [
            {"when": {"any": [{"customer": ["_Test Customer"]},
                              {"attributes.customer_group": ["_Test Customer Group"]},
                              {"attributes.territory": ["_Test Territory"]}]},
             "target": special},
            {"target": default},
        ],
    }


ERPNEXT = policy(
    {
        "response": erpnext_metric(["agent_responded", "resolved", "closed"], "2h", "4h"),
        "resolution": erpnext_metric(["resolved", "closed"], "3h", "6h"),
    },
    calendar="erpnext",
)


class TestERPNext:
    """§4.4, zone Asia/Kolkata, Mon–Fri 10:00–18:00, holidays 2019-02-11, 03-05, 03-07.
    Only the vectors where ERPNext's conventions agree with slacore's (no wall-clock hold,
    no 1-second floor) are reproduced."""

    @pytest.mark.parametrize(
        "fields",
        [{"customer": "_Test Customer"},
         {"attributes": {"customer_group": "_Test Customer Group"}},
         {"attributes": {"territory": "_Test Territory"}}],
    )
    def test_e1_customer_sla(self, fields: dict[str, Any]) -> None:
        r = run(ERPNEXT, [opened("e1", kol(2019, 3, 4, 12), **fields)], cals=ERPNEXT_CALS,
                as_of=kol(2019, 3, 4, 12))
        same(only(r, "response").due_at, kol(2019, 3, 4, 14))
        same(only(r, "resolution").due_at, kol(2019, 3, 4, 15))

    def test_e2_default_sla(self) -> None:
        r = run(ERPNEXT, [opened("e1", kol(2019, 3, 4, 12), customer="someone")],
                cals=ERPNEXT_CALS, as_of=kol(2019, 3, 4, 12))
        same(only(r, "response").due_at, kol(2019, 3, 4, 16))
        same(only(r, "resolution").due_at, kol(2019, 3, 4, 18))  # at the close

    def test_e5_closed_within_target_is_fulfilled(self) -> None:
        events = [opened("e1", kol(2019, 3, 4, 14)), ev("closed", "e2", kol(2019, 3, 4, 15))]
        r = run(ERPNEXT, events, cals=ERPNEXT_CALS)
        response, res = only(r, "response"), only(r, "resolution")
        assert response.met is True and res.met is True
        # 1 h used: response 3 h left -> 18:00; resolution 5 h left: 3 h Mon, Tue 03-05 is
        # a holiday, 2 h Wed -> Wed 03-06 12:00
        same(response.due_at, kol(2019, 3, 4, 18))
        same(res.due_at, kol(2019, 3, 6, 12))

    @pytest.mark.parametrize(("reply", "met"), [((16, 5), False), ((15, 30), True)])
    def test_e10_response_only(self, reply: tuple[int, int], met: bool) -> None:
        pol = policy({"response": erpnext_metric(["agent_responded"], "2h", "4h")},
                     calendar="erpnext")
        events = [opened("e1", kol(2019, 3, 4, 12)),
                  ev("agent_responded", "e2", kol(2019, 3, 4, *reply))]
        response = only(run(pol, events, cals=ERPNEXT_CALS), "response")
        assert response.met is met
        same(response.due_at, kol(2019, 3, 4, 16))

    def test_e11_first_response_failed(self) -> None:
        events = [opened("e1", kol(2021, 11, 1, 19)),
                  ev("agent_responded", "e2", kol(2021, 11, 2, 15))]
        response = only(run(ERPNEXT, events, cals=ERPNEXT_CALS), "response")
        # Tue 10:00-15:00 = 5 h > 4 h, failed since Tue 14:00 (the timeline comment itself
        # is ERPNext presentation, not an SLA figure)
        assert response.met is False and response.elapsed == 5 * H
        same(response.breached_at, kol(2021, 11, 2, 14))
