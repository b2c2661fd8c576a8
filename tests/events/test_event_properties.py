"""Property tests of DESIGN §6.1 for the event layer: a canonical history is a pure
function of the *set* of events: shuffling, repeating, re-expressing instants in other
offsets, and (for conflicts) the order in which the versions arrive change nothing."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.events import (
    Event,
    History,
    TicketOpened,
    canonical_history,
    canonical_json,
    sort_key,
    to_json,
    utc_microseconds,
)
from slacore.testing.event_strategies import (
    event_instants,
    service_histories,
    ticket_histories,
    time_zones,
)
from slacore.testing.profiles import examples as scaled


def examples(n: int) -> settings:
    """``n`` examples (scaled by ``HYPOTHESIS_PROFILE``), no deadline."""
    return settings(max_examples=scaled(n), deadline=None)


PROPERTY = examples(60)


def fingerprint(history: History) -> tuple[Any, ...]:
    """Everything in a history, as exact JSON (stricter than ``==``)."""
    return (
        history.subject,
        tuple(to_json(e) for e in history.events),
        tuple(
            (c.event_id, to_json(c.chosen), tuple(map(to_json, c.versions)))
            for c in history.conflicts
        ),
        history.anomalies,
    )


@st.composite
def deliveries(draw: st.DrawFn, events: list[Any]) -> list[Any]:
    """The events delivered in any order, each one to three times."""
    repeated = [e for e in events for _ in range(draw(st.integers(1, 3)))]
    return list(draw(st.permutations(repeated)))


def re_expressed(event: Event, zone: Any) -> Event:
    """The same event with its instants written in another offset."""
    data = event.model_dump()
    for key in ("at", "start", "end", "period_start", "period_end"):
        if key in data:
            data[key] = data[key].astimezone(zone)
    return type(event).model_validate(data)


@PROPERTY
@given(ticket_histories(), st.data())
def test_shuffling_and_repeating_change_nothing(events: list[Event], data: st.DataObject) -> None:
    reference = canonical_history(events)
    delivered = data.draw(deliveries(events))
    history = canonical_history(delivered)
    assert history == reference
    assert fingerprint(history) == fingerprint(reference)
    assert history.duplicates == len(delivered) - len(events)
    assert reference.duplicates == 0 and reference.conflicts == ()


@PROPERTY
@given(ticket_histories(), st.data())
def test_history_is_sorted_and_complete(events: list[Event], data: st.DataObject) -> None:
    history = canonical_history(data.draw(deliveries(events)))
    keys = [sort_key(e) for e in history.events]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {e.event_id for e in history.events} == {e.event_id for e in events}
    micros = [utc_microseconds(e.at) for e in history.events]
    assert micros == sorted(micros)
    for a, b in zip(history.events, history.events[1:], strict=False):
        if a.at.astimezone(timezone.utc) == b.at.astimezone(timezone.utc) and (a.seq == b.seq):
            assert (a.type, a.event_id) != (b.type, b.event_id)


@PROPERTY
@given(ticket_histories(), st.data())
def test_anomalies_flag_exactly_what_sorts_before_opened(
    events: list[Event], data: st.DataObject
) -> None:
    history = canonical_history(data.draw(deliveries(events)))
    opened = history.opened
    assert isinstance(opened, TicketOpened)
    before = {e.event_id for e in history.events if sort_key(e) < sort_key(opened)}
    flagged = {a.event_id for a in history.anomalies if a.kind == "before_opened"}
    assert flagged == before
    others = [e for e in history.events if isinstance(e, TicketOpened) and e is not opened]
    assert {a.event_id for a in history.anomalies if a.kind == "opened_again"} == {
        e.event_id for e in others
    }


@examples(30)
@given(ticket_histories(before_opened=False, seq=None))
def test_histories_without_early_facts_start_with_opened(events: list[Event]) -> None:
    history = canonical_history(events)
    assert history.events[0] is events[0] and history.opened is events[0]
    assert all(a.kind == "opened_again" for a in history.anomalies)


@PROPERTY
@given(ticket_histories(), st.data())
def test_other_offsets_are_duplicates_not_conflicts(
    events: list[Event], data: st.DataObject
) -> None:
    zone = data.draw(time_zones())
    copies = [re_expressed(e, zone) for e in events]
    delivered = data.draw(deliveries(events + copies))
    history = canonical_history(delivered)
    assert history.conflicts == ()
    assert history.duplicates == len(delivered) - len(events)
    assert [canonical_json(e) for e in history] == [
        canonical_json(e) for e in canonical_history(events)
    ]
    # Which representation is kept does not depend on the delivery either.
    again = canonical_history(data.draw(deliveries(copies + events)))
    assert fingerprint(again) == fingerprint(history)


@st.composite
def variant(draw: st.DrawFn, event: Event) -> Event:
    """Another version of ``event``: same id, different content."""
    data = event.model_dump()
    change = draw(st.sampled_from(["actor", "seq", "at"]))
    if change == "actor":
        data["actor"] = (data.get("actor") or "") + "-edited"
    elif change == "seq":
        data["seq"] = (data.get("seq") or 0) + draw(st.integers(1, 3))
    else:
        data["at"] = data["at"] + timedelta(seconds=draw(st.integers(-3_600, 3_600).filter(bool)))
    return type(event).model_validate(data)


@PROPERTY
@given(ticket_histories(), st.data())
def test_conflicts_are_reported_and_resolved_independently_of_order(
    events: list[Event], data: st.DataObject
) -> None:
    targets = data.draw(st.lists(st.sampled_from(events), min_size=1, max_size=3, unique=True))
    variants = [data.draw(variant(e)) for e in targets]
    first = canonical_history(data.draw(deliveries(events + variants)))
    second = canonical_history(data.draw(deliveries(variants + events)))
    assert first == second
    assert fingerprint(first) == fingerprint(second)
    by_id: dict[str, set[str]] = {}
    for e in events + variants:
        by_id.setdefault(e.event_id, set()).add(canonical_json(e))
    expected = {i: sorted(v) for i, v in by_id.items() if len(v) > 1}
    assert {c.event_id: [canonical_json(v) for v in c.versions] for c in first.conflicts} == (
        expected
    )
    for conflict in first.conflicts:
        assert conflict.chosen is conflict.versions[0]
        assert conflict.chosen in first.events
        assert all(v not in first.events for v in conflict.others)
    assert len(first) == len(by_id)


@examples(40)
@given(service_histories(), st.data())
def test_service_histories_are_set_functions_too(events: list[Event], data: st.DataObject) -> None:
    reference = canonical_history(events)
    history = canonical_history(data.draw(deliveries(events)))
    assert fingerprint(history) == fingerprint(reference)


@examples(200)
@given(event_instants(), event_instants())
def test_sort_key_follows_the_utc_instant(a: Any, b: Any) -> None:
    assert (utc_microseconds(a) < utc_microseconds(b)) == (a < b)
    assert utc_microseconds(a) == utc_microseconds(a.astimezone(timezone.utc))
    delta = b.astimezone(timezone.utc) - a.astimezone(timezone.utc)
    assert utc_microseconds(b) - utc_microseconds(a) == delta // timedelta(microseconds=1)
