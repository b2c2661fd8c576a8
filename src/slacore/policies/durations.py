"""Durations in policy files: ``30m``, ``4h``, ``1h30m``, ``90s``, ``500ms``, ISO 8601
``PT4H``; and relative targets such as "by 16:00 on the next business day".

A day is deliberately not a unit: "1d" could mean 24 clock hours, 24 business hours or one
business day, and SLA disputes start exactly there.  Write ``24h`` or
``{business_days: 1, by: "16:00"}``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    field_validator,
)

_SHORT = re.compile(r"(\d+)(ms|h|m|s)")
_ISO = re.compile(
    r"^PT(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d{1,6})?)S)?$"
)
_UNIT_US = {"h": 3_600_000_000, "m": 60_000_000, "s": 1_000_000, "ms": 1_000}
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


def parse_duration(value: Any) -> timedelta:
    """A non-negative ``timedelta`` from ``"1h30m"``-style text, ISO ``"PT1H30M"`` or a
    ``timedelta``; ``ValueError`` naming the text otherwise."""
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError(f"duration {value} is negative")
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration; write e.g. '30m', '4h', '1h30m' or 'PT4H'")
    text = value.strip()
    if re.search(r"\d\s*[dDwW]\b|^P\d+[DW]|^P.*[DW]T?", text):
        raise ValueError(
            f"{value!r}: days are ambiguous (clock or business?); write '24h' for hours, "
            "or a relative target {business_days: N, by: 'HH:MM'}"
        )
    iso = _ISO.match(text)
    if iso and any(iso.groups()):
        h, m, s = iso.group("h"), iso.group("m"), iso.group("s")
        us = int(h or 0) * _UNIT_US["h"] + int(m or 0) * _UNIT_US["m"]
        if s:
            try:
                us += int(Decimal(s) * 1_000_000)
            except InvalidOperation:  # pragma: no cover - the regex admits only numbers
                raise ValueError(f"{value!r} is not a duration") from None
        return timedelta(microseconds=us)
    pos, us, seen = 0, 0, False
    for m in _SHORT.finditer(text):
        if m.start() != pos:
            break
        us += int(m.group(1)) * _UNIT_US[m.group(2)]
        pos, seen = m.end(), True
    if not seen or pos != len(text):
        raise ValueError(f"{value!r} is not a duration; write e.g. '30m', '4h', '1h30m' or 'PT4H'")
    return timedelta(microseconds=us)


def format_duration(value: timedelta) -> str:
    """The shortest ``"1h30m"``-style text for a duration (``"0s"`` for zero)."""
    total = value // timedelta(microseconds=1)
    if total % 1_000:  # sub-millisecond: the exact ISO form
        seconds, micro = divmod(total, 1_000_000)
        return f"PT{seconds}.{micro:06d}".rstrip("0") + "S"
    parts, us = [], total
    for unit in ("h", "m", "s", "ms"):
        n, us = divmod(us, _UNIT_US[unit])
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts) or "0s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]


class BusinessDaysBy(BaseModel):
    """A relative target: due at local time ``by`` on the ``business_days``-th business day
    after the cycle starts (a business day is a date with open time on the calendar)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    business_days: int = Field(ge=0, le=3660)
    by: str

    @field_validator("by")
    @classmethod
    def _check_by(cls, value: str) -> str:
        m = _CLOCK.match(value)
        if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59 or (
            int(m.group(1)) == 24 and int(m.group(2)) != 0
        ):
            raise ValueError(f"{value!r} is not a time of day 'HH:MM'")
        return value

    @property
    def by_minutes(self) -> int:
        """``by`` as minutes after local midnight."""
        h, m = self.by.split(":")
        return int(h) * 60 + int(m)


def parse_target(value: Any) -> timedelta | BusinessDaysBy:
    """A target: a duration (``"4h"``) or a relative target mapping
    (``{business_days: 1, by: "16:00"}``)."""
    if isinstance(value, BusinessDaysBy):
        return value
    if isinstance(value, dict):
        return BusinessDaysBy.model_validate(value)
    return parse_duration(value)


def _target_data(value: timedelta | BusinessDaysBy) -> Any:
    if isinstance(value, BusinessDaysBy):
        return value.model_dump()
    return format_duration(value)


TargetSpec = Annotated[
    timedelta | BusinessDaysBy,
    PlainValidator(parse_target),
    PlainSerializer(_target_data, when_used="json"),
]
