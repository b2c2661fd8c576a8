"""Per-ticket timeline pictures (``slacore.reports.timeline_image``): valid PNG / SVG files
whose bars are the cycles' segments and whose marks are the cycles' due, warning and breach
instants.  Data: report_data.py (F2: every kind of segment, warnings, a met-at-target
resolution and a breached OLA)."""

from __future__ import annotations

import struct
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from report_data import AS_OF, opened, run

from slacore.errors import InvalidInput
from slacore.policies import TicketSla
from slacore.reports import timeline_image, timeline_svg
from slacore.reports._mpl import KIND_COLOURS

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR" and data[-8:-4] == b"IEND"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_png(by_id: dict[str, TicketSla], tmp_path: Path) -> None:
    out = timeline_image(by_id["F2"], tmp_path / "f2.png")
    assert out == tmp_path / "f2.png"
    width, height = png_size(out)
    assert width > 1000 and height > 400  # 11 in wide at 120 dpi; three rows
    from matplotlib.image import imread

    pixels = imread(out)
    # not blank: the counted colour (#0072B2) is drawn
    r, g, b = (int(KIND_COLOURS["counted"][i:i + 2], 16) / 255 for i in (1, 3, 5))
    near = (abs(pixels[..., 0] - r) < 0.02) & (abs(pixels[..., 1] - g) < 0.02) & (
        abs(pixels[..., 2] - b) < 0.02)
    assert near.sum() > 1000


def test_svg_labels_and_marks(by_id: dict[str, TicketSla], tmp_path: Path) -> None:
    out = timeline_image(by_id["F2"], str(tmp_path / "f2.SVG"), zone="Europe/Berlin")
    texts = svg_texts(out)
    # one row per cycle, labelled with its own numbers (hand-worked in report_data.py)
    for label in ("response", "1h / 4h (25.00 %)", "resolution", "8h / 8h (100.00 %)",
                  "network-ola", "7h / 2h (350.00 %)", "breached", "met"):
        assert label in texts
    # warnings of the resolution cycle, its due mark, the OLA's breach at its due instant
    assert [t for t in texts if t.endswith("%") and " " not in t] == ["50%", "75%", "90%"]
    assert texts.count("due") == 2 and texts.count("due · breach") == 1
    assert "time (Europe/Berlin)" in texts
    assert any("as of 2026-02-04 12:00" in t for t in texts)


def test_one_bar_per_segment(by_id: dict[str, TicketSla]) -> None:
    svg = timeline_svg(by_id["F2"]).lower()
    kinds = Counter(s.kind for c in by_id["F2"].cycles() for s in c.segments)
    assert kinds == {"counted": 7, "paused": 2, "closed": 2, "excluded": 1}
    for kind, colour in KIND_COLOURS.items():
        # each segment is one filled shape, plus one swatch in the legend
        assert svg.count(f"fill: {colour.lower()}") == kinds[kind] + 1


def test_one_metric(by_id: dict[str, TicketSla], tmp_path: Path) -> None:
    texts = svg_texts(timeline_image(by_id["F2"], tmp_path / "r.svg", metric="resolution"))
    assert "resolution" in texts and "response" not in texts and "network-ola" not in texts


def test_open_cycle_projected_due(by_id: dict[str, TicketSla], tmp_path: Path) -> None:
    texts = svg_texts(timeline_image(by_id["F4"], tmp_path / "f4.svg"))
    # resolution runs (due 12:30 projected), response is already breached
    assert "due (projected)" in texts and "due · breach" in texts
    assert "running, breached" in texts


def test_reopened_cycle_is_one_row(by_id: dict[str, TicketSla], tmp_path: Path) -> None:
    texts = svg_texts(timeline_image(by_id["F6"], tmp_path / "f6.svg", metric="resolution"))
    assert "2h / 8h (25.00 %)" in texts  # resumed: 1h + 1h on one cycle


def test_data_is_escaped(tmp_path: Path) -> None:
    evil = "<script>alert('$x$')</script>"
    (result,) = run({evil: [opened(evil, AS_OF.replace(hour=9), "P2", "email")]})
    texts = svg_texts(timeline_image(result, tmp_path / "e.svg"))
    assert any(evil in t for t in texts)
    assert "<script" not in (tmp_path / "e.svg").read_text(encoding="utf-8")


def test_no_cycles(tmp_path: Path) -> None:
    empty = TicketSla(ticket_id="X", policy_id="p", policy_version=1, as_of=AS_OF,
                      metrics={})
    assert "no SLA clock ran for this ticket" in svg_texts(
        timeline_image(empty, tmp_path / "x.svg"))


def test_errors(by_id: dict[str, TicketSla], tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"path.*\.png or \.svg.*f2\.pdf"):
        timeline_image(by_id["F2"], tmp_path / "f2.pdf")
    with pytest.raises(InvalidInput, match=r"metric.*known: response.*'nope'"):
        timeline_image(by_id["F2"], tmp_path / "f2.png", metric="nope")
    with pytest.raises(InvalidInput, match=r"zone.*'Nowhere/Land'"):
        timeline_image(by_id["F2"], tmp_path / "f2.png", zone="Nowhere/Land")
    assert not list(tmp_path.iterdir())


def test_without_matplotlib(by_id: dict[str, TicketSla], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    from slacore.reports import ReportDependencyError, html_report

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the extra were missing
    with pytest.raises(ReportDependencyError, match=r"slacore\[report\]"):
        timeline_image(by_id["F2"], tmp_path / "f2.png")
    with pytest.raises(ReportDependencyError):
        html_report(list(by_id.values()), as_of=AS_OF)
    assert "<table" in html_report(list(by_id.values()), as_of=AS_OF, charts=False)
