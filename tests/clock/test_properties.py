"""Property tests of ``BusinessCalendar`` against the brute-force ``ReferenceClock`` and
against the algebra of DESIGN.md §6.2 (additivity, monotonicity, antisymmetry, ``add``
as the earliest/latest instant), plus ``IntervalSet`` against sets of integer points.

Example counts are sized for about a minute on two cores.  ``HYPOTHESIS_PROFILE=thorough``
multiplies them by ten (``quick`` divides them by four).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from slacore.clock import BusinessCalendar, IntervalSet
from slacore.errors import NeverOpenError
from slacore.testing import ReferenceClock, aware_datetimes, business_durations, calendar_specs
from slacore.testing.profiles import examples as scaled

US = timedelta(microseconds=1)
ZERO = timedelta(0)
MIN_YEAR, MAX_YEAR = 2016, 2028
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


F = TypeVar("F", bound=Callable[..., Any])


def examples(n: int) -> Callable[[F], F]:
    """``n`` examples (scaled by the profile), no deadline: the reference is slow."""
    return settings(
        max_examples=scaled(n),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ---------------------------------------------------------------------------- helpers


def instants(spec: dict[str, Any]) -> st.SearchStrategy[datetime]:
    return aware_datetimes(spec["timezone"], MIN_YEAR, MAX_YEAR, spec=spec)


SPANS = st.one_of(
    st.integers(0, 10**6),  # up to a second
    st.integers(0, 60 * 10**6),  # up to a minute
    st.integers(0, 86_400 * 10**6),  # up to a day
    st.integers(0, 21 * 86_400 * 10**6),  # up to three weeks
    st.integers(0, 3 * 366 * 86_400 * 10**6),  # up to three years
).map(lambda us: timedelta(microseconds=us))


OTHER_ZONES = [
    None,
    ZoneInfo("UTC"),
    ZoneInfo("America/New_York"),
    timezone.utc,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(-timedelta(hours=3, minutes=30)),
]


SHORT_SPANS = st.one_of(
    st.integers(0, 86_400 * 10**6),  # up to a day
    st.integers(0, 60 * 86_400 * 10**6),  # up to sixty days
).map(lambda us: timedelta(microseconds=us))


def other_zone(t: datetime, data: st.DataObject) -> datetime:
    """The same instant, sometimes written in another zone (answers must not care)."""
    zone = data.draw(st.sampled_from(OTHER_ZONES))
    return t if zone is None else t.astimezone(zone)


def shifted(t: datetime, by: timedelta) -> datetime:
    """``t`` moved by real time ``by`` (never wall-clock arithmetic), in ``t``'s zone."""
    assert t.tzinfo is not None
    return (t.astimezone(timezone.utc) + by).astimezone(t.tzinfo)


@st.composite
def near_instants(draw: st.DrawFn, spec: dict[str, Any], t: datetime) -> datetime:
    """An instant within about three years of ``t`` (either side), often a calendar
    boundary."""
    sign = draw(st.sampled_from([1, -1]))
    nearby = shifted(t, sign * draw(SPANS))
    if draw(st.booleans()):
        return nearby
    year = min(max(t.year + draw(st.integers(-1, 1)), 2), 9998)
    boundary = draw(aware_datetimes(spec["timezone"], year, year, spec=spec))
    # A boundary near one of the calendar's far-away dated entries is too far: use nearby.
    return boundary if abs(boundary.year - t.year) <= 3 else nearby


def assert_in_zone(u: datetime, zone: str) -> None:
    assert u.tzinfo is not None
    assert getattr(u.tzinfo, "key", str(u.tzinfo)) == zone, (u, zone)
    assert u.utcoffset() == u.astimezone(ZoneInfo(zone)).utcoffset()


def us_of(t: datetime) -> int:
    """The instant as epoch microseconds.  Tests compare instants this way: Python
    compares and subtracts two datetimes sharing one tzinfo on the wall clock, ignoring
    ``fold``, which would hide (or invent) an hour's difference around DST changes."""
    return (t - EPOCH) // US


