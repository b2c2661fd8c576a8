"""The error contract: one clear line on stderr and exit status 1, never a traceback, for
bad files, bad policies, unknown tickets and unreachable databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from clihelp import DemoStore, assert_one_line_error, invoke

BAD_POLICY = """\
id: p
version: 1
effective_from: 2026-01-01T00:00:00Z
calendar: nowhere
metrics:
  resolution:
    start: {on: [opened]}
    stop: {on: [resolvd]}
    targets: [{target: 4 hours}]
"""


def test_unknown_ticket_suggests_near_ids(demo_store: DemoStore) -> None:
    line = assert_one_line_error(invoke(["explain", "INC001000", "--store", demo_store.store]),
                                 "unknown ticket 'INC001000'")
    assert "did you mean INC" in line
    assert_one_line_error(invoke(["evaluate", "--store", demo_store.store, "-t", "X"]),
                          "unknown ticket 'X'")


@pytest.mark.parametrize("store, fragment", [
    ("postgresql://postgres@127.0.0.1:1/none?connect_timeout=1",
     "cannot open the event store postgresql://postgres@127.0.0.1:1/none"),
    ("mysql://localhost/x", "unknown scheme"),
    ("sqlite:///{tmp}/not-a-db.db", "cannot open the event store"),
])
def test_unreachable_or_invalid_stores(tmp_path: Path, store: str, fragment: str) -> None:
    (tmp_path / "not-a-db.db").write_text("this is not a database\n" * 100)
    result = invoke(["report", "--store", store.format(tmp=tmp_path)])
    assert_one_line_error(result, fragment)


def test_a_store_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    events = tmp_path / "e.jsonl"
    events.write_text("")
    assert_one_line_error(invoke(["ingest", str(events), "--store", str(blocker / "s.db")]),
                          "cannot open the event store")


def test_missing_store_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    for command in (["report"], ["evaluate"], ["at-risk"], ["explain", "T"],
                    ["replay", "-k", "1"]):
        assert_one_line_error(invoke([*command, "--store", str(path)]), "no event store at")
    assert not path.exists()


def test_validate_policy_names_every_offending_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_POLICY)
    result = invoke(["validate-policy", str(bad)])
    assert result.exit_code == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert any("metrics.resolution.stop.on" in x and "resolvd" in x for x in lines), lines
    assert any("metrics.resolution.targets.0.target" in x and "4 hours" in x for x in lines)
    assert all(x.startswith(f"{bad}: ") for x in lines)
    unknown_cal = tmp_path / "cal.yaml"
    unknown_cal.write_text(BAD_POLICY.replace("resolvd", "resolved").replace("4 hours", "4h"))
    result = invoke(["validate-policy", str(unknown_cal)])
    assert result.exit_code == 1
    assert "calendar: unknown calendar" in result.stderr and "--calendars" in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n")
    result = invoke(["validate-policy", str(broken)])
    assert result.exit_code == 1 and "line" in result.stderr and "Traceback" not in result.stderr
    assert_one_line_error(invoke(["validate-policy", str(tmp_path / "none.yaml")]),
                          "none.yaml: no such file")


def test_bad_policy_and_calendar_files_on_other_commands(demo_store: DemoStore,
                                                         tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_POLICY)
    assert_one_line_error(invoke(["report", "--store", demo_store.store, "--policy", str(bad)]),
                          f"{bad}: invalid policy", "metrics.resolution.stop.on")
    assert_one_line_error(invoke(["report", "--store", demo_store.store, "--policy",
                                  str(tmp_path / "nope.yaml")]), "nope.yaml")
    cals = tmp_path / "cals.yaml"
    cals.write_text("emea-business: {timezone: Mars/Olympus, hours: {mon: ['09:00-17:00']}}\n")
    assert_one_line_error(invoke(["report", "--store", demo_store.store, "--calendars",
                                  str(cals)]), "calendar 'emea-business'", "Mars/Olympus")
    notmap = tmp_path / "list.json"
    notmap.write_text("[1, 2]")
    assert_one_line_error(invoke(["report", "--store", demo_store.store, "--calendars",
                                  str(notmap)]), "a calendars file maps calendar ids")
    # The demo policy needs its calendars: a calendars file without them is refused.
    only = tmp_path / "only.yaml"
    only.write_text("other: {timezone: UTC, hours: {mon: ['09:00-17:00']}}\n")
    assert_one_line_error(invoke(["report", "--store", demo_store.store, "--calendars",
                                  str(only)]), "unknown calendar")


def test_bad_option_values(demo_store: DemoStore) -> None:
    s = ["--store", demo_store.store]
    assert_one_line_error(invoke(["report", *s, "--period", "Oct"]), "--period: 'Oct'")
    assert_one_line_error(invoke(["report", *s, "--zone", "Mars/Base"]), "unknown time zone")
    assert_one_line_error(invoke(["report", *s, "-f", "pdf"]), "--format: 'pdf'")
    assert_one_line_error(invoke(["report", *s, "--as-of", "2026-10-01T00:00"]),
                          "has no UTC offset")
    assert_one_line_error(invoke(["report", *s, "--as-of", "yesterday"]),
                          "not an ISO 8601 instant")
    assert_one_line_error(invoke(["report", *s, "-g", "met"]), "--group-by")
    assert_one_line_error(invoke(["replay", *s, "-k", "last week"]), "--as-known-at")
    rows = invoke(["evaluate", *s, "-f", "json"]).stdout
    ticket = rows.split('"ticket_id": "')[1].split('"')[0]
    assert_one_line_error(invoke(["explain", ticket, *s, "-m", "nope"]),
                          "--metric: unknown metric 'nope'")
    assert_one_line_error(invoke(["explain", ticket, *s, "--png", "x.svg"]),
                          "--png: x.svg should end in .png")
    usage = invoke(["report", "--bogus"])
    assert usage.exit_code == 2 and "No such option" in usage.stderr
    assert "Traceback" not in usage.stderr


def test_no_policy_in_the_store(tmp_path: Path) -> None:
    events = tmp_path / "e.jsonl"
    events.write_text('{"type":"opened","event_id":"e1","ticket_id":"T1",'
                      '"at":"2026-10-05T09:00:00Z"}\n')
    store = str(tmp_path / "s.db")
    assert invoke(["ingest", str(events), "--store", store]).exit_code == 0
    assert_one_line_error(invoke(["report", "--store", store]), "no policy")


def test_debug_shows_the_exception(tmp_path: Path) -> None:
    result = invoke(["report", "--store", str(tmp_path / "x.db")], SLACORE_DEBUG="1")
    assert result.exit_code == 1
    assert result.exception is not None and "no event store" in str(result.exception)
