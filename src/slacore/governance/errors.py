"""The errors of governance commands.

``Unauthorized`` is the one that is also recorded: every refused attempt (a missing
permission, a self-approval, a self-grant) is stored as an ``AttemptDenied`` event before
the error is raised, and the error carries it.  Invalid input (a blank approval reason, an
invalid policy) raises ``slacore.errors.InvalidInput`` and records nothing.
"""

from __future__ import annotations

from slacore.errors import SlacoreError
from slacore.log.governance_events import AttemptDenied

__all__ = [
    "ConcurrentChange",
    "GovernanceError",
    "ProposalNotPending",
    "StaleProposal",
    "Unauthorized",
    "UnknownProposal",
]


class GovernanceError(SlacoreError):
    """Base class of the governance errors."""


class Unauthorized(GovernanceError, PermissionError):
    """An attempt the authorisation model refuses; ``denial`` is the recorded event."""

    def __init__(self, denial: AttemptDenied) -> None:
        self.denial = denial
        super().__init__(
            f"denied: {denial.actor!r} may not {denial.command} {denial.target}: "
            f"{denial.reason} (recorded as {denial.event_id})"
        )


class UnknownProposal(GovernanceError, LookupError):
    """No proposal with that id is in the log."""


class ProposalNotPending(GovernanceError):
    """The proposal was already approved, declined or withdrawn."""


class StaleProposal(GovernanceError):
    """The proposal's version no longer follows the latest published version."""


class ConcurrentChange(GovernanceError):
    """Another command changed the same thing between the check and the write; nothing of
    this command was stored (reload and retry)."""
