#!/usr/bin/env python3
"""The project's front doors: ``python3 run.py demo`` and ``python3 run.py test``.

Each command first makes sure ``.venv/`` exists and holds slacore with the extras it needs
(installed again only when ``pyproject.toml`` changes), then runs inside it; ``compiled``
does the same with ``.venv-compiled/``.  Nothing but a Python >= 3.11 with ``venv`` is
assumed on the machine, and a C compiler for the compiled build.

    python3 run.py demo      # the main job: `slacore demo`, a seeded 3-month ITSM history
    python3 run.py test      # ruff, mypy (strict on src/), the docs build, the test suite,
                             # then the compiled build's tests (see `compiled`)
    python3 run.py bench     # benchmarks against the peers (installs the bench extra)
    python3 run.py compiled  # the mypyc-compiled build in .venv-compiled/: the pure-core
                             # tests against it, then benchmarks/evaluate_bench.py

The compiled build (``docs/performance.md``, "Compiled build") needs a C compiler and the
Python headers.  ``test`` runs its tests after the full suite when they are there and
prints why it skips them when not, except under ``CI=true``, where their absence fails the
run; ``test`` with a selection of tests (any argument not starting with ``-``) leaves the
compiled build out.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")

#: The compiled build's own environment: a non-editable install, never the dev one.
COMPILED_VENV = ROOT / ".venv-compiled"
COMPILED_BIN = COMPILED_VENV / ("Scripts" if os.name == "nt" else "bin")
COMPILED_PYTHON = COMPILED_BIN / ("python.exe" if os.name == "nt" else "python")
#: The tests run against the compiled build: the pure core, and the build check itself.
COMPILED_TESTS = ("tests/policies", "tests/events", "tests/clock", "tests/test_compiled_build.py")
#: How commands run against the compiled build: on the installed package, said to be compiled.
COMPILED_RUN_ENV: dict[str, str | None] = {"PYTHONPATH": None, "SLACORE_EXPECT_COMPILED": "1"}


def _stamp_for(extras: str) -> Path:
    return VENV / f".installed-{extras.replace(',', '-') or 'core'}"


def _check_python() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py itself may meet an older python3
        sys.exit(f"slacore needs Python >= 3.11; this is {sys.version.split()[0]}")


def _create_venv(where: Path, python: Path) -> None:
    """Create the virtual environment ``where`` (interpreter ``python``) if it is missing."""
    if not python.exists():
        print(f"creating {where.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(where)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)


def ensure_env(extras: str) -> None:
    """Create the virtual environment and install slacore[extras] when out of date."""
    _check_python()
    _create_venv(VENV, PYTHON)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = _stamp_for(extras)
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"installing slacore[{extras}] into {VENV.name}/ ...", flush=True)
    target = f".[{extras}]" if extras else "."
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "-q", "-e", target], cwd=ROOT, check=True
    )
    stamp.write_text(digest)


def demo_extras() -> str:
    """The extras ``slacore demo`` needs: the CLI, and the HTML report's charts when the
    project defines that extra."""
    import tomllib

    defined = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = defined.get("project", {}).get("optional-dependencies", {})
    return ",".join(e for e in ("cli", "report") if e in extras)


def compiler_problem() -> str | None:
    """Why this machine cannot build C extension modules, or None when it can: the C
    compiler Python's build uses (``$CC`` first) and ``Python.h`` must both be there."""
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler!r} is not on PATH)"
    header = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not header.exists():
        return f"no Python headers ({header} is missing; e.g. Debian's python3-dev)"
    return None


