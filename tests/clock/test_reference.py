"""Hand-computed checks of ``slacore.testing.ReferenceClock``, so that the property tests
do not trust it blindly.  Every expected value here was worked out on paper from
DESIGN.md §2 (and the zone's published DST rules), not by running code."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from slacore.errors import NeverOpenError
from slacore.testing import ReferenceClock

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
US = timedelta(microseconds=1)
WEEKDAYS_9_17 = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
ALL_DAY = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def office(**extra: object) -> ReferenceClock:
    return ReferenceClock({"timezone": "Europe/Berlin", "hours": WEEKDAYS_9_17, **extra})


def utc(value: Any) -> Any:
    """Datetimes (also inside lists and tuples) converted to UTC, for comparing instants:
    Python compares datetimes sharing one tzinfo on the wall clock, ignoring ``fold``."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    if isinstance(value, list | tuple):
        return type(value)(utc(v) for v in value)
    return value


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def day_length(zone: str, year: int, month: int, day: int) -> timedelta:
    clock = ReferenceClock({"timezone": zone, "hours": ALL_DAY})
    tz = ZoneInfo(zone)
    start = datetime(year, month, day, tzinfo=tz)
    end = datetime(year, month, day, tzinfo=tz) + timedelta(days=1)  # wall-clock next midnight
    return clock.elapsed(start, end)


def test_office_week_is_40_hours() -> None:
    # Mon 2026-03-02 .. Mon 2026-03-09 (no DST change in Berlin that week).
    assert office().elapsed(berlin(2026, 3, 2), berlin(2026, 3, 9)) == 40 * H


def test_office_week_across_spring_forward_is_still_40_hours() -> None:
    # Berlin springs forward Sun 2026-03-29 02:00 -> 03:00; office hours are unaffected.
    assert office().elapsed(berlin(2026, 3, 23), berlin(2026, 4, 6)) == 80 * H


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/New_York", (2026, 3, 8), 23),  # 02:00 -> 03:00
        ("America/New_York", (2026, 11, 1), 25),  # 02:00 -> 01:00
        ("America/New_York", (2026, 6, 1), 24),
        ("Europe/Berlin", (2026, 3, 29), 23),
        ("Europe/Berlin", (2026, 10, 25), 25),
        ("Australia/Sydney", (2026, 4, 5), 25),  # 03:00 -> 02:00
        ("Australia/Sydney", (2026, 10, 4), 23),  # 02:00 -> 03:00
        ("America/Sao_Paulo", (2018, 11, 4), 23),  # midnight did not exist that day
        ("America/Sao_Paulo", (2019, 2, 16), 25),  # 00:00 -> 23:00 the evening before
        ("Asia/Tehran", (2021, 9, 21), 25),  # 24:00 -> 23:00
        ("Pacific/Chatham", (2026, 4, 5), 25),  # 03:45 -> 02:45
        ("Asia/Kolkata", (2026, 3, 8), 24),
        ("UTC", (2026, 3, 8), 24),
    ],
)
def test_a_24x7_day_counts_real_time(zone: str, day: tuple[int, int, int], hours: int) -> None:
    assert day_length(zone, *day) == hours * H


def test_sao_paulo_spring_forward_day_starts_at_one() -> None:
    # On 2018-11-04 the wall clock jumped 00:00 -> 01:00; local midnight with fold=0 is
    # read with the old offset (-03:00), i.e. 03:00 UTC, which is 01:00 -02:00.
    clock = ReferenceClock({"timezone": "America/Sao_Paulo", "hours": ALL_DAY})
    sp = ZoneInfo("America/Sao_Paulo")
    spans = clock.open_intervals(
        datetime(2018, 11, 3, 12, tzinfo=sp), datetime(2018, 11, 5, tzinfo=sp)
    )
    assert utc(spans) == utc(
        [(datetime(2018, 11, 3, 12, tzinfo=sp), datetime(2018, 11, 5, tzinfo=sp))]
    )
    # A range lying entirely inside the gap resolves to an empty interval: dropped.
    gap_only = ReferenceClock(
        {"timezone": "America/Sao_Paulo", "overrides": {"2018-11-04": ["00:00-01:00"]}}
    )
    assert gap_only.elapsed(
        datetime(2018, 11, 3, tzinfo=sp), datetime(2018, 11, 6, tzinfo=sp)
    ) == timedelta(0)


