"""Rows of an Arrow events table as slacore events.

Each row becomes a mapping of the event's fields and is validated by
``slacore.events.parse_event``, and JSON text in ``fields`` / ``changes`` is read by the
event codec's own decoder (non-integer numbers as ``Decimal``, duplicate keys and NaN
refused): the same checks and the same error messages as events read from JSON Lines, with
the row number added.  Instants are read from Arrow as integer microseconds, never through
pandas or Python's per-value timestamp conversion.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from slacore.batch.schema import (
    EVENT_COLUMNS,
    EVENTS_SCHEMA,
    INSTANT_COLUMNS,
    JSON_COLUMNS,
    REQUIRED_COLUMNS,
)
from slacore.clock.instants import EPOCH, ONE_US
from slacore.errors import InvalidInput, Problem
from slacore.events import Event, InvalidEvent, parse_event
from slacore.events.codec import load_raw as _codec_loads

__all__ = ["InvalidRow", "InvalidTable", "check_columns", "decode_rows", "events_table"]


class InvalidTable(InvalidInput):
    """An events table whose columns cannot be read (missing, unknown or of a wrong
    type); ``problems`` name each column."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems, what="events table")


class InvalidRow(InvalidEvent):
    """One row of an events table is not a valid event.  ``row`` is its 0-based position
    in the table (or stream) given; ``problems`` name the fields at fault, exactly as for
    an event read from JSON."""

    def __init__(self, problems: Sequence[Problem], *, row: int, event_id: str | None) -> None:
        super().__init__(problems, index=row, event_id=event_id)
        self.row = row
        what = "event" if event_id is None else f"event {event_id!r}"
        InvalidInput.__init__(self, problems, what=f"{what} in row {row} of the events table")


_TEXT = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view)


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _is_text(t.value_type)
    return any(check(t) for check in _TEXT)


def check_columns(schema: pa.Schema) -> list[Problem]:
    """What is wrong with the columns of an events table (empty when nothing)."""
    problems: list[Problem] = []
    names = schema.names
    for name in REQUIRED_COLUMNS:
        if name not in names:
            problems.append(Problem(name, ..., "required column is missing"))
    if "ticket_id" not in names and "service_id" not in names:
        problems.append(Problem("ticket_id", ..., "an events table needs a ticket_id column "
                                "(or service_id, for a table of service events)"))
    seen: set[str] = set()
    for field in schema:
        name, t = field.name, field.type
        if name in seen:
            problems.append(Problem(name, ..., "column appears twice"))
        seen.add(name)
        kind = EVENT_COLUMNS.get(name)
        if kind is None:
            problems.append(Problem(name, str(t), "unknown column; known columns: "
                                    + ", ".join(EVENT_COLUMNS)))
        elif pa.types.is_null(t):
            continue
        elif kind == "text" and not _is_text(t):
            problems.append(Problem(name, str(t), "column must hold text (string)"))
        elif kind == "instant":
            if pa.types.is_timestamp(t):
                if t.tz is None:
                    problems.append(Problem(name, str(t), "timestamps without a time zone are "
                                            "refused: give the column a zone (UTC, say) or "
                                            "ISO 8601 text with offsets"))
            elif not _is_text(t):
                problems.append(Problem(name, str(t), "column must hold tz-aware timestamps "
                                        "or ISO 8601 text with an offset"))
        elif kind == "json" and not (_is_text(t) or pa.types.is_struct(t)
                                     or pa.types.is_map(t)):
            problems.append(Problem(name, str(t), "column must hold JSON object text or a "
                                    "struct"))
        elif kind == "integer" and not (pa.types.is_integer(t) or pa.types.is_floating(t)):
            problems.append(Problem(name, str(t), "column must hold integers"))
        elif kind == "number" and not (pa.types.is_decimal(t) or pa.types.is_integer(t)
                                       or pa.types.is_floating(t) or _is_text(t)):
            problems.append(Problem(name, str(t), "column must hold numbers"))
    return problems


def _no_nulls(value: Any) -> Any:
    """A struct / map cell as a mapping: null members are "not mentioned"."""
    if isinstance(value, list):  # a map<...> cell: key/value pairs
        value = dict(value)
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    return value


