"""The canonical order of events and the canonical history of one ticket (or service):
sorted, de-duplicated, conflicts and anomalies reported.  A pure function of the *set*
of events given: arrival order and repeated deliveries do not change it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias

from slacore.errors import InvalidInput, NaiveDatetimeError, Problem
from slacore.events.codec import canonical_json, to_json
from slacore.events.models import (
    EVENT_CLASSES,
    Event,
    EventBase,
    MaintenanceCancelled,
    MaintenanceScheduled,
    OutageEnded,
    OutageStarted,
    Subject,
    TicketOpened,
    _parse,
)

__all__ = [
    "TYPE_RANK",
    "Anomaly",
    "AnomalyKind",
    "Conflict",
    "History",
    "InvalidHistory",
    "SortKey",
    "canonical_history",
    "group_by_subject",
    "sort_key",
    "utc_microseconds",
]

TYPE_RANK: Final[Mapping[str, int]] = MappingProxyType(
    {
        # ticket events: the order of a ticket's life
        "opened": 0,
        "updated": 1,
        "agent_responded": 2,
        "customer_responded": 3,
        "resolved": 4,
        "reopened": 5,
        "rca_requested": 6,
        "rca_delivered": 7,
        "cancelled": 8,
        "closed": 9,
        # service events
        "maintenance_scheduled": 10,
        "maintenance_cancelled": 11,
        "outage_started": 12,
        "outage_ended": 13,
        "vendor_uptime_reported": 14,
    }
)
"""Tie-break between events at the same instant (and the same ``seq``): lower first."""

_RANK: Final[dict[str, int]] = dict(TYPE_RANK)
_UTC = timezone.utc
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=_UTC)

SortKey: TypeAlias = tuple[int, bool, int, int, str]
"""``(UTC microseconds, seq is None, seq or 0, TYPE_RANK[type], event_id)``."""


def utc_microseconds(at: datetime) -> int:
    """An aware instant as integer microseconds since 1970-01-01T00:00Z (exact)."""
    try:
        since = at - _EPOCH
    except TypeError:  # naive, or a tzinfo whose utcoffset() is None
        raise NaiveDatetimeError("at", at) from None
    # A timedelta's parts, not ``since // 1 µs``: no big-integer division.
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def sort_key(event: EventBase) -> SortKey:
    """The canonical order: by ``at`` (as a UTC instant), then ``seq`` (events without a
    ``seq`` after those with one), then ``TYPE_RANK``, then ``event_id``.  Never by arrival.
    """
    seq = event.seq
    return (
        utc_microseconds(event.at),
        seq is None,
        0 if seq is None else seq,
        _RANK[event.type],
        event.event_id,
    )


AnomalyKind: TypeAlias = Literal[
    "before_opened", "opened_again", "no_opened", "unknown_maintenance", "unknown_outage"
]


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Something odd but legal in a history, reported rather than refused.

    ``before_opened``: the event sorts before the ticket's ``opened`` (dated earlier, or at
    the same instant but ordered earlier by ``seq``).  ``opened_again``: a further
    ``opened`` event (the first one in canonical order opens the ticket).  ``no_opened``:
    the ticket has events but no ``opened`` yet (``event_id`` is ``None``).
    ``unknown_maintenance`` / ``unknown_outage``: a ``maintenance_cancelled`` /
    ``outage_ended`` whose id no ``maintenance_scheduled`` / ``outage_started`` carries.
    """

    kind: AnomalyKind
    event_id: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """Several versions of one ``event_id`` with different content.

    ``versions`` holds each distinct version once, ordered by ``canonical_json``;
    ``chosen`` (the first of them, the one with the smallest canonical JSON) is the one
    the history uses.  The choice depends only on the versions, never on arrival order.
    """

    event_id: str
    chosen: Event
    versions: tuple[Event, ...]

    @property
    def others(self) -> tuple[Event, ...]:
        """The versions the history does not use."""
        return self.versions[1:]


