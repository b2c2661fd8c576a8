"""``evaluate``: a policy and one ticket's events in, every SLA clock's state out.

Pure and deterministic: the result depends only on the *set* of events (their canonical
order, DESIGN §3), the policy, the calendars and ``as_of``.  Every number comes with the
segments that explain it.  The rules are written out in ``docs/evaluation.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from slacore.clock import BusinessCalendar
from slacore.clock.instants import EPOCH, ONE_US, from_us, to_us
from slacore.clock.table import OpenTable
from slacore.errors import InvalidInput, NeverOpenError, Problem
from slacore.events import (
    EVENT_CLASSES,
    Conflict,
    Event,
    MaintenanceCancelled,
    MaintenanceScheduled,
    OutageEnded,
    OutageStarted,
    ServiceEventBase,
    TicketEventBase,
    canonical_history,
    parse_event,
    sort_key,
)
from slacore.policies.conditions import Condition, fields_of
from slacore.policies.durations import BusinessDaysBy
from slacore.policies.model import Metric, Policy
from slacore.policies.results import Cycle, CycleState, Segment, SegmentKind, TicketSla, Warning

_UTC = timezone.utc
_NO_TIME = timedelta(0)  # shared: most cycles have nothing paused or excluded
_ALWAYS = BusinessCalendar.always("UTC")
#: Event types a ``reopened`` undoes: a cycle they stopped can resume or restart.
_REOPENABLE = frozenset({"resolved", "closed"})
_NOTHING: frozenset[str] = frozenset()


class MissingCalendar(InvalidInput):
    """A policy refers to a calendar the caller did not supply."""


# --------------------------------------------------------------------------- ticket state


def _apply(fields: dict[str, Any], changes: Mapping[str, Any]) -> frozenset[str]:
    """Fold an ``opened``/``updated`` payload into the flat field state (attributes become
    ``attributes.<name>``); the names of the fields it set."""
    if "attributes" not in changes:
        fields.update(changes)
        return frozenset(changes)
    names = []
    for key, value in changes.items():
        if key == "attributes" and isinstance(value, Mapping):
            for name, attr in value.items():
                fields[f"attributes.{name}"] = attr
                names.append(f"attributes.{name}")
        else:
            fields[key] = value
            names.append(key)
    return frozenset(names)


def _describe(cond: Condition, fields: Mapping[str, Any]) -> str:
    names = sorted(fields_of(cond))
    return ", ".join(f"{n}={fields.get(n)!r}" for n in names)


# --------------------------------------------------------------------------- exclusions

_Labelled = tuple[int, int, str, str]  # start, end, reason, event id


_FAR = (datetime.max.replace(tzinfo=_UTC) - EPOCH) // ONE_US  # the end of time, in µs
_Windows = tuple[dict[str, list[_Labelled]], dict[str, list[_Labelled]]]
_NO_WINDOWS: _Windows = ({}, {})  # no service events: nothing to exclude


def _service_windows(events: list[ServiceEventBase]) -> tuple[_Windows, tuple[Conflict, ...]]:
    """Maintenance windows and outages per service, from the canonical history of each
    service's events; and the conflicting versions among those events."""
    if not events:
        return _NO_WINDOWS, ()
    by_service: dict[str, list[Event]] = {}
    for given in events:
        by_service.setdefault(given.service_id, []).append(given)  # type: ignore[arg-type]
    chosen: list[Event] = []
    conflicts: list[Conflict] = []
    for group in by_service.values():
        history = canonical_history(group)
        chosen += history.events
        conflicts += history.conflicts
    maintenance: dict[str, dict[str, _Labelled]] = {}
    outages: dict[str, list[_Labelled]] = {}
    open_outages: dict[tuple[str, str | None], tuple[int, str]] = {}
    for ev in sorted(chosen, key=sort_key):
        sid = ev.service_id  # type: ignore[union-attr]  # only service events are here
        if isinstance(ev, MaintenanceScheduled):
            maintenance.setdefault(sid, {})[ev.window_id] = (
                to_us(ev.start, "start"), to_us(ev.end, "end"),
                f"maintenance window {ev.window_id!r} of service {sid!r}", ev.event_id,
            )
        elif isinstance(ev, MaintenanceCancelled):
            maintenance.get(sid, {}).pop(ev.maintenance_id, None)
        elif isinstance(ev, OutageStarted):
            open_outages.setdefault((sid, ev.outage_id), (to_us(ev.at, "at"), ev.event_id))
        elif isinstance(ev, OutageEnded):
            begun = open_outages.pop((sid, ev.outage_id), None)
            if begun is not None:
                outages.setdefault(sid, []).append(
                    (begun[0], to_us(ev.at, "at"), f"outage of service {sid!r}", begun[1])
                )
    for (sid, _), (start, eid) in open_outages.items():  # still down: to the end of time
        outages.setdefault(sid, []).append((start, _FAR, f"outage of service {sid!r}", eid))
    windows = (
        {sid: sorted(ws.values()) for sid, ws in maintenance.items()},
        {sid: sorted(os) for sid, os in outages.items()},
    )
    return windows, tuple(conflicts)


