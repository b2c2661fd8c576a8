"""The matplotlib glue of the reports: a lazy import (matplotlib is the optional extra
``report``), fixed rendering settings, and figures turned into inline SVG or files.

Figures are built on ``matplotlib.figure.Figure`` directly (no ``pyplot``, no global figure
registry, no GUI): rendering goes through the Agg canvas for PNG and the SVG backend for
SVG, so reports render the same in a server, a notebook or a test.

Text drawn from data (ticket ids, field values) is never parsed as mathtext
(``text.parse_math`` off: a ``$`` in a service name is a dollar sign) and the SVG writer
escapes it as XML.  SVG output keeps text as ``<text>`` (``svg.fonttype = none``: no
embedded glyphs, selectable text; the browser's own sans-serif font is used, nothing is
fetched), with fixed ids (``svg.hashsalt``) and no date in the metadata, so the same
report renders byte-identical twice.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slacore.errors import InvalidInput, Problem, SlacoreError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Colours shared by the charts (colour-blind safe Okabe–Ito hues where it matters).
KIND_COLOURS = {
    "counted": "#0072B2",
    "paused": "#E69F00",
    "excluded": "#CC79A7",
    "closed": "#D9D9D9",
}
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                  "#F0E442", "#000000")
MET_COLOUR = "#009E73"
BREACH_COLOUR = "#D55E00"
WARN_COLOUR = "#B8860B"

_RC: dict[str, Any] = {
    "text.parse_math": False,
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_METADATA_SVG = {"Date": None, "Creator": None, "Format": None, "Type": None}
_METADATA_PNG = {"Software": None}


class ReportDependencyError(SlacoreError, ImportError):
    """The optional plotting dependency (the ``report`` extra: matplotlib) is missing."""


def require_matplotlib() -> None:
    """Import matplotlib (Agg) or raise a one-line error saying which extra to install."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ReportDependencyError(
            "charts need matplotlib: pip install 'slacore[report]'") from exc
    matplotlib.use("Agg", force=False)


@contextmanager
def settings(salt: str) -> Iterator[None]:
    """The rendering settings of every slacore chart; ``salt`` makes the SVG ids of one
    chart differ from those of another embedded in the same page."""
    require_matplotlib()
    import matplotlib

    rc: Any = {**_RC, "svg.hashsalt": f"slacore-{salt}"}
    with matplotlib.rc_context(rc):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure not registered with pyplot (garbage-collected like any object)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def empty_figure(message: str) -> Figure:
    """A small figure that only says ``message`` (a chart with nothing to draw)."""
    fig = new_figure(6.0, 1.2)
    ax = fig.subplots()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA_BLOCK = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def to_svg(fig: Figure, *, label: str) -> str:
    """The figure as an ``<svg>`` element for inline use in HTML: no XML declaration, no
    DOCTYPE (whose DTD address would be the page's only external reference), no metadata;
    ``role="img"`` and ``aria-label`` (escaped) for screen readers."""
    from html import escape

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=_METADATA_SVG)
    svg = _METADATA_BLOCK.sub("", _PROLOG.sub("", buf.getvalue()))
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1).strip()


def save(fig: Figure, path: Path) -> Path:
    """Write the figure as PNG or SVG according to the suffix of ``path``."""
    suffix = path.suffix.lower()
    if suffix == ".png":
        fig.savefig(path, format="png", dpi=120, metadata=_METADATA_PNG)
    elif suffix == ".svg":
        fig.savefig(path, format="svg", metadata=_METADATA_SVG)
    else:
        raise InvalidInput([Problem("path", str(path), "the suffix must be .png or .svg")],
                           what="image path")
    return path
