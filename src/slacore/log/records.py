"""What the log stores: one ``eventsourcing`` stored event per slacore event.

Each event goes to the stream of its subject (``originator_id``): ``ticket:<ticket_id>``,
``service:<service_id>``, ``policy:<policy_id>`` or ``calendar:<calendar_id>``, at the next
version of that stream (arrival order; the canonical order is the evaluator's job).  The
stored ``topic`` is a stable name of the event type (``slacore:opened``), not a Python
path, so refactoring never orphans stored events.  The stored ``state`` is JSON text::

    {"recorded_at":"2026-11-27T10:00:00.123456+00:00","event":<to_json(event)>}

where ``<to_json(event)>`` is the exact JSON of ``slacore.events.to_json`` (the policy and
calendar versions of ``slacore.log.versions`` use pydantic's JSON), so reading an event
back gives an equal model with the same offsets, the same ``Decimal`` digits, the same
free attributes.  ``EventMapper`` is an ``eventsourcing`` ``Mapper`` that does this.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeAlias

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    Notification,
    StoredEvent,
    Transcoder,
)
from pydantic import ValidationError

from slacore.errors import problems_of
from slacore.events import (
    Event,
    EventBase,
    InvalidEvent,
    ServiceEventBase,
    TicketEventBase,
    from_json,
    parse_event,
    to_json,
)
from slacore.log.governance_events import GOVERNANCE_TYPES, GovernanceEvent
from slacore.log.recorders import StoredRow
from slacore.log.versions import VERSION_TYPES, VersionEvent

__all__ = [
    "TOPIC_PREFIX",
    "EventMapper",
    "LogEvent",
    "RecordedEvent",
    "digest_of",
    "event_text",
    "parse_log_event",
    "parse_log_json",
    "stream_of",
    "topic_of",
]

LogEvent: TypeAlias = Event | VersionEvent | GovernanceEvent
"""Anything the log holds: a ticket or service event, a policy/calendar version, or a
governance fact (``slacore.log.governance_events``)."""

# The pydantic-JSON event types besides the event vocabulary, by ``type``.
_MODEL_TYPES: dict[str, type[VersionEvent | GovernanceEvent]] = {
    **VERSION_TYPES,
    **GOVERNANCE_TYPES,
}
_MODEL_CLASSES = tuple(_MODEL_TYPES.values())
_MARKERS = tuple(f'"{t}"' for t in _MODEL_TYPES)
_MARKERS_B = tuple(m.encode() for m in _MARKERS)

TOPIC_PREFIX = "slacore:"
_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_HEAD = '{"recorded_at":"'
_SEP = '","event":'


def stream_of(event: LogEvent) -> str:
    """The stream (``originator_id``) an event is appended to."""
    if isinstance(event, TicketEventBase):
        return "ticket:" + event.ticket_id
    if isinstance(event, ServiceEventBase):
        return "service:" + event.service_id
    return event.stream


def topic_of(event: LogEvent) -> str:
    """The stored topic: ``slacore:<type>``."""
    return TOPIC_PREFIX + event.type


def event_text(event: LogEvent) -> str:
    """The exact JSON text stored for an event."""
    if isinstance(event, EventBase):
        return to_json(event)
    return event.model_dump_json()


def digest_of(text: str | bytes) -> bytes:
    """16-byte digest of an event's exact JSON, as text or UTF-8 bytes (a fast first test
    for "same content")."""
    h = _DIGEST.copy()  # cheaper than building a hasher with its parameters each time
    h.update(text.encode() if isinstance(text, str) else text)
    return h.digest()


_DIGEST = hashlib.blake2b(digest_size=16)


def parse_log_event(data: Any) -> LogEvent:
    """An event from a mapping (or a model, returned as is): ``parse_event`` for the event
    vocabulary, the version models for ``policy_published`` / ``calendar_published``.
    Raises ``InvalidEvent``."""
    if isinstance(data, (EventBase, *_MODEL_CLASSES)):
        return data  # type: ignore[return-value]
    if isinstance(data, Mapping):
        cls = _MODEL_TYPES.get(data.get("type"))  # type: ignore[arg-type]
        if cls is not None:
            event_id = data.get("event_id")
            try:
                return cls.model_validate(data)
            except ValidationError as exc:
                raise InvalidEvent(
                    problems_of(exc),
                    event_id=event_id if isinstance(event_id, str) else None,
                ) from None
    return parse_event(data)


def parse_log_json(text: str | bytes) -> LogEvent:
    """An event from one line of JSON: ``from_json`` for the event vocabulary, the version
    models (pydantic JSON) for ``policy_published`` / ``calendar_published``.  Raises
    ``InvalidEvent``."""
    markers: tuple[str, ...] | tuple[bytes, ...] = (
        _MARKERS_B if isinstance(text, bytes) else _MARKERS
    )
    if any(m in text for m in markers):  # type: ignore[operator]
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        kind = data.get("type") if isinstance(data, dict) else None
        cls = _MODEL_TYPES.get(kind) if isinstance(kind, str) else None
        if cls is not None:
            event_id = data.get("event_id") if isinstance(data, dict) else None
            try:
                return cls.model_validate_json(text)
            except ValidationError as exc:
                raise InvalidEvent(
                    problems_of(exc),
                    event_id=event_id if isinstance(event_id, str) else None,
                ) from None
    return from_json(text)


def event_from_text(topic: str, text: str) -> LogEvent:
    """The inverse of ``event_text`` given the stored topic."""
    cls = _MODEL_TYPES.get(topic.removeprefix(TOPIC_PREFIX))
    if cls is not None:
        return cls.model_validate_json(text)
    return from_json(text)


def recorded_text(recorded_at: datetime) -> str:
    """``recorded_at`` as stored: UTC, microseconds, ``+00:00``."""
    return recorded_at.astimezone(_UTC).isoformat(timespec="microseconds")


def state_text(recorded: str, text: str) -> str:
    """The stored JSON envelope of one event."""
    return _HEAD + recorded + _SEP + text + "}"


def state_prefix(recorded: str) -> bytes:
    """The UTF-8 envelope up to the event: ``state_prefix(recorded) + text.encode() + b"}"``
    is ``state_text(recorded, text).encode()`` (what a batch sharing one recorded time
    builds once)."""
    return (_HEAD + recorded + _SEP).encode()


def split_envelope(envelope: str) -> tuple[str, str]:
    """``(recorded text, exact event JSON)`` of a stored JSON envelope; ``ValueError``
    if it is not one."""
    head, sep, body = envelope.partition(_SEP)
    if not sep or not head.startswith(_HEAD) or not body.endswith("}"):
        raise ValueError("not a slacore event envelope")
    return head[len(_HEAD):], body[:-1]


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """One event as the log holds it.

    ``event`` is the slacore event (or policy/calendar version); ``position`` its place
    in the log's total order (the ``eventsourcing`` notification id, from 1);
    ``recorded_at`` when the log stored it (UTC); ``stream`` / ``version`` where it sits
    in its subject's stream (arrival order within the subject, from 1).
    """

    originator_id: str
    originator_version: int
    recorded_at: datetime
    event: LogEvent
    position: int = 0

    @property
    def stream(self) -> str:
        return self.originator_id

    @property
    def version(self) -> int:
        return self.originator_version


class EventMapper(Mapper[str]):
    """An ``eventsourcing`` mapper between ``RecordedEvent`` and ``StoredEvent``.

    The state is the JSON envelope described in the module docstring (then compressed
    and encrypted when a compressor or cipher is given, as the package's mapper does).
    Reading a ``Notification`` fills in ``position``.
    """

    def __init__(
        self,
        transcoder: Transcoder | None = None,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        super().__init__(transcoder or JSONTranscoder(), compressor, cipher)
        self._last_recorded: tuple[str | None, datetime] = (None, _EPOCH)

    def stored(self, stream: str, version: int, topic: str, state: str) -> StoredEvent:
        """A stored event from its parts."""
        return StoredEvent(
            originator_id=stream,
            originator_version=version,
            topic=topic,
            state=self.encode(state.encode()),
        )

    def encode(self, plain: bytes) -> bytes:
        """A UTF-8 JSON envelope as stored: compressed and encrypted if so configured."""
        if self.compressor:
            plain = self.compressor.compress(plain)
        if self.cipher:
            plain = self.cipher.encrypt(plain)
        return plain

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        if not isinstance(domain_event, RecordedEvent):
            raise TypeError(f"EventMapper stores RecordedEvent, not {type(domain_event)}")
        state = state_text(recorded_text(domain_event.recorded_at), event_text(domain_event.event))
        return self.stored(
            domain_event.originator_id,
            domain_event.originator_version,
            topic_of(domain_event.event),
            state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        return self.decode(stored_event)

    def decode(self, stored_event: StoredEvent) -> RecordedEvent:
        """The ``RecordedEvent`` of a stored event (``position`` from a notification)."""
        return self.decode_row(
            (
                stored_event.id if isinstance(stored_event, Notification) else 0,
                str(stored_event.originator_id),
                stored_event.originator_version,
                stored_event.topic,
                stored_event.state,
            )
        )

    def decode_row(self, row: StoredRow) -> RecordedEvent:
        """The ``RecordedEvent`` of a stored row ``(position, stream, version, topic,
        state)``."""
        position, stream, version, topic, state = row
        try:
            recorded_at, text = self.split(state)
            event = event_from_text(topic, text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MapperDeserialisationError(
                f"cannot read stored event {stream!r} v{version} ({topic}): {exc}"
            ) from exc
        return RecordedEvent(
            originator_id=stream,
            originator_version=version,
            recorded_at=recorded_at,
            event=event,
            position=position,
        )

    def split(self, state: bytes) -> tuple[datetime, str]:
        """``(recorded_at, exact event JSON)`` of a stored state."""
        recorded, text = split_envelope(self.plaintext(state))
        last = self._last_recorded  # a batch shares one recorded time: parse it once
        if last[0] != recorded:
            last = self._last_recorded = (recorded, datetime.fromisoformat(recorded))
        return last[1], text

    def plaintext(self, state: bytes) -> str:
        """The stored state's JSON envelope (decrypted and decompressed)."""
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        return state.decode()

    def encode_state(self, text: str) -> bytes:
        """A JSON envelope as stored (compressed and encrypted if so configured)."""
        return self.encode(text.encode())

    def event_text(self, state: bytes) -> str:
        """The exact event JSON of a stored state."""
        return self.split(state)[1]
