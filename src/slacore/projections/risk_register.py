"""Risk register: systemic weaknesses behind repeated breaches (pure).

When the same service or vendor breaches in ``threshold`` (N) of the last ``window`` (M)
periods, that is no longer bad luck but a weakness an enterprise risk dashboard should
carry.  ``risk_register(results, as_of=...)``:

- groups the cycles of ``results`` by each ``subjects`` key (ticket fields from
  ``TicketSla.fields``, the values at the end of the evaluated span: ``service``,
  ``vendor``, ``assignment_group``, ``attributes.<name>`` …; a cycle whose ticket has no
  value for a key is not counted for that key);
- counts per subject and period the stopped cycles (met / breached; attributed to the period
  of their stop, as ``compliance_report`` does with ``by="stopped"``);
- a period **breaches** for a subject when it has at least ``min_breaches`` breached cycles
  (default 1) or, with ``compliance_below`` (a fraction, e.g. ``0.95``), when its compliance
  ``met / (met + breached)`` is below it;
- the window is the ``window`` consecutive periods ending with the one that contains
  ``as_of`` (custom periods: the last ``window`` of them starting at or before ``as_of``);
- a subject with at least ``threshold`` breaching periods in the window gets a
  ``RiskEntry`` with its evidence: per period of the window the figures and the breached
  tickets.

``RiskRegisterProjection`` keeps it up to date one ``TicketSla`` at a time
(``update``/``remove``/``report(as_of)``, equal to ``risk_register``; property-tested).
See docs/scorecards.md.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_serializer

from slacore.policies import TicketSla
from slacore.projections._common import (
    TicketLedger,
    hashable,
    order_key,
    span_end,
)
from slacore.projections.compliance import Period, PeriodUnit, _Periods

_ONE_US = timedelta(microseconds=1)


class RiskRegisterError(ValueError):
    """Bad arguments to the risk register."""


class RiskPeriod(BaseModel):
    """One period of a subject's window: its figures and the tickets that breached."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    period: str
    period_start: datetime | None
    period_end: datetime | None
    met: int
    breached: int
    compliance: Fraction | None
    breaching: bool
    tickets: tuple[str, ...]
    """Tickets with a breached cycle in the period (sorted, each once)."""

    @field_serializer("compliance")
    def _ser(self, value: Fraction | None) -> str | None:
        return None if value is None else str(value)


class RiskEntry(BaseModel):
    """A subject (``key`` = ``value``) that breached in ``breaching`` of the last
    ``window`` periods; ``evidence`` holds every period of the window, oldest first."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    risk_id: str
    key: str
    value: Any
    breaching: int
    window: int
    threshold: int
    periods: tuple[str, ...]
    """The keys of the breaching periods, oldest first."""
    breaches: int
    """Breached cycles in the window."""
    tickets: tuple[str, ...]
    """Tickets with a breached cycle in the window."""
    evidence: tuple[RiskPeriod, ...]
    summary: str


class RiskRegister(BaseModel):
    """The risk entries as of an instant, most breaching periods first."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    as_of: datetime
    window: tuple[str, ...]
    """The keys of the window's periods, oldest first."""
    threshold: int
    entries: tuple[RiskEntry, ...]

    def entry(self, key: str, value: Any) -> RiskEntry | None:
        """The entry of one subject, if it is a risk."""
        return next((e for e in self.entries if e.key == key and e.value == value), None)


#: One contribution: (subject key, subject value, period key, kind, ticket).
_Contribution = tuple[str, Hashable, str, str, str]


