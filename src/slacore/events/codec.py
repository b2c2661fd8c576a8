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
value (``1.50`` and ``1.5`` are the same, so are ``2`` and ``2.0``), no ``format``.

Formats: ``to_json`` writes the current format of each type (``format`` right after
``type`` when it is above 1); ``from_json`` reads every format, upcasting older ones in
``parse_event`` (``slacore.events.upcasting``), so the log, which reads stored rows with
``from_json``, gets the current models from rows of any age.

Speed: reading parses with ``jiter`` (the Rust parser behind pydantic) and falls back to
the standard library's ``json`` with hooks for the verdict and the message whenever
``jiter`` refuses; writing uses per-class field tables and dispatches values on their exact
type.  ``reference_json`` is the slow, obvious writer the fast ones are tested against;
``benchmarks/codec_bench.py`` times each fast path next to its peer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import jiter

from slacore.errors import Problem
from slacore.events.models import Event, EventBase, InvalidEvent, _parse
from slacore.events.upcasting import FORMAT_KEY

__all__ = [
    "canonical_json",
    "dump_raw",
    "dumps_jsonl",
    "from_json",
    "load_raw",
    "loads_jsonl",
    "reference_json",
    "to_json",
]

_UTC = timezone.utc
_MISSING: Any = object()
_quote = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept as is


_LEAD = ("type", "format", "event_id", "ticket_id", "service_id", "at")
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


def _plain(event: EventBase, *, canonical: bool = False) -> dict[str, Any]:
    """The event's fields (``type``, ids and ``at`` first), optional top-level ``None``s
    left out (and ``format``, for the canonical form: a format is representation)."""
    out: dict[str, Any] = {}
    for name, optional in _layout(type(event)):
        value = getattr(event, name)
        if value is None and optional:
            continue
        if canonical and name == FORMAT_KEY:
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


def reference_json(event: EventBase, *, canonical: bool = False) -> str:
    """``to_json`` (or ``canonical_json``) the slow, obvious way: the event as a dict,
    encoded value by value.  The fast writers below must give the same text (tested)."""
    return _encode(_plain(event, canonical=canonical), canonical=canonical)


# The fast writers: per event class, the fields in JSON order with their '"name":'
# prefix; values dispatched on their exact type (``bool`` is not ``int`` here), the
# rare ones handed to ``_encode``.
_Writer = tuple[tuple[str, str, bool], ...]
_EXACT_WRITERS: dict[type[EventBase], _Writer] = {}
_CANONICAL_WRITERS: dict[type[EventBase], _Writer] = {}


def _writer(cls: type[EventBase], canonical: bool) -> _Writer:
    cache = _CANONICAL_WRITERS if canonical else _EXACT_WRITERS
    writer = cache.get(cls)
    if writer is None:
        layout = sorted(_layout(cls)) if canonical else _layout(cls)
        writer = tuple(
            (name, _quote(name) + ":", optional)
            for name, optional in layout
            if not (canonical and name == FORMAT_KEY)
        )
        cache[cls] = writer
    return writer


def _exact(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is datetime:
        return f'"{value.isoformat()}"'
    if kind is dict:
        return "{" + ",".join(_quote(k) + ":" + _exact(v) for k, v in value.items()) + "}"
    if kind is int:
        return str(value)
    return _encode(value, False)


def _canonical(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is datetime:
        if value.tzinfo is _UTC:
            return f'"{value.replace(tzinfo=None).isoformat(timespec="microseconds")}Z"'
        return _encode(value, True)
    if kind is dict:
        return (
            "{"
            + ",".join(_quote(k) + ":" + _canonical(value[k]) for k in sorted(value))
            + "}"
        )
    if kind is int:
        return str(value)
    return _encode(value, True)


def to_json(event: EventBase) -> str:
    """The exact JSON text of one event (one line, no trailing newline), in the current
    format of its type (``format`` written when it is above 1)."""
    values = event.__dict__
    parts = []
    for name, key, optional in _EXACT_WRITERS.get(type(event)) or _writer(type(event), False):
        value = values[name]
        if value is None:
            if optional:
                continue
            parts.append(key + "null")
        else:
            parts.append(key + _exact(value))
    return "{" + ",".join(parts) + "}"


def canonical_json(event: EventBase) -> str:
    """The event's content as canonical JSON: equal strings mean "the same fact", whatever
    offsets or number spellings the versions used (and whatever format they were read
    from: ``format`` is left out)."""
    values = event.__dict__
    parts = []
    writer = _CANONICAL_WRITERS.get(type(event)) or _writer(type(event), True)
    for name, key, optional in writer:
        value = values[name]
        if value is None:
            if optional:
                continue
            parts.append(key + "null")
        else:
            parts.append(key + _canonical(value))
    return "{" + ",".join(parts) + "}"


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


def _fast_loads(text: str | bytes) -> Any:
    """``_loads`` by ``jiter`` (pydantic's JSON parser, in Rust): several times faster, the
    same values (non-integers as exact ``Decimal``s, duplicate keys and NaN refused).  It
    raises on anything ``_loads`` refuses and on a few inputs ``_loads`` reads (a UTF-8
    BOM before bytes, a lone surrogate escape, nesting deeper than ``jiter`` goes); the
    caller then asks ``_loads``, which gives the verdict and the error message."""
    data = text.encode() if isinstance(text, str) else text
    return jiter.from_json(
        data,
        allow_inf_nan=False,
        catch_duplicate_keys=True,
        float_mode="decimal",
        cache_mode="keys",
    )


def load_raw(text: str | bytes) -> Any:
    """The JSON value of ``text`` as slacore reads event JSON (non-integers as exact
    ``Decimal``s, duplicate keys and NaN refused, key order kept), not validated as an
    event; ``ValueError`` when it is not such JSON."""
    try:
        return _fast_loads(text)
    except ValueError:
        return _loads(text)


def dump_raw(value: Any) -> str:
    """The exact JSON text of a value read by ``load_raw`` (key order kept):
    ``dump_raw(load_raw(to_json(e))) == to_json(e)`` for every event ``e``, whatever the
    format the text was written in.  For rewriting stored text without re-serialising it
    through the current models (e.g. removing a personal value)."""
    return _exact(value)


def _shorten(text: str | bytes, limit: int = 80) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "…"


def _decode(text: str | bytes, *, line: int | None = None) -> Event:
    try:
        data = _fast_loads(text)
    except Exception:  # the reference parser below has the last word
        data = _MISSING
    try:
        if data is _MISSING:
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
    """Read one event from JSON text, in any format this version knows (older ones are
    upcast to the current model); raises ``InvalidEvent`` naming the field."""
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
