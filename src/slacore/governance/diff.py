"""A readable diff of two definitions (JSON-plain data), and edits by the same paths.

A path names a value inside a definition: object keys joined by dots, list items by
their index, ``metrics.resolution.targets[0].target``.  A key that is not a plain name
(dots, spaces, brackets, an empty key) is written in brackets as a JSON string:
``calendar_by_group["apac.net"]``.

``diff(old, new)`` lists every leaf that changed, was added or was removed, in the order
of the keys of the old (then the new) definition; lists are compared item by item, so a
tier inserted at the top shows as every later tier changed plus one added at the end.
``Change.text()`` reads ``metrics.resolution.targets[0].target: 4h → 8h``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from slacore.errors import InvalidInput, Problem

__all__ = ["MISSING", "Change", "apply_changes", "diff", "format_path", "parse_path"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""The old value of an added leaf, the new value of a removed one; as an edit, removes."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
PathPart = str | int


def format_path(parts: tuple[PathPart, ...]) -> str:
    """The text of a path (see the module docstring)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _NAME.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def parse_path(text: str) -> tuple[PathPart, ...]:
    """The parts of a path written as ``format_path`` writes it; ``ValueError`` naming the
    text otherwise."""
    parts: list[PathPart] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == "[":
            if text.startswith('["', i):
                decoder = json.JSONDecoder()
                try:
                    key, end = decoder.raw_decode(text, i + 1)
                except ValueError:
                    raise ValueError(f"bad quoted key in path {text!r} at {i}") from None
                if not text.startswith("]", end):
                    raise ValueError(f"missing ']' in path {text!r} at {end}")
                parts.append(key)
                i = end + 1
            else:
                m = re.compile(r"\[(\d+)\]").match(text, i)
                if m is None:
                    raise ValueError(f"bad index in path {text!r} at {i}")
                parts.append(int(m.group(1)))
                i = m.end()
        else:
            if parts:
                if text[i] != ".":
                    raise ValueError(f"expected '.' or '[' in path {text!r} at {i}")
                i += 1
            m = _NAME.match(text, i)
            if m is None:
                raise ValueError(f"expected a key in path {text!r} at {i}")
            parts.append(m.group(0))
            i = m.end()
    if not parts:
        raise ValueError("empty path")
    return tuple(parts)


def _show(value: Any) -> str:
    if value is MISSING:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


@dataclass(frozen=True)
class Change:
    """One changed leaf: ``old`` is ``MISSING`` when added, ``new`` when removed."""

    path: str
    old: Any
    new: Any

    @property
    def kind(self) -> Literal["added", "removed", "changed"]:
        if self.old is MISSING:
            return "added"
        if self.new is MISSING:
            return "removed"
        return "changed"

    def text(self) -> str:
        """``path: old → new`` (``+ path: new`` when added, ``- path: old`` when removed)."""
        if self.kind == "added":
            return f"+ {self.path}: {_show(self.new)}"
        if self.kind == "removed":
            return f"- {self.path}: {_show(self.old)}"
        return f"{self.path}: {_show(self.old)} → {_show(self.new)}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``{"path", "kind", "old"?, "new"?}``."""
        out: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.old is not MISSING:
            out["old"] = self.old
        if self.new is not MISSING:
            out["new"] = self.new
        return out


def _same(a: Any, b: Any) -> bool:
    # JSON equality: 1 and 1.0 are equal numbers, but true is not 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _walk(old: Any, new: Any, path: tuple[PathPart, ...], out: list[Change]) -> None:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in old:
            _walk(old[key], new.get(key, MISSING), (*path, key), out)
        for key in new:
            if key not in old:
                _walk(MISSING, new[key], (*path, key), out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            _walk(
                old[i] if i < len(old) else MISSING,
                new[i] if i < len(new) else MISSING,
                (*path, i),
                out,
            )
        return
    if old is MISSING and isinstance(new, Mapping | list) and new:
        _walk({} if isinstance(new, Mapping) else [], new, path, out)
        return
    if new is MISSING and isinstance(old, Mapping | list) and old:
        _walk(old, {} if isinstance(old, Mapping) else [], path, out)
        return
    if old is MISSING and new is MISSING:
        return
    if old is MISSING or new is MISSING or not _same(old, new):
        out.append(Change(format_path(path), old, new))


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[Change]:
    """Every leaf of ``new`` that differs from ``old`` (``None``: all of ``new`` is
    added).  An object or list that appears or disappears as a whole is listed leaf by
    leaf; an empty one as itself."""
    out: list[Change] = []
    _walk({} if old is None else old, new, (), out)
    return out


def apply_changes(definition: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``definition`` with each ``path: value`` edit applied (``MISSING``
    removes the key or list item).  A path whose parent does not exist, or an index past
    the end of a list (other than appending at ``len``), is an ``InvalidInput`` naming
    the path."""
    result: Any = json.loads(json.dumps(definition))
    problems: list[Problem] = []
    for text, value in changes.items():
        try:
            parts = parse_path(text)
        except ValueError as exc:
            problems.append(Problem(f"changes[{text!r}]", text, str(exc)))
            continue
        node = result
        ok = True
        for depth, part in enumerate(parts[:-1]):
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                where = format_path(parts[: depth + 1])
                problems.append(Problem(f"changes[{text!r}]", value, f"{where} does not exist"))
                ok = False
                break
        if not ok:
            continue
        last = parts[-1]
        if isinstance(node, dict) and isinstance(last, str):
            if value is MISSING:
                if last not in node:
                    problems.append(Problem(f"changes[{text!r}]", value, f"{text} does not exist"))
                node.pop(last, None)
            else:
                node[last] = value
        elif isinstance(node, list) and isinstance(last, int) and last <= len(node):
            if value is MISSING:
                if last < len(node):
                    del node[last]
                else:
                    problems.append(Problem(f"changes[{text!r}]", value, f"{text} does not exist"))
            elif last == len(node):
                node.append(value)
            else:
                node[last] = value
        else:
            problems.append(
                Problem(f"changes[{text!r}]", value, f"{text} does not name a key or list item")
            )
    if problems:
        raise InvalidInput(problems, what="change")
    return dict(result)
