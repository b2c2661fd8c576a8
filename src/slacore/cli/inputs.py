"""Event files the CLI reads: JSON Lines (one event per line, the exact slacore JSON) and
CSV (one event per row, flat columns).

CSV columns (a header row is required; unknown columns are an error naming them):

* the envelope: ``type``, ``event_id``, ``ticket_id`` or ``service_id``, ``at``, and
  optionally ``seq``, ``source``, ``actor``;
* ticket fields for ``opened`` (its ``fields``) and ``updated`` (its ``changes``):
  ``status``, ``priority``, ``impact``, ``urgency``, ``assignment_group``, ``assignee``,
  ``vendor``, ``service``, ``category``, ``customer``, and ``attributes.<name>``;
* service-event payloads: ``start``, ``end``, ``maintenance_id``, ``outage_id``,
  ``vendor``, ``period_start``, ``period_end``, ``uptime_percent``.

An empty cell means "not given"; the text ``null`` means an explicit empty value (a
cleared assignee).  Cells are text (``impact`` ``2`` is the string ``"2"``), except
``seq`` (an integer).  A row that is not a valid event is rejected with its line number by
the ingestion, like a bad JSON line; the other rows land.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from slacore.cli.errors import CliError
from slacore.events import TICKET_FIELDS

__all__ = ["CSV_COLUMNS", "detect_format", "iter_csv_events", "iter_lines"]

ENVELOPE = ("type", "event_id", "ticket_id", "service_id", "at", "seq", "source", "actor")
SERVICE_PAYLOAD = ("start", "end", "maintenance_id", "outage_id", "vendor", "period_start",
                   "period_end", "uptime_percent")
FIELD_COLUMNS = tuple(f for f in TICKET_FIELDS if f != "attributes")
CSV_COLUMNS = tuple(dict.fromkeys((*ENVELOPE, *FIELD_COLUMNS, *SERVICE_PAYLOAD)))
_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}


def detect_format(path: Path, given: str | None) -> str:
    """``jsonl`` or ``csv``: as given, else from the file name's suffix."""
    if given is not None:
        return given
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CliError(f"{path}: unknown file type {path.suffix or '(none)'!r}; "
                       "use .jsonl or .csv, or say --format jsonl|csv")
    return fmt


def open_text(path: Path) -> IO[str]:
    """Open an input file as UTF-8 text; ``CliError`` naming it when that fails."""
    if path.is_dir():
        raise CliError(f"{path}: is a directory, not an event file")
    try:
        return path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None


MAX_LINE_CHARS = 16 * 1024 * 1024
"""The longest line an event file may have (an event is a few hundred characters); a
longer one is refused without being held in memory."""


def _bounded(handle: IO[str], path: Path, advance: Callable[[int], None]) -> Iterator[str]:
    """The lines of ``handle``, refusing (with the line number) any longer than
    ``MAX_LINE_CHARS`` after reading it in bounded pieces."""
    number = 0
    try:
        while True:
            line = handle.readline(MAX_LINE_CHARS + 1)
            if not line:
                return
            number += 1
            advance(len(line.encode("utf-8")))
            if len(line) > MAX_LINE_CHARS:
                while line and not line.endswith("\n"):  # skip the rest, piece by piece
                    line = handle.readline(MAX_LINE_CHARS)
                raise CliError(f"{path}: line {number} is longer than {MAX_LINE_CHARS:,} "
                               "characters; no event is that large (refused)")
            yield line
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def iter_lines(handle: IO[str], path: Path, advance: Callable[[int], None]) -> Iterator[str]:
    """The lines of a JSON Lines file, advancing a progress bar by bytes read."""
    yield from _bounded(handle, path, advance)


def _cell(value: str) -> Any:
    return None if value == "null" else value


def iter_csv_events(handle: IO[str], path: Path,
                    advance: Callable[[int], None]) -> Iterator[dict[str, Any]]:
    """Event mappings from a CSV file (see the module docstring)."""
    try:
        reader = csv.reader(_bounded(handle, path, lambda _: None))
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip() for h in header]
        unknown = [n for n in names if n not in CSV_COLUMNS and not n.startswith("attributes.")]
        if unknown:
            raise CliError(f"{path}: unknown CSV column {unknown[0]!r}; known columns: "
                           f"{', '.join(CSV_COLUMNS)} and attributes.<name>")
        if "type" not in names:
            raise CliError(f"{path}: the CSV header has no 'type' column")
        for row in reader:
            advance(sum(len(c) + 1 for c in row))
            if not any(c.strip() for c in row):
                continue
            yield _event(dict(zip(names, row, strict=False)))
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise CliError(f"{path}: not valid CSV: {exc}") from None


def _event(cells: dict[str, str]) -> dict[str, Any]:
    kind = cells.get("type", "")
    event: dict[str, Any] = {}
    for key in ENVELOPE:
        value = cells.get(key, "")
        if value != "":
            event[key] = int(value) if key == "seq" and value.strip().isdigit() else value
    values: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for key, value in cells.items():
        if value == "":
            continue
        if key.startswith("attributes."):
            attributes[key.removeprefix("attributes.")] = _cell(value)
        elif key in FIELD_COLUMNS and not (key == "vendor" and "service_id" in event):
            values[key] = _cell(value)
        elif (key in SERVICE_PAYLOAD and key not in FIELD_COLUMNS) or key == "vendor":
            event[key] = value
    if attributes:
        values["attributes"] = attributes
    if kind == "opened":
        event["fields"] = values
    elif kind == "updated":
        event["changes"] = values
    elif values:
        event["fields"] = values  # refused by validation: fields on a non-field event
    return event
