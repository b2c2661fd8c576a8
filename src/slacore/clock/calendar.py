"""``BusinessCalendar``: opening hours, holidays and time zones turned into business time.

Business time is real elapsed time inside the calendar's open intervals.  See
``docs/clock.md`` for the exact rules at every boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from slacore.clock.holiday_sources import HolidayLookup, country_calendar, split_holiday_argument
from slacore.clock.instants import EPOCH, ONE_US, duration_us, from_us, to_us
from slacore.clock.intervals import IntervalSet, normalize
from slacore.clock.spec import CalendarSpec, CountryHolidays, TimeRange
from slacore.clock.table import OpenTable

AtClose = Literal["close", "next_open"]
_ALL_DAY = ["00:00-24:00"]


def _utc_year(us: int) -> int:
    return (EPOCH + ONE_US * us).year


class BusinessCalendar:
    """A business calendar in one IANA time zone.

    ``hours`` maps weekdays (``"mon"`` … ``"sun"``) to lists of ``"HH:MM-HH:MM"`` ranges
    (an end at or before the start runs past midnight; ``"24:00"`` ends the day; missing
    weekdays are closed).  ``holidays`` are dates, ISO strings, ``{"country": …,
    "subdiv": …}`` mappings or ``holidays.HolidayBase`` objects; a holiday removes the
    ranges that start on that date.  ``overrides`` replace a date's ranges (``[]`` closes
    it).  ``closures`` are aware ``(start, end)`` spans during which it is closed.

    Instances are immutable and safe to share between threads.
    """

    __slots__ = ("_holidays", "_spec", "_table", "_zone")

    def __init__(
        self,
        timezone: str = "UTC",
        hours: Mapping[str, Sequence[str]] | None = None,
        holidays: Any = None,
        overrides: Mapping[Any, Sequence[str]] | None = None,
        closures: Iterable[Any] | None = None,
    ) -> None:
        holiday_items, bases = split_holiday_argument(holidays)
        data = {
            "timezone": timezone,
            "hours": dict(hours) if hours is not None else {},
            "holidays": holiday_items,
            "overrides": dict(overrides) if overrides is not None else {},
            "closures": list(closures) if closures is not None else [],
        }
        self._setup(CalendarSpec.parse(data), bases)

    def _setup(self, spec: CalendarSpec, bases: Sequence[Any] = ()) -> None:
        self._spec = spec
        self._zone = ZoneInfo(spec.timezone)
        given = {
            (getattr(b, "country", None), getattr(b, "subdiv", None), bool(b.observed))
            for b in bases
        }
        explicit = [h for h in spec.holidays if isinstance(h, date)]
        countries = [
            country_calendar(h)
            for h in spec.holidays
            if isinstance(h, CountryHolidays) and (h.country, h.subdiv, h.observed) not in given
        ]
        self._holidays = HolidayLookup(explicit, [*bases, *countries])
        weekly = spec.weekly()
        overrides = spec.override_ranges()
        lookup = self._holidays

        def day_ranges(day: date) -> Sequence[TimeRange]:
            if day in overrides:
                return overrides[day]
            if day in lookup:
                return ()
            return weekly[day.weekday()]

        closures = normalize((to_us(c.start, "closures"), to_us(c.end, "closures"))
                             for c in spec.closures)
        special_dates = [*overrides, *explicit]
        # A closure's local year is within one of its UTC year; widening by one keeps the
        # bound safe without converting instants near datetime.min/max into the zone.
        special_years = [d.year for d in special_dates]
        for span in closures:
            special_years.append(_utc_year(span[0]) - 1)
            special_years.append(_utc_year(span[1]) + 1)
        self._table = OpenTable(
            self._zone,
            day_ranges,
            closures,
            weekly_empty=not any(weekly),
            special_years=(min(special_years), max(special_years)) if special_years else None,
        )

    # ----------------------------------------------------------------- construction

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | CalendarSpec) -> BusinessCalendar:
        """A calendar from its JSON-able description (as produced by ``to_spec``)."""
        new = cls.__new__(cls)
        new._setup(CalendarSpec.parse(spec))
        return new

    @classmethod
    def always(cls, timezone: str = "UTC") -> BusinessCalendar:
        """A 24×7 calendar: every instant is business time."""
        return cls(timezone=timezone, hours={d: _ALL_DAY for d in
                                             ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})

    def to_spec(self) -> dict[str, Any]:
        """The calendar as JSON-able data; ``from_spec`` of it gives an equal calendar."""
        return self._spec.model_dump(mode="json", exclude_defaults=True) | {
            "timezone": self._spec.timezone
        }

    @property
    def spec(self) -> CalendarSpec:
        """The validated description this calendar was built from."""
        return self._spec

    @property
    def timeline(self) -> OpenTable:
        """The calendar in integer epoch microseconds (``elapsed``, ``forward``,
        ``backward``, ``spans``, ``next_open``, ``is_open``): the exact, allocation-free
        view engines such as the SLA evaluator work on."""
        return self._table

    @property
    def timezone(self) -> ZoneInfo:
        """The calendar's time zone; opening hours are wall-clock times in it."""
        return self._zone

    # ----------------------------------------------------------------- questions

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Business time in ``[a, b)``; negative (``-elapsed(b, a)``) when ``b < a``."""
        try:
            ua = (a - EPOCH) // ONE_US
            ub = (b - EPOCH) // ONE_US
        except TypeError:
            to_us(a, "a")
            to_us(b, "b")
            raise
        return ONE_US * self._table.elapsed(ua, ub)

    def add(self, t: datetime, d: timedelta, *, at_close: AtClose = "close") -> datetime:
        """The instant ``d`` of business time after ``t``.

        For ``d >= 0``: the earliest ``u >= t`` with ``elapsed(t, u) == d``, so a deadline
        that uses up an opening interval exactly is that interval's close, and
        ``add(t, 0) == t``.  For ``d < 0``: the latest ``u <= t`` with
        ``elapsed(u, t) == -d``.  ``at_close="next_open"`` reproduces peers (pandas,
        zendesk/biz) whose forward results are always open instants: a result on a close
        (or a closed ``t`` with ``d == 0``) moves to the next opening.
        """
        try:
            u = (t - EPOCH) // ONE_US
            du = d // ONE_US
        except TypeError:
            to_us(t, "t")
            duration_us(d, "d")
            raise
        if du > 0:
            v = self._table.forward(u, du)
        elif du < 0:
            v = self._table.backward(u, -du)
        else:
            v = u
        if at_close == "next_open" and du >= 0:
            v = self._table.next_open(v)
        elif at_close not in ("close", "next_open"):
            raise ValueError(f"at_close must be 'close' or 'next_open', not {at_close!r}")
        return t.astimezone(self._zone) if v == u else from_us(v, self._zone)

    def is_open(self, t: datetime) -> bool:
        """True when ``t`` is inside an open interval (open at the opening instant, closed
        at the closing instant)."""
        return self._table.is_open(to_us(t, "t"))

    def next_open(self, t: datetime) -> datetime:
        """``t`` itself when open, else the start of the next open interval."""
        u = to_us(t, "t")
        v = self._table.next_open(u)
        return t.astimezone(self._zone) if v == u else from_us(v, self._zone)

    def open_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        """The open intervals inside ``[a, b)``, clipped to it, merged, in the calendar's
        zone."""
        zone = self._zone
        return [
            (from_us(s, zone), from_us(e, zone))
            for s, e in self._table.spans(to_us(a, "a"), to_us(b, "b"))
        ]

    def open_set(self, a: datetime, b: datetime) -> IntervalSet:
        """The open time inside ``[a, b)`` as an ``IntervalSet``."""
        return IntervalSet.from_us(self._table.spans(to_us(a, "a"), to_us(b, "b")))

    def measure(self, instants: IntervalSet) -> timedelta:
        """Business time inside a set of instants (e.g. the paused part of a cycle)."""
        cum = self._table.cumulative
        return sum(
            (timedelta(microseconds=cum(e) - cum(s)) for s, e in instants.spans_us),
            timedelta(0),
        )

    # ----------------------------------------------------------------- dunder

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BusinessCalendar) and self._spec == other._spec

    def __hash__(self) -> int:
        return hash(self._spec.model_dump_json())

    def __repr__(self) -> str:
        return f"BusinessCalendar.from_spec({self.to_spec()!r})"


__all__ = ["AtClose", "BusinessCalendar"]
