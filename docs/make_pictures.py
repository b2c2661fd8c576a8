"""Draw the pictures of docs/semantics.md into docs/img/ (or the directory given).

    python docs/make_pictures.py [OUTPUT_DIR]

Each picture is the timeline of a worked example of that page, drawn by
``slacore.reports.timeline_image`` (matplotlib: the ``report`` extra).  The docs tests run
this script into a temporary directory.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from slacore.clock import BusinessCalendar
from slacore.policies import evaluate, parse_policy
from slacore.reports import timeline_image

BERLIN = ZoneInfo("Europe/Berlin")
CALENDARS = {"office": BusinessCalendar(
    timezone="Europe/Berlin",
    hours={day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")})}
POLICY = parse_policy({
    "id": "semantics", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
    "calendar": "office",
    "metrics": {"resolution": {
        "start": {"on": ["opened"]}, "stop": {"on": ["resolved"]},
        "pause": {"status": ["awaiting_customer"]}, "reopen": "resume",
        "warn_at": [0.75], "targets": [{"target": "4h"}]}},
}, calendars=["office"])


def at(day: int, hour: int) -> datetime:
    """A March 2026 instant on the Berlin wall clock."""
    return datetime(2026, 3, day, hour, tzinfo=BERLIN)


def ticket(*steps: tuple[datetime, str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Events of ticket T1 from (instant, type, extra) steps."""
    return [{"type": kind, "event_id": f"e{i}", "ticket_id": "T1", "at": when.isoformat(),
             **extra} for i, (when, kind, extra) in enumerate(steps, 1)]


OPENED = {"fields": {"status": "new"}}
EXAMPLES: dict[str, tuple[list[dict[str, Any]], datetime | None]] = {
    # Tuesday 16:00 to Wednesday 10:00: 1 h, the closed night, 1 h
    "half-open": (ticket((at(3, 16), "opened", OPENED)), at(4, 10)),
    "pause": (ticket((at(3, 9), "opened", OPENED),
                     (at(3, 10), "updated", {"changes": {"status": "awaiting_customer"}}),
                     (at(3, 15), "updated", {"changes": {"status": "in_progress"}}),
                     (at(4, 11), "resolved", {})), None),
    "reopen": (ticket((at(3, 9), "opened", OPENED), (at(3, 11), "resolved", {}),
                      (at(3, 14), "reopened", {}), (at(3, 16), "resolved", {})), None),
}


def make(directory: Path) -> list[Path]:
    """Write every picture into ``directory``; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (events, as_of) in EXAMPLES.items():
        result = evaluate(POLICY, events, calendars=CALENDARS, as_of=as_of)
        written.append(timeline_image(result, directory / f"{name}.png", metric="resolution",
                                      zone="Europe/Berlin"))
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "img"
    for path in make(out):
        print(path)
