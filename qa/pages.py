"""The page itself: a PDF page of the documents folder rendered to PNG, a passage's text marked on it.

>>> renderer = PageRenderer("seeds")
>>> image = renderer.render("report.pdf", 2, passage="... the cited passage ...",
...                         sentences=["the quoted sentence."])
>>> image.png[:8], image.marks          # PNG bytes; how many boxes were drawn
(b'\\x89PNG\\r\\n\\x1a\\n', 3)

Rendering is PDFium's (pypdfium2). The marks come from PDFium's character boxes: the page's
characters and the wanted text are both reduced to letters and digits (NFKC, case-folded), so
line breaks, hyphenation, ligatures and the extractor's spacing do not matter. Text that is not
found whole is marked by its longest beginning and end found on the page and its longest runs of
words there, so a passage that runs on to the next page, or whose reading order differs from the
page's, still gets its words on this page marked. The passage is marked lightly, the quoted sentences strongly.

Only files inside the folder given to PageRenderer are ever opened: the path is resolved (links
followed) and refused unless it stays inside the folder. Rendered pages are kept in memory,
least recently used first out, up to `max_bytes`; a changed file (size or mtime) renders anew.
"""

from __future__ import annotations

import ctypes
import io
import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .errors import QAError
from .formats.pdf import PDFIUM_LOCK

logger = logging.getLogger(__name__)


WIDTH = 1000            # pixels across a rendered page (a letter page at about 118 dpi)
MAX_PIXELS = 4_000_000  # a page larger than this (posters, maps) is rendered smaller
CACHE_BYTES = 64 * 1024 * 1024
MIN_EDGE_CHARS = 8      # a passage's beginning or end found on a page is marked from this long
MIN_RUN_CHARS = 16      # runs of its words from the middle, from this long (shorter: by chance)
PNG_COLOURS = 64

PASSAGE_FILL = (255, 214, 0, 70)     # light yellow under the cited passage
SENTENCE_FILL = (255, 140, 0, 110)   # stronger orange under the quoted sentences
SENTENCE_EDGE = (214, 90, 0, 255)


class PageNotAvailable(QAError, ValueError):
    """The page cannot be shown: not a PDF in the folder, no such page, or unreadable. One line."""


@dataclass(frozen=True)
class PageImage:
    """A rendered page: PNG bytes, its size in pixels, and how many boxes were marked on it.

    `first_mark` and `first_mark_left` place the first sentence box (else passage box): its top
    as a fraction of the height, its left edge as a fraction of the width, for scrolling to it;
    None when nothing was marked.
    """

    png: bytes
    page: int
    pages: int
    width: int
    height: int
    marks: int
    first_mark: float | None = None
    first_mark_left: float | None = None


class PageRenderer:
    """Renders pages of the PDFs under `root`, with a bounded in-memory cache. Thread-safe."""

    def __init__(self, root: str | Path, *, width: int = WIDTH, max_bytes: int = CACHE_BYTES) -> None:
        self.root = Path(root)
        self.width = width
        self.max_bytes = max_bytes
        self._cache: OrderedDict[tuple, PageImage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def render(self, source: str, page: int, *, passage: str = "", sentences: Sequence[str] = ()) -> PageImage:
        """Page `page` (1-based) of `source` (a path relative to the folder), the texts marked."""
        path = self.resolve(source)
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise PageNotAvailable(f"page must be a whole number from 1, not {page!r}")
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size, page, self.width, passage, tuple(sentences))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        image = render_page(path, page, passage=passage, sentences=sentences, width=self.width)
        with self._lock:
            if key not in self._cache and len(image.png) <= self.max_bytes:
                self._cache[key] = image
                self._bytes += len(image.png)
                while self._bytes > self.max_bytes:
                    _, old = self._cache.popitem(last=False)
                    self._bytes -= len(old.png)
        return image

    def resolve(self, source: str) -> Path:
        """The file `source` names inside the folder; PageNotAvailable if it is not a PDF there."""
        if not isinstance(source, str) or not source or "\x00" in source:
            raise PageNotAvailable("no document named")
        try:
            root = self.root.resolve(strict=True)
            path = (root / source).resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise PageNotAvailable(f"{source}: not found in the documents folder") from exc
        if not path.is_relative_to(root) or path == root:
            raise PageNotAvailable(f"{source}: outside the documents folder; only its own files are shown")
        if not path.is_file():
            raise PageNotAvailable(f"{source}: not a file")
        if path.suffix.lower() != ".pdf":
            raise PageNotAvailable(f"{source}: only PDF pages can be shown")
        return path


def render_page(path: str | Path, page: int, *, passage: str = "", sentences: Sequence[str] = (),
                width: int = WIDTH) -> PageImage:
    """Page `page` (1-based) of the PDF at `path` as PNG, `passage` and `sentences` marked.

    No folder check here: PageRenderer.render is the entry point for paths that users name.
    """
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise PageNotAvailable(f"{Path(path).name}: unreadable PDF ({exc})") from exc
        try:
            count = len(pdf)
            if not 1 <= page <= count:
                raise PageNotAvailable(f"{Path(path).name} has no page {page} (it has {count})")
            pg = pdf[page - 1]
            try:
                w_pt, h_pt = pg.get_size()
                if not (w_pt > 0 and h_pt > 0):
                    raise PageNotAvailable(f"{Path(path).name}: page {page} has no size")
                scale = min(width / w_pt, (MAX_PIXELS / (w_pt * h_pt)) ** 0.5)
                bitmap = pg.render(scale=scale, may_draw_forms=False)
                base = bitmap.to_pil().convert("RGBA")
                size = base.size
                textpage = pg.get_textpage()
                try:
                    boxes = _boxes(pg, textpage, size, passage, sentences)
                finally:
                    textpage.close()
            finally:
                pg.close()
        finally:
            pdf.close()

    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for strong, (x0, y0, x1, y1) in boxes:
        if strong:
            draw.rectangle((x0, y0, x1, y1), fill=SENTENCE_FILL, outline=SENTENCE_EDGE, width=2)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=PASSAGE_FILL)
    out = io.BytesIO()
    # 64 colours (octree) keep text and marks crisp at a quarter of the bytes of full colour.
    page_rgb = Image.alpha_composite(base, overlay).convert("RGB")
    page_rgb.quantize(colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE).save(out, "PNG")
    first = min((b for strong, b in boxes if strong), default=None, key=lambda b: (b[1], b[0])) or \
        min((b for _, b in boxes), default=None, key=lambda b: (b[1], b[0]))
    return PageImage(out.getvalue(), page, count, size[0], size[1], len(boxes),
                     None if first is None else max(0, first[1]) / size[1],
                     None if first is None else max(0, first[0]) / size[0])


