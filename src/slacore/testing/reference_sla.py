"""A slow, plainly written SLA evaluator to check ``slacore.policies.evaluate`` against.

``reference_evaluate`` answers the same question as ``evaluate`` (every clock of one
ticket under one policy) straight from the rules in ``docs/evaluation.md`` and DESIGN.md
§3–5, with no memo tables, no incremental counting and no shortcuts.  It reuses only parts
that have tests of their own: ``canonical_history`` (the order of events, duplicates),
the policy model and its conditions' ``matches``, and ``ReferenceClock`` (business time by
brute force) in place of ``BusinessCalendar``'s tables.

How it works, in three plain steps:

1. **Replay.**  The ticket's events are read in canonical order while its fields are
   kept up to date.  For each metric the cycle rules are applied event by event (cancel,
   stop, reset, restart on a tier change; reopen; start).  A running cycle records a
   *stretch* at every event: from that instant on, is the clock paused, which tier and
   target are in force, on which calendar does it count, which service's exclusion
   windows apply.  A cycle resumed after ``reopened`` gets a paused stretch for the time
   it was stopped.
2. **Label every instant.**  Each stretch is cut at every place where the answer to "what
   is this instant?" could change (stretch ends, exclusion window edges, opening and
   closing instants of the calendar), and each elementary piece gets the first label
   that applies: ``paused``, ``excluded``, ``closed``, ``counted``.
3. **Read the numbers off the labelled pieces**, straight from their definitions:
   ``elapsed(t)`` is the counted time in ``[start, t)``; ``due_at`` the first instant
   elapsed reaches the final target (else projected from the end on the last calendar);
   ``breached_at`` the first instant ``t`` such that elapsed exceeds the target in force
   at every instant of ``(t, end]``; a warning the first instant elapsed reaches
   ``ceil(f × target in force then)``.

Where docs/evaluation.md leaves a boundary open, the reference reads it as follows (the
property tests in ``tests/policies/test_reference_sla.py`` hold ``evaluate`` to the same
reading):

- Several events at one instant: triggers fire event by event (a reset or a restart can
  leave a cycle of no length; ``keep`` keeps the tier chosen by the start event), but
  the clock's situation from that instant on is the one after the last of them; a
  situation that lasted no time counts for nothing.
- A warning threshold reached exactly at the instant the target changes counts for the
  target that held until then: each situation holds up to and including the instant
  the next one replaces it.
- An event that stops or cancels a running cycle does not also start one (only a reset
  or a restart starts a new cycle at that instant).
- A stopped cycle ignores field changes.  Resumed by ``reopened``, it counts on under
  the fields after the reopening (no restart for a tier changed meanwhile); the stopped
  stretch keeps the tier and calendar in force at the stop.
- ``keep`` keeps the tier; without a calendar of its own the tier's calendar still
  follows ``calendar_by_group``.
- A relative target's business day is a local date with some open time; a ``by``
  instant before the cycle's start gives a zero target.
- The ``due_at`` projection is plain calendar time (future pauses and exclusion windows
  are unknown); ``None`` when the calendar never opens again.
- Service events: per service, ``canonical_history`` (copies dropped; of conflicting
  versions, its chosen one); the last scheduling of a window id wins; outages pair by
  ``outage_id`` (events without one pair with each other); an outage not ended lasts
  on.

Everything is integer microseconds since the Unix epoch; results are UTC datetimes.
Speed is no goal: this exists so that property tests can compare the fast evaluator with
something a reader can check line by line.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any, Literal

from slacore.clock import BusinessCalendar
from slacore.errors import NeverOpenError
from slacore.events import (
    Event,
    EventBase,
    MaintenanceCancelled,
    MaintenanceScheduled,
    OutageEnded,
    OutageStarted,
    ServiceEventBase,
    TicketOpened,
    TicketUpdated,
    canonical_history,
    group_by_subject,
    parse_event,
)
from slacore.policies.durations import BusinessDaysBy
from slacore.policies.model import Metric, Policy, Trigger
from slacore.policies.results import Cycle
from slacore.testing.reference import ReferenceClock

__all__ = [
    "RefCycle",
    "RefSegment",
    "RefWarning",
    "comparable",
    "reference_evaluate",
]

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
END_OF_TIME = (datetime.max.replace(tzinfo=UTC) - EPOCH) // ONE_US
"""An outage that has not ended (yet) lasts until here."""
REOPENABLE = ("resolved", "closed")
"""A cycle stopped by one of these event types can be resumed or restarted by ``reopened``."""
MAX_DAYS_SEARCHED = 3660
"""How many dates a relative target looks through for its business days."""

Kind = Literal["counted", "paused", "excluded", "closed"]
"""The label of a span of a cycle, as ``Segment.kind``."""
State = Literal["running", "paused", "stopped", "cancelled"]
"""The state of a cycle, as ``Cycle.state``."""


def to_us(instant: datetime) -> int:
    """An aware instant as integer microseconds since the Unix epoch."""
    return (instant - EPOCH) // ONE_US


def from_us(us: int) -> datetime:
    """The UTC datetime of an epoch-microsecond instant."""
    return EPOCH + timedelta(microseconds=us)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RefSegment:
    """A maximal span ``[start, end)`` of a cycle with one label and one calendar in force
    (touching spans with the same label and calendar are merged)."""

    start: datetime
    end: datetime
    kind: Kind
    calendar: str


@dataclass(frozen=True)
class RefWarning:
    """A warning fraction of the target and the instant elapsed first reached it."""

    threshold: Fraction
    at: datetime


@dataclass(frozen=True)
class RefCycle:
    """The numbers of one cycle, with the same meaning as ``slacore.policies.Cycle``'s
    fields of the same names (``comparable`` turns a ``Cycle`` into one of these)."""

    started_at: datetime
    stopped_at: datetime | None
    state: State
    target: timedelta
    tier: int
    calendar: str
    elapsed: timedelta
    paused: timedelta
    excluded: timedelta
    breached: bool
    breached_at: datetime | None
    due_at: datetime | None
    warnings: tuple[RefWarning, ...]
    segments: tuple[RefSegment, ...]
    start_event_id: str
    stop_event_id: str | None


def merge_segments(segments: Iterable[RefSegment]) -> tuple[RefSegment, ...]:
    """Touching segments with the same kind and calendar joined into one; empty ones
    dropped."""
    out: list[RefSegment] = []
    for seg in segments:
        if seg.start >= seg.end:
            continue
        if out and out[-1].end == seg.start and (out[-1].kind, out[-1].calendar) == (
            seg.kind, seg.calendar
        ):
            out[-1] = RefSegment(out[-1].start, seg.end, seg.kind, seg.calendar)
        else:
            out.append(seg)
    return tuple(out)


def comparable(cycle: Cycle) -> RefCycle:
    """The fields of a fast ``Cycle`` that the reference computes, in the reference's form
    (instants in UTC; segments without reasons and event ids, merged by kind and
    calendar), so that ``comparable(c) == ref`` compares everything at once."""
    return RefCycle(
        started_at=cycle.started_at.astimezone(UTC),
        stopped_at=None if cycle.stopped_at is None else cycle.stopped_at.astimezone(UTC),
        state=cycle.state,
        target=cycle.target,
        tier=cycle.tier,
        calendar=cycle.calendar,
        elapsed=cycle.elapsed,
        paused=cycle.paused,
        excluded=cycle.excluded,
        breached=cycle.breached,
        breached_at=None if cycle.breached_at is None else cycle.breached_at.astimezone(UTC),
        due_at=None if cycle.due_at is None else cycle.due_at.astimezone(UTC),
        warnings=tuple(RefWarning(w.threshold, w.at.astimezone(UTC)) for w in cycle.warnings),
        segments=merge_segments(
            RefSegment(s.start.astimezone(UTC), s.end.astimezone(UTC), s.kind, s.calendar)
            for s in cycle.segments
        ),
        start_event_id=cycle.start_event_id,
        stop_event_id=cycle.stop_event_id,
    )


# --------------------------------------------------------------------------- replay


@dataclass
class Stretch:
    """From ``start`` on (until the next stretch or the end of the cycle), what the clock
    does: ``paused`` or counting on ``calendar`` (minus the exclusion windows of
    ``service``), with tier ``tier`` and its target ``target`` (µs) in force."""

    start: int
    paused: bool
    tier: int
    target: int
    calendar: str
    service: Any


@dataclass
class CycleRecord:
    """One cycle as the replay builds it.  ``stop`` is ``None`` while it runs."""

    start: int
    start_event_id: str
    stretches: list[Stretch] = field(default_factory=list)
    stop: int | None = None
    stop_event_id: str | None = None
    stop_type: str | None = None
    state: State | None = None


class Reference:
    """The reference evaluation of one policy; ``run`` evaluates one ticket."""

    def __init__(self, policy: Policy, calendars: Mapping[str, BusinessCalendar]) -> None:
        self.policy = policy
        # The calendars by id: the built-in ``always``, the policy's own, then the caller's.
        specs: dict[str, Any] = {"always": BusinessCalendar.always("UTC").spec}
        specs.update(policy.calendars)
        specs.update({cid: cal.spec for cid, cal in calendars.items()})
        self.clocks = {cid: ReferenceClock(spec) for cid, spec in specs.items()}

    # -- the clock's situation under the ticket's fields

    def tier_for(self, metric: Metric, fields: Mapping[str, Any]) -> int:
        """The first tier whose ``when`` holds (the last one is the default)."""
        for index, tier in enumerate(metric.targets):
            if tier.when is None or tier.when.matches(fields):
                return index
        raise AssertionError("a validated metric always has a default tier")

    def calendar_for(self, metric: Metric, tier: int, fields: Mapping[str, Any]) -> str:
        """The tier's own calendar, else the group's (follow-the-sun), else the policy's."""
        own = metric.targets[tier].calendar
        if own is not None:
            return own
        group = fields.get("assignment_group")
        by_group = self.policy.calendar_by_group
        if isinstance(group, str) and group in by_group:
            return by_group[group]
        return self.policy.calendar

    def target_for(self, metric: Metric, tier: int, calendar: str, cycle_start: int) -> int:
        """The tier's target in µs; a relative target is measured from the cycle's start."""
        spec = metric.targets[tier].target
        if isinstance(spec, BusinessDaysBy):
            return self.relative_target(self.clocks[calendar], cycle_start, spec)
        return spec // ONE_US

    def relative_target(self, clock: ReferenceClock, start: int, spec: BusinessDaysBy) -> int:
        """Business time from ``start`` to ``by`` (calendar zone) on the N-th date after
        the start's local date that has open time (N = 0: the start's date)."""
        day = clock.local_date(start)
        found = 0
        for _ in range(MAX_DAYS_SEARCHED + spec.business_days * 7):
            if found == spec.business_days:
                break
            day += timedelta(days=1)
            if clock.open_spans_us(clock.wall(day, 0), clock.wall(day, 24 * 60)):
                found += 1
        else:
            raise NeverOpenError(f"no {spec.business_days} business days after {day}")
        due = clock.wall(day, spec.by_minutes)
        return max(business_time(clock, start, due), 0)

    def is_paused(self, metric: Metric, fields: Mapping[str, Any]) -> bool:
        """Paused while ``pause`` holds or while ``run_only_when`` does not."""
        if metric.pause is not None and metric.pause.matches(fields):
            return True
        return metric.run_only_when is not None and not metric.run_only_when.matches(fields)

    def situation(
        self, metric: Metric, fields: Mapping[str, Any], cycle: CycleRecord, at: int
    ) -> Stretch:
        """What the clock of ``cycle`` does from ``at`` on, under these fields.  With
        ``on_target_change: keep`` the tier chosen at the cycle's start stays."""
        if metric.on_target_change == "keep" and cycle.stretches:
            tier = cycle.stretches[0].tier
        else:
            tier = self.tier_for(metric, fields)
        calendar = self.calendar_for(metric, tier, fields)
        target = self.target_for(metric, tier, calendar, cycle.start)
        return Stretch(at, self.is_paused(metric, fields), tier, target, calendar,
                       fields.get("service"))

    # -- the cycle rules

    @staticmethod
    def fires(trigger: Trigger | None, event: Event, fields: Mapping[str, Any]) -> bool:
        """The trigger lists the event's type and its ``when`` (if any) holds."""
        if trigger is None or event.type not in trigger.on:
            return False
        return trigger.when is None or trigger.when.matches(fields)

    @staticmethod
    def record(cycle: CycleRecord, stretch: Stretch) -> None:
        """Add a stretch.  One that begins at the same instant as the last replaces it:
        between two events the clock does what the fields after the first say, and
        between two events at one instant there is no time (a state that lasted no time
        is not one the clock was ever in)."""
        if cycle.stretches and cycle.stretches[-1].start == stretch.start:
            cycle.stretches[-1] = stretch
        else:
            cycle.stretches.append(stretch)

    def start_cycle(
        self, metric: Metric, cycles: list[CycleRecord], at: int, event: Event,
        fields: Mapping[str, Any],
    ) -> None:
        """A new cycle starts at ``at`` because of ``event``."""
        cycle = CycleRecord(at, event.event_id)
        self.record(cycle, self.situation(metric, fields, cycle, at))
        cycles.append(cycle)

    @staticmethod
    def end_cycle(cycle: CycleRecord, at: int, event: Event, state: State) -> None:
        """The running ``cycle`` ends at ``at`` as ``state`` because of ``event``."""
        cycle.stop, cycle.stop_event_id, cycle.stop_type = at, event.event_id, event.type
        cycle.state = state

    def step(
        self, metric: Metric, cycles: list[CycleRecord], event: Event, at: int,
        fields: Mapping[str, Any],
    ) -> None:
        """Apply one event (``fields``: the ticket's fields after it) to one metric."""
        last = cycles[-1] if cycles else None
        if last is not None and last.stop is None:  # a cycle is running
            if self.fires(metric.cancel, event, fields):
                self.end_cycle(last, at, event, "cancelled")
            elif self.fires(metric.stop, event, fields):
                self.end_cycle(last, at, event, "stopped")
            elif self.fires(metric.reset, event, fields) or (
                metric.on_target_change == "restart"
                and self.tier_for(metric, fields) != last.stretches[-1].tier
            ):
                # reset, or a restart on a tier change: cancelled, and a new cycle now
                self.end_cycle(last, at, event, "cancelled")
                self.start_cycle(metric, cycles, at, event, fields)
            else:
                self.record(last, self.situation(metric, fields, last, at))
            return
        if (
            event.type == "reopened"
            and last is not None
            and last.state == "stopped"
            and last.stop_type in REOPENABLE
        ):
            if metric.reopen == "resume":
                assert last.stop is not None
                before = last.stretches[-1]
                # Stopped from the stop until the reopening: a paused stretch, with the
                # tier and calendar in force when it stopped.
                self.record(last, Stretch(last.stop, True, before.tier, before.target,
                                          before.calendar, before.service))
                last.stop = last.stop_event_id = last.stop_type = last.state = None
                self.record(last, self.situation(metric, fields, last, at))
            else:
                self.start_cycle(metric, cycles, at, event, fields)
            return
        if self.fires(metric.start, event, fields):
            self.start_cycle(metric, cycles, at, event, fields)

    # -- one ticket

    def run(
        self,
        events: Iterable[Event | Mapping[str, Any]],
        services: Iterable[Event | Mapping[str, Any]] = (),
        as_of: datetime | None = None,
    ) -> dict[str, list[RefCycle]]:
        """Every metric's cycles for one ticket's events (see ``reference_evaluate``)."""
        parsed = [e if isinstance(e, EventBase) else parse_event(e) for e in events]
        if as_of is not None:
            parsed = [e for e in parsed if e.at <= as_of]
        history = canonical_history(parsed)
        windows = exclusion_windows(services, as_of)
        fields: dict[str, Any] = {}
        cycles: dict[str, list[CycleRecord]] = {mid: [] for mid in self.policy.metrics}
        for event in history.events:
            if isinstance(event, TicketOpened):
                apply_changes(fields, event.fields)
            elif isinstance(event, TicketUpdated):
                apply_changes(fields, event.changes)
            at = to_us(event.at)
            for mid, metric in self.policy.metrics.items():
                self.step(metric, cycles[mid], event, at, fields)
        if as_of is not None:
            end = to_us(as_of)
        elif history.events:
            end = max(to_us(e.at) for e in history.events)
        else:
            end = 0
        return {
            mid: [self.finish(metric, cycle, end, windows) for cycle in cycles[mid]]
            for mid, metric in self.policy.metrics.items()
        }

    # -- the numbers of one cycle

    def label(
        self, metric: Metric, stretch: Stretch, lo: int, hi: int,
        windows: Mapping[str, Mapping[Any, list[tuple[int, int]]]],
    ) -> list[Piece]:
        """``[lo, hi)`` of ``stretch`` cut into elementary pieces, each labelled by the
        first rule that applies: paused, excluded, closed, counted."""
        if stretch.paused:
            return [Piece(lo, hi, "paused", stretch.calendar, stretch.target)]
        excluded: list[tuple[int, int]] = []
        for exclusion in metric.exclude:
            excluded += windows[exclusion].get(stretch.service, [])
        open_spans = self.clocks[stretch.calendar].open_spans_us(lo, hi)
        cuts = {lo, hi}
        for a, b in [*excluded, *open_spans]:
            cuts.update(x for x in (a, b) if lo < x < hi)
        points = sorted(cuts)
        pieces = []
        for a, b in itertools.pairwise(points):
            # Nothing changes inside [a, b): the label of its first instant is the label of
            # all of it.
            kind: Kind
            if any(s <= a < e for s, e in excluded):
                kind = "excluded"
            elif any(s <= a < e for s, e in open_spans):
                kind = "counted"
            else:
                kind = "closed"
            pieces.append(Piece(a, b, kind, stretch.calendar, stretch.target))
        return pieces

    def finish(
        self, metric: Metric, cycle: CycleRecord, end: int,
        windows: Mapping[str, Mapping[Any, list[tuple[int, int]]]],
    ) -> RefCycle:
        """The numbers of a cycle, read off its labelled pieces up to its stop or ``end``."""
        span_end = cycle.stop if cycle.stop is not None else end
        stretches = cycle.stretches
        pieces: list[Piece] = []
        for i, stretch in enumerate(stretches):
            hi = stretches[i + 1].start if i + 1 < len(stretches) else span_end
            if stretch.start < hi:
                pieces += self.label(metric, stretch, stretch.start, hi, windows)
        final = stretches[-1]  # the tier in force at the end of the span
        held = [
            TargetHeld(s.start, stretches[i + 1].start if i + 1 < len(stretches) else span_end,
                       s.target)
            for i, s in enumerate(stretches)
        ]
        timeline = Timeline(cycle.start, span_end, pieces, final.target, held)

        def business_in(kind: Kind) -> int:
            return sum(business_time(self.clocks[p.calendar], p.lo, p.hi)
                       for p in pieces if p.kind == kind)

        elapsed = timeline.elapsed(span_end)
        due = timeline.first_reaching(final.target)
        if due is None:  # projected: as if the clock counted on from the end of the span
            try:
                due = to_us(self.clocks[final.calendar].add(
                    from_us(span_end), (final.target - elapsed) * ONE_US))
            except NeverOpenError:
                due = None
        breached_at = timeline.breached_at()
        warnings = []
        for fraction in metric.warn_at:
            crossed = timeline.first_crossing(fraction)
            if crossed is not None:
                warnings.append(RefWarning(fraction, from_us(crossed)))
        running: State = "paused" if final.paused else "running"
        state = cycle.state if cycle.state is not None else running
        return RefCycle(
            started_at=from_us(cycle.start),
            stopped_at=None if cycle.stop is None else from_us(cycle.stop),
            state=state,
            target=final.target * ONE_US,
            tier=final.tier,
            calendar=final.calendar,
            elapsed=elapsed * ONE_US,
            paused=business_in("paused") * ONE_US,
            excluded=business_in("excluded") * ONE_US,
            breached=elapsed > final.target,
            breached_at=None if breached_at is None else from_us(breached_at),
            due_at=None if due is None else from_us(due),
            warnings=tuple(warnings),
            segments=merge_segments(
                RefSegment(from_us(p.lo), from_us(p.hi), p.kind, p.calendar) for p in pieces
            ),
            start_event_id=cycle.start_event_id,
            stop_event_id=cycle.stop_event_id,
        )


