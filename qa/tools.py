"""The archive's read-only tools for other programs, with JSON-ready results: search, ask,
list_documents and read_passage. The MCP server (qa.mcp) and the REST routes (qa.rest) are thin
layers over these, so an assistant and a script get the same fields.

>>> tools = Tools.open("index")
>>> tools.ask("what happened to Kloop Media", where={"source": "*.txt"})["citations"][0]["location"]
'amnesty-report-kyrgyzstan-2023.txt:11-15'

Wrong arguments raise qa.BadArgument (one line); a filter that keeps no document is not an
error: the result is empty and its "notes" say so.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from .answer import answer
from .checks import BadArgument, check_count, check_text
from .filters import Where, check_where
from .formats import LineMap
from .index.format import DocumentRecord
from .passage import Passage
from .retriever import Retriever

CONTEXT_CHARS = 600
"""Characters of the document shown before and after a passage by read_passage (at most 5,000)."""
MAX_PASSAGE_CHARS = 20_000
"""read_passage by lines returns at most this much text."""


class Tools:
    """The tools over one index. `retriever` is a Retriever, or a function returning the one to
    use now (a server swaps in a rebuilt index; raise to say it is not ready)."""

    def __init__(self, retriever: Retriever | Callable[[], Retriever]):
        self._get = retriever if callable(retriever) else (lambda: retriever)

    @classmethod
    def open(cls, index: str | Path = "index") -> "Tools":
        return cls(Retriever.load(index))

    @property
    def retriever(self) -> Retriever:
        return self._get()

    # ------------------------------------------------------------ search and ask

    def search(self, query: str, k: int = 5, mode: str = "hybrid", per_doc: int | None = None,
               where: dict[str, Any] | None = None) -> dict[str, Any]:
        """The k best passages for `query`, each with its citation; see Retriever.search."""
        r = self.retriever
        checked = check_where(where)
        passages = r.search(query, k=k, mode=mode, per_doc=per_doc, where=checked)
        return {"query": query, "mode": mode, "where": _shown(checked),
                "passages": [_passage(i, p) for i, p in enumerate(passages, start=1)],
                "notes": self._filter_notes(r, checked)}

    def ask(self, question: str, k: int = 5, mode: str = "hybrid", per_doc: int | None = None,
            where: dict[str, Any] | None = None, history: Sequence[str] | None = None) -> dict[str, Any]:
        """The answer as `qa ask --json` gives it ("answer", "sentences", "passages", "abstained",
        "confidence", "notes", ...) plus "citations" (the passages the answer quotes, with their
        locations), "confidence_words" and "where"."""
        r = self.retriever
        checked = check_where(where)
        reply = answer(r, question, history=history, k=k, mode=mode, per_doc=per_doc, where=checked)
        out = reply.to_dict()
        quoted = sorted({s.passage for s in reply.sentences})
        out["passages"] = [_passage(i, p) for i, p in enumerate(reply.passages, start=1)]
        out["citations"] = [_citation(n, reply.passages[n - 1]) for n in quoted]
        out["confidence_words"] = reply.confidence_words
        out["where"] = _shown(checked)
        out["notes"] = self._filter_notes(r, checked) + out["notes"]
        return out

    @staticmethod
    def _filter_notes(r: Retriever, where: Where | None) -> list[str]:
        if where is not None and not r.matching(where):
            return [f"No indexed document matches the filter ({where.describe()}); nothing was searched."]
        return []

    # ------------------------------------------------------------ documents

    def list_documents(self, where: dict[str, Any] | None = None, limit: int = 1000) -> dict[str, Any]:
        """The indexed documents (those `where` keeps), sorted by path, at most `limit` of them."""
        limit = check_count(limit, "limit", maximum=100_000)
        r = self.retriever
        checked = check_where(where)
        docs = r.matching(checked)
        return {"count": len(docs), "where": _shown(checked), "documents": [_document(d) for d in docs[:limit]],
                "truncated": len(docs) > limit, "notes": self._filter_notes(r, checked)}

    def read_passage(self, chunk_id: str | None = None, source: str | None = None,
                     line_start: int | None = None, line_end: int | None = None,
                     context_chars: int = CONTEXT_CHARS) -> dict[str, Any]:
        """The exact text of a passage, by its chunk id (from search or ask) or by a document's
        path and line range, with up to `context_chars` of the document before and after it."""
        context_chars = check_count(context_chars, "context_chars", maximum=5000) if context_chars else 0
        r = self.retriever
        if chunk_id is not None:
            if source is not None or line_start is not None or line_end is not None:
                raise BadArgument("give either chunk_id, or source with line_start and line_end, not both")
            p = r.passage(chunk_id)
            if p is None:
                raise BadArgument(f"no passage with chunk_id {chunk_id!r} in the index (it may have been "
                                  "rebuilt since: search again)")
            doc = r.document(p.doc_id)
            start, end = p.start, p.end
            extra = {"chunk_id": p.chunk_id, "line_start": p.line_start, "line_end": p.line_end,
                     "page": p.page, "page_end": p.page_end}
        elif source is not None:
            doc, start, end, extra = self._lines(r, source, line_start, line_end)
        else:
            raise BadArgument("give a chunk_id, or a source with line_start and line_end")
        text = doc.text or ""
        before = text[max(0, start - context_chars):start] if context_chars else ""
        after = text[end:end + context_chars] if context_chars else ""
        return {"source": doc.source, "title": doc.title, "doc_id": doc.doc_id, **extra,
                "start": start, "end": end, "text": text[start:end], "before": before, "after": after}

    @staticmethod
    def _lines(r: Retriever, source: Any, line_start: Any, line_end: Any) -> tuple[DocumentRecord, int, int, dict]:
        source = check_text(source, "source", clamp=False)
        first = check_count(line_start, "line_start")
        last = check_count(line_end if line_end is not None else first, "line_end")
        if last < first:
            raise BadArgument(f"line_end ({last}) must not be before line_start ({first})")
        listing = next((d for d in r.documents() if d.source == source), None)
        if listing is None:
            raise BadArgument(f"no indexed document {source!r}; list_documents shows their paths")
        doc = r.document(listing.doc_id)
        text = doc.text or ""
        lines = LineMap(text, doc.line_anchors)
        # Source line numbers grow with the offset: the passage is every offset on lines first..last.
        start = bisect.bisect_left(range(len(text)), first, key=lines.line)
        end = bisect.bisect_left(range(len(text)), last + 1, key=lines.line)
        if start >= len(text):
            raise BadArgument(f"{source} has no line {first} (its last line is {lines.line(max(len(text) - 1, 0))})")
        end = min(end, start + MAX_PASSAGE_CHARS)
        return doc, start, end, {"line_start": first, "line_end": lines.line(max(end - 1, start))}


def _shown(where: Where | None) -> dict[str, Any] | None:
    return where.to_dict() if where is not None else None


def _passage(rank: int, p: Passage) -> dict[str, Any]:
    return {"rank": rank, **p.to_dict(), "location": p.location}


def _citation(n: int, p: Passage) -> dict[str, Any]:
    return {"passage": n, "location": p.location, "source": p.source, "title": p.title, "page": p.page,
            "line_start": p.line_start, "line_end": p.line_end, "chunk_id": p.chunk_id}


def _document(d: DocumentRecord) -> dict[str, Any]:
    return {"source": d.source, "title": d.title, "format": d.format, "language": d.language,
            "modified": datetime.fromtimestamp(d.mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "size": d.size, "chunks": d.n_chunks, "doc_id": d.doc_id}
