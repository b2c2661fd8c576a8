"""Target recommendation from history (pure: lists of ``TicketSla`` in, rows out).

A stopped cycle is met iff ``elapsed <= target``, and its ``elapsed`` (business time on
the SLA clock) does not depend on the target.  So the compliance a target ``x`` would have
had over ``n`` stopped cycles is ``#{elapsed <= x} / n``, and the smallest target reaching
a compliance level ``q`` is the nearest-rank ``100 q``-th percentile of their elapsed
times.  See docs/reporting.md.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from datetime import timedelta
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.policies import TicketSla
from slacore.projections._common import US, KeyMaker, group_order, plain, seconds
from slacore.projections.compliance import nearest_rank


class RecommendError(ValueError):
    """Bad arguments to ``recommend_targets``."""


class TargetRecommendation(BaseModel):
    """The smallest target history would have met at the desired level, for one group."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    group: dict[str, Any]
    level: Fraction
    """The desired compliance (e.g. 19/20 for 95 %)."""
    sample: int
    """Stopped cycles the recommendation rests on."""
    target: timedelta | None
    """Smallest target (rounded up to ``granularity``) with compliance >= ``level``."""
    achieved: Fraction | None
    """The compliance that target would have had over the sample."""
    current_targets: tuple[timedelta, ...]
    """The targets in force on those cycles (ascending)."""
    current_compliance: Fraction | None
    """The compliance the sample actually had."""
    open_over: int
    """Running or paused cycles whose elapsed already exceeds the recommended target (they
    will be breaches of it: the sample leaves them out)."""

    @field_serializer("level", "achieved", "current_compliance")
    def _ser(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)

    def row(self) -> dict[str, Any]:
        """A flat row of plain scalars."""
        out: dict[str, Any] = {k: plain(v) for k, v in self.group.items()}
        out.update({
            "level": float(self.level),
            "sample": self.sample,
            "target_seconds": seconds(self.target),
            "achieved": None if self.achieved is None else float(self.achieved),
            "current_targets_seconds": ",".join(str(seconds(t))
                                                for t in self.current_targets),
            "current_compliance": None if self.current_compliance is None
            else float(self.current_compliance),
            "open_over": self.open_over,
        })
        return out


def recommend_targets(
    results: Iterable[TicketSla],
    *,
    level: Fraction | str | float = "0.95",
    group_by: Sequence[str] = ("metric", "priority"),
    granularity: timedelta = timedelta(minutes=1),
    metrics: Iterable[str] | None = None,
) -> list[TargetRecommendation]:
    """Per group of ``group_by``, the smallest target that the stopped cycles of
    ``results`` would have met at compliance ``level`` (0 < level <= 1), rounded up to a
    multiple of ``granularity``, with the sample size.  Groups are ordered by value."""
    q = level if isinstance(level, Fraction) else Fraction(str(level))
    if not 0 < q <= 1:
        raise RecommendError(f"level {level!r} not in (0, 1]")
    if granularity <= timedelta(0):
        raise RecommendError("granularity must be positive")
    step = granularity // US
    wanted = None if metrics is None else frozenset(metrics)
    maker = KeyMaker(group_by)
    stopped: dict[tuple[Hashable, ...], list[tuple[int, int]]] = {}
    running: dict[tuple[Hashable, ...], list[int]] = {}
    for result in results:
        for metric_id, cycles in result.metrics.items():
            if wanted is not None and metric_id not in wanted:
                continue
            shared = maker.for_metric(result, metric_id)
            for cycle in cycles:
                key = shared if shared is not None else maker.for_cycle(result, cycle)
                if cycle.state == "stopped":
                    stopped.setdefault(key, []).append((cycle.elapsed // US, cycle.target // US))
                elif cycle.state in ("running", "paused"):
                    running.setdefault(key, []).append(cycle.elapsed // US)
                    stopped.setdefault(key, [])
    out = []
    for key in sorted(stopped, key=group_order):
        sample = stopped[key]
        values = sorted(e for e, _ in sample)
        n = len(values)
        raw = nearest_rank(values, q * 100)
        target = None if raw is None else math.ceil(raw / step) * step
        achieved = (None if target is None
                    else Fraction(sum(1 for v in values if v <= target), n))
        out.append(TargetRecommendation(
            group=dict(zip(group_by, key, strict=True)),
            level=q,
            sample=n,
            target=None if target is None else target * US,
            achieved=achieved,
            current_targets=tuple(t * US for t in sorted({t for _, t in sample})),
            current_compliance=Fraction(sum(1 for e, t in sample if e <= t), n) if n else None,
            open_over=0 if target is None else sum(1 for e in running.get(key, ())
                                                   if e > target),
        ))
    return out
