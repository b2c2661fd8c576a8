"""ServiceNow incident audit exports (CSV) mapped onto slacore events.

An incident audit export has one row per update of an incident: the incident's fields as
they were after that update, ``sys_mod_count`` (the update's number) and
``sys_updated_at`` (its time, to the minute, as a local wall time).  ``read_incident_audit``
orders each incident's rows by ``sys_mod_count``, compares each row with the previous one
and turns the differences into events: ``opened`` (from the first row), ``updated`` (the
changed fields), and ``resolved`` / ``reopened`` / ``closed`` / ``cancelled`` from the
changes of ``incident_state``.  Rows that change nothing are left out; rows that cannot be
mapped are returned with the reason, never dropped silently.  The mapping is documented
in ``docs/servicenow.md``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Final, TypeAlias, cast
from zoneinfo import ZoneInfo

from slacore.adapters.local_times import (
    DAY_FIRST_FORMAT,
    parse_day_first,
    resolve_local,
    zone,
)
from slacore.errors import InvalidInput, Problem
from slacore.events import (
    FieldValue,
    TicketClosed,
    TicketEvent,
    TicketOpened,
    TicketResolved,
    TicketUpdated,
    sort_key,
)
from slacore.events.models import TicketCancelled, TicketReopened

__all__ = [
    "ATTRIBUTE_COLUMNS",
    "COLUMNS",
    "FIELD_COLUMNS",
    "REQUIRED_COLUMNS",
    "SOURCE",
    "STATES",
    "ImportNote",
    "InvalidExport",
    "RejectedRow",
    "ServiceNowImport",
    "read_incident_audit",
]

SOURCE: Final = "servicenow"
"""The ``source`` of every event the adapter makes."""

COLUMNS: Final[tuple[str, ...]] = (
    "number", "incident_state", "active", "reassignment_count", "reopen_count",
    "sys_mod_count", "made_sla", "caller_id", "opened_by", "opened_at", "sys_created_by",
    "sys_created_at", "sys_updated_by", "sys_updated_at", "contact_type", "location",
    "category", "subcategory", "u_symptom", "cmdb_ci", "impact", "urgency", "priority",
    "assignment_group", "assigned_to", "knowledge", "u_priority_confirmation", "notify",
    "problem_id", "rfc", "vendor", "caused_by", "closed_code", "resolved_by", "resolved_at",
    "closed_at",
)
"""The columns of an incident audit export, in the export's order."""

REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "number", "incident_state", "sys_mod_count", "opened_at", "sys_updated_at",
)
"""Columns without which nothing can be mapped; the other known columns may be absent
(their values are then missing on every row)."""

STATES: Final[Mapping[str, str]] = {
    "new": "new",
    "active": "active",
    "in progress": "in_progress",
    "on hold": "on_hold",
    "awaiting user info": "awaiting_user_info",
    "awaiting vendor": "awaiting_vendor",
    "awaiting problem": "awaiting_problem",
    "awaiting evidence": "awaiting_evidence",
    "resolved": "resolved",
    "closed": "closed",
    "canceled": "cancelled",
    "cancelled": "cancelled",
}
"""``incident_state`` (case and spacing ignored) → the slacore ``status`` value."""

FIELD_COLUMNS: Final[Mapping[str, str]] = {
    "incident_state": "status",
    "priority": "priority",
    "impact": "impact",
    "urgency": "urgency",
    "assignment_group": "assignment_group",
    "assigned_to": "assignee",
    "vendor": "vendor",
    "cmdb_ci": "service",
    "category": "category",
}
"""Export column → slacore ticket field."""

ATTRIBUTE_COLUMNS: Final[tuple[str, ...]] = (
    "caller_id", "opened_by", "contact_type", "location", "subcategory", "u_symptom",
    "knowledge", "u_priority_confirmation", "notify", "problem_id", "rfc", "caused_by",
    "closed_code", "resolved_by",
)
"""Columns kept as free attributes, under their column name (``attributes.u_symptom``)."""

