"""The batch path on Dask: shuffle the events on ``ticket_id`` so that each ticket's rows
sit in one partition, then evaluate each partition once with ``evaluate_table``.

The policy, calendars, service events and ``as_of`` travel as one ``Shipment``, scattered
to every worker once (when a ``distributed`` client is running) and rebuilt once per
worker process.  Needs the ``dask`` extra (``dask[dataframe,distributed]``, pyarrow).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dask.dataframe as dd
import pandas as pd
import pyarrow as pa

from slacore.batch.rows import InvalidTable
from slacore.batch.schema import RESULT_SCHEMA
from slacore.batch.shipping import Shipment
from slacore.batch.table import services_of
from slacore.clock import BusinessCalendar
from slacore.errors import InvalidInput, Problem
from slacore.policies import Policy

__all__ = ["evaluate_dask", "result_meta"]


def result_meta() -> pd.DataFrame:
    """The empty pandas frame of results (Arrow-backed dtypes, ``RESULT_SCHEMA``)."""
    return RESULT_SCHEMA.empty_table().to_pandas(types_mapper=pd.ArrowDtype)


def _partition(frame: pd.DataFrame, shipment: Shipment) -> pd.DataFrame:
    """Evaluate the tickets of one partition (every row of each ticket is in it)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return shipment.evaluate_table(table).to_pandas(types_mapper=pd.ArrowDtype)


def _import_on_worker() -> None:
    """Import what the tasks unpickle before any task runs: a worker that first imports
    ``dask.dataframe`` while a message needing it is being unpickled on its comm thread can
    fail with ``KeyError: 'dask.dataframe'`` (an import race)."""
    import dask.dataframe  # noqa: F401

    import slacore.batch.dask  # noqa: F401


def _client(client: Any) -> Any:
    if client is not None:
        return client
    try:
        from distributed import get_client
    except ImportError:  # plain dask: the shipment goes into the graph
        return None
    try:
        return get_client()
    except ValueError:  # no client running
        return None


def evaluate_dask(
    events: dd.DataFrame,
    policy: Policy | Mapping[str, Any],
    calendars: Mapping[str, BusinessCalendar] | None = None,
    as_of: datetime | None = None,
    *,
    services: Any = None,
    npartitions: int | None = None,
    client: Any = None,
) -> dd.DataFrame:
    """Every ticket of a Dask events frame evaluated under ``policy``: a lazy Dask frame,
    one row per cycle (``RESULT_SCHEMA`` as Arrow-backed pandas dtypes).

    ``events`` has the columns of the events layout (``docs/batch.md``).  Service rows
    (``service_id`` without ``ticket_id``) are collected to the client and shipped with
    the policy; so are ``services``.  The ticket rows are shuffled on ``ticket_id`` into
    ``npartitions`` partitions (default: as many as the input has) and each partition is
    evaluated with one call.  ``client`` is a ``distributed.Client`` (default: the running
    one, if any); the shipment is scattered to all its workers once.  Row numbers in errors
    count within a partition.
    """
    problems = []
    if "ticket_id" not in events.columns:
        problems.append(Problem("ticket_id", ..., "required column is missing"))
    if problems:
        raise InvalidTable(problems)
    index = services_of(services)
    tickets = events
    if "service_id" in events.columns:
        is_service = events["ticket_id"].isna() & ~events["service_id"].isna()
        found = events[is_service].compute()
        if len(found):
            index = index.merged(services_of(pa.Table.from_pandas(found, preserve_index=False)))
        tickets = events[~is_service]
    if npartitions is not None and npartitions < 1:
        raise InvalidInput([Problem("npartitions", npartitions, "must be at least 1")],
                           what="argument")
    shipment = Shipment.pack(policy, calendars, as_of, index)
    shipped: Any = shipment
    running = _client(client)
    if running is not None:
        running.run(_import_on_worker)
        shipped = running.scatter(shipment, broadcast=True, hash=False)
    shuffled = tickets.shuffle(on="ticket_id", npartitions=npartitions)
    result: dd.DataFrame = shuffled.map_partitions(_partition, shipped, meta=result_meta(),
                                                   align_dataframes=False)
    return result
