"""Properties of the ServiceNow mapping on generated exports: a pure function of the set of
rows (duplicated and shuffled rows give the same events), every row accounted for, and the
events replay to the fields of each incident's last row."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snow_rows import export, row

from slacore.adapters import ServiceNowImport, read_incident_audit
from slacore.events import TicketOpened, TicketUpdated, sort_key
from slacore.testing.profiles import examples

SETTINGS = settings(max_examples=examples(60), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TZ = "Europe/Berlin"
STATES = ["New", "Active", "Awaiting User Info", "Awaiting Vendor", "Awaiting Problem",
          "Awaiting Evidence", "Resolved", "Closed"]
# around Berlin's fall-back night (02:00-02:59 twice) and an ordinary afternoon
STARTS = [datetime(2016, 10, 30, 1, 30), datetime(2016, 3, 1, 16, 0)]


@st.composite
def incident(draw: st.DrawFn, number: str) -> list[dict[str, str]]:
    start = draw(st.sampled_from(STARTS))
    mods = sorted(draw(st.sets(st.integers(0, 12), min_size=1, max_size=7)))
    wall = start
    rows = []
    for mod in mods:
        wall += timedelta(minutes=draw(st.sampled_from([0, 0, 1, 7, 25, 70, -5])))
        stamp = wall.strftime("%d-%m-%Y %H:%M")
        if draw(st.integers(0, 15)) == 0:
            stamp = wall.strftime("%d-%m-%Y 24:%M")  # a bad time: the row is rejected
        rows.append(row(
            number=number, sys_mod_count=mod, sys_updated_at=stamp,
            opened_at=start.strftime("%d-%m-%Y %H:%M"),
            incident_state=draw(st.sampled_from(STATES)),
            priority=draw(st.sampled_from(["1 - Critical", "2 - High", "3 - Moderate", "?"])),
            assignment_group=draw(st.sampled_from(["G1", "G2"])),
            assigned_to=draw(st.sampled_from(["R1", "R2", "?"])),
            vendor=draw(st.sampled_from(["?", "V1"])),
            location=draw(st.sampled_from(["L1", "L, 2"])),
            made_sla=draw(st.sampled_from(["true", "false"])),
            sys_updated_by=draw(st.sampled_from(["a", "b"])),
        ))
    return rows


@st.composite
def exports(draw: st.DrawFn) -> list[dict[str, str]]:
    count = draw(st.integers(1, 4))
    return [r for i in range(count) for r in draw(incident(f"INC{i}"))]


def read(rows: list[dict[str, str]]) -> ServiceNowImport:
    return read_incident_audit(io.StringIO(export(rows)), timezone=TZ)


def facts(imported: ServiceNowImport) -> dict[str, Any]:
    """Everything that must not depend on the order or repetition of the rows."""
    return {
        "events": imported.events,
        "made_sla": imported.made_sla,
        "unchanged": imported.unchanged,
        "rejected": Counter((r.number, r.reason) for r in imported.rejected),
        "notes": Counter((n.number, n.message) for n in imported.notes),
    }


@SETTINGS
@given(exports(), st.randoms(use_true_random=False), st.lists(st.integers(0, 1000),
                                                              max_size=6))
def test_the_mapping_depends_only_on_the_set_of_rows(
    rows: list[dict[str, str]], rnd: random.Random, picks: list[int]
) -> None:
    base = read(rows)
    assert read(rows) == base  # deterministic
    copies = [rows[i % len(rows)] for i in picks]
    shuffled = rows + copies
    rnd.shuffle(shuffled)
    again = read(shuffled)
    assert facts(again) == facts(base)
    assert again.duplicates == base.duplicates + len(copies)


def _status(state: str) -> str:
    return state.lower().replace(" ", "_")


@SETTINGS
@given(exports())
def test_every_row_is_accounted_for_and_the_events_replay_to_the_last_row(
    rows: list[dict[str, str]],
) -> None:
    imported = read(rows)
    tickets = imported.tickets()
    updated = sum(1 for e in imported.events if e.type == "updated")
    assert imported.rows == len(rows)
    assert imported.rows == (imported.duplicates + len(imported.rejected) + len(tickets)
                             + updated + imported.unchanged)
    valid: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if " 24:" not in r["sys_updated_at"]:  # the bad times drawn above
            valid.setdefault(r["number"], []).append(r)
    assert sorted(tickets) == sorted(valid)
    for number, events in tickets.items():
        assert events == sorted(events, key=sort_key)
        # sys_mod_count order is the event order, and time never goes backwards
        assert [e.seq for e in events] == sorted(e.seq or 0 for e in events)
        assert all(a.at <= b.at for a, b in pairwise(events))
        # replaying the fields gives the last valid row's values
        fields: dict[str, Any] = {}
        for event in events:
            if isinstance(event, TicketOpened):
                fields.update({k: v for k, v in event.fields.items() if k != "attributes"})
                fields.update({f"a.{k}": v for k, v in event.fields.get("attributes",
                                                                          {}).items()})
            elif isinstance(event, TicketUpdated):
                fields.update({k: v for k, v in event.changes.items() if k != "attributes"})
                fields.update({f"a.{k}": v for k, v in event.changes.get("attributes",
                                                                           {}).items()})
        last = max(valid[number], key=lambda r: int(r["sys_mod_count"]))
        expected_priority = None if last["priority"] == "?" else "P" + last["priority"][0]
        assert fields["status"] == _status(last["incident_state"])
        assert fields.get("priority") == expected_priority
        assert fields["assignment_group"] == last["assignment_group"]
        assert fields.get("assignee") == (None if last["assigned_to"] == "?"
                                          else last["assigned_to"])
        assert fields.get("vendor") == (None if last["vendor"] == "?" else last["vendor"])
        assert fields["a.location"] == last["location"]
        assert imported.made_sla[number] == (last["made_sla"] == "true")
        # lifecycle events follow the state changes of the valid rows
        states = [_status(r["incident_state"])
                  for r in sorted(valid[number], key=lambda r: int(r["sys_mod_count"]))]
        expected = []
        for before, after in zip([None, *states], states, strict=False):
            if before == after:
                continue
            if after in ("resolved", "closed"):
                if before not in ("resolved", "closed") or (before, after) == ("resolved",
                                                                               "closed"):
                    expected.append(after)
            elif before in ("resolved", "closed"):
                expected.append("reopened")
        got = [e.type for e in events if e.type not in ("opened", "updated")]
        assert got == expected
