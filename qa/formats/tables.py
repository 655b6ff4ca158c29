"""Tables as rows: each data row one line that carries its column headers and the caption.

A row read alone keeps its meaning, so it is retrieved and quoted as one sentence:

>>> rows = [["", "2023", "2022"], ["Revenue", "1,505", "1,201"], ["Taxes", "80", "75"]]
>>> table_lines(rows, caption="Income")
['Income: Revenue | 2023: 1,505 | 2022: 1,201', 'Income: Taxes | 2023: 80 | 2022: 75']

Rows are lists of cell texts; `None` marks a grid column covered by the spanning cell to its left
(HTML colspan, a merged .docx cell). Used by the HTML, DOCX and PDF readers alike.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

Cell = Optional[str]

TABLE_CAPTION = re.compile(r"^(table|tab\.|таблица)\s*[\dIVX]", re.I)
"""A table's caption line: "Table 2. Net sales", "Tab. IV", "Таблица 3" (PDF and Markdown readers)."""

_NUMBER = re.compile(r"^[\s$€£¥%(),.+\-\u2212\u2013—\d]*\d[\s$€£¥%(),.+\-\u2212\u2013—\d]*[a-zA-Z]{0,3}$")
_MAX_HEADER = 80    # a header cell longer than this is text, not a label
_LAYOUT_CELL = 300  # a cell this long means a table used for layout: rows are paragraphs
_BEFORE = {"$", "€", "£", "¥", "US$", "(", "$("}  # signs printed in a cell of their own, before a number
_AFTER = {"%", ")", "%)", "pts", "bps"}             # ... and after it


def is_number(cell: str) -> bool:
    """Whether a cell is a figure ("1,505", "(21,774)", "16.4%", "$4.2bn"), not a year ("2023")."""
    return bool(_NUMBER.match(cell)) and not re.fullmatch(r"(19|20)\d\d", cell.strip())


def _label_row(row: Sequence[str]) -> bool:
    """Short labels only, none a number (years and dates are labels)."""
    cells = [c for c in row if c]
    return bool(cells) and all(len(c) <= _MAX_HEADER and not is_number(c) for c in cells)


_FIELD = re.compile(r"^([^\W\d_][^:]{0,30}?)\s*:\s+\S")  # "Date: October 31, 2017", "DC Docket #: 17-cv-6761"


def is_label_value(cell: str) -> bool:
    """A "Label: value" cell, its label a few words, whatever the value (the answer's
    qa.answer.quotes.is_field asks a figure of it as well)."""
    m = _FIELD.match(cell)
    return bool(m) and len(m.group(1).split()) <= 4


def header_rows(rows: list[list[str]], marked: int = 0, stub_only: Sequence[bool] = ()) -> int:
    """How many leading rows are headers: `marked` (e.g. HTML <th>/<thead> rows) if any, else the
    leading rows of short labels (a first one with two or more of them) when a later row holds
    numbers, or the first row of labels over a table of text; none down a column of labels ending in
    colons (a fact box), nor over cells that are mostly
    "Label: value" fields (a letterhead's names over their fields). A row with text in its first cell
    only (`stub_only`, "Operating revenues:" spread over a colspan) labels the rows below it: it
    ends the headers."""
    if marked:
        return marked
    if len(rows) < 2 or sum(bool(c) for c in rows[0]) < 2 or not _label_row(rows[0][1:]):
        return 0
    if all(r[0].rstrip().endswith(":") for r in rows if r and r[0]):
        return 0  # labels with their colons down the first column: a fact box, "Population: | 7.5 million"
    below = [c for r in rows[1:] for c in r if c]
    if 2 * sum(map(is_label_value, below)) > len(below):
        return 0  # cells that say their own labels ("Date: October 31, 2017") take no header
    n = 1
    while (n < len(rows) - 1 and sum(bool(c) for c in rows[n]) >= 2 and _label_row(rows[n])
           and not (n < len(stub_only) and stub_only[n])):
        n += 1  # more header rows: labels above the columns ("June 28, 2025")
    body_numbers = sum(is_number(c) for r in rows[n:] for c in r[1:] if c)
    if body_numbers:
        return n
    return 1 if all(rows[0][1:]) else 0


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


