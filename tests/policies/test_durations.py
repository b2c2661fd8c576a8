"""Durations and relative targets in policy files."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacore.policies.durations import BusinessDaysBy, format_duration, parse_duration, parse_target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("90s", timedelta(seconds=90)),
        ("500ms", timedelta(milliseconds=500)),
        ("2h0m5s", timedelta(hours=2, seconds=5)),
        ("PT4H", timedelta(hours=4)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("PT0.000001S", timedelta(microseconds=1)),
        (" 4h ", timedelta(hours=4)),
        ("0s", timedelta(0)),
    ],
)
def test_parses(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["1d", "2D", "P1D", "P1DT2H", "1w", "P2W"])
def test_days_are_rejected_as_ambiguous(text: str) -> None:
    with pytest.raises(ValueError, match="ambiguous") as err:
        parse_duration(text)
    assert repr(text) in str(err.value)


@pytest.mark.parametrize("value", ["", "4", "h", "1h 30m", "4x", "PT", "-4h", 4, 4.0, None, "h4"])
def test_malformed_names_the_value(value: object) -> None:
    with pytest.raises(ValueError) as err:
        parse_duration(value)
    assert repr(value) in str(err.value)


def test_negative_timedelta_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_duration(timedelta(seconds=-1))


@given(st.integers(min_value=0, max_value=10**13).map(lambda us: timedelta(microseconds=us)))
def test_format_round_trips_exactly(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value


def test_format_is_short() -> None:
    assert format_duration(timedelta(hours=1, minutes=30)) == "1h30m"
    assert format_duration(timedelta(0)) == "0s"
    assert format_duration(timedelta(microseconds=1_500_001)) == "PT1.500001S"


def test_relative_target() -> None:
    target = parse_target({"business_days": 1, "by": "16:00"})
    assert isinstance(target, BusinessDaysBy)
    assert target.by_minutes == 16 * 60
    assert parse_target("4h") == timedelta(hours=4)
    with pytest.raises(ValueError, match="'25:00' is not a time of day"):
        parse_target({"business_days": 1, "by": "25:00"})
    with pytest.raises(ValueError):
        parse_target({"business_days": -1, "by": "16:00"})
