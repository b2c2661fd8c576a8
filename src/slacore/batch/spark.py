"""The batch path on Spark: ``repartition`` the events on ``ticket_id``, sort within each
partition by ticket, and stream every partition's Arrow batches through
``evaluate_batches`` with ``mapInArrow`` (the last ticket of each Arrow batch is carried
over to the next, so no ticket is split).

``mapInArrow`` hands Python aware ``timestamp[us, tz]`` values and never goes through
pandas: no local-time surprises across DST and no per-row conversions.  The policy,
calendars, service events and ``as_of`` travel as one broadcast ``Shipment``.  Needs the
``spark`` extra (pyspark, pyarrow) and a classic (non-Connect) ``SparkSession``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from slacore.batch.rows import InvalidTable
from slacore.batch.schema import RESULT_SCHEMA
from slacore.batch.shipping import Shipment
from slacore.batch.table import services_of
from slacore.clock import BusinessCalendar
from slacore.errors import InvalidInput, Problem
from slacore.policies import Policy

__all__ = ["evaluate_spark", "result_spark_schema"]


def _spark_type(t: pa.DataType) -> T.DataType:
    if pa.types.is_string(t):
        return T.StringType()
    if pa.types.is_int64(t):
        return T.LongType()
    if pa.types.is_boolean(t):
        return T.BooleanType()
    if pa.types.is_timestamp(t):
        return T.TimestampType()
    raise TypeError(f"no Spark type for {t}")  # pragma: no cover - RESULT_SCHEMA is fixed


def result_spark_schema() -> T.StructType:
    """``RESULT_SCHEMA`` as a Spark schema (instants as ``TimestampType``: UTC
    microseconds, shown in the session's time zone)."""
    return T.StructType([T.StructField(f.name, _spark_type(f.type), f.nullable)
                         for f in RESULT_SCHEMA])


def _partition(batches: Iterator[pa.RecordBatch], shipped: Any) -> Iterator[pa.RecordBatch]:
    """Evaluate one partition, sorted by ticket, batch by batch."""
    shipment: Shipment = shipped.value
    yield from shipment.evaluate_batches(batches)


def evaluate_spark(
    events: DataFrame,
    policy: Policy | Mapping[str, Any],
    calendars: Mapping[str, BusinessCalendar] | None = None,
    as_of: datetime | None = None,
    *,
    services: Any = None,
    num_partitions: int | None = None,
) -> DataFrame:
    """Every ticket of a Spark events frame evaluated under ``policy``: a lazy Spark
    frame, one row per cycle (``result_spark_schema()``).

    ``events`` has the columns of the events layout (``docs/batch.md``): ``at`` a
    ``TimestampType`` (or ISO 8601 text with offsets), ``fields``/``changes`` JSON text.
    Service rows (``service_id`` without ``ticket_id``) are collected to the driver and
    broadcast with the policy; so are ``services``.  Ticket rows are repartitioned on
    ``ticket_id`` (into ``num_partitions``, default Spark's shuffle partitions) and sorted
    within partitions.  Row numbers in errors count within a partition.
    """
    if "ticket_id" not in events.columns:
        raise InvalidTable([Problem("ticket_id", ..., "required column is missing")])
    if num_partitions is not None and num_partitions < 1:
        raise InvalidInput([Problem("num_partitions", num_partitions, "must be at least 1")],
                           what="argument")
    index = services_of(services)
    tickets = events
    if "service_id" in events.columns:
        is_service = F.col("ticket_id").isNull() & F.col("service_id").isNotNull()
        found = events.filter(is_service).toArrow()
        if found.num_rows:
            index = index.merged(services_of(found))
        tickets = events.filter(~is_service)
    shipment = Shipment.pack(policy, calendars, as_of, index)
    shipped = events.sparkSession.sparkContext.broadcast(shipment)
    parted = (tickets.repartition(num_partitions, "ticket_id") if num_partitions
              else tickets.repartition("ticket_id"))
    ordered = parted.sortWithinPartitions("ticket_id")
    return ordered.mapInArrow(partial(_partition, shipped=shipped), result_spark_schema())
