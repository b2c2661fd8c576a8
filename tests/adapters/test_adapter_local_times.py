"""Reading exported wall times: the day-first format and the DST rules of
``slacore.adapters.local_times``."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.adapters.local_times import parse_day_first, resolve_local, zone
from slacore.errors import InvalidInput
from slacore.testing import ZONES
from slacore.testing.profiles import examples

UTC = timezone.utc


@pytest.mark.parametrize(("text", "expected"), [
    ("29-02-2016 01:16", (2016, 2, 29, 1, 16, 0)),
    ("29/2/2016 1:16", (2016, 2, 29, 1, 16, 0)),
    ("01.03.2016 23:59:59", (2016, 3, 1, 23, 59, 59)),
    (" 05-03-2016 00:00 ", (2016, 3, 5, 0, 0, 0)),
])
def test_day_first(text: str, expected: tuple[int, ...]) -> None:
    assert parse_day_first(text) == datetime(*expected)


@pytest.mark.parametrize(("text", "message"), [
    ("2016-02-29 01:16", "not a day-first date-time"),
    ("29-02-16 01:16", "not a day-first date-time"),
    ("29-02-2016", "not a day-first date-time"),
    ("30-02-2016 10:00", "day is out of range for month"),
    ("12-13-2016 10:00", "month must be in 1..12"),
    ("12-12-2016 10:60", "minute must be in 0..59"),
])
def test_day_first_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_day_first(text)


def test_zone_names() -> None:
    assert zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    for bad in ("", "Mars/Olympus", "../etc/passwd"):
        with pytest.raises(InvalidInput, match="timezone"):
            zone(bad)


def test_gap_and_overlap_in_new_york() -> None:
    ny = ZoneInfo("America/New_York")
    # 13 March 2016: 02:00 EST -> 03:00 EDT; 02:30 moves to 03:30 EDT
    at, note = resolve_local(datetime(2016, 3, 13, 2, 30), ny)
    assert at == datetime(2016, 3, 13, 7, 30, tzinfo=UTC)
    assert note is not None and note.kind == "nonexistent"
    # 6 November 2016: 02:00 EDT -> 01:00 EST; 01:30 happens twice
    first, note = resolve_local(datetime(2016, 11, 6, 1, 30), ny)
    assert first == datetime(2016, 11, 6, 5, 30, tzinfo=UTC)
    assert note is not None and note.kind == "ambiguous"
    later = datetime(2016, 11, 6, 5, 45, tzinfo=UTC)
    second, _ = resolve_local(datetime(2016, 11, 6, 1, 30), ny, not_before=later)
    assert second == datetime(2016, 11, 6, 6, 30, tzinfo=UTC)
    # an ordinary time has no note
    assert resolve_local(datetime(2016, 7, 1, 12), ny)[1] is None


@settings(max_examples=examples(300), deadline=None)
@given(
    st.sampled_from(ZONES),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)),
    st.none() | st.datetimes(min_value=datetime(1990, 1, 1),
                             max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
)
def test_resolution_agrees_with_zoneinfo(name: str, wall: datetime,
                                         not_before: datetime | None) -> None:
    tz = ZoneInfo(name)
    at, note = resolve_local(wall, tz, not_before=not_before)
    fold0 = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    fold1 = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if note is None:
        assert at == fold0 == fold1
        assert at.astimezone(tz).replace(tzinfo=None) == wall
    elif note.kind == "nonexistent":
        assert at == fold0 and at.astimezone(tz).replace(tzinfo=None) > wall
    else:
        assert at.astimezone(tz).replace(tzinfo=None) == wall
        earlier, later = sorted((fold0, fold1))
        expected = later if not_before is not None and earlier < not_before else earlier
        assert at == expected
