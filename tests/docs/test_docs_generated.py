"""The generated pages are up to date, the pictures can be drawn, and the JSON examples of
docs/events.md are valid events."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest
from docblocks import blocks

from slacore.events import canonical_json, event_json_schema, from_json, parse_event, to_json

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_event_schema_is_the_models_schema(tmp_path: Path) -> None:
    written = _script("make_event_schema").write(tmp_path)
    for path in written:
        committed = DOCS / path.name
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"docs/{path.name} is stale: run python docs/make_event_schema.py")
    assert json.loads((DOCS / "event-schema.json").read_text(encoding="utf-8")) \
        == event_json_schema()


def test_the_pictures_are_drawn(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    written = _script("make_pictures").make(tmp_path)
    assert sorted(p.name for p in written) == ["half-open.png", "pause.png", "reopen.png"]
    for path in written:
        assert path.read_bytes().startswith(b"\x89PNG"), path
        assert (DOCS / "img" / path.name).is_file(), f"docs/img/{path.name} is not committed"


def test_every_picture_a_page_shows_exists() -> None:
    for page in DOCS.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        for name in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
            assert (DOCS / name).is_file(), f"{page.name} shows {name}, which is missing"


def _event_blocks() -> list[str]:
    return [b.code for b in blocks(DOCS / "events.md") if b.lang == "json"]


def test_the_json_examples_of_the_events_page_are_events() -> None:
    examples = _event_blocks()
    assert len(examples) >= 15  # one per event type
    types = set()
    for text in examples:
        event = parse_event(json.loads(text))
        types.add(event.type)
        assert canonical_json(from_json(to_json(event))) == canonical_json(event)
    assert types == set(event_json_schema()["discriminator"]["mapping"])


def _nav_pages(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [p for item in node for p in _nav_pages(item)]
    if isinstance(node, dict):
        return [p for value in node.values() for p in _nav_pages(value)]
    return []


def test_every_page_is_in_the_site_navigation() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_pages(config["nav"])
    assert len(nav) == len(set(nav)), "a page is in the navigation twice"
    assert sorted(nav) == sorted(p.name for p in DOCS.glob("*.md"))


def test_the_yaml_examples_are_valid_definitions() -> None:
    from slacore.clock import BusinessCalendar
    from slacore.loading import parse_text
    from slacore.policies import parse_policy
    from slacore.projections.vendor import parse_scorecard_config

    def yaml_blocks(page: str) -> list[object]:
        return [parse_text(b.code, "yaml") for b in blocks(DOCS / page) if b.lang == "yaml"]

    (calendar,) = yaml_blocks("clock.md")
    assert BusinessCalendar.from_spec(calendar).to_spec()["timezone"] == "Europe/Berlin"
    metric, config = yaml_blocks("scorecards.md")
    policy = parse_policy({"id": "p", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
                           "metrics": metric})
    assert list(policy.metrics) == ["ola_network"]
    assert sum(k.weight for k in parse_scorecard_config(config).kpis.values()) == 1
