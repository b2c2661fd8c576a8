"""Crisis detection: spans with many cycles at risk or breached at once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.policies import Cycle, TicketSla, Warning
from slacore.projections import CrisisError, detect_crises
from slacore.testing.profiles import examples

UTC = timezone.utc
H = timedelta(hours=1)
M = timedelta(minutes=1)
ZERO = timedelta(0)


def t(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


def cyc(*, breached_at: datetime | None = None, stopped: datetime | None = None,
        warnings: tuple[Warning, ...] = (), metric: str = "resolution") -> Cycle:
    start = t(0)
    state = "stopped" if stopped is not None else "running"
    return Cycle(
        metric=metric, index=0, started_at=start, stopped_at=stopped,
        state=state,  # type: ignore[arg-type]
        end_reason=None, target=H, tier=0, calendar="business", elapsed=2 * H if breached_at
        else ZERO, paused=ZERO, excluded=ZERO, breached=breached_at is not None,
        breached_at=breached_at, due_at=start + H, warnings=warnings, segments=(),
        start_event_id="e0", stop_event_id=None,
    )


def ticket(tid: str, cycle: Cycle, **fields: Any) -> TicketSla:
    return TicketSla(ticket_id=tid, policy_id="std", policy_version=1, as_of=t(23),
                     metrics={cycle.metric: (cycle,)}, fields=dict(fields))


# mail: A breached 10:00-12:00, B warned (3/4) 10:30 and breached 10:45, stopped 11:15,
# C breached 11:00, still open.  web: D breached 10:10-10:20; E warned only at 1/2 at 10:15.
DATA = [
    ticket("A", cyc(breached_at=t(10), stopped=t(12)), service="mail", customer="acme"),
    ticket("B", cyc(breached_at=t(10, 45), stopped=t(11, 15),
                    warnings=(Warning(Fraction(3, 4), t(10, 30)),)),
           service="mail", customer="zeta"),
    ticket("C", cyc(breached_at=t(11)), service="mail", customer="acme"),
    ticket("D", cyc(breached_at=t(10, 10), stopped=t(10, 20)), service="web",
           customer="acme"),
    ticket("E", cyc(warnings=(Warning(Fraction(1, 2), t(10, 15)),)), service="web",
           customer="acme"),
    ticket("F", cyc(), service="web"),  # never at risk
]


def test_across_everything() -> None:
    rep = detect_crises(DATA, threshold=3)
    # alerting: A 10:00-12:00, D 10:10-10:20, E 10:15-, B 10:30-11:15, C 11:00-
    # counts: 10:00 1, 10:10 2, 10:15 3 (start), 10:20 2 (end) ; 10:30 3 (start),
    # 11:00 4 (peak), 11:15 3, 12:00 2 (end)
    first, second = rep.episodes
    assert (first.start, first.end, first.peak, first.peak_at) == (t(10, 15), t(10, 20), 3,
                                                                   t(10, 15))
    assert first.tickets == ("A", "D", "E") and first.involved == ("mail", "web")
    assert (second.start, second.end, second.peak, second.peak_at) == (t(10, 30), t(12), 4,
                                                                       t(11))
    assert second.tickets == ("A", "B", "C", "E") and second.cycles == 4
    assert rep.ongoing == ()
    rows = rep.rows()
    assert rows[1]["tickets"] == "A,B,C,E" and rows[1]["involved"] == "mail,web"


def test_per_service_and_ongoing() -> None:
    rep = detect_crises(DATA, threshold=2, scope="service", involve="customer")
    # web: D 10:10-10:20 and E from 10:15 (a 1/2 warning counts by default): 10:15-10:20
    # mail: A 10:00-12:00, B from 10:30 (its 3/4 warning), C from 11:00: 10:30-12:00
    web, mail = rep.episodes
    assert (web.scope, web.start, web.end, web.peak) == ({"service": "web"}, t(10, 15),
                                                          t(10, 20), 2)
    assert web.tickets == ("D", "E") and web.involved == ("acme",)
    assert (mail.scope, mail.start, mail.end, mail.peak, mail.peak_at) == (
        {"service": "mail"}, t(10, 30), t(12), 3, t(11))
    assert mail.involved == ("acme", "zeta")
    # threshold 1 for mail: A, B, C overlap from 10:00 and C never stops -> ongoing
    rep = detect_crises(DATA, threshold=1, scope="service")
    ongoing = list(rep.ongoing)  # web: D from 10:10, then E from 10:15 (never stops)
    assert [(e.scope["service"], e.start) for e in ongoing] == [("mail", t(10)),
                                                                ("web", t(10, 10))]


def test_only_breaches_and_window() -> None:
    rep = detect_crises(DATA, threshold=3, min_warning=None)
    # breaches: A 10:00-12:00, D 10:10-10:20, B 10:45-11:15, C 11:00-: 3 at 11:00-11:15
    (ep,) = rep.episodes
    assert (ep.start, ep.end, ep.peak) == (t(11), t(11, 15), 3)
    # warnings at 3/4 or more: B's counts from 10:30, E's (1/2) does not
    rep = detect_crises(DATA, threshold=3, min_warning="0.75")
    # A 10:00-12:00, D 10:10-10:20, B 10:30-11:15, C 11:00-: three at once 11:00-11:15
    assert [(e.start, e.end) for e in rep.episodes] == [(t(11), t(11, 15))]
    # a window of 1 h: D alerts until 11:10, B until 11:45 -> 10:45 (3) .. 11:00 (4) ..
    # 11:10 (3) .. 11:45 (2)
    rep = detect_crises(DATA, threshold=3, min_warning=None, window=H)
    assert [(e.start, e.end, e.peak) for e in rep.episodes] == [(t(10, 45), t(11, 45), 4)]


def test_errors() -> None:
    with pytest.raises(CrisisError):
        detect_crises(DATA, threshold=0)
    with pytest.raises(CrisisError):
        detect_crises(DATA, threshold=1, window=ZERO)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.one_of(st.none(), st.integers(1, 10)),
                          st.sampled_from(["mail", "web"])), max_size=15),
       st.integers(1, 4))
def test_episodes_are_where_the_count_reaches_the_threshold(
    spans: list[tuple[int, int | None, str]], threshold: int,
) -> None:
    data = [ticket(f"T{i}", cyc(breached_at=t(0) + a * M,
                                stopped=None if d is None else t(0) + (a + d) * M),
                   service=svc)
            for i, (a, d, svc) in enumerate(spans)]
    rep = detect_crises(data, threshold=threshold, scope="service")
    for svc in ("mail", "web"):
        mine = [s for s in spans if s[2] == svc]
        eps = [e for e in rep.episodes if e.scope == {"service": svc}]
        for minute in range(0, 40):
            at = t(0) + minute * M
            count = sum(1 for a, d, _ in mine if a <= minute and (d is None or minute < a + d))
            inside = any(e.start <= at and (e.end is None or at < e.end) for e in eps)
            assert inside == (count >= threshold), (svc, minute, count)
        for e in eps:
            assert e.peak >= threshold and e.start <= e.peak_at
            assert e.end is None or e.peak_at < e.end
