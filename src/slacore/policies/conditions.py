"""The condition language of policies: a small, serialisable predicate over a ticket's
current fields.

    {priority: [P1, P2]}                  field has one of the values
    {priority: P1}                        shorthand for [P1]
    {status: {not_in: [resolved]}}        field missing, or none of the values
    {vendor: {exists: true}}              field present (and not null)
    {all: [...]}, {any: [...]}, {not: c}  combinations
    {priority: [P1], service: [email]}    several keys: all must hold

Field names are the ticket fields (``status``, ``priority``, …) or ``attributes.<name>``
for free attributes; an unknown name is an error when the policy is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from slacore.events import TICKET_FIELDS as EVENT_FIELDS

#: Ticket fields a condition may name (``attributes.<name>`` reaches free attributes).
TICKET_FIELDS: tuple[str, ...] = tuple(f for f in EVENT_FIELDS if f != "attributes")
_COMBINATORS = ("all", "any", "not")
Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class FieldIn:
    """The field is present and equal to one of ``values``."""

    field: str
    values: tuple[Scalar, ...]

    def matches(self, fields: Mapping[str, Any]) -> bool:
        """True when the condition holds for these ticket fields."""
        return self.field in fields and fields[self.field] in self.values


@dataclass(frozen=True, slots=True)
class FieldNotIn:
    """The field is missing or equal to none of ``values``."""

    field: str
    values: tuple[Scalar, ...]

    def matches(self, fields: Mapping[str, Any]) -> bool:
        """True when the condition holds for these ticket fields."""
        return self.field not in fields or fields[self.field] not in self.values


@dataclass(frozen=True, slots=True)
class FieldExists:
    """The field is present and not null (``exists: true``), or the opposite."""

    field: str
    exists: bool = True

    def matches(self, fields: Mapping[str, Any]) -> bool:
        """True when the condition holds for these ticket fields."""
        return (fields.get(self.field) is not None) == self.exists


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every part holds (true when empty)."""

    parts: tuple[Condition, ...]

    def matches(self, fields: Mapping[str, Any]) -> bool:
        """True when the condition holds for these ticket fields."""
        return all(p.matches(fields) for p in self.parts)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one part holds (false when empty)."""

    parts: tuple[Condition, ...]

    def matches(self, fields: Mapping[str, Any]) -> bool:
        """True when the condition holds for these ticket fields."""
        return any(p.matches(fields) for p in self.parts)


@dataclass(frozen=True, slots=True)
class Not:
    """The part does not hold."""

    part: Condition

    def matches(self, fields: Mapping[str, Any]) -> bool:
        """True when the condition holds for these ticket fields."""
        return not self.part.matches(fields)


Condition = FieldIn | FieldNotIn | FieldExists | AllOf | AnyOf | Not


def _field_name(name: Any) -> str:
    if not isinstance(name, str):
        raise ValueError(f"condition key {name!r} is not a field name")
    if name in TICKET_FIELDS:
        return name
    if name.startswith("attributes.") and len(name) > len("attributes."):
        return name
    raise ValueError(
        f"unknown field {name!r} in condition; use one of {', '.join(TICKET_FIELDS)}, "
        "'attributes.<name>', or all/any/not"
    )


def _values(field: str, value: Any) -> tuple[Scalar, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if not isinstance(item, str | int | float | bool) and item is not None:
            raise ValueError(f"value {item!r} for {field!r} is not a string, number or boolean")
    return tuple(items)


def parse_condition(data: Any) -> Condition:
    """A ``Condition`` from its data form; ``ValueError`` naming the offending key."""
    if isinstance(data, FieldIn | FieldNotIn | FieldExists | AllOf | AnyOf | Not):
        return data
    if not isinstance(data, Mapping) or not data:
        raise ValueError(f"a condition is a non-empty mapping, not {data!r}")
    parts: list[Condition] = []
    for key, value in data.items():
        if key in ("all", "any"):
            if not isinstance(value, list | tuple):
                raise ValueError(f"'{key}' takes a list of conditions, not {value!r}")
            subs = tuple(parse_condition(v) for v in value)
            parts.append(AllOf(subs) if key == "all" else AnyOf(subs))
        elif key == "not":
            parts.append(Not(parse_condition(value)))
        else:
            field = _field_name(key)
            if isinstance(value, Mapping):
                if set(value) == {"not_in"}:
                    parts.append(FieldNotIn(field, _values(field, value["not_in"])))
                elif set(value) == {"in"}:
                    parts.append(FieldIn(field, _values(field, value["in"])))
                elif set(value) == {"exists"} and isinstance(value["exists"], bool):
                    parts.append(FieldExists(field, value["exists"]))
                else:
                    raise ValueError(
                        f"{field}: {dict(value)!r} is not a test; use a list of values, "
                        "{in: [...]}, {not_in: [...]} or {exists: true|false}"
                    )
            else:
                parts.append(FieldIn(field, _values(field, value)))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def condition_data(cond: Condition) -> Any:
    """The data form of a condition (``parse_condition`` of it gives it back)."""
    if isinstance(cond, FieldIn):
        return {cond.field: list(cond.values)}
    if isinstance(cond, FieldNotIn):
        return {cond.field: {"not_in": list(cond.values)}}
    if isinstance(cond, FieldExists):
        return {cond.field: {"exists": cond.exists}}
    if isinstance(cond, AllOf):
        return {"all": [condition_data(p) for p in cond.parts]}
    if isinstance(cond, AnyOf):
        return {"any": [condition_data(p) for p in cond.parts]}
    return {"not": condition_data(cond.part)}


def fields_of(cond: Condition) -> set[str]:
    """The ticket fields a condition reads."""
    if isinstance(cond, FieldIn | FieldNotIn | FieldExists):
        return {cond.field}
    if isinstance(cond, AllOf | AnyOf):
        return set().union(*(fields_of(p) for p in cond.parts))
    return fields_of(cond.part)


ConditionField = Annotated[
    Condition,
    BeforeValidator(parse_condition),
    PlainSerializer(condition_data),
]