def _exclusion_sources(
    metric: Metric, windows: _Windows
) -> list[dict[str, list[_Labelled]]]:
    """The per-service windows a metric subtracts: maintenance, then outages."""
    sources = []
    if "maintenance" in metric.exclude:
        sources.append(windows[0])
    if "outage" in metric.exclude:
        sources.append(windows[1])
    return sources


def _clip_labelled(spans: list[_Labelled], lo: int, hi: int) -> list[_Labelled]:
    """The parts of labelled spans inside [lo, hi), first label winning where they
    overlap, sorted and disjoint."""
    out: list[_Labelled] = []
    if not spans:
        return out
    covered = lo
    for s, e, reason, eid in sorted(spans):
        s, e = max(s, lo, covered), min(e, hi)
        if s < e:
            out.append((s, e, reason, eid))
            covered = e
    return out


# --------------------------------------------------------------------------- cycles


class _Piece:
    """A stretch of a cycle during which nothing about the clock changes.

    (Plain classes, not dataclasses, here and below: a compiled build makes their
    ``__init__`` native, where a dataclass's generated one stays interpreted.)
    """

    __slots__ = ("calendar", "cause_event", "lo", "pause_event", "paused", "service",
                 "target", "tier")

    def __init__(
        self,
        lo: int,
        paused: str | None,  # reason when the clock does not count
        pause_event: str | None,
        cause_event: str,
        tier: int,
        target: int,
        calendar: str,
        service: Any,
    ) -> None:
        self.lo = lo
        self.paused = paused
        self.pause_event = pause_event
        self.cause_event = cause_event
        self.tier = tier
        self.target = target
        self.calendar = calendar
        self.service = service


class _Build:
    """A cycle while the events are replayed: its pieces, and how it ended if it did."""

    __slots__ = ("end_reason", "pieces", "start", "start_event", "state", "stop",
                 "stop_event", "stop_type")

    def __init__(self, start: int, start_event: str) -> None:
        self.start = start
        self.start_event = start_event
        self.pieces: list[_Piece] = []
        self.stop: int | None = None
        self.stop_event: str | None = None
        self.stop_type: str | None = None
        self.state: CycleState | None = None
        self.end_reason: str | None = None


_ABSENT: Any = object()  # a field not set at all (conditions tell it from a null field)
_Outcome = tuple[int, str, str | None]  # tier index, calendar id, pause reason


