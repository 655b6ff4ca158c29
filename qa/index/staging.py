"""A generation written row by row as a build produces it: `GenerationWriter`.

A build of a large archive cannot hold its documents' texts, its chunks or their vectors all at
once. The writer takes each document as it is read, and each chunk in row order with its vector
and sentences, and puts them straight into a folder in the folder index's own files: the chunk
table (documents, chunks, sentence spans), vectors.npy, sentences.npy, and BM25 postings on disk
(qa.lexical_writer). What it keeps in memory grows by a few bytes a chunk (a token count, a
sentence offset) and one listing a document.

A folder store writes the generation's own temporary folder this way and then adds FAISS and
the BM25 matrix (FolderStore.commit_generation); PostgreSQL copies from a staged folder.

>>> writer = store.new_generation(384, settings.lexical.as_dict())
>>> writer.add_document(record); writer.add_chunk(chunk, lexical_text, vector, sentences)
>>> store.commit_generation(writer, manifest)
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..chunking import Chunk
from ..config import LexicalSettings
from ..lexical_writer import LexicalWriter
from ..rows import NpyWriter
from ..table import TableWriter
from . import format as fmt
from .base import ChunkSentences
from .format import DocumentRecord, Manifest

SCRATCH = ".scratch"
"""A folder of the generation's own temporary files (removed before it goes live)."""


class GenerationWriter:
    """Documents and chunks (in row order) written into `folder` as they come."""

    def __init__(self, folder: Path, dimension: int, lexical: LexicalSettings):
        self.folder, self.dimension = folder, int(dimension)
        self.documents: list[DocumentRecord] = []  # listings (no text), in the order written
        self._table = TableWriter(folder / fmt.TABLE)
        self._vectors = NpyWriter(folder / fmt.VECTORS, np.float32, (None, self.dimension))
        self._sentences = NpyWriter(folder / fmt.SENTENCE_VECTORS, np.float32, (None, self.dimension))
        self.lexical = LexicalWriter(folder / fmt.BM25, lexical, scratch=folder / SCRATCH)
        self._first = np.zeros(1024, np.int64)  # each chunk row's first sentence row
        self._dirty = False

    @property
    def n_chunks(self) -> int:
        return self._table.chunks

    def add_document(self, record: DocumentRecord) -> None:
        """A document with its text (its chunks follow with add_chunk)."""
        self._table.add_document(record)
        self.documents.append(record.listing())

    def add_chunk(self, chunk: Chunk, lexical_text: str, vector: np.ndarray, sentences: ChunkSentences) -> int:
        """The next chunk row: the chunk, what BM25 indexes for it, its vector and its sentences."""
        row = self.n_chunks
        if row == len(self._first):
            self._first = np.concatenate([self._first, np.zeros(len(self._first), np.int64)])
        self._first[row] = self._table.sentences
        self._table.add_chunk(chunk, sentences.spans)
        self._vectors.write(vector)
        self._sentences.write(np.asarray(sentences.vectors, np.float32).reshape(-1, self.dimension))
        self.lexical.add(lexical_text)
        self._dirty = True
        return row

    def stored(self, row: int) -> tuple[np.ndarray, ChunkSentences]:
        """The vector and sentences of a row written before (a chunk text met again)."""
        if self._dirty:
            self._vectors.flush()
            self._sentences.flush()
            self._dirty = False
        first = int(self._first[row])
        end = int(self._first[row + 1]) if row + 1 < self.n_chunks else self._table.sentences
        spans = np.array(self._table.spans_of(first, end), dtype=np.int32).reshape(-1, 2)
        return (self._vectors.read_at(row)[0],
                ChunkSentences(spans, self._sentences.read_at(first, end - first)))

    def first_sentences(self) -> np.ndarray:
        """Each chunk row's first sentence row."""
        return self._first[:self.n_chunks]

    def finish_rows(self) -> None:
        """Close the table and the vector files: complete but for FAISS and the BM25 matrix."""
        self._table.close()
        self._vectors.close()
        self._sentences.close()

    def abandon(self) -> None:
        """Close every file (the store removes the folder)."""
        self._table.abandon()
        self._vectors.abandon()
        self._sentences.abandon()
        self.lexical.close()


def new_writer(folder: Path, dimension: int, lexical: dict) -> GenerationWriter:
    """A writer into `folder` (a new, empty folder), which is removed if the writer cannot start."""
    try:
        return GenerationWriter(folder, dimension, LexicalSettings(**lexical))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def write_whole(store: Any, manifest: Manifest, documents: Sequence[DocumentRecord], chunks: Sequence[Chunk],
                vectors: np.ndarray, lexical_texts: Sequence[str], sentences: Sequence[ChunkSentences],
                progress: Callable[[str], None] | None = None) -> Manifest:
    """Store.write_generation: a whole generation given at once, written row by row and committed."""
    if not (len(chunks) == len(vectors) == len(lexical_texts) == len(sentences)):
        raise ValueError("chunks, vectors, lexical texts and sentences must be parallel")
    dim = vectors.shape[1] if vectors.ndim == 2 and len(vectors) else manifest.dimension
    writer = store.new_generation(dim, manifest.lexical)
    try:
        for d in documents:
            writer.add_document(d)
        for c, v, t, s in zip(chunks, vectors, lexical_texts, sentences):
            writer.add_chunk(c, t, v, s)
    except BaseException:
        store.discard(writer)
        raise
    return store.commit_generation(writer, manifest, progress)
