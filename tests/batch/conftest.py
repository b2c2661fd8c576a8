"""Fixtures of the batch tests: a small policy, calendars, a seeded event set, and (once
per session) a real Dask cluster of two worker processes and a real Spark ``local[2]``.

Dask and Spark are optional extras: without them those tests skip with the reason, except
under ``CI=true``, where a missing engine is a failure."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from batch_cases import POLICY

from slacore.clock import BusinessCalendar
from slacore.policies import Policy, parse_policy


def need(module: str) -> ModuleType:
    """Import an optional engine; skip when it is missing, unless CI requires it."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"{module} is not installed (the optional "
                               "extras of slacore.batch); CI=true makes this a failure")


@pytest.fixture(scope="session")
def calendars() -> dict[str, BusinessCalendar]:
    office = BusinessCalendar("America/New_York",
                              hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu",
                                                                  "fri")},
                              holidays=["2026-03-10"])
    return {"office": office}


@pytest.fixture(scope="session")
def policy(calendars: dict[str, BusinessCalendar]) -> Policy:
    return parse_policy(POLICY, calendars=calendars)


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A real ``distributed`` cluster: two worker processes, one thread each."""
    need("dask.dataframe")
    distributed = need("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A real Spark ``local[2]`` session (Python workers run this interpreter); small Arrow
    batches so that tickets straddle batch boundaries; a session time zone with DST."""
    need("pyspark")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("slacore-batch-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "3")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "7")
        .config("spark.sql.session.timeZone", "America/New_York")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
