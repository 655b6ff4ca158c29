"""PDF: text page by page, bounded in pages and characters."""

from __future__ import annotations

import io
import itertools
import logging

from ..config import Settings
from ..errors import UnreadableDocument

logger = logging.getLogger(__name__)

_DEFAULTS = Settings()
from .base import Extracted, _short


def read_pdf(data: bytes, settings: Settings | None = None) -> Extracted:
    """Text of each page joined by blank lines; `page_starts` records where each page begins.

    Refuses more than `settings.max_pdf_pages` pages, and stops extracting once the text passes
    `settings.max_text_chars` (a small PDF can draw megabytes of text from compressed streams).
    """
    settings = settings or _DEFAULTS
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if not data.strip():
        raise UnreadableDocument("empty file")
    # Acrobat accepts the header anywhere in the first 1 KiB; pypdf would guess on any bytes.
    if data.find(b"%PDF-", 0, 1024) < 0:
        raise UnreadableDocument("malformed PDF: no %PDF- header")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # many PDFs only restrict printing: empty user password
            except DependencyError as exc:
                raise UnreadableDocument("encrypted PDF (AES needs the 'cryptography' package)") from exc
            if not ok:
                raise UnreadableDocument("encrypted PDF")
        count = len(reader.pages)
        if count > settings.max_pdf_pages:
            raise UnreadableDocument(f"too many pages ({count:,}; limit {settings.max_pdf_pages:,})")
        pages = list(reader.pages)
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; report one line
        raise UnreadableDocument(f"malformed PDF: {_short(exc)}") from exc

    texts: list[str] = []
    total = 0
    for number, page in enumerate(pages, start=1):
        try:
            texts.append((page.extract_text() or "").replace("\x00", "").rstrip())
        except Exception as exc:  # one bad page must not cost the whole document
            logger.warning("PDF page %d: text extraction failed (%s); page kept empty", number, _short(exc))
            texts.append("")
        total += len(texts[-1]) + 2
        if total > settings.max_text_chars:
            raise UnreadableDocument(f"yields too much text (over {settings.max_text_chars:,} characters "
                                     f"by page {number})")
    title = None
    try:
        meta = reader.metadata
        if meta is not None:
            title = " ".join(str(meta.title or "").split()) or None
    except Exception as exc:
        logger.info("PDF metadata unreadable: %s", _short(exc))
    if not any(t.strip() for t in texts):  # scanned images only: the caller reports it as empty
        return Extracted("", title)
    starts = tuple(itertools.accumulate((len(t) + 2 for t in texts[:-1]), initial=0))
    return Extracted("\n\n".join(texts), title, starts)
