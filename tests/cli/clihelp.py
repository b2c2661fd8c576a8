"""Helpers of the CLI tests: run the CLI in-process (Typer's runner) and check its error
contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner, Result

from slacore.cli import app

SMALL_TICKETS = 40


@dataclass(frozen=True)
class DemoStore:
    directory: Path
    store: str
    stdout: str


def invoke(args: Sequence[str], **env: str) -> Result:
    """Run ``slacore ARGS`` in-process; stdout and stderr separately."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env})


def assert_one_line_error(result: Result, *fragments: str) -> str:
    """Exit status 1, nothing on stdout, one line on stderr (no traceback), which
    contains every fragment; returns the line."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    line = lines[0]
    assert line.startswith("slacore: error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line

