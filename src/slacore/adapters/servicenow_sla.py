"""Evaluating a ServiceNow import, and comparing slacore's verdicts with the export's own
``made_sla`` flag.

The export does not say which SLA definition set ``made_sla`` (nor its schedule, pause
conditions or targets), so the comparison is a report for a human, not a test: a low
agreement rate means the policies differ, and the disagreeing incidents show where.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from slacore.adapters.servicenow import ServiceNowImport
from slacore.clock import BusinessCalendar
from slacore.events import Event
from slacore.policies import Policy, TicketSla, evaluate

__all__ = ["Agreement", "Disagreement", "evaluate_import", "made_sla_agreement", "slacore_made"]


def evaluate_import(
    imported: ServiceNowImport,
    policy: Policy,
    *,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    services: Iterable[Event | Mapping[str, Any]] = (),
    as_of: datetime | None = None,
) -> dict[str, TicketSla]:
    """``slacore.evaluate`` for every incident of the import, by incident number."""
    service_events = list(services)
    return {
        number: evaluate(policy, events, calendars=calendars, services=service_events,
                         as_of=as_of)
        for number, events in imported.tickets().items()
    }


def slacore_made(result: TicketSla, metric: str) -> bool | None:
    """slacore's verdict in the sense of ``made_sla``: ``True`` when ``metric`` has
    cycles and none of them is breached (a running cycle counts as it stands), ``False``
    when one is, ``None`` when the metric never started (nothing to compare)."""
    cycles = result.metrics.get(metric, ())
    if not cycles:
        return None
    return not any(c.breached for c in cycles)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """An incident where the export's ``made_sla`` and slacore's verdict differ."""

    number: str
    export: bool
    slacore: bool


@dataclass(frozen=True)
class Agreement:
    """How often slacore's verdict on ``metric`` matches the export's ``made_sla``.

    ``compared`` incidents had both a flag and a verdict; of them ``both_made`` and
    ``both_missed`` agree, ``only_export_made`` (the export says made, slacore says
    breached) and ``only_slacore_made`` do not.  ``not_compared`` lists the other
    incidents with the reason, by number.
    """

    metric: str
    both_made: int
    both_missed: int
    only_export_made: int
    only_slacore_made: int
    disagreements: tuple[Disagreement, ...]
    not_compared: tuple[tuple[str, str], ...]

    @property
    def compared(self) -> int:
        """Incidents with both a flag and a verdict."""
        return self.agreed + self.only_export_made + self.only_slacore_made

    @property
    def agreed(self) -> int:
        """Incidents where the two agree."""
        return self.both_made + self.both_missed

    @property
    def rate(self) -> Fraction | None:
        """``agreed / compared`` (exact), ``None`` when nothing was compared."""
        return Fraction(self.agreed, self.compared) if self.compared else None

    def summary(self) -> str:
        """A few lines for a human."""
        rate = self.rate
        if rate is None:
            head = f"made_sla agreement on {self.metric!r}: nothing to compare"
        else:
            pct = (Decimal(rate.numerator) * 100 / Decimal(rate.denominator)).quantize(
                Decimal("0.01"))
            head = (f"made_sla agreement on {self.metric!r}: {self.agreed} of "
                    f"{self.compared} incidents ({pct}%)")
        lines = [
            head,
            f"  both made {self.both_made}, both missed {self.both_missed}, "
            f"export made / slacore breached {self.only_export_made}, "
            f"export missed / slacore made {self.only_slacore_made}, "
            f"not compared {len(self.not_compared)}",
        ]
        lines += [
            f"  {d.number}: export made_sla={str(d.export).lower()}, slacore "
            f"{'made' if d.slacore else 'breached'}"
            for d in self.disagreements
        ]
        return "\n".join(lines)


def made_sla_agreement(
    imported: ServiceNowImport,
    results: Mapping[str, TicketSla] | Iterable[TicketSla],
    *,
    metric: str = "resolution",
) -> Agreement:
    """Compare the export's final ``made_sla`` per incident with slacore's verdict on
    ``metric`` (see ``slacore_made``).  ``results`` are ``TicketSla`` per incident number
    (as ``evaluate_import`` returns them) or an iterable of them."""
    by_number: dict[str, TicketSla] = (
        dict(results) if isinstance(results, Mapping)
        else {r.ticket_id: r for r in results if r.ticket_id is not None}
    )
    counts = {(True, True): 0, (False, False): 0, (True, False): 0, (False, True): 0}
    disagreements: list[Disagreement] = []
    skipped: list[tuple[str, str]] = []
    for number in sorted(set(imported.made_sla) | set(by_number)):
        if number not in imported.made_sla:
            skipped.append((number, "not in the import"))
            continue
        flag = imported.made_sla[number]
        result = by_number.get(number)
        if flag is None:
            skipped.append((number, "the export has no made_sla flag"))
            continue
        if result is None:
            skipped.append((number, "not evaluated"))
            continue
        verdict = slacore_made(result, metric)
        if verdict is None:
            skipped.append((number, f"metric {metric!r} never started"))
            continue
        counts[(flag, verdict)] += 1
        if flag != verdict:
            disagreements.append(Disagreement(number, flag, verdict))
    return Agreement(
        metric=metric,
        both_made=counts[(True, True)],
        both_missed=counts[(False, False)],
        only_export_made=counts[(True, False)],
        only_slacore_made=counts[(False, True)],
        disagreements=tuple(disagreements),
        not_compared=tuple(skipped),
    )
