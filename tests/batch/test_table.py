"""The single-process batch path: hand-computed figures, equality with ``evaluate`` per
ticket whatever the row order and batch size, the events layout, and errors that name the
row and the field."""

from __future__ import annotations

import json
import random
from datetime import datetime
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (slacore.batch extra)")

from batch_cases import UTC, make_events  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from slacore.batch import (  # noqa: E402
    EVENTS_SCHEMA,
    RESULT_SCHEMA,
    InvalidRow,
    InvalidTable,
    Shipment,
    evaluate_batches,
    evaluate_table,
    events_table,
    in_result_order,
)
from slacore.batch.results import result_batch  # noqa: E402
from slacore.batch.rows import decode_rows  # noqa: E402
from slacore.events import canonical_json  # noqa: E402
from slacore.policies import evaluate  # noqa: E402
from slacore.policies.evaluate import MissingCalendar  # noqa: E402
from slacore.testing.event_strategies import service_events, ticket_histories  # noqa: E402
from slacore.testing.profiles import examples  # noqa: E402
from slacore.testing.sla_strategies import sla_cases, ticket_lives  # noqa: E402

H, M = 3_600_000_000, 60_000_000  # an hour and a minute in microseconds


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def expected(policy: Any, calendars: Any, lives: list[list[dict[str, Any]]],
             services: list[dict[str, Any]], as_of: datetime | None = None) -> Any:
    """``evaluate`` ticket by ticket (in ticket_id order) as a result table."""
    ordered = sorted(lives, key=lambda life: life[0]["ticket_id"])
    results = [evaluate(policy, life, calendars=calendars, services=services, as_of=as_of)
               for life in ordered]
    return pa.Table.from_batches([result_batch(results)], schema=RESULT_SCHEMA)


# --------------------------------------------------------------------------- figures

A = [
    {"type": "opened", "event_id": "a0", "ticket_id": "A", "at": _utc("2026-03-03 09:00"),
     "fields": {"priority": "P1", "status": "new", "service": "email"}},
    {"type": "agent_responded", "event_id": "a1", "ticket_id": "A",
     "at": _utc("2026-03-03 09:20")},
    {"type": "updated", "event_id": "a2", "ticket_id": "A", "at": _utc("2026-03-03 10:00"),
     "changes": {"status": "awaiting_customer"}},
    {"type": "updated", "event_id": "a3", "ticket_id": "A", "at": _utc("2026-03-03 11:00"),
     "changes": {"status": "in_progress"}},
    {"type": "resolved", "event_id": "a4", "ticket_id": "A", "at": _utc("2026-03-03 15:00")},
]
B = [  # 14:00Z is 09:00 in New York (EST): the office opens
    {"type": "opened", "event_id": "b0", "ticket_id": "B", "at": _utc("2026-03-04 14:00"),
     "fields": {"priority": "P2", "status": "new", "service": "vpn"}},
]
SERVICES = [
    {"type": "maintenance_scheduled", "event_id": "m1", "service_id": "email",
     "at": _utc("2026-03-01 00:00"), "start": _utc("2026-03-03 12:00"),
     "end": _utc("2026-03-03 13:00")},
    {"type": "outage_started", "event_id": "o1", "service_id": "vpn",
     "at": _utc("2026-03-04 20:00")},
    {"type": "outage_ended", "event_id": "o2", "service_id": "vpn",
     "at": _utc("2026-03-04 21:00")},
]
AS_OF = _utc("2026-03-05 16:00")  # Thursday 11:00 in New York


def _row(table: Any, ticket: str, metric: str) -> dict[str, Any]:
    rows = [r for r in table.to_pylist() if r["ticket_id"] == ticket and r["metric"] == metric]
    assert len(rows) == 1
    return rows[0]


