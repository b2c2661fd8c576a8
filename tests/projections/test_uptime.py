"""Vendor-reported uptime against measured availability (``slacore.projections.uptime``).

Figures by hand in the comments; the projection is checked against the batch function.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.errors import InvalidInput
from slacore.events import Event, parse_event
from slacore.projections import AWS_EC2_REGION, UptimeProjection, uptime_report
from slacore.testing.profiles import examples

UTC = timezone.utc


def t(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


_n = 0


def ev(kind: str, at: datetime, service: str = "wan", **kw: Any) -> Event:
    global _n
    _n += 1
    return parse_event({"type": kind, "event_id": f"{kind}-{_n}", "service_id": service,
                        "at": at.isoformat(), **kw})


def outage(start: datetime, minutes: int, service: str = "wan") -> list[Event]:
    return [ev("outage_started", start, service),
            ev("outage_ended", start + timedelta(minutes=minutes), service)]


def reported(pct: str, month: int, service: str = "wan", eid: str | None = None) -> Event:
    e = ev("vendor_uptime_reported", t(month + 1, 2), service, vendor="acme-telco",
           period_start=t(month, 1).isoformat(), period_end=t(month + 1, 1).isoformat(),
           uptime_percent=pct)
    return e if eid is None else e.model_copy(update={"event_id": eid})


# April (30 days = 43,200 min): 90 min down -> 43,110/43,200 = 99.7916...%.
# The vendor reports 99.99 %: discrepancy 99.99 - 99.7916... = 0.1983... points -> flagged.
# AWS region ladder: 99.99 is in no band (0 %); 99.79 % is in [99, 99.99) -> 10 %.
# Fee 5,000: claimable 500.00, conceded by the report 0.00.
# May (31 days = 44,640 min): 4 min down -> 99.99104 %; reported 99.995: 0.0039 points,
# within the 0.01 tolerance; both above 99.99: no credit.
EVENTS = [*outage(t(4, 10), 90), reported("99.99", 4, eid="R-APR"),
          *outage(t(5, 10), 4), reported("99.995", 5, eid="R-MAY")]


def test_reported_vs_measured_by_hand() -> None:
    rep = uptime_report(EVENTS, bands=AWS_EC2_REGION, fees={"wan": "5000"})
    apr, may = rep.items
    assert apr.event_id == "R-APR" and apr.vendor == "acme-telco"
    assert apr.measured == Fraction(43_110, 43_200)
    assert apr.discrepancy == Fraction("99.99") - Fraction(43_110_00, 43_200)
    assert apr.discrepancy == Fraction(119, 600)  # 0.19833... points
    assert apr.flagged and apr.band_differs
    assert (apr.band_reported, apr.band_measured) == (None, "[99, 99.99)")
    assert (apr.credit_percent_reported, apr.credit_percent_claimable) == (0, 10)
    assert (apr.credit_at_reported, apr.credit_claimable, apr.shortfall) == (
        Decimal("0.00"), Decimal("500.00"), Decimal("500.00"))
    assert apr.measured_pct == Decimal("99.7916")
    assert may.measured == Fraction(44_636, 44_640)
    assert may.discrepancy == Fraction("99.995") - Fraction(44_636_00, 44_640)
    assert not may.flagged and not may.band_differs
    assert may.credit_claimable == 0
    assert rep.flagged == (apr,)
    assert rep.rows()[0]["flagged"] is True


def test_claimed_credits_and_tolerance() -> None:
    rep = uptime_report(EVENTS, bands=AWS_EC2_REGION, fees="5000",
                        claimed={"R-APR": "200"}, tolerance="0.25")
    apr = rep.items[0]
    assert apr.credit_claimed == 200 and apr.shortfall == 300
    assert not apr.flagged  # 0.198 points is within 0.25
    # without fees the credits are percentages only
    bare = uptime_report(EVENTS, bands=AWS_EC2_REGION).items[0]
    assert bare.credit_claimable is None and bare.credit_percent_claimable == 10
    with pytest.raises(InvalidInput, match="tolerance"):
        uptime_report(EVENTS, tolerance="-1")
    with pytest.raises(InvalidInput, match=r"claimed\.R-APR"):
        uptime_report(EVENTS, claimed={"R-APR": "lots"})


def test_vendor_counts_maintenance_the_contract_does_not() -> None:
    # 3 h window in April; an outage inside it.  Excluded: 43,200 - 180 = 43,020 measured,
    # nothing down -> 100 %.  Counted as downtime: 43,020/43,200 = 99.5833... %.
    events = [ev("maintenance_scheduled", t(4, 1), start=t(4, 5, 1).isoformat(),
                 end=t(4, 5, 4).isoformat(), maintenance_id="CHG"),
              *outage(t(4, 5, 2), 30), reported("100", 4)]
    assert uptime_report(events).items[0].measured == 1
    down = uptime_report(events, maintenance="down").items[0]
    assert down.measured == Fraction(43_020, 43_200)
    assert down.discrepancy == 100 - Fraction(43_020_00, 43_200)


def test_as_of_ignores_later_reports_and_measures_partially() -> None:
    rep = uptime_report(EVENTS, as_of=t(5, 20))
    assert [r.event_id for r in rep.items] == ["R-APR"]  # May's report came on June 2
    early = [*outage(t(4, 10), 90), ev("vendor_uptime_reported", t(4, 15), vendor="v",
                                       period_start=t(4, 1).isoformat(),
                                       period_end=t(5, 1).isoformat(),
                                       uptime_percent="99")]
    (row,) = uptime_report(early, as_of=t(4, 16)).items
    assert not row.complete
    assert row.measured == Fraction(15 * 1440 - 90, 15 * 1440)


@settings(max_examples=examples(30), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60 * 24 * 60), st.integers(1, 600)), max_size=5),
       st.lists(st.tuples(st.sampled_from([4, 5]), st.decimals(90, 100, places=3)),
                max_size=4),
       st.randoms(use_true_random=False))
def test_projection_equals_batch(outs: list[tuple[int, int]],
                                 reps: list[tuple[int, Decimal]],
                                 rnd: random.Random) -> None:
    events: list[Event] = []
    for m, length in outs:
        events += outage(t(4, 1) + timedelta(minutes=m), length,
                         service=rnd.choice(["wan", "lan"]))
    events += [reported(str(p), month, service=rnd.choice(["wan", "lan"]))
               for month, p in reps]
    kw: dict[str, Any] = {"bands": AWS_EC2_REGION, "fees": "100", "as_of": t(6, 1, 12)}
    batch = uptime_report(events, **kw)
    proj = UptimeProjection(**kw)
    feed = [*events, *events[:2]]
    rnd.shuffle(feed)
    for e in feed:
        proj.add(e)
    assert proj.report() == batch
    for row in batch.items:
        assert row.measured is not None and 0 <= row.measured <= 1
        assert row.flagged == (abs(row.discrepancy or 0) > Fraction("0.01"))
    proj.remove("lan")
    assert proj.report() == uptime_report(
        [e for e in events if getattr(e, "service_id", None) != "lan"], **kw)


def test_projection_follows_a_log() -> None:
    from slacore.log import open_log

    log = open_log("memory://")
    log.ingest(EVENTS[:3])
    proj = UptimeProjection(bands=AWS_EC2_REGION)
    proj.catch_up(log)
    log.ingest(EVENTS[3:])
    proj.catch_up(log)
    assert proj.report() == uptime_report(EVENTS, bands=AWS_EC2_REGION)
