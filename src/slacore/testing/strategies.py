"""Hypothesis strategies for business calendars, instants and durations.

Use them to property-test code built on slacore, for example::

    from hypothesis import given
    from slacore.testing import ReferenceClock, aware_datetimes, calendar_specs

    @given(calendar_specs(), st.data())
    def test_my_policy(spec, data):
        t = data.draw(aware_datetimes(spec["timezone"], spec=spec))
        ...

The calendars favour the awkward cases: night shifts that cross midnight, ``"24:00"``
ends, empty days, several ranges a day, holidays, overrides that close a date, closures,
and opening hours that fall inside or next to daylight-saving transitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from slacore.clock.spec import CalendarSpec, TimeRange

__all__ = [
    "COUNTRY_HOLIDAYS",
    "ZONES",
    "aware_datetimes",
    "business_durations",
    "calendar_specs",
    "dst_transitions",
    "time_ranges",
]

ZONES: tuple[str, ...] = (
    "America/New_York",  # 02:00 -> 03:00 and 02:00 -> 01:00
    "Europe/Berlin",  # 02:00 -> 03:00 and 03:00 -> 02:00
    "Australia/Sydney",  # southern hemisphere: DST across the new year
    "America/Sao_Paulo",  # DST until 2019, changed at midnight (00:00 did not exist)
    "Asia/Tehran",  # +03:30, DST until 2022 at midnight
    "Pacific/Chatham",  # +12:45 / +13:45, changes at 02:45 / 03:45
    "Asia/Kolkata",  # +05:30, no DST
    "UTC",
)
"""Zones whose offsets and transitions stress wall-clock arithmetic."""

COUNTRY_HOLIDAYS: dict[str, dict[str, str]] = {
    "America/New_York": {"country": "US", "subdiv": "NY"},
    "Europe/Berlin": {"country": "DE", "subdiv": "BE"},
    "Australia/Sydney": {"country": "AU", "subdiv": "NSW"},
    "America/Sao_Paulo": {"country": "BR"},
    "Asia/Tehran": {"country": "IR"},
    "Pacific/Chatham": {"country": "NZ", "subdiv": "CIT"},
    "Asia/Kolkata": {"country": "IN"},
    "UTC": {"country": "GB"},
}
"""A plausible ``holidays`` country (and subdivision) for each zone in ``ZONES``."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Wall-clock minutes where something tends to happen: midnight, DST changes (00:00,
# 01:00, 02:00, 02:45, 03:00, 03:45), the half and quarter hours around them, office
# hours, and the last minute of the day.
INTERESTING_MINUTES: tuple[int, ...] = (
    0, 30, 60, 90, 120, 150, 165, 180, 210, 225, 240,
    480, 540, 720, 780, 1020, 1080, 1320, 1380, 1410, 1439,
)  # fmt: skip

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _range_text(start: int, end: int) -> str:
    return f"{_clock(start)}-{_clock(end)}"


def _minutes() -> st.SearchStrategy[int]:
    """A wall-clock minute of the day, often one of ``INTERESTING_MINUTES``."""
    return st.one_of(
        st.sampled_from(INTERESTING_MINUTES),
        st.integers(0, 95).map(lambda quarter: quarter * 15),
        st.integers(0, 1439),
    )


@st.composite
def time_ranges(draw: st.DrawFn) -> str:
    """One ``"HH:MM-HH:MM"`` range: same-day, ending at ``24:00``, overnight (end before
    start), or a full 24 hours written with end == start."""
    start = draw(_minutes())
    kind = draw(st.sampled_from(["day", "day", "day", "to_midnight", "overnight", "full"]))
    if kind == "to_midnight" or (kind == "day" and start == 1439):
        return _range_text(start, 1440)
    if kind == "day":
        later = [m for m in (*INTERESTING_MINUTES, 1440) if m > start]
        end = draw(st.one_of(st.sampled_from(later), st.integers(start + 1, 1440)))
        return _range_text(start, end)
    if kind == "overnight":
        end = draw(st.integers(0, start))
        return _range_text(start, end)
    return _range_text(start, start)


def _day_ranges() -> st.SearchStrategy[list[str]]:
    return st.lists(time_ranges(), min_size=0, max_size=3)


