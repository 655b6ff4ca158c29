"""PDF page layout, first step: segments (`pdf_segments`) -> rows in reading order.

Vertical gutters that few segments cross make columns (a wide table or sidebar beside the text is
one of its own), read left to right within each band between full-width lines. `pdf_layout`
makes paragraphs, tables and footnotes of the rows.
"""

from __future__ import annotations

import bisect
import math
import statistics

from .pdf_page import MARK, Row, Segment


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


def _raised_marks(rows: list[Row]) -> list[Row]:
    """A footnote's mark set raised before its first line ("²" over "SPECTER: Scientific ...") is
    read with that line, not as a row of its own that cuts the note from its number."""
    out: list[Row] = []
    for r in rows:
        prev = out[-1] if out else None
        if prev is not None and len(prev.cells) == 1:
            m, s = prev.cells[0], r.cells[0]
            if (MARK.match(m.text) and m.size <= 0.8 * s.size and 0 < s.base - m.base <= 0.8 * s.size
                    and -1 <= s.x0 - m.x1 <= s.size):
                words = ((m.x0, m.x1),) + s.words if s.words else ()
                r.cells[0] = Segment(f"{m.text} {s.text}", m.x0, s.x1, s.base, s.size, words)
                out[-1] = r
                continue
        out.append(r)
    return out


def reading_order(segments: list[Segment], width: float) -> list[Row]:
    """Rows of a page in reading order: full-width rows, and within each band between them the
    columns from left to right. A page whose columns no gutter runs through from top to bottom (a
    wide table or figure above or below two columns: its cells or lines lie across the gutter) is
    cut into bands at its widest blank strips across the page until a band shows its columns."""
    gutters = _gutters(segments, width)
    if gutters:
        return _in_columns(segments, gutters, 0)
    bands = _bands(segments, width, 0)
    if not any(g for _, g in bands):
        apart = _side_by_side(segments, width)
        return _in_columns(segments, [apart], 0, False) if apart is not None else _rows(segments, 0)
    out: list[Row] = []
    first = 0  # each band's columns are numbered on from the last band's: a paragraph stays in one
    for band, g in bands:
        if g:
            out.extend(_in_columns(band, g, first))
            first += len(g) + 1
        else:
            out.extend(_rows(band, 0))
    return out


def _bands(segments: list[Segment], width: float, depth: int) -> list[tuple[list[Segment], list[float]]]:
    """The page (or a band of it) top to bottom as bands with their gutters: cut in two at its
    widest blank strip across the page (at least a line of type high) while it shows no columns."""
    if depth:
        gutters = _gutters(segments, width)  # fewer than 10 lines: none
        if gutters:
            return [(segments, gutters)]
    if depth > 12 or len(segments) < 10:
        return [(segments, [])]
    cut = _widest_strip(segments)
    if cut is None:
        return [(segments, [])]
    top = [s for s in segments if s.base < cut]
    bottom = [s for s in segments if s.base >= cut]
    return _bands(top, width, depth + 1) + _bands(bottom, width, depth + 1)


def _widest_strip(segments: list[Segment]) -> float | None:
    """y in the middle of the widest horizontal strip that no segment's type reaches into, if it is
    at least as high as the usual type; None if there is none."""
    spans = sorted((s.base - 0.8 * s.size, s.base + 0.25 * s.size) for s in segments)
    size = statistics.median(s.size for s in segments)
    best, where = size, None
    reach = spans[0][1]
    for top, bottom in spans[1:]:
        if top - reach >= best:
            best, where = top - reach, (top + reach) / 2
        reach = max(reach, bottom)
    return where


def _tables_across(rows: list[Row], gutters: list[float]) -> set[int]:
    """ids of the cells of tables as wide as the page, which a gutter runs through between their
    columns: runs of rows of short cells beside it (a header's lone label and a raised mark too),
    three or more of them with two cells or more on each side (running text has long lines)."""
    out: set[int] = set()
    for g in gutters:
        run: list[Row] = []
        for row in rows + [None]:
            if row is not None and all(len(c.text) <= 40 and (c.x1 <= g or c.x0 >= g) for c in row.cells):
                run.append(row)
                continue
            full = [r for r in run if sum(c.x1 <= g for c in r.cells) >= 2 and sum(c.x0 >= g for c in r.cells) >= 2]
            if len(full) >= 3:
                out.update(id(c) for r in run for c in r.cells)
            run = []
    return out


