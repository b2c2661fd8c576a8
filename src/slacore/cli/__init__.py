"""The ``slacore`` command line (Typer + Rich; the ``cli`` extra): demo, ingest, evaluate,
report, explain, replay, at-risk, validate-policy.  See docs/cli.md."""

from slacore.cli.app import app, main

__all__ = ["app", "main"]
