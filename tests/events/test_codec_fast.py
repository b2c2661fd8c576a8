"""The fast codec paths agree with their slow, obvious peers: the writers with
``reference_json``, the jiter reader with the standard-library reader (same values, same
refusals), the fast instant parser with pydantic's, the non-blank id pattern with
``str.strip``."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, TypeAdapter

from slacore.events import InvalidEvent, canonical_json, from_json, parse_event, to_json
from slacore.events.codec import _fast_loads, _loads, reference_json
from slacore.events.models import Instant, _fixed_offset
from slacore.testing.event_strategies import EXAMPLE_EVENTS, events
from slacore.testing.profiles import examples


@given(events())
@settings(max_examples=examples(200))
def test_writers_agree_with_the_reference(event: Any) -> None:
    assert to_json(event) == reference_json(event)
    assert canonical_json(event) == reference_json(event, canonical=True)


def same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (``1 == 1.0 == True`` is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return repr(a) == repr(b)


def check_readers_agree(text: str | bytes) -> None:
    try:
        reference = _loads(text)
    except (ValueError, RecursionError):
        with pytest.raises(ValueError):
            _fast_loads(text)
        return
    try:
        fast = _fast_loads(text)
    except ValueError:
        return  # the caller falls back to ``_loads``: the same verdict
    assert same(fast, reference), (text, fast, reference)


_texts = st.sampled_from([to_json(parse_event(e)) for e in EXAMPLE_EVENTS.values()])


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(_texts)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.sampled_from(
            ['"', ",", ":", "{", "}", "[", "]", "1", "1.50", "-0", "1e5", "NaN", "Infinity",
             '"type":"x"', '"event_id":"d"', "\\", "\\ud800", "\x00", " ", "\u2028", "0x1",
             "01", "1.", ".5", "true", "nul"]))
        cut = draw(st.integers(0, 3))
        text = text[:at] + piece + text[at + cut:]
    return text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(mutated())
@settings(max_examples=examples(400))
def test_jiter_reads_what_the_standard_library_reads(text: str) -> None:
    check_readers_agree(text)
    check_readers_agree(text.encode("utf-8", "surrogatepass"))


@given(json_values)
@settings(max_examples=examples(200))
def test_jiter_reads_generated_json_alike(value: Any) -> None:
    check_readers_agree(json.dumps(value, default=str))
    check_readers_agree(json.dumps(value, default=str, ensure_ascii=False))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type":"closed","type":"opened"}', "key 'type' appears twice"),
        ('{"type":"vendor_uptime_reported","uptime_percent":NaN}', "NaN is not a JSON number"),
        ('{"type":"closed"', "not valid JSON"),
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ],
)
def test_refusals_keep_their_messages(text: str, message: str) -> None:
    with pytest.raises(InvalidEvent, match=message):
        from_json(text)


def test_what_the_standard_library_reads_and_jiter_does_not() -> None:
    line = to_json(parse_event(EXAMPLE_EVENTS["closed"]))
    assert from_json(b"\xef\xbb\xbf" + line.encode()) == from_json(line)  # a BOM
    escaped = line.replace('"closed"', '"closed","source":"\\ud800"')
    assert from_json(escaped).source == "\ud800"  # a lone surrogate escape, as before


_INSTANT = TypeAdapter(Instant)
_PYDANTIC = TypeAdapter(AwareDatetime)
common_shape = st.from_regex(
    r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})\Z"
)


@given(common_shape | st.sampled_from([
    "2026-03-02T09:00:00Z", "2026-02-29T00:00:00Z", "2028-02-29T23:59:59.999999-23:59",
    "2026-03-02T24:00:00Z", "2026-03-02T23:59:60Z", "2026-03-02T09:00:00+24:00",
    "2026-03-02T09:00:00+05:60", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59+00:00",
    "2026-03-02T09:00:00-00:00",
]))
@settings(max_examples=examples(300))
def test_the_fast_instant_parser_agrees_with_pydantic(text: str) -> None:
    try:
        expected = _fixed_offset(_PYDANTIC.validate_python(text))
    except ValueError:
        with pytest.raises(ValueError):
            _INSTANT.validate_python(text)
        return
    got = _INSTANT.validate_python(text)
    assert got == expected and got.utcoffset() == expected.utcoffset()
    assert (got.year, got.hour, got.minute, got.microsecond) == (
        expected.year, expected.hour, expected.minute, expected.microsecond)
    assert type(got.tzinfo) is timezone and got.fold == 0


def test_instants_from_other_inputs_still_go_through_pydantic() -> None:
    from zoneinfo import ZoneInfo

    fall_back = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York"))
    got = _INSTANT.validate_python(fall_back)
    assert type(got.tzinfo) is timezone and got.utcoffset().total_seconds() == -5 * 3600
    assert _INSTANT.validate_python("2026-03-02 09:00:00+01:00") == datetime(
        2026, 3, 2, 8, tzinfo=timezone.utc)


_WHITESPACE_EDGES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u200a\u200b\u2028\u2029"
    "\u202f\u205f\u3000\ufeff\u180e"
)


@given(st.text(alphabet=st.sampled_from(_WHITESPACE_EDGES) | st.characters(), max_size=4)
       | st.text(max_size=4))
@settings(max_examples=examples(300))
def test_ids_are_blank_exactly_when_strip_says_so(value: str) -> None:
    data = dict(EXAMPLE_EVENTS["closed"], ticket_id=value)
    if any("\ud800" <= c <= "\udfff" for c in value):
        with pytest.raises(InvalidEvent, match="ticket_id: must be valid Unicode text"):
            parse_event(data)
    elif value.strip():
        assert parse_event(data).ticket_id == value
    else:
        with pytest.raises(InvalidEvent) as info:
            parse_event(data)
        [problem] = info.value.problems
        assert problem.field == "ticket_id"
        if value:
            assert problem.message == "must not be empty or blank"


@pytest.mark.parametrize("char", list(_WHITESPACE_EDGES))
def test_each_whitespace_edge(char: str) -> None:
    test_ids_are_blank_exactly_when_strip_says_so.hypothesis.inner_test(char)  # type: ignore[attr-defined]
