"""Adapters: exports of real ITSM tools mapped onto slacore's event vocabulary.

``read_incident_audit`` reads a ServiceNow incident audit export (CSV),
``evaluate_import`` evaluates it under a policy and ``made_sla_agreement`` compares the
verdicts with the export's own ``made_sla`` flag; see ``docs/servicenow.md``.
"""

from slacore.adapters.servicenow import (
    ImportNote,
    InvalidExport,
    RejectedRow,
    ServiceNowImport,
    read_incident_audit,
)
from slacore.adapters.servicenow_sla import (
    Agreement,
    Disagreement,
    evaluate_import,
    made_sla_agreement,
    slacore_made,
)

__all__ = [
    "Agreement",
    "Disagreement",
    "ImportNote",
    "InvalidExport",
    "RejectedRow",
    "ServiceNowImport",
    "evaluate_import",
    "made_sla_agreement",
    "read_incident_audit",
    "slacore_made",
]
