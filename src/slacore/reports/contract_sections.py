"""Report sections for vendor and service management: OLA/UC scorecards (``holder_scorecard``),
service credits (``contract_credits`` / ``credit_report``) and availability
(``availability_report``).

Each function takes the report object as the projection returned it and renders its
figures (formatted, never recomputed): ratios as percentages rounded down like the
projections' own (``floor_pct``), money as the ``Decimal`` the credit report computed, in
the contract's currency.  Strings from data are escaped.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from slacore.projections.compliance import floor_pct
from slacore.reports import _mpl
from slacore.reports import format as fmt
from slacore.reports.sections import Section

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from slacore.projections.availability import AvailabilityReport
    from slacore.projections.credits import CreditReport
    from slacore.projections.scorecards import HolderRow, HolderScorecard


def _pct(value: Fraction | None, places: int = 2) -> str:
    """An exact ratio as a percentage rounded down (as the projections round)."""
    return fmt.percent(floor_pct(value, places))


def _seconds(value: Fraction | None) -> str:
    """A duration given as exact seconds, shown to the whole second (rounded down)."""
    return fmt.DASH if value is None else fmt.duration(timedelta(seconds=int(value)))


def _money(value: Decimal, currency: str) -> str:
    return f"{value} {fmt.text(currency)}"


def _yes(value: bool | None) -> str:
    return fmt.DASH if value is None else ("yes" if value else "no")


_HOLDER_HEADERS = ("cycles", "met", "breached", "running", "compliance", "time held",
                   "hand-offs in", "hand-offs out", "responsiveness", "fixes", "reopen rate",
                   "share of parent", "parent breaches")


def _holder_cells(row: HolderRow) -> list[str]:
    return [str(row.cycles), str(row.met), str(row.breached), str(row.running),
            _pct(row.compliance), fmt.duration(row.held), str(row.handoffs_in),
            str(row.handoffs_out), _pct(row.responsiveness), str(row.fixes),
            _pct(row.reopen_rate), _pct(row.parent_share), str(row.parent_breaches)]


def scorecard_section(card: HolderScorecard, *, heading: str | None = None) -> Section:
    """One holder scorecard: every holder over the whole span, then holder × period."""
    kind = "OLA" if card.field == "assignment_group" else "UC" if card.field == "vendor" \
        else card.field
    heading = heading or f"{kind} scorecard by {card.field}"
    numeric = range(1, 1 + len(_HOLDER_HEADERS))
    parent = (f"; share of the parent metric {fmt.text(card.parent)}'s elapsed time"
              if card.parent else "")
    intro = (f"<p>Per {fmt.text(card.field)}: its own clocks "
             f"({fmt.text(', '.join(sorted(card.metrics)) or 'none')}), time held, "
             f"hand-offs and fixes{parent}.</p>")
    overall = fmt.table([card.field, *_HOLDER_HEADERS],
                        [[fmt.group_value(r.holder), *_holder_cells(r)] for r in card.holders],
                        css="scorecard", numeric=numeric)
    periods = fmt.table(["period", card.field, *_HOLDER_HEADERS],
                        [[fmt.text(r.period), fmt.group_value(r.holder), *_holder_cells(r)]
                         for r in card.rows],
                        css="scorecard-periods", numeric=range(2, 2 + len(_HOLDER_HEADERS)))
    body = (f"{intro}{overall}\n<details><summary>Per {fmt.text(card.unit)}</summary>\n"
            f"{periods}\n</details>")
    return Section(heading, body)


def credit_section(report: CreditReport, *, heading: str | None = None) -> Section:
    """The service credits of one contract: one row per period and service level, the
    period's totals (cap applied or not), and what is owed in all."""
    heading = heading or f"Service credits: {report.contract}"
    cur = report.currency
    headers = ("period", "service level", "measure", "measured", "target", "met target",
               "band", "credit %", "base", "credit", "earn-back", "owed")
    rows: list[list[str]] = []
    for p in report.periods:
        for line in p.lines:
            rows.append([
                fmt.text(p.period) + ("" if p.complete else " (partial)"),
                fmt.text(line.service_level), fmt.text(line.measure),
                fmt.percent(line.measured_pct), fmt.percent(line.target_percent),
                _yes(line.met_target), fmt.text(line.band), fmt.percent(line.credit_percent),
                _money(line.base, cur), _money(line.credit, cur), fmt.text(line.earn_back),
                _money(line.owed, cur)])
        cap = f"cap {_money(p.cap, cur)}" + (", applied" if p.cap_applied else "")
        rows.append([f"<b>{fmt.text(p.period)}</b>", f"<b>period total</b> ({cap})", "", "",
                     "", "", "", "", "", f"<b>{_money(p.credit, cur)}</b>",
                     f"waived {_money(p.waived, cur)}", f"<b>{_money(p.owed, cur)}</b>"])
    intro = (f"<p>Contract {fmt.text(report.contract)} with {fmt.text(report.vendor)}: "
             f"<b>{_money(report.owed, cur)}</b> owed over {len(report.periods)} "
             f"period(s).</p>")
    body = intro + fmt.table(headers, rows, css="credits", numeric=(3, 4, 7, 8, 9, 11))
    return Section(heading, body)


