"""Reports people look at: a self-contained HTML page with charts, and per-ticket timeline
pictures (PNG or SVG).

``html_report(results, as_of=...)`` renders the projections (compliance trend, breach heat
map, at-risk feed, KPIs) as one HTML page that opens offline; ``timeline_image(result,
path)`` draws one ticket's SLA clocks segment by segment.  Lower-level pieces take the
report objects directly: ``slacore.reports.sections`` (one ``Section`` per report object),
``slacore.reports.charts`` (matplotlib figures and inline SVG), ``render_page``.

Charts need matplotlib: the optional extra ``report``.  See docs/reports.md.
"""

from slacore.reports._mpl import ReportDependencyError
from slacore.reports.html import html_report, render_page, summary_section
from slacore.reports.sections import (
    Section,
    compliance_section,
    fragment_section,
    heatmap_section,
    kpi_section,
    risk_section,
    timeline_section,
)
from slacore.reports.timeline import timeline_figure, timeline_image, timeline_svg

__all__ = [
    "ReportDependencyError",
    "Section",
    "compliance_section",
    "fragment_section",
    "heatmap_section",
    "html_report",
    "kpi_section",
    "render_page",
    "risk_section",
    "summary_section",
    "timeline_figure",
    "timeline_image",
    "timeline_section",
    "timeline_svg",
]
