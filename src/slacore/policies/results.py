"""What ``evaluate`` returns: per metric, the cycles of its clock, each with the numbers
an SLA report needs and the segments that explain them.

Results are plain immutable dataclasses (cheap to build by the thousand) that serialise to
JSON-able dicts (``to_dict``) and to flat rows (``rows``) for data pipelines, and to an
exact JSON text (``TicketSla.to_json`` / ``TicketSla.from_json``: durations in integer
microseconds, every field kept) for stores.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from slacore.events import Anomaly, Conflict
from slacore.events import from_json as event_from_json
from slacore.events import to_json as event_to_json

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


class Cycle:
    """One run of a metric's clock, from its start to its stop (or to ``as_of``).

    ``elapsed`` is business time counted; ``paused`` and ``excluded`` are business time
    the clock spent paused and excluded.  A cycle is met iff ``elapsed <= target``;
    ``breached_at`` is the instant after which elapsed exceeded the target, ``due_at``
    the instant elapsed reaches the target (projected from the state at the end of the
    evaluated span when not yet reached; it moves while the clock is paused).

    Immutable, compared and hashed field by field like a frozen dataclass.  ``segments``
    may be given as a tuple or, by ``evaluate``, as a function that builds them: they
    are then made on first access (most consumers read only the numbers).
    """

    __match_args__ = (
        "metric", "index", "started_at", "stopped_at", "state", "end_reason", "target",
        "tier", "calendar", "elapsed", "paused", "excluded", "breached", "breached_at",
        "due_at", "warnings", "segments", "start_event_id", "stop_event_id",
    )
    __slots__ = (*(f for f in __match_args__ if f != "segments"), "_segments")

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
    _segments: tuple[Segment, ...] | Callable[[], tuple[Segment, ...]]
    start_event_id: str
    stop_event_id: str | None

    def __init__(
        self,
        metric: str,
        index: int,
        started_at: datetime,
        stopped_at: datetime | None,
        state: CycleState,
        end_reason: str | None,
        target: timedelta,
        tier: int,
        calendar: str,
        elapsed: timedelta,
        paused: timedelta,
        excluded: timedelta,
        breached: bool,
        breached_at: datetime | None,
        due_at: datetime | None,
        warnings: tuple[Warning, ...],
        segments: tuple[Segment, ...] | Callable[[], tuple[Segment, ...]],
        start_event_id: str,
        stop_event_id: str | None,
    ) -> None:
        # Filled in as its writable twin (same layout, ordinary stores): a class that
        # forbids stores is filled through ``object.__setattr__``, several times slower,
        # and ``evaluate`` builds cycles by the thousand.
        cls = self.__class__
        object.__setattr__(self, "__class__", _Writable)
        self.metric = metric
        self.index = index
        self.started_at = started_at
        self.stopped_at = stopped_at
        self.state = state
        self.end_reason = end_reason
        self.target = target
        self.tier = tier
        self.calendar = calendar
        self.elapsed = elapsed
        self.paused = paused
        self.excluded = excluded
        self.breached = breached
        self.breached_at = breached_at
        self.due_at = due_at
        self.warnings = warnings
        self._segments = segments
        self.start_event_id = start_event_id
        self.stop_event_id = stop_event_id
        self.__class__ = cls

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The spans of the cycle, in time order, that explain every number of it."""
        value = self._segments
        if callable(value):
            value = value()
            object.__setattr__(self, "_segments", value)
        return value

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__match_args__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"Cycle({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Cycle, self._values())

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


