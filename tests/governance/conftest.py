"""Fixtures of the governance tests: a fresh log per test (memory and SQLite; PostgreSQL
where a test asks for ``db_url``), a settable clock, and a bootstrapped ``Governance``.

PostgreSQL: ``SLACORE_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), a schema per session and a table prefix
per test; unreachable → **fail** under ``CI=true``, skip otherwise (as in tests/log).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from slacore.governance import Governance
from slacore.log import EventLog, open_log

_prefixes = itertools.count(1)
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def url_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    return f"{request.getfixturevalue('pg_schema_url')}&prefix=g{next(_prefixes)}"


class Clock:
    """A settable clock; every call moves it on by a minute, so that commands have
    distinct, increasing times."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=("memory", "sqlite"))
def log_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh log URL in memory and in SQLite."""
    return url_for(str(request.param), request, tmp_path)


@pytest.fixture(params=("sqlite", "postgresql"))
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh log URL in SQLite and PostgreSQL."""
    return url_for(str(request.param), request, tmp_path)


@pytest.fixture
def make_log() -> Iterator[Callable[..., EventLog]]:
    opened: list[EventLog] = []

    def make(url: str, **kwargs: object) -> EventLog:
        log = open_log(url, **kwargs)  # type: ignore[arg-type]
        opened.append(log)
        return log

    yield make
    for log in opened:
        log.close()


@pytest.fixture
def log(log_url: str, make_log: Callable[..., EventLog], clock: Clock) -> EventLog:
    return make_log(log_url, clock=clock)


@pytest.fixture
def gov(log: EventLog, clock: Clock) -> Governance:
    """Alice is the sla-admin; bob is an approver, carol an auditor, dave a reader."""
    g = Governance(log, clock=clock)
    g.bootstrap("alice")
    g.grant("alice", "bob", "approver", reason="CAB member")
    g.grant("alice", "carol", "auditor")
    g.grant("alice", "dave", "reader")
    return g
