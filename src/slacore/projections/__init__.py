"""Read models derived from the log via the pure core.

``SlaProjection`` follows the log and keeps every ticket's SLA state in a view that resumes
exactly (docs/store.md).  The reporting projections are pure: lists of ``TicketSla`` in,
reports out.

Every figure is derived from ``slacore.evaluate`` results; no projection re-implements
clock or pause arithmetic.  The reports do no I/O and never read the wall clock: callers
pass ``as_of``.
See docs/reporting.md.
"""

from slacore.projections.breach_risk import (
    DEFAULT_STRATA,
    CompletionModel,
    CycleRisk,
    KaplanMeier,
    RiskError,
    RiskReport,
    risk_report,
)
from slacore.projections.compliance import (
    ComplianceError,
    ComplianceProjection,
    ComplianceReport,
    ComplianceRow,
    Period,
    compliance_report,
    nearest_rank,
)
from slacore.projections.crisis import (
    CrisisEpisode,
    CrisisError,
    CrisisReport,
    detect_crises,
)
from slacore.projections.kpis import (
    DEFAULT_AGING,
    KpiError,
    KpiProjection,
    KpiReport,
    KpiRow,
    kpi_report,
)
from slacore.projections.recommend import (
    RecommendError,
    TargetRecommendation,
    recommend_targets,
)
from slacore.projections.runner import SlaProjection
from slacore.projections.views import ViewRow
from slacore.projections.whatif import WhatIfReport, what_if

__all__ = [
    "DEFAULT_AGING",
    "DEFAULT_STRATA",
    "CompletionModel",
    "ComplianceError",
    "ComplianceProjection",
    "ComplianceReport",
    "ComplianceRow",
    "CrisisEpisode",
    "CrisisError",
    "CrisisReport",
    "CycleRisk",
    "KaplanMeier",
    "KpiError",
    "KpiProjection",
    "KpiReport",
    "KpiRow",
    "Period",
    "RecommendError",
    "RiskError",
    "RiskReport",
    "SlaProjection",
    "TargetRecommendation",
    "ViewRow",
    "WhatIfReport",
    "compliance_report",
    "detect_crises",
    "kpi_report",
    "nearest_rank",
    "recommend_targets",
    "risk_report",
    "what_if",
]
