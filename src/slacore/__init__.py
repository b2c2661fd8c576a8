"""slacore: service levels computed exactly from an append-only log of ticket events."""

from slacore.clock import BusinessCalendar, IntervalSet
from slacore.loading import load_calendar, load_policy
from slacore.policies import Policy, TicketSla, evaluate, parse_policy

__all__ = [
    "BusinessCalendar",
    "IntervalSet",
    "Policy",
    "TicketSla",
    "evaluate",
    "load_calendar",
    "load_policy",
    "parse_policy",
]
__version__ = "0.1.0"
