"""Markdown pipe tables as rows: each data row one line that carries its column headers.

A GitHub-style table (GFM "tables" extension: a header row, a delimiter row such as
`|---|:---:|`, data rows) is rewritten in place so each data row reads alone, as the HTML, DOCX
and PDF readers' rows do (tables.py):

>>> print(table_rows_text("Revenue by region\\n\\n| Region | 2025 | 2024 |\\n|---|--:|--:|\\n| Latin America | 1,306 | 1,204 |"))
Revenue by region
<BLANKLINE>
| Region | 2025 | 2024 |
|---|--:|--:|
Revenue by region: Region: Latin America | 2025: 1,306 | 2024: 1,204

One line out for each line in, so a line of the stored text is the same line of the file and
citations stay exact. The header and delimiter rows are kept as they are. The caption is the
line just above the table when it is a heading or a short one-line label ("Table 2. Revenue",
"Revenue by region:"), else the nearest heading above. Cells follow GFM: leading and trailing pipes are optional, `\\|` is a pipe inside
a cell (also inside code spans, where an unescaped pipe still separates cells), missing cells
are empty and extra cells are dropped; the table ends at a blank line or at the start of another
block (heading, quote, fence, list item, thematic break). Fenced code (``` or ~~~) and indented
code hold no tables. Text is data: nothing is rendered or run.
"""

from __future__ import annotations

import re

from .tables import TABLE_CAPTION, table_row_lines

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_DELIMITER_CELL = re.compile(r"^:?-+:?$")
_BLOCK_START = re.compile(r"^ {0,3}(?:>|#{1,6}(?:[ \t]|$)|`{3}|~{3}|(?:[-*_][ \t]*){3,}$|[-+*][ \t]|\d{1,9}[.)][ \t])")
_CAPTION = 120  # characters: a longer line above a table is a paragraph, not its caption
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})(\S(?:.*\S)?)\1")  # "**Total**": the whole cell in bold


def split_row(line: str) -> list[str]:
    """The cells of a table row: split at unescaped pipes, `\\|` kept as a pipe, cells trimmed, a
    cell set wholly in bold or italics without its marks.

    >>> split_row(r"| a \\| b | `c` |  **Total** | d")
    ['a | b', '`c`', 'Total', 'd']
    """
    text = line.strip()
    cells: list[str] = []
    cell: list[str] = []
    i = 0
    closed = False  # the row ends with a pipe: no cell after it
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "|\\":
            cell.append("|" if text[i + 1] == "|" else "\\\\")
            i += 2
            continue
        if ch == "|":
            if i > 0:  # a leading pipe opens the row, it does not end an empty cell
                cells.append("".join(cell).strip())
            cell, closed = [], True
        else:
            cell.append(ch)
            closed = closed and ch.isspace()
        i += 1
    if not closed or not cells and text != "|":
        cells.append("".join(cell).strip())
    return [_plain(c) for c in cells]


def _plain(cell: str) -> str:
    """A cell without the marks around it when it is wholly in bold or italics ("**Total**")."""
    match = _EMPHASIS.fullmatch(cell)
    return match.group(2) if match and match.group(1)[0] not in match.group(2) else cell


def _has_pipe(line: str) -> bool:
    return bool(re.search(r"(?<!\\)\|", line.replace("\\\\", "")))


def _indented(line: str) -> bool:
    """Four spaces or a tab in front: indented code, never a table row."""
    head = line[:len(line) - len(line.lstrip(" \t"))]
    return "\t" in head or len(head) >= 4


def _table_at(lines: list[str], i: int) -> tuple[list[list[str]], int] | None:
    """(rows, index of the line after the table) when a table's header row is lines[i]."""
    if i + 1 >= len(lines):
        return None
    head, rule = lines[i].rstrip("\r"), lines[i + 1].rstrip("\r")
    if _indented(head) or _indented(rule) or not _has_pipe(head) or not _has_pipe(rule):
        return None
    header, delimiter = split_row(head), split_row(rule)
    if len(header) != len(delimiter) or not all(_DELIMITER_CELL.match(c) for c in delimiter):
        return None
    rows, j = [header], i + 2
    while j < len(lines):
        line = lines[j].rstrip("\r")
        if not line.strip() or _BLOCK_START.match(line):
            break
        cells = split_row(line)[:len(header)]
        rows.append(cells + [""] * (len(header) - len(cells)))
        j += 1
    return rows, j


def _caption(lines: list[str], i: int, heading: str | None) -> str | None:
    """The heading or short one-line paragraph just above the table at lines[i] when it is a label
    ("Table 2. Revenue", "Revenue by region:", "Net sales (in millions)"), not a sentence; else
    the nearest heading above, `heading`."""
    k = i - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    if k < 0:
        return heading
    above = lines[k].strip()
    match = _HEADING.match(above)
    if match:
        return (match.group(1) or "").strip() or heading
    above = above.strip("*_ ")
    one_line = k == 0 or not lines[k - 1].strip() or bool(_HEADING.match(lines[k - 1]))
    label = TABLE_CAPTION.match(above) or above.endswith(":") or not above.endswith((".", "!", "?"))
    if one_line and label and above and len(above) <= _CAPTION and not _has_pipe(above) \
            and not _FENCE.match(above):
        return above
    return heading


def table_rows_text(text: str) -> str:
    """`text` with each data row of its pipe tables rewritten as one line that carries the
    column headers and the caption; every other line, and the number of lines, unchanged."""
    lines = text.split("\n")
    out = list(lines)
    fence: str | None = None
    heading: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        if fence is not None:
            if re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", line):
                fence = None
            i += 1
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            i += 1
            continue
        match = _HEADING.match(line)
        if match:
            heading = (match.group(1) or "").strip() or heading
            i += 1
            continue
        table = _table_at(lines, i)
        if table is None:
            i += 1
            continue
        rows, end = table
        for k, row_line in table_row_lines(rows, _caption(lines, i, heading), marked_header_rows=1):
            at = i if k == 0 else i + 1 + k  # rows[0] is the header row, the delimiter row follows it
            out[at] = row_line + ("\r" if lines[at].endswith("\r") else "")
        i = end
    return "\n".join(out)
