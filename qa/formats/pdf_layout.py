"""PDF page layout: rows in reading order (`pdf_columns`) -> paragraphs, table lines, footnotes.

With no model: rows far apart, of another size, or after a short line ending a sentence start a paragraph;
runs of rows of two or more short cells make a table. Running heads, footers, page numbers and
margin labels are rows repeated near the edges of many pages (`remove_furniture`); footnotes are
the small-print rows at the foot of a page or column (`page_blocks` puts them last).
"""

from __future__ import annotations

import re
import statistics

from .cleanup import join_lines, mend_words
from .pdf_forms import side_blocks
from .tables import TABLE_CAPTION, table_lines

from .pdf_page import (CAPTION, LABEL, NOTE, TERMINAL, Block, PageLayout, Row,
                       Segment, body_size)

# ---------------------------------------------------------------- rows -> blocks

def _footnotes(page: PageLayout, body: float) -> list[Row]:
    """Small-print rows at the foot of a page or of a column, below all body text there:
    footnotes, and blocks such as a copyright notice at the foot of a paper's first column."""
    notes = []
    for column in sorted({r.column for r in page.rows}):
        found = []
        for r in sorted((r for r in page.rows if r.column == column), key=lambda r: -r.base):
            if r.base > page.height * 0.5 and r.size < 0.92 * body and len(r.cells) == 1:
                found.append(r)
            else:
                break
        marked = any(NOTE.match(r.text) for r in found)
        if found and (marked or sum(len(r.text) for r in found) > 120):
            notes.extend(reversed(found))  # unmarked small print must be a block, not a caption line
    return notes


def _continues(prev: Row, nxt: Row, pitch: float, right: float) -> bool:
    """Whether `nxt` goes on the paragraph that `prev` is in (same column, geometry)."""
    if abs(nxt.size - prev.size) > 0.15 * prev.size:
        return False
    gap = nxt.base - prev.base
    if gap <= 0 or gap > 1.45 * pitch:
        return False
    text = prev.text
    if TERMINAL.search(text) and (prev.x1 < right - 1.5 * prev.size or LABEL.match(nxt.text)):
        return False  # a short line ending a sentence ends its paragraph; so does "DATES:" after it
    return True


def _pitch(rows: list[Row]) -> float:
    gaps = [b.base - a.base for a, b in zip(rows, rows[1:])
            if a.column == b.column and 0 < b.base - a.base < 3 * a.size and abs(a.size - b.size) < 0.5]
    return statistics.median(gaps) if gaps else 1.25 * (rows[0].size if rows else 10.0)


def _align(rows: list[list[Segment]]) -> list[list[str]]:
    """Cells of table rows placed in the columns of the row with the most cells; a cell that
    stretches over several columns with wide gaps between its words (a header row set closer
    than the gap that cuts segments: "RPK (000's)   y.o.y(%)   ASK (000's)") is cut at them."""
    widest = max(rows, key=len)
    anchors = [(s.x0, s.x1) for s in widest]

    def column(x0: float, x1: float) -> int:
        overlaps = [min(x1, b) - max(x0, a) for a, b in anchors]
        return max(range(len(anchors)), key=lambda k: (overlaps[k], -abs((x0 + x1) - sum(anchors[k]))))

    out = []
    for row in rows:
        cells = [""] * len(anchors)
        for s in row:
            for text, x0, x1 in _pieces(s, anchors, column):
                best = column(x0, x1)
                cells[best] = (cells[best] + " " + text).strip()
        out.append(cells)
    return out


_FIGURE = re.compile(r"^[-$€£¥(]*\s*(\d[\d,.]*|[―—–-])\)?%?$")


def _centred_figures(rows: list[Row], known: set[str]) -> list[Row]:
    """A row of figures set between the two lines of its label ("Changes in fair value of
    financial assets measured at" / "(31,874)  64,457" / "fair value through other comprehensive
    income"), the figures centred on the label, is one row: the label's lines joined, then the
    figures."""
    out: list[Row] = []
    i = 0
    while i < len(rows):
        a, r, b = rows[i], rows[i + 1] if i + 1 < len(rows) else None, rows[i + 2] if i + 2 < len(rows) else None
        if (r is not None and b is not None and len(a.cells) == 1 == len(b.cells) and a.column == r.column == b.column
                and all(_FIGURE.match(c.text) for c in r.cells) and a.base < r.base < b.base
                and b.base - a.base <= 2.2 * a.size and -1 <= b.x0 - a.x0 <= 2 * a.size
                and max(a.x1, b.x1) < r.cells[0].x0 and not TERMINAL.search(a.text)):
            label = Segment(join_lines([a.text, b.text], known), a.x0, max(a.x1, b.x1), r.base, a.size)
            out.append(Row([label, *r.cells], r.column))
            i += 3
            continue
        out.append(a)
        i += 1
    return out


