"""The SLA projection: follows the log, resumes after a crash without double counting,
and a rebuild from zero equals the incrementally built view."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.clock import BusinessCalendar
from slacore.loading import load_policy
from slacore.log import EventLog, PolicyPublished, open_log
from slacore.policies import evaluate
from slacore.projections.runner import SlaProjection, ViewRow
from slacore.testing.profiles import examples

ROOT = Path(__file__).resolve().parents[2]
BUSINESS = BusinessCalendar(
    "Europe/Berlin", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
)
CALENDARS = {"business": BUSINESS, "apac-business": BUSINESS}
POLICY = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=CALENDARS)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def ticket_events(i: int, rng: random.Random, service: str = "email") -> list[dict[str, Any]]:
    tid, t = f"T{i}", T0 + timedelta(minutes=rng.randrange(60 * 24 * 20))
    out: list[dict[str, Any]] = [{
        "type": "opened", "event_id": f"{tid}-0", "ticket_id": tid, "at": t.isoformat(),
        "fields": {"priority": rng.choice(["P1", "P2", "P3"]), "status": "new",
                   "service": service, "assignment_group": rng.choice(["desk", "network"])},
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


def workload(n: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events = [e for i in range(n) for e in ticket_events(i, rng)]
    events += [maintenance(k, k) for k in range(0, 20, 3)]
    rng.shuffle(events)  # late and out-of-order
    return events


def oracle(log: EventLog) -> dict[str, Any]:
    """Direct evaluation of every ticket from the whole log (no projection)."""
    services = log.service_events("email")
    return {
        t: evaluate(POLICY, log.ticket_events(t), calendars=CALENDARS, services=services)
        for t in log.tickets()
    }


def check_against_oracle(rows: list[ViewRow], log: EventLog) -> None:
    expected = oracle(log)
    by_ticket: dict[str, dict[str, ViewRow]] = {}
    for r in rows:
        by_ticket.setdefault(r.ticket_id, {})[r.metric] = r
    assert set(by_ticket) == set(expected)
    for ticket, result in expected.items():
        for metric, cycles in result.metrics.items():
            row = by_ticket[ticket][metric]
            if not cycles:
                assert row.state == "not_started"
                continue
            last = cycles[-1]
            assert (row.state, row.cycles, row.breached) == (last.state, len(cycles), last.breached)
            assert row.elapsed_us == last.elapsed // timedelta(microseconds=1)
            assert row.breached_cycles == sum(c.breached for c in cycles)


def test_incremental_equals_rebuild_equals_direct_evaluation(
    log: EventLog, make_log: Callable[..., EventLog]
) -> None:
    events = workload(60)
    projection = SlaProjection(log, POLICY, calendars=CALENDARS, chunk=17)
    for i in range(0, len(events), 45):  # ingest and project, interleaved
        log.ingest(events[i : i + 45], batch_size=20)
        projection.run(max_chunks=2 if i % 2 else None)
    projection.run()
    assert projection.position() == log.head() and projection.lag() == 0
    incremental = projection.rows()
    assert len(incremental) == 60 * 3
    check_against_oracle(incremental, log)
    fresh = SlaProjection(log, POLICY, calendars=CALENDARS, name="fresh", chunk=5000)
    assert fresh.run() == log.head()
    assert fresh.rows() == incremental
    assert projection.rebuild() == log.head()
    assert projection.rows() == incremental
    assert projection.rows("T7") == [r for r in incremental if r.ticket_id == "T7"]


def test_a_late_maintenance_window_re_evaluates_the_tickets_of_its_service(
    log: EventLog,
) -> None:
    opened = {"type": "opened", "event_id": "o", "ticket_id": "INC1",
              "at": "2026-03-02T08:00:00+00:00",
              "fields": {"priority": "P1", "service": "email", "status": "new"}}
    resolved = {"type": "resolved", "event_id": "r", "ticket_id": "INC1",
                "at": "2026-03-02T12:00:00+00:00"}
    log.ingest([opened, resolved])
    projection = SlaProjection(log, POLICY, calendars=CALENDARS)
    projection.run()
    [before] = [r for r in projection.rows() if r.metric == "resolution"]
    window = {"type": "maintenance_scheduled", "event_id": "m", "service_id": "email",
              "at": "2026-03-01T00:00:00+00:00", "start": "2026-03-02T09:00:00+00:00",
              "end": "2026-03-02T10:00:00+00:00"}
    log.ingest([window])
    projection.run()
    [after] = [r for r in projection.rows() if r.metric == "resolution"]
    assert before.elapsed_us - after.elapsed_us == 3600 * 10**6
    assert after.position == 3 and before.position == 2


def test_a_crash_mid_run_resumes_without_double_counting(
    log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.ingest(workload(40, seed=3))
    projection = SlaProjection(log, POLICY, calendars=CALENDARS, chunk=25)
    real = projection.view.apply
    calls = []

    def crash_on_third(rows: Any, links: Any, position: int) -> None:
        calls.append(position)
        if len(calls) == 3:
            raise KeyboardInterrupt("killed while writing the view")
        real(rows, links, position)

    monkeypatch.setattr(projection.view, "apply", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        projection.run()
    assert projection.position() == calls[1]  # two chunks committed, the third not at all
    monkeypatch.undo()
    restarted = SlaProjection(log, POLICY, calendars=CALENDARS, chunk=25)  # a new process
    restarted.run()
    reference = SlaProjection(log, POLICY, calendars=CALENDARS, name="reference")
    reference.run()
    assert restarted.rows() == reference.rows()


def test_two_runners_on_one_view_apply_each_position_once(
    db_url: str, make_log: Callable[..., EventLog], run_together: Callable[..., None]
) -> None:
    log = make_log(db_url)
    log.ingest(workload(80, seed=5))
    runners = [
        SlaProjection(make_log(db_url), POLICY, calendars=CALENDARS, chunk=30) for _ in range(2)
    ]
    run_together(SlaProjection.run, [(p,) for p in runners])
    assert runners[0].position() == log.head()
    reference = SlaProjection(log, POLICY, calendars=CALENDARS, name="reference")
    reference.run()
    assert runners[0].rows() == runners[1].rows() == reference.rows()


def test_a_stale_runner_cannot_move_the_view_backwards(log: EventLog) -> None:
    log.ingest(workload(10))
    ahead = SlaProjection(log, POLICY, calendars=CALENDARS)
    ahead.run()
    rows = ahead.rows()
    stale = SlaProjection(log, POLICY, calendars=CALENDARS)
    with pytest.raises(IntegrityError):  # the tracking record refuses an older position
        stale._apply(log.recorder.select_rows(1, 5))
    assert ahead.rows() == rows and ahead.position() == log.head()


def test_policy_versions_from_the_log(log: EventLog, clock: Any) -> None:
    jan, mar = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 3, 10, tzinfo=timezone.utc)
    v1 = POLICY.model_copy(update={"effective_from": jan})
    v2 = POLICY.model_copy(update={"version": 2, "effective_from": mar})
    log.publish(PolicyPublished.of(v1, published_by="alice", at=jan))
    events = workload(30, seed=9)
    log.ingest(events[:50])
    projection = SlaProjection(log, "standard-incident", calendars=CALENDARS, chunk=20)
    projection.run()
    assert {r.policy for r in projection.rows()} == {"standard-incident@1"}
    log.publish(PolicyPublished.of(v2, published_by="bob", approved_by=["carol"], at=mar))
    log.ingest(events[50:])
    projection.run()
    rows = projection.rows()
    assert {r.policy for r in rows} == {"standard-incident@1", "standard-incident@2"}
    opened = {e["ticket_id"]: datetime.fromisoformat(e["at"]) for e in events
              if e["type"] == "opened"}
    for r in rows:
        assert r.policy == ("standard-incident@2" if opened[r.ticket_id] >= mar
                            else "standard-incident@1")
    fresh = SlaProjection(log, "standard-incident", calendars=CALENDARS, name="fresh", chunk=7)
    fresh.run()
    assert fresh.rows() == rows
    unknown = SlaProjection(log, "no-such-policy", calendars=CALENDARS, name="unknown")
    unknown.run()
    assert {r.state for r in unknown.rows()} == {"no_policy"}


def test_follow_keeps_up_until_stopped(log: EventLog) -> None:
    projection = SlaProjection(log, POLICY, calendars=CALENDARS)
    stop = threading.Event()
    follower = threading.Thread(target=projection.follow, args=(stop,), kwargs={"poll": 0.01})
    follower.start()
    try:
        log.ingest(workload(5))
        for _ in range(500):
            if projection.position() == log.head():
                break
            threading.Event().wait(0.01)
    finally:
        stop.set()
        follower.join(timeout=10)
    assert projection.position() == log.head() > 0


def test_bad_projection_names() -> None:
    with open_log("memory://") as log, pytest.raises(ValueError, match="SQL name"):
        SlaProjection(log, POLICY, name="Bad-Name")


@settings(max_examples=examples(15), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_interleaving_of_ingestion_and_projection_gives_the_rebuilt_view(data: Any) -> None:
    events = workload(12, seed=data.draw(st.integers(0, 10**6)))
    events += data.draw(st.lists(st.sampled_from(events), max_size=10))  # re-deliveries
    with open_log("memory://") as log:
        projection = SlaProjection(log, POLICY, calendars=CALENDARS,
                                   chunk=data.draw(st.integers(1, 40)))
        i = 0
        while i < len(events):
            step = data.draw(st.integers(1, 30))
            log.ingest(events[i : i + step], batch_size=data.draw(st.integers(1, 10)))
            i += step
            if data.draw(st.booleans()):
                projection.run(max_chunks=data.draw(st.integers(1, 3)))
            if data.draw(st.integers(0, 4)) == 0:  # a restart: a new runner, same view
                projection = SlaProjection(log, POLICY, calendars=CALENDARS,
                                           chunk=data.draw(st.integers(1, 40)))
        projection.run()
        rebuilt = SlaProjection(log, POLICY, calendars=CALENDARS, name="rebuilt", chunk=10**4)
        rebuilt.run()
        assert projection.rows() == rebuilt.rows()
