"""Fixtures of the event-log tests: a fresh log per test on each back end.

PostgreSQL: ``SLACORE_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``).  Each test session works in its own schema
(``slacore_test_<random>``, from tests/conftest.py) and each test in its own table prefix.
When the server is unreachable the PostgreSQL tests **fail** if ``CI=true`` and are skipped
(with the reason) otherwise.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from slacore.log import EventLog, open_log

BACKENDS = ("memory", "sqlite", "postgresql")
_prefixes = itertools.count(1)


@pytest.fixture
def pg_url(pg_schema_url: str) -> str:
    """A PostgreSQL log URL with a table prefix private to this test."""
    return f"{pg_schema_url}&prefix=t{next(_prefixes)}"


def url_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def log_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh log URL on each back end."""
    return url_for(backend, request, tmp_path)


@pytest.fixture(params=("sqlite", "postgresql"))
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh log URL on each database back end (the ones that persist)."""
    return url_for(str(request.param), request, tmp_path)


class Clock:
    """A settable clock for ``recorded_at``."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_log() -> Iterator[Callable[..., EventLog]]:
    """Open logs that are closed after the test."""
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
    """A fresh log on each back end, with the test's clock."""
    return make_log(log_url, clock=clock)
