"""The condition language, by hand and against a brute-force truth table."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacore.policies.conditions import (
    AllOf,
    FieldExists,
    FieldIn,
    FieldNotIn,
    condition_data,
    fields_of,
    parse_condition,
)


def test_forms() -> None:
    assert parse_condition({"priority": ["P1", "P2"]}) == FieldIn("priority", ("P1", "P2"))
    assert parse_condition({"priority": "P1"}) == FieldIn("priority", ("P1",))
    assert parse_condition({"priority": {"in": ["P1"]}}) == FieldIn("priority", ("P1",))
    assert parse_condition({"status": {"not_in": ["resolved"]}}) == FieldNotIn(
        "status", ("resolved",)
    )
    assert parse_condition({"vendor": {"exists": True}}) == FieldExists("vendor", True)
    both = parse_condition({"priority": ["P1"], "service": ["email"]})
    assert both == AllOf((FieldIn("priority", ("P1",)), FieldIn("service", ("email",))))
    assert fields_of(both) == {"priority", "service"}


@pytest.mark.parametrize(
    ("cond", "fields", "expected"),
    [
        ({"priority": ["P1"]}, {"priority": "P1"}, True),
        ({"priority": ["P1"]}, {"priority": "P2"}, False),
        ({"priority": ["P1"]}, {}, False),
        ({"priority": {"not_in": ["P1"]}}, {}, True),  # missing is "not one of them"
        ({"priority": {"not_in": ["P1"]}}, {"priority": "P1"}, False),
        ({"vendor": {"exists": True}}, {"vendor": None}, False),  # null is absent
        ({"vendor": {"exists": False}}, {}, True),
        ({"all": []}, {}, True),
        ({"any": []}, {}, False),
        ({"not": {"priority": ["P1"]}}, {"priority": "P2"}, True),
        ({"attributes.region": ["emea"]}, {"attributes.region": "emea"}, True),
        (
            {"any": [{"priority": ["P1"]}, {"all": [{"impact": [1]}, {"urgency": [1]}]}]},
            {"priority": "P3", "impact": 1, "urgency": 1},
            True,
        ),
    ],
)
def test_matches(cond: dict[str, Any], fields: dict[str, Any], expected: bool) -> None:
    assert parse_condition(cond).matches(fields) is expected


@pytest.mark.parametrize(
    ("cond", "message"),
    [
        ({"prio": ["P1"]}, "unknown field 'prio'"),
        ({"attributes.": ["x"]}, "unknown field 'attributes.'"),
        ({"priority": {"xx": 1}}, "is not a test"),
        ({"priority": [["nested"]]}, "is not a string, number or boolean"),
        ({"all": "x"}, "'all' takes a list"),
        ({}, "non-empty mapping"),
        ([], "non-empty mapping"),
    ],
)
def test_errors_name_the_key(cond: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_condition(cond)


_values = st.sampled_from(["P1", "P2", "P3"])
_leaf = st.one_of(
    st.builds(lambda v: {"priority": v}, st.lists(_values, max_size=3)),
    st.builds(lambda v: {"priority": {"not_in": v}}, st.lists(_values, max_size=3)),
    st.builds(lambda b: {"priority": {"exists": b}}, st.booleans()),
)
_conditions = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=8,
)


def _truth(cond: Any, fields: dict[str, Any]) -> bool:
    """A direct reading of the documented semantics."""
    if "all" in cond:
        return all(_truth(c, fields) for c in cond["all"])
    if "any" in cond:
        return any(_truth(c, fields) for c in cond["any"])
    if "not" in cond:
        return not _truth(cond["not"], fields)
    test = cond["priority"]
    value = fields.get("priority")
    if isinstance(test, list):
        return "priority" in fields and value in test
    if "not_in" in test:
        return value not in test["not_in"]
    return (value is not None) is test["exists"]


@given(_conditions, st.one_of(st.just({}), st.builds(lambda v: {"priority": v}, _values)))
def test_against_truth_table_and_round_trip(cond: Any, fields: dict[str, Any]) -> None:
    parsed = parse_condition(cond)
    assert parsed.matches(fields) is _truth(cond, fields)
    assert parse_condition(condition_data(parsed)) == parsed
