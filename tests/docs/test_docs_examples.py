"""Every ```python example of every page in ``docs/`` runs (see ``docblocks.py``).

The blocks of one page run in order in one namespace, in a fresh working directory that
holds the repository's ``examples/`` and ``docs/`` (pages name files such as
``examples/standard-incident.yaml``; anything a page writes lands in the temporary
directory).  A block followed by an ``<!-- output -->`` text block must print exactly that.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import hypothesis  # noqa: F401  (imported here, before any chdir: its cache stays put)
import pytest
from docblocks import Block, python_blocks

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def _run(block: Block, namespace: dict[str, object]) -> str:
    out = io.StringIO()
    code = compile("\n" * (block.line) + block.code, str(block.path), "exec")
    with contextlib.redirect_stdout(out):
        exec(code, namespace)
    return out.getvalue()


def check_page(page: Path) -> list[str]:
    """Run the python blocks of ``page`` in order in one namespace (in the current
    directory); ``AssertionError`` naming the block that fails or prints something else.
    Returns the skipped blocks with their reasons."""
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    skipped: list[str] = []
    for block in python_blocks(page):
        if block.skip_reason is not None:
            skipped.append(f"{page.name}:{block.line}: {block.skip_reason}")
            continue
        try:
            printed = _run(block, namespace)
        except Exception as exc:
            raise AssertionError(
                f"the example at {page.name}:{block.line} fails: "
                f"{type(exc).__name__}: {exc}") from exc
        if block.expected_output is not None:
            assert _normalise(printed) == _normalise(block.expected_output), (
                f"the example at {page.name}:{block.line} prints something else "
                f"than its <!-- output --> block:\n{printed}")
    return skipped


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_examples_of_the_page_run(page: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("examples", "docs"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    skipped = check_page(page)
    if skipped:
        print("not run:", *skipped, sep="\n  ")


def test_every_page_is_checked() -> None:
    assert PAGES, "no pages found in docs/"
