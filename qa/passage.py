"""A search result: `Passage`, the record every way in (CLI, app, MCP, REST) shows, and the one
function that says where it lies in its file ("lines 11–15", "page 3", "pages 3–4").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


PASSAGE_FIELDS = ("score", "text", "source", "title", "start", "end", "line_start", "line_end", "page",
                  "chunk_id", "doc_id", "page_end", "dense_score", "lexical_score")
"""The per-passage keys of `qa ask --json` (after "rank"), in order."""


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk with everything needed to cite it.

    `score` depends on the mode: cosine similarity for "dense", BM25 for "lexical", and for
    "hybrid" the reciprocal-rank-fusion score sum(weight / (rrf_k + rank)) over the dense, the
    BM25 and the nearest-sentence ranking (qa.fusion.fuse), and, when the question names a
    document (qa.naming), the ranking of that document's passages; ranks from 1, a ranking the
    passage is absent from adding nothing: with the defaults 2/61 at most, 3/61 in a named
    document (first in all; with a multilingual model the BM25 weight shrinks when the question is
    in another script than the passages: FusionSettings.shared_script).
    Higher is better; it is comparable only within one query.
    `dense_score` (cosine) and `lexical_score` (BM25, 0 when no query word occurs) are both
    filled in for hybrid results; "dense" and "lexical" results leave the other one at 0.0.
    """

    text: str
    score: float
    source: str
    title: str
    start: int
    end: int
    line_start: int
    line_end: int
    chunk_id: str
    doc_id: str
    page: int | None = None
    page_end: int | None = None
    dense_score: float = 0.0
    lexical_score: float = 0.0
    # Where it came from, for looking up its stored sentences; not part of its value.
    row: int = field(default=-1, repr=False, compare=False)
    generation: str = field(default="", repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """What `qa ask --json` and `/ask` print for a passage (after "rank"), in that order."""
        return {key: getattr(self, key) for key in PASSAGE_FIELDS}

    @property
    def place(self) -> str:
        """Where in its file: 'lines 11–15' or 'pages 3–4' (see place_in_file)."""
        return place_in_file(self.page, self.page_end, self.line_start, self.line_end)

    @property
    def location(self) -> str:
        """Human citation location: `file.txt, lines 13–15` or `file.pdf, page 2`."""
        return f"{self.source}, {self.place}"


def place_in_file(page: int | None, page_end: int | None, line_start: int, line_end: int) -> str:
    """A passage's place in its file, as the CLI and the app show it: by pages where the file has
    pages, else by lines. `place_in_file(3, 4, 80, 95)` -> 'pages 3–4'; `place_in_file(None,
    None, 11, 15)` -> 'lines 11–15'; one page or line: 'page 3', 'line 7'."""
    if page is not None:
        return f"page {page}" if page_end in (None, page) else f"pages {page}–{page_end}"
    return f"line {line_start}" if line_start == line_end else f"lines {line_start}–{line_end}"
