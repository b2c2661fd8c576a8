"""The open-interval table: a calendar's open time as sorted UTC intervals with
cumulative business time, built lazily one local year at a time.

``C(u)`` is the business time (µs) from a fixed but arbitrary anchor up to instant ``u``.
It is continuous and non-decreasing; ``elapsed(a, b) = C(b) - C(a)`` and
``add(t, d)`` is the earliest ``u`` with ``C(u) = C(t) + d``.  Every query is two binary
searches over the table, whatever the span.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from slacore.clock.instants import EPOCH, ONE_US, from_us
from slacore.clock.intervals import Span, difference, normalize
from slacore.clock.spec import TimeRange
from slacore.errors import NeverOpenError, OutOfRangeError

MIN_YEAR = 2
MAX_YEAR = 9998
_ONE_DAY = timedelta(days=1)

DayRanges = Callable[[date], Sequence[TimeRange]]


class _Snapshot:
    """An immutable view of the built part of the table (swapped whole when it grows, so
    readers in other threads never see half an update)."""

    __slots__ = ("base", "cum", "cum_end", "ends", "hi", "hi_year", "lo", "lo_year", "starts")

    def __init__(
        self,
        lo_year: int,
        hi_year: int,
        lo: int,
        hi: int,
        starts: list[int],
        ends: list[int],
        cum: list[int],
        cum_end: list[int],
        base: int,
    ) -> None:
        self.lo_year, self.hi_year = lo_year, hi_year
        self.lo, self.hi = lo, hi  # built UTC window [lo, hi]
        self.starts, self.ends = starts, ends
        self.cum, self.cum_end = cum, cum_end  # C(starts[i]) and C(ends[i])
        self.base = base  # C(lo)

    @property
    def top(self) -> int:
        """C(hi)."""
        return self.cum_end[-1] if self.cum_end else self.base


class OpenTable:
    """The open intervals of one calendar, in UTC epoch microseconds.

    ``day_ranges(d)`` gives the opening hours that start on local date ``d`` (weekly
    hours, an override, or nothing on a holiday).  ``closures`` are normalized spans
    removed from the result.  ``special_years`` bounds the years holding anything but the
    weekly pattern (overrides, explicit holidays, closures); beyond them the calendar
    repeats its weekly hours, which lets searches prove that no open time is coming.
    """

    def __init__(
        self,
        zone: ZoneInfo,
        day_ranges: DayRanges,
        closures: list[Span],
        *,
        weekly_empty: bool,
        special_years: tuple[int, int] | None,
    ) -> None:
        self._zone = zone
        self._day_ranges = day_ranges
        self._closures = closures
        self._weekly_empty = weekly_empty
        self._special = special_years
        self._lock = threading.Lock()
        self._snap: _Snapshot | None = None

    # ----------------------------------------------------------------- building

    def _year_start(self, year: int) -> int:
        return (datetime(year, 1, 1, tzinfo=self._zone) - EPOCH) // ONE_US

    def _wall(self, day: date, minute: int) -> int:
        if minute == 1440:
            day, minute = day + _ONE_DAY, 0
        h, m = divmod(minute, 60)
        return (datetime(day.year, day.month, day.day, h, m, tzinfo=self._zone) - EPOCH) // ONE_US

    def _closed_throughout(self, lo: int, hi: int) -> bool:
        closures = self._closures
        i = bisect_right(closures, (lo, 1 << 62)) - 1
        return i >= 0 and closures[i][1] >= hi

    def _build_year(self, year: int) -> list[Span]:
        """Open spans inside the UTC window of local year ``year``."""
        lo, hi = self._year_start(year), self._year_start(year + 1)
        if self._closed_throughout(lo, hi):
            return []
        spans: list[Span] = []
        day = date(year, 1, 1) - timedelta(days=3)
        last = date(year + 1, 1, 1)
        day_ranges, wall = self._day_ranges, self._wall
        while day <= last:
            for r in day_ranges(day):
                s = wall(day, r.start)
                e = wall(day + _ONE_DAY, r.end) if r.overnight else wall(day, r.end)
                if s < lo:
                    s = lo
                if e > hi:
                    e = hi
                if s < e:
                    spans.append((s, e))
            day += _ONE_DAY
        spans = normalize(spans)
        if self._closures:
            spans = difference(spans, [c for c in self._closures if c[1] > lo and c[0] < hi])
        return spans

    def _check_year(self, year: int) -> None:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise OutOfRangeError(
                f"year {year} is outside the years a calendar covers ({MIN_YEAR}-{MAX_YEAR})"
            )

    def _grow(self, lo_year: int, hi_year: int) -> _Snapshot:
        """Make the built range cover local years ``lo_year..hi_year`` (inclusive)."""
        with self._lock:
            snap = self._snap
            if snap is not None and snap.lo_year <= lo_year and hi_year <= snap.hi_year:
                return snap
            self._check_year(lo_year)
            self._check_year(hi_year)
            if snap is None:
                spans = [sp for y in range(lo_year, hi_year + 1) for sp in self._build_year(y)]
                starts = [s for s, _ in spans]
                ends = [e for _, e in spans]
                cum, cum_end, acc = [], [], 0
                for s, e in spans:
                    cum.append(acc)
                    acc += e - s
                    cum_end.append(acc)
                snap = _Snapshot(
                    lo_year, hi_year, self._year_start(lo_year), self._year_start(hi_year + 1),
                    starts, ends, cum, cum_end, 0,
                )
            else:
                if lo_year < snap.lo_year:
                    snap = self._prepend(snap, lo_year)
                if hi_year > snap.hi_year:
                    snap = self._append(snap, hi_year)
            self._snap = snap
            return snap

    def _append(self, snap: _Snapshot, hi_year: int) -> _Snapshot:
        spans = [sp for y in range(snap.hi_year + 1, hi_year + 1) for sp in self._build_year(y)]
        cum, cum_end = list(snap.cum), list(snap.cum_end)
        acc = snap.top
        for s, e in spans:
            cum.append(acc)
            acc += e - s
            cum_end.append(acc)
        return _Snapshot(
            snap.lo_year, hi_year, snap.lo, self._year_start(hi_year + 1),
            snap.starts + [s for s, _ in spans], snap.ends + [e for _, e in spans],
            cum, cum_end, snap.base,
        )

    def _prepend(self, snap: _Snapshot, lo_year: int) -> _Snapshot:
        spans = [sp for y in range(lo_year, snap.lo_year) for sp in self._build_year(y)]
        base = snap.base - sum(e - s for s, e in spans)
        cum, cum_end, acc = [], [], base
        for s, e in spans:
            cum.append(acc)
            acc += e - s
            cum_end.append(acc)
        return _Snapshot(
            lo_year, snap.hi_year, self._year_start(lo_year), snap.hi,
            [s for s, _ in spans] + snap.starts, [e for _, e in spans] + snap.ends,
            cum + snap.cum, cum_end + snap.cum_end, base,
        )

    def cover(self, u: int) -> _Snapshot:
        """The table, grown if needed so that its window contains instant ``u`` and what
        starts at ``u`` (hence ``u < hi``: an interval may open exactly at ``hi``)."""
        snap = self._snap
        if snap is not None and snap.lo <= u < snap.hi:
            return snap
        year = from_us(u, self._zone).year
        if snap is None:
            snap = self._grow(year, year)
        elif u < snap.lo:
            snap = self._grow(min(year, snap.lo_year - 1), snap.hi_year)
        else:
            snap = self._grow(snap.lo_year, max(year, snap.hi_year + 1))
        while u < snap.lo:  # a year's window can start after local Jan 1 in odd zones
            snap = self._grow(snap.lo_year - 1, snap.hi_year)
        while u >= snap.hi:
            snap = self._grow(snap.lo_year, snap.hi_year + 1)
        return snap

    def _extend(self, snap: _Snapshot, forward: bool, empty_run: int) -> _Snapshot:
        """Grow by one year in a search direction, or raise ``NeverOpenError`` when the
        calendar provably has no open time left that way."""
        year = snap.hi_year + 1 if forward else snap.lo_year - 1
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise NeverOpenError(
                f"the calendar has no open time {'after' if forward else 'before'} "
                f"year {snap.hi_year if forward else snap.lo_year}"
            )
        special = self._special
        regular = special is None or (year > special[1] if forward else year < special[0])
        if regular and (self._weekly_empty or empty_run >= 2):
            direction = "after" if forward else "before"
            raise NeverOpenError(
                f"the calendar is never open {direction} "
                f"{from_us(snap.hi if forward else snap.lo, self._zone).isoformat()}"
            )
        return self._grow(snap.lo_year, year) if forward else self._grow(year, snap.hi_year)

    # ----------------------------------------------------------------- queries

    @property
    def snap(self) -> _Snapshot | None:
        """The table built so far (``None`` before the first query)."""
        return self._snap

    def cumulative(self, u: int) -> int:
        """C(u): business µs from the anchor to instant ``u``."""
        snap = self._snap
        if snap is None or not snap.lo <= u <= snap.hi:
            snap = self.cover(u)
        i = bisect_right(snap.starts, u) - 1
        if i < 0:
            return snap.base
        e = snap.ends[i]
        return snap.cum[i] + (u if u < e else e) - snap.starts[i]

    def elapsed(self, a: int, b: int) -> int:
        """C(b) - C(a): business µs in [a, b) (negative when b < a)."""
        snap = self._snap
        if snap is None or not (snap.lo <= a <= snap.hi and snap.lo <= b <= snap.hi):
            return self.cumulative(b) - self.cumulative(a)
        # C(b) - C(a) inlined: this is the hot path of every SLA computation.
        starts, ends, cum = snap.starts, snap.ends, snap.cum
        i = bisect_right(starts, b) - 1
        if i < 0:
            cb = snap.base
        else:
            e = ends[i]
            cb = cum[i] + (b if b < e else e) - starts[i]
        i = bisect_right(starts, a) - 1
        if i < 0:
            return cb - snap.base
        e = ends[i]
        return cb - cum[i] - (a if a < e else e) + starts[i]

    def forward(self, u: int, d: int) -> int:
        """Earliest instant v >= u with C(v) = C(u) + d, for d > 0."""
        snap = self._snap
        if snap is not None and snap.lo <= u <= snap.hi:
            starts = snap.starts
            i = bisect_right(starts, u) - 1
            if i < 0:
                target = snap.base + d
            else:
                e = snap.ends[i]
                target = snap.cum[i] + (u if u < e else e) - starts[i] + d
            cum_end = snap.cum_end
            if cum_end and cum_end[-1] >= target:
                j = bisect_left(cum_end, target)
                return starts[j] + target - snap.cum[j]
        return self.reaching(self.cumulative(u) + d, u)

    def reaching(self, c: int, u: int) -> int:
        """Earliest instant v with C(v) = c, for C(u) < c: where counting from ``u``
        reaches ``c``."""
        snap = self._snap
        if snap is None or not snap.cum_end or snap.cum_end[-1] < c:
            snap = self._through(c, u, past=False)
        j = bisect_left(snap.cum_end, c)
        return snap.starts[j] + c - snap.cum[j]

    def passing(self, c: int, u: int) -> int:
        """The instant counting resumes past ``c``, for C(u) <= c: the earliest open
        instant v with C(v) = c (the start of the next open span when ``c`` is reached
        exactly where a span closes)."""
        snap = self._snap
        if snap is None or not snap.cum_end or snap.cum_end[-1] <= c:
            snap = self._through(c, u, past=True)
        j = bisect_right(snap.cum_end, c)
        return snap.starts[j] + c - snap.cum[j]

    def _through(self, c: int, u: int, *, past: bool) -> _Snapshot:
        """The table grown forward from ``u`` until it holds cumulative time ``c`` (past
        it, when ``past``), or ``NeverOpenError``."""
        snap = self.cover(u)
        empty_run = 0
        while snap.top < c or (past and snap.top == c):
            before = snap.top
            snap = self._extend(snap, True, empty_run)
            empty_run = empty_run + 1 if snap.top == before else 0
        return snap

    def backward(self, u: int, d: int) -> int:
        """Latest instant v <= u with C(v) = C(u) - d, for d > 0."""
        target = self.cumulative(u) - d
        snap = self.cover(u)
        empty_run = 0
        while not snap.cum or snap.cum[0] > target:
            before = snap.base
            snap = self._extend(snap, False, empty_run)
            empty_run = empty_run + 1 if snap.base == before else 0
        j = bisect_right(snap.cum, target) - 1
        return snap.starts[j] + target - snap.cum[j]

    def is_open(self, u: int) -> bool:
        """True when instant ``u`` lies in an open interval."""
        snap = self.cover(u)
        i = bisect_right(snap.starts, u) - 1
        return i >= 0 and u < snap.ends[i]

    def next_open(self, u: int) -> int:
        """``u`` when open, else the start of the next open interval."""
        snap = self.cover(u)
        i = bisect_right(snap.starts, u) - 1
        if i >= 0 and u < snap.ends[i]:
            return u
        empty_run = 0
        while i + 1 >= len(snap.starts):
            before = snap.top
            snap = self._extend(snap, True, empty_run)
            empty_run = empty_run + 1 if snap.top == before else 0
        return snap.starts[i + 1]

    def spans(self, lo: int, hi: int) -> list[Span]:
        """Open spans clipped to ``[lo, hi)``, merged where pieces touch."""
        if hi <= lo:
            return []
        self.cover(lo)
        snap = self.cover(hi)
        out: list[Span] = []
        i = bisect_right(snap.ends, lo)
        starts, ends = snap.starts, snap.ends
        while i < len(starts) and starts[i] < hi:
            s, e = max(starts[i], lo), min(ends[i], hi)
            if out and out[-1][1] == s:
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
            i += 1
        return out
