"""The ServiceNow adapter row by row: reading (BOM, quoting, columns), values, states and
lifecycle events, time zones (DST gaps and overlaps), ordering, and what gets reported."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from snow_rows import DEFAULTS, export, row

from slacore.adapters import InvalidExport, ServiceNowImport, read_incident_audit
from slacore.adapters.servicenow import COLUMNS
from slacore.errors import InvalidInput
from slacore.events import TicketOpened, TicketUpdated

UTC = timezone.utc


def read(text: str, tz: str = "Europe/Berlin") -> ServiceNowImport:
    return read_incident_audit(io.StringIO(text), timezone=tz)


def kinds(imported: ServiceNowImport) -> list[str]:
    return [e.event_id for e in imported.events]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ------------------------------------------------------------------ reading the file


def test_bom_in_text_binary_and_file(tmp_path: Path) -> None:
    text = export([row()])
    plain = read(text)
    assert kinds(plain) == ["INC1:opened"]
    assert kinds(read("\ufeff" + text)) == kinds(plain)
    data = ("\ufeff" + text).encode("utf-8")
    binary = io.BytesIO(data)
    assert read_incident_audit(binary, timezone="Europe/Berlin").events == plain.events
    assert not binary.closed  # the caller's file stays open
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert read_incident_audit(path, timezone="Europe/Berlin").events == plain.events
    assert read_incident_audit(str(path), timezone="Europe/Berlin").events == plain.events
    assert read_incident_audit(text.splitlines(keepends=True),
                               timezone="Europe/Berlin").events == plain.events


def test_quoted_fields_with_commas_quotes_and_newlines() -> None:
    text = export([row(location='Hall "B", floor 2\nnear the lift', subcategory="a,b")])
    (opened,) = read(text).events
    assert isinstance(opened, TicketOpened)
    assert opened.fields["attributes"]["location"] == 'Hall "B", floor 2\nnear the lift'
    assert opened.fields["attributes"]["subcategory"] == "a,b"


def test_line_numbers_follow_multi_line_records() -> None:
    text = export([row(location="one\ntwo\nthree"), row(sys_mod_count="x")])
    (bad,) = read(text).rejected
    assert (bad.row, bad.line, bad.number) == (2, 5, "INC1")
    assert bad.reason == ("sys_mod_count: expected a whole number >= 0 (the update's number) "
                          "(got 'x')")


def test_missing_required_columns_is_one_clear_error() -> None:
    columns = [c for c in COLUMNS if c not in ("sys_mod_count", "opened_at")]
    with pytest.raises(InvalidExport) as info:
        read(export([row()], columns))
    message = str(info.value)
    assert message.startswith("invalid ServiceNow export: header: missing required "
                              "column(s) sys_mod_count, opened_at")


def test_semicolon_separated_file_gets_a_hint() -> None:
    with pytest.raises(InvalidExport, match="does not look comma-separated"):
        read(";".join(COLUMNS) + "\n" + ";".join(DEFAULTS.values()) + "\n")


def test_duplicate_header_column() -> None:
    with pytest.raises(InvalidExport, match="column 37: the header names this column twice "
                                            r"\(also column 14\)"):
        read(export([row()], [*COLUMNS, "sys_updated_at"]))


def test_extra_columns_are_ignored_and_listed_optional_ones_may_be_absent() -> None:
    columns = [c for c in COLUMNS if c not in ("vendor", "made_sla")] + ["u_colour"]
    imported = read(export([row()], columns))
    assert imported.ignored_columns == ("u_colour",)
    assert kinds(imported) == ["INC1:opened"]
    assert imported.made_sla == {"INC1": None}


def test_empty_file_unreadable_file_and_bad_bytes(tmp_path: Path) -> None:
    with pytest.raises(InvalidExport, match="the file is empty"):
        read("")
    with pytest.raises(InvalidExport, match=r"path: No such file or directory"):
        read_incident_audit(tmp_path / "nope.csv", timezone="UTC")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(export([row(caller_id="Müller")]).encode("latin-1"))
    with pytest.raises(InvalidExport, match="not UTF-8 text"):
        read_incident_audit(bad, timezone="UTC")


def test_unknown_time_zone() -> None:
    with pytest.raises(InvalidInput, match="timezone: unknown IANA time zone"):
        read(export([row()]), tz="Europe/Atlantis")


def test_wrong_cell_count_and_blank_lines() -> None:
    text = export([row()]) + "\r\n" + "INC1,Active,true\r\n"
    imported = read(text)
    assert imported.rows == 2  # the blank line is not a row
    (bad,) = imported.rejected
    assert (bad.row, bad.line, bad.number) == (2, 4, "INC1")
    assert bad.reason.startswith("the row has 3 cells but the header has 36 columns")


# ------------------------------------------------------------------ values


def test_row_problems_are_all_named() -> None:
    bad = row(sys_mod_count=1, incident_state="Pending", priority="High",
              sys_updated_at="2016-03-01 10:00", knowledge="yes")
    imported = read(export([row(), bad]))
    (rejected,) = imported.rejected
    assert rejected.reason == (
        "incident_state: unknown state; known states: Active, Awaiting Evidence, Awaiting "
        "Problem, Awaiting User Info, Awaiting Vendor, Canceled, Cancelled, Closed, In "
        "Progress, New, On Hold, Resolved (got 'Pending'); "
        "sys_updated_at: not a day-first date-time DD-MM-YYYY HH:MM; expected DD-MM-YYYY "
        "HH:MM (got '2016-03-01 10:00'); "
        "priority: expected a level such as '2 - High' (got 'High'); "
        "knowledge: expected true or false (got 'yes')"
    )
    assert str(rejected).startswith("row 2 (line 3, INC1): incident_state")


def test_missing_number_state_or_update_time() -> None:
    imported = read(export([row(number="?"), row(incident_state="?"),
                            row(sys_mod_count=1, sys_updated_at="")]))
    assert [(r.row, r.reason) for r in imported.rejected] == [
        (1, "number: missing: every row needs the incident number (got '?')"),
        (2, "incident_state: missing: every row needs the incident's state (got '?')"),
        (3, "sys_updated_at: missing: every row needs the time of its update (got '')"),
    ]


def test_values_are_normalised() -> None:
    imported = read(export([row(priority="1 - Critical", impact="1", urgency=" 3 - Low ",
                                incident_state="  awaiting   USER info ",
                                u_priority_confirmation="TRUE", cmdb_ci="SAP",
                                assigned_to="")]))
    (opened,) = imported.events
    assert isinstance(opened, TicketOpened)
    fields = opened.fields
    assert (fields["priority"], fields["impact"], fields["urgency"]) == ("P1", 1, 3)
    assert fields["status"] == "awaiting_user_info"
    assert fields["service"] == "SAP"
    assert "assignee" not in fields  # empty cells are missing, like '?'
    assert fields["attributes"]["u_priority_confirmation"] is True


def test_timestamp_formats() -> None:
    imported = read(export([row(opened_at="1/3/2016 9:05", sys_updated_at="01.03.2016 09:05:30")]))
    (opened,) = imported.events
    assert opened.at == utc(2016, 3, 1, 8, 5)
    bad = read(export([row(sys_updated_at="31-02-2016 10:00")]))
    assert bad.rejected[0].reason == (
        "sys_updated_at: not a valid date-time (day is out of range for month); "
        "expected DD-MM-YYYY HH:MM (got '31-02-2016 10:00')")


def test_made_sla_that_is_not_a_boolean_is_a_note() -> None:
    imported = read(export([row(made_sla="maybe")]))
    assert imported.made_sla == {"INC1": None}
    assert [str(n) for n in imported.notes] == [
        "row 1, INC1: made_sla 'maybe' is not true or false: the export's flag is unknown"]


# ------------------------------------------------------------------ lifecycle


def life(*states: str) -> ServiceNowImport:
    return read(export([
        row(sys_mod_count=i, incident_state=s, sys_updated_at=f"01-03-2016 1{i}:00")
        for i, s in enumerate(states)
    ]))


def test_lifecycle_events_from_state_changes() -> None:
    assert kinds(life("New", "Resolved", "Active", "Closed")) == [
        "INC1:opened", "INC1:1:updated", "INC1:1:resolved", "INC1:2:updated",
        "INC1:2:reopened", "INC1:3:updated", "INC1:3:closed"]
    assert kinds(life("New", "Canceled")) == ["INC1:opened", "INC1:1:updated",
                                              "INC1:1:cancelled"]
    assert kinds(life("Closed", "Active")) == ["INC1:opened", "INC1:0:closed",
                                               "INC1:1:updated", "INC1:1:reopened"]


def test_first_row_already_resolved() -> None:
    imported = life("Resolved")
    opened, resolved = imported.events
    assert resolved.event_id == "INC1:0:resolved"
    assert opened.at == utc(2016, 3, 1, 8)  # opened_at 09:00 CET
    assert resolved.at == utc(2016, 3, 1, 9)  # sys_updated_at 10:00 CET


def test_odd_transitions_are_noted_not_guessed() -> None:
    imported = life("New", "Closed", "Resolved")
    assert kinds(imported) == ["INC1:opened", "INC1:1:updated", "INC1:1:closed",
                               "INC1:2:updated"]
    assert [n.message for n in imported.notes] == [
        "the state went from closed to resolved: no event"]


def test_reopen_count_without_a_resolved_row_is_noted() -> None:
    imported = read(export([row(incident_state="Active"),
                            row(incident_state="Active", sys_mod_count=1, reopen_count=1,
                                sys_updated_at="01-03-2016 10:00")]))
    assert kinds(imported) == ["INC1:opened"]
    assert imported.unchanged == 1
    assert "reopen_count rose from 0 to 1" in imported.notes[0].message


def test_rows_that_change_only_metadata_make_no_event() -> None:
    imported = read(export([
        row(),
        row(sys_mod_count=1, sys_updated_at="02-03-2016 09:00", made_sla="false",
            sys_updated_by="sla job", active="false", reassignment_count=3,
            resolved_at="02-03-2016 09:00"),
    ]))
    assert (kinds(imported), imported.unchanged) == (["INC1:opened"], 1)
    assert imported.made_sla == {"INC1": False}


def test_missing_opened_at_falls_back_to_the_update_time() -> None:
    imported = read(export([row(opened_at="?", sys_updated_at="01-03-2016 09:30")]))
    assert imported.events[0].at == utc(2016, 3, 1, 8, 30)
    assert "opened_at is missing" in imported.notes[0].message


def test_conflicting_copies_are_all_rejected_identical_ones_counted() -> None:
    a = row(sys_mod_count=1, incident_state="Active", sys_updated_at="01-03-2016 10:00")
    b = dict(a, assigned_to="Resolver 2")
    imported = read(export([row(), a, b, a]))
    assert [r.row for r in imported.rejected] == [2, 3, 4]
    assert "rows 2, 3, 4 are all sys_mod_count 1 of INC1 but differ" in \
        imported.rejected[0].reason
    assert kinds(imported) == ["INC1:opened"]
    same = read(export([row(), a, a, a]))
    assert (same.duplicates, kinds(same)) == (2, ["INC1:opened", "INC1:1:updated"])


# ------------------------------------------------------------------ ordering and time


def test_same_minute_updates_keep_their_order_by_seq() -> None:
    imported = read(export([
        row(),
        row(sys_mod_count=1, incident_state="Awaiting User Info"),
        row(sys_mod_count=2, incident_state="Active"),
    ]))
    events = imported.events
    assert [e.event_id for e in events] == ["INC1:opened", "INC1:1:updated", "INC1:2:updated"]
    assert len({e.at for e in events}) == 1
    assert [e.seq for e in events] == [0, 1, 2]


def test_an_update_dated_before_the_previous_one_is_moved_and_noted() -> None:
    imported = read(export([
        row(),
        row(sys_mod_count=1, incident_state="Active", sys_updated_at="01-03-2016 10:00"),
        row(sys_mod_count=2, incident_state="Resolved", sys_updated_at="01-03-2016 09:50"),
    ]))
    resolved = imported.events[-1]
    assert resolved.event_id == "INC1:2:resolved" and resolved.at == utc(2016, 3, 1, 9)
    (note,) = imported.notes
    assert note.row == 3 and "moved to that instant" in note.message


def test_backdated_opening_is_kept() -> None:
    imported = read(export([row(opened_at="01-03-2016 08:00")]))
    assert imported.events[0].at == utc(2016, 3, 1, 7) and imported.notes == ()


def test_opened_after_the_first_update_moves_the_updates() -> None:
    imported = read(export([
        row(opened_at="01-03-2016 10:00", sys_updated_at="01-03-2016 09:00"),
        row(sys_mod_count=1, incident_state="Active", sys_updated_at="01-03-2016 11:00"),
    ]))
    assert [e.at for e in imported.events] == [utc(2016, 3, 1, 9), utc(2016, 3, 1, 10)]
    assert "moved to that instant" in imported.notes[0].message


def test_time_zone_is_a_parameter() -> None:
    text = export([row(sys_updated_at="01-03-2016 09:00")])
    assert read(text, "UTC").events[0].at == utc(2016, 3, 1, 9)
    assert read(text, "America/New_York").events[0].at == utc(2016, 3, 1, 14)
    assert read(text, "Asia/Kolkata").events[0].at == utc(2016, 3, 1, 3, 30)


def test_nonexistent_local_time_moves_forward_by_the_gap() -> None:
    # Berlin springs forward on 27 March 2016 at 02:00 CET -> 03:00 CEST
    imported = read(export([row(opened_at="27-03-2016 02:30", sys_updated_at="27-03-2016 02:30")]))
    assert imported.events[0].at == utc(2016, 3, 27, 1, 30)  # 03:30 CEST
    assert imported.events[0].at.utcoffset() == timedelta(hours=2)
    assert [n.message.split(";")[0] for n in imported.notes] == [
        "opened_at: 2016-03-27 02:30 does not exist in Europe/Berlin (skipped when daylight "
        "saving time starts)",
        "sys_updated_at: 2016-03-27 02:30 does not exist in Europe/Berlin (skipped when "
        "daylight saving time starts)",
    ]


def test_ambiguous_local_time_first_occurrence_unless_that_goes_backwards() -> None:
    # Berlin falls back on 30 October 2016 at 03:00 CEST -> 02:00 CET: 02:00-02:59 twice
    imported = read(export([
        row(opened_at="30-10-2016 02:10", sys_updated_at="30-10-2016 02:10"),
        row(sys_mod_count=1, incident_state="Active", sys_updated_at="30-10-2016 02:40"),
        row(sys_mod_count=2, incident_state="Awaiting Vendor",
            sys_updated_at="30-10-2016 02:20"),  # after 02:40 CEST: the second 02:20
        row(sys_mod_count=3, incident_state="Active", sys_updated_at="30-10-2016 02:30"),
    ]))
    assert [e.at for e in imported.events] == [
        utc(2016, 10, 30, 0, 10),  # 02:10 CEST
        utc(2016, 10, 30, 0, 40),  # 02:40 CEST
        utc(2016, 10, 30, 1, 20),  # 02:20 CET
        utc(2016, 10, 30, 1, 30),  # 02:30 CET: the first 02:30 would go backwards
    ]
    messages = [n.message for n in imported.notes]
    assert all("occurs twice in Europe/Berlin" in m for m in messages)
    assert [m.rsplit(" ", 2)[-2] for m in messages] == ["first", "first", "first", "second",
                                                        "second"]


def test_updated_events_carry_only_the_changes() -> None:
    imported = read(export([
        row(),
        row(sys_mod_count=1, incident_state="Active", assigned_to="R1", vendor="V",
            sys_updated_at="01-03-2016 10:00"),
        row(sys_mod_count=2, incident_state="Active", assigned_to="?", vendor="V",
            location="L", sys_updated_at="01-03-2016 11:00"),
    ]))
    changes = [e.changes for e in imported.events if isinstance(e, TicketUpdated)]
    assert changes == [
        {"status": "active", "assignee": "R1", "vendor": "V"},
        {"assignee": None, "attributes": {"location": "L"}},
    ]


def test_trailing_commas_and_odd_digits() -> None:
    lines = export([row(), row(sys_mod_count="²", sys_updated_at="01-03-2016 10:00")])
    text = "".join(line + ",\r\n" for line in lines.split("\r\n") if line)
    imported = read(text)
    assert imported.ignored_columns == ()
    assert kinds(imported) == ["INC1:opened"]
    (bad,) = imported.rejected
    assert bad.reason.startswith("sys_mod_count: expected a whole number >= 0")
