"""Instants as integer microseconds since the Unix epoch (UTC).

All business-time arithmetic is done on these integers: exact, and immune to Python's
wall-clock arithmetic between aware datetimes that share one ``tzinfo``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from slacore.errors import InvalidInput, NaiveDatetimeError, OutOfRangeError, Problem

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ONE_US = timedelta(microseconds=1)


def to_us(value: Any, field: str) -> int:
    """Microseconds since the epoch of an aware datetime; a clear error naming ``field``
    for a naive datetime or anything that is not a datetime."""
    if not isinstance(value, datetime):
        raise NaiveDatetimeError(field, value)
    try:
        since = value - EPOCH
    except TypeError:  # naive, or a tzinfo whose utcoffset() is None
        raise NaiveDatetimeError(field, value) from None
    # A timedelta's parts, not ``since // ONE_US``: no big-integer division.
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def duration_us(value: Any, field: str) -> int:
    """Microseconds in a ``timedelta`` (exact)."""
    if not isinstance(value, timedelta):
        raise InvalidInput([Problem(field, value, "a datetime.timedelta is required")])
    return value // ONE_US


def from_us(us: int, zone: tzinfo) -> datetime:
    """The aware datetime, in ``zone``, of an epoch-microsecond instant."""
    seconds, micro = divmod(us, 1_000_000)
    try:
        value = datetime.fromtimestamp(seconds, zone)
        return value.replace(microsecond=micro) if micro else value
    except (OverflowError, OSError, ValueError):
        pass  # near the ends of the datetime range, or a platform without negative timestamps
    try:
        return (EPOCH + ONE_US * us).astimezone(zone)
    except OverflowError:
        raise OutOfRangeError(f"instant {us} µs from the epoch is outside years 1-9999") from None


def as_duration(us: int) -> timedelta:
    """A ``timedelta`` of ``us`` microseconds."""
    return ONE_US * us
