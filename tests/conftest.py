"""Fixtures shared by every test package: a PostgreSQL schema private to the test session,
fresh log URLs on each back end (``url_for``, ``pg_url``, ``db_url``) and ``make_log``.

PostgreSQL: ``SLACORE_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``).  The session works in its own schema
``slacore_test_<random>`` (dropped at the end) and each test in its own table prefix.
When the server is unreachable the PostgreSQL tests **fail** if ``CI=true`` and are
skipped (with the reason) otherwise.
"""

from __future__ import annotations

import itertools
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from slacore.log import EventLog, open_log

PG_BASE = os.environ.get(
    "SLACORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def in_ci() -> bool:
    """Running under CI (``CI=true``): tests that need a service must not skip."""
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL with a schema private to this test session."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover
        if in_ci():
            pytest.fail(f"psycopg is not installed: {exc}")
        pytest.skip(f"psycopg is not installed: {exc}")
    base = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
    try:
        conn = psycopg.connect(base, connect_timeout=3, autocommit=True)
    except psycopg.Error as exc:
        message = f"PostgreSQL at {PG_BASE} is unreachable: {exc}".strip()
        if in_ci():
            pytest.fail(message + " (CI=true: the PostgreSQL tests must run)")
        pytest.skip(message)
    schema = f"slacore_test_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in PG_BASE else "?"
    try:
        yield f"{PG_BASE}{separator}schema={schema}"
    finally:
        try:
            _drop_schema(conn, schema)
        finally:
            conn.close()


def _drop_schema(conn: Any, schema: str) -> None:
    """Drop the session's schema.  Its tables go first, a few hundred per transaction: a
    long property-test run leaves thousands, and one ``DROP SCHEMA … CASCADE`` would need a
    lock on each of them at once (more than ``max_locks_per_transaction`` allows)."""
    names = [row[0] for row in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema]).fetchall()]
    for i in range(0, len(names), 200):
        tables = ", ".join(f'"{schema}"."{name}"' for name in names[i:i + 200])
        conn.execute(f"DROP TABLE IF EXISTS {tables} CASCADE")
    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


_prefixes = itertools.count(1)


@pytest.fixture
def pg_url(pg_schema_url: str) -> str:
    """A PostgreSQL log URL with a table prefix private to this test."""
    return f"{pg_schema_url}&prefix=t{next(_prefixes)}"


@pytest.fixture
def url_for(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """A fresh log URL on a back end: ``memory``, ``sqlite`` (a file of the test's) or
    ``postgresql`` (the session schema, a prefix of the test's)."""

    def url(backend: str) -> str:
        if backend == "memory":
            return "memory://"
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / 'log.db'}"
        return str(request.getfixturevalue("pg_url"))

    return url


@pytest.fixture(params=("sqlite", "postgresql"))
def db_url(request: pytest.FixtureRequest, url_for: Callable[[str], str]) -> str:
    """A fresh log URL on each database back end (the ones that persist)."""
    return url_for(str(request.param))


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
def run_together() -> Callable[..., None]:
    """Run ``fn(*args)`` for each ``args`` in its own thread, all at once, and fail with
    every error any of them raised (concurrency tests: writers, runners)."""

    def run(fn: Callable[..., object], calls: list[tuple[Any, ...]], timeout: float = 120) -> None:
        errors: list[BaseException] = []

        def guarded(*args: Any) -> None:
            try:
                fn(*args)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=guarded, args=args) for args in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=timeout)
        assert not any(t.is_alive() for t in threads), "a thread did not finish in time"
        assert not errors, errors

    return run
