"""The optional compiled build (``SLACORE_COMPILE=1``; docs/performance.md, "Compiled build").

A test run declares which build it tests: ``SLACORE_EXPECT_COMPILED=1`` (set by
``python3 run.py compiled`` and by the compiled step of ``python3 run.py test``, which run
the pure-core tests in ``.venv-compiled/``) says the modules listed in ``setup.py`` must be
the installed mypyc extension modules; without it they must be the pure-Python sources.
Either way no compiled file may sit in ``src/``, where it would shadow the ``.py`` file
next to it, and the default build must declare no extension module.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Iterator
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
EXPECT_COMPILED = os.environ.get("SLACORE_EXPECT_COMPILED", "").strip() == "1"


@pytest.fixture(scope="module")
def setup_py() -> Iterator[ModuleType]:
    """``setup.py`` imported as a module (its ``setup()`` call runs only as ``__main__``)."""
    pytest.importorskip("setuptools")
    spec = importlib.util.spec_from_file_location("slacore_setup", ROOT / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module


def is_extension(module: ModuleType) -> bool:
    """Whether ``module`` was loaded from a C extension file rather than Python source."""
    return str(module.__file__).endswith(tuple(EXTENSION_SUFFIXES))


def test_the_compiled_modules_exist_and_results_stays_pure(setup_py: ModuleType) -> None:
    modules = setup_py.COMPILED_MODULES
    assert modules, "setup.py compiles nothing"
    for name in modules:
        assert (ROOT / setup_py.module_path(name)).is_file(), name
    # results.py swaps instances' __class__ on purpose: native (compiled) classes refuse it.
    assert "slacore.policies.results" not in modules


def test_only_slacore_compile_asks_for_extension_modules(
    setup_py: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACORE_COMPILE", raising=False)
    assert not setup_py.compile_requested()
    assert setup_py.extension_modules() == []  # the default build: pure Python
    monkeypatch.setenv("SLACORE_COMPILE", "0")
    assert not setup_py.compile_requested()
    assert setup_py.extension_modules() == []
    monkeypatch.setenv("SLACORE_COMPILE", "1")
    assert setup_py.compile_requested()


def test_no_compiled_file_shadows_a_source_in_src() -> None:
    suffixes = tuple(EXTENSION_SUFFIXES)
    compiled = [p for p in (SRC / "slacore").rglob("*") if p.name.endswith(suffixes)]
    assert compiled == [], "compiled modules in src/ shadow their .py files: delete them"


def test_the_modules_under_test_are_the_build_the_run_declares(setup_py: ModuleType) -> None:
    for name in setup_py.COMPILED_MODULES:
        module = importlib.import_module(name)
        if EXPECT_COMPILED:
            assert is_extension(module), f"{name} is not compiled: {module.__file__}"
            assert SRC not in Path(str(module.__file__)).parents, module.__file__
        else:
            assert not is_extension(module), (
                f"{name} is compiled ({module.__file__}); set SLACORE_EXPECT_COMPILED=1 "
                "to test a compiled install"
            )
    results = importlib.import_module("slacore.policies.results")
    assert not is_extension(results)


def test_the_counting_test_hook_reaches_evaluate_in_either_build() -> None:
    """Tests flip ``evaluate.COUNT_BY_SEGMENTS`` to check the second way of counting; a
    compiled ``evaluate`` must read the module variable at call time, like Python does,
    or those tests would compare one walk with itself."""
    evaluate_module = importlib.import_module("slacore.policies.evaluate")
    if not hasattr(evaluate_module, "COUNT_BY_SEGMENTS"):
        pytest.skip("evaluate has no COUNT_BY_SEGMENTS hook")
    from slacore.clock import BusinessCalendar
    from slacore.policies import evaluate, parse_policy

    class Asked(Exception):
        """Raised when evaluate looks at the hook."""

    class Hook:
        def __bool__(self) -> bool:
            raise Asked

    calendars = {"always": BusinessCalendar.always("UTC")}
    policy = parse_policy(
        {"id": "p", "version": 1, "effective_from": "2026-01-01T00:00:00Z",
         "calendar": "always",
         "metrics": {"m": {"start": {"on": ["opened"]}, "stop": {"on": ["resolved"]},
                           "targets": [{"target": "4h"}]}}},
        calendars=calendars,
    )
    events = [
        {"type": "opened", "event_id": "e1", "ticket_id": "T", "at": "2026-03-02T09:00:00Z"},
        {"type": "resolved", "event_id": "e2", "ticket_id": "T", "at": "2026-03-02T10:00:00Z"},
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evaluate_module, "COUNT_BY_SEGMENTS", Hook())
        # Python raises Asked; mypyc's typed read of a bool global raises TypeError.
        with pytest.raises((Asked, TypeError)):
            evaluate(policy, events, calendars=calendars)
