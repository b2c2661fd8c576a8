"""What-if: replay the same tickets under several policies, compliance side by side.

Each ticket's events are evaluated (``slacore.evaluate``) under every policy given, and a
compliance report is built per policy with the same arguments; ``rows()`` joins them on
period and group.  Pure: no I/O, no wall clock.  See docs/reporting.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from slacore.clock import BusinessCalendar
from slacore.policies import Policy, evaluate
from slacore.projections._common import group_order, plain
from slacore.projections.compliance import ComplianceReport, compliance_report

_COMPARED = ("due", "met", "breached", "running", "compliance_pct", "total_breach_seconds")


class WhatIfReport(BaseModel):
    """One compliance report per policy, over the same tickets."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    reports: dict[str, ComplianceReport]

    def rows(self) -> list[dict[str, Any]]:
        """One row per period and group present under any policy, with ``<name>.<figure>``
        columns (due, met, breached, running, compliance_pct, total_breach_seconds) for
        every policy (``None`` where the group is absent under that policy)."""
        names = list(self.reports)
        joined: dict[tuple[Any, ...], dict[str, Any]] = {}
        order: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for name in names:
            report = self.reports[name]
            for row in report.groups:
                key = (row.period, *(plain(v) for v in row.group.values()))
                flat = row.row()
                base = joined.get(key)
                if base is None:
                    base = {"period": row.period, "period_start": row.period_start,
                            "period_end": row.period_end,
                            **{k: plain(v) for k, v in row.group.items()}}
                    for other in names:
                        for figure in _COMPARED:
                            base[f"{other}.{figure}"] = None
                    joined[key] = base
                    order[key] = (row.period_start is None, row.period_start or "",
                                  row.period, group_order(list(row.group.values())))
                for figure in _COMPARED:
                    base[f"{name}.{figure}"] = flat[figure]
        return [joined[k] for k in sorted(joined, key=lambda k: order[k])]


def what_if(
    tickets: Iterable[Iterable[Any]],
    policies: Mapping[str, Policy],
    *,
    calendars: Mapping[str, BusinessCalendar],
    services: Iterable[Any] = (),
    as_of: datetime | None = None,
    **report_options: Any,
) -> WhatIfReport:
    """Evaluate every ticket (its events) under each of ``policies`` (name -> policy) and
    report compliance per policy; ``report_options`` go to ``compliance_report``
    (``group_by``, ``period``, ``zone``, ``by``, ``percentiles``, ``metrics``)."""
    ticket_events = [list(events) for events in tickets]
    service_events = list(services)
    reports = {}
    for name, policy in policies.items():
        results = [evaluate(policy, events, calendars=calendars, services=service_events,
                            as_of=as_of) for events in ticket_events]
        reports[name] = compliance_report(results, **report_options)
    return WhatIfReport(reports=reports)