def spans_of(pairs: list[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
    return [(us_of(s), us_of(e)) for s, e in pairs]


def build(spec: dict[str, Any]) -> tuple[BusinessCalendar, ReferenceClock]:
    note(f"spec = {json.dumps(spec)}")
    return BusinessCalendar.from_spec(spec), ReferenceClock(spec)


open_specs = calendar_specs()
any_specs = calendar_specs(never_open=None)


# ----------------------------------------------------------- agreement with reference


@examples(150)
@given(spec=any_specs, data=st.data())
def test_elapsed_agrees_with_reference(spec: dict[str, Any], data: st.DataObject) -> None:
    cal, ref = build(spec)
    a = data.draw(instants(spec), label="a")
    b = data.draw(near_instants(spec, a), label="b")
    expected = ref.elapsed(a, b)
    assert cal.elapsed(a, b) == expected
    assert cal.elapsed(other_zone(a, data), other_zone(b, data)) == expected


@examples(150)
@given(spec=open_specs, data=st.data())
def test_add_agrees_with_reference(spec: dict[str, Any], data: st.DataObject) -> None:
    cal, ref = build(spec)
    t = data.draw(instants(spec), label="t")
    sign = data.draw(st.sampled_from([1, -1]), label="sign")
    if data.draw(st.booleans()):
        # A duration the calendar can actually reach within the drawn span, or just past it.
        span = data.draw(SPANS, label="span")
        reachable = abs(ref.elapsed(t, shifted(t, sign * span)))
        d = data.draw(
            st.one_of(
                st.just(reachable),
                st.just(reachable + US),
                st.integers(0, reachable // US).map(lambda us: us * US),
            ),
            label="d",
        )
    else:
        d = data.draw(business_durations(timedelta(days=20)), label="d")
    d = sign * d
    expected = ref.add(t, d)
    got = cal.add(other_zone(t, data), d)
    assert us_of(got) == us_of(expected)
    assert_in_zone(got, spec["timezone"])


@examples(60)
@given(spec=calendar_specs(never_open=True), data=st.data())
def test_never_open_calendars_agree_with_reference(
    spec: dict[str, Any], data: st.DataObject
) -> None:
    cal, ref = build(spec)
    t = data.draw(instants(spec), label="t")
    d = data.draw(business_durations(timedelta(days=2)), label="d")
    d = data.draw(st.sampled_from([1, -1]), label="sign") * d
    try:
        expected = ref.add(t, d)
    except NeverOpenError:
        with pytest.raises(NeverOpenError):
            cal.add(t, d)
    else:
        assert us_of(cal.add(t, d)) == us_of(expected)
    try:
        expected_open = ref.next_open(t)
    except NeverOpenError:
        with pytest.raises(NeverOpenError):
            cal.next_open(t)
    else:
        assert us_of(cal.next_open(t)) == us_of(expected_open)


@examples(120)
@given(spec=any_specs, data=st.data())
def test_is_open_next_open_agree_with_reference(spec: dict[str, Any], data: st.DataObject) -> None:
    cal, ref = build(spec)
    t = data.draw(instants(spec), label="t")
    assert cal.is_open(t) == ref.is_open(t)
    try:
        expected = ref.next_open(t)
    except NeverOpenError:
        with pytest.raises(NeverOpenError):
            cal.next_open(t)
        return
    got = cal.next_open(other_zone(t, data))
    assert us_of(got) == us_of(expected)
    assert_in_zone(got, spec["timezone"])
    assert us_of(got) >= us_of(t)
    assert cal.is_open(got)
    assert cal.elapsed(t, got) == ZERO
    assert (us_of(got) == us_of(t)) == cal.is_open(t)


@examples(100)
@given(spec=any_specs, data=st.data())
def test_open_intervals_agree_with_reference(spec: dict[str, Any], data: st.DataObject) -> None:
    cal, ref = build(spec)
    a = data.draw(instants(spec), label="a")
    b = shifted(a, data.draw(SHORT_SPANS, label="span"))
    got = cal.open_intervals(a, b)
    spans = spans_of(got)
    assert spans == spans_of(ref.open_intervals(a, b))
    for s, e in got:
        assert_in_zone(s, spec["timezone"])
        assert_in_zone(e, spec["timezone"])
    for i, (s_us, e_us) in enumerate(spans):
        assert us_of(a) <= s_us < e_us <= us_of(b)
        if i:
            assert spans[i - 1][1] < s_us  # merged: disjoint and not touching
    assert sum(e - s for s, e in spans) * US == cal.elapsed(a, b)


@examples(40)
@given(
    spec=calendar_specs(min_year=1900, max_year=2300, country_holidays=False),
    data=st.data(),
)
def test_far_past_and_future_agree_with_reference(
    spec: dict[str, Any], data: st.DataObject
) -> None:
    """Instants and dated entries far from today (other per-year tables, old zone rules,
    and zone rules extrapolated from the POSIX TZ string)."""
    cal, ref = build(spec)
    t = data.draw(aware_datetimes(spec["timezone"], 1900, 2300, spec=spec), label="t")
    u = data.draw(near_instants(spec, t), label="u")
    assert cal.elapsed(t, u) == ref.elapsed(t, u)
    d = data.draw(business_durations(timedelta(days=20)), label="d")
    d = data.draw(st.sampled_from([1, -1]), label="sign") * d
    assert us_of(cal.add(t, d)) == us_of(ref.add(t, d))
    assert cal.is_open(t) == ref.is_open(t)


# --------------------------------------------------------------------- the algebra


@examples(100)
@given(spec=any_specs, data=st.data())
def test_elapsed_is_additive_and_antisymmetric(spec: dict[str, Any], data: st.DataObject) -> None:
    cal = BusinessCalendar.from_spec(spec)
    note(f"spec = {json.dumps(spec)}")
    a = data.draw(instants(spec), label="a")
    b = data.draw(near_instants(spec, a), label="b")
    c = data.draw(near_instants(spec, b), label="c")
    ab, bc, ac = cal.elapsed(a, b), cal.elapsed(b, c), cal.elapsed(a, c)
    assert ac == ab + bc
    assert cal.elapsed(b, a) == -ab
    assert cal.elapsed(a, a) == ZERO
    # Business time never exceeds real time and has the sign of the span.
    real = (us_of(b) - us_of(a)) * US
    assert abs(ab) <= abs(real)
    assert ab == ZERO or (ab > ZERO) == (real > ZERO)


@examples(100)
@given(spec=any_specs, data=st.data())
def test_elapsed_is_monotone_in_its_end(spec: dict[str, Any], data: st.DataObject) -> None:
    cal = BusinessCalendar.from_spec(spec)
    note(f"spec = {json.dumps(spec)}")
    a = data.draw(instants(spec), label="a")
    b = data.draw(near_instants(spec, a), label="b")
    c = data.draw(near_instants(spec, b), label="c")
    b, c = sorted((b, c), key=us_of)
    assert cal.elapsed(a, b) <= cal.elapsed(a, c)
    # ... and antitone in its start.
    assert cal.elapsed(b, a) >= cal.elapsed(c, a)


@examples(150)
@given(spec=open_specs, data=st.data())
def test_add_is_the_earliest_and_latest_instant(spec: dict[str, Any], data: st.DataObject) -> None:
    cal = BusinessCalendar.from_spec(spec)
    note(f"spec = {json.dumps(spec)}")
    t = data.draw(instants(spec), label="t")
    d = data.draw(business_durations(timedelta(days=40)), label="d")

    assert us_of(cal.add(t, ZERO)) == us_of(t)

    u = cal.add(t, d)
    assert us_of(u) >= us_of(t)
    assert cal.elapsed(t, u) == d
    if d > ZERO:
        assert cal.elapsed(t, shifted(u, -US)) < d  # the earliest such instant
        assert cal.is_open(shifted(u, -US))  # so the last microsecond counted

    v = cal.add(t, -d)
    assert us_of(v) <= us_of(t)
    assert cal.elapsed(v, t) == d
    if d > ZERO:
        assert cal.elapsed(shifted(v, US), t) < d  # the latest such instant
        assert cal.is_open(v)


@examples(120)
@given(spec=any_specs, data=st.data())
def test_reaching_and_passing_cumulative_time(spec: dict[str, Any], data: st.DataObject) -> None:
    """``reaching(C(t) + d)`` is ``forward(t, d)``, and ``passing`` is the next open
    instant from there (``t`` itself for ``d = 0``): the two answers the SLA walk needs,
    from cumulative time it already knows."""
    table = BusinessCalendar.from_spec(spec).timeline
    note(f"spec = {json.dumps(spec)}")
    t = us_of(data.draw(instants(spec), label="t"))
    d = data.draw(st.one_of(st.just(0), SPANS.map(lambda span: span // US)), label="d")
    c = table.cumulative(t) + d
    try:
        expected_past = table.next_open(table.forward(t, d) if d else t)
    except NeverOpenError:
        with pytest.raises(NeverOpenError):
            table.passing(c, t)
    else:
        assert table.passing(c, t) == expected_past
    if d:
        try:
            expected = table.forward(t, d)
        except NeverOpenError:
            with pytest.raises(NeverOpenError):
                table.reaching(c, t)
        else:
            assert table.reaching(c, t) == expected


@examples(60)
@given(spec=open_specs, data=st.data())
def test_add_composes(spec: dict[str, Any], data: st.DataObject) -> None:
    cal = BusinessCalendar.from_spec(spec)
    note(f"spec = {json.dumps(spec)}")
    t = data.draw(instants(spec), label="t")
    d1 = data.draw(business_durations(timedelta(days=10)), label="d1")
    d2 = data.draw(business_durations(timedelta(days=10)), label="d2")
    # Adding in two steps reaches the same total business time (the instant may differ
    # only across a closed stretch when d1 ends exactly at a close).
    u = cal.add(cal.add(t, d1), d2)
    assert cal.elapsed(t, u) == d1 + d2
    assert us_of(cal.add(t, d1 + d2)) <= us_of(u)


@examples(80)
@given(spec=open_specs, data=st.data())
def test_spec_round_trip_gives_the_same_answers(spec: dict[str, Any], data: st.DataObject) -> None:
    cal = BusinessCalendar.from_spec(spec)
    note(f"spec = {json.dumps(spec)}")
    dumped = cal.to_spec()
    again = BusinessCalendar.from_spec(json.loads(json.dumps(dumped)))
    from_model = BusinessCalendar.from_spec(cal.spec)
    assert again.to_spec() == dumped
    by_keywords = BusinessCalendar(
        timezone=spec["timezone"],
        hours=spec["hours"],
        holidays=spec["holidays"],
        overrides=spec["overrides"],
        closures=[
            (datetime.fromisoformat(c["start"]), datetime.fromisoformat(c["end"]))
            for c in spec["closures"]
        ],
    )
    a = data.draw(instants(spec), label="a")
    b = data.draw(near_instants(spec, a), label="b")
    d = data.draw(business_durations(timedelta(days=20)), label="d")
    for other in (again, from_model, by_keywords):
        assert other.elapsed(a, b) == cal.elapsed(a, b)
        assert us_of(other.add(a, d)) == us_of(cal.add(a, d))
        assert us_of(other.add(a, -d)) == us_of(cal.add(a, -d))
        assert other.is_open(a) == cal.is_open(a)


@examples(60)
@given(
    zone=st.sampled_from(["UTC", "America/New_York", "Pacific/Chatham", "America/Sao_Paulo"]),
    data=st.data(),
)
def test_always_open_counts_real_time(zone: str, data: st.DataObject) -> None:
    cal = BusinessCalendar.always(timezone=zone)
    a = data.draw(aware_datetimes(zone, MIN_YEAR, MAX_YEAR), label="a")
    b = shifted(a, data.draw(st.sampled_from([1, -1])) * data.draw(SPANS, label="span"))
    assert cal.elapsed(a, b) == (us_of(b) - us_of(a)) * US
    d = data.draw(business_durations(), label="d")
    assert us_of(cal.add(a, d)) == us_of(a) + d // US
    assert us_of(cal.add(a, -d)) == us_of(a) - d // US
    assert cal.is_open(a)
    assert us_of(cal.next_open(a)) == us_of(a)


# --------------------------------------------------------------------- IntervalSet

SMALL_SPANS = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=8).map(
    lambda pairs: [(min(p), max(p)) for p in pairs]
)


def points(pairs: list[tuple[int, int]]) -> set[int]:
    return {x for s, e in pairs for x in range(s, e)}


def is_normalized(spans: tuple[tuple[int, int], ...]) -> bool:
    return all(s < e for s, e in spans) and all(
        spans[i][1] < spans[i + 1][0] for i in range(len(spans) - 1)
    )


@settings(max_examples=scaled(400), deadline=None)
@given(a=SMALL_SPANS, b=SMALL_SPANS, probe=st.integers(-2, 42))
def test_interval_set_against_point_sets(
    a: list[tuple[int, int]], b: list[tuple[int, int]], probe: int
) -> None:
    sa, sb = IntervalSet.from_us(a), IntervalSet.from_us(b)
    pa, pb = points(a), points(b)
    for result, expected in (
        (sa, pa),
        (sa.union(sb), pa | pb),
        (sa | sb, pa | pb),
        (sa.intersection(sb), pa & pb),
        (sa & sb, pa & pb),
        (sa.difference(sb), pa - pb),
        (sa - sb, pa - pb),
    ):
        assert is_normalized(result.spans_us)
        assert points(list(result.spans_us)) == expected
        assert result.total() == len(expected) * US
        assert bool(result) == bool(expected)
    assert IntervalSet.from_us(reversed(a)) == sa  # order of the input does not matter
    instant = EPOCH + probe * US
    assert (instant in sa) == (probe in pa)
    # Building from aware datetimes gives the same set.
    as_datetimes = IntervalSet([(EPOCH + s * US, EPOCH + e * US) for s, e in a])
    assert as_datetimes == sa
    clipped = sa.clip(EPOCH + 10 * US, EPOCH + 30 * US)
    assert points(list(clipped.spans_us)) == {x for x in pa if 10 <= x < 30}