def _spread(row: list[Cell], header: bool) -> list[str]:
    """A row on the grid: a spanning header labels every column it covers; a data cell, one."""
    out: list[str] = []
    for cell in row:
        out.append((out[-1] if out and header else "") if cell is None else " ".join(cell.split()))
    return out


def _attach_signs(row: list[str]) -> list[str]:
    """"$" | "4,597" and "16.4" | "%" printed in cells of their own, joined to their number."""
    row = list(row)
    for i, cell in enumerate(row):
        if cell in _BEFORE and i + 1 < len(row) and row[i + 1]:
            row[i + 1], row[i] = cell + row[i + 1], ""
        elif cell in _AFTER and i > 0:
            k = i - 1
            while k > 0 and not row[k]:
                k -= 1
            if row[k] and is_number(row[k]):
                row[k], row[i] = row[k] + cell, ""
    return row


_PERIOD = re.compile(r"\b(?:(?:19|20)\d\d|months?|weeks?|quarters?|year|ended|as of)\b", re.I)


def _section(row: list[str], stub_only: bool) -> str | None:
    """The label of a row that only names the rows below it ("Earnings per share:", "Three Months
    Ended June 27, 2025"): text in its first cell alone, not a number, not a note in brackets."""
    label = row[0] if row else ""
    if not stub_only or not label or len(label) > _MAX_HEADER or is_number(label):
        return None
    return None if label.startswith("(") and label.endswith(")") else label


def _stub(*labels: str) -> str:
    """Labels and a row's first cell as one phrase: "Earnings per share: Diluted"."""
    kept = [" ".join(x.split()).rstrip(":,; ") for x in labels if x and x.strip(" :,;")]
    return ": ".join(kept)


def table_lines(rows: list[list[Cell]], caption: str | None = None, marked_header_rows: int = 0
                ) -> list[str]:
    """Lines for a table given as rows of cells; see `table_row_lines`."""
    return [line for _, line in table_row_lines(rows, caption, marked_header_rows)]