def test_hand_computed_figures_with_service_rows_in_the_same_table(policy, calendars):
    table = events_table([*B, *SERVICES, *A])  # any row order
    out = evaluate_table(table, policy, calendars, AS_OF)
    assert out.schema == RESULT_SCHEMA
    assert [(r["ticket_id"], r["metric"]) for r in out.to_pylist()] == [
        ("A", "response"), ("A", "resolution"), ("B", "response"), ("B", "resolution")]

    a_resp = _row(out, "A", "response")  # P1: 30 min on the 24x7 calendar
    assert (a_resp["state"], a_resp["elapsed_us"], a_resp["met"]) == ("stopped", 20 * M, True)
    assert (a_resp["target_us"], a_resp["tier"], a_resp["calendar"]) == (30 * M, 0, "always")

    # 09:00-15:00 is 6 h: 1 h paused (awaiting customer), 1 h maintenance, 4 h counted
    a_res = _row(out, "A", "resolution")
    assert (a_res["elapsed_us"], a_res["paused_us"], a_res["excluded_us"]) == (4 * H, H, H)
    assert (a_res["breached"], a_res["met"], a_res["remaining_us"]) == (False, True, 0)
    assert a_res["stopped_at"] == _utc("2026-03-03 15:00")
    assert a_res["stop_event_id"] == "a4"
    # 50 % (2 h) is reached at 12:00, 90 % (3 h 36 min) at 14:36
    assert (a_res["warnings"], a_res["last_warning_at"]) == (2, _utc("2026-03-03 14:36"))
    assert json.loads(a_res["fields"]) == {"priority": "P1", "service": "email",
                                           "status": "in_progress"}

    # B, P2 on the office calendar: Wed 09:00-17:00 + Thu 09:00-11:00 = 10 h
    b_resp = _row(out, "B", "response")
    assert (b_resp["state"], b_resp["elapsed_us"], b_resp["target_us"]) == ("running", 10 * H,
                                                                              2 * H)
    assert (b_resp["breached"], b_resp["met"]) == (True, None)
    assert b_resp["breached_at"] == _utc("2026-03-04 16:00")
    assert b_resp["stopped_at"] is None
    # the vpn outage (15:00-16:00 in New York) is excluded; the email maintenance is not
    b_res = _row(out, "B", "resolution")
    assert (b_res["elapsed_us"], b_res["excluded_us"], b_res["remaining_us"]) == (
        9 * H, H, 7 * H)
    # 7 h left from Thu 11:00: 6 h to Thursday's close, 1 h on Friday -> Fri 10:00 EST
    assert b_res["due_at"] == _utc("2026-03-06 15:00")
    assert (b_res["warnings"], b_res["last_warning_at"]) == (1, _utc("2026-03-05 15:00"))
    assert out.equals(expected(policy, calendars, [A, B], SERVICES, AS_OF))


def test_service_events_as_a_second_table_or_as_events_give_the_same(policy, calendars):
    together = evaluate_table(events_table([*A, *B, *SERVICES]), policy, calendars, AS_OF)
    tickets = events_table([*A, *B])
    assert evaluate_table(tickets, policy, calendars, AS_OF,
                          services=events_table(SERVICES)).equals(together)
    assert evaluate_table(tickets, policy, calendars, AS_OF, services=SERVICES).equals(together)
    without = evaluate_table(tickets, policy, calendars, AS_OF)
    assert _row(without, "A", "resolution")["excluded_us"] == 0


def test_pandas_input_gives_the_same_table(policy, calendars):
    pd = pytest.importorskip("pandas")
    table = events_table([*A, *B, *SERVICES])
    frame = table.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert evaluate_table(frame, policy, calendars, AS_OF).equals(
        evaluate_table(table, policy, calendars, AS_OF))


