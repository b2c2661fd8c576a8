"""Fixtures of the report tests: the tickets of report_data.py, evaluated once."""

from __future__ import annotations

from typing import Any

import pytest
from report_data import run, tickets

from slacore.policies import TicketSla


@pytest.fixture(scope="session")
def histories() -> dict[str, list[dict[str, Any]]]:
    return tickets()


@pytest.fixture(scope="session")
def results(histories: dict[str, list[dict[str, Any]]]) -> list[TicketSla]:
    return run(histories)


@pytest.fixture(scope="session")
def by_id(results: list[TicketSla]) -> dict[str, TicketSla]:
    return {r.ticket_id: r for r in results if r.ticket_id is not None}