class RiskRegisterProjection(TicketLedger[_Contribution]):
    """The risk register kept up to date one ``TicketSla`` at a time (see the module
    docstring for the arguments)."""

    missing_id = RiskRegisterError

    def __init__(
        self,
        *,
        subjects: Sequence[str] = ("service", "vendor"),
        period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
        zone: str = "UTC",
        window: int = 3,
        threshold: int = 2,
        min_breaches: int = 1,
        compliance_below: Fraction | float | str | None = None,
        metrics: Iterable[str] | None = None,
    ) -> None:
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise RiskRegisterError(f"window must be a positive integer, not {window!r}")
        if isinstance(threshold, bool) or not isinstance(threshold, int) or not (
                1 <= threshold <= window):
            raise RiskRegisterError(
                f"threshold must be an integer in [1, window={window}], not {threshold!r}")
        if isinstance(min_breaches, bool) or not isinstance(min_breaches, int) or min_breaches < 1:
            raise RiskRegisterError(
                f"min_breaches must be a positive integer, not {min_breaches!r}")
        below: Fraction | None = None
        if compliance_below is not None:
            below = Fraction(str(compliance_below)) if not isinstance(
                compliance_below, Fraction) else compliance_below
            if not 0 < below <= 1:
                raise RiskRegisterError(
                    f"compliance_below must be in (0, 1], not {compliance_below!r}")
        subjects = tuple(subjects)
        if not subjects or len(set(subjects)) != len(subjects):
            raise RiskRegisterError(f"subjects must be distinct field names, not {subjects!r}")
        try:
            self.periods = _Periods(period, ZoneInfo(zone))
        except ValueError as exc:
            raise RiskRegisterError(str(exc)) from None
        except Exception:
            raise RiskRegisterError(f"unknown time zone {zone!r}") from None
        if self.periods.unit == "all" and window != 1:
            raise RiskRegisterError("with period='all' there is one period: window must be 1")
        self.subjects = subjects
        self.window = window
        self.threshold = threshold
        self.min_breaches = min_breaches
        self.below = below
        self.wanted = None if metrics is None else frozenset(metrics)
        # (key, value, period) -> {"met": n, "breached": n} and breached tickets with counts
        self.counts: dict[tuple[str, Hashable, str], dict[str, int]] = {}
        self.breached_tickets: dict[tuple[str, Hashable, str], dict[str, int]] = {}
        self.tickets: dict[str, list[_Contribution]] = {}

    def contributions(self, result: TicketSla) -> list[_Contribution]:
        """What the stopped cycles of ``result`` add to which subject and period."""
        if result.ticket_id is None:
            raise RiskRegisterError("the risk register needs results with a ticket_id")
        values = [(k, hashable(result.fields.get(k))) for k in self.subjects]
        values = [(k, v) for k, v in values if v is not None]
        out: list[_Contribution] = []
        if not values:
            return out
        for mid, cycles in result.metrics.items():
            if self.wanted is not None and mid not in self.wanted:
                continue
            for cycle in cycles:
                if cycle.state != "stopped":
                    continue
                kind = "breached" if cycle.breached else "met"
                for per in self.periods.of(span_end(result, cycle)):
                    out += [(k, v, per.key, kind, result.ticket_id) for k, v in values]
        return out

    def _apply(self, contributions: list[_Contribution], sign: int) -> None:
        for key, value, pkey, kind, ticket in contributions:
            cell_key = (key, value, pkey)
            cell = self.counts.setdefault(cell_key, {})
            cell[kind] = cell.get(kind, 0) + sign
            if not cell[kind]:
                del cell[kind]
            if not cell:
                del self.counts[cell_key]
            if kind == "breached":
                tickets = self.breached_tickets.setdefault(cell_key, {})
                tickets[ticket] = tickets.get(ticket, 0) + sign
                if not tickets[ticket]:
                    del tickets[ticket]
                if not tickets:
                    del self.breached_tickets[cell_key]

    def window_periods(self, as_of: datetime) -> list[Period]:
        """The ``window`` periods ending with the one containing ``as_of``, oldest first."""
        if as_of.utcoffset() is None:
            raise RiskRegisterError(f"as_of must be timezone-aware, not {as_of!r}")
        periods = self.periods
        if periods.unit == "custom":
            started = [p for p in periods.custom if p.start is None or p.start <= as_of]
            started.sort(key=lambda p: (p.start is not None, p.start or as_of, p.key))
            return started[-self.window:]
        out: list[Period] = []
        here = periods.of(as_of)[0]
        while len(out) < self.window:
            out.append(here)
            if here.start is None:
                break
            here = periods.of(here.start - _ONE_US)[0]
        return out[::-1]

    def _breaching(self, met: int, breached: int) -> bool:
        if self.below is not None:
            due = met + breached
            return due > 0 and Fraction(met, due) < self.below
        return breached >= self.min_breaches

    def report(self, as_of: datetime) -> RiskRegister:
        """The risks as of ``as_of`` (which fixes the window)."""
        window = self.window_periods(as_of)
        keys = {p.key for p in window}
        subjects = sorted({(k, v) for (k, v, p) in self.counts if p in keys},
                          key=lambda kv: (self.subjects.index(kv[0]), order_key(kv[1])))
        entries = []
        for key, value in subjects:
            evidence = []
            for per in window:
                cell = self.counts.get((key, value, per.key), {})
                met, breached = cell.get("met", 0), cell.get("breached", 0)
                evidence.append(RiskPeriod(
                    period=per.key, period_start=per.start, period_end=per.end, met=met,
                    breached=breached,
                    compliance=Fraction(met, met + breached) if met + breached else None,
                    breaching=self._breaching(met, breached),
                    tickets=tuple(sorted(self.breached_tickets.get((key, value, per.key), {}))),
                ))
            hits = [e for e in evidence if e.breaching]
            if len(hits) < self.threshold:
                continue
            tickets = tuple(sorted({t for e in evidence for t in e.tickets}))
            breaches = sum(e.breached for e in evidence)
            entries.append(RiskEntry(
                risk_id=f"{key}={value}",
                key=key, value=value, breaching=len(hits), window=len(window),
                threshold=self.threshold, periods=tuple(e.period for e in hits),
                breaches=breaches, tickets=tickets, evidence=tuple(evidence),
                summary=(f"{key} {value!r} breached in {len(hits)} of the last {len(window)} "
                         f"periods ({', '.join(e.period for e in hits)}): {breaches} breached "
                         f"cycles on {len(tickets)} tickets"),
            ))
        entries.sort(key=lambda e: (-e.breaching, -e.breaches, self.subjects.index(e.key),
                                    order_key(e.value)))
        return RiskRegister(as_of=as_of, window=tuple(p.key for p in window),
                            threshold=self.threshold, entries=tuple(entries))


def risk_register(
    results: Iterable[TicketSla],
    *,
    as_of: datetime,
    subjects: Sequence[str] = ("service", "vendor"),
    period: PeriodUnit | Sequence[Period | tuple[str, datetime, datetime]] = "month",
    zone: str = "UTC",
    window: int = 3,
    threshold: int = 2,
    min_breaches: int = 1,
    compliance_below: Fraction | float | str | None = None,
    metrics: Iterable[str] | None = None,
) -> RiskRegister:
    """The subjects that breached in ``threshold`` of the last ``window`` periods as of
    ``as_of``, with their evidence (see the module docstring)."""
    projection = RiskRegisterProjection(
        subjects=subjects, period=period, zone=zone, window=window, threshold=threshold,
        min_breaches=min_breaches, compliance_below=compliance_below, metrics=metrics)
    for result in results:
        projection.add(result)
    return projection.report(as_of)
