"""Availability per service and period (``slacore.projections.availability_report``).

The figures are worked out by hand in the comments.  The property tests check the report
against a slow minute-by-minute reference, that availability stays in [0, 100] % and never
rises when an outage is added, ITIL's ``availability = MTBF / MTBSI``, and that the
incremental projection (any order, duplicates, replaced services, from a log) equals the
batch report.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.clock import BusinessCalendar
from slacore.errors import InvalidInput
from slacore.events import Event, parse_event
from slacore.log import open_log
from slacore.projections import (
    AWS_EC2_REGION,
    AvailabilityProjection,
    availability_report,
    periods_between,
)
from slacore.projections.availability import measure, service_timeline
from slacore.testing.profiles import examples

UTC = timezone.utc
MIN = 60  # seconds
MODES = ("exclude", "up", "down", "ignore")


def t(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


_n = 0


def ev(kind: str, at: datetime, service: str = "mail", **kw: Any) -> Event:
    global _n
    _n += 1
    return parse_event({"type": kind, "event_id": f"{service}-{kind}-{_n}", "service_id": service,
                        "at": at.isoformat(), **kw})


def outage(start: datetime, end: datetime | None, service: str = "mail",
           oid: str | None = None) -> list[Event]:
    out = [ev("outage_started", start, service, outage_id=oid)]
    if end is not None:
        out.append(ev("outage_ended", end, service, outage_id=oid))
    return out


def window(start: datetime, end: datetime, mid: str, service: str = "mail") -> Event:
    return ev("maintenance_scheduled", start - timedelta(days=7), service,
              start=start.isoformat(), end=end.isoformat(), maintenance_id=mid)


# March 2026: 31 days = 44,640 min.  April: 30 days = 43,200 min.
#   outages  Mar 3 10:00-11:00 and 10:30-11:30 (ids differ) -> merged 10:00-11:30: 90 min
#            Mar 10 03:00-05:00, inside/after the window Mar 10 02:00-04:00
#            Mar 31 23:00 - Apr 1 01:00: 60 min in March, 60 min in April
MARCH = [
    *outage(t(3, 3, 10), t(3, 3, 11), oid="a"),
    *outage(t(3, 3, 10, 30), t(3, 3, 11, 30), oid="b"),
    window(t(3, 10, 2), t(3, 10, 4), "CHG1"),
    *outage(t(3, 10, 3), t(3, 10, 5), oid="c"),
    *outage(t(3, 31, 23), t(4, 1, 1), oid="d"),
]


def report(events: list[Event], **kw: Any) -> Any:
    kw.setdefault("start", t(3, 1))
    kw.setdefault("end", t(5, 1))
    return availability_report(events, **kw)


@pytest.mark.parametrize(("mode", "excluded", "downtime"), [
    # exclude: the window (120 min) leaves the denominator; the Mar 10 outage counts only
    #   04:00-05:00 (60): 90 + 60 + 60 = 210.
    ("exclude", 120, 210),
    # up: the window is available time: same downtime, nothing excluded.
    ("up", 0, 210),
    # down: the window is downtime: 02:00-05:00 = 180, + 90 + 60 = 330.
    ("down", 0, 330),
    # ignore: the whole 2 h outage counts: 90 + 120 + 60 = 270.
    ("ignore", 0, 270),
])
def test_march_by_hand_in_every_maintenance_mode(mode: str, excluded: int,
                                                 downtime: int) -> None:
    rep = report(MARCH, maintenance=mode)
    march = rep.get("mail", "2026-03")
    assert march is not None
    assert march.agreed == timedelta(minutes=44_640)
    assert march.excluded == timedelta(minutes=excluded)
    assert march.downtime == timedelta(minutes=downtime)
    measured = 44_640 - excluded
    assert march.availability == Fraction(measured - downtime, measured)
    # three failures: Mar 3, Mar 10 (in "down" mode the window and the outage merge), Mar 31
    assert march.failures == 3
    assert march.mtrs_seconds == Fraction(downtime * MIN, 3)
    assert march.mtbf_seconds == Fraction((measured - downtime) * MIN, 3)
    assert march.mtbsi_seconds == Fraction(measured * MIN, 3)
    april = rep.get("mail", "2026-04")
    assert april is not None
    # the outage spanning the month end is split: its second hour is in April
    assert april.downtime == timedelta(minutes=60)
    assert april.availability == Fraction(43_200 - 60, 43_200)
    assert april.failures == 1 and april.complete


def test_exclude_mode_figures_in_percent() -> None:
    march = report(MARCH).get("mail", "2026-03")
    assert march is not None
    # (44,640 - 120 - 210) / (44,640 - 120) = 44,310 / 44,520 = 99.52830...%
    assert march.availability == Fraction(44_310, 44_520)
    assert march.availability_pct == Decimal("99.5283")
    # MTBF 44,310/3 min = 14,770 min; MTRS 70 min; MTBSI 14,840 min
    assert march.mtbf_seconds == 14_770 * MIN
    assert march.mtrs_seconds == 70 * MIN
    assert march.mtbsi_seconds == 14_840 * MIN


def test_cancelled_window_gives_no_relief() -> None:
    events = [*MARCH, ev("maintenance_cancelled", t(3, 9), maintenance_id="CHG1")]
    march = report(events).get("mail", "2026-03")
    assert march is not None
    assert march.excluded == timedelta(0)
    assert march.downtime == timedelta(minutes=90 + 120 + 60)


def test_business_calendar_as_agreed_service_time() -> None:
    cal = BusinessCalendar.from_spec({"timezone": "UTC", "hours": {
        d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}})
    # ISO week 11: Mon Mar 9 - Mon Mar 16: 5 x 8 h = 2,400 min agreed.
    # Outage Tue 16:00 -> Wed 10:00: 1 h on Tuesday + 1 h on Wednesday = 120 min; one failure
    # (the closed night does not split it).
    events = outage(t(3, 10, 16), t(3, 11, 10))
    rep = availability_report(events, start=t(3, 9), end=t(3, 16), period="week",
                              calendar=cal)
    (row,) = rep.items
    assert row.period == "2026-W11"
    assert row.agreed == timedelta(minutes=2_400)
    assert row.downtime == timedelta(minutes=120)
    assert row.availability == Fraction(19, 20)
    assert row.failures == 1
    assert row.mtbf_seconds == 2_280 * MIN and row.mtrs_seconds == 120 * MIN
    # an outage entirely outside business hours is no failure
    night = availability_report(outage(t(3, 10, 20), t(3, 10, 22)), start=t(3, 9),
                                end=t(3, 16), period="week", calendars={"mail": cal})
    assert night.items[0].availability == 1 and night.items[0].failures == 0
    assert night.items[0].mtbf_seconds is None


def test_open_outage_runs_until_as_of_and_later_periods_are_left_out() -> None:
    events = [*MARCH, *outage(t(4, 10), None, oid="e"),
              *outage(t(4, 10, 13), t(4, 10, 14), oid="late")]  # after as_of: unknown
    rep = report(events, as_of=t(4, 10, 12))
    assert [r.period for r in rep.items] == ["2026-03", "2026-04"]
    april = rep.items[1]
    # measured Apr 1 00:00 - Apr 10 12:00 = 9.5 days = 13,680 min; down 60 + 720
    assert not april.complete and rep.items[0].complete
    assert april.agreed == timedelta(minutes=13_680)
    assert april.availability == Fraction(13_680 - 780, 13_680)


def test_min_outage_ignores_blips() -> None:
    events = [*outage(t(4, 2), t(4, 2, 0, 0, 30), oid="blip"),
              *outage(t(4, 3), t(4, 3, 0, 1), oid="minute")]
    rep = report(events, start=t(4, 1), min_outage=timedelta(minutes=1))
    (april,) = rep.items
    assert april.downtime == timedelta(minutes=1) and april.failures == 1


@pytest.mark.parametrize(("down_min", "pct", "credit"), [
    # the notes' worked check on a 30-day month (43,200 min), AWS region-level ladder
    (90, Decimal("99.7916"), Decimal(10)),
    (500, Decimal("98.8425"), Decimal(30)),
    (2_200, Decimal("94.9074"), Decimal(100)),
    (4, Decimal("99.9907"), Decimal(0)),
])
def test_cloud_credit_bands(down_min: int, pct: Decimal, credit: Decimal) -> None:
    start = t(4, 2)
    events = outage(start, start + timedelta(minutes=down_min), service="vm")
    rep = availability_report(events, start=t(4, 1), end=t(5, 1), bands=AWS_EC2_REGION)
    (row,) = rep.items
    assert row.availability == Fraction(43_200 - down_min, 43_200)
    assert row.availability_pct == pct  # rounded down
    assert row.credit_percent == credit
    assert (row.band is None) == (credit == 0)


def test_outages_pair_by_id_and_without_ids_in_order() -> None:
    events = [ev("outage_started", t(4, 2, 1), "x"), ev("outage_started", t(4, 2, 2), "x"),
              ev("outage_ended", t(4, 2, 3), "x"), ev("outage_ended", t(4, 2, 4), "x")]
    # without ids the second start is ignored (one is open) and the first end closes it
    tl = service_timeline("x", events)
    assert len(tl.outages) == 1 and not tl.open_since
    rep = availability_report(events, start=t(4, 1), end=t(5, 1))
    assert rep.items[0].downtime == timedelta(hours=2)


def test_periods_between_and_bad_arguments() -> None:
    keys = [p.key for p in periods_between(t(1, 15), t(3, 2), "month", "Europe/Berlin")]
    assert keys == ["2026-01", "2026-02", "2026-03"]
    with pytest.raises(InvalidInput, match="end"):
        periods_between(t(3, 2), t(3, 1))
    with pytest.raises(InvalidInput, match="maintenance"):
        report(MARCH, maintenance="sometimes")
    with pytest.raises(InvalidInput, match="min_outage"):
        report(MARCH, min_outage=timedelta(minutes=-1))
    with pytest.raises(InvalidInput, match="start"):
        report(MARCH, start=datetime(2026, 3, 1))  # naive on purpose


def test_rows_and_json() -> None:
    rep = report(MARCH)
    rows = rep.rows()
    assert rows[0]["availability_pct"] == 99.5283 and rows[0]["failures"] == 3
    assert rep.model_dump(mode="json")["items"][0]["availability"] == "211/212"


def test_projection_follows_a_log() -> None:
    log = open_log("memory://")
    log.ingest(MARCH[:4])
    proj = AvailabilityProjection(start=t(3, 1), end=t(5, 1))
    assert proj.catch_up(log) == 4
    log.ingest(MARCH[4:])
    proj.catch_up(log)
    assert proj.report() == report(MARCH)


# --------------------------------------------------------------------------- properties

BASE = t(4, 1)
SPAN_MIN = 3 * 24 * 60  # three days of minutes


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """Outages and maintenance windows on a minute grid inside three days."""
    events: list[Event] = []
    for i in range(draw(st.integers(0, 5))):
        a = draw(st.integers(0, SPAN_MIN - 1))
        length = draw(st.integers(1, 600))
        end = None if draw(st.integers(0, 9)) == 0 else BASE + timedelta(minutes=a + length)
        events += outage(BASE + timedelta(minutes=a), end, service="s", oid=f"o{i}")
    for i in range(draw(st.integers(0, 3))):
        a = draw(st.integers(0, SPAN_MIN - 1))
        length = draw(st.integers(1, 300))
        events.append(window(BASE + timedelta(minutes=a),
                             BASE + timedelta(minutes=a + length), f"m{i}", service="s"))
    return events


CAL = BusinessCalendar.from_spec({"timezone": "Europe/Berlin", "hours": {
    d: ["08:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}})


def reference(events: list[Event], lo: datetime, hi: datetime, mode: str,
              calendar: BusinessCalendar | None) -> tuple[int, int, int]:
    """(agreed, excluded, downtime) in minutes, checking each minute on its own."""
    tl = service_timeline("s", events)
    end_us = int((hi - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1_000_000
    outs = tl.outage_spans(end_us)
    agreed = excluded = down = 0
    minute = lo
    while minute < hi:
        u = int((minute - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1_000_000
        if calendar is None or calendar.is_open(minute):
            agreed += 1
            is_out = any(s <= u < e for s, e in outs)
            is_maint = any(s <= u < e for s, e in tl.maintenance)
            if mode == "exclude":
                excluded += is_maint
                down += is_out and not is_maint
            elif mode == "up":
                down += is_out and not is_maint
            elif mode == "down":
                down += is_out or is_maint
            else:
                down += is_out
        minute += timedelta(minutes=1)
    return agreed, excluded, down


@settings(max_examples=examples(40), deadline=None)
@given(histories(), st.sampled_from(MODES), st.booleans())
def test_measure_equals_the_minute_by_minute_reference(events: list[Event], mode: str,
                                                       business: bool) -> None:
    cal = CAL if business else None
    lo, hi = BASE, BASE + timedelta(days=2)
    m = measure(service_timeline("s", events), lo, hi, calendar=cal,
                maintenance=mode, as_of=hi)  # type: ignore[arg-type]
    agreed, excluded, down = reference(events, lo, hi, mode, cal)
    assert (m.agreed, m.excluded, m.downtime) == (agreed * 60_000_000, excluded * 60_000_000,
                                                   down * 60_000_000)


@settings(max_examples=examples(40), deadline=None)
@given(histories(), st.sampled_from(MODES), st.integers(0, SPAN_MIN - 1),
       st.integers(1, 900), st.booleans())
def test_availability_is_bounded_and_monotone_in_downtime(
        events: list[Event], mode: str, at: int, length: int, business: bool) -> None:
    kw: dict[str, Any] = {"start": BASE, "end": BASE + timedelta(days=3), "period": "day",
                          "maintenance": mode, "calendar": CAL if business else None,
                          "as_of": BASE + timedelta(days=3), "services": ["s"]}
    before = availability_report(events, **kw)
    more = [*events, *outage(BASE + timedelta(minutes=at),
                             BASE + timedelta(minutes=at + length), service="s", oid="extra")]
    after = availability_report(more, **kw)
    for b, a in zip(before.items, after.items, strict=True):
        for row in (a, b):
            if row.availability is not None:
                assert 0 <= row.availability <= 1
                if row.failures:
                    assert row.mtbf_seconds is not None and row.mtbsi_seconds is not None
                    assert row.availability == row.mtbf_seconds / row.mtbsi_seconds
                    assert row.mtbsi_seconds == row.mtbf_seconds + row.mtrs_seconds
        assert a.downtime >= b.downtime
        if a.availability is not None and b.availability is not None:
            assert a.availability <= b.availability


@settings(max_examples=examples(30), deadline=None)
@given(histories(), histories(), st.randoms(use_true_random=False), st.sampled_from(MODES))
def test_projection_equals_batch_in_any_order(events: list[Event], other: list[Event],
                                              rnd: random.Random, mode: str) -> None:
    other = [parse_event({**e.model_dump(mode="json"), "service_id": "t",
                          "event_id": "t-" + e.event_id}) for e in other]
    kw: dict[str, Any] = {"start": BASE, "end": BASE + timedelta(days=4), "period": "day",
                          "maintenance": mode, "as_of": BASE + timedelta(days=2, hours=5)}
    batch = availability_report([*events, *other], **kw)
    proj = AvailabilityProjection(**kw)
    feed = [*events, *other, *events[: len(events) // 2]]  # with duplicates
    rnd.shuffle(feed)
    for e in feed:
        proj.add(e)
        if rnd.random() < 0.2:
            proj.report()  # reports in between must not disturb the state
    assert proj.report() == batch
    proj.remove("t")
    assert proj.report() == availability_report(events, **kw)
    proj.update("t", other)
    assert proj.report() == batch


def test_events_given_as_mappings_count_and_bad_ones_are_refused() -> None:
    """Nothing is dropped silently: a mapping is parsed like any input, and one that is
    not an event is an error naming the field, not something to skip."""
    from slacore.events import to_json
    from slacore.events.models import InvalidEvent
    from slacore.projections import AvailabilityProjection

    as_dicts = [json.loads(to_json(e)) for e in MARCH]
    fed = AvailabilityProjection(start=t(3, 1), end=t(5, 1))
    for data in as_dicts:
        fed.add(data)
    assert fed.report() == report(MARCH)
    with pytest.raises(InvalidEvent, match="service_id"):
        fed.add({"type": "outage_started", "event_id": "x", "at": "2026-03-01T00:00:00Z"})
