"""A slow, plainly written business clock to check fast ones against.

``ReferenceClock`` answers the same questions as ``slacore.clock.BusinessCalendar``
straight from the definition in DESIGN.md §2, with no tables, no caching tricks beyond
remembering each local day's intervals, and no shortcuts:

1. For every local date ``D`` in a window around the query, take ``D``'s ranges: the
   override for ``D`` if there is one, else none if ``D`` is a holiday, else the weekly
   ranges of ``D``'s weekday.
2. Turn each range into a real interval ``[wall(D, start), wall(D or D+1, end))``, where
   ``wall`` builds the local wall time with ``fold=0`` and reads it as a UTC instant.
   An interval whose end is not after its start is dropped.
3. Merge all the intervals, remove the closures, clip to the query window.
4. Business time is the summed real length (integer microseconds) of what is left.

It was written independently of the fast implementation so that the two can be
compared by property tests; auditors can read it top to bottom to convince themselves
that it computes what the design says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_package

from slacore.clock.spec import CalendarSpec, CountryHolidays, TimeRange
from slacore.errors import NaiveDatetimeError, NeverOpenError

__all__ = ["ReferenceClock"]

Span = tuple[int, int]
"""A half-open interval ``[start, end)`` in integer microseconds since the Unix epoch."""

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ONE_MICROSECOND = timedelta(microseconds=1)
US_PER_DAY = 86_400 * 1_000_000
MINUTES_PER_DAY = 24 * 60

SEARCH_YEARS = 5
"""How far ``add`` and ``next_open`` look past the last dated entry of the calendar (and
past the last open time they saw) before deciding the calendar never opens again."""
SEARCH_LIMIT_US = SEARCH_YEARS * 366 * US_PER_DAY

WINDOW_US = 7 * US_PER_DAY
"""The length of the stretches of time that ``add`` and ``next_open`` walk through."""

DAY_MARGIN = 3
"""Extra local dates looked at on each side of a query window.  A day's intervals lie
within about two days of its own midnight, so three days of margin is plenty."""


def to_us(instant: datetime, field: str = "instant") -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetimeError(field, instant)
    return (instant - EPOCH) // ONE_MICROSECOND


def from_us(us: int, zone: ZoneInfo) -> datetime:
    """The aware datetime in ``zone`` of an epoch-microsecond instant."""
    return (EPOCH + timedelta(microseconds=us)).astimezone(zone)


def merge(spans: Iterable[Span]) -> list[Span]:
    """The union of ``spans`` as sorted, disjoint, non-empty spans (touching ones merge)."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    """The parts of merged ``spans`` that no span of ``holes`` covers."""
    result = spans
    for hole_start, hole_end in holes:
        pieces: list[Span] = []
        for start, end in result:
            if hole_end <= start or end <= hole_start:  # no overlap: keep all of it
                pieces.append((start, end))
                continue
            if start < hole_start:  # the part before the hole
                pieces.append((start, hole_start))
            if hole_end < end:  # the part after the hole
                pieces.append((hole_end, end))
        result = pieces
    return result


def clip(spans: list[Span], lo: int, hi: int) -> list[Span]:
    """The parts of ``spans`` inside ``[lo, hi)``."""
    clipped = [(max(start, lo), min(end, hi)) for start, end in spans]
    return [(start, end) for start, end in clipped if start < end]


class ReferenceClock:
    """Business time by brute force, for checking ``BusinessCalendar``.

    Accepts a ``CalendarSpec`` or anything ``CalendarSpec.parse`` accepts (a mapping in
    the JSON form).  Answers are exact and agree with DESIGN.md §2; they are slow, and
    the cost of ``elapsed`` grows with the span asked about.
    """

    def __init__(self, spec: CalendarSpec | Mapping[str, Any]) -> None:
        self.spec: CalendarSpec = CalendarSpec.parse(spec)
        self.zone = ZoneInfo(self.spec.timezone)
        self._weekly: tuple[tuple[TimeRange, ...], ...] = self.spec.weekly()
        self._overrides: dict[date, tuple[TimeRange, ...]] = self.spec.override_ranges()
        self._holiday_dates: set[date] = set()
        self._holiday_tables: list[holidays_package.HolidayBase] = []
        for holiday in self.spec.holidays:
            if isinstance(holiday, CountryHolidays):
                self._holiday_tables.append(
                    holidays_package.country_holidays(
                        holiday.country, subdiv=holiday.subdiv, observed=holiday.observed
                    )
                )
            else:
                self._holiday_dates.add(holiday)
        self._closures: list[Span] = [
            (to_us(c.start, "closure.start"), to_us(c.end, "closure.end"))
            for c in self.spec.closures
        ]
        self._day_cache: dict[date, list[Span]] = {}
        self._dated: Span | None = self._dated_entries_range()

    # ----------------------------------------------------------------- the definition

    def is_holiday(self, day: date) -> bool:
        """Whether ``day`` is one of the calendar's holidays."""
        return day in self._holiday_dates or any(day in table for table in self._holiday_tables)

    def ranges_of(self, day: date) -> tuple[TimeRange, ...]:
        """The opening ranges that start on the local date ``day``."""
        if day in self._overrides:
            return self._overrides[day]
        if self.is_holiday(day):
            return ()
        return self._weekly[day.weekday()]

    def wall(self, day: date, minute: int) -> int:
        """The instant (epoch µs) of the wall time ``minute`` minutes after local midnight
        of ``day``, read with ``fold=0``; ``minute`` may be 1440 (next midnight)."""
        if minute == MINUTES_PER_DAY:
            day, minute = day + timedelta(days=1), 0
        local = datetime(
            day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.zone, fold=0
        )
        return to_us(local)

    def intervals_of(self, day: date) -> list[Span]:
        """The real intervals of the ranges that start on ``day``, before merging and
        before closures; those whose resolved end is not after their start are dropped."""
        if day not in self._day_cache:
            spans: list[Span] = []
            for r in self.ranges_of(day):
                start = self.wall(day, r.start)
                if r.end <= r.start:  # runs past midnight, closes the next day
                    end = self.wall(day + timedelta(days=1), r.end)
                else:
                    end = self.wall(day, r.end)
                if end > start:
                    spans.append((start, end))
            self._day_cache[day] = spans
        return self._day_cache[day]

    def local_date(self, us: int) -> date:
        """The local date, in the calendar's zone, of an epoch-microsecond instant."""
        return from_us(us, self.zone).date()

    def open_spans_us(self, lo: int, hi: int) -> list[Span]:
        """The open set inside ``[lo, hi)``: sorted, disjoint spans in epoch µs."""
        if hi <= lo:
            return []
        first = self.local_date(lo) - timedelta(days=DAY_MARGIN)
        last = self.local_date(hi) + timedelta(days=DAY_MARGIN)
        candidates: list[Span] = []
        day = first
        while day <= last:
            candidates.extend(self.intervals_of(day))
            day += timedelta(days=1)
        open_set = subtract(merge(candidates), merge(self._closures))
        return clip(open_set, lo, hi)

    # ------------------------------------------------------------------ public answers

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Business time in ``[a, b)``; negative (``-elapsed(b, a)``) when ``b < a``."""
        lo, hi = to_us(a, "a"), to_us(b, "b")
        if hi < lo:
            return -self.elapsed(b, a)
        return timedelta(microseconds=sum(end - start for start, end in self.open_spans_us(lo, hi)))

    def add(self, t: datetime, d: timedelta) -> datetime:
        """For ``d >= 0`` the earliest ``u >= t`` with ``elapsed(t, u) == d``; for ``d < 0``
        the latest ``u <= t`` with ``elapsed(u, t) == -d``.  Raises ``NeverOpenError`` when
        the calendar runs out of open time."""
        start = to_us(t, "t")
        remaining = d // ONE_MICROSECOND
        if remaining == 0:
            return t.astimezone(self.zone)
        if remaining > 0:
            return from_us(self._add_forward(start, remaining), self.zone)
        return from_us(self._add_backward(start, -remaining), self.zone)

    def is_open(self, t: datetime) -> bool:
        """Whether the instant ``t`` is inside the open set."""
        us = to_us(t, "t")
        return bool(self.open_spans_us(us, us + 1))

    def next_open(self, t: datetime) -> datetime:
        """The earliest open instant ``>= t`` (``t`` itself when open).  Raises
        ``NeverOpenError`` when the calendar never opens again."""
        us = to_us(t, "t")
        give_up_after = self._latest(us) + SEARCH_LIMIT_US
        lo = us
        while lo <= give_up_after:
            spans = self.open_spans_us(lo, lo + WINDOW_US)
            if spans:
                return from_us(spans[0][0], self.zone)
            lo += WINDOW_US
        raise NeverOpenError(f"calendar never opens after {t.isoformat()}")

    def open_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        """The merged open intervals clipped to ``[a, b)``, in the calendar's zone."""
        spans = self.open_spans_us(to_us(a, "a"), to_us(b, "b"))
        return [(from_us(start, self.zone), from_us(end, self.zone)) for start, end in spans]

    # ------------------------------------------------------------------------- helpers

    def _add_forward(self, start: int, remaining: int) -> int:
        """Walk forward from ``start`` until ``remaining`` µs of open time are consumed."""
        last_open_seen = start
        lo = start
        while True:
            hi = lo + WINDOW_US
            for span_start, span_end in self.open_spans_us(lo, hi):
                last_open_seen = span_end
                if span_end - span_start >= remaining:
                    return span_start + remaining
                remaining -= span_end - span_start
            lo = hi
            if lo > self._latest(last_open_seen) + SEARCH_LIMIT_US:
                raise NeverOpenError(
                    f"calendar has no open time for {SEARCH_YEARS} years after "
                    f"{from_us(last_open_seen, self.zone).isoformat()}"
                )

    def _add_backward(self, start: int, remaining: int) -> int:
        """Walk backward from ``start`` until ``remaining`` µs of open time are consumed."""
        last_open_seen = start
        hi = start
        while True:
            lo = hi - WINDOW_US
            for span_start, span_end in reversed(self.open_spans_us(lo, hi)):
                last_open_seen = span_start
                if span_end - span_start >= remaining:
                    return span_end - remaining
                remaining -= span_end - span_start
            hi = lo
            if hi < self._earliest(last_open_seen) - SEARCH_LIMIT_US:
                raise NeverOpenError(
                    f"calendar has no open time for {SEARCH_YEARS} years before "
                    f"{from_us(last_open_seen, self.zone).isoformat()}"
                )

    def _latest(self, us: int) -> int:
        """``us`` or the last instant named by a dated entry, whichever is later."""
        return us if self._dated is None else max(us, self._dated[1])

    def _earliest(self, us: int) -> int:
        """``us`` or the first instant named by a dated entry, whichever is earlier."""
        return us if self._dated is None else min(us, self._dated[0])

    def _dated_entries_range(self) -> Span | None:
        """The earliest and latest instants named by overrides, explicit holidays and
        closures (``None`` when there are none).  Outside them the calendar repeats
        weekly apart from country holidays, so a search may stop a few years past them."""
        instants: list[int] = []
        for day in [*self._overrides, *self._holiday_dates]:
            instants.append(self.wall(day, 0))
            instants.append(self.wall(day + timedelta(days=2), 0))
        for closure_start, closure_end in self._closures:
            instants.extend((closure_start, closure_end))
        if not instants:
            return None
        return min(instants), max(instants)
