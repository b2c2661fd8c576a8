"""Vendor scorecards (``slacore.projections.vendor_scorecard``) and RCA obligations.

Calendar ``business``: Mon–Fri 09:00–17:00 UTC; the week of Mon 2026-03-02.  UC clocks
``uc_acme`` / ``uc_telco`` (4 h) start when the vendor takes the ticket and run only while
it holds it; they stop on ``resolved`` and resume on ``reopened``.  RCA deadline: 8 h of
business time.  Hand-off acknowledgement target: 2 h.

V1: opened Mon 09:00 (no vendor); to acme Mon 10:00; status wip 11:00 (ack after 1 h, in
    time); resolved 12:00 (acme fix, reopened); reopened 14:00; resolved 15:00 (acme fix).
    uc_acme 10–12 + 14–15 = 3 h, met.  RCA requested Mon 16:00 (owed by the ticket's vendor,
    acme): due Mon 16–17 + Tue 09–16 = Tue 16:00; delivered Tue 15:00: on time.
V2: opened Tue 09:00 with telco; resolved Tue 15:00 (telco fix).  uc_telco 6 h, breached.
    RCA requested Tue 15:00 naming telco: due Tue 15–17 + Wed 09–15 = Wed 15:00; never
    delivered: overdue as of Fri 09:00.
V3: opened Wed 09:00; to telco Wed 10:00; agent responds Wed 14:00 (ack after 4 h, late);
    to acme Wed 15:00; resolved Thu 12:00 (acme's ack and fix, after Wed 15–17 + Thu 09–12 =
    5 h, late).  uc_telco Wed 10–15 = 5 h, breached; uc_acme 5 h, breached.

KPIs         acme                          telco
uc           1 of 2 met = 50               0 of 2 = 0
responsive   1 of 2 in time = 50           0 of 1 = 0
reopen rate  1 of 3 fixes = 100/3 %        0 of 1 = 0 %
  score      100 − 100/3 = 200/3           100
rca          1 of 1 on time = 100          0 of 1 (overdue) = 0
uptime       99.5 − 99.9 = −0.4 → 60       99.95 − 99.9 = 0.05 → 105, clamped 100
weights .4 .2 .2 .1 .1:
acme  = 20 + 10 + 40/3 + 10 + 6 = 178/3 (59.33)      telco = 0 + 0 + 20 + 0 + 10 = 30
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

from slacore.clock import BusinessCalendar
from slacore.events import InvalidEvent, parse_event
from slacore.policies import evaluate, parse_policy
from slacore.projections import (
    InvalidScorecardConfig,
    Normalisation,
    RcaError,
    UptimeFigure,
    VendorScorecardProjection,
    holder_metrics,
    holder_scorecard,
    holdings,
    parse_scorecard_config,
    rca_obligations,
    rca_report,
    vendor_scorecard,
)
from slacore.projections.rca import RcaObligation
from slacore.projections.vendor import KPI_NAMES, score_vendor
from slacore.testing.profiles import examples
from slacore.testing.sla_strategies import ticket_lives

UTC = timezone.utc
H = timedelta(hours=1)
CAL = BusinessCalendar("UTC", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu",
                                                                    "fri")})
CALS = {"business": CAL}
AS_OF = datetime(2026, 3, 6, 9, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def uc(vendor: str) -> dict[str, Any]:
    return {"start": {"on": ["opened", "updated"], "when": {"vendor": [vendor]}},
            "stop": {"on": ["resolved"]}, "reopen": "resume",
            "run_only_when": {"vendor": [vendor]}, "targets": [{"target": "4h"}]}


POLICY = parse_policy({
    "id": "uc", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
    "calendar": "business",
    "metrics": {"uc_acme": uc("acme"), "uc_telco": uc("telco"),
                "rca": {"start": {"on": ["rca_requested"]}, "stop": {"on": ["rca_delivered"]},
                        "targets": [{"target": "8h"}]}},
}, calendars=CALS)
UC = {"uc_acme": "acme", "uc_telco": "telco"}


def ev(tid: str, n: int, kind: str, when: datetime, **payload: Any) -> dict[str, Any]:
    return {"type": kind, "event_id": f"{tid}-{n}", "ticket_id": tid, "at": when.isoformat(),
            **payload}


TICKETS: dict[str, list[dict[str, Any]]] = {
    "V1": [
        ev("V1", 0, "opened", at(2, 9), fields={"status": "new"}),
        ev("V1", 1, "updated", at(2, 10), changes={"vendor": "acme"}),
        ev("V1", 2, "updated", at(2, 11), changes={"status": "wip"}),
        ev("V1", 3, "resolved", at(2, 12)),
        ev("V1", 4, "reopened", at(2, 14)),
        ev("V1", 5, "resolved", at(2, 15)),
        ev("V1", 6, "rca_requested", at(2, 16)),
        ev("V1", 7, "rca_delivered", at(3, 15)),
    ],
    "V2": [
        ev("V2", 0, "opened", at(3, 9), fields={"vendor": "telco"}),
        ev("V2", 1, "resolved", at(3, 15)),
        ev("V2", 2, "rca_requested", at(3, 15), vendor="telco", rca_id="R-7"),
    ],
    "V3": [
        ev("V3", 0, "opened", at(4, 9), fields={"status": "new"}),
        ev("V3", 1, "updated", at(4, 10), changes={"vendor": "telco"}),
        ev("V3", 2, "agent_responded", at(4, 14)),
        ev("V3", 3, "updated", at(4, 15), changes={"vendor": "acme"}),
        ev("V3", 4, "resolved", at(5, 12)),
    ],
}
CONFIG = {"kpis": {"uc_compliance": {"weight": "0.4"}, "responsiveness": {"weight": "0.2"},
                   "reopen_rate": {"weight": "0.2"}, "rca_on_time": {"weight": "0.1"},
                   "uptime": {"weight": "0.1"}}}
UPTIME = {("acme", "all"): UptimeFigure(Decimal("99.5"), Decimal("99.9")),
          ("telco", "all"): UptimeFigure(Decimal("99.95"), Decimal("99.9"))}


def inputs() -> tuple[list[Any], list[Any], list[RcaObligation]]:
    results = [evaluate(POLICY, evs, calendars=CALS, as_of=AS_OF) for evs in TICKETS.values()]
    holds = [holdings(evs, field="vendor") for evs in TICKETS.values()]
    rcas = [ob for evs in TICKETS.values()
            for ob in rca_obligations(evs, deadline=8 * H, calendar=CAL)]
    return results, holds, rcas


def card() -> Any:
    results, holds, rcas = inputs()
    ucs = holder_scorecard(results, holds, field="vendor", metrics=UC, calendar=CAL,
                           ack_target=2 * H)
    return vendor_scorecard(ucs, config=CONFIG, rca=rca_report(rcas, as_of=AS_OF),
                            uptime=UPTIME)


# --------------------------------------------------------------------------- events, RCA


def test_rca_events_parse_and_validate() -> None:
    e = parse_event(ev("X", 0, "rca_requested", at(2, 9), rca_id="R1", vendor="acme"))
    assert e.type == "rca_requested" and e.rca_id == "R1" and e.vendor == "acme"  # type: ignore[union-attr]
    d = parse_event(ev("X", 1, "rca_delivered", at(2, 9)))
    assert d.type == "rca_delivered" and d.rca_id is None  # type: ignore[union-attr]
    with pytest.raises(InvalidEvent, match="deadline"):
        parse_event(ev("X", 2, "rca_requested", at(2, 9), deadline="8h"))


def test_rca_clock_hand_computed() -> None:
    (o1,) = rca_obligations(TICKETS["V1"], deadline=8 * H, calendar=CAL)
    assert (o1.vendor, o1.rca_id, o1.requested_at, o1.due_at, o1.delivered_at) == (
        "acme", "rca", at(2, 16), at(3, 16), at(3, 15))
    assert o1.on_time and o1.status() == "on_time"
    (o2,) = rca_obligations(TICKETS["V2"], deadline=8 * H, calendar=CAL)
    assert (o2.vendor, o2.rca_id, o2.due_at, o2.delivered_at) == ("telco", "R-7", at(4, 15), None)
    assert o2.on_time is None
    assert o2.status(at(4, 15)) == "outstanding"  # due at 15:00 exactly: not yet late
    assert o2.status(at(4, 15, 1)) == "overdue"
    assert o2.status() == "outstanding"
    # as_of before the delivery: still open
    (o1_early,) = rca_obligations(TICKETS["V1"], deadline=8 * H, calendar=CAL,
                                  as_of=at(3, 12))
    assert o1_early.delivered_at is None and o1_early.status(at(3, 12)) == "outstanding"
    # a per-vendor deadline
    (o3,) = rca_obligations(TICKETS["V1"], deadline=8 * H, calendar=CAL,
                            deadlines={"acme": 2 * H})
    assert o3.due_at == at(3, 10) and o3.status() == "late"


def test_rca_clock_agrees_with_a_policy_metric_on_the_new_events() -> None:
    for tid in ("V1", "V2"):
        (ob,) = rca_obligations(TICKETS[tid], deadline=8 * H, calendar=CAL)
        (cycle,) = evaluate(POLICY, TICKETS[tid], calendars=CALS, as_of=AS_OF).metrics["rca"]
        assert cycle.due_at == ob.due_at
        assert cycle.breached == (ob.status(AS_OF) in ("late", "overdue"))


def test_rca_repeats_and_orphans() -> None:
    evs = [ev("R", 0, "opened", at(2, 9), fields={"vendor": "acme"}),
           ev("R", 1, "rca_delivered", at(2, 9, 30)),  # nothing requested yet: ignored
           ev("R", 2, "rca_requested", at(2, 10)),
           ev("R", 3, "rca_requested", at(2, 11)),  # repeated: the first counts
           ev("R", 4, "rca_requested", at(2, 11), rca_id="B", vendor="telco"),
           ev("R", 5, "rca_delivered", at(2, 12)),
           ev("R", 6, "rca_delivered", at(2, 13))]  # delivered again: the first counts
    a, b = rca_obligations(evs, deadline=H)
    assert (a.rca_id, a.requested_at, a.due_at, a.delivered_at) == (
        "rca", at(2, 10), at(2, 11), at(2, 12))
    assert a.status() == "late"
    assert (b.rca_id, b.vendor, b.delivered_at) == ("B", "telco", None)
    with pytest.raises(RcaError, match="deadline"):
        rca_obligations(evs, deadline=-H)


def test_rca_report() -> None:
    _, _, rcas = inputs()
    report = rca_report(rcas, as_of=AS_OF, period="day")
    acme = report.row_of("acme", "2026-03-03")
    telco = report.row_of("telco", "2026-03-04")
    assert acme is not None and telco is not None
    assert (acme.requested, acme.on_time, acme.on_time_rate) == (1, 1, 1)
    assert (telco.overdue, telco.on_time_rate, telco.missed) == (1, 0, (("V2", "R-7"),))
    assert rca_report(rcas).row_of("telco") is not None
    assert rca_report(rcas).row_of("telco").outstanding == 1  # type: ignore[union-attr]


# --------------------------------------------------------------------------- scorecard


def test_uc_scorecard_inputs() -> None:
    results, holds, _ = inputs()
    assert holder_metrics(POLICY, "vendor") == UC
    ucs = holder_scorecard(results, holds, field="vendor", metrics=UC, calendar=CAL,
                           ack_target=2 * H)
    acme, telco = ucs.row_of("acme"), ucs.row_of("telco")
    assert acme is not None and telco is not None
    assert (acme.met, acme.breached, telco.met, telco.breached) == (1, 1, 0, 2)
    assert (acme.acks_in_time, acme.acks_judged, telco.acks_in_time, telco.acks_judged) == (
        1, 2, 0, 1)
    assert (acme.fixes, acme.fixes_reopened, telco.fixes, telco.fixes_reopened) == (3, 1, 1, 0)
    # held: acme V1 10–12 + 14–15 and V3 5 h; telco V2 6 h and V3 5 h
    assert (acme.held, telco.held) == (8 * H, 11 * H)


def test_vendor_scorecard_hand_computed() -> None:
    scored = card()
    acme = scored.row_of("acme")
    telco = scored.row_of("telco")
    assert acme is not None and telco is not None
    assert [k.kpi for k in acme.kpis] == list(KPI_NAMES)
    assert [k.value for k in acme.kpis] == [50, 50, Fraction(100, 3), 100, Fraction(-2, 5)]
    assert [k.score for k in acme.kpis] == [50, 50, Fraction(200, 3), 100, 60]
    assert acme.score == Fraction(178, 3) and acme.score_pct == Decimal("59.33")
    assert [k.score for k in telco.kpis] == [0, 0, 100, 0, 100]
    assert telco.score == 30
    reopen = acme.kpi("reopen_rate")
    assert reopen.normalisation == "linear: 0 at 100, 100 at 0, clamped to [0, 100]"
    assert reopen.calculation == "100 × (≈33.3333 − 100) / (0 − 100) = ≈66.6667"
    assert reopen.basis == "1 of 3 fixes reopened"
    up = telco.kpi("uptime")
    assert up.calculation == "100 × (0.05 − -1) / (0 − -1) = 105 → clamped to 100"
    assert up.effective_weight == Fraction(1, 10) and up.contribution == 10
    # per period: all in March, uptime given only for the overall line
    march = scored.row_of("acme", "2026-03")
    assert march is not None and march.kpi("uptime").value is None
    # without uptime, the other weights are rescaled over 0.9
    assert march.score == (20 + 10 + Fraction(40, 3) + 10) / Fraction(9, 10)
    assert march.kpi("uc_compliance").effective_weight == Fraction(4, 9)
    assert scored.model_dump(mode="json")["vendors"][0]["score"] == "178/3"


def test_kpis_without_data_are_left_out() -> None:
    cfg = parse_scorecard_config({"kpis": {"rca_on_time": {"weight": 0.5},
                                           "uptime": {"weight": 0.5}}})
    empty = score_vendor(cfg, period="all", period_start=None, period_end=None, vendor="v")
    assert empty.score is None and all(k.score is None for k in empty.kpis)
    half = score_vendor(cfg, period="all", period_start=None, period_end=None, vendor="v",
                        uptime=UptimeFigure(Decimal("99"), Decimal("99.5")))
    assert half.score == 50 and half.kpi("uptime").effective_weight == 1


def test_config_is_validated() -> None:
    with pytest.raises(InvalidScorecardConfig, match=r"sum to 1, not 0\.9"):
        parse_scorecard_config({"kpis": {"uptime": {"weight": 0.5}, "uc_compliance":
                                         {"weight": 0.4}}})
    with pytest.raises(InvalidScorecardConfig, match=r"kpis\.speed"):
        parse_scorecard_config({"kpis": {"speed": {"weight": 1}}})
    with pytest.raises(InvalidScorecardConfig, match="weight"):
        parse_scorecard_config({"kpis": {"uptime": {"weight": 1.5}}})
    with pytest.raises(InvalidScorecardConfig, match="worst and best must differ"):
        parse_scorecard_config({"kpis": {"uptime": {"weight": 1,
                                                    "normalise": {"worst": 1, "best": 1}}}})
    with pytest.raises(InvalidScorecardConfig):
        parse_scorecard_config({"kpis": {}})
    # 0.1 + 0.2 + 0.7 is exactly 1 in decimals (a float sum would not be)
    assert parse_scorecard_config({"kpis": {"uptime": {"weight": 0.1}, "uc_compliance":
                                            {"weight": 0.2}, "rca_on_time": {"weight": 0.7}}})


# --------------------------------------------------------------------------- properties

percent = st.fractions(min_value=0, max_value=100)


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(KPI_NAMES), min_size=1, max_size=5, unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(names) - 1,
                                max_size=len(names) - 1)))
    bounds = [0, *cuts, 100]
    kpis: dict[str, Any] = {}
    for name, lo, hi in zip(names, bounds, bounds[1:], strict=False):
        kpi: dict[str, Any] = {"weight": str(Decimal(hi - lo) / 100)}
        if draw(st.booleans()):
            worst, best = draw(st.lists(st.integers(-200, 200), min_size=2, max_size=2,
                                        unique=True))
            kpi["normalise"] = {"worst": worst, "best": best}
        kpis[name] = kpi
    return {"kpis": kpis}


@settings(max_examples=examples(100), deadline=None)
@given(configs(), st.integers(0, 5), st.integers(0, 5), st.integers(0, 5), st.integers(0, 5),
       st.decimals(min_value=-5, max_value=5, places=3))
def test_scores_lie_in_0_100_and_weights_sum_to_1(
        data: dict[str, Any], met: int, due_extra: int, fixes: int, reopened: int,
        gap: Decimal) -> None:
    cfg = parse_scorecard_config(data)
    ucs = holder_scorecard([], [])  # no rows; build a row by hand through score_vendor
    assert ucs.rows == ()
    from slacore.projections.scorecards import HolderRow
    row = HolderRow(
        period="all", period_start=None, period_end=None, holder="v", cycles=met + due_extra,
        met=met, breached=due_extra, running=0, running_breached=0, cancelled=0,
        compliance=None, held=timedelta(0), stints=0, handoffs_in=0, handoffs_out=0, acks=0,
        ack_time=timedelta(0), acks_judged=met + due_extra, acks_in_time=met,
        responsiveness=None, fixes=fixes + reopened, fixes_reopened=reopened,
        reopen_rate=None, parent_cycles=0, parent_elapsed=timedelta(0), parent_share=None,
        parent_breaches=0, parent_breached_elapsed=timedelta(0))
    scored = score_vendor(cfg, period="all", period_start=None, period_end=None, vendor="v",
                          uc=row, uptime=UptimeFigure(Decimal("99.9") + gap, Decimal("99.9")))
    for k in scored.kpis:
        assert k.score is None or 0 <= k.score <= 100
    effective = [k.effective_weight for k in scored.kpis if k.effective_weight is not None]
    if scored.score is not None:
        assert 0 <= scored.score <= 100
        assert sum(effective) == 1
        assert scored.score == sum(k.contribution for k in scored.kpis
                                   if k.contribution is not None)


@settings(max_examples=examples(100), deadline=None)
@given(st.integers(-300, 300), st.integers(-300, 300), percent)
def test_normalisation_is_clamped_and_monotone(worst: int, best: int, value: Fraction) -> None:
    if worst == best:
        return
    norm = Normalisation(worst=Decimal(worst), best=Decimal(best))
    a, b = norm.score(value), norm.score(value + 1)
    assert 0 <= a <= 100 and 0 <= b <= 100
    assert (a <= b) if best > worst else (a >= b)
    assert norm.score(Fraction(best)) == 100 and norm.score(Fraction(worst)) == 0


@st.composite
def ticket_sets(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    n = draw(st.integers(1, 4))
    out = []
    for i in range(n):
        evs = draw(ticket_lives(ticket_id=f"T{i}"))
        if draw(st.booleans()) and len(evs) > 1:
            evs.append({"type": "rca_requested", "event_id": f"T{i}-rq", "ticket_id": f"T{i}",
                        "at": evs[1]["at"]})
            if draw(st.booleans()):
                evs.append({"type": "rca_delivered", "event_id": f"T{i}-rd",
                            "ticket_id": f"T{i}", "at": evs[-2]["at"]})
        out.append(evs)
    return out


@settings(max_examples=examples(25), deadline=None)
@given(ticket_sets(), st.randoms(use_true_random=False))
def test_incremental_equals_batch(tickets: list[list[dict[str, Any]]],
                                  rnd: random.Random) -> None:
    # the generated lives hand tickets between groups: score the groups as "vendors"
    policy = parse_policy({
        "id": "p", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
        "calendar": "business",
        "metrics": {"uc_net": {**uc("network"),
                               "start": {"on": ["opened", "updated"],
                                         "when": {"assignment_group": ["network"]}},
                               "run_only_when": {"assignment_group": ["network"]}}},
    }, calendars=CALS)
    args: dict[str, Any] = {"field": "assignment_group", "metrics": {"uc_net": "network"},
                            "period": "week", "calendar": CAL, "ack_target": H}
    proj = VendorScorecardProjection(config=CONFIG, **args)
    latest: dict[str, Any] = {}
    steps = [evs[:k] for evs in tickets for k in range(1, len(evs) + 1)]
    rnd.shuffle(steps)
    for prefix in steps:
        tid = prefix[0]["ticket_id"]
        triple = (evaluate(policy, prefix, calendars=CALS),
                  holdings(prefix, field="assignment_group"),
                  rca_obligations(prefix, deadline=4 * H, calendar=CAL))
        proj.update(*triple)
        latest[tid] = triple
        if rnd.random() < 0.1:
            proj.remove(tid)
            del latest[tid]
    as_of = datetime(2026, 3, 20, tzinfo=UTC)
    ucs = holder_scorecard([t[0] for t in latest.values()], [t[1] for t in latest.values()],
                           **args)
    batch = vendor_scorecard(
        ucs, config=CONFIG,
        rca=rca_report([o for t in latest.values() for o in t[2]], as_of=as_of, period="week"))
    assert proj.report(as_of=as_of) == batch
    for row in (*batch.rows, *batch.vendors):
        assert row.score is None or 0 <= row.score <= 100
