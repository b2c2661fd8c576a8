"""Extract the code blocks of the Markdown pages in ``docs/``.

A page's ```` ```python ```` blocks are its examples; the docs tests run them in order in
one namespace.  Two HTML comments, alone on the line just before a fence, qualify a block:

``<!-- no-run: reason -->``
    before a ``python`` block: the block is not executed (for blocks that need a server or
    the network).  The reason is mandatory and is shown in the test report.
``<!-- output -->``
    before a ``text`` block that follows a ``python`` block: the text is what that python
    block prints, and the test compares it (trailing spaces ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,})(?P<lang>[^`\s]*)[^`]*$")
NO_RUN = re.compile(r"^\s*<!--\s*no-run\s*(?::\s*(?P<reason>.*?))?\s*-->\s*$")
OUTPUT = re.compile(r"^\s*<!--\s*output\s*-->\s*$")


class DocFormatError(ValueError):
    """A page's fences or markers are malformed."""


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip_reason: str | None = None
    expected_output: str | None = None  # for python blocks: the <!-- output --> block after


def blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path`` in order, python blocks with their markers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    marker: tuple[str, str | None] | None = None  # ("no-run", reason) or ("output", None)
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence is None:
            if line.strip():
                no_run, output = NO_RUN.match(line), OUTPUT.match(line)
                if no_run:
                    reason = (no_run.group("reason") or "").strip()
                    if not reason:
                        raise DocFormatError(f"{path}:{i + 1}: a no-run marker must say why")
                    marker = ("no-run", reason)
                elif output:
                    marker = ("output", None)
                else:
                    marker = None
            i += 1
            continue
        indent, ticks, lang = fence.group("indent"), fence.group("ticks"), fence.group("lang")
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not re.match(rf"^[ \t]*{ticks}\s*$", lines[i]):
            text = lines[i]
            body.append(text[len(indent):] if text.startswith(indent) else text.lstrip())
            i += 1
        if i == len(lines):
            raise DocFormatError(f"{path}:{start + 1}: unclosed code fence")
        i += 1
        code = "\n".join(body) + "\n"
        kind, marker_reason = marker if marker else (None, None)
        marker = None
        if kind == "output":
            if lang != "text" or not found or found[-1].lang != "python":
                raise DocFormatError(
                    f"{path}:{start + 1}: <!-- output --> must mark a text block that "
                    "follows a python block")
            prev = found[-1]
            found[-1] = Block(prev.path, prev.line, prev.lang, prev.code, prev.skip_reason, code)
            continue
        if kind == "no-run" and lang != "python":
            raise DocFormatError(f"{path}:{start + 1}: no-run marks a {lang!r} block")
        reason = marker_reason if kind == "no-run" else None
        found.append(Block(path, start + 1, lang, code, reason))
    return found


def python_blocks(path: Path) -> list[Block]:
    """The ``python`` blocks of ``path``."""
    return [b for b in blocks(path) if b.lang in ("python", "py", "python3")]
