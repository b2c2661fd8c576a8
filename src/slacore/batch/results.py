"""``TicketSla`` results as Arrow record batches of ``RESULT_SCHEMA``: one row per cycle,
built column by column from integers (instants in UTC microseconds)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from slacore.batch.schema import RESULT_SCHEMA
from slacore.clock.instants import EPOCH, ONE_US
from slacore.policies import TicketSla

__all__ = ["fields_json", "result_batch"]


def _us(value: datetime | None) -> int | None:
    return None if value is None else (value - EPOCH) // ONE_US


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def fields_json(fields: dict[str, Any]) -> str:
    """A ticket's final fields as compact JSON, keys sorted, ``Decimal``s as strings
    (exact), attributes flat as ``attributes.<name>``."""
    return json.dumps({k: _plain(v) for k, v in fields.items()}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)


def result_batch(results: Iterable[TicketSla]) -> pa.RecordBatch:
    """One row per cycle of every metric of every result, in the order given."""
    cols: dict[str, list[Any]] = {name: [] for name in RESULT_SCHEMA.names}
    (ticket_id, policy_id, policy_version, metric, cycle, state, end_reason, started_at,
     stopped_at, target_us, tier, calendar, elapsed_us, paused_us, excluded_us, remaining_us,
     breached, met, breached_at, due_at, warnings, last_warning_at, start_event_id,
     stop_event_id, anomalies, conflicts, fields) = (cols[n] for n in RESULT_SCHEMA.names)
    for result in results:
        tid = result.ticket_id
        n_anomalies = len(result.anomalies)
        n_conflicts = len(result.conflicts)
        text = None
        for mid, cycles in result.metrics.items():
            for c in cycles:
                if text is None:
                    text = fields_json(result.fields)
                ticket_id.append(tid)
                policy_id.append(result.policy_id)
                policy_version.append(result.policy_version)
                metric.append(mid)
                cycle.append(c.index)
                state.append(c.state)
                end_reason.append(c.end_reason)
                started_at.append(_us(c.started_at))
                stopped_at.append(_us(c.stopped_at))
                target_us.append(c.target // ONE_US)
                tier.append(c.tier)
                calendar.append(c.calendar)
                elapsed_us.append(c.elapsed // ONE_US)
                paused_us.append(c.paused // ONE_US)
                excluded_us.append(c.excluded // ONE_US)
                remaining_us.append(c.remaining // ONE_US)
                breached.append(c.breached)
                met.append(c.met)
                breached_at.append(_us(c.breached_at))
                due_at.append(_us(c.due_at))
                warnings.append(len(c.warnings))
                last_warning_at.append(_us(c.warnings[-1].at) if c.warnings else None)
                start_event_id.append(c.start_event_id)
                stop_event_id.append(c.stop_event_id)
                anomalies.append(n_anomalies)
                conflicts.append(n_conflicts)
                fields.append(text)
    arrays = [pa.array(cols[f.name], type=f.type) for f in RESULT_SCHEMA]
    return pa.RecordBatch.from_arrays(arrays, schema=RESULT_SCHEMA)
