"""Bad input to ``BusinessCalendar`` is refused with an error naming the field and the
value (DESIGN.md §2), and a calendar that is never open again makes searches fail fast
with ``NeverOpenError`` instead of looping."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from slacore.clock import BusinessCalendar
from slacore.errors import InvalidCalendar, InvalidInput, NaiveDatetimeError, NeverOpenError

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
NINE_TO_FIVE = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
QUICK = 5.0  # seconds; a search that walks to year 9999 day by day would take far longer


def cal() -> BusinessCalendar:
    return BusinessCalendar(timezone="Europe/Berlin", hours=NINE_TO_FIVE)


def aware() -> datetime:
    return datetime(2026, 2, 2, 10, tzinfo=BERLIN)  # Mon


NAIVE = datetime(2026, 2, 2, 10)


def shows_value(message: str, value: Any) -> bool:
    return str(value) in message or repr(value) in message


def check_fields(exc: InvalidInput, field_prefix: str, value_text: str) -> None:
    """Some problem's field starts with ``field_prefix``; the message names field and value."""
    fields = [p.field for p in exc.problems]
    assert any(f.startswith(field_prefix) for f in fields), fields
    msg = str(exc)
    assert field_prefix in msg, msg
    assert value_text in msg, msg


def test_error_classes_are_value_errors() -> None:
    assert issubclass(InvalidCalendar, ValueError)
    assert issubclass(NaiveDatetimeError, ValueError)
    assert issubclass(InvalidCalendar, InvalidInput)
    assert issubclass(NaiveDatetimeError, InvalidInput)


# --------------------------------------------------------------------------------------
# naive datetimes
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.elapsed(NAIVE, aware()), "a"),
        (lambda c: c.elapsed(aware(), NAIVE), "b"),
        (lambda c: c.add(NAIVE, H), "t"),
        (lambda c: c.add(NAIVE, -H), "t"),
        (lambda c: c.add(NAIVE, timedelta(0)), "t"),
        (lambda c: c.is_open(NAIVE), "t"),
        (lambda c: c.next_open(NAIVE), "t"),
        (lambda c: c.open_intervals(NAIVE, aware()), "a"),
        (lambda c: c.open_intervals(aware(), NAIVE), "b"),
        (lambda c: c.open_set(NAIVE, aware()), "a"),
        (lambda c: c.open_set(aware(), NAIVE), "b"),
    ],
)
def test_naive_datetime_names_field_and_value(call: Any, field: str) -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        call(cal())
    exc = info.value
    assert [p.field for p in exc.problems] == [field]
    assert exc.problems[0].value == NAIVE
    msg = str(exc)
    assert re.search(rf"\b{field}\b", msg), msg
    assert shows_value(msg, NAIVE), msg


def test_naive_closure_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        BusinessCalendar(
            timezone="Europe/Berlin",
            hours=NINE_TO_FIVE,
            closures=[(datetime(2026, 2, 2, 10), datetime(2026, 2, 2, 12))],
        )
    assert any(p.field.startswith("closures") for p in info.value.problems)
    assert "closures" in str(info.value)


# --------------------------------------------------------------------------------------
# malformed calendars
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["9-17", "25:00-26:00", "09:00-17:60", "9:00-17:00", "09:00–17:00", "09:00-25:00", "", "x"],
)
def test_malformed_range(bad: str) -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(timezone="Europe/Berlin", hours={"mon": ["09:00-12:00", bad]})
    exc = info.value
    assert any(p.field.startswith("hours") and "mon" in p.field for p in exc.problems), [
        p.field for p in exc.problems
    ]
    assert "hours" in str(exc)
    assert repr(bad) in str(exc) or (bad and bad in str(exc))


def test_malformed_override_range() -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(
            timezone="Europe/Berlin", hours=NINE_TO_FIVE, overrides={"2026-12-24": ["9-12"]}
        )
    check_fields(info.value, "overrides", "9-12")


