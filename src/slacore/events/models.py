"""The event vocabulary: one pydantic model per event type, a discriminated union on
``type``, validation into ``InvalidEvent`` errors that name the field and the value, and
the JSON Schema of it all.

Pure: imports the standard library, pydantic (and ``typing_extensions``, which pydantic
itself requires, for a ``TypedDict`` that works on Python 3.11) and ``slacore.errors``.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Final, Literal, NamedTuple, TypeAlias

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    field_validator,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict

from slacore.errors import InvalidInput, Problem
from slacore.events.upcasting import EVENT_FORMATS, FORMAT_KEY, FormatError

__all__ = [
    "EVENT_TYPES",
    "MISSING",
    "SERVICE_EVENT_TYPES",
    "TICKET_EVENT_TYPES",
    "TICKET_FIELDS",
    "AgentResponded",
    "CustomerResponded",
    "Event",
    "EventBase",
    "FieldValue",
    "InvalidEvent",
    "MaintenanceCancelled",
    "MaintenanceScheduled",
    "OutageEnded",
    "OutageStarted",
    "RcaDelivered",
    "RcaRequested",
    "ServiceEvent",
    "ServiceEventBase",
    "Subject",
    "TicketCancelled",
    "TicketClosed",
    "TicketEvent",
    "TicketEventBase",
    "TicketFields",
    "TicketOpened",
    "TicketReopened",
    "TicketResolved",
    "TicketUpdated",
    "VendorUptimeReported",
    "event_json_schema",
    "parse_event",
    "parse_events",
]

# --------------------------------------------------------------------------- values

FieldValue: TypeAlias = str | int | bool | Decimal | None
"""A ticket field value: a JSON scalar.  Non-integer numbers are ``Decimal`` (floats are
converted through their shortest ``repr``, so ``0.1`` becomes ``Decimal('0.1')``) and an
integral ``Decimal`` without fractional digits (``Decimal('3')``) becomes ``int``; that is
what makes the JSON round trip exact."""

_MAX_DIGITS = 1000  # far beyond any field value; keeps int <-> str conversions cheap


def _number_in_range(value: Decimal) -> Decimal:
    if value.is_finite() and abs(value.adjusted()) > _MAX_DIGITS:
        raise ValueError(f"number out of range (more than {_MAX_DIGITS} digits)")
    return value


def _field_value(value: Any) -> FieldValue:
    if value is None or type(value) is bool:
        return value
    if isinstance(value, str):
        return value if type(value) is str else str.__str__(value)
    if isinstance(value, int):
        if value.bit_length() > 3 * _MAX_DIGITS:
            raise ValueError(f"number out of range (more than {_MAX_DIGITS} digits)")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinite numbers are not allowed")
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("NaN and infinite numbers are not allowed")
        _number_in_range(value)
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)  # finite
        return int(value) if exponent >= 0 else value
    raise ValueError(
        "a ticket field value must be a string, a number, a boolean or null, "
        f"not {type(value).__name__}"
    )


_SCALAR_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]
}

Value = Annotated[FieldValue, PlainValidator(_field_value), WithJsonSchema(_SCALAR_SCHEMA)]


@with_config(ConfigDict(extra="forbid"))
class TicketFields(TypedDict, total=False):
    """The ticket fields an ``opened`` event sets and an ``updated`` event changes.

    Only the known keys below are allowed; anything else goes under ``attributes``.  A key
    that is present with ``None`` means "empty" (e.g. the assignee was cleared); a key that
    is absent means "not mentioned" (unchanged, for ``updated``).
    """

    status: Value
    priority: Value
    impact: Value
    urgency: Value
    assignment_group: Value
    assignee: Value
    vendor: Value
    service: Value
    category: Value
    customer: Value
    attributes: dict[str, Value]


TICKET_FIELDS: Final[tuple[str, ...]] = tuple(TicketFields.__annotations__)
"""The keys allowed in ``fields`` / ``changes``, ``attributes`` last."""


# --------------------------------------------------------------------------- basic types


# Not blank, checked in pydantic's core: some character that ``str.strip`` keeps, i.e.
# neither Unicode White_Space (the regex ``\s``) nor U+001C..U+001F, which Python also
# strips.  (The regex needs valid Unicode: an id with a lone surrogate, which no store
# could encode anyway, is refused.)  ``_problems`` words the mismatch "must not be empty
# or blank"; a test checks that the pattern agrees with ``value.strip() != ""``.
_NOT_BLANK = r"[^\s\x1C-\x1F]"
Id = Annotated[str, Field(strict=True, min_length=1, pattern=_NOT_BLANK)]
Text = Annotated[str, Field(strict=True)]


# The shape ``to_json`` writes and most sources send: date, "T", time with seconds and up
# to 6 fractional digits, "Z" or a +HH:MM offset.  Such a string is read by the C
# ``datetime.fromisoformat`` (to a ``datetime.timezone`` at once); anything else, and
# anything it refuses (Feb 30, hour 24, offset 24:00), goes through pydantic's parser
# as before, so the accepted set and the error messages are pydantic's.
_COMMON_INSTANT = re.compile(
    r"\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,
).fullmatch


def _instant(value: Any, handler: ValidatorFunctionWrapHandler) -> datetime:
    """An instant: the common string shape by ``fromisoformat`` (already a fixed offset of
    whole minutes, ``fold`` 0: final), anything else by pydantic's ``AwareDatetime``, then
    ``_fixed_offset``."""
    if type(value) is str and _COMMON_INSTANT(value) is not None:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return _fixed_offset(handler(_instant_input(value)))


def _instant_input(value: Any) -> Any:
    if isinstance(value, datetime | str):
        return value
    raise ValueError(
        "give an ISO 8601 date-time with a UTC offset (e.g. '2026-03-02T09:00:00+01:00') "
        "or an aware datetime"
    )


_OFFSETS: dict[timedelta, timezone] = {}


def _fixed_offset(value: datetime) -> datetime:
    """Keep the instant and its UTC offset, as a fixed-offset ``timezone``: that is all
    JSON carries, it makes ``==`` exact (PEP 495 makes a ``fold=1`` ZoneInfo time unequal
    to every other zone) and wall-clock arithmetic on it safe."""
    offset = value.utcoffset()
    assert offset is not None  # AwareDatetime ran first
    if offset.seconds % 60 or offset.microseconds:  # days * 86400 s is whole minutes
        raise ValueError(
            f"UTC offset {offset} is not a whole number of minutes "
            "(JSON date-times cannot carry it)"
        )
    tz = _OFFSETS.get(offset)
    if tz is None:
        tz = _OFFSETS.setdefault(offset, timezone.utc if not offset else timezone(offset))
    if value.tzinfo is tz:
        return value
    return value.replace(tzinfo=tz, fold=0)


Instant = Annotated[AwareDatetime, WrapValidator(_instant)]


def _decimal_input(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is required, not a boolean")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinite numbers are not allowed")
        return Decimal(repr(value))
    return value


Percent = Annotated[
    Decimal,
    BeforeValidator(_decimal_input),
    Field(ge=0, le=100, allow_inf_nan=False),
    AfterValidator(_number_in_range),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]


class Subject(NamedTuple):
    """What an event is about: ``("ticket", ticket_id)`` or ``("service", service_id)``."""

    kind: Literal["ticket", "service"]
    id: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id!r}"


# --------------------------------------------------------------------------- the envelope


class EventBase(BaseModel):
    """The envelope every event carries.

    ``event_id`` is the source system's id and the idempotency key; ``at`` is when it
    happened in the source (timezone-aware; kept as its UTC offset, a
    ``datetime.timezone``, whatever ``tzinfo`` it came with); ``seq`` is the
    source's sequence number, when it has one (it breaks ties between events at the same
    instant); ``source`` names the system, ``actor`` who did it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    event_id: Id
    at: Instant
    seq: StrictInt | None = None
    source: Text | None = None
    actor: Text | None = None

    @property
    def subject(self) -> Subject:
        """The ticket or service this event belongs to."""
        raise NotImplementedError

    def __hash__(self) -> int:
        # Consistent with pydantic's field-wise ``==`` (aware datetimes compare by instant).
        return hash((self.type, self.event_id, self.at))


