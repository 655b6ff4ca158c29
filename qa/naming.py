"""Documents a question names: "What were Netflix's revenues in Latin America?" names the one
document whose title or file name holds "Netflix" and which no other document mentions.

In a folder of reports on overlapping subjects, the passages nearest in meaning to such a question
are often another document's (Coca-Cola's regional revenue table rather than Netflix's): the
question's subject words match the other document's rows as well, and its one naming word is in
every chunk of the named document (the title goes in front of each chunk for BM25), so BM25 gives
it little weight. `named_rank` adds one more ranking to the fusion: the candidates of the named
documents, in fused order. A word names a document only when that document is the one place in the
whole index it occurs (in any title, file name or text): a word in two documents names neither,
and a question naming nothing leaves the search as it was. On SciFact, where a claim names no
document, nDCG@10 moves 0.7293 -> 0.7318 (docs/real-documents.md).

>>> from qa.config import LexicalSettings
>>> from qa.index import DocumentRecord
>>> record = lambda i, source, title: DocumentRecord(i, source, title, "", 0, 0.0, "html", 1, "")
>>> names = DocumentNames([record("a", "nflx-10-q.html", "Netflix, Inc. Form 10-Q"),
...                        record("b", "ko-10-q.html", "COCA COLA CO Form 10-Q")], LexicalSettings())
>>> sorted(names.named("Netflix's revenues in Latin America?", lambda term: {"a": 1.0}))
['a']
>>> names.named("revenues of the form 10-Q", lambda term: {"a": 1.0, "b": 1.0})
set()
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .config import LexicalSettings
from .index import DocumentRecord
from .lexical import tokenize


class DocumentNames:
    """The words that name one document each (found in exactly one document's title or file
    name), read from a generation's document listing once."""

    def __init__(self, documents: Iterable[DocumentRecord], settings: LexicalSettings):
        self.settings = settings
        owner: dict[str, str | None] = {}
        for doc in documents:
            stem = re.sub(r"[-_.]+", " ", Path(doc.source).stem)
            for term in set(tokenize(f"{doc.title} {stem}", settings)):
                owner[term] = doc.doc_id if term not in owner else None
        self._owner = {term: doc_id for term, doc_id in owner.items() if doc_id is not None}

    def named(self, query: str, term_documents: Callable[[str], dict[str, float]]) -> set[str]:
        """The documents `query` names: a query word in one document's title or file name only,
        and in no other document's text (`term_documents`: the documents holding a BM25 term)."""
        found = set()
        for term in set(tokenize(query, self.settings)):
            doc_id = self._owner.get(term)
            if doc_id is not None and set(term_documents(term)) <= {doc_id}:
                found.add(doc_id)
        return found


def named_rank(ranked: Sequence[tuple[int, float]], doc_of: dict[int, str], named: set[str]) -> list[int]:
    """The rows of `ranked` (fused, best first) that belong to a named document, in that order."""
    return [row for row, _ in ranked if doc_of.get(row) in named]
