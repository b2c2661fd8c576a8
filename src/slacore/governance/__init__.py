"""Who may change SLA definitions: an authorisation model recorded in the log, four-eyes
approval of every policy, calendar and contract version, denied attempts recorded, and
the reports auditors ask for (audit trail with diffs, access review, feasibility flags).
See docs/governance.md.
"""

from slacore.governance.access_review import AccessReview, AccessRow, access_review
from slacore.governance.audit import AuditTrail, TrailEntry, audit_trail
from slacore.governance.commands import Governance
from slacore.governance.diff import MISSING, Change, apply_changes, diff
from slacore.governance.errors import (
    ConcurrentChange,
    GovernanceError,
    ProposalNotPending,
    StaleProposal,
    Unauthorized,
    UnknownProposal,
)
from slacore.governance.feasibility import Flag, calendar_flags, policy_flags
from slacore.governance.roles import DEFAULT_ROLES, PERMISSIONS, Permission
from slacore.governance.state import GovernanceState, fold

__all__ = [
    "DEFAULT_ROLES",
    "MISSING",
    "PERMISSIONS",
    "AccessReview",
    "AccessRow",
    "AuditTrail",
    "Change",
    "ConcurrentChange",
    "Flag",
    "Governance",
    "GovernanceError",
    "GovernanceState",
    "Permission",
    "ProposalNotPending",
    "StaleProposal",
    "TrailEntry",
    "Unauthorized",
    "UnknownProposal",
    "access_review",
    "apply_changes",
    "audit_trail",
    "calendar_flags",
    "diff",
    "fold",
    "policy_flags",
]
