"""Changes that affect whether an SLA can be met, flagged for review.

A new policy or calendar version can make the same promise harder (or impossible) to
keep without any target looking different.  ``policy_flags`` and ``calendar_flags``
compare two versions and return ``Flag``s:

| kind | when |
|---|---|
| ``target-shortened`` | a tier (same metric, same ``when``) has a shorter target |
| ``target-form-changed`` | a tier's target changed between a duration and a relative one |
| ``tier-removed`` | a tier's ``when`` no longer exists: its tickets fall to another tier |
| ``metric-added`` | a new metric: a new obligation |
| ``pause-changed`` / ``exclusion-removed`` | less time is paused or excluded: more of it counts |
| ``service-hours-shortened`` | the calendar a tier counts in has fewer open hours per week |
| ``service-hours-extended`` | it has more: the clock runs longer per week (e.g. a switch to 24×7) |

Open hours are measured with ``BusinessCalendar.elapsed`` over a reference window of
``weeks`` weeks (default 52, so holidays count) from the new version's
``effective_from``; both versions are measured over the same window, exactly (integer
microseconds), and shown per week.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slacore.clock import BusinessCalendar
from slacore.policies.durations import BusinessDaysBy, format_duration, parse_target

__all__ = ["Flag", "calendar_flags", "open_time", "policy_flags", "weekly_text"]

REFERENCE_WEEKS = 52
_WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class Flag:
    """A change to review: its ``kind``, where (``subject``), and what (``message``)."""

    kind: str
    subject: str
    message: str
    affected: tuple[str, ...] = field(default=())
    """Other definitions the change reaches (the policies counting in a calendar)."""

    def text(self) -> str:
        tail = f" (affects {', '.join(self.affected)})" if self.affected else ""
        return f"[{self.kind}] {self.subject}: {self.message}{tail}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "message": self.message,
                "affected": list(self.affected)}


def open_time(
    calendar: BusinessCalendar, start: datetime, weeks: int = REFERENCE_WEEKS
) -> timedelta:
    """The calendar's open time in ``[start, start + weeks)``."""
    if weeks < 1:
        raise ValueError(f"weeks must be >= 1 (got {weeks})")
    return calendar.elapsed(start, start + weeks * _WEEK)


def weekly_text(total: timedelta, weeks: int) -> str:
    """An open time over ``weeks`` weeks as an average per week (``42h30m/week``)."""
    return f"{format_duration(total // weeks)}/week"


def _hours_flag(
    subject: str,
    old: BusinessCalendar,
    new: BusinessCalendar,
    start: datetime,
    weeks: int,
    what: str,
    affected: tuple[str, ...] = (),
) -> Flag | None:
    before, after = open_time(old, start, weeks), open_time(new, start, weeks)
    if after == before:
        return None
    change = f"{weekly_text(before, weeks)} → {weekly_text(after, weeks)}"
    if after < before:
        return Flag("service-hours-shortened", subject,
                    f"{what} has fewer open hours: {change}", affected)
    return Flag("service-hours-extended", subject,
                f"{what} counts more hours, business-time targets are harder to meet: {change}",
                affected)


def calendar_flags(
    calendar_id: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    *,
    effective_from: datetime,
    weeks: int = REFERENCE_WEEKS,
    used_by: tuple[str, ...] = (),
) -> list[Flag]:
    """Flags of a new version of a calendar (``used_by``: the policies counting in it)."""
    if old is None:
        return []
    flag = _hours_flag(
        f"calendar:{calendar_id}",
        BusinessCalendar.from_spec(old),
        BusinessCalendar.from_spec(new),
        effective_from,
        weeks,
        "the calendar",
        used_by,
    )
    return [flag] if flag else []


def _target(value: Any) -> timedelta | BusinessDaysBy | None:
    try:
        return parse_target(value)
    except (ValueError, TypeError):
        return None


def _tier_key(tier: Mapping[str, Any]) -> str:
    import json

    when = tier.get("when")
    return "default" if when is None else json.dumps(when, sort_keys=True)


def _calendar(
    cal_id: str, definition: Mapping[str, Any], calendars: Mapping[str, BusinessCalendar]
) -> BusinessCalendar | None:
    inline = definition.get("calendars") or {}
    if cal_id in inline:
        return BusinessCalendar.from_spec(inline[cal_id])
    if cal_id in calendars:
        return calendars[cal_id]
    if cal_id == "always":
        return BusinessCalendar.always()
    return None


def policy_flags(
    policy_id: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    *,
    effective_from: datetime,
    calendars: Mapping[str, BusinessCalendar] = {},
    weeks: int = REFERENCE_WEEKS,
) -> list[Flag]:
    """Flags of a new version of a policy.  ``calendars``: the calendars the tiers may
    name (in force at ``effective_from``); a tier whose calendar is unknown is compared
    by id only."""
    if old is None:
        return []
    flags: list[Flag] = []
    old_metrics: Mapping[str, Any] = old.get("metrics") or {}
    new_metrics: Mapping[str, Any] = new.get("metrics") or {}
    for name, metric in new_metrics.items():
        subject = f"policy:{policy_id} metric {name}"
        before = old_metrics.get(name)
        if before is None:
            flags.append(Flag("metric-added", subject, "a new metric: a new obligation"))
            continue
        if before.get("pause") is not None and before.get("pause") != metric.get("pause"):
            flags.append(Flag("pause-changed", subject,
                              f"pause {before.get('pause')} → {metric.get('pause')}: "
                              "time that was paused may now count"))
        lost = sorted(set(before.get("exclude") or ()) - set(metric.get("exclude") or ()))
        if lost:
            flags.append(Flag("exclusion-removed", subject,
                              f"no longer excludes {', '.join(lost)}: that time now counts"))
        old_tiers = {_tier_key(t): t for t in before.get("targets") or ()}
        for tier in metric.get("targets") or ():
            key = _tier_key(tier)
            prior = old_tiers.pop(key, None)
            if prior is None:
                continue
            where = f"{subject} tier {key}"
            a, b = _target(prior.get("target")), _target(tier.get("target"))
            if isinstance(a, timedelta) and isinstance(b, timedelta):
                if b < a:
                    flags.append(Flag("target-shortened", where,
                                      f"target {format_duration(a)} → {format_duration(b)}"))
            elif isinstance(a, BusinessDaysBy) and isinstance(b, BusinessDaysBy):
                if (b.business_days, b.by) < (a.business_days, a.by):
                    flags.append(Flag("target-shortened", where,
                                      f"target {prior.get('target')} → {tier.get('target')}"))
            elif a is not None and b is not None:
                flags.append(Flag("target-form-changed", where,
                                  f"target {prior.get('target')} → {tier.get('target')}"))
            cal_a = prior.get("calendar") or old.get("calendar") or "always"
            cal_b = tier.get("calendar") or new.get("calendar") or "always"
            if cal_a != cal_b:
                ca, cb = _calendar(cal_a, old, calendars), _calendar(cal_b, new, calendars)
                flag = (
                    _hours_flag(where, ca, cb, effective_from, weeks,
                                f"calendar {cal_a} → {cal_b}")
                    if ca is not None and cb is not None
                    else Flag("calendar-changed", where,
                              f"calendar {cal_a} → {cal_b} (hours unknown)")
                )
                if flag:
                    flags.append(flag)
        for key in old_tiers:
            flags.append(Flag("tier-removed", f"{subject} tier {key}",
                              "its tickets fall to another tier"))
    return flags
