"""The hash chain that makes the log tamper-evident (see docs/audit.md).

Every stored event gets a **leaf** hash, computed at ingestion in the same transaction::

    leaf = H_leaf(position, stream, version, topic, public_state, personal)

``public_state`` is the stored JSON envelope (``recorded_at`` and the event) with every
*personal value* replaced by ``REDACTED``; ``personal`` commits to the personal values
one by one: for each personal field ``path`` with a value,
``d(path) = H_field[key=salt(path)](path, value)`` with a random 16-byte salt per event
and field, and ``personal = H_pii(sorted (path, d(path)))`` (empty when the event has no
personal value).  Removing a personal value later (retention) keeps ``d(path)`` and drops
the salt, so the leaf stays recomputable without the value, and the salted digest cannot
be reversed by guessing names.

The leaves are linked twice:

* the **log chain**: ``log_hash(p) = H_link(log_hash(previous position), leaf(p))``;
* the **stream chain**: ``stream_hash(s, v) = H_stream(stream_hash(s, v-1), leaf)``;

both starting from 32 zero bytes.  A **checkpoint** ``(position, log_hash)`` kept outside
the database proves the first ``position`` events; ``slacore.log.verify`` recomputes
everything from the stored content.

``H_*`` are BLAKE2b-256 with distinct personalisation strings (domain separation); all
variable-length inputs are length-prefixed, so no two different inputs hash alike by
concatenation.  Personal fields (fixed by format version 1): the envelope's ``actor`` and,
in ``opened.fields`` / ``updated.changes``, ``assignee``, ``customer`` and every
``attributes.<name>`` (free attributes: caller, descriptions, ...).  ``None`` values are
not personal.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from slacore.errors import SlacoreError
from slacore.events import EventBase, TicketOpened, TicketUpdated
from slacore.events.codec import dump_raw, load_raw

__all__ = [
    "CHAIN_FORMAT",
    "PERSONAL_FIELDS",
    "REDACTED",
    "ZERO",
    "ChainError",
    "ChainRow",
    "Checkpoint",
    "Sealed",
    "field_digest",
    "leaf_hash",
    "log_link",
    "personal_commitment",
    "personal_values",
    "redact",
    "seal",
    "stream_link",
    "value_text",
]

CHAIN_FORMAT = 1
ZERO = bytes(32)
REDACTED = "[redacted]"
"""What a removed personal value reads as (a valid value of every personal field)."""
PERSONAL_FIELDS = ("actor", "assignee", "customer", "attributes.*")
"""The fields retention may remove (``attributes.*``: every free attribute)."""

_TICKET_PERSONAL = ("assignee", "customer")


class ChainError(SlacoreError):
    """The chain cannot be extended or used (e.g. events stored without chain entries)."""


class ChainRow(NamedTuple):
    """One row of the chain table (``<prefix>_chain``), one per stored event, fields in
    column order.

    ``salts`` holds the salt of each personal value still present (hex), ``redacted``
    the salted digest of each value removed by retention (hex)."""

    position: int
    stream: str
    version: int
    leaf: bytes
    stream_hash: bytes
    log_hash: bytes
    salts: Mapping[str, str] | None = None
    redacted: Mapping[str, str] | None = None

    def salts_json(self) -> str | None:
        return _dump(self.salts)

    def redacted_json(self) -> str | None:
        return _dump(self.redacted)


def _dump(value: Mapping[str, str] | None) -> str | None:
    return json.dumps(dict(value), sort_keys=True, separators=(",", ":")) if value else None


def load_map(text: str | None) -> dict[str, str] | None:
    """A ``salts`` / ``redacted`` column back as a mapping."""
    if not text:
        return None
    data = json.loads(text)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError("not a mapping of field paths to hex strings")
    return data


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A point of the log an auditor keeps outside the database: the position and the
    log hash there (hex).  ``verify(since_checkpoint=cp)`` proves that the first
    ``position`` events are still exactly the ones hashed into ``head``."""

    position: int
    head: str
    taken_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "head": self.head,
            "taken_at": None if self.taken_at is None else self.taken_at.isoformat(),
            "format": CHAIN_FORMAT,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        """A checkpoint from ``to_dict`` output (e.g. read back from a JSON file)."""
        position, head = data.get("position"), data.get("head")
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise ValueError(f"checkpoint position must be an integer >= 0, not {position!r}")
        if not isinstance(head, str) or len(head) != 64:
            raise ValueError(f"checkpoint head must be 64 hex digits, not {head!r}")
        bytes.fromhex(head)
        taken = data.get("taken_at")
        return cls(position, head, datetime.fromisoformat(taken) if taken else None)


