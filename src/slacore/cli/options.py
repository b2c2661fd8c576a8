"""The options the commands share (``--store``, ``--policy``, ``--calendars``, ``--as-of``,
``--zone``, ``--format``, ``--output``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["AsOf", "Calendars", "Format", "Output", "PolicyFile", "Store", "Zone"]

Store = Annotated[str | None, typer.Option(
    "--store", "-s", envvar="SLACORE_STORE", show_default=False,
    help="Event store: sqlite:///file.db, postgresql://user@host/db, or a path to an SQLite "
         "file [default: $SLACORE_STORE, else slacore.db]")]
PolicyFile = Annotated[Path | None, typer.Option(
    "--policy", "-p", show_default=False,
    help="Policy file (YAML/JSON/TOML) [default: the policy published in the store]")]
Calendars = Annotated[Path | None, typer.Option(
    "--calendars", "-c", show_default=False,
    help="Calendars file: {id: calendar} (YAML/JSON/TOML) [default: the calendars "
         "published in the store]")]
AsOf = Annotated[str | None, typer.Option(
    "--as-of", show_default=False,
    help="Evaluate at this instant (ISO 8601 with offset, or 'now') [default: the latest "
         "event in the store]")]
Zone = Annotated[str, typer.Option(
    "--zone", "-z", help="IANA time zone for periods and the times shown")]
Format = Annotated[str, typer.Option("--format", "-f", help="Output format: text, csv or json")]
Output = Annotated[Path | None, typer.Option(
    "--output", "-o", show_default=False, help="Write to this file [default: stdout]")]
