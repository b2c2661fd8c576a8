"""Fixtures of the governance tests: a fresh log per test (memory and SQLite; PostgreSQL
where a test asks for ``db_url``), a settable clock, and a bootstrapped ``Governance``.

PostgreSQL: ``SLACORE_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), a schema per session and a table prefix
per test; unreachable → **fail** under ``CI=true``, skip otherwise (as in tests/log).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from slacore.governance import Governance
from slacore.log import EventLog

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


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
def log_url(request: pytest.FixtureRequest, url_for: Callable[[str], str]) -> str:
    """A fresh log URL in memory and in SQLite."""
    return url_for(str(request.param))


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
