"""HTML: the visible text, with a map back to source lines.

>>> read_html(b"<title>T</title><p>Hello <b>world</b></p>").text
'Hello world'
"""

from __future__ import annotations

import codecs
import logging
import re
from html.parser import HTMLParser

from ..config import Settings

logger = logging.getLogger(__name__)

from .base import Extracted, _short
from .tables import table_row_lines


# ix:header: an inline-XBRL filing's hidden facts ("false", "12/31", "Q2", taxonomy URLs), never shown.
_SKIP = frozenset({"script", "style", "noscript", "template", "ix:header"})
_BLOCKS = frozenset((
    "address article aside blockquote body br caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li "
    "main menu nav ol option p pre section summary table tbody tfoot thead tr ul").split())
_CELLS = frozenset({"td", "th"})
_FACTS = frozenset({"dei:EntityRegistrantName", "dei:DocumentType", "dei:DocumentPeriodEndDate"})
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)""", re.I)


def _decode_html(data: bytes) -> str:
    """BOM, else <meta charset>, else UTF-8, else cp1252 with replacement: never lose the page."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    candidates = []
    m = _META_CHARSET.search(data[:8192])
    if m:
        try:
            name = codecs.lookup(m.group(1).decode("ascii")).name
            # As browsers do (WHATWG): latin-1/ascii labels mean cp1252; a utf-16 label in an
            # 8-bit-readable file is a lie, so read it as utf-8.
            name = {"iso8859-1": "cp1252", "ascii": "cp1252"}.get(name, name)
            candidates.append("utf-8" if name.startswith("utf-16") else name)
        except LookupError:
            logger.info("unknown HTML charset %r; guessing", m.group(1))
    for enc in candidates + ["utf-8"]:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue  # mislabelled pages are common; try the next guess
    logger.info("HTML is not valid UTF-8; decoded as cp1252")
    return data.decode("cp1252", errors="replace")


def _span(attrs: list, name: str) -> int:
    value = (next((v for k, v in attrs if k == name), "1") or "1").strip()
    return min(int(value), 100) if value.isdigit() and int(value) > 0 else 1


