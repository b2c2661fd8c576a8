"""Property: whatever the split into batches, the duplicates, the conflicting versions and
the restarts, the log ends with the same stored set, in the same order: the first version
of every ``event_id`` to arrive, once."""

from __future__ import annotations

import itertools
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.events import Event, canonical_json, to_json
from slacore.log import EventLog, IngestReport, open_log
from slacore.testing.event_strategies import service_histories, ticket_histories
from slacore.testing.profiles import examples

PROPERTY = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def deliveries(draw: st.DrawFn) -> list[Event]:
    """Events of a few tickets and a service, some ids given twice with other content,
    each delivered one to three times, in any order."""
    facts: list[Event] = []
    for ticket in draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3,
                                unique=True)):
        facts += draw(ticket_histories(ticket_id=ticket, max_events=5))
    facts += draw(service_histories(service_id="email", max_events=3))
    variants = [
        e.model_copy(update={"actor": "someone-else"})
        for e in facts
        if draw(st.integers(0, 5)) == 0
    ]
    repeated = [e for e in facts + variants for _ in range(draw(st.integers(1, 3)))]
    return list(draw(st.permutations(repeated)))


def expected(delivered: list[Event]) -> list[str]:
    """The reference: the first arrival of every id, in arrival order, exactly."""
    first: dict[str, Event] = {}
    for e in delivered:
        first.setdefault(e.event_id, e)
    return [to_json(e) for e in first.values()]


def stored(log: EventLog) -> list[str]:
    return [to_json(r.event) for r in log.read()]


def check_report(total: IngestReport, delivered: list[Event]) -> None:
    firsts: dict[str, Event] = {}
    duplicates = conflicts = 0
    for e in delivered:
        if e.event_id not in firsts:
            firsts[e.event_id] = e
        elif canonical_json(firsts[e.event_id]) == canonical_json(e):
            duplicates += 1
        else:
            conflicts += 1
    assert (total.stored, total.duplicates, len(total.conflicts)) == (
        len(firsts), duplicates, conflicts,
    )


def add(total: IngestReport, part: IngestReport) -> None:
    total.received += part.received
    total.stored += part.stored
    total.duplicates += part.duplicates
    total.conflicts += part.conflicts


def splits(n: int) -> st.SearchStrategy[list[int]]:
    """Cut points splitting ``n`` deliveries into batches."""
    return st.lists(st.integers(0, n), max_size=4).map(sorted)


def batches(items: list[Any], cuts: list[int]) -> Iterator[list[Any]]:
    bounds = [0, *cuts, len(items)]
    for lo, hi in itertools.pairwise(bounds):
        yield items[lo:hi]


@contextmanager
def sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'log.db'}"


@PROPERTY
@given(delivered=deliveries(), data=st.data())
def test_any_split_gives_the_same_log_in_memory(delivered: list[Event], data: Any) -> None:
    cuts = data.draw(splits(len(delivered)))
    batch_size = data.draw(st.integers(1, 8))
    with open_log("memory://") as log:
        total = IngestReport()
        for part in batches(delivered, cuts):
            add(total, log.ingest(part, batch_size=batch_size))
        assert stored(log) == expected(delivered)
        check_report(total, delivered)
        assert log.ingest(delivered).stored == 0  # re-ingesting everything adds nothing


@PROPERTY
@given(delivered=deliveries(), data=st.data())
def test_any_split_with_restarts_gives_the_same_log_in_sqlite(
    delivered: list[Event], data: Any
) -> None:
    cuts = data.draw(splits(len(delivered)))
    with sqlite_file() as url:
        for part in batches(delivered, cuts):  # a restart (re-open) between batches
            with open_log(url) as log:
                log.ingest(part, batch_size=data.draw(st.integers(1, 8)))
        replay = delivered[: data.draw(st.integers(0, len(delivered)))]
        with open_log(url) as log:  # a pipeline re-sends a prefix after a crash
            assert log.ingest(replay).stored == 0
            assert stored(log) == expected(delivered)
            assert log.stats()["events"] == log.stats()["event_ids"] == len(expected(delivered))


def test_any_split_gives_the_same_log_in_postgresql(
    pg_url: str, make_log: Callable[..., EventLog]
) -> None:
    """The same property on the server (one log for all examples: fresh ids each)."""
    log = make_log(pg_url)

    @settings(max_examples=examples(12), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(delivered=deliveries(), data=st.data())
    def check(delivered: list[Event], data: Any) -> None:
        tag = uuid.uuid4().hex[:8]  # the log outlives one example: fresh ids and subjects
        delivered = [
            e.model_copy(update={"event_id": f"{tag}{e.event_id}"}) for e in delivered
        ]
        head = log.head()
        for part in batches(delivered, data.draw(splits(len(delivered)))):
            log.ingest(part, batch_size=data.draw(st.integers(1, 8)))
        assert [to_json(r.event) for r in log.read(after=head)] == expected(delivered)

    check()
