"""Verifying the log's hash chain, checkpoints, and chaining a store created before the
chain existed (see ``slacore.log.chain`` and docs/audit.md).

``verify_log(recorder, mapper, since_checkpoint)`` reads every stored event and its chain
row in position order and recomputes:

* each event's **leaf** from its stored content (``altered`` if it differs from the
  stored leaf: a changed payload, topic, stream or version, a removed value back);
* the **log link** from the previous row's stored log hash (``link``: an event before
  this one was removed or the order changed);
* the **stream link** and the stream's version sequence (``stream``);
* rows present on one side only (``missing_event``: the event row was deleted;
  ``unchained``: an event without a chain entry);
* the log hash recomputed from the content alone, from position 1, against the
  checkpoint (``checkpoint``: history up to it was rewritten, hashes included;
  ``truncated``: the log now ends before the checkpoint's position).

Local checks catch edits made outside slacore (SQL on the tables); only a checkpoint kept
outside the database catches a rewrite that recomputed every hash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Notification

from slacore.log.chain import (
    REDACTED,
    ZERO,
    ChainError,
    ChainRow,
    Checkpoint,
    field_digest,
    leaf_hash,
    link_rows,
    log_link,
    personal_commitment,
    personal_values,
    redact_text,
    seal,
    stream_link,
)
from slacore.log.recorders import LogRecorder, WriteTx
from slacore.log.records import EventMapper, event_from_text, split_envelope, state_text

__all__ = ["VerifyProblem", "VerifyReport", "adopt_chain", "event_leaf", "verify_log"]

_PAGE = 1000
_MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class VerifyProblem:
    """One finding: the position, a kind (``altered``, ``link``, ``stream``,
    ``missing_event``, ``unchained``, ``checkpoint``, ``truncated``) and a readable
    message."""

    position: int
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "kind": self.kind, "message": self.message}


@dataclass
class VerifyReport:
    """What ``EventLog.verify`` found.

    ``ok`` is true when nothing is wrong; ``first_bad_position`` names the earliest
    position found altered, removed, reordered or missing; ``head`` is the checkpoint
    of the log as verified (keep it outside the database for the next run);
    ``checkpoint_ok`` says whether the given checkpoint still matches (``None``: none
    given).  ``adopted_position``: positions up to it were chained by the migration of a
    store created before the chain existed (proven unchanged since then, not before)."""

    checked: int = 0
    head: Checkpoint = field(default_factory=lambda: Checkpoint(0, ZERO.hex()))
    problems: list[VerifyProblem] = field(default_factory=list)
    more_problems: int = 0
    checkpoint: Checkpoint | None = None
    checkpoint_ok: bool | None = None
    adopted_position: int | None = None
    redacted_events: int = 0
    redacted_values: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_position(self) -> int | None:
        return min((p.position for p in self.problems), default=None)

    def summary(self) -> str:
        if self.ok:
            text = f"ok: {self.checked} events verified, head {self.head.position} {self.head.head}"
            if self.checkpoint is not None:
                text += f"; checkpoint at {self.checkpoint.position} matches"
            return text
        first = min(self.problems, key=lambda p: p.position)
        count = len(self.problems) + self.more_problems
        return (
            f"NOT OK: {count} problem(s); first bad position {first.position}: "
            f"{first.message}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head": self.head.to_dict(),
            "first_bad_position": self.first_bad_position,
            "problems": [p.to_dict() for p in self.problems],
            "more_problems": self.more_problems,
            "checkpoint": None if self.checkpoint is None else self.checkpoint.to_dict(),
            "checkpoint_ok": self.checkpoint_ok,
            "adopted_position": self.adopted_position,
            "redacted_events": self.redacted_events,
            "redacted_values": self.redacted_values,
        }

    def _add(self, position: int, kind: str, message: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(VerifyProblem(position, kind, message))
        else:
            self.more_problems += 1


class _Altered(Exception):
    pass


def event_leaf(mapper: EventMapper, n: Notification, row: ChainRow) -> bytes:
    """The leaf recomputed from a stored event and the salts/digests of its chain row.
    Raises ``_Altered`` (with the reason) when the content cannot match."""
    try:
        envelope = mapper.plaintext(n.state)
    except Exception as exc:  # a cipher or compressor refusing tampered bytes
        raise _Altered(f"the stored state cannot be read: {exc}") from None
    stream, version, topic = str(n.originator_id), n.originator_version, n.topic
    if not row.salts and not row.redacted:
        return leaf_hash(n.id, stream, version, topic, envelope, b"")
    try:
        recorded, text = split_envelope(envelope)
        event = event_from_text(topic, text)
    except Exception as exc:
        raise _Altered(f"the stored event cannot be read: {exc}") from None
    present = personal_values(event)
    salts, removed = row.salts or {}, row.redacted or {}
    digests: dict[str, bytes] = {}
    for path, value in present.items():
        if path in removed:
            if value != REDACTED:
                raise _Altered(f"{path}: a value removed by retention is present again")
            digests[path] = bytes.fromhex(removed[path])
        elif path in salts:
            digests[path] = field_digest(bytes.fromhex(salts[path]), path, value)
    public = state_text(recorded, redact_text(text, present))
    return leaf_hash(n.id, stream, version, topic, public, personal_commitment(digests))


def _merged(
    recorder: LogRecorder, page: int = _PAGE
) -> Iterator[tuple[int, Notification | None, ChainRow | None]]:
    """Stored events and chain rows side by side, in position order."""
    next_event, next_chain = 1, 1
    events: list[Notification] = []
    chain: list[ChainRow] = []
    events_done = chain_done = False
    while True:
        if not events and not events_done:
            events = list(recorder.select_notifications(start=next_event, limit=page))
            events_done = len(events) < page
            if events:
                next_event = events[-1].id + 1
        if not chain and not chain_done:
            chain = recorder.select_chain(next_chain, page)
            chain_done = len(chain) < page
            if chain:
                next_chain = chain[-1].position + 1
        if not events and not chain:
            return
        pe = events[0].id if events else None
        pc = chain[0].position if chain else None
        if pc is None or (pe is not None and pe < pc):
            yield pe, events.pop(0), None  # type: ignore[misc]
        elif pe is None or pc < pe:
            yield pc, None, chain.pop(0)
        else:
            yield pe, events.pop(0), chain.pop(0)


def verify_log(
    recorder: LogRecorder,
    mapper: EventMapper,
    since_checkpoint: Checkpoint | None = None,
    *,
    now: Callable[[], datetime] | None = None,
) -> VerifyReport:
    """Verify the whole log (see the module docstring)."""
    report = VerifyReport(checkpoint=since_checkpoint)
    meta = recorder.meta()
    if "adopted_position" in meta:
        report.adopted_position = int(meta["adopted_position"])
    true_hash = ZERO  # recomputed from the content only
    stored_prev = ZERO  # the previous row's stored log hash
    streams: dict[str, tuple[int, bytes]] = {}  # stream -> (version, stored stream hash)
    cp = since_checkpoint
    last = 0
    for position, n, row in _merged(recorder):
        if cp is not None and report.checkpoint_ok is None and position > cp.position:
            report.checkpoint_ok = False
            report._add(
                cp.position,
                "checkpoint",
                f"the checkpoint's position {cp.position} is no longer in the log",
            )
        if n is None:
            assert row is not None
            report._add(
                position,
                "missing_event",
                f"position {position}: the event was deleted (its chain entry remains)",
            )
            stored_prev = row.log_hash
            streams[row.stream] = (row.version, row.stream_hash)
            last = position
            continue
        if row is None:
            report._add(
                position,
                "unchained",
                f"position {position}: an event without a chain entry (stored outside "
                "slacore, or by a version without the chain)",
            )
            last = position
            continue
        report.checked += 1
        last = position
        if row.redacted:
            report.redacted_events += 1
            report.redacted_values += len(row.redacted)
        stream = str(n.originator_id)
        try:
            leaf = event_leaf(mapper, n, row)
            bad = None
            if (stream, n.originator_version) != (row.stream, row.version):
                bad = (
                    f"position {position}: the event sits at {stream} v{n.originator_version} "
                    f"but was chained at {row.stream} v{row.version} (moved or reordered)"
                )
            elif leaf != row.leaf:
                bad = f"position {position}: the stored event was altered (its hash differs)"
        except _Altered as exc:
            leaf, bad = row.leaf, f"position {position}: {exc}"
        true_hash = log_link(true_hash, leaf)
        if bad is not None:
            report._add(position, "altered", bad)
        elif log_link(stored_prev, leaf) != row.log_hash:
            report._add(
                position,
                "link",
                f"position {position}: the chain from the previous position is broken (an "
                "event before it was removed, inserted or reordered)",
            )
        else:
            version, previous = streams.get(stream, (0, ZERO))
            if n.originator_version != version + 1:
                report._add(
                    position,
                    "stream",
                    f"position {position}: {stream} goes from version {version} to "
                    f"{n.originator_version} (an event of the stream was removed or "
                    "reordered)",
                )
            elif stream_link(previous, leaf) != row.stream_hash:
                report._add(
                    position,
                    "stream",
                    f"position {position}: the chain of {stream} is broken before "
                    f"version {n.originator_version}",
                )
        stored_prev = row.log_hash
        streams[row.stream] = (row.version, row.stream_hash)
        if cp is not None and position == cp.position:
            report.checkpoint_ok = true_hash.hex() == cp.head
            if not report.checkpoint_ok and report.ok:
                report._add(
                    position,
                    "checkpoint",
                    f"the log up to position {position} does not match the checkpoint: "
                    "it was rewritten, hashes included, at or before this position",
                )
    if cp is not None and report.checkpoint_ok is None:
        if cp.position == 0 and cp.head == ZERO.hex():
            report.checkpoint_ok = True
        else:
            report.checkpoint_ok = False
            report._add(
                last + 1,
                "truncated",
                f"the log ends at position {last}, before the checkpoint's position "
                f"{cp.position}: events were removed from its end",
            )
    report.head = Checkpoint(last, true_hash.hex(), now() if now else None)
    return report


def adopt_chain(
    tx: WriteTx,
    recorder: LogRecorder,
    mapper: EventMapper,
    adopted_at: str,
) -> int:
    """Chain a store created before the chain existed, from its current content ("trust
    from here on"); returns the number of events chained.  Runs inside a locked write
    transaction; does nothing if the store is already chained."""
    chained, tail, head = tx.chain_tail()
    if chained == head:
        tx.set_meta("format", "1")
        return 0
    if chained != 0:
        raise ChainError(
            f"the chain ends at position {chained} but events go up to {head}: events were "
            "stored without chain entries after the chain existed; verify the log"
        )
    count = 0
    stream_hashes: dict[str, bytes] = {}
    start = 1
    while True:
        page = list(recorder.select_notifications(start=start, limit=_PAGE, stop=head))
        sealed = []
        for n in page:
            envelope = mapper.plaintext(n.state)
            recorded, text = split_envelope(envelope)
            event = event_from_text(n.topic, text)
            stream = str(n.originator_id)
            sealed.append(
                (
                    n.id,
                    stream,
                    n.originator_version,
                    seal(event, text, n.id, stream, n.originator_version, n.topic, recorded,
                         state_text),
                )
            )
        rows = link_rows(sealed, tail, stream_hashes)
        if rows:
            tx.chain(rows)
            tail = rows[-1].log_hash
            count += len(rows)
        if len(page) < _PAGE:
            break
        start = page[-1].id + 1
    tx.set_meta("format", "1")
    tx.set_meta("adopted_position", str(head))
    tx.set_meta("adopted_at", adopted_at)
    return count
