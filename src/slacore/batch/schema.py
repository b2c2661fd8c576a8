"""The two table layouts of the batch API: events in (``EVENT_COLUMNS``) and one row per
SLA cycle out (``RESULT_SCHEMA``).  See ``docs/batch.md``.

Events in: one row per event, the columns named after the event's fields (DESIGN §3).
Only ``type``, ``event_id`` and ``at`` are required; a null cell means "not given" and
columns that no row uses may be left out.  Instants are tz-aware Arrow timestamps (any
unit; a timestamp column without a time zone is refused) or ISO 8601 strings with an
offset.  ``fields`` (of ``opened``) and ``changes`` (of ``updated``) are JSON object text
or an Arrow struct (in a struct, a null member means "not mentioned"; use JSON text to
say "cleared" with ``null``).
"""

from __future__ import annotations

from typing import Any, Final, Literal

import pyarrow as pa

__all__ = [
    "EVENTS_SCHEMA",
    "EVENT_COLUMNS",
    "INSTANT_COLUMNS",
    "JSON_COLUMNS",
    "REQUIRED_COLUMNS",
    "RESULT_SCHEMA",
    "UTC_US",
    "ColumnKind",
]

ColumnKind = Literal["text", "instant", "integer", "json", "number"]

#: Every column an events table may have, with what it holds.
EVENT_COLUMNS: Final[dict[str, ColumnKind]] = {
    "type": "text",
    "event_id": "text",
    "ticket_id": "text",
    "service_id": "text",
    "at": "instant",
    "seq": "integer",
    "source": "text",
    "actor": "text",
    "fields": "json",
    "changes": "json",
    "start": "instant",
    "end": "instant",
    "maintenance_id": "text",
    "outage_id": "text",
    "vendor": "text",
    "period_start": "instant",
    "period_end": "instant",
    "uptime_percent": "number",
}
REQUIRED_COLUMNS: Final[tuple[str, ...]] = ("type", "event_id", "at")
INSTANT_COLUMNS: Final[tuple[str, ...]] = tuple(
    name for name, kind in EVENT_COLUMNS.items() if kind == "instant"
)
JSON_COLUMNS: Final[tuple[str, ...]] = ("fields", "changes")

#: How every instant leaves slacore: microseconds, UTC.
UTC_US: Final = pa.timestamp("us", tz="UTC")

#: The layout ``events_table`` writes (every column, instants in UTC microseconds,
#: ``fields``/``changes`` JSON text, ``uptime_percent`` exact decimal text).
_WRITTEN_AS: Final[dict[ColumnKind, pa.DataType]] = {
    "text": pa.string(), "instant": UTC_US, "integer": pa.int64(), "json": pa.string(),
    "number": pa.string(),
}
_EVENT_FIELDS: list[pa.Field[Any]] = [
    pa.field(name, _WRITTEN_AS[kind], nullable=name not in REQUIRED_COLUMNS)
    for name, kind in EVENT_COLUMNS.items()
]
EVENTS_SCHEMA: Final = pa.schema(_EVENT_FIELDS)

#: One row per cycle of every metric of every ticket (metric by metric, cycle by cycle).
#: Durations are exact integer microseconds of business time.
_RESULT_FIELDS: list[pa.Field[Any]] = [
    pa.field("ticket_id", pa.string(), nullable=False),
    pa.field("policy_id", pa.string(), nullable=False),
    pa.field("policy_version", pa.int64(), nullable=False),
    pa.field("metric", pa.string(), nullable=False),
    pa.field("cycle", pa.int64(), nullable=False),
    pa.field("state", pa.string(), nullable=False),
    pa.field("end_reason", pa.string()),
    pa.field("started_at", UTC_US, nullable=False),
    pa.field("stopped_at", UTC_US),
    pa.field("target_us", pa.int64(), nullable=False),
    pa.field("tier", pa.int64(), nullable=False),
    pa.field("calendar", pa.string(), nullable=False),
    pa.field("elapsed_us", pa.int64(), nullable=False),
    pa.field("paused_us", pa.int64(), nullable=False),
    pa.field("excluded_us", pa.int64(), nullable=False),
    pa.field("remaining_us", pa.int64(), nullable=False),
    pa.field("breached", pa.bool_(), nullable=False),
    pa.field("met", pa.bool_()),
    pa.field("breached_at", UTC_US),
    pa.field("due_at", UTC_US),
    pa.field("warnings", pa.int64(), nullable=False),
    pa.field("last_warning_at", UTC_US),
    pa.field("start_event_id", pa.string(), nullable=False),
    pa.field("stop_event_id", pa.string()),
    pa.field("anomalies", pa.int64(), nullable=False),
    pa.field("conflicts", pa.int64(), nullable=False),
    pa.field("fields", pa.string(), nullable=False),
]
RESULT_SCHEMA: Final = pa.schema(_RESULT_FIELDS)
