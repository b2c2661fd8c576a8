"""What a distributed engine ships to its workers once: the policy, the calendars, the
service events and ``as_of``, as one JSON text (policies, calendars and events all have
exact JSON round trips).  Workers rebuild it once per process and keep it, keyed by the
text's digest, so calendars' lookup tables are built once per worker, not per partition.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from slacore.batch.schema import RESULT_SCHEMA
from slacore.batch.table import ServiceIndex, evaluate_batches, evaluate_table, services_of
from slacore.clock import BusinessCalendar
from slacore.events import ServiceEvent, ServiceEventBase, from_json, to_json
from slacore.policies import Policy
from slacore.policies.model import parse_policy

__all__ = ["Shipment", "Unpacked"]


@dataclass(frozen=True)
class Unpacked:
    """A shipment rebuilt on a worker."""

    policy: Policy
    calendars: dict[str, BusinessCalendar]
    as_of: datetime | None
    services: ServiceIndex


_CACHE: dict[str, Unpacked] = {}
_LOCK = threading.Lock()
_KEEP = 8  # shipments kept per process


@dataclass(frozen=True)
class Shipment:
    """The policy, calendars, service events and ``as_of`` of one batch evaluation, as
    JSON text (cheap to pickle, broadcast or scatter); ``key`` is its SHA-256."""

    text: str
    key: str

    @classmethod
    def pack(
        cls,
        policy: Policy | Mapping[str, Any],
        calendars: Mapping[str, BusinessCalendar] | None = None,
        as_of: datetime | None = None,
        services: Any = None,
    ) -> Shipment:
        """Validate and serialise (``services`` as for ``evaluate_table``)."""
        cals = dict(calendars or {})
        if not isinstance(policy, Policy):
            policy = parse_policy(policy, calendars=cals)
        index = services_of(services)
        data = {
            "policy": policy.model_dump(mode="json", by_alias=True),
            "calendars": {cid: cal.to_spec() for cid, cal in sorted(cals.items())},
            "as_of": None if as_of is None else as_of.isoformat(),
            "services": [to_json(ev) for ev in index.events()],
        }
        text = json.dumps(data, separators=(",", ":"))  # key order matters: metrics
        return cls(text, hashlib.sha256(text.encode()).hexdigest())

    def unpack(self) -> Unpacked:
        """The shipment as objects; built once per process and then reused."""
        with _LOCK:
            hit = _CACHE.get(self.key)
        if hit is not None:
            return hit
        data = json.loads(self.text)
        calendars = {cid: BusinessCalendar.from_spec(spec)
                     for cid, spec in data["calendars"].items()}
        services: list[ServiceEvent] = []
        for line in data["services"]:
            ev = from_json(line)
            assert isinstance(ev, ServiceEventBase)
            services.append(ev)
        as_of = None if data["as_of"] is None else datetime.fromisoformat(data["as_of"])
        unpacked = Unpacked(parse_policy(data["policy"], calendars=calendars), calendars,
                            as_of, ServiceIndex.of(services))
        with _LOCK:
            if len(_CACHE) >= _KEEP:
                _CACHE.clear()
            _CACHE[self.key] = unpacked
        return unpacked

    def evaluate_batches(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """``evaluate_batches`` with the shipped arguments (a stream grouped by ticket)."""
        u = self.unpack()
        return evaluate_batches(batches, u.policy, u.calendars, u.as_of, services=u.services)

    def evaluate_table(self, table: pa.Table) -> pa.Table:
        """``evaluate_table`` with the shipped arguments (rows in any order)."""
        u = self.unpack()
        if table.num_rows == 0:
            return RESULT_SCHEMA.empty_table()
        return evaluate_table(table, u.policy, u.calendars, u.as_of, services=u.services)
