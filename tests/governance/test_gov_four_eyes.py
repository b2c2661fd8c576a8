"""Four-eyes publication: a proposal is not in force until another actor approves it,
with a reason; refused attempts are raised and recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gov_helpers import CALS, JAN, office, policy_v

from slacore.errors import InvalidInput
from slacore.governance import (
    GovernanceError,
    ProposalNotPending,
    StaleProposal,
    Unauthorized,
    UnknownProposal,
)
from slacore.governance.commands import Governance
from slacore.log import EventLog, PolicyPublished
from slacore.log.governance_events import AttemptDenied, VersionApproved, VersionProposed


def denials(log: EventLog) -> list[AttemptDenied]:
    return [r.event for r in log.read(types=["attempt_denied"])
            if isinstance(r.event, AttemptDenied)]


def test_a_proposal_takes_effect_only_when_another_actor_approves_it(
    gov: Governance, log: EventLog
) -> None:
    proposal = gov.propose_policy("alice", policy_v(1), calendars=CALS, note="initial")
    assert isinstance(proposal, VersionProposed)
    assert log.policy_versions("standard-incident") == []  # not in force
    published = gov.approve("bob", proposal.event_id, reason="CAB-17 approved")
    assert isinstance(published, PolicyPublished)
    assert (published.published_by, published.approved_by) == ("alice", ("bob",))
    assert published.event_id == "slacore:policy:standard-incident:v1"
    assert log.policy_versions("standard-incident") == [published]
    assert published.policy(calendars=CALS) == policy_v(1)
    [approval] = [r.event for r in log.stream("policy:standard-incident")
                  if isinstance(r.event, VersionApproved)]
    assert (approval.actor, approval.reason, approval.proposal_id) == (
        "bob", "CAB-17 approved", proposal.event_id)
    # the approval precedes the publication in the log
    kinds = [r.event.type for r in log.stream("policy:standard-incident")]
    assert kinds == ["version_proposed", "version_approved", "policy_published"]


def test_self_approval_is_rejected_and_recorded(gov: Governance, log: EventLog) -> None:
    gov.grant("alice", "erin", "sla-admin")
    gov.grant("erin", "alice", "approver")  # alice may now approve, but not her own
    proposal = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    with pytest.raises(Unauthorized, match="four-eyes") as info:
        gov.approve("alice", proposal.event_id, reason="looks fine to me")
    assert log.policy_versions("standard-incident") == []
    assert gov.state().proposals[proposal.event_id].status == "pending"
    [denied] = denials(log)
    assert denied == info.value.denial
    assert (denied.actor, denied.command, denied.permission) == ("alice", "approve", "approve")
    # another approver can still approve it
    gov.approve("bob", proposal.event_id, reason="reviewed")
    assert len(log.policy_versions("standard-incident")) == 1


def test_a_reader_cannot_publish_and_the_attempt_is_recorded(
    gov: Governance, log: EventLog
) -> None:
    with pytest.raises(Unauthorized, match=r"'dave' may not propose policy:standard-incident"
                       r".*\(reader\) do not grant 'propose'"):
        gov.propose_policy("dave", policy_v(1), calendars=CALS)
    with pytest.raises(Unauthorized):
        gov.propose_calendar("dave", "business", office(), effective_from=JAN)
    with pytest.raises(Unauthorized, match="holds no role"):
        gov.propose_contract("mallory", "acme", {"customer": "acme"}, effective_from=JAN)
    got = [(d.actor, d.command, d.target, d.permission) for d in denials(log)]
    assert got == [
        ("dave", "propose", "policy:standard-incident", "propose"),
        ("dave", "propose", "calendar:business", "propose"),
        ("mallory", "register", "contract:acme", "propose"),
    ]
    assert [r.event.type for r in log.stream("actor:dave")][-2:] == ["attempt_denied"] * 2
    assert log.policy_versions("standard-incident") == []
    assert gov.state().proposals == {}


def test_separation_of_duties_in_the_default_roles(gov: Governance, log: EventLog) -> None:
    proposal = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    with pytest.raises(Unauthorized, match="'approve'"):  # the admin cannot approve
        gov.approve("alice", proposal.event_id, reason="x")
    with pytest.raises(Unauthorized, match="'propose'"):  # the approver cannot propose
        gov.propose_policy("bob", policy_v(1), calendars=CALS)
    with pytest.raises(Unauthorized, match="'manage-roles'"):
        gov.grant("bob", "dave", "approver")
    with pytest.raises(Unauthorized, match="themselves"):
        gov.grant("alice", "alice", "approver")
    assert [d.command for d in denials(log)] == ["approve", "propose", "grant", "grant"]
    assert gov.state().roles_of("alice") == ["sla-admin"]


def test_an_approval_needs_a_reason(gov: Governance, log: EventLog) -> None:
    proposal = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    for reason in ("", "   "):
        with pytest.raises(InvalidInput, match="reason: an approval must give its reason"):
            gov.approve("bob", proposal.event_id, reason=reason)
    assert log.policy_versions("standard-incident") == []
    assert gov.state().proposals[proposal.event_id].status == "pending"
    assert denials(log) == []  # bad input, not an unauthorised attempt


def test_revoking_a_role_takes_effect(gov: Governance, log: EventLog) -> None:
    p1 = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    gov.revoke("alice", "bob", "approver", reason="left the CAB")
    with pytest.raises(Unauthorized, match="holds no role"):
        gov.approve("bob", p1.event_id, reason="still here")
    assert log.policy_versions("standard-incident") == []
    gov.grant("alice", "bob", "approver", reason="back")
    gov.approve("bob", p1.event_id, reason="now allowed")
    assert len(log.policy_versions("standard-incident")) == 1


def test_decline_withdraw_and_decided_proposals(gov: Governance, log: EventLog) -> None:
    p1 = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    gov.decline("bob", p1.event_id, reason="targets too tight")
    with pytest.raises(ProposalNotPending, match="already declined"):
        gov.approve("bob", p1.event_id, reason="changed my mind")
    p2 = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    gov.decline("alice", p2.event_id, reason="superseded")  # the author withdraws
    with pytest.raises(Unauthorized):  # a reader can neither decline
        gov.decline("dave", p1.event_id, reason="no")
    with pytest.raises(UnknownProposal):
        gov.approve("bob", "nope", reason="x")
    assert log.policy_versions("standard-incident") == []


def test_versions_follow_each_other_and_a_stale_proposal_cannot_be_approved(
    gov: Governance, log: EventLog
) -> None:
    with pytest.raises(InvalidInput, match=r"version: .*propose version 1"):
        gov.propose_policy("alice", policy_v(2), calendars=CALS)
    p1 = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    gov.approve("bob", p1.event_id, reason="ok")
    later = JAN + timedelta(days=30)
    a = gov.propose_policy("alice", policy_v(2, later), calendars=CALS)
    b = gov.propose_policy("alice", policy_v(2, later, name="alternative"), calendars=CALS)
    gov.approve("bob", b.event_id, reason="prefer b")
    with pytest.raises(StaleProposal):
        gov.approve("bob", a.event_id, reason="and a")
    assert [v.version for v in log.policy_versions("standard-incident")] == [1, 2]
    assert log.policy_versions("standard-incident")[1].definition["name"] == "alternative"


def test_calendars_and_contracts_go_through_four_eyes_too(
    gov: Governance, log: EventLog
) -> None:
    c = gov.propose_calendar("alice", "business", office(), effective_from=JAN)
    assert log.calendar_versions("business") == []
    cal = gov.approve("bob", c.event_id, reason="office hours")
    assert log.calendar_versions("business") == [cal]
    k = gov.propose_contract("alice", "acme", {"customer": "ACME", "policies": ["std"]},
                             effective_from=JAN)
    registered = gov.approve("bob", k.event_id, reason="signed 2026-01-02")
    assert [r.event for r in log.stream("contract:acme")][-1] == registered
    assert registered.approved_by == ("bob",)


def test_bootstrap_once_and_the_last_admin_stays(gov: Governance) -> None:
    with pytest.raises(GovernanceError, match="already bootstrapped"):
        gov.bootstrap("mallory")
    with pytest.raises(InvalidInput, match="nobody with 'manage-roles'"):
        gov.revoke("alice", "alice", "sla-admin")


def test_an_interrupted_publication_is_completed(gov: Governance, log: EventLog) -> None:
    p1 = gov.propose_policy("alice", policy_v(1), calendars=CALS)
    # the approval landed, then the process died before the publication
    approval = VersionApproved(
        event_id=f"slacore:decision:{p1.event_id}", at=JAN, actor="bob",
        proposal_id=p1.event_id, kind="policy", definition_id="standard-incident",
        version=1, reason="ok",
    )
    log.ingest([approval])
    assert log.policy_versions("standard-incident") == []
    other = Governance(log)  # another process
    other.authorize("dave", "read", "policy:standard-incident")
    [published] = log.policy_versions("standard-incident")
    assert (published.approved_by, published.at) == (("bob",), JAN)
    assert other.state().anomalies == []
