"""Governance commands: every change of an SLA definition carries an actor and is decided
by the authorisation model recorded in the log (see docs/governance.md).

    gov = Governance(log)
    gov.bootstrap("alice")                                   # roles + alice as sla-admin
    gov.grant("alice", "bob", "approver")
    p = gov.propose_policy("alice", policy)                  # not in force yet
    gov.approve("bob", p.event_id, reason="CAB-1234")        # now PolicyPublished exists

A proposal never takes effect by itself: only ``approve`` by an actor other than its
author writes the ``PolicyPublished`` / ``CalendarPublished`` / ``ContractRegistered``
event (``approved_by`` filled) that evaluation and ``SlaProjection`` use.  A refused
attempt is recorded as ``AttemptDenied`` and raised as ``Unauthorized``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from slacore.clock import BusinessCalendar
from slacore.errors import InvalidCalendar, InvalidInput, Problem
from slacore.governance.access_review import AccessReview, access_review
from slacore.governance.audit import AuditTrail, audit_trail
from slacore.governance.diff import apply_changes
from slacore.governance.errors import (
    ConcurrentChange,
    ProposalNotPending,
    StaleProposal,
    Unauthorized,
    UnknownProposal,
)
from slacore.governance.feasibility import REFERENCE_WEEKS
from slacore.governance.roles import DEFAULT_ROLES
from slacore.governance.state import (
    GOVERNANCE_READ_TYPES,
    GovernanceState,
    Proposal,
    PublishedEvent,
    fold,
    publication_for,
)
from slacore.log import EventLog, IngestReport, KnownAt
from slacore.log.governance_events import (
    DEFINITION_KINDS,
    PERMISSIONS,
    AccessUsed,
    AttemptDenied,
    DefinitionKind,
    GovernanceEvent,
    Permission,
    ProposalDeclined,
    RoleDefined,
    RoleGranted,
    RoleRevoked,
    VersionApproved,
    VersionProposed,
)
from slacore.policies import InvalidPolicy, Policy, parse_policy

__all__ = ["Governance"]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _new_id(prefix: str) -> str:
    return f"slacore:{prefix}:{uuid.uuid4().hex}"


def _name(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput([Problem(field, value, "a non-blank string is required")],
                           what="command")
    return value


class Governance:
    """Authorised commands on the SLA definitions of one ``EventLog``.

    ``clock`` (returning an aware datetime) stamps the commands' ``at``; ``ids(prefix)``
    makes event ids (random UUIDs by default).  The state is folded incrementally from
    the log before every command, so several ``Governance`` objects (processes) on one
    log see each other's facts.
    """

    def __init__(
        self,
        log: EventLog,
        *,
        clock: Callable[[], datetime] | None = None,
        ids: Callable[[str], str] | None = None,
    ) -> None:
        self.log = log
        self._now = clock or _utcnow
        self._ids = ids or _new_id
        self._state = GovernanceState()

    # ------------------------------------------------------------------ state

    def state(self, *, as_known_at: KnownAt = None) -> GovernanceState:
        """The governance state at the log's head (``as_known_at``: a fresh fold of the
        log as known at that position or recorded time)."""
        if as_known_at is not None:
            return fold(self.log.read(upto=as_known_at, types=GOVERNANCE_READ_TYPES))
        return fold(
            self.log.read(after=self._state.position, types=GOVERNANCE_READ_TYPES),
            self._state,
        )

    def _fresh(self) -> GovernanceState:
        state = self.state()
        pending = state.approved_unpublished()
        if pending:  # a publication interrupted after its approval: complete it
            events = [publication_for(p.event, p.decision) for p in pending
                      if isinstance(p.decision, VersionApproved)]
            self.log.ingest(events)
            state = self.state()
        return state

    def _append(self, events: Sequence[GovernanceEvent | PublishedEvent]) -> IngestReport:
        report = self.log.ingest(events, batch_size=max(1, len(events)))
        if report.rejected:  # the models are validated: this is a bug, not bad input
            raise RuntimeError(f"governance event rejected by the log: {report.rejected[0]}")
        if report.conflicts:
            ids = ", ".join(c.event_id for c in report.conflicts)
            raise ConcurrentChange(
                f"another command stored {ids} first; nothing of this command was stored "
                "(reload and retry)"
            )
        return report

    def _deny(
        self,
        actor: str,
        command: str,
        target: str,
        reason: str,
        permission: Permission | None = None,
    ) -> Unauthorized:
        denial = AttemptDenied(
            event_id=self._ids("denied"),
            at=self._now(),
            actor=actor,
            command=command,
            target=target,
            permission=permission,
            reason=reason,
        )
        self.log.ingest([denial])
        return Unauthorized(denial)

    def _require(
        self, state: GovernanceState, actor: str, permission: Permission, command: str,
        target: str,
    ) -> None:
        if permission in state.permissions_of(actor):
            return
        roles = state.roles_of(actor)
        held = f"its roles ({', '.join(roles)}) do not" if roles else "it holds no role that would"
        raise self._deny(actor, command, target, f"{held} grant {permission!r}", permission)

    # ------------------------------------------------------------------ roles

    def bootstrap(
        self,
        actor: str,
        *,
        roles: Mapping[str, Iterable[Permission]] = DEFAULT_ROLES,
        admin_role: str = "sla-admin",
    ) -> list[GovernanceEvent]:
        """Define ``roles`` and grant ``admin_role`` to ``actor``: the first governance
        facts of a log.  Refused (``GovernanceError``) once any role exists."""
        from slacore.governance.errors import GovernanceError

        _name("actor", actor)
        state = self._fresh()
        if state.bootstrapped:
            raise GovernanceError(
                "governance is already bootstrapped in this log; use grant / define_role"
            )
        if admin_role not in roles or "manage-roles" not in tuple(roles[admin_role]):
            raise InvalidInput(
                [Problem("admin_role", admin_role,
                         "must be one of the roles given and grant 'manage-roles'")],
                what="command",
            )
        at = self._now()
        events: list[GovernanceEvent] = [
            RoleDefined(event_id=f"slacore:bootstrap:role:{name}", at=at, actor=actor,
                        role=name, permissions=tuple(perms))
            for name, perms in roles.items()
        ]
        events.append(RoleGranted(event_id="slacore:bootstrap:grant", at=at, actor=actor,
                                  subject=actor, role=admin_role, reason="bootstrap"))
        self._append(events)
        return events

    def define_role(
        self, actor: str, role: str, permissions: Iterable[Permission]
    ) -> RoleDefined:
        """Define (or redefine) ``role`` as granting ``permissions`` (``manage-roles``)."""
        _name("actor", actor)
        _name("role", role)
        perms = tuple(permissions)
        bad = [p for p in perms if p not in PERMISSIONS]
        if bad:
            raise InvalidInput([Problem("permissions", bad, f"unknown; use {list(PERMISSIONS)}")],
                               what="role")
        state = self._fresh()
        self._require(state, actor, "manage-roles", "define role", role)
        event = RoleDefined(event_id=self._ids("role"), at=self._now(), actor=actor, role=role,
                            permissions=perms)
        self._append([event])
        return event

    def grant(
        self, actor: str, subject: str, role: str, *, reason: str | None = None
    ) -> RoleGranted:
        """Grant ``role`` to ``subject`` (``manage-roles``; never to oneself)."""
        _name("actor", actor)
        _name("subject", subject)
        state = self._fresh()
        self._require(state, actor, "manage-roles", "grant", f"role {role} to {subject}")
        if subject == actor:
            raise self._deny(actor, "grant", f"role {role} to {subject}",
                             "nobody may grant a role to themselves", "manage-roles")
        if role not in state.roles:
            raise InvalidInput(
                [Problem("role", role, f"not defined; roles: {sorted(state.roles)}")],
                what="grant",
            )
        if role in state.active.get(subject, {}):
            raise InvalidInput([Problem("role", role, f"{subject!r} already holds it")],
                               what="grant")
        event = RoleGranted(event_id=self._ids("grant"), at=self._now(), actor=actor,
                            subject=subject, role=role, reason=reason)
        self._append([event])
        return event

    def revoke(
        self, actor: str, subject: str, role: str, *, reason: str | None = None
    ) -> RoleRevoked:
        """Revoke ``role`` from ``subject`` (``manage-roles``).  Refused if it would leave
        nobody able to manage roles."""
        _name("actor", actor)
        _name("subject", subject)
        state = self._fresh()
        self._require(state, actor, "manage-roles", "revoke", f"role {role} from {subject}")
        if role not in state.active.get(subject, {}):
            raise InvalidInput([Problem("role", role, f"{subject!r} does not hold it")],
                               what="revoke")
        remaining = [
            a for a in state.holders("manage-roles")
            if a != subject or any("manage-roles" in state.roles.get(r, ())
                                   for r in state.active[a] if r != role)
        ]
        if not remaining:
            raise InvalidInput(
                [Problem("role", role, "revoking it would leave nobody with 'manage-roles'")],
                what="revoke",
            )
        event = RoleRevoked(event_id=self._ids("revoke"), at=self._now(), actor=actor,
                            subject=subject, role=role, reason=reason)
        self._append([event])
        return event

    def authorize(self, actor: str, permission: Permission, what: str, *,
                  record_use: bool = True) -> list[str]:
        """Check that ``actor`` holds ``permission`` (for the caller's own gates, e.g.
        reading definitions); a refusal is recorded and raised as ``Unauthorized``.
        ``record_use`` records the use (``AccessUsed``) for the access review's "last
        used".  Returns the roles that grant it."""
        _name("actor", actor)
        _name("what", what)
        state = self._fresh()
        self._require(state, actor, permission, permission, what)
        if record_use:
            self._append([AccessUsed(event_id=self._ids("use"), at=self._now(), actor=actor,
                                     permission=permission, what=what)])
        return state.roles_granting(actor, permission)

    # ------------------------------------------------------------------ proposals

    def _propose(
        self,
        state: GovernanceState,
        actor: str,
        kind: DefinitionKind,
        definition_id: str,
        version: int,
        effective_from: datetime,
        definition: dict[str, Any],
        note: str | None,
    ) -> VersionProposed:
        latest = state.latest(kind, definition_id)
        expected = 1 if latest is None else latest.event.version + 1
        if version != expected:
            raise InvalidInput(
                [Problem("version", version,
                         f"{kind}:{definition_id} is at version {expected - 1}; "
                         f"propose version {expected}")],
                what="proposal",
            )
        event = VersionProposed(
            event_id=self._ids("proposal"), at=self._now(), actor=actor, kind=kind,
            definition_id=definition_id, version=version, effective_from=effective_from,
            definition=definition, note=note,
        )
        self._append([event])
        return event

    def _known_calendars(self, state: GovernanceState, extra: Iterable[str]) -> set[str]:
        return {cid for kind, cid in state.published if kind == "calendar"} | set(extra)

    def propose_policy(
        self,
        actor: str,
        policy: Policy | Mapping[str, Any],
        *,
        calendars: Iterable[str] = (),
        note: str | None = None,
    ) -> VersionProposed:
        """Propose a policy version (``propose``); its ``version`` must follow the latest
        published one.  ``calendars``: calendar ids supplied at evaluation besides the
        published calendars."""
        _name("actor", actor)
        state = self._fresh()
        target = f"policy:{policy.id if isinstance(policy, Policy) else policy.get('id')}"
        self._require(state, actor, "propose", "propose", target)
        parsed = parse_policy(policy, calendars=self._known_calendars(state, calendars))
        definition = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
        return self._propose(state, actor, "policy", parsed.id, parsed.version,
                             parsed.effective_from, definition, note)

    def propose_calendar(
        self,
        actor: str,
        calendar_id: str,
        spec: Mapping[str, Any] | BusinessCalendar,
        *,
        effective_from: datetime,
        version: int | None = None,
        note: str | None = None,
    ) -> VersionProposed:
        """Propose a calendar version (``propose``); ``version`` defaults to the next."""
        _name("actor", actor)
        _name("calendar_id", calendar_id)
        state = self._fresh()
        self._require(state, actor, "propose", "propose", f"calendar:{calendar_id}")
        calendar = spec if isinstance(spec, BusinessCalendar) else BusinessCalendar.from_spec(spec)
        latest = state.latest("calendar", calendar_id)
        if version is None:
            version = 1 if latest is None else latest.event.version + 1
        return self._propose(state, actor, "calendar", calendar_id, version, effective_from,
                             calendar.to_spec(), note)

    def propose_contract(
        self,
        actor: str,
        contract_id: str,
        definition: Mapping[str, Any],
        *,
        effective_from: datetime,
        version: int | None = None,
        note: str | None = None,
        validate: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
    ) -> VersionProposed:
        """Propose registering a contract version (``propose``).  ``definition`` is
        JSON-plain data; ``validate`` (e.g. a contract model's loader, returning the
        normalised JSON) raises ``InvalidInput`` for a bad contract."""
        _name("actor", actor)
        _name("contract_id", contract_id)
        state = self._fresh()
        self._require(state, actor, "propose", "register", f"contract:{contract_id}")
        data = dict(validate(definition) if validate else definition)
        latest = state.latest("contract", contract_id)
        if version is None:
            version = 1 if latest is None else latest.event.version + 1
        return self._propose(state, actor, "contract", contract_id, version, effective_from,
                             data, note)

    def propose_change(
        self,
        actor: str,
        kind: DefinitionKind,
        definition_id: str,
        changes: Mapping[str, Any],
        *,
        effective_from: datetime | None = None,
        calendars: Iterable[str] = (),
        note: str | None = None,
    ) -> VersionProposed:
        """Propose the next version of a published definition with ``changes`` applied:
        ``{"metrics.resolution.targets[0].target": "8h"}`` changes a target,
        ``MISSING`` removes (paths as in ``slacore.governance.diff``).
        ``effective_from`` defaults to the command's time."""
        _name("actor", actor)
        if kind not in DEFINITION_KINDS:
            raise InvalidInput([Problem("kind", kind, f"use one of {list(DEFINITION_KINDS)}")],
                               what="change")
        state = self._fresh()
        self._require(state, actor, "propose", "change", f"{kind}:{definition_id}")
        latest = state.latest(kind, definition_id)
        if latest is None:
            raise InvalidInput(
                [Problem("definition_id", definition_id, f"no published {kind} with this id")],
                what="change",
            )
        when = effective_from or self._now()
        version = latest.event.version + 1
        data = apply_changes(latest.event.definition, changes)
        if kind == "policy":
            data["version"] = version
            data["effective_from"] = when.isoformat()
            try:
                parsed = parse_policy(data, calendars=self._known_calendars(state, calendars))
            except InvalidPolicy:
                raise
            data = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
            when = parsed.effective_from
        elif kind == "calendar":
            try:
                data = BusinessCalendar.from_spec(data).to_spec()
            except InvalidCalendar:
                raise
        return self._propose(state, actor, kind, definition_id, version, when, data, note)

    # ------------------------------------------------------------------ decisions

    def _proposal(self, state: GovernanceState, proposal_id: str) -> Proposal:
        proposal = state.proposals.get(proposal_id)
        if proposal is None:
            raise UnknownProposal(f"no proposal {proposal_id!r} in the log")
        return proposal

    def approve(self, actor: str, proposal_id: str, *, reason: str) -> PublishedEvent:
        """Approve another actor's proposal (``approve``) for ``reason`` (required): the
        ``VersionApproved`` fact, then the publication that puts the version in force,
        which is returned.  Self-approval is refused and recorded."""
        _name("actor", actor)
        state = self._fresh()
        self._require(state, actor, "approve", "approve", f"proposal {proposal_id}")
        proposal = self._proposal(state, proposal_id)
        if proposal.author == actor:
            raise self._deny(
                actor, "approve", f"proposal {proposal_id} ({proposal.label})",
                "four-eyes: a version must be approved by an actor other than its author",
                "approve",
            )
        if proposal.status != "pending":
            raise ProposalNotPending(f"proposal {proposal_id} ({proposal.label}) is "
                                     f"already {proposal.status}")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput(
                [Problem("reason", reason, "an approval must give its reason")], what="approval"
            )
        latest = state.latest(*proposal.key)
        expected = 1 if latest is None else latest.event.version + 1
        if proposal.event.version != expected:
            raise StaleProposal(
                f"proposal {proposal_id} is for {proposal.label}, but the latest published "
                f"version is {expected - 1}: propose again on top of it"
            )
        approval = VersionApproved(
            event_id=f"slacore:decision:{proposal_id}", at=self._now(), actor=actor,
            proposal_id=proposal_id, kind=proposal.event.kind,
            definition_id=proposal.event.definition_id, version=proposal.event.version,
            reason=reason,
        )
        self._append([approval])  # the decision first: a concurrent decision conflicts
        publication = publication_for(proposal.event, approval)
        report = self.log.ingest([publication])
        if report.conflicts:
            raise StaleProposal(
                f"{proposal.label} was published by another command meanwhile; the approval "
                "is recorded but this proposal does not take effect"
            )
        return publication

    def decline(self, actor: str, proposal_id: str, *, reason: str) -> ProposalDeclined:
        """Decline a proposal (``approve``), or withdraw one's own (``propose``), for
        ``reason`` (required)."""
        _name("actor", actor)
        state = self._fresh()
        proposal = state.proposals.get(proposal_id)
        needed: Permission = "propose" if proposal and proposal.author == actor else "approve"
        self._require(state, actor, needed, "decline", f"proposal {proposal_id}")
        proposal = self._proposal(state, proposal_id)
        if proposal.status != "pending":
            raise ProposalNotPending(f"proposal {proposal_id} ({proposal.label}) is "
                                     f"already {proposal.status}")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput(
                [Problem("reason", reason, "a decline must give its reason")], what="decline"
            )
        event = ProposalDeclined(
            event_id=f"slacore:decision:{proposal_id}", at=self._now(), actor=actor,
            proposal_id=proposal_id, kind=proposal.event.kind,
            definition_id=proposal.event.definition_id, version=proposal.event.version,
            reason=reason,
        )
        self._append([event])
        return event

    # ------------------------------------------------------------------ reports

    def audit_trail(self, actor: str, *, as_known_at: KnownAt = None,
                    weeks: int = REFERENCE_WEEKS) -> AuditTrail:
        """The audit trail (``audit``; the run is recorded for the access review)."""
        self.authorize(actor, "audit", "audit trail")
        return audit_trail(self.state(as_known_at=as_known_at) if as_known_at is not None
                           else self._fresh(), weeks=weeks)

    def access_review(self, actor: str, *, as_known_at: KnownAt = None,
                      include_revoked: bool = True) -> AccessReview:
        """The access review (``audit``; the run is recorded)."""
        self.authorize(actor, "audit", "access review")
        state = self.state(as_known_at=as_known_at) if as_known_at is not None else self._fresh()
        return access_review(state, include_revoked=include_revoked)
