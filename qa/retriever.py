"""Retriever.load(index).search(query, k) -> list[Passage]: dense, lexical or hybrid search.

`index` is a folder or a `postgresql://` URL; the store does the searching, this module fuses.

>>> from qa import Retriever
>>> retriever = Retriever.load("index")
>>> for p in retriever.search("what happened to Kloop Media", k=3):
...     print(p.score, p.source, p.line_start, p.text[:40])
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np

from . import checks
from .checks import MODES  # noqa: F401 - the modes a search takes, importable from here too
from .config import ChunkerSettings, FusionSettings, Settings
from .embedding import CROSS_LINGUAL_MODELS, Embedder, make_embedder, resolve_model
from .errors import IndexMismatchError
from .filters import Where, check_where
from .index import ChunkSentences, DocumentRecord, Generation, Manifest, describe_location, open_store
from .fusion import add_ranking, fuse, script_weighted, sentence_rank
from .naming import DocumentNames, named_rank
from .overlap import overlap
from .passage import Passage

logger = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "lexical"]


SUBSET_CACHE = 64
"""Filters whose chunk subsets are kept (a folder subset is an array of rows: 8 bytes a chunk)."""

QUERY_CACHE = 256
"""Query vectors kept (384 floats each: 0.4 MB in all)."""

QUERY_THREADS = 1
"""onnxruntime threads per query embedding. One: a ~20-token SciFact query took the same wall
time with two (2.9 vs 3.0 ms p50) but 50% more CPU (4.4 vs 2.9 ms); the other core is better
spent on BM25 meanwhile (qa.overlap) or on another search. Builds keep one thread per core."""

class Retriever:
    """Searches one index. Thread-safe; `refresh()` switches to a newer build."""

    def __init__(self, store, generation: Generation, embedder: Embedder, settings: Settings,
                 verify: bool):
        self.store = store
        self._gen = generation
        self.embedder = embedder
        self.settings = settings
        self._verify = verify
        self._refresh_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._document_chunks: tuple[Manifest, dict[str, int]] | None = None
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._listing: tuple[Generation, dict[str, DocumentRecord]] | None = None
        self._names: tuple[Generation, DocumentNames] | None = None
        self._subsets: OrderedDict[tuple[str, Where], tuple[int, Any]] = OrderedDict()

    @classmethod
    def load(cls, index: str | Path = "index", *, settings: Settings | None = None,
             embedder: Embedder | None = None, verify: bool = True) -> "Retriever":
        """Open an index. Fails if it is missing, corrupted, or built with another model/chunker.

        With `settings=None` the index's own model is used; pass settings (or an embedder) to
        insist on a particular model, and get IndexMismatchError if the index differs.
        """
        store = open_store(index)
        generation = store.load(verify=verify)
        manifest = generation.manifest
        settings = settings or _settings_of(manifest)
        if embedder is None:
            _check_backend(store.location, manifest, settings.backend)  # before loading any model
            embedder = make_embedder(resolve_model(settings.model), settings.backend, threads=QUERY_THREADS)
        _check_compatible(store.location, manifest, embedder, settings)
        return cls(store, generation, embedder, settings, verify)

    @property
    def index_dir(self) -> str:
        """Where the index lives: a folder or a URL (as given)."""
        return self.store.location

    @property
    def manifest(self) -> Manifest:
        return self._gen.manifest

    @property
    def generation(self) -> str:
        return self._gen.manifest.generation

    def refresh(self) -> bool:
        """Switch to the newest generation if a build has completed since load. True if switched.

        Searches running meanwhile finish on the generation they started with.
        """
        with self._refresh_lock:
            if self.store.read_manifest().generation == self.generation:
                return False
            generation = self.store.load(verify=self._verify)
            _check_compatible(self.store.location, generation.manifest, self.embedder, self.settings)
            self._gen = generation  # the old one is left to the garbage collector: searches may hold it
            logger.info("switched to %s", generation.manifest.generation)
            return True

    def documents(self) -> list[DocumentRecord]:
        """The indexed documents, sorted by source (without their text)."""
        return self._gen.documents()

    def document(self, doc_id: str) -> DocumentRecord | None:
        """A document's stored record, including the full text the spans refer to."""
        return self._gen.document(doc_id)

    def knows(self, term: str) -> bool:
        """Whether a BM25 term occurs anywhere in the index (the answer scorer asks of question words)."""
        return self._gen.knows(term)

    def term_documents(self, term: str) -> dict[str, float]:
        """doc_id -> the share of its chunks holding a BM25 term (qa.lexical.tokenize's form), for
        the indexed documents holding it. Read from the BM25 postings: no text is scanned."""
        return self._gen.term_documents(term)

    @property
    def document_count(self) -> int:
        """How many documents the index holds."""
        return len(self._gen.manifest.documents)

    def document_chunks(self) -> dict[str, int]:
        """doc_id -> how many chunks (passages) the document was cut into, from the manifest."""
        manifest = self._gen.manifest
        cached = self._document_chunks
        if cached is None or cached[0] is not manifest:
            cached = self._document_chunks = (manifest, {e["doc_id"]: int(e["n_chunks"])
                                                         for e in manifest.documents.values()})
        return cached[1]

    def embed_query(self, text: str) -> np.ndarray:
        """The query's vector (read-only). The last few are kept: answer() searches and then
        scores sentences with the same question, and people repeat questions."""
        with self._cache_lock:
            vector = self._query_vectors.get(text)
            if vector is not None:
                self._query_vectors.move_to_end(text)
                return vector
        vector = self.embedder.encode([text], batch_size=1, kind="query")[0]
        vector.setflags(write=False)
        with self._cache_lock:
            self._query_vectors[text] = vector
            while len(self._query_vectors) > QUERY_CACHE:
                self._query_vectors.popitem(last=False)
        return vector

    def matching(self, where: dict[str, Any] | Where | None) -> list[DocumentRecord]:
        """The indexed documents a `where` filter keeps (qa.filters), sorted by source; all of them
        for None. BadArgument for a bad filter; IndexMismatchError for a language filter on an
        index built before qa stored languages."""
        where = check_where(where)
        docs = self.documents()
        return docs if where is None else self._kept(docs, where)

    def _kept(self, docs: Sequence[DocumentRecord], where: Where) -> list[DocumentRecord]:
        if where.languages and any(d.language is None for d in docs):
            raise IndexMismatchError(
                f"index at {self.index_dir} was built before qa recorded each document's language; "
                f"run `qa build --full --index {self.index_dir}` to filter by language")
        return [d for d in docs if where.keeps(d)]

    def search(self, query: str, k: int = 5, *, mode: Mode = "hybrid",
               per_doc: int | None = None, where: dict[str, Any] | None = None) -> list[Passage]:
        """The k best passages for `query`; at most `per_doc` from any one document if given;
        only from the documents `where` keeps if given (qa.filters: source globs, language,
        modification dates). A filter keeping no document finds nothing: `matching(where)` tells.

        Raises qa.checks.BadArgument (a ValueError and TypeError) on a wrong argument; k above
        `settings.max_k` is clamped to it.
        """
        query, k, mode, per_doc = checks.search_args(query, k, mode, per_doc, self.settings)
        where = check_where(where)
        gen = self._gen
        n = gen.n_chunks
        within = None
        if where is not None:
            n, within = self._subset(gen, where)
        if n == 0 or not query.strip():
            return []
        fusion = self.settings.fusion
        depth = min(n, max(fusion.candidates, k * (4 if per_doc else 1)))
        # BM25 needs no query vector: in hybrid mode it runs on a spare core while the model works.
        lexical_top = gen.lexical_top if within is None else (lambda q, d: gen.lexical_top(q, d, within))
        pending = overlap(lexical_top, query, depth) if mode == "hybrid" else None
        qvec = self.embed_query(query) if mode != "lexical" else None
        if qvec is None:
            dense_rows, dense_cos = (), ()
        elif within is None:
            dense_rows, dense_cos = gen.dense_top(qvec, depth)
        else:
            dense_rows, dense_cos = gen.dense_top(qvec, depth, within)
        if pending is not None:
            lex_rows, lex_bm25 = pending()
        else:
            lex_rows, lex_bm25 = lexical_top(query, depth) if mode == "lexical" else ((), ())
        # tolist() makes the same Python ints and floats as int() / float() item by item, in C.
        dense_rank, lex_rank = np.asarray(dense_rows).tolist(), np.asarray(lex_rows).tolist()
        dense_scores = dict(zip(dense_rank, np.asarray(dense_cos).tolist()))
        lex_scores = dict(zip(lex_rank, np.asarray(lex_bm25).tolist()))

        if mode == "dense":
            ranked = list(dense_scores.items())
        elif mode == "lexical":
            ranked = list(lex_scores.items())
        else:
            if self.embedder.info.name in CROSS_LINGUAL_MODELS:
                fusion = script_weighted(fusion, query, gen, dense_rank)
            by_sentence = sentence_rank(gen, qvec, dense_rank, lex_rank) if fusion.sentence_share else None
            ranked = fuse(dense_rank, lex_rank, fusion, by_sentence)
            if fusion.named_weight:
                ranked = self._with_named(gen, query, ranked, fusion)

        chunks = gen.chunks([r for r, _ in ranked[:k] if not per_doc] or [r for r, _ in ranked])
        picked = _cap_per_doc(ranked, chunks, per_doc, k)
        rows = [r for r, _ in picked]
        if qvec is not None:
            missing = [r for r in rows if r not in dense_scores]
            dense_scores.update(zip(missing, map(float, gen.dense_scores(qvec, missing)))) if missing else None
        if mode == "hybrid":
            missing = [r for r in rows if r not in lex_scores]
            lex_scores.update(zip(missing, map(float, gen.lexical_scores(query, missing)))) if missing else None
        docs = self._documents(gen)
        return [_passage(gen, row, chunks[row], docs[chunks[row].doc_id], float(score),
                         dense_scores.get(row, 0.0), lex_scores.get(row, 0.0)) for row, score in picked]

    def passage(self, chunk_id: str) -> Passage | None:
        """The passage (chunk) with this id, score 0; None if the index has no such chunk."""
        gen = self._gen
        found = gen.find_chunk(checks.check_text(chunk_id, "chunk_id", clamp=False))
        if found is None:
            return None
        row, chunk = found
        return _passage(gen, row, chunk, self._documents(gen)[chunk.doc_id], 0.0, 0.0, 0.0)

    def sentences(self, passages: Sequence[Passage]) -> list[ChunkSentences | None]:
        """The sentences stored at build time for each passage (spans into `passage.text`, vectors).

        None for a passage of a generation that is no longer loaded (a refresh came between).
        """
        gen = self._gen
        rows = [p.row for p in passages if p.generation == gen.manifest.generation and p.row >= 0]
        found = gen.sentences(rows) if rows else {}
        return [found.get(p.row) if p.generation == gen.manifest.generation else None for p in passages]

    def _subset(self, gen: Generation, where: Where) -> tuple[int, Any]:
        """(chunks kept, the store's subset of them) for a filter; the last few are remembered."""
        key = (gen.manifest.generation, where)
        with self._cache_lock:
            found = self._subsets.get(key)
            if found is not None:
                self._subsets.move_to_end(key)
                return found
        docs = self._kept(list(self._documents(gen).values()), where)
        found = (sum(d.n_chunks for d in docs), gen.subset([d.doc_id for d in docs]))
        with self._cache_lock:
            self._subsets[key] = found
            while len(self._subsets) > SUBSET_CACHE:
                self._subsets.popitem(last=False)
        return found

    def _with_named(self, gen: Generation, query: str, ranked: list[tuple[int, float]],
                    fusion: FusionSettings) -> list[tuple[int, float]]:
        """`ranked` with one more ranking fused in: the candidates of the documents the query
        names (qa.naming), if it names any."""
        names = self._names
        if names is None or names[0] is not gen:
            names = self._names = (gen, DocumentNames(self._documents(gen).values(), self.settings.lexical))
        named = names[1].named(query, gen.term_documents)
        if not named:
            return ranked
        doc_of = {row: c.doc_id for row, c in gen.chunks([r for r, _ in ranked]).items()}
        return add_ranking(ranked, named_rank(ranked, doc_of, named), fusion.named_weight, fusion.rrf_k)

    def _documents(self, gen: Generation) -> dict[str, DocumentRecord]:
        """doc_id -> document listing of `gen`, read once per generation (it never changes)."""
        listing = self._listing
        if listing is None or listing[0] is not gen:
            listing = (gen, {d.doc_id: d for d in gen.documents()})
            self._listing = listing  # one assignment: other threads see the old or the new pair
        return listing[1]