@dataclass(frozen=True)
class Piece:
    """An elementary span ``[lo, hi)`` of a cycle: one label, one calendar, one target."""

    lo: int
    hi: int
    kind: Kind
    calendar: str
    target: int


@dataclass(frozen=True)
class TargetHeld:
    """A target (µs) held by one state of the clock from ``lo`` to ``hi``, both included:
    the state the clock was in after one event, until the next event replaced it (at
    ``hi``, after the state was seen).  ``lo == hi`` for a state that lasted no time
    (between two events at the same instant)."""

    lo: int
    hi: int
    target: int


class Timeline:
    """A cycle's labelled pieces, tiling ``[start, end)``, and the questions asked of
    them.  ``end_target`` is the target in force at the instant ``end`` itself; ``held``
    the targets of every state the clock passed through, in replay order."""

    def __init__(
        self, start: int, end: int, pieces: Sequence[Piece], end_target: int,
        held: Sequence[TargetHeld],
    ) -> None:
        self.start = start
        self.end = end
        self.pieces = pieces
        self.end_target = end_target
        self.held = held

    def elapsed(self, t: int) -> int:
        """Counted time in ``[start, t)``."""
        return sum(max(0, min(p.hi, t) - p.lo) for p in self.pieces if p.kind == "counted")

    def candidates(self, amount: int) -> list[int]:
        """Every instant at which elapsed can first reach ``amount`` or at which the
        target can change: the piece boundaries and, inside each counted piece, the
        instant elapsed there equals ``amount``."""
        found = {self.start, self.end}
        for p in self.pieces:
            found.add(p.lo)
            if p.kind == "counted":
                at = p.lo + amount - self.elapsed(p.lo)
                if p.lo <= at <= p.hi:
                    found.add(at)
        return sorted(found)

    def first_reaching(self, amount: int) -> int | None:
        """The first instant in ``[start, end]`` at which elapsed is at least ``amount``
        (``None`` when elapsed stays below it)."""
        for t in self.candidates(amount):
            if self.elapsed(t) >= amount:
                return t
        return None

    def first_crossing(self, fraction: Fraction) -> int | None:
        """The instant a warning at ``fraction`` was raised, as it happened: going through
        the states of the clock in replay order, the first instant ``t`` of a state's
        ``[lo, hi]`` at which elapsed reaches ``ceil(fraction × the state's target)``
        (``None`` if no state sees it).  So a lowered target already past the threshold
        raises it at the change, and a threshold reached exactly when the target changes
        counts for the target that held until then."""
        for state in self.held:
            threshold = math.ceil(fraction * state.target)
            for t in sorted({state.lo, state.hi, *self.candidates(threshold)}):
                if state.lo <= t <= state.hi and self.elapsed(t) >= threshold:
                    return t
        return None

    def above_after(self, t: int) -> bool:
        """Whether elapsed exceeds the target in force at every instant of ``(t, end]``
        (at an instant where several events changed the target, the one in force after
        the last of them).

        Inside a piece the target is constant and elapsed is either constant (not
        counted) or strictly increasing (counted), so each piece is checked at its first
        instant after ``t``: strictly above when the piece starts after ``t``; on the open
        rest of the piece, above iff elapsed is already above there, or (counted) already
        at the target."""
        for p in self.pieces:
            if p.hi <= t:
                continue
            lo = max(p.lo, t)
            e = self.elapsed(lo)
            if p.lo > t and not e > p.target:
                return False
            if not (e >= p.target if p.kind == "counted" else e > p.target):
                return False
        return self.elapsed(self.end) > self.end_target

    def breached_at(self) -> int | None:
        """The first instant from which elapsed exceeds the target and stays above it until
        the end of the span; ``None`` when it does not exceed it at the end."""
        if not self.elapsed(self.end) > self.end_target:
            return None
        candidates: set[int] = set()
        for target in {p.target for p in self.pieces} | {self.end_target}:
            candidates.update(self.candidates(target))
        for t in sorted(candidates):
            if self.above_after(t):
                return t
        raise AssertionError("breached at the end, so above after the end itself")


