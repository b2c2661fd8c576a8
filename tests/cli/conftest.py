"""Fixtures of the CLI tests: a small demo store built once per session."""

from __future__ import annotations

import pytest
from clihelp import SMALL_TICKETS, DemoStore, invoke


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    """``slacore demo`` on a small history (no HTML): store, policy and calendars files."""
    directory = tmp_path_factory.mktemp("demo")
    result = invoke(["demo", "--dir", str(directory), "--tickets", str(SMALL_TICKETS),
                     "--no-html"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return DemoStore(directory, str(directory / "slacore.db"), result.stdout)
