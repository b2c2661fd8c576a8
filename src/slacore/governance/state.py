"""The governance state: a pure fold of the governance facts of the log, in log order.

``GovernanceState.apply(record)`` takes one ``RecordedEvent`` (role definitions, grants,
revocations, proposals, decisions, denials, uses, and the published versions) and updates
who holds which role, the proposals and their decisions, the published versions, when
each grant was last used, and the anomalies: facts that the rules would have refused
(an action by an actor without the permission at that point of the log, a self-approval,
a publication without an approval).  Commands decide on the state folded up to the log's
head; reports fold up to any position ("as known at").

The fold re-checks every fact, so writing governance events past the commands (directly
through ``EventLog.ingest``) is visible as anomalies in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeAlias

from slacore.governance.roles import needed_permission
from slacore.log import CalendarPublished, PolicyPublished, RecordedEvent
from slacore.log.governance_events import (
    AccessUsed,
    AttemptDenied,
    ContractRegistered,
    DefinitionKind,
    Permission,
    ProposalDeclined,
    RoleDefined,
    RoleGranted,
    RoleRevoked,
    VersionApproved,
    VersionProposed,
)

__all__ = [
    "GOVERNANCE_READ_TYPES",
    "Anomaly",
    "GovernanceState",
    "Grant",
    "Proposal",
    "Publication",
    "PublishedEvent",
    "fold",
    "kind_of",
    "publication_for",
]

PublishedEvent: TypeAlias = PolicyPublished | CalendarPublished | ContractRegistered

#: The event types the fold reads (``EventLog.read(types=…)``).
GOVERNANCE_READ_TYPES: tuple[str, ...] = (
    "role_defined",
    "role_granted",
    "role_revoked",
    "version_proposed",
    "version_approved",
    "proposal_declined",
    "attempt_denied",
    "access_used",
    "policy_published",
    "calendar_published",
    "contract_registered",
)


def kind_of(event: PublishedEvent) -> tuple[DefinitionKind, str]:
    """``(kind, definition id)`` of a published version."""
    if isinstance(event, PolicyPublished):
        return "policy", event.policy_id
    if isinstance(event, CalendarPublished):
        return "calendar", event.calendar_id
    return "contract", event.contract_id


def publication_for(proposal: VersionProposed, approval: VersionApproved) -> PublishedEvent:
    """The event that puts an approved proposal in force: exactly determined by the
    proposal and its approval (so a publication interrupted by a crash is completed
    with the same event, and the fold can recognise it)."""
    common = {
        "event_id": f"slacore:{proposal.kind}:{proposal.definition_id}:v{proposal.version}",
        "version": proposal.version,
        "at": approval.at,
        "effective_from": proposal.effective_from,
        "published_by": proposal.actor,
        "approved_by": (approval.actor,),
        "definition": proposal.definition,
    }
    if proposal.kind == "policy":
        return PolicyPublished(policy_id=proposal.definition_id, **common)  # type: ignore[arg-type]
    if proposal.kind == "calendar":
        return CalendarPublished(calendar_id=proposal.definition_id, **common)  # type: ignore[arg-type]
    return ContractRegistered(contract_id=proposal.definition_id, **common)  # type: ignore[arg-type]


@dataclass
class Grant:
    """One grant of a role to an actor (and its revocation, if any)."""

    actor: str
    role: str
    granted_at: datetime
    granted_by: str
    position: int
    reason: str | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None
    revoked_position: int | None = None
    last_used: datetime | None = None
    """When the actor last did something this role allowed, while holding it."""
    last_used_for: str | None = None
    """What that was (``propose policy:standard-incident v2``)."""

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass
class Publication:
    """A published version, where it sits in the log and which proposal produced it."""

    event: PublishedEvent
    position: int
    recorded_at: datetime
    proposal_id: str | None = None


@dataclass
class Proposal:
    """A proposed version and what became of it."""

    event: VersionProposed
    position: int
    recorded_at: datetime
    status: Literal["pending", "approved", "declined"] = "pending"
    decision: VersionApproved | ProposalDeclined | None = None
    decision_position: int | None = None
    publication: Publication | None = None

    @property
    def proposal_id(self) -> str:
        return self.event.event_id

    @property
    def author(self) -> str:
        return self.event.actor

    @property
    def key(self) -> tuple[DefinitionKind, str]:
        return self.event.kind, self.event.definition_id

    @property
    def label(self) -> str:
        return f"{self.event.kind}:{self.event.definition_id} v{self.event.version}"


@dataclass(frozen=True)
class Anomaly:
    """A recorded fact the governance rules would have refused."""

    position: int
    event_id: str
    actor: str
    message: str


@dataclass
class GovernanceState:
    """Roles, grants, proposals and publications as of ``position`` (see the module
    docstring)."""

    roles: dict[str, tuple[Permission, ...]] = field(default_factory=dict)
    role_history: list[tuple[int, RoleDefined]] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    active: dict[str, dict[str, Grant]] = field(default_factory=dict)
    proposals: dict[str, Proposal] = field(default_factory=dict)
    published: dict[tuple[DefinitionKind, str], dict[int, Publication]] = field(
        default_factory=dict
    )
    denials: list[tuple[int, AttemptDenied]] = field(default_factory=list)
    uses: list[tuple[int, AccessUsed]] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    actors: dict[str, datetime] = field(default_factory=dict)
    """Every actor named in a governance fact, with when they were first seen."""
    position: int = 0

    # ------------------------------------------------------------------ questions

    @property
    def bootstrapped(self) -> bool:
        """True once any role was defined or granted."""
        return bool(self.roles or self.grants)

    def permissions_of(self, actor: str) -> set[Permission]:
        """The permissions ``actor`` holds now, through all their active roles."""
        out: set[Permission] = set()
        for role in self.active.get(actor, {}):
            out.update(self.roles.get(role, ()))
        return out

    def roles_of(self, actor: str) -> list[str]:
        """The roles ``actor`` holds now, sorted."""
        return sorted(self.active.get(actor, {}))

    def roles_granting(self, actor: str, permission: Permission) -> list[str]:
        """The active roles of ``actor`` that grant ``permission``, sorted."""
        return sorted(
            r for r in self.active.get(actor, {}) if permission in self.roles.get(r, ())
        )

    def holders(self, permission: Permission) -> list[str]:
        """The actors that hold ``permission`` now, sorted."""
        return sorted(a for a in self.active if permission in self.permissions_of(a))

    def versions(self, kind: DefinitionKind, definition_id: str) -> dict[int, Publication]:
        """The published versions of a definition, by version number."""
        return self.published.get((kind, definition_id), {})

    def latest(self, kind: DefinitionKind, definition_id: str) -> Publication | None:
        """The published version with the highest number, or ``None``."""
        versions = self.versions(kind, definition_id)
        return versions[max(versions)] if versions else None

    def previous(
        self, kind: DefinitionKind, definition_id: str, version: int
    ) -> Publication | None:
        """The published version a new ``version`` replaces: the highest below it."""
        below = [v for v in self.versions(kind, definition_id) if v < version]
        return self.versions(kind, definition_id)[max(below)] if below else None

    def approved_unpublished(self) -> list[Proposal]:
        """Approved proposals whose publication is not (yet) in the log and whose version
        is still free: a publication interrupted between the two writes."""
        return [
            p
            for p in self.proposals.values()
            if p.status == "approved"
            and p.publication is None
            and p.event.version not in self.versions(*p.key)
        ]

    # ------------------------------------------------------------------ the fold

    def apply(self, rec: RecordedEvent) -> None:
        """Fold one recorded event (others than governance facts are ignored)."""
        event = rec.event
        if isinstance(event, PolicyPublished | CalendarPublished | ContractRegistered):
            self._published(rec, event)
            self.position = max(self.position, rec.position)
            return
        if not isinstance(
            event,
            RoleDefined
            | RoleGranted
            | RoleRevoked
            | VersionProposed
            | VersionApproved
            | ProposalDeclined
            | AttemptDenied
            | AccessUsed,
        ):
            return
        self.position = max(self.position, rec.position)
        self.actors.setdefault(event.actor, event.at)
        if isinstance(event, RoleGranted | RoleRevoked):
            self.actors.setdefault(event.subject, event.at)
        if isinstance(event, AttemptDenied):
            self.denials.append((rec.position, event))
            return

        proposal = (
            self.proposals.get(event.proposal_id)
            if isinstance(event, VersionApproved | ProposalDeclined)
            else None
        )
        bootstrap = isinstance(event, RoleDefined | RoleGranted) and not self.grants
        permission = needed_permission(event, proposal.author if proposal else None)
        if permission is not None and not bootstrap:
            if permission not in self.permissions_of(event.actor):
                self._anomaly(rec, f"{event.actor!r} did not hold {permission!r} at this point")
            else:
                self._use(event.actor, permission, event.at, _describe(event))

        if isinstance(event, RoleDefined):
            self.roles[event.role] = event.permissions
            self.role_history.append((rec.position, event))
        elif isinstance(event, RoleGranted):
            if event.subject == event.actor and not bootstrap:
                self._anomaly(rec, f"{event.actor!r} granted a role to themselves")
            if event.role not in self.roles:
                self._anomaly(rec, f"role {event.role!r} is not defined")
            if event.role not in self.active.get(event.subject, {}):
                grant = Grant(event.subject, event.role, event.at, event.actor, rec.position,
                              event.reason)
                self.grants.append(grant)
                self.active.setdefault(event.subject, {})[event.role] = grant
        elif isinstance(event, RoleRevoked):
            held = self.active.get(event.subject, {})
            revoked = held.pop(event.role, None)
            if not held:
                self.active.pop(event.subject, None)
            if revoked is None:
                self._anomaly(rec, f"{event.subject!r} did not hold {event.role!r}")
            else:
                revoked.revoked_at, revoked.revoked_by = event.at, event.actor
                revoked.revoke_reason, revoked.revoked_position = event.reason, rec.position
        elif isinstance(event, VersionProposed):
            self.proposals[event.event_id] = Proposal(event, rec.position, rec.recorded_at)
        elif isinstance(event, AccessUsed):
            self.uses.append((rec.position, event))
        elif isinstance(event, VersionApproved | ProposalDeclined):
            if proposal is None:
                self._anomaly(rec, f"decision on unknown proposal {event.proposal_id!r}")
                return
            if proposal.status != "pending":
                self._anomaly(rec, f"proposal {event.proposal_id!r} was already decided")
                return
            if isinstance(event, VersionApproved) and event.actor == proposal.author:
                self._anomaly(rec, f"{event.actor!r} approved their own proposal")
            proposal.status = "approved" if isinstance(event, VersionApproved) else "declined"
            proposal.decision, proposal.decision_position = event, rec.position

    def _published(self, rec: RecordedEvent, event: PublishedEvent) -> None:
        key = kind_of(event)
        publication = Publication(event, rec.position, rec.recorded_at)
        self.published.setdefault(key, {})[event.version] = publication
        for p in self.proposals.values():
            if (
                p.status == "approved"
                and p.publication is None
                and p.key == key
                and p.event.version == event.version
                and isinstance(p.decision, VersionApproved)
                and publication_for(p.event, p.decision) == event
            ):
                p.publication, publication.proposal_id = publication, p.proposal_id
                return
        self._anomaly(
            rec,
            f"{key[0]}:{key[1]} v{event.version} was published without an approved "
            "proposal (no four-eyes approval in the log)",
            actor=event.published_by,
        )

    def _use(self, actor: str, permission: Permission, at: datetime, what: str) -> None:
        for role, grant in self.active.get(actor, {}).items():
            if permission in self.roles.get(role, ()) and (
                grant.last_used is None or at >= grant.last_used
            ):
                grant.last_used, grant.last_used_for = at, what

    def _anomaly(self, rec: RecordedEvent, message: str, *, actor: str | None = None) -> None:
        who = actor if actor is not None else getattr(rec.event, "actor", "")
        self.anomalies.append(Anomaly(rec.position, rec.event.event_id, who, message))


def _describe(event: object) -> str:
    if isinstance(event, VersionProposed):
        return f"propose {event.kind}:{event.definition_id} v{event.version}"
    if isinstance(event, VersionApproved):
        return f"approve {event.kind}:{event.definition_id} v{event.version}"
    if isinstance(event, ProposalDeclined):
        return f"decline {event.kind}:{event.definition_id} v{event.version}"
    if isinstance(event, RoleGranted):
        return f"grant {event.role} to {event.subject}"
    if isinstance(event, RoleRevoked):
        return f"revoke {event.role} from {event.subject}"
    if isinstance(event, RoleDefined):
        return f"define role {event.role}"
    if isinstance(event, AccessUsed):
        return f"{event.permission}: {event.what}"
    return type(event).__name__


def fold(records: Iterable[RecordedEvent], state: GovernanceState | None = None) -> GovernanceState:
    """Fold records (in log order) into ``state`` (a new one by default)."""
    state = state or GovernanceState()
    for rec in records:
        state.apply(rec)
    return state
