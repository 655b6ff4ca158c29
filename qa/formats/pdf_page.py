"""A PDF page as the layout reader sees it: segments of characters, rows, blocks, and the
thresholds they are cut by (qa/formats/pdf_columns.py, pdf_layout.py, pdf_furniture.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .cleanup import is_page_number

GAP = 1.5          # a horizontal gap wider than this many font sizes starts a new segment
ZONE = 0.12        # top and bottom share of a page where running heads and footers live
TERMINAL = re.compile(r"[.!?:;…][\"'”’»)\]]*$")
ENDS_NUMBER = frozenset("0123456789%)")
STARTS_NUMBER = frozenset("0123456789$(€£¥-")  # two numbers this far apart are two table cells
LABEL = re.compile(r"^[A-Z][A-Z .'-]{2,}:")
SYMBOLS = "*∗†‡§¹²³⁴⁵⁶⁷⁸⁹"  # footnote marks besides numbers (∗: LaTeX's asterisk, U+2217)
NOTE = re.compile(rf"^[\d{SYMBOLS}]")  # a footnote opens with its mark
MARK = re.compile(rf"^(\d{{1,2}}|[{SYMBOLS}])$")  # a mark alone
CAPTION = re.compile(r"^(fig(ure)?|table|tab|chart|exhibit|рис(унок)?|таблица)\.?\s*[\dIVX]+[.:]", re.I)


@dataclass
class Segment:
    """A run of characters on one baseline with no wide gap, in page coordinates (y grows down)."""

    text: str
    x0: float
    x1: float
    base: float
    size: float
    words: tuple[tuple[float, float], ...] = ()  # x extent of each word of `text`, when known


@dataclass
class Row:
    """Segments on one baseline within one column, left to right."""

    cells: list[Segment]
    column: int = 0

    @property
    def x0(self) -> float:
        return self.cells[0].x0

    @property
    def x1(self) -> float:
        return self.cells[-1].x1

    @property
    def base(self) -> float:
        return min(c.base for c in self.cells)

    @property
    def size(self) -> float:
        return max(self.cells, key=lambda c: len(c.text)).size

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


@dataclass
class Block:
    """A paragraph (`rows` joined), a table line, or a footnote, of one page."""

    kind: str              # "para", "table" or "note"
    text: str
    size: float = 0.0


@dataclass
class PageLayout:
    """One page: its rows in reading order (columns resolved) and its size."""

    rows: list[Row]
    width: float
    height: float


def body_size(rows: list[Row]) -> float:
    """The font size of most characters."""
    sizes: Counter[float] = Counter()
    for r in rows:
        for c in r.cells:
            sizes[round(c.size, 1)] += len(c.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def title_of(page: PageLayout) -> str | None:
    """The first page's largest text in its upper part, if larger than the body text."""
    rows = [r for r in page.rows if r.base < page.height * 0.6 and sum(ch.isalpha() for ch in r.text) >= 3
            and not is_page_number(r.text)]
    if not rows:
        return None
    body = body_size(page.rows)
    top = max(r.size for r in rows)
    if top < 1.15 * body:
        return None
    picked: list[Row] = []
    for r in page.rows:
        if r in rows and abs(r.size - top) < 0.05 * top:
            picked.append(r)
        elif picked:
            break
    title = " ".join(" ".join(r.text for r in picked).split())
    return title[:200] or None