class TicketEventBase(EventBase):
    """An event about one ticket."""

    ticket_id: Id

    @property
    def subject(self) -> Subject:
        return Subject("ticket", self.ticket_id)


class ServiceEventBase(EventBase):
    """An event about a service (maintenance, outages, vendor-reported uptime)."""

    service_id: Id

    @property
    def subject(self) -> Subject:
        return Subject("service", self.service_id)


# --------------------------------------------------------------------------- ticket events


class TicketOpened(TicketEventBase):
    """The ticket was opened; ``fields`` holds its initial fields."""

    type: Literal["opened"] = "opened"
    fields: TicketFields = Field(default_factory=lambda: TicketFields())


class TicketUpdated(TicketEventBase):
    """Ticket fields changed; ``changes`` holds the new values of the changed keys only."""

    type: Literal["updated"] = "updated"
    changes: TicketFields


class AgentResponded(TicketEventBase):
    """An agent responded to the customer (stops response clocks)."""

    type: Literal["agent_responded"] = "agent_responded"


class CustomerResponded(TicketEventBase):
    """The customer responded."""

    type: Literal["customer_responded"] = "customer_responded"


class TicketResolved(TicketEventBase):
    """The ticket was resolved."""

    type: Literal["resolved"] = "resolved"


class TicketReopened(TicketEventBase):
    """A resolved ticket was reopened."""

    type: Literal["reopened"] = "reopened"