_TEMPLATES: dict[str, dict[str, list[str]]] = {
    "office": {day: ["09:00-17:00"] for day in WEEKDAYS[:5]},
    "split": {day: ["09:00-12:00", "13:00-17:00"] for day in WEEKDAYS[:5]},
    "24x7": {day: ["00:00-24:00"] for day in WEEKDAYS},
    "night": {day: ["22:00-06:00"] for day in WEEKDAYS[:5]},
    "early": {day: ["00:00-03:00", "23:00-24:00"] for day in WEEKDAYS},
    "weekend": {"sat": ["10:00-14:00"], "sun": ["01:30-02:30"]},
}


@st.composite
def _weekly_hours(draw: st.DrawFn, *, open_: bool) -> dict[str, list[str]]:
    """Weekly hours; at least one range somewhere when ``open_``, none otherwise."""
    if not open_:
        return draw(st.sampled_from([{}, {day: [] for day in WEEKDAYS}]))
    template = draw(st.sampled_from([None, None, *_TEMPLATES]))
    if template is not None:
        hours = {day: list(ranges) for day, ranges in _TEMPLATES[template].items()}
        # Sometimes disturb one day of the template.
        if draw(st.booleans()):
            hours[draw(st.sampled_from(WEEKDAYS))] = draw(_day_ranges())
    else:
        days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
        hours = {day: draw(_day_ranges()) for day in days}
    if not any(hours.values()):
        hours[draw(st.sampled_from(WEEKDAYS))] = [draw(time_ranges())]
    return hours


def _dates(min_year: int, max_year: int, zone: str | None = None) -> st.SearchStrategy[date]:
    """Dates in the years, often at a year's end or start (where per-year tables meet)
    and, given a ``zone``, often on or next to the days its UTC offset changes."""
    anywhere = st.dates(date(min_year, 1, 1), date(max_year, 12, 31))
    new_year = st.builds(
        lambda year, k: date(year, 1, 1) + timedelta(days=k),
        st.integers(min_year + 1, max_year) if max_year > min_year else st.just(min_year),
        st.integers(-2, 1) if max_year > min_year else st.integers(0, 1),
    )
    options = [anywhere, anywhere, new_year]
    if zone is not None:
        options.append(_transition_dates(zone, min_year, max_year))
    return st.one_of(options)


@st.composite
def _transition_dates(draw: st.DrawFn, zone: str, min_year: int, max_year: int) -> date:
    year = draw(st.integers(min_year, max_year))
    transitions = dst_transitions(zone, year)
    if not transitions:
        return draw(st.dates(date(year, 1, 1), date(year, 12, 31)))
    local = draw(st.sampled_from(transitions)).astimezone(ZoneInfo(zone)).date()
    return local + timedelta(days=draw(st.integers(-1, 1)))


@st.composite
def _clustered_dates(draw: st.DrawFn, zone: str, min_year: int, max_year: int) -> list[date]:
    """A few dates, often close together (so a query window meets several of them)."""
    centre = draw(_dates(min_year, max_year, zone))
    near = st.integers(-10, 10).map(lambda k: centre + timedelta(days=k))
    anywhere = _dates(min_year, max_year, zone)
    return draw(st.lists(st.one_of(near, near, anywhere), max_size=6, unique=True))


@st.composite
def _closures(draw: st.DrawFn, zone: str, min_year: int, max_year: int) -> list[dict[str, str]]:
    closures: list[dict[str, str]] = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(aware_datetimes(zone, min_year, max_year))
        length = draw(
            st.one_of(
                st.integers(1, 3_600).map(lambda s: timedelta(seconds=s)),
                st.integers(1, 72).map(lambda h: timedelta(hours=h)),
                st.integers(1, 21).map(lambda d: timedelta(days=d)),
            )
        )
        end = (start.astimezone(timezone.utc) + length).astimezone(start.tzinfo)
        # Closures are written with numeric offsets, sometimes in UTC (always when the
        # offset has seconds, as local mean time does: ISO 8601 parsers refuse those).
        offset = start.utcoffset()
        if draw(st.booleans()) or (offset is not None and offset.seconds % 60):
            start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
        closures.append({"start": start.isoformat(), "end": end.isoformat()})
    return closures


