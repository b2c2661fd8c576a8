"""Business-time arithmetic: calendars, holidays, time zones and interval sets.

Pure: no I/O, no wall clock.  See ``docs/clock.md``.
"""

from slacore.clock.calendar import AtClose, BusinessCalendar
from slacore.clock.intervals import IntervalSet
from slacore.clock.spec import CalendarSpec, Closure, CountryHolidays, TimeRange

__all__ = [
    "AtClose",
    "BusinessCalendar",
    "CalendarSpec",
    "Closure",
    "CountryHolidays",
    "IntervalSet",
    "TimeRange",
]
