"""The audit trail of every definition change: who proposed it and when, what changed
(a readable diff against the version it replaces), who approved or declined it and why,
where it sits in the log, and the changes that affect feasibility, flagged for review.

``audit_trail(state)`` is a pure function of a ``GovernanceState`` (fold the log as known
at any point to see the trail as it was then).  Publications that did not go through an
approved proposal (written directly with ``EventLog.publish``) are listed too, with the
status ``ungoverned``, and every anomaly and denied attempt is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slacore.clock import BusinessCalendar
from slacore.governance.diff import Change, diff
from slacore.governance.feasibility import REFERENCE_WEEKS, Flag, calendar_flags, policy_flags
from slacore.governance.state import Anomaly, GovernanceState, Publication, kind_of
from slacore.log import CalendarPublished, in_force
from slacore.log.governance_events import AttemptDenied, DefinitionKind

__all__ = ["AuditTrail", "TrailEntry", "audit_trail", "calendars_in_force", "policies_using"]

_META = ("version", "effective_from")


@dataclass(frozen=True)
class TrailEntry:
    """One definition change."""

    kind: DefinitionKind
    definition_id: str
    version: int
    status: str
    """``pending``, ``approved`` (published), ``approved-not-published`` (another
    version won the race), ``declined``, ``withdrawn``, or ``ungoverned`` (published
    without an approved proposal)."""
    author: str
    proposed_at: datetime
    effective_from: datetime
    position: int
    """The position of the proposal (of the publication for an ungoverned one)."""
    proposal_id: str | None = None
    note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    published_position: int | None = None
    previous_version: int | None = None
    changes: tuple[Change, ...] = ()
    flags: tuple[Flag, ...] = ()
    retroactive: bool = False
    """Approved after its ``effective_from``: tickets opened in between are re-evaluated."""

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.definition_id}"

    def text(self) -> str:
        """A readable block: header, decision, changes, flags."""
        prev = f" (replaces v{self.previous_version})" if self.previous_version else " (first)"
        lines = [
            f"{self.subject} v{self.version}{prev}: {self.status}",
            f"  proposed by {self.author} at {self.proposed_at.isoformat()} "
            f"(position {self.position}), effective from {self.effective_from.isoformat()}",
        ]
        if self.note:
            lines.append(f"  note: {self.note}")
        if self.decided_by is not None:
            verb = {"declined": "declined", "withdrawn": "withdrawn"}.get(self.status, "approved")
            assert self.decided_at is not None
            lines.append(f"  {verb} by {self.decided_by} at {self.decided_at.isoformat()}: "
                         f"{self.decision_reason}")
        if self.published_position is not None:
            lines.append(f"  in force from position {self.published_position}"
                         + (" (retroactive)" if self.retroactive else ""))
        if self.previous_version is None:  # a first version: its content, not a diff
            lines.append(f"  (first version: {len(self.changes)} values; see to_dict())")
        else:
            lines += [f"  {c.text()}" for c in self.changes] or ["  (no changes)"]
        lines += [f"  ! {f.text()}" for f in self.flags]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {
            "kind": self.kind, "definition_id": self.definition_id, "version": self.version,
            "status": self.status, "author": self.author,
            "proposed_at": self.proposed_at.isoformat(),
            "effective_from": self.effective_from.isoformat(), "position": self.position,
            "proposal_id": self.proposal_id, "note": self.note, "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decision_reason": self.decision_reason,
            "published_position": self.published_position,
            "previous_version": self.previous_version,
            "changes": [c.to_dict() for c in self.changes],
            "flags": [f.to_dict() for f in self.flags], "retroactive": self.retroactive,
        }


@dataclass(frozen=True)
class AuditTrail:
    """The trail (``entries`` in log order), the ``anomalies`` and the ``denials``."""

    entries: tuple[TrailEntry, ...]
    anomalies: tuple[Anomaly, ...] = ()
    denials: tuple[tuple[int, AttemptDenied], ...] = field(default=())
    position: int = 0

    @property
    def flagged(self) -> tuple[TrailEntry, ...]:
        """The entries with feasibility flags: the ones to review."""
        return tuple(e for e in self.entries if e.flags)

    def text(self) -> str:
        out = [f"Audit trail of SLA definitions (log position {self.position})", ""]
        out += [e.text() + "\n" for e in self.entries] or ["(no definition changes)", ""]
        if self.denials:
            out.append("Denied attempts:")
            out += [f"  {d.at.isoformat()} {d.actor} {d.command} {d.target}: {d.reason} "
                    f"(position {p})" for p, d in self.denials]
            out.append("")
        if self.anomalies:
            out.append("Anomalies (facts the rules would have refused):")
            out += [f"  position {a.position} ({a.event_id}, {a.actor}): {a.message}"
                    for a in self.anomalies]
        return "\n".join(out).rstrip() + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "entries": [e.to_dict() for e in self.entries],
            "denials": [{"position": p, **d.model_dump(mode="json")} for p, d in self.denials],
            "anomalies": [vars(a) for a in self.anomalies],
        }


def calendars_in_force(state: GovernanceState, when: datetime) -> dict[str, BusinessCalendar]:
    """The published calendars in force at ``when``, by id."""
    out: dict[str, BusinessCalendar] = {}
    for (kind, cid), versions in state.published.items():
        if kind != "calendar":
            continue
        chosen = in_force(
            [p.event for p in versions.values() if isinstance(p.event, CalendarPublished)], when
        )
        if chosen is not None:
            out[cid] = chosen.calendar()
    return out


def policies_using(state: GovernanceState, calendar_id: str) -> tuple[str, ...]:
    """The policies whose latest published version counts in ``calendar_id``."""
    users = []
    for (kind, pid), _ in sorted(state.published.items()):
        latest = state.latest(kind, pid)
        if kind != "policy" or latest is None:
            continue
        d = latest.event.definition
        named = {d.get("calendar", "always"), *(d.get("calendar_by_group") or {}).values()}
        for metric in (d.get("metrics") or {}).values():
            named |= {t.get("calendar") for t in metric.get("targets") or ()}
        if calendar_id in named:
            users.append(f"policy:{pid}")
    return tuple(users)


def _changes(
    kind: DefinitionKind, prev: Publication | None, definition: dict[str, Any],
    effective_from: datetime,
) -> tuple[Change, ...]:
    def strip(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if k not in _META} if kind == "policy" else d

    out = diff(strip(prev.event.definition) if prev else None, strip(definition))
    if prev is not None and prev.event.effective_from != effective_from:
        out.insert(0, Change("effective_from", prev.event.effective_from.isoformat(),
                             effective_from.isoformat()))
    return tuple(out)


def _flags(
    state: GovernanceState, kind: DefinitionKind, definition_id: str,
    prev: Publication | None, definition: dict[str, Any], effective_from: datetime, weeks: int,
) -> tuple[Flag, ...]:
    if prev is None:
        return ()
    if kind == "policy":
        return tuple(policy_flags(definition_id, prev.event.definition, definition,
                                  effective_from=effective_from,
                                  calendars=calendars_in_force(state, effective_from),
                                  weeks=weeks))
    if kind == "calendar":
        return tuple(calendar_flags(definition_id, prev.event.definition, definition,
                                    effective_from=effective_from, weeks=weeks,
                                    used_by=policies_using(state, definition_id)))
    return ()


def audit_trail(state: GovernanceState, *, weeks: int = REFERENCE_WEEKS) -> AuditTrail:
    """The audit trail of ``state`` (see the module docstring); ``weeks``: the reference
    window of the feasibility check."""
    entries: list[TrailEntry] = []
    for p in state.proposals.values():
        e = p.event
        prev = state.previous(e.kind, e.definition_id, e.version)
        decision = p.decision
        status: str = p.status
        if p.status == "approved" and p.publication is None:
            status = "approved-not-published"
        elif p.status == "declined" and decision is not None and decision.actor == p.author:
            status = "withdrawn"
        published = p.publication
        entries.append(TrailEntry(
            kind=e.kind, definition_id=e.definition_id, version=e.version, status=status,
            author=e.actor, proposed_at=e.at, effective_from=e.effective_from,
            position=p.position, proposal_id=e.event_id, note=e.note,
            decided_by=decision.actor if decision else None,
            decided_at=decision.at if decision else None,
            decision_reason=decision.reason if decision else None,
            published_position=published.position if published else None,
            previous_version=prev.event.version if prev else None,
            changes=_changes(e.kind, prev, e.definition, e.effective_from),
            flags=_flags(state, e.kind, e.definition_id, prev, e.definition, e.effective_from,
                         weeks),
            retroactive=bool(published and decision and e.effective_from < decision.at),
        ))
    for (kind, did), versions in state.published.items():
        for version, pub in versions.items():
            if pub.proposal_id is not None:
                continue
            ev = pub.event
            prev = state.previous(kind, did, version)
            entries.append(TrailEntry(
                kind=kind_of(ev)[0], definition_id=did, version=version, status="ungoverned",
                author=ev.published_by, proposed_at=ev.at, effective_from=ev.effective_from,
                position=pub.position,
                decided_by=", ".join(ev.approved_by) or None,
                decided_at=ev.at if ev.approved_by else None,
                decision_reason="(recorded in the publication only)" if ev.approved_by else None,
                published_position=pub.position,
                previous_version=prev.event.version if prev else None,
                changes=_changes(kind, prev, ev.definition, ev.effective_from),
                flags=_flags(state, kind, did, prev, ev.definition, ev.effective_from, weeks),
            ))
    entries.sort(key=lambda t: t.position)
    return AuditTrail(tuple(entries), tuple(state.anomalies), tuple(state.denials),
                      state.position)
