"""Tools for testing code that uses slacore: a brute-force reference clock and
hypothesis strategies for calendars, instants and durations.

``ReferenceClock`` computes business time straight from the definition in DESIGN.md §2;
use it to check ``BusinessCalendar`` (or your own policies) with property tests.
"""

from slacore.testing.reference import ReferenceClock
from slacore.testing.strategies import (
    ZONES,
    aware_datetimes,
    business_durations,
    calendar_specs,
)

__all__ = [
    "ZONES",
    "ReferenceClock",
    "aware_datetimes",
    "business_durations",
    "calendar_specs",
]
