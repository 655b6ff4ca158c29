"""PDF: text in reading order without page furniture, page images read by OCR; bounded in pages
and characters.

PDFium (pypdfium2) gives each character with its position; `pdf_columns` and `pdf_layout` turn
those into paragraphs, table rows and footnotes in reading order. Chosen by measuring (bench/pdf_extract.py):
on 12 real files PDFium took 0.2 s to extract where pypdf took 3.4 s and pdfminer 20 s.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time

from ..config import Settings
from ..errors import UnreadableDocument
from .base import Extracted, _short
from .cleanup import dehyphenate, good_title, is_page_number, join_lines
from .pdf_furniture import remove_furniture
from .pdf_columns import reading_order
from .pdf_layout import continues_across, page_blocks
from .pdf_segments import page_segments
from .pdf_page import CAPTION, TERMINAL, Block, PageLayout, title_of

logger = logging.getLogger(__name__)

_DEFAULTS = Settings()
PDFIUM_LOCK = threading.RLock()
"""PDFium is not thread-safe, even across documents: every pypdfium2 call in qa holds this lock
(the build's reader here, the viewer's page renderer in qa.pages)."""
_MIN_LETTERS = 20          # a page with fewer letters than this has no usable text layer
_OCR_SCALE = 300 / 72      # render at 300 dpi for Tesseract


def read_pdf(data: bytes, settings: Settings | None = None) -> Extracted:
    """Text of the pages in reading order; `page_starts` records where each page begins.

    Paragraphs are separated by blank lines, table rows by line breaks; a paragraph that goes on
    over a page break is one paragraph (the next page starts inside it). Pages without a usable
    text layer are read with Tesseract when `settings.ocr` is "auto" ("force": every page).
    Refuses more than `settings.max_pdf_pages` pages, and stops once the text passes
    `settings.max_text_chars` (a small PDF can draw megabytes of text from compressed streams).
    """
    settings = settings or _DEFAULTS
    import pypdfium2 as pdfium

    if not data.strip():
        raise UnreadableDocument("empty file")
    # Acrobat accepts the header anywhere in the first 1 KiB.
    if data.find(b"%PDF-", 0, 1024) < 0:
        raise UnreadableDocument("malformed PDF: no %PDF- header")
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise UnreadableDocument("encrypted PDF") from exc
            raise UnreadableDocument(f"malformed PDF: {_pdfium_reason(exc)}") from exc
    try:
        return _read(document, settings)
    finally:
        with PDFIUM_LOCK:
            document.close()


def _pdfium_reason(exc: Exception) -> str:
    m = re.search(r"PDFium: ([^)]+)", str(exc))
    return m.group(1) if m else _short(exc)


def _read(document, settings: Settings) -> Extracted:
    with PDFIUM_LOCK:
        count = len(document)
        if count > settings.max_pdf_pages:
            raise UnreadableDocument(f"too many pages ({count:,}; limit {settings.max_pdf_pages:,})")
        title = None
        try:
            title = good_title(document.get_metadata_dict().get("Title"))
        except Exception as exc:
            logger.info("PDF metadata unreadable: %s", _short(exc))

    layouts: list[PageLayout] = []
    images: list[bool] = []
    total = 0
    for number in range(1, count + 1):
        layout, has_image = _page(document, number)
        layouts.append(layout)
        images.append(has_image)
        total += sum(len(r.text) + 1 for r in layout.rows)
        if total > settings.max_text_chars:
            raise UnreadableDocument(f"yields too much text (over {settings.max_text_chars:,} characters "
                                     f"by page {number})")

    mode = settings.ocr
    letters = [sum(ch.isalpha() for r in p.rows for ch in r.text) for p in layouts]
    if mode == "force":
        wanted = list(range(count))
    elif mode == "auto":
        wanted = [i for i in range(count) if letters[i] < _MIN_LETTERS and images[i]]
    else:
        wanted = []
    notes: list[str] = []
    ocr_blocks: dict[int, list[Block]] = {}
    seconds = 0.0
    if wanted:
        ocr_blocks, seconds, note = _ocr_pages(document, wanted, settings)
        if note:
            notes.append(note)
    elif mode == "off":
        unread = sum(1 for i in range(count) if letters[i] < _MIN_LETTERS and images[i])
        if unread:
            notes.append(f"{unread} page(s) are images with no text layer, not read (--ocr auto reads them)")

    text_pages = [p for i, p in enumerate(layouts) if i not in ocr_blocks]
    first = next((p for p in text_pages if p.rows), None)
    remove_furniture(text_pages, [t for t in (title, first and title_of(first)) if t])
    known = _known_words(layouts)
    if title is None:
        first = next((p for p in layouts if p.rows), None)
        title = good_title(title_of(first)) if first is not None else None
    pages = [ocr_blocks[i] if i in ocr_blocks else page_blocks(p, known) for i, p in enumerate(layouts)]
    text, starts = _assemble(pages, known)
    if not text.strip():
        return Extracted("", title, notes=tuple(notes), ocr_pages=len(ocr_blocks), ocr_seconds=seconds)
    return Extracted(text, title, tuple(starts), notes=tuple(notes), ocr_pages=len(ocr_blocks),
                     ocr_seconds=seconds)


def _known_words(layouts: list[PageLayout]) -> set[str]:
    """The document's own words, to tell a word broken at a line end from a compound: not the
    pieces of broken words themselves ("pri-" / "oritization"), which would make every break
    look like two words."""
    known: set[str] = set()
    for page in layouts:
        broken = False
        for row in page.rows:
            words = re.findall(r"[^\W\d_]+", row.text)
            if broken:
                words = words[1:]
            broken = row.text.rstrip().endswith("-")
            known.update(w.lower() for w in (words[:-1] if broken else words))
    return known


def _page(document, number: int) -> tuple[PageLayout, bool]:
    """One page's rows in reading order, and whether it draws an image. A failing page is empty."""
    with PDFIUM_LOCK:
        try:
            page = document[number - 1]
            try:
                width, height = page.get_size()
                textpage = page.get_textpage()
                try:
                    segments, width, height = page_segments(textpage, width, height)
                    has_image = sum(ch.isalpha() for s in segments for ch in s.text) < _MIN_LETTERS and _draws_image(page)
                finally:
                    textpage.close()
            finally:
                page.close()
        except Exception as exc:  # one bad page must not cost the whole document
            logger.warning("PDF page %d: text extraction failed (%s); page kept empty", number, _short(exc))
            return PageLayout([], 1.0, 1.0), False
    return PageLayout(reading_order(segments, width), width, height), has_image


