"""Vendor scorecard: a weighted score from configurable KPIs (pure).

Each vendor (per period, and over all periods) gets up to five KPIs, each a percentage:

| KPI | value | from |
|---|---|---|
| ``uc_compliance`` | met / due of the vendor's UC clocks, % | the UC ``HolderScorecard`` |
| ``responsiveness`` | hand-offs acknowledged within the target / judged, % | the same |
| ``reopen_rate`` | fixes reopened / fixes, % | the same |
| ``rca_on_time`` | RCAs delivered on time / judged, % | ``RcaReport`` |
| ``uptime`` | measured − promised uptime, percentage points | ``uptime`` figures |

Each value is **normalised** to a score in [0, 100] by a clamped linear map that gives 0
at ``worst`` and 100 at ``best`` (``best < worst`` for "lower is better", e.g. the reopen
rate); the map and the arithmetic are shown in the output.  The vendor's score is the
weighted sum of its KPI scores.  The configured weights must sum to exactly 1; a KPI with no
data (nothing due, no RCA requested, no uptime figure) is left out and the remaining weights
are rescaled to sum to 1 (``effective_weight``; shown), so a vendor is neither rewarded nor
punished for what it was not asked to do.  All arithmetic is exact (``Fraction``).
See docs/scorecards.md.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    model_validator,
)

from slacore.clock import BusinessCalendar
from slacore.errors import InvalidInput, problems_of
from slacore.policies import TicketSla
from slacore.projections._common import order_key
from slacore.projections.compliance import Attribution, Period, PeriodUnit, floor_pct
from slacore.projections.holders import TicketHoldings
from slacore.projections.rca import RcaObligation, RcaProjection, RcaReport, RcaRow
from slacore.projections.scorecards import (
    HolderRow,
    HolderScorecard,
    HolderScorecardProjection,
)

KpiName = Literal["uc_compliance", "responsiveness", "reopen_rate", "rca_on_time", "uptime"]
KPI_NAMES: tuple[KpiName, ...] = (
    "uc_compliance", "responsiveness", "reopen_rate", "rca_on_time", "uptime")


class InvalidScorecardConfig(InvalidInput):
    """A vendor scorecard configuration that cannot be used."""

    def __init__(self, exc: ValidationError) -> None:
        super().__init__(problems_of(exc), what="vendor scorecard configuration")


def _text(value: Fraction | Decimal) -> str:
    """A number as short exact text: 75, 87.5, 1/3 (to 4 places, marked ``≈``)."""
    frac = Fraction(value)
    if frac.denominator == 1:
        return str(frac.numerator)
    den = frac.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    if den == 1:
        return str(Decimal(frac.numerator) / Decimal(frac.denominator))
    q = (Decimal(frac.numerator) / Decimal(frac.denominator)).quantize(Decimal("0.0001"))
    return f"≈{q}"


class Normalisation(BaseModel):
    """A clamped linear map from a KPI value to a score: 0 at ``worst``, 100 at ``best``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    worst: Decimal
    best: Decimal

    @model_validator(mode="after")
    def _distinct(self) -> Normalisation:
        if self.worst == self.best:
            raise ValueError(f"worst and best must differ (both {self.worst})")
        if not (self.worst.is_finite() and self.best.is_finite()):
            raise ValueError("worst and best must be finite numbers")
        return self

    def score(self, value: Fraction) -> Fraction:
        """``100 × (value − worst) / (best − worst)``, clamped to [0, 100]."""
        raw = 100 * (value - Fraction(self.worst)) / (Fraction(self.best) - Fraction(self.worst))
        return min(Fraction(100), max(Fraction(0), raw))

    def describe(self) -> str:
        """The map in words."""
        return f"linear: 0 at {_text(self.worst)}, 100 at {_text(self.best)}, clamped to [0, 100]"

    def calculation(self, value: Fraction) -> str:
        """The arithmetic for one value, e.g. ``100 × (75 − 0) / (100 − 0) = 75``."""
        w, b = self.worst, self.best
        raw = 100 * (value - Fraction(w)) / (Fraction(b) - Fraction(w))
        text = f"100 × ({_text(value)} − {_text(w)}) / ({_text(b)} − {_text(w)}) = {_text(raw)}"
        clamped = self.score(value)
        if clamped != raw:
            text += f" → clamped to {_text(clamped)}"
        return text


