"""Tables as rows: each data row one line that carries its column headers and the caption.

A row read alone keeps its meaning, so it is retrieved and quoted as one sentence:

>>> rows = [["", "2023", "2022"], ["Revenue", "1,505", "1,201"], ["Taxes", "80", "75"]]
>>> table_lines(rows, caption="Income")
['Income: Revenue | 2023: 1,505 | 2022: 1,201', 'Income: Taxes | 2023: 80 | 2022: 75']

Used by the HTML, DOCX and PDF readers alike.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^[\s$€£¥%(),.+\-\u2212\u2013\d]*\d[\s$€£¥%(),.+\-\u2212\u2013\d]*[a-zA-Z]{0,3}$")
_MAX_HEADER = 80   # a header cell longer than this is text, not a label
_LAYOUT_CELL = 300  # a cell this long means a table used for layout: rows are paragraphs


def _numeric(cell: str) -> bool:
    return bool(_NUMBER.match(cell)) and not re.fullmatch(r"(19|20)\d\d", cell.strip())


def header_rows(rows: list[list[str]], marked: int = 0) -> int:
    """How many leading rows are headers: `marked` (e.g. HTML <th>/<thead> rows) if any, else the
    first row when its cells are short labels while a later row holds numbers."""
    if marked:
        return marked
    if len(rows) < 2:
        return 0
    first = rows[0]
    if any(len(c) > _MAX_HEADER for c in first) or sum(bool(c) for c in first) < 2:
        return 0
    if any(_numeric(c) for c in first[1:] if c):
        return 0
    body_numbers = sum(_numeric(c) for r in rows[1:] for c in r[1:] if c)
    first_labels = sum(bool(c) for c in first[1:])
    return 1 if body_numbers or first_labels == len(first) - 1 else 0


def _column_headers(head: list[list[str]], width: int) -> list[str]:
    """One label per column from several header rows (a spanning cell repeated over its columns)."""
    labels = []
    for col in range(width):
        parts: list[str] = []
        for row in head:
            cell = row[col] if col < len(row) else ""
            if cell and (not parts or parts[-1] != cell):
                parts.append(cell)
        labels.append(" ".join(parts))
    return labels


def table_lines(rows: list[list[str]], caption: str | None = None, marked_header_rows: int = 0
                ) -> list[str]:
    """Lines for a table given as rows of cell texts (a spanning cell repeated in each column)."""
    return [line for _, line in table_row_lines(rows, caption, marked_header_rows)]


def table_row_lines(rows: list[list[str]], caption: str | None = None, marked_header_rows: int = 0
                    ) -> list[tuple[int, str]]:
    """(index of the row in `rows`, its line) for each line of the table; see `table_lines`.

    With headers: "first cell | header: cell | ...", each line led by the caption; a header shared
    with the column before (a spanning "Three months ended June 30,") is said once per line.
    Without headers (or a layout table with long cells): the cells joined by " | ".
    """
    rows = [[" ".join(c.split()) for c in r] for r in rows]
    where = [i for i, r in enumerate(rows) if any(r)]
    rows = [rows[i] for i in where]
    if not rows:
        return []
    caption = " ".join((caption or "").split()) or None
    lead = f"{caption}: " if caption else ""
    width = max(len(r) for r in rows)
    if width < 2 or any(len(c) > _LAYOUT_CELL for r in rows for c in r):
        return [(w, lead + " | ".join(_dedupe(r))) for w, r in zip(where, rows)]
    n_head = header_rows(rows, marked_header_rows)
    if not n_head or n_head >= len(rows):
        return [(w, lead + " | ".join(_dedupe(r))) for w, r in zip(where, rows)]
    head = [r + [""] * (width - len(r)) for r in rows[:n_head]]
    labels = _column_headers(head, width)
    tops = [next((row[c] for row in head if row[c]), "") for c in range(width)]
    lines = []
    for w, row in zip(where[n_head:], rows[n_head:]):
        row = row + [""] * (width - len(row))
        parts: list[str] = []
        for col, cell in enumerate(row):
            if not cell:
                continue
            label = labels[col]
            if col and n_head > 1 and tops[col] and tops[col] == tops[col - 1] and label.startswith(tops[col]):
                label = label[len(tops[col]):].strip() or label  # "2022" after "... June 30, 2023"
            if col == 0 and not label:
                parts.append(cell)
            elif label and label != cell:
                parts.append(f"{label}: {cell}")
            else:
                parts.append(cell)
        if parts:
            lines.append((w, lead + " | ".join(parts)))
    return lines


def _dedupe(row: list[str]) -> list[str]:
    """Cells of a row, a spanning cell (repeated in each of its columns) said once."""
    out: list[str] = []
    for cell in row:
        if cell and (not out or out[-1] != cell):
            out.append(cell)
    return out
