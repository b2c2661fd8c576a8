"""Governance facts are ordinary log events: they round-trip exactly through the log
(models, mappings and JSON Lines) and are idempotent like any event."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from slacore.log import EventLog
from slacore.log.governance_events import (
    AccessUsed,
    AttemptDenied,
    ContractRegistered,
    ProposalDeclined,
    RoleDefined,
    RoleGranted,
    RoleRevoked,
    VersionApproved,
    VersionProposed,
)

AT = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
EVENTS = [
    RoleDefined(event_id="g1", at=AT, actor="a", role="r", permissions=("read", "audit")),
    RoleGranted(event_id="g2", at=AT, actor="a", subject="b", role="r", reason="why"),
    RoleRevoked(event_id="g3", at=AT, actor="a", subject="b", role="r"),
    VersionProposed(event_id="g4", at=AT, actor="a", kind="calendar", definition_id="c",
                    version=1, effective_from=AT, definition={"x": [1, 2.5, None, True]}),
    VersionApproved(event_id="g5", at=AT, actor="b", proposal_id="g4", kind="calendar",
                    definition_id="c", version=1, reason="ok"),
    ProposalDeclined(event_id="g6", at=AT, actor="b", proposal_id="g4", kind="calendar",
                     definition_id="c", version=1, reason="no"),
    AttemptDenied(event_id="g7", at=AT, actor="m", command="grant", target="role r to m",
                  permission="manage-roles", reason="no role"),
    AccessUsed(event_id="g8", at=AT, actor="b", permission="audit", what="audit trail"),
    ContractRegistered(event_id="g9", contract_id="k", version=1, at=AT, effective_from=AT,
                       published_by="a", approved_by=("b",), definition={"customer": "K"}),
]


def test_governance_events_round_trip(log: EventLog) -> None:
    assert log.ingest(EVENTS).stored == len(EVENTS)
    assert [r.event for r in log.read()] == EVENTS
    streams = [r.stream for r in log.read()]
    assert streams == ["role:r", "actor:b", "actor:b", "calendar:c", "calendar:c",
                       "calendar:c", "actor:m", "actor:b", "contract:k"]
    lines = "\n".join(e.model_dump_json() for e in EVENTS)
    assert log.ingest_jsonl(lines).duplicates == len(EVENTS)
    assert log.ingest([e.model_dump(mode="json") for e in EVENTS]).duplicates == len(EVENTS)


def test_a_changed_governance_fact_is_a_conflict(log: EventLog) -> None:
    log.ingest(EVENTS[:2])
    forged = EVENTS[1].model_copy(update={"role": "sla-admin"})
    report = log.ingest([forged])
    assert [c.event_id for c in report.conflicts] == ["g2"]


def test_invalid_governance_events_are_rejected_with_the_field(log: EventLog) -> None:
    bad = EVENTS[0].model_dump(mode="json") | {"permissions": ["fly"], "event_id": "bad"}
    report = log.ingest([bad])
    [rejected] = report.rejected
    assert "permissions" in rejected.reason
    with pytest.raises(ValueError, match="reason"):
        VersionApproved(event_id="x", at=AT, actor="b", proposal_id="p", kind="policy",
                        definition_id="d", version=1, reason=" ")