DEFAULT_NORMALISATION: dict[KpiName, Normalisation] = {
    "uc_compliance": Normalisation(worst=Decimal(0), best=Decimal(100)),
    "responsiveness": Normalisation(worst=Decimal(0), best=Decimal(100)),
    "reopen_rate": Normalisation(worst=Decimal(100), best=Decimal(0)),
    "rca_on_time": Normalisation(worst=Decimal(0), best=Decimal(100)),
    "uptime": Normalisation(worst=Decimal(-1), best=Decimal(0)),
}
"""Identity maps for the percentages, ``100 − rate`` for the reopen rate, and for uptime 100
at (or above) the promise falling to 0 one percentage point below it."""


class KpiWeight(BaseModel):
    """One KPI's weight in [0, 1] and its normalisation (the default for the KPI if
    omitted)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: Decimal = Field(ge=0, le=1)
    normalise: Normalisation | None = None


class VendorScorecardConfig(BaseModel):
    """Which KPIs count and how much: ``{kpis: {uc_compliance: {weight: 0.4}, ...}}``.
    The weights must sum to exactly 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kpis: dict[KpiName, KpiWeight] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> VendorScorecardConfig:
        total = sum((k.weight for k in self.kpis.values()), Decimal(0))
        if total != 1:
            raise ValueError(f"the KPI weights must sum to 1, not {total}")
        return self

    def normalisation(self, kpi: KpiName) -> Normalisation:
        """The normalisation of ``kpi`` (its own or the default)."""
        own = self.kpis[kpi].normalise
        return own if own is not None else DEFAULT_NORMALISATION[kpi]


def parse_scorecard_config(data: Mapping[str, Any] | VendorScorecardConfig
                           ) -> VendorScorecardConfig:
    """Validate a configuration given as data (``InvalidScorecardConfig`` names the key)."""
    if isinstance(data, VendorScorecardConfig):
        return data
    try:
        return VendorScorecardConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidScorecardConfig(exc) from None


@dataclass(frozen=True, slots=True)
class UptimeFigure:
    """A vendor's measured uptime and the uptime it promised, in percent."""

    measured: Decimal
    promised: Decimal


class KpiScore(BaseModel):
    """One KPI of one vendor: the value, how it was normalised, its weight and share."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    kpi: KpiName
    value: Fraction | None
    """The KPI's value (a percentage, or percentage points for ``uptime``); ``None``: no
    data."""
    basis: str
    """Where the value comes from, e.g. ``3 of 4 hand-offs acknowledged in time``."""
    normalisation: str
    calculation: str | None
    score: Fraction | None
    weight: Decimal
    effective_weight: Fraction | None
    """The weight rescaled over the KPIs that have data."""
    contribution: Fraction | None
    """``effective_weight × score``."""

    @field_serializer("value", "score", "effective_weight", "contribution")
    def _ser_fraction(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)


class VendorScore(BaseModel):
    """The scorecard of one vendor in one period (``"all"``: over all periods)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    period: str
    period_start: datetime | None
    period_end: datetime | None
    vendor: Any
    kpis: tuple[KpiScore, ...]
    score: Fraction | None
    """The weighted score in [0, 100]; ``None`` when no KPI has data."""

    @field_serializer("score")
    def _ser_score(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)

    @property
    def score_pct(self) -> Decimal | None:
        """The score rounded down to two decimals."""
        return None if self.score is None else floor_pct(self.score / 100)

    def kpi(self, name: KpiName) -> KpiScore:
        """The KPI ``name`` (configured KPIs only)."""
        return next(k for k in self.kpis if k.kpi == name)


class VendorScorecard(BaseModel):
    """Vendor scores per period and overall."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    config: VendorScorecardConfig
    rows: tuple[VendorScore, ...]
    """Per period × vendor, in the order of the UC scorecard's periods, then vendor."""
    vendors: tuple[VendorScore, ...]
    """Per vendor over all periods."""

    def row_of(self, vendor: Any, period: str = "all") -> VendorScore | None:
        """The score of ``vendor`` in ``period`` (``"all"``: over all periods)."""
        pool = self.vendors if period == "all" else self.rows
        return next((r for r in pool if r.vendor == vendor and r.period == period), None)


