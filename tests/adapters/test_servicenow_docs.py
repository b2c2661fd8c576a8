"""The code examples of docs/servicenow.md run, in order, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "servicenow.md"


def test_the_examples_in_the_servicenow_doc_run(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    printed = capsys.readouterr().out
    # the figures the doc quotes in its comments
    assert "51 rows: 10 incidents, 56 events; 1 duplicate, 1 unchanged, 5 rejected rows" \
        in printed
    assert "row 33 (line 34, INC0010007): sys_updated_at: not a valid date-time" in printed
    assert "made_sla agreement on 'resolution': 9 of 10 incidents (90.00%)" in printed
    assert "56 received: 56 stored" in printed
