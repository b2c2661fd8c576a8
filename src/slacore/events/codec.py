"""JSON and JSON Lines for events: an exact round trip, and the canonical form that
decides whether two versions of one ``event_id`` say the same thing.

No file I/O: the helpers take and return strings (or iterables of lines).

Exact form (``to_json``): compact JSON, keys in model order with ``type`` first, optional
top-level fields left out when ``None``, date-times as ISO 8601 with the offset they were
given (``2026-03-02T09:00:00.000123+05:45``), ``Decimal``s as JSON numbers with all their
digits.  ``from_json`` reads non-integer numbers as ``Decimal``, so
``from_json(to_json(e))`` equals ``e`` field for field, offsets and digits included, and
``to_json`` of it is the same string.

Canonical form (``canonical_json``): the content, with representation stripped: keys
sorted, date-times in UTC with microseconds (``2026-03-02T08:00:00.000000Z``), numbers by
value (``1.50`` and ``1.5`` are the same, so are ``2`` and ``2.0``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from slacore.errors import Problem
from slacore.events.models import Event, EventBase, InvalidEvent, _parse

__all__ = ["canonical_json", "dumps_jsonl", "from_json", "loads_jsonl", "to_json"]

_UTC = timezone.utc
_quote = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept as is


_LEAD = ("type", "event_id", "ticket_id", "service_id", "at")
_LAYOUTS: dict[type[EventBase], tuple[tuple[str, bool], ...]] = {}


def _layout(cls: type[EventBase]) -> tuple[tuple[str, bool], ...]:
    """The field names in JSON order, each with "left out when None"."""
    layout = _LAYOUTS.get(cls)
    if layout is None:
        fields = cls.model_fields
        names = [n for n in _LEAD if n in fields] + [n for n in fields if n not in _LEAD]
        layout = tuple((n, fields[n].default is None) for n in names)
        _LAYOUTS[cls] = layout
    return layout


def _plain(event: EventBase) -> dict[str, Any]:
    """The event's fields (``type``, ids and ``at`` first), optional top-level ``None``s
    left out."""
    out: dict[str, Any] = {}
    for name, optional in _layout(type(event)):
        value = getattr(event, name)
        if value is None and optional:
            continue
        out[name] = value
    return out


def _number_text(value: Decimal) -> str:
    # str(Decimal) is exact and valid JSON for finite values: "1.50", "1E+2", "1E-7".
    return str(value)


def _canonical_number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _encode(value: Any, canonical: bool) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, Decimal):
        return _canonical_number(value) if canonical else _number_text(value)
    if isinstance(value, datetime):
        if canonical:
            utc = value.astimezone(_UTC).replace(tzinfo=None)
            return f'"{utc.isoformat(timespec="microseconds")}Z"'
        return f'"{value.isoformat()}"'
    if isinstance(value, Mapping):
        items = sorted(value.items()) if canonical else value.items()
        body = ",".join(f"{_encode(str(k), canonical)}:{_encode(v, canonical)}" for k, v in items)
        return "{" + body + "}"
    raise TypeError(f"cannot encode {type(value).__name__} as event JSON")  # pragma: no cover


def to_json(event: EventBase) -> str:
    """The exact JSON text of one event (one line, no trailing newline)."""
    return _encode(_plain(event), canonical=False)


def canonical_json(event: EventBase) -> str:
    """The event's content as canonical JSON: equal strings mean "the same fact", whatever
    offsets or number spellings the versions used."""
    return _encode(_plain(event), canonical=True)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _loads(text: str | bytes) -> Any:
    return json.loads(
        text,
        parse_float=Decimal,
        parse_constant=_no_constants,
        object_pairs_hook=_no_duplicate_keys,
    )


def _shorten(text: str | bytes, limit: int = 80) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "…"


def _decode(text: str | bytes, *, line: int | None = None) -> Event:
    try:
        data = _loads(text)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        problem = Problem("(json)", _shorten(text), f"not valid JSON: {exc}")
        raise InvalidEvent([problem], line=line) from None
    except RecursionError:
        problem = Problem("(json)", _shorten(text), "nested too deeply to be an event")
        raise InvalidEvent([problem], line=line) from None
    try:
        return _parse(data, line=line)
    except RecursionError:
        problem = Problem("(json)", _shorten(text), "nested too deeply to be an event")
        raise InvalidEvent([problem], line=line) from None


def from_json(text: str | bytes) -> Event:
    """Read one event from JSON text; raises ``InvalidEvent`` naming the field."""
    return _decode(text)


def dumps_jsonl(events: Iterable[EventBase]) -> str:
    """JSON Lines: one ``to_json`` line per event, each ending with a newline."""
    return "".join(to_json(event) + "\n" for event in events)


def loads_jsonl(text_or_lines: str | bytes | Iterable[str | bytes]) -> list[Event]:
    """Read JSON Lines from one string (or bytes) or from an iterable of lines (an open
    file works).  Blank lines are skipped; a bad line raises ``InvalidEvent`` whose
    ``line`` is its 1-based number and whose problems name the field."""
    lines: Iterable[str | bytes]
    if isinstance(text_or_lines, str):
        lines = text_or_lines.split("\n")  # not splitlines(): U+2028 may sit inside a string
    elif isinstance(text_or_lines, bytes):
        lines = text_or_lines.split(b"\n")
    else:
        lines = text_or_lines
    events: list[Event] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped:
            events.append(_decode(stripped, line=number))
    return events
