"""Every command on the small demo store, in-process, with its outputs checked."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from clihelp import DemoStore, invoke

from slacore.cli.output import fmt_duration


def test_help_lists_every_command() -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0
    for name in ("demo", "ingest", "evaluate", "report", "explain", "replay", "at-risk",
                 "validate-policy"):
        assert name in result.stdout


def test_evaluate_keeps_a_view_and_summarises_it(demo_store: DemoStore) -> None:
    result = invoke(["evaluate", "--store", demo_store.store])
    assert result.exit_code == 0, result.stderr
    assert "(0 events applied now)" in result.stdout  # the demo already caught it up
    assert "resolution" in result.stdout
    rows = json.loads(invoke(["evaluate", "--store", demo_store.store, "-f", "json"]).stdout)
    tickets = {r["ticket_id"] for r in rows}
    assert len(rows) == 5 * len(tickets)  # one row per ticket and metric
    one = sorted(tickets)[0]
    single = invoke(["evaluate", "--store", demo_store.store, "--ticket", one])
    assert single.exit_code == 0 and one in single.stdout
    rebuilt = invoke(["evaluate", "--store", demo_store.store, "--rebuild", "-f", "json"])
    assert json.loads(rebuilt.stdout) == rows


def test_report_formats_agree(demo_store: DemoStore) -> None:
    base = ["report", "--store", demo_store.store, "--period", "2026-10", "-g",
            "metric,priority"]
    text = invoke(base)
    assert text.exit_code == 0, text.stderr
    assert "2026-10" in text.stdout and "2026-09" not in text.stdout
    data = json.loads(invoke([*base, "-f", "json"]).stdout)
    rows = list(csv.DictReader(io.StringIO(invoke([*base, "-f", "csv"]).stdout)))
    assert len(rows) == len(data["groups"]) > 0
    for row, group in zip(rows, data["groups"], strict=True):
        assert (row["metric"], row["priority"], int(row["met"]), int(row["breached"])) == (
            group["group"]["metric"], group["group"]["priority"], group["met"],
            group["breached"])
    assert all(r["period"] == "2026-10" for r in rows)
    # A period key is the same as the unit's row for it.
    months = json.loads(invoke(["report", "--store", demo_store.store, "-f", "json"]).stdout)
    october = [g for g in months["groups"] if g["period"] == "2026-10"]
    only = json.loads(invoke(["report", "--store", demo_store.store, "--period", "2026-10",
                              "-f", "json"]).stdout)
    assert [(g["group"], g["met"], g["breached"]) for g in october] == [
        (g["group"], g["met"], g["breached"]) for g in only["groups"]]
    weeks = invoke(["report", "--store", demo_store.store, "--period", "2026-W41", "-z",
                    "Europe/Berlin"])
    assert weeks.exit_code == 0 and "2026-W41" in weeks.stdout


def test_report_html(demo_store: DemoStore, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = invoke(["report", "--store", demo_store.store, "-f", "html", "-o", str(out),
                     "--title", "Demo <report>"])
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<html" in page.lower() and "Demo &lt;report&gt;" in page


def test_explain_shows_every_clock_as_segments(demo_store: DemoStore, tmp_path: Path) -> None:
    rows = json.loads(invoke(["evaluate", "--store", demo_store.store, "-f", "json"]).stdout)
    ticket = next(r["ticket_id"] for r in rows if r["metric"] == "resolution"
                  and r["state"] == "stopped")
    text = invoke(["explain", ticket, "--store", demo_store.store])
    assert text.exit_code == 0, text.stderr
    assert "times in Europe/Berlin" in text.stdout or "times in America/New_York" in text.stdout
    for word in ("opened", "resolution · cycle 1", "counted", "response · cycle 1"):
        assert word in text.stdout
    data = json.loads(invoke(["explain", ticket, "--store", demo_store.store, "-f", "json",
                              "-m", "resolution"]).stdout)
    assert list(data["metrics"]) == ["resolution"]
    cycle = data["metrics"]["resolution"][0]
    counted = [s for s in cycle["segments"] if s["kind"] == "counted"]
    assert counted
    # The text shows the same elapsed time as the JSON (to the minute).
    from datetime import timedelta

    assert fmt_duration(timedelta(seconds=cycle["elapsed_seconds"])) in text.stdout
    svg = tmp_path / "t.svg"
    drawn = invoke(["explain", ticket, "--store", demo_store.store, "--svg", str(svg)])
    assert drawn.exit_code == 0, drawn.stderr
    assert svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))


def test_at_risk_feed(demo_store: DemoStore) -> None:
    text = invoke(["at-risk", "--store", demo_store.store])
    assert text.exit_code == 0, text.stderr
    assert "open clocks" in text.stdout
    rows = json.loads(invoke(["at-risk", "--store", demo_store.store, "-f", "json",
                              "-n", "3"]).stdout)
    assert len(rows) <= 3
    assert all(r["reasons"] for r in rows)


def test_replay_as_known_before_the_backfill(demo_store: DemoStore) -> None:
    events = (demo_store.directory / "events.jsonl").read_text().count("\n")
    before = 3 + events  # two calendars and the policy were published first
    data = json.loads(invoke(["replay", "--store", demo_store.store, "--as-known-at",
                              str(before), "-f", "json"]).stdout)
    assert data["as_known_at"] == before
    assert data["changes"], "the backfill changed some clocks"
    head = invoke(["replay", "--store", demo_store.store, "-k", str(10**6)])
    assert head.exit_code == 1 and "beyond the end" in head.stderr
    text = invoke(["replay", "--store", demo_store.store, "-k", str(before)])
    assert text.exit_code == 0 and "clocks changed since then" in text.stdout


def test_replay_at_the_head_changes_nothing(demo_store: DemoStore) -> None:
    rows = invoke(["evaluate", "--store", demo_store.store])
    head = int(rows.stdout.split("view at position ")[1].split()[0])
    data = json.loads(invoke(["replay", "--store", demo_store.store, "-k", str(head),
                              "-f", "json"]).stdout)
    assert data["changes"] == []
    assert data["then"] == data["now"]


def test_validate_policy(demo_store: DemoStore) -> None:
    policy = demo_store.directory / "policy.yaml"
    cals = demo_store.directory / "calendars.yaml"
    ok = invoke(["validate-policy", str(policy), "--calendars", str(cals)])
    assert ok.exit_code == 0, ok.stderr
    assert "valid" in ok.stdout and "vendor-uc" in ok.stdout
    assert invoke(["validate-policy", str(policy), "-c", str(cals), "-q"]).stdout == ""


def test_the_console_script_as_a_subprocess(demo_store: DemoStore) -> None:
    cmd = [sys.executable, "-m", "slacore.cli"]
    env = {**os.environ, "SLACORE_STORE": demo_store.store}
    done = subprocess.run([*cmd, "report", "--period", "all", "-f", "csv"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("period,period_start,period_end,metric,")
    bad = subprocess.run([*cmd, "explain", "NOPE", "--store", demo_store.store],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.startswith("slacore: error: unknown ticket 'NOPE'")
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