def _draws_image(page) -> bool:
    import pypdfium2.raw as raw

    for k in range(raw.FPDFPage_CountObjects(page)):
        kind = raw.FPDFPageObj_GetType(raw.FPDFPage_GetObject(page, k))
        if kind in (raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM):  # a form may hold the scan
            return True
    return False


def _ocr_pages(document, wanted: list[int], settings: Settings
               ) -> tuple[dict[int, list[Block]], float, str | None]:
    """Blocks of the pages read by OCR, seconds spent, and a note if some could not be read."""
    from .ocr import OCRUnavailable, languages, ocr_image

    try:
        langs = languages(settings.ocr_languages)
    except OCRUnavailable as exc:
        return {}, 0.0, f"{len(wanted)} page(s) are images with no text layer, not read: {exc}"
    out: dict[int, list[Block]] = {}
    failed = 0
    t0 = time.perf_counter()
    for i in wanted:
        with PDFIUM_LOCK:
            page = document[i]
            try:
                image = page.render(scale=_OCR_SCALE, grayscale=True).to_pil()
            finally:
                page.close()
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        try:
            paragraphs = ocr_image(buf.getvalue(), langs)  # outside the lock: pages of other files go on
        except RuntimeError as exc:
            logger.warning("OCR of page %d failed: %s", i + 1, exc)
            failed += 1
            continue
        # Underscores in a scan are a form's blank lines ("Agency: ____Fond du Lac").
        texts = [re.sub(r" *_+ *", " ", join_lines(lines)).strip() for lines in paragraphs]
        out[i] = [Block("para", t) for t in texts if t and not is_page_number(t)]
    seconds = time.perf_counter() - t0
    logger.info("OCR: %d page(s) in %.1f s", len(out), seconds)
    return out, seconds, (f"OCR failed on {failed} page(s)" if failed else None)


_INTRODUCED = re.compile(r"^([\"“‘«„]|\(?[\divx]{1,3}[.)]\s|[•▪◦·–—-]\s)")  # a quotation, a list item


def _goes_on(prev: Block, nxt: Block) -> bool:
    """Whether the first paragraph of a page carries on the last of the page before: it goes on
    with the sentence (`continues_across`), or the last ends in a colon introducing it: a quotation
    or a list, maybe set in smaller type ("..., which Wang et al. (2022) define as:" over "“Checking
    the factual errors ..."), or text of the same size; not a heading or a figure's labels."""
    if continues_across(prev, nxt):
        return True
    if prev.kind != "para" or nxt.kind != "para" or not prev.text.endswith(":"):
        return False
    same = abs(nxt.size - prev.size) <= 0.15 * prev.size
    if not same and not (nxt.size < prev.size and (_INTRODUCED.match(nxt.text) or nxt.text[:1].islower())):
        return False
    return continues_across(Block("para", prev.text[:-1], prev.size), Block("para", nxt.text, prev.size))