_BOOLEAN_ATTRIBUTES: Final = frozenset({"knowledge", "u_priority_confirmation"})
_END_EVENTS: Final[Mapping[str, type[TicketEvent]]] = {
    "resolved": TicketResolved,
    "closed": TicketClosed,
    "cancelled": TicketCancelled,
}
_DONE: Final = frozenset(_END_EVENTS)
_LEVEL = re.compile(r"^(\d+)(?:\s*-\s*\S.*)?$", re.ASCII)
_MISSING_MARKS: Final = frozenset({"", "?"})

Source: TypeAlias = "str | os.PathLike[str] | IO[str] | IO[bytes] | Iterable[str]"


# --------------------------------------------------------------------------- results


class InvalidExport(InvalidInput):
    """An export that cannot be read at all (unreadable file, bad encoding, bad CSV, a
    header without the required columns); ``problems`` name the column or line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems, what="ServiceNow export")


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that could not be mapped: ``row`` is its 1-based number among the data rows
    (the header is not counted), ``line`` the file line it starts on (the header is line
    1), ``number`` the incident when known, ``reason`` what is wrong."""

    row: int
    line: int
    number: str | None
    reason: str

    def __str__(self) -> str:
        who = f", {self.number}" if self.number else ""
        return f"row {self.row} (line {self.line}{who}): {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportNote:
    """Something the mapping had to decide and the user should know: a time moved by a
    DST rule or to keep the updates in order, a history that starts mid-way, a reopen
    the export does not show.  ``row`` is the data row concerned, when there is one."""

    number: str
    row: int | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.number}: {self.message}"


@dataclass(frozen=True)
class ServiceNowImport:
    """What ``read_incident_audit`` made of an export.

    ``events``: the slacore events, per incident (ordered by number) in canonical order.
    ``rejected``: the rows that could not be mapped, by row.  ``notes``: decisions worth
    knowing (see ``ImportNote``).  ``made_sla``: per incident, the export's own
    ``made_sla`` flag on its last mapped row (``None`` when missing).  ``rows``: data rows
    read; ``duplicates``: rows dropped as exact copies of another row; ``unchanged``:
    rows that changed none of the mapped fields (they make no event).
    ``ignored_columns``: header columns the adapter does not know.
    """

    timezone: str
    events: tuple[TicketEvent, ...]
    rejected: tuple[RejectedRow, ...]
    notes: tuple[ImportNote, ...]
    made_sla: dict[str, bool | None]
    rows: int
    duplicates: int
    unchanged: int
    ignored_columns: tuple[str, ...] = ()

    def tickets(self) -> dict[str, list[TicketEvent]]:
        """The events per incident number (numbers sorted, events in canonical order)."""
        out: dict[str, list[TicketEvent]] = {}
        for event in self.events:
            out.setdefault(event.ticket_id, []).append(event)
        return out

    def summary(self) -> str:
        """One line: rows read and what became of them."""
        return (
            f"{self.rows} rows: {len(self.made_sla)} incidents, {len(self.events)} events; "
            f"{self.duplicates} duplicate, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected rows; {len(self.notes)} notes"
        )


# --------------------------------------------------------------------------- reading CSV


@dataclass(frozen=True, slots=True)
class _Raw:
    row: int
    line: int
    cells: tuple[str, ...]


def _open_text(source: Source) -> tuple[Iterable[str], Callable[[], Any]]:
    """Lines of text, and what to do when done (close the file we opened; detach our
    decoder from the caller's binary file without closing it)."""
    if isinstance(source, str | os.PathLike):
        try:
            handle = open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as exc:
            raise InvalidExport(
                [Problem("path", os.fspath(source), exc.strerror or str(exc))]
            ) from None
        return handle, handle.close
    read = getattr(source, "read", None)
    if read is not None and isinstance(read(0), bytes):
        binary = cast("IO[bytes]", source)
        wrapper = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        return wrapper, wrapper.detach
    if isinstance(source, bytes):
        raise TypeError("give a path, an open file or an iterable of lines, not bytes")
    return source, lambda: None  # type: ignore[return-value]


