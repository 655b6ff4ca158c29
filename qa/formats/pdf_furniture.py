"""Page furniture: running heads, footers, page numbers and margin labels, the rows repeated at
the same place near the edges of many pages, which leave the indexed text (`remove_furniture`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Sequence

from .cleanup import is_page_number
from .pdf_page import TERMINAL, ZONE, PageLayout, Row, Segment


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]{2,}", text.lower())


def _key(row: Row) -> str:
    """A row's words of two letters or more: the same running head whatever its page number."""
    words = _words(row.text)
    return " ".join(words) if words else re.sub(r"\s+", "", re.sub(r"\d+", "#", row.text.lower()))


def _edge_rows(page: PageLayout) -> list[Row]:
    """Rows in the top or bottom zone of a page, and its first and last two rows by height."""
    if not page.rows:
        return []
    by_height = sorted(page.rows, key=lambda r: r.base)
    picked = {id(r): r for r in by_height[:2] + by_height[-2:]}
    for r in page.rows:
        if r.base < page.height * ZONE or r.base > page.height * (1 - ZONE):
            picked[id(r)] = r
    return list(picked.values())


def remove_furniture(pages: list[PageLayout], titles: Sequence[str] = ()) -> int:
    """Drop running heads, footers and page numbers from `pages` in place; returns rows dropped.

    A row near the top or bottom of a page is furniture when its words recur there on at least
    two pages and a quarter of them (heads alternate between odd and even pages), or when it is a
    page number; so is a short row there, seen on two pages, right next to such a row (a head's
    second line: "Per Curiam. 395 U. S."). A recurring row that is a sentence (a notice repeated
    at the foot of every page) or gives figures (a court's docket line: case, document and entry
    numbers, the filing date) is kept on the first page it is on. A row at the top of a later page
    in the words of the document's title (`titles`) is a running head even if seen once: a paper's
    odd pages carry its title, its even pages its authors.
    """
    dropped = _margin_labels(pages) + sum(_line_numbers(page) for page in pages)
    heads = [set(_words(t)) for t in titles if len(_words(t)) >= 3]
    counts: Counter[tuple[str, bool]] = Counter()
    edges = []
    for page in pages:
        rows = _edge_rows(page)
        edges.append(rows)
        for key in {(_key(r), r.base < page.height / 2) for r in rows}:
            counts[key] += 1
    need = max(2, math.ceil(0.25 * len(pages)))
    kept: set[str] = set()
    for page, rows in zip(pages, edges):
        def recurs(r: Row, n: int) -> bool:
            return len(pages) > 1 and len(r.cells) < 3 and counts[(_key(r), r.base < page.height / 2)] >= n

        def titled(r: Row) -> bool:
            words = _words(r.text)
            return len(words) >= 3 and any(set(words) <= head for head in heads)

        if page is pages[0]:  # the title itself, even when a later page's head repeats it
            drop = {id(r) for r in rows if is_page_number(r.text) or (recurs(r, need) and not titled(r))}
        else:
            drop = {id(r) for r in rows if is_page_number(r.text) or recurs(r, need)
                    or (titled(r) and r.base < page.height * ZONE)}
        found = [r for r in rows if id(r) in drop]
        for r in found:  # a notice's sentence or a docket line repeated on every page: kept once, where first seen
            if (_sentence(r.text) or _fields(r.text)) and _key(r) not in kept:
                kept.add(_key(r))
                drop.discard(id(r))
        for r in rows:
            if id(r) not in drop and len(r.text) <= 40 and recurs(r, 2) and any(
                    abs(r.base - f.base) <= 2.5 * r.size for f in found):
                drop.add(id(r))
        if drop and len(drop) < len(page.rows):  # never a whole page: then it is the content
            page.rows = [r for r in page.rows if id(r) not in drop]
            dropped += len(drop)
    return dropped


def _sentence(text: str) -> bool:
    """Whether a row reads as a line of running text (ten words or more, most in lower case; eight
    if it ends as a sentence ends), not a running head or a footer ("Amnesty International Report
    2007")."""
    words = re.findall(r"[^\W\d_]+", text)
    if sum(w.islower() for w in words) < len(words) / 2:
        return False  # "16:21 Aug 05, 2020 Jkt 250001 PO 00000 Frm 00001 Fmt 4702": a printer's stamp
    return len(words) >= 10 or (len(words) >= 8 and TERMINAL.search(text) is not None)


