"""Building small incident audit exports for the adapter tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from slacore.adapters.servicenow import COLUMNS

DEFAULTS: dict[str, str] = {
    "number": "INC1", "incident_state": "New", "active": "true", "reassignment_count": "0",
    "reopen_count": "0", "sys_mod_count": "0", "made_sla": "true", "caller_id": "Caller 1",
    "opened_by": "Opened by 1", "opened_at": "01-03-2016 09:00", "sys_created_by": "?",
    "sys_created_at": "01-03-2016 09:00", "sys_updated_by": "Updated by 1",
    "sys_updated_at": "01-03-2016 09:00", "contact_type": "Phone", "location": "?",
    "category": "?", "subcategory": "?", "u_symptom": "?", "cmdb_ci": "?",
    "impact": "2 - Medium", "urgency": "2 - Medium", "priority": "3 - Moderate",
    "assignment_group": "Group 1", "assigned_to": "?", "knowledge": "false",
    "u_priority_confirmation": "false", "notify": "Do Not Notify", "problem_id": "?",
    "rfc": "?", "vendor": "?", "caused_by": "?", "closed_code": "?", "resolved_by": "?",
    "resolved_at": "?", "closed_at": "?",
}


def row(**values: str | int) -> dict[str, str]:
    """A full row: the defaults with ``values`` over them."""
    out = dict(DEFAULTS)
    for key, value in values.items():
        assert key in DEFAULTS, key
        out[key] = str(value)
    return out


def export(rows: Iterable[Mapping[str, str]], columns: Sequence[str] = COLUMNS) -> str:
    """CSV text with a header of ``columns``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "?") for c in columns])
    return buffer.getvalue()
