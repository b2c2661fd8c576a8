"""The append-only event log (DESIGN §7) on ``eventsourcing``: SQLite by default,
PostgreSQL for teams, in memory for tests.

Idempotent, batched ingestion (``EventLog.ingest`` → ``IngestReport``), reading by ticket,
by service and in log order, "as known at" a position or a recorded time, policy and
calendar versions as events.  See docs/store.md.
"""

from slacore.log.ingest import IngestConflict, IngestError, IngestReport, Rejected
from slacore.log.records import EventMapper, LogEvent, RecordedEvent, stream_of, topic_of
from slacore.log.settings import DEFAULT_URL, InvalidSettings, StoreSettings
from slacore.log.store import EventLog, KnownAt, open_log
from slacore.log.versions import CalendarPublished, PolicyPublished, VersionEvent, in_force

__all__ = [
    "DEFAULT_URL",
    "CalendarPublished",
    "EventLog",
    "EventMapper",
    "IngestConflict",
    "IngestError",
    "IngestReport",
    "InvalidSettings",
    "KnownAt",
    "LogEvent",
    "PolicyPublished",
    "RecordedEvent",
    "Rejected",
    "StoreSettings",
    "VersionEvent",
    "in_force",
    "open_log",
    "stream_of",
    "topic_of",
]
