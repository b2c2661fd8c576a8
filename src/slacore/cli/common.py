"""Small helpers the commands share: validating option values."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slacore.cli.errors import CliError

__all__ = ["check_choice", "zone_info"]


def zone_info(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ``CliError`` when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"--zone: unknown time zone {name!r} (use an IANA name such as "
                       "Europe/Berlin or UTC)") from None


def check_choice(option: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed``; ``CliError`` naming the option otherwise."""
    if value not in allowed:
        raise CliError(f"{option}: {value!r} is not one of {', '.join(allowed)}")
    return value
