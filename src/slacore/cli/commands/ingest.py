"""``slacore ingest FILE...``: JSON Lines and CSV files into the event store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from slacore.cli.common import check_choice
from slacore.cli.errors import CliError, handled
from slacore.cli.inputs import detect_format, iter_csv_events, iter_lines, open_text
from slacore.cli.options import Store
from slacore.cli.output import console, dump_json, progress, table
from slacore.cli.session import open_store
from slacore.log import EventLog, IngestReport

__all__ = ["ingest", "ingest_file", "print_report"]


def ingest_file(log: EventLog, path: Path, fmt: str | None,
                batch_size: int | None = None) -> IngestReport:
    """Ingest one file (with a progress bar on a terminal); the ingest report."""
    if not path.exists():
        raise CliError(f"{path}: no such file")
    kind = detect_format(path, fmt)
    size = path.stat().st_size if path.is_file() else 0
    with open_text(path) as handle, progress(unit="bytes") as bar:
        task = bar.add_task(f"ingest {path.name}", total=size or None)

        def advance(n: int) -> None:
            bar.advance(task, n)

        if kind == "jsonl":
            return log.ingest_jsonl(iter_lines(handle, path, advance), batch_size=batch_size)
        return log.ingest(iter_csv_events(handle, path, advance), batch_size=batch_size)


def print_report(name: str, report: IngestReport, *, limit: int = 10, csv_rows: bool = False,
                 show_table: bool = True) -> None:
    """The ingest report: the counts, then the first rejected and conflicting events."""
    out = console()
    if show_table:
        positions = "" if report.first_position is None else \
            f"{report.first_position}-{report.last_position}"
        out.print(table(None, ("file", "received", "stored", "duplicates", "conflicts",
                               "rejected", "positions"),
                        [(name, report.received, report.stored, report.duplicates,
                          len(report.conflicts), len(report.rejected), positions)],
                        right=("received", "stored", "duplicates", "conflicts", "rejected")))
    for rej in report.rejected[:limit]:
        where = f"line {rej.line}" if rej.line is not None else (
            f"row {rej.index + 1}" if csv_rows else f"event {rej.index}")
        reason = rej.reason
        out.print(f"  rejected ({name}, {where}): {reason}", markup=False, soft_wrap=True)
    for con in report.conflicts[:limit]:
        where = f"line {con.line}" if con.line is not None else f"event {con.index}"
        out.print(f"  conflict ({name}, {where}): event_id {con.event_id!r} is stored at "
                  f"position {con.stored_position} with different content; kept the stored "
                  "version", markup=False, soft_wrap=True)
    hidden = max(0, len(report.rejected) - limit) + max(0, len(report.conflicts) - limit)
    if hidden:
        out.print(f"  … and {hidden} more (use --json for all)", markup=False)


@handled
def ingest(
    files: Annotated[list[Path], typer.Argument(
        help="Event files: .jsonl (one slacore event per line) or .csv", show_default=False)],
    store: Store = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", show_default=False,
        help="jsonl or csv [default: from the file name]")] = None,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", min=1, max=100_000, show_default=False,
        help="Events per transaction [default: the store's, 1000]")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the ingest reports as JSON (every rejected event)")] = False,
) -> None:
    """Store events from files (idempotent: ingesting a file twice stores nothing new).

    Prints what happened to every event: stored, duplicate, conflicting (same event_id,
    other content: refused) or rejected (not a valid event, with the line and the reason).
    Exits with status 1 when anything was rejected or conflicting."""
    if fmt is not None:
        check_choice("--format", fmt, ("jsonl", "csv"))
    missing = [p for p in files if not p.exists()]
    if missing:
        raise CliError(f"{missing[0]}: no such file")
    for path in files:
        detect_format(path, fmt)
    reports: list[tuple[Path, IngestReport]] = []
    with open_store(store, create=True) as log:
        for path in files:
            reports.append((path, ingest_file(log, path, fmt, batch_size)))
        head = log.head()
    if as_json:
        console().file.write(dump_json({str(p): r.to_dict() for p, r in reports}))
    else:
        out = console()
        out.print(table(None, ("file", "received", "stored", "duplicates", "conflicts",
                               "rejected", "positions"),
                        [(str(p), r.received, r.stored, r.duplicates, len(r.conflicts),
                          len(r.rejected), "" if r.first_position is None
                          else f"{r.first_position}-{r.last_position}") for p, r in reports],
                        right=("received", "stored", "duplicates", "conflicts", "rejected")))
        for path, report in reports:
            print_report(str(path), report, show_table=False,
                         csv_rows=detect_format(path, fmt) == "csv")
        out.print(f"store {open_store_url(store)}: {head} events", markup=False)
    if not all(r.ok for _, r in reports):
        raise typer.Exit(1)


def open_store_url(store: str | None) -> str:
    from slacore.cli.session import store_settings

    return store_settings(store).url()