class _Plan:
    """What ``evaluate`` needs to know about one metric, worked out once per policy."""

    __slots__ = ("actions", "excluding", "fixed", "fractions", "keep", "memo",
                 "metric", "order", "policy", "relevant", "restart", "start", "types")

    def __init__(self, policy: Policy, metric: Metric) -> None:
        self.policy = policy
        self.metric = metric
        self.keep = metric.on_target_change == "keep"
        self.restart = metric.on_target_change == "restart"
        self.excluding = bool(metric.exclude)
        # Each tier's target in µs, or None when it depends on the cycle's start.
        self.fixed = tuple(
            None if isinstance(t.target, BusinessDaysBy) else t.target // ONE_US
            for t in metric.targets
        )
        # The fields that can change what the clock does; other changes need no new piece.
        conditions = [metric.pause, metric.run_only_when, *(t.when for t in metric.targets)]
        relevant = set().union(*(fields_of(c) for c in conditions if c is not None))
        if policy.calendar_by_group:
            relevant.add("assignment_group")
        if metric.exclude:
            relevant.add("service")
        self.relevant = frozenset(relevant)
        self.order = tuple(sorted(relevant))
        self.memo: dict[tuple[Any, ...], _Outcome] = {}
        # For a running cycle: per event type, the triggers to try in precedence order.
        actions: dict[str, list[tuple[str, Condition | None]]] = {}
        for name in ("cancel", "stop", "reset"):
            trigger = getattr(metric, name)
            if trigger is not None:
                for etype in trigger.on:
                    actions.setdefault(etype, []).append((name, trigger.when))
        self.actions = {k: tuple(v) for k, v in actions.items()}
        self.start = metric.start
        # Event types that can start, stop, cancel, reset or reopen the clock; any other
        # event matters only through the fields it changes.
        self.types = frozenset({*actions, *metric.start.on, "reopened"})
        self.fractions = [(i, f.numerator, f.denominator) for i, f in enumerate(metric.warn_at)]

    def outcome(self, fields: dict[str, Any]) -> _Outcome:
        """What the clock does under these fields: the tier that applies, its calendar,
        and why it does not count (``None`` when it counts)."""
        key = tuple([fields.get(name, _ABSENT) for name in self.order])
        found = self.memo.get(key)
        if found is None:
            found = self._outcome(fields)
            # Remember only keys whose equality is exact (``1 == True == Decimal(1)``
            # would otherwise share a reason text that quotes the value).
            if all(v.__class__ is str or v is None or v is _ABSENT for v in key):
                if len(self.memo) >= 4096:
                    self.memo.clear()
                self.memo[key] = found
        return found

    def _outcome(self, fields: dict[str, Any]) -> _Outcome:
        metric = self.metric
        tier = self.tier(fields)
        paused: str | None = None
        if metric.pause is not None and metric.pause.matches(fields):
            paused = f"paused: {_describe(metric.pause, fields)}"
        elif metric.run_only_when is not None and not metric.run_only_when.matches(fields):
            paused = f"not running: {_describe(metric.run_only_when, fields)}"
        return tier, self.calendar_id(tier, fields), paused

    def tier(self, fields: dict[str, Any]) -> int:
        """The index of the first tier whose condition holds."""
        for i, tier in enumerate(self.metric.targets):
            if tier.when is None or tier.when.matches(fields):
                return i
        raise AssertionError("tiers always end with a default")  # pragma: no cover

    def calendar_id(self, tier_index: int, fields: dict[str, Any]) -> str:
        """The calendar a tier's clock runs on under these fields (follow-the-sun)."""
        tier = self.metric.targets[tier_index]
        if tier.calendar is not None:
            return tier.calendar
        group = fields.get("assignment_group")
        if isinstance(group, str) and group in self.policy.calendar_by_group:
            return self.policy.calendar_by_group[group]
        return self.policy.calendar


class _Compiled:
    """A policy's per-metric plans and the calendar references to check."""

    __slots__ = ("inline_calendars", "needed", "plans", "policy", "references")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.plans = {mid: _Plan(policy, m) for mid, m in policy.metrics.items()}
        self.references = policy.calendar_references()
        self.needed = frozenset(cid for _, cid in self.references)
        self.inline_calendars: dict[str, BusinessCalendar] | None = None

    def inline(self) -> dict[str, BusinessCalendar]:
        """The built-in ``always`` and the calendars defined inside the policy, by id
        (policies with the same inline definition share one calendar and its tables)."""
        if self.inline_calendars is None:
            found: dict[str, BusinessCalendar] = {"always": _ALWAYS}
            for cid, spec in self.policy.calendars.items():
                key = spec.model_dump_json()
                cal = _INLINE.get(key)
                if cal is None:
                    if len(_INLINE) >= 256:
                        _INLINE.clear()
                    cal = _INLINE[key] = BusinessCalendar.from_spec(spec)
                found[cid] = cal
            self.inline_calendars = found
        return self.inline_calendars


_COMPILED: dict[int, _Compiled] = {}


def _compiled(policy: Policy) -> _Compiled:
    """The cached plan of ``policy`` (policies are frozen; the cache holds the object, so
    its ``id`` cannot be reused while cached)."""
    found = _COMPILED.get(id(policy))
    if found is None or found.policy is not policy:
        if len(_COMPILED) >= 64:
            _COMPILED.clear()
        found = _COMPILED[id(policy)] = _Compiled(policy)
    return found


