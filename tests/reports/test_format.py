"""Formatting helpers of the reports: what a figure looks like, never what it is."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from slacore.reports import format as fmt

H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)


@pytest.mark.parametrize(("value", "shown"), [
    (timedelta(0), "0"),
    (12 * S, "12s"),
    (45 * M, "45m"),
    (5 * M + 3 * S, "5m 03s"),
    (H, "1h"),
    (H + 5 * M, "1h 05m"),
    (2 * H + 5 * S, "2h 00m 05s"),
    (26 * H + 30 * M, "26h 30m"),  # business time: hours, never days
    (-(3 * H), "−3h"),
    (-(30 * M), "−30m"),
    (S + timedelta(microseconds=999_999), "1s"),  # microseconds not shown
    (None, "—"),
])
def test_duration(value: timedelta | None, shown: str) -> None:
    assert fmt.duration(value) == shown


def test_instant_in_zone() -> None:
    at = datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc)
    assert fmt.instant(at, ZoneInfo("UTC")) == "2026-01-31 23:30"
    assert fmt.instant(at, ZoneInfo("Europe/Berlin")) == "2026-02-01 00:30"
    assert fmt.instant(at + 7 * S, ZoneInfo("UTC")) == "2026-01-31 23:30:07"
    assert fmt.instant(None, ZoneInfo("UTC")) == "—"


def test_percent_and_ratio() -> None:
    assert fmt.percent(Decimal("94.99")) == "94.99 %"
    assert fmt.percent(None) == "—"
    assert fmt.ratio(Fraction(3, 4)) == "75 %"
    assert fmt.ratio(0.537) == "54 %"
    assert fmt.ratio(None) == "—"


def test_text_escapes_markup_and_quotes() -> None:
    assert fmt.text('<script>alert("x")</script> & \'') == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;")
    assert fmt.group_value(None) == "(none)"
    assert fmt.group_value(("a", "<b>")) == "a, &lt;b&gt;"


def test_table_escapes_headers_not_cells() -> None:
    out = fmt.table(["<h>", "n"], [["<i>x</i>", "1"]], css="t", numeric=[1])
    assert "<th>&lt;h&gt;</th>" in out and "<td><i>x</i></td>" in out
    assert "<td class=num>1</td>" in out
