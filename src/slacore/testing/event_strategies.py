"""Hypothesis strategies for slacore events: single events, whole ticket histories and
service histories, with the awkward cases favoured (events at the same instant, equal
``seq``s, missing ``seq``s, many time zones and odd offsets such as +05:45, microseconds,
facts dated before the opening).

Use them to property-test your own policies, for example::

    from hypothesis import given, strategies as st
    from slacore.events import canonical_history
    from slacore.testing.event_strategies import ticket_histories

    @given(ticket_histories(), st.randoms())
    def test_order_does_not_matter(events, rnd):
        shuffled = list(events)
        rnd.shuffle(shuffled)
        assert canonical_history(shuffled) == canonical_history(events)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from slacore.events import (
    AgentResponded,
    CustomerResponded,
    Event,
    MaintenanceCancelled,
    MaintenanceScheduled,
    OutageEnded,
    OutageStarted,
    ServiceEvent,
    TicketCancelled,
    TicketClosed,
    TicketEvent,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    TicketUpdated,
    VendorUptimeReported,
)
from slacore.testing.strategies import ZONES

__all__ = [
    "EXAMPLE_EVENTS",
    "FIELD_VOCABULARY",
    "FIXED_OFFSETS",
    "event_ids",
    "event_instants",
    "events",
    "field_values",
    "service_events",
    "service_histories",
    "ticket_events",
    "ticket_fields",
    "ticket_histories",
    "time_zones",
]

FIXED_OFFSETS: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(hours=5, minutes=45),  # Nepal
    timedelta(hours=-3, minutes=-30),  # Newfoundland
    timedelta(hours=14),
    timedelta(hours=-12),
    timedelta(hours=12, minutes=45),
)
"""Numeric offsets used besides the IANA zones of ``slacore.testing.strategies.ZONES``."""

FIELD_VOCABULARY: dict[str, tuple[Any, ...]] = {
    "status": ("new", "in_progress", "awaiting_customer", "awaiting_vendor", "resolved"),
    "priority": ("P1", "P2", "P3", "P4"),
    "impact": (1, 2, 3, "high", "low"),
    "urgency": (1, 2, 3, "high", "low"),
    "assignment_group": ("desk", "network", "apac-net", "dba"),
    "assignee": ("alice", "bob", "chandra", None),
    "vendor": ("acme-telco", "globex-cloud", None),
    "service": ("email", "vpn", "erp"),
    "category": ("incident", "request", "problem"),
    "customer": ("acme", "initech", "umbrella"),
}
"""Plausible values per known ticket field (``None`` means "cleared")."""

_AT = "2026-03-02T09:00:00+01:00"

EXAMPLE_EVENTS: dict[str, dict[str, Any]] = {
    "opened": {
        "type": "opened",
        "event_id": "e1",
        "ticket_id": "INC1",
        "at": _AT,
        "fields": {
            "priority": "P2",
            "status": "new",
            "service": "email",
            "assignment_group": "desk",
            "customer": "acme",
            "attributes": {"channel": "phone", "vip": True},
        },
    },
    "updated": {
        "type": "updated",
        "event_id": "e2",
        "ticket_id": "INC1",
        "at": "2026-03-02T09:30:00+01:00",
        "seq": 2,
        "source": "servicenow",
        "actor": "alice",
        "changes": {"status": "awaiting_customer", "assignee": None},
    },
    "agent_responded": {
        "type": "agent_responded",
        "event_id": "e3",
        "ticket_id": "INC1",
        "at": _AT,
    },
    "customer_responded": {
        "type": "customer_responded",
        "event_id": "e4",
        "ticket_id": "INC1",
        "at": _AT,
    },
    "resolved": {"type": "resolved", "event_id": "e5", "ticket_id": "INC1", "at": _AT},
    "reopened": {"type": "reopened", "event_id": "e6", "ticket_id": "INC1", "at": _AT},
    "closed": {"type": "closed", "event_id": "e7", "ticket_id": "INC1", "at": _AT},
    "cancelled": {"type": "cancelled", "event_id": "e8", "ticket_id": "INC1", "at": _AT},
    "rca_requested": {
        "type": "rca_requested",
        "event_id": "e9",
        "ticket_id": "INC1",
        "at": _AT,
        "rca_id": "RCA1",
        "vendor": "acme-telco",
    },
    "rca_delivered": {
        "type": "rca_delivered",
        "event_id": "e10",
        "ticket_id": "INC1",
        "at": _AT,
        "rca_id": "RCA1",
    },
    "maintenance_scheduled": {
        "type": "maintenance_scheduled",
        "event_id": "m1",
        "service_id": "email",
        "at": "2026-02-20T12:00:00Z",
        "start": "2026-03-07T22:00:00+01:00",
        "end": "2026-03-08T02:00:00+01:00",
        "maintenance_id": "CHG42",
    },
    "maintenance_cancelled": {
        "type": "maintenance_cancelled",
        "event_id": "m2",
        "service_id": "email",
        "at": "2026-03-01T08:00:00Z",
        "maintenance_id": "CHG42",
    },
    "outage_started": {
        "type": "outage_started",
        "event_id": "o1",
        "service_id": "email",
        "at": "2026-03-03T10:15:00Z",
        "outage_id": "OUT7",
    },
    "outage_ended": {
        "type": "outage_ended",
        "event_id": "o2",
        "service_id": "email",
        "at": "2026-03-03T10:47:30Z",
        "outage_id": "OUT7",
    },
    "vendor_uptime_reported": {
        "type": "vendor_uptime_reported",
        "event_id": "v1",
        "service_id": "email",
        "at": "2026-04-01T06:00:00Z",
        "vendor": "acme-telco",
        "period_start": "2026-03-01T00:00:00Z",
        "period_end": "2026-04-01T00:00:00Z",
        "uptime_percent": Decimal("99.95"),
    },
}
"""One valid event per type, as the mapping ``parse_event`` takes (as in docs/events.md)."""

_TICKET_TYPES_AFTER_OPEN = (
    "updated",
    "updated",
    "updated",
    "agent_responded",
    "customer_responded",
    "resolved",
    "reopened",
    "closed",
    "cancelled",
)
_TYPE_AFTER_OPEN = st.sampled_from(_TICKET_TYPES_AFTER_OPEN)
_ANY_TICKET_TYPE = st.sampled_from(["opened", *_TICKET_TYPES_AFTER_OPEN])
_SEQ_MODES = st.sampled_from(["none", "all", "some"])
_MICROSECONDS = st.integers(0, 999_999).map(lambda us: timedelta(microseconds=us))


def time_zones(zones: Sequence[str] = ZONES) -> st.SearchStrategy[tzinfo]:
    """An IANA zone from ``zones`` or a fixed offset from ``FIXED_OFFSETS``."""
    return _time_zones(tuple(zones))


@cache
def _time_zones(zones: tuple[str, ...]) -> st.SearchStrategy[tzinfo]:
    named: list[tzinfo] = [ZoneInfo(z) for z in zones]
    fixed: list[tzinfo] = [timezone(o) for o in FIXED_OFFSETS]
    return st.sampled_from(named + fixed)


def event_instants(
    *, min_year: int = 2020, max_year: int = 2030, zones: Sequence[str] = ZONES
) -> st.SearchStrategy[datetime]:
    """Aware datetimes in a zone of ``time_zones(zones)``, sometimes with microseconds.

    Drawn as UTC instants and converted, so every wall time is real (no DST-gap times)
    and repeated wall times carry the right ``fold``."""
    return _event_instants(min_year, max_year, tuple(zones))


@cache
def _event_instants(
    min_year: int, max_year: int, zones: tuple[str, ...]
) -> st.SearchStrategy[datetime]:
    utc = st.datetimes(
        min_value=datetime(min_year, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(max_year, 12, 31, 23, 59, 59),  # noqa: DTZ001
        timezones=st.just(timezone.utc),
    )
    return st.tuples(utc, time_zones(zones)).map(lambda pair: pair[0].astimezone(pair[1]))


_EVENT_IDS = st.text(alphabet="abcxyz019-_.", min_size=1, max_size=6)


def event_ids() -> st.SearchStrategy[str]:
    """Short ids; several ids of one history share prefixes, so tie-breaks by id matter."""
    return _EVENT_IDS


_FIELD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.decimals(min_value=-(10**6), max_value=10**6, places=3),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=8),
)


def field_values() -> st.SearchStrategy[Any]:
    """A free field value: a JSON scalar, or a ``Decimal`` / ``float`` number."""
    return _FIELD_VALUES


_FIELD_KEYS = st.lists(
    st.sampled_from([*FIELD_VOCABULARY, "attributes"]), min_size=0, max_size=5, unique=True
)
_NON_EMPTY_FIELD_KEYS = st.lists(
    st.sampled_from([*FIELD_VOCABULARY, "attributes"]), min_size=1, max_size=5, unique=True
)
_VOCABULARY = {key: st.sampled_from(values) for key, values in FIELD_VOCABULARY.items()}
_ATTRIBUTES = st.dictionaries(st.text(max_size=6), _FIELD_VALUES, max_size=3)
_ONE_IN_TEN = st.integers(0, 9)


@st.composite
def ticket_fields(draw: st.DrawFn, *, non_empty: bool = False) -> dict[str, Any]:
    """A ``fields`` / ``changes`` mapping: some known fields (vocabulary values, or now
    and then a free value), sometimes ``attributes``; at least one key if ``non_empty``."""
    keys = draw(_NON_EMPTY_FIELD_KEYS if non_empty else _FIELD_KEYS)
    out: dict[str, Any] = {}
    for key in keys:
        if key == "attributes":
            out[key] = draw(_ATTRIBUTES)
        elif draw(_ONE_IN_TEN) == 0:
            out[key] = draw(_FIELD_VALUES)
        else:
            out[key] = draw(_VOCABULARY[key])
    return out


_SOURCES = st.none() | st.sampled_from(["servicenow", "jira", "monitoring"])
_ACTORS = st.none() | st.sampled_from(["alice", "bob", "system"])


def _envelope(draw: st.DrawFn) -> dict[str, Any]:
    return {"source": draw(_SOURCES), "actor": draw(_ACTORS)}


def _ticket_event(
    draw: st.DrawFn,
    type_: str,
    *,
    event_id: str,
    ticket_id: str,
    at: datetime,
    seq: int | None,
) -> TicketEvent:
    data: dict[str, Any] = {
        "type": type_,
        "event_id": event_id,
        "ticket_id": ticket_id,
        "at": at,
        "seq": seq,
        **_envelope(draw),
    }
    if type_ == "opened":
        data["fields"] = draw(ticket_fields())
        return TicketOpened.model_validate(data)
    if type_ == "updated":
        data["changes"] = draw(ticket_fields(non_empty=True))
        return TicketUpdated.model_validate(data)
    classes: dict[str, type[TicketEvent]] = {
        "agent_responded": AgentResponded,
        "customer_responded": CustomerResponded,
        "resolved": TicketResolved,
        "reopened": TicketReopened,
        "closed": TicketClosed,
        "cancelled": TicketCancelled,
    }
    return classes[type_].model_validate(data)


@st.composite
def ticket_events(
    draw: st.DrawFn, *, ticket_id: str | None = None, zones: Sequence[str] = ZONES
) -> TicketEvent:
    """Any one ticket event."""
    type_ = draw(_ANY_TICKET_TYPE)
    return _ticket_event(
        draw,
        type_,
        event_id=draw(event_ids()),
        ticket_id=ticket_id if ticket_id is not None else draw(event_ids()),
        at=draw(event_instants(zones=zones)),
        seq=draw(_SEQS),
    )


@st.composite
def _seqs(draw: st.DrawFn, n: int, mode: str) -> list[int | None]:
    if mode == "none":
        return [None] * n
    numbers = st.integers(0, max(3, n))  # small range: equal seqs happen
    if mode == "all":
        return [draw(numbers) for _ in range(n)]
    return [draw(st.none() | numbers) for _ in range(n)]


@st.composite
def ticket_histories(
    draw: st.DrawFn,
    *,
    ticket_id: str | None = None,
    max_events: int = 12,
    zones: Sequence[str] = ZONES,
    seq: bool | None = None,
    before_opened: bool = True,
    min_year: int = 2020,
    max_year: int = 2030,
) -> list[TicketEvent]:
    """The events of one ticket: an ``opened`` event (first in the list) plus up to
    ``max_events - 1`` updates, responses, resolutions, reopenings, closes and cancels,
    with distinct ``event_id``s.

    Instants are drawn around the opening, often from a small pool so that several events
    share one instant (written in different zones); ``before_opened`` lets some be dated
    (or, at the same instant, sequenced) before the opening; with ``False`` the ``opened``
    event is first in canonical order.  ``seq``: ``True`` every event has one, ``False``
    none, ``None`` (default) either, or a mix.  The list is in generation order, not sorted.
    """
    ticket = ticket_id if ticket_id is not None else draw(event_ids())
    n = draw(st.integers(1, max(1, max_events)))
    ids = draw(st.lists(event_ids(), min_size=n, max_size=n, unique=True))
    opened_at = draw(event_instants(min_year=min_year, max_year=max_year, zones=zones))
    earliest = -2 * 86_400 if before_opened else 0
    offsets = st.integers(earliest, 10 * 86_400).map(lambda s: timedelta(seconds=s))
    pool = draw(st.lists(offsets, min_size=1, max_size=3))
    mode = "all" if seq is True else "none" if seq is False else None
    seqs = draw(_seqs(n, mode or draw(_SEQ_MODES)))
    if not before_opened:  # nothing may sort before the opening, not even by seq
        seqs[0] = min((s for s in seqs if s is not None), default=None)
    deltas = st.one_of(
        st.just(timedelta(0)),
        st.sampled_from(pool),
        offsets,
        st.tuples(offsets, _MICROSECONDS).map(lambda pair: pair[0] + pair[1]),
    )
    zone_strategy = time_zones(zones)
    events: list[TicketEvent] = []
    for i in range(n):
        if i == 0:
            type_, delta = "opened", timedelta(0)
        else:
            type_ = draw(_TYPE_AFTER_OPEN)
            delta = draw(deltas)
        zone = draw(zone_strategy)
        at = (opened_at.astimezone(timezone.utc) + delta).astimezone(zone)
        events.append(
            _ticket_event(draw, type_, event_id=ids[i], ticket_id=ticket, at=at, seq=seqs[i])
        )
    return events


_SERVICE_TYPES = st.sampled_from(
    [
        "maintenance_scheduled",
        "maintenance_cancelled",
        "outage_started",
        "outage_ended",
        "vendor_uptime_reported",
    ]
)
_SEQS = st.none() | st.integers(0, 50)
_LEAD_MINUTES = st.integers(-600, 30 * 24 * 60)
_LENGTH_MINUTES = st.integers(1, 24 * 60)
_VENDORS = st.sampled_from(["acme-telco", "globex-cloud"])
_PLACES = st.integers(0, 4)
_PERCENTS = [st.decimals(min_value=0, max_value=100, places=p) for p in range(5)]
_OUTAGE_IDS = st.none() | st.sampled_from(["o1", "o2"])


@st.composite
def service_events(
    draw: st.DrawFn,
    *,
    service_id: str | None = None,
    zones: Sequence[str] = ZONES,
    maintenance_ids: Sequence[str] = ("m1", "m2", "m3"),
) -> ServiceEvent:
    """Any one service event (windows and periods are non-empty)."""
    type_ = draw(_SERVICE_TYPES)
    at = draw(event_instants(zones=zones))
    data: dict[str, Any] = {
        "type": type_,
        "event_id": draw(_EVENT_IDS),
        "service_id": service_id if service_id is not None else draw(_EVENT_IDS),
        "at": at,
        "seq": draw(_SEQS),
        **_envelope(draw),
    }
    window_ids = st.sampled_from(list(maintenance_ids))
    if type_ in ("maintenance_scheduled", "vendor_uptime_reported"):
        start = at + timedelta(minutes=draw(_LEAD_MINUTES))
        end = start + timedelta(minutes=draw(_LENGTH_MINUTES))
        zone = time_zones(zones)
        start, end = start.astimezone(draw(zone)), end.astimezone(draw(zone))
        if type_ == "maintenance_scheduled":
            data["start"], data["end"] = start, end
            data["maintenance_id"] = draw(st.none() | window_ids)
            return MaintenanceScheduled.model_validate(data)
        data["period_start"], data["period_end"] = start, end
        data["vendor"] = draw(_VENDORS)
        data["uptime_percent"] = draw(_PERCENTS[draw(_PLACES)])
        return VendorUptimeReported.model_validate(data)
    if type_ == "maintenance_cancelled":
        data["maintenance_id"] = draw(window_ids)
        return MaintenanceCancelled.model_validate(data)
    data["outage_id"] = draw(_OUTAGE_IDS)
    if type_ == "outage_started":
        return OutageStarted.model_validate(data)
    return OutageEnded.model_validate(data)


@st.composite
def service_histories(
    draw: st.DrawFn,
    *,
    service_id: str | None = None,
    max_events: int = 10,
    zones: Sequence[str] = ZONES,
) -> list[ServiceEvent]:
    """Events of one service with distinct ``event_id``s (in generation order)."""
    service = service_id if service_id is not None else draw(event_ids())
    drawn = draw(
        st.lists(
            service_events(service_id=service, zones=zones),
            max_size=max_events,
            unique_by=lambda e: e.event_id,
        )
    )
    return list(drawn)


def events(*, zones: Sequence[str] = ZONES) -> st.SearchStrategy[Event]:
    """Any one event, ticket or service."""
    return st.one_of(ticket_events(zones=zones), service_events(zones=zones))