def table_row_lines(rows: list[list[Cell]], caption: str | None = None, marked_header_rows: int = 0
                    ) -> list[tuple[int, str]]:
    """(index of the row in `rows`, its line) for each line of the table.

    With headers: "first cell | header: cell | ...", each line led by the caption; a header shared
    with the column before (a spanning "Three months ended June 30,") is said once per line.
    Without headers (or a layout table with long cells): the cells joined by " | ".
    """
    where = [i for i, r in enumerate(rows) if any(c for c in r if c and c.strip())]
    grid = [_spread(rows[i], True) for i in where]
    if not grid:
        return []
    caption = " ".join((caption or "").split()) or None
    lead = f"{caption.rstrip('.:;')}: " if caption else ""
    width = max(len(r) for r in grid)
    marked = len([i for i in where if i < marked_header_rows])

    stub_only = [not any(c and c.strip() for c in rows[i][1:]) for i in where]
    layout = width < 2 or any(len(c) > _LAYOUT_CELL for r in grid for c in r)  # rows are paragraphs
    if not layout and not caption and not marked and len(where) > 2 and stub_only[0] \
            and header_rows(grid[1:], 0, stub_only[1:]):
        # A line in the first cell alone above the column headers is the table's title ("World
        # Production Capacity:" over "Fused aluminum oxide | Silicon carbide" / "2009 | 2010 ..."):
        # each row says it, as a caption.
        lines = table_row_lines([rows[i] for i in where[1:]], grid[0][0].rstrip(" :"))
        return [(where[1 + k], line) for k, line in lines]

    cells = {i: _attach_signs(_spread(rows[i], False)) for i in where}
    captions = {where[k]: line for k, line in _captioned([cells[i] for i in where]).items()}

    def plain(i: int) -> str:
        return lead + captions.get(i, _joined([c for c in cells[i] if c]))

    if layout:
        return [(w, plain(w)) for w in where]
    n_head = header_rows(grid, marked, stub_only)
    data = [cells[i] for i in where[n_head:]]
    if not n_head or not data:
        return [(w, plain(w)) for w in where]
    head = [r + [""] * (width - len(r)) for r in grid[:n_head]]
    units = [r for r in head if len({c for c in r[1:] if c}) == 1 and _note(next(c for c in r[1:] if c))]
    if units and len(units) < len(head):  # "(in thousands, except per share data)" over every column:
        head = [r for r in head if r not in units]  # said once at the end of each line, not in each label
    else:
        units = []
    tail = "".join(f" {next(c for c in r[1:] if c)}" for r in units)
    labels = _column_headers(head, width)
    tops = [next((row[c] for row in head if row[c]), "") for c in range(width)]
    lines = []
    period = group = ""  # the section labels above a row: a period, then a group of rows
    for w, row, alone in zip(where[n_head:], data, stub_only[n_head:]):
        row = row + [""] * (width - len(row))
        section = _section(row, alone)
        if section is not None:
            if _PERIOD.search(section) and not section.endswith(":"):
                period, group = section, ""
            else:
                group = section
            lines.append((w, lead + _stub(labels[0], "" if section == period else period, section)))
            continue
        total = row[0].lower().startswith("total")  # a total closes the group it sums
        parts: list[str] = []
        said = ""
        for col, cell in enumerate(row):
            if not cell:
                continue
            label = labels[col]
            if col and len(head) > 1 and tops[col] and tops[col] == said and label.startswith(tops[col]):
                label = label[len(tops[col]):].strip() or label  # "2022" after "... June 30, 2023"
            if col and tops[col]:
                said = tops[col]
            if col == 0:
                parts.append(_stub(label if label != cell else "", period, "" if total else group, cell))
            elif label and label != cell:
                parts.append(f"{label}: {cell}")
            else:
                parts.append(cell)
        if total:
            group = ""
        if parts:
            lines.append((w, lead + " | ".join(parts) + tail))
    return lines


def _joined(cells: list[str]) -> str:
    """Cells joined by " | ", a label's colon leading on to its value: "Population: 7.5 million"."""
    out = ""
    for cell in cells:
        out += (" " if out.endswith(":") else " | " if out else "") + cell
    return out


def _captioned(rows: list[list[str]]) -> dict[int, str]:
    """Rows of values captioned by the row under them, each caption in brackets under its value, as an
    SEC filing's cover gives them ("Washington | 001-15059" over "(State or other jurisdiction of
    incorporation) | (Commission File Number)"): position in `rows` -> the row's line, each value after
    its caption ("State or other jurisdiction of incorporation: Washington | Commission File Number:
    001-15059"). The caption row keeps its own line. A caption names its value in two words or more: a
    row of notes such as "(unaudited) | (in millions)" captions nothing.

    >>> _captioned([["Washington", "001-15059"], ["(State of incorporation)", "(Commission File Number)"]])
    {0: 'State of incorporation: Washington | Commission File Number: 001-15059'}
    """
    out = {}
    for k in range(len(rows) - 1):
        values, notes = rows[k], rows[k + 1]
        filled = [j for j, c in enumerate(values) if c]
        if len(filled) < 2 or filled != [j for j, c in enumerate(notes) if c] or len(values) != len(notes):
            continue
        if all(_note(notes[j]) and not _note(values[j]) and len(notes[j].split()) >= 2 for j in filled):
            out[k] = " | ".join(f"{notes[j][1:-1].strip()}: {values[j]}" for j in filled)
    return out


def _note(cell: str) -> bool:
    """A note in brackets over the columns ("(in millions)", "(unaudited)")."""
    return cell.startswith("(") and cell.endswith(")") and len(cell) <= _MAX_HEADER
