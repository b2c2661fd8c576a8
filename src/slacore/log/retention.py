"""Retention: removing personal values from old events without breaking the hash chain
(see ``slacore.log.chain`` and docs/audit.md).

A ``RetentionPolicy`` is a list of rules, each naming event types, personal fields and an
age::

    RetentionPolicy(rules=[
        RetentionRule(types=["opened", "updated"], older_than="3y",
                      fields=["assignee", "customer", "attributes.*"]),
        RetentionRule(types=["*"], fields=["actor"], older_than="3y"),
    ])

With ``closed_only`` (the default) a ticket's events qualify when the ticket is closed
(its latest ``closed``/``cancelled``/``reopened`` event is a closing one) and that closing
is older than the age at ``as_of``; otherwise (and for service events) each event's own
``at`` is aged.  Each qualifying value is replaced by ``REDACTED`` in the stored event,
its salted digest is kept in the chain row and its salt deleted, so the chain still
verifies and the value cannot be recovered by guessing.  Timestamps, types, states,
priorities, groups, ids and the order of events are untouched, so SLA results over the
retained events are those of the original events, provided no policy reads a removed
field: such a field is refused (``RetentionConflict``) unless the caller overrides it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Notification
from pydantic import BaseModel, ConfigDict, Field, field_validator

from slacore.errors import SlacoreError
from slacore.events import EVENT_TYPES, TICKET_FIELDS, EventBase, TicketEventBase
from slacore.log.chain import REDACTED, ChainRow, field_digest, personal_values, redact_text
from slacore.log.records import (
    digest_of,
    event_from_text,
    split_envelope,
    state_text,
)
from slacore.log.verify import _Altered, event_leaf

if TYPE_CHECKING:
    from slacore.log.store import EventLog

__all__ = [
    "RetentionConflict",
    "RetentionError",
    "RetentionPolicy",
    "RetentionReport",
    "RetentionRule",
    "apply_retention",
    "fields_read_by",
]

_AGE = re.compile(r"^([1-9][0-9]{0,3})([yd])$")
_FIELD = re.compile(r"^(actor|assignee|customer|attributes\.(\*|.+))$")
_CLOSING = ("closed", "cancelled")
_BATCH = 500


class RetentionError(SlacoreError):
    """Retention could not run (e.g. an event to purge fails verification)."""


class RetentionConflict(RetentionError):
    """A rule would remove a field that a policy reads: results would change."""

    def __init__(self, clashes: Sequence[tuple[str, str]]) -> None:
        self.clashes = tuple(clashes)
        listed = ", ".join(f"{f!r} (read by {who})" for f, who in clashes)
        super().__init__(
            f"retention would remove fields that policies read, which would change SLA "
            f"results: {listed}; leave them out of the rules or pass them in "
            "allow_fields= deliberately"
        )


class RetentionRule(BaseModel):
    """Remove ``fields`` from events of ``types`` older than ``older_than`` (``"3y"``,
    ``"400d"``).  ``types``: event types, or ``["*"]`` for all ticket and service
    types.  ``fields``: ``actor``, ``assignee``, ``customer``, ``attributes.<name>`` or
    ``attributes.*``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    types: tuple[str, ...] = Field(min_length=1)
    fields: tuple[str, ...] = Field(min_length=1)
    older_than: str
    closed_only: bool = True

    @field_validator("types")
    @classmethod
    def _types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for t in value:
            if t != "*" and t not in EVENT_TYPES:
                raise ValueError(f"unknown event type {t!r}; known: {', '.join(EVENT_TYPES)}")
        return value

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for f in value:
            if not _FIELD.match(f):
                raise ValueError(
                    f"{f!r} is not a personal field; retention removes only actor, assignee, "
                    "customer, attributes.<name> or attributes.* (the fields the chain "
                    "commits to separately)"
                )
        return value

    @field_validator("older_than")
    @classmethod
    def _age(cls, value: str) -> str:
        if not _AGE.match(value):
            raise ValueError(f"{value!r} is not an age; write e.g. '3y' or '400d'")
        return value

    def cutoff(self, as_of: datetime) -> datetime:
        """The latest instant old enough at ``as_of``."""
        m = _AGE.match(self.older_than)
        assert m is not None
        n, unit = int(m.group(1)), m.group(2)
        if unit == "d":
            return as_of - timedelta(days=n)
        year = as_of.year - n
        if year < 1:
            return datetime.min.replace(tzinfo=as_of.tzinfo)
        try:
            return as_of.replace(year=year)
        except ValueError:  # 29 February in a year without one
            return as_of.replace(year=year, day=28)

    def applies(self, event: EventBase) -> bool:
        return "*" in self.types or event.type in self.types

    def matches(self, path: str) -> bool:
        return path in self.fields or (
            path.startswith("attributes.") and "attributes.*" in self.fields
        )