def test_new_york_gap_and_overlap_ranges() -> None:
    clock = ReferenceClock(
        {
            "timezone": "America/New_York",
            "overrides": {
                # 01:30 EST = 06:30Z; 02:30 does not exist, fold=0 reads it as EST:
                # 07:30Z (= 03:30 EDT).  One real hour.
                "2026-03-08": ["01:30-02:30"],
                # 01:30 fold=0 is the first (EDT) 01:30 = 05:30Z; 02:00 EST = 07:00Z: 1.5 h.
                "2026-11-01": ["01:30-02:00"],
            },
        }
    )
    zulu = timezone.utc
    assert utc(
        clock.open_intervals(datetime(2026, 3, 8, tzinfo=zulu), datetime(2026, 3, 9, tzinfo=zulu))
    ) == [(datetime(2026, 3, 8, 6, 30, tzinfo=zulu), datetime(2026, 3, 8, 7, 30, tzinfo=zulu))]
    assert (
        clock.elapsed(datetime(2026, 11, 1, tzinfo=zulu), datetime(2026, 11, 2, tzinfo=zulu))
        == 1.5 * H
    )
    # 02:30-03:00 on the spring-forward day: start 07:30Z, end 03:00 EDT = 07:00Z: dropped.
    dropped = ReferenceClock(
        {"timezone": "America/New_York", "overrides": {"2026-03-08": ["02:30-03:00"]}}
    )
    assert dropped.elapsed(
        datetime(2026, 3, 7, tzinfo=zulu), datetime(2026, 3, 10, tzinfo=zulu)
    ) == timedelta(0)


def test_results_are_in_the_calendar_zone() -> None:
    clock = office()
    start = datetime(2026, 3, 3, 12, tzinfo=timezone.utc)
    assert clock.add(start, H).tzinfo is BERLIN
    assert clock.next_open(start).tzinfo is BERLIN
    assert all(
        s.tzinfo is BERLIN and e.tzinfo is BERLIN
        for s, e in clock.open_intervals(start, start + 48 * H)
    )


def test_add_lands_on_the_close_not_the_next_opening() -> None:
    clock = office()
    assert utc(clock.add(berlin(2026, 3, 3, 16), H)) == utc(
        berlin(2026, 3, 3, 17)
    )  # Tue 16:00 + 1 h
    assert utc(clock.add(berlin(2026, 3, 6, 16), 2 * H)) == utc(
        berlin(2026, 3, 9, 10)
    )  # Fri -> Mon
    assert utc(clock.add(berlin(2026, 3, 7, 12), H)) == utc(
        berlin(2026, 3, 9, 10)
    )  # from a Saturday
    assert utc(clock.add(berlin(2026, 3, 3, 16), 8 * H)) == utc(berlin(2026, 3, 4, 16))
    assert utc(clock.add(berlin(2026, 3, 3, 16), US)) == utc(berlin(2026, 3, 3, 16) + US)


def test_add_zero_is_identity_even_when_closed() -> None:
    t = berlin(2026, 3, 7, 12)  # Saturday
    assert utc(office().add(t, timedelta(0))) == utc(t)


def test_negative_add_is_the_latest_instant() -> None:
    clock = office()
    assert utc(clock.add(berlin(2026, 3, 9, 10), -2 * H)) == utc(
        berlin(2026, 3, 6, 16)
    )  # Mon -> Fri
    # Back from Tue 09:00 by 1 h: Mon 16:00 (the latest u with elapsed(u, t) == 1 h).
    assert utc(clock.add(berlin(2026, 3, 3, 9), -H)) == utc(berlin(2026, 3, 2, 16))
    # Exactly a day's worth from the opening lands on the previous opening.
    assert utc(clock.add(berlin(2026, 3, 3, 9), -8 * H)) == utc(berlin(2026, 3, 2, 9))


def test_half_open_boundaries() -> None:
    clock = office()
    assert clock.is_open(berlin(2026, 3, 3, 9))
    assert clock.is_open(berlin(2026, 3, 3, 17) - US)
    assert not clock.is_open(berlin(2026, 3, 3, 17))
    assert not clock.is_open(berlin(2026, 3, 3, 9) - US)
    assert utc(clock.next_open(berlin(2026, 3, 3, 10))) == utc(berlin(2026, 3, 3, 10))
    assert utc(clock.next_open(berlin(2026, 3, 3, 17))) == utc(berlin(2026, 3, 4, 9))
    assert utc(clock.next_open(berlin(2026, 3, 7, 1))) == utc(berlin(2026, 3, 9, 9))