class _Table:
    """Rows of cells of one <table> being read; `lines()` gives each row as one line."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.rows: list[tuple[int, list, bool]] = []  # (source line, cells, all <th>)
        self.row: tuple[int, list, list[bool]] | None = None
        self.cell: list[str] | None = None
        self.span = 1
        self.rowspan = 1
        self.down: dict[int, tuple[int, str | None]] = {}  # column -> (rows left, text): rowspans
        self.caption: list[str] | None = None
        self.caption_text = ""
        self.thead = False

    def text(self, data: str) -> None:
        if self.caption is not None:
            self.caption.append(data)
        elif self.cell is not None:
            self.cell.append(data)

    def start_row(self, line: int) -> None:
        self.end_row()
        self.row = (line, [], [])

    def start_cell(self, tag: str, attrs: list, line: int) -> None:
        self.end_cell()
        if self.row is None:
            self.start_row(line)
        self.fill_down()
        self.span, self.rowspan = (_span(attrs, name) for name in ("colspan", "rowspan"))
        self.cell = []
        self.row[2].append(tag == "th" or self.thead)

    def end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        text = " ".join("".join(self.cell).split())
        start = len(self.row[1])
        self.row[1].extend([text] + [None] * (self.span - 1))  # None: covered by a colspan
        for k in range(self.span if self.rowspan > 1 else 0):
            self.down[start + k] = (self.rowspan - 1, None if k else text)
        self.cell = None

    def fill_down(self) -> None:
        """Cells of the rows above that span into this row take their columns here, as drawn."""
        cells = self.row[1] if self.row is not None else None
        while cells is not None and len(cells) in self.down:
            col = len(cells)
            left, text = self.down.pop(col)
            cells.append(text)
            if left > 1:
                self.down[col] = (left - 1, text)

    def end_row(self) -> None:
        self.end_cell()
        if self.row is not None and self.row[1]:
            self.fill_down()
        if self.row is not None and self.row[1]:
            self.rows.append((self.row[0], self.row[1], all(self.row[2])))
        self.row = None

    def end_caption(self) -> None:
        if self.caption is not None:
            self.caption_text = " ".join("".join(self.caption).split())
            self.caption = None

    def lines(self) -> list[tuple[str, int]]:
        """(line text, source line) of each row: headers carried into every data row."""
        self.end_row()
        self.end_caption()
        cells = [r[1] for r in self.rows]
        marked = next((i for i, r in enumerate(self.rows) if not r[2]), len(self.rows))
        lines = table_row_lines(cells, self.caption_text or None, marked)
        out = [(text, self.rows[i][0]) for i, text in lines]
        if self.caption_text and not any(self.caption_text in t for t, _ in out):
            out.insert(0, (self.caption_text, self.line))
        return out


class _HTMLText(HTMLParser):
    """Collects visible text as blocks, each with (offset-in-block, source line) anchors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, list[tuple[int, int]]]] = []
        self.title: str | None = None
        self.h1: str | None = None
        self._cur: list[str] = []
        self._len = 0
        self._anchors: list[tuple[int, int]] = []
        self._line: int | None = None  # line of the last anchor in this block
        self._nl = 0                   # newlines appended since that anchor
        self._gap = ""                 # pending separator before the next word
        self._skip = 0
        self._pre = 0
        self._svg = 0
        self._title: list[str] | None = None
        self._tables: list[_Table] = []
        self.facts: dict[str, str] = {}          # inline-XBRL cover facts (_FACTS)
        self._fact: tuple[str, list[str], int] | None = None

    def _skips(self, tag: str) -> bool:
        # An <svg>'s <title> is a tooltip, and browsers never show a second <title>.
        return tag in _SKIP or (tag == "title" and (self._svg > 0 or self.title is not None))

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:  # html.parser asserts on e.g. "<![foo[ x ]]>"; browsers skip it
            end = self.rawdata.find(">", i)
            return -1 if end < 0 else end + 1

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "ix:nonnumeric":
            if self._fact is not None:
                self._fact = (self._fact[0], self._fact[1], self._fact[2] + 1)
            elif (name := dict(attrs).get("name")) in _FACTS and name not in self.facts:
                self._fact = (name, [], 1)
        if self._skips(tag):
            self._skip += 1
        if self._skip:
            return
        if self._title is not None and tag in _BLOCKS:
            self._end_title()  # an unclosed <title> must not swallow the page
        if tag == "table":
            if not self._tables:
                self._flush()
            self._tables.append(_Table(self.getpos()[0]))
        elif self._tables and tag != "title":
            table = self._tables[-1]
            if tag == "tr":
                table.start_row(self.getpos()[0])
            elif tag in _CELLS:
                table.start_cell(tag, attrs, self.getpos()[0])
            elif tag == "caption":
                table.caption = []
            elif tag == "thead":
                table.thead = True
            elif tag in _BLOCKS:
                table.text(" ")
        elif tag == "title":
            self._title = []
        elif tag in ("svg", "math"):
            self._svg += 1
        elif tag in _BLOCKS:
            self._flush()
            self._pre += tag == "pre"
        elif tag in _CELLS and self._len:
            self._gap = " | "

    def handle_endtag(self, tag: str) -> None:
        if tag == "ix:nonnumeric" and self._fact is not None:
            name, parts, depth = self._fact
            self._fact = (name, parts, depth - 1) if depth > 1 else None
            if depth == 1:
                self.facts[name] = " ".join("".join(parts).split())
        if self._skips(tag):
            self._skip = max(self._skip - 1, 0)
            return
        if self._skip:
            return
        if tag == "title" and self._title is not None:
            self._end_title()
        elif self._tables:
            self._end_in_table(tag)
        elif tag in ("svg", "math"):
            self._svg = max(self._svg - 1, 0)
        elif tag in _BLOCKS:
            if tag == "h1" and self.h1 is None:
                self.h1 = "".join(self._cur).strip() or None
            self._flush()
            if tag == "pre":
                self._pre = max(self._pre - 1, 0)

    def _end_in_table(self, tag: str) -> None:
        table = self._tables[-1]
        if tag == "table":
            self._tables.pop()
            self._emit(table)
        elif tag in _CELLS:
            table.end_cell()
        elif tag == "tr":
            table.end_row()
        elif tag == "caption":
            table.end_caption()
        elif tag == "thead":
            table.thead = False
        elif tag in _BLOCKS:
            table.text(" ")

    def _emit(self, table: _Table) -> None:
        """A finished table: its row lines become blocks (a nested table, text of its cell)."""
        lines = table.lines()
        if self._tables:
            self._tables[-1].text(" " + "; ".join(t for t, _ in lines) + " ")
            return
        for text, line in lines:
            self.blocks.append((text, [(0, line)]))

    def close_tables(self) -> None:
        while self._tables:
            self._emit(self._tables.pop())

    def handle_data(self, data: str) -> None:
        if self._fact is not None:
            self._fact[1].append(data)
        if self._skip:
            return
        if self._title is not None:
            self._title.append(data)
            return
        if self._tables:
            self._tables[-1].text(data)
            return
        line = self.getpos()[0]  # with convert_charrefs this is where `data` starts
        if self._pre:
            if not self._len:  # drop leading blank lines, as browsers drop the first one
                stripped = data.lstrip("\n")
                line += len(data) - len(stripped)
                data = stripped
            if data:
                self._add(data, line)
            return
        pos = 0
        for m in re.finditer(r"\S+", data):
            if m.start() > pos:
                line += data.count("\n", pos, m.start())
                self._gap = self._gap or " "
            self._add(m.group(), line)
            pos = m.end()
        if pos < len(data):
            self._gap = self._gap or " "

    def _add(self, piece: str, line: int) -> None:
        gap = self._gap if self._len else ""  # no separator at the start of a block
        self._gap = ""
        start = self._len + len(gap)
        piece = gap + piece
        if self._line is None or self._line + self._nl != line:
            self._anchors.append((start, line))
            self._line, self._nl = line, 0
        self._cur.append(piece)
        self._len += len(piece)
        self._nl += piece.count("\n")

    def _end_title(self) -> None:
        self.title = " ".join("".join(self._title or ()).split()) or None
        self._title = None

    def _flush(self) -> None:
        text = "".join(self._cur).rstrip()
        if text.strip():
            self.blocks.append((text, [a for a in self._anchors if a[0] < len(text)]))
        self._cur, self._len, self._anchors = [], 0, []
        self._line, self._nl, self._gap = None, 0, ""


