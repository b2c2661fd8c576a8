"""The layout rules of DESIGN §1, checked on the source: who may import whom, and the pure
core (clock, events, policies) never touches I/O or the wall clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "slacore"

# package -> slacore packages it may import (itself and slacore.errors always allowed)
ALLOWED: dict[str, set[str]] = {
    "clock": set(),
    "events": set(),
    "policies": {"clock", "events"},
    "log": {"events"},
    "projections": {"clock", "events", "policies", "log"},
    "governance": {"clock", "events", "policies", "log", "loading"},
}
# Deliberate, documented exceptions: (module, imported package).  The log's version events
# offer helpers that turn a stored definition back into a Policy / BusinessCalendar; they
# import lazily, inside the helper, so the log itself depends on the event vocabulary only.
LAZY_HELPERS = {("log/versions.py", "clock"), ("log/versions.py", "policies")}

IO_MODULES = {"eventsourcing", "sqlite3", "psycopg", "socket", "subprocess", "urllib",
              "http", "requests", "os", "pathlib", "io", "shutil", "tempfile"}
PURE = ("clock", "events", "policies")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    type_checking = set()
    for n in tree.body:
        if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test):
            type_checking |= {id(m) for m in ast.walk(n)}
    out = []
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, id(node) in top))
    return out


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_what_the_design_allows(package: str) -> None:
    wrong = []
    for path in _modules(package):
        rel = path.relative_to(SRC).as_posix()
        for module, at_top in _imports(path):
            parts = module.split(".")
            if parts[0] != "slacore" or len(parts) < 2:
                continue
            target = parts[1]
            if target in {package, "errors"} or target in ALLOWED[package]:
                continue
            if (rel, target) in LAZY_HELPERS and not at_top:
                continue
            wrong.append(f"{rel} imports {module}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", PURE)
def test_the_pure_core_does_no_io_and_never_reads_the_wall_clock(package: str) -> None:
    wrong = []
    for path in _modules(package):
        rel = path.relative_to(SRC).as_posix()
        for module, _ in _imports(path):
            if module.split(".")[0] in IO_MODULES:
                wrong.append(f"{rel} imports {module}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                if name in {"now", "utcnow", "today", "time", "monotonic"} and ast.unparse(
                    node.func.value
                ) in {"datetime", "date", "datetime.datetime", "datetime.date", "time"}:
                    wrong.append(f"{rel}:{node.lineno} calls {ast.unparse(node.func)}()")
            if isinstance(node, ast.Name) and node.id == "open":
                wrong.append(f"{rel}:{node.lineno} uses open()")
    assert not wrong, "\n".join(wrong)
