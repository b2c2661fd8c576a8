"""Breach risk of the open cycles at ``as_of`` (pure: lists of ``TicketSla`` in, a report out).

For every running or paused cycle: its numbers (elapsed, remaining, percent, ``due_at``,
the highest warning threshold crossed) and a probability of breach estimated from history:
a Kaplan–Meier estimate ``S`` of the distribution of completion times on the SLA clock
(the business time ``elapsed`` at which cycles stopped; running, paused and cancelled
cycles are right-censored at their ``elapsed``), fitted per stratum (``(metric, priority)``
by default), and

    P(breach | still open at elapsed e) = P(T > target | T > e) = S(target) / S(e)

(a cycle is met iff ``elapsed <= target``, so it breaches iff ``T > target``).  When a
stratum has fewer than ``min_observations`` observations, or every cycle in it had
completed by ``e`` (``S(e) = 0``), the next coarser stratum is used (``(metric,)``, then
everything); each estimate names the stratum it used.  See docs/reporting.md.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from itertools import compress
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.policies import Cycle, TicketSla
from slacore.projections._common import US, KeyMaker, key_value, plain, seconds

#: Strata from the finest to the coarsest; ``()`` pools every cycle.
DEFAULT_STRATA: tuple[tuple[str, ...], ...] = (("metric", "priority"), ("metric",), ())

Reason = Literal["breached", "warning", "high_probability"]


class RiskError(ValueError):
    """Bad arguments to the breach-risk projection."""


class KaplanMeier:
    """The Kaplan–Meier product-limit estimate of a survival function from right-censored
    observations ``(time, event)`` (integer times: microseconds on the SLA clock here).

    ``S(t) = Π_{t_i <= t} (1 - d_i / n_i)`` over the distinct event times ``t_i``, with
    ``d_i`` events at ``t_i`` and ``n_i`` observations with time ``>= t_i`` at risk (an
    observation censored at ``t_i`` is still at risk at ``t_i``: events come first).
    Beyond the last observation the curve is held at its last value.  Exact values are
    ``Fraction``s (``exact=True``); the fast path uses floats (cumulative products).
    """

    __slots__ = ("_surv", "at_risk", "censored_total", "deaths", "events", "n", "times")

    def __init__(self, times: Iterable[int], events: Iterable[bool | int]) -> None:
        times = list(times)
        events = list(events)
        if len(times) != len(events):
            raise RiskError("times and events differ in length")
        counts = Counter(times)
        deaths = Counter(compress(times, events))
        n = len(times)
        self.n = n
        self.events = sum(deaths.values())
        self.censored_total = n - self.events
        self.times: list[int] = []
        self.at_risk: list[int] = []
        self.deaths: list[int] = []
        self._surv: list[float] = []
        at_risk = n
        surv = 1.0
        for time in sorted(counts):
            d = deaths.get(time, 0)
            if d:
                self.times.append(time)
                self.at_risk.append(at_risk)
                self.deaths.append(d)
                surv *= (at_risk - d) / at_risk
                self._surv.append(surv)
            at_risk -= counts[time]

    def _product(self, lo: int, hi: int) -> Fraction:
        num = den = 1
        for i in range(lo, hi):
            num *= self.at_risk[i] - self.deaths[i]
            den *= self.at_risk[i]
        return Fraction(num, den)

    @overload
    def survival(self, t: int, *, exact: Literal[True] = ...) -> Fraction: ...
    @overload
    def survival(self, t: int, *, exact: Literal[False]) -> float: ...
    def survival(self, t: int, *, exact: bool = True) -> Fraction | float:
        """``S(t)``: the estimated probability that completion takes longer than ``t``."""
        i = bisect.bisect_right(self.times, t)
        if exact:
            return self._product(0, i)
        return self._surv[i - 1] if i else 1.0

    def conditional(self, elapsed: int, target: int, *, exact: bool = True
                    ) -> Fraction | float | None:
        """``S(target) / S(elapsed)`` for ``elapsed <= target``: the probability of still
        being open at ``target`` given open at ``elapsed``; ``None`` when ``S(elapsed) = 0``.
        """
        if target < elapsed:
            raise RiskError("conditional survival needs elapsed <= target")
        lo = bisect.bisect_right(self.times, elapsed)
        hi = bisect.bisect_right(self.times, target)
        if self.is_zero(elapsed):
            return None
        if exact:
            return self._product(lo, hi)
        s_e = self._surv[lo - 1] if lo else 1.0
        s_t = self._surv[hi - 1] if hi else 1.0
        return s_t / s_e

    def is_zero(self, t: int) -> bool:
        """Whether ``S(t) = 0``: every observation had completed by ``t``.  Only the last
        event time can have all its ``n_i`` observations complete, so this is exact."""
        return bool(self.times) and t >= self.times[-1] and self.at_risk[-1] == self.deaths[-1]

    def quantile_time(self, fraction: Fraction, *, after: int | None = None) -> int | None:
        """The smallest event time ``t`` (``> after``) with ``S(t) <= fraction × S(after)``
        (``S(after) = 1`` when ``after`` is ``None``), exactly; ``None`` if never reached."""
        lo = 0 if after is None else bisect.bisect_right(self.times, after)
        if after is not None and self.is_zero(after):
            return None
        # s_num / s_den = S(t_i) / S(after), compared with ``fraction``
        num, den = fraction.numerator, fraction.denominator
        s_num = s_den = 1
        for i in range(lo, len(self.times)):
            s_num *= self.at_risk[i] - self.deaths[i]
            s_den *= self.at_risk[i]
            if s_num * den <= num * s_den:
                return self.times[i]
        return None

    def median(self) -> int | None:
        """The median completion time: the smallest event time with ``S(t) <= 1/2``."""
        return self.quantile_time(Fraction(1, 2))

    def table(self) -> list[dict[str, Any]]:
        """The life table: one row per event time (time, at risk, events, survival)."""
        return [
            {"time": t, "at_risk": n, "events": d, "survival": s}
            for t, n, d, s in zip(self.times, self.at_risk, self.deaths, self._surv,
                                  strict=True)
        ]


class CompletionModel:
    """Kaplan–Meier curves of completion time on the SLA clock, one per stratum value at
    each level of ``strata`` (finest first), fitted from the cycles of ``history``.

    Stopped cycles are events at their ``elapsed``; running, paused and cancelled cycles
    are censored at their ``elapsed``.  Grouping keys are those of the compliance report
    (``metric``, ``tier`` … or ticket fields at the end of the evaluated span).
    """

    def __init__(
        self,
        history: Iterable[TicketSla],
        *,
        strata: Sequence[Sequence[str]] = DEFAULT_STRATA,
        min_observations: int = 20,
        metrics: Iterable[str] | None = None,
    ) -> None:
        if not strata:
            raise RiskError("at least one stratum level is needed")
        if min_observations < 1:
            raise RiskError("min_observations must be at least 1")
        self.strata = tuple(tuple(level) for level in strata)
        self.min_observations = min_observations
        wanted = None if metrics is None else frozenset(metrics)
        # one pass: observations by the union of every level's keys, then merged per level
        union = tuple(dict.fromkeys(k for level in self.strata for k in level))
        maker = KeyMaker(union)
        buckets: dict[tuple[Hashable, ...], tuple[list[int], list[bool]]] = {}
        for result in history:
            for metric_id, cycles in result.metrics.items():
                if wanted is not None and metric_id not in wanted:
                    continue
                shared = maker.for_metric(result, metric_id)
                for cycle in cycles:
                    key = shared if shared is not None else maker.for_cycle(result, cycle)
                    slot = buckets.get(key)
                    if slot is None:
                        slot = buckets[key] = ([], [])
                    slot[0].append(cycle.elapsed // US)
                    slot[1].append(cycle.state == "stopped")
        self.curves: list[dict[tuple[Hashable, ...], KaplanMeier]] = []
        for level in self.strata:
            where = [union.index(k) for k in level]
            merged: dict[tuple[Hashable, ...], tuple[list[int], list[bool]]] = {}
            for key, (times, events) in buckets.items():
                sub = tuple(key[i] for i in where)
                slot = merged.get(sub)
                if slot is None:
                    slot = merged[sub] = ([], [])
                slot[0].extend(times)
                slot[1].extend(events)
            self.curves.append({k: KaplanMeier(ts, es) for k, (ts, es) in merged.items()})

    def curve(self, level: int, key: tuple[Hashable, ...]) -> KaplanMeier | None:
        """The fitted curve of one stratum value, if any cycle had it."""
        return self.curves[level].get(key)

    def select(self, result: TicketSla, cycle: Cycle, elapsed: int
               ) -> tuple[int, tuple[Hashable, ...], KaplanMeier] | None:
        """The finest stratum of ``cycle`` with at least ``min_observations`` observations
        and ``S(elapsed) > 0``, as ``(level, key, curve)``; ``None`` if there is none."""
        for level, keys in enumerate(self.strata):
            key = tuple(key_value(result, cycle, k) for k in keys)
            km = self.curves[level].get(key)
            if km is None or km.n < self.min_observations:
                continue
            if km.is_zero(elapsed):
                continue
            return level, key, km
        return None


class CycleRisk(BaseModel):
    """One open cycle at ``as_of``: its numbers, its breach probability and why it is (or
    is not) at risk."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    ticket_id: str | None
    metric: str
    index: int
    state: str
    started_at: datetime
    elapsed: timedelta
    target: timedelta
    remaining: timedelta
    percent: Decimal
    due_at: datetime | None
    time_to_due: timedelta | None
    """``due_at - as_of`` (wall-clock; negative once due)."""
    warning_level: Fraction | None
    """The highest ``warn_at`` threshold crossed, if any."""
    breached: bool
    probability: Fraction | float | None
    """P(breach | open at ``elapsed``): 1 once breached; ``None`` without usable history."""
    stratum: dict[str, Any] | None
    """The grouping values of the curve used (``{}`` for everything)."""
    stratum_level: int | None
    """Index of that stratum in the fallback chain (0 = the finest)."""
    observations: int
    completions: int
    median_remaining: timedelta | None
    """Conditional median: business time until half of the cycles still open at
    ``elapsed`` had completed (``None`` if the curve never gets there)."""
    reasons: tuple[Reason, ...]

    @field_serializer("probability", "warning_level")
    def _ser_frac(self, value: Fraction | float | None) -> str | float | None:
        return str(value) if isinstance(value, Fraction) else value

    @property
    def at_risk(self) -> bool:
        """Whether any reason puts the cycle in the at-risk feed."""
        return bool(self.reasons)

    def row(self) -> dict[str, Any]:
        """A flat row of plain scalars (durations in seconds, fractions as floats)."""
        out: dict[str, Any] = {
            "ticket_id": self.ticket_id,
            "metric": self.metric,
            "index": self.index,
            "state": self.state,
            "started_at": self.started_at,
            "elapsed_seconds": seconds(self.elapsed),
            "target_seconds": seconds(self.target),
            "remaining_seconds": seconds(self.remaining),
            "percent": float(self.percent),
            "due_at": self.due_at,
            "time_to_due_seconds": seconds(self.time_to_due),
            "warning_level": None if self.warning_level is None else float(self.warning_level),
            "breached": self.breached,
            "probability": None if self.probability is None else float(self.probability),
            "stratum": None if self.stratum is None else
            ",".join(f"{k}={plain(v)}" for k, v in self.stratum.items()),
            "stratum_level": self.stratum_level,
            "observations": self.observations,
            "completions": self.completions,
            "median_remaining_seconds": seconds(self.median_remaining),
            "reasons": ",".join(self.reasons),
        }
        return out