def test_elapsed_is_antisymmetric() -> None:
    clock = office()
    a, b = berlin(2026, 3, 3, 10), berlin(2026, 3, 4, 11)
    assert clock.elapsed(a, b) == 9 * H
    assert clock.elapsed(b, a) == -9 * H


def test_night_shift_and_holidays() -> None:
    # Monday 22:00 -> Tuesday 06:00, 8 h.  A holiday removes the ranges that START on it.
    night = {"mon": ["22:00-06:00"]}
    week = (berlin(2026, 3, 2), berlin(2026, 3, 9))
    assert ReferenceClock({"timezone": "Europe/Berlin", "hours": night}).elapsed(*week) == 8 * H
    tuesday_off = ReferenceClock(
        {"timezone": "Europe/Berlin", "hours": night, "holidays": ["2026-03-03"]}
    )
    assert tuesday_off.elapsed(*week) == 8 * H
    monday_off = ReferenceClock(
        {"timezone": "Europe/Berlin", "hours": night, "holidays": ["2026-03-02"]}
    )
    assert monday_off.elapsed(*week) == timedelta(0)


def test_24_00_and_full_day_ranges() -> None:
    for ranges in (["00:00-24:00"], ["00:00-00:00"], ["12:00-12:00"]):
        clock = ReferenceClock({"timezone": "Europe/Berlin", "hours": {"wed": ranges}})
        assert clock.elapsed(berlin(2026, 3, 2), berlin(2026, 3, 9)) == 24 * H, ranges
    evening = ReferenceClock({"timezone": "Europe/Berlin", "hours": {"wed": ["18:00-24:00"]}})
    assert utc(evening.open_intervals(berlin(2026, 3, 2), berlin(2026, 3, 9))) == utc(
        [(berlin(2026, 3, 4, 18), berlin(2026, 3, 5))]
    )


def test_overlapping_and_touching_ranges_merge() -> None:
    clock = ReferenceClock(
        {
            "timezone": "Europe/Berlin",
            "hours": {"mon": ["09:00-12:00", "11:00-13:00", "13:00-14:00"], "sun": ["20:00-10:00"]},
        }
    )
    # Sunday 20:00 -> Monday 10:00 overlaps Monday 09:00-14:00: one interval Sun 20:00 - Mon 14:00.
    assert utc(clock.open_intervals(berlin(2026, 3, 2), berlin(2026, 3, 3))) == utc(
        [(berlin(2026, 3, 2), berlin(2026, 3, 2, 14))]
    )
    assert clock.elapsed(berlin(2026, 3, 1), berlin(2026, 3, 3)) == 18 * H


def test_overrides_and_closures() -> None:
    clock = office(
        overrides={"2026-03-03": ["09:00-12:00"], "2026-03-04": [], "2026-03-07": ["10:00-11:00"]},
        closures=[{"start": "2026-03-05T10:00:00+01:00", "end": "2026-03-05T11:30:00+01:00"}],
    )
    # Mon 8 + Tue 3 + Wed 0 + Thu 6.5 + Fri 8 + Sat 1 = 26.5 h
    assert clock.elapsed(berlin(2026, 3, 2), berlin(2026, 3, 9)) == 26.5 * H
    assert utc(clock.open_intervals(berlin(2026, 3, 5), berlin(2026, 3, 6))) == utc(
        [
            (berlin(2026, 3, 5, 9), berlin(2026, 3, 5, 10)),
            (berlin(2026, 3, 5, 11, 30), berlin(2026, 3, 5, 17)),
        ]
    )


def test_country_holidays() -> None:
    # 2026-12-25 (Fri) and 2026-12-26 (Sat) are public holidays in Berlin.
    clock = office(holidays=[{"country": "DE", "subdiv": "BE"}])
    assert clock.elapsed(berlin(2026, 12, 21), berlin(2026, 12, 28)) == 32 * H


def test_never_open_calendar_raises() -> None:
    clock = ReferenceClock({"timezone": "UTC", "overrides": {"2026-01-05": ["09:00-10:00"]}})
    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert clock.add(t, H) == datetime(2026, 1, 5, 10, tzinfo=timezone.utc)
    with pytest.raises(NeverOpenError):
        clock.add(t, 2 * H)
    with pytest.raises(NeverOpenError):
        clock.next_open(datetime(2026, 1, 6, tzinfo=timezone.utc))
    with pytest.raises(NeverOpenError):
        clock.add(t, -H)
