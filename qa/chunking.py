"""Document -> Chunks sized by the model's own tokenizer, each with its exact character span.

>>> chunks = chunk_document(doc, counter, ChunkerSettings(), max_tokens=256)
>>> all(doc.text[c.start:c.end] == c.text for c in chunks)
True
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from .config import ChunkerSettings
from .documents import Document
from .embedding import TokenCounter


@dataclass(frozen=True)
class Chunk:
    """A span of one document: `document.text[start:end] == text`."""

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    line_start: int
    line_end: int
    page: int | None = None
    page_end: int | None = None

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)


def text_hash(text: str) -> str:
    """Content hash used to reuse vectors of unchanged text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _splitter(counter: TokenCounter, settings: ChunkerSettings, budget: int):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        separators=list(settings.separators),
        keep_separator="end",  # a sentence keeps its own full stop
        chunk_size=budget,
        chunk_overlap=min(settings.overlap_tokens, budget // 2),
        length_function=counter.count_plain,
        strip_whitespace=True,
    )


def split_text(text: str, counter: TokenCounter, settings: ChunkerSettings,
               max_tokens: int) -> list[tuple[int, int]]:
    """Cut `text` into (start, end) spans of at most min(chunk_tokens, max_tokens) word pieces,
    special tokens included, preferring paragraph then sentence boundaries."""
    limit = min(settings.chunk_tokens, max_tokens)
    budget = limit - counter.special
    pieces = _splitter(counter, settings, budget).split_text(text)
    spans: list[tuple[int, int]] = []
    for at, piece in zip(_locate(text, pieces), pieces):
        spans.extend(_fit(text, at, at + len(piece), counter, limit))
    return spans


def _locate(text: str, pieces: list[str]) -> list[int]:
    """Where the splitter took each piece from.

    Pieces come in document order; each starts inside the previous one (overlap) or right
    after it past whitespace, the first after leading whitespace, and the last reaches the end
    but for trailing whitespace. In repetitive text a piece matches several places (LangChain's
    own start_index goes wrong there), so search for the placement that satisfies all of that,
    preferring the least overlap, with backtracking (only repetitive text ever needs it).
    """
    if not pieces:
        return []

    def skip_ws(i: int) -> int:
        while i < len(text) and text[i].isspace():
            i += 1
        return i

    end_of_text = len(text.rstrip())
    first = skip_ws(0)
    failed: set[tuple[int, int]] = set()
    # Each stack entry: (piece index, its start, remaining candidate starts for the next piece).
    stack: list[tuple[int, int, list[int]]] = []

    def candidates(i: int, prev_start: int, prev_end: int) -> list[int]:
        found, lo, hi = [], prev_start + 1, skip_ws(prev_end)
        at = text.rfind(pieces[i], lo, hi + len(pieces[i]))
        while at >= lo:
            found.append(at)
            at = text.rfind(pieces[i], lo, at - 1 + len(pieces[i]))
        return found  # largest start (least overlap) first

    if text.startswith(pieces[0], first):
        stack.append((0, first, candidates(1, first, first + len(pieces[0])) if len(pieces) > 1 else []))
    while stack:
        i, at, rest = stack[-1]
        if i == len(pieces) - 1:
            if at + len(pieces[i]) == end_of_text:
                return [s for _, s, _ in stack]
            failed.add((i, at))
            stack.pop()
            continue
        while rest and (i + 1, rest[0]) in failed:
            rest.pop(0)
        if not rest:
            failed.add((i, at))
            stack.pop()
            continue
        nxt = rest.pop(0)
        end = nxt + len(pieces[i + 1])
        stack.append((i + 1, nxt, candidates(i + 2, nxt, end) if i + 2 < len(pieces) else []))
    raise AssertionError("splitter output could not be placed in the document")


