"""``slacore verify``: a clean store verifies and its checkpoint can be saved and checked
later; a row altered directly in the database fails with the first bad position; a bad
checkpoint file is a one-line error."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from clihelp import assert_one_line_error, invoke

EVENTS = [
    {"type": "opened", "event_id": f"o{i}", "ticket_id": f"T{i}",
     "at": f"2026-03-0{i + 1}T09:00:00+01:00", "fields": {"priority": "P2", "status": f"s{i}"}}
    for i in range(5)
]


def _store(tmp_path: Path) -> Path:
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in EVENTS), encoding="utf-8")
    db = tmp_path / "s.db"
    assert invoke(["ingest", str(source), "--store", str(db)]).exit_code == 0
    return db


def test_a_clean_store_verifies_and_saves_a_checkpoint(tmp_path: Path) -> None:
    db = _store(tmp_path)
    cp = tmp_path / "checkpoint.json"
    result = invoke(["verify", "--store", str(db), "--save", str(cp)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: 5 events verified, head 5 ")
    assert json.loads(cp.read_text())["position"] == 5
    again = invoke(["verify", "--store", str(db), "--checkpoint", str(cp), "--json"])
    assert again.exit_code == 0
    report = json.loads(again.stdout)
    assert report["ok"] is True and report["checkpoint_ok"] is True


def test_an_altered_row_fails_with_its_position(tmp_path: Path) -> None:
    db = _store(tmp_path)
    cp = tmp_path / "checkpoint.json"
    assert invoke(["verify", "--store", str(db), "--save", str(cp)]).exit_code == 0
    with sqlite3.connect(db) as conn:
        state = conn.execute("SELECT state FROM slacore_events WHERE rowid = 3").fetchone()[0]
        altered = bytes(state).replace(b'"s2"', b'"s7"')
        assert altered != bytes(state)
        conn.execute("UPDATE slacore_events SET state = ? WHERE rowid = 3", (altered,))
    result = invoke(["verify", "--store", str(db), "--checkpoint", str(cp)])
    assert result.exit_code == 1
    assert "NOT OK" in result.stdout and "first bad position 3" in result.stdout


def test_a_bad_checkpoint_file_is_one_clear_line(tmp_path: Path) -> None:
    db = _store(tmp_path)
    bad = tmp_path / "cp.json"
    bad.write_text("{not json", encoding="utf-8")
    assert_one_line_error(invoke(["verify", "--store", str(db), "--checkpoint", str(bad)]),
                          "cp.json", "not a checkpoint")
    assert_one_line_error(invoke(["verify", "--store", str(db), "--checkpoint",
                                  str(tmp_path / "missing.json")]), "missing.json")
