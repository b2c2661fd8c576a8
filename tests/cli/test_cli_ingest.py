"""``slacore ingest``: JSON Lines and CSV, the ingest report, idempotency, bad rows."""

from __future__ import annotations

import json
from pathlib import Path

from clihelp import assert_one_line_error, invoke

POLICY = """\
id: p
version: 1
effective_from: 2026-01-01T00:00:00Z
metrics:
  resolution:
    start: {on: [opened]}
    stop: {on: [resolved]}
    pause: {status: [awaiting_customer]}
    exclude: [maintenance]
    targets: [{when: {priority: [P1]}, target: 4h}, {target: 8h}]
"""

JSONL_EVENTS = [
    {"type": "opened", "event_id": "e1", "ticket_id": "T1", "at": "2026-10-05T09:00:00+02:00",
     "fields": {"status": "new", "priority": "P1", "service": "erp", "assignee": "ann",
                "attributes": {"channel": "phone"}}},
    {"type": "updated", "event_id": "e2", "ticket_id": "T1", "at": "2026-10-05T10:00:00+02:00",
     "seq": 2, "changes": {"status": "awaiting_customer", "assignee": None}},
    {"type": "updated", "event_id": "e3", "ticket_id": "T1", "at": "2026-10-05T11:30:00+02:00",
     "changes": {"status": "in_progress"}},
    {"type": "resolved", "event_id": "e4", "ticket_id": "T1", "at": "2026-10-05T14:00:00+02:00",
     "actor": "bob"},
    {"type": "maintenance_scheduled", "event_id": "m1", "service_id": "erp",
     "at": "2026-10-01T09:00:00Z", "start": "2026-10-05T12:00:00+02:00",
     "end": "2026-10-05T13:00:00+02:00", "maintenance_id": "CHG1"},
]

CSV_TEXT = """\
type,event_id,ticket_id,service_id,at,seq,actor,status,priority,service,assignee,attributes.channel,start,end,maintenance_id
opened,e1,T1,,2026-10-05T09:00:00+02:00,,,new,P1,erp,ann,phone,,,
updated,e2,T1,,2026-10-05T10:00:00+02:00,2,,awaiting_customer,,,null,,,,
updated,e3,T1,,2026-10-05T11:30:00+02:00,,,in_progress,,,,,,,
resolved,e4,T1,,2026-10-05T14:00:00+02:00,,bob,,,,,,,,
maintenance_scheduled,m1,,erp,2026-10-01T09:00:00Z,,,,,,,,2026-10-05T12:00:00+02:00,2026-10-05T13:00:00+02:00,CHG1
"""


def _write(tmp_path: Path) -> tuple[Path, Path, Path]:
    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text("".join(json.dumps(e) + "\n" for e in JSONL_EVENTS), encoding="utf-8")
    csv_file = tmp_path / "events.csv"
    csv_file.write_text(CSV_TEXT, encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    return jsonl, csv_file, policy


def test_jsonl_ingest_report_and_idempotency(tmp_path: Path) -> None:
    jsonl, _, policy = _write(tmp_path)
    store = str(tmp_path / "s.db")
    first = invoke(["ingest", str(jsonl), "--store", store])
    assert first.exit_code == 0, first.stderr
    assert first.stdout.rstrip().endswith(": 5 events")
    report = json.loads(invoke(["ingest", str(jsonl), "--store", store, "--json"]).stdout)
    assert report[str(jsonl)]["stored"] == 0 and report[str(jsonl)]["duplicates"] == 5
    # Hand-computed: opened 09:00 (P1, 4h target, 24x7 'always' is the default calendar),
    # paused 10:00-11:30, maintenance excluded 12:00-13:00, resolved 14:00:
    # counted 09-10 + 11:30-12 + 13-14 = 2h30m, met.
    data = json.loads(invoke(["explain", "T1", "--store", store, "--policy", str(policy),
                              "-f", "json"]).stdout)
    cycle = data["metrics"]["resolution"][0]
    assert (cycle["elapsed_seconds"], cycle["paused_seconds"], cycle["excluded_seconds"]) == (
        9000, 5400, 3600)
    assert cycle["met"] is True


def test_csv_ingest_equals_jsonl(tmp_path: Path) -> None:
    jsonl, csv_file, policy = _write(tmp_path)
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    assert invoke(["ingest", str(jsonl), "--store", a]).exit_code == 0
    result = invoke(["ingest", str(csv_file), "--store", b])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    explain = [json.loads(invoke(["explain", "T1", "--store", s, "-p", str(policy),
                                  "-f", "json"]).stdout) for s in (a, b)]
    assert explain[0] == explain[1]


def test_bad_rows_are_reported_with_their_line_and_the_rest_lands(tmp_path: Path) -> None:
    jsonl, _, _ = _write(tmp_path)
    lines = jsonl.read_text().splitlines()
    lines.insert(2, '{"type": "opened", "event_id": "bad", "ticket_id": "T2", '
                    '"at": "2026-10-05T09:00:00"}')
    lines.insert(3, "not json")
    jsonl.write_text("\n".join(lines) + "\n")
    store = str(tmp_path / "s.db")
    result = invoke(["ingest", str(jsonl), "--store", store])
    assert result.exit_code == 1
    assert "rejected" in result.stdout
    assert "line 3" in result.stdout and "timezone-aware" in result.stdout
    assert "line 4" in result.stdout
    again = json.loads(invoke(["ingest", str(jsonl), "--store", store, "--json"]).stdout)
    assert again[str(jsonl)]["duplicates"] == 5 and len(again[str(jsonl)]["rejected"]) == 2


def test_conflicting_event_is_reported(tmp_path: Path) -> None:
    jsonl, _, _ = _write(tmp_path)
    store = str(tmp_path / "s.db")
    invoke(["ingest", str(jsonl), "--store", store])
    other = tmp_path / "other.jsonl"
    changed = dict(JSONL_EVENTS[3], at="2026-10-05T15:00:00+02:00")
    other.write_text(json.dumps(changed) + "\n")
    result = invoke(["ingest", str(other), "--store", store])
    assert result.exit_code == 1
    assert "conflict" in result.stdout and "'e4'" in result.stdout


def test_csv_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("type,event_id,colour\nopened,e1,red\n")
    assert_one_line_error(invoke(["ingest", str(bad), "--store", str(tmp_path / "s.db")]),
                          "unknown CSV column 'colour'")
    row = tmp_path / "row.csv"
    row.write_text("type,event_id,ticket_id,at,seq\nopened,e1,T1,2026-10-05T09:00:00Z,x\n")
    result = invoke(["ingest", str(row), "--store", str(tmp_path / "s.db")])
    assert result.exit_code == 1 and "row 1" in result.stdout and "seq" in result.stdout


def test_file_errors(tmp_path: Path) -> None:
    store = str(tmp_path / "s.db")
    assert_one_line_error(invoke(["ingest", str(tmp_path / "missing.jsonl"), "--store", store]),
                          "missing.jsonl: no such file")
    odd = tmp_path / "events.txt"
    odd.write_text("{}")
    assert_one_line_error(invoke(["ingest", str(odd), "--store", store]),
                          "unknown file type '.txt'")
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage\n")
    assert_one_line_error(invoke(["ingest", str(binary), "--store", store]), "not UTF-8")
    assert_one_line_error(invoke(["ingest", str(tmp_path), "--store", store, "-f", "jsonl"]),
                          "is a directory")
    assert_one_line_error(invoke(["ingest", str(odd), "--store", store, "-f", "xml"]),
                          "--format: 'xml' is not one of jsonl, csv")
