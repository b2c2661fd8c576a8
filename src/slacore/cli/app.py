"""The ``slacore`` command: its sub-commands and how it starts.

Every command fails with one line on stderr (``slacore: error: …``) and exit status 1,
never a traceback (``SLACORE_DEBUG=1`` shows it); usage mistakes exit with status 2.
"""

from __future__ import annotations

import typer

from slacore.cli.commands.demo import demo
from slacore.cli.commands.evaluate import at_risk, evaluate_cmd
from slacore.cli.commands.explain import explain
from slacore.cli.commands.ingest import ingest
from slacore.cli.commands.policy import validate_policy
from slacore.cli.commands.replay import replay
from slacore.cli.commands.report import report
from slacore.cli.commands.verify import verify

__all__ = ["app", "main"]

app = typer.Typer(
    name="slacore",
    help="Service levels (SLA, OLA, UC) computed exactly from an append-only log of "
         "ticket events.  Start with 'slacore demo'.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("demo")(demo)
app.command("ingest")(ingest)
app.command("evaluate")(evaluate_cmd)
app.command("report")(report)
app.command("explain")(explain)
app.command("replay")(replay)
app.command("at-risk")(at_risk)
app.command("validate-policy")(validate_policy)
app.command("verify")(verify)


def main() -> None:
    """The console script's entry point."""
    app()
