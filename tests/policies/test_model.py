"""Policies as data: the issue's example loads, and every mistake names its key."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from slacore.loading import load_policy, parse_text
from slacore.policies import BusinessDaysBy, FieldIn, InvalidPolicy, PriorityMatrix, parse_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "standard-incident.yaml"
CALS = ["business", "apac-business"]


@pytest.fixture
def data() -> dict[str, Any]:
    loaded = parse_text(EXAMPLE.read_text(), "yaml")
    assert isinstance(loaded, dict)
    return loaded


def test_example_loads(data: dict[str, Any]) -> None:
    policy = parse_policy(data, calendars=CALS)
    assert (policy.id, policy.version) == ("standard-incident", 1)
    assert policy.effective_from.utcoffset() == timedelta(0)
    response = policy.metrics["response"]
    assert response.start.on == ("opened",)
    assert response.stop.on == ("agent_responded", "resolved")
    assert response.targets[0].when == FieldIn("priority", ("P1",))
    assert response.targets[0].target == timedelta(minutes=30)
    assert response.targets[0].calendar == "always"
    resolution = policy.metrics["resolution"]
    assert resolution.warn_at == (Fraction(1, 2), Fraction(3, 4), Fraction(9, 10))
    assert resolution.exclude == ("maintenance",)
    assert resolution.reopen == "resume"
    assert policy.metrics["network-ola"].run_only_when == FieldIn("assignment_group", ("network",))
    assert policy.calendar_by_group == {"apac-net": "apac-business"}


def test_same_policy_from_yaml_json_and_toml(data: dict[str, Any], tmp_path: Path) -> None:
    from_yaml = load_policy(EXAMPLE, calendars=CALS)
    dumped = from_yaml.model_dump(mode="json")
    (tmp_path / "p.json").write_text(json.dumps(dumped))
    assert load_policy(tmp_path / "p.json", calendars=CALS) == from_yaml
    toml = """
