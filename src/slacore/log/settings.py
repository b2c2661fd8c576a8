"""Where the event log lives: a URL or a ``StoreSettings`` object.

``sqlite:///path/file.db`` (the default, zero set-up), ``postgresql://user:pw@host:port/db``
(psycopg 3) and ``memory://`` (a fresh in-process log, for tests).  See docs/store.md.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from slacore.errors import InvalidInput, Problem, problems_of

__all__ = ["DEFAULT_URL", "InvalidSettings", "StoreSettings", "settings_from"]

DEFAULT_URL = "sqlite:///slacore.db"
"""The log used when none is named: an SQLite file ``slacore.db`` in the current
directory."""

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")
_QUERY_KEYS = {
    "prefix",
    "batch_size",
    "lock_timeout",
    "schema",
    "pool_size",
    "connect_timeout",
    "host",
    "port",
    "user",
    "password",
    "dbname",
}


class InvalidSettings(InvalidInput):
    """A log URL or settings object that cannot be used."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems, what="log settings")


class StoreSettings(BaseModel):
    """Everything needed to open an event log.

    ``backend`` picks the persistence; the other fields apply to the backends that use
    them.  ``prefix`` names the tables (``<prefix>_events``, ``<prefix>_event_ids``,
    ...), so several logs can share one database; ``batch_size`` is the number of events
    written per transaction by ``EventLog.ingest``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    backend: Literal["sqlite", "postgresql", "memory"] = "sqlite"
    path: str = "slacore.db"
    """SQLite: the database file (``:memory:`` for a private in-memory database)."""
    host: str = "127.0.0.1"
    """PostgreSQL: host name, address, or a directory holding the server's socket
    (empty for libpq's default socket)."""
    port: int = Field(5432, ge=1, le=65535)
    dbname: str = "postgres"
    user: str = "postgres"
    password: str = Field("", repr=False)
    pg_schema: str = Field("public", alias="schema")
    """PostgreSQL: the schema holding the tables (created if missing)."""
    prefix: str = "slacore"
    batch_size: int = Field(1000, ge=1, le=100_000)
    lock_timeout: int = Field(30, ge=0)
    """Seconds a writer waits for another writer's transaction (0: forever, PostgreSQL)."""
    pool_size: int = Field(2, ge=1, le=100)
    connect_timeout: int = Field(10, ge=1)

    @field_validator("prefix", "pg_schema")
    @classmethod
    def _sql_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                "must be a lower-case SQL name: a letter or '_', then letters, digits "
                "or '_' (at most 40)"
            )
        return value

    @classmethod
    def from_url(cls, url: str) -> StoreSettings:
        """Settings from a URL; query parameters set the other fields
        (``?prefix=audit&batch_size=5000``)."""
        return _parse_url(url)

    def url(self) -> str:
        """The URL of these settings (the password left out)."""
        if self.backend == "memory":
            return "memory://"
        if self.backend == "sqlite":
            return f"sqlite:///{self.path}"  # an absolute path gives sqlite:////abs
        user = self.user
        return f"postgresql://{user}@{self.host}:{self.port}/{self.dbname}?schema={self.pg_schema}"


def _problem(url: str, message: str) -> InvalidSettings:
    return InvalidSettings([Problem("url", url, message)])


def _parse_url(url: str) -> StoreSettings:
    if not isinstance(url, str):
        raise InvalidSettings([Problem("url", url, "a log URL must be a string")])
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query: dict[str, Any] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in _QUERY_KEYS:
            raise _problem(
                url, f"unknown parameter {key!r}; known: {', '.join(sorted(_QUERY_KEYS))}"
            )
        query["pg_schema" if key == "schema" else key] = value
    fields: dict[str, Any]
    if scheme == "memory":
        fields = {"backend": "memory"}
    elif scheme == "sqlite":
        # sqlite:///relative.db, sqlite:////absolute.db, sqlite:///:memory:
        if parts.netloc:
            raise _problem(url, "write sqlite:///relative/path.db or sqlite:////absolute.db")
        path = unquote(parts.path)[1:] if parts.path.startswith("/") else unquote(parts.path)
        if not path:
            raise _problem(url, "the SQLite URL names no file (sqlite:///path/file.db)")
        fields = {"backend": "sqlite", "path": path}
    elif scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        fields = {"backend": "postgresql"}
        if parts.hostname is not None:
            fields["host"] = unquote(parts.hostname)
        elif "host" not in query:
            fields["host"] = ""
        try:
            if parts.port is not None:
                fields["port"] = parts.port
        except ValueError:
            raise _problem(url, "the port is not a number") from None
        if parts.username:
            fields["user"] = unquote(parts.username)
        if parts.password is not None:
            fields["password"] = unquote(parts.password)
        dbname = unquote(parts.path.lstrip("/"))
        if dbname:
            fields["dbname"] = dbname
    else:
        raise _problem(
            url,
            "unknown scheme; use sqlite:///path/file.db, postgresql://user@host/db or memory://",
        )
    fields.update(query)
    try:
        return StoreSettings.model_validate(fields)
    except ValidationError as exc:
        raise InvalidSettings(problems_of(exc)) from None


def settings_from(target: str | StoreSettings | None) -> StoreSettings:
    """``StoreSettings`` from a URL, settings, or ``None`` (``DEFAULT_URL``)."""
    if target is None:
        return _parse_url(DEFAULT_URL)
    if isinstance(target, StoreSettings):
        return target
    return _parse_url(target)
