"""``slacore validate-policy FILE``: check a policy file; every problem with the path of
the offending key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from slacore.cli.errors import CliError, handled
from slacore.cli.options import Calendars
from slacore.cli.output import console, error_console, table
from slacore.cli.session import load_calendar_file
from slacore.errors import InvalidInput
from slacore.loading import load_policy
from slacore.policies import (
    AllOf,
    AnyOf,
    Condition,
    FieldExists,
    FieldIn,
    FieldNotIn,
    Metric,
    Policy,
    format_duration,
)
from slacore.policies.durations import BusinessDaysBy

__all__ = ["describe_policy", "validate_policy"]


def _target(value: object) -> str:
    if isinstance(value, BusinessDaysBy):
        return f"{value.business_days} business day(s) by {value.by}"
    from datetime import timedelta

    return format_duration(value) if isinstance(value, timedelta) else str(value)


def _condition(value: Condition | None) -> str:
    """A condition as short text: ``priority in P1, P2 and status not in resolved``."""
    if value is None:
        return ""
    if isinstance(value, FieldIn):
        return f"{value.field} in {', '.join(map(str, value.values))}"
    if isinstance(value, FieldNotIn):
        return f"{value.field} not in {', '.join(map(str, value.values))}"
    if isinstance(value, FieldExists):
        return f"{value.field} {'is set' if value.exists else 'is not set'}"
    if isinstance(value, AllOf):
        return " and ".join(f"({_condition(p)})" for p in value.parts)
    if isinstance(value, AnyOf):
        return " or ".join(f"({_condition(p)})" for p in value.parts)
    return f"not ({_condition(value.part)})"


def _tiers(policy: Policy, metric: Metric) -> str:
    parts = []
    for tier in metric.targets:
        when = "otherwise" if tier.when is None else _condition(tier.when)
        parts.append(f"{when}: {_target(tier.target)} on {tier.calendar or policy.calendar}")
    return "\n".join(parts)


def describe_policy(policy: Policy) -> None:
    """Print a policy's metrics as a table."""
    out = console()
    out.print(f"{policy.id} v{policy.version}, effective from "
              f"{policy.effective_from.isoformat()}, default calendar {policy.calendar}",
              markup=False)
    rows = []
    for mid, metric in policy.metrics.items():
        clock = []
        if metric.pause is not None:
            clock.append(f"pause {_condition(metric.pause)}")
        if metric.run_only_when is not None:
            clock.append(f"runs only when {_condition(metric.run_only_when)}")
        if metric.exclude:
            clock.append("excludes " + ", ".join(metric.exclude))
        rows.append((mid, ", ".join(metric.start.on), ", ".join(metric.stop.on),
                     "\n".join(clock), _tiers(policy, metric)))
    out.print(table(None, ("metric", "starts on", "stops on", "clock", "targets"), rows))


@handled
def validate_policy(
    file: Annotated[Path, typer.Argument(help="Policy file (YAML, JSON or TOML)",
                                         show_default=False)],
    calendars: Calendars = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="Print nothing when the policy is valid")] = False,
) -> None:
    """Check a policy file: every problem is printed with the path of the offending key
    (e.g. metrics.resolution.targets.0.target); exit status 1 if there is any.

    Calendars the policy names must be defined inline, built in (always) or in the
    --calendars file."""
    if not file.exists():
        raise CliError(f"{file}: no such file")
    cals = load_calendar_file(calendars) if calendars is not None else {}
    try:
        policy = load_policy(file, calendars=list(cals))
    except InvalidInput as exc:
        err = error_console()
        for problem in exc.problems:
            err.print(f"{file}: {problem}", markup=False, highlight=False, soft_wrap=True)
        unknown_calendar = any("unknown calendar" in p.message for p in exc.problems)
        if unknown_calendar and calendars is None:
            err.print(f"{file}: hint: pass the calendars it names with --calendars FILE",
                      markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if not quiet:
        console().print(f"{file}: valid", markup=False)
        describe_policy(policy)
