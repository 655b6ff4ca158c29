"""Retriever.load(dir).search(query, k) -> list[Passage]: dense, lexical or hybrid search.

>>> from qa import Retriever
>>> retriever = Retriever.load("index")
>>> for p in retriever.search("what happened to Kloop Media", k=3):
...     print(p.score, p.source, p.line_start, p.text[:40])
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from . import dense, store
from .chunking import Chunk
from .config import ChunkerSettings, FusionSettings, Settings
from .embedding import Embedder, make_embedder, resolve_model
from .errors import IndexMismatchError
from .lexical import LexicalIndex
from .table import ChunkTable, DocumentRow

logger = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "lexical"]
MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk with everything needed to cite it.

    `score` depends on the mode: cosine similarity for "dense", BM25 for "lexical", and for
    "hybrid" the reciprocal-rank-fusion score sum(weight / (rrf_k + rank)) over the dense and
    the BM25 ranking, ranks from 1, a ranking the passage is absent from adding nothing: with
    the defaults 2/61 at most (first in both). Higher is better; it is comparable only within
    one query. (With FusionSettings(method="blend") it is the weighted sum of the min-max
    normalised cosine and BM25 over the candidates, between 0 and the sum of the weights.)
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def location(self) -> str:
        """Human citation location: `file.txt:13-15` or `file.pdf p. 2`."""
        if self.page is not None:
            pages = f"{self.page}" if self.page_end in (None, self.page) else f"{self.page}-{self.page_end}"
            return f"{self.source} p. {pages}"
        return f"{self.source}:{self.line_start}-{self.line_end}"


@dataclass
class _Loaded:
    """One generation of the index, loaded; replaced whole on refresh."""

    manifest: dict[str, Any]
    generation: str
    table: ChunkTable
    faiss: Any
    vectors: np.ndarray  # memory-mapped; row i is chunk i
    lexical: LexicalIndex
    docs: dict[str, DocumentRow]


class Retriever:
    """Searches one index directory. Thread-safe; `refresh()` switches to a newer build."""

    def __init__(self, index_dir: Path, loaded: _Loaded, embedder: Embedder, settings: Settings,
                 verify: bool):
        self.index_dir = index_dir
        self._loaded = loaded
        self.embedder = embedder
        self.settings = settings
        self._verify = verify
        self._refresh_lock = threading.Lock()

    @classmethod
    def load(cls, index_dir: str | Path = "index", *, settings: Settings | None = None,
             embedder: Embedder | None = None, verify: bool = True) -> "Retriever":
        """Open an index. Fails if it is missing, corrupted, or built with another model/chunker.

        With `settings=None` the index's own model is used; pass settings (or an embedder) to
        insist on a particular model, and get IndexMismatchError if the index differs.
        """
        index_dir = Path(index_dir)
        loaded = _load_generation(index_dir, verify=verify)
        manifest = loaded.manifest
        settings = settings or _settings_of(manifest)
        if embedder is None:
            _check_backend(index_dir, manifest, settings.backend)  # before loading any model
            embedder = make_embedder(resolve_model(settings.model), settings.backend)
        _check_compatible(index_dir, manifest, embedder, settings)
        return cls(index_dir, loaded, embedder, settings, verify)

    @property
    def manifest(self) -> dict[str, Any]:
        return self._loaded.manifest

    @property
    def generation(self) -> str:
        return self._loaded.generation

    def refresh(self) -> bool:
        """Switch to the newest generation if a build has completed since load. True if switched.

        Searches running meanwhile finish on the generation they started with.
        """
        with self._refresh_lock:
            manifest = store.read_manifest(self.index_dir)
            if manifest["generation"] == self._loaded.generation:
                return False
            loaded = _load_generation(self.index_dir, verify=self._verify)
            _check_compatible(self.index_dir, loaded.manifest, self.embedder, self.settings)
            self._loaded = loaded
            logger.info("switched to %s", loaded.generation)
            return True

    def documents(self) -> list[DocumentRow]:
        """The indexed documents, sorted by source."""
        return sorted(self._loaded.docs.values(), key=lambda d: d.source)

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A document's stored record, including the full text the spans refer to."""
        return self._loaded.table.document_record(doc_id)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.encode([text], batch_size=1)[0]

    def search(self, query: str, k: int = 5, *, mode: Mode = "hybrid",
               per_doc: int | None = None) -> list[Passage]:
        """The k best passages for `query`; at most `per_doc` from any one document if given."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        loaded = self._loaded
        n = loaded.faiss.ntotal
        if k <= 0 or n == 0 or not query.strip():
            return []
        fusion = self.settings.fusion
        depth = min(n, max(fusion.candidates, k * (4 if per_doc else 1)))
        qvec = self.embed_query(query) if mode != "lexical" else None
        # Only the chunks holding a query word are scored: no per-query array as long as the index.
        hits = loaded.lexical.hits(query) if mode != "dense" else None

        dense_rank: list[int] = []
        dense_scores: dict[int, float] = {}
        if qvec is not None:
            s, rows = dense.search_faiss(loaded.faiss, qvec, depth)
            dense_rank = rows.tolist()
            dense_scores = dict(zip(dense_rank, s.tolist()))
        lex_rank: list[int] = []
        lex_scores: list[float] = []
        if hits is not None:
            lex_rows, lex_vals = hits.top(depth)
            lex_rank, lex_scores = lex_rows.tolist(), lex_vals.tolist()

        if mode == "dense":
            ranked = list(zip(dense_rank, dense_scores.values()))
        elif mode == "lexical":
            ranked = list(zip(lex_rank, lex_scores))
        else:
            lex_of: dict[int, float] | None = None
            if fusion.method == "blend":
                # A blend needs both scores of every candidate; the cosines of rows that only BM25
                # found come from the stored vectors (treating them as the minimum loses recall).
                missing = [r for r in lex_rank if r not in dense_scores]
                if missing:
                    dense_scores.update(zip(missing, (loaded.vectors[missing] @ qvec).tolist()))
                candidates = list(dict.fromkeys(dense_rank + lex_rank))
                lex_of = dict(zip(candidates, hits.score_of(candidates).tolist()))
            ranked = fuse(dense_rank, lex_rank, fusion, dense_scores, lex_of)  # type: ignore[arg-type]

        picked, chunks = _cap_per_doc(ranked, loaded, per_doc, k)
        rows = [r for r, _ in picked]
        lexical = hits.score_of(rows).tolist() if hits is not None else [0.0] * len(rows)
        cosines = [dense_scores.get(r) for r in rows]
        unknown = [i for i, c in enumerate(cosines) if c is None]
        if qvec is not None and unknown:  # found by BM25 alone: its cosine from the stored vector
            for i, c in zip(unknown, (loaded.vectors[[rows[i] for i in unknown]] @ qvec).tolist()):
                cosines[i] = c
        out = []
        for (row, score), lex, cos in zip(picked, lexical, cosines):
            c = chunks[row]
            doc = loaded.docs[c.doc_id]
            out.append(Passage(
                text=c.text, score=float(score), source=doc.source, title=doc.title, start=c.start,
                end=c.end, line_start=c.line_start, line_end=c.line_end, chunk_id=c.id,
                doc_id=c.doc_id, page=c.page, page_end=c.page_end, dense_score=float(cos or 0.0),
                lexical_score=float(lex)))
        return out


def fuse(dense_rank: list[int], lex_rank: list[int], fusion: FusionSettings,
         dense_scores: dict[int, float] | None = None, lex_scores: np.ndarray | None = None
         ) -> list[tuple[int, float]]:
    """Fuse two rankings of rows into one, best first.

    "rrf": score = wd / (rrf_k + dense rank) + wl / (rrf_k + lexical rank), ranks from 1.
    "blend": min-max normalised dense cosine and BM25 over the candidates, weighted sum.
    """
    scores: dict[int, float] = {}
    if fusion.method == "rrf":
        for weight, ranking in ((fusion.dense_weight, dense_rank), (fusion.lexical_weight, lex_rank)):
            for rank, row in enumerate(ranking, start=1):
                scores[row] = scores.get(row, 0.0) + weight / (fusion.rrf_k + rank)
    elif fusion.method == "blend":
        rows = list(dict.fromkeys(dense_rank + lex_rank))
        d = np.array([(dense_scores or {}).get(r, np.nan) for r in rows], dtype=np.float64)
        l = np.array([lex_scores[r] if lex_scores is not None else 0.0 for r in rows], dtype=np.float64)
        for arr in (d, l):
            lo = np.nanmin(arr) if np.isfinite(arr).any() else 0.0
            hi = np.nanmax(arr) if np.isfinite(arr).any() else 1.0
            arr[:] = np.nan_to_num((arr - lo) / (hi - lo) if hi > lo else arr * 0 + 1, nan=0.0)
        total = fusion.dense_weight * d + fusion.lexical_weight * l
        scores = dict(zip(rows, map(float, total)))
    else:
        raise ValueError(f"unknown fusion method {fusion.method!r}; use 'rrf' or 'blend'")
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def _cap_per_doc(ranked: list[tuple[int, float]], loaded: _Loaded, per_doc: int | None,
                 k: int) -> tuple[list[tuple[int, float]], dict[int, Chunk]]:
    """The first k of `ranked`, at most `per_doc` from one document, and their chunks by row.

    Capping needs each candidate's document, so the candidates' chunks are read in one query
    and reused for the passages.
    """
    if not per_doc:
        return ranked[:k], loaded.table.chunks([r for r, _ in ranked[:k]])
    chunks = loaded.table.chunks([r for r, _ in ranked])
    counts: dict[str, int] = {}
    picked = []
    for row, score in ranked:
        doc = chunks[row].doc_id
        if counts.get(doc, 0) < per_doc:
            counts[doc] = counts.get(doc, 0) + 1
            picked.append((row, score))
            if len(picked) == k:
                break
    return picked, chunks


def _load_generation(index_dir: Path, *, verify: bool) -> _Loaded:
    manifest = store.read_manifest(index_dir)
    gen = store.verify(index_dir, manifest, full=verify)
    table = ChunkTable(gen / "chunks.sqlite")
    faiss_index = dense.load_faiss(gen / "dense.faiss", mmap=manifest["index"]["type"] != "flat")
    vectors = np.load(gen / "vectors.npy", mmap_mode="r", allow_pickle=False)
    large = manifest["index"]["type"] != "flat"  # big indexes stay on disk, paged in as used
    lexical = LexicalIndex.load(gen / "bm25", mmap=large)
    docs = {d.doc_id: d for d in table.documents()}
    if faiss_index.ntotal != manifest["index"]["chunks"] or lexical.n_chunks != faiss_index.ntotal:
        from .errors import IndexCorruptError

        raise IndexCorruptError(f"index at {index_dir} is inconsistent (vectors {faiss_index.ntotal}, "
                                f"BM25 {lexical.n_chunks}); run `qa build --full`")
    return _Loaded(manifest, manifest["generation"], table, faiss_index, vectors, lexical, docs)


def _settings_of(manifest: dict[str, Any]) -> Settings:
    """The settings an index was built with (model, backend, chunker)."""
    built = manifest["model"]
    path = Path(built["path"])
    model = built["name"] if built["name"].startswith("bundled:") or not path.is_dir() else str(path)
    c = manifest["chunker"]
    chunker = ChunkerSettings(chunk_tokens=c["chunk_tokens"], overlap_tokens=c["overlap_tokens"],
                              separators=tuple(c["separators"]))
    return Settings(model=model, backend=built.get("backend", "torch"), chunker=chunker)


def _check_backend(index_dir: Path, manifest: dict[str, Any], backend: str) -> None:
    built = manifest["model"].get("backend", "torch")
    if built != backend:
        raise IndexMismatchError(
            f"index at {index_dir} was built with the {built} embedding backend, but queries would "
            f"use {backend}; use --backend {built} or run `qa build --full --backend {backend}`")


def _check_compatible(index_dir: Path, manifest: dict[str, Any], embedder: Embedder,
                      settings: Settings) -> None:
    built = manifest["model"]
    info = embedder.info
    if built["fingerprint"] != info.fingerprint or built["dimension"] != info.dimension:
        raise IndexMismatchError(
            f"index at {index_dir} was built with model {built['name']} (fingerprint "
            f"{built['fingerprint']}, dim {built['dimension']}), but the model in use is {info.name} "
            f"(fingerprint {info.fingerprint}, dim {info.dimension}); run `qa build --full "
            f"--index {index_dir}` to rebuild it with this model")
    _check_backend(index_dir, manifest, embedder.backend)
    if manifest["chunker"] != settings.chunker.as_dict():
        c = manifest["chunker"]
        raise IndexMismatchError(
            f"index at {index_dir} was built with chunk size {c['chunk_tokens']} / overlap "
            f"{c['overlap_tokens']} tokens, but the settings ask for {settings.chunker.chunk_tokens} / "
            f"{settings.chunker.overlap_tokens}; run `qa build --full` to rebuild it")