def _passage(gen: Generation, row: int, c: Any, doc: DocumentRecord, score: float, dense_score: float,
             lexical_score: float) -> Passage:
    return Passage(text=c.text, score=score, source=doc.source, title=doc.title, start=c.start, end=c.end,
                   line_start=c.line_start, line_end=c.line_end, chunk_id=c.id, doc_id=c.doc_id, page=c.page,
                   page_end=c.page_end, dense_score=dense_score, lexical_score=lexical_score, row=row,
                   generation=gen.manifest.generation)


def _cap_per_doc(ranked: list[tuple[int, float]], chunks: dict[int, Any], per_doc: int | None,
                 k: int) -> list[tuple[int, float]]:
    if not per_doc:
        return ranked[:k]
    counts: dict[str, int] = {}
    picked = []
    for row, score in ranked:
        doc = chunks[row].doc_id
        if counts.get(doc, 0) < per_doc:
            counts[doc] = counts.get(doc, 0) + 1
            picked.append((row, score))
            if len(picked) == k:
                break
    return picked


def index_settings(index: str | Path) -> Settings:
    """The settings an index was built with (model, backend, chunker); IndexNotFoundError if none."""
    return _settings_of(open_store(index).read_manifest())


def _settings_of(manifest: Manifest) -> Settings:
    """The settings an index was built with (model, backend, chunker)."""
    built = manifest.model
    path = Path(built["path"])
    model = built["name"] if built["name"].startswith("bundled:") or not path.is_dir() else str(path)
    c = manifest.chunker
    chunker = ChunkerSettings(chunk_tokens=c["chunk_tokens"], overlap_tokens=c["overlap_tokens"],
                              separators=tuple(c["separators"]))
    return Settings(model=model, backend=built.get("backend", "torch"), chunker=chunker)