@st.composite
def calendar_specs(
    draw: st.DrawFn,
    zones: Sequence[str] = ZONES,
    *,
    min_year: int = 2016,
    max_year: int = 2028,
    never_open: bool | None = False,
    country_holidays: bool = True,
) -> dict[str, Any]:
    """A JSON-able calendar definition (the mapping form of ``CalendarSpec``).

    Holidays, overrides and closures fall within ``[min_year, max_year]``.  With
    ``never_open=False`` (the default) the weekly hours have at least one range, so the
    calendar opens every week and ``add`` always finds an answer; with ``True`` the weekly
    hours are empty (only overrides may open a date, so the calendar eventually stops
    opening for good); with ``None`` either.  ``country_holidays`` allows holidays from the
    ``holidays`` package (slow to build, so drawn rarely).
    """
    zone = draw(st.sampled_from(list(zones)))
    closed_weekly = never_open if never_open is not None else draw(st.booleans())
    hours = draw(_weekly_hours(open_=not closed_weekly))

    holiday_dates = draw(_clustered_dates(zone, min_year, max_year))
    holidays: list[Any] = [d.isoformat() for d in holiday_dates]
    if country_holidays and zone in COUNTRY_HOLIDAYS and draw(st.integers(0, 9)) == 0:
        holidays.append(dict(COUNTRY_HOLIDAYS[zone]))

    override_dates = draw(_clustered_dates(zone, min_year, max_year))
    overrides: dict[str, list[str]] = {}
    for day in override_dates:
        overrides[day.isoformat()] = draw(
            st.one_of(st.just([]), st.lists(time_ranges(), min_size=1, max_size=2))
        )

    closures = draw(_closures(zone, min_year, max_year))
    return {
        "timezone": zone,
        "hours": hours,
        "holidays": holidays,
        "overrides": overrides,
        "closures": closures,
    }


@cache
def dst_transitions(zone: str, year: int) -> tuple[datetime, ...]:
    """The instants (UTC, to the second) in ``year`` at which ``zone`` changes its UTC
    offset."""
    tz = ZoneInfo(zone)

    def offset(instant: datetime) -> timedelta | None:
        return instant.astimezone(tz).utcoffset()

    found: list[datetime] = []
    day = datetime(year, 1, 1, tzinfo=timezone.utc)
    while day.year == year:
        lo, hi = day, day + timedelta(days=1)
        if offset(lo) != offset(hi):
            while hi - lo > timedelta(seconds=1):  # bisect down to the second
                mid = lo + (hi - lo) // 2
                if offset(mid) == offset(lo):
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        day += timedelta(days=1)
    return tuple(found)


_NUDGES = st.sampled_from(
    [
        timedelta(0),
        timedelta(0),
        timedelta(microseconds=1),
        timedelta(microseconds=-1),
        timedelta(seconds=1),
        timedelta(seconds=-1),
        timedelta(minutes=30),
        timedelta(minutes=-30),
        timedelta(hours=1),
        timedelta(hours=-1),
    ]
)


_SMALL_NUDGES = st.sampled_from(
    [
        timedelta(0),
        timedelta(0),
        timedelta(microseconds=1),
        timedelta(microseconds=-1),
        timedelta(seconds=-1),
    ]
)


@st.composite
def _wall_times(draw: st.DrawFn, zone: str, min_year: int, max_year: int) -> datetime:
    """A local wall time on a whole minute, either fold; may fall in a gap or overlap."""
    day = draw(_dates(min_year, max_year, zone))
    minute = draw(_minutes())
    return datetime(
        day.year, day.month, day.day, minute // 60, minute % 60,
        tzinfo=ZoneInfo(zone), fold=draw(st.integers(0, 1)),
    )  # fmt: skip


@st.composite
def _near_transitions(draw: st.DrawFn, zone: str, min_year: int, max_year: int) -> datetime:
    """An instant at or near a DST transition of ``zone`` (any instant if it has none)."""
    year = draw(st.integers(min_year, max_year))
    transitions = dst_transitions(zone, year)
    if not transitions:
        return draw(_any_instants(zone, year, year))
    instant = draw(st.sampled_from(transitions)) + draw(_NUDGES)
    return instant.astimezone(ZoneInfo(zone))


