"""Helpers shared by the projections: grouping keys, ordering, plain scalars."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from slacore.events import EventBase
from slacore.policies import Cycle, TicketSla

US = timedelta(microseconds=1)

#: Grouping keys read from the cycle or the result rather than from the ticket's fields.
CYCLE_KEYS = ("metric", "policy_id", "policy_version", "tier", "calendar")


def hashable(value: Any) -> Hashable:
    """A field value usable as a dictionary key (lists become tuples, dicts sorted items)."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, list | tuple):
        return tuple(hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), hashable(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return tuple(sorted((hashable(v) for v in value), key=order_key))
    return value  # type: ignore[no-any-return]


def key_value(result: TicketSla, cycle: Cycle, key: str) -> Hashable:
    """The value of grouping key ``key`` for ``cycle`` of ``result``.

    ``metric``, ``policy_id``, ``policy_version``, ``tier`` and ``calendar`` come from the
    cycle and the result; any other key is a ticket field at the end of the evaluated span
    (``TicketSla.fields``; ``attributes.<name>`` for free attributes), ``None`` if absent.
    """
    if key == "metric":
        return cycle.metric
    if key == "policy_id":
        return result.policy_id
    if key == "policy_version":
        return result.policy_version
    if key == "tier":
        return cycle.tier
    if key == "calendar":
        return cycle.calendar
    return hashable(result.fields.get(key))


def result_value(result: TicketSla, key: str) -> Hashable:
    """The value of a grouping key that does not depend on the cycle."""
    if key == "policy_id":
        return result.policy_id
    if key == "policy_version":
        return result.policy_version
    return hashable(result.fields.get(key))


class KeyMaker:
    """Builds grouping tuples for many keys fast: the parts that depend only on the result
    (ticket fields, policy) once per result, the metric once per metric."""

    __slots__ = ("keys", "per_cycle", "uses_metric")

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = tuple(keys)
        self.per_cycle = any(k in ("tier", "calendar") for k in self.keys)
        self.uses_metric = "metric" in self.keys

    def for_metric(self, result: TicketSla, metric: str) -> tuple[Hashable, ...] | None:
        """The tuple shared by every cycle of ``metric`` in ``result`` (``None`` when it
        depends on the cycle: use ``for_cycle``)."""
        if self.per_cycle:
            return None
        return tuple(metric if k == "metric" else result_value(result, k) for k in self.keys)

    def for_cycle(self, result: TicketSla, cycle: Cycle) -> tuple[Hashable, ...]:
        """The tuple of one cycle."""
        return tuple(key_value(result, cycle, k) for k in self.keys)


def order_key(value: Any) -> tuple[int, str, Any]:
    """A total order over mixed grouping values: numbers, then text, then others, None last."""
    if value is None:
        return (3, "", "")
    if isinstance(value, bool):
        return (2, "bool", str(value))
    if isinstance(value, int | float):
        return (0, "", value)
    if isinstance(value, str):
        return (1, "", value)
    if isinstance(value, tuple):
        return (2, "tuple", tuple(order_key(v) for v in value))
    return (2, type(value).__name__, str(value))


def group_order(values: Sequence[Any]) -> tuple[tuple[int, str, Any], ...]:
    """Order key for a tuple of grouping values."""
    return tuple(order_key(v) for v in values)


def seconds(value: timedelta | None) -> int | float | None:
    """Whole seconds as ``int``, else ``float`` seconds; ``None`` stays ``None``."""
    if value is None:
        return None
    us = value // US
    return us // 1_000_000 if us % 1_000_000 == 0 else us / 1_000_000


def plain(value: Any) -> Any:
    """A grouping value as a plain scalar for rows (tuples become lists)."""
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value


def span_end(result: TicketSla, cycle: Cycle) -> datetime:
    """The instant a cycle's numbers are as of: its stop, else ``as_of``, else the end of its
    last segment (the ticket's last event), else its start."""
    if cycle.stopped_at is not None:
        return cycle.stopped_at
    if result.as_of is not None:
        return result.as_of
    if cycle.segments:
        return cycle.segments[-1].end
    return cycle.started_at


C = TypeVar("C")


class TicketLedger(Generic[C]):
    """An incremental projection that remembers what each ticket contributed, so that a
    re-evaluated ticket replaces its old contribution instead of adding to it.

    Subclasses say what a result contributes (``contributions``) and how a contribution is
    counted in or out (``_apply`` with ``sign`` +1 / -1); ``update``, ``remove`` and ``add``
    are shared.  ``missing_id`` is the error raised by ``update`` for a result without a
    ticket id.
    """

    missing_id: type[Exception] = ValueError
    tickets: dict[str, list[C]]

    def contributions(self, result: TicketSla) -> list[C]:
        """What ``result`` adds to the projection."""
        raise NotImplementedError

    def _apply(self, contributions: list[C], sign: int) -> None:
        raise NotImplementedError

    def add(self, result: TicketSla) -> None:
        """Count ``result`` without remembering it (batch use: it cannot be replaced)."""
        self._apply(self.contributions(result), 1)

    def update(self, result: TicketSla) -> None:
        """Count ``result`` instead of the previous result of the same ticket."""
        if result.ticket_id is None:
            raise self.missing_id("update needs results with a ticket_id")
        contributions = self.contributions(result)
        self.remove(result.ticket_id)
        self.tickets[result.ticket_id] = contributions
        self._apply(contributions, 1)

    def remove(self, ticket_id: str) -> None:
        """Withdraw what the ticket contributed (nothing if unknown)."""
        old = self.tickets.pop(ticket_id, None)
        if old is not None:
            self._apply(old, -1)


class LogFollower:
    """An incremental projection that can read its events from the log itself:
    ``catch_up(log)`` adds every event of the kind ``follows`` stored after ``position``
    (kept in memory) and returns how many log records it read."""

    follows: ClassVar[type[EventBase]]
    position: int

    def add(self, event: Any) -> None:
        """Take one event into account."""
        raise NotImplementedError

    def catch_up(self, log: Any) -> int:
        """Add the events of ``log`` (an ``EventLog``) after the last position read; the
        number of log records read."""
        n = 0
        for rec in log.read(self.position):
            if isinstance(rec.event, self.follows):
                self.add(rec.event)
            self.position = rec.position
            n += 1
        return n