class RiskReport(BaseModel):
    """Every open cycle at ``as_of``, soonest due first, and the at-risk feed."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    as_of: datetime
    strata: tuple[tuple[str, ...], ...]
    min_observations: int
    high_probability: Fraction
    cycles: tuple[CycleRisk, ...]

    @field_serializer("high_probability")
    def _ser_hp(self, value: Fraction) -> str:
        return str(value)

    @property
    def at_risk(self) -> tuple[CycleRisk, ...]:
        """The at-risk feed: cycles with a reason, ordered by how soon they breach
        (``due_at``; already breached first)."""
        return tuple(c for c in self.cycles if c.reasons)

    def rows(self, *, at_risk_only: bool = False) -> list[dict[str, Any]]:
        """Flat rows (Arrow/pandas-ready)."""
        return [c.row() for c in (self.at_risk if at_risk_only else self.cycles)]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _order(item: CycleRisk) -> tuple[Any, ...]:
    due = 0 if item.due_at is None else (item.due_at - _EPOCH) // US
    return (item.due_at is None, due, item.ticket_id or "", item.metric, item.index)


def risk_report(
    results: Iterable[TicketSla],
    *,
    as_of: datetime,
    history: Iterable[TicketSla] | None = None,
    model: CompletionModel | None = None,
    strata: Sequence[Sequence[str]] = DEFAULT_STRATA,
    min_observations: int = 20,
    high_probability: Fraction | float | str = Fraction(1, 2),
    exact: bool = False,
    metrics: Iterable[str] | None = None,
) -> RiskReport:
    """Breach risk of the running and paused cycles of ``results`` at ``as_of``.

    ``results`` must be evaluated at ``as_of`` (``TicketSla.as_of`` equal to it, or
    ``None``: evaluated up to the ticket's last event).  The probabilities come from
    ``model``, else from a ``CompletionModel`` fitted on ``history`` (default: ``results``
    themselves, whose open cycles are censored observations) with ``strata`` and
    ``min_observations``.  ``exact=True`` gives ``Fraction`` probabilities (slower on
    large histories), else floats.  A cycle is at risk when it is breached, when it crossed
    a warning threshold, or when its probability is at least ``high_probability``.
    """
    if as_of.tzinfo is None:
        raise RiskError("as_of must be timezone-aware")
    wanted = None if metrics is None else frozenset(metrics)
    results = list(results)
    if model is None:
        model = CompletionModel(results if history is None else history, strata=strata,
                                min_observations=min_observations, metrics=metrics)
    threshold = Fraction(str(high_probability)) if not isinstance(
        high_probability, Fraction) else high_probability
    items: list[CycleRisk] = []
    for result in results:
        if result.as_of is not None and result.as_of != as_of:
            raise RiskError(
                f"ticket {result.ticket_id}: evaluated as of {result.as_of.isoformat()}, "
                f"not {as_of.isoformat()}")
        for metric_id, cycles in result.metrics.items():
            if wanted is not None and metric_id not in wanted:
                continue
            for cycle in cycles:
                if cycle.state in ("running", "paused"):
                    items.append(_assess(result, cycle, as_of, model, threshold, exact))
    items.sort(key=_order)
    return RiskReport(as_of=as_of, strata=model.strata, min_observations=model.min_observations,
                      high_probability=threshold, cycles=tuple(items))


def _assess(result: TicketSla, cycle: Cycle, as_of: datetime, model: CompletionModel,
            threshold: Fraction, exact: bool) -> CycleRisk:
    elapsed = cycle.elapsed // US
    target = cycle.target // US
    probability: Fraction | float | None = None
    stratum: dict[str, Any] | None = None
    level: int | None = None
    observations = completions = 0
    median_remaining: timedelta | None = None
    chosen = model.select(result, cycle, elapsed)
    if chosen is not None:
        level, key, km = chosen
        stratum = dict(zip(model.strata[level], key, strict=True))
        observations, completions = km.n, km.events
        if cycle.breached:
            probability = Fraction(1) if exact else 1.0
        else:
            probability = km.conditional(elapsed, max(target, elapsed), exact=exact)
        half = km.quantile_time(Fraction(1, 2), after=elapsed) if exact else _half_float(
            km, elapsed)
        median_remaining = None if half is None else (half - elapsed) * US
    elif cycle.breached:
        probability = Fraction(1) if exact else 1.0
    warning = max((w.threshold for w in cycle.warnings), default=None)
    reasons: list[Reason] = []
    if cycle.breached:
        reasons.append("breached")
    if warning is not None:
        reasons.append("warning")
    if probability is not None and not cycle.breached and chosen is not None:
        decisive: Fraction | float | None = probability
        if isinstance(probability, float) and abs(probability - threshold) <= _TOL:
            decisive = chosen[2].conditional(elapsed, max(target, elapsed))  # exact tie-break
        if decisive is not None and decisive >= threshold:
            reasons.append("high_probability")
    return CycleRisk(
        ticket_id=result.ticket_id,
        metric=cycle.metric,
        index=cycle.index,
        state=cycle.state,
        started_at=cycle.started_at,
        elapsed=cycle.elapsed,
        target=cycle.target,
        remaining=cycle.remaining,
        percent=cycle.percent,
        due_at=cycle.due_at,
        time_to_due=None if cycle.due_at is None else cycle.due_at - as_of,
        warning_level=warning,
        breached=cycle.breached,
        probability=probability,
        stratum=stratum,
        stratum_level=level,
        observations=observations,
        completions=completions,
        median_remaining=median_remaining,
        reasons=tuple(reasons),
    )


def _half_float(km: KaplanMeier, elapsed: int) -> int | None:
    """``quantile_time(1/2, after=elapsed)`` by binary search on the float curve, checked
    exactly where the float comparison is too close to call."""
    lo = bisect.bisect_right(km.times, elapsed)
    surv = km._surv
    goal = (surv[lo - 1] if lo else 1.0) / 2
    a, b = lo, len(surv)
    while a < b:
        mid = (a + b) // 2
        if surv[mid] <= goal * (1 + _TOL):
            b = mid
        else:
            a = mid + 1
    while a < len(surv) and surv[a] >= goal * (1 - _TOL):
        if km._product(lo, a + 1) <= Fraction(1, 2):
            return km.times[a]
        a += 1
    return km.times[a] if a < len(surv) else None


_TOL = 1e-9