def _last_lines(spanning: list[Segment], segments: list[Segment]) -> list[Segment]:
    """The short last line of a paragraph across the columns (a caption's), which lies in one
    column: set flush under a line across, in its type."""
    out = []
    for s in spanning:
        if len(s.text) < 60:
            continue  # a table's cell across a gutter, not a line of text
        for t in segments:
            if 0 < t.base - s.base <= 1.5 * s.size and abs(t.x0 - s.x0) <= 1 and abs(t.size - s.size) <= 0.1 * s.size:
                out.append(t)
    return out


def _side_by_side(segments: list[Segment], width: float) -> float | None:
    """x of the gap between two tables side by side (two statements on one wide page), which the
    gutters of text columns do not find: a strip that no segment crosses, two type sizes wide or
    more, with 20 segments or more on each side whose rows mostly do not line up across it (the
    columns of one table share their rows); the widest such strip."""
    if len(segments) < 40:
        return None
    size = statistics.median(s.size for s in segments)
    lo, hi = int(width * 0.1), int(width * 0.9)
    crossings = [0] * (hi - lo + 2)
    for s in segments:
        a, b = max(int(math.floor(s.x0)) + 1, lo), min(int(math.ceil(s.x1)) - 1, hi)
        if a <= b:
            crossings[a - lo] += 1
            crossings[b - lo + 1] -= 1
    best, where, run, start = 2 * size, None, 0, None
    for k in range(hi - lo + 1):
        run += crossings[k]
        if run == 0 and start is None:
            start = k
        if (run != 0 or k == hi - lo) and start is not None:
            end = k if run == 0 else k - 1
            g = lo + (start + end) / 2
            left, right = [s for s in segments if s.x1 <= g], [s for s in segments if s.x0 >= g]
            if end - start >= best and len(left) >= 20 and len(right) >= 20:
                bases = {round(s.base, 1) for s in left}
                shared = sum(1 for b in bases if any(abs(b - r.base) <= 0.5 for r in right))
                if shared < len(bases) / 3:
                    best, where = end - start, g
            start = None
    return where


def _in_columns(segments: list[Segment], gutters: list[float], first: int, tables: bool = True) -> list[Row]:
    """Rows between `gutters`, column by column within each band between full-width rows (a line
    across a gutter, the rows of a table as wide as the page, unless `tables` is false: the sides
    are tables of their own); the columns are numbered from `first` + 1, full-width rows 0."""

    def column_of(s: Segment) -> int:
        for i, g in enumerate(gutters):
            if s.x0 < g - 1 and s.x1 > g + 1:
                return -1  # crosses a gutter: spans columns
            if s.x1 <= g + 1:
                return i + 1
        return len(gutters) + 1

    across = _tables_across(_rows(segments, 0), gutters) if tables else set()
    placed = [(-1 if id(s) in across else column_of(s), s) for s in segments]
    spanning = [s for c, s in placed if c < 0]
    last = {id(s) for s in _last_lines(spanning, [s for c, s in placed if c >= 0])}
    placed = [(-1 if id(s) in last else c, s) for c, s in placed]
    spanning = sorted((s for c, s in placed if c < 0), key=lambda s: s.base)
    out: list[Row] = []
    cuts = [s.base for s in spanning] + [math.inf]
    band_start = -math.inf
    for i, cut in enumerate(cuts):
        for column in range(1, len(gutters) + 2):
            out.extend(_rows([s for c, s in placed if c == column and band_start < s.base <= cut], first + column))
        if i < len(spanning):
            span_rows = _rows([spanning[i]], 0)
            if out and out[-1].column == 0 and abs(out[-1].base - span_rows[0].base) <= 0.3 * spanning[i].size:
                out[-1].cells = sorted(out[-1].cells + span_rows[0].cells, key=lambda c: c.x0)
            else:
                out.extend(span_rows)
        band_start = cut
    return out
