"""Formatting for the reports: durations, instants, percentages and escaped HTML.

Formatting only: every figure shown comes from a projection or a result as it is; these
functions choose how it reads (``26h 30m``, ``2026-02-03 15:00``, ``95.00 %``).  Every
string from data goes through ``text`` (HTML-escaped, quotes included).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

DASH = "—"


def text(value: Any) -> str:
    """``value`` as escaped HTML text (``None`` shows as a dash)."""
    if value is None:
        return DASH
    return escape(str(value), quote=True)


def duration(value: timedelta | None) -> str:
    """A duration as hours, minutes and seconds (``26h 30m``, ``45m``, ``12s``, ``0``),
    negative with a minus sign; microseconds are not shown."""
    if value is None:
        return DASH
    sign = "−" if value < timedelta(0) else ""
    total = abs(value) // timedelta(seconds=1)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if h:
        shown = f"{h}h" + (f" {m:02d}m" if m or s else "") + (f" {s:02d}s" if s else "")
    elif m:
        shown = f"{m}m" + (f" {s:02d}s" if s else "")
    else:
        shown = f"{s}s" if s else "0"
    return sign + shown


def instant(value: datetime | None, zone: ZoneInfo) -> str:
    """An instant on the wall clock of ``zone`` (``2026-02-03 15:00``; seconds when not
    zero)."""
    if value is None:
        return DASH
    local = value.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def percent(value: Decimal | None) -> str:
    """A percentage already computed by a projection (``Decimal``, e.g. 94.99)."""
    return DASH if value is None else f"{value} %"


def ratio(value: Fraction | float | None) -> str:
    """A ratio in [0, 1] as a whole percentage (``0.537`` → ``54 %``)."""
    return DASH if value is None else f"{float(value):.0%}".replace("%", " %")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, css: str,
          numeric: Sequence[int] = ()) -> str:
    """An HTML table; ``headers`` are plain text (escaped here), cells are HTML already
    formatted by the caller; ``numeric`` column indexes align right."""
    num = set(numeric)
    head = "".join(f'<th{" class=num" if i in num else ""}>{text(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if i in num else ""}>{c}</td>'
                         for i, c in enumerate(row)) + "</tr>\n"
        for row in rows)
    return (f'<table class="{text(css)}"><thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}</tbody></table>")


def group_value(value: Any) -> str:
    """A grouping value (a ticket field) as escaped text; a missing field is ``(none)``."""
    if value is None:
        return "(none)"
    if isinstance(value, tuple | list):
        return text(", ".join(str(v) for v in value))
    return text(value)


def plain_group_value(value: Any) -> str:
    """A grouping value as plain (unescaped) text, for chart labels."""
    if value is None:
        return "(none)"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)