def _pct(num: int, den: int) -> Fraction | None:
    return Fraction(100 * num, den) if den else None


def _values(
    uc: HolderRow | None, rca: RcaRow | None, uptime: UptimeFigure | None
) -> dict[KpiName, tuple[Fraction | None, str]]:
    out: dict[KpiName, tuple[Fraction | None, str]] = {}
    if uc is not None:
        due = uc.met + uc.breached
        out["uc_compliance"] = (_pct(uc.met, due), f"{uc.met} of {due} UC cycles met")
        out["responsiveness"] = (_pct(uc.acks_in_time, uc.acks_judged),
                                 f"{uc.acks_in_time} of {uc.acks_judged} hand-offs "
                                 "acknowledged in time")
        out["reopen_rate"] = (_pct(uc.fixes_reopened, uc.fixes),
                              f"{uc.fixes_reopened} of {uc.fixes} fixes reopened")
    else:
        out["uc_compliance"] = (None, "no UC cycles")
        out["responsiveness"] = (None, "no hand-offs")
        out["reopen_rate"] = (None, "no fixes")
    if rca is not None:
        judged = rca.on_time + rca.late + rca.overdue
        out["rca_on_time"] = (_pct(rca.on_time, judged),
                              f"{rca.on_time} of {judged} RCAs on time "
                              f"({rca.late} late, {rca.overdue} overdue, "
                              f"{rca.outstanding} outstanding)")
    else:
        out["rca_on_time"] = (None, "no RCA requested")
    if uptime is not None:
        out["uptime"] = (Fraction(uptime.measured) - Fraction(uptime.promised),
                         f"measured {uptime.measured} % vs promised {uptime.promised} %")
    else:
        out["uptime"] = (None, "no uptime figure")
    return out


def score_vendor(
    config: VendorScorecardConfig,
    *,
    period: str,
    period_start: datetime | None,
    period_end: datetime | None,
    vendor: Hashable,
    uc: HolderRow | None = None,
    rca: RcaRow | None = None,
    uptime: UptimeFigure | None = None,
) -> VendorScore:
    """The score of one vendor in one period from its UC row, RCA row and uptime figure."""
    values = _values(uc, rca, uptime)
    present = [k for k in config.kpis if values[k][0] is not None]
    weight_sum = sum((Fraction(config.kpis[k].weight) for k in present), Fraction(0))
    kpis = []
    total: Fraction | None = None
    for name in KPI_NAMES:
        if name not in config.kpis:
            continue
        value, basis = values[name]
        norm = config.normalisation(name)
        weight = config.kpis[name].weight
        score = calc = eff = contribution = None
        if value is not None:
            score = norm.score(value)
            calc = norm.calculation(value)
            eff = Fraction(weight) / weight_sum if weight_sum else Fraction(0)
            contribution = eff * score
            total = contribution if total is None else total + contribution
        kpis.append(KpiScore(
            kpi=name, value=value, basis=basis, normalisation=norm.describe(),
            calculation=calc, score=score, weight=weight, effective_weight=eff,
            contribution=contribution,
        ))
    if total is not None and weight_sum == 0:
        total = None  # only zero-weight KPIs have data: nothing to weigh
    return VendorScore(period=period, period_start=period_start, period_end=period_end,
                       vendor=vendor, kpis=tuple(kpis), score=total)