class TicketClosed(TicketEventBase):
    """The ticket was closed (final)."""

    type: Literal["closed"] = "closed"


class TicketCancelled(TicketEventBase):
    """The ticket was cancelled (raised in error, duplicate, withdrawn)."""

    type: Literal["cancelled"] = "cancelled"


class RcaRequested(TicketEventBase):
    """A root-cause analysis of the ticket (a major incident) was requested.

    ``rca_id`` tells several RCAs of one ticket apart (default: one per ticket);
    ``vendor`` names who owes it (default: the ticket's ``vendor`` field at the request).
    The deadline is the contract's, not the event's.
    """

    type: Literal["rca_requested"] = "rca_requested"
    rca_id: Id | None = None
    vendor: Id | None = None


class RcaDelivered(TicketEventBase):
    """The root-cause analysis ``rca_id`` (default: the ticket's only one) was delivered."""

    type: Literal["rca_delivered"] = "rca_delivered"
    rca_id: Id | None = None


# --------------------------------------------------------------------------- service events


def _upcast_input(type_: str, data: Any) -> Any:
    """A model's own upcasting (``model_validator(mode="before")`` of every type whose
    format is above 1), so that ``Model.model_validate``, ``Model(...)`` and the ``Event``
    union read older formats too, not only ``parse_event``."""
    if isinstance(data, Mapping):
        return EVENT_FORMATS.upcast(type_, data)
    return data


def _check_after(value: datetime, info: ValidationInfo, other: str) -> datetime:
    """``value`` must be strictly after the (already validated) field ``other``."""
    first = info.data.get(other)
    if isinstance(first, datetime) and value <= first:
        raise ValueError(f"must be after {other} ({first.isoformat()})")
    return value


class MaintenanceScheduled(ServiceEventBase):
    """A maintenance window ``[start, end)`` of the service was scheduled.

    ``maintenance_id`` is the window's id (``window_id``).  Scheduling again with the same
    id replaces the window.  Format 2 (``format``): the id is required; a format-1 event
    without it is upcast on reading to its ``event_id``, the window id format 1 implied
    (``slacore.events.upcasting``).
    """

    type: Literal["maintenance_scheduled"] = "maintenance_scheduled"
    format: Literal[2] = 2
    start: Instant
    end: Instant
    maintenance_id: Id

    @model_validator(mode="before")
    @classmethod
    def _upcast(cls, data: Any) -> Any:
        return _upcast_input("maintenance_scheduled", data)

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        return _check_after(value, info, "start")

    @property
    def window_id(self) -> str:
        """The window's id: ``maintenance_id`` (format 1 defaulted it to ``event_id``)."""
        return self.maintenance_id


