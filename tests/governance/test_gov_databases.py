"""The four-eyes flow on the databases (SQLite and PostgreSQL), with the author and the
approver working through separate connections, as separate processes would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from gov_helpers import CALS, policy_v

from slacore.governance import ConcurrentChange, Governance, Unauthorized, audit_trail
from slacore.log import EventLog
from slacore.log.governance_events import AttemptDenied


def test_four_eyes_across_connections(
    db_url: str, make_log: Callable[..., EventLog], clock: Any
) -> None:
    admin = Governance(make_log(db_url, clock=clock), clock=clock)
    admin.bootstrap("alice")
    admin.grant("alice", "bob", "approver")
    admin.grant("alice", "erin", "sla-admin")
    admin.grant("erin", "alice", "approver")
    proposal = admin.propose_policy("alice", policy_v(1), calendars=CALS)

    approver_log = make_log(db_url, clock=clock)
    approver = Governance(approver_log, clock=clock)
    admin.grant("alice", "frank", "approver")
    other = Governance(make_log(db_url, clock=clock), clock=clock)
    seen_before = other.state()  # frank's process read the state before bob decided
    with pytest.raises(Unauthorized, match="four-eyes"):
        approver.approve("alice", proposal.event_id, reason="mine")
    assert approver_log.policy_versions("standard-incident") == []
    published = approver.approve("bob", proposal.event_id, reason="CAB-1")
    assert published.approved_by == ("bob",)

    # frank declines on his stale state: the log's id index refuses the second decision
    # (check-then-write race), and nothing of his command is stored
    other._fresh = lambda: seen_before  # type: ignore[method-assign]
    with pytest.raises(ConcurrentChange):
        other.decline("frank", proposal.event_id, reason="too late")

    reopened = make_log(db_url)
    assert [v.approved_by for v in reopened.policy_versions("standard-incident")] == [("bob",)]
    denied = [r.event for r in reopened.read(types=["attempt_denied"])]
    assert [(d.actor, d.command) for d in denied if isinstance(d, AttemptDenied)] == [
        ("alice", "approve")]
    state = Governance(reopened).state()
    trail = audit_trail(state)
    assert [(e.status, e.author, e.decided_by) for e in trail.entries] == [
        ("approved", "alice", "bob")]
    assert trail.anomalies == ()

