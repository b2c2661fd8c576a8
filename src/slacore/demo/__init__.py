"""The README's main job: a realistic, seeded ITSM history, and the calendars and policy
that measure it (``slacore demo`` runs it end to end; see docs/cli.md).

``generate_history`` is plain Python (no CLI dependencies), for tests and notebooks.
"""

from slacore.demo.definitions import CALENDARS, POLICY_YAML, calendars_yaml
from slacore.demo.history import DemoHistory, Region, generate_history

__all__ = ["CALENDARS", "POLICY_YAML", "DemoHistory", "Region", "calendars_yaml",
           "generate_history"]
