"""The HTML report (``slacore.reports.html_report``): its sections, that its figures are the
projections' figures, that it has no external reference, and that data is escaped.

Data: conftest.py (eight hand-made tickets, hand-worked figures in its docstring).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from report_data import AS_OF, opened, run
from reports_page import Page

from slacore.errors import InvalidInput, NaiveDatetimeError
from slacore.policies import TicketSla
from slacore.projections import compliance_report, kpi_report, risk_report
from slacore.reports import format as fmt
from slacore.reports import html_report

ZONE = "Europe/Berlin"
SECTIONS = ["summary", "compliance-per-period", "breaches-by-priority-and-service",
            "at-risk", "kpi-summary"]


@pytest.fixture(scope="module")
def page_html(results: list[TicketSla], histories: dict[str, Any]) -> str:
    return html_report(results, as_of=AS_OF, zone=ZONE, histories=histories,
                       timelines=["F2"], extra_sections=[("Notes", "<p id=n>kept</p>")])


@pytest.fixture(scope="module")
def page(page_html: str) -> Page:
    return Page(page_html)


def cells(row: Any) -> list[str]:
    """The text of a row of compliance figures as the report formats it."""
    return [str(row.due), str(row.met), str(row.breached), fmt.percent(row.compliance_pct),
            str(row.running), str(row.running_breached), str(row.cancelled),
            fmt.duration(row.percentiles["p50"]), fmt.duration(row.percentiles["p90"]),
            fmt.duration(row.total_breach)]


class TestStructure:
    def test_sections_in_order(self, page: Page) -> None:
        assert page.sections == [*SECTIONS, "ticket-timelines", "notes"]
        assert page.headings == ["Summary", "Compliance per period",
                                 "Breaches by priority and service", "At risk",
                                 "KPI summary", "Ticket timelines", "Notes"]

    def test_a_complete_document(self, page_html: str, page: Page) -> None:
        assert page_html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
        assert page_html.rstrip().endswith("</html>")
        assert '<meta charset="utf-8">' in page_html
        # the trend chart, the heat map and one timeline
        assert page.tags.count("svg") == 3
        assert "8 tickets · as of 2026-02-04 12:00 (Europe/Berlin)" in page_html

    def test_extra_section_fragment_is_kept_verbatim(self, page_html: str) -> None:
        assert '<section id="notes">\n<h2>Notes</h2>\n<p id=n>kept</p>\n</section>' in page_html

    def test_deterministic(self, results: list[TicketSla], histories: dict[str, Any],
                           page_html: str) -> None:
        again = html_report(list(reversed(results)), as_of=AS_OF, zone=ZONE,
                            histories=histories, timelines=["F2"],
                            extra_sections=[("Notes", "<p id=n>kept</p>")])
        assert again == page_html

    def test_tables_only(self, results: list[TicketSla]) -> None:
        out = html_report(results, as_of=AS_OF, charts=False)
        assert "<svg" not in out
        assert Page(out).sections == SECTIONS
        assert "pass <code>histories</code>" in out  # KPIs need the events


class TestOffline:
    def test_no_external_reference(self, page_html: str) -> None:
        # the only URLs are the XML namespace names of the inline SVGs (never fetched)
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", page_html))
        assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
        for m in re.finditer(r"https?://", page_html):
            assert re.search(r'xmlns(:xlink)?="$', page_html[max(0, m.start() - 13):m.start()])
        lowered = page_html.lower()
        for banned in ("<script", "<link", "<iframe", "<img", "@import", "src=", "<!doctype svg",
                       "<?xml", "@font-face"):
            assert banned not in lowered
        # url(...) only for in-document references (SVG clip paths)
        assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", page_html))
        # href only to anchors of the page, or images inlined by the SVG writer (heat map)
        hrefs = re.findall(r'href="([^"]*)"', page_html)
        assert all(h.startswith(("#", "data:image/png;base64,")) for h in hrefs)
        assert any(h.startswith("#") for h in hrefs)


class TestFigures:
    def test_summary_equals_the_overall_report(self, results: list[TicketSla],
                                               page: Page) -> None:
        rep = compliance_report(results, group_by=("metric",), period="all", zone=ZONE)
        header, *rows = page.table("compliance", 0)
        assert header[:3] == ["metric", "due", "met"]
        want = [[r.group["metric"], *cells(r)] for r in rep.groups]
        want.append(["all", *cells(rep.total)])
        assert rows == want
        # by hand: 6 stopped cycles per metric, one breach each (J2 response and
        # resolution, F2's OLA) -> 5/6 = 83.33 % (rounded down); F3 and F4 run
        assert rows[-1][:5] == ["all", "18", "15", "3", "83.33 %"]
        assert rows[1][:9] == ["resolution", "6", "5", "1", "83.33 %", "2", "0", "0", "3h"]

    def test_trend_table_equals_the_monthly_report(self, results: list[TicketSla],
                                                   page: Page) -> None:
        rep = compliance_report(results, group_by=("metric",), period="month", zone=ZONE)
        header, *rows = page.table("compliance", 1)
        assert header[:2] == ["period", "metric"]
        want = []
        for p in rep.periods:
            want += [[r.period, r.group["metric"], *cells(r)]
                     for r in rep.groups if r.period == p.period]
            want.append([p.period, "all", *cells(p)])
        want.append(["total", "all", *cells(rep.total)])
        assert rows == want
        # by hand: January resolution J1 met (3h), J2 breached (12h): 50 %, 4h over
        assert ["2026-01", "resolution", "2", "1", "1", "50.00 %", "0", "0", "0", "3h",
                "12h", "4h"] in rows
        # February response: F1, F2, F5, F6 met; F3 and F4 running and already breached
        assert ["2026-02", "response", "4", "4", "0", "100.00 %", "2", "2"] in [
            r[:8] for r in rows]

    def test_trend_chart_labels(self, page: Page) -> None:
        text = set(page.svg_text)
        assert {"2026-01", "2026-02", "resolution", "response", "network-ola",
                "compliance (%)", "met", "breached"} <= text

    def test_heatmap_table_and_cells(self, results: list[TicketSla], page: Page) -> None:
        rep = compliance_report(results, group_by=("metric", "priority", "service"),
                                period="all", zone=ZONE)
        header, *rows = page.table("heatmap")
        assert header == ["metric", "priority", "service", "due", "met", "breached",
                          "compliance"]
        assert rows == [[r.group["metric"], r.group["priority"], r.group["service"],
                         *cells(r)[:4]] for r in rep.groups]
        # by hand: resolution P2 email = J1, J2, F6 stopped (J2 breached)
        assert ["resolution", "P2", "email", "3", "2", "1", "66.66 %"] in rows
        # the chart writes breached/due in every cell that has cycles
        assert {"1/3", "0/2", "1/2", "0/0"} <= set(page.svg_text)

    def test_at_risk_equals_the_risk_report(self, results: list[TicketSla],
                                            page: Page) -> None:
        risk = risk_report(results, as_of=AS_OF)
        header, *rows = page.table("at-risk")
        assert header[:3] == ["ticket", "metric", "state"]
        assert [(r[0], r[1]) for r in rows] == [(c.ticket_id, c.metric) for c in risk.at_risk]
        # by hand: breached first (F3 response due Tue 13:00, F4 response due Wed 09:00),
        # then F4 resolution: 3h30m of 4h, 75 % warning, due 12:30
        assert [(r[0], r[1]) for r in rows[:3]] == [("F3", "response"), ("F4", "response"),
                                                    ("F4", "resolution")]
        assert rows[2][:9] == ["F4", "resolution", "running", "3h 30m", "4h", "87.50 %",
                               "2026-02-04 12:30", "30m", "75 %"]
        assert rows[0][6:8] == ["2026-02-03 13:00", "−23h"]

    def test_at_risk_limit(self, results: list[TicketSla]) -> None:
        out = Page(html_report(results, as_of=AS_OF, charts=False, at_risk_limit=1))
        assert len(out.table("at-risk")) == 2
        risk = risk_report(results, as_of=AS_OF)
        note = f"Showing the first 1 of {len(risk.at_risk)}."
        assert note in html_report(results, as_of=AS_OF, charts=False, at_risk_limit=1)

    def test_kpis_equal_the_kpi_report(self, results: list[TicketSla],
                                       histories: dict[str, Any], page: Page) -> None:
        rep = kpi_report([(histories[r.ticket_id], r) for r in results if r.ticket_id],
                         as_of=AS_OF, group_by=("priority",))
        header, *rows = page.table("kpi")
        assert header[:5] == ["priority", "tickets", "resolved", "backlog", "cancelled"]
        assert [r[0] for r in rows] == [*(g.group["priority"] for g in rep.groups), "all"]
        total = rows[-1]
        assert total[1:5] == [str(rep.total.tickets), str(rep.total.resolved),
                              str(rep.total.backlog), str(rep.total.cancelled)]
        # by hand: 8 tickets, 6 resolved, F3 and F4 open; F6 reopened of 6 resolved
        assert total[1:5] == ["8", "6", "2", "0"]
        assert total[header.index("reopen rate")] == fmt.ratio(rep.total.reopen_rate) == "17 %"
        aging = page.table("aging")
        assert aging[0][1:] == list(rep.aging_buckets)
        assert aging[1][1:] == [str(rep.total.aging[b]) for b in rep.aging_buckets]

    def test_kpis_given_directly(self, results: list[TicketSla],
                                 histories: dict[str, Any]) -> None:
        rep = kpi_report([(histories[r.ticket_id], r) for r in results if r.ticket_id],
                         as_of=AS_OF)
        out = Page(html_report(results, as_of=AS_OF, charts=False, kpis=rep))
        header, *rows = out.table("kpi")
        t = rep.total
        assert header[0] == "tickets"
        assert rows == [[
            str(t.tickets), str(t.resolved), str(t.backlog), str(t.cancelled),
            fmt.duration(t.first_response_business_mean),
            fmt.duration(t.first_response_business_median),
            fmt.duration(t.first_response_wall_median),
            fmt.duration(t.resolve_business_mean), fmt.duration(t.resolve_business_median),
            fmt.duration(t.resolve_wall_median), fmt.ratio(t.reopen_rate),
            fmt.ratio(t.first_contact_resolution)]]
        # by hand: first responses (business) J1 30m, J2 5h, F1 20m, F2 1h, F5 15m, F6 30m:
        # median (lower) 30m; resolution wall J1 3h, J2 28h, F1 3h, F2 27h, F5 7h, F6 6h:
        # lower median 6h; FCR: J1 J2 F1 F5 (F2 reassigned, F6 reopened) 4/6 = 67 %
        assert rows[0][5] == "30m" and rows[0][9] == "6h" and rows[0][11] == "67 %"


EVIL = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def evil_page() -> str:
    tid = '"><img src=x onerror=alert(1)>'
    events = {tid: [opened(tid, datetime(2026, 2, 3, 9, tzinfo=AS_OF.tzinfo), "P2", EVIL)],
              "T$": [opened("T$", datetime(2026, 2, 3, 9, tzinfo=AS_OF.tzinfo),
                            "$x^2$", "cost $5 and $6")]}
    results = run(events)
    return html_report(results, as_of=AS_OF, title="<b>Q1</b> & co",
                       histories=events, timelines=[tid],
                       extra_sections=[("<i>h</i>", "<p>ok</p>")])


class TestEscaping:
    def test_no_markup_from_data(self, evil_page: str) -> None:
        lowered = evil_page.lower()
        assert "<script" not in lowered and "<img" not in lowered
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in evil_page
        assert "<title>&lt;b&gt;Q1&lt;/b&gt; &amp; co</title>" in evil_page
        assert "<h2>&lt;i&gt;h&lt;/i&gt;</h2>" in evil_page

    def test_values_read_back_unchanged(self, evil_page: str) -> None:
        page = Page(evil_page)
        heat = page.table("heatmap")
        assert [r[:3] for r in heat if r[2] == EVIL] == [
            ["network-ola", "P2", EVIL], ["resolution", "P2", EVIL],
            ["response", "P2", EVIL]]
        assert '"><img src=x onerror=alert(1)>' in [r[0] for r in page.table("at-risk")]
        # in the charts too (SVG text, escaped by the SVG writer, never parsed as math)
        assert EVIL in page.svg_text
        assert "cost $5 and $6" in page.svg_text and "$x^2$" in page.svg_text


class TestErrors:
    def test_naive_as_of(self, results: list[TicketSla]) -> None:
        with pytest.raises(NaiveDatetimeError, match="as_of"):
            html_report(results, as_of=datetime(2026, 2, 4, 12))

    def test_unknown_zone(self, results: list[TicketSla]) -> None:
        with pytest.raises(InvalidInput, match=r"zone.*Mars/Olympus"):
            html_report(results, as_of=AS_OF, zone="Mars/Olympus")

    def test_unknown_timeline_ticket(self, results: list[TicketSla]) -> None:
        with pytest.raises(InvalidInput, match=r"timelines.*NOPE"):
            html_report(results, as_of=AS_OF, timelines=["NOPE"])

    def test_missing_histories(self, results: list[TicketSla],
                               histories: dict[str, Any]) -> None:
        partial = {k: v for k, v in histories.items() if k != "F3"}
        with pytest.raises(InvalidInput, match=r"histories.*'F3'"):
            html_report(results, as_of=AS_OF, histories=partial, charts=False)


def test_no_results() -> None:
    page = Page(html_report([], as_of=AS_OF))
    assert page.sections == SECTIONS
    assert page.svg_text.count("no cycles") == 2  # the trend chart and the heat map
    assert page.table("compliance", 0)[1][:4] == ["all", "0", "0", "0"]
