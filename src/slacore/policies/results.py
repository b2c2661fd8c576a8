"""What ``evaluate`` returns: per metric, the cycles of its clock, each with the numbers
an SLA report needs and the segments that explain them.

Results are plain immutable dataclasses (cheap to build by the thousand) that serialise to
JSON-able dicts (``to_dict``) and to flat rows (``rows``) for data pipelines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from slacore.events import Anomaly, Conflict

CycleState = Literal["running", "paused", "stopped", "cancelled"]
SegmentKind = Literal["counted", "paused", "excluded", "closed"]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _seconds(value: timedelta) -> int | float:
    us = value // timedelta(microseconds=1)
    return us // 1_000_000 if us % 1_000_000 == 0 else us / 1_000_000


@dataclass(frozen=True, slots=True)
class Segment:
    """One span ``[start, end)`` of a cycle and what the clock did in it.

    ``counted``: business time that counts towards the target.  ``paused``: the clock was
    paused (``reason`` says by which condition and field values).  ``excluded``: an
    exclusion (e.g. a maintenance window of the ticket's service).  ``closed``: outside the
    calendar's open hours.  ``event_id`` is the event that put the clock in this state
    (``None`` for closed hours); ``calendar`` the calendar in force.
    """

    start: datetime
    end: datetime
    kind: SegmentKind
    reason: str
    event_id: str | None
    calendar: str

    @property
    def duration(self) -> timedelta:
        """Real length of the segment."""
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "kind": self.kind,
            "reason": self.reason,
            "event_id": self.event_id,
            "calendar": self.calendar,
        }


@dataclass(frozen=True, slots=True)
class Warning:
    """A warning threshold (a fraction of the target) and the instant it was crossed."""

    threshold: Fraction
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"threshold": str(self.threshold), "at": _iso(self.at)}


@dataclass(frozen=True, slots=True)
class Cycle:
    """One run of a metric's clock, from its start to its stop (or to ``as_of``).

    ``elapsed`` is business time counted; ``paused`` and ``excluded`` are business time
    the clock spent paused and excluded.  A cycle is met iff ``elapsed <= target``;
    ``breached_at`` is the instant after which elapsed exceeded the target, ``due_at``
    the instant elapsed reaches the target (projected from the state at the end of the
    evaluated span when not yet reached; it moves while the clock is paused).
    """

    metric: str
    index: int
    started_at: datetime
    stopped_at: datetime | None
    state: CycleState
    end_reason: str | None
    target: timedelta
    tier: int
    calendar: str
    elapsed: timedelta
    paused: timedelta
    excluded: timedelta
    breached: bool
    breached_at: datetime | None
    due_at: datetime | None
    warnings: tuple[Warning, ...]
    segments: tuple[Segment, ...]
    start_event_id: str
    stop_event_id: str | None

    @property
    def met(self) -> bool | None:
        """``True``/``False`` for a stopped cycle; ``None`` while running or cancelled."""
        if self.state != "stopped":
            return None
        return not self.breached

    @property
    def remaining(self) -> timedelta:
        """Business time left before the target is reached (zero once reached)."""
        return max(self.target - self.elapsed, timedelta(0))

    @property
    def percent(self) -> Decimal:
        """Elapsed as a percentage of the target, to two decimals (exact rounding)."""
        target = self.target // timedelta(microseconds=1)
        if target == 0:
            return Decimal(0) if self.elapsed == timedelta(0) else Decimal("Infinity")
        ratio = Fraction(self.elapsed // timedelta(microseconds=1) * 100, target)
        return (Decimal(ratio.numerator) / Decimal(ratio.denominator)).quantize(Decimal("0.01"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (durations in seconds)."""
        return {
            "metric": self.metric,
            "index": self.index,
            "started_at": _iso(self.started_at),
            "stopped_at": _iso(self.stopped_at),
            "state": self.state,
            "end_reason": self.end_reason,
            "target_seconds": _seconds(self.target),
            "tier": self.tier,
            "calendar": self.calendar,
            "elapsed_seconds": _seconds(self.elapsed),
            "paused_seconds": _seconds(self.paused),
            "excluded_seconds": _seconds(self.excluded),
            "remaining_seconds": _seconds(self.remaining),
            "percent": str(self.percent),
            "breached": self.breached,
            "met": self.met,
            "breached_at": _iso(self.breached_at),
            "due_at": _iso(self.due_at),
            "warnings": [w.to_dict() for w in self.warnings],
            "segments": [s.to_dict() for s in self.segments],
            "start_event_id": self.start_event_id,
            "stop_event_id": self.stop_event_id,
        }


@dataclass(frozen=True, slots=True)
class TicketSla:
    """Every SLA clock of one ticket under one policy, as of an instant."""

    ticket_id: str | None
    policy_id: str
    policy_version: int
    as_of: datetime | None
    metrics: dict[str, tuple[Cycle, ...]]
    anomalies: tuple[Anomaly, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)
    """The ticket's fields at the end of the evaluated span (``attributes.<name>`` flat),
    for grouping results by priority, service, customer, group or vendor."""

    def cycles(self) -> list[Cycle]:
        """All cycles of all metrics, metric by metric."""
        return [c for cycles in self.metrics.values() for c in cycles]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "ticket_id": self.ticket_id,
            "policy_id": self.policy_id,
            "policy_version": self.policy_version,
            "as_of": _iso(self.as_of),
            "fields": {k: _plain(v) for k, v in self.fields.items()},
            "metrics": {m: [c.to_dict() for c in cs] for m, cs in self.metrics.items()},
            "anomalies": [
                {"kind": a.kind, "event_id": a.event_id, "message": a.message}
                for a in self.anomalies
            ],
            "conflicts": [
                {"event_id": c.event_id, "versions": len(c.versions)} for c in self.conflicts
            ],
        }

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per cycle (no segments), for tables and data frames."""
        out = []
        for cycle in self.cycles():
            row = cycle.to_dict()
            del row["segments"]
            row["warnings"] = len(cycle.warnings)
            out.append({"ticket_id": self.ticket_id, "policy_id": self.policy_id,
                        "policy_version": self.policy_version, **row})
        return out
