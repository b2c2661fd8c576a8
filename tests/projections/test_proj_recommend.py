"""Target recommendation: the smallest target history would have met at a level."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.policies import Cycle, TicketSla
from slacore.projections import RecommendError, recommend_targets
from slacore.testing.profiles import examples

UTC = timezone.utc
H = timedelta(hours=1)
M = timedelta(minutes=1)
ZERO = timedelta(0)
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def cyc(metric: str, state: str, elapsed: timedelta, target: timedelta) -> Cycle:
    open_ = state in ("running", "paused")
    return Cycle(
        metric=metric, index=0, started_at=T0, stopped_at=None if open_ else T0 + elapsed,
        state=state,  # type: ignore[arg-type]
        end_reason=None, target=target, tier=0, calendar="business", elapsed=elapsed,
        paused=ZERO, excluded=ZERO, breached=elapsed > target,
        breached_at=T0 + target if elapsed > target else None, due_at=T0 + target,
        warnings=(), segments=(), start_event_id="e0", stop_event_id=None,
    )


def ticket(tid: str, cycle: Cycle, **fields: Any) -> TicketSla:
    return TicketSla(ticket_id=tid, policy_id="std", policy_version=1, as_of=None,
                     metrics={cycle.metric: (cycle,)}, fields=dict(fields))


# P2 resolution: 20 stopped cycles of 1 h .. 20 h against an 8 h target (8 met), one
# running at 20 h; P1: one cycle of 61 min.
DATA = [ticket(f"T{i}", cyc("resolution", "stopped", i * H, 8 * H), priority="P2")
        for i in range(1, 21)]
DATA += [ticket("R", cyc("resolution", "running", 20 * H, 8 * H), priority="P2"),
         ticket("P1", cyc("resolution", "stopped", 61 * M, H), priority="P1")]


def test_hand_computed() -> None:
    p1, p2 = recommend_targets(DATA, level="0.95")
    assert p2.group == {"metric": "resolution", "priority": "P2"}
    # nearest rank: ceil(0.95 x 20) = 19 -> 19 h, met by 19 of 20
    assert (p2.sample, p2.target, p2.achieved) == (20, 19 * H, Fraction(19, 20))
    assert p2.current_targets == (8 * H,) and p2.current_compliance == Fraction(2, 5)
    assert p2.open_over == 1  # the running cycle is already at 20 h
    assert (p1.target, p1.achieved, p1.current_compliance) == (61 * M, 1, 0)
    (p2_90,) = recommend_targets(DATA, level=Fraction(9, 10), group_by=("priority",),
                                 metrics=["resolution"])[1:]
    assert p2_90.target == 18 * H and p2_90.group == {"priority": "P2"}
    # rounded up to a quarter hour: 61 min -> 75 min
    p1q = recommend_targets(DATA, granularity=15 * M)[0]
    assert p1q.target == 75 * M
    row = p2.row()
    assert row["target_seconds"] == 19 * 3600 and row["achieved"] == 0.95
    assert row["current_targets_seconds"] == "28800"


def test_open_only_group_and_errors() -> None:
    (rec,) = recommend_targets([ticket("R", cyc("response", "running", H, H))])
    assert (rec.sample, rec.target, rec.achieved, rec.open_over) == (0, None, None, 0)
    for bad in ("0", "1.5"):
        with pytest.raises(RecommendError):
            recommend_targets(DATA, level=bad)
    with pytest.raises(RecommendError):
        recommend_targets(DATA, granularity=ZERO)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.integers(0, 600), min_size=1, max_size=40),
       st.fractions(min_value=Fraction(1, 100), max_value=1),
       st.sampled_from([1, 5, 15, 60]))
def test_smallest_target_reaching_the_level(
    minutes: list[int], q: Fraction, step: int,
) -> None:
    data = [ticket(f"T{i}", cyc("m", "stopped", m * M, H)) for i, m in enumerate(minutes)]
    (rec,) = recommend_targets(data, level=q, granularity=step * M, group_by=())
    assert rec.target is not None and rec.achieved is not None
    n = len(minutes)

    def compliance(target: timedelta) -> Fraction:
        return Fraction(sum(1 for m in minutes if m * M <= target), n)

    assert rec.achieved == compliance(rec.target) >= q
    assert rec.target % (step * M) == ZERO
    smaller = rec.target - step * M
    assert smaller < ZERO or compliance(smaller) < q
