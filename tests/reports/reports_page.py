"""Reading the report back: sections and tables of an HTML page (stdlib parser)."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """Collects section ids, headings and the text of every table cell, per table class.
    Text inside ``<svg>`` is kept apart (``svg_text``)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[str] = []
        self.headings: list[str] = []
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.svg_text: list[str] = []
        self.tags: list[str] = []
        self._in: list[str] = []
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        self._in.append(tag)
        if tag == "section":
            self.sections.append(a.get("id") or "")
        elif tag == "h2":
            self._heading = []
        elif tag == "table":
            self.tables.append((a.get("class") or "", []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        while self._in and self._in[-1] != tag:
            self._in.pop()
        if self._in:
            self._in.pop()
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "h2" and self._heading is not None:
            self.headings.append("".join(self._heading))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if "svg" in self._in:
            self.svg_text.append(data)
        elif self._cell is not None:
            self._cell.append(data)
        elif self._heading is not None:
            self._heading.append(data)

    def table(self, css: str, n: int = 0) -> list[list[str]]:
        """Rows (header first) of the ``n``-th table with class ``css``."""
        return [rows for c, rows in self.tables if c == css][n]
