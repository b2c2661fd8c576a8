"""Governance facts as events of the log: who may change SLA definitions, who proposed,
approved or declined a change, and which attempts were denied (see docs/governance.md).

They sit in the same log, and the same total order, as ticket facts and the published
versions, so "who could change this policy at that moment, and who did" is answered from
the log as known at any position.  The rules that produce them live in
``slacore.governance``; here are only the recorded facts.

| event | stream |
|---|---|
| ``RoleDefined`` | ``role:<role>`` |
| ``RoleGranted``, ``RoleRevoked`` | ``actor:<subject>`` |
| ``AttemptDenied``, ``AccessUsed`` | ``actor:<actor>`` |
| ``VersionProposed``, ``VersionApproved``, ``ProposalDeclined`` | ``<kind>:<definition_id>`` |
| ``ContractRegistered`` (a published contract version) | ``contract:<contract_id>`` |

A proposal never takes effect by itself: only an approval by another actor produces the
``PolicyPublished`` / ``CalendarPublished`` / ``ContractRegistered`` event that
evaluation uses.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

from slacore.log.versions import Instant, Name, _json_plain, _VersionBase

__all__ = [
    "DEFINITION_KINDS",
    "GOVERNANCE_TYPES",
    "PERMISSIONS",
    "AccessUsed",
    "AttemptDenied",
    "ContractRegistered",
    "DefinitionKind",
    "GovernanceEvent",
    "Permission",
    "ProposalDeclined",
    "RoleDefined",
    "RoleGranted",
    "RoleRevoked",
    "VersionApproved",
    "VersionProposed",
]

Permission: TypeAlias = Literal["propose", "approve", "manage-roles", "audit", "read"]
#: What a role can grant: propose definition changes, approve (or decline) others'
#: proposals, define/grant/revoke roles, run governance reports, read definitions.
PERMISSIONS: tuple[Permission, ...] = ("propose", "approve", "manage-roles", "audit", "read")

DefinitionKind: TypeAlias = Literal["policy", "calendar", "contract"]
DEFINITION_KINDS: tuple[DefinitionKind, ...] = ("policy", "calendar", "contract")

JsonObject = Annotated[dict[str, Any], AfterValidator(_json_plain)]


class ContractRegistered(_VersionBase):
    """A version of a contract was registered (stream ``contract:<contract_id>``); the
    definition is the contract as JSON-plain data."""

    type: Literal["contract_registered"] = "contract_registered"
    contract_id: Name

    @property
    def stream(self) -> str:
        return f"contract:{self.contract_id}"


class _GovernanceBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    event_id: Name
    at: Instant
    """When the command was given (the caller's clock)."""
    actor: Name
    """Who gave it (as authenticated by the calling system)."""

    @property
    def stream(self) -> str:
        raise NotImplementedError


class RoleDefined(_GovernanceBase):
    """A role and the permissions it grants (a later definition replaces an earlier)."""

    type: Literal["role_defined"] = "role_defined"
    role: Name
    permissions: tuple[Permission, ...]

    @property
    def stream(self) -> str:
        return f"role:{self.role}"


class RoleGranted(_GovernanceBase):
    """``actor`` granted ``role`` to ``subject``."""

    type: Literal["role_granted"] = "role_granted"
    subject: Name
    role: Name
    reason: str | None = None

    @property
    def stream(self) -> str:
        return f"actor:{self.subject}"


class RoleRevoked(_GovernanceBase):
    """``actor`` revoked ``role`` from ``subject``."""

    type: Literal["role_revoked"] = "role_revoked"
    subject: Name
    role: Name
    reason: str | None = None

    @property
    def stream(self) -> str:
        return f"actor:{self.subject}"


class VersionProposed(_GovernanceBase):
    """``actor`` proposed ``version`` of a policy, calendar or contract; it is not in force
    until another actor approves it.  The proposal id is the ``event_id``."""

    type: Literal["version_proposed"] = "version_proposed"
    kind: DefinitionKind
    definition_id: Name
    version: StrictInt = Field(ge=1)
    effective_from: Instant
    definition: JsonObject
    note: str | None = None

    @property
    def stream(self) -> str:
        return f"{self.kind}:{self.definition_id}"


class _Decision(_GovernanceBase):
    proposal_id: Name
    kind: DefinitionKind
    definition_id: Name
    version: StrictInt = Field(ge=1)
    reason: Name

    @property
    def stream(self) -> str:
        return f"{self.kind}:{self.definition_id}"


class VersionApproved(_Decision):
    """``actor`` approved a proposal, for ``reason`` (the publication follows)."""

    type: Literal["version_approved"] = "version_approved"


class ProposalDeclined(_Decision):
    """``actor`` declined (or, as its author, withdrew) a proposal, for ``reason``."""

    type: Literal["proposal_declined"] = "proposal_declined"


class AttemptDenied(_GovernanceBase):
    """``actor`` tried ``command`` on ``target`` and was refused for ``reason``."""

    type: Literal["attempt_denied"] = "attempt_denied"
    command: Name
    target: str
    permission: Permission | None = None
    reason: Name

    @property
    def stream(self) -> str:
        return f"actor:{self.actor}"


class AccessUsed(_GovernanceBase):
    """``actor`` used ``permission`` for something that leaves no other trace (running a
    governance report, reading definitions through a gate)."""

    type: Literal["access_used"] = "access_used"
    permission: Permission
    what: Name

    @property
    def stream(self) -> str:
        return f"actor:{self.actor}"


GovernanceEvent: TypeAlias = (
    RoleDefined
    | RoleGranted
    | RoleRevoked
    | VersionProposed
    | VersionApproved
    | ProposalDeclined
    | AttemptDenied
    | AccessUsed
    | ContractRegistered
)
GOVERNANCE_TYPES: dict[str, type[GovernanceEvent]] = {
    "role_defined": RoleDefined,
    "role_granted": RoleGranted,
    "role_revoked": RoleRevoked,
    "version_proposed": VersionProposed,
    "version_approved": VersionApproved,
    "proposal_declined": ProposalDeclined,
    "attempt_denied": AttemptDenied,
    "access_used": AccessUsed,
    "contract_registered": ContractRegistered,
}
