"""What every command needs: the event store, the calendars, the policy, and the tickets
evaluated from the store.

* **Store** (``--store``): a log URL (``sqlite:///x.db``, ``postgresql://…``) or a plain path
  to an SQLite file; default ``$SLACORE_STORE``, else ``sqlite:///slacore.db``.  Commands
  that only read refuse an SQLite file that does not exist (instead of creating an empty
  one).
* **Calendars** (``--calendars FILE``): a YAML/JSON/TOML mapping ``{id: calendar spec}``
  (optionally under a top-level ``calendars`` key).  Without it, the latest version of every
  calendar published in the store (``CalendarPublished``).
* **Policy** (``--policy FILE``): a policy file.  Without it, the policy published in the
  store (``PolicyPublished``; exactly one policy id), each ticket evaluated with the
  version in force at its opening, as ``SlaProjection`` does.
* **as_of**: ``--as-of`` (an ISO 8601 instant with offset, or ``now``); by default the
  store's horizon, the ``at`` of its latest event, so that the figures of a store never
  depend on when the command runs.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from slacore.cli.errors import CliError
from slacore.clock import BusinessCalendar
from slacore.errors import InvalidInput
from slacore.events import (
    Event,
    ServiceEventBase,
    TicketEventBase,
    TicketOpened,
    TicketUpdated,
)
from slacore.loading import load_policy, read_document
from slacore.log import DEFAULT_URL, EventLog, KnownAt, PolicyPublished, in_force, open_log
from slacore.log.settings import StoreSettings, settings_from
from slacore.policies import Policy, TicketSla, evaluate

__all__ = [
    "Evaluated",
    "PolicySource",
    "Session",
    "load_calendar_file",
    "parse_as_of",
    "parse_known_at",
    "store_settings",
]

UTC = timezone.utc


# --------------------------------------------------------------------------- store


def store_settings(value: str | None) -> StoreSettings:
    """Settings from ``--store``: a URL, a path to an SQLite file, or nothing."""
    raw = value or os.environ.get("SLACORE_STORE") or DEFAULT_URL
    url = raw if "://" in raw else "sqlite:///" + raw
    return settings_from(url)


def open_store(value: str | None, *, create: bool = False) -> EventLog:
    """Open the event store; ``create=False`` refuses an SQLite file that does not exist."""
    settings = store_settings(value)
    if settings.backend == "sqlite" and not create and settings.path != ":memory:" \
            and not settings.path.startswith("file:") and not Path(settings.path).exists():
        raise CliError(
            f"no event store at {settings.path}: ingest events first ('slacore ingest FILE' "
            "or 'slacore demo'), or name one with --store")
    try:
        return open_log(settings)
    except Exception as exc:  # connection refused, not a database, permission denied …
        from slacore.cli.errors import describe

        raise CliError(f"cannot open the event store {settings.url()}: {describe(exc)}") from exc


# --------------------------------------------------------------------------- times


def parse_instant(text: str, option: str) -> datetime:
    """An aware instant from ISO 8601 text (``Z`` allowed); ``CliError`` naming the option."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise CliError(f"{option}: {text!r} is not an ISO 8601 instant "
                       "(e.g. 2026-10-31T18:00:00+01:00)") from None
    if value.utcoffset() is None:
        raise CliError(f"{option}: {text!r} has no UTC offset; add one "
                       "(e.g. 2026-10-31T18:00:00+01:00 or …Z)")
    return value


def parse_as_of(text: str | None, horizon: datetime | None) -> datetime:
    """``--as-of``: an instant, ``now`` (the wall clock), or by default the horizon."""
    if text is None:
        if horizon is None:
            raise CliError("the store holds no events: nothing to evaluate")
        return horizon
    if text.strip().lower() == "now":
        return datetime.now(UTC)
    return parse_instant(text, "--as-of")


def parse_known_at(text: str) -> KnownAt:
    """``--as-known-at``: a log position (an integer) or a recorded instant."""
    if re.fullmatch(r"\s*\d+\s*", text):
        return int(text)
    return parse_instant(text, "--as-known-at")


# --------------------------------------------------------------------------- calendars