class _Writable(Cycle):
    """``Cycle``'s layout without its store guard, worn only while a cycle is filled in."""

    __slots__ = ()
    # Both plain, in C: one Python-level hook of the two and every store goes through it.
    __setattr__ = object.__setattr__  # type: ignore[assignment]
    __delattr__ = object.__delattr__


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

    def to_json(self) -> str:
        """The exact JSON text of this result: ``TicketSla.from_json`` of it equals it
        field for field (durations in integer microseconds, instants as ISO 8601 with their
        offset, ``Decimal`` field values tagged ``{"decimal": "<digits>"}``)."""
        return json.dumps(_exact(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> TicketSla:
        """Read what ``to_json`` wrote."""
        return _from_exact(json.loads(text))

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


# --------------------------------------------------------------------------- exact JSON

_US = timedelta(microseconds=1)


def _field_out(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if value is None or isinstance(value, str | int):  # bool is an int
        return value
    raise TypeError(f"cannot encode a {type(value).__name__} field value as JSON")


def _field_in(value: Any) -> Any:
    return Decimal(value["decimal"]) if isinstance(value, dict) else value


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _cycle_out(c: Cycle) -> dict[str, Any]:
    return {
        "metric": c.metric, "index": c.index, "started_at": c.started_at.isoformat(),
        "stopped_at": _iso(c.stopped_at), "state": c.state, "end_reason": c.end_reason,
        "target_us": c.target // _US, "tier": c.tier, "calendar": c.calendar,
        "elapsed_us": c.elapsed // _US, "paused_us": c.paused // _US,
        "excluded_us": c.excluded // _US, "breached": c.breached,
        "breached_at": _iso(c.breached_at), "due_at": _iso(c.due_at),
        "warnings": [[str(w.threshold), w.at.isoformat()] for w in c.warnings],
        "segments": [[s.start.isoformat(), s.end.isoformat(), s.kind, s.reason, s.event_id,
                      s.calendar] for s in c.segments],
        "start_event_id": c.start_event_id, "stop_event_id": c.stop_event_id,
    }


def _cycle_in(d: dict[str, Any]) -> Cycle:
    return Cycle(
        metric=d["metric"], index=d["index"], started_at=datetime.fromisoformat(d["started_at"]),
        stopped_at=_when(d["stopped_at"]), state=d["state"], end_reason=d["end_reason"],
        target=d["target_us"] * _US, tier=d["tier"], calendar=d["calendar"],
        elapsed=d["elapsed_us"] * _US, paused=d["paused_us"] * _US,
        excluded=d["excluded_us"] * _US, breached=d["breached"],
        breached_at=_when(d["breached_at"]), due_at=_when(d["due_at"]),
        warnings=tuple(Warning(Fraction(t), datetime.fromisoformat(at))
                       for t, at in d["warnings"]),
        segments=tuple(Segment(datetime.fromisoformat(a), datetime.fromisoformat(b), kind,
                               reason, event_id, calendar)
                       for a, b, kind, reason, event_id, calendar in d["segments"]),
        start_event_id=d["start_event_id"], stop_event_id=d["stop_event_id"],
    )


def _exact(r: TicketSla) -> dict[str, Any]:
    return {
        "ticket_id": r.ticket_id, "policy_id": r.policy_id,
        "policy_version": r.policy_version, "as_of": _iso(r.as_of),
        "fields": {k: _field_out(v) for k, v in r.fields.items()},
        "metrics": {m: [_cycle_out(c) for c in cs] for m, cs in r.metrics.items()},
        "anomalies": [[a.kind, a.event_id, a.message] for a in r.anomalies],
        "conflicts": [[c.event_id, event_to_json(c.chosen),
                       [event_to_json(v) for v in c.versions]] for c in r.conflicts],
    }


def _from_exact(d: dict[str, Any]) -> TicketSla:
    return TicketSla(
        ticket_id=d["ticket_id"], policy_id=d["policy_id"],
        policy_version=d["policy_version"], as_of=_when(d["as_of"]),
        metrics={m: tuple(_cycle_in(c) for c in cs) for m, cs in d["metrics"].items()},
        anomalies=tuple(Anomaly(kind, event_id, message)
                        for kind, event_id, message in d["anomalies"]),
        conflicts=tuple(Conflict(eid, event_from_json(chosen),
                                 tuple(event_from_json(v) for v in versions))
                        for eid, chosen, versions in d["conflicts"]),
        fields={k: _field_in(v) for k, v in d["fields"].items()},
    )
