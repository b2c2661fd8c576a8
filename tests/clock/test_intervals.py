"""``IntervalSet``: half-open ``[start, end)`` sets of instants, worked by hand.

Notation in comments: [1, 3) means [T(1), T(3)) where T(h) is 2026-01-01 h:00 UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from slacore.clock import BusinessCalendar, IntervalSet
from slacore.errors import InvalidInput, NaiveDatetimeError

UTC = timezone.utc
H = timedelta(hours=1)


def T(h: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, 1, 0, tzinfo=UTC) + timedelta(hours=h, minutes=minute)


def S(*pairs: tuple[int, int]) -> IntervalSet:
    return IntervalSet([(T(s), T(e)) for s, e in pairs])


def spans(s: IntervalSet) -> list[tuple[datetime, datetime]]:
    return s.spans(UTC)


class TestConstruction:
    def test_empty(self) -> None:
        e = IntervalSet()
        assert not e
        assert len(e) == 0
        assert spans(e) == []
        assert e.total() == timedelta(0)

    def test_sorted_and_disjoint(self) -> None:
        # given out of order: [5, 7), [1, 3) -> [1, 3), [5, 7)
        assert spans(S((5, 7), (1, 3))) == [(T(1), T(3)), (T(5), T(7))]

    def test_touching_spans_merge(self) -> None:
        # [1, 2) and [2, 3) touch at 2 -> [1, 3)
        s = S((1, 2), (2, 3))
        assert spans(s) == [(T(1), T(3))]
        assert len(s) == 1

    def test_overlapping_and_nested_spans_merge(self) -> None:
        # [1, 4) ∪ [2, 6) ∪ [3, 4) -> [1, 6)
        assert spans(S((1, 4), (2, 6), (3, 4))) == [(T(1), T(6))]

    def test_empty_span_vanishes(self) -> None:
        # [2, 2) is empty
        s = S((2, 2))
        assert not s
        assert spans(S((1, 2), (4, 4))) == [(T(1), T(2))]

    def test_empty_span_between_others_does_not_bridge(self) -> None:
        # [1, 2), [3, 3), [4, 5): the empty [3, 3) joins nothing
        assert spans(S((1, 2), (3, 3), (4, 5))) == [(T(1), T(2)), (T(4), T(5))]

    def test_reversed_span_is_an_error(self) -> None:
        with pytest.raises(InvalidInput) as info:
            IntervalSet([(T(3), T(1))])
        assert "spans[0]" in str(info.value)

    def test_naive_bound_is_an_error(self) -> None:
        with pytest.raises(NaiveDatetimeError) as info:
            IntervalSet([(T(1), datetime(2026, 1, 1, 3))])
        assert info.value.problems[0].field == "spans[0].end"

    def test_instants_not_wall_clocks(self) -> None:
        # 01:00 UTC written in Berlin (02:00 CET) and a UTC end: merge by instant
        berlin = ZoneInfo("Europe/Berlin")
        s = IntervalSet(
            [
                (datetime(2026, 1, 1, 2, tzinfo=berlin), T(3)),
                (T(0), datetime(2026, 1, 1, 1, tzinfo=berlin)),
            ]
        )
        # [01:00, 03:00) UTC and [00:00 UTC, 01:00 CET = 00:00 UTC): the second is empty
        assert spans(s) == [(T(1), T(3))]

    def test_spans_in_a_zone(self) -> None:
        ny = ZoneInfo("America/New_York")
        ((start, end),) = S((5, 7)).spans(ny)
        # 05:00 UTC = 00:00 EST
        assert (start.replace(tzinfo=None), start.utcoffset()) == (datetime(2026, 1, 1), -5 * H)
        assert end.astimezone(UTC) == T(7)

    def test_equality_and_hash(self) -> None:
        a = S((1, 3), (3, 5))
        b = S((1, 5))
        assert a == b
        assert hash(a) == hash(b)
        assert a != S((1, 4))
        assert S() == IntervalSet([])


class TestUnion:
    def test_bridging(self) -> None:
        # [1, 3) ∪ [5, 7) with [2, 6) -> [1, 7)
        assert spans(S((1, 3), (5, 7)).union(S((2, 6)))) == [(T(1), T(7))]

    def test_touching(self) -> None:
        # [1, 3) ∪ [3, 5) -> [1, 5)
        assert spans(S((1, 3)) | S((3, 5))) == [(T(1), T(5))]

    def test_disjoint(self) -> None:
        assert spans(S((1, 2)) | S((3, 4))) == [(T(1), T(2)), (T(3), T(4))]

    def test_with_empty(self) -> None:
        a = S((1, 3), (5, 7))
        assert a | IntervalSet() == a
        assert IntervalSet() | a == a
        assert IntervalSet() | IntervalSet() == IntervalSet()


class TestIntersection:
    def test_touching_is_empty(self) -> None:
        # [1, 3) ∩ [3, 5): half-open, they share no instant
        assert not S((1, 3)).intersection(S((3, 5)))

    def test_several_pieces(self) -> None:
        # [1, 5) ∩ ([2, 3) ∪ [4, 6)) -> [2, 3), [4, 5)
        assert spans(S((1, 5)) & S((2, 3), (4, 6))) == [(T(2), T(3)), (T(4), T(5))]

    def test_interleaved(self) -> None:
        # ([0, 2) ∪ [4, 8)) ∩ ([1, 5) ∪ [7, 9)) -> [1, 2), [4, 5), [7, 8)
        got = S((0, 2), (4, 8)) & S((1, 5), (7, 9))
        assert spans(got) == [(T(1), T(2)), (T(4), T(5)), (T(7), T(8))]

    def test_with_empty(self) -> None:
        assert not (S((1, 3)) & IntervalSet())
        assert not (IntervalSet() & S((1, 3)))

    def test_commutes(self) -> None:
        a, b = S((0, 2), (4, 8)), S((1, 5), (7, 9))
        assert a & b == b & a


class TestDifference:
    def test_hole(self) -> None:
        # [1, 5) - [2, 3) -> [1, 2), [3, 5)
        assert spans(S((1, 5)).difference(S((2, 3)))) == [(T(1), T(2)), (T(3), T(5))]

    def test_everything(self) -> None:
        assert not (S((1, 5)) - S((1, 5)))
        assert not (S((1, 5)) - S((0, 10)))

    def test_touching_removes_nothing(self) -> None:
        # [1, 5) - [5, 6) and [1, 5) - [0, 1): no shared instant
        assert S((1, 5)) - S((5, 6)) == S((1, 5))
        assert S((1, 5)) - S((0, 1)) == S((1, 5))

    def test_edges(self) -> None:
        # [1, 5) - [0, 2) -> [2, 5);  [1, 5) - [4, 9) -> [1, 4)
        assert spans(S((1, 5)) - S((0, 2))) == [(T(2), T(5))]
        assert spans(S((1, 5)) - S((4, 9))) == [(T(1), T(4))]

    def test_one_cut_over_several(self) -> None:
        # ([1, 3) ∪ [4, 6) ∪ [7, 9)) - [2, 8) -> [1, 2), [8, 9)
        assert spans(S((1, 3), (4, 6), (7, 9)) - S((2, 8))) == [(T(1), T(2)), (T(8), T(9))]

    def test_several_cuts_in_one(self) -> None:
        # [0, 10) - ([1, 2) ∪ [3, 4) ∪ [9, 12)) -> [0, 1), [2, 3), [4, 9)
        got = S((0, 10)) - S((1, 2), (3, 4), (9, 12))
        assert spans(got) == [(T(0), T(1)), (T(2), T(3)), (T(4), T(9))]

    def test_with_empty(self) -> None:
        assert S((1, 3)) - IntervalSet() == S((1, 3))
        assert not (IntervalSet() - S((1, 3)))


class TestTotalContainsClip:
    def test_total(self) -> None:
        # [1, 3) ∪ [5, 7) -> 2 h + 2 h
        assert S((1, 3), (5, 7)).total() == 4 * H
        # overlap counted once: [1, 4) ∪ [2, 6) = [1, 6) -> 5 h
        assert S((1, 4), (2, 6)).total() == 5 * H

    def test_total_is_real_time_across_dst(self) -> None:
        ny = ZoneInfo("America/New_York")
        # NY 2026-03-08 is 23 h long, 2026-11-01 is 25 h long
        day = IntervalSet([(datetime(2026, 3, 8, tzinfo=ny), datetime(2026, 3, 9, tzinfo=ny))])
        assert day.total() == 23 * H
        day = IntervalSet([(datetime(2026, 11, 1, tzinfo=ny), datetime(2026, 11, 2, tzinfo=ny))])
        assert day.total() == 25 * H

    def test_contains_half_open(self) -> None:
        s = S((1, 3), (5, 7))
        assert T(1) in s  # start included
        assert T(2) in s
        assert T(3) not in s  # end excluded
        assert T(3) - timedelta(microseconds=1) in s
        assert T(4) not in s
        assert T(0) not in s
        assert T(7) not in s
        assert T(5) in s
        assert T(1) not in IntervalSet()

    def test_contains_other_zone(self) -> None:
        berlin = ZoneInfo("Europe/Berlin")
        # 03:00 CET = 02:00 UTC, inside [1, 3)
        assert datetime(2026, 1, 1, 3, tzinfo=berlin) in S((1, 3))
        # 04:00 CET = 03:00 UTC, the excluded end
        assert datetime(2026, 1, 1, 4, tzinfo=berlin) not in S((1, 3))

    def test_contains_naive_is_an_error(self) -> None:
        with pytest.raises(NaiveDatetimeError):
            _ = datetime(2026, 1, 1, 2) in S((1, 3))

    def test_clip(self) -> None:
        s = S((1, 3), (5, 7))
        # clip to [2, 6) -> [2, 3), [5, 6)
        assert spans(s.clip(T(2), T(6))) == [(T(2), T(3)), (T(5), T(6))]
        # clip to the gap [3, 5) (touching both spans) -> empty
        assert not s.clip(T(3), T(5))
        # clip to an empty window [4, 4) -> empty
        assert not s.clip(T(4), T(4))
        # clip to a window that holds everything
        assert s.clip(T(0), T(10)) == s
        # clip of the empty set
        assert not IntervalSet().clip(T(0), T(10))


class TestWithCalendar:
    """The calendar's ``open_set``/``measure`` agree with IntervalSet arithmetic."""

    def test_measure_is_business_time_inside_the_set(self) -> None:
        # Mon-Fri 09:00-17:00 UTC; 2026-01-05 is a Monday
        cal = BusinessCalendar(
            timezone="UTC", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
        )

        def d(day: int, h: int) -> datetime:
            return datetime(2026, 1, day, h, tzinfo=UTC)

        # [Mon 08, Mon 10) ∪ [Mon 16, Tue 10) ∪ [Sat 10, Sun 10): 1 h + (1 h + 1 h) + 0 = 3 h
        window = IntervalSet([(d(5, 8), d(5, 10)), (d(5, 16), d(6, 10)), (d(10, 10), d(11, 10))])
        assert cal.measure(window) == 3 * H
        # measure(window) == total(window ∩ open_set)
        opened = cal.open_set(d(5, 0), d(12, 0))
        assert (window & opened).total() == 3 * H
        # open_set of the week: 5 sessions, 40 h
        assert len(opened) == 5
        assert opened.total() == 40 * H
        # measure of a whole set equals elapsed over its span when the set is one interval
        assert cal.measure(IntervalSet([(d(5, 0), d(12, 0))])) == cal.elapsed(d(5, 0), d(12, 0))
        # and the open set measures to itself
        assert cal.measure(opened) == 40 * H
        # a set outside opening hours measures 0
        assert cal.measure(IntervalSet([(d(10, 0), d(12, 0))])) == timedelta(0)
