"""Sets of half-open time intervals ``[start, end)``: union, intersection, difference,
total length.

The functions work on sorted, disjoint lists of ``(start, end)`` integer pairs (epoch
microseconds); ``IntervalSet`` wraps them for callers that hold aware datetimes, such as
the policy engine computing pauses and exclusions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone, tzinfo

from slacore.clock.instants import as_duration, from_us, to_us
from slacore.errors import InvalidInput, Problem

Span = tuple[int, int]


def normalize(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint, non-empty spans covering exactly the union of ``spans``
    (touching spans merge; empty ones vanish)."""
    out: list[Span] = []
    for s, e in sorted(sp for sp in spans if sp[1] > sp[0]):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def union(a: list[Span], b: list[Span]) -> list[Span]:
    """Union of two normalized span lists."""
    return normalize([*a, *b])


def intersection(a: list[Span], b: list[Span]) -> list[Span]:
    """Intersection of two normalized span lists."""
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        s = max(a[i][0], b[j][0])
        e = min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def difference(a: list[Span], b: list[Span]) -> list[Span]:
    """The parts of normalized ``a`` not covered by normalized ``b``."""
    out: list[Span] = []
    j = 0
    for s, e in a:
        while j < len(b) and b[j][1] <= s:
            j += 1
        k = j
        cur = s
        while k < len(b) and b[k][0] < e:
            if b[k][0] > cur:
                out.append((cur, b[k][0]))
            cur = max(cur, b[k][1])
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


def total(spans: Iterable[Span]) -> int:
    """Summed length of disjoint spans."""
    return sum(e - s for s, e in spans)


class IntervalSet:
    """An immutable set of instants made of half-open intervals ``[start, end)``.

    Build it from ``(start, end)`` pairs of aware datetimes; overlapping and touching
    pairs merge, empty ones vanish, and a pair with ``end < start`` is an error.
    """

    __slots__ = ("_spans",)

    def __init__(self, spans: Iterable[tuple[datetime, datetime]] = ()) -> None:
        pairs: list[Span] = []
        for i, pair in enumerate(spans):
            try:
                start, end = pair
            except (TypeError, ValueError):
                raise InvalidInput(
                    [Problem(f"spans[{i}]", pair, "expected a (start, end) pair")]
                ) from None
            s, e = to_us(start, f"spans[{i}].start"), to_us(end, f"spans[{i}].end")
            if e < s:
                raise InvalidInput([Problem(f"spans[{i}]", pair, "end is before start")])
            pairs.append((s, e))
        self._spans: tuple[Span, ...] = tuple(normalize(pairs))

    @classmethod
    def from_us(cls, spans: Iterable[Span]) -> IntervalSet:
        """A set from ``(start, end)`` epoch-microsecond pairs."""
        new = cls.__new__(cls)
        new._spans = tuple(normalize(spans))
        return new

    @property
    def spans_us(self) -> tuple[Span, ...]:
        """The disjoint intervals as sorted epoch-microsecond pairs."""
        return self._spans

    def spans(self, zone: tzinfo = timezone.utc) -> list[tuple[datetime, datetime]]:
        """The disjoint intervals, sorted, as aware datetimes in ``zone`` (UTC by default)."""
        return [(from_us(s, zone), from_us(e, zone)) for s, e in self._spans]

    def total(self) -> timedelta:
        """Summed length of the set (real elapsed time)."""
        return as_duration(total(self._spans))

    def union(self, other: IntervalSet) -> IntervalSet:
        """Instants in either set."""
        return IntervalSet.from_us(union(list(self._spans), list(other._spans)))

    def intersection(self, other: IntervalSet) -> IntervalSet:
        """Instants in both sets."""
        return IntervalSet.from_us(intersection(list(self._spans), list(other._spans)))

    def difference(self, other: IntervalSet) -> IntervalSet:
        """Instants in this set and not in ``other``."""
        return IntervalSet.from_us(difference(list(self._spans), list(other._spans)))

    def clip(self, start: datetime, end: datetime) -> IntervalSet:
        """The part of the set inside ``[start, end)``."""
        s, e = to_us(start, "start"), to_us(end, "end")
        return self.intersection(IntervalSet.from_us([(s, e)]))

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    def __contains__(self, instant: object) -> bool:
        t = to_us(instant, "instant")
        from bisect import bisect_right

        i = bisect_right(self._spans, (t, float("inf"))) - 1
        return i >= 0 and self._spans[i][0] <= t < self._spans[i][1]

    def __iter__(self) -> Iterator[tuple[datetime, datetime]]:
        return iter(self.spans())

    def __len__(self) -> int:
        return len(self._spans)

    def __bool__(self) -> bool:
        return bool(self._spans)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntervalSet) and self._spans == other._spans

    def __hash__(self) -> int:
        return hash(self._spans)

    def __repr__(self) -> str:
        inner = ", ".join(f"[{s.isoformat()}, {e.isoformat()})" for s, e in self.spans())
        return f"IntervalSet({inner})"
