"""What a reader returns, and the maps from text offsets back to source lines and pages."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Extracted:
    """What a reader found in a file.

    `page_starts[i]` is the offset in `text` where page i+1 begins (PDF only).
    `line_anchors` are sorted (text_offset, source_line) pairs, the first at offset 0: the source
    line of offset o is `l + text.count("\\n", a, o)` for the last anchor (a, l) with a <= o.
    None means lines are counted in `text` itself.
    `notes` are one-line caveats for the build report (e.g. page images left unread);
    `ocr_pages` pages were read by OCR, taking `ocr_seconds`.
    """

    text: str
    title: str | None
    page_starts: tuple[int, ...] | None = None
    line_anchors: tuple[tuple[int, int], ...] | None = None
    notes: tuple[str, ...] = ()
    ocr_pages: int = 0
    ocr_seconds: float = 0.0


class LineMap:
    """Offset -> 1-based source line in O(log n) per call, for many lookups on one text.

    >>> LineMap("a\\nb\\nc", ((0, 10), (2, 20))).line(4)
    21
    """

    def __init__(self, text: str, line_anchors: tuple[tuple[int, int], ...] | None = None) -> None:
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._anchors = tuple(line_anchors) if line_anchors else ((0, 1),)
        self._keys = [a for a, _ in self._anchors]

    def line(self, offset: int) -> int:
        i = max(bisect.bisect_right(self._keys, offset) - 1, 0)
        anchor, line = self._anchors[i]
        return line + bisect.bisect_left(self._newlines, offset) - bisect.bisect_left(self._newlines, anchor)


def line_of(text: str, line_anchors: tuple[tuple[int, int], ...] | None, offset: int) -> int:
    """1-based source line of `offset` (builds a LineMap; use LineMap directly for many calls)."""
    return LineMap(text, line_anchors).line(offset)


def page_of(page_starts: tuple[int, ...] | None, offset: int) -> int | None:
    """1-based page of `offset`, None when the format has no pages: `page_of((0, 10), 12) -> 2`."""
    if not page_starts:
        return None
    return max(bisect.bisect_right(page_starts, offset), 1)


def _short(exc: BaseException) -> str:
    """A one-line, bounded reason from an exception raised deep inside a parser."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)  # no repr quotes
    msg = (text.strip().splitlines() or [""])[0] or type(exc).__name__
    return msg if len(msg) <= 120 else msg[:117] + "..."
