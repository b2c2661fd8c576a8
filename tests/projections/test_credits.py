"""Service credits under a vendor contract (``slacore.projections.credits``).

Every amount is worked out by hand in the comments.  Property tests: the most severe
matching band wins, credits never exceed the cap, and the incremental projection equals
the batch function.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.errors import InvalidInput
from slacore.events import Event, parse_event
from slacore.loading import load_contract, parse_text
from slacore.policies import Cycle, TicketSla
from slacore.projections import (
    Contract,
    CreditBand,
    CreditProjection,
    InvalidContract,
    contract_credits,
    credit_report,
    ladder,
    parse_contract,
    periods_between,
    select_band,
)
from slacore.testing.profiles import examples

UTC = timezone.utc
H = timedelta(hours=1)
ZERO = timedelta(0)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vendor-contract.yaml"


def t(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def cyc(started: datetime, elapsed: timedelta, target: timedelta = 4 * H,
        metric: str = "resolution") -> Cycle:
    return Cycle(
        metric=metric, index=0, started_at=started, stopped_at=started + elapsed,
        state="stopped", end_reason=None, target=target, tier=0, calendar="always",
        elapsed=elapsed, paused=ZERO, excluded=ZERO, breached=elapsed > target,
        breached_at=started + target if elapsed > target else None,
        due_at=started + target, warnings=(), segments=(), start_event_id="e0",
        stop_event_id="e9",
    )


def ticket(tid: str, started: datetime, elapsed: timedelta, **fields: Any) -> TicketSla:
    fields.setdefault("priority", "P1")
    fields.setdefault("vendor", "acme-telco")
    return TicketSla(ticket_id=tid, policy_id="uc", policy_version=1, as_of=None,
                     metrics={"resolution": (cyc(started, elapsed),)}, fields=fields)


_n = 0


def outage(start: datetime, minutes: int, service: str = "wan") -> list[Event]:
    global _n
    _n += 1
    return [parse_event({"type": kind, "event_id": f"o{_n}-{kind}", "service_id": service,
                         "at": at.isoformat(), "outage_id": f"O{_n}"})
            for kind, at in (("outage_started", start),
                             ("outage_ended", start + timedelta(minutes=minutes)))]


# --------------------------------------------------------------------------- the model


def test_example_contract_loads() -> None:
    c = load_contract(EXAMPLE)
    assert (c.id, c.vendor, c.zone, c.invoice) == ("acme-network-uc", "acme-telco",
                                                   "Europe/Berlin", Decimal(100000))
    wan = c.service_level("wan-availability")
    assert wan.bands[0].lower == Decimal("99.0") and wan.bands[0].upper == Decimal("99.99")
    assert wan.min_outage == timedelta(minutes=1)
    assert wan.earn_back is not None and wan.earn_back.target_percent == Decimal("99.995")


@pytest.mark.parametrize(("patch", "field"), [
    ({"at_risk_percent": 120}, "at_risk_percent"),
    ({"zone": "Mars/Olympus"}, "zone"),
    ({"service_levels": [{"id": "x", "measure": "compliance", "target_percent": 95,
                          "bands": [{"lower": 95, "upper": 90, "credit_percent": 5}]}]},
     "service_levels.0.bands.0"),
    ({"service_levels": [{"id": "x", "measure": "availability", "target_percent": 95,
                          "bands": [{"upper": 90, "credit_percent": 5}]}]},
     "service_levels.0"),
    ({"service_levels": [{"id": "x", "measure": "compliance", "target_percent": 95,
                          "bands": []}]}, "service_levels.0.bands"),
    ({"cap": {}}, "cap"),
    ({"frobnicate": 1}, "frobnicate"),
])
def test_bad_contracts_name_the_field(patch: dict[str, Any], field: str) -> None:
    data = dict(parse_text(EXAMPLE.read_text(), "yaml"))
    data.update(patch)
    with pytest.raises(InvalidContract) as info:
        parse_contract(data)
    assert any(p.field == field for p in info.value.problems), info.value.problems


def test_unknown_calendar_and_duplicate_ids() -> None:
    sl = {"id": "a", "measure": "availability", "service": "wan", "calendar": "office",
          "target_percent": 99, "bands": [{"upper": 99, "credit_percent": 10}]}
    base = {"id": "c", "vendor": "v", "service_levels": [sl]}
    with pytest.raises(InvalidContract, match="office"):
        parse_contract(base)
    assert parse_contract(base, calendars=["office"]).service_levels[0].calendar == "office"
    with pytest.raises(InvalidContract, match="used twice"):
        parse_contract({**base, "service_levels": [sl, sl]}, calendars=["office"])


def test_a_contract_file_must_hold_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="mapping"):
        load_contract(path)


def test_bands_half_open_and_most_severe() -> None:
    aws = ladder([("99.99", 10), ("99.0", 30), ("95.0", 100)])
    assert [b.label for b in aws] == ["[99, 99.99)", "[95, 99)", "< 95"]

    def credit(pct: str) -> Decimal | None:
        band = select_band(aws, Fraction(pct))
        return None if band is None else band.credit_percent

    assert credit("99.99") is None  # the upper bound is exclusive
    assert credit("99.989999") == 10
    assert credit("99") == 10 and credit("98.9999") == 30
    assert credit("95") == 30 and credit("94.9") == 100 and credit("0") == 100
    # overlapping "below X" bands: the most severe matching one wins, whatever the order
    below = [CreditBand(upper=Decimal(95), credit_percent=Decimal(100)),
             CreditBand(upper=Decimal(99), credit_percent=Decimal(25)),
             CreditBand(upper=Decimal("99.9"), credit_percent=Decimal(10))]
    assert select_band(below, Fraction(97)) == below[1]
    assert select_band(below, Fraction(90)) == below[0]
    assert select_band(list(reversed(below)), Fraction(90)) == below[0]
    assert CreditBand(lower=Decimal(99), credit_percent=Decimal(0)).label == ">= 99"


# --------------------------------------------------------------------------- amounts


def _single(bands: list[dict[str, Any]], **extra: Any) -> Contract:
    return parse_contract({
        "id": "c", "vendor": "v", "invoice": 100000, **extra,
        "service_levels": [{"id": "sl", "measure": "compliance", "target_percent": 95,
                            "allocation_percent": extra.pop("allocation", 100),
                            "bands": bands}]})


JAN_JUN = periods_between(t(1, 1, 0), t(7, 1, 0))


def test_allocation_model_100000_x_10_x_50_x_40_is_2000() -> None:
    c = parse_contract({
        "id": "dir", "vendor": "v", "invoice": 100000, "at_risk_percent": 10,
        "pool_percent": 50,
        "service_levels": [{"id": "sl", "measure": "compliance", "target_percent": 95,
                            "allocation_percent": 40,
                            "bands": [{"upper": 95, "credit_percent": 100}]}]})
    rep = credit_report(c, {"sl": {"2026-01": Fraction(9, 10)}}, periods=JAN_JUN[:1])
    (line,) = rep.periods[0].lines
    assert line.base == Decimal("2000.00") and line.credit == Decimal("2000.00")
    assert line.band == "< 95" and line.met_target is False
    assert line.measured_pct == Decimal("90.0000")
    assert rep.owed == Decimal("2000.00")
    # met: no band, nothing owed
    rep = credit_report(c, {"sl": {"2026-01": Fraction(19, 20)}}, periods=JAN_JUN[:1])
    assert rep.periods[0].lines[0].credit == 0 and rep.periods[0].lines[0].met_target


def test_cap_percent_and_amount() -> None:
    # two service levels, each 100 % of a 1,000 invoice when missed: 2,000 before the cap
    sl = {"measure": "compliance", "target_percent": 95,
          "bands": [{"upper": 95, "credit_percent": 100}]}
    base = {"id": "c", "vendor": "v", "invoice": "1000",
            "service_levels": [{"id": "a", **sl}, {"id": "b", **sl}]}
    miss = {"a": {"2026-01": Fraction(0)}, "b": {"2026-01": Fraction(1, 2)}}

    def period(**extra: Any) -> Any:
        return credit_report(parse_contract({**base, **extra}), miss,
                             periods=JAN_JUN[:1]).periods[0]

    p = period()  # no cap in the contract: never more than the invoice
    assert (p.credit, p.before_cap, p.cap, p.cap_applied, p.owed) == (
        2000, 2000, 1000, True, 1000)
    p = period(cap={"percent_of_invoice": 15})
    assert (p.cap, p.owed) == (Decimal("150.00"), Decimal("150.00"))
    p = period(cap={"percent_of_invoice": 50, "amount": 300})  # the lower one: 300
    assert (p.cap, p.owed, p.cap_applied) == (300, 300, True)
    p = credit_report(parse_contract({**base, "cap": {"amount": 5000}}), miss,
                      periods=JAN_JUN[:1], invoices={"2026-01": "10000"}).periods[0]
    assert (p.credit, p.cap, p.cap_applied, p.owed) == (20000, 5000, True, 5000)


def test_earn_back_statuses() -> None:
    c = _single([{"upper": 95, "credit_percent": 10}], earn_back={"periods": 2})
    measured = {"sl": {
        "2026-01": Fraction(9, 10),    # miss: 10,000 credit; Feb and Mar meet -> earned back
        "2026-02": Fraction(96, 100),
        "2026-03": Fraction(97, 100),
        "2026-04": Fraction(1, 2),     # miss; May meets, June has nothing -> forfeited
        "2026-05": Fraction(99, 100),
    }}
    rep = credit_report(c, measured, periods=JAN_JUN)
    status = {p.period: p.lines[0].earn_back for p in rep.periods}
    assert status == {"2026-01": "earned_back", "2026-02": "no_credit",
                      "2026-03": "no_credit", "2026-04": "forfeited",
                      "2026-05": "no_credit", "2026-06": "no_credit"}
    jan, apr = rep.periods[0], rep.periods[3]
    assert (jan.credit, jan.waived, jan.owed) == (10000, 10000, 0)
    assert (apr.credit, apr.waived, apr.owed) == (10000, 0, 10000)
    assert rep.periods[5].lines[0].measured is None
    assert rep.periods[5].lines[0].met_target is None
    assert rep.owed == 10000
    # as of mid-May, May is incomplete: April's credit is pending
    rep = credit_report(c, measured, periods=JAN_JUN, as_of=t(5, 15))
    assert rep.periods[3].lines[0].earn_back == "pending"
    assert not rep.periods[4].complete
    # a higher earn-back target: February's 96 % is not enough
    c = _single([{"upper": 95, "credit_percent": 10}],
                earn_back={"periods": 2, "target_percent": 97})
    assert credit_report(c, measured, periods=JAN_JUN).periods[0].lines[0].earn_back == (
        "forfeited")
    # no clause
    c = _single([{"upper": 95, "credit_percent": 10}])
    assert credit_report(c, measured, periods=JAN_JUN).periods[0].lines[0].earn_back == (
        "no_clause")


def test_bad_report_arguments() -> None:
    c = parse_contract({"id": "c", "vendor": "v", "service_levels": [
        {"id": "sl", "measure": "compliance", "target_percent": 95,
         "bands": [{"upper": 95, "credit_percent": 10}]}]})
    with pytest.raises(InvalidInput, match=r"invoices\.2026-01"):
        credit_report(c, {}, periods=JAN_JUN[:1])
    with pytest.raises(InvalidInput, match=r"invoices\.2026-01"):
        credit_report(c, {}, periods=JAN_JUN[:1], invoices={"2026-01": "-5"})
    with pytest.raises(InvalidInput, match="measurements"):
        credit_report(c, {"other": {}}, periods=JAN_JUN[:1], invoices={"2026-01": 1})


# --------------------------------------------------------------------------- end to end

# The example contract, March-June 2026 in Europe/Berlin.
#   p1-resolution: base 100,000 x 10 % x 50 % x 40 % = 2,000; below 95 % -> 100 %.
#   wan-availability: base 100,000 x 10 % x 50 % x 60 % = 3,000; 10/30/100 % bands.
#   cap 10 % of the invoice = 10,000.
RESULTS = [
    # March: 9 met + 1 breached P1 for acme = 90 % -> 2,000; Apr, May, Jun meet 95 %
    *(ticket(f"M{i}", t(3, 2 + i), 3 * H) for i in range(9)),
    ticket("M9", t(3, 20), 5 * H),
    ticket("X1", t(3, 21), 9 * H, priority="P2"),            # not P1: not selected
    ticket("X2", t(3, 21), 9 * H, vendor="other-telco"),     # another vendor's ticket
    ticket("A1", t(4, 3), 2 * H), ticket("A2", t(4, 4), 2 * H),
    ticket("Y1", t(5, 3), 2 * H),
    # June: 2 met (had June missed, March's credit would be forfeited: 3 periods to earn)
    ticket("J1", t(6, 3), 2 * H), ticket("J2", t(6, 4), 2 * H),
]
SERVICE = [
    # March in Berlin: 31 days less the spring-forward hour = 743 h = 44,580 min.
    # 90 min down -> 44,490/44,580 = 99.798 % -> 10 % of 3,000 = 300.  Earn-back needs
    # 99.995 % in April (1 min of 43,200: 99.9977 %, met) and May (3 min of 44,640:
    # 99.9933 %, missed) -> forfeited.
    *outage(t(3, 10), 90),
    *outage(t(4, 10), 1),
    *outage(t(5, 10), 3),
    *outage(t(5, 12), 0),  # a zero-length blip: below min_outage, and empty anyway
    # June: 2 days down of 30 -> 93.33 % -> 100 % of 3,000 = 3,000, pending
    *outage(t(6, 10), 2 * 24 * 60),
    *outage(t(6, 20), 5, service="lan"),  # another service: ignored
]


def test_contract_credits_by_hand() -> None:
    c = load_contract(EXAMPLE)
    rep = contract_credits(c, RESULTS, SERVICE, start=t(3, 1), end=t(6, 30))
    assert [p.period for p in rep.periods] == ["2026-03", "2026-04", "2026-05", "2026-06"]
    lines = {(p.period, ln.service_level): ln for p in rep.periods for ln in p.lines}
    p1 = lines[("2026-03", "p1-resolution")]
    assert p1.measured == Fraction(9, 10)
    assert (p1.credit, p1.earn_back, p1.waived, p1.owed) == (2000, "earned_back", 2000, 0)
    wan = lines[("2026-03", "wan-availability")]
    assert wan.measured == Fraction(44_490, 44_580)
    assert (wan.band, wan.credit_percent, wan.credit, wan.earn_back) == (
        "[99, 99.99)", 10, 300, "forfeited")
    assert lines[("2026-04", "wan-availability")].measured == Fraction(43_199, 43_200)
    assert lines[("2026-04", "p1-resolution")].measured == 1
    assert lines[("2026-05", "wan-availability")].credit == 0
    assert lines[("2026-05", "wan-availability")].met_target is True  # 99.9933 >= 99.99
    march = rep.periods[0]
    assert (march.credit, march.waived, march.before_cap, march.cap, march.owed) == (
        2300, 2000, 300, 10000, 300)
    june = rep.periods[3]
    assert [ln.credit for ln in june.lines] == [0, 3000]
    assert [ln.earn_back for ln in june.lines] == ["no_credit", "pending"]
    assert (june.owed, june.cap_applied) == (3000, False)
    assert rep.owed == Decimal("3300.00")
    # had June missed for P1, March's P1 credit would be forfeited
    worse = [*RESULTS[:-1], ticket("J2", t(6, 4), 6 * H)]
    rep = contract_credits(c, worse, SERVICE, start=t(3, 1), end=t(6, 30))
    assert rep.periods[0].lines[0].earn_back == "forfeited"
    assert rep.periods[0].owed == 2300
    assert rep.rows()[0]["credit"] == "2000.00"


def test_projection_equals_batch_and_follows_updates() -> None:
    c = load_contract(EXAMPLE)
    kw: dict[str, Any] = {"start": t(3, 1), "end": t(6, 30)}
    proj = CreditProjection(c, **kw)
    for r in RESULTS:
        proj.update(r)
    for e in SERVICE:
        proj.add(e)
    assert proj.report() == contract_credits(c, RESULTS, SERVICE, **kw)
    # the breached March ticket is re-evaluated as met: 100 %, no March credit for P1
    fixed = ticket("M9", t(3, 20), 3 * H)
    proj.update(fixed)
    again = [fixed if r.ticket_id == "M9" else r for r in RESULTS]
    assert proj.report() == contract_credits(c, again, SERVICE, **kw)
    assert proj.report().periods[0].lines[0].credit == 0
    proj.remove("J2")
    proj.set_invoice("2026-06", Decimal("40000"))
    expect = contract_credits(c, [r for r in again if r.ticket_id != "J2"], SERVICE,
                              invoices={"2026-06": 40000}, **kw)
    assert proj.report() == expect
    # June: only the wan level, 40,000 x 10 % x 50 % x 60 % = 1,200
    assert expect.periods[3].owed == Decimal("1200.00")


# --------------------------------------------------------------------------- properties

percents = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def bands(draw: st.DrawFn) -> CreditBand:
    lo = draw(st.none() | percents)
    hi = draw(st.none() | percents)
    if lo is None and hi is None:
        hi = Decimal(99)
    if lo is not None and hi is not None and lo >= hi:
        lo, hi = (hi, lo) if hi < lo else (lo, lo + 1)
    return CreditBand(lower=lo, upper=hi, credit_percent=draw(percents))


@settings(max_examples=examples(80), deadline=None)
@given(st.lists(bands(), min_size=1, max_size=6),
       st.fractions(min_value=0, max_value=100, max_denominator=10**6))
def test_the_most_severe_matching_band_wins(bs: list[CreditBand], pct: Fraction) -> None:
    chosen = select_band(bs, pct)
    matching = [b for b in bs if b.matches(pct)]
    if not matching:
        assert chosen is None
        return
    assert chosen is not None and chosen.matches(pct)
    assert chosen.credit_percent == max(b.credit_percent for b in matching)
    for b in matching:  # half-open: lower inclusive, upper exclusive
        assert b.lower is None or pct >= b.lower
        assert b.upper is None or pct < b.upper


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.tuples(st.lists(bands(), min_size=1, max_size=3), percents,
                          st.lists(st.none() | st.fractions(0, 1, max_denominator=1000),
                                   min_size=6, max_size=6)),
                min_size=1, max_size=4),
       st.none() | percents, st.none() | st.decimals(0, 10**6, places=2),
       st.lists(st.decimals(0, 10**7, places=2), min_size=6, max_size=6),
       percents, percents, st.none() | st.integers(1, 3))
def test_credits_never_exceed_the_cap(
        levels: list[Any], cap_pct: Decimal | None, cap_amount: Decimal | None,
        invoices: list[Decimal], at_risk: Decimal, pool: Decimal, earn: int | None) -> None:
    cap = None if cap_pct is None and cap_amount is None else {
        "percent_of_invoice": cap_pct, "amount": cap_amount}
    c = parse_contract({
        "id": "c", "vendor": "v", "at_risk_percent": at_risk, "pool_percent": pool,
        "cap": cap, "earn_back": None if earn is None else {"periods": earn},
        "service_levels": [{"id": f"s{i}", "measure": "compliance", "target_percent": 95,
                            "allocation_percent": alloc, "bands": bs}
                           for i, (bs, alloc, _) in enumerate(levels)]})
    measured = {f"s{i}": {p.key: m for p, m in zip(JAN_JUN, ms, strict=True)}
                for i, (_, _, ms) in enumerate(levels)}
    rep = credit_report(c, measured, periods=JAN_JUN,
                        invoices={p.key: inv for p, inv in zip(JAN_JUN, invoices, strict=True)})
    for p in rep.periods:
        assert 0 <= p.owed <= p.cap <= p.invoice
        if cap_pct is not None:
            assert p.owed <= p.invoice * cap_pct / 100 + Decimal("0.005")
        if cap_amount is not None:
            assert p.owed <= cap_amount
        assert p.owed == min(p.before_cap, p.cap)
        assert p.cap_applied == (p.before_cap > p.cap)
        for line in p.lines:
            assert 0 <= line.owed <= line.credit <= line.base + Decimal("0.005")


@settings(max_examples=examples(20), deadline=None)
@given(st.randoms(use_true_random=False))
def test_projection_equals_batch_in_any_order(rnd: random.Random) -> None:
    c = load_contract(EXAMPLE)
    kw: dict[str, Any] = {"start": t(3, 1), "end": t(6, 30)}
    results = rnd.sample(RESULTS, rnd.randint(0, len(RESULTS)))
    events = rnd.sample(SERVICE, rnd.randint(0, len(SERVICE)))
    proj = CreditProjection(c, **kw)
    feed: list[Any] = [*results, *events, *results[:2]]
    rnd.shuffle(feed)
    for item in feed:
        if isinstance(item, TicketSla):
            proj.update(item)
        else:
            proj.add(item)
    assert proj.report() == contract_credits(c, results, events, **kw)
