"""slacore: service levels computed exactly from an append-only log of ticket events."""

from slacore.clock import BusinessCalendar, IntervalSet

__all__ = ["BusinessCalendar", "IntervalSet"]
__version__ = "0.1.0"
