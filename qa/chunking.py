"""Document -> Chunks sized by the model's own tokenizer, each with its exact character span.

>>> chunks = chunk_document(doc, counter, ChunkerSettings(), max_tokens=256)
>>> all(doc.text[c.start:c.end] == c.text for c in chunks)
True
"""

from __future__ import annotations

import hashlib
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
    prev = -1
    for piece in pieces:
        # Splits come in document order, so the next occurrence after the previous chunk's
        # start is this one; LangChain's own start_index goes wrong on repeated passages.
        at = text.find(piece, prev + 1)
        if at < 0:
            at = text.find(piece)
        if at < 0:  # cannot happen with literal separators; guard the invariant anyway
            raise AssertionError("splitter produced text that is not in the document")
        spans.extend(_fit(text, at, at + len(piece), counter, limit))
        prev = at
    return spans


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


def chunk_document(doc: Document, counter: TokenCounter, settings: ChunkerSettings,
                   max_tokens: int) -> list[Chunk]:
    """All chunks of a document, with ids derived from (document, text, occurrence)."""
    seen: Counter[str] = Counter()
    chunks = []
    for start, end in split_text(doc.text, counter, settings, max_tokens):
        body = doc.text[start:end]
        seen[body] += 1
        digest = hashlib.sha256(f"{doc.id}\0{seen[body]}\0{body}".encode("utf-8")).hexdigest()[:20]
        chunks.append(Chunk(
            id="c-" + digest, doc_id=doc.id, text=body, start=start, end=end,
            line_start=doc.line_at(start), line_end=doc.line_at(max(end - 1, start)),
            page=doc.page_at(start), page_end=doc.page_at(max(end - 1, start)),
        ))
    return chunks
