"""The declarative form of a business calendar: a pydantic model that loads from and
dumps to JSON-able data, and the small parsed types it is made of.

A ``CalendarSpec`` is what users write (in YAML, JSON, TOML or Python); a
``BusinessCalendar`` is built from it and answers time questions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from slacore.errors import InvalidCalendar, problems_of

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = {
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Opening hours on one day, as wall-clock minutes after local midnight.

    ``end <= start`` means the range runs past midnight and closes at ``end`` the next
    day (a night shift); ``end == 1440`` is "24:00", the end of the day.
    """

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        """True when the range closes on the following day."""
        return self.end <= self.start

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """Parse ``"HH:MM-HH:MM"``; raises ``ValueError`` naming the text when malformed."""
        if not isinstance(text, str):
            raise ValueError(f"{text!r} is not a time range; write 'HH:MM-HH:MM'")
        m = _RANGE.match(text.strip())
        if m is None:
            raise ValueError(f"{text!r} is not a time range; write 'HH:MM-HH:MM'")
        sh, sm, eh, em = (int(g) for g in m.groups())
        if sh > 23 or sm > 59:
            raise ValueError(f"{text!r}: start {sh:02d}:{sm:02d} is not a time of day")
        if em > 59 or eh > 24 or (eh == 24 and em != 0):
            raise ValueError(f"{text!r}: end {eh:02d}:{em:02d} is not a time of day or 24:00")
        return cls(sh * 60 + sm, eh * 60 + em)

    def __str__(self) -> str:
        (sh, sm), (eh, em) = divmod(self.start, 60), divmod(self.end, 60)
        return f"{sh:02d}:{sm:02d}-{eh:02d}:{em:02d}"


def _parse_ranges(value: Any) -> list[str]:
    if isinstance(value, str):
        raise ValueError(f"{value!r}: give a list of 'HH:MM-HH:MM' ranges, not a single string")
    if not isinstance(value, list | tuple):
        raise ValueError(f"{value!r}: give a list of 'HH:MM-HH:MM' ranges")
    out: list[str] = []
    for item in value:
        out.append(str(TimeRange.parse(item)))
    return out


Ranges = Annotated[list[str], BeforeValidator(_parse_ranges)]


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'"
        ) from None
    return name


ZoneName = Annotated[str, AfterValidator(_check_zone)]


class CountryHolidays(BaseModel):
    """Public holidays of a country (and optionally a subdivision) from the ``holidays``
    package, e.g. ``{"country": "DE", "subdiv": "BY"}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    subdiv: str | None = None
    observed: bool = True

    @model_validator(mode="after")
    def _known(self) -> CountryHolidays:
        import holidays

        try:
            holidays.country_holidays(self.country, subdiv=self.subdiv, years=())
        except NotImplementedError:
            if self.country not in holidays.list_supported_countries():
                raise ValueError(f"unknown holiday country {self.country!r}") from None
            raise ValueError(
                f"unknown subdivision {self.subdiv!r} of holiday country {self.country!r}"
            ) from None
        return self


class Closure(BaseModel):
    """A span ``[start, end)`` during which the calendar is closed, whatever its hours."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: AwareDatetime
    end: AwareDatetime
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"start": value[0], "end": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end <= self.start:
            raise ValueError(f"closure end {self.end.isoformat()} is not after its start "
                             f"{self.start.isoformat()}")
        return self


def _holiday_item(value: Any) -> date | CountryHolidays:
    if isinstance(value, CountryHolidays):
        return value
    if isinstance(value, Mapping):
        return CountryHolidays.model_validate(value)
    if isinstance(value, datetime):
        raise ValueError(f"holiday {value!r} must be a date, not a datetime")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(
        f"{value!r} is not a holiday: give an ISO date 'YYYY-MM-DD' or "
        "{country: ..., subdiv: ...}"
    )


def _holiday_data(value: date | CountryHolidays) -> Any:
    if isinstance(value, CountryHolidays):
        return value.model_dump(exclude_defaults=True)
    return value.isoformat()


HolidayItem = Annotated[
    date | CountryHolidays,
    PlainValidator(_holiday_item),
    PlainSerializer(_holiday_data, when_used="json"),
]
_BRANCHES = ("CountryHolidays",)  # pydantic's name for a nested model in error paths
MAX_CALENDAR_ITEMS = 100_000
"""The most holidays, overrides or closures one calendar may list (about 270 years of
daily entries); a larger list is refused rather than built."""


class CalendarSpec(BaseModel):
    """A business calendar as data: IANA ``timezone``, weekly ``hours``, ``holidays``,
    per-date ``overrides`` and ``closures``.  Missing weekdays are closed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: ZoneName = "UTC"
    hours: dict[str, Ranges] = Field(default_factory=dict)
    holidays: list[HolidayItem] = Field(default_factory=list, max_length=MAX_CALENDAR_ITEMS)
    overrides: dict[date, Ranges] = Field(default_factory=dict, max_length=MAX_CALENDAR_ITEMS)
    closures: list[Closure] = Field(default_factory=list, max_length=MAX_CALENDAR_ITEMS)

    @field_validator("hours", mode="before")
    @classmethod
    def _weekday_keys(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, ranges in value.items():
            name = str(key).strip().lower()
            name = _FULL_NAMES.get(name, name)
            if name not in WEEKDAYS:
                raise ValueError(
                    f"unknown weekday {key!r}; use one of {', '.join(WEEKDAYS)}"
                )
            if name in out:
                raise ValueError(f"weekday {key!r} is given twice")
            out[name] = ranges
        return out

    @field_validator("holidays", mode="before")
    @classmethod
    def _holiday_list(cls, value: Any) -> Any:
        if isinstance(value, dict | str | date):
            return [value]
        return value

    def weekly(self) -> tuple[tuple[TimeRange, ...], ...]:
        """The parsed weekly hours, Monday first."""
        return tuple(
            tuple(TimeRange.parse(r) for r in self.hours.get(day, [])) for day in WEEKDAYS
        )

    def override_ranges(self) -> dict[date, tuple[TimeRange, ...]]:
        """The parsed per-date overrides."""
        return {d: tuple(TimeRange.parse(r) for r in rs) for d, rs in self.overrides.items()}

    @classmethod
    def parse(cls, data: Any) -> CalendarSpec:
        """Validate ``data``; raises ``InvalidCalendar`` naming every bad field and value."""
        if isinstance(data, CalendarSpec):
            return data
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidCalendar(problems_of(exc, branches=_BRANCHES)) from None
