"""Readers for HTML, PDF and DOCX: raw bytes -> visible text plus offset -> page / source-line maps.

>>> read_html(b"<title>T</title><p>Hello <b>world</b></p>").text
'Hello world'
"""

from __future__ import annotations

import bisect
import codecs
import io
import itertools
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Callable

from .config import Settings
from .errors import UnreadableDocument  # one class for the whole package; subclasses ValueError

logger = logging.getLogger(__name__)

_DEFAULTS = Settings()

__all__ = ["Extracted", "UnreadableDocument", "LineMap", "read_html", "read_pdf", "read_docx",
           "READERS", "page_of", "line_of", "check_zip"]


@dataclass(frozen=True)
class Extracted:
    """What a reader found in a file.

    `page_starts[i]` is the offset in `text` where page i+1 begins (PDF only).
    `line_anchors` are sorted (text_offset, source_line) pairs, the first at offset 0: the source
    line of offset o is `l + text.count("\\n", a, o)` for the last anchor (a, l) with a <= o.
    None means lines are counted in `text` itself.
    """

    text: str
    title: str | None
    page_starts: tuple[int, ...] | None = None
    line_anchors: tuple[tuple[int, int], ...] | None = None


class LineMap:
    """Offset -> 1-based source line in O(log n) per call, for many lookups on one text.

    >>> LineMap("a\\nb\\nc", ((0, 10), (2, 20))).line(4)
    21
    """

    def __init__(self, text: str, line_anchors: tuple[tuple[int, int], ...] | None = None) -> None:
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._anchors = tuple(line_anchors) if line_anchors else ((0, 1),)
        self._keys = [a for a, _ in self._anchors]

    def line(self, offset: int) -> int:
        i = max(bisect.bisect_right(self._keys, offset) - 1, 0)
        anchor, line = self._anchors[i]
        return line + bisect.bisect_left(self._newlines, offset) - bisect.bisect_left(self._newlines, anchor)


def line_of(text: str, line_anchors: tuple[tuple[int, int], ...] | None, offset: int) -> int:
    """1-based source line of `offset` (builds a LineMap; use LineMap directly for many calls)."""
    return LineMap(text, line_anchors).line(offset)


def page_of(page_starts: tuple[int, ...] | None, offset: int) -> int | None:
    """1-based page of `offset`, None when the format has no pages: `page_of((0, 10), 12) -> 2`."""
    if not page_starts:
        return None
    return max(bisect.bisect_right(page_starts, offset), 1)


