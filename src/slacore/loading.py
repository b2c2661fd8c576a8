"""Reading slacore definitions (policies, calendars) from files and text.

This is the edge where bytes become validated models; the pure core never reads files.
YAML is read with YAML 1.2 scalars: ``on``/``off``/``yes``/``no`` stay strings (``on`` is
a trigger key) and ``16:00`` stays the text "16:00", not the base-60 number 960.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from slacore.clock import BusinessCalendar
from slacore.errors import InvalidInput, Problem
from slacore.policies import Policy, parse_policy

if TYPE_CHECKING:
    from slacore.projections.contracts import Contract


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 booleans and integers."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)

_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
"""The largest definition file (policy, calendar, contract) read; larger ones are refused."""
MAX_DOCUMENT_NODES = 1_000_000
"""The most values (scalars, lists, mappings) a definition may hold once YAML aliases are
expanded: a "billion laughs" document is refused instead of exhausting memory and time."""


def _check_size(data: Any, origin: str) -> None:
    """Refuse a document whose expanded tree exceeds ``MAX_DOCUMENT_NODES``."""
    count = 0
    stack = [data]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_DOCUMENT_NODES:
            raise InvalidInput([Problem(origin, ..., f"more than {MAX_DOCUMENT_NODES:,} values "
                                        "(after expanding YAML aliases)")], what="document")
        if isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)


def parse_text(text: str, fmt: str, *, origin: str = "<text>") -> Any:
    """Data from YAML, JSON or TOML text; ``InvalidInput`` naming the origin, line and
    reason when it does not parse, is nested too deeply or is too large."""
    try:
        data: Any
        if fmt == "yaml":
            data = yaml.load(text, Loader=_Yaml12Loader)
        elif fmt == "json":
            data = json.loads(text)
        elif fmt == "toml":
            data = tomllib.loads(text)
        else:
            raise ValueError(f"unknown format {fmt!r}; use yaml, json or toml")
        _check_size(data, origin)
        return data
    except RecursionError:
        raise InvalidInput([Problem(origin, ..., "nested too deeply")], what=fmt.upper()) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "document"
        reason = " ".join(
            str(part) for part in (getattr(exc, "context", None), getattr(exc, "problem", None))
            if part
        ) or str(exc).splitlines()[0]
        raise InvalidInput([Problem(f"{origin}:{where}", ..., reason)], what="YAML") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput([Problem(f"{origin}:line {exc.lineno}", ..., exc.msg)],
                           what="JSON") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput([Problem(origin, ..., str(exc))], what="TOML") from None


def read_document(path: str | Path) -> Any:
    """The data in a ``.yaml``/``.yml``/``.json``/``.toml`` file."""
    p = Path(path)
    fmt = _FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InvalidInput([Problem("path", str(p), "use a .yaml, .yml, .json or .toml file")],
                           what="file name")
    try:
        size = p.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InvalidInput([Problem("path", str(p), f"{size:,} bytes; definitions larger "
                                        f"than {MAX_DOCUMENT_BYTES:,} bytes are refused")],
                               what="file")
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput([Problem("path", str(p), f"not UTF-8 text: {exc.reason} at byte "
                                    f"{exc.start}")], what="file") from None
    except OSError as exc:
        raise InvalidInput([Problem("path", str(p), exc.strerror or str(exc))],
                           what="file") from None
    return parse_text(text, fmt, origin=str(p))


def load_policy(
    source: str | Path | Mapping[str, Any], *, calendars: Iterable[str] = ()
) -> Policy:
    """A validated policy from a file path or a mapping.  ``calendars`` names the
    calendars the caller supplies at evaluation (besides ``always`` and inline ones)."""
    data = source if isinstance(source, Mapping) else read_document(source)
    if not isinstance(data, Mapping):
        raise InvalidInput([Problem("(document)", type(data).__name__,
                                    "a policy is a mapping of keys")], what="policy")
    return parse_policy(data, calendars=calendars)


def load_calendar(source: str | Path | Mapping[str, Any]) -> BusinessCalendar:
    """A business calendar from a file path or a mapping (the ``to_spec`` form)."""
    data = source if isinstance(source, Mapping) else read_document(source)
    return BusinessCalendar.from_spec(data)


def load_contract(
    source: str | Path | Mapping[str, Any], *, calendars: Iterable[str] = ()
) -> Contract:
    """A validated vendor contract (service levels, credit bands, cap, earn-back) from a
    file path or a mapping.  ``calendars`` names the calendars the caller supplies."""
    from slacore.projections.contracts import parse_contract

    data = source if isinstance(source, Mapping) else read_document(source)
    if not isinstance(data, Mapping):
        raise InvalidInput([Problem("(document)", type(data).__name__,
                                    "a contract is a mapping of keys")], what="contract")
    return parse_contract(data, calendars=calendars)
