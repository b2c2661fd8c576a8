"""The hash chain: ``verify`` recomputes it from the stored content and names the first
bad position after rows are altered, deleted, reordered or truncated directly in the
database (sqlite3 / psycopg), and checkpoints kept outside the database catch a rewrite
that recomputed every hash."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.events import TicketOpened, TicketUpdated, to_json
from slacore.log import ChainError, Checkpoint, EventLog, StoreSettings
from slacore.log.chain import (
    ZERO,
    leaf_hash,
    log_link,
    personal_values,
    redact,
    redact_text,
    stream_link,
)
from slacore.testing import event_strategies as es
from slacore.testing.event_strategies import EXAMPLE_EVENTS
from slacore.testing.profiles import examples


def ev(type_: str, event_id: str, ticket: str = "INC1", **extra: Any) -> dict[str, Any]:
    data = dict(EXAMPLE_EVENTS[type_], event_id=event_id, **extra)
    if "ticket_id" in data:
        data["ticket_id"] = ticket
    return data


def fill(log: EventLog, n: int = 20) -> None:
    """``n`` events over four tickets, some with personal values, in two batches."""
    events = []
    for i in range(n):
        ticket = f"T{i % 4}"
        if i < 4:
            events.append(ev("opened", f"o{i}", ticket, actor="alice",
                             fields={"priority": "P2", "assignee": "amy",
                                     "attributes": {"caller": "Bob Jones"}}))
        else:
            update = ev("updated", f"u{i}", ticket, changes={"status": f"s{i}"})
            update.pop("actor", None)
            events.append(update)
    log.ingest(events[: n // 2])
    log.ingest(events[n // 2 :])


@contextmanager
def sql(log: EventLog) -> Iterator[Callable[[str], Any]]:
    """Run SQL directly on the log's database (as an intruder would): ``{events}``,
    ``{chain}``, ``{ids}`` and ``{pos}`` (the position column) are filled in."""
    s: StoreSettings = log.settings
    names = {"events": f"{s.prefix}_events", "chain": f"{s.prefix}_chain",
             "ids": f"{s.prefix}_event_ids"}
    if s.backend == "sqlite":
        conn = sqlite3.connect(s.path)
        names["pos"] = "rowid"

        def run(statement: str) -> Any:
            return conn.execute(statement.format(**names)).fetchall()

        try:
            yield run
            conn.commit()
        finally:
            conn.close()
        return
    import psycopg

    names = {k: f'"{s.pg_schema}".{v}' for k, v in names.items()}
    names["pos"] = "notification_id"
    with psycopg.connect(host=s.host, port=s.port, user=s.user, dbname=s.dbname,
                         autocommit=True) as pg:

        def run_pg(statement: str) -> Any:
            cur = pg.execute(statement.format(**names))  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else None

        yield run_pg


def test_a_fresh_log_verifies_and_its_checkpoints_hold(log: EventLog) -> None:
    empty = log.verify()
    assert empty.ok and (empty.head.position, empty.head.head) == (0, ZERO.hex())
    fill(log)
    first = log.checkpoint()
    report = log.verify(since_checkpoint=first)
    assert report.ok and report.checkpoint_ok and report.checked == 20
    assert (report.head.position, report.head.head) == (first.position, first.head)
    log.ingest([ev("resolved", "r1", "T1")])
    again = log.verify(since_checkpoint=first)
    assert again.ok and again.checkpoint_ok and again.head.position == 21
    assert again.head.head != first.head
    assert log.verify(Checkpoint.from_dict(first.to_dict())).ok
    assert "ok: 21 events verified" in again.summary()


def test_the_chain_links_every_event_to_its_predecessors(log: EventLog) -> None:
    fill(log, 8)
    rows = log.recorder.select_chain(1, 100)
    assert [r.position for r in rows] == list(range(1, 9))
    tail, heads = ZERO, {}
    for r in rows:
        tail = log_link(tail, r.leaf)
        heads[r.stream] = stream_link(heads.get(r.stream, ZERO), r.leaf)
        assert (r.log_hash, r.stream_hash) == (tail, heads[r.stream])
    # events with personal values carry one salt per value; the others none
    assert set(rows[0].salts or {}) == {"actor", "assignee", "attributes.caller"}
    assert rows[5].salts is None
    # a plain event's leaf is the hash of its stored envelope
    n = log.recorder.select_notifications(start=6, limit=1)[0]
    assert rows[5].leaf == leaf_hash(6, n.originator_id, n.originator_version, n.topic,
                                     n.state.decode(), b"")


def test_the_chain_of_known_events_is_the_format_1_chain(log: EventLog, clock: Any) -> None:
    """The hashes of a fixed input under a fixed clock, as the format-1 writer computed
    them before ingestion wrote in bulk: a faster writer must not change a single byte."""
    log.ingest([
        {"type": "opened", "event_id": "g-o", "ticket_id": "INC-é",
         "at": "2026-03-02T09:00:00+01:00",
         "fields": {"priority": "P2", "service": "email", "impact": 2}},
        {"type": "updated", "event_id": "g-u", "ticket_id": "INC-é",
         "at": "2026-03-02T10:00:00.5+05:45", "changes": {"status": "wip", "cost": "99.90"}},
        {"type": "outage_started", "event_id": "g-s", "service_id": "email",
         "at": "2026-03-02T09:30:00Z"},
    ])
    clock.advance(seconds=1.5)
    log.ingest([{"type": "resolved", "event_id": "g-r", "ticket_id": "INC-é",
                 "at": "2026-03-02T11:00:00Z"}])
    assert log.checkpoint().head == (
        "d1e01928d5c99d48c7dde0a4fac2cb4e171d00a3733248c07641230bac2aca78"
    )
    assert log.verify().ok
    text = '{"a":"é"}'
    expected = "2f48ce86866666c2ba9c79c63a7ff10af3826a461145eae66fb581d2d1fef1a9"
    for state in (text, text.encode()):  # the public state as text or as its UTF-8
        assert leaf_hash(3, "ticket:INC-é", 2, "slacore:updated", state, b"").hex() == expected


def test_a_bad_checkpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="64 hex digits"):
        Checkpoint.from_dict({"position": 3, "head": "abc"})
    with pytest.raises(ValueError, match="position"):
        Checkpoint.from_dict({"position": -1, "head": "0" * 64})


# --------------------------------------------------------------------------- tampering


def test_a_changed_payload_is_found_at_its_position(db_log: EventLog) -> None:
    fill(db_log)
    cp = db_log.checkpoint()
    with sql(db_log) as run:
        state = run("SELECT state FROM {events} WHERE {pos} = 7")[0][0]
        altered = bytes(state).replace(b'"s6"', b'"s9"')
        assert altered != bytes(state)
        if db_log.settings.backend == "sqlite":
            run_params(db_log, "UPDATE {events} SET state = ? WHERE rowid = 7", altered)
        else:
            run_params(db_log, "UPDATE {events} SET state = %s WHERE notification_id = 7",
                       altered)
    report = db_log.verify(since_checkpoint=cp)
    assert not report.ok and report.first_bad_position == 7
    assert [p.kind for p in report.problems] == ["altered"]
    assert report.checkpoint_ok is False
    assert "first bad position 7" in report.summary()


def run_params(log: EventLog, statement: str, *params: Any) -> None:
    s = log.settings
    if s.backend == "sqlite":
        conn = sqlite3.connect(s.path)
        conn.execute(statement.format(events=f"{s.prefix}_events"), params)
        conn.commit()
        conn.close()
        return
    import psycopg

    with psycopg.connect(host=s.host, port=s.port, user=s.user, dbname=s.dbname,
                         autocommit=True) as pg:
        pg.execute(statement.format(events=f'"{s.pg_schema}".{s.prefix}_events'),  # type: ignore[arg-type]
                   params)


def test_a_changed_personal_value_is_found(db_log: EventLog) -> None:
    fill(db_log)
    with sql(db_log) as run:
        run("UPDATE {events} SET state = convert_to(replace(convert_from(state, 'UTF8'), "
            "'amy', 'eve'), 'UTF8') WHERE {pos} = 2"
            if db_log.settings.backend == "postgresql" else
            "UPDATE {events} SET state = CAST(replace(CAST(state AS TEXT), 'amy', 'eve') "
            "AS BLOB) WHERE rowid = 2")
    report = db_log.verify()
    assert report.first_bad_position == 2 and report.problems[0].kind == "altered"


def test_a_deleted_row_is_found(db_log: EventLog) -> None:
    fill(db_log)
    with sql(db_log) as run:
        run("DELETE FROM {events} WHERE {pos} = 5")
    report = db_log.verify()
    assert report.first_bad_position == 5
    assert report.problems[0].kind == "missing_event"


def test_a_row_deleted_with_its_chain_entry_breaks_the_link(db_log: EventLog) -> None:
    fill(db_log)
    with sql(db_log) as run:
        run("DELETE FROM {events} WHERE {pos} = 5")
        run("DELETE FROM {chain} WHERE position = 5")
        run("DELETE FROM {ids} WHERE position = 5")
    report = db_log.verify()
    assert report.first_bad_position == 6
    assert report.problems[0].kind == "link"


def test_swapped_order_is_found(db_log: EventLog) -> None:
    fill(db_log)
    pos = "rowid" if db_log.settings.backend == "sqlite" else "notification_id"
    with sql(db_log) as run:
        # swap the contents of positions 9 and 13 (same ticket T1 for 9 and 13: versions too)
        run(f"UPDATE {{events}} SET {pos} = -9 WHERE {pos} = 9")
        run(f"UPDATE {{events}} SET {pos} = 9 WHERE {pos} = 13")
        run(f"UPDATE {{events}} SET {pos} = 13 WHERE {pos} = -9")
    report = db_log.verify()
    assert report.first_bad_position == 9
    assert {p.position for p in report.problems} == {9, 13}


def test_a_truncated_tail_after_a_checkpoint_is_found(db_log: EventLog) -> None:
    fill(db_log)
    cp = db_log.checkpoint()
    assert cp.position == 20
    with sql(db_log) as run:  # a thorough intruder removes events, chain rows and ids
        run("DELETE FROM {events} WHERE {pos} > 14")
        run("DELETE FROM {chain} WHERE position > 14")
        run("DELETE FROM {ids} WHERE position > 14")
    assert db_log.verify().ok  # consistent on its own: only the checkpoint can tell
    report = db_log.verify(since_checkpoint=cp)
    assert not report.ok and report.checkpoint_ok is False
    assert report.first_bad_position == 15
    assert report.problems[0].kind == "truncated"


def test_a_rewrite_with_recomputed_hashes_fails_the_checkpoint(db_log: EventLog) -> None:
    fill(db_log)
    cp = db_log.checkpoint()
    with sql(db_log) as run:
        run("DELETE FROM {chain}")
    state = db_log.recorder.select_notifications(start=7, limit=1)[0].state
    run_params(db_log, "UPDATE {events} SET state = ? WHERE rowid = 7"
               if db_log.settings.backend == "sqlite" else
               "UPDATE {events} SET state = %s WHERE notification_id = 7",
               state.replace(b'"s6"', b'"s9"'))
    # re-chain the remaining content as an intruder with the code would
    rows = db_log.recorder.select_notifications(start=1, limit=100)
    from slacore.log.chain import link_rows, seal
    from slacore.log.records import event_from_text, split_envelope, state_text

    sealed = []
    for n in rows:
        recorded, text = split_envelope(n.state.decode())
        sealed.append((n.id, n.originator_id, n.originator_version,
                       seal(event_from_text(n.topic, text), text, n.id, n.originator_id,
                            n.originator_version, n.topic, recorded, state_text)))
    db_log.recorder.write(lambda tx: tx.chain(link_rows(sealed, ZERO, {})))
    assert db_log.verify().ok  # self-consistent
    report = db_log.verify(since_checkpoint=cp)
    assert report.checkpoint_ok is False
    assert [p.kind for p in report.problems] == ["checkpoint"]
    assert report.first_bad_position == 20


def test_an_altered_chain_row_is_found(db_log: EventLog) -> None:
    fill(db_log)
    with sql(db_log) as run:
        run("UPDATE {chain} SET version = 7 WHERE position = 4")
    report = db_log.verify()
    assert report.first_bad_position == 4


def test_memory_tampering_is_found(make_log: Callable[..., EventLog]) -> None:
    log = make_log("memory://")
    fill(log)
    from eventsourcing.persistence import StoredEvent

    s = log.recorder._stored_events[10]  # type: ignore[attr-defined]
    log.recorder._stored_events[10] = StoredEvent(  # type: ignore[attr-defined]
        s.originator_id, s.originator_version, s.topic, s.state.replace(b"s10", b"s99"))
    assert log.verify().first_bad_position == 11


def test_events_stored_without_the_chain_stop_ingestion(db_log: EventLog) -> None:
    fill(db_log, 4)
    with sql(db_log) as run:
        run("DELETE FROM {chain} WHERE position = 4")
    with pytest.raises(ChainError, match="without chain entries after position 3"):
        db_log.ingest([ev("resolved", "r9", "T0")])
    report = db_log.verify()
    assert report.first_bad_position == 4 and report.problems[0].kind == "unchained"


# --------------------------------------------------------------------------- migration


def test_a_store_from_before_the_chain_is_adopted_trust_from_here_on(
    db_url: str, make_log: Callable[..., EventLog]
) -> None:
    old = make_log(db_url)
    fill(old, 12)
    with sql(old) as run:  # make it a store of the version before the chain
        run("DROP TABLE {chain}")
        run("DROP TABLE {chain}_meta")
        # and alter one event before the migration: the chain cannot know
        run("UPDATE {events} SET topic = 'slacore:updated' WHERE {pos} = 3")
    old.close()
    log = make_log(db_url)
    report = log.verify()
    assert report.ok and report.adopted_position == 12 and report.checked == 12
    assert log.recorder.meta()["format"] == "1"
    cp = log.checkpoint()
    log.ingest([ev("resolved", "r1", "T1")])
    assert log.verify(since_checkpoint=cp).ok
    # after adoption, tampering is found as usual
    with sql(log) as run:
        run("DELETE FROM {events} WHERE {pos} = 2")
    assert log.verify().first_bad_position == 2


def test_reopening_a_chained_store_does_not_adopt_again(
    db_url: str, make_log: Callable[..., EventLog]
) -> None:
    first = make_log(db_url)
    fill(first, 6)
    first.close()
    again = make_log(db_url)
    assert "adopted_position" not in again.recorder.meta()
    assert again.verify().ok and again.verify().adopted_position is None


@pytest.fixture
def db_log(db_url: str, make_log: Callable[..., EventLog]) -> EventLog:
    return make_log(db_url)



# ------------------------------------------------------------------ stored text, not models


@settings(max_examples=examples(150), deadline=None)
@given(st.data())
def test_redacting_the_stored_text_equals_redacting_the_model(data: st.DataObject) -> None:
    """The public text of a leaf is cut from the stored text; for text written by this
    version that is exactly what re-serialising the redacted model gives (so leaves made
    either way agree)."""
    event = data.draw(es.events())
    extra = data.draw(st.fixed_dictionaries({}, optional={
        "actor": st.sampled_from(["alice", "ß-ops"]),
    }))
    if extra:
        event = event.model_copy(update=extra)
    if isinstance(event, TicketOpened | TicketUpdated):
        name = "fields" if isinstance(event, TicketOpened) else "changes"
        values = dict(getattr(event, name))
        values.update(data.draw(st.fixed_dictionaries({}, optional={
            "assignee": st.text(min_size=1, max_size=5),
            "customer": st.sampled_from(["acme", "Ünïcode Ltd"]),
            "attributes": st.dictionaries(st.sampled_from(["caller", "phone"]),
                                          st.text(max_size=4) | st.none(), max_size=2),
        })))
        event = event.model_copy(update={name: values})
    personal = sorted(personal_values(event))
    paths = data.draw(st.lists(st.sampled_from(personal), unique=True)) if personal else []
    assert redact_text(to_json(event), paths) == to_json(redact(event, paths))


def test_verify_reads_the_stored_text_not_todays_writer(
    log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a format change the current code writes an event differently from how it was
    stored; the chain must still verify (the public text comes from the stored bytes)."""
    fill(log)
    assert log.verify().ok
    from slacore.events import codec

    real_to_json = codec.to_json

    def todays_writer(event: Any) -> str:  # a later format: keys in another order
        raw = codec.load_raw(real_to_json(event))
        return codec.dump_raw(dict(reversed(list(raw.items()))))

    monkeypatch.setattr(codec, "to_json", todays_writer)
    monkeypatch.setattr("slacore.events.to_json", todays_writer)
    report = log.verify()
    assert report.ok, report.problems


@settings(max_examples=examples(100), deadline=None)
@given(st.text(), st.text())
def test_the_bulk_state_prefix_builds_the_same_envelope(recorded: str, text: str) -> None:
    """Ingestion builds stored states from ``state_prefix`` and UTF-8 bytes; they must be
    the bytes of ``state_text``, which verification and redaction rebuild."""
    from slacore.log.records import state_prefix, state_text

    assert state_prefix(recorded) + text.encode() + b"}" == state_text(recorded, text).encode()
