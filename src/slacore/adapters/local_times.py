"""Wall-clock timestamps from exports, read in a named time zone.

ITSM exports write local times without an offset (``29-02-2016 01:16``).  Turning one into
an instant needs the zone, and twice a year the zone's rules make a wall time ambiguous
(the hour repeated when daylight saving time ends) or nonexistent (the hour skipped when
it starts).  This module parses day-first timestamps and resolves wall times with a rule
that adapters document:

- nonexistent (in a DST gap): moved forward by the gap, as ``zoneinfo`` reads it with
  ``fold=0`` (``02:30`` on a spring-forward night in Berlin is ``03:30+02:00``), the same
  rule DESIGN §2 fixes for calendars;
- ambiguous (in a DST overlap): the first occurrence, unless that would put it before
  ``not_before`` (the previous update of the same record): then the second occurrence.

Either case is reported as a ``LocalTimeNote`` so the caller can pass it on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slacore.errors import InvalidInput, Problem

__all__ = ["LocalTimeNote", "parse_day_first", "resolve_local", "zone"]

_UTC = timezone.utc
_DAY_FIRST = re.compile(
    r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"
    r"[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?$"
)
DAY_FIRST_FORMAT = "DD-MM-YYYY HH:MM"


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``Europe/Berlin``); ``InvalidInput`` naming it otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput([Problem("timezone", name, "give an IANA zone name such as "
                                    "'Europe/Berlin' or 'UTC'")], what="time zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            [Problem("timezone", name, "unknown IANA time zone; use a name such as "
                     "'Europe/Berlin', 'America/New_York' or 'UTC'")],
            what="time zone",
        ) from None


@lru_cache(maxsize=8192)
def parse_day_first(text: str) -> datetime:
    """A naive wall time from ``DD-MM-YYYY HH:MM`` (also ``/`` or ``.`` between the date
    parts, one-digit day, month or hour, optional ``:SS``).  ``ValueError`` saying what is
    wrong otherwise (an unknown format, or a date or time that does not exist, such as
    31 February or 25:10)."""
    match = _DAY_FIRST.match(text.strip())
    if match is None:
        raise ValueError(f"not a day-first date-time {DAY_FIRST_FORMAT}")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    try:
        # a naive wall time on purpose: resolve_local gives it the zone
        return datetime(parts["y"], parts["m"], parts["d"], parts["H"], parts["M"],  # noqa: DTZ001
                        parts.get("S", 0))
    except ValueError as exc:
        raise ValueError(f"not a valid date-time ({exc})") from None


@dataclass(frozen=True, slots=True)
class LocalTimeNote:
    """Why a wall time needed a rule: ``kind`` is ``ambiguous`` (DST overlap) or
    ``nonexistent`` (DST gap); ``message`` says which instant was chosen."""

    kind: Literal["ambiguous", "nonexistent"]
    message: str


def _candidates(wall: datetime, tz: ZoneInfo) -> tuple[list[datetime], bool]:
    """The UTC instants the wall time can mean (sorted), and whether it is in a gap.

    PEP 495: ``fold`` picks the offset before (0) or after (1) a transition.  Outside
    transitions both offsets agree; in a gap the earlier offset is the smaller one (the
    clocks jump forward), in an overlap the larger one."""
    before = wall.replace(tzinfo=tz, fold=0).utcoffset()
    after = wall.replace(tzinfo=tz, fold=1).utcoffset()
    assert before is not None and after is not None
    naive_utc = wall.replace(tzinfo=_UTC)
    if before == after:
        return [naive_utc - before], False
    if before < after:
        return [naive_utc - before], True  # moved forward by the gap
    return [naive_utc - before, naive_utc - after], False


def _fixed(instant: datetime, tz: ZoneInfo) -> datetime:
    """``instant`` as its wall time in ``tz`` with a fixed UTC offset: equality and
    arithmetic on it are exact (PEP 495 makes a ``fold=1`` ZoneInfo time unequal to every
    time in another zone)."""
    local = instant.astimezone(tz)
    offset = local.utcoffset()
    assert offset is not None
    return local.replace(tzinfo=timezone(offset), fold=0)


def resolve_local(
    wall: datetime, tz: ZoneInfo, *, not_before: datetime | None = None
) -> tuple[datetime, LocalTimeNote | None]:
    """The instant the naive ``wall`` time means in ``tz`` (an aware datetime with the
    zone's UTC offset at that instant, as a fixed ``datetime.timezone``), and a note when
    the zone's rules made it ambiguous or nonexistent (see the module docstring)."""
    instants, gap = _candidates(wall, tz)
    shown = wall.strftime("%Y-%m-%d %H:%M")
    if gap:
        chosen = _fixed(instants[0], tz)
        return chosen, LocalTimeNote(
            "nonexistent",
            f"{shown} does not exist in {tz.key} (skipped when daylight saving time "
            f"starts); read as {chosen.isoformat()}, moved forward by the gap",
        )
    if len(instants) == 1:
        return _fixed(instants[0], tz), None
    chosen_utc = instants[0]
    which = "first"
    if not_before is not None and chosen_utc < not_before:
        chosen_utc, which = instants[1], "second"
    chosen = _fixed(chosen_utc, tz)
    return chosen, LocalTimeNote(
        "ambiguous",
        f"{shown} occurs twice in {tz.key} (daylight saving time ends); read as "
        f"{chosen.isoformat()}, the {which} occurrence",
    )
