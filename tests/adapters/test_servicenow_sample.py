"""The sample export (examples/servicenow/incidents.csv) mapped and evaluated.

Every expected event, rejection and figure below was worked out by hand from the sample
file, docs/servicenow.md and docs/evaluation.md, never by running the adapter first.

The sample's wall times are Europe/Berlin, CET (+01:00) all through (29 Feb – 10 Mar
2016).  Days: Mon 29 Feb, Tue 1, Wed 2, Thu 3, Fri 4, Sat 5, Sun 6, Mon 7, Tue 8, Wed 9,
Thu 10 March.  The example policy's ``business`` calendar is Mon–Fri 08:00–18:00 Berlin.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from slacore import load_policy
from slacore.adapters import (
    ServiceNowImport,
    evaluate_import,
    made_sla_agreement,
    read_incident_audit,
)
from slacore.events import TicketOpened, TicketUpdated, canonical_history
from slacore.log import open_log
from slacore.policies import Cycle, Policy, TicketSla

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "servicenow" / "incidents.csv"
POLICY = ROOT / "examples" / "servicenow" / "policy.yaml"
CET = timezone(timedelta(hours=1))
H = timedelta(hours=1)
M = timedelta(minutes=1)
ZERO = timedelta(0)


def cet(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2016, month, day, hour, minute, tzinfo=CET)


@pytest.fixture(scope="module")
def imported() -> ServiceNowImport:
    return read_incident_audit(SAMPLE, timezone="Europe/Berlin")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY)


@pytest.fixture(scope="module")
def results(imported: ServiceNowImport, policy: Policy) -> dict[str, TicketSla]:
    return evaluate_import(imported, policy)


# ------------------------------------------------------------------ the events, by hand

R = "resolved"
# (event id, at, changes of an ``updated`` event / None for the other types)
EXPECTED: list[tuple[str, datetime, dict[str, Any] | None]] = [
    # INC0010001: New -> Active -> Resolved -> Closed; row 3 repeats row 2 exactly.
    ("INC0010001:opened", cet(29, 9, month=2), None),
    ("INC0010001:1:updated", cet(29, 9, 20, month=2),
     {"status": "active", "assignee": "Resolver 11"}),
    ("INC0010001:2:updated", cet(29, 15, month=2),
     {"status": R, "attributes": {"closed_code": "code 1", "resolved_by": "Resolver 11"}}),
    ("INC0010001:2:resolved", cet(29, 15, month=2), None),
    ("INC0010001:3:updated", cet(5, 15), {"status": "closed"}),
    ("INC0010001:3:closed", cet(5, 15), None),
    # INC0010002: awaiting user info overnight; mods 3 and 4 in the same minute.
    ("INC0010002:opened", cet(1, 10), None),
    ("INC0010002:1:updated", cet(1, 10, 5), {"status": "active", "assignee": "Resolver 21"}),
    ("INC0010002:2:updated", cet(1, 11), {"status": "awaiting_user_info"}),
    ("INC0010002:3:updated", cet(2, 9), {"status": "active"}),
    ("INC0010002:4:updated", cet(2, 9), {"assignee": "Resolver 22"}),
    ("INC0010002:5:updated", cet(2, 14, 30),
     {"status": R, "attributes": {"knowledge": True, "closed_code": "code 2",
                                  "resolved_by": "Resolver 22"}}),
    ("INC0010002:5:resolved", cet(2, 14, 30), None),
    # INC0010003: P1, opened_at 21:55 (before the first row, 22:00), awaiting the vendor.
    ("INC0010003:opened", cet(1, 21, 55), None),
    ("INC0010003:1:updated", cet(1, 22, 10), {"status": "active", "assignee": "Resolver 31"}),
    ("INC0010003:2:updated", cet(1, 23), {"status": "awaiting_vendor", "vendor": "Vendor 3"}),
    ("INC0010003:3:updated", cet(2, 3), {"status": "active"}),
    ("INC0010003:4:updated", cet(2, 6, 30),
     {"status": R, "attributes": {"closed_code": "code 3", "resolved_by": "Resolver 31"}}),
    ("INC0010003:4:resolved", cet(2, 6, 30), None),
    # INC0010004: resolved, reopened next day (closed_code / resolved_by cleared), resolved.
    ("INC0010004:opened", cet(2, 8, 30), None),
    ("INC0010004:1:updated", cet(2, 8, 45), {"status": "active", "assignee": "Resolver 41"}),
    ("INC0010004:2:updated", cet(2, 12),
     {"status": R, "attributes": {"closed_code": "code 4", "resolved_by": "Resolver 41"}}),
    ("INC0010004:2:resolved", cet(2, 12), None),
    ("INC0010004:3:updated", cet(3, 10),
     {"status": "active", "attributes": {"closed_code": None, "resolved_by": None}}),
    ("INC0010004:3:reopened", cet(3, 10), None),
    ("INC0010004:4:updated", cet(3, 16),
     {"status": R, "attributes": {"closed_code": "code 4", "resolved_by": "Resolver 41"}}),
    ("INC0010004:4:resolved", cet(3, 16), None),
    # INC0010005: reassigned (assignee cleared), then priority 3 -> 2 (impact 2 -> 1).
    ("INC0010005:opened", cet(3, 9), None),
    ("INC0010005:1:updated", cet(3, 9, 30), {"status": "active", "assignee": "Resolver 51"}),
    ("INC0010005:2:updated", cet(3, 13), {"assignment_group": "Group 51", "assignee": None}),
    ("INC0010005:3:updated", cet(3, 14),
     {"priority": "P2", "impact": 1, "attributes": {"u_priority_confirmation": True}}),
    ("INC0010005:4:updated", cet(4, 14),
     {"status": R, "assignee": "Resolver 52",
      "attributes": {"closed_code": "code 5", "resolved_by": "Resolver 52"}}),
    ("INC0010005:4:resolved", cet(4, 14), None),
    # INC0010006: awaiting evidence over the weekend, then awaiting a problem; still open.
    ("INC0010006:opened", cet(4, 10), None),
    ("INC0010006:1:updated", cet(4, 10, 30), {"status": "active", "assignee": "Resolver 61"}),
    ("INC0010006:2:updated", cet(4, 11), {"status": "awaiting_evidence"}),
    ("INC0010006:3:updated", cet(7, 9), {"status": "active"}),
    ("INC0010006:4:updated", cet(7, 10),
     {"status": "awaiting_problem", "attributes": {"problem_id": "Problem ID 6"}}),
    # INC0010007: mod 1 has a bad time (rejected): its change arrives with mod 2; mod 3
    # changes only sys_updated_by (no event).
    ("INC0010007:opened", cet(7, 9), None),
    ("INC0010007:2:updated", cet(7, 9, 40), {"status": "active", "assignee": "Resolver 71"}),
    ("INC0010007:4:updated", cet(7, 12),
     {"status": R, "attributes": {"closed_code": "code 7", "resolved_by": "Resolver 71"}}),
    ("INC0010007:4:resolved", cet(7, 12), None),
    # INC0010008: mod 2 has the unknown state -100 (rejected); closed straight from Active.
    ("INC0010008:opened", cet(8, 11), None),
    ("INC0010008:1:updated", cet(8, 11, 10), {"status": "active", "assignee": "Resolver 81"}),
    ("INC0010008:3:updated", cet(8, 12), {"status": "closed",
                                          "attributes": {"closed_code": "code 8"}}),
    ("INC0010008:3:closed", cet(8, 12), None),
    # INC0010009: the export starts at mod 2; both versions of mod 3 and the 37-cell mod 4
    # are rejected.
    ("INC0010009:opened", cet(8, 13), None),
    ("INC0010009:5:updated", cet(9, 10),
     {"status": R, "attributes": {"closed_code": "code 9", "resolved_by": "Resolver 91"}}),
    ("INC0010009:5:resolved", cet(9, 10), None),
    # INC0010010: priority '?' at first; awaiting two vendors in turn.
    ("INC0010010:opened", cet(9, 8), None),
    ("INC0010010:1:updated", cet(9, 8, 15),
     {"status": "active", "priority": "P4", "impact": 3, "urgency": 3,
      "assignee": "Resolver 101"}),
    ("INC0010010:2:updated", cet(9, 9), {"status": "awaiting_vendor", "vendor": "Vendor 10"}),
    ("INC0010010:3:updated", cet(9, 12), {"vendor": "Vendor 11"}),
    ("INC0010010:4:updated", cet(10, 8), {"status": "active"}),
    ("INC0010010:5:updated", cet(10, 9),
     {"status": R, "attributes": {"closed_code": "code 10", "resolved_by": "Resolver 101"}}),
    ("INC0010010:5:resolved", cet(10, 9), None),
]


def test_the_sample_maps_to_the_hand_computed_events(imported: ServiceNowImport) -> None:
    got = [(e.event_id, e.at, e.changes if isinstance(e, TicketUpdated) else None)
           for e in imported.events]
    assert got == EXPECTED
    for event in imported.events:
        number, _, rest = event.event_id.partition(":")
        assert event.ticket_id == number and event.source == "servicenow"
        assert event.type == rest.rpartition(":")[2]
        assert event.at.utcoffset() == timedelta(hours=1)  # Berlin, CET
        if not isinstance(event, TicketOpened):
            assert event.seq == int(rest.partition(":")[0])  # seq is sys_mod_count


def test_opened_carries_the_first_rows_fields(imported: ServiceNowImport) -> None:
    opened = {e.ticket_id: e for e in imported.events if isinstance(e, TicketOpened)}
    assert opened["INC0010001"].fields == {
        "status": "new", "priority": "P3", "impact": 2, "urgency": 2,
        "assignment_group": "Group 10", "service": "CI 1", "category": "Category 1",
        "attributes": {
            "caller_id": "Caller 101", "opened_by": "Opened by 1", "contact_type": "Phone",
            "location": "Location 1", "subcategory": "Subcategory 1", "u_symptom": "Symptom 1",
            "knowledge": False, "u_priority_confirmation": False, "notify": "Do Not Notify",
        },
    }
    assert (opened["INC0010001"].seq, opened["INC0010001"].actor) == (0, "Opened by 1")
    # '?' fields are left out: no category / subcategory for 6, no priority for 10
    assert "category" not in opened["INC0010006"].fields
    assert "subcategory" not in opened["INC0010006"].fields["attributes"]
    assert not {"priority", "impact", "urgency"} & set(opened["INC0010010"].fields)
    # the history of 9 starts at mod 2 (Active, assigned, the quoted location with a comma)
    nine = opened["INC0010009"]
    assert (nine.seq, nine.fields["status"], nine.fields["assignee"]) == (2, "active",
                                                                          "Resolver 91")
    assert nine.fields["attributes"]["location"] == "Location 9, Building B"


def test_rejected_rows_duplicates_unchanged_and_notes(imported: ServiceNowImport) -> None:
    rejected = [(r.row, r.line, r.number) for r in imported.rejected]
    assert rejected == [
        (33, 34, "INC0010007"),  # 07-03-2016 25:10
        (39, 40, "INC0010008"),  # state -100
        (42, 43, "INC0010009"),  # mod 3, first version
        (43, 44, "INC0010009"),  # mod 3, second version (another assignee)
        (44, 45, "INC0010009"),  # 37 cells: "Location 9, Building B" unquoted
    ]
    reasons = [r.reason for r in imported.rejected]
    assert reasons[0].startswith("sys_updated_at: not a valid date-time")
    assert "'07-03-2016 25:10'" in reasons[0]
    assert reasons[1].startswith("incident_state: unknown state") and "'-100'" in reasons[1]
    assert "rows 42, 43" in reasons[2] and "sys_mod_count 3" in reasons[2]
    assert reasons[3] == reasons[2]
    assert "37 cells" in reasons[4] and "36 columns" in reasons[4]
    assert (imported.rows, imported.duplicates, imported.unchanged) == (51, 1, 1)
    assert [(n.number, n.row) for n in imported.notes] == [("INC0010009", 41)]
    assert "sys_mod_count 2" in imported.notes[0].message
    assert imported.ignored_columns == ()
    # every row is accounted for: 10 openings + 45 updated rows... precisely:
    updated = sum(1 for e in imported.events if e.type == "updated")
    assert imported.rows == (imported.duplicates + len(imported.rejected) + 10 + updated
                             + imported.unchanged)


def test_made_sla_is_the_last_rows_flag(imported: ServiceNowImport) -> None:
    assert imported.made_sla == {
        "INC0010001": True, "INC0010002": True, "INC0010003": False, "INC0010004": False,
        "INC0010005": False, "INC0010006": True, "INC0010007": True, "INC0010008": True,
        "INC0010009": True, "INC0010010": True,
    }


def test_histories_are_clean(imported: ServiceNowImport) -> None:
    for number, events in imported.tickets().items():
        history = canonical_history(events)
        assert history.anomalies == () and history.conflicts == (), number
        assert list(history.events) == events  # already in canonical order


# ------------------------------------------------------------------ evaluation, by hand


def only(result: TicketSla, metric: str) -> Cycle:
    (cycle,) = result.metrics[metric]
    return cycle


def test_p1_resolution_breaches_and_the_response_is_met_exactly(
    results: dict[str, TicketSla],
) -> None:
    r = results["INC0010003"]
    # response (P1, 15m, always): opened 21:55, Active at 22:10 -> 15m == target: met
    response = only(r, "response")
    assert (response.elapsed, response.target, response.met) == (15 * M, 15 * M, True)
    # resolution (P1, 4h, always): counted 21:55-23:00 (65m), paused awaiting the vendor
    # 23:00-03:00 (4h), counted 03:00-06:30 (210m): 275m = 4h35m > 4h.  The target is
    # reached 175m after 03:00, at 05:55 CET.
    res = only(r, "resolution")
    assert (res.state, res.elapsed, res.paused) == ("stopped", 4 * H + 35 * M, 4 * H)
    assert (res.breached, res.met, res.breached_at) == (True, False, cet(2, 5, 55))
    assert [(s.start, s.end, s.kind) for s in res.segments] == [
        (cet(1, 21, 55), cet(1, 23), "counted"),
        (cet(1, 23), cet(2, 3), "paused"),
        (cet(2, 3), cet(2, 6, 30), "counted"),
    ]
    # vendor UC (8h, always): runs only while awaiting the vendor: 23:00-03:00 = 4h
    uc = only(r, "vendor-uc")
    assert (uc.elapsed, uc.met) == (4 * H, True)


def test_pause_overnight_is_not_counted(results: dict[str, TicketSla]) -> None:
    r = results["INC0010002"]
    res = only(r, "resolution")
    # P2, 8h business: Tue 10:00-11:00 (1h) counted; awaiting user info Tue 11:00 -> Wed
    # 09:00 (business 11-18 + 08-09 = 8h paused); Wed 09:00-14:30 (5h30) counted.
    assert (res.elapsed, res.paused, res.target, res.met) == (6 * H + 30 * M, 8 * H, 8 * H,
                                                              True)
    assert only(r, "response").elapsed == 5 * M


def test_reopen_resumes_and_the_export_disagrees(results: dict[str, TicketSla]) -> None:
    res = only(results["INC0010004"], "resolution")
    # Wed 08:30-12:00 (3h30) + (stopped Wed 12:00 -> Thu 10:00) + Thu 10:00-16:00 (6h)
    assert (res.elapsed, res.target, res.met) == (9 * H + 30 * M, 24 * H, True)
    assert res.paused == 8 * H  # Wed 12:00-18:00 and Thu 08:00-10:00


def test_priority_raised_mid_way_breaches_at_the_new_target(
    results: dict[str, TicketSla],
) -> None:
    res = only(results["INC0010005"], "resolution")
    # P3 (24h) until Thu 14:00, then P2 (8h, recalculated): elapsed at 14:00 is 5h, the
    # 8h are reached Thu 17:00; resolved Fri 14:00 after Thu 09-18 (9h) + Fri 08-14 (6h)
    assert (res.elapsed, res.target, res.breached, res.breached_at) == (15 * H, 8 * H, True,
                                                                        cet(3, 17))


def test_open_incident_ends_paused(results: dict[str, TicketSla]) -> None:
    res = only(results["INC0010006"], "resolution")
    # P4 (default tier, 40h): Fri 10:00-11:00 counted, awaiting evidence until Mon 09:00,
    # Mon 09:00-10:00 counted, awaiting a problem from Mon 10:00 (the last event)
    assert (res.state, res.elapsed, res.target, res.breached) == ("paused", 2 * H, 40 * H,
                                                                  False)


def test_vendor_uc_breaches_across_two_vendors(results: dict[str, TicketSla]) -> None:
    uc = only(results["INC0010010"], "vendor-uc")
    # awaiting vendors Wed 09:00 -> Thu 08:00 (23h, always); 8h reached Wed 17:00
    assert (uc.elapsed, uc.breached_at) == (23 * H, cet(9, 17))
    res = only(results["INC0010010"], "resolution")
    assert (res.elapsed, res.met) == (2 * H, True)  # 08:00-09:00 on Wed and on Thu


def test_other_incidents(results: dict[str, TicketSla]) -> None:
    figures = {
        n: (only(results[n], "resolution").elapsed, only(results[n], "resolution").met)
        for n in ("INC0010001", "INC0010007", "INC0010008", "INC0010009")
    }
    assert figures == {
        "INC0010001": (6 * H, True),  # Mon 09:00-15:00
        "INC0010007": (3 * H, True),  # Mon 09:00-12:00
        "INC0010008": (1 * H, True),  # Tue 11:00-12:00, stopped by closed
        "INC0010009": (7 * H, True),  # Tue 13:00-18:00 + Wed 08:00-10:00
    }
    # opened as Active (history starts at mod 2): no response clock
    assert results["INC0010009"].metrics["response"] == ()
    assert only(results["INC0010007"], "response").elapsed == 40 * M


def test_made_sla_agreement_report(imported: ServiceNowImport,
                                   results: dict[str, TicketSla]) -> None:
    agreement = made_sla_agreement(imported, results)
    # slacore breaches 3 and 5 (export false too); 4 is met by slacore, the export says
    # false; the other seven agree on made.
    assert (agreement.both_made, agreement.both_missed, agreement.only_export_made,
            agreement.only_slacore_made) == (7, 2, 0, 1)
    assert agreement.rate == Fraction(9, 10)
    assert [(d.number, d.export, d.slacore) for d in agreement.disagreements] == [
        ("INC0010004", False, True)]
    assert "9 of 10 incidents (90.00%)" in agreement.summary()
    # as an iterable of results, and on another metric (9 has no response cycle)
    again = made_sla_agreement(imported, list(results.values()), metric="response")
    assert again.not_compared == (("INC0010009", "metric 'response' never started"),)
    assert again.compared == 9


def test_reimporting_the_sample_is_idempotent_in_the_log(imported: ServiceNowImport) -> None:
    log = open_log("memory://")
    first = log.ingest(imported.events)
    second = log.ingest(read_incident_audit(SAMPLE, timezone="Europe/Berlin").events)
    assert (first.stored, first.ok) == (len(EXPECTED), True)
    assert (second.stored, second.duplicates, second.ok) == (0, len(EXPECTED), True)
    assert log.ticket_events("INC0010004") == list(imported.tickets()["INC0010004"])