@dataclass(frozen=True)
class History:
    """The canonical history of one ticket (or one service).

    ``events``: one event per ``event_id``, in canonical order (``sort_key``).
    ``conflicts``: per ``event_id`` with differing versions, ordered by ``event_id``.
    ``anomalies``: in the order of the events they concern.
    ``duplicates``: how many events given were dropped as copies of another (same
    ``event_id``, same canonical content).  It describes the delivery, not the facts, so
    it is left out of ``==``: histories built from the same set of events are equal
    however often each was delivered.
    """

    subject: Subject | None
    events: tuple[Event, ...]
    conflicts: tuple[Conflict, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    duplicates: int = field(default=0, compare=False)
    instants: tuple[int, ...] = field(default=(), compare=False, repr=False)
    """The events' instants as UTC microseconds since the epoch, aligned with
    ``events`` (derived from them; kept so that callers need not convert again)."""

    @property
    def ticket_id(self) -> str | None:
        """The ticket's id, or ``None`` for a service history or an empty one."""
        return self.subject.id if self.subject and self.subject.kind == "ticket" else None

    @property
    def service_id(self) -> str | None:
        """The service's id, or ``None`` for a ticket history or an empty one."""
        return self.subject.id if self.subject and self.subject.kind == "service" else None

    @property
    def opened(self) -> TicketOpened | None:
        """The ``opened`` event that opens the ticket (the first in canonical order)."""
        for event in self.events:
            if isinstance(event, TicketOpened):
                return event
        return None

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)


