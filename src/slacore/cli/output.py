"""Consoles, tables and the plain formats (CSV, JSON) the commands write.

Rich writes to stdout (results) and stderr (errors, progress bars).  When stdout is not a
terminal, tables are laid out 120 columns wide (``COLUMNS`` overrides) and carry no colour,
so piped output and the documentation are stable.  Progress bars appear only on a terminal.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

__all__ = [
    "console",
    "dump_csv",
    "dump_json",
    "error_console",
    "fmt_duration",
    "fmt_instant",
    "fmt_pct",
    "fmt_short",
    "progress",
    "table",
    "write_text",
]


def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    width = None if terminal or os.environ.get("COLUMNS") else 120
    return Console(file=stream, width=width, no_color=not terminal or None,
                   highlight=False, emoji=False)


def console() -> Console:
    """A console on the current stdout (looked up at each call: test runners swap it)."""
    return _console(stderr=False)


def error_console() -> Console:
    """A console on the current stderr."""
    return _console(stderr=True)


def progress(*, unit: str = "") -> Progress:
    """A transient progress bar on stderr, shown only on a terminal."""
    err = error_console()
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if not unit else TaskProgressColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
          right: Sequence[str] = ()) -> Table:
    """A Rich table; the columns named in ``right`` are right-aligned (numbers)."""
    out = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    for i, name in enumerate(columns):
        longest = max((len(w) for w in name.split()), default=0)
        widest = max((len(r[i]) for r in cells if i < len(r)), default=0)
        out.add_column(name, justify="right" if name in right else "left",
                       min_width=min(max(longest, widest), 20))
    for row in cells:
        out.add_row(*row)
    return out


def fmt_duration(value: timedelta | None) -> str:
    """A duration for people: ``222h 14m``, ``2h 05m``, ``45m 10s``, ``12s``.

    Hours are the largest unit: business time is not made of 24-hour days.  From one
    hour on, seconds are left out (rounded down); CSV and JSON outputs carry exact
    values."""
    if value is None:
        return ""
    us = value // timedelta(microseconds=1)
    sign = "-" if us < 0 else ""
    seconds = abs(us) // 1_000_000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def fmt_instant(value: datetime | None, zone: ZoneInfo) -> str:
    """``2026-10-05 14:03 CEST`` (seconds shown when not zero)."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    pattern = "%Y-%m-%d %H:%M:%S %Z" if local.second or local.microsecond else "%Y-%m-%d %H:%M %Z"
    return local.strftime(pattern)


def fmt_short(value: datetime | None, zone: ZoneInfo) -> str:
    """``Fri 09-25 11:23:29`` (no year, no zone: the caller says which zone)."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    pattern = "%a %m-%d %H:%M:%S" if local.second or local.microsecond else "%a %m-%d %H:%M"
    return local.strftime(pattern)


def fmt_pct(value: Decimal | None) -> str:
    """``94.12 %`` (``n/a`` when nothing was due)."""
    return "n/a" if value is None else f"{value:.2f} %"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal | Fraction):
        return str(value)
    return value


def dump_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as CSV text; the header is the union of the keys in order of appearance."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _plain(v) for k, v in row.items()})
    return buf.getvalue()


def dump_json(data: Any) -> str:
    """JSON text (datetimes ISO 8601, exact numbers as strings)."""
    return json.dumps(data, indent=2, default=_plain, ensure_ascii=False) + "\n"


def write_text(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` (created with its directories), or to stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
