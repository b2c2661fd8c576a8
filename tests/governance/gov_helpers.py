"""Policies and calendars shared by the governance tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from slacore.loading import load_policy
from slacore.policies import Policy

ROOT = Path(__file__).resolve().parents[2]
CALS = ["business", "apac-business"]
JAN = datetime(2026, 1, 5, tzinfo=timezone.utc)  # a Monday
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def policy_v(version: int = 1, effective_from: datetime = JAN, **update: Any) -> Policy:
    policy = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=CALS)
    return policy.model_copy(
        update={"version": version, "effective_from": effective_from, **update}
    )


def office(hours: str = "09:00-17:00", zone: str = "UTC") -> dict[str, Any]:
    return {"timezone": zone, "hours": {d: [hours] for d in WEEKDAYS}}
