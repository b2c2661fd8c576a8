#!/usr/bin/env python3
"""The project's two front doors: ``python3 run.py demo`` and ``python3 run.py test``.

Each command first makes sure ``.venv/`` exists and holds slacore with the extras it needs
(installed again only when ``pyproject.toml`` changes), then runs inside it.  Nothing but a
Python >= 3.11 with ``venv`` is assumed on the machine.

    python3 run.py demo     # the main job: `slacore demo`, a seeded 3-month ITSM history
    python3 run.py test     # ruff, mypy (strict on src/), the docs build and the test suite
    python3 run.py bench    # benchmarks against the peers (installs the bench extra)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _stamp_for(extras: str) -> Path:
    return VENV / f".installed-{extras.replace(',', '-') or 'core'}"


def ensure_env(extras: str) -> None:
    """Create the virtual environment and install slacore[extras] when out of date."""
    if sys.version_info < (3, 11):
        sys.exit(f"slacore needs Python >= 3.11; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
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


def run(*args: str) -> None:
    print("$", " ".join(args), flush=True)
    code = subprocess.run([str(BIN / args[0]) if (BIN / args[0]).exists() else args[0], *args[1:]],
                          cwd=ROOT).returncode
    if code:
        sys.exit(code)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"demo", "test", "bench"}:
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    if command == "demo":
        ensure_env(demo_extras())
        run("slacore", "demo", *rest)
    elif command == "test":
        ensure_env("dev")
        run("ruff", "check", "src", "tests", "benchmarks", "docs")
        run("mypy")
        with tempfile.TemporaryDirectory() as site:  # the docs site must build, warning-free
            os.environ["NO_MKDOCS_2_WARNING"] = "1"  # a theme banner, not a finding
            run("mkdocs", "build", "--strict", "--quiet", "--site-dir", site)
        run("python", "-m", "pytest", *rest)
    else:
        ensure_env("dev,bench")
        run("python", "benchmarks/clock_bench.py", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
