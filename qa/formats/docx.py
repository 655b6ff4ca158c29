"""DOCX: paragraphs and tables, after the zip is checked for bombs."""

from __future__ import annotations

import io
import re

from ..config import Settings
from ..errors import UnreadableDocument

_DEFAULTS = Settings()
from .base import Extracted, _short
from .cleanup import good_title
from .tables import table_lines


def check_zip(data: bytes, settings: Settings | None = None) -> None:
    """Refuse a zip (a .docx) that would unpack to too much, before anything is decompressed.

    Reads only the central directory. Its declared sizes bind: Python's zipfile never returns
    more bytes than a member declares (the rest fails its CRC), so a lying header cannot
    unpack more than the sum checked here. Also refused: a member that unpacks to more than
    `max_zip_ratio` times its compressed size, the mark of a bomb; office XML compresses about
    10:1 and images not at all.
    """
    import zipfile

    settings = settings or _DEFAULTS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnreadableDocument("not a valid .docx (zip) file") from exc
    if len(members) > settings.max_zip_entries:
        raise UnreadableDocument(f"zip bomb? {len(members):,} parts in the .docx "
                                 f"(limit {settings.max_zip_entries:,})")
    total = sum(m.file_size for m in members)
    if total > settings.max_zip_bytes:
        raise UnreadableDocument(f"zip bomb? the .docx unpacks to {total:,} bytes "
                                 f"(limit {settings.max_zip_bytes:,})")
    for m in members:
        if m.file_size > _RATIO_FLOOR and m.file_size > settings.max_zip_ratio * max(m.compress_size, 1):
            raise UnreadableDocument(f"zip bomb? {m.filename[:60]!r} unpacks {m.file_size // max(m.compress_size, 1):,}"
                                     f" times its size (limit {settings.max_zip_ratio})")


_RATIO_FLOOR = 1 << 20  # below 1 MiB unpacked, a high ratio costs nothing (blank pages compress well)


def read_docx(data: bytes, settings: Settings | None = None) -> Extracted:
    """Paragraphs and table rows in document order, one per line; a row carries its column
    headers and the table's caption (a "Caption"-styled paragraph just before it), see tables.py.

    The zip is checked against the limits of `settings` first (see `check_zip`).
    """
    import zipfile

    import docx
    from docx.table import Table

    check_zip(data, settings)
    try:
        document = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableDocument("not a valid .docx (zip) file") from exc
    except Exception as exc:  # missing parts, wrong content type (.xlsx, .dotm), bad XML
        raise UnreadableDocument(f"not a readable .docx: {_short(exc)}") from exc

    lines: list[str] = []
    heading: str | None = None
    caption: str | None = None
    try:
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(table_lines(_table_cells(block), caption))
                caption = None
                continue
            text = block.text.strip()
            if not text:
                continue
            lines.append(text)
            style = (block.style.name or "") if block.style is not None else ""
            caption = text if style == "Caption" or re.match(r"(?i)^table\s*\d", text) else None
            if heading is None:
                if style == "Title" or style.startswith("Heading"):
                    heading = " ".join(text.split())
        title = good_title(document.core_properties.title) or heading
    except Exception as exc:  # bad XML deep inside the body
        raise UnreadableDocument(f"malformed .docx: {_short(exc)}") from exc
    return Extracted("\n".join(lines), title)


def _table_cells(table) -> list[list[str | None]]:
    """Cell texts row by row; None for a grid column covered by the merged cell to its left
    (python-docx gives a merged cell once per column it spans)."""
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            cells.append(None if cell._tc is previous else " ".join(cell.text.split()))
            previous = cell._tc
        rows.append(cells)
    return rows