def test_iso_text_instants_and_struct_fields_read_like_the_json_codec(policy, calendars):
    rows = [
        {"type": "opened", "event_id": "a0", "ticket_id": "A", "at": "2026-03-03T04:00:00-05:00",
         "fields": {"priority": "P1", "status": "new", "service": "email"}},
        {"type": "agent_responded", "event_id": "a1", "ticket_id": "A",
         "at": "2026-03-03T10:20:00+01:00", "fields": None},
    ]
    table = pa.Table.from_pylist(rows)
    assert pa.types.is_struct(table.schema.field("fields").type)
    out = evaluate_table(table, policy, calendars)
    assert _row(out, "A", "response")["elapsed_us"] == 20 * M


# --------------------------------------------------------------------------- equality


def _scrambled(lives: list[list[dict[str, Any]]], services: list[dict[str, Any]],
               seed: int) -> Any:
    rows = [e for life in lives for e in life] + services
    random.Random(seed).shuffle(rows)
    return events_table(rows)


@pytest.mark.parametrize("batch_rows", [1, 3, 64, 100_000])
def test_equals_evaluate_per_ticket_for_any_row_order_and_batch_size(policy, calendars,
                                                                     batch_rows):
    lives, services = make_events(40, seed=batch_rows)
    table = _scrambled(lives, services, seed=batch_rows)
    for as_of in (None, _utc("2026-03-12 12:00")):
        out = evaluate_table(table, policy, calendars, as_of, batch_rows=batch_rows)
        assert out.equals(expected(policy, calendars, lives, services, as_of))
        if as_of is None:  # every ticket opened: two metrics, one cycle or more each
            assert out.num_rows >= 80


@settings(max_examples=examples(30), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=sla_cases(), more=st.lists(ticket_lives(ticket_id="INC2"), max_size=1),
       batch_rows=st.integers(1, 12), seed=st.integers(0, 1000))
def test_property_equals_evaluate_per_ticket(case, more, batch_rows, seed):
    lives = [case.events, *more]
    table = _scrambled(lives, case.services, seed)
    out = evaluate_table(table, case.policy, case.calendars, batch_rows=batch_rows)
    assert out.equals(expected(case.policy, case.calendars, lives, case.services))


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(history=ticket_histories(), services=st.lists(service_events(), max_size=4))
def test_events_table_round_trips_every_event_exactly(history, services):
    events = [*history, *services]
    table = events_table(events)
    assert table.schema == EVENTS_SCHEMA
    back = [ev for batch in table.to_batches() for _, ev in decode_rows(batch, 0)]
    assert [canonical_json(e) for e in back] == [canonical_json(e) for e in events]


def test_a_stream_grouped_by_ticket_is_evaluated_as_it_comes(policy, calendars):
    lives, services = make_events(30, seed=5)
    table = events_table([e for life in reversed(lives) for e in life])  # grouped, not sorted
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=4))
    batches = list(evaluate_batches(reader, policy, calendars, services=services))
    assert len(batches) > 1
    got = pa.Table.from_batches(batches)
    assert got.column("ticket_id").to_pylist() != sorted(got.column("ticket_id").to_pylist())
    assert in_result_order(got, policy).equals(expected(policy, calendars, lives, services))


def test_a_stream_whose_ticket_comes_back_is_refused_naming_the_row(policy, calendars):
    table = events_table([A[0], B[0], A[1]])
    with pytest.raises(InvalidRow) as err:
        list(evaluate_batches(table.to_batches(max_chunksize=1), policy, calendars))
    assert err.value.row == 2
    assert "ticket_id" in str(err.value) and "not contiguous" in str(err.value)
    assert "'a1' in row 2" in str(err.value)


def test_service_rows_in_a_stream_are_refused(policy, calendars):
    table = events_table([A[0], SERVICES[0]])
    with pytest.raises(InvalidRow, match="pass them as services="):
        list(evaluate_batches(table.to_batches(), policy, calendars))


def test_empty_table_gives_an_empty_result(policy, calendars):
    out = evaluate_table(events_table([]), policy, calendars)
    assert out.num_rows == 0 and out.schema == RESULT_SCHEMA


