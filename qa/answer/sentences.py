"""Per-sentence data of chunks: sentence spans and one unit vector per sentence.

The answer scorer needs, for each retrieved passage, its sentences and their vectors. They depend
on the chunk only, never on the question, so they can be computed when the index is built
(`sentence_vectors`, a pure function of the chunk texts) and looked up when a question comes
(`sentence_data`). Until the index stores them, `sentence_data` computes what its cache lacks.

Representation: each sentence's vector is the mean of the chunk's own token vectors over the
sentence span (one forward pass per chunk, the one the build already makes), when the embedder
offers `encode_spans`; otherwise each sentence is embedded on its own. On cosine alone the
latter ranks a little better (WikiQA MAP 0.684 vs 0.660, SQuAD 2.0 top-1 0.588 vs 0.560) but
would roughly double the embedding work of a build (README, "Answers").

>>> data = sentence_data(retriever, retriever.search("what happened to Kloop Media"))
>>> data[0].spans.shape, data[0].vectors.shape
((7, 2), (7, 384))
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, MutableMapping, Sequence

import numpy as np

from ..text import split_sentences

if TYPE_CHECKING:
    from ..retriever import Passage, Retriever

logger = logging.getLogger(__name__)

REPRESENTATION = "pooled"  # "pooled" token vectors over each span, or "separate" sentence embeddings


@dataclass(frozen=True)
class SentenceData:
    """The sentences of one chunk: spans [n, 2] into the chunk text and unit vectors [n, d]."""

    spans: np.ndarray
    vectors: np.ndarray


def sentence_vectors(texts: Sequence[str], embedder: Any, representation: str = REPRESENTATION
                     ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(spans int32[n, 2], vectors float32[n, d]) for each chunk text, sentences as split_sentences cuts them.

    >>> spans, vectors = sentence_vectors(["He left. She stayed."], embedder)[0]
    >>> spans.tolist()
    [[0, 8], [9, 20]]
    """
    spans = [split_sentences(t) for t in texts]
    dim = _dimension(embedder)
    if representation == "pooled" and hasattr(embedder, "encode_spans"):
        vectors = embedder.encode_spans(texts, spans)
        _fill_cut_off(texts, spans, vectors, embedder)
    else:
        flat = [t[a:b] for t, s in zip(texts, spans) for a, b in s]
        encoded = embedder.encode(flat) if flat else np.zeros((0, dim), dtype=np.float32)
        vectors, at = [], 0
        for s in spans:
            vectors.append(encoded[at:at + len(s)])
            at += len(s)
    return [(np.asarray(s, dtype=np.int32).reshape(-1, 2), np.asarray(v, dtype=np.float32).reshape(-1, dim))
            for s, v in zip(spans, vectors)]


def chunk_vectors(texts: Sequence[str], embedder: Any, batch_size: int = 32
                  ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Each chunk's vector and its sentences' (spans, vectors), as the build stores them.

    With pooled sentence vectors and an embedder that offers `encode_with_spans`, one forward
    pass per chunk gives both, so the answer work costs the build almost nothing.
    """
    if REPRESENTATION == "pooled" and hasattr(embedder, "encode_with_spans"):
        spans = [split_sentences(t) for t in texts]
        vectors, parts = embedder.encode_with_spans(texts, spans)
        _fill_cut_off(texts, spans, parts, embedder)
        return vectors, [(np.asarray(s, dtype=np.int32).reshape(-1, 2), np.asarray(v, dtype=np.float32))
                         for s, v in zip(spans, parts)]
    return embedder.encode(texts, batch_size=batch_size), sentence_vectors(texts, embedder)


def _fill_cut_off(texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                  vectors: list[np.ndarray], embedder: Any) -> None:
    """A span the model's window cut off has no token vectors: embed it on its own."""
    missing = [(i, j) for i, v in enumerate(vectors) for j in range(len(v)) if not v[j].any()]
    if missing:
        extra = embedder.encode([texts[i][slice(*spans[i][j])] for i, j in missing])
        for (i, j), v in zip(missing, extra):
            vectors[i][j] = v


def sentence_data(retriever: Retriever, passages: Sequence[Passage],
                  cache: MutableMapping[str, SentenceData] | None = None) -> list[SentenceData]:
    """The sentences of each passage: stored in the index at build time, else from `cache`
    (chunk id -> SentenceData), else computed now (a passage of a generation since replaced)."""
    cache = {} if cache is None else cache
    stored = retriever.sentences(passages) if hasattr(retriever, "sentences") else [None] * len(passages)
    for p, found in zip(passages, stored):
        if found is not None:
            cache[p.chunk_id] = SentenceData(np.asarray(found.spans), np.asarray(found.vectors))
    todo = [p for p in passages if p.chunk_id not in cache]
    if todo:
        for p, (spans, vectors) in zip(todo, sentence_vectors([p.text for p in todo], retriever.embedder)):
            cache[p.chunk_id] = SentenceData(spans, vectors)
    return [cache[p.chunk_id] for p in passages]


def _dimension(embedder: Any) -> int:
    info = getattr(embedder, "info", None)
    return int(getattr(info, "dimension", 0) or getattr(embedder, "dimension"))