def read_html(data: bytes, settings: Settings | None = None) -> Extracted:
    """Visible text of an HTML page, each block anchored to its line in the source.

    Its text is never longer than its bytes, so the file-size limit bounds it (no `settings` used).
    """
    source = _decode_html(data).replace("\r\n", "\n").replace("\r", "\n")  # lines as editors count
    parser = _HTMLText()
    try:
        parser.feed(source)
        parser.close()
    except Exception as exc:  # keep what was read rather than lose the page
        logger.warning("HTML parsing stopped early (%s); keeping the text read so far", _short(exc))
    parser._flush()
    parser.close_tables()
    if parser._title is not None:
        parser._end_title()
    parts: list[str] = []
    anchors: list[tuple[int, int]] = []
    offset = 0
    for text, rel in parser.blocks:
        anchors.extend((offset + a, line) for a, line in rel)
        parts.append(text)
        offset += len(text) + 1
    title = parser.title or parser.h1
    if parser.facts.get("dei:EntityRegistrantName") and (not title or " " not in title):
        title = _filing_title(parser.facts)  # not the file's name ("nflx-20250630")
    return Extracted("\n".join(parts), title, None, tuple(anchors) or None)


def _filing_title(facts: dict[str, str]) -> str:
    """An SEC filing's title from its inline-XBRL cover facts: "Netflix, Inc. Form 10-Q for the
    period ended June 30, 2025"."""
    title = facts["dei:EntityRegistrantName"]
    if facts.get("dei:DocumentType"):
        title += f" Form {facts['dei:DocumentType']}"
    if facts.get("dei:DocumentPeriodEndDate"):
        title += f" for the period ended {facts['dei:DocumentPeriodEndDate']}"
    return title[:200]