def availability_figure(report: AvailabilityReport) -> Figure:
    """Availability per period, one line per service (percent rounded down to four
    decimals, as the report's ``availability_pct``)."""
    periods: list[str] = []
    series: dict[Hashable, dict[str, float]] = {}
    for row in report.items:
        if row.period not in periods:
            periods.append(row.period)
        pct = row.availability_pct
        if pct is not None:
            series.setdefault(row.service, {})[row.period] = float(pct)
    periods.sort(key=lambda k: min(r.period_start for r in report.items if r.period == k))
    with _mpl.settings("availability"):
        fig = _mpl.new_figure(max(6.0, min(12.0, 3.0 + 0.55 * len(periods))), 3.6)
        ax = fig.subplots()
        xs = list(range(len(periods)))
        low = 100.0
        for n, service in enumerate(sorted(series, key=str)):
            values = series[service]
            ys = [values.get(p, float("nan")) for p in periods]
            low = min(low, *values.values())
            ax.plot(xs, ys, marker="o", markersize=4, linewidth=1.6, label=str(service),
                    color=_mpl.SERIES_COLOURS[n % len(_mpl.SERIES_COLOURS)])
        span = max(100.0 - low, 0.01)
        ax.set_ylim(low - 0.15 * span, 100.0 + 0.1 * span)
        ax.set_ylabel("availability (%)")
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
        ax.grid(axis="y", linewidth=0.5, alpha=0.5)
        ax.set_xticks(xs, periods, rotation=45 if len(periods) > 8 else 0,
                      ha="right" if len(periods) > 8 else "center")
        if series:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), fontsize=8, frameon=False,
                      ncols=min(5, len(series)))
        else:
            ax.text(0.5, 0.5, "nothing measured", ha="center", va="center",
                    transform=ax.transAxes)
    return fig


def availability_section(report: AvailabilityReport, *, chart: bool = True,
                         heading: str = "Availability") -> Section:
    """Availability per service and period: chart and table (agreed, excluded, downtime,
    availability, failures, MTBF, MTRS, credit band)."""
    parts = [f"<p>Availability = (agreed − excluded − downtime) / (agreed − excluded); "
             f"maintenance: {fmt.text(report.maintenance)}; periods in "
             f"{fmt.text(report.zone)}.</p>"]
    if chart and report.items:
        with _mpl.settings("availability"):
            svg = _mpl.to_svg(availability_figure(report), label="availability per period")
        parts.append(f'<figure class="chart">{svg}</figure>')
    headers = ("service", "period", "agreed", "excluded", "downtime", "availability",
               "failures", "MTBF", "MTRS", "band", "credit %")
    rows: list[list[Any]] = [[
        fmt.text(r.service), fmt.text(r.period) + ("" if r.complete else " (partial)"),
        fmt.duration(r.agreed), fmt.duration(r.excluded), fmt.duration(r.downtime),
        fmt.percent(r.availability_pct), str(r.failures), _seconds(r.mtbf_seconds),
        _seconds(r.mtrs_seconds), fmt.text(r.band), fmt.percent(r.credit_percent)]
        for r in report.items]
    parts.append(fmt.table(headers, rows, css="availability", numeric=range(2, 9)))
    return Section(heading, "\n".join(parts))