class RetentionPolicy(BaseModel):
    """A list of retention rules (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[RetentionRule, ...] = Field(min_length=1)


@dataclass
class RetentionReport:
    """What retention removed (or would remove, with ``dry_run``)."""

    as_of: datetime
    dry_run: bool
    events: int = 0
    values: int = 0
    by_type_field: Counter[tuple[str, str]] = field(default_factory=Counter)
    tickets: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        parts = ", ".join(f"{t}.{f}: {n}" for (t, f), n in sorted(self.by_type_field.items()))
        return (
            f"retention as of {self.as_of.isoformat()} {verb} {self.values} personal value(s) "
            f"from {self.events} event(s) of {len(self.tickets)} ticket(s) and "
            f"{len(self.services)} service(s)" + (f" ({parts})" if parts else "")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "events": self.events,
            "values": self.values,
            "by_type_field": {
                f"{t}.{f}": n for (t, f), n in sorted(self.by_type_field.items())
            },
            "tickets": self.tickets,
            "services": self.services,
            "positions": self.positions,
        }


# --------------------------------------------------------------------------- policies


def fields_read_by(definition: Any) -> set[str]:
    """The ticket fields a policy definition (a ``Policy``, its JSON data, or a
    published version's ``definition``) may read: every mapping key that names a ticket
    field or ``attributes.<name>``.  Over-approximates (a metric named like a field
    counts), which only makes retention more careful."""
    if hasattr(definition, "model_dump"):
        definition = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                if isinstance(k, str) and (k in TICKET_FIELDS or k.startswith("attributes.")):
                    found.add(k)
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    walk(definition)
    return found


def _clashes(
    policy: RetentionPolicy, readers: Mapping[str, set[str]], allow: set[str]
) -> list[tuple[str, str]]:
    clashes = []
    for who, fields in sorted(readers.items()):
        for f in sorted(fields):
            if f in allow:
                continue
            if any(rule.matches(f) for rule in policy.rules):
                clashes.append((f, who))
    return clashes


# --------------------------------------------------------------------------- planning


def _closed_at(events: Iterable[EventBase]) -> datetime | None:
    """When the ticket was closed for good (its latest lifecycle event closes it)."""
    lifecycle = [e for e in events if e.type in (*_CLOSING, "reopened")]
    if not lifecycle:
        return None
    last = max(lifecycle, key=lambda e: (e.at, e.type in _CLOSING, e.event_id))
    return last.at if last.type in _CLOSING else None


def _plan(
    log: EventLog, policy: RetentionPolicy, as_of: datetime
) -> list[tuple[int, str, list[str]]]:
    """``(position, subject, paths)`` of every event with values to remove."""
    cutoffs = [(rule, rule.cutoff(as_of)) for rule in policy.rules]
    plan: list[tuple[int, str, list[str]]] = []
    streams = [("ticket:" + t) for t in log.tickets()] + [
        ("service:" + s) for s in log.services()
    ]
    for stream in streams:
        recs = [(r.position, r.event) for r in log.stream(stream)]
        events = [(p, e) for p, e in recs if isinstance(e, EventBase)]
        closed = _closed_at(e for _, e in events) if stream.startswith("ticket:") else None
        for position, event in events:
            present = {p for p, v in personal_values(event).items() if v != REDACTED}
            if not present:
                continue
            paths: set[str] = set()
            for rule, cutoff in cutoffs:
                if not rule.applies(event):
                    continue
                if rule.closed_only and isinstance(event, TicketEventBase):
                    if closed is None or closed > cutoff:
                        continue
                elif event.at > cutoff:
                    continue
                paths |= {p for p in present if rule.matches(p)}
            if paths:
                plan.append((position, stream, sorted(paths)))
    return plan


# --------------------------------------------------------------------------- applying


def _purge_one(
    log: EventLog, n: Notification, row: ChainRow, paths: Sequence[str]
) -> tuple[bytes, str | None, str | None, str, bytes, list[tuple[str, str]]]:
    """The rewrite of one event: new state, salts, redactions, id, digest, and what was
    removed ``(type, path)``."""
    try:
        if event_leaf(log.mapper, n, row) != row.leaf:
            raise _Altered("its hash differs from the chain")
    except _Altered as exc:
        raise RetentionError(
            f"position {n.id} fails verification ({exc}); nothing was removed. Run "
            "EventLog.verify() and investigate before applying retention"
        ) from None
    recorded, text = split_envelope(log.mapper.plaintext(n.state))
    event = event_from_text(n.topic, text)
    assert isinstance(event, EventBase)
    present = personal_values(event)
    salts = dict(row.salts or {})
    removed = dict(row.redacted or {})
    done: list[tuple[str, str]] = []
    for path in paths:
        if path not in present or path in removed or path not in salts:
            continue
        removed[path] = field_digest(bytes.fromhex(salts.pop(path)), path, present[path]).hex()
        done.append((event.type, path))
    new_text = redact_text(text, [p for _, p in done])  # the stored text, not re-written
    state = log.mapper.encode_state(state_text(recorded, new_text))
    new_row = ChainRow(
        row.position, row.stream, row.version, row.leaf, row.stream_hash, row.log_hash,
        salts or None, removed or None,
    )
    check = Notification(
        id=n.id, originator_id=n.originator_id, originator_version=n.originator_version,
        topic=n.topic, state=state,
    )
    if event_leaf(log.mapper, check, new_row) != row.leaf:  # pragma: no cover - a bug guard
        raise RetentionError(f"position {n.id}: the purged event would not verify")
    return (
        state, new_row.salts_json(), new_row.redacted_json(), event.event_id,
        digest_of(new_text), done,
    )


def apply_retention(
    log: EventLog,
    policy: RetentionPolicy,
    *,
    as_of: datetime,
    policies: Iterable[Any] = (),
    allow_fields: Iterable[str] = (),
    dry_run: bool = False,
) -> RetentionReport:
    """Apply ``policy`` to the log as of ``as_of`` (aware; the log never reads the wall
    clock for this).  ``policies``: the policies whose results must stay re-verifiable
    (``Policy`` objects or their data), in addition to every policy version published in
    the log; a rule that would remove a field one of them reads raises
    ``RetentionConflict`` unless the field is in ``allow_fields``.  Each event to purge is
    verified first (``RetentionError`` if it fails); the rewrite of each batch is one
    locked transaction.  ``dry_run`` reports without changing anything."""
    if as_of.utcoffset() is None:
        raise ValueError("as_of must be a timezone-aware datetime")
    readers: dict[str, set[str]] = {}
    for i, p in enumerate(policies):
        name = getattr(p, "id", None) or (p.get("id") if isinstance(p, Mapping) else None)
        readers[f"policy {name or i!s}"] = fields_read_by(p)
    for stream in log.recorder.streams("policy"):
        for v in log.policy_versions(stream.removeprefix("policy:")):
            readers[f"policy {v.policy_id} v{v.version}"] = fields_read_by(v.definition)
    clashes = _clashes(policy, readers, set(allow_fields))
    if clashes:
        raise RetentionConflict(clashes)

    report = RetentionReport(as_of=as_of, dry_run=dry_run)
    plan = _plan(log, policy, as_of)
    tickets: set[str] = set()
    services: set[str] = set()
    for start in range(0, len(plan), _BATCH):
        part = plan[start : start + _BATCH]
        wanted = {position: paths for position, _, paths in part}

        def run(tx: Any, wanted: dict[int, list[str]] = wanted) -> list[tuple[int, list[Any]]]:
            notes = tx.notifications(list(wanted))
            rows = tx.chain_rows(list(wanted))
            out = []
            for position, paths in wanted.items():
                if position not in notes or position not in rows:
                    raise RetentionError(f"position {position} is missing; verify the log")
                state, salts, redacted, event_id, digest, done = _purge_one(
                    log, notes[position], rows[position], paths
                )
                if done and not dry_run:
                    tx.rewrite(position, state, salts, redacted, event_id, digest)
                out.append((position, done))
            if dry_run:
                raise _DryRun(out)
            return out

        try:
            outcome = log.recorder.write(run)
        except _DryRun as dry:
            outcome = dry.outcome
        subjects = {position: subject for position, subject, _ in part}
        for position, done in outcome:
            if not done:
                continue
            report.events += 1
            report.values += len(done)
            report.by_type_field.update(done)
            report.positions.append(position)
            kind, _, ident = subjects[position].partition(":")
            (tickets if kind == "ticket" else services).add(ident)
    report.tickets = sorted(tickets)
    report.services = sorted(services)
    report.positions.sort()
    if report.events and not dry_run:
        scrub = getattr(log.recorder, "scrub", None)
        if scrub is not None:
            scrub()
    return report


class _DryRun(Exception):
    """Rolls a dry run's transaction back, carrying what it would have done."""

    def __init__(self, outcome: list[tuple[int, list[Any]]]) -> None:
        super().__init__("dry run")
        self.outcome = outcome

