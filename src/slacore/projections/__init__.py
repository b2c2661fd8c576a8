"""Read models derived from the log via the pure core.

``SlaProjection`` follows the log and keeps every ticket's SLA state in a view that resumes
exactly (docs/store.md).  The reporting projections are pure: lists of ``TicketSla`` in,
reports out.

Every figure is derived from ``slacore.evaluate`` results; no projection re-implements
clock or pause arithmetic.  The reports do no I/O and never read the wall clock: callers
pass ``as_of``.
See docs/reporting.md.
"""

from slacore.projections.availability import (
    AvailabilityProjection,
    AvailabilityReport,
    AvailabilityRow,
    availability_report,
    periods_between,
)
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
from slacore.projections.contracts import (
    AWS_EC2_INSTANCE,
    AWS_EC2_REGION,
    AZURE_VM_ZONES,
    Contract,
    CreditBand,
    InvalidContract,
    ServiceLevel,
    ladder,
    parse_contract,
    select_band,
)
from slacore.projections.credits import (
    CreditProjection,
    CreditReport,
    contract_credits,
    credit_report,
)
from slacore.projections.crisis import (
    CrisisEpisode,
    CrisisError,
    CrisisReport,
    detect_crises,
)
from slacore.projections.holders import (
    Fix,
    HolderChange,
    Stint,
    TicketHoldings,
    Transfer,
    holdings,
)
from slacore.projections.kpis import (
    DEFAULT_AGING,
    KpiError,
    KpiProjection,
    KpiReport,
    KpiRow,
    kpi_report,
)
from slacore.projections.rca import (
    RcaError,
    RcaObligation,
    RcaProjection,
    RcaReport,
    RcaRow,
    rca_obligations,
    rca_report,
)
from slacore.projections.recommend import (
    RecommendError,
    TargetRecommendation,
    recommend_targets,
)
from slacore.projections.risk_register import (
    RiskEntry,
    RiskPeriod,
    RiskRegister,
    RiskRegisterError,
    RiskRegisterProjection,
    risk_register,
)
from slacore.projections.runner import SlaProjection
from slacore.projections.scorecards import (
    HolderRow,
    HolderScorecard,
    HolderScorecardProjection,
    ScorecardError,
    holder_metrics,
    holder_scorecard,
)
from slacore.projections.staffing import (
    DemandProfile,
    StaffingPlan,
    StaffingProjection,
    demand_profile,
    required_agents,
    staffing_plan,
)
from slacore.projections.uptime import UptimeProjection, UptimeReport, uptime_report
from slacore.projections.vendor import (
    DEFAULT_NORMALISATION,
    InvalidScorecardConfig,
    KpiScore,
    Normalisation,
    UptimeFigure,
    VendorScore,
    VendorScorecard,
    VendorScorecardConfig,
    VendorScorecardProjection,
    parse_scorecard_config,
    vendor_scorecard,
)
from slacore.projections.views import ViewRow
from slacore.projections.whatif import WhatIfReport, what_if

__all__ = [
    "AWS_EC2_INSTANCE",
    "AWS_EC2_REGION",
    "AZURE_VM_ZONES",
    "DEFAULT_AGING",
    "DEFAULT_NORMALISATION",
    "DEFAULT_STRATA",
    "AvailabilityProjection",
    "AvailabilityReport",
    "AvailabilityRow",
    "CompletionModel",
    "ComplianceError",
    "ComplianceProjection",
    "ComplianceReport",
    "ComplianceRow",
    "Contract",
    "CreditBand",
    "CreditProjection",
    "CreditReport",
    "CrisisEpisode",
    "CrisisError",
    "CrisisReport",
    "CycleRisk",
    "DemandProfile",
    "Fix",
    "HolderChange",
    "HolderRow",
    "HolderScorecard",
    "HolderScorecardProjection",
    "InvalidContract",
    "InvalidScorecardConfig",
    "KaplanMeier",
    "KpiError",
    "KpiProjection",
    "KpiReport",
    "KpiRow",
    "KpiScore",
    "Normalisation",
    "Period",
    "RcaError",
    "RcaObligation",
    "RcaProjection",
    "RcaReport",
    "RcaRow",
    "RecommendError",
    "RiskEntry",
    "RiskError",
    "RiskPeriod",
    "RiskRegister",
    "RiskRegisterError",
    "RiskRegisterProjection",
    "RiskReport",
    "ScorecardError",
    "ServiceLevel",
    "SlaProjection",
    "StaffingPlan",
    "StaffingProjection",
    "Stint",
    "TargetRecommendation",
    "TicketHoldings",
    "Transfer",
    "UptimeFigure",
    "UptimeProjection",
    "UptimeReport",
    "VendorScore",
    "VendorScorecard",
    "VendorScorecardConfig",
    "VendorScorecardProjection",
    "ViewRow",
    "WhatIfReport",
    "availability_report",
    "compliance_report",
    "contract_credits",
    "credit_report",
    "demand_profile",
    "detect_crises",
    "holder_metrics",
    "holder_scorecard",
    "holdings",
    "kpi_report",
    "ladder",
    "nearest_rank",
    "parse_contract",
    "parse_scorecard_config",
    "periods_between",
    "rca_obligations",
    "rca_report",
    "recommend_targets",
    "required_agents",
    "risk_register",
    "risk_report",
    "select_band",
    "staffing_plan",
    "uptime_report",
    "vendor_scorecard",
    "what_if",
]