def _records(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on; a BOM before the header is dropped."""
    reader = csv.reader(lines)
    start = 1
    try:
        for record in reader:
            if start == 1 and record and record[0].startswith("\ufeff"):
                record[0] = record[0][1:]
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidExport([Problem(f"line {reader.line_num}", ..., f"bad CSV: {exc}")]) from None
    except UnicodeDecodeError as exc:
        raise InvalidExport(
            [Problem(f"line {reader.line_num + 1}", ..., f"not UTF-8 text ({exc.reason} at "
                     f"byte {exc.start} of that block)")]
        ) from None


def _header(record: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    names = [cell.strip() for cell in record]
    problems = []
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue  # an unnamed column (a trailing comma): nothing to read there
        if name in seen:
            problems.append(Problem(f"column {index + 1}", name,
                                    f"the header names this column twice (also column "
                                    f"{seen[name] + 1})"))
        seen.setdefault(name, index)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        hint = ""
        if len(names) == 1 and any(sep in names[0] for sep in ";\t|"):
            hint = " (the file does not look comma-separated)"
        problems.append(Problem(
            "header", ", ".join(names),
            f"missing required column(s) {', '.join(missing)}{hint}",
        ))
    if problems:
        raise InvalidExport(problems)
    ignored = tuple(name for name in names if name and name not in COLUMNS)
    return seen, ignored


# --------------------------------------------------------------------------- parsing rows


@dataclass(frozen=True, slots=True)
class _Row:
    """One mapped-ready row: the row's own facts, times still naive wall times."""

    row: int
    line: int
    number: str
    mod: int
    status: str
    updated_at: datetime
    opened_at: datetime | None
    snapshot: dict[str, FieldValue]
    opened_by: str | None
    updated_by: str | None
    made_sla: bool | None
    made_sla_text: str | None
    reopen_count: int | None


def _value(cells: tuple[str, ...], columns: Mapping[str, int], name: str) -> str | None:
    index = columns.get(name)
    if index is None:
        return None
    text = cells[index].strip()
    return None if text in _MISSING_MARKS else text


def _level(text: str | None, column: str, problems: list[Problem]) -> int | None:
    """``"2 - High"`` (or ``"2"``) → 2."""
    if text is None:
        return None
    match = _LEVEL.match(text)
    if match is None:
        problems.append(Problem(column, text, "expected a level such as '2 - High'"))
        return None
    return int(match.group(1))


def _is_count(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts ``²``, which ``int`` refuses)."""
    return text.isascii() and text.isdigit()


def _boolean(text: str | None) -> bool | None:
    if text is None:
        return None
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError(text)


def _parse_row(raw: _Raw, columns: Mapping[str, int]) -> _Row | list[Problem]:
    cells = raw.cells
    problems: list[Problem] = []

    values: dict[str, str | None] = {}
    for name, index in columns.items():
        cell = cells[index].strip()
        values[name] = None if cell in _MISSING_MARKS else cell
    get = values.get

    number = get("number")
    assert number is not None  # checked before grouping
    mod = int(cells[columns["sys_mod_count"]].strip())

    state_text = get("incident_state")
    status = None
    if state_text is None:
        problems.append(Problem("incident_state", cells[columns["incident_state"]],
                                "missing: every row needs the incident's state"))
    else:
        status = STATES.get(" ".join(state_text.lower().split()))
        if status is None:
            known = ", ".join(sorted({s.title() for s in STATES}))
            problems.append(Problem("incident_state", state_text,
                                    f"unknown state; known states: {known}"))

    times: dict[str, datetime | None] = {}
    for name in ("sys_updated_at", "opened_at"):
        text = get(name)
        if text is None:
            times[name] = None
            if name == "sys_updated_at":
                problems.append(Problem(name, cells[columns[name]],
                                        "missing: every row needs the time of its update"))
            continue
        try:
            times[name] = parse_day_first(text)
        except ValueError as exc:
            problems.append(Problem(name, text, f"{exc}; expected {DAY_FIRST_FORMAT}"))

    snapshot: dict[str, FieldValue] = {"status": status}
    for column, name in FIELD_COLUMNS.items():
        if column == "incident_state":
            continue
        text = get(column)
        if column == "priority":
            level = _level(text, column, problems)
            snapshot[name] = None if level is None else f"P{level}"
        elif column in ("impact", "urgency"):
            snapshot[name] = _level(text, column, problems)
        else:
            snapshot[name] = text
    for column in ATTRIBUTE_COLUMNS:
        text = get(column)
        value: FieldValue = text
        if column in _BOOLEAN_ATTRIBUTES:
            try:
                value = _boolean(text)
            except ValueError:
                problems.append(Problem(column, text, "expected true or false"))
        snapshot["attributes." + column] = value

    made_sla_text = get("made_sla")
    try:
        made_sla = _boolean(made_sla_text)
    except ValueError:
        made_sla = None  # reported as a note: it describes the export, not the incident

    reopen_text = get("reopen_count")
    reopen_count = int(reopen_text) if reopen_text and _is_count(reopen_text) else None

    if problems:
        return problems
    updated_at = times["sys_updated_at"]
    assert status is not None and updated_at is not None
    return _Row(
        row=raw.row, line=raw.line, number=number, mod=mod, status=status,
        updated_at=updated_at, opened_at=times["opened_at"], snapshot=snapshot,
        opened_by=get("opened_by"), updated_by=get("sys_updated_by"),
        made_sla=made_sla, made_sla_text=made_sla_text, reopen_count=reopen_count,
    )


def _reason(problems: Iterable[Problem]) -> str:
    return "; ".join(str(p) for p in problems)


# --------------------------------------------------------------------------- mapping


def _fields(flat: Mapping[str, FieldValue], *, keep_missing: bool) -> dict[str, Any]:
    """Flat ``{field or attributes.name: value}`` → the ``TicketFields`` shape."""
    out: dict[str, Any] = {}
    attributes: dict[str, FieldValue] = {}
    for key, value in flat.items():
        if value is None and not keep_missing:
            continue
        if key.startswith("attributes."):
            attributes[key.removeprefix("attributes.")] = value
        else:
            out[key] = value
    if attributes:
        out["attributes"] = attributes
    return out


class _Incident:
    """Maps one incident's accepted rows (ordered by ``sys_mod_count``) to events."""

    def __init__(self, number: str, tz: ZoneInfo) -> None:
        self.number = number
        self.tz = tz
        self.events: list[TicketEvent] = []
        self.notes: list[ImportNote] = []
        self.unchanged = 0
        self.previous: _Row | None = None
        self.last_at: datetime | None = None

    def note(self, row: int | None, message: str) -> None:
        self.notes.append(ImportNote(self.number, row, message))

    def _instant(self, row: _Row, wall: datetime, column: str) -> datetime:
        """The instant of a wall time of ``row``: DST rules, then never before the
        previous event of the incident (updates are ordered by ``sys_mod_count``)."""
        at, note = resolve_local(wall, self.tz, not_before=self.last_at)
        if note is not None:
            self.note(row.row, f"{column}: {note.message}")
        if self.last_at is not None and at < self.last_at:
            moved = self.last_at
            self.note(row.row, (
                f"{column} {at.isoformat()} is before the previous event "
                f"({moved.isoformat()}) although sys_mod_count {row.mod} comes after it; "
                "moved to that instant to keep the updates in order"
            ))
            at = moved
        self.last_at = at
        return at

    def _id(self, row: _Row, kind: str) -> str:
        return f"{self.number}:{kind}" if kind == "opened" else f"{self.number}:{row.mod}:{kind}"

    def add(self, row: _Row) -> None:
        previous = self.previous
        if previous is None:
            self._open(row)
        else:
            self._update(previous, row)
        self.previous = row

    def _open(self, row: _Row) -> None:
        if row.mod > 0:
            self.note(row.row, (
                f"the export's first row has sys_mod_count {row.mod}: the earlier updates "
                "are unknown, the opening takes this row's fields"
            ))
        wall = row.opened_at
        if wall is None:
            self.note(row.row, "opened_at is missing: the opening is dated by sys_updated_at")
            wall = row.updated_at
        opened_at = self._instant(row, wall, "opened_at")
        self.events.append(TicketOpened.model_validate({
            "event_id": self._id(row, "opened"), "ticket_id": self.number, "at": opened_at,
            "seq": row.mod, "source": SOURCE, "actor": row.opened_by,
            "fields": _fields(row.snapshot, keep_missing=False),
        }))
        at = self._instant(row, row.updated_at, "sys_updated_at")
        self._lifecycle(None, row, at)

    def _update(self, previous: _Row, row: _Row) -> None:
        at = self._instant(row, row.updated_at, "sys_updated_at")
        changes = {
            key: value for key, value in row.snapshot.items()
            if previous.snapshot.get(key) != value
        }
        if changes:
            self.events.append(TicketUpdated.model_validate({
                "event_id": self._id(row, "updated"), "ticket_id": self.number, "at": at,
                "seq": row.mod, "source": SOURCE, "actor": row.updated_by,
                "changes": _fields(changes, keep_missing=True),
            }))
        else:
            self.unchanged += 1
        self._lifecycle(previous, row, at)
        if (
            previous.reopen_count is not None and row.reopen_count is not None
            and row.reopen_count > previous.reopen_count
            and not (previous.status in _DONE and row.status not in _DONE)
        ):
            self.note(row.row, (
                f"reopen_count rose from {previous.reopen_count} to {row.reopen_count} but "
                f"the state went from {previous.status} to {row.status}: the export does "
                "not show the reopen, no event was inferred"
            ))

    def _lifecycle(self, previous: _Row | None, row: _Row, at: datetime) -> None:
        """``resolved`` / ``closed`` / ``cancelled`` when the state enters one of them from
        an open state (or from resolved to closed), ``reopened`` when it leaves them."""
        before = previous.status if previous is not None else None
        after = row.status
        if before == after:
            return
        cls: type[TicketEvent] | None = None
        if after not in _DONE:
            cls = TicketReopened if before in _DONE else None
        elif before not in _DONE or (before, after) == ("resolved", "closed"):
            cls = _END_EVENTS[after]
        else:
            self.note(row.row, f"the state went from {before} to {after}: no event")
        if cls is None:
            return
        kind = cls.model_fields["type"].default
        self.events.append(cls.model_validate({
            "event_id": self._id(row, kind), "ticket_id": self.number, "at": at,
            "seq": row.mod, "source": SOURCE, "actor": row.updated_by,
        }))


# --------------------------------------------------------------------------- entry point


def read_incident_audit(source: Source, *, timezone: str) -> ServiceNowImport:
    """Read a ServiceNow incident audit export (CSV) and map it onto slacore events.

    ``source`` is a path, an open file (text or binary; UTF-8, with or without a BOM) or an
    iterable of lines.  ``timezone`` is the IANA zone the export's wall times are in
    (``Europe/Berlin``).  Raises ``InvalidExport`` when the file cannot be read as an
    export at all; rows that cannot be mapped are returned in ``rejected`` with the reason.
    The result depends only on the set of rows, not on their order in the file.
    """
    tz = zone(timezone)
    lines, done = _open_text(source)
    try:
        records = _records(lines)
        first = next(records, None)
        if first is None:
            raise InvalidExport([Problem("header", ..., "the file is empty")])
        columns, ignored = _header(first[1])
        width = len(first[1])
        raws = [
            _Raw(index, line, tuple(record))
            for index, (line, record) in enumerate(
                ((line, record) for line, record in records if record), start=1
            )
        ]  # a blank line is not a row
    finally:
        done()
    return _map(raws, columns, width, ignored, tz, timezone)


def _map(
    raws: list[_Raw],
    columns: Mapping[str, int],
    width: int,
    ignored: tuple[str, ...],
    tz: ZoneInfo,
    tz_name: str,
) -> ServiceNowImport:
    rejected: list[RejectedRow] = []
    rows = len(raws)

    # 1. structure: the cell count, the incident number and sys_mod_count
    groups: dict[tuple[str, int], list[_Raw]] = {}
    for raw in raws:
        if len(raw.cells) != width:
            at = columns["number"]
            guess = raw.cells[at].strip() if at < len(raw.cells) else ""
            rejected.append(RejectedRow(raw.row, raw.line, guess or None, (
                f"the row has {len(raw.cells)} cells but the header has {width} columns "
                "(an unquoted comma, a missing quote, or a cut line?)"
            )))
            continue
        number = _value(raw.cells, columns, "number")
        mod_text = raw.cells[columns["sys_mod_count"]].strip()
        problems = []
        if number is None:
            problems.append(Problem("number", raw.cells[columns["number"]],
                                    "missing: every row needs the incident number"))
        if not _is_count(mod_text):
            problems.append(Problem("sys_mod_count", mod_text,
                                    "expected a whole number >= 0 (the update's number)"))
        if problems:
            rejected.append(RejectedRow(raw.row, raw.line, number, _reason(problems)))
            continue
        assert number is not None
        groups.setdefault((number, int(mod_text)), []).append(raw)

    # 2. copies of one update: identical ones are dropped, differing ones all rejected
    duplicates = 0
    chosen: list[_Raw] = []
    for (number, mod), versions in groups.items():
        distinct = {tuple(c.strip() for c in v.cells) for v in versions}
        if len(distinct) == 1:
            duplicates += len(versions) - 1
            chosen.append(versions[0])
            continue
        where = ", ".join(str(v.row) for v in versions)
        for v in versions:
            rejected.append(RejectedRow(v.row, v.line, number, (
                f"rows {where} are all sys_mod_count {mod} of {number} but differ; "
                "none of them is used"
            )))

    # 3. the values of each row
    parsed: dict[str, list[_Row]] = {}
    for raw in chosen:
        result = _parse_row(raw, columns)
        if isinstance(result, list):
            number = _value(raw.cells, columns, "number")
            rejected.append(RejectedRow(raw.row, raw.line, number, _reason(result)))
            continue
        parsed.setdefault(result.number, []).append(result)

    # 4. per incident, in sys_mod_count order: events
    events: list[TicketEvent] = []
    notes: list[ImportNote] = []
    made_sla: dict[str, bool | None] = {}
    unchanged = 0
    for number in sorted(parsed):
        incident = _Incident(number, tz)
        ordered = sorted(parsed[number], key=lambda r: r.mod)
        for row in ordered:
            incident.add(row)
        last = ordered[-1]
        made_sla[number] = last.made_sla
        if last.made_sla is None and last.made_sla_text is not None:
            incident.note(last.row, f"made_sla {last.made_sla_text!r} is not true or false: "
                                    "the export's flag is unknown")
        events += sorted(incident.events, key=sort_key)
        notes += incident.notes
        unchanged += incident.unchanged

    return ServiceNowImport(
        timezone=tz_name,
        events=tuple(events),
        rejected=tuple(sorted(rejected, key=lambda r: (r.row, r.reason))),
        notes=tuple(notes),
        made_sla=made_sla,
        rows=rows,
        duplicates=duplicates,
        unchanged=unchanged,
        ignored_columns=ignored,
    )
