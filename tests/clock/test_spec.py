"""``BusinessCalendar.from_spec`` / ``to_spec``: a JSON-able declarative form that round
trips, and the calendar built from it behaves the same (hand-computed checks)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

from slacore.clock import BusinessCalendar
from slacore.errors import InvalidCalendar

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def b(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=BERLIN)


def dumps(spec: Any) -> str:
    return json.dumps(spec, sort_keys=True)


def round_trip(cal: BusinessCalendar) -> BusinessCalendar:
    """to_spec -> JSON text -> from_spec; the spec is a fixed point of the trip."""
    spec = cal.to_spec()
    assert isinstance(spec, dict)
    text = dumps(spec)  # raises if anything is not JSON-able
    again = BusinessCalendar.from_spec(json.loads(text))
    assert dumps(again.to_spec()) == text
    # from the dict itself (no JSON step) as well
    assert dumps(BusinessCalendar.from_spec(spec).to_spec()) == text
    return again


def full_calendar() -> BusinessCalendar:
    return BusinessCalendar(
        timezone="Europe/Berlin",
        hours={
            **{d: ["09:00-12:00", "13:00-17:00"] for d in WEEKDAYS},
            "sat": ["22:00-06:00"],
        },
        holidays=["2026-12-25", date(2026, 12, 26)],
        overrides={"2026-12-24": ["09:00-12:00"], date(2026, 12, 31): []},
        closures=[(datetime(2026, 2, 3, 9, tzinfo=UTC), b(2026, 2, 3, 12))],
    )


def test_to_spec_is_json_able_and_round_trips() -> None:
    cal = full_calendar()
    spec = cal.to_spec()
    json.dumps(spec)
    assert spec["timezone"] == "Europe/Berlin"
    again = round_trip(cal)
    # hand-computed behaviour, identical before and after the trip:
    for c in (cal, again):
        # Tue 2026-02-03 09:00-17:00 with lunch 12-13 and a closure 10:00-12:00 CET
        # (09:00-11:00 UTC): 09-10 (1 h) + 13-17 (4 h) = 5 h
        assert c.elapsed(b(2026, 2, 3), b(2026, 2, 4)) == 5 * H
        # Christmas Eve override 09-12 = 3 h; 12-25/26 holidays; the Sat 12-26 night shift
        # starts on a holiday -> removed; 12-31 closed by an empty override
        assert c.elapsed(b(2026, 12, 24), b(2026, 12, 25)) == 3 * H
        assert c.elapsed(b(2026, 12, 25), b(2026, 12, 28)) == timedelta(0)
        assert c.elapsed(b(2026, 12, 31), b(2027, 1, 1)) == timedelta(0)
        # Sat 2026-02-07 22:00 -> Sun 06:00 = 8 h
        assert c.elapsed(b(2026, 2, 7), b(2026, 2, 9)) == 8 * H
        # add lands on the close by default
        assert c.add(b(2026, 2, 2, 16), H) == b(2026, 2, 2, 17)


def test_spec_mentions_the_parts() -> None:
    spec = full_calendar().to_spec()
    text = dumps(spec)
    for needle in (
        "Europe/Berlin",
        "09:00-12:00",
        "13:00-17:00",
        "22:00-06:00",
        "2026-12-25",
        "2026-12-26",
        "2026-12-24",
        "2026-12-31",
    ):
        assert needle in text, needle


def test_from_spec_accepts_full_weekday_names() -> None:
    cal = BusinessCalendar.from_spec(
        {
            "timezone": "Europe/Berlin",
            "hours": {
                "Monday": ["09:00-17:00"],
                "tuesday": ["09:00-17:00"],
                "FRIDAY": ["10:00-12:00"],
            },
        }
    )
    # Mon 02-02 8 h + Tue 8 h + Fri 2 h = 18 h in the week
    assert cal.elapsed(b(2026, 2, 2), b(2026, 2, 9)) == 18 * H
    assert "mon" in cal.to_spec()["hours"]
    again = round_trip(cal)
    assert again.elapsed(b(2026, 2, 2), b(2026, 2, 9)) == 18 * H


def test_constructor_accepts_full_weekday_names() -> None:
    cal = BusinessCalendar(timezone="Europe/Berlin", hours={"Wednesday": ["09:00-17:00"]})
    # Wed 02-04 09:00-17:00 only
    assert cal.elapsed(b(2026, 2, 2), b(2026, 2, 9)) == 8 * H


def test_same_weekday_twice_is_refused() -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar.from_spec(
            {"timezone": "UTC", "hours": {"mon": ["09:00-17:00"], "Monday": ["10:00-11:00"]}}
        )
    assert "Monday" in str(info.value) or "mon" in str(info.value)


def test_country_holidays_round_trip() -> None:
    cal = BusinessCalendar.from_spec(
        {
            "timezone": "Europe/Berlin",
            "hours": {d: ["09:00-17:00"] for d in WEEKDAYS},
            "holidays": [{"country": "DE", "subdiv": "BY"}],
        }
    )
    spec = cal.to_spec()
    # the declarative form survives (not expanded into dates for some years)
    entries = [h for h in spec["holidays"] if isinstance(h, dict)]
    assert any(h.get("country") == "DE" and h.get("subdiv") == "BY" for h in entries), spec
    again = round_trip(cal)
    for c in (cal, again):
        # Tue 2026-01-06 Epiphany (BY): Mon 01-05 09:00 .. Wed 01-07 09:00 -> Mon only = 8 h
        assert c.elapsed(b(2026, 1, 5, 9), b(2026, 1, 7, 9)) == 8 * H
        # and in another year, Wed 2031-01-01 New Year: Tue 2030-12-31 09:00 .. Thu 09:00 = 8 h
        assert c.elapsed(b(2030, 12, 31, 9), b(2031, 1, 2, 9)) == 8 * H


def test_country_holidays_from_constructor_round_trip() -> None:
    cal = BusinessCalendar(
        timezone="America/New_York",
        hours={d: ["09:00-17:00"] for d in WEEKDAYS},
        holidays={"country": "US"},
    )
    again = round_trip(cal)
    # Fri 2026-07-03 (observed Independence Day): Thu 07-02 09:00 .. Mon 07-06 09:00 = 8 h
    start, end = datetime(2026, 7, 2, 9, tzinfo=NY), datetime(2026, 7, 6, 9, tzinfo=NY)
    assert again.elapsed(start, end) == 8 * H


def test_holiday_base_object_to_spec() -> None:
    cal = BusinessCalendar(
        timezone="America/New_York",
        hours={d: ["09:00-17:00"] for d in WEEKDAYS},
        holidays=holidays.country_holidays("US", years=2026),
    )
    again = round_trip(cal)
    start, end = datetime(2026, 7, 2, 9, tzinfo=NY), datetime(2026, 7, 6, 9, tzinfo=NY)
    assert again.elapsed(start, end) == 8 * H


def test_always_round_trip() -> None:
    cal = BusinessCalendar.always(timezone="America/New_York")
    again = round_trip(cal)
    # NY 2026-03-08 is 23 h long; 24x7 counts real time
    start, end = datetime(2026, 3, 8, tzinfo=NY), datetime(2026, 3, 9, tzinfo=NY)
    assert again.elapsed(start, end) == 23 * H
    assert again.to_spec()["timezone"] == "America/New_York"


def test_empty_calendar_round_trip() -> None:
    cal = BusinessCalendar.from_spec({"timezone": "UTC"})
    again = round_trip(cal)
    t = datetime(2026, 2, 2, tzinfo=UTC)
    assert again.elapsed(t, t + 100 * H) == timedelta(0)


def test_closures_keep_their_instants() -> None:
    # a closure given in UTC still closes the same instants after the trip
    cal = BusinessCalendar(
        timezone="Europe/Berlin",
        hours={d: ["09:00-17:00"] for d in WEEKDAYS},
        closures=[(datetime(2026, 2, 3, 9, tzinfo=UTC), datetime(2026, 2, 3, 11, tzinfo=UTC))],
    )
    again = round_trip(cal)
    # Tue 09:00-17:00 CET minus 10:00-12:00 CET = 6 h
    assert again.elapsed(b(2026, 2, 3), b(2026, 2, 4)) == 6 * H
    assert again.is_open(b(2026, 2, 3, 11)) is False


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({"timezone": "Nowhere/Town"}, "Nowhere/Town"),
        ({"timezone": "UTC", "hourz": {}}, "hourz"),
        ({"timezone": "UTC", "hours": {"mon": ["9-17"]}}, "9-17"),
        ({"timezone": "UTC", "hours": {"someday": []}}, "someday"),
        ({"timezone": "UTC", "holidays": [{"country": "XQ"}]}, "XQ"),
    ],
)
def test_from_spec_errors_name_the_value(spec: dict[str, Any], needle: str) -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar.from_spec(spec)
    assert needle in str(info.value)
