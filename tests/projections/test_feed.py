"""Reporting projections fed from the log (``slacore.projections.feed.ReportFeed``).

The invariant: after any sequence of ingestion batches and feed runs — with restarts (a new
process: a new feed, new projections, same view), crashes before a chunk commits, crashes
in the middle of the callbacks after it committed, and another process running the same
view — every projection's ``report()`` equals its pure function over ``evaluate`` of every
ticket's whole history, and equals a feed built from zero.  On memory, SQLite and
PostgreSQL (PostgreSQL tests fail under ``CI=true`` when the server is missing, and are
skipped otherwise).
"""

from __future__ import annotations

import contextlib
import itertools
import random
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.clock import BusinessCalendar
from slacore.events import Anomaly, Conflict, Event, TicketOpened, TicketUpdated, parse_event
from slacore.loading import load_policy
from slacore.log import EventLog, open_log
from slacore.policies import TicketSla, evaluate
from slacore.projections import (
    ComplianceProjection,
    FedTicket,
    FeedError,
    HolderScorecardProjection,
    KpiProjection,
    LatestResults,
    RecurringProjection,
    ReportFeed,
    SlaProjection,
    StaffingProjection,
    Subscriber,
    TrendProjection,
    compliance_report,
    demand_profile,
    holder_scorecard,
    holdings,
    kpi_report,
    recurring_incidents,
    subscriber,
    trend_report,
)
from slacore.testing.profiles import examples

ROOT = Path(__file__).resolve().parents[2]
BUSINESS = BusinessCalendar(
    "Europe/Berlin", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
)
CALENDARS = {"business": BUSINESS, "apac-business": BUSINESS}
POLICY = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=CALENDARS)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
AS_OF = T0 + timedelta(days=30)
_prefixes = itertools.count(1)


# --------------------------------------------------------------------------- workload


def ticket_events(i: int, rng: random.Random) -> list[dict[str, Any]]:
    tid, t = f"T{i:03d}", T0 + timedelta(minutes=rng.randrange(60 * 24 * 20))
    out: list[dict[str, Any]] = [{
        "type": "opened", "event_id": f"{tid}-0", "ticket_id": tid, "at": t.isoformat(),
        "fields": {"priority": rng.choice(["P1", "P2", "P3"]), "status": "new",
                   "service": rng.choice(["email", "vpn"]), "category": rng.choice("ab"),
                   "assignment_group": rng.choice(["desk", "network"])},
    }]
    for k in range(1, rng.randrange(2, 7)):
        t += timedelta(minutes=rng.randrange(1, 900))
        base = {"event_id": f"{tid}-{k}", "ticket_id": tid, "at": t.isoformat()}
        kind = rng.choice(["status", "pause", "group", "response", "resolved", "reopened"])
        if kind == "response":
            out.append({"type": "agent_responded", **base})
        elif kind in ("resolved", "reopened"):
            out.append({"type": kind, **base})
        elif kind == "pause":
            out.append({"type": "updated", **base, "changes": {"status": "awaiting_customer"}})
        elif kind == "status":
            out.append({"type": "updated", **base, "changes": {"status": "in_progress"}})
        else:
            out.append({"type": "updated", **base,
                        "changes": {"assignment_group": rng.choice(["desk", "network"])}})
    return out


def maintenance(k: int, day: int) -> dict[str, Any]:
    start = T0 + timedelta(days=day, hours=2)
    return {"type": "maintenance_scheduled", "event_id": f"m{k}", "service_id": "email",
            "at": T0.isoformat(), "start": start.isoformat(),
            "end": (start + timedelta(hours=5)).isoformat()}