def compiled_requirements() -> list[str]:
    """What the compiled build's environment holds besides slacore: the build backend,
    slacore's dependencies and the dev extra's stub packages (mypyc type-checks against
    them), mypy and pytest, all as ``pyproject.toml`` pins them."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dev = project["project"]["optional-dependencies"]["dev"]
    names = {spec: re.split(r"[^A-Za-z0-9._-]", spec, maxsplit=1)[0] for spec in dev}
    tools = [spec for spec, name in names.items()
             if name in {"mypy", "pytest"} or name.startswith("types-")]
    return [*project["build-system"]["requires"], *project["project"]["dependencies"], *tools]


def compiled_sources_digest() -> str:
    """A digest of everything the compiled install is made of: the build files and every
    file of the package, so that any edit under ``src/`` rebuilds it."""
    digest = hashlib.sha256(sys.version.encode())
    files = [ROOT / "setup.py", ROOT / "pyproject.toml"]
    files += sorted(p for p in (ROOT / "src" / "slacore").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def ensure_compiled_env() -> None:
    """Create ``.venv-compiled/`` and install the compiled build there when out of date:
    its requirements when ``pyproject.toml`` changes, the build when any source does."""
    _check_python()
    problem = compiler_problem()
    if problem:
        sys.exit(f"the compiled build cannot be made here: {problem}")
    _create_venv(COMPILED_VENV, COMPILED_PYTHON)
    pip = [str(COMPILED_PYTHON), "-m", "pip", "install", "-q"]
    requirements = compiled_requirements()
    stamp = COMPILED_VENV / ".installed-requirements"
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == digest):
        print(f"installing the compiled build's requirements into {COMPILED_VENV.name}/ ...",
              flush=True)
        subprocess.run([*pip, *requirements], cwd=ROOT, check=True)
        stamp.write_text(digest)
    stamp = COMPILED_VENV / ".installed-compiled"
    digest = compiled_sources_digest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"compiling slacore with mypyc into {COMPILED_VENV.name}/ ...", flush=True)
    stamp.unlink(missing_ok=True)
    built = subprocess.run(
        [*pip, "--no-build-isolation", "--no-deps", "--force-reinstall", "."],
        cwd=ROOT, env={**os.environ, "SLACORE_COMPILE": "1"},
    )
    if built.returncode:
        sys.exit("compiling slacore with mypyc failed: see the build's output above")
    stamp.write_text(digest)


def run(*args: str, bin_dir: Path = BIN, env: dict[str, str | None] | None = None) -> None:
    """Run a command (from ``bin_dir`` when it lives there) in the project's root, with
    ``env`` changing the environment (``None`` removes a variable); stop with its exit code
    when it fails."""
    print("$", " ".join(args), flush=True)
    program = str(bin_dir / args[0]) if (bin_dir / args[0]).exists() else args[0]
    environment = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    code = subprocess.run([program, *args[1:]], cwd=ROOT, env=environment).returncode
    if code:
        sys.exit(code)


def test_compiled(pytest_options: list[str]) -> None:
    """Build the compiled package (when out of date) and run the pure-core tests against
    the installed, compiled modules: ``SLACORE_EXPECT_COMPILED=1`` makes
    ``tests/test_compiled_build.py`` fail if they were imported from anywhere else."""
    ensure_compiled_env()
    # The installed package, not src/: ``-m pytest`` puts only the project's root on
    # sys.path (no slacore there), PYTHONPATH is dropped, and the cache is left to the dev
    # environment.
    run("python", "-m", "pytest", "-p", "no:cacheprovider", *pytest_options, *COMPILED_TESTS,
        bin_dir=COMPILED_BIN, env=COMPILED_RUN_ENV)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"demo", "test", "bench", "compiled"}:
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    if command == "demo":
        ensure_env(demo_extras())
        run("slacore", "demo", *rest)
    elif command == "test":
        ensure_env("dev")
        run("ruff", "check", "src", "tests", "benchmarks", "docs", "run.py", "setup.py")
        run("mypy")
        with tempfile.TemporaryDirectory() as site:  # the docs site must build, warning-free
            os.environ["NO_MKDOCS_2_WARNING"] = "1"  # a theme banner, not a finding
            run("mkdocs", "build", "--strict", "--quiet", "--site-dir", site)
        run("python", "-m", "pytest", *rest)
        if any(not arg.startswith("-") for arg in rest):
            print("compiled build: not tested (a selection of tests was asked for)")
            return
        problem = compiler_problem()
        if problem is None:
            test_compiled([arg for arg in rest if arg in {"-q", "-v", "-x"}])
        elif os.environ.get("CI", "").strip().lower() == "true":
            sys.exit(f"compiled build: cannot be tested: {problem} (CI=true: it must be)")
        else:
            print(f"compiled build: skipped: {problem}")
    elif command == "compiled":
        test_compiled(rest)
        run("python", "benchmarks/evaluate_bench.py", bin_dir=COMPILED_BIN, env=COMPILED_RUN_ENV)
    else:
        ensure_env("dev,bench")
        run("python", "benchmarks/clock_bench.py", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
