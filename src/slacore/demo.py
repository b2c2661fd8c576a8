"""The README's main job, for now: a short tour of the business-hours clock with real
answers (it grows into a full SLA demo as slacore grows).

Run it with ``python3 run.py demo`` (or ``python -m slacore.demo`` inside the venv).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slacore.clock import BusinessCalendar


def _fmt(dt: datetime) -> str:
    return dt.strftime("%a %Y-%m-%d %H:%M %Z")


def _hours(td: timedelta) -> str:
    total = int(td.total_seconds())
    sign = "-" if total < 0 else ""
    h, rem = divmod(abs(total), 3600)
    return f"{sign}{h}h{rem // 60:02d}m"


def main() -> None:
    """Print what a service desk would ask of its calendars."""
    berlin = ZoneInfo("Europe/Berlin")
    desk = BusinessCalendar(
        timezone="Europe/Berlin",
        hours={d: ["08:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays={"country": "DE", "subdiv": "BY"},
        overrides={"2026-12-24": ["08:00-12:00"], "2026-12-31": ["08:00-12:00"]},
    )
    noc = BusinessCalendar(
        timezone="America/New_York",
        hours={d: ["22:00-06:00"] for d in ("sun", "mon", "tue", "wed", "thu")},
        holidays={"country": "US"},
    )
    always = BusinessCalendar.always("Europe/Berlin")

    print("slacore clock demo")
    print("==================")
    print("Service desk: Europe/Berlin, Mon-Fri 08-12 + 13-17, Bavarian holidays,")
    print("              half days on 24 and 31 December.")
    print("Night NOC:    America/New_York, Sun-Thu 22:00-06:00, US holidays.\n")

    opened = datetime(2026, 12, 23, 15, 30, tzinfo=berlin)
    print(f"Ticket opened {_fmt(opened)}")
    for target in (timedelta(hours=1), timedelta(hours=4), timedelta(hours=8),
                   timedelta(hours=40)):
        due = desk.add(opened, target)
        print(f"  {_hours(target):>7} business target -> due {_fmt(due)}"
              f"  ({_hours(due.astimezone(berlin) - opened)} wall clock)")
    resolved = datetime(2027, 1, 4, 10, 0, tzinfo=berlin)
    print(f"Resolved {_fmt(resolved)}: business time used {_hours(desk.elapsed(opened, resolved))}"
          f" (24x7 would say {_hours(always.elapsed(opened, resolved))})")
    print("Open intervals between opening and resolution:")
    for start, end in desk.open_intervals(opened, resolved):
        print(f"  {_fmt(start)} -> {end.strftime('%H:%M')}")

    print("\nDaylight saving time is real time:")
    for day in (datetime(2026, 3, 29, tzinfo=berlin), datetime(2026, 10, 25, tzinfo=berlin)):
        print(f"  24x7 on {day.date()}: {_hours(always.elapsed(day, day + timedelta(days=1)))}"
              " (wall-clock day, real hours)")

    ny = ZoneInfo("America/New_York")
    fri = datetime(2026, 11, 27, 3, 0, tzinfo=ny)
    print("\nNight shift meeting a holiday (US Thanksgiving, Thu 2026-11-26):")
    print("  the Wed 22:00 shift runs into the holiday morning; the Thu 22:00 shift is removed")
    print(f"  NOC open at {_fmt(fri)}? {noc.is_open(fri)}; next opening {_fmt(noc.next_open(fri))}")
    start = datetime(2026, 11, 25, 23, 0, tzinfo=ny)
    print(f"  4h of NOC time from {_fmt(start)} -> {_fmt(noc.add(start, timedelta(hours=4)))}")
    print(f"  2h before that:            -> {_fmt(noc.add(start, -timedelta(hours=2)))}")

    print("\nThe calendar as data (round-trips through JSON/YAML):")
    print(f"  {desk.to_spec()}")


if __name__ == "__main__":
    main()
