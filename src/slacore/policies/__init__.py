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
from slacore.policies.matrix import PriorityMatrix
from slacore.policies.model import (
    InvalidPolicy,
    Metric,
    Policy,
    Target,
    Trigger,
    parse_policy,
)

__all__ = [
    "AllOf",
    "AnyOf",
    "BusinessDaysBy",
    "Condition",
    "FieldExists",
    "FieldIn",
    "FieldNotIn",
    "InvalidPolicy",
    "Metric",
    "Not",
    "Policy",
    "PriorityMatrix",
    "Target",
    "Trigger",
    "format_duration",
    "parse_condition",
    "parse_duration",
    "parse_policy",
]