class InvalidHistory(InvalidInput):
    """Events that cannot form one history (they belong to several tickets/services)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(list(problems), what="history")


def _subject_order(subject: Subject) -> tuple[bool, str]:
    return (subject.kind != "ticket", subject.id)


def group_by_subject(events: Iterable[Event | Mapping[str, Any]]) -> dict[Subject, list[Event]]:
    """Split events per ticket / service, ready for ``canonical_history``; the keys are
    sorted (tickets first), each list keeps the given order."""
    groups: dict[Subject, list[Event]] = {}
    for index, item in enumerate(events):
        event = _parse(item, index=index)
        groups.setdefault(event.subject, []).append(event)
    return {subject: groups[subject] for subject in sorted(groups, key=_subject_order)}


def _mixed(groups: dict[Subject, list[Event]]) -> InvalidHistory:
    subjects = sorted(groups, key=_subject_order)
    first = subjects[0]
    problems = []
    for other in subjects[1:]:
        example = min(e.event_id for e in groups[other])
        where = "ticket_id" if other.kind == "ticket" else "service_id"
        problems.append(
            Problem(
                where,
                other.id,
                f"event {example!r} belongs to {other}, but the history is of {first}; a "
                "history holds one ticket's or one service's events (split them with "
                "group_by_subject)",
            )
        )
    return InvalidHistory(problems)


def _resolve(
    by_id: dict[str, list[Event]],
) -> tuple[list[Event], list[Conflict], int]:
    """One event per id; the conflicts; the number of dropped copies."""
    chosen: list[Event] = []
    conflicts: list[Conflict] = []
    duplicates = 0
    for event_id in sorted(by_id):
        group = by_id[event_id]
        distinct = list({id(e): e for e in group}.values())  # the same object many times
        duplicates += len(group) - len(distinct)
        if len(distinct) == 1:
            chosen.append(distinct[0])
            continue
        # Identical JSON needs no canonical form; only distinct spellings are compared by
        # content.
        spellings: dict[str, Event] = {}
        for event in distinct:
            spellings.setdefault(to_json(event), event)
        variants: dict[str, list[str]] = {}
        for text, event in spellings.items():
            variants.setdefault(canonical_json(event), []).append(text)
        duplicates += len(distinct) - len(variants)
        # Within one content, the representative is the smallest exact JSON (e.g. the same
        # instant written with different offsets), so the choice is arrival-independent.
        versions = tuple(spellings[min(variants[c])] for c in sorted(variants))
        chosen.append(versions[0])
        if len(versions) > 1:
            conflicts.append(Conflict(event_id, versions[0], versions))
    return chosen, conflicts, duplicates


def _ticket_anomalies(subject: Subject, events: list[Event]) -> list[Anomaly]:
    opened = next((e for e in events if e.type == "opened"), None)
    if opened is None:
        message = f"{subject} has no 'opened' event (it may arrive later)"
        return [Anomaly("no_opened", None, message)]
    anomalies = []
    before = True
    for event in events:
        if event is opened:
            before = False
        elif before:
            if event.at < opened.at:
                why = f"is dated {event.at.isoformat()}, before"
            else:
                why = "has the same instant as, but a seq ordering it before,"
            anomalies.append(
                Anomaly(
                    "before_opened",
                    event.event_id,
                    f"{event.type!r} event {why} the 'opened' event {opened.event_id!r} "
                    f"({opened.at.isoformat()})",
                )
            )
        elif event.type == "opened":
            anomalies.append(
                Anomaly(
                    "opened_again",
                    event.event_id,
                    f"{subject} was already opened by {opened.event_id!r} at "
                    f"{opened.at.isoformat()}; this 'opened' is treated as a fact, not a "
                    "second opening",
                )
            )
    return anomalies


def _service_anomalies(events: list[Event]) -> list[Anomaly]:
    windows = {e.window_id for e in events if isinstance(e, MaintenanceScheduled)}
    outages = {e.outage_id for e in events if isinstance(e, OutageStarted)}
    anomalies = []
    for event in events:
        if isinstance(event, MaintenanceCancelled) and event.maintenance_id not in windows:
            anomalies.append(
                Anomaly(
                    "unknown_maintenance",
                    event.event_id,
                    f"cancels maintenance {event.maintenance_id!r}, which no "
                    "'maintenance_scheduled' event of the service defines",
                )
            )
        if (
            isinstance(event, OutageEnded)
            and event.outage_id is not None
            and event.outage_id not in outages
        ):
            anomalies.append(
                Anomaly(
                    "unknown_outage",
                    event.event_id,
                    f"ends outage {event.outage_id!r}, which no 'outage_started' event of "
                    "the service has",
                )
            )
    return anomalies


def canonical_history(events: Iterable[Event | Mapping[str, Any]]) -> History:
    """The canonical history of one ticket's (or one service's) events.

    Events may come in any order and any number of times; mappings are parsed with
    ``parse_event``.  Same ``event_id`` and same canonical content: a duplicate, dropped
    (counted in ``duplicates``).  Same ``event_id``, different content: a ``Conflict``;
    the history uses the version with the smallest ``canonical_json`` and reports all.
    Events of more than one ticket/service raise ``InvalidHistory``.
    """
    given: list[Event] = [
        item if type(item) in EVENT_CLASSES else _parse(item, index=index)  # type: ignore[misc]
        for index, item in enumerate(events)
    ]
    if not given:
        return History(None, ())
    subject = given[0].subject
    same_subject = (
        {getattr(e, "ticket_id", None) for e in given}
        if subject.kind == "ticket"
        else {getattr(e, "service_id", None) for e in given}
    ) == {subject.id}
    chosen: list[Event]
    conflicts: list[Conflict]
    if same_subject and len({e.event_id for e in given}) == len(given):
        # the usual case: each event once, all of one subject
        chosen, conflicts, duplicates = given, [], 0
    else:
        by_id: dict[str, list[Event]] = {}
        groups: dict[Subject, list[Event]] = {}
        for event in given:
            by_id.setdefault(event.event_id, []).append(event)
            groups.setdefault(event.subject, []).append(event)
        if len(groups) > 1:
            raise _mixed(groups)
        chosen, conflicts, duplicates = _resolve(by_id)
    keyed = sorted([(sort_key(e), e) for e in chosen])  # unique keys: event_id is last
    chosen = [e for _, e in keyed]
    if subject.kind == "ticket":
        anomalies = _ticket_anomalies(subject, chosen)
    else:
        anomalies = _service_anomalies(chosen)
    return History(subject, tuple(chosen), tuple(conflicts), tuple(anomalies), duplicates,
                   tuple([k[0] for k, _ in keyed]))