_FIELD = re.compile(r"[^\W\d_]{2,}\s*#?\s*:\s*#?\s*\d")  # "Entry ID: 6390389", "Page ID #:365", "Cite as: 569"
_LONG_NUMBER = re.compile(r"\d{4,}")


def _fields(text: str) -> bool:
    """Whether a row gives figures a reader may ask for: a label and a number ("Case: 20-1507 ...
    Entry ID: 6390389", "Cite as: 569 U. S."), or two numbers of four digits or more ("Case 17-3510,
    Document 1-1, 10/31/2017, 2161300"); not a page number under a title ("Annual Report 2006 | 53").

    >>> _fields("Case: 20-1507 Document: 00117684624 Page: 1"), _fields("Amnesty International Report 2006 | 53")
    (True, False)
    """
    return bool(_FIELD.search(text)) or len(_LONG_NUMBER.findall(text)) >= 2


def _margin_labels(pages: list[PageLayout]) -> int:
    """Drop short labels in the side margins (a journal's code, a page number) that recur at the
    same place on two pages or more, or are page numbers; returns cells dropped."""
    margins, counts = [], Counter()
    for page in pages:
        long = [c for r in page.rows for c in r.cells if len(c.text) > 30]
        if len(long) < 10:
            margins.append([])
            continue
        left, right = min(c.x0 for c in long), max(c.x1 for c in long)
        found = [(r, c) for r in page.rows for c in r.cells
                 if len(c.text) <= 20 and (c.x1 < left - 5 or c.x0 > right + 5)]
        if len(found) > 6:  # many: a table or a column of its own, not labels
            found = []
        margins.append(found)
        for key in {(_key(Row([c])), round(c.x0 / 5), round(c.base / 5)) for _, c in found}:
            counts[key] += 1
    dropped = 0
    for page, found in zip(pages, margins):
        drop = {id(c) for _, c in found
                if is_page_number(c.text) or counts[(_key(Row([c])), round(c.x0 / 5), round(c.base / 5))] >= 2}
        if drop:
            for r in page.rows:
                r.cells = [c for c in r.cells if id(c) not in drop]
            page.rows = [r for r in page.rows if r.cells]
            dropped += len(drop)
    return dropped


_NUMBERED = re.compile(r"^(\d{1,2})(?:\s|$)")


def _line_numbers(page: PageLayout) -> int:
    """Drop a transcript's or a pleading's line numbers ("1" ... "28" down the margin, each in
    front of its line): ten or more rows led by numbers counting up by one from top to bottom,
    their right edges in one column, that are most of the page's rows or are set on a grid of
    their own (double-spaced text whose lines fall between the numbers: each number a cell of its
    own, a quarter or more of them alone on their rows, every other row between the first and
    the last number starting right of them). Returns numbers dropped."""
    led = [(r, int(m.group(1))) for r in page.rows if r.cells[0].words and (m := _NUMBERED.match(r.cells[0].text))]
    if len(led) < 10:
        return 0
    led.sort(key=lambda rv: rv[0].base)
    edges = [r.cells[0].words[0][1] for r, _ in led]
    if any(b - a != 1 for (_, a), (_, b) in zip(led, led[1:])) or max(edges) - min(edges) > 2 * led[0][0].size:
        return 0
    if len(led) < 0.6 * len(page.rows) and not _own_grid(page, [r for r, _ in led], max(edges)):
        return 0
    for r, _ in led:
        s = r.cells[0]
        rest = s.text.split(None, 1)[1:]
        if rest:
            r.cells[0] = Segment(rest[0], s.words[1][0], s.x1, s.base, s.size, s.words[1:])
        else:
            r.cells = r.cells[1:]
    page.rows = [r for r in page.rows if r.cells]
    return len(led)


def _own_grid(page: PageLayout, numbered: list[Row], edge: float) -> bool:
    """Whether numbered rows are a margin's line numbers on a grid of their own, not the first
    cells of a numbered list or table (which share their rows' baselines)."""
    if not all(r.cells[0].text.isdigit() for r in numbered) or 4 * sum(len(r.cells) == 1 for r in numbered) < len(numbered):
        return False
    top, bottom, ids = numbered[0].base, numbered[-1].base, {id(r) for r in numbered}
    return all(r.x0 > edge for r in page.rows if id(r) not in ids and top <= r.base <= bottom)