class _Evaluator:
    """Runs one metric's clock over a ticket's canonical events."""

    __slots__ = ("active", "calendars", "cycles", "plan", "relevant", "types")

    def __init__(self, plan: _Plan, calendars: Mapping[str, BusinessCalendar]) -> None:
        self.plan = plan
        self.relevant = plan.relevant
        self.types = plan.types
        self.calendars = calendars
        self.cycles: list[_Build] = []
        self.active: _Build | None = None

    # -- what the clock is doing under the current fields

    def _outcome(self, fields: dict[str, Any], prev: _Piece | None) -> _Outcome:
        plan = self.plan
        tier_index, calendar, paused = plan.outcome(fields)
        if prev is not None and plan.keep and prev.tier != tier_index:
            tier_index = prev.tier
            calendar = plan.calendar_id(tier_index, fields)
        return tier_index, calendar, paused

    def _piece(
        self,
        at: int,
        event_id: str,
        fields: dict[str, Any],
        cycle: _Build,
        outcome: _Outcome | None = None,
    ) -> _Piece:
        plan = self.plan
        prev = cycle.pieces[-1] if cycle.pieces else None
        tier_index, calendar, paused = outcome or self._outcome(fields, prev)
        if prev is not None and prev.tier == tier_index and prev.calendar == calendar:
            target = prev.target
        else:
            fixed = plan.fixed[tier_index]
            target = fixed if fixed is not None else _relative_target(
                self.calendars[calendar], cycle.start,
                plan.metric.targets[tier_index].target,  # type: ignore[arg-type]
            )
        # The event to blame for a stretch is the one that began it: a pause keeps the
        # event that paused the clock, counting keeps the event that (re)started it.
        pause_event, cause = None, event_id
        if prev is not None and paused is not None and prev.paused == paused:
            pause_event = prev.pause_event
        elif paused is not None:
            pause_event = event_id
        if (
            prev is not None
            and paused is None
            and prev.paused is None
            and prev.tier == tier_index
            and prev.calendar == calendar
        ):
            cause = prev.cause_event
        return _Piece(at, paused, pause_event, cause, tier_index, target, calendar,
                      fields.get("service"))

    # -- the state machine

    def _start(self, at: int, event_id: str, fields: dict[str, Any]) -> None:
        cycle = _Build(at, event_id)
        cycle.pieces.append(self._piece(at, event_id, fields, cycle))
        self.cycles.append(cycle)
        self.active = cycle

    def _end(self, at: int, event_id: str, etype: str, state: CycleState, reason: str) -> None:
        cycle = self.active
        assert cycle is not None
        cycle.stop, cycle.stop_event, cycle.stop_type = at, event_id, etype
        cycle.state, cycle.end_reason = state, reason
        self.active = None

    def step(
        self, at: int, event: Event, fields: dict[str, Any], changed: frozenset[str]
    ) -> None:
        """Advance the clock over one event (``fields`` are the ticket's fields after it,
        ``changed`` the names of the fields it changed).  Events of other types than the
        metric's triggers and ``reopened`` matter only through ``change``."""
        etype, eid = event.type, event.event_id
        cycle = self.active
        if cycle is not None:
            for action, when in self.plan.actions.get(etype, ()):
                if when is not None and not when.matches(fields):
                    continue
                if action == "cancel":
                    self._end(at, eid, etype, "cancelled", f"cancelled by {etype} ({eid})")
                elif action == "stop":
                    self._end(at, eid, etype, "stopped", f"stopped by {etype} ({eid})")
                else:
                    self._end(at, eid, etype, "cancelled", f"reset by {etype} ({eid})")
                    self._start(at, eid, fields)
                return
            if not self.relevant.isdisjoint(changed):
                self.change(at, eid, etype, fields)
            return
        last = self.cycles[-1] if self.cycles else None
        if (
            etype == "reopened"
            and last is not None
            and last.state == "stopped"
            and last.stop_type in _REOPENABLE
        ):
            if self.plan.metric.reopen == "resume":
                assert last.stop is not None
                gap = f"stopped by {last.stop_type} ({last.stop_event}) until reopened ({eid})"
                prev = last.pieces[-1]
                last.pieces.append(
                    _Piece(last.stop, gap, last.stop_event, last.stop_event or eid, prev.tier,
                           prev.target, prev.calendar, prev.service)
                )
                last.stop = last.stop_event = last.stop_type = None
                last.state = last.end_reason = None
                self.active = last
                last.pieces.append(self._piece(at, eid, fields, last))
            else:
                self._start(at, eid, fields)
            return
        start = self.plan.start
        if etype in start.on and (start.when is None or start.when.matches(fields)):
            self._start(at, eid, fields)

    def change(self, at: int, eid: str, etype: str, fields: dict[str, Any]) -> None:
        """Fields the running clock depends on changed (``fields`` are the new ones)."""
        cycle = self.active
        assert cycle is not None
        prev = cycle.pieces[-1]
        outcome = self._outcome(fields, prev)
        if (
            outcome == (prev.tier, prev.calendar, prev.paused)
            and prev.service == fields.get("service")
        ):
            return  # changed, but to values that change nothing about the clock
        piece = self._piece(at, eid, fields, cycle, outcome)
        if self.plan.restart and piece.tier != prev.tier:
            self._end(at, eid, etype, "cancelled",
                      f"restarted: target changed by {etype} ({eid})")
            self._start(at, eid, fields)
            return
        cycle.pieces.append(piece)


