"""The docs harness itself: it finds the blocks, honours the markers, and fails a page
whose example raises or prints something else than it shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from docblocks import DocFormatError, blocks, python_blocks
from test_docs_examples import check_page

FENCE = "```"


def _page(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.md"
    path.write_text(text.replace("~~~", FENCE), encoding="utf-8")
    return path


def test_blocks_markers_and_outputs(tmp_path: Path) -> None:
    page = _page(tmp_path, """# t

~~~python
x = 1
print(x + 1)
~~~

<!-- output -->
~~~text
2
~~~

<!-- no-run: needs a PostgreSQL server -->
~~~python
connect()
~~~

1. a list item

    ~~~python
    y = x
    ~~~

~~~json
{"a": 1}
~~~
""")
    found = python_blocks(page)
    assert [b.line for b in found] == [3, 14, 20]
    assert found[0].expected_output == "2\n" and found[0].skip_reason is None
    assert found[1].skip_reason == "needs a PostgreSQL server"
    assert found[2].code == "y = x\n"
    assert [b.lang for b in blocks(page)] == ["python", "python", "python", "json"]
    assert check_page(page) == ["page.md:14: needs a PostgreSQL server"]


@pytest.mark.parametrize("text, message", [
    ("<!-- no-run -->\n~~~python\nx\n~~~\n", "must say why"),
    ("<!-- output -->\n~~~text\n1\n~~~\n", "must mark a text block"),
    ("<!-- no-run: server -->\n~~~json\n{}\n~~~\n", "no-run marks"),
    ("~~~python\nx = 1\n", "unclosed"),
])
def test_malformed_pages_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DocFormatError, match=message):
        blocks(_page(tmp_path, text))


def test_a_failing_example_fails_the_page(tmp_path: Path) -> None:
    page = _page(tmp_path, "~~~python\nx = 1\n~~~\n\n~~~python\nprint(y)\n~~~\n")
    with pytest.raises(AssertionError, match=r"page.md:5 fails: NameError"):
        check_page(page)


def test_a_wrong_output_fails_the_page(tmp_path: Path) -> None:
    page = _page(tmp_path, "~~~python\nprint(6 * 7)\n~~~\n<!-- output -->\n~~~text\n41\n~~~\n")
    with pytest.raises(AssertionError, match="prints something else"):
        check_page(page)