class MaintenanceCancelled(ServiceEventBase):
    """The maintenance window ``maintenance_id`` (a ``window_id``) was cancelled."""

    type: Literal["maintenance_cancelled"] = "maintenance_cancelled"
    maintenance_id: Id


class OutageStarted(ServiceEventBase):
    """Monitoring saw the service go down at ``at``."""

    type: Literal["outage_started"] = "outage_started"
    outage_id: Id | None = None


class OutageEnded(ServiceEventBase):
    """Monitoring saw the service come back at ``at``."""

    type: Literal["outage_ended"] = "outage_ended"
    outage_id: Id | None = None


class VendorUptimeReported(ServiceEventBase):
    """A vendor reported ``uptime_percent`` for ``[period_start, period_end)``."""

    type: Literal["vendor_uptime_reported"] = "vendor_uptime_reported"
    vendor: Id
    period_start: Instant
    period_end: Instant
    uptime_percent: Percent

    @field_validator("period_end")
    @classmethod
    def _end_after_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        return _check_after(value, info, "period_start")


# --------------------------------------------------------------------------- the union

TicketEvent: TypeAlias = (
    TicketOpened
    | TicketUpdated
    | AgentResponded
    | CustomerResponded
    | TicketResolved
    | TicketReopened
    | TicketClosed
    | TicketCancelled
    | RcaRequested
    | RcaDelivered
)
ServiceEvent: TypeAlias = (
    MaintenanceScheduled | MaintenanceCancelled | OutageStarted | OutageEnded | VendorUptimeReported
)
Event: TypeAlias = Annotated[TicketEvent | ServiceEvent, Field(discriminator="type")]
"""Any event; use as a pydantic field type too (discriminated on ``type``)."""

_TICKET_CLASSES: tuple[type[TicketEventBase], ...] = (
    TicketOpened,
    TicketUpdated,
    AgentResponded,
    CustomerResponded,
    TicketResolved,
    TicketReopened,
    TicketClosed,
    TicketCancelled,
    RcaRequested,
    RcaDelivered,
)
_SERVICE_CLASSES: tuple[type[ServiceEventBase], ...] = (
    MaintenanceScheduled,
    MaintenanceCancelled,
    OutageStarted,
    OutageEnded,
    VendorUptimeReported,
)


def _type_of(cls: type[EventBase]) -> str:
    default = cls.model_fields["type"].default
    assert isinstance(default, str)
    return default


_CLASS_BY_TYPE: Final[dict[str, type[EventBase]]] = {
    _type_of(cls): cls for cls in (*_TICKET_CLASSES, *_SERVICE_CLASSES)
}
TICKET_EVENT_TYPES: Final[tuple[str, ...]] = tuple(_type_of(c) for c in _TICKET_CLASSES)
SERVICE_EVENT_TYPES: Final[tuple[str, ...]] = tuple(_type_of(c) for c in _SERVICE_CLASSES)
EVENT_TYPES: Final[tuple[str, ...]] = TICKET_EVENT_TYPES + SERVICE_EVENT_TYPES
EVENT_CLASSES: Final[frozenset[type[EventBase]]] = frozenset(_CLASS_BY_TYPE.values())
"""Every event model class.  Hot paths test ``type(x) in EVENT_CLASSES`` where a miss
takes a general path anyway: ``isinstance`` against a base model class goes through
``ABCMeta.__instancecheck__``, many times slower."""

_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


# --------------------------------------------------------------------------- errors


class _Missing:
    def __repr__(self) -> str:
        return "nothing"


MISSING: Final = _Missing()
"""``Problem.value`` of a required field that was not given (prints as ``nothing``)."""


class InvalidEvent(InvalidInput):
    """An event that cannot be used.  ``problems`` names every field at fault (dotted
    paths such as ``fields.foo``); ``line`` is the 1-based JSONL line, ``index`` the
    position in the iterable given to ``parse_events``, ``event_id`` the event's id,
    each when known."""

    def __init__(
        self,
        problems: Iterable[Problem],
        *,
        line: int | None = None,
        index: int | None = None,
        event_id: str | None = None,
    ) -> None:
        self.line = line
        self.index = index
        self.event_id = event_id
        what = "event"
        if event_id is not None:
            what += f" {event_id!r}"
        if line is not None:
            what += f" on line {line}"
        if index is not None:
            what += f" at index {index}"
        super().__init__(list(problems), what=what)