def _relative_target(cal: BusinessCalendar, start: int, spec: BusinessDaysBy) -> int:
    """Business µs from ``start`` to ``by`` on the n-th business day after start's date."""
    zone = cal.timezone
    day = from_us(start, zone).date()
    timeline = cal.timeline
    found = 0
    for _ in range(spec.business_days * 7 + 3660):
        if found == spec.business_days:
            break
        day += timedelta(days=1)
        lo = _wall_us(day, 0, zone)
        if timeline.elapsed(lo, _wall_us(day + timedelta(days=1), 0, zone)) > 0:
            found += 1
    else:
        raise NeverOpenError(f"no {spec.business_days} business days found after {day}")
    due = _wall_us(day, spec.by_minutes, zone)
    return max(timeline.elapsed(start, due), 0)


def _wall_us(day: date, minute: int, zone: Any) -> int:
    if minute == 1440:
        day, minute = day + timedelta(days=1), 0
    dt = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
    return (dt - EPOCH) // ONE_US


# --------------------------------------------------------------------------- segments

_Seg = tuple[int, int, SegmentKind, str, str | None, str, int]  # + target of the piece


_REASONS: dict[str, tuple[str, str]] = {}


def _reasons(cal_id: str) -> tuple[str, str]:
    """The reasons shown for closed and for counted time on a calendar."""
    found = _REASONS.get(cal_id)
    if found is None:
        if len(_REASONS) >= 1024:
            _REASONS.clear()
        found = _REASONS[cal_id] = (f"outside the hours of {cal_id}", f"counting on {cal_id}")
    return found


def _segments(
    build: _Build,
    end: int,
    metric: Metric,
    calendars: Mapping[str, BusinessCalendar],
    windows: _Windows,
) -> list[_Seg]:
    out: list[_Seg] = []
    append = out.append
    pieces = build.pieces
    last = len(pieces) - 1
    sources = _exclusion_sources(metric, windows)
    for k, piece in enumerate(pieces):
        lo = piece.lo
        hi = pieces[k + 1].lo if k < last else end
        if hi <= lo:
            continue
        mark = len(out)
        cal_id, target = piece.calendar, piece.target
        if piece.paused is not None:
            append((lo, hi, "paused", piece.paused, piece.pause_event, cal_id, target))
        else:
            closed, counting = _reasons(cal_id)
            cause = piece.cause_event
            timeline = calendars[cal_id].timeline
            labelled: list[_Labelled] = []
            if isinstance(piece.service, str):
                for source in sources:
                    labelled += source.get(piece.service, [])
            cursor = lo
            for s, e, reason, eid in [*_clip_labelled(labelled, lo, hi), (hi, hi, "", "")]:
                if cursor < s:  # a stretch with no exclusion: counted where open, else closed
                    for os_, oe in timeline.spans(cursor, s):
                        if cursor < os_:
                            append((cursor, os_, "closed", closed, None, cal_id, target))
                        append((os_, oe, "counted", counting, cause, cal_id, target))
                        cursor = oe
                    if cursor < s:
                        append((cursor, s, "closed", closed, None, cal_id, target))
                if s < e:
                    append((s, e, "excluded", f"excluded: {reason}", eid, cal_id, target))
                cursor = max(cursor, e)
        # Within a piece, touching segments always differ; across a piece boundary they
        # merge when they look the same (closed hours merge whatever event came between).
        if 0 < mark < len(out):
            p, seg = out[mark - 1], out[mark]
            if (
                p[1] == seg[0] and p[2] == seg[2] and p[3] == seg[3] and p[5] == seg[5]
                and p[6] == seg[6] and (seg[2] == "closed" or p[4] == seg[4])
            ):
                out[mark - 1] = (p[0], seg[1], *p[2:])
                del out[mark]
    return out