def _instants(column: pa.ChunkedArray[Any] | pa.Array[Any], name: str) -> list[Any]:
    t = column.type
    if pa.types.is_null(t):
        return [None] * len(column)
    if pa.types.is_timestamp(t):
        try:
            us = pc.cast(column, pa.timestamp("us", tz=t.tz)).cast(pa.int64())
        except pa.ArrowInvalid:
            raise InvalidTable([Problem(name, str(t), "holds instants finer than a "
                                        "microsecond")]) from None
        return [None if v is None else EPOCH + ONE_US * v for v in us.to_pylist()]
    return _text(column)


def _text(column: pa.ChunkedArray[Any] | pa.Array[Any]) -> list[Any]:
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, column.type.value_type)
    return column.to_pylist()


def _column(batch: pa.RecordBatch, name: str) -> list[Any]:
    column = batch.column(name)
    kind = EVENT_COLUMNS[name]
    if kind == "instant":
        return _instants(column, name)
    if kind == "json" and not _is_text(column.type) and not pa.types.is_null(column.type):
        return [None if v is None else _no_nulls(v) for v in column.to_pylist()]
    if kind == "text":
        return _text(column)
    if kind == "integer" and pa.types.is_floating(column.type):
        # pandas stores integers with gaps as floats: keep the whole ones as integers
        return [v if v is None or not v.is_integer() else int(v) for v in column.to_pylist()]
    return column.to_pylist()


def _json(text: str, column: str, row: int, event_id: Any) -> Any:
    try:
        return _codec_loads(text)
    except ValueError as exc:
        problem = Problem(column, text if len(text) <= 80 else text[:80] + "…",
                          f"not valid JSON: {exc}")
        raise InvalidRow([problem], row=row,
                         event_id=event_id if isinstance(event_id, str) else None) from None


def decode_rows(batch: pa.RecordBatch, first_row: int) -> Iterator[tuple[int, Event]]:
    """``(row number, event)`` for each row of ``batch``, rows numbered from
    ``first_row``; raises ``InvalidRow`` for the first bad row."""
    names = [n for n in batch.schema.names if n in EVENT_COLUMNS]
    columns = [(n, _column(batch, n), EVENT_COLUMNS[n] == "json") for n in names]
    ids = dict((n, c) for n, c, _ in columns).get("event_id", [None] * batch.num_rows)
    for i in range(batch.num_rows):
        row = first_row + i
        data: dict[str, Any] = {}
        for name, values, is_json in columns:
            value = values[i]
            if value is None:
                continue
            if is_json and isinstance(value, str):
                value = _json(value, name, row, ids[i])
            data[name] = value
        try:
            yield row, parse_event(data)
        except InvalidEvent as exc:
            raise InvalidRow(exc.problems, row=row, event_id=exc.event_id) from None


# --------------------------------------------------------------------------- the inverse


def _json_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_json_value(v)}"
                              for k, v in value.items()) + "}"
    if isinstance(value, Decimal):
        return str(value)  # exact, and a valid JSON number for finite values
    return json.dumps(value, ensure_ascii=False)


def events_table(events: Iterable[Event | Mapping[str, Any]]) -> pa.Table:
    """Events (models or mappings, validated) as a table of ``EVENTS_SCHEMA``, in the
    order given.  Instants become UTC microseconds (the instant is kept, not the offset);
    ``fields``/``changes`` become JSON text with exact numbers."""
    cols: dict[str, list[Any]] = {name: [] for name in EVENTS_SCHEMA.names}
    for item in events:
        ev = parse_event(item)
        values = dict(ev)
        for name, column in cols.items():
            value = values.get(name)
            if value is None:
                column.append(None)
            elif name in JSON_COLUMNS:
                column.append(_json_value(value))
            elif name in INSTANT_COLUMNS:
                column.append((value - EPOCH) // ONE_US)
            elif isinstance(value, Decimal):
                column.append(str(value))
            else:
                column.append(value)
    return pa.table([pa.array(cols[f.name], type=f.type) for f in EVENTS_SCHEMA],
                    schema=EVENTS_SCHEMA)