def load_calendar_file(path: Path) -> dict[str, BusinessCalendar]:
    """Calendars from a file: ``{id: spec}`` (or ``{calendars: {id: spec}}``)."""
    data = read_document(path)
    if isinstance(data, Mapping) and isinstance(data.get("calendars"), Mapping):
        data = data["calendars"]
    if not isinstance(data, Mapping) or not data:
        raise CliError(f"{path}: a calendars file maps calendar ids to calendar definitions")
    out: dict[str, BusinessCalendar] = {}
    for cid, spec in data.items():
        if not isinstance(spec, Mapping):
            raise CliError(f"{path}: {cid}: a calendar definition is a mapping "
                           f"(timezone, hours, holidays …), not {type(spec).__name__}")
        try:
            out[str(cid)] = BusinessCalendar.from_spec(spec)
        except InvalidInput as exc:
            raise CliError(f"{path}: calendar {cid!r}: {exc}") from None
    return out


def store_calendars(log: EventLog, known_at: KnownAt = None) -> dict[str, BusinessCalendar]:
    """The latest published version of every calendar in the store."""
    out: dict[str, BusinessCalendar] = {}
    upto = log.resolve(known_at)
    for stream in log.recorder.streams("calendar", upto):
        cid = stream.partition(":")[2]
        versions = log.calendar_versions(cid, as_known_at=known_at)
        if versions:
            out[cid] = versions[-1].calendar()
    return out


# --------------------------------------------------------------------------- policies


@dataclass
class PolicySource:
    """A fixed policy (from a file) or the versions published in the store."""

    policy: Policy | None = None
    versions: list[PolicyPublished] = field(default_factory=list)
    calendar_ids: tuple[str, ...] = ()
    origin: str = ""
    _parsed: dict[int, Policy] = field(default_factory=dict)

    @property
    def policy_id(self) -> str:
        return self.policy.id if self.policy is not None else self.versions[0].policy_id

    def for_ticket(self, events: Sequence[Event]) -> Policy | None:
        """The policy that governs a ticket: the file's, or the version in force at the
        ticket's opening (its first ``opened``, else its earliest event)."""
        if self.policy is not None:
            return self.policy
        if not events:
            return None
        opened = [e.at for e in events if isinstance(e, TicketOpened)]
        when = min(opened) if opened else min(e.at for e in events)
        version = in_force(self.versions, when)
        if version is None:
            return None
        if version.version not in self._parsed:
            self._parsed[version.version] = version.policy(calendars=self.calendar_ids)
        return self._parsed[version.version]

    def latest(self) -> Policy:
        """The file's policy, or the latest published version."""
        if self.policy is not None:
            return self.policy
        return self.for_ticket_version(self.versions[-1])

    def for_ticket_version(self, version: PolicyPublished) -> Policy:
        if version.version not in self._parsed:
            self._parsed[version.version] = version.policy(calendars=self.calendar_ids)
        return self._parsed[version.version]

    def fingerprint(self) -> str:
        """A short digest of the policy (all versions), for naming views."""
        if self.policy is not None:
            text = self.policy.model_dump_json()
        else:
            text = json.dumps([v.model_dump(mode="json") for v in self.versions], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:10]


def load_policy_source(path: Path | None, log: EventLog | None,
                       calendars: Mapping[str, BusinessCalendar],
                       known_at: KnownAt = None) -> PolicySource:
    """The policy from ``--policy FILE``, else the one published in the store."""
    ids = tuple(calendars)
    if path is not None:
        try:
            policy = load_policy(path, calendars=ids)
        except InvalidInput as exc:
            raise CliError(f"{path}: {exc}") from None
        return PolicySource(policy=policy, calendar_ids=ids, origin=str(path))
    if log is None:
        raise CliError("no policy: pass --policy FILE")
    upto = log.resolve(known_at)
    names = [s.partition(":")[2] for s in log.recorder.streams("policy", upto)]
    if not names:
        raise CliError("no policy: the store has none published; pass --policy FILE")
    if len(names) > 1:
        raise CliError(f"the store holds several policies ({', '.join(names)}); "
                       "choose one with --policy FILE")
    versions = log.policy_versions(names[0], as_known_at=known_at)
    source = PolicySource(versions=versions, calendar_ids=ids,
                          origin=f"{names[0]} (published in the store)")
    try:
        source.latest()
    except InvalidInput as exc:
        raise CliError(f"the published policy {names[0]!r}: {exc}") from None
    return source


# --------------------------------------------------------------------------- evaluation


@dataclass
class Evaluated:
    """Every ticket of the store evaluated at ``as_of``: results and histories."""

    as_of: datetime
    results: list[TicketSla]
    histories: dict[str, list[Event]]
    skipped: list[str]
    """Tickets no policy version governs."""


