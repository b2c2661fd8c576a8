"""The canonical order (DESIGN §3) and ``canonical_history``: hand-made examples of the
tie-breaks, duplicates, conflicts, anomalies and the refusal to mix tickets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import permutations
from typing import Any

import pytest

from slacore.errors import NaiveDatetimeError
from slacore.events import (
    TYPE_RANK,
    Anomaly,
    Event,
    InvalidHistory,
    Subject,
    TicketOpened,
    canonical_history,
    canonical_json,
    group_by_subject,
    parse_event,
    sort_key,
    to_json,
    utc_microseconds,
)

T0 = "2026-03-02T09:00:00+01:00"  # = 08:00Z


def ev(type_: str, event_id: str, at: str = T0, **extra: Any) -> Event:
    data: dict[str, Any] = {"type": type_, "event_id": event_id, "at": at, **extra}
    if type_ in TYPE_RANK and TYPE_RANK[type_] <= TYPE_RANK["closed"]:
        data.setdefault("ticket_id", "INC1")
    else:
        data.setdefault("service_id", "email")
    if type_ == "updated":
        data.setdefault("changes", {"status": "in_progress"})
    return parse_event(data)


def ids(events: Any) -> list[str]:
    return [e.event_id for e in events]


def in_order(events: list[Event]) -> list[str]:
    return ids(sorted(events, key=sort_key))


# --------------------------------------------------------------------------- sort_key


def test_utc_microseconds_is_exact() -> None:
    assert utc_microseconds(datetime(1970, 1, 1, tzinfo=timezone.utc)) == 0
    nepal = timezone(timedelta(hours=5, minutes=45))
    at = datetime(2026, 3, 2, 13, 45, 0, 7, tzinfo=nepal)  # 08:00:00.000007Z
    assert utc_microseconds(at) == 1_772_438_400_000_007
    assert utc_microseconds(datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone.utc)) == -1
    with pytest.raises(NaiveDatetimeError):
        utc_microseconds(datetime(2026, 1, 1))


def test_rank_table() -> None:
    assert list(TYPE_RANK)[:10] == [
        "opened",
        "updated",
        "agent_responded",
        "customer_responded",
        "resolved",
        "reopened",
        "rca_requested",
        "rca_delivered",
        "cancelled",
        "closed",
    ]
    assert sorted(TYPE_RANK.values()) == list(range(15))


def test_orders_by_instant_not_by_wall_clock() -> None:
    a = ev("updated", "a", "2026-03-02T09:30:00+01:00")  # 08:30Z
    b = ev("updated", "b", "2026-03-02T08:15:00+00:00")  # 08:15Z
    c = ev("updated", "c", "2026-03-02T03:20:00-05:00")  # 08:20Z
    d = ev("updated", "d", "2026-03-02T08:15:00.000001Z")
    assert in_order([a, b, c, d]) == ["b", "d", "c", "a"]


def test_same_instant_seq_breaks_ties_before_rank() -> None:
    closed = ev("closed", "x", seq=1)
    opened = ev("opened", "y", seq=2)
    assert in_order([opened, closed]) == ["x", "y"]


def test_no_seq_sorts_after_every_seq() -> None:
    with_seq = ev("closed", "a", seq=10**9)
    without = ev("opened", "b")
    negative = ev("resolved", "c", seq=-5)
    assert in_order([without, with_seq, negative]) == ["c", "a", "b"]


def test_same_instant_same_seq_uses_the_rank_table() -> None:
    names = [n for n in TYPE_RANK if TYPE_RANK[n] <= TYPE_RANK["closed"]]
    events = [ev(n, f"id-{9 - i}", "2026-03-02T08:00:00Z", seq=3) for i, n in enumerate(names)]
    for shuffled in (events[::-1], events[3:] + events[:3]):
        assert [e.type for e in sorted(shuffled, key=sort_key)] == names


def test_event_id_breaks_the_last_tie() -> None:
    events = [ev("updated", i, "2026-03-02T08:00:00Z") for i in ("b", "a10", "a9", "A")]
    assert in_order(events) == ["A", "a10", "a9", "b"]  # code point order


def test_same_instant_in_different_zones_ties() -> None:
    a = ev("resolved", "a", "2026-03-02T13:45:00+05:45")
    b = ev("agent_responded", "b", "2026-03-02T04:30:00-03:30")
    c = ev("opened", "c", "2026-03-02T08:00:00Z")
    assert sort_key(a)[0] == sort_key(b)[0] == sort_key(c)[0]
    assert in_order([a, b, c]) == ["c", "b", "a"]


def test_service_ranks() -> None:
    scheduled = ev(
        "maintenance_scheduled",
        "s",
        start="2026-03-07T22:00:00Z",
        end="2026-03-08T02:00:00Z",
        maintenance_id="w",
    )
    cancelled = ev("maintenance_cancelled", "c", maintenance_id="w")
    ended = ev("outage_ended", "e")
    started = ev("outage_started", "s2")
    assert in_order([ended, cancelled, started, scheduled]) == ["s", "c", "s2", "e"]


# --------------------------------------------------------------------------- history


def test_history_sorts_and_exposes_the_ticket() -> None:
    events = [
        ev("closed", "e4", "2026-03-03T10:00:00Z"),
        ev("opened", "e1"),
        ev("resolved", "e3", "2026-03-02T12:00:00+01:00"),
        ev("agent_responded", "e2", "2026-03-02T08:00:00Z"),
    ]
    history = canonical_history(events)
    assert ids(history) == ["e1", "e2", "e3", "e4"]
    assert history.subject == Subject("ticket", "INC1")
    assert history.ticket_id == "INC1" and history.service_id is None
    assert isinstance(history.opened, TicketOpened) and history.opened.event_id == "e1"
    assert len(history) == 4
    assert history.conflicts == () and history.anomalies == () and history.duplicates == 0
    for order in permutations(events):
        assert canonical_history(order) == history


def test_history_takes_mappings() -> None:
    raw = {"type": "opened", "event_id": "e1", "ticket_id": "INC1", "at": T0}
    assert canonical_history([raw]) == canonical_history([parse_event(raw)])


def test_empty_history() -> None:
    history = canonical_history([])
    assert history.subject is None and history.events == () and history.opened is None
    assert history.ticket_id is None and history.service_id is None


def test_duplicates_are_dropped_and_counted() -> None:
    opened = ev("opened", "e1")
    update = ev("updated", "e2", "2026-03-02T10:00:00+01:00")
    history = canonical_history([opened, update, opened, update, opened])
    assert ids(history) == ["e1", "e2"]
    assert history.duplicates == 3
    assert history.conflicts == ()
    assert history == canonical_history([update, opened])  # duplicates are not part of ==


def test_same_instant_other_offset_is_a_duplicate_not_a_conflict() -> None:
    a = ev("resolved", "e5", "2026-03-02T09:00:00+01:00", seq=4)
    b = ev("resolved", "e5", "2026-03-02T13:45:00+05:45", seq=4)
    assert to_json(a) != to_json(b) and canonical_json(a) == canonical_json(b)
    for order in ([a, b], [b, a]):
        history = canonical_history([ev("opened", "e1", seq=1), *order])
        assert history.duplicates == 1 and history.conflicts == ()
        chosen = history.events[1]
        assert to_json(chosen) == min(to_json(a), to_json(b))  # the smaller exact JSON


def test_conflict_reports_both_versions_and_chooses_deterministically() -> None:
    opened = ev("opened", "e1")
    p2 = ev("updated", "e2", "2026-03-02T10:00:00+01:00", changes={"priority": "P2"})
    p1 = ev("updated", "e2", "2026-03-02T10:00:00+01:00", changes={"priority": "P1"})
    histories = {
        canonical_history(order)
        for order in ([opened, p1, p2], [p2, opened, p1], [p2, p2, opened, p1, p1])
    }
    assert len(histories) == 1
    (history,) = histories
    assert ids(history) == ["e1", "e2"]
    (conflict,) = history.conflicts
    assert conflict.event_id == "e2"
    assert set(conflict.versions) == {p1, p2}
    # canonical JSON of p1 ('..."P1"...') sorts before p2's: p1 is used.
    assert conflict.chosen == p1 and history.events[1] == p1
    assert conflict.others == (p2,)


def test_conflict_on_timestamp_moves_the_event_deterministically() -> None:
    early = ev("agent_responded", "e2", "2026-03-02T09:30:00+01:00")
    late = ev("agent_responded", "e2", "2026-03-02T11:00:00+01:00")
    other = ev("updated", "e3", "2026-03-02T10:00:00+01:00")
    opened = ev("opened", "e1")
    a = canonical_history([opened, early, late, other])
    b = canonical_history([late, other, opened, early])
    assert a == b
    assert ids(a) == ["e1", "e2", "e3"]  # the version dated 08:30Z has the smaller JSON
    assert len(a.conflicts) == 1 and len(a.conflicts[0].versions) == 2


def test_several_conflicts_are_ordered_by_event_id() -> None:
    opened = ev("opened", "e1")
    events = [opened]
    for event_id in ("z", "m", "a"):
        events.append(ev("updated", event_id, changes={"status": "x"}))
        events.append(ev("updated", event_id, changes={"status": "y"}))
    history = canonical_history(events)
    assert [c.event_id for c in history.conflicts] == ["a", "m", "z"]


def test_before_opened_is_an_anomaly_not_an_error() -> None:
    early = ev("updated", "e0", "2026-03-02T07:59:59Z")
    opened = ev("opened", "e1")
    later = ev("resolved", "e2", "2026-03-02T12:00:00Z")
    history = canonical_history([later, opened, early])
    assert ids(history) == ["e0", "e1", "e2"]
    (anomaly,) = history.anomalies
    assert anomaly.kind == "before_opened" and anomaly.event_id == "e0"
    assert "2026-03-02T07:59:59+00:00" in anomaly.message and "'e1'" in anomaly.message


def test_same_instant_before_opened_by_seq() -> None:
    opened = ev("opened", "e1", seq=5)
    update = ev("updated", "e2", seq=4)
    response = ev("agent_responded", "e3", seq=5)
    history = canonical_history([opened, update, response])
    assert ids(history) == ["e2", "e1", "e3"]
    assert [(a.kind, a.event_id) for a in history.anomalies] == [("before_opened", "e2")]
    assert "same instant" in history.anomalies[0].message


def test_same_instant_without_seq_follows_opened() -> None:
    history = canonical_history([ev("closed", "a"), ev("updated", "b"), ev("opened", "z")])
    assert ids(history) == ["z", "b", "a"]
    assert history.anomalies == ()


def test_missing_and_repeated_opened() -> None:
    history = canonical_history([ev("updated", "e2"), ev("resolved", "e3")])
    assert history.opened is None
    assert history.anomalies == (
        Anomaly("no_opened", None, "ticket 'INC1' has no 'opened' event (it may arrive later)"),
    )
    first = ev("opened", "e1")
    again = ev("opened", "e9", "2026-03-02T10:00:00Z")
    history = canonical_history([again, first])
    assert history.opened == first
    assert [(a.kind, a.event_id) for a in history.anomalies] == [("opened_again", "e9")]


def test_mixed_tickets_are_refused() -> None:
    a = ev("opened", "e1")
    b = ev("opened", "e2", ticket_id="INC2")
    for order in ([a, b], [b, a]):
        with pytest.raises(InvalidHistory) as info:
            canonical_history(order)
        assert [(p.field, p.value) for p in info.value.problems] == [("ticket_id", "INC2")]
        message = str(info.value)
        assert "event 'e2' belongs to ticket 'INC2', but the history is of ticket 'INC1'" in (
            message
        )
        assert "group_by_subject" in message


def test_service_event_in_a_ticket_history_is_refused() -> None:
    with pytest.raises(InvalidHistory) as info:
        canonical_history([ev("opened", "e1"), ev("outage_started", "o1")])
    assert [(p.field, p.value) for p in info.value.problems] == [("service_id", "email")]


def test_conflicting_ticket_ids_for_one_event_are_refused() -> None:
    with pytest.raises(InvalidHistory):
        canonical_history([ev("opened", "e1"), ev("opened", "e1", ticket_id="INC2")])


def test_group_by_subject() -> None:
    events = [
        ev("opened", "e2", ticket_id="INC2"),
        ev("outage_started", "o1"),
        ev("opened", "e1"),
        ev("closed", "e3", ticket_id="INC2"),
    ]
    groups = group_by_subject(events)
    assert list(groups) == [
        Subject("ticket", "INC1"),
        Subject("ticket", "INC2"),
        Subject("service", "email"),
    ]
    assert ids(groups[Subject("ticket", "INC2")]) == ["e2", "e3"]
    for subject, group in groups.items():
        assert canonical_history(group).subject == subject


def test_service_history_anomalies() -> None:
    window = dict(start="2026-03-07T22:00:00Z", end="2026-03-08T02:00:00Z")
    events = [
        ev("maintenance_scheduled", "s1", **window, maintenance_id="CHG1"),
        ev("maintenance_scheduled", "s2", **window),  # window id = event id "s2"
        ev("maintenance_cancelled", "c1", "2026-03-03T00:00:00Z", maintenance_id="CHG1"),
        ev("maintenance_cancelled", "c2", "2026-03-03T00:00:00Z", maintenance_id="s2"),
        ev("maintenance_cancelled", "c3", "2026-03-03T00:00:00Z", maintenance_id="CHG9"),
        ev("outage_started", "o1", "2026-03-04T00:00:00Z", outage_id="X"),
        ev("outage_ended", "o2", "2026-03-04T01:00:00Z", outage_id="X"),
        ev("outage_ended", "o3", "2026-03-04T01:00:00Z", outage_id="Y"),
        ev("outage_ended", "o4", "2026-03-04T01:00:00Z"),
    ]
    history = canonical_history(events[::-1])
    assert history.service_id == "email" and history.opened is None
    assert ids(history) == ["s1", "s2", "c1", "c2", "c3", "o1", "o2", "o3", "o4"]
    assert [(a.kind, a.event_id) for a in history.anomalies] == [
        ("unknown_maintenance", "c3"),
        ("unknown_outage", "o3"),
    ]
