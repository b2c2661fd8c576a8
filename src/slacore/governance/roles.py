"""The authorisation model: permissions, the default roles, and which permission each
recorded governance fact needs.

Roles are data: ``RoleDefined`` events in the log say which permissions a role grants
(``Governance.bootstrap`` records the defaults below; ``define_role`` changes or adds
roles).  Permissions are a fixed vocabulary, because the commands check them:

| permission | allows |
|---|---|
| ``propose`` | proposing policy, calendar, contract versions and changes; withdrawing them |
| ``approve`` | approving or declining another actor's proposal |
| ``manage-roles`` | defining roles, granting and revoking them |
| ``audit`` | running the governance reports (audit trail, access review) |
| ``read`` | reading definitions through ``Governance.authorize`` (for the caller's read paths) |
"""

from __future__ import annotations

from collections.abc import Mapping

from slacore.log.governance_events import (
    PERMISSIONS,
    AccessUsed,
    GovernanceEvent,
    Permission,
    ProposalDeclined,
    RoleDefined,
    RoleGranted,
    RoleRevoked,
    VersionApproved,
    VersionProposed,
)

__all__ = ["DEFAULT_ROLES", "PERMISSIONS", "Permission", "needed_permission"]

#: The roles ``Governance.bootstrap`` defines unless told otherwise.  The administrator
#: cannot approve and the approver cannot propose: a change needs two people.
DEFAULT_ROLES: Mapping[str, tuple[Permission, ...]] = {
    "sla-admin": ("propose", "manage-roles", "read"),
    "approver": ("approve", "read"),
    "auditor": ("audit", "read"),
    "reader": ("read",),
}


def needed_permission(event: GovernanceEvent, author: str | None = None) -> Permission | None:
    """The permission the actor of ``event`` needed to record it (``None``: a fact that
    needs none, such as a denied attempt or a publication, which follows an approval).

    ``author`` is the author of the proposal a decline refers to: an author withdrawing
    their own proposal needs ``propose``, anyone else ``approve``."""
    if isinstance(event, RoleDefined | RoleGranted | RoleRevoked):
        return "manage-roles"
    if isinstance(event, VersionProposed):
        return "propose"
    if isinstance(event, VersionApproved):
        return "approve"
    if isinstance(event, ProposalDeclined):
        return "propose" if author == event.actor else "approve"
    if isinstance(event, AccessUsed):
        return event.permission
    return None
