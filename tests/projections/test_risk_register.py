"""Risk register (``slacore.projections.risk_register``) on hand-built results.

Monthly periods (UTC); ``as_of`` 2026-04-15, window 3 = Feb, Mar, Apr; threshold 2.

service email: E1 breached (Feb), E2 breached + E3 met (Mar), E4 met (Apr)
               -> breaching in Feb and Mar: 2 of 3, a risk (2 breaches on E1, E2).
service vpn:   P1 breached (Jan, outside the window), P2 breached (Mar) -> 1 of 3: no risk.
vendor acme:   E1, E2 and P2 -> breaching in Feb and Mar (E2, P2): a risk with 3 breaches.
With ``compliance_below=0.6``: email Mar is 1 of 2 = 0.5 (breaching), Feb 0 of 1
(breaching), Apr 1 of 1: still 2 of 3.  With ``threshold=3`` nothing qualifies.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.policies import Cycle, TicketSla
from slacore.projections import RiskRegisterError, RiskRegisterProjection, risk_register
from slacore.testing.profiles import examples

UTC = timezone.utc
H = timedelta(hours=1)
AS_OF = datetime(2026, 4, 15, tzinfo=UTC)


def cyc(stopped: datetime, breached: bool, state: str = "stopped") -> Cycle:
    elapsed = 5 * H if breached else 3 * H
    return Cycle(
        metric="resolution", index=0, started_at=stopped - 6 * H, stopped_at=stopped,
        state=state, end_reason=None, target=4 * H, tier=0,  # type: ignore[arg-type]
        calendar="always", elapsed=elapsed, paused=timedelta(0), excluded=timedelta(0),
        breached=breached, breached_at=stopped - H if breached else None, due_at=None,
        warnings=(), segments=(), start_event_id="e0", stop_event_id="e9")


def ticket(tid: str, month: int, breached: bool, **fields: Any) -> TicketSla:
    return TicketSla(ticket_id=tid, policy_id="p", policy_version=1, as_of=None,
                     metrics={"resolution": (cyc(datetime(2026, month, 10, tzinfo=UTC),
                                                 breached),)},
                     fields=fields)


RESULTS = [
    ticket("E1", 2, True, service="email", vendor="acme"),
    ticket("E2", 3, True, service="email", vendor="acme"),
    ticket("E3", 3, False, service="email"),
    ticket("E4", 4, False, service="email"),
    ticket("P1", 1, True, service="vpn"),
    ticket("P2", 3, True, service="vpn", vendor="acme"),
]


def test_hand_computed_register() -> None:
    reg = risk_register(RESULTS, as_of=AS_OF)
    assert reg.window == ("2026-02", "2026-03", "2026-04")
    assert [(e.key, e.value) for e in reg.entries] == [("vendor", "acme"), ("service", "email")]
    email = reg.entry("service", "email")
    assert email is not None
    assert (email.breaching, email.window, email.periods, email.breaches, email.tickets) == (
        2, 3, ("2026-02", "2026-03"), 2, ("E1", "E2"))
    assert [(p.period, p.met, p.breached, p.breaching, p.tickets) for p in email.evidence] == [
        ("2026-02", 0, 1, True, ("E1",)),
        ("2026-03", 1, 1, True, ("E2",)),
        ("2026-04", 1, 0, False, ()),
    ]
    assert email.summary == ("service 'email' breached in 2 of the last 3 periods "
                             "(2026-02, 2026-03): 2 breached cycles on 2 tickets")
    acme = reg.entry("vendor", "acme")
    assert acme is not None and acme.breaches == 3 and acme.tickets == ("E1", "E2", "P2")
    assert reg.entry("service", "vpn") is None
    assert risk_register(RESULTS, as_of=AS_OF, threshold=3).entries == ()


def test_compliance_threshold_and_min_breaches() -> None:
    reg = risk_register(RESULTS, as_of=AS_OF, subjects=["service"], compliance_below="0.6")
    assert [e.value for e in reg.entries] == ["email"]
    assert risk_register(RESULTS, as_of=AS_OF, min_breaches=2).entries == ()
    # a window of 4 months reaches January: vpn breached in Jan and Mar
    wide = risk_register(RESULTS, as_of=AS_OF, window=4, subjects=["service"])
    vpn = wide.entry("service", "vpn")
    assert vpn is not None and vpn.periods == ("2026-01", "2026-03")


def test_running_cycles_and_missing_fields_are_not_counted() -> None:
    running = TicketSla(ticket_id="R", policy_id="p", policy_version=1, as_of=AS_OF,
                        metrics={"resolution": (cyc(datetime(2026, 3, 1, tzinfo=UTC), True,
                                                    "running"),)},
                        fields={"service": "vpn"})
    nobody = ticket("N", 2, True)
    reg = risk_register([*RESULTS, running, nobody], as_of=AS_OF)
    assert reg == risk_register(RESULTS, as_of=AS_OF)


def test_custom_periods_window() -> None:
    quarters = [("Q4", datetime(2025, 10, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
                ("Q1", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
                ("Q2", datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))]
    reg = risk_register(RESULTS, as_of=AS_OF, period=quarters, window=2, threshold=1,
                        subjects=["service"])
    assert reg.window == ("Q1", "Q2")
    assert [e.value for e in reg.entries] == ["email", "vpn"]


def test_errors() -> None:
    with pytest.raises(RiskRegisterError, match="threshold"):
        risk_register([], as_of=AS_OF, window=2, threshold=3)
    with pytest.raises(RiskRegisterError, match="window"):
        risk_register([], as_of=AS_OF, window=0)
    with pytest.raises(RiskRegisterError, match="compliance_below"):
        risk_register([], as_of=AS_OF, compliance_below=2)
    with pytest.raises(RiskRegisterError, match="as_of"):
        risk_register([], as_of=datetime(2026, 4, 1))
    with pytest.raises(RiskRegisterError, match="window must be 1"):
        risk_register([], as_of=AS_OF, period="all")


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.integers(1, 6),
                          st.booleans(), st.sampled_from(["email", "vpn"]),
                          st.sampled_from(["acme", "telco", None])), max_size=20),
       st.randoms(use_true_random=False), st.integers(1, 3))
def test_incremental_equals_batch(updates: list[tuple[str, int, bool, str, str | None]],
                                  rnd: random.Random, threshold: int) -> None:
    proj = RiskRegisterProjection(window=3, threshold=threshold)
    latest: dict[str, TicketSla] = {}
    for tid, month, breached, service, vendor in updates:
        fields = {"service": service} | ({"vendor": vendor} if vendor else {})
        result = ticket(tid, month, breached, **fields)
        proj.update(result)
        latest[tid] = result
        if rnd.random() < 0.2:
            proj.remove(tid)
            del latest[tid]
    as_of = datetime(2026, 5, 20, tzinfo=UTC)
    batch = risk_register(latest.values(), as_of=as_of, threshold=threshold)
    assert proj.report(as_of) == batch
    for entry in batch.entries:
        assert entry.breaching >= threshold
        assert entry.breaches == sum(p.breached for p in entry.evidence)
