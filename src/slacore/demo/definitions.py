"""The demo's service organisation as data: its calendars and its SLA policy.

They are written out as ``calendars.yaml`` and ``policy.yaml`` next to the demo store, so
that every ``slacore`` command can be tried on them, and published into the store as
versions (``CalendarPublished``, ``PolicyPublished``).
"""

from __future__ import annotations

import json
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

CALENDARS: dict[str, dict[str, Any]] = {
    "emea-business": {
        "timezone": "Europe/Berlin",
        "hours": {d: ["08:00-18:00"] for d in WEEKDAYS},
        "holidays": {"country": "DE", "subdiv": "BE"},
    },
    "amer-business": {
        "timezone": "America/New_York",
        "hours": {d: ["08:00-18:00"] for d in WEEKDAYS},
        "holidays": {"country": "US"},
    },
}
"""Business hours of the two service-desk regions (the 24×7 calendar ``always`` is
built in)."""

POLICY_YAML = """\
id: it-incident
version: 1
effective_from: 2026-01-01T00:00:00Z
name: IT incident management (demo)
description: >-
  Response and resolution SLAs by priority (impact x urgency), OLAs for the service desks
  and the network team, and underpinning contracts (UC) with the vendors.
calendar: emea-business
calendar_by_group:
  desk-amer: amer-business
  apps-amer: amer-business
  workplace-amer: amer-business
  database: amer-business
metrics:
  response:
    start: {on: [opened]}
    stop: {on: [agent_responded, resolved]}
    cancel: {on: [cancelled]}
    warn_at: [0.75]
    targets:
      - {when: {priority: [P1]}, target: 15m, calendar: always}
      - {when: {priority: [P2]}, target: 30m, calendar: always}
      - {when: {priority: [P3]}, target: 2h}
      - {when: {priority: [P4]}, target: 4h}
      - {target: 8h}
  resolution:
    start: {on: [opened]}
    stop: {on: [resolved]}
    cancel: {on: [cancelled]}
    pause: {status: [awaiting_customer]}
    exclude: [maintenance]
    reopen: resume
    on_target_change: recalculate
    warn_at: [0.5, 0.75, 0.9]
    targets:
      - {when: {priority: [P1]}, target: 4h, calendar: always}
      - {when: {priority: [P2]}, target: 8h}
      - {when: {priority: [P3]}, target: 20h}
      - {when: {priority: [P4]}, target: 40h}
      - {target: {business_days: 10, by: "17:00"}}
  desk-ola:
    start: {on: [opened]}
    stop:
      on: [updated]
      when:
        any:
          - {assignment_group: {not_in: [desk-emea, desk-amer]}}
          - {status: [resolved]}
    cancel: {on: [cancelled]}
    pause: {status: [awaiting_customer]}
    reopen: new_cycle
    targets:
      - {when: {priority: [P1, P2]}, target: 1h}
      - {target: 8h}
  network-ola:
    start:
      on: [opened, updated]
      when: {assignment_group: [network], status: {not_in: [resolved, closed]}}
    stop:
      on: [updated]
      when:
        any:
          - {assignment_group: {not_in: [network]}}
          - {status: [resolved]}
    cancel: {on: [cancelled]}
    pause: {status: [awaiting_customer, awaiting_vendor]}
    reopen: new_cycle
    targets:
      - {when: {priority: [P1]}, target: 3h, calendar: always}
      - {when: {priority: [P2]}, target: 6h}
      - {when: {priority: [P3]}, target: 16h}
      - {target: 32h}
  vendor-uc:
    start: {on: [updated], when: {status: [awaiting_vendor]}}
    stop:
      on: [updated, resolved]
      when: {status: {not_in: [awaiting_vendor]}}
    cancel: {on: [cancelled]}
    reopen: new_cycle
    targets:
      - {when: {vendor: [telco]}, target: 4h, calendar: always}
      - {when: {vendor: [cloudmail]}, target: 2h, calendar: always}
      - {when: {vendor: [erp-vendor]}, target: 16h}
      - {target: 20h}
"""
"""The demo policy (YAML, as a user would write it)."""


def calendars_yaml() -> str:
    """``CALENDARS`` as the YAML file the demo writes (``--calendars`` reads it)."""
    lines = []
    for cid, spec in CALENDARS.items():
        lines.append(f"{cid}:")
        lines.append(f"  timezone: {spec['timezone']}")
        lines.append("  hours:")
        for day, ranges in spec["hours"].items():
            lines.append(f"    {day}: {json.dumps(ranges)}")
        holidays = ", ".join(f"{k}: {v}" for k, v in spec["holidays"].items())
        lines.append(f"  holidays: {{{holidays}}}")
    return "\n".join(lines) + "\n"
