"""The append-only event log (DESIGN §7) on ``eventsourcing``: SQLite by default,
PostgreSQL for teams, in memory for tests.

Idempotent, batched ingestion (``EventLog.ingest`` → ``IngestReport``), reading by ticket,
by service and in log order, "as known at" a position or a recorded time, policy and
calendar versions as events.  See docs/store.md.
"""

from slacore.log.chain import PERSONAL_FIELDS, REDACTED, ChainError, Checkpoint
from slacore.log.ingest import IngestConflict, IngestError, IngestReport, Rejected
from slacore.log.records import EventMapper, LogEvent, RecordedEvent, stream_of, topic_of
from slacore.log.retention import (
    RetentionConflict,
    RetentionError,
    RetentionPolicy,
    RetentionReport,
    RetentionRule,
)
from slacore.log.settings import DEFAULT_URL, InvalidSettings, StoreSettings
from slacore.log.store import EventLog, KnownAt, open_log
from slacore.log.verify import VerifyProblem, VerifyReport
from slacore.log.versions import CalendarPublished, PolicyPublished, VersionEvent, in_force

__all__ = [
    "DEFAULT_URL",
    "PERSONAL_FIELDS",
    "REDACTED",
    "CalendarPublished",
    "ChainError",
    "Checkpoint",
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
    "RetentionConflict",
    "RetentionError",
    "RetentionPolicy",
    "RetentionReport",
    "RetentionRule",
    "StoreSettings",
    "VerifyProblem",
    "VerifyReport",
    "VersionEvent",
    "in_force",
    "open_log",
    "stream_of",
    "topic_of",
]
