"""The small interface every index store implements: a folder (FolderStore) or PostgreSQL.

A store holds generations of one index. A build writes a whole new generation and makes it
live in one atomic step; readers load the live generation and keep using it until they
`refresh()`. Searching is the generation's job, so a database store can search in SQL.

    store = open_store("index")                      # or "postgresql://user@host/db?index=notes"
    with store.lock(wait=0):
        manifest = store.write_generation(manifest, documents, chunks, vectors, lexical_texts, sentences)
        # or, as a build streams: writer = store.new_generation(dim, lexical); writer.add_document(...);
        # writer.add_chunk(...); store.commit_generation(writer, manifest)
    gen = store.load()
    rows, cosines = gen.dense_top(query_vector, 100)
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from ..chunking import Chunk
from .format import DocumentRecord, Manifest


@dataclass(frozen=True)
class ChunkSentences:
    """The sentences of one chunk: spans into the chunk's text and one unit vector each."""

    spans: np.ndarray    # int32 [n, 2], (start, end) into chunk.text
    vectors: np.ndarray  # float32 [n, dim], L2-normalised


class Generation(Protocol):
    """One loaded, immutable generation of an index. Thread-safe for reading."""

    manifest: Manifest

    @property
    def n_chunks(self) -> int: ...

    def subset(self, doc_ids: Sequence[str]) -> Any:
        """Some documents' chunks, in the form this store's `within` takes (rows, or the ids)."""

    def dense_top(self, query: np.ndarray, depth: int, within: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosines) of the `depth` nearest chunks, best first; only those of `within`
        (a `subset()`) if given, searched exactly."""

    def dense_scores(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """Cosine of `query` with the given chunk rows."""

    def lexical_top(self, query: str, depth: int, within: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, BM25 scores) of the `depth` best chunks with a score > 0, best first; only those
        of `within` (a `subset()`) if given."""

    def lexical_scores(self, query: str, rows: Sequence[int]) -> np.ndarray:
        """BM25 of `query` for the given chunk rows (0 where no query term occurs)."""

    def knows(self, term: str) -> bool:
        """Whether a BM25 term (as qa.lexical.tokenize makes them) occurs anywhere in the index."""

    def term_documents(self, term: str) -> dict[str, float]:
        """doc_id -> the share of that document's chunks holding a BM25 term, for the documents
        holding it (its document frequency is the dict's size): how specific a word is in this
        index, and whether it runs through a whole document (qa/answer/support.py)."""

    def chunks(self, rows: Sequence[int]) -> dict[int, Chunk]:
        """Chunks by row."""

    def find_chunk(self, chunk_id: str) -> tuple[int, Chunk] | None:
        """(row, chunk) of a chunk id, or None if this generation has no such chunk."""

    def chunks_of(self, doc_ids: Sequence[str]) -> dict[str, list[Chunk]]:
        """All chunks of some documents, in document order (incremental builds reuse them)."""

    def reusable_vectors(self) -> tuple[dict[str, int], np.ndarray]:
        """(chunk text hash -> row, vectors indexable by row: an array, or qa.rows.NpyRows read with
        pread) for incremental builds."""

    def sentences(self, rows: Sequence[int]) -> dict[int, ChunkSentences]:
        """The stored sentences of some chunk rows."""

    def best_sentences(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """For each of `rows`, the cosine of `query` with the chunk's nearest stored sentence
        (-inf for a chunk without sentences)."""

    def documents(self) -> list[DocumentRecord]:
        """Every indexed document without its text, sorted by source."""

    def document(self, doc_id: str) -> DocumentRecord | None:
        """One document with its full text and offset maps."""

    def close(self) -> None: ...


class Store(Protocol):
    """Where an index lives. `location` is what the user passed (a folder or a URL)."""

    location: str

    def read_manifest(self) -> Manifest:
        """The live manifest; IndexNotFoundError / IndexCorruptError with the fix in the message."""

    def lock(self, wait: float = 0.0) -> AbstractContextManager[None]:
        """Hold the build lock (BuildLockedError after `wait` seconds); released if the holder dies."""

    def load(self, *, verify: bool = True) -> Generation:
        """Open the live generation (checking integrity if `verify`)."""

    def write_generation(self, manifest: Manifest, documents: Sequence[DocumentRecord],
                         chunks: Sequence[Chunk], vectors: np.ndarray, lexical_texts: Sequence[str],
                         sentences: Sequence[ChunkSentences],
                         progress: Callable[[str], None] | None = None) -> Manifest:
        """Write a complete new generation and make it live atomically; call under `lock()`.

        `manifest.generation` is ignored (the store names it); returns the live manifest.
        `documents` carry their text; `lexical_texts[i]` is what BM25 indexes for chunk i;
        `sentences[i]` belongs to chunk i. `progress("switching to the new index")` is called
        right before the new generation is made live.
        """

    def new_generation(self, dimension: int, lexical: dict[str, Any]) -> Any:
        """A GenerationWriter (qa/index/staging.py) for a new generation, filled document by
        document and chunk by chunk; then `commit_generation` or `discard` it. Call under `lock()`."""

    def commit_generation(self, writer: Any, manifest: Manifest,
                          progress: Callable[[str], None] | None = None) -> Manifest:
        """Make a filled writer's generation live, as `write_generation` does (which is this,
        with everything given at once). The writer is used up, live or not."""

    def discard(self, writer: Any) -> None:
        """Drop a writer's generation (a build that failed); the live one is untouched."""

    def clean_up(self) -> None:
        """Remove leftovers of interrupted builds and old generations; call under `lock()`."""
