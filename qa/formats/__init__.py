"""Readers for HTML, PDF and DOCX: raw bytes -> visible text plus offset -> page / source-line maps.

One module per format; `READERS` maps a file suffix to its reader.

>>> read_html(b"<title>T</title><p>Hello <b>world</b></p>").text
'Hello world'
"""

from __future__ import annotations

from typing import Callable

from ..config import Settings
from ..errors import UnreadableDocument  # one class for the whole package; subclasses ValueError
from .base import Extracted, LineMap, line_of, page_of
from .docx import check_zip, read_docx
from .html import read_html
from .pdf import read_pdf

__all__ = ["Extracted", "UnreadableDocument", "LineMap", "read_html", "read_pdf", "read_docx",
           "READERS", "READER_RULES", "page_of", "line_of", "check_zip"]

READER_RULES: dict[str, int] = {".pdf": 9, ".md": 5, ".markdown": 5, ".html": 4, ".htm": 4, ".docx": 4}
"""The version of each reader's rules, by file suffix (1 when not named). An index built with other
rules for a suffix reads its files again (qa/build.py plan_changes), the others are kept.
.pdf 2: footnotes and single heads around page breaks, columns under wide tables, accents put on
their letters by position, tables side by side. .pdf 3: a head or footer giving figures (a docket
line) kept once, where first seen. .pdf 4: a pleading's line numbers set on a grid of their own
(double-spaced text between them) leave the text; side-by-side blocks of fields read block by
block. .md/.markdown 2: pipe tables read as rows carrying their headers (markdown.py). 5 (.pdf),
3 (.md), 2 (.html, .htm, .docx): a table row of values captioned by the bracketed row under it
(an SEC filing's cover) gives each value after its caption (tables._captioned). 6 (.pdf), 4 (.md), 3
(.html, .htm, .docx): a table whose first column is labels ending in colons (a report's fact box)
takes no header, and each label leads on to its value ("Population: 7.5 million"). .pdf 7: a table
set at the top of a page (caption, rows, notes) waits after the sentence the page before left open
("... other contributing causes of death such" / TABLE 3 / "as diabetes, ..."), as a running head does.
8 (.pdf), 5 (.md), 4 (.html, .htm, .docx): a line in a table's first cell alone above its column
headers is the table's title, said on each row ("World Production Capacity: Venezuela | ...").
.pdf 9: after a semicolon, a paragraph opening with a word in lower case on the next page or column
carries the sentence on ("... Chiefs of Police;" / "and Jim O'Neill for ...")."""

READERS: dict[str, Callable[[bytes, Settings | None], Extracted]] = {
    ".html": read_html, ".htm": read_html, ".pdf": read_pdf, ".docx": read_docx,
}
