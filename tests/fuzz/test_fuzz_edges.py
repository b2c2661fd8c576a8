"""Hostile input at the edges: event files given to ``slacore ingest`` (JSON Lines and
CSV), CLI arguments, ServiceNow exports and vendor contracts.

The CLI's contract: a clear one-line error and a non-zero exit, never a traceback; what
an ingest rejects is reported, never silently dropped, and a rejected batch leaves nothing
half-written.  The library parsers: only ``InvalidInput`` may escape.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from slacore.adapters import read_incident_audit
from slacore.cli import app
from slacore.cli import inputs as cli_inputs
from slacore.errors import InvalidInput
from slacore.loading import read_document as load_document
from slacore.projections.contracts import parse_contract
from slacore.testing.profiles import examples

FUZZ = settings(max_examples=examples(25), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CSV = (ROOT / "examples" / "servicenow" / "incidents.csv").read_text(encoding="utf-8")
GOOD_LINE = json.dumps({"type": "opened", "event_id": "e1", "ticket_id": "T1",
                        "at": "2026-03-02T09:00:00+01:00", "fields": {"priority": "P2"}})


def _cli(args: list[str]) -> Any:
    return CliRunner().invoke(app, args, env={"COLUMNS": "200"})


def _assert_clean(result: Any) -> None:
    """Success, or the CLI's error contract: exit 1/2, no traceback."""
    assert "Traceback" not in (result.stdout + result.stderr)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)


def _stored(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE '%_events'")]
        return sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables)


@st.composite
def junk_lines(draw: st.DrawFn) -> list[str]:
    return draw(st.lists(st.one_of(
        st.just(GOOD_LINE),
        st.text(alphabet=st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e"
                                       "\x85\u2028\u2029"), max_size=80),
        st.builds(lambda s: GOOD_LINE[: len(GOOD_LINE) // 2] + s, st.text("abc{}", max_size=10)),
    ), max_size=6))


@FUZZ
@given(st.data())
def test_ingesting_junk_event_files_reports_and_never_tracebacks(tmp_path: Path,
                                                                 data: st.DataObject) -> None:
    case = Path(tempfile.mkdtemp(dir=tmp_path))
    fmt = data.draw(st.sampled_from(["jsonl", "csv"]))
    lines: list[str] = []
    if fmt == "jsonl":
        lines = data.draw(junk_lines())
        text = "\n".join(lines)
    else:
        header = data.draw(st.sampled_from(["type,event_id,ticket_id,at,priority",
                                            "type,event_id,ticket_id,at", "bogus", ""]))
        rows = data.draw(st.lists(st.text(max_size=40), max_size=5))
        text = "\n".join([header, *rows])
    path = case / f"events.{fmt}"
    path.write_text(text, encoding="utf-8")
    db = case / "s.db"
    result = _cli(["ingest", str(path), "--store", str(db)])
    _assert_clean(result)
    if fmt == "jsonl":
        junk = [ln for ln in lines if ln.strip() and ln != GOOD_LINE]
        # Every line is accounted for: the good event lands, the junk makes the run fail
        # with a report instead of vanishing.
        assert (result.exit_code == 0) == (not junk), (lines, result.stdout, result.stderr)
        if db.exists():
            assert _stored(db) == (1 if GOOD_LINE in lines else 0)


def test_a_gigantic_line_is_refused_without_being_read_whole(tmp_path: Path,
                                                             monkeypatch: Any) -> None:
    monkeypatch.setattr(cli_inputs, "MAX_LINE_CHARS", 1000)  # stands for 16 MiB
    path = tmp_path / "big.jsonl"
    path.write_text(GOOD_LINE + "\n" + "x" * 5000 + "\n" + GOOD_LINE + "\n", encoding="utf-8")
    reads: list[int] = []
    real_open = Path.open

    def spying_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        handle = real_open(self, *args, **kwargs)
        if self == path:
            original = handle.readline

            def readline(size: int = -1) -> str:
                assert size != -1, "an unbounded readline on an event file"
                line = original(size)
                reads.append(len(line))
                return line

            handle.readline = readline
        return handle

    monkeypatch.setattr(Path, "open", spying_open)
    result = _cli(["ingest", str(path), "--store", str(tmp_path / "s.db")])
    assert result.exit_code == 1
    assert "line 2 is longer than 1,000 characters" in result.stderr
    assert max(reads) <= 1001


def test_a_bad_batch_leaves_nothing_half_written(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    first = tmp_path / "a.jsonl"
    first.write_text(GOOD_LINE + "\n", encoding="utf-8")
    assert _cli(["ingest", str(first), "--store", str(db)]).exit_code == 0
    before = _stored(db)
    clash = json.loads(GOOD_LINE)
    clash["fields"] = {"priority": "P1"}  # the same event_id with other content: a conflict
    second = tmp_path / "b.jsonl"
    second.write_text(json.dumps(clash) + "\n" + "not json\n", encoding="utf-8")
    result = _cli(["ingest", str(second), "--store", str(db)])
    assert result.exit_code == 1
    assert _stored(db) == before


@FUZZ
@given(st.lists(st.one_of(
    st.sampled_from(["ingest", "evaluate", "report", "explain", "replay", "at-risk",
                     "validate-policy", "verify", "--checkpoint", "--period", "--format",
                     "--as-of", "--store", "--as-known-at", "--group-by", "--policy", "-x",
                     "--", "nonsense"]),
    st.text(max_size=15)), max_size=5))
def test_junk_command_lines_end_cleanly(args: list[str]) -> None:
    _assert_clean(_cli([a for a in args if "\x00" not in a]))


# --------------------------------------------------------------------------- ServiceNow


@st.composite
def mutated_exports(draw: st.DrawFn) -> str:
    chars = list(SAMPLE_CSV)
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(chars) - 1))
        op = draw(st.sampled_from(["del", "ins", "flip"]))
        if op == "del":
            del chars[i]
        elif op == "ins":
            chars.insert(i, draw(st.sampled_from(list(',"\n\r?-:0123456789 \ufeffé'))))
        else:
            chars[i] = draw(st.characters())
    return "".join(chars)


@FUZZ
@given(st.one_of(mutated_exports(), st.text(max_size=300)))
def test_servicenow_exports_map_or_name_the_problem(text: str) -> None:
    try:
        imported = read_incident_audit(io.StringIO(text), timezone="Europe/London")
    except InvalidInput:
        return
    for rejected in imported.rejected:  # never dropped silently: each with its reason
        assert rejected.reason


# --------------------------------------------------------------------------- contracts

CONTRACT = load_document(ROOT / "examples" / "vendor-contract.yaml")


def _mutate(data: Any, draw: st.DrawFn) -> Any:
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data)))
        out = dict(data)
        choice = draw(st.integers(0, 2))
        if choice == 0:
            del out[key]
        elif choice == 1:
            out[key] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=8),
                                      st.floats(), st.lists(st.integers(), max_size=2)))
        else:
            out[key] = _mutate(out[key], draw)
        return out
    if isinstance(data, list) and data:
        return [_mutate(data[0], draw), *data[1:]]
    return draw(st.one_of(st.none(), st.integers(), st.text(max_size=8), st.floats()))


@FUZZ
@given(st.data())
def test_contracts_parse_or_name_the_problem(data: st.DataObject) -> None:
    contract: Any = data.draw(st.sampled_from([CONTRACT, {}]))
    for _ in range(data.draw(st.integers(0, 3))):
        contract = _mutate(contract, data.draw)
    with contextlib.suppress(InvalidInput):
        parse_contract(contract)