def _floated(blocks: list[Block]) -> bool:
    """Whether blocks at a page's top are a float, a table or figure set there: a caption among them
    ("TABLE 3. Number of deaths ...", "Figure 2: ..."); a page of a magazine's boxes has none."""
    return any(b.kind == "para" and CAPTION.match(b.text) for b in blocks)


def _heads_aside(last: Block, blocks: list[Block]) -> list[Block]:
    """A page's blocks with the short ones above the text that carries on `last` (the paragraph
    ending the page before) moved after that paragraph: a running head seen once ("Cite as: 569
    U. S. ____ (2013) 3" on the odd pages of a four-page opinion) or a float's caption does not cut
    the sentence going over the break, and stays on its page. Only where the sentence plainly goes
    on (a word in lower case, or after a hyphen or a comma) and the page has more after it."""
    i = 0
    while i < min(3, len(blocks) - 1) and blocks[i].kind == "para" and len(blocks[i].text) < 200 \
            and not continues_across(last, blocks[i]):
        i += 1
    if _floated(blocks[:i + 1]) or i < len(blocks) and blocks[i].kind == "table":
        # A table set at the top of the page, with its caption and notes ("TABLE 1. Number of deaths
        # ...", its rows, "* Per 100,000"), between the two halves of a sentence: it waits too.
        j = 0
        while j < len(blocks) - 1 and (blocks[j].kind == "table" or blocks[j].kind == "para" and (
                len(blocks[j].text) < 200 or CAPTION.match(blocks[j].text)) and not continues_across(last, blocks[j])):
            j += 1
        i = j if _floated(blocks[:j]) else i
    if i == 0 or i == len(blocks):
        return blocks
    nxt = blocks[i]
    if not (continues_across(last, nxt) and (nxt.text[:1].islower() or last.text.endswith(("-", ",")))):
        return blocks
    open_end = not TERMINAL.search(nxt.text) or nxt.text.endswith(":")
    if open_end and not any(b.kind != "note" for b in blocks[i + 1:]):
        return blocks  # the paragraph may go on over the next break too: no place inside it
    return [nxt] + blocks[:i] + blocks[i + 1:]


def _assemble(pages: list[list[Block]], known: set[str]) -> tuple[str, list[int]]:
    """The document text and where each page starts.

    Paragraphs are separated by a blank line, table rows by a line break; a paragraph that goes
    on over a page break is joined with a space (a line-end hyphen joined), and that page's
    footnotes and the small print after it move before it, and the next page's heads after its
    end there, so they do not cut its sentence. A block said twice (same page or not) is kept once.
    """
    for p in range(len(pages) - 1):
        body = [b for b in pages[p] if b.kind != "note"]
        notes = [b for b in pages[p] if b.kind == "note"]
        sizes: dict[float, int] = {}
        for b in body:
            if b.kind == "para" and b.size:
                sizes[round(b.size, 1)] = sizes.get(round(b.size, 1), 0) + len(b.text)
        normal = max(sizes, key=sizes.__getitem__) if sizes else 0.0  # the size of most of the text
        k = len(body)  # small print after the last paragraph (a venue line, a copyright notice)
        while k > 1 and body[k - 1].kind == "para" and 0 < body[k - 1].size < 0.9 * normal:
            k -= 1
        small = body[k:]
        if body:
            pages[p + 1] = _heads_aside(body[k - 1], pages[p + 1])
        nxt = next((b for b in pages[p + 1] if b.kind != "note"), None)
        # After a colon, small print is what it introduces (a rule's text set smaller): it stays.
        if ((notes or small) and body and nxt is not None
                and (continues_across(body[k - 1], nxt) or not small and _goes_on(body[k - 1], nxt))):
            pages[p] = body[:k - 1] + notes + small + body[k - 1:k]
    seen: set[str] = set()
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    prev: Block | None = None
    for blocks in pages:
        first = True
        for b in blocks:
            key = re.sub(r"\W+", "", b.text.casefold())
            if len(key) >= 20 and key in seen:
                continue
            seen.add(key)
            if not parts:
                sep = ""
            elif first and prev is not None and _goes_on(prev, b):
                sep = " "
                head, tail = re.search(r"([^\W\d_]+)-$", parts[-1]), re.match(r"[^\W\d_]+", b.text)
                if head and tail:
                    sep = ""  # a hyphen at the page's end: keep it ("Soekarno-Hatta") or join the word
                    if dehyphenate(head.group(1), tail.group(), known):
                        parts[-1] = parts[-1][:-1]
                        pos -= 1
            elif b.kind == "table" and prev is not None and prev.kind == "table":
                sep = "\n"
            else:
                sep = "\n\n"
            if first:
                starts.append(pos + len(sep))
                first = False
            parts.append(sep + b.text)
            pos += len(sep) + len(b.text)
            prev = b
        if first:
            starts.append(pos)
    if starts:
        starts[0] = 0
    return "".join(parts), starts
