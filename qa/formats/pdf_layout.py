"""PDF page layout: segments (`pdf_segments`) -> rows -> columns in reading order -> paragraphs.

With no model: vertical gutters that few segments cross make columns (a wide table or sidebar
beside the text is one of its own), read left to right within each band between full-width
lines; rows far apart, of another size, or after a short line ending a sentence start a paragraph;
runs of rows of two or more short cells make a table. Running heads, footers, page numbers and
margin labels are rows repeated near the edges of many pages (`remove_furniture`); footnotes are
the small-print rows at the foot of a page or column (`page_blocks` puts them last).
"""

from __future__ import annotations

import bisect
import math
import re
import statistics

from .cleanup import join_lines, mend_words
from .tables import table_lines

from .pdf_page import (CAPTION, LABEL, TABLE_CAPTION, TERMINAL, Block, PageLayout, Row,
                       Segment, body_size)

# ---------------------------------------------------------------- segments -> rows in reading order

def _gutters(segments: list[Segment], width: float) -> list[float]:
    """x of the vertical gutters between text columns (none for a page of one column).

    A gutter is a run of x, at least 3 pt wide, that few segments cross; each column it makes
    must hold text (long lines, not a table's short cells), else it joins its neighbour.
    """
    body = [s for s in segments if len(s.text) > 1]
    if len(body) < 10:
        return []
    lo, hi = int(width * 0.1), int(width * 0.9)
    if hi <= lo:
        return []
    crossings = [0] * (hi - lo + 2)
    for s in body:  # segments crossing each x: a difference array over lo..hi
        a, b = max(int(math.floor(s.x0 + 1)) + 1, lo), min(int(math.ceil(s.x1 - 1)) - 1, hi)
        if a <= b:
            crossings[a - lo] += 1
            crossings[b - lo + 1] -= 1
    # Few cross a gutter: 15% of the segments, or (when a title block and a footer span the page
    # over two columns) half as many as lie wholly on its emptier side.
    floor = max(1, int(0.15 * len(body)))
    x1s, x0s = sorted(s.x1 for s in body), sorted(s.x0 for s in body)
    counts, limits, run = [], [], 0
    for k in range(hi - lo + 1):
        run += crossings[k]
        counts.append(run)
        beside = min(bisect.bisect_right(x1s, lo + k), len(x0s) - bisect.bisect_left(x0s, lo + k))
        limits.append(max(floor, 0.5 * beside))
    gutters: list[float] = []
    k = 0
    while k < len(counts):
        if counts[k] > limits[k]:
            k += 1
            continue
        end = k
        while end + 1 < len(counts) and counts[end + 1] <= limits[end + 1]:
            end += 1
        if end - k >= 3:  # the gutter lies where fewest segments cross, mid-way along that stretch
            least = min(counts[k:end + 1])
            runs: list[list[int]] = []  # the widest run of those spots (a short column may lie between)
            for x in range(k, end + 1):
                if counts[x] == least:
                    if runs and runs[-1][1] == x - 1:
                        runs[-1][1] = x
                    else:
                        runs.append([x, x])
            a, b = max(runs, key=lambda r: r[1] - r[0])
            gutters.append(lo + (a + b) / 2)
        k = end + 1
    kept: set[float] = set()  # gutters between running text and a side panel (a table, a sidebar)
    while gutters:
        columns = _columns(body, gutters)
        text = [_text_column(col) for col in columns]
        edge = {0: gutters[0], len(gutters): gutters[-1]}
        bad = [i for i, ok in enumerate(text) if not ok and edge.get(i) not in kept]
        if not bad:
            return gutters if any(text) else []
        i = bad[0]
        sides = [k for k in (i - 1, i + 1) if 0 <= k < len(columns)]
        if i in edge and _prose(columns[sides[0]]) and _side_panel(columns[i], width):
            kept.add(edge[i])  # a wide table or sidebar beside the text is read on its own
            continue
        # Join the failing column to a neighbour: one that fails too (a table's cells), else the smaller.
        k = min(sides, key=lambda k: (text[k], len(columns[k])))
        del gutters[min(i, k)]
    return []


def _prose(col: list[Segment]) -> bool:
    """A column of running text: lines of text, long ones (not a table's column of phrases)."""
    return _text_column(col) and statistics.median(len(s.text) for s in col) >= 30


def _side_panel(col: list[Segment], width: float) -> bool:
    """Whether a column that is not running text is a panel of its own beside it (a key-figures
    table, a sidebar): wide, and holding several lines; not a strip of line numbers or labels."""
    return len(col) >= 5 and max(s.x1 for s in col) - min(s.x0 for s in col) >= 0.15 * width


def _columns(segments: list[Segment], gutters: list[float]) -> list[list[Segment]]:
    """Segments lying wholly between consecutive gutters (spanning ones left out)."""
    bounds = [-math.inf] + gutters + [math.inf]
    return [[s for s in segments if a <= s.x0 and s.x1 <= b] for a, b in zip(bounds, bounds[1:])]


