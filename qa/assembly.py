"""Chunk vectors as a build's documents stream in: read and embed locally (LocalRunner; a Ray
cluster is qa.distributed.RayRunner), reuse the old generation's vectors by text hash, take
those an interrupted build kept (qa.resume), and embed the rest in batches.

build_index (qa/build.py) decides what to read; this module only turns chunks into vectors.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from .answer.sentences import chunk_vectors
from .chunking import Chunk
from .config import Settings
from .documents import SourceFile
from .embedding import Embedder, ModelInfo
from .index import ChunkSentences, DocumentRecord, Generation
from .pipeline import read_files
from .progress import BuildProgress
from .resume import ResumeCache


class LocalRunner:
    """Reading in a pool of `workers` processes, embedding in this one (RayRunner: on a cluster)."""

    def __init__(self, embedder: Embedder, settings: Settings, workers: int):
        self.embedder, self.settings, self.workers = embedder, settings, workers

    def read(self, files: Sequence[SourceFile], settings: Settings, info: ModelInfo):
        return read_files(files, settings, info, self.workers)

    def embed(self, texts: Sequence[str]):
        return chunk_vectors(texts, self.embedder, self.settings.batch_size)

    def batch(self, batch: int) -> int:
        return batch

    def close(self) -> None:
        pass


class VectorAssembly:
    """Chunk vectors as documents stream in: reused from the old generation by text hash, taken
    from the resume cache, or embedded in batches (each batch saved to the cache first)."""

    def __init__(self, runner: LocalRunner, dim: int, settings: Settings, old: Generation | None,
                 progress: BuildProgress, cache: ResumeCache | None):
        self.runner, self.settings, self.old = runner, settings, old
        self.reused = self.resumed = self.embedded = 0  # chunk vectors by origin, known after finish()
        self.progress, self.cache = progress, cache
        self.dim = dim
        self.old_rows, self.old_vectors = old.reusable_vectors() if old is not None else ({}, None)
        self.by_doc: dict[str, list[Chunk]] = {}
        self.vectors: dict[str, np.ndarray] = {}           # text hash -> vector (new ones)
        self.sentences: dict[str, ChunkSentences] = {}     # text hash -> sentences (new ones)
        self.pending: dict[str, str] = {}                  # text hash -> text, waiting for a batch
        self.from_cache: set[str] = set()                  # text hashes the resume cache gave
        self.batch = runner.batch(max(settings.batch_size, 1) * 8)

    def add(self, chunks: list[Chunk]) -> None:
        if chunks:
            self.by_doc[chunks[0].doc_id] = chunks
        for c in chunks:
            h = c.text_hash
            if h not in self.old_rows and h not in self.vectors and h not in self.pending:
                self.pending[h] = c.text
        if len(self.pending) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        hashes = list(self.pending)
        texts = [self.pending.pop(h) for h in hashes]
        found = self.cache.get(hashes) if self.cache is not None else {}
        for h, (vec, _, _) in found.items():  # their sentences stay in the cache until written
            self.vectors[h] = vec
        self.from_cache.update(found)
        todo = [(h, t) for h, t in zip(hashes, texts) if h not in found]
        if todo:
            self.progress.embedding(len(todo))
            part, part_sentences = self.runner.embed([t for _, t in todo])
            entries = []
            for (h, _), vec, (spans, sent) in zip(todo, part, part_sentences):
                self.vectors[h] = vec
                entries.append((h, vec, spans, sent))
            if self.cache is not None:
                self.cache.put(entries)  # durable before the build goes on; sentences are read back from it
            else:
                self.sentences.update((h, ChunkSentences(spans, sent)) for h, _, spans, sent in entries)
        self.progress.embedded(len(hashes))

    def finish(self, records: Sequence[DocumentRecord]
               ) -> tuple[list[Chunk], np.ndarray, Sequence[ChunkSentences]]:
        """The chunks in record order, one vector each, and their sentences (those of new chunks
        read from the resume cache as the store writes them: they never all sit in memory)."""
        if self.pending:
            self._flush()
        chunks = [c for r in records for c in self.by_doc.get(r.doc_id, ())]
        out = np.zeros((len(chunks), self.dim), dtype=np.float32)
        sentences: list[ChunkSentences | str | None] = [None] * len(chunks)
        reuse: dict[int, int] = {}
        for i, c in enumerate(chunks):
            row = self.old_rows.get(c.text_hash)
            if row is not None:
                out[i] = self.old_vectors[row]
                reuse[i] = row
            else:
                out[i] = self.vectors[c.text_hash]
                sentences[i] = self.sentences.get(c.text_hash, c.text_hash)  # a hash: in the cache
        self.vectors.clear()
        resumed = sum(1 for i, c in enumerate(chunks) if i not in reuse and c.text_hash in self.from_cache)
        self.reused, self.resumed = len(reuse), resumed
        self.embedded = len(chunks) - len(reuse) - resumed
        if reuse:
            stored = self.old.sentences(sorted(set(reuse.values())))
            for i, row in reuse.items():
                sentences[i] = stored.get(row)
        empty = ChunkSentences(np.zeros((0, 2), np.int32), np.zeros((0, self.dim), np.float32))
        return chunks, out, Sentences([s if s is not None else empty for s in sentences], self.cache)


class Sentences(Sequence[ChunkSentences]):
    """Each chunk's sentences: in memory, or (an item that is a text hash) read from the resume cache
    a block at a time while the store iterates, so only one block is in memory at once."""

    BLOCK = 512

    def __init__(self, items: list[ChunkSentences | str], cache: ResumeCache | None):
        self.items, self.cache = items, cache

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        item = self.items[i]
        return self._load([item])[item] if isinstance(item, str) else item

    def __iter__(self) -> Iterator[ChunkSentences]:
        for start in range(0, len(self.items), self.BLOCK):
            block = self.items[start:start + self.BLOCK]
            loaded = self._load([x for x in block if isinstance(x, str)])
            for x in block:
                yield loaded[x] if isinstance(x, str) else x

    def _load(self, hashes: list[str]) -> dict[str, ChunkSentences]:
        if not hashes:
            return {}
        return {h: ChunkSentences(spans, vectors) for h, (_, spans, vectors) in self.cache.get(hashes).items()}
