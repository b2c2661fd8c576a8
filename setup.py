"""Build hooks for slacore: pure Python by default, mypyc-compiled hot modules on request.

Everything about the package (name, dependencies, extras, package data) lives in
``pyproject.toml``; this file only adds the optional compiled build.

* Default (``pip install .`` or ``pip install -e .``): nothing here is active and the
  package is pure Python, the reference implementation.
* ``SLACORE_COMPILE=1 pip install --no-build-isolation .``: the modules in
  ``COMPILED_MODULES`` are compiled to C extension modules with mypyc and installed next
  to their ``.py`` sources (Python imports the extension first).  The build environment
  must hold mypy (which ships mypyc) and slacore's own dependencies, because mypyc
  type-checks the modules against them; hence ``--no-build-isolation`` from a virtual
  environment that has them (``python3 run.py compiled`` sets one up).  It needs a C
  compiler and the Python headers.

The compiled build is non-editable only: ``pip install -e .`` with ``SLACORE_COMPILE=1``
is refused, since extension modules built in place would sit in ``src/`` and shadow every
later edit of the ``.py`` files.  Its intermediate files go under ``build/mypyc/``, apart
from the ``build/lib`` of a pure non-editable build, so that no compiled file can leak
into a pure wheel.  See ``docs/performance.md`` ("Compiled build").
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

# setuptools >= 77 (the build requirement) is typed; older ones, as in a venv made by
# Python 3.11's ensurepip, are not: the ignores cover both.
from setuptools import Extension, setup  # type: ignore[import-untyped, unused-ignore]
from setuptools.command.build_ext import build_ext  # type: ignore[import-untyped, unused-ignore]

#: The modules compiled by ``SLACORE_COMPILE=1``: the hot path of ``evaluate``.
#: ``slacore.policies.results`` must stay pure: it assigns ``__class__`` on purpose,
#: which instances of mypyc's native classes do not allow.
COMPILED_MODULES: tuple[str, ...] = (
    "slacore.policies.evaluate",
    "slacore.policies.conditions",
    "slacore.events.history",
    "slacore.clock.table",
)

#: Where the compiled build keeps its generated C, objects and staged files.
BUILD_BASE = os.path.join("build", "mypyc")


def compile_requested() -> bool:
    """True when the environment asks for the compiled build (``SLACORE_COMPILE=1``)."""
    return os.environ.get("SLACORE_COMPILE", "").strip().lower() in {"1", "true", "yes", "on"}


def module_path(module: str) -> str:
    """The source file of ``module`` (a dotted name under ``src/``), relative to this file."""
    return "/".join(("src", *module.split("."))) + ".py"


class NotInPlaceBuildExt(build_ext):  # type: ignore[misc, unused-ignore]
    """``build_ext`` that refuses in-place (editable) compiled builds, and removes extension
    modules that an earlier compiled build with another module list left behind."""

    def run(self) -> None:
        """Check, clean the build directory of stale extension modules, then build."""
        if self.extensions:
            if self.inplace or getattr(self, "editable_mode", False):
                sys.exit(
                    "SLACORE_COMPILE=1 builds non-editable installs only: compiled modules "
                    "built in place would shadow the .py files in src/. Use "
                    "`SLACORE_COMPILE=1 pip install --no-build-isolation .` (without -e)."
                )
            wanted = {Path(self.get_ext_fullpath(ext.name)).resolve() for ext in self.extensions}
            for path in Path(self.build_lib).rglob("*"):
                if path.name.endswith(tuple(EXTENSION_SUFFIXES)) and path.resolve() not in wanted:
                    path.unlink()
        super().run()


def metadata_only() -> bool:
    """Whether setuptools runs only to write metadata (pip's ``egg_info`` / ``dist_info``
    steps before the build): mypyc's work, seconds of type checking, is skipped there."""
    return bool({"egg_info", "dist_info"} & set(sys.argv[1:]))


def extension_modules() -> list[Extension]:
    """The extension modules to build: none by default, mypyc's when compiling."""
    if not compile_requested() or metadata_only():
        return []
    return mypyc_extensions()


def mypyc_extensions() -> list[Extension]:
    """The extension modules mypyc makes from ``COMPILED_MODULES``."""
    try:
        from mypyc.build import mypycify
    except ImportError:
        sys.exit(
            "SLACORE_COMPILE=1 needs mypy (which ships mypyc) and slacore's dependencies in "
            "the build environment: install them (`pip install mypy 'setuptools>=77' ...`), "
            "then `SLACORE_COMPILE=1 pip install --no-build-isolation .`; or run "
            "`python3 run.py compiled`."
        )
    # Modules reached through imports are analysed for their types but their own errors
    # are left to the project's mypy run (they may need extras absent here, e.g. psycopg).
    options = ["--follow-imports=silent", "--cache-dir", os.path.join(BUILD_BASE, "mypy-cache")]
    return list(
        mypycify(
            [*options, *(module_path(m) for m in COMPILED_MODULES)],
            opt_level="3",
            target_dir=os.path.join(BUILD_BASE, "c"),
            group_name="slacore",
        )
    )


if __name__ == "__main__":
    setup(
        ext_modules=extension_modules(),
        cmdclass={"build_ext": NotInPlaceBuildExt},
        options={"build": {"build_base": BUILD_BASE}} if compile_requested() else {},
    )
