"""The reports: audit trail with readable diffs, access review with "last used",
feasibility flags; and the projection only ever sees approved versions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from gov_helpers import CALS, JAN, office, policy_v
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.clock import BusinessCalendar
from slacore.governance import (
    MISSING,
    Change,
    Governance,
    Unauthorized,
    access_review,
    apply_changes,
    audit_trail,
    diff,
)
from slacore.governance.diff import format_path, parse_path
from slacore.governance.feasibility import calendar_flags, open_time, policy_flags
from slacore.log import EventLog, PolicyPublished
from slacore.projections.runner import SlaProjection
from slacore.testing.profiles import examples

FEB = JAN + timedelta(days=31)


def published_policy(gov: Governance) -> None:
    c = gov.propose_calendar("alice", "business", office(), effective_from=JAN)
    gov.approve("bob", c.event_id, reason="office hours")
    p = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    gov.approve("bob", p.event_id, reason="initial")


# ---------------------------------------------------------------- diff


def test_the_diff_of_a_target_change_reads_as_paths(gov: Governance) -> None:
    published_policy(gov)
    change = gov.propose_change(
        "alice", "policy", "standard-incident",
        {"metrics.resolution.targets[0].target": "8h",
         "metrics.resolution.warn_at": [0.5, 0.9],
         "calendar_by_group[\"apac.net\"]": "apac-business"},
        effective_from=FEB, calendars=CALS,
    )
    gov.approve("bob", change.event_id, reason="CAB-99: P1 relaxed")
    entry = audit_trail(gov.state()).entries[-1]
    assert (entry.subject, entry.version, entry.previous_version, entry.status) == (
        "policy:standard-incident", 2, 1, "approved")
    assert [c.text() for c in entry.changes] == [
        f"effective_from: {JAN.isoformat()} → {FEB.isoformat()}",
        '+ calendar_by_group["apac.net"]: apac-business',
        "metrics.resolution.targets[0].target: 4h → 8h",
        "metrics.resolution.warn_at[1]: 0.75 → 0.9",
        "- metrics.resolution.warn_at[2]: 0.9",
    ]
    assert (entry.decided_by, entry.decision_reason) == ("bob", "CAB-99: P1 relaxed")
    assert entry.flags == ()  # a longer target is no feasibility risk
    text = audit_trail(gov.state()).text()
    assert "metrics.resolution.targets[0].target: 4h → 8h" in text
    assert "approved by bob" in text


def test_diff_units() -> None:
    old = {"a": 1, "b": {"c": [1, 2]}, "t": True}
    new = {"a": 1.0, "b": {"c": [1]}, "t": 1, "d": {"e": {}}}
    assert diff(old, new) == [
        Change("b.c[1]", 2, MISSING), Change("t", True, 1), Change("d.e", MISSING, {}),
    ]
    assert diff(None, {"x": [1]}) == [Change("x[0]", MISSING, 1)]
    assert parse_path('m["a.b"][3].c') == ("m", "a.b", 3, "c")
    with pytest.raises(ValueError, match="expected"):
        parse_path("a..b")


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text("ab", max_size=2),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["a", "b", "c.d", ""]), inner, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from(["x", "y", "a b"]), _json, max_size=3),
       st.dictionaries(st.sampled_from(["x", "y", "a b"]), _json, max_size=3))
@settings(max_examples=examples(200), deadline=None)
def test_diff_is_empty_exactly_for_equal_documents_and_paths_resolve(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    changes = diff(a, b)
    assert diff(a, a) == []
    if changes == []:  # no change listed: the documents are equal as JSON
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    for c in changes:
        parts = parse_path(c.path)
        assert format_path(parts) == c.path
        for doc, value in ((a, c.old), (b, c.new)):
            node: Any = doc
            for part in parts:
                try:
                    node = node[part]
                except (KeyError, IndexError, TypeError):
                    node = MISSING
                    break
            assert node is value or node == value
    # when only leaves changed (none added or removed), the changes applied as edits
    # turn a into b
    edits = {c.path: c.new for c in changes}
    if all(c.kind == "changed" for c in changes):
        assert json.dumps(apply_changes(a, edits), sort_keys=True) == json.dumps(
            b, sort_keys=True
        )


# ---------------------------------------------------------------- access review


def test_access_review_lists_grants_and_when_they_were_last_used(
    gov: Governance, log: EventLog, clock: Any
) -> None:
    gov.grant("alice", "erin", "reader")
    gov.grant("alice", "erin", "approver")
    p = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    proposed_at = p.at
    approved = gov.approve("erin", p.event_id, reason="ok")
    with pytest.raises(Unauthorized):
        gov.propose_policy("dave", policy_v(2), calendars=CALS)
    gov.revoke("alice", "bob", "approver", reason="rotation")
    review = gov.access_review("carol")
    rows = {(r.actor, r.role): r for r in review.rows}
    alice = rows["alice", "sla-admin"]
    assert (alice.granted_by, alice.last_used_for) == ("alice", "revoke approver from bob")
    assert alice.last_used is not None and alice.last_used > proposed_at
    erin_a, erin_r = rows["erin", "approver"], rows["erin", "reader"]
    assert (erin_a.last_used, erin_a.last_used_for) == (
        approved.at, "approve policy:standard-incident v1")
    assert erin_r.last_used is None  # reading was never used through the gate
    bob = rows["bob", "approver"]
    assert (bob.active, bob.revoked_by, bob.last_used) == (False, "alice", None)
    assert (bob.granted_by, bob.granted_at) == ("alice", gov.state().grants[1].granted_at)
    dave = rows["dave", "reader"]
    assert (dave.denied_attempts, dave.last_used) == (1, None)
    carol = rows["carol", "auditor"]  # running this very review is a use of 'audit'
    assert carol.last_used_for == "audit: access review"
    assert "never" in review.text() and "erin" in review.text()
    with pytest.raises(Unauthorized):
        gov.access_review("dave")
    assert access_review(gov.state()).rows[0].actor == "alice"


def test_an_actor_seen_only_in_denied_attempts_is_listed(gov: Governance) -> None:
    with pytest.raises(Unauthorized):
        gov.grant("mallory", "mallory", "sla-admin")
    row = [r for r in access_review(gov.state()).rows if r.actor == "mallory"]
    assert [(r.role, r.denied_attempts, r.active) for r in row] == [(None, 1, False)]


# ---------------------------------------------------------------- feasibility


def test_a_calendar_that_shortens_service_hours_is_flagged(gov: Governance) -> None:
    published_policy(gov)
    later = datetime(2026, 3, 2, tzinfo=timezone.utc)
    short = gov.propose_calendar("alice", "business", office("09:00-16:00"),
                                 effective_from=later)
    state = gov.state()
    entry = [e for e in audit_trail(state, weeks=4).entries if e.proposal_id == short.event_id]
    [flag] = entry[0].flags
    assert flag.kind == "service-hours-shortened"
    assert "40h/week → 35h/week" in flag.message
    assert flag.affected == ("policy:standard-incident",)
    assert [c.text() for c in entry[0].changes][1:] == [
        f"hours.{d}[0]: 09:00-17:00 → 09:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")
    ]
    longer = calendar_flags("business", office(), office("08:00-17:00"),
                            effective_from=later, weeks=4)
    assert [f.kind for f in longer] == ["service-hours-extended"]
    assert calendar_flags("business", office(), office(), effective_from=later) == []


def test_open_time_counts_holidays_in_the_window() -> None:
    cal = BusinessCalendar.from_spec({**office(), "holidays": ["2026-01-06"]})
    assert open_time(cal, JAN, 1) == timedelta(hours=32)
    assert open_time(cal, JAN, 2) == timedelta(hours=72)


def test_policy_changes_that_affect_feasibility() -> None:
    old = policy_v(1).model_dump(mode="json", by_alias=True, exclude_none=True)
    new = apply_changes(old, {
        "metrics.resolution.targets[1].target": "6h",        # P2 8h → 6h: shorter
        "metrics.response.targets[1].target": "5h",          # default 4h → 5h: longer
        "metrics.resolution.targets[2].calendar": "always",  # business → 24×7
        "metrics.resolution.exclude": [],
        "metrics.network-ola.targets[0].when": {"priority": ["P1"]},  # default tier gone
    })
    cals = {"business": BusinessCalendar.from_spec(office())}
    flags = policy_flags("std", old, new, effective_from=JAN, calendars=cals, weeks=1)
    got = sorted((f.kind, f.subject) for f in flags)
    assert got == [
        ("exclusion-removed", "policy:std metric resolution"),
        ("service-hours-extended", "policy:std metric resolution tier default"),
        ("target-shortened", 'policy:std metric resolution tier {"priority": ["P2"]}'),
        ("tier-removed", "policy:std metric network-ola tier default"),
    ]
    [ext] = [f for f in flags if f.kind == "service-hours-extended"]
    assert "40h/week → 168h/week" in ext.message
    [short] = [f for f in flags if f.kind == "target-shortened"]
    assert short.message == "target 8h → 6h"
    assert policy_flags("std", old, old, effective_from=JAN, calendars=cals) == []


# ---------------------------------------------------------------- ungoverned writes


def test_writes_past_the_commands_show_as_anomalies(gov: Governance, log: EventLog) -> None:
    direct = PolicyPublished.of(policy_v(1), published_by="mallory", at=JAN)
    log.publish(direct)
    trail = gov.audit_trail("carol")
    [entry] = trail.entries
    assert (entry.status, entry.author) == ("ungoverned", "mallory")
    [anomaly] = trail.anomalies
    assert "without an approved proposal" in anomaly.message
    assert anomaly.actor == "mallory"


# ---------------------------------------------------------------- the projection


def test_the_projection_sees_only_approved_versions(gov: Governance, log: EventLog) -> None:
    cals = {"business": BusinessCalendar.from_spec(office()),
            "apac-business": BusinessCalendar.from_spec(office())}
    opened = {"type": "opened", "event_id": "T1-0", "ticket_id": "T1",
              "at": "2026-02-02T10:00:00+00:00", "fields": {"priority": "P2", "status": "new"}}
    log.ingest([opened])
    p = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    view = SlaProjection(log, "standard-incident", calendars=cals)
    view.run()
    assert {r.state for r in view.rows("T1")} == {"no_policy"}
    gov.approve("bob", p.event_id, reason="go")
    view.run()
    rows = view.rows("T1")
    assert {r.metric for r in rows} == {"response", "resolution", "network-ola"}
    assert {r.policy for r in rows} == {"standard-incident@1"}