def _fit(text: str, start: int, end: int, counter: TokenCounter, limit: int) -> list[tuple[int, int]]:
    """Re-cut a span whose joined pieces tokenize longer than `limit` (sums are approximate)."""
    if counter.count(text[start:end]) <= limit:
        return [(start, end)]
    offsets = counter.offsets(text[start:end])
    cut = start + offsets[limit - counter.special - 1][1]
    space = text.rfind(" ", start, cut)
    if space > start + (cut - start) // 2:
        cut = space
    head = (start, cut)
    rest = cut
    while rest < end and text[rest].isspace():
        rest += 1
    return [head] + (_fit(text, rest, end, counter, limit) if rest < end else [])


def _spans(doc: Document, counter: TokenCounter, settings: ChunkerSettings,
           max_tokens: int) -> list[tuple[int, int]]:
    """Chunk spans of a document. Paged documents are cut at each page break that is also a
    paragraph break; a paragraph that goes on over a page break may make one chunk, which
    then cites both pages (`page`, `page_end`). Text said again (`repeats`) is left out."""
    bounds = [0] + [p for p in (doc.page_starts or ())[1:] if doc.text[max(p - 2, 0):p] == "\n\n"]
    bounds.append(len(doc.text))
    regions: list[tuple[int, int]] = []
    cuts = repeats(doc.text)
    for lo, hi in zip(bounds, bounds[1:]):
        at = lo
        for a, b in cuts:
            if b <= at or a >= hi:
                continue
            if a > at:
                regions.append((at, a))
            at = max(at, b)
        if at < hi:
            regions.append((at, hi))
    spans = []
    for lo, hi in regions:
        spans.extend((lo + a, lo + b) for a, b in split_text(doc.text[lo:hi], counter, settings, max_tokens))
    return spans


_MIN_LINE = 20     # letters and digits: shorter lines ("Total", "2024") recur without being repeats
_MIN_REPEAT = 100  # letters and digits in a run of repeated lines before it is left out


def repeats(text: str) -> list[tuple[int, int]]:
    """Spans of `text` that say again what it said before: runs of lines met earlier (case,
    spacing and punctuation aside), started by one of 20 letters and digits or more, of 100 or
    more in all (a page extracted twice, a section shown twice, a notice on every page); a
    repeated heading or table row alone stays.

    >>> text = "Ferries leave at seven from the north quay.\\nTickets are sold on board only.\\n"
    >>> repeats("Timetable\\n" + text * 3)
    [(86, 237)]
    """
    seen: set[str] = set()
    out: list[tuple[int, int]] = []
    run: list[int] | None = None  # start, end, letters and digits
    pos = 0
    for line in text.splitlines(keepends=True):
        key = re.sub(r"\W+", "", line.casefold())
        end = pos + len(line.rstrip("\r\n"))
        if key and key in seen and (run is not None or len(key) >= _MIN_LINE):
            if run is None:
                run = [pos, end, 0]
            run[1] = end
            run[2] += len(key)
        elif key:
            if run is not None and run[2] >= _MIN_REPEAT:
                out.append((run[0], run[1]))
            run = None
            seen.add(key)
        pos += len(line)
    if run is not None and run[2] >= _MIN_REPEAT:
        out.append((run[0], run[1]))
    return out


def chunk_document(doc: Document, counter: TokenCounter, settings: ChunkerSettings,
                   max_tokens: int) -> list[Chunk]:
    """All chunks of a document, with ids derived from (document, text, occurrence).

    Text the document says twice (a page extracted twice, a section or notice repeated) is
    indexed once (`repeats`); a document without repeats is chunked as it always was, so its
    chunks keep their ids.
    """
    seen: Counter[str] = Counter()
    chunks = []
    for start, end in _spans(doc, counter, settings, max_tokens):
        body = doc.text[start:end]
        seen[body] += 1
        digest = hashlib.sha256(f"{doc.id}\0{seen[body]}\0{body}".encode("utf-8")).hexdigest()[:20]
        chunks.append(Chunk(
            id="c-" + digest, doc_id=doc.id, text=body, start=start, end=end,
            line_start=doc.line_at(start), line_end=doc.line_at(max(end - 1, start)),
            page=doc.page_at(start), page_end=doc.page_at(max(end - 1, start)),
        ))
    return chunks
