"""Hostile input: every parser of outside data, fed junk and mutations of valid input.

The rule (issue "governance and hostile input"): nothing but the documented validation
errors may escape.  For the parsers here that means an ``InvalidInput`` (a
``SlacoreError`` and a ``ValueError``) naming what was wrong; never a ``KeyError``,
``TypeError``, ``RecursionError``, ``OverflowError`` or a pydantic ``ValidationError``.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacore.clock import BusinessCalendar
from slacore.errors import InvalidInput, SlacoreError
from slacore.events import from_json, loads_jsonl, parse_event, to_json
from slacore.loading import parse_text
from slacore.policies import parse_policy
from slacore.testing import event_strategies as es
from slacore.testing.profiles import examples
from slacore.testing.sla_strategies import sla_policies

FUZZ = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                              max_size=4),
    max_leaves=20,
)


def _documented(exc: BaseException) -> bool:
    return isinstance(exc, InvalidInput)


def _mutate(data: Any, draw: st.DrawFn) -> Any:
    """Replace, drop or retype one value somewhere inside ``data``."""
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data, key=str)))
        action = draw(st.sampled_from(["drop", "replace", "recurse", "add"]))
        out = dict(data)
        if action == "drop":
            del out[key]
        elif action == "replace":
            out[key] = draw(json_values)
        elif action == "add":
            out[draw(st.text(max_size=12))] = draw(json_values)
        else:
            out[key] = _mutate(out[key], draw)
        return out
    if isinstance(data, list) and data:
        i = draw(st.integers(0, len(data) - 1))
        out_list = list(data)
        out_list[i] = _mutate(out_list[i], draw) if draw(st.booleans()) else draw(json_values)
        return out_list
    return draw(json_values)


@st.composite
def mutated_events(draw: st.DrawFn) -> Any:
    event = draw(es.events())
    data = json.loads(to_json(event))
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate(data, draw)
    return data


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few characters deleted, inserted or flipped."""
    chars = list(text)
    for _ in range(draw(st.integers(1, 4))):
        if not chars:
            break
        i = draw(st.integers(0, len(chars) - 1))
        op = draw(st.sampled_from(["del", "ins", "flip"]))
        if op == "del":
            del chars[i]
        elif op == "ins":
            chars.insert(i, draw(st.characters()))
        else:
            chars[i] = draw(st.sampled_from(list('{}[]",:0-9eE.\\ \n\x00')))
    return "".join(chars)


# --------------------------------------------------------------------------- events


@FUZZ
@given(st.one_of(json_values, mutated_events()))
def test_parse_event_accepts_or_names_the_problem(data: Any) -> None:
    try:
        parse_event(data)
    except Exception as exc:
        assert _documented(exc), repr(exc)


@FUZZ
@given(st.data())
def test_from_json_survives_mutated_text(data: st.DataObject) -> None:
    event = data.draw(es.events())
    text = data.draw(mutated_text(to_json(event)))
    try:
        from_json(text)
    except Exception as exc:
        assert _documented(exc), repr(exc)


@FUZZ
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_loads_jsonl_survives_junk(text: str | bytes) -> None:
    try:
        loads_jsonl(text)
    except Exception as exc:
        assert _documented(exc), repr(exc)


def test_deeply_nested_json_is_refused_clearly() -> None:
    deep = '{"type": "opened", "event_id": "e", "ticket_id": "T", "at": "2026-01-01T00:00Z",' \
           ' "fields": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    try:
        from_json(deep)
    except Exception as exc:
        assert _documented(exc), repr(exc)


# --------------------------------------------------------------------------- policies


@st.composite
def mutated_policies(draw: st.DrawFn) -> Any:
    data = json.loads(json.dumps(draw(sla_policies()), default=str))
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate(data, draw)
    return data


@FUZZ
@given(st.one_of(json_values, mutated_policies()))
def test_parse_policy_accepts_or_names_the_problem(data: Any) -> None:
    try:
        parse_policy(data, calendars=["business", "b0", "b1", "b2"])
    except Exception as exc:
        assert _documented(exc), repr(exc)


@FUZZ
@given(st.sampled_from(["yaml", "json", "toml"]), st.text(max_size=300))
def test_parse_text_survives_junk(fmt: str, text: str) -> None:
    try:
        parse_text(text, fmt)
    except Exception as exc:
        assert _documented(exc), repr(exc)


