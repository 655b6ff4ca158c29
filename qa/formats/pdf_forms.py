"""Side-by-side blocks of fields that look like a table: a letterhead's two columns of "Label: value"
lines, a form's "Customer Information" and "Vehicle Information" panels of labels and values.

Read row by row, one block's head or first field becomes the header of the other's ("ROBERT A.
KATZMANN: Date: October 31, 2017 | CATHERINE O'HAGAN WOLFE: DC Docket #: 17-cv-6761"); read block
by block, each field keeps its own label:

>>> from .pdf_page import Row, Segment
>>> rows = [Row([Segment(a, 72, 72 + 6 * len(a), y, 10), Segment(b, 380, 380 + 6 * len(b), y, 10)])
...         for y, (a, b) in enumerate([("JANE ROE", "JOHN DOE"), ("Date: May 1", "Court: SDNY"),
...                                     ("Docket #: 17-3510", "Judge: Failla")])]
>>> side_blocks(rows)
['JANE ROE', 'Date: May 1', 'Docket #: 17-3510', 'JOHN DOE', 'Court: SDNY', 'Judge: Failla']
"""

from __future__ import annotations

import statistics

from .pdf_page import Row, Segment
from .tables import is_label_value as _field, is_number


def _spans(cells: list[Segment], gap: float) -> list[tuple[float, float]]:
    """x extents of the runs of cells that no blank strip `gap` wide or more cuts apart."""
    out: list[list[float]] = []
    for a, b in sorted((c.x0, c.x1) for c in cells):
        if out and a - out[-1][1] < gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def side_blocks(rows: list[Row]) -> list[str] | None:
    """The lines of a run of table rows that are blocks of fields side by side, block by block;
    None if it is not. The blocks are cut at blank strips a type size wide down all the rows;
    each must be a column of "Label: value" lines (`_field_column`) or a titled panel of labels
    and values (`_panel`), and there must be two or more."""
    cells = [c for r in rows for c in r.cells]
    size = statistics.median(c.size for c in cells)
    sides = _spans(cells, size)
    if len(sides) < 2:
        return None
    out: list[str] = []
    for a, b in sides:
        side = [cs for r in rows if (cs := [c for c in r.cells if a <= c.x0 and c.x1 <= b])]
        lines = _field_column(side) if all(len(cs) == 1 for cs in side) else _panel(side, size)
        if lines is None:
            return None
        out.extend(lines)
    return out


def _field_column(side: list[list[Segment]]) -> list[str] | None:
    """A column of "Label: value" lines (two or more, most of its lines from the first on), under
    a head of other lines (a name and a title: "ROBERT A. KATZMANN" / "CHIEF JUDGE"); a line
    that is not a field goes on the one before ("Short Title: National Football League Manag v.
    National" / "Football League Playe"). The head is one line, the fields one line each."""
    texts = [cs[0].text for cs in side]
    first = next((k for k, t in enumerate(texts) if _field(t)), None)
    if first is None:
        return None
    fields = sum(_field(t) for t in texts[first:])
    if fields < 2 or 2 * fields <= len(texts) - first:
        return None
    out = [" ".join(texts[:first])] if first else []
    out.append(texts[first])
    for t in texts[first + 1:]:
        if _field(t):
            out.append(t)
        else:
            out[-1] += " " + t
    return out


def _panel(side: list[list[Segment]], size: float) -> list[str] | None:
    """A panel under its title ("Customer Information" over "Insured name  Gabriel Diaz", "Claim #
    SF-1008", ...): a first row of one cell across the gap between the two columns below it, then rows of a label
    (not a number) and its value in two columns. Lines: the title, then "label: value"; a value
    without a label goes on the line before."""
    title, body = side[0], side[1:]
    columns = _spans([c for cs in body for c in cs], size)
    if len(title) != 1 or len(columns) != 2 or len(body) < 2:
        return None
    (a0, a1), (b0, b1) = columns
    if not (title[0].x0 < b0 and title[0].x1 > a1):
        return None  # a title lies across the gap between its panel's labels and values
    out = [title[0].text]
    for cs in body:
        label = " ".join(c.text for c in cs if c.x1 <= a1)
        value = " ".join(c.text for c in cs if c.x0 >= b0)
        if label and is_number(label):
            return None
        if label:
            out.append(f"{label.rstrip(':')}: {value}" if value else label)
        elif len(out) > 1:
            out[-1] += " " + value
        else:
            return None
    return out