def service_names(events: Iterable[Event]) -> list[str]:
    """The services a ticket's events name (sorted)."""
    out: set[str] = set()
    for e in events:
        values: Mapping[str, Any] | None = None
        if isinstance(e, TicketOpened):
            values = e.fields
        elif isinstance(e, TicketUpdated):
            values = e.changes
        if values is not None and isinstance(values.get("service"), str):
            out.add(values["service"])
    return sorted(out)


@dataclass
class Session:
    """An open store with its calendars and policy (a context manager)."""

    log: EventLog
    calendars: dict[str, BusinessCalendar]
    policy: PolicySource
    known_at: KnownAt = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.log.close()

    @classmethod
    def open(cls, store: str | None, policy: Path | None, calendars: Path | None,
             *, known_at: KnownAt = None, need_policy: bool = True) -> Session:
        """Open the store (it must exist) and resolve calendars and policy."""
        log = open_store(store)
        try:
            cals = load_calendar_file(calendars) if calendars is not None else \
                store_calendars(log, known_at)
            source = load_policy_source(policy, log, cals, known_at) if need_policy \
                else PolicySource(calendar_ids=tuple(cals))
        except BaseException:
            log.close()
            raise
        return cls(log, cals, source, known_at)

    def read(self, known_at: KnownAt = None) -> tuple[dict[str, list[Event]],
                                                      dict[str, list[Event]]]:
        """All ticket and service events (by id) as known at ``known_at``."""
        tickets: dict[str, list[Event]] = defaultdict(list)
        services: dict[str, list[Event]] = defaultdict(list)
        for rec in self.log.read(upto=known_at):
            event = rec.event
            if isinstance(event, TicketEventBase):
                tickets[event.ticket_id].append(event)
            elif isinstance(event, ServiceEventBase):
                services[event.service_id].append(event)
        return dict(tickets), dict(services)

    def evaluate_all(self, as_of: str | datetime | None = None, *, known_at: KnownAt = None,
                     tickets: Sequence[str] | None = None,
                     advance: Callable[[int], None] | None = None,
                     total: Callable[[int], None] | None = None) -> Evaluated:
        """Evaluate every ticket (or ``tickets``) at ``as_of`` (text from ``--as-of``, an
        instant, or ``None`` for the horizon of the events read)."""
        by_ticket, by_service = self.read(known_at)
        if tickets is not None:
            missing = [t for t in tickets if t not in by_ticket]
            if missing:
                raise CliError(unknown_ticket_message(missing[0], list(by_ticket)))
            by_ticket = {t: by_ticket[t] for t in tickets}
        instant = as_of if isinstance(as_of, datetime) else parse_as_of(
            as_of, horizon(by_ticket, by_service))
        if total is not None:
            total(len(by_ticket))
        results, skipped = [], []
        for tid in sorted(by_ticket):
            events = by_ticket[tid]
            policy = self.policy.for_ticket(events)
            if policy is None:
                skipped.append(tid)
            else:
                services = [e for s in service_names(events) for e in by_service.get(s, [])]
                try:
                    results.append(evaluate(policy, events, calendars=self.calendars,
                                            services=services, as_of=instant))
                except InvalidInput as exc:
                    raise CliError(f"ticket {tid}: {exc}") from None
            if advance is not None:
                advance(1)
        return Evaluated(instant, results, by_ticket, skipped)

    def ticket_events(self, ticket_id: str, known_at: KnownAt = None) -> list[Event]:
        """One ticket's events; ``CliError`` (with near matches) when it is unknown."""
        events = self.log.ticket_events(ticket_id, as_known_at=known_at)
        if not events:
            raise CliError(unknown_ticket_message(ticket_id,
                                                  self.log.tickets(as_known_at=known_at)))
        return events

    def services_of(self, events: Sequence[Event], known_at: KnownAt = None) -> list[Event]:
        return [e for s in service_names(events)
                for e in self.log.service_events(s, as_known_at=known_at)]


def horizon(*groups: Mapping[str, Sequence[Event]]) -> datetime | None:
    """The latest ``at`` among the events (in UTC), or ``None``."""
    latest: datetime | None = None
    for group in groups:
        for events in group.values():
            for e in events:
                if latest is None or e.at > latest:
                    latest = e.at
    return None if latest is None else latest.astimezone(UTC)


def unknown_ticket_message(ticket_id: str, known: Sequence[str]) -> str:
    """``unknown ticket 'X'`` with the closest known ids, if any."""
    close = difflib.get_close_matches(ticket_id, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown ticket {ticket_id!r}: the store has no events for it{hint}"
