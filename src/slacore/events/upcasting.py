"""Format versions and upcasting: reading data written in an older format into the
current model.

Every kind of stored record (each event type, and policies) has a **format version**, an
integer from 1.  A record says which format it is written in with the key ``format``; a
record **without** that key is format 1 (everything stored before format versions
existed).  A kind's *current* format is 1 plus the number of upcasters registered for it.

An **upcaster** turns the raw mapping of one format into the raw mapping of the next
(``(kind, n) -> function``, format ``n`` to ``n + 1``); reading chains them from the
record's format up to the current one, *before* pydantic validates, so the models only
ever know the current format.  Stored rows are never rewritten: the old text stays as it
was stored (hash chains and audits depend on it) and is upcast every time it is read.
Writing always produces the current format: ``format`` is written when it is above 1.

Because a mapping without ``format`` is read as format 1, an upcaster must accept a
mapping that is already in the newer shape and leave it alone (callers build mappings
by hand or from ``model_dump`` without the key); the registered upcasters do.

This module is pure and knows no models: it only moves keys in mappings.  See the
"Format versions" section of ``docs/events.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

__all__ = [
    "EVENT_FORMATS",
    "FORMAT_KEY",
    "POLICY_FORMATS",
    "FormatError",
    "FormatRegistry",
    "Upcaster",
]

FORMAT_KEY: Final = "format"
"""The key that carries a record's format version (absent: format 1)."""

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Format ``n`` to ``n + 1`` of one kind: takes a fresh ``dict`` (its own to change) and
returns the mapping in the next format.  Pure: no I/O, no wall clock."""


class FormatError(ValueError):
    """The ``format`` of a record cannot be read: not a positive integer, or newer than
    this version of slacore knows.  ``value`` is what the record said."""

    def __init__(self, value: Any, message: str) -> None:
        super().__init__(message)
        self.value = value
        self.message = message


class FormatRegistry:
    """The upcasters of one family of records (events, policies), by kind and format."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._steps: dict[str, list[Upcaster]] = {}

    def register(self, kind: str, from_format: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator: ``fn`` upcasts ``kind`` from ``from_format`` to ``from_format + 1``.
        Formats must be registered in order, without gaps, once each."""

        def add(fn: Upcaster) -> Upcaster:
            steps = self._steps.setdefault(kind, [])
            if from_format != len(steps) + 1:
                raise ValueError(
                    f"{self.family} {kind!r}: the next upcaster to register is from format "
                    f"{len(steps) + 1}, not {from_format}"
                )
            steps.append(fn)
            return fn

        return add

    def current(self, kind: str) -> int:
        """The format ``kind`` is written in now."""
        steps = self._steps.get(kind)
        return 1 + len(steps) if steps else 1

    def changed(self) -> dict[str, int]:
        """Every kind whose current format is above 1, with that format."""
        return {kind: 1 + len(steps) for kind, steps in self._steps.items()}

    def format_of(self, kind: str, data: Mapping[str, Any]) -> int:
        """The format ``data`` says it is written in (1 without the key); ``FormatError``
        if that is not a format of ``kind`` this version knows."""
        if FORMAT_KEY not in data:
            return 1
        value = data[FORMAT_KEY]
        current = self.current(kind)
        if type(value) is not int or value < 1:
            raise FormatError(
                value, f"the format version must be a whole number from 1 to {current}"
            )
        if value > current:
            raise FormatError(
                value,
                f"format {value} of {self.family} {kind!r} is newer than this version of "
                f"slacore reads (up to format {current}); upgrade slacore to read it",
            )
        return value

    def upcast(self, kind: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """``data`` in the current format of ``kind``: the same object when it already is
        (and is not format 1 written out), else a new dict, upcast step by step, with
        ``format`` set when the current format is above 1 (removed when it is 1)."""
        steps = self._steps.get(kind)
        if not steps:
            if FORMAT_KEY not in data:
                return data  # the common case: a kind still at format 1
            self.format_of(kind, data)
            return {k: v for k, v in data.items() if k != FORMAT_KEY}
        start = self.format_of(kind, data)
        if start == len(steps) + 1:
            return data
        out = {k: v for k, v in data.items() if k != FORMAT_KEY}
        for step in steps[start - 1 :]:
            out = step(out)
        out[FORMAT_KEY] = len(steps) + 1
        return out


# --------------------------------------------------------------------------- events

EVENT_FORMATS: Final = FormatRegistry("event")
"""The upcasters of the event vocabulary, by event ``type``."""


@EVENT_FORMATS.register("maintenance_scheduled", 1)
def _maintenance_window_id_explicit(data: dict[str, Any]) -> dict[str, Any]:
    """``maintenance_scheduled`` 1 -> 2: the window's id is always written.

    Format 1 let ``maintenance_id`` out (or ``null``), and the window's id was then the
    event's ``event_id``; format 2 requires ``maintenance_id``, so the stored row says
    which window it schedules and a reader needs no defaulting rule.  The window ids and
    so every result stay the same.  (A non-string ``event_id`` is left for validation to
    report, with ``maintenance_id`` still missing.)"""
    if data.get("maintenance_id") is None:
        event_id = data.get("event_id")
        if isinstance(event_id, str):
            data["maintenance_id"] = event_id
        else:
            data.pop("maintenance_id", None)
    return data


# --------------------------------------------------------------------------- policies

POLICY_FORMATS: Final = FormatRegistry("policy")
"""The upcasters of policy definitions (one kind, ``"policy"``); none yet: format 1 is
current."""
