"""A picture of one ticket's SLA clocks: every cycle as a bar of its segments.

One row per cycle (per metric, in the policy's order), the bar tiled by the cycle's
``segments`` coloured by ``kind`` — counted, paused, excluded, closed hours — exactly as
``evaluate`` returned them.  On each row: the start, the stop (or the end of the evaluated
span for an open cycle), the instant the target is reached (``due_at``: projected when the
cycle is still open), the warnings crossed (``Cycle.warnings``) and the breach
(``breached_at``).  The row's label gives elapsed / target, the percentage and the state.
Times read on the wall clock of ``zone``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slacore.errors import InvalidInput, Problem
from slacore.policies import Cycle, TicketSla
from slacore.reports import _mpl
from slacore.reports.format import duration, instant

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_KIND_LABELS = {"counted": "counted", "paused": "paused", "excluded": "excluded",
                "closed": "closed hours"}
_HALF = 0.25  # half the height of a bar (rows are 1 apart)
_TICK = 0.32  # half the height of the start / stop ticks
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
              "alpha": 0.85}


def _zone(zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput([Problem("zone", zone, "unknown IANA time zone")]) from exc


def _dates() -> Any:
    """``matplotlib.dates`` (untyped functions: used through ``Any``)."""
    import matplotlib.dates

    return matplotlib.dates


def _cycles(result: TicketSla, metric: str | None) -> list[Cycle]:
    if metric is None:
        return result.cycles()
    if metric not in result.metrics:
        raise InvalidInput([Problem("metric", metric,
                                    f"not a metric of policy {result.policy_id!r}; known: "
                                    f"{', '.join(result.metrics) or 'none'}")])
    return list(result.metrics[metric])


def _end(result: TicketSla, cycle: Cycle) -> datetime:
    if cycle.stopped_at is not None:
        return cycle.stopped_at
    if cycle.segments:
        return cycle.segments[-1].end
    return result.as_of if result.as_of is not None else cycle.started_at


def _verdict(cycle: Cycle) -> str:
    if cycle.state == "stopped":
        return "met" if cycle.met else "breached"
    if cycle.state == "cancelled":
        return "cancelled"
    return f"{cycle.state}, breached" if cycle.breached else cycle.state


def _row_label(cycle: Cycle, several: bool) -> str:
    name = f"{cycle.metric} #{cycle.index + 1}" if several else cycle.metric
    return (f"{name}\n{duration(cycle.elapsed)} / {duration(cycle.target)}"
            f" ({cycle.percent} %)\n{_verdict(cycle)}")


def timeline_figure(result: TicketSla, *, metric: str | None = None,
                    zone: str = "UTC") -> Figure:
    """The timeline of ``result``'s cycles (of ``metric`` only when given) as a figure."""
    tz = _zone(zone)
    cycles = _cycles(result, metric)
    counts: dict[str, int] = {}
    for c in cycles:
        counts[c.metric] = counts.get(c.metric, 0) + 1

    with _mpl.settings("timeline"):
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        mdates = _dates()
        fig = _mpl.new_figure(11.0, 1.6 + 1.15 * max(1, len(cycles)))
        ax = fig.subplots()
        title = f"Ticket {result.ticket_id or '(no id)'} · policy {result.policy_id}" \
                f" v{result.policy_version}"
        if result.as_of is not None:
            title += f" · as of {instant(result.as_of, tz)}"
        ax.set_title(title, loc="left")
        ax.set_xlabel(f"time ({zone})")
        if not cycles:
            ax.text(0.5, 0.5, "no SLA clock ran for this ticket", ha="center", va="center",
                    transform=ax.transAxes)
            ax.set_yticks([])
            return fig

        kinds_seen: set[str] = set()
        lo = min(c.started_at for c in cycles)
        hi = max(_end(result, c) for c in cycles)
        for row, cycle in enumerate(cycles):
            y = -row
            for seg in cycle.segments:
                kinds_seen.add(seg.kind)
                start = mdates.date2num(seg.start)
                ax.broken_barh([(start, mdates.date2num(seg.end) - start)], (y - _HALF, 2 * _HALF),
                               facecolors=_mpl.KIND_COLOURS[seg.kind], linewidth=0)
            end = _end(result, cycle)
            ax.plot([mdates.date2num(cycle.started_at)] * 2, [y - _TICK, y + _TICK],
                    color="black", linewidth=1.2)
            if cycle.stopped_at is not None:
                ax.plot([mdates.date2num(end)] * 2, [y - _TICK, y + _TICK], color="black",
                        linewidth=2.2)
            elif result.as_of is not None:
                ax.plot([mdates.date2num(end)] * 2, [y - _TICK, y + _TICK], color="black",
                        linewidth=1.0, linestyle=(0, (2, 1.5)))
            _marks(ax, cycle, y)
            for at in (cycle.due_at, cycle.breached_at, *(w.at for w in cycle.warnings)):
                if at is not None:
                    hi = max(hi, at)
                    lo = min(lo, at)
        ax.set_yticks([-r for r in range(len(cycles))],
                      [_row_label(c, counts[c.metric] > 1) for c in cycles], fontsize=8)
        ax.set_ylim(-len(cycles) + 0.3, 0.85)
        pad = (hi - lo) / 40
        ax.set_xlim(mdates.date2num(lo - pad), mdates.date2num(hi + pad))
        locator = mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))
        ax.grid(axis="x", linewidth=0.5, alpha=0.4)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)

        handles: list[Any] = [Patch(facecolor=_mpl.KIND_COLOURS[k], label=label)
                              for k, label in _KIND_LABELS.items() if k in kinds_seen]
        handles += [
            Line2D([], [], color="black", marker="D", markerfacecolor="white",
                   linestyle="none", label="target reached (due)"),
            Line2D([], [], color=_mpl.WARN_COLOUR, marker="v", linestyle="none",
                   label="warning"),
            Line2D([], [], color=_mpl.BREACH_COLOUR, marker="X", linestyle="none",
                   markersize=8, label="breach"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   fontsize=8, frameon=False)
    return fig


def _marks(ax: Axes, cycle: Cycle, y: float) -> None:
    """Due, warning and breach marks of one row: warnings as triangles on the top edge of
    the bar, labelled above it; due (a diamond) and breach (a cross) on the bar, labelled
    below it (one label when they fall on the same instant)."""
    mdates = _dates()
    below: dict[str, Any] = {"xytext": (0, -23), "textcoords": "offset points", "ha": "center",
             "va": "top", "fontsize": 7, "bbox": _LABEL_BOX}
    same = cycle.breached_at is not None and cycle.breached_at == cycle.due_at
    if cycle.due_at is not None and not same:
        projected = cycle.stopped_at is None and not cycle.breached
        x = mdates.date2num(cycle.due_at)
        ax.plot([x], [y], marker="D", markersize=7, color="black",
                markerfacecolor="white", linestyle="none", zorder=4)
        ax.annotate("due (projected)" if projected else "due", (x, y), **below)
    for n, warning in enumerate(cycle.warnings):
        x = mdates.date2num(warning.at)
        ax.plot([x], [y + _HALF + 0.06], marker="v", markersize=7, color=_mpl.WARN_COLOUR,
                linestyle="none", zorder=4)
        ax.annotate(f"{float(warning.threshold):.0%}", (x, y + _HALF + 0.06),
                    xytext=(0, 5 + 8 * (n % 2)), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7, color=_mpl.WARN_COLOUR,
                    bbox=_LABEL_BOX)
    if cycle.breached_at is not None:
        x = mdates.date2num(cycle.breached_at)
        ax.plot([x], [y], marker="X", markersize=10, color=_mpl.BREACH_COLOUR,
                markeredgecolor="white", linestyle="none", zorder=5)
        ax.annotate("due · breach" if same else "breach", (x, y), color=_mpl.BREACH_COLOUR,
                    fontweight="bold", **below)


def timeline_svg(result: TicketSla, *, metric: str | None = None, zone: str = "UTC") -> str:
    """``timeline_figure`` as an inline ``<svg>`` element."""
    with _mpl.settings("timeline"):
        fig = timeline_figure(result, metric=metric, zone=zone)
        return _mpl.to_svg(fig, label=f"SLA timeline of ticket {result.ticket_id}")


def timeline_image(result: TicketSla, path: str | Path, *, metric: str | None = None,
                   zone: str = "UTC") -> Path:
    """Write the timeline of ``result`` (its cycles of ``metric`` only, when given) to
    ``path``: PNG or SVG by the suffix.  Returns the path written."""
    target = Path(path)
    if target.suffix.lower() not in (".png", ".svg"):
        raise InvalidInput([Problem("path", str(path), "the suffix must be .png or .svg")],
                           what="image path")
    with _mpl.settings("timeline"):
        return _mpl.save(timeline_figure(result, metric=metric, zone=zone), target)