def _check_backend(index_dir: str, manifest: Manifest, backend: str) -> None:
    index_dir = describe_location(index_dir)  # a URL without its password
    built = manifest.model.get("backend", "torch")
    if built != backend:
        raise IndexMismatchError(
            f"index at {index_dir} was built with the {built} embedding backend, but queries would "
            f"use {backend}; use --backend {built} or run `qa build --full --backend {backend}`")


def _check_compatible(index_dir: str, manifest: Manifest, embedder: Embedder,
                      settings: Settings) -> None:
    index_dir = describe_location(index_dir)  # a URL without its password
    built = manifest.model
    info = embedder.info
    if built["fingerprint"] != info.fingerprint or built["dimension"] != info.dimension:
        raise IndexMismatchError(
            f"index at {index_dir} was built with model {built['name']} (fingerprint "
            f"{built['fingerprint']}, dim {built['dimension']}), but the model in use is {info.name} "
            f"(fingerprint {info.fingerprint}, dim {info.dimension}); run `qa build --full "
            f"--index {index_dir}` to rebuild it with this model")
    _check_backend(index_dir, manifest, embedder.backend)
    if manifest.chunker != settings.chunker.as_dict():
        c = manifest.chunker
        raise IndexMismatchError(
            f"index at {index_dir} was built with chunk size {c['chunk_tokens']} / overlap "
            f"{c['overlap_tokens']} tokens, but the settings ask for {settings.chunker.chunk_tokens} / "
            f"{settings.chunker.overlap_tokens}; run `qa build --full` to rebuild it")