def test_malformed_override_date() -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(timezone="Europe/Berlin", hours=NINE_TO_FIVE, overrides={"2026-13-40": []})
    check_fields(info.value, "overrides", "2026-13-40")


def test_unknown_weekday_key() -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(
            timezone="Europe/Berlin", hours={"mon": ["09:00-17:00"], "funday": ["09:00-17:00"]}
        )
    check_fields(info.value, "hours", "funday")


def test_unknown_time_zone() -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(timezone="Mars/Olympus_Mons", hours=NINE_TO_FIVE)
    check_fields(info.value, "timezone", "Mars/Olympus_Mons")


def test_unknown_holiday_country() -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(timezone="Europe/Berlin", hours=NINE_TO_FIVE, holidays={"country": "XQ"})
    check_fields(info.value, "holidays", "XQ")


def test_unknown_holiday_subdivision() -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(
            timezone="Europe/Berlin",
            hours=NINE_TO_FIVE,
            holidays={"country": "DE", "subdiv": "ZZ"},
        )
    check_fields(info.value, "holidays", "ZZ")


def test_bad_holiday_date() -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(timezone="Europe/Berlin", hours=NINE_TO_FIVE, holidays=["2026-02-30"])
    check_fields(info.value, "holidays", "2026-02-30")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 2, 2, 12, tzinfo=BERLIN), datetime(2026, 2, 2, 12, tzinfo=BERLIN)),
        (datetime(2026, 2, 2, 12, tzinfo=BERLIN), datetime(2026, 2, 2, 10, tzinfo=BERLIN)),
        # same instant written in two zones: 11:00 UTC == 12:00 CET -> empty
        (datetime(2026, 2, 2, 12, tzinfo=BERLIN), datetime(2026, 2, 2, 11, tzinfo=UTC)),
    ],
)
def test_closure_end_not_after_start(start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(timezone="Europe/Berlin", hours=NINE_TO_FIVE, closures=[(start, end)])
    exc = info.value
    assert any(p.field.startswith("closures") for p in exc.problems)
    msg = str(exc)
    assert "closures" in msg
    assert start.isoformat() in msg or shows_value(msg, start), msg


def test_every_problem_is_reported() -> None:
    # two independent mistakes in one definition: both are named
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar(timezone="Nowhere/Town", hours={"mon": ["9-17"]})
    fields = [p.field for p in info.value.problems]
    assert any(f.startswith("timezone") for f in fields), fields
    assert any(f.startswith("hours") for f in fields), fields


def test_bad_at_close_option() -> None:
    with pytest.raises(ValueError, match="bogus"):
        cal().add(aware(), H, at_close="bogus")


# --------------------------------------------------------------------------------------
# never open
# --------------------------------------------------------------------------------------


def _quick(fn: Any) -> None:
    start = time.perf_counter()
    with pytest.raises(NeverOpenError):
        fn()
    assert time.perf_counter() - start < QUICK


@pytest.mark.parametrize(
    "hours",
    [{}, {"mon": [], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []}],
    ids=["no-days", "all-days-empty"],
)
def test_never_open_calendar(hours: dict[str, list[str]]) -> None:
    c = BusinessCalendar(timezone="Europe/Berlin", hours=hours)
    t = aware()
    _quick(lambda: c.add(t, H))
    _quick(lambda: c.add(t, -H))
    _quick(lambda: c.next_open(t))
    # questions that need no search still answer
    assert c.is_open(t) is False
    assert c.elapsed(t, t + 1000 * H) == timedelta(0)
    assert c.add(t, timedelta(0)) == t
    assert c.open_intervals(t, t + 1000 * H) == []


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_closed_forever_after_a_date(zone: str) -> None:
    # Mon-Fri 09-17 local, closed from Wed 2026-02-04 12:00 local until the end of time
    # (datetime.max in UTC: a valid aware datetime, whatever the calendar's zone)
    z = ZoneInfo(zone)
    closed_from = datetime(2026, 2, 4, 12, tzinfo=z)
    forever = datetime.max.replace(tzinfo=UTC)
    c = BusinessCalendar(timezone=zone, hours=NINE_TO_FIVE, closures=[(closed_from, forever)])
    # Wed 11:00 + 1 h = 12:00 exactly: still reachable (earliest instant, the closure start)
    got = c.add(datetime(2026, 2, 4, 11, tzinfo=z), H)
    assert got == closed_from
    # Wed 11:00 + 2 h: only 1 h remains ever -> NeverOpenError, quickly
    _quick(lambda: c.add(datetime(2026, 2, 4, 11, tzinfo=z), 2 * H))
    _quick(lambda: c.next_open(datetime(2026, 2, 4, 13, tzinfo=z)))
    _quick(lambda: c.add(datetime(2026, 3, 2, 10, tzinfo=z), H))
    # walking backwards from the closed future still finds the past
    back = c.add(datetime(2027, 1, 1, tzinfo=z), -H)
    assert back == datetime(2026, 2, 4, 11, tzinfo=z)
    # the forward result that lands on the (last) close cannot move to a next opening
    _quick(lambda: c.add(datetime(2026, 2, 4, 11, tzinfo=z), H, at_close="next_open"))


def test_closed_until_the_last_representable_evening() -> None:
    # Same as above, but the closure ends at 9999-12-31 22:00 UTC (23:00 CET), which is
    # representable in Berlin; Fri 9999-12-31 09-17 CET is inside it, and nothing opens in
    # its last hour, so the calendar is never open again after Wed 2026-02-04 12:00 CET.
    closed_from = datetime(2026, 2, 4, 12, tzinfo=BERLIN)
    c = BusinessCalendar(
        timezone="Europe/Berlin",
        hours=NINE_TO_FIVE,
        closures=[(closed_from, datetime(9999, 12, 31, 22, tzinfo=UTC))],
    )
    assert c.add(datetime(2026, 2, 4, 11, tzinfo=BERLIN), H) == closed_from
    _quick(lambda: c.add(datetime(2026, 2, 4, 11, tzinfo=BERLIN), 2 * H))
    _quick(lambda: c.next_open(datetime(2026, 2, 4, 13, tzinfo=BERLIN)))
    assert c.add(datetime(2027, 1, 1, tzinfo=BERLIN), -H) == datetime(2026, 2, 4, 11, tzinfo=BERLIN)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_never_open_before_a_date_backwards(zone: str) -> None:
    # closed from the beginning of time (datetime.min in UTC) until Mon 2026-02-02 09:00
    # local: walking back from Mon 10:00 by 1 h reaches 09:00; by 2 h finds only 1 h
    z = ZoneInfo(zone)
    c = BusinessCalendar(
        timezone=zone,
        hours=NINE_TO_FIVE,
        closures=[(datetime.min.replace(tzinfo=UTC), datetime(2026, 2, 2, 9, tzinfo=z))],
    )
    mon10 = datetime(2026, 2, 2, 10, tzinfo=z)
    assert c.add(mon10, -H) == datetime(2026, 2, 2, 9, tzinfo=z)
    _quick(lambda: c.add(mon10, -2 * H))


def test_override_only_calendar_has_a_last_opening() -> None:
    # no weekly hours; one override Thu 2026-12-24 09:00-12:00 -> 3 h ever
    c = BusinessCalendar(
        timezone="Europe/Berlin", hours={}, overrides={date(2026, 12, 24): ["09:00-12:00"]}
    )
    start = datetime(2026, 12, 1, tzinfo=BERLIN)
    assert c.add(start, 3 * H) == datetime(2026, 12, 24, 12, tzinfo=BERLIN)
    _quick(lambda: c.add(start, 4 * H))
    _quick(lambda: c.next_open(datetime(2026, 12, 24, 12, tzinfo=BERLIN)))
