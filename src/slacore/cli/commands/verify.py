"""``slacore verify``: prove from the stored content that nothing in the event store was
altered, removed or reordered (since a checkpoint kept outside the database), or name the
first bad position."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from slacore.cli.errors import CliError, handled
from slacore.cli.options import Store
from slacore.cli.output import console, dump_json, write_text
from slacore.cli.session import open_store
from slacore.log import Checkpoint

__all__ = ["verify"]


def _read_checkpoint(path: Path) -> Checkpoint:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Checkpoint.from_dict(data)
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise CliError(f"{path}: not a checkpoint written by 'slacore verify --save': "
                       f"{exc}") from None


@handled
def verify(
    store: Store = None,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", "-c", show_default=False,
        help="A checkpoint saved earlier (JSON): also prove the log up to it is unchanged")]
        = None,
    save: Annotated[Path | None, typer.Option(
        "--save", show_default=False,
        help="Write the verified head as a checkpoint (JSON) to keep outside the database")]
        = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON")]
        = False,
) -> None:
    """Recompute the store's hash chain from its content.  Exit status 0 when nothing was
    altered, removed or reordered (and the checkpoint, if given, still matches); 1 with the
    first bad position otherwise."""
    kept = None if checkpoint is None else _read_checkpoint(checkpoint)
    with open_store(store) as log:
        report = log.verify(since_checkpoint=kept)
    if as_json:
        write_text(dump_json(report.to_dict()), None)
    else:
        console().print(report.summary(), highlight=False, soft_wrap=True)
        for problem in report.problems[1:10]:
            console().print(f"  position {problem.position}: {problem.kind}: {problem.message}",
                            highlight=False, soft_wrap=True)
    if report.ok and save is not None:
        try:
            save.write_text(json.dumps(report.head.to_dict(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{save}: {exc.strerror or exc}") from None
        if not as_json:
            console().print(f"checkpoint saved to {save}: keep it outside the database",
                            highlight=False)
    if not report.ok:
        raise typer.Exit(1)