def _text_column(col: list[Segment]) -> bool:
    """A column of lines of text: five or more (three will do if they are long), most of them
    nearly as wide as the column."""
    if len(col) < 3:
        return False
    length = statistics.median(len(s.text) for s in col)
    if len(col) < 5 and length < 30:
        return False
    span = max(s.x1 for s in col) - min(s.x0 for s in col)
    return statistics.median(s.x1 - s.x0 for s in col) >= 0.55 * span and length >= 15


def _rows(segments: list[Segment], column: int) -> list[Row]:
    rows: list[Row] = []
    for s in sorted(segments, key=lambda s: (s.base, s.x0)):
        if rows and abs(s.base - rows[-1].cells[-1].base) <= 0.3 * s.size:
            rows[-1].cells.append(s)
        else:
            rows.append(Row([s], column))
    for r in rows:
        r.cells.sort(key=lambda c: c.x0)
    return _raised_marks(rows)


_SYMBOLS = "*∗†‡§¹²³⁴⁵⁶⁷⁸⁹"  # footnote marks besides numbers (∗: LaTeX's asterisk, U+2217)
_NOTE = re.compile(rf"^[\d{_SYMBOLS}]")  # a footnote opens with its mark
_MARK = re.compile(rf"^(\d{{1,2}}|[{_SYMBOLS}])$")  # a mark alone


def _raised_marks(rows: list[Row]) -> list[Row]:
    """A footnote's mark set raised before its first line ("²" over "SPECTER: Scientific ...") is
    read with that line, not as a row of its own that cuts the note from its number."""
    out: list[Row] = []
    for r in rows:
        prev = out[-1] if out else None
        if prev is not None and len(prev.cells) == 1:
            m, s = prev.cells[0], r.cells[0]
            if (_MARK.match(m.text) and m.size <= 0.8 * s.size and 0 < s.base - m.base <= 0.8 * s.size
                    and -1 <= s.x0 - m.x1 <= s.size):
                words = ((m.x0, m.x1),) + s.words if s.words else ()
                r.cells[0] = Segment(f"{m.text} {s.text}", m.x0, s.x1, s.base, s.size, words)
                out[-1] = r
                continue
        out.append(r)
    return out


def reading_order(segments: list[Segment], width: float) -> list[Row]:
    """Rows of a page in reading order: full-width rows, and within each band between them the
    columns from left to right."""
    gutters = _gutters(segments, width)
    if not gutters:
        return _rows(segments, 0)

    def column_of(s: Segment) -> int:
        for i, g in enumerate(gutters):
            if s.x0 < g - 1 and s.x1 > g + 1:
                return -1  # crosses a gutter: spans columns
            if s.x1 <= g + 1:
                return i + 1
        return len(gutters) + 1

    placed = [(column_of(s), s) for s in segments]
    spanning = sorted((s for c, s in placed if c < 0), key=lambda s: s.base)
    out: list[Row] = []
    cuts = [s.base for s in spanning] + [math.inf]
    band_start = -math.inf
    for i, cut in enumerate(cuts):
        for column in range(1, len(gutters) + 2):
            out.extend(_rows([s for c, s in placed if c == column and band_start < s.base <= cut], column))
        if i < len(spanning):
            span_rows = _rows([spanning[i]], 0)
            if out and out[-1].column == 0 and abs(out[-1].base - span_rows[0].base) <= 0.3 * spanning[i].size:
                out[-1].cells = sorted(out[-1].cells + span_rows[0].cells, key=lambda c: c.x0)
            else:
                out.extend(span_rows)
        band_start = cut
    return out


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
        marked = any(_NOTE.match(r.text) for r in found)
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
    for r in page.rows:
        key = re.sub(r"\W+", "", r.text.casefold())
        if id(r) in note_ids or (len(key) >= 25 and key in seen):
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
            while j < len(rows) and len(rows[j].cells) > 1 and rows[j].column == row.column:
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
                lines = table_lines(_align([r.cells for r in rows[top:j]]), caption)
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
        if group and _NOTE.match(r.text):
            blocks.append(Block("note", join_lines([g.text for g in group], known), group[0].size))
            group = []
        group.append(r)
    if group:
        blocks.append(Block("note", join_lines([g.text for g in group], known), group[0].size))
    return blocks


_NUMBERED = re.compile(r"^(\d+(\.\d+)*\.?|[IVX]+\.)\s+[^\W\d_]")  # "1 Introduction", "2.1 Data", "IV. Results"


def continues_across(prev: Block, nxt: Block, body: float | None = None) -> bool:
    """Whether paragraph `nxt` (next column or page) carries on `prev`: `prev` stops mid-sentence."""
    if prev.kind != "para" or nxt.kind != "para" or TERMINAL.search(prev.text) or CAPTION.match(nxt.text):
        return False  # a caption ("Figure 1: ...") never carries a sentence on
    if len(prev.text) < 40 or len(prev.text.split()) < 6:
        return False  # a heading, a label
    if prev.size and nxt.size and abs(prev.size - nxt.size) > 0.15 * prev.size:
        return False
    first = nxt.text[:1]
    if (len(nxt.text) < 40 or len(nxt.text.split()) < 6) and (first.isupper() or _NUMBERED.match(nxt.text)):
        return False  # a heading ("Abstract", "1 Introduction") does not carry a sentence on
    return first.islower() or first.isdigit() or prev.text.endswith((",", "-")) or prev.text[-1:].isalpha()
