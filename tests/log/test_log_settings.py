"""Choosing the persistence: URLs and settings objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from slacore.log import DEFAULT_URL, InvalidSettings, StoreSettings, open_log
from slacore.log.settings import settings_from


def test_default_is_an_sqlite_file() -> None:
    settings = settings_from(None)
    assert DEFAULT_URL == "sqlite:///slacore.db"
    assert (settings.backend, settings.path) == ("sqlite", "slacore.db")


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///sla.db", "sla.db"),
        ("sqlite:///data/sla.db", "data/sla.db"),
        ("sqlite:////var/lib/sla.db", "/var/lib/sla.db"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite:///with%20space.db", "with space.db"),
    ],
)
def test_sqlite_urls(url: str, path: str) -> None:
    settings = StoreSettings.from_url(url)
    assert (settings.backend, settings.path) == ("sqlite", path)
    assert StoreSettings.from_url(settings.url()) == settings


def test_postgresql_url_with_everything() -> None:
    s = StoreSettings.from_url(
        "postgresql://ops:s%40cret@db.example:6543/sla?schema=audit&prefix=acme"
        "&batch_size=5000&lock_timeout=7&pool_size=4"
    )
    assert (s.backend, s.host, s.port, s.dbname, s.user, s.password) == (
        "postgresql", "db.example", 6543, "sla", "ops", "s@cret",
    )
    assert (s.pg_schema, s.prefix, s.batch_size, s.lock_timeout, s.pool_size) == (
        "audit", "acme", 5000, 7, 4,
    )
    assert "s@cret" not in s.url() and "s@cret" not in repr(s)


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_postgresql_schemes_and_defaults(scheme: str) -> None:
    s = StoreSettings.from_url(f"{scheme}://127.0.0.1/test")
    assert (s.backend, s.host, s.port, s.user, s.dbname, s.pg_schema, s.prefix) == (
        "postgresql", "127.0.0.1", 5432, "postgres", "test", "public", "slacore",
    )


def test_postgresql_socket_directory() -> None:
    s = StoreSettings.from_url("postgresql:///test?host=/var/run/postgresql")
    assert (s.host, s.dbname) == ("/var/run/postgresql", "test")
    assert StoreSettings.from_url("postgresql:///test").host == ""


def test_memory_and_settings_objects() -> None:
    assert StoreSettings.from_url("memory://").backend == "memory"
    settings = StoreSettings(backend="memory", batch_size=7)
    assert settings_from(settings) is settings
    assert StoreSettings(schema="x").pg_schema == "x"  # the alias works too


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x/y", "unknown scheme"),
        ("sqlite://host/file.db", "sqlite:///relative"),
        ("sqlite:///", "names no file"),
        ("memory://?colour=red", "unknown parameter 'colour'"),
        ("postgresql://h:notaport/db", "port"),
        ("memory://?prefix=Bad-Name", "prefix"),
        ("memory://?batch_size=0", "batch_size"),
    ],
)
def test_bad_urls_name_the_problem(url: str, message: str) -> None:
    with pytest.raises(InvalidSettings, match="invalid log settings") as info:
        StoreSettings.from_url(url)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_sqlite_file_and_its_directory_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "sla.db"
    with open_log(f"sqlite:///{target}") as log:
        assert log.head() == 0
    assert target.exists()
    assert repr(log) == f"EventLog('sqlite:///{target}')"


def test_private_in_memory_sqlite() -> None:
    with open_log("sqlite:///:memory:") as a, open_log("sqlite:///:memory:") as b:
        from slacore.testing.event_strategies import EXAMPLE_EVENTS

        a.ingest([EXAMPLE_EVENTS["opened"]])
        assert (a.head(), b.head()) == (1, 0)
