"""Contracts with a vendor as data: service levels, credit bands, caps, earn-back, and the
allocation (pool) model of service credits.

A contract is validated completely when it is loaded (``parse_contract``; files through
``slacore.loading.load_contract``): every bad key is reported with its path and value.
Percentages are exact ``Decimal``s (a float read from YAML goes through its shortest
``repr``: ``99.99`` is ``Decimal('99.99')``).  See docs/credits.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from slacore.errors import InvalidInput, Problem, problems_of
from slacore.policies.durations import Duration

__all__ = [
    "AWS_EC2_INSTANCE",
    "AWS_EC2_REGION",
    "AZURE_VM_ZONES",
    "Cap",
    "Contract",
    "CreditBand",
    "EarnBack",
    "InvalidContract",
    "MaintenanceMode",
    "ServiceLevel",
    "ladder",
    "parse_contract",
    "select_band",
]

MaintenanceMode = Literal["exclude", "up", "down", "ignore"]
"""How maintenance windows count in availability (docs/availability.md)."""


class InvalidContract(InvalidInput):
    """A contract that cannot be used; ``problems`` name each offending key."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems, what="contract")


def _decimal_input(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is required, not a boolean")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinite numbers are not allowed")
        return Decimal(repr(value))
    return value


Number = Annotated[Decimal, BeforeValidator(_decimal_input), Field(allow_inf_nan=False)]
Percent = Annotated[
    Decimal, BeforeValidator(_decimal_input), Field(ge=0, le=100, allow_inf_nan=False)
]
Money = Annotated[Decimal, BeforeValidator(_decimal_input), Field(ge=0, allow_inf_nan=False)]
Name = Annotated[str, Field(strict=True, min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _pct_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


class CreditBand(_Model):
    """Credit ``credit_percent`` (of the credit base) when the measured percentage lies in
    ``[lower, upper)``; a missing bound is open (``lower=None``: anything below ``upper``;
    ``upper=None``: anything from ``lower`` up, 100 included)."""

    lower: Number | None = None
    upper: Number | None = None
    credit_percent: Percent
    name: str | None = None

    @model_validator(mode="after")
    def _bounds(self) -> CreditBand:
        if self.lower is None and self.upper is None:
            raise ValueError("a band needs a lower or an upper bound (or both)")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValueError(
                f"lower ({self.lower}) must be below upper ({self.upper}): bands are "
                "half-open [lower, upper)")
        return self

    def matches(self, measured_pct: Fraction) -> bool:
        """Whether a measured percentage (exact, 0–100) lies in ``[lower, upper)``."""
        return (self.lower is None or Fraction(self.lower) <= measured_pct) and (
            self.upper is None or measured_pct < Fraction(self.upper)
        )

    @property
    def label(self) -> str:
        """``name``, else the range: ``[99, 99.99)``, ``< 95``, ``>= 99.99``."""
        if self.name:
            return self.name
        if self.lower is None:
            assert self.upper is not None
            return f"< {_pct_text(self.upper)}"
        if self.upper is None:
            return f">= {_pct_text(self.lower)}"
        return f"[{_pct_text(self.lower)}, {_pct_text(self.upper)})"


def select_band(bands: Iterable[CreditBand], measured_pct: Fraction) -> CreditBand | None:
    """The most severe band containing ``measured_pct``: the highest ``credit_percent``
    among the matching bands (the first listed of equals); ``None`` when none matches."""
    best: CreditBand | None = None
    for band in bands:
        if band.matches(measured_pct) and (best is None
                                           or band.credit_percent > best.credit_percent):
            best = band
    return best


def ladder(steps: Iterable[tuple[Decimal | int | str, Decimal | int | str]]) -> tuple[
        CreditBand, ...]:
    """Bands from the public-cloud form "uptime < threshold → credit": ``steps`` are
    ``(threshold, credit_percent)`` pairs; each band runs from the next lower threshold
    (inclusive) to its own (exclusive), the lowest one down to anything.

    ``ladder([(99.99, 10), (99.0, 30), (95.0, 100)])`` is ``[99, 99.99) → 10``,
    ``[95, 99) → 30``, ``< 95 → 100``."""
    ordered = sorted(((Decimal(str(t)), Decimal(str(c))) for t, c in steps), reverse=True)
    out = []
    for i, (threshold, credit) in enumerate(ordered):
        lower = ordered[i + 1][0] if i + 1 < len(ordered) else None
        out.append(CreditBand(lower=lower, upper=threshold, credit_percent=credit))
    return tuple(out)


#: AWS Compute SLA, region level (Monthly Uptime Percentage): < 99.99 → 10 %, < 99.0 → 30 %,
#: < 95.0 → 100 %.
AWS_EC2_REGION = ladder([("99.99", 10), ("99.0", 30), ("95.0", 100)])
#: AWS Compute SLA, single instance: < 99.5 → 10 %, < 99.0 → 30 %, < 95.0 → 100 %.
AWS_EC2_INSTANCE = ladder([("99.5", 10), ("99.0", 30), ("95.0", 100)])
#: Azure Virtual Machines in two or more availability zones: < 99.99 → 10 %, < 99 → 25 %,
#: < 95 → 100 %.
AZURE_VM_ZONES = ladder([("99.99", 10), ("99", 25), ("95", 100)])


class Cap(_Model):
    """The most a vendor credits per period: ``percent_of_invoice`` of the period's invoice
    and/or an absolute ``amount``; when both are given the lower one applies."""

    percent_of_invoice: Percent | None = None
    amount: Money | None = None

    @model_validator(mode="after")
    def _one(self) -> Cap:
        if self.percent_of_invoice is None and self.amount is None:
            raise ValueError("give percent_of_invoice, amount or both")
        return self


class EarnBack(_Model):
    """A credit is waived when each of the next ``periods`` periods meets
    ``target_percent`` (default: the service level's own target)."""

    periods: int = Field(ge=1, le=120, strict=True)
    target_percent: Percent | None = None


class ServiceLevel(_Model):
    """One credit-bearing service level of a contract.

    ``measure`` is ``compliance`` (the share of met cycles in the compliance report, among
    the rows whose group values equal ``select``, e.g. ``{metric: resolution, vendor:
    acme}``) or ``availability`` (of service ``service`` over agreed service time: 24×7, or
    the calendar named ``calendar``; ``maintenance`` and ``min_outage`` as in
    ``availability_report``).  ``target_percent`` is the agreed level (a period meets it
    when measured ≥ target); ``bands`` map the measured percentage to a credit;
    ``allocation_percent`` is the service level's share of the pool."""

    id: Name
    measure: Literal["compliance", "availability"]
    target_percent: Percent
    bands: tuple[CreditBand, ...] = Field(min_length=1)
    allocation_percent: Percent = Decimal(100)
    select: dict[str, str | int | bool | None] = Field(default_factory=dict)
    service: Name | None = None
    calendar: Name | None = None
    maintenance: MaintenanceMode = "exclude"
    min_outage: Duration = timedelta(0)
    earn_back: EarnBack | None = None

    @model_validator(mode="after")
    def _measure_fields(self) -> ServiceLevel:
        if self.measure == "availability":
            if self.service is None:
                raise ValueError("an availability service level needs 'service'")
            if self.select:
                raise ValueError("'select' is for compliance service levels")
        elif self.service is not None or self.calendar is not None:
            raise ValueError(
                "'service' and 'calendar' are for availability service levels; a compliance "
                "service level selects rows with 'select'")
        return self


class Contract(_Model):
    """A contract with ``vendor``: its service levels and how credits are computed.

    Credit base of a service level in a period = invoice × ``at_risk_percent`` ×
    ``pool_percent`` × the level's ``allocation_percent``; its credit = base × the credit
    percentage of its band.  ``invoice`` is the default invoice amount per period (a
    report may give each period's amount).  Amounts are rounded half-up to ``decimals``.
    """

    id: Name
    vendor: Name
    currency: str = "EUR"
    period: Literal["month", "week", "day", "year"] = "month"
    zone: str = "UTC"
    invoice: Money | None = None
    at_risk_percent: Percent = Decimal(100)
    pool_percent: Percent = Decimal(100)
    cap: Cap | None = None
    earn_back: EarnBack | None = None
    decimals: int = Field(default=2, ge=0, le=6, strict=True)
    service_levels: tuple[ServiceLevel, ...] = Field(min_length=1)

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("service_levels")
    @classmethod
    def _unique(cls, value: tuple[ServiceLevel, ...]) -> tuple[ServiceLevel, ...]:
        seen: set[str] = set()
        for sl in value:
            if sl.id in seen:
                raise ValueError(f"service level id {sl.id!r} is used twice")
            seen.add(sl.id)
        return value

    def service_level(self, sl_id: str) -> ServiceLevel:
        """The service level with id ``sl_id``."""
        for sl in self.service_levels:
            if sl.id == sl_id:
                return sl
        raise KeyError(sl_id)

    def calendar_references(self) -> list[tuple[str, str]]:
        """``(path, calendar id)`` of every calendar the contract names."""
        return [(f"service_levels.{i}.calendar", sl.calendar)
                for i, sl in enumerate(self.service_levels) if sl.calendar is not None]


def parse_contract(data: Mapping[str, Any] | Contract, *, calendars: Iterable[str] = ()
                   ) -> Contract:
    """Validate a contract given as data.  ``calendars`` names the calendars the caller
    will supply (an availability service level naming another one is an error).  Raises
    ``InvalidContract`` with the path and value of every offending key."""
    if isinstance(data, Contract):
        return data
    try:
        contract = Contract.model_validate(data)
    except ValidationError as exc:
        raise InvalidContract(problems_of(exc)) from None
    known = set(calendars)
    problems = [Problem(path, name, "unknown calendar; known: "
                        + (", ".join(sorted(known)) or "(none given)"))
                for path, name in contract.calendar_references() if name not in known]
    if problems:
        raise InvalidContract(problems)
    return contract