def test_deeply_nested_documents_are_refused_clearly() -> None:
    for fmt, text in [
        ("yaml", "[" * 50_000 + "]" * 50_000),
        ("json", "[" * 100_000 + "]" * 100_000),
        ("toml", "x = " + "[" * 50_000 + "]" * 50_000),
    ]:
        try:
            parse_text(text, fmt)
        except Exception as exc:
            assert _documented(exc), (fmt, repr(exc))


# --------------------------------------------------------------------------- calendars


@st.composite
def mutated_calendars(draw: st.DrawFn) -> Any:
    spec = {
        "timezone": draw(st.sampled_from(["Europe/Berlin", "UTC", "America/New_York"])),
        "hours": {"mon": ["09:00-17:00"], "tue": ["22:00-06:00"], "sat": []},
        "holidays": ["2026-12-25", {"country": "DE", "subdiv": "BY"}],
        "overrides": {"2026-12-24": ["09:00-12:00"]},
        "closures": [["2026-03-02T10:00:00+01:00", "2026-03-02T11:00:00+01:00"]],
    }
    for _ in range(draw(st.integers(1, 3))):
        spec = _mutate(spec, draw)
    return spec


@FUZZ
@given(st.one_of(json_values, mutated_calendars()))
def test_calendar_specs_accept_or_name_the_problem(spec: Any) -> None:
    try:
        BusinessCalendar.from_spec(spec)
    except Exception as exc:
        assert isinstance(exc, SlacoreError) and isinstance(exc, InvalidInput), repr(exc)


def test_a_billion_laughs_yaml_is_refused_before_it_is_expanded() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    try:
        parse_text("\n".join(lines), "yaml")
    except InvalidInput as exc:
        assert "aliases" in str(exc)
    else:  # pragma: no cover - the assertion below explains
        raise AssertionError("a 10**9-value document was accepted")


def test_oversized_and_non_utf8_definition_files_are_refused(tmp_path: Any) -> None:
    from slacore import loading

    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(loading.MAX_DOCUMENT_BYTES + 1)  # sparse: no memory, no disk
    try:
        loading.read_document(big)
    except InvalidInput as exc:
        assert "refused" in str(exc) and "big.yaml" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an oversized file was read")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("id: caf\xe9".encode("latin-1"))
    try:
        loading.read_document(latin)
    except InvalidInput as exc:
        assert "UTF-8" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a non-UTF-8 file was read")


def test_a_calendar_with_a_million_holidays_is_refused() -> None:
    dates = [f"{2000 + i // 365:04d}-01-01" for i in range(1_000_000)]
    try:
        BusinessCalendar.from_spec({"timezone": "UTC", "hours": {"mon": ["09:00-17:00"]},
                                    "holidays": dates})
    except InvalidInput as exc:
        assert "holidays" in str(exc) and "100000" in str(exc).replace(",", "")
    else:  # pragma: no cover
        raise AssertionError("a million holidays were accepted")


def test_error_messages_stay_short_whatever_the_input() -> None:
    try:
        BusinessCalendar.from_spec({"timezone": "UTC", "holidays": ["2026-01-01"] * 100_001})
    except InvalidInput as exc:
        assert len(str(exc)) < 1_000
        assert "characters)" in str(exc)
    bad = [{"type": "opened"}] * 5
    messages = []
    for item in bad:
        try:
            parse_event(item)
        except InvalidInput as exc:
            messages.append(str(exc))
    assert messages and all(len(m) < 2_000 for m in messages)


def test_an_error_with_many_problems_lists_the_first_and_counts_the_rest() -> None:
    from slacore.errors import Problem

    exc = InvalidInput([Problem(f"f{i}", i, "bad") for i in range(1000)])
    assert len(exc.problems) == 1000
    assert "f19:" in str(exc) and "f20:" not in str(exc) and "980 more problems" in str(exc)


def test_a_policy_with_ten_thousand_metrics_is_refused() -> None:
    metric = {"start": {"on": ["opened"]}, "stop": {"on": ["resolved"]},
              "targets": [{"target": "4h"}]}
    data = {"id": "big", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
            "metrics": {f"m{i}": metric for i in range(10_000)}}
    try:
        parse_policy(data)
    except InvalidInput as exc:
        assert "metrics" in str(exc) and len(str(exc)) < 2_000
    else:  # pragma: no cover
        raise AssertionError("10k metrics were accepted")
