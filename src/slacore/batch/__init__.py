"""The batch API (DESIGN §8): an Arrow or pandas table of events in, an Arrow table with
one row per SLA cycle out, partitioned by ticket so that it runs unchanged inside a
distributed engine.

``evaluate_table`` is the single-process path; ``slacore.batch.dask`` and
``slacore.batch.spark`` run the same per-partition function on Dask and Spark.  Needs the
``batch`` extra (pyarrow; pandas for DataFrames).  See ``docs/batch.md``.
"""

from slacore.batch.rows import InvalidRow, InvalidTable, events_table
from slacore.batch.schema import EVENT_COLUMNS, EVENTS_SCHEMA, RESULT_SCHEMA
from slacore.batch.shipping import Shipment
from slacore.batch.table import (
    ServiceIndex,
    evaluate_batches,
    evaluate_table,
    in_result_order,
    services_of,
)

__all__ = [
    "EVENTS_SCHEMA",
    "EVENT_COLUMNS",
    "RESULT_SCHEMA",
    "InvalidRow",
    "InvalidTable",
    "ServiceIndex",
    "Shipment",
    "evaluate_batches",
    "evaluate_table",
    "events_table",
    "in_result_order",
    "services_of",
]