# --------------------------------------------------------------------------- hashing


def _h(person: bytes, *parts: bytes, key: bytes = b"") -> bytes:
    h = hashlib.blake2b(digest_size=32, person=person, key=key)
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.digest()


# Templates copied per use (cheaper than building a personalised hasher each time).
_LEAF = hashlib.blake2b(digest_size=32, person=b"slacore-leaf-v1")
_LINK = hashlib.blake2b(digest_size=32, person=b"slacore-link-v1")
_STREAM = hashlib.blake2b(digest_size=32, person=b"slacore-strm-v1")


def value_text(value: Any) -> bytes:
    """A personal value as typed bytes (``s:``, ``i:``, ``d:``, ``b:``), so that ``1`` and
    ``"1"`` never commit alike."""
    if isinstance(value, bool):
        return b"b:1" if value else b"b:0"
    if isinstance(value, str):
        return b"s:" + value.encode()
    if isinstance(value, int):
        return b"i:" + str(value).encode()
    if isinstance(value, Decimal):
        return b"d:" + str(value).encode()
    raise TypeError(f"not a personal value: {type(value).__name__}")


def field_digest(salt: bytes, path: str, value: Any) -> bytes:
    """The salted digest of one personal value."""
    return _h(b"slacore-fld-v1", path.encode(), value_text(value), key=salt)


def personal_commitment(digests: Mapping[str, bytes]) -> bytes:
    """What a leaf commits to for an event's personal values (``b""`` when none)."""
    if not digests:
        return b""
    parts: list[bytes] = []
    for path in sorted(digests):
        parts += [path.encode(), digests[path]]
    return _h(b"slacore-pii-v1", *parts)


def leaf_hash(
    position: int,
    stream: str,
    version: int,
    topic: str,
    public_state: str | bytes,
    personal: bytes,
) -> bytes:
    """The leaf of one stored event (see the module docstring): BLAKE2b-256
    (personalised ``slacore-leaf-v1``) of
    ``b"<position>\\0<version>\\0<n>:<stream><n>:<topic><n>:<public_state>" + personal``,
    each ``<n>`` the byte length of the UTF-8 text after it (``public_state`` as text or
    as its UTF-8 bytes; ``personal`` is empty or 32 bytes)."""
    sb, tb = stream.encode(), topic.encode()
    pb = public_state.encode() if isinstance(public_state, str) else public_state
    h = _LEAF.copy()
    h.update(
        b"%d\x00%d\x00%d:%b%d:%b%d:" % (position, version, len(sb), sb, len(tb), tb, len(pb))
    )
    h.update(pb)
    h.update(personal)
    return h.digest()


def log_link(previous: bytes, leaf: bytes) -> bytes:
    """The log hash after ``leaf`` (both 32 bytes)."""
    h = _LINK.copy()
    h.update(previous)
    h.update(leaf)
    return h.digest()


def stream_link(previous: bytes, leaf: bytes) -> bytes:
    """The stream hash after ``leaf`` (both 32 bytes)."""
    h = _STREAM.copy()
    h.update(previous)
    h.update(leaf)
    return h.digest()


# --------------------------------------------------------------------------- personal data


def _container(event: EventBase) -> tuple[str, Mapping[str, Any]] | None:
    if isinstance(event, TicketOpened):
        return "fields", event.fields
    if isinstance(event, TicketUpdated):
        return "changes", event.changes
    return None