def test_shipment_round_trips_policy_calendars_services_and_as_of(policy, calendars):
    shipment = Shipment.pack(policy, calendars, AS_OF, SERVICES)
    unpacked = shipment.unpack()
    assert unpacked.policy == policy
    assert list(unpacked.policy.metrics) == list(policy.metrics)
    assert {k: c.to_spec() for k, c in unpacked.calendars.items()} == {
        k: c.to_spec() for k, c in calendars.items()}
    assert unpacked.as_of == AS_OF
    assert shipment.unpack() is unpacked  # built once per process
    tickets = events_table([*A, *B])
    assert shipment.evaluate_table(tickets).equals(
        evaluate_table(tickets, policy, calendars, AS_OF, services=SERVICES))


# --------------------------------------------------------------------------- errors


def test_bad_json_in_a_row_names_the_row_and_the_column(policy, calendars):
    table = events_table(A).set_column(
        EVENTS_SCHEMA.get_field_index("changes"), "changes",
        pa.array([None, None, '{"status": "x",}', None, None], pa.string()))
    with pytest.raises(InvalidRow) as err:
        evaluate_table(table, policy, calendars)
    assert err.value.row == 2 and err.value.event_id == "a2"
    assert err.value.problems[0].field == "changes"
    assert "not valid JSON" in str(err.value)


def test_invalid_events_give_the_codecs_errors_with_the_row(policy, calendars):
    rows = [dict(A[0]), {"type": "escalated", "event_id": "x", "ticket_id": "A",
                         "at": A[0]["at"]}]
    table = pa.Table.from_pylist([{**r, "fields": json.dumps(r.get("fields"))
                                   if r.get("fields") else None} for r in rows])
    with pytest.raises(InvalidRow) as err:
        evaluate_table(table, policy, calendars)
    assert err.value.row == 1
    assert str(err.value).startswith("invalid event 'x' in row 1 of the events table: type:")
    assert "unknown event type" in str(err.value) and "'escalated'" in str(err.value)

    bad_field = events_table(A).set_column(
        EVENTS_SCHEMA.get_field_index("fields"), "fields",
        pa.array(['{"priority": "P1", "colour": "red"}', None, None, None, None]))
    with pytest.raises(InvalidRow, match=r"row 0 .*fields\.colour: unknown ticket field"):
        evaluate_table(bad_field, policy, calendars)


def test_table_level_problems_name_the_column(policy, calendars):
    table = events_table(A)
    with pytest.raises(InvalidTable, match="at: required column is missing"):
        evaluate_table(table.drop_columns(["at"]), policy, calendars)
    with pytest.raises(InvalidTable, match="ticket: unknown column"):
        evaluate_table(table.rename_columns(
            ["ticket" if n == "ticket_id" else n for n in table.schema.names]), policy,
            calendars)
    naive = table.set_column(EVENTS_SCHEMA.get_field_index("at"), "at",
                             table.column("at").cast(pa.timestamp("us")))
    with pytest.raises(InvalidTable, match="at: timestamps without a time zone"):
        evaluate_table(naive, policy, calendars)
    numeric = table.set_column(EVENTS_SCHEMA.get_field_index("event_id"), "event_id",
                               pa.array(range(5)))
    with pytest.raises(InvalidTable, match="event_id: column must hold text"):
        evaluate_table(numeric, policy, calendars)


def test_a_missing_calendar_is_refused_before_any_row(policy):
    with pytest.raises(MissingCalendar, match="office"):
        evaluate_table(events_table(A), policy, {})


def test_instants_finer_than_a_microsecond_are_refused(policy, calendars):
    table = events_table(A)
    ns = table.column("at").cast(pa.timestamp("ns", tz="UTC"))
    ns = pa.array([v.value + 1 for v in ns], pa.timestamp("ns", tz="UTC"))
    with pytest.raises(InvalidTable, match="finer than a microsecond"):
        evaluate_table(table.set_column(EVENTS_SCHEMA.get_field_index("at"), "at", ns),
                       policy, calendars)
