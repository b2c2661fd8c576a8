"""Fixtures of the event-log tests: a fresh log per test on each back end.

PostgreSQL: ``SLACORE_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``).  Each test session works in its own schema
(``slacore_test_<random>``, from tests/conftest.py) and each test in its own table prefix.
When the server is unreachable the PostgreSQL tests **fail** if ``CI=true`` and are skipped
(with the reason) otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from slacore.log import EventLog

BACKENDS = ("memory", "sqlite", "postgresql")
@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def log_url(backend: str, url_for: Callable[[str], str]) -> str:
    """A fresh log URL on each back end."""
    return url_for(backend)


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
def log(log_url: str, make_log: Callable[..., EventLog], clock: Clock) -> EventLog:
    """A fresh log on each back end, with the test's clock."""
    return make_log(log_url, clock=clock)
