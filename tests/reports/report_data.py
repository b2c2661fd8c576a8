"""Small hand-made ticket histories for the report tests, evaluated with the example policy.

Policy examples/standard-incident.yaml; calendar ``business`` Mon–Fri 09:00–17:00
Europe/Berlin; ``as_of`` Wed 2026-02-04 12:00 Berlin.  Resolution targets P1 4 h (24×7),
P2 8 h, other 40 h; response P1 30 min (24×7), other 4 h; network OLA 2 h.

January (stopped):
  J1 P2 email: opened Mon 01-12 09:00, responded 09:30, resolved 12:00 -> response 30m met,
     resolution 3h met.
  J2 P2 email: opened Mon 01-12 09:00, responded 14:00, resolved Tue 01-13 13:00 ->
     response 5h breached, resolution 8h + 4h = 12h breached.
February:
  F1 P1 erp: opened Mon 02-02 10:00, responded 10:20, resolved 13:00 -> met, met.
  F2 P2 erp: opened Mon 02-02 09:00, responded 10:00, awaiting_customer 11:00-13:00, to
     network 13:00, resolved Tue 12:00 -> resolution 2h + 4h + 3h = 9h breached (at Tue
     11:00), warnings 50 % Mon 15:00, 75 % Mon 17:00, 90 % Tue 10:12; OLA 7h breached.
  F3 P3 email: opened Tue 02-03 09:00, open -> response running, breached (Tue 13:00);
     resolution running 8h + 3h = 11h of 40h.
  F4 P1 erp: opened Wed 02-04 08:30, open -> response breached (08:30 + 30m); resolution
     3h30m of 4h (24×7), warnings 50 % 10:30 and 75 % 11:30, due 12:30.
  F5 P2 erp: opened Tue 02-03 09:00, responded 09:15, maintenance of erp 10:00-11:00,
     resolved 16:00 -> resolution 1h + 5h = 6h met, 1h excluded.
  F6 P2 email: opened Mon 02-02 09:00, responded 09:30, resolved 10:00, reopened 14:00,
     resolved 15:00 -> resolution resumes: 1h + 1h = 2h met, paused 10:00-14:00.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from slacore.clock import BusinessCalendar
from slacore.loading import load_policy
from slacore.policies import Policy, TicketSla, evaluate

BERLIN = ZoneInfo("Europe/Berlin")
CAL = BusinessCalendar("Europe/Berlin", hours={
    d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
CALS = {"business": CAL, "apac-business": CAL}
POLICY: Policy = load_policy(Path(__file__).resolve().parents[2] / "examples" /
                             "standard-incident.yaml", calendars=CALS)
AS_OF = datetime(2026, 2, 4, 12, tzinfo=BERLIN)


def b(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def ev(tid: str, n: int, kind: str, at: datetime, **payload: Any) -> dict[str, Any]:
    return {"type": kind, "event_id": f"{tid}-{n}", "ticket_id": tid, "at": at, **payload}


def opened(tid: str, at: datetime, priority: str, service: str) -> dict[str, Any]:
    return ev(tid, 0, "opened", at, fields={"priority": priority, "status": "new",
                                             "assignment_group": "desk",
                                             "service": service})


def tickets() -> dict[str, list[dict[str, Any]]]:
    return {
        "J1": [opened("J1", b(1, 12, 9), "P2", "email"),
               ev("J1", 1, "agent_responded", b(1, 12, 9, 30)),
               ev("J1", 2, "resolved", b(1, 12, 12))],
        "J2": [opened("J2", b(1, 12, 9), "P2", "email"),
               ev("J2", 1, "agent_responded", b(1, 12, 14)),
               ev("J2", 2, "resolved", b(1, 13, 13))],
        "F1": [opened("F1", b(2, 2, 10), "P1", "erp"),
               ev("F1", 1, "agent_responded", b(2, 2, 10, 20)),
               ev("F1", 2, "resolved", b(2, 2, 13))],
        "F2": [opened("F2", b(2, 2, 9), "P2", "erp"),
               ev("F2", 1, "agent_responded", b(2, 2, 10)),
               ev("F2", 2, "updated", b(2, 2, 11), changes={"status": "awaiting_customer"}),
               ev("F2", 3, "updated", b(2, 2, 13), changes={"status": "in_progress",
                                                             "assignment_group": "network"}),
               ev("F2", 4, "resolved", b(2, 3, 12))],
        "F3": [opened("F3", b(2, 3, 9), "P3", "email")],
        "F4": [opened("F4", b(2, 4, 8, 30), "P1", "erp")],
        "F5": [opened("F5", b(2, 3, 9), "P2", "erp"),
               ev("F5", 1, "agent_responded", b(2, 3, 9, 15)),
               ev("F5", 2, "resolved", b(2, 3, 16))],
        "F6": [opened("F6", b(2, 2, 9), "P2", "email"),
               ev("F6", 1, "agent_responded", b(2, 2, 9, 30)),
               ev("F6", 2, "resolved", b(2, 2, 10)),
               ev("F6", 3, "reopened", b(2, 2, 14)),
               ev("F6", 4, "resolved", b(2, 2, 15))],
    }


SERVICES = [{"type": "maintenance_scheduled", "event_id": "M1", "service_id": "erp",
             "at": b(1, 30, 12), "start": b(2, 3, 10), "end": b(2, 3, 11)}]


def run(events: dict[str, list[dict[str, Any]]]) -> list[TicketSla]:
    return [evaluate(POLICY, evs, calendars=CALS, services=SERVICES, as_of=AS_OF)
            for evs in events.values()]