# --------------------------------------------------------------------------- helpers


def business_time(clock: ReferenceClock, lo: int, hi: int) -> int:
    """Business µs of ``clock`` in ``[lo, hi)`` (negative when ``hi < lo``)."""
    if hi < lo:
        return -business_time(clock, hi, lo)
    return sum(b - a for a, b in clock.open_spans_us(lo, hi))


def apply_changes(fields: dict[str, Any], changes: Mapping[str, Any]) -> None:
    """Fold an ``opened``'s fields or an ``updated``'s changes into the ticket's fields;
    free attributes become ``attributes.<name>``."""
    for key, value in changes.items():
        if key == "attributes" and isinstance(value, Mapping):
            for name, attribute in value.items():
                fields[f"attributes.{name}"] = attribute
        else:
            fields[key] = value


def exclusion_windows(
    services: Iterable[Event | Mapping[str, Any]], as_of: datetime | None
) -> dict[str, dict[Any, list[tuple[int, int]]]]:
    """Per exclusion kind and service id, the windows ``(start, end)`` in µs.

    Maintenance: the windows of ``maintenance_scheduled`` (the latest scheduling of an id
    in canonical order) not cancelled by a ``maintenance_cancelled`` of that id.  Outages:
    from ``outage_started`` to the matching ``outage_ended`` (same ``outage_id``, or both
    without one), to the end of time while not ended.  Service events dated after
    ``as_of`` are ignored."""
    parsed = [e if isinstance(e, EventBase) else parse_event(e) for e in services]
    kept = [e for e in parsed if isinstance(e, ServiceEventBase)
            and (as_of is None or e.at <= as_of)]
    maintenance: dict[Any, list[tuple[int, int]]] = {}
    outages: dict[Any, list[tuple[int, int]]] = {}
    for subject, group in group_by_subject(kept).items():
        scheduled: dict[str, tuple[int, int]] = {}
        down_since: dict[str | None, int] = {}
        down: list[tuple[int, int]] = []
        for event in canonical_history(group).events:
            if isinstance(event, MaintenanceScheduled):
                scheduled[event.window_id] = (to_us(event.start), to_us(event.end))
            elif isinstance(event, MaintenanceCancelled):
                scheduled.pop(event.maintenance_id, None)
            elif isinstance(event, OutageStarted):
                down_since.setdefault(event.outage_id, to_us(event.at))
            elif isinstance(event, OutageEnded) and event.outage_id in down_since:
                down.append((down_since.pop(event.outage_id), to_us(event.at)))
        down += [(since, END_OF_TIME) for since in down_since.values()]
        maintenance[subject.id] = list(scheduled.values())
        outages[subject.id] = down
    return {"maintenance": maintenance, "outage": outages}


def reference_evaluate(
    policy: Policy,
    events: Iterable[Event | Mapping[str, Any]],
    *,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    services: Iterable[Event | Mapping[str, Any]] = (),
    as_of: datetime | None = None,
) -> dict[str, list[RefCycle]]:
    """Per metric of ``policy``, the cycles of one ticket's clock, computed slowly and
    plainly from docs/evaluation.md.  Arguments as for ``slacore.policies.evaluate``
    (``calendars`` by id; ``always`` and the policy's inline calendars are built in)."""
    return Reference(policy, calendars or {}).run(events, services, as_of)
