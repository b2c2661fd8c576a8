"""SLA policies as data: metrics, their triggers, pause rules and tiered targets.

A policy is validated completely when it is loaded: unknown fields, event types, calendars
and malformed durations are errors with the path of the offending key, never surprises
during evaluation.  See ``docs/policies.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from slacore.clock.spec import CalendarSpec
from slacore.errors import InvalidInput, Problem, problems_of
from slacore.events import TICKET_EVENT_TYPES
from slacore.events.upcasting import FORMAT_KEY, POLICY_FORMATS, FormatError
from slacore.policies.conditions import ConditionField
from slacore.policies.durations import TargetSpec

#: Built-in calendar ids: ``always`` is 24×7 (real time, in any zone).
BUILTIN_CALENDARS: tuple[str, ...] = ("always",)
#: What a metric may exclude from its elapsed time.
EXCLUSIONS: tuple[str, ...] = ("maintenance", "outage")


class InvalidPolicy(InvalidInput):
    """A policy that cannot be used; ``problems`` name each offending key."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems, what="policy")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _fraction_text(value: Fraction) -> str | float:
    # 3/4 -> 0.75 (exact when the fraction is a finite decimal), else "1/3".
    den = value.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    return float(value) if den == 1 else str(value)


MAX_METRICS = 1_000
"""The most metrics one policy may define; a larger policy is refused."""
MAX_TIERS = 1_000
"""The most target tiers one metric may have."""


class Trigger(_Model):
    """Fires on any of the event types in ``on`` (``when``: only if the ticket's fields
    after the event satisfy the condition)."""

    on: tuple[str, ...] = Field(min_length=1)
    when: ConditionField | None = None

    @model_validator(mode="before")
    @classmethod
    def _yaml11_on(cls, value: Any) -> Any:
        # YAML 1.1 loaders (PyYAML's safe_load) read the key ``on`` as ``True``.
        if isinstance(value, Mapping) and True in value and "on" not in value:
            value = {("on" if k is True else k): v for k, v in value.items()}
        return value

    @field_validator("on", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("on")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in TICKET_EVENT_TYPES:
                raise ValueError(
                    f"unknown event type {name!r}; use one of {', '.join(TICKET_EVENT_TYPES)}"
                )
        return value


class Target(_Model):
    """One tier: when ``when`` holds (or always, for the default tier), the metric's
    target is ``target`` measured on ``calendar`` (the policy's default when omitted)."""

    when: ConditionField | None = None
    target: TargetSpec
    calendar: str | None = None


class Metric(_Model):
    """One SLA clock (response, resolution, an OLA, a UC …)."""

    start: Trigger
    stop: Trigger
    cancel: Trigger | None = None
    reset: Trigger | None = None
    pause: ConditionField | None = None
    run_only_when: ConditionField | None = None
    targets: tuple[Target, ...] = Field(min_length=1, max_length=MAX_TIERS)
    on_target_change: Literal["recalculate", "keep", "restart"] = "recalculate"
    reopen: Literal["new_cycle", "resume"] = "resume"
    exclude: tuple[Literal["maintenance", "outage"], ...] = ()
    warn_at: tuple[Annotated[Fraction, PlainSerializer(_fraction_text)], ...] = ()

    @field_validator("targets")
    @classmethod
    def _default_last(cls, value: tuple[Target, ...]) -> tuple[Target, ...]:
        defaults = [i for i, t in enumerate(value) if t.when is None]
        if not defaults:
            raise ValueError("the tiers need a default: a last target without 'when'")
        if defaults[0] != len(value) - 1:
            raise ValueError(
                f"tier {defaults[0]} has no 'when' but is not last: the tiers after it "
                "could never apply"
            )
        return value

    @field_validator("warn_at", mode="before")
    @classmethod
    def _fractions(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError(f"warn_at is a list of fractions of the target, not {value!r}")
        out = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int | float | str | Fraction):
                raise ValueError(f"warn_at value {item!r} is not a number")
            frac = Fraction(str(item)) if not isinstance(item, Fraction) else item
            if not 0 < frac <= 1:
                raise ValueError(f"warn_at value {item!r} is not in (0, 1]")
            out.append(frac)
        return tuple(sorted(set(out)))


class Policy(_Model):
    """A versioned SLA policy: ``(id, version, effective_from)``, a default calendar, and
    its metrics by id."""

    id: str = Field(min_length=1)
    version: int = Field(ge=1)
    effective_from: AwareDatetime
    name: str | None = None
    description: str | None = None
    calendar: str = "always"
    calendar_by_group: dict[str, str] = Field(default_factory=dict)
    calendars: dict[str, CalendarSpec] = Field(default_factory=dict)
    metrics: dict[str, Metric] = Field(min_length=1, max_length=MAX_METRICS)

    def calendar_references(self) -> list[tuple[str, str]]:
        """Every calendar id the policy refers to, with the path of the key naming it."""
        refs = [("calendar", self.calendar)]
        refs += [(f"calendar_by_group.{g}", c) for g, c in self.calendar_by_group.items()]
        for mid, metric in self.metrics.items():
            refs += [
                (f"metrics.{mid}.targets.{i}.calendar", t.calendar)
                for i, t in enumerate(metric.targets)
                if t.calendar is not None
            ]
        return refs


_BRANCHES = ("date", "CountryHolidays")  # union members inside inline calendars


def parse_policy(data: Mapping[str, Any] | Policy, *, calendars: Iterable[str] = ()) -> Policy:
    """Validate a policy given as data.  ``calendars`` names the calendars the caller
    will supply at evaluation (besides the built-in ``always`` and any defined inline).
    Raises ``InvalidPolicy`` with the path of every offending key.

    ``format`` is the policy format version (absent: 1, see "Format versions" in
    docs/events.md): a policy in an older format is upcast to the current one first, a
    newer one is refused."""
    if isinstance(data, Policy):
        data = data.model_dump(mode="python", by_alias=True)
    try:
        if isinstance(data, Mapping):
            data = POLICY_FORMATS.upcast("policy", data)
    except FormatError as exc:
        raise InvalidPolicy([Problem(FORMAT_KEY, exc.value, exc.message)]) from None
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise InvalidPolicy(problems_of(exc, branches=_BRANCHES)) from None
    known = set(BUILTIN_CALENDARS) | set(policy.calendars) | set(calendars)
    problems = [
        Problem(path, name, f"unknown calendar; known: {', '.join(sorted(known))}")
        for path, name in policy.calendar_references()
        if name not in known
    ]
    if problems:
        raise InvalidPolicy(problems)
    return policy