id = "t"
version = 2
effective_from = 2026-01-01T00:00:00Z
[metrics.response]
start = {on = ["opened"]}
stop = {on = ["agent_responded"]}
targets = [{when = {priority = ["P1"]}, target = "30m"}, {target = "PT4H"}]
"""
    (tmp_path / "p.toml").write_text(toml)
    policy = load_policy(tmp_path / "p.toml")
    assert policy.metrics["response"].targets[1].target == timedelta(hours=4)
    assert policy.calendar == "always"


def test_json_dump_round_trips(data: dict[str, Any]) -> None:
    policy = parse_policy(data, calendars=CALS)
    again = parse_policy(json.loads(json.dumps(policy.model_dump(mode="json"))), calendars=CALS)
    assert again == policy


def _problems(data: dict[str, Any], **kw: Any) -> str:
    with pytest.raises(InvalidPolicy) as err:
        parse_policy(data, **kw)
    return str(err.value)


def test_unknown_calendars_name_their_keys(data: dict[str, Any]) -> None:
    msg = _problems(data)
    assert "calendar: unknown calendar" in msg and "'business'" in msg
    assert "calendar_by_group.apac-net" in msg and "'apac-business'" in msg
    bad = copy.deepcopy(data)
    bad["metrics"]["resolution"]["targets"][1]["calendar"] = "nope"
    assert "metrics.resolution.targets.1.calendar" in _problems(bad, calendars=CALS)


def test_inline_calendars_count_as_known(data: dict[str, Any]) -> None:
    data["calendars"] = {
        "business": {"timezone": "Europe/Berlin", "hours": {"mon": ["09:00-17:00"]}},
        "apac-business": {"timezone": "Asia/Singapore", "hours": {"mon": ["09:00-17:00"]}},
    }
    assert set(parse_policy(data).calendars) == {"business", "apac-business"}
    data["calendars"]["business"]["hours"] = {"mon": ["9-17"]}
    assert "calendars.business.hours.mon" in _problems(data)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("metrics", "response", "stop", "on"), ["responded"], "metrics.response.stop.on"),
        (("metrics", "response", "targets", 1, "target"), "1d", "metrics.response.targets.1"),
        (("metrics", "resolution", "pause"), {"state": ["x"]}, "unknown field 'state'"),
        (("metrics", "resolution", "warn_at"), [0, 0.5], "not in (0, 1]"),
        (("metrics", "resolution", "reopen"), "sometimes", "metrics.resolution.reopen"),
        (("metrics", "resolution", "on_target_change"), "x", "on_target_change"),
        (("metrics", "resolution", "exclude"), ["lunch"], "metrics.resolution.exclude.0"),
        (("metrics", "resolution", "colour"), "red", "metrics.resolution.colour"),
        (("version",), 0, "version"),
        (("effective_from",), "2026-01-01T00:00:00", "effective_from"),
    ],
)
def test_errors_name_the_path(
    data: dict[str, Any], path: tuple[Any, ...], value: Any, expected: str
) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert expected in _problems(data, calendars=CALS)


def test_tiers_need_a_last_default(data: dict[str, Any]) -> None:
    data["metrics"]["response"]["targets"] = [{"when": {"priority": ["P1"]}, "target": "1h"}]
    assert "need a default" in _problems(data, calendars=CALS)
    data["metrics"]["response"]["targets"] = [{"target": "1h"}, {"target": "2h"}]
    assert "could never apply" in _problems(data, calendars=CALS)


def test_relative_target_in_a_policy(data: dict[str, Any]) -> None:
    data["metrics"]["response"]["targets"][1]["target"] = {"business_days": 1, "by": "16:00"}
    policy = parse_policy(data, calendars=CALS)
    assert policy.metrics["response"].targets[1].target == BusinessDaysBy(
        business_days=1, by="16:00"
    )


def test_yaml_by_time_is_text_not_base_60() -> None:
    doc = parse_text("target: {business_days: 1, by: 16:00}\nflag: on\n", "yaml")
    assert doc == {"target": {"business_days": 1, "by": "16:00"}, "flag": "on"}


def test_unreadable_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"(?i)no such file"):
        load_policy(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match=r"use a \.yaml"):
        load_policy(tmp_path / "policy.txt")
    (tmp_path / "broken.yaml").write_text("a: [1, 2\n")
    with pytest.raises(ValueError, match=r"broken.yaml:line \d"):
        load_policy(tmp_path / "broken.yaml")
    (tmp_path / "list.json").write_text("[1]")
    with pytest.raises(ValueError, match="a policy is a mapping"):
        load_policy(tmp_path / "list.json")


def test_priority_matrix() -> None:
    itil = PriorityMatrix.itil()
    assert [itil.priority(i, u) for i in (1, 2, 3) for u in (1, 2, 3)] == [
        "P1", "P2", "P3", "P2", "P3", "P4", "P3", "P4", "P5",
    ]
    assert itil.priority("1", "1") == "P1"
    with pytest.raises(ValueError, match="impact 4"):
        itil.priority(4, 1)
    with pytest.raises(ValueError, match="urgency 'x'"):
        itil.priority(1, "x")
    custom = PriorityMatrix(table={"high": {"high": "P1", "low": "P2"},
                                   "low": {"high": "P3", "low": "P4"}})
    assert custom.priority("low", "high") == "P3"
    with pytest.raises(ValueError, match="defines urgencies"):
        PriorityMatrix(table={"high": {"high": "P1"}, "low": {"low": "P4"}})


def test_a_bad_tier_is_one_problem_not_two() -> None:
    """pydantic also reports the tier list as "too short" when its only item fails; that
    follow-on error repeats the real one and is dropped.  An empty list still is an error."""
    base = {"id": "x", "version": 1, "effective_from": "2026-01-01T00:00:00Z"}
    metric = {"start": {"on": ["opened"]}, "stop": {"on": ["resolved"]}}
    with pytest.raises(InvalidPolicy) as bad:
        parse_policy({**base, "metrics": {"r": {**metric, "targets": [{"target": "4 hours"}]}}})
    assert [p.field for p in bad.value.problems] == ["metrics.r.targets.0.target"]
    with pytest.raises(InvalidPolicy) as empty:
        parse_policy({**base, "metrics": {"r": {**metric, "targets": []}}})
    assert [p.field for p in empty.value.problems] == ["metrics.r.targets"]
