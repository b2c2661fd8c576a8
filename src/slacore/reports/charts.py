"""Report charts drawn from projection reports (matplotlib, the ``report`` extra).

Each ``*_figure`` function takes a report object and returns a matplotlib ``Figure``; the
``*_svg`` variants return it as an inline ``<svg>`` element.  The charts plot the figures
of the report as they are (no SLA arithmetic here): compliance percentages are the
reports' ``compliance_pct``, counts their ``met`` / ``breached`` / ``due``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from slacore.errors import InvalidInput, Problem
from slacore.projections import ComplianceReport, ComplianceRow
from slacore.projections._common import group_order, order_key
from slacore.reports import _mpl
from slacore.reports.format import plain_group_value

if TYPE_CHECKING:
    from matplotlib.figure import Figure


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINESTYLES = ("-", "--", ":")


def _series_label(row: ComplianceRow) -> str:
    if not row.group:
        return "all"
    return ", ".join(plain_group_value(v) for v in row.group.values())


def compliance_trend_figure(report: ComplianceReport) -> Figure:
    """Compliance per period, one line per group of ``report`` (e.g. per metric with
    ``group_by=("metric",)``; one line for an ungrouped report), and below it the met and
    breached cycles of each period (all groups) as stacked bars.  A period where a group
    had nothing due is a gap in its line."""
    periods = [p.period for p in report.periods]
    index = {key: i for i, key in enumerate(periods)}
    series: dict[tuple[Hashable, ...], list[float | None]] = {}
    labels: dict[tuple[Hashable, ...], str] = {}
    rows = report.groups if report.group_by else report.periods
    for row in rows:
        key = tuple(row.group.values())
        values = series.setdefault(key, [None] * len(periods))
        labels[key] = _series_label(row)
        pct = row.compliance_pct
        values[index[row.period]] = None if pct is None else float(pct)

    with _mpl.settings("trend"):
        from matplotlib.ticker import MaxNLocator

        if not periods:
            return _mpl.empty_figure("no cycles")
        fig = _mpl.new_figure(max(6.0, min(12.0, 3.0 + 0.55 * len(periods))), 5.2)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.4))
        xs = list(range(len(periods)))
        for n, key in enumerate(sorted(series, key=group_order)):
            ys = [float("nan") if v is None else v for v in series[key]]
            top.plot(xs, ys, marker=_MARKERS[n % len(_MARKERS)], markersize=5,
                     linewidth=1.6, linestyle=_LINESTYLES[n // len(_MARKERS) % 3],
                     color=_mpl.SERIES_COLOURS[n % len(_mpl.SERIES_COLOURS)],
                     label=labels[key], alpha=0.9)
        top.set_ylim(-2, 102)
        top.set_ylabel("compliance (%)")
        top.grid(axis="y", linewidth=0.5, alpha=0.5)
        if series:
            top.legend(loc="lower left", bbox_to_anchor=(0, 1.01), fontsize=8,
                       frameon=False, ncols=min(5, len(series)))
        met = [p.met for p in report.periods]
        breached = [p.breached for p in report.periods]
        bottom.bar(xs, met, color=_mpl.MET_COLOUR, label="met")
        bottom.bar(xs, breached, bottom=met, color=_mpl.BREACH_COLOUR, label="breached")
        bottom.set_ylabel("cycles due")
        bottom.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        bottom.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, frameon=False,
                      ncols=2)
        bottom.set_xticks(xs, periods, rotation=45 if len(periods) > 8 else 0,
                          ha="right" if len(periods) > 8 else "center")
        bottom.set_xlim(-0.6, len(periods) - 0.4)
    return fig


def compliance_trend_svg(report: ComplianceReport) -> str:
    """``compliance_trend_figure`` as an inline ``<svg>`` element."""
    with _mpl.settings("trend"):
        return _mpl.to_svg(compliance_trend_figure(report),
                           label="compliance per period")


def _check_heatmap(report: ComplianceReport, keys: Sequence[str]) -> None:
    problems = [Problem("report.group_by", report.group_by, f"must include {k!r}")
                for k in keys if k not in report.group_by]
    if len(report.periods) > 1:
        problems.append(Problem("report.periods", [p.period for p in report.periods],
                                "a heat map needs one period (compliance_report(..., "
                                "period='all'))"))
    if problems:
        raise InvalidInput(problems, what="heat map report")


def breach_heatmap_figure(report: ComplianceReport, *, rows: str = "priority",
                          columns: str = "service", panels: str | None = "metric") -> Figure:
    """Breached cycles per ``rows`` × ``columns`` (priority × service by default), one panel
    per value of ``panels`` (metric), from a one-period compliance report grouped by those
    keys.  The colour is the number of breached (stopped) cycles, on one scale for all
    panels; each cell reads ``breached/due``; a combination with no cycles is left blank."""
    keys = [k for k in (panels, rows, columns) if k is not None]
    _check_heatmap(report, keys)
    cells: dict[tuple[Hashable, Hashable, Hashable], ComplianceRow] = {}
    panel_values: list[Hashable] = []
    row_values: list[Hashable] = []
    col_values: list[Hashable] = []
    for row in report.groups:
        p = row.group[panels] if panels is not None else None
        r, c = row.group[rows], row.group[columns]
        for value, seen in ((p, panel_values), (r, row_values), (c, col_values)):
            if value not in seen:
                seen.append(value)
        # several rows per cell only when the report is grouped by more keys: keep all
        cells.setdefault((p, r, c), row)
        if cells[(p, r, c)] is not row:
            raise InvalidInput([Problem("report.group_by", report.group_by,
                                        f"must be grouped by {tuple(keys)} only")],
                               what="heat map report")
    for seen in (panel_values, row_values, col_values):
        seen.sort(key=order_key)
    if not cells:
        with _mpl.settings("heatmap"):
            return _mpl.empty_figure("no cycles")
    peak = max((row.breached for row in cells.values()), default=0)

    with _mpl.settings("heatmap"):
        import numpy as np
        from matplotlib.ticker import MaxNLocator

        width = max(5.5, min(16.0, 2.6 + 0.95 * len(col_values)))
        height = len(panel_values) * (0.9 + 0.36 * len(row_values)) + 0.4
        fig = _mpl.new_figure(width, height)
        axes = fig.subplots(len(panel_values), 1, squeeze=False)[:, 0]
        cmap = _reds()
        image: Any = None
        for ax, p in zip(axes, panel_values, strict=True):
            grid = np.full((len(row_values), len(col_values)), np.nan)
            for i, r in enumerate(row_values):
                for j, c in enumerate(col_values):
                    cell = cells.get((p, r, c))
                    if cell is None:
                        continue
                    grid[i, j] = cell.breached
                    dark = peak > 0 and cell.breached > peak * 0.6
                    ax.text(j, i, f"{cell.breached}/{cell.due}", ha="center", va="center",
                            fontsize=8, color="white" if dark else "black")
            image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0,
                              vmax=max(peak, 1), aspect="auto", interpolation="nearest")
            ax.set_xticks(range(len(col_values)),
                          [plain_group_value(c) for c in col_values],
                          rotation=30 if len(col_values) > 4 else 0,
                          ha="right" if len(col_values) > 4 else "center")
            ax.set_yticks(range(len(row_values)), [plain_group_value(r) for r in row_values])
            ax.set_ylabel(rows)
            ax.tick_params(length=0)
            for spine in ax.spines.values():
                spine.set_visible(False)
            if panels is not None:
                ax.set_title(f"{panels}: {plain_group_value(p)}", loc="left")
        axes[-1].set_xlabel(columns)
        if image is not None:
            bar = fig.colorbar(image, ax=list(axes), label="breached cycles", shrink=0.9,
                           pad=0.01)
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
    return fig


def _reds() -> Any:
    from matplotlib import colormaps

    return colormaps["Reds"].with_extremes(bad="#F4F4F4")


def breach_heatmap_svg(report: ComplianceReport, *, rows: str = "priority",
                       columns: str = "service", panels: str | None = "metric") -> str:
    """``breach_heatmap_figure`` as an inline ``<svg>`` element."""
    with _mpl.settings("heatmap"):
        return _mpl.to_svg(breach_heatmap_figure(report, rows=rows, columns=columns,
                                                 panels=panels),
                           label=f"breached cycles by {rows} and {columns}")
