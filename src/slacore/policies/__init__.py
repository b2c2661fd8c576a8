"""SLA policies as data (pure: no I/O, no wall clock).

``parse_policy`` validates a mapping; ``slacore.load_policy`` reads YAML, JSON or TOML
files and text.  Evaluation of a policy against a ticket's events builds on these models.
"""

from slacore.policies.conditions import (
    AllOf,
    AnyOf,
    Condition,
    FieldExists,
    FieldIn,
    FieldNotIn,
    Not,
    parse_condition,
)
from slacore.policies.durations import BusinessDaysBy, format_duration, parse_duration
from slacore.policies.evaluate import MissingCalendar, evaluate, resolve_calendars
from slacore.policies.matrix import PriorityMatrix
from slacore.policies.model import (
    InvalidPolicy,
    Metric,
    Policy,
    Target,
    Trigger,
    parse_policy,
)
from slacore.policies.results import Cycle, Segment, TicketSla, Warning

__all__ = [
    "AllOf",
    "AnyOf",
    "BusinessDaysBy",
    "Condition",
    "Cycle",
    "FieldExists",
    "FieldIn",
    "FieldNotIn",
    "InvalidPolicy",
    "Metric",
    "MissingCalendar",
    "Not",
    "Policy",
    "PriorityMatrix",
    "Segment",
    "Target",
    "TicketSla",
    "Trigger",
    "Warning",
    "evaluate",
    "format_duration",
    "parse_condition",
    "parse_duration",
    "parse_policy",
    "resolve_calendars",
]