def vendor_scorecard(
    uc: HolderScorecard,
    *,
    config: VendorScorecardConfig | Mapping[str, Any],
    rca: RcaReport | None = None,
    uptime: Mapping[tuple[Hashable, str], UptimeFigure] | None = None,
) -> VendorScorecard:
    """Score every vendor of the UC scorecard ``uc`` (``field`` ``vendor`` or another
    vendor field), of the RCA report and of the uptime figures, per period and overall.
    ``uptime`` is keyed ``(vendor, period key)``, ``"all"`` for the overall line.  Period keys
    of ``rca`` and ``uptime`` should come from the same period unit and zone as ``uc``'s.
    The unassigned holder (``None``) is not a vendor and is left out."""
    cfg = parse_scorecard_config(config)
    uptime = dict(uptime or {})
    cells: dict[tuple[str, Hashable], dict[str, Any]] = {}
    bounds: dict[str, tuple[datetime | None, datetime | None]] = {}

    def cell(period: str, start: datetime | None, end: datetime | None, vendor: Hashable
             ) -> dict[str, Any]:
        bounds.setdefault(period, (start, end))
        return cells.setdefault((period, vendor), {})

    for u in uc.rows:
        if u.holder is not None:
            cell(u.period, u.period_start, u.period_end, u.holder)["uc"] = u
    if rca is not None:
        for r in rca.rows:
            if r.vendor is not None:
                cell(r.period, r.period_start, r.period_end, r.vendor)["rca"] = r
    for (vendor, period), figure in uptime.items():
        if period != "all" and vendor is not None:
            start, end = bounds.get(period, (None, None))
            cell(period, start, end, vendor)["uptime"] = figure

    def order(key: tuple[str, Hashable]) -> tuple[Any, ...]:
        start = bounds[key[0]][0]
        return (start is None, start.timestamp() if start else 0, key[0], order_key(key[1]))

    rows = tuple(
        score_vendor(cfg, period=p, period_start=bounds[p][0], period_end=bounds[p][1],
                     vendor=v, uc=c.get("uc"), rca=c.get("rca"), uptime=c.get("uptime"))
        for (p, v), c in sorted(cells.items(), key=lambda kv: order(kv[0])))
    overall: dict[Hashable, dict[str, Any]] = {}
    for u in uc.holders:
        if u.holder is not None:
            overall.setdefault(u.holder, {})["uc"] = u
    if rca is not None:
        for r in rca.vendors:
            if r.vendor is not None:
                overall.setdefault(r.vendor, {})["rca"] = r
    for (vendor, period), figure in uptime.items():
        if period == "all" and vendor is not None:
            overall.setdefault(vendor, {})["uptime"] = figure
    vendors = tuple(
        score_vendor(cfg, period="all", period_start=None, period_end=None, vendor=v,
                     uc=c.get("uc"), rca=c.get("rca"), uptime=c.get("uptime"))
        for v, c in sorted(overall.items(), key=lambda kv: order_key(kv[0])))
    return VendorScorecard(config=cfg, rows=rows, vendors=vendors)


class VendorScorecardProjection:
    """The vendor scorecard kept up to date one ticket at a time: a UC
    ``HolderScorecardProjection`` on the vendor field and an ``RcaProjection``.
    ``update(result, holdings, rcas)`` replaces the ticket's inputs, ``remove`` withdraws
    them, ``report(as_of=, uptime=)`` equals ``vendor_scorecard`` over ``holder_scorecard``
    and ``rca_report`` of the latest inputs (property-tested)."""

    def __init__(
        self,
        *,
        config: VendorScorecardConfig | Mapping[str, Any],
        field: str = "vendor",
        metrics: Mapping[str, Hashable] | None = None,
        period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
        zone: str = "UTC",
        by: Attribution = "stopped",
        calendar: BusinessCalendar | None = None,
        calendars: Mapping[Hashable, BusinessCalendar] | None = None,
        ack_target: timedelta | None = None,
    ) -> None:
        self.config = parse_scorecard_config(config)
        self.uc = HolderScorecardProjection(
            field=field, metrics=metrics, period=period, zone=zone, by=by, calendar=calendar,
            calendars=calendars, ack_target=ack_target)
        self.rca = RcaProjection(period=period, zone=zone)

    def update(self, result: TicketSla | None, holdings: TicketHoldings | None,
               rcas: Iterable[RcaObligation] = ()) -> None:
        """The ticket's result, holdings (on the vendor field) and RCA obligations."""
        self.uc.update(result, holdings)
        tid = result.ticket_id if result is not None else (
            holdings.ticket_id if holdings is not None else None)
        assert tid is not None  # the UC projection checked it
        self.rca.update(tid, rcas)

    def remove(self, ticket_id: str) -> None:
        """Withdraw the ticket."""
        self.uc.remove(ticket_id)
        self.rca.remove(ticket_id)

    def report(self, *, as_of: datetime | None = None,
               uptime: Mapping[tuple[Hashable, str], UptimeFigure] | None = None
               ) -> VendorScorecard:
        """The scorecard, RCA statuses as of ``as_of``."""
        return vendor_scorecard(self.uc.report(), config=self.config,
                                rca=self.rca.report(as_of), uptime=uptime)