def _section_row(rows: list[Row], j: int) -> bool:
    """A label alone on its row between rows of a table ("Ethanol ($/gal)" over the ethanol
    prices): short, not a sentence, flush with the first cells of the two rows after it or set out
    to the left of them; the rows around it of three cells or more."""
    row = rows[j]
    if j == 0 or j + 2 >= len(rows) or any(len(rows[k].cells) < 3 for k in (j - 1, j + 1, j + 2)):
        return False
    s, nxt = row.cells[0], rows[j + 1]
    return (len(s.text) <= 40 and not TERMINAL.search(s.text) and nxt.column == row.column == rows[j + 2].column
            and -2 * s.size <= s.x0 - nxt.x0 <= s.size and abs(nxt.x0 - rows[j + 2].x0) <= s.size
            and s.x1 < nxt.cells[1].x0)


def _header_over(head: Row, table: list[Row], pitch: float) -> bool:
    """Whether a one-run row just above a table is its header: short labels, no sentence, whose
    words fall in two or more of the table's columns when cut at their wide gaps."""
    s = head.cells[0]
    if (len(head.cells) != 1 or head.column != table[0].column or len(s.text) > 80 or TERMINAL.search(s.text)
            or not 0 < table[0].base - head.base <= 2.5 * pitch):
        return False
    anchors = [(c.x0, c.x1) for c in max(table, key=lambda r: len(r.cells)).cells]
    pieces = _pieces(s, anchors, lambda x0, x1: max(range(len(anchors)), key=lambda k: min(x1, anchors[k][1])
                                                    - max(x0, anchors[k][0])))
    return len(pieces) >= 2 and all(len(text) <= 30 for text, _, _ in pieces)  # labels, not code


def _pieces(s: Segment, anchors: list[tuple[float, float]], column) -> list[tuple[str, float, float]]:
    """A segment as (text, x0, x1) pieces: cut at gaps wider than 0.6 of its type size when the
    pieces then fall in different columns, else whole."""
    whole = [(s.text, s.x0, s.x1)]
    if len(s.words) < 2 or sum(1 for a, b in anchors if min(s.x1, b) > max(s.x0, a)) < 2:
        return whole
    words = s.text.split()
    groups: list[list[int]] = [[0]]
    for k in range(1, len(words)):
        if s.words[k][0] - s.words[k - 1][1] > 0.6 * s.size:
            groups.append([k])
        else:
            groups[-1].append(k)
    if len(groups) < 2:
        return whole
    pieces = [(" ".join(words[k] for k in g), s.words[g[0]][0], s.words[g[-1]][1]) for g in groups]
    places = [column(x0, x1) for _, x0, x1 in pieces]
    return pieces if len(set(places)) == len(places) else whole


