"""Data shared by the batch tests: a small policy and seeded, varied ticket lives."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

UTC = timezone.utc
T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; DST changes follow in the weeks after


POLICY: dict[str, Any] = {
    "id": "batch-test",
    "version": 1,
    "effective_from": "2026-01-01T00:00:00Z",
    "calendar": "office",
    "metrics": {
        "response": {
            "start": {"on": ["opened"]},
            "stop": {"on": ["agent_responded", "resolved"]},
            "targets": [{"when": {"priority": ["P1"]}, "target": "30m", "calendar": "always"},
                        {"target": "2h"}],
        },
        "resolution": {
            "start": {"on": ["opened"]},
            "stop": {"on": ["resolved"]},
            "cancel": {"on": ["cancelled"]},
            "pause": {"status": ["awaiting_customer"]},
            "exclude": ["maintenance", "outage"],
            "reopen": "new_cycle",
            "warn_at": [0.5, 0.9],
            "targets": [{"when": {"priority": ["P1"]}, "target": "4h", "calendar": "always"},
                        {"target": "16h"}],
        },
    },
}


def make_events(tickets: int, seed: int = 1) -> tuple[list[list[dict[str, Any]]],
                                                      list[dict[str, Any]]]:
    """Seeded, varied ticket lives (priorities, pauses, services, responses, reopens,
    cancels, ties) and maintenance/outage events of their services."""
    rng = random.Random(seed)
    services = ["email", "vpn", "erp"]
    lives = []
    for i in range(tickets):
        tid = f"INC{i:05d}"
        t = T0 + timedelta(minutes=rng.randrange(0, 20 * 24 * 60))
        events: list[dict[str, Any]] = [{
            "type": "opened", "event_id": f"{tid}-0", "ticket_id": tid, "at": t,
            "fields": {"priority": rng.choice(["P1", "P2", "P3"]), "status": "new",
                       "service": rng.choice(services)},
        }]
        for k in range(1, rng.randrange(1, 9)):
            if rng.random() > 0.2:  # else: a tie with the previous event
                t += timedelta(minutes=rng.randrange(1, 900))
            base = {"event_id": f"{tid}-{k}", "ticket_id": tid, "at": t}
            kind = rng.choice(["status", "status", "priority", "service", "agent_responded",
                               "resolved", "reopened", "cancelled"])
            if kind == "status":
                events.append({"type": "updated", **base, "changes": {
                    "status": rng.choice(["in_progress", "awaiting_customer"])}})
            elif kind in ("priority", "service"):
                pool = ["P1", "P2", "P3"] if kind == "priority" else services
                events.append({"type": "updated", **base, "changes": {kind: rng.choice(pool)}})
            else:
                events.append({"type": kind, **base})
        lives.append(events)
    service_events: list[dict[str, Any]] = []
    for j in range(6):
        sid = services[j % 3]
        start = T0 + timedelta(hours=rng.randrange(0, 20 * 24))
        service_events.append({"type": "maintenance_scheduled", "event_id": f"m{j}",
                               "service_id": sid, "at": T0, "start": start,
                               "end": start + timedelta(hours=rng.randrange(1, 30))})
    service_events += [
        {"type": "maintenance_cancelled", "event_id": "mc0", "service_id": "email",
         "at": T0 + timedelta(days=1), "maintenance_id": "m0"},
        {"type": "outage_started", "event_id": "o1", "service_id": "vpn",
         "at": T0 + timedelta(days=3, hours=2)},
        {"type": "outage_ended", "event_id": "o2", "service_id": "vpn",
         "at": T0 + timedelta(days=3, hours=7)},
    ]
    return lives, service_events
