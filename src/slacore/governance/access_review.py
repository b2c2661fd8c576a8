"""The access review, for the periodic recertification of who may change SLAs: every
actor, every role they hold (or held), when and by whom it was granted, and when it was
last used, with the actor's denied attempts.

"Last used" of a grant is the ``at`` of the latest governance fact the actor recorded
with a permission of that role while holding it (a proposal uses ``propose``, an approval
``approve``, a grant ``manage-roles``, a report run ``audit``, ``Governance.authorize``
the permission it checks).  A grant never used shows ``never``: a candidate for removal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slacore.governance.state import GovernanceState

__all__ = ["AccessReview", "AccessRow", "access_review"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class AccessRow:
    """One grant (``role`` is ``None`` for an actor that never held a role)."""

    actor: str
    role: str | None
    permissions: tuple[str, ...]
    granted_at: datetime | None
    granted_by: str | None
    last_used: datetime | None
    last_used_for: str | None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    denied_attempts: int = 0

    @property
    def active(self) -> bool:
        return self.role is not None and self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor, "role": self.role, "permissions": list(self.permissions),
            "granted_at": _iso(self.granted_at), "granted_by": self.granted_by,
            "last_used": _iso(self.last_used), "last_used_for": self.last_used_for,
            "revoked_at": _iso(self.revoked_at), "revoked_by": self.revoked_by,
            "active": self.active, "denied_attempts": self.denied_attempts,
        }


@dataclass(frozen=True)
class AccessReview:
    """The rows, sorted by actor then grant order, as of log ``position``."""

    rows: tuple[AccessRow, ...]
    position: int

    def text(self) -> str:
        header = ("actor", "role", "granted", "by", "last used", "status", "denied")
        table = [header]
        for r in self.rows:
            status = "active" if r.active else (
                f"revoked {r.revoked_at.date()} by {r.revoked_by}" if r.revoked_at else "no role")
            table.append((
                r.actor, r.role or "-", r.granted_at.isoformat() if r.granted_at else "-",
                r.granted_by or "-",
                f"{r.last_used.isoformat()} ({r.last_used_for})" if r.last_used else "never",
                status, str(r.denied_attempts),
            ))
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                 for row in table]
        return f"Access review (log position {self.position})\n" + "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "rows": [r.to_dict() for r in self.rows]}


def access_review(state: GovernanceState, *, include_revoked: bool = True) -> AccessReview:
    """The access review of ``state`` (see the module docstring)."""
    denied: dict[str, int] = {}
    for _, d in state.denials:
        denied[d.actor] = denied.get(d.actor, 0) + 1
    rows: list[AccessRow] = []
    with_grants = set()
    for g in state.grants:
        with_grants.add(g.actor)
        if not include_revoked and not g.active:
            continue
        rows.append(AccessRow(
            actor=g.actor, role=g.role, permissions=tuple(state.roles.get(g.role, ())),
            granted_at=g.granted_at, granted_by=g.granted_by, last_used=g.last_used,
            last_used_for=g.last_used_for, revoked_at=g.revoked_at, revoked_by=g.revoked_by,
            denied_attempts=denied.get(g.actor, 0),
        ))
    for actor in state.actors:
        if actor not in with_grants:
            rows.append(AccessRow(actor, None, (), None, None, None, None,
                                  denied_attempts=denied.get(actor, 0)))
    order = {id(r): i for i, r in enumerate(rows)}
    rows.sort(key=lambda r: (r.actor, order[id(r)]))
    return AccessReview(tuple(rows), state.position)
