"""The FAISS part: choose an index type by size, build, save, load, search.

Vectors are L2-normalized, so inner product is cosine similarity.

>>> index = build_faiss(vectors)          # exhaustive for small corpora
>>> scores, rows = index.search(query_vectors, 10)

An exhaustive ('flat') index holds the vectors in half precision (FAISS's fp16 scalar quantizer):
a search reads half the bytes, so the scan and the query model's weights share the CPU's cache
instead of evicting each other. Half precision moves a cosine by at most ~1e-3, so the store
re-scores the candidates a search returns with the float32 vectors (`rescore`): the scores and the
order among them are exact; only which chunk is 100th or 101st may differ. Measured on SciFact
(16k chunks, k=10, bench/speed.py): hybrid search p50 -0.4 ms, same nDCG@10. Indexes written as
float32 IndexFlatIP before still load and search the same way.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

FLAT_LIMIT = 100_000
"""Up to this many chunks an exhaustive search is fast (~2 ms at 100k on 2 cores); beyond, IVF."""

IVF_NPROBE = 48
IVF_TRAIN_PER_LIST = 40


def choose_index_type(n: int) -> str:
    """'flat' (exhaustive, half-precision, re-scored exactly) for small corpora, 'ivf' (inverted
    lists, approximate) beyond FLAT_LIMIT.

    IVF rather than HNSW: on 2 cores it builds a million vectors in a few minutes where HNSW
    takes far longer, and it memory-maps on load.
    """
    return "flat" if n <= FLAT_LIMIT else "ivf"


def ivf_lists(n: int) -> int:
    """Number of inverted lists: about 4 * sqrt(n), a power of two."""
    return 1 << max(int(np.log2(max(4 * np.sqrt(n), 1))), 4)


def build_faiss(vectors: np.ndarray, index_type: str | None = None):
    """A FAISS inner-product index over `vectors` (float32, normalized)."""
    import faiss

    n, dim = vectors.shape
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # this thread may have searched before: see below
    index_type = index_type or choose_index_type(n)
    if index_type == "flat":
        index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    elif index_type == "ivf":
        nlist = ivf_lists(n)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vectors[np.sort(rng.choice(n, size=min(n, nlist * IVF_TRAIN_PER_LIST), replace=False))]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = IVF_NPROBE
    else:
        raise ValueError(f"unknown index type {index_type!r}; use 'flat' or 'ivf'")
    if index_type == "ivf":
        _add_to_sized_lists(index, vectors)
        return index
    for start in range(0, n, 65536):  # in slices, so a memory-mapped input is never copied whole
        index.add(np.ascontiguousarray(vectors[start:start + 65536], dtype=np.float32))
    return index


def _add_to_sized_lists(index, vectors: np.ndarray) -> None:
    """Add `vectors` to a trained IVF index, each inverted list allocated once at its final size.

    Added a slice at a time, the lists' arrays grow by doubling and hold up to twice what they
    keep: at half a million chunks a few hundred MB more at the build's peak. So the vectors are
    assigned to their lists first (what `add` does), the lists sized, and then added with those
    assignments; the index is the one `add` makes.
    """
    import faiss

    n = vectors.shape[0]
    lists = np.empty(n, dtype=np.int64)
    for start in range(0, n, 65536):
        part = np.ascontiguousarray(vectors[start:start + 65536], dtype=np.float32)
        lists[start:start + len(part)] = index.quantizer.search(part, 1)[1][:, 0]
    for i, size in enumerate(np.bincount(lists, minlength=index.nlist).tolist()):
        index.invlists.resize(i, size)  # allocated once, exactly...
        index.invlists.resize(i, 0)     # ...and empty again: the capacity stays
    for start in range(0, n, 65536):
        part = np.ascontiguousarray(vectors[start:start + 65536], dtype=np.float32)
        assigned = np.ascontiguousarray(lists[start:start + len(part)])
        index.add_core(len(part), faiss.swig_ptr(part), None, faiss.swig_ptr(assigned))


def save_faiss(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load_faiss(path: Path, *, mmap: bool = False):
    import faiss

    flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
    index = faiss.read_index(str(path), flags)
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = IVF_NPROBE
    return index


def search_faiss(index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) of the top k for one query vector; rows are -1-free.

    One query is searched on the calling thread alone (OpenMP's thread count is per thread):
    splitting it saves little, and on a busy 2-core machine the OpenMP threads waiting for each
    other made a 16k-vector search 25x slower (50 ms vs 2 ms). Parallel requests run in parallel.
    """
    import faiss

    faiss.omp_set_num_threads(1)
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    scores, rows = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = rows[0] >= 0
    return scores[0][keep], rows[0][keep]


EXACT_SUBSET = FLAT_LIMIT
"""A search within up to this many chunks scores each of them exactly (float32 vectors); a larger
subset of an IVF index is searched through FAISS with an ID selector (`search_within`)."""


def search_within(index, vectors: np.ndarray, query: np.ndarray, rows: np.ndarray, k: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(rows, exact cosines) of the k nearest chunks among `rows` (ascending), best first.

    Up to EXACT_SUBSET rows every one is scored; beyond, an IVF index is searched with an ID
    selector, doubling the lists probed until k of the subset's chunks come back (a sparse
    subset may be absent from the nearest lists), so k results always survive the filter.
    """
    rows = np.asarray(rows, dtype=np.int64)
    k = min(int(k), len(rows))
    if k <= 0:
        return rows[:0], np.zeros(0, dtype=np.float32)
    if len(rows) > EXACT_SUBSET and _is_ivf(index):
        import faiss

        faiss.omp_set_num_threads(1)
        selector = faiss.IDSelectorBatch(rows)
        nprobe = index.nprobe
        while True:
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
            _, found = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k,
                                    params=params)
            found = found[0][found[0] >= 0]
            if len(found) >= k or nprobe >= index.nlist:
                return rescore(vectors, query, found)
            nprobe = min(nprobe * 2, index.nlist)
    scores = np.empty(len(rows), dtype=np.float32)
    query = np.asarray(query, dtype=np.float32)
    for start in range(0, len(rows), 65536):  # in slices: a memory-mapped subset is never copied whole
        # einsum, not `@`: a BLAS matrix-vector product spreads over every core, and on a busy
        # machine waiting for them took 16 ms p50 for 1,600 rows where einsum's one thread takes
        # 0.13 ms (bench/filters.py, SciFact; the search itself keeps to one thread, see search_faiss).
        scores[start:start + 65536] = np.einsum("ij,j->i", vectors[rows[start:start + 65536]], query)
    pick = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
    order = np.lexsort((rows[pick], -scores[pick]))  # best first; equal scores by row
    return rows[pick[order]], scores[pick[order]]


def _is_ivf(index) -> bool:
    import faiss

    return isinstance(index, faiss.IndexIVF)


def scores_exact(index) -> bool:
    """Whether `index` returns float32 inner products (IndexFlatIP, IVF-flat) rather than
    half-precision ones that `rescore` must correct."""
    import faiss

    return not isinstance(index, faiss.IndexScalarQuantizer)


def rescore(vectors: np.ndarray, query: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, exact cosines) of the candidate `rows`, best first (ties keep the search's order):
    the float32 `vectors` correct a half-precision or approximate search's scores."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return rows, np.zeros(0, dtype=np.float32)
    exact = np.asarray(vectors[rows] @ query, dtype=np.float32)
    order = np.argsort(-exact, kind="stable")
    return rows[order], exact[order]
