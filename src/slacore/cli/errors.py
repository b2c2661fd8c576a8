"""How the CLI fails: one clear line on stderr and a non-zero exit, never a traceback.

Commands raise ``CliError`` for what they detect themselves; ``handled`` turns slacore's
own errors and the usual environmental failures (files, databases) into the same one-line
form.  ``SLACORE_DEBUG=1`` (or ``--debug``) lets the original exception through, for bug
reports.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from eventsourcing.persistence import PersistenceError

from slacore.errors import InvalidInput, SlacoreError

__all__ = ["EXIT_ERROR", "CliError", "debug_enabled", "describe", "handled"]

EXIT_ERROR = 1
F = TypeVar("F", bound=Callable[..., Any])


class CliError(SlacoreError):
    """A failure the CLI reports as ``slacore: error: <message>`` with exit status 1."""


def debug_enabled() -> bool:
    """Whether tracebacks are wanted (``SLACORE_DEBUG`` set to a non-empty value)."""
    return os.environ.get("SLACORE_DEBUG", "") not in ("", "0")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def describe(exc: BaseException) -> str:
    """The one-line message for an exception a command let escape."""
    if isinstance(exc, CliError | InvalidInput | SlacoreError):
        return " ".join(str(exc).split())
    if isinstance(exc, PersistenceError | sqlite3.Error):
        return f"the event store failed: {_first_line(exc)}"
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot use{where}: {exc.strerror or _first_line(exc)}"
    if isinstance(exc, ValueError):
        return _first_line(exc)
    return f"unexpected {type(exc).__name__}: {_first_line(exc)} (set SLACORE_DEBUG=1 for details)"


def handled(func: F) -> F:
    """Wrap a command: any error becomes one line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if debug_enabled():
                raise
            from slacore.cli.output import error_console

            error_console().print(f"slacore: error: {describe(exc)}", markup=False,
                                  highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]