# ---------------------------------------------------------------- finding the text on the page


def _folded(text: str) -> tuple[str, list[int]]:
    """Letters and digits of `text`, NFKC and case-folded, and for each the index it came from."""
    chars, origin = [], []
    for i, c in enumerate(text):
        for d in unicodedata.normalize("NFKC", c).casefold():
            if d.isalnum():
                chars.append(d)
                origin.append(i)
    return "".join(chars), origin


def find_spans(page_text: str, wanted: str) -> list[tuple[int, int]]:
    """Spans [start, end) of `page_text` holding `wanted`, compared by letters and digits only.

    Whole if possible. Else the longest beginning and the longest end of `wanted` found on the
    page (a passage that runs on from the previous page or to the next one), and the longest
    runs of its words found on the page (a reading order that differs from the page's), each
    long enough not to be found by chance.
    """
    hay, origin = _folded(page_text)
    whole, _ = _folded(wanted)
    if not whole or not hay:
        return []
    at = hay.find(whole)
    if at >= 0:
        return [(origin[at], origin[at + len(whole) - 1] + 1)]
    found: list[tuple[int, int]] = []  # (start, length) in hay
    for piece in (lambda n: whole[:n], lambda n: whole[-n:]):
        n = _longest(lambda n: hay.find(piece(n)) >= 0, len(whole))
        if n >= MIN_EDGE_CHARS:
            found.append((hay.find(piece(n)), n))
    words = [w for w in (_folded(w)[0] for w in re.split(r"\s+", wanted)) if w]
    pos, i = 0, 0
    while i < len(words):
        j, run = i, ""
        while j < len(words) and len(run) < MIN_RUN_CHARS:
            run += words[j]
            j += 1
        if len(run) < MIN_RUN_CHARS:
            break
        at = hay.find(run, pos)
        if at < 0:
            at = hay.find(run)
        if at < 0:
            i += 1
            continue
        while j < len(words) and hay.startswith(words[j], at + len(run)):
            run += words[j]
            j += 1
        found.append((at, len(run)))
        pos, i = at + len(run), j
    merged: list[list[int]] = []
    for start, length in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], start + length)
        else:
            merged.append([start, start + length])
    return [(origin[a], origin[b - 1] + 1) for a, b in merged]


def _longest(fits, most: int) -> int:
    """The largest n <= most with fits(n), for a fits that holds up to some n and not beyond."""
    lo, hi = 0, most
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _page_chars(textpage) -> str:
    """The page's characters one per PDFium char index (generated spaces and breaks included)."""
    import pypdfium2.raw as raw

    n = textpage.count_chars()
    return "".join(chr(raw.FPDFText_GetUnicode(textpage, i) or 32) for i in range(n))


def _boxes(pg, textpage, size: tuple[int, int], passage: str,
           sentences: Iterable[str]) -> list[tuple[bool, tuple[int, int, int, int]]]:
    """(strong, pixel box) per marked line piece: the passage's, then the sentences' on top."""
    text = _page_chars(textpage)
    out = []
    for strong, wanted in [(False, passage)] + [(True, s) for s in sentences]:
        if not wanted:
            continue
        for start, end in find_spans(text, wanted):
            out += [(strong, box) for box in _line_boxes(pg, textpage, size, text, start, end)]
    return out


def _line_boxes(pg, textpage, size, text: str, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """Device-pixel rectangles covering chars [start, end), one per run of chars on one line."""
    boxes: list[list[float]] = []
    for i in range(start, end):
        if text[i].isspace():
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        if right <= left or top <= bottom:
            continue
        x0, y0 = _to_device(pg, size, left, top)
        x1, y1 = _to_device(pg, size, right, bottom)
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        last = boxes[-1] if boxes else None
        same_line = (last is not None and abs((y0 + y1) - (last[1] + last[3])) / 2 < (y1 - y0) * 0.6
                     and -2 <= x0 - last[2] < 3 * (y1 - y0))
        if same_line:
            last[0], last[1], last[2], last[3] = min(last[0], x0), min(last[1], y0), max(last[2], x1), max(last[3], y1)
        else:
            boxes.append([x0, y0, x1, y1])
    return [(int(b[0]) - 1, int(b[1]) - 1, int(b[2]) + 2, int(b[3]) + 2) for b in boxes]


def _to_device(pg, size: tuple[int, int], x: float, y: float) -> tuple[int, int]:
    """Page coordinates (points) to pixels of the rendered bitmap: PDFium's own transform, so the
    page's rotation and crop box are taken into account as in the rendering."""
    import pypdfium2.raw as raw

    dx, dy = ctypes.c_int(), ctypes.c_int()
    raw.FPDF_PageToDevice(pg.raw, 0, 0, size[0], size[1], 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
    return dx.value, dy.value
