"""The batch path on real engines: a Dask cluster of two worker processes and Spark
``local[2]``.  Their results equal the single-process ``evaluate_table`` and
``slacore.evaluate`` ticket by ticket.  One cluster and one Spark session serve the whole
test session (see conftest)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (slacore.batch extra)")

from batch_cases import UTC, make_events  # noqa: E402

from slacore.batch import RESULT_SCHEMA, evaluate_table, events_table, in_result_order  # noqa: E402
from slacore.batch.results import result_batch  # noqa: E402
from slacore.errors import InvalidInput  # noqa: E402
from slacore.policies import evaluate  # noqa: E402

AS_OF = datetime(2026, 3, 12, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def data() -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]], Any]:
    """120 tickets and their services' events, all in one table, rows shuffled."""
    lives, services = make_events(120, seed=11)
    rows = [e for life in lives for e in life] + services
    rows = rows[::2] + rows[1::2]  # tickets' rows apart: the engines must bring them together
    return lives, services, events_table(rows)


def _per_ticket(policy: Any, calendars: Any, lives: Any, services: Any, as_of: Any) -> Any:
    results = [evaluate(policy, life, calendars=calendars, services=services, as_of=as_of)
               for life in sorted(lives, key=lambda life: life[0]["ticket_id"])]
    return pa.Table.from_batches([result_batch(results)], schema=RESULT_SCHEMA)


@pytest.mark.parametrize("as_of", [None, AS_OF])
def test_dask_equals_the_single_process_path(dask_client, policy, calendars, data, as_of):
    import dask.dataframe as dd
    import pandas as pd

    from slacore.batch.dask import evaluate_dask

    lives, services, table = data
    frame = dd.from_pandas(table.to_pandas(types_mapper=pd.ArrowDtype), npartitions=4)
    lazy = evaluate_dask(frame, policy, calendars, as_of, npartitions=3)
    assert lazy.npartitions == 3
    got = in_result_order(lazy.compute(), policy)
    single = evaluate_table(table, policy, calendars, as_of)
    assert got.num_rows > 0
    assert got.equals(single)
    assert got.equals(_per_ticket(policy, calendars, lives, services, as_of))


def test_dask_takes_service_events_as_an_argument_too(dask_client, policy, calendars, data):
    import dask.dataframe as dd
    import pandas as pd

    from slacore.batch.dask import evaluate_dask

    lives, services, _ = data
    tickets = events_table([e for life in lives for e in life])
    frame = dd.from_pandas(tickets.to_pandas(types_mapper=pd.ArrowDtype), npartitions=2)
    got = in_result_order(evaluate_dask(frame, policy, calendars, services=services).compute(),
                          policy)
    assert got.equals(_per_ticket(policy, calendars, lives, services, None))


def test_dask_reports_a_bad_row(dask_client, policy, calendars):
    import dask.dataframe as dd
    import pandas as pd

    from slacore.batch.dask import evaluate_dask

    table = events_table(make_events(3)[0][0])
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    frame.loc[1, "type"] = "escalated"
    lazy = evaluate_dask(dd.from_pandas(frame, npartitions=1), policy, calendars)
    with pytest.raises(InvalidInput, match="unknown event type"):
        lazy.compute()


@pytest.mark.parametrize("as_of", [None, AS_OF])
def test_spark_equals_the_single_process_path(spark, policy, calendars, data, as_of):
    from slacore.batch.spark import evaluate_spark, result_spark_schema

    lives, services, table = data
    frame = spark.createDataFrame(table)
    lazy = evaluate_spark(frame, policy, calendars, as_of)
    assert lazy.schema == result_spark_schema()
    got = in_result_order(lazy.toArrow(), policy)
    assert got.num_rows > 0
    assert got.equals(evaluate_table(table, policy, calendars, as_of))
    assert got.equals(_per_ticket(policy, calendars, lives, services, as_of))


def test_spark_with_iso_text_instants_and_services_as_a_table(spark, policy, calendars, data):
    from slacore.batch.spark import evaluate_spark

    lives, services, _ = data
    tickets = events_table([e for life in lives for e in life])
    at = pa.array([None if v is None else v.isoformat() for v in tickets.column("at")
                   .to_pylist()])
    as_text = tickets.set_column(tickets.schema.get_field_index("at"), "at", at)
    frame = spark.createDataFrame(as_text.drop_columns(["service_id"]))
    got = in_result_order(
        evaluate_spark(frame, policy, calendars, services=events_table(services),
                       num_partitions=2).toArrow(), policy)
    assert got.equals(_per_ticket(policy, calendars, lives, services, None))