def _thresholds(fractions: list[tuple[int, int, int]], target: int) -> list[tuple[int, int]]:
    """Each warning's index and the elapsed µs that reaches it: ceil(f * target), exactly."""
    return [(f, -(-num * target // den)) for f, num, den in fractions]


_Instants = dict[int, datetime]  # epoch µs -> aware UTC datetime, for one evaluation


def _utc(seen: _Instants, us: int) -> datetime:
    """The aware UTC datetime of an epoch-µs instant, made once per evaluation (cycles
    share their start, one segment's end is the next one's start)."""
    found = seen.get(us)
    if found is None:
        try:
            found = EPOCH + ONE_US * us
        except OverflowError:
            found = from_us(us, _UTC)  # names the instant out of range
        seen[us] = found
    return found


def _public(segs: list[_Seg], utc: _Instants) -> tuple[Segment, ...]:
    """Segments as shown: touching ones that look the same merge (the target each
    belonged to matters to the walk above, not to the reader)."""
    out: list[Segment] = []
    prev: _Seg | None = None
    for seg in segs:
        if prev is not None and prev[1] == seg[0] and prev[2:6] == seg[2:6]:
            last = out[-1]
            out[-1] = Segment(last.start, _utc(utc, seg[1]), last.kind, last.reason,
                              last.event_id, last.calendar)
        else:
            out.append(Segment(_utc(utc, seg[0]), _utc(utc, seg[1]), seg[2], seg[3], seg[4],
                               seg[5]))
        prev = seg
    return tuple(out)


_Stretch = tuple[int, int, SegmentKind, str, int]  # start, end, kind, calendar id, target

#: Count every cycle through its segments, as exclusions require, even without any: tests
#: set it to check that both ways give the same numbers (a variable, not a patched
#: function, so that it also reaches callers in a compiled build).
COUNT_BY_SEGMENTS = False


def _piece_stretches(pieces: list[_Piece], end: int) -> list[_Stretch]:
    """A cycle's pieces as stretches: counted where its calendar is open, or paused."""
    out: list[_Stretch] = []
    last = len(pieces) - 1
    for k, piece in enumerate(pieces):
        lo = piece.lo
        hi = pieces[k + 1].lo if k < last else end
        if lo < hi:
            kind: SegmentKind = "counted" if piece.paused is None else "paused"
            out.append((lo, hi, kind, piece.calendar, piece.target))
    return out


_Numbers = tuple[int, int, int, int | None, int | None, dict[int, int]]
"""elapsed, paused, excluded, breached_at, due_at, warnings reached (index -> instant)."""


def _count(
    stretches: Iterable[_Stretch],
    start: int,
    last_target: int,
    fractions: list[tuple[int, int, int]],
    calendars: Mapping[str, BusinessCalendar],
) -> _Numbers:
    """A cycle's numbers, walking its stretches in time order.

    A stretch counts (``counted``) the open time of its calendar in it, or adds it to the
    paused or excluded total; ``closed`` ones add nothing.  Each stretch carries the target
    then in force: a breach lasts while elapsed stays above the target in force, so only
    a new target can end it.  Exclusions cut pieces into segments, and then the segments
    are walked (their counted stretches are all open time); otherwise the pieces are.
    """
    cum = paused = excluded = 0
    breached_at: int | None = None
    # the first instant elapsed reaches the final target (a zero one: the cycle's start)
    due_at: int | None = start if last_target <= 0 else None
    warned: dict[int, int] = {}  # index in warn_at -> instant first reached
    # The target in force: none before the first stretch (a tier that held for no time
    # at the start raises no warning; a zero target in force is reached at once).
    current = -1
    needed: list[tuple[int, int]] = []
    table: OpenTable | None = None  # the last stretch's calendar table, its end, C(end)
    last_hi = last_c = 0
    for lo, hi, kind, cal_id, target in stretches:
        if target != current:  # a new target, in force from ``lo``
            current = target
            needed = _thresholds(fractions, target) if fractions else []
            if cum <= target:
                breached_at = None
            elif breached_at is None:
                breached_at = lo
            for f, n in needed:
                if f not in warned and cum >= n:
                    warned[f] = lo
        if kind == "closed":
            continue
        # Cumulative open time C (clock/table.py) at both ends; a stretch usually starts
        # where the last one ended, on the same calendar.
        timeline = calendars[cal_id].timeline
        c_lo = last_c if timeline is table and lo == last_hi else timeline.cumulative(lo)
        c_hi = timeline.cumulative(hi)
        table, last_hi, last_c = timeline, hi, c_hi
        length = c_hi - c_lo
        if kind != "counted":
            if kind == "paused":
                paused += length
            else:
                excluded += length
            continue
        if length <= 0:
            continue
        # Breached: the first counted instant past the target (counting resumes there).
        if breached_at is None and cum + length > target:
            breached_at = timeline.passing(c_lo + max(target - cum, 0), lo)
        # A warning: the first instant counted time reaches its threshold.
        for f, n in needed:
            if f not in warned and cum + length >= n:
                d = n - cum
                warned[f] = timeline.reaching(c_lo + d, lo) if d > 0 else timeline.passing(
                    c_lo, lo)
        if due_at is None and cum + length >= last_target:
            due_at = timeline.reaching(c_lo + last_target - cum, lo)  # not yet reached
        cum += length
    return cum, paused, excluded, breached_at, due_at, warned


def _excludes(build: _Build, plan: _Plan, windows: _Windows) -> bool:
    """Some piece of the cycle may lose time to an exclusion."""
    if not plan.excluding or windows is _NO_WINDOWS:
        return False
    sources = [source for source in _exclusion_sources(plan.metric, windows) if source]
    return bool(sources) and any(
        isinstance(p.service, str) and any(source.get(p.service) for source in sources)
        for p in build.pieces
    )


def _cycle(
    index: int,
    metric_id: str,
    build: _Build,
    end: int,
    plan: _Plan,
    calendars: Mapping[str, BusinessCalendar],
    windows: _Windows,
    utc: _Instants,
) -> Cycle:
    metric = plan.metric
    if build.stop is not None:
        end = build.stop
    pieces = build.pieces
    last = pieces[-1]
    last_target = last.target
    segs: list[_Seg] | None = None
    stretches: list[_Stretch]
    if COUNT_BY_SEGMENTS or _excludes(build, plan, windows):
        segs = _segments(build, end, metric, calendars, windows)
        stretches = [(s, e, kind, cal, t) for s, e, kind, _, _, cal, t in segs]
    else:
        stretches = _piece_stretches(pieces, end)
    cum, paused, excluded, breached_at, due_at, warned = _count(
        stretches, build.start, last_target, plan.fractions, calendars
    )
    if cum <= last_target:
        breached_at = None
    elif breached_at is None:
        breached_at = end
    if plan.fractions:
        for f, n in _thresholds(plan.fractions, last_target):
            if f not in warned and cum >= n:
                warned[f] = end
    if cum < last_target:  # not reached: projected from the end of the evaluated span
        try:
            due_at = calendars[last.calendar].timeline.forward(end, last_target - cum)
        except NeverOpenError:
            due_at = None
    state: CycleState
    if build.state is not None:
        state = build.state
    else:
        state = "paused" if last.paused is not None else "running"

    def segments() -> tuple[Segment, ...]:
        return _public(
            segs if segs is not None else _segments(build, end, metric, calendars, windows),
            utc,
        )

    return Cycle(
        metric_id,
        index,
        _utc(utc, build.start),
        None if build.stop is None else _utc(utc, build.stop),
        state,
        build.end_reason,
        ONE_US * last_target,
        last.tier,
        last.calendar,
        ONE_US * cum if cum else _NO_TIME,
        ONE_US * paused if paused else _NO_TIME,
        ONE_US * excluded if excluded else _NO_TIME,
        breached_at is not None,
        None if breached_at is None else _utc(utc, breached_at),
        None if due_at is None else _utc(utc, due_at),
        tuple([Warning(metric.warn_at[i], _utc(utc, t)) for i, t in sorted(warned.items())])
        if warned else (),
        segments,
        build.start_event,
        build.stop_event,
    )


# --------------------------------------------------------------------------- entry point


_INLINE: dict[str, BusinessCalendar] = {}  # calendars defined inside policies, by spec


def resolve_calendars(
    policy: Policy, calendars: Mapping[str, BusinessCalendar] | None = None
) -> dict[str, BusinessCalendar]:
    """The calendars a policy needs, by id: the caller's, then the policy's inline ones,
    then the built-in ``always``.  ``MissingCalendar`` names any still unknown."""
    return _resolve_calendars(_compiled(policy), calendars)


def _resolve_calendars(
    compiled: _Compiled, calendars: Mapping[str, BusinessCalendar] | None
) -> dict[str, BusinessCalendar]:
    out = {**compiled.inline(), **(calendars or {})}
    if compiled.needed.issubset(out):
        return out
    missing = [(path, cid) for path, cid in compiled.references if cid not in out]
    if missing:
        raise MissingCalendar(
            [Problem(path, cid, "no such calendar was supplied") for path, cid in missing],
            what="calendars",
        )
    return out


def evaluate(
    policy: Policy,
    events: Iterable[Event | Mapping[str, Any]],
    *,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    services: Iterable[Event | Mapping[str, Any]] = (),
    as_of: datetime | None = None,
) -> TicketSla:
    """Every SLA clock of one ticket under ``policy``.

    ``events`` are the ticket's events in any order, duplicates allowed; ``services`` the
    events of its services (maintenance windows, outages) used by exclusions; ``as_of``
    is the instant to evaluate at: later events are ignored and running clocks run to it
    (when ``None``, to the ticket's last event).  Pure: the same inputs give the same
    result, whatever their order.
    """
    compiled = _compiled(policy)
    cals = _resolve_calendars(compiled, calendars)
    as_of_us = None if as_of is None else to_us(as_of, "as_of")
    parsed: list[Event] = [
        e if type(e) in EVENT_CLASSES else parse_event(e) for e in events  # type: ignore[misc]
    ]
    if as_of_us is not None:
        parsed = [e for e in parsed if to_us(e.at, "at") <= as_of_us]
    history = canonical_history(parsed)
    service_events: list[ServiceEventBase] = []
    for item in services:
        ev = item if isinstance(item, TicketEventBase | ServiceEventBase) else parse_event(item)
        if isinstance(ev, ServiceEventBase) and (
            as_of_us is None or to_us(ev.at, "at") <= as_of_us
        ):
            service_events.append(ev)
    windows, service_conflicts = _service_windows(service_events)
    runners = {mid: _Evaluator(plan, cals) for mid, plan in compiled.plans.items()}
    steppers = list(runners.values())
    fields: dict[str, Any] = {}
    last_at: int | None = None
    for event, at in zip(history.events, history.instants, strict=True):
        last_at = at
        etype = event.type
        if etype == "updated":
            changed = _apply(fields, event.changes)  # type: ignore[union-attr]
        elif etype == "opened":
            changed = _apply(fields, event.fields)  # type: ignore[union-attr]
        else:
            changed = _NOTHING
        for runner in steppers:
            if etype in runner.types:
                runner.step(at, event, fields, changed)
            elif changed and runner.active is not None and not runner.relevant.isdisjoint(
                changed
            ):
                runner.change(at, event.event_id, etype, fields)
    end = as_of_us if as_of_us is not None else last_at
    metrics: dict[str, tuple[Cycle, ...]] = {}
    utc: _Instants = {}
    metric_end = end if end is not None else 0
    for mid, runner in runners.items():
        metrics[mid] = tuple(
            _cycle(i, mid, build, metric_end, runner.plan, cals, windows, utc)
            for i, build in enumerate(runner.cycles)
        )
    return TicketSla(
        ticket_id=history.ticket_id,
        policy_id=policy.id,
        policy_version=policy.version,
        as_of=as_of,
        metrics=metrics,
        anomalies=history.anomalies,
        conflicts=history.conflicts + service_conflicts,
        fields=fields,
    )
