"""The errors slacore raises on purpose.

Every error about bad input says which field was wrong and what value it held, so that a
user can fix the file or the call without reading slacore's code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


class SlacoreError(Exception):
    """Base class of every error slacore raises deliberately."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (a dotted field path), what value, and why."""

    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        if self.value is ...:  # the whole document is at fault: no single value to show
            return f"{self.field}: {self.message}"
        shown = repr(self.value)
        if len(shown) > _MAX_SHOWN:  # hostile input must not become a megabyte message
            shown = f"{shown[:_MAX_SHOWN]}… ({len(shown):,} characters)"
        return f"{self.field}: {self.message} (got {shown})"


_MAX_SHOWN = 300
"""The most characters of an offending value an error message repeats."""
_MAX_LISTED = 20
"""The most problems an error message lists (all stay in ``problems``)."""


class InvalidInput(SlacoreError, ValueError):
    """Input that slacore refuses; ``problems`` lists every field at fault."""

    def __init__(self, problems: Sequence[Problem], *, what: str = "input") -> None:
        self.problems = list(problems)
        self.what = what
        lines = "; ".join(str(p) for p in self.problems[:_MAX_LISTED])
        if len(self.problems) > _MAX_LISTED:
            lines += f"; and {len(self.problems) - _MAX_LISTED:,} more problems"
        super().__init__(f"invalid {what}: {lines}")


class NaiveDatetimeError(InvalidInput):
    """A datetime without a time zone was given where an instant is required."""

    def __init__(self, field: str, value: Any) -> None:
        super().__init__(
            [Problem(field, value, "a timezone-aware datetime is required")], what="instant"
        )


class InvalidCalendar(InvalidInput):
    """A business calendar definition that cannot be used."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems, what="calendar")


class NeverOpenError(SlacoreError):
    """The calendar has no open time where a search needed some (e.g. ``add`` on a
    calendar that is closed from some instant on)."""


class OutOfRangeError(SlacoreError, ValueError):
    """An instant or duration falls outside the years the calendar can represent."""


def problems_of(exc: ValidationError, *, branches: Iterable[str] = ()) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into slacore ``Problem``s (dotted field paths).

    pydantic names the member of a union (``date``, ``CountryHolidays``) or of a validator
    chain (``function-before[...]``) in an error's path; users never wrote those keys, so
    the ``branches`` named by the caller and anything with brackets are left out."""
    skip = set(branches)
    errors = exc.errors(include_url=False)
    # A list whose items failed also fails its own "at least n items" check (it counts the
    # items that passed); that follow-on error only repeats the items' errors: drop it.
    inner = {tuple(err["loc"][:i]) for err in errors for i in range(len(err["loc"]))}
    problems = []
    for err in errors:
        if err["type"] == "too_short" and tuple(err["loc"]) in inner:
            continue
        loc = ".".join(
            str(p) for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in skip))
        )
        msg = err["msg"].removeprefix("Value error, ")
        problems.append(Problem(loc or "(document)", err.get("input") if loc else ..., msg))
    return problems