def _problems(exc: ValidationError, cls: type[EventBase]) -> list[Problem]:
    """Pydantic errors as ``Problem``s, with messages that say what to do."""
    name = _type_of(cls)
    problems = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        path = ".".join(str(p) for p in loc) or "(root)"
        kind = err["type"]
        value: Any = err.get("input")
        message = err["msg"].removeprefix("Value error, ")
        if kind == "missing":
            value = MISSING
            message = f"required for {name!r} events"
        elif kind == "extra_forbidden" and len(loc) == 1:
            allowed = ", ".join(cls.model_fields)
            message = f"unknown field for {name!r} events; allowed: {allowed}"
            own = "ticket_id" if issubclass(cls, TicketEventBase) else "service_id"
            if loc[0] in ("ticket_id", "service_id") and loc[0] != own:
                message = f"{name!r} events carry {own}, not {loc[0]}"
        elif kind == "extra_forbidden" and len(loc) == 2 and loc[0] in ("fields", "changes"):
            message = (
                f"unknown ticket field {loc[1]!r}; known fields: {', '.join(TICKET_FIELDS)} "
                "(put any other key under 'attributes')"
            )
        elif kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == _NOT_BLANK:
            message = "must not be empty or blank"
        elif kind == "string_unicode":
            message = "must be valid Unicode text (a lone surrogate cannot be stored)"
        elif kind == "timezone_aware":
            message = "a timezone-aware datetime is required (add an offset such as +01:00 or Z)"
        problems.append(Problem(path, value, message))
    return problems


def _event_id_of(data: Mapping[str, Any]) -> str | None:
    event_id = data.get("event_id")
    return event_id if isinstance(event_id, str) and event_id.strip() else None


def _parse(data: Any, *, line: int | None = None, index: int | None = None) -> Event:
    if isinstance(data, EventBase):
        return data  # type: ignore[return-value]
    if not isinstance(data, Mapping):
        raise InvalidEvent(
            [Problem("(root)", data, "an event must be a JSON object (a mapping)")],
            line=line,
            index=index,
        )
    type_ = data.get("type", MISSING)
    cls = _CLASS_BY_TYPE.get(type_) if isinstance(type_, str) else None
    if cls is None:
        known = ", ".join(EVENT_TYPES)
        problem = (
            Problem("type", MISSING, f"every event needs a type; known types: {known}")
            if type_ is MISSING
            else Problem("type", type_, f"unknown event type; known types: {known}")
        )
        raise InvalidEvent([problem], line=line, index=index, event_id=_event_id_of(data))
    try:
        data = EVENT_FORMATS.upcast(type_, data)
        return cls.__pydantic_validator__.validate_python(data)  # type: ignore[no-any-return]
    except FormatError as exc:
        problems = [Problem(FORMAT_KEY, exc.value, exc.message)]
    except ValidationError as exc:
        problems = _problems(exc, cls)
    raise InvalidEvent(problems, line=line, index=index, event_id=_event_id_of(data))


def parse_event(data: Mapping[str, Any] | EventBase) -> Event:
    """Validate one event given as a mapping (an ``Event`` is returned unchanged).

    A mapping in an older format (``format`` below the type's current one; no ``format``
    key means format 1) is upcast to the current model first (``slacore.events.upcasting``).
    Raises ``InvalidEvent`` naming every bad field and its value; an unknown ``type``
    lists the known types, an unreadable ``format`` says why.
    """
    return _parse(data)


def parse_events(items: Iterable[Mapping[str, Any] | EventBase]) -> list[Event]:
    """``parse_event`` over an iterable; the error of the first bad item names its index
    (0-based)."""
    return [_parse(item, index=i) for i, item in enumerate(items)]


@cache
def _schema() -> dict[str, Any]:
    schema = _ADAPTER.json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "slacore event",
        "description": (
            "One ticket or service event (discriminated on 'type'). Date-times must carry "
            "a UTC offset; see docs/events.md."
        ),
        **schema,
    }


def event_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one event, as a fresh dict."""
    return copy.deepcopy(_schema())