def workload(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events = [e for i in range(n) for e in ticket_events(i, rng)]
    events += [maintenance(k, k) for k in range(0, 20, 4)]
    rng.shuffle(events)  # late and out-of-order
    return events


# --------------------------------------------------------------------------- projections


def projections() -> list[Any]:
    return [
        ComplianceProjection(group_by=("metric", "priority")),
        KpiProjection(as_of=AS_OF, group_by=("priority",)),
        TrendProjection(unit="day", group_by=("metric",), weeks=2),
        RecurringProjection(by=("service", "category"), window=timedelta(days=1),
                            min_tickets=2),
        LatestResults(),
    ]


def mentioned(events: list[Event]) -> list[str]:
    out: set[str] = set()
    for e in events:
        values = e.fields if isinstance(e, TicketOpened) else (
            e.changes if isinstance(e, TicketUpdated) else None)
        service = None if values is None else values.get("service")
        if isinstance(service, str):
            out.add(service)
    return sorted(out)


def expected(log: EventLog) -> list[Any]:
    """The pure functions over ``evaluate`` of every ticket's whole history."""
    pairs = []
    for t in log.tickets():
        events = log.ticket_events(t)
        services = [e for s in mentioned(events) for e in log.service_events(s)]
        pairs.append((events, evaluate(POLICY, events, calendars=CALENDARS,
                                       services=services)))
    results = [r for _, r in pairs]
    return [
        compliance_report(results, group_by=("metric", "priority")),
        kpi_report(pairs, as_of=AS_OF, group_by=("priority",)),
        trend_report(results, unit="day", group_by=("metric",), weeks=2),
        recurring_incidents(results, by=("service", "category"), window=timedelta(days=1),
                            min_tickets=2),
        sorted(results, key=lambda r: r.ticket_id or ""),
    ]


def reports(feed: ReportFeed) -> list[Any]:
    return [p.report() for p in feed.projections]


def new_feed(log: EventLog, *, chunk: int = 1000, name: str = "reports") -> ReportFeed:
    return ReportFeed(log, POLICY, projections(), calendars=CALENDARS, chunk=chunk, name=name)


class Crash(BaseException):
    """A simulated crash (not an ``Exception``: nothing may swallow it)."""


class Flaky(Subscriber):
    """Passes updates on to a projection and crashes on the ``n``-th one."""

    def __init__(self, projection: Any, n: int) -> None:
        super().__init__(projection)
        self.inner = subscriber(projection)
        self.n = n

    def update(self, ticket: FedTicket) -> None:
        self.n -= 1
        if self.n == 0:
            raise Crash("killed while updating the projections")
        self.inner.update(ticket)


# --------------------------------------------------------------------------- back ends


@pytest.fixture(params=("memory", "sqlite", "postgresql"))
def new_url(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """Makes fresh log URLs on one back end (a fresh one per hypothesis example)."""
    backend = str(request.param)
    if backend == "memory":
        yield lambda: "memory://"
        return
    if backend == "postgresql":
        base = str(request.getfixturevalue("pg_schema_url"))
        yield lambda: f"{base}&prefix=f{next(_prefixes)}"
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield lambda: f"sqlite:///{Path(tmp) / f'log{next(_prefixes)}.db'}"


# --------------------------------------------------------------------------- TicketSla JSON


def test_ticket_sla_json_round_trip_is_exact() -> None:
    events = workload(30, seed=4)
    by_ticket: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        if "ticket_id" in e:
            by_ticket.setdefault(e["ticket_id"], []).append(e)
    services = [e for e in events if "service_id" in e]
    for evs in by_ticket.values():
        for as_of in (None, AS_OF, T0 + timedelta(days=3)):
            result = evaluate(POLICY, evs, calendars=CALENDARS, services=services, as_of=as_of)
            text = result.to_json()
            back = TicketSla.from_json(text)
            assert back == result
            assert back.to_json() == text
            assert back.to_dict() == result.to_dict()


def test_the_round_trip_keeps_decimals_conflicts_anomalies_and_warnings() -> None:
    opened = {"type": "opened", "event_id": "o", "ticket_id": "X", "at": "2026-03-02T10:00:00Z",
              "fields": {"priority": "P2", "status": "new",
                         "attributes": {"cost": Decimal("1.50"), "n": 3, "ok": True,
                                        "gone": None}}}
    other = dict(opened, at="2026-03-02T10:00:01Z")
    early = {"type": "agent_responded", "event_id": "r", "ticket_id": "X",
             "at": "2026-03-01T10:00:00Z"}
    late = {"type": "resolved", "event_id": "z", "ticket_id": "X",
            "at": "2026-03-09T10:00:00+05:45"}
    result = evaluate(POLICY, [opened, other, early, late], calendars=CALENDARS)
    assert result.conflicts and result.anomalies
    assert any(c.warnings for c in result.cycles())
    back = TicketSla.from_json(result.to_json())
    assert back == result
    assert isinstance(back.conflicts[0], Conflict) and isinstance(back.anomalies[0], Anomaly)
    assert back.fields["attributes.cost"] == Decimal("1.50")
    assert str(back.fields["attributes.cost"]) == "1.50"
    assert back.fields["attributes.n"] == 3 and back.fields["attributes.ok"] is True
    assert back.fields["attributes.gone"] is None
    assert back.conflicts[0].versions == result.conflicts[0].versions
    assert back.conflicts[0].chosen == result.conflicts[0].chosen == parse_event(opened)


# --------------------------------------------------------------------------- the feed


def test_a_feed_equals_the_pure_reports_and_a_rebuild(new_url: Callable[[], str]) -> None:
    with open_log(new_url()) as log:
        events = workload(40, seed=2)
        feed = new_feed(log, chunk=23)
        assert feed.runner.store_events  # the KPIs need events
        for i in range(0, len(events), 50):
            log.ingest(events[i : i + 50])
            feed.run(max_chunks=1)
        feed.run()
        assert feed.position() == log.head() and feed.lag() == 0
        want = expected(log)
        assert reports(feed) == want
        restarted = new_feed(log)  # a new process: loads the stored results, no replay
        assert restarted.refresh() == 40 and restarted.runner.lag() == 0
        assert reports(restarted) == want
        fresh = new_feed(log, name="fresh", chunk=10_000)
        fresh.run()
        assert reports(fresh) == want
        assert feed.rebuild() == log.head()
        assert reports(feed) == want
        # SlaProjection's own rows are unchanged by storing results.
        plain = SlaProjection(log, POLICY, calendars=CALENDARS, name="plain")
        plain.run()
        assert plain.rows() == feed.runner.rows()


def test_a_crash_in_the_callbacks_after_the_commit_is_repaired_on_the_next_run() -> None:
    with open_log("memory://") as log:
        # ticket by ticket: a ticket is touched by one or two chunks only
        log.ingest(sorted(workload(25, seed=8), key=lambda e: e.get("ticket_id", "")))
        projs = projections()
        feed = ReportFeed(log, POLICY, projs, calendars=CALENDARS, chunk=20)
        feed.subscribers[0] = Flaky(projs[0], 10)
        with pytest.raises(Crash):
            feed.run()
        assert feed.runner.position() > (feed.position() or 0)  # committed, not all fed
        feed.subscribers[0] = subscriber(projs[0])
        feed.runner.run()  # the view runs on; the feed's projections are left behind
        assert reports(feed)[0] != expected(log)[0]
        feed.run()
        assert reports(feed) == expected(log)


def test_a_crash_before_the_commit_leaves_nothing_half_done(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with open_log("memory://") as log:
        log.ingest(workload(25, seed=9))
        feed = new_feed(log, chunk=20)
        real = feed.runner.view.apply
        calls: list[int] = []

        def crash_on_third(*args: Any) -> None:
            calls.append(args[2])
            if len(calls) == 3:
                raise Crash("killed while writing the view")
            real(*args)

        monkeypatch.setattr(feed.runner.view, "apply", crash_on_third)
        with pytest.raises(Crash):
            feed.run()
        monkeypatch.undo()
        assert feed.position() == feed.runner.position() == calls[1]
        feed.run()
        assert reports(feed) == expected(log)


def test_a_feed_follows_a_view_another_process_runs() -> None:
    with open_log("memory://") as log:
        events = workload(30, seed=6)
        reader = new_feed(log)
        writer = new_feed(log)
        log.ingest(events[:60])
        writer.run()
        assert reader.refresh() > 0 and reader.position() == writer.position()
        log.ingest(events[60:])
        writer.run(max_chunks=1)
        reader.run()  # runs the rest itself, after reading what the writer stored
        assert reports(reader) == expected(log)
        writer.rebuild()  # the view went back to zero and came back
        reader.refresh()
        assert reports(reader) == expected(log)


def test_a_view_built_without_results_is_refused() -> None:
    with open_log("memory://") as log:
        log.ingest(workload(5, seed=1))
        SlaProjection(log, POLICY, calendars=CALENDARS, name="reports").run()
        feed = new_feed(log)
        with pytest.raises(FeedError, match=r"without a stored result and events.*rebuild"):
            feed.run()
        assert feed.rebuild() == log.head()
        assert reports(feed) == expected(log)
        # results kept but no events: a projection that needs events refuses it too
        only = ReportFeed(log, POLICY, [ComplianceProjection()], calendars=CALENDARS,
                          name="results_only")
        assert not only.runner.store_events
        only.run()
        kpis = ReportFeed(log, POLICY, [KpiProjection(as_of=AS_OF)], calendars=CALENDARS,
                          name="results_only")
        with pytest.raises(FeedError, match="result and events"):
            kpis.run()


class TwoArguments:
    def update(self, result: Any, holdings: Any) -> None: ...

    def remove(self, ticket_id: str) -> None: ...


def test_projections_the_feed_cannot_adapt_are_refused() -> None:
    with pytest.raises(FeedError, match=r"TwoArguments.*Subscriber"):
        subscriber(TwoArguments())
    with pytest.raises(FeedError, match="int"):
        subscriber(3)


def test_tickets_without_a_policy_are_withdrawn() -> None:
    with open_log("memory://") as log:
        log.ingest(workload(6, seed=3))
        feed = ReportFeed(log, "no-such-policy", [LatestResults(), ComplianceProjection()],
                          calendars=CALENDARS)
        feed.run()
        assert feed.projections[0].results() == []
        assert feed.projections[1].report() == compliance_report([])


@settings(max_examples=examples(12), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_interleaving_with_restarts_and_crashes_ends_at_the_pure_reports(
        new_url: Callable[[], str], data: Any) -> None:
    events = workload(10, seed=data.draw(st.integers(0, 10**6)))
    events += data.draw(st.lists(st.sampled_from(events), max_size=8))  # re-deliveries
    with open_log(new_url()) as log:
        feed = new_feed(log, chunk=data.draw(st.integers(1, 40)))
        i = 0
        while i < len(events):
            step = data.draw(st.integers(1, 30))
            log.ingest(events[i : i + step], batch_size=data.draw(st.integers(1, 10)))
            i += step
            action = data.draw(st.sampled_from(
                ["run", "run", "nothing", "restart", "crash_before", "crash_after", "other"]))
            if action == "run":
                feed.run(max_chunks=data.draw(st.integers(1, 3)))
            elif action == "restart":  # a new process: new projections, same view
                feed = new_feed(log, chunk=data.draw(st.integers(1, 40)))
            elif action == "crash_before" and feed.runner.lag() > 0:
                real = feed.runner.view.apply

                def crash(*args: Any) -> None:
                    raise Crash("killed before the commit")

                feed.runner.view.apply = crash  # type: ignore[method-assign,assignment]
                with pytest.raises(Crash):
                    feed.run()
                feed.runner.view.apply = real  # type: ignore[method-assign]
                if data.draw(st.booleans()):
                    feed = new_feed(log, chunk=data.draw(st.integers(1, 40)))
            elif action == "crash_after":
                feed.subscribers[0] = Flaky(feed.projections[0], data.draw(st.integers(1, 5)))
                with contextlib.suppress(Crash):
                    feed.run()
                feed.subscribers[0] = subscriber(feed.projections[0])
            elif action == "other":  # another process moves the view on
                new_feed(log, chunk=data.draw(st.integers(1, 40))).run(max_chunks=1)
        feed.run()
        want = expected(log)
        assert reports(feed) == want
        rebuilt = new_feed(log, name="rebuilt", chunk=10_000)
        rebuilt.run()
        assert reports(rebuilt) == want


def test_projections_fed_with_events_staffing_and_holder_scorecards() -> None:
    with open_log("memory://") as log:
        log.ingest(workload(20, seed=12))
        staffing = StaffingProjection(start=T0, end=AS_OF, zone="Europe/Berlin")
        ola = HolderScorecardProjection(metrics={"network-ola": "network"})
        feed = ReportFeed(log, POLICY, [staffing, ola], calendars=CALENDARS, chunk=15)
        assert feed.runner.store_events
        feed.run()
        tickets = {t: log.ticket_events(t) for t in log.tickets()}
        results = [evaluate(POLICY, evs, calendars=CALENDARS,
                            services=[e for s in mentioned(evs) for e in log.service_events(s)])
                   for evs in tickets.values()]
        assert staffing.profile() == demand_profile(
            [e for evs in tickets.values() for e in evs], start=T0, end=AS_OF,
            zone="Europe/Berlin")
        assert ola.report() == holder_scorecard(
            results, [holdings(evs) for evs in tickets.values()],
            metrics={"network-ola": "network"})
        assert ola.report().rows and staffing.profile().handled  # not vacuous
