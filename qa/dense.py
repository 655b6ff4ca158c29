"""The FAISS part: choose an index type by size, build, save, load, search.

Vectors are L2-normalized, so inner product is cosine similarity.

>>> index = build_faiss(vectors)          # exact for small corpora
>>> scores, rows = index.search(query_vectors, 10)
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

FLAT_LIMIT = 200_000
"""Up to this many chunks, exact search is fast enough (a few ms per query on 2 cores)."""

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


def choose_index_type(n: int) -> str:
    """'flat' (exact) for small corpora, 'hnsw' beyond FLAT_LIMIT chunks."""
    return "flat" if n <= FLAT_LIMIT else "hnsw"


def build_faiss(vectors: np.ndarray, index_type: str | None = None):
    """A FAISS inner-product index over `vectors` (float32, normalized)."""
    import faiss

    n, dim = vectors.shape
    index_type = index_type or choose_index_type(n)
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index type {index_type!r}; use 'flat' or 'hnsw'")
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def save_faiss(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load_faiss(path: Path, *, mmap: bool = False):
    import faiss

    flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
    index = faiss.read_index(str(path), flags)
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def search_faiss(index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) of the top k for one query vector; rows are -1-free."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    scores, rows = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = rows[0] >= 0
    return scores[0][keep], rows[0][keep]