def personal_values(event: Any) -> dict[str, Any]:
    """``{path: value}`` of the event's personal values (non-``None``), e.g.
    ``{"actor": "jdoe", "assignee": "amy", "attributes.caller": "Bob"}``."""
    if not isinstance(event, EventBase):
        return {}
    out: dict[str, Any] = {}
    if event.actor is not None:
        out["actor"] = event.actor
    found = _container(event)
    if found is not None:
        fields = found[1]
        for name in _TICKET_PERSONAL:
            value = fields.get(name)
            if value is not None:
                out[name] = value
        attributes = fields.get("attributes")
        if attributes:
            for name, value in attributes.items():
                if value is not None:
                    out["attributes." + name] = value
    return out


def redact(event: EventBase, paths: Iterable[str]) -> EventBase:
    """A copy of ``event`` whose values at ``paths`` read ``REDACTED``."""
    paths = set(paths)
    update: dict[str, Any] = {}
    if "actor" in paths and event.actor is not None:
        update["actor"] = REDACTED
    found = _container(event)
    if found is not None:
        name, fields = found
        new = dict(fields)
        for key in _TICKET_PERSONAL:
            if key in paths and new.get(key) is not None:
                new[key] = REDACTED
        attributes = new.get("attributes")
        if attributes:
            new["attributes"] = {
                k: (REDACTED if v is not None and "attributes." + k in paths else v)
                for k, v in attributes.items()
            }
        if new != fields:
            update[name] = new
    return event.model_copy(update=update) if update else event


def redact_text(text: str, paths: Iterable[str]) -> str:
    """The stored JSON ``text`` of an event with its values at ``paths`` reading
    ``REDACTED``, everything else byte for byte as stored.  Works on the text, not on the
    current model, so that a stored event written in an older format of its type keeps
    the public text its leaf was computed from.  Equals ``to_json(redact(event, paths))``
    for text written by this version (tested)."""
    paths = set(paths)
    if not paths:
        return text
    raw = load_raw(text)
    if "actor" in paths and raw.get("actor") is not None:
        raw["actor"] = REDACTED
    for name in ("fields", "changes"):
        values = raw.get(name)
        if not isinstance(values, dict):
            continue
        for key in _TICKET_PERSONAL:
            if key in paths and values.get(key) is not None:
                values[key] = REDACTED
        attributes = values.get("attributes")
        if isinstance(attributes, dict):
            for key, value in attributes.items():
                if value is not None and "attributes." + key in paths:
                    attributes[key] = REDACTED
    return dump_raw(raw)


class Sealed(NamedTuple):
    """An event's leaf and the salts of its personal values (hex), at ingestion."""

    leaf: bytes
    salts: dict[str, str] | None


def seal(
    event: Any,
    text: str,
    position: int,
    stream: str,
    version: int,
    topic: str,
    recorded: str,
    envelope: Any,
    *,
    state: bytes | None = None,
) -> Sealed:
    """Leaf and salts of a new event (``text``: its stored JSON; ``envelope(recorded,
    text)`` builds the stored state text; ``state``: that text's UTF-8 bytes when the
    caller already has them, the public state of an event without personal values)."""
    personal = personal_values(event)
    if not personal:
        public = envelope(recorded, text) if state is None else state
        return Sealed(leaf_hash(position, stream, version, topic, public, b""), None)
    salts = {path: os.urandom(16) for path in personal}
    digests = {path: field_digest(salts[path], path, v) for path, v in personal.items()}
    public = envelope(recorded, redact_text(text, personal))
    leaf = leaf_hash(position, stream, version, topic, public, personal_commitment(digests))
    return Sealed(leaf, {path: s.hex() for path, s in salts.items()})


def link_rows(
    sealed: Iterable[tuple[int, str, int, Sealed]],
    tail: bytes,
    stream_heads: dict[str, bytes],
) -> list[ChainRow]:
    """Chain rows for new events ``(position, stream, version, sealed)`` in position
    order, after the log hash ``tail`` and the streams' current hashes (updated)."""
    rows = []
    for position, stream, version, s in sealed:
        tail = log_link(tail, s.leaf)
        sh = stream_link(stream_heads.get(stream, ZERO), s.leaf)
        stream_heads[stream] = sh
        rows.append(ChainRow(position, stream, version, s.leaf, sh, tail, s.salts))
    return rows
