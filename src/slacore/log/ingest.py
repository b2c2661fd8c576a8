"""Idempotent, batched ingestion: what happened to every event given, and the write of
one batch inside one locked transaction.

Every event given ends in exactly one of four outcomes (nothing is dropped silently):

* **stored**: a new ``event_id``; appended to its subject's stream;
* **duplicate**: the ``event_id`` is already in the log (or earlier in the same input)
  with the same content, ``canonical_json`` equality (so the same fact written with
  another UTC offset is a duplicate); skipped and counted;
* **conflict**: the ``event_id`` is already in the log with *different* content; the
  new version is refused and reported with the stored one (first stored wins);
* **rejected**: not a valid event (``parse_event`` refused it); reported with the reason
  and its index (and line, for JSON Lines).

``event_id`` is unique **across the whole log** (all tickets, services and versions): an
event id index is written in the same transaction as the events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from slacore.errors import Problem, SlacoreError
from slacore.events import EventBase, InvalidEvent, canonical_json
from slacore.log.chain import REDACTED, ChainError, link_rows, personal_values, redact, seal
from slacore.log.recorders import IndexRow, WriteTx
from slacore.log.records import (
    EventMapper,
    LogEvent,
    digest_of,
    event_from_text,
    event_text,
    recorded_text,
    state_prefix,
    state_text,
    stream_of,
    topic_of,
)

__all__ = ["IngestConflict", "IngestError", "IngestReport", "Rejected"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)


@dataclass(frozen=True)
class Rejected:
    """An input that is not a valid event: where it was and why."""

    index: int
    """0-based position in the input (for JSON Lines: among the non-blank lines)."""
    line: int | None
    """1-based line number (JSON Lines input), else ``None``."""
    event_id: str | None
    reason: str
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "line": self.line,
            "event_id": self.event_id,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class IngestConflict:
    """An event whose ``event_id`` is stored with different content (refused)."""

    event_id: str
    index: int
    line: int | None
    incoming: LogEvent
    """The version given now (not stored)."""
    stored: LogEvent
    """The version in the log."""
    stored_position: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "index": self.index,
            "line": self.line,
            "stored_position": self.stored_position,
            "incoming": event_text(self.incoming),
            "stored": event_text(self.stored),
        }


@dataclass
class IngestReport:
    """What ``EventLog.ingest`` did with every event given.

    ``received == stored + duplicates + len(conflicts) + len(rejected)``.
    """

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    conflicts: list[IngestConflict] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    first_position: int | None = None
    last_position: int | None = None
    transactions: int = 0
    retries: int = 0

    @property
    def ok(self) -> bool:
        """No conflicts and nothing rejected."""
        return not self.conflicts and not self.rejected

    def summary(self) -> str:
        text = (
            f"{self.received} received: {self.stored} stored, {self.duplicates} duplicate, "
            f"{len(self.conflicts)} conflicting, {len(self.rejected)} rejected"
        )
        if self.first_position is not None:
            text += f" (positions {self.first_position}-{self.last_position})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "rejected": [r.to_dict() for r in self.rejected],
            "first_position": self.first_position,
            "last_position": self.last_position,
            "transactions": self.transactions,
            "retries": self.retries,
        }

    def _positions(self, positions: Sequence[int]) -> None:
        if positions:
            lo, hi = min(positions), max(positions)
            first, last = self.first_position, self.last_position
            self.first_position = lo if first is None else min(lo, first)
            self.last_position = hi if last is None else max(hi, last)


class IngestError(SlacoreError):
    """The log could not be written (after retries).  ``report`` says what was stored by
    the transactions that committed before the failure; ingesting the same input again
    is safe (idempotent)."""

    def __init__(self, message: str, report: IngestReport) -> None:
        super().__init__(message)
        self.report = report


def rejected(exc: InvalidEvent, index: int, line: int | None) -> Rejected:
    """A ``Rejected`` from a parse error, with the message naming the index or line."""
    located = InvalidEvent(
        exc.problems,
        line=line,
        index=None if line is not None else index,
        event_id=exc.event_id,
    )
    return Rejected(index, line, exc.event_id, str(located), tuple(exc.problems))


@dataclass(slots=True)
class Item:
    """One valid event on its way into the log."""

    index: int
    line: int | None
    event: LogEvent
    text: str
    data: bytes
    """``text`` in UTF-8 (encoded once: digested, stored and hashed into the chain)."""
    digest: bytes
    stream: str
    topic: str

    @classmethod
    def of(cls, event: LogEvent, index: int, line: int | None) -> Item:
        text = event_text(event)
        data = text.encode()
        return cls(
            index, line, event, text, data, digest_of(data), stream_of(event), topic_of(event)
        )


def same_content(a: LogEvent, b: LogEvent) -> bool:
    """The same fact (``canonical_json`` equality; versions compare as models)."""
    if isinstance(a, EventBase) and isinstance(b, EventBase):
        return canonical_json(a) == canonical_json(b)
    return a == b


def same_as_stored(stored: LogEvent, incoming: LogEvent) -> bool:
    """``same_content``, where personal values that retention removed from the stored
    version are removed from the incoming one too (re-ingesting an old export after
    retention is a duplicate, not a conflict, and brings nothing back)."""
    if same_content(stored, incoming):
        return True
    if not isinstance(stored, EventBase) or not isinstance(incoming, EventBase):
        return False
    removed = [p for p, v in personal_values(stored).items() if v == REDACTED]
    return bool(removed) and same_content(stored, redact(incoming, removed))  # type: ignore[arg-type]


@dataclass
class BatchOutcome:
    stored: int
    duplicates: int
    conflicts: list[IngestConflict]
    positions: list[int]


def write_batch(
    tx: WriteTx,
    items: Sequence[Item],
    mapper: EventMapper,
    now: Callable[[], datetime],
) -> BatchOutcome:
    """Decide and write one batch inside a locked transaction (see the module docstring).

    ``recorded_at`` is taken after the lock and never before the log's latest recorded
    time, so recorded times never decrease along positions."""
    ids = list(dict.fromkeys(item.event.event_id for item in items))
    existing = tx.existing(ids)
    heads = tx.heads(list(dict.fromkeys(item.stream for item in items)))
    last_us = tx.last_recorded_us()
    now_us = (now() - _EPOCH) // _US
    recorded_us = max(now_us, last_us or 0)
    recorded = recorded_text(_EPOCH + recorded_us * _US)

    # Stored versions whose exact JSON differs from an incoming one: compare canonically.
    to_fetch = sorted(
        {
            existing[i.event.event_id][1]
            for i in items
            if i.event.event_id in existing and existing[i.event.event_id][0] != i.digest
        }
    )
    fetched = tx.notifications(to_fetch) if to_fetch else {}
    stored_versions: dict[int, LogEvent] = {
        pos: event_from_text(n.topic, mapper.event_text(n.state)) for pos, n in fetched.items()
    }

    new: dict[str, Item] = {}
    appended: list[Item] = []
    versions: list[int] = []
    duplicates = 0
    pending: list[tuple[Item, Item | int]] = []  # conflicts: (incoming, first item | position)
    for item in items:
        eid = item.event.event_id
        first = new.get(eid)
        if first is not None:
            if first.digest == item.digest or same_content(first.event, item.event):
                duplicates += 1
            else:
                pending.append((item, first))
            continue
        known = existing.get(eid)
        if known is not None:
            digest, position = known
            if digest == item.digest or same_as_stored(stored_versions[position], item.event):
                duplicates += 1
            else:
                pending.append((item, position))
            continue
        version = heads.get(item.stream, 0) + 1
        heads[item.stream] = version
        new[eid] = item
        appended.append(item)
        versions.append(version)

    positions: Sequence[int] = []
    if appended:
        positions = append_new(tx, appended, versions, mapper, recorded, recorded_us)
    position_of = {i.event.event_id: p for i, p in zip(appended, positions, strict=True)}
    conflicts = []
    for item, other in pending:
        if isinstance(other, Item):
            stored_event, position = other.event, position_of[other.event.event_id]
        else:
            stored_event, position = stored_versions[other], other
        conflicts.append(
            IngestConflict(
                item.event.event_id, item.index, item.line, item.event, stored_event, position
            )
        )
    return BatchOutcome(len(appended), duplicates, conflicts, list(positions))


def append_new(
    tx: WriteTx,
    items: Sequence[Item],
    versions: Sequence[int],
    mapper: EventMapper,
    recorded: str,
    recorded_us: int,
) -> Sequence[int]:
    """Append new events (``items[k]`` at version ``versions[k]`` of its stream), their
    chain rows and their id-index rows; their positions."""
    # The chain's tail and the touched streams' hashes, read under the lock before
    # appending; every stored event must already be chained.
    chained, tail, head = tx.chain_tail()
    if chained != head:
        raise ChainError(
            f"the log has events without chain entries after position {chained} "
            f"(up to {head}): written by an older slacore or outside it; run "
            "EventLog.verify() and see docs/audit.md"
        )
    stream_hashes = tx.stream_hashes(list(dict.fromkeys(i.stream for i in items)))
    # Each state is built once, in UTF-8: stored (through the mapper's compressor and
    # cipher, if any) and, for an event without personal values, hashed as it is.
    prefix = state_prefix(recorded)
    states = [prefix + i.data + b"}" for i in items]
    positions = tx.append(
        [
            (i.stream, v, i.topic, mapper.encode(state))
            for i, v, state in zip(items, versions, states, strict=True)
        ]
    )
    # Generators, not lists: each event's leaf and index row die as soon as they are
    # written instead of living through the batch (fewer objects for the garbage collector
    # to promote and rescan; in a process holding many objects that was ~10% of ingest).
    sealed = (
        (p, i.stream, v, seal(i.event, i.text, p, i.stream, v, i.topic, recorded, state_text,
                              state=state))
        for i, v, p, state in zip(items, versions, positions, states, strict=True)
    )
    tx.chain(link_rows(sealed, tail, stream_hashes))
    tx.index(
        IndexRow(i.event.event_id, i.digest, i.stream, v, p, recorded_us)
        for i, v, p in zip(items, versions, positions, strict=True)
    )
    return positions