@st.composite
def _any_instants(draw: st.DrawFn, zone: str, min_year: int, max_year: int) -> datetime:
    lo = datetime(min_year, 1, 1, tzinfo=timezone.utc)
    hi = datetime(max_year + 1, 1, 1, tzinfo=timezone.utc)
    us = draw(st.integers(0, (hi - lo) // timedelta(microseconds=1) - 1))
    return (lo + timedelta(microseconds=us)).astimezone(ZoneInfo(zone))


def _wall(zone: ZoneInfo, day: date, minute: int, fold: int) -> datetime:
    if minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone, fold=fold)


@st.composite
def _calendar_boundaries(
    draw: st.DrawFn, spec: CalendarSpec, min_year: int, max_year: int
) -> datetime:
    """An instant at (or a microsecond or second from) an opening or closing time of
    ``spec``: a range start or end on a date near its holidays and overrides, or a
    closure boundary."""
    zone = ZoneInfo(spec.timezone)
    closures = [c.start for c in spec.closures] + [c.end for c in spec.closures]
    if closures and draw(st.integers(0, 3)) == 0:
        instant: datetime = draw(st.sampled_from(closures))
    else:
        special = [*spec.overrides, *(d for d in spec.holidays if isinstance(d, date))]
        near_special = draw(st.booleans())
        if special and near_special:
            day = draw(st.sampled_from(special)) + timedelta(days=draw(st.integers(-1, 1)))
        else:
            day = draw(_dates(min_year, max_year, spec.timezone))
        weekly = spec.weekly()
        overrides = spec.override_ranges()
        candidates: list[TimeRange] = [*weekly[day.weekday()], *overrides.get(day, ())]
        if not candidates:
            candidates = [r for ranges in weekly for r in ranges] or [TimeRange(0, 0)]
        r = draw(st.sampled_from(candidates))
        at_start = draw(st.booleans())
        minute = r.start if at_start else r.end + (1440 if r.overnight else 0)
        instant = _wall(zone, day, minute, draw(st.integers(0, 1)))
    nudge = draw(_SMALL_NUDGES)
    return (instant.astimezone(timezone.utc) + nudge).astimezone(zone)


def aware_datetimes(
    zone: str,
    min_year: int = 2016,
    max_year: int = 2028,
    *,
    spec: CalendarSpec | Mapping[str, Any] | None = None,
) -> st.SearchStrategy[datetime]:
    """Aware datetimes in ``zone`` between ``min_year`` and ``max_year``: arbitrary
    instants to the microsecond, whole-minute wall times (either ``fold``, including
    times that fall in a DST gap or overlap), and instants at or next to DST transitions.
    Given a calendar ``spec``, also instants on (or a microsecond either side of) its
    opening and closing times and closure boundaries."""
    options = [
        _any_instants(zone, min_year, max_year),
        _wall_times(zone, min_year, max_year),
        _near_transitions(zone, min_year, max_year),
    ]
    if spec is not None:
        parsed = CalendarSpec.parse(spec)
        boundaries = _calendar_boundaries(parsed, min_year, max_year)
        options += [boundaries, boundaries]
    return st.one_of(options)


def business_durations(
    max_value: timedelta = timedelta(days=3 * 365),
) -> st.SearchStrategy[timedelta]:
    """Non-negative durations up to ``max_value``: zero, a microsecond, whole seconds,
    minutes, hours and days, and arbitrary microsecond counts (small ones favoured)."""
    limit = max_value // timedelta(microseconds=1)

    def multiples(unit: timedelta, most: int) -> st.SearchStrategy[timedelta]:
        most = min(most, max_value // unit)
        return st.integers(1, most).map(lambda n: n * unit) if most >= 1 else st.nothing()

    return st.one_of(
        st.just(timedelta(0)),
        st.just(min(timedelta(microseconds=1), max_value)),
        multiples(timedelta(seconds=1), 2 * 3600),
        multiples(timedelta(minutes=1), 3 * 1440),
        multiples(timedelta(hours=1), 60 * 24),
        multiples(timedelta(days=1), max_value.days),
        st.integers(0, min(10**9, limit)).map(lambda us: timedelta(microseconds=us)),
        st.integers(0, limit).map(lambda us: timedelta(microseconds=us)),
    )