def page_blocks(page: PageLayout, known: set[str]) -> list[Block]:
    """Paragraphs, table lines and footnotes of one page in reading order (footnotes last)."""
    if not page.rows:
        return []
    body = body_size(page.rows)
    notes = _footnotes(page, body)
    note_ids = {id(r) for r in notes}
    rows, seen = [], set()
    for r in _centred_figures([r for r in page.rows if id(r) not in note_ids], known):
        key = re.sub(r"\W+", "", r.text.casefold())
        if len(key) >= 25 and key in seen:
            continue  # a line said twice on one page: text extracted twice
        seen.add(key)
        rows.append(r)
    pitch = _pitch(rows)
    blocks: list[Block] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if len(row.cells) > 1:
            j = i
            while j < len(rows) and rows[j].column == row.column and (len(rows[j].cells) > 1 or _section_row(rows, j)):
                j += 1
            cells = [c.text for r in rows[i:j] for c in r.cells]
            if j - i >= 2 and statistics.median(len(c) for c in cells) <= 40:
                top = i
                if i and blocks and blocks[-1].kind == "para" and blocks[-1].text == rows[i - 1].text \
                        and _header_over(rows[i - 1], rows[i:j], pitch):
                    top = i - 1  # the header row, set as one run of words ("Field Precision Recall F1")
                    blocks.pop()
                caption = None
                if blocks and blocks[-1].kind == "para" and TABLE_CAPTION.match(blocks[-1].text):
                    caption = blocks[-1].text[:200]
                elif j < len(rows) and rows[j].column == row.column and TABLE_CAPTION.match(rows[j].text):
                    below = [rows[j]]  # a caption set below its table (ACL, AAAI)
                    while (j + len(below) < len(rows) and len(rows[j + len(below)].cells) == 1
                           and _continues(below[-1], rows[j + len(below)], pitch, rows[j].x1 + rows[j].size)):
                        below.append(rows[j + len(below)])
                    caption = join_lines([r.text for r in below], known)[:200]
                lines = (None if caption else side_blocks(rows[top:j])) \
                    or table_lines(_align([r.cells for r in rows[top:j]]), caption)
                blocks.extend(Block("table", line, row.size) for line in lines)
                i = j
                continue
        right = max((r.x1 for r in rows if r.column == row.column and len(r.cells) == 1), default=row.x1)
        group = [row]
        i += 1
        while (i < len(rows) and rows[i].column == row.column and len(rows[i].cells) == 1
               and _continues(group[-1], rows[i], pitch, right)):
            group.append(rows[i])
            i += 1
        blocks.append(Block("para", mend_words(join_lines([r.text for r in group], known), known), row.size))
    # A paragraph cut by a column break goes on in the next column; a sidebar, a figure label
    # (type of another size) or a caption met inside an open sentence waits until the paragraph ends.
    merged: list[Block] = []
    held: list[Block] = []
    for b in blocks:
        last = merged[-1] if merged else None
        if last is not None and last.kind == "para" and b.kind == "para" and continues_across(last, b, body):
            merged[-1] = Block("para", join_lines([last.text, b.text], known), last.size)
            continue
        if (last is not None and last.kind == "para" and not TERMINAL.search(last.text) and len(held) < 3
                and len(last.text) >= 40 and (abs(b.size - last.size) > 0.15 * last.size or CAPTION.match(b.text))):
            held.append(b)
            continue
        merged.extend(held)
        held = []
        merged.append(b)
    merged.extend(held)
    merged.extend(_note_blocks(notes, known))
    return merged


def _note_blocks(notes: list[Row], known: set[str]) -> list[Block]:
    blocks: list[Block] = []
    group: list[Row] = []
    for r in notes:
        if group and NOTE.match(r.text):
            blocks.append(Block("note", join_lines([g.text for g in group], known), group[0].size))
            group = []
        group.append(r)
    if group:
        blocks.append(Block("note", join_lines([g.text for g in group], known), group[0].size))
    return blocks


_NUMBERED = re.compile(r"^(\d+(\.\d+)*\.?|[IVX]+\.)\s+[^\W\d_]")  # "1 Introduction", "2.1 Data", "IV. Results"


def continues_across(prev: Block, nxt: Block, body: float | None = None) -> bool:
    """Whether paragraph `nxt` (next column or page) carries on `prev`: `prev` stops mid-sentence."""
    if prev.kind != "para" or nxt.kind != "para" or CAPTION.match(nxt.text):
        return False  # a caption ("Figure 1: ...") never carries a sentence on
    if TERMINAL.search(prev.text) and not (prev.text.endswith(";") and nxt.text[:1].islower()):
        return False  # after a semicolon, a word in lower case goes on: "... Chiefs of Police;" / "and Jim O'Neill"
    if len(prev.text) < 40 or len(prev.text.split()) < 6:
        return False  # a heading, a label
    if prev.size and nxt.size and abs(prev.size - nxt.size) > 0.15 * prev.size:
        return False
    first = nxt.text[:1]
    if (len(nxt.text) < 40 or len(nxt.text.split()) < 6) and (first.isupper() or _NUMBERED.match(nxt.text)):
        return False  # a heading ("Abstract", "1 Introduction") does not carry a sentence on
    return first.islower() or first.isdigit() or prev.text.endswith((",", "-")) or prev.text[-1:].isalpha()
