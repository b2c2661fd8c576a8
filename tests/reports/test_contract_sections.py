"""Scorecard, credit and availability sections of the HTML report: the tables show the
figures of ``holder_scorecard``, ``contract_credits`` and ``availability_report`` as they
are.  Data: report_data.py, plus outages (erp: Mon 02-02 14:00-14:45; email: Tue 01-20
03:00-03:10) and a contract with a P2-resolution level and an erp availability level."""

from __future__ import annotations

from typing import Any

import pytest
from report_data import AS_OF, CAL, POLICY, SERVICES, b
from reports_page import Page

from slacore.events import parse_events
from slacore.loading import load_contract
from slacore.policies import TicketSla
from slacore.projections.availability import AvailabilityReport, availability_report
from slacore.projections.credits import CreditReport, contract_credits
from slacore.projections.holders import holdings
from slacore.projections.scorecards import HolderScorecard, holder_metrics, holder_scorecard
from slacore.reports import format as fmt
from slacore.reports import html_report
from slacore.reports.contract_sections import availability_section

ZONE = "Europe/Berlin"
OUTAGES = [
    {"type": "outage_started", "event_id": "O1", "service_id": "erp", "at": b(2, 2, 14)},
    {"type": "outage_ended", "event_id": "O2", "service_id": "erp", "at": b(2, 2, 14, 45)},
    {"type": "outage_started", "event_id": "O3", "service_id": "email", "at": b(1, 20, 3)},
    {"type": "outage_ended", "event_id": "O4", "service_id": "email",
     "at": b(1, 20, 3, 10)},
]
CONTRACT = {
    "id": "erp-uc", "vendor": "<acme>", "currency": "EUR", "period": "month",
    "zone": ZONE, "invoice": 10000,
    "service_levels": [
        {"id": "p2-resolution", "measure": "compliance", "target_percent": 90,
         "select": {"metric": "resolution", "priority": "P2"},
         "bands": [{"upper": 90, "credit_percent": 10}]},
        {"id": "erp-availability", "measure": "availability", "service": "erp",
         "target_percent": 99.9,
         "bands": [{"lower": 99, "upper": 99.9, "credit_percent": 5},
                   {"upper": 99, "credit_percent": 20}]},
    ],
}


@pytest.fixture(scope="module")
def card(results: list[TicketSla], histories: dict[str, Any]) -> HolderScorecard:
    return holder_scorecard(results, [holdings(e, as_of=AS_OF) for e in histories.values()],
                            metrics=holder_metrics(POLICY), parent="resolution",
                            calendar=CAL, zone=ZONE)


@pytest.fixture(scope="module")
def avail() -> AvailabilityReport:
    return availability_report(parse_events(SERVICES + OUTAGES), start=b(1, 1, 0),
                               end=b(3, 1, 0), zone=ZONE, as_of=AS_OF)


@pytest.fixture(scope="module")
def credits(results: list[TicketSla]) -> CreditReport:
    return contract_credits(load_contract(CONTRACT), results, parse_events(SERVICES + OUTAGES),
                            start=b(1, 1, 0), end=b(3, 1, 0), as_of=AS_OF)


@pytest.fixture(scope="module")
def page(results: list[TicketSla], card: HolderScorecard, avail: AvailabilityReport,
         credits: CreditReport) -> Page:
    return Page(html_report(results, as_of=AS_OF, zone=ZONE, scorecards=card,
                            credits=[credits], availability=avail))


def test_sections(page: Page) -> None:
    assert page.sections[-3:] == ["ola-scorecard-by-assignment-group",
                                  "service-credits-erp-uc", "availability"]
    assert page.tags.count("svg") == 3  # trend, heat map, availability


def test_scorecard(page: Page, card: HolderScorecard) -> None:
    header, *rows = page.table("scorecard")
    assert header[:6] == ["assignment_group", "cycles", "met", "breached", "running",
                          "compliance"]
    assert [r[0] for r in rows] == [str(h.holder) for h in card.holders]
    for row, h in zip(rows, card.holders, strict=True):
        assert row[1:5] == [str(h.cycles), str(h.met), str(h.breached), str(h.running)]
        assert row[6] == fmt.duration(h.held)
    # by hand: the network OLA ran on J1, J2, F1, F3, F4, F5, F6 (never held: met at 0)
    # and F2 (breached); F3 and F4 run -> 5 met of 6 due; network held F2 Mon 13-17 and
    # Tue 9-12 on the business calendar: 7h
    network = next(r for r in rows if r[0] == "network")
    assert network[1:7] == ["8", "5", "1", "2", "83.33 %", "7h"]
    periods = page.table("scorecard-periods")
    assert len(periods) - 1 == len(card.rows)


def test_credits(page: Page, credits: CreditReport) -> None:
    header, *rows = page.table("credits")
    assert header[:4] == ["period", "service level", "measure", "measured"]
    lines = [r for r in rows if not r[1].startswith("period total")]
    want = [(p.period, line) for p in credits.periods for line in p.lines]
    assert [(r[1], r[9], r[11]) for r in lines] == [
        (line.service_level, f"{line.credit} EUR", f"{line.owed} EUR") for _, line in want]
    # by hand: January P2 resolution 1/2 met < 90 % -> 10 % of 10,000; February erp
    # availability (84h - 1h maintenance - 45m down) / 83h = 329/332 = 99.0963 % -> 5 %
    assert lines[0][3:10] == ["50.0000 %", "90 %", "no", "< 90", "10 %", "10000.00 EUR",
                              "1000.00 EUR"]
    assert lines[3][:10] == ["2026-02 (partial)", "erp-availability", "availability",
                             "99.0963 %", "99.9 %", "no", "[99, 99.9)", "5 %",
                             "10000.00 EUR", "500.00 EUR"]
    totals = [r for r in rows if r[1].startswith("period total")]
    assert [r[11] for r in totals] == [f"{p.owed} EUR" for p in credits.periods] == [
        "1000.00 EUR", "500.00 EUR"]


def test_credits_escape_the_vendor(results: list[TicketSla], credits: CreditReport) -> None:
    out = html_report(results, as_of=AS_OF, charts=False, credits=credits)
    assert "with &lt;acme&gt;: <b>1500.00 EUR</b> owed" in out
    assert "<acme>" not in out


def test_availability(page: Page, avail: AvailabilityReport) -> None:
    header, *rows = page.table("availability")
    assert header[:6] == ["service", "period", "agreed", "excluded", "downtime",
                          "availability"]
    assert [r[5] for r in rows] == [fmt.percent(i.availability_pct) for i in avail.items]
    # by hand (see test_credits); email in January: 10 min of 744 h = 99.9775 % (down)
    assert rows[3] == ["erp", "2026-02 (partial)", "84h", "1h", "45m", "99.0963 %", "1",
                       "82h 15m", "45m", "—", "—"]
    assert rows[0][:7] == ["email", "2026-01", "744h", "0", "10m", "99.9775 %", "1"]
    assert {"email", "erp", "availability (%)"} <= set(page.svg_text)


def test_availability_without_rows() -> None:
    empty = AvailabilityReport(maintenance="exclude", zone="UTC", items=())
    section = availability_section(empty)
    assert "<svg" not in section.body and "<tbody>\n</tbody>" in section.body
