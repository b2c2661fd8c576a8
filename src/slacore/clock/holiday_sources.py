"""Where a calendar's holidays come from: explicit dates and the ``holidays`` package.

A holiday is a whole local date; the calendar asks "is this date a holiday?" and nothing
else, so every source is reduced to that question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import holidays as holidays_pkg

from slacore.clock.spec import CountryHolidays


class HolidayLookup:
    """Answers ``day in lookup`` for explicit dates plus any ``HolidayBase`` sources."""

    __slots__ = ("_bases", "_explicit")

    def __init__(self, explicit: Iterable[date], bases: Iterable[holidays_pkg.HolidayBase]):
        self._explicit = frozenset(explicit)
        self._bases = tuple(bases)

    def __contains__(self, day: object) -> bool:
        if day in self._explicit:
            return True
        return any(day in base for base in self._bases)

    @property
    def explicit(self) -> frozenset[date]:
        """The explicit holiday dates (not those of country calendars)."""
        return self._explicit


def country_calendar(item: CountryHolidays) -> holidays_pkg.HolidayBase:
    """The ``holidays`` package calendar of a validated country spec."""
    return holidays_pkg.country_holidays(item.country, subdiv=item.subdiv, observed=item.observed)


def split_holiday_argument(value: Any) -> tuple[list[Any], list[holidays_pkg.HolidayBase]]:
    """Separate a user's ``holidays=`` argument into spec items (dates, ISO strings,
    country mappings) and ready ``HolidayBase`` objects given directly.

    A ``HolidayBase`` of a country is also described in the spec by its country, so the
    calendar round-trips through ``to_spec``; one without a country is described by the
    dates it holds when the calendar is built.
    """
    if value is None:
        return [], []
    if isinstance(value, holidays_pkg.HolidayBase | str | date | Mapping):
        value = [value]
    items: list[Any] = []
    bases: list[holidays_pkg.HolidayBase] = []
    for item in value:
        if isinstance(item, holidays_pkg.HolidayBase):
            bases.append(item)
            country = getattr(item, "country", None)
            if isinstance(country, str) and country:
                items.append(
                    {
                        "country": country,
                        "subdiv": getattr(item, "subdiv", None),
                        "observed": bool(getattr(item, "observed", True)),
                    }
                )
            else:
                items.extend(sorted(item.keys()))
        else:
            items.append(item)
    return items, bases
