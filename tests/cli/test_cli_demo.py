"""``slacore demo`` and the seeded history behind it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from clihelp import DemoStore, invoke

from slacore.clock import BusinessCalendar
from slacore.demo import CALENDARS, POLICY_YAML, calendars_yaml, generate_history
from slacore.events import parse_event
from slacore.loading import parse_text
from slacore.policies import PriorityMatrix, evaluate, parse_policy
from slacore.projections import compliance_report

UTC = timezone.utc


def test_the_history_is_seeded_realistic_and_valid() -> None:
    a = generate_history(seed=11, tickets=80)
    b = generate_history(seed=11, tickets=80)
    c = generate_history(seed=12, tickets=80)
    assert list(a.jsonl()) == list(b.jsonl())
    assert list(a.jsonl()) != list(c.jsonl())
    events = a.all_events()
    parsed = [parse_event(e) for e in events]  # every event is valid
    assert len({e.event_id for e in parsed}) == len(parsed)
    assert all(e.at <= a.as_of for e in parsed)
    assert max(e.at for e in parsed) == a.as_of
    matrix = PriorityMatrix.itil()
    offsets = Counter()
    for e in events:
        if e["type"] == "opened":
            f = e["fields"]
            assert f["priority"] == matrix.priority(f["impact"], f["urgency"])
            offsets[e["at"][-6:]] += 1
    # Two regions in two time zones (summer and winter offsets of Berlin and New York).
    assert {"+02:00", "-04:00"} <= set(offsets)
    kinds = Counter(e["type"] for e in events)
    for kind in ("opened", "agent_responded", "updated", "resolved", "reopened", "closed",
                 "customer_responded", "maintenance_scheduled", "outage_started",
                 "outage_ended"):
        assert kinds[kind] > 0, kind
    statuses = {e["changes"].get("status") for e in events if e["type"] == "updated"}
    assert {"awaiting_customer", "awaiting_vendor", "in_progress", "resolved"} <= statuses
    groups = {e["changes"]["assignment_group"] for e in events
              if e["type"] == "updated" and "assignment_group" in e["changes"]}
    assert len(groups) >= 3
    # The main feed is in time order; the backfill holds one day's late events.
    at = [datetime.fromisoformat(e["at"]) for e in a.events]
    assert at == sorted(at)
    late = [e for e in a.backfill if "ticket_id" in e]
    assert a.stats["late_events"] > 0
    assert all(datetime.fromisoformat(e["at"]).astimezone(UTC).date() == a.backfill_day
               for e in late[: a.stats["late_events"]])


def test_the_demo_files_load_back() -> None:
    assert parse_text(calendars_yaml(), "yaml") == CALENDARS
    policy = parse_policy(parse_text(POLICY_YAML, "yaml"), calendars=list(CALENDARS))
    assert set(policy.metrics) == {"response", "resolution", "desk-ola", "network-ola",
                                   "vendor-uc"}


def test_demo_prints_real_figures_equal_to_a_direct_evaluation(demo_store: DemoStore) -> None:
    out = demo_store.stdout
    for heading in ("Compliance by month and metric", "Resolution SLA by priority",
                    "Vendor scorecard", "Operational KPIs", "At risk now", "Next:"):
        assert heading in out
    for name in ("policy.yaml", "calendars.yaml", "events.jsonl", "backfill.jsonl",
                 "slacore.db"):
        assert (demo_store.directory / name).exists()
    # The store's figures equal evaluating the raw generated events directly.
    history = generate_history(seed=7, tickets=40)
    cals = {k: BusinessCalendar.from_spec(v) for k, v in CALENDARS.items()}
    policy = parse_policy(parse_text(POLICY_YAML, "yaml"), calendars=list(cals))
    tickets: dict[str, list[dict[str, object]]] = {}
    services: dict[str, list[dict[str, object]]] = {}
    for e in history.all_events():
        if "ticket_id" in e:
            tickets.setdefault(str(e["ticket_id"]), []).append(e)
        else:
            services.setdefault(str(e["service_id"]), []).append(e)
    results = []
    for events in tickets.values():
        named = {str(e["fields"]["service"]) for e in events  # type: ignore[index]
                 if e["type"] == "opened"}
        svc = [x for s in sorted(named) for x in services.get(s, [])]
        results.append(evaluate(policy, events, calendars=cals, services=svc,
                                as_of=history.as_of))
    direct = compliance_report(results, group_by=("metric",), period="month")
    cli = invoke(["report", "--store", demo_store.store, "--format", "json"])
    assert cli.exit_code == 0, cli.stderr
    data = json.loads(cli.stdout)
    assert [(g["period"], g["group"], g["met"], g["breached"], g["running"])
            for g in data["groups"]] == [
        (r.period, r.group, r.met, r.breached, r.running) for r in direct.groups]
    assert sum(g["met"] + g["breached"] for g in data["groups"]) > 100


def test_demo_is_deterministic(tmp_path: Path) -> None:
    args = ["demo", "--dir", str(tmp_path), "--tickets", "15", "--no-html", "--seed", "3"]
    first, second = invoke(args), invoke(args)  # the second run rebuilds the store
    assert first.exit_code == second.exit_code == 0, first.stderr
    assert first.stdout == second.stdout


@pytest.mark.skipif(os.environ.get("SLACORE_SKIP_FULL_DEMO") == "1",
                    reason="SLACORE_SKIP_FULL_DEMO=1")
def test_the_full_demo_as_a_subprocess(tmp_path: Path) -> None:
    """The README's command, as users run it (console script, default size, HTML)."""
    exe = Path(sys.executable).with_name("slacore")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "slacore.cli"]
    done = subprocess.run([*cmd, "demo", "--dir", str(tmp_path / "d")], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "COLUMNS": "160"})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "Compliance by month and metric" in done.stdout
    assert "2026-08" in done.stdout and "2026-10" in done.stdout
    page = (tmp_path / "d" / "report.html").read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "http://" not in page.replace("http://www.w3.org", "")