def _short(exc: BaseException) -> str:
    """A one-line, bounded reason from an exception raised deep inside a parser."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)  # no repr quotes
    msg = (text.strip().splitlines() or [""])[0] or type(exc).__name__
    return msg if len(msg) <= 120 else msg[:117] + "..."


# ---------------------------------------------------------------- HTML

_SKIP = frozenset({"script", "style", "noscript", "template"})
_BLOCKS = frozenset((
    "address article aside blockquote body br caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li "
    "main menu nav ol option p pre section summary table tbody tfoot thead tr ul").split())
_CELLS = frozenset({"td", "th"})
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
        if self._skips(tag):
            self._skip += 1
        if self._skip:
            return
        if self._title is not None and tag in _BLOCKS:
            self._end_title()  # an unclosed <title> must not swallow the page
        if tag == "title":
            self._title = []
        elif tag in ("svg", "math"):
            self._svg += 1
        elif tag in _BLOCKS:
            self._flush()
            self._pre += tag == "pre"
        elif tag in _CELLS and self._len:
            self._gap = " | "

    def handle_endtag(self, tag: str) -> None:
        if self._skips(tag):
            self._skip = max(self._skip - 1, 0)
            return
        if self._skip:
            return
        if tag == "title" and self._title is not None:
            self._end_title()
        elif tag in ("svg", "math"):
            self._svg = max(self._svg - 1, 0)
        elif tag in _BLOCKS:
            if tag == "h1" and self.h1 is None:
                self.h1 = "".join(self._cur).strip() or None
            self._flush()
            if tag == "pre":
                self._pre = max(self._pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._title is not None:
            self._title.append(data)
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
    if parser._title is not None:
        parser._end_title()
    parts: list[str] = []
    anchors: list[tuple[int, int]] = []
    offset = 0
    for text, rel in parser.blocks:
        anchors.extend((offset + a, line) for a, line in rel)
        parts.append(text)
        offset += len(text) + 1
    return Extracted("\n".join(parts), parser.title or parser.h1, None, tuple(anchors) or None)


# ---------------------------------------------------------------- PDF

def read_pdf(data: bytes, settings: Settings | None = None) -> Extracted:
    """Text of each page joined by blank lines; `page_starts` records where each page begins.

    Refuses more than `settings.max_pdf_pages` pages, and stops extracting once the text passes
    `settings.max_text_chars` (a small PDF can draw megabytes of text from compressed streams).
    """
    settings = settings or _DEFAULTS
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if not data.strip():
        raise UnreadableDocument("empty file")
    # Acrobat accepts the header anywhere in the first 1 KiB; pypdf would guess on any bytes.
    if data.find(b"%PDF-", 0, 1024) < 0:
        raise UnreadableDocument("malformed PDF: no %PDF- header")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # many PDFs only restrict printing: empty user password
            except DependencyError as exc:
                raise UnreadableDocument("encrypted PDF (AES needs the 'cryptography' package)") from exc
            if not ok:
                raise UnreadableDocument("encrypted PDF")
        count = len(reader.pages)
        if count > settings.max_pdf_pages:
            raise UnreadableDocument(f"too many pages ({count:,}; limit {settings.max_pdf_pages:,})")
        pages = list(reader.pages)
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; report one line
        raise UnreadableDocument(f"malformed PDF: {_short(exc)}") from exc

    texts: list[str] = []
    total = 0
    for number, page in enumerate(pages, start=1):
        try:
            texts.append((page.extract_text() or "").replace("\x00", "").rstrip())
        except Exception as exc:  # one bad page must not cost the whole document
            logger.warning("PDF page %d: text extraction failed (%s); page kept empty", number, _short(exc))
            texts.append("")
        total += len(texts[-1]) + 2
        if total > settings.max_text_chars:
            raise UnreadableDocument(f"yields too much text (over {settings.max_text_chars:,} characters "
                                     f"by page {number})")
    title = None
    try:
        meta = reader.metadata
        if meta is not None:
            title = " ".join(str(meta.title or "").split()) or None
    except Exception as exc:
        logger.info("PDF metadata unreadable: %s", _short(exc))
    if not any(t.strip() for t in texts):  # scanned images only: the caller reports it as empty
        return Extracted("", title)
    starts = tuple(itertools.accumulate((len(t) + 2 for t in texts[:-1]), initial=0))
    return Extracted("\n\n".join(texts), title, starts)


# ---------------------------------------------------------------- DOCX

def check_zip(data: bytes, settings: Settings | None = None) -> None:
    """Refuse a zip (a .docx) that would unpack to too much, before anything is decompressed.

    Reads only the central directory. Its declared sizes bind: Python's zipfile never returns
    more bytes than a member declares (the rest fails its CRC), so a lying header cannot
    unpack more than the sum checked here. Also refused: a member that unpacks to more than
    `max_zip_ratio` times its compressed size, the mark of a bomb; office XML compresses about
    10:1 and images not at all.
    """
    import zipfile

    settings = settings or _DEFAULTS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnreadableDocument("not a valid .docx (zip) file") from exc
    if len(members) > settings.max_zip_entries:
        raise UnreadableDocument(f"zip bomb? {len(members):,} parts in the .docx "
                                 f"(limit {settings.max_zip_entries:,})")
    total = sum(m.file_size for m in members)
    if total > settings.max_zip_bytes:
        raise UnreadableDocument(f"zip bomb? the .docx unpacks to {total:,} bytes "
                                 f"(limit {settings.max_zip_bytes:,})")
    for m in members:
        if m.file_size > _RATIO_FLOOR and m.file_size > settings.max_zip_ratio * max(m.compress_size, 1):
            raise UnreadableDocument(f"zip bomb? {m.filename[:60]!r} unpacks {m.file_size // max(m.compress_size, 1):,}"
                                     f" times its size (limit {settings.max_zip_ratio})")


_RATIO_FLOOR = 1 << 20  # below 1 MiB unpacked, a high ratio costs nothing (blank pages compress well)


def read_docx(data: bytes, settings: Settings | None = None) -> Extracted:
    """Paragraphs and table rows (cells joined by ' | ') in document order, one per line.

    The zip is checked against the limits of `settings` first (see `check_zip`).
    """
    import zipfile

    import docx
    from docx.table import Table

    check_zip(data, settings)
    try:
        document = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableDocument("not a valid .docx (zip) file") from exc
    except Exception as exc:  # missing parts, wrong content type (.xlsx, .dotm), bad XML
        raise UnreadableDocument(f"not a readable .docx: {_short(exc)}") from exc

    lines: list[str] = []
    heading: str | None = None
    try:
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_rows(block))
                continue
            text = block.text.strip()
            if not text:
                continue
            lines.append(text)
            if heading is None:
                style = (block.style.name or "") if block.style is not None else ""
                if style == "Title" or style.startswith("Heading"):
                    heading = " ".join(text.split())
        title = " ".join((document.core_properties.title or "").split()) or heading
    except Exception as exc:  # bad XML deep inside the body
        raise UnreadableDocument(f"malformed .docx: {_short(exc)}") from exc
    return Extracted("\n".join(lines), title)


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            if cell._tc is previous:  # a merged cell is repeated once per grid column it spans
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


READERS: dict[str, Callable[[bytes, Settings | None], Extracted]] = {
    ".html": read_html, ".htm": read_html, ".pdf": read_pdf, ".docx": read_docx,
}
