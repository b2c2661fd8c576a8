"""Crisis detection: many cycles at risk or breached at the same time (pure).

Each cycle of the results is **alerting** from the first instant it was at risk — its
first warning at or above ``min_warning`` (its ``warnings`` record when each threshold was
crossed), or its ``breached_at`` if earlier — until it stopped or was cancelled (still
alerting if open).  With ``window``, an alert lasts at least ``window`` (so "``threshold``
alerts within ``window``" counts even when the cycles stop quickly).  A crisis, per scope
(everything, or each value of ``scope`` such as ``service`` or ``customer``), is a maximal
span during which at least ``threshold`` cycles alert at once.  See docs/reporting.md.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict

from slacore.policies import Cycle, TicketSla
from slacore.projections._common import group_order, key_value, order_key, plain


class CrisisError(ValueError):
    """Bad arguments to ``detect_crises``."""


class CrisisEpisode(BaseModel):
    """One crisis: when it started, peaked and ended, and who was involved."""

    model_config = ConfigDict(frozen=True)

    scope: dict[str, Any]
    """``{}`` across everything, else ``{scope_key: value}``."""
    start: datetime
    """The instant the number of alerting cycles reached the threshold."""
    end: datetime | None
    """The instant it fell below the threshold again; ``None``: still ongoing."""
    peak: int
    peak_at: datetime
    """The first instant the peak was reached."""
    tickets: tuple[str, ...]
    """Tickets with a cycle alerting during the episode (sorted)."""
    involved: tuple[Any, ...]
    """Distinct values of ``involve`` (e.g. services) of those tickets (sorted)."""
    cycles: int
    """Cycles alerting during the episode."""

    def row(self) -> dict[str, Any]:
        """A flat row of plain scalars."""
        out: dict[str, Any] = {k: plain(v) for k, v in self.scope.items()}
        out.update({
            "start": self.start, "end": self.end, "peak": self.peak, "peak_at": self.peak_at,
            "cycles": self.cycles, "tickets": ",".join(self.tickets),
            "involved": ",".join(str(plain(v)) for v in self.involved),
        })
        return out


class CrisisReport(BaseModel):
    """Every crisis episode, ordered by start then scope."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    threshold: int
    scope: str | None
    episodes: tuple[CrisisEpisode, ...]

    @property
    def ongoing(self) -> tuple[CrisisEpisode, ...]:
        """Episodes not over at the end of the evaluated span."""
        return tuple(e for e in self.episodes if e.end is None)

    def rows(self) -> list[dict[str, Any]]:
        """Flat rows."""
        return [e.row() for e in self.episodes]


@dataclass(frozen=True, slots=True)
class _Alert:
    start: datetime
    end: datetime | None
    ticket: str
    involved: Hashable
    ident: tuple[str, str, int]


def alert_start(cycle: Cycle, min_warning: Fraction | None) -> datetime | None:
    """The first instant ``cycle`` was at risk or breached, ``None`` if never."""
    candidates = [w.at for w in cycle.warnings
                  if min_warning is not None and w.threshold >= min_warning]
    if cycle.breached_at is not None:
        candidates.append(cycle.breached_at)
    return min(candidates) if candidates else None


def detect_crises(
    results: Iterable[TicketSla],
    *,
    threshold: int,
    scope: str | None = None,
    involve: str = "service",
    min_warning: Fraction | str | None = "0",
    window: timedelta | None = None,
    metrics: Iterable[str] | None = None,
) -> CrisisReport:
    """Crisis episodes: spans with at least ``threshold`` cycles alerting at once, across
    everything or per value of the grouping key ``scope``; ``involve`` names the ticket
    field listed for the tickets involved.  ``min_warning`` is the lowest warning threshold
    that counts as at risk (``None``: only breaches)."""
    if threshold < 1:
        raise CrisisError("threshold must be at least 1")
    if window is not None and window <= timedelta(0):
        raise CrisisError("window must be positive")
    floor = None if min_warning is None else (
        min_warning if isinstance(min_warning, Fraction) else Fraction(str(min_warning)))
    wanted = None if metrics is None else frozenset(metrics)
    by_scope: dict[Hashable, list[_Alert]] = {}
    for result in results:
        for metric_id, cycles in result.metrics.items():
            if wanted is not None and metric_id not in wanted:
                continue
            for cycle in cycles:
                start = alert_start(cycle, floor)
                if start is None:
                    continue
                end = cycle.stopped_at
                if end is not None and window is not None:
                    end = max(end, start + window)
                if end is not None and end <= start:
                    continue
                key = None if scope is None else key_value(result, cycle, scope)
                by_scope.setdefault(key, []).append(_Alert(
                    start, end, result.ticket_id or "",
                    key_value(result, cycle, involve),
                    (result.ticket_id or "", cycle.metric, cycle.index)))
    episodes: list[CrisisEpisode] = []
    for key in sorted(by_scope, key=lambda k: group_order([k])):
        scope_dict = {} if scope is None else {scope: key}
        episodes.extend(_sweep(by_scope[key], threshold, scope_dict))
    episodes.sort(key=lambda e: (e.start, group_order(list(e.scope.values()))))
    return CrisisReport(threshold=threshold, scope=scope, episodes=tuple(episodes))


def _sweep(alerts: list[_Alert], threshold: int, scope: dict[str, Any]) -> list[CrisisEpisode]:
    # (instant, 0 = end before 1 = start at the same instant: alerts are [start, end))
    points: list[tuple[datetime, int, int]] = []
    for i, a in enumerate(alerts):
        points.append((a.start, 1, i))
        if a.end is not None:
            points.append((a.end, 0, i))
    points.sort(key=lambda p: (p[0], p[1], alerts[p[2]].ident))
    active: set[int] = set()
    out: list[CrisisEpisode] = []
    current: dict[str, Any] | None = None
    j = 0
    while j < len(points):
        instant = points[j][0]
        while j < len(points) and points[j][0] == instant:  # every change at this instant
            _, kind, i = points[j]
            if kind:
                active.add(i)
                if current is not None:
                    current["members"].add(i)
            else:
                active.discard(i)
            j += 1
        count = len(active)
        if current is None and count >= threshold:
            current = {"start": instant, "peak": count, "peak_at": instant,
                       "members": set(active)}
        elif current is not None:
            if count > current["peak"]:
                current["peak"], current["peak_at"] = count, instant
            if count < threshold:
                out.append(_episode(alerts, scope, current, instant))
                current = None
    if current is not None:
        out.append(_episode(alerts, scope, current, None))
    return out


def _episode(alerts: list[_Alert], scope: dict[str, Any], current: dict[str, Any],
             end: datetime | None) -> CrisisEpisode:
    members = [alerts[i] for i in current["members"]]
    return CrisisEpisode(
        scope=scope,
        start=current["start"],
        end=end,
        peak=current["peak"],
        peak_at=current["peak_at"],
        tickets=tuple(sorted({a.ticket for a in members})),
        involved=tuple(sorted({a.involved for a in members}, key=order_key)),
        cycles=len(members),
    )
