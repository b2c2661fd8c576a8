"""Policy format versions: a policy without ``format`` is format 1 (the fixture kept in
tests/fixtures), ``format: 1`` says the same, a newer or malformed format is refused
naming the key, and a dumped policy reads back equal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from slacore.events.upcasting import FORMAT_KEY, POLICY_FORMATS
from slacore.loading import load_policy, read_document
from slacore.policies import InvalidPolicy, parse_policy

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "policy_v1.yaml"


def v1() -> dict[str, Any]:
    data = read_document(FIXTURE)
    assert isinstance(data, dict) and FORMAT_KEY not in data
    return data


def test_the_format_1_fixture_loads() -> None:
    policy = load_policy(FIXTURE)
    assert policy.id == "format-check" and set(policy.metrics) == {"response", "resolution"}
    assert POLICY_FORMATS.current("policy") == 1
    assert parse_policy({**v1(), "format": 1}) == policy


def test_a_dumped_policy_reads_back_equal() -> None:
    policy = load_policy(FIXTURE)
    dumped = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert FORMAT_KEY not in dumped  # format 1 is written without the key
    assert parse_policy(dumped) == policy
    assert parse_policy(policy) == policy


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2, "format 2 of policy 'policy' is newer than this version of slacore reads"),
        ("1", "whole number from 1 to 1"),
        (0, "whole number from 1 to 1"),
        (True, "whole number from 1 to 1"),
    ],
)
def test_unknown_formats_are_refused_naming_the_key(value: object, message: str) -> None:
    with pytest.raises(InvalidPolicy) as info:
        parse_policy({**v1(), "format": value})
    assert [(p.field, p.value) for p in info.value.problems] == [("format", value)]
    assert message in str(info.value)
