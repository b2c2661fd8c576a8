"""Policy and calendar versions as events of the log (DESIGN §3, §4).

A ``PolicyPublished`` (``CalendarPublished``) event records one version of a policy
(calendar) as data, with who published it, who approved it and from when it is in force.
They live in the same log (and the same total order) as ticket facts, in the streams
``policy:<id>`` and ``calendar:<id>``, so "which policy was in force for this ticket, and
who decided it" is answered from the log, as known at any position.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

if TYPE_CHECKING:  # the log depends on the event vocabulary only; these are helpers
    from slacore.clock import BusinessCalendar
    from slacore.policies import Policy

__all__ = [
    "VERSION_TYPES",
    "CalendarPublished",
    "PolicyPublished",
    "VersionEvent",
    "in_force",
]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank")
    return value


def _utc(value: datetime) -> datetime:
    # Keep the instant; normalise the zone object so that the JSON round trip is exact.
    offset = value.utcoffset()
    assert offset is not None
    return value.replace(tzinfo=timezone.utc if not offset else timezone(offset))


def _json_plain(value: Any, path: str = "definition") -> Any:
    """JSON-plain data only (strings, finite numbers, booleans, null, lists, objects with
    string keys): what round-trips exactly through the stored JSON."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{path}: NaN and infinities are not JSON")
        return value
    if isinstance(value, list):
        for i, v in enumerate(value):
            _json_plain(v, f"{path}[{i}]")
        return value
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{path}: object keys must be strings (got {k!r})")
            _json_plain(v, f"{path}.{k}")
        return value
    raise ValueError(
        f"{path}: {type(value).__name__} is not JSON-plain (give strings, numbers, "
        "booleans, null, lists and objects, e.g. model_dump(mode='json'))"
    )


Name = Annotated[str, Field(strict=True, min_length=1), AfterValidator(_not_blank)]
Instant = Annotated[AwareDatetime, AfterValidator(_utc)]


class _VersionBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    event_id: Name
    version: StrictInt = Field(ge=1)
    at: Instant
    """When the version was published."""
    effective_from: Instant
    """From when it is in force."""
    published_by: Name
    approved_by: tuple[Name, ...] = ()
    definition: Annotated[dict[str, Any], AfterValidator(_json_plain)]
    """The version as JSON-plain data (what ``parse_policy`` / ``BusinessCalendar.from_spec``
    read)."""

    @property
    def stream(self) -> str:
        raise NotImplementedError


class PolicyPublished(_VersionBase):
    """A version of an SLA policy was published (stream ``policy:<policy_id>``)."""

    type: Literal["policy_published"] = "policy_published"
    policy_id: Name

    @property
    def stream(self) -> str:
        return f"policy:{self.policy_id}"

    @classmethod
    def of(
        cls,
        policy: Policy,
        *,
        published_by: str,
        at: datetime,
        approved_by: Sequence[str] = (),
        event_id: str | None = None,
    ) -> PolicyPublished:
        """The publication of ``policy`` (its id, version and ``effective_from``)."""
        definition = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
        return cls(
            event_id=event_id or f"slacore:policy:{policy.id}:v{policy.version}",
            policy_id=policy.id,
            version=policy.version,
            at=at,
            effective_from=policy.effective_from,
            published_by=published_by,
            approved_by=tuple(approved_by),
            definition=definition,
        )

    def policy(self, *, calendars: Iterable[str] = ()) -> Policy:
        """The published policy, validated (``calendars``: ids supplied at evaluation)."""
        from slacore.policies import parse_policy

        return parse_policy(self.definition, calendars=calendars)


class CalendarPublished(_VersionBase):
    """A version of a business calendar was published (stream ``calendar:<calendar_id>``).

    Resolve holiday rules to dates before publishing (``definition["holidays"]`` as a
    list of dates) if a later ``holidays`` release must not change historical results."""

    type: Literal["calendar_published"] = "calendar_published"
    calendar_id: Name

    @property
    def stream(self) -> str:
        return f"calendar:{self.calendar_id}"

    @classmethod
    def of(
        cls,
        calendar_id: str,
        spec: Mapping[str, Any] | BusinessCalendar,
        *,
        version: int,
        effective_from: datetime,
        published_by: str,
        at: datetime,
        approved_by: Sequence[str] = (),
        event_id: str | None = None,
    ) -> CalendarPublished:
        """The publication of a calendar given as a spec or a ``BusinessCalendar``."""
        definition = dict(spec if isinstance(spec, Mapping) else spec.to_spec())
        return cls(
            event_id=event_id or f"slacore:calendar:{calendar_id}:v{version}",
            calendar_id=calendar_id,
            version=version,
            at=at,
            effective_from=effective_from,
            published_by=published_by,
            approved_by=tuple(approved_by),
            definition=definition,
        )

    def calendar(self) -> BusinessCalendar:
        """The published calendar."""
        from slacore.clock import BusinessCalendar

        return BusinessCalendar.from_spec(self.definition)


VersionEvent: TypeAlias = PolicyPublished | CalendarPublished
VERSION_TYPES: dict[str, type[PolicyPublished] | type[CalendarPublished]] = {
    "policy_published": PolicyPublished,
    "calendar_published": CalendarPublished,
}


V = TypeVar("V", PolicyPublished, CalendarPublished)


def in_force(versions: Iterable[V], when: datetime) -> V | None:
    """The version in force at ``when``: the latest ``effective_from`` not after it (the
    highest version among equals), or ``None``."""
    best: V | None = None
    for v in versions:
        if v.effective_from <= when and (
            best is None or (v.effective_from, v.version) > (best.effective_from, best.version)
        ):
            best = v
    return best
