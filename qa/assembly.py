"""Chunk vectors as a build's documents stream in: read and embed by a runner (this machine:
qa.pipeline.PoolRunner; a Ray cluster: qa.distributed.RayRunner), reuse the old generation's vectors by text hash, take
those an interrupted build kept (qa.resume), and embed the rest in batches; each chunk goes to
the new generation's writer as soon as its vector is known.

build_index (qa/build.py) decides what to read; this module only turns chunks into vectors, and
gives back the unchanged documents of the old generation (KeptDocuments).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .chunking import Chunk
from .config import Settings
from .errors import IndexCorruptError
from .index import ChunkSentences, DocumentRecord, Generation
from .index.staging import GenerationWriter
from .language import detect as detect_language
from .pipeline import PoolRunner
from .progress import BuildProgress
from .resume import ResumeCache


class VectorAssembly:
    """Chunks in row order, each written with its vector and sentences as soon as they are known:
    reused from the old generation by text hash, taken from the resume cache, or embedded in
    batches (each batch saved to the cache first). What waits in memory is one batch of chunks,
    never the corpus: the rows go to `writer` (qa.index.staging.GenerationWriter)."""

    WAITING = 4096
    """Chunks waiting for an earlier chunk's vector at most; more flush a smaller batch."""

    # `runner`: a PoolRunner, or qa.distributed.RayRunner with the same read, embed, batch, close.
    def __init__(self, runner: PoolRunner, settings: Settings, old: Generation | None,
                 progress: BuildProgress, cache: ResumeCache | None, writer: GenerationWriter):
        self.runner, self.settings, self.old = runner, settings, old
        self.reused = self.resumed = self.embedded = 0  # chunk rows by where their vector came from
        self.progress, self.cache, self.writer = progress, cache, writer
        self.old_rows, self.old_vectors = old.reusable_vectors() if old is not None else ({}, None)
        self.written: dict[str, int] = {}                  # text hash -> the row that has it (new texts)
        self.waiting: list[tuple[Chunk, str]] = []         # chunks not written yet (and what BM25
        #                                                    indexes for them), in row order
        self.pending: dict[str, str] = {}                  # text hash -> text, waiting for a batch
        self.fresh: dict[str, tuple[np.ndarray, ChunkSentences]] = {}  # embedded or cached, not written
        self.from_cache: set[str] = set()                  # text hashes the resume cache gave
        self.batch = runner.batch(max(settings.batch_size, 1) * 8)

    def add(self, chunks: list[Chunk], lexical_texts: list[str]) -> None:
        """A document's chunks, the next rows, and what BM25 indexes for each (qa.lexical.with_title)."""
        for c in chunks:
            h = c.text_hash
            if h not in self.old_rows and h not in self.written and h not in self.pending and h not in self.fresh:
                self.pending[h] = c.text
        self.waiting.extend(zip(chunks, lexical_texts))
        if len(self.pending) >= self.batch or len(self.waiting) >= self.WAITING:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self._embed()
        self._write()

    def _embed(self) -> None:
        hashes = list(self.pending)
        texts = [self.pending.pop(h) for h in hashes]
        found = self.cache.get(hashes) if self.cache is not None else {}
        for h, (vec, spans, sent) in found.items():
            self.fresh[h] = (vec, ChunkSentences(spans, sent))
        self.from_cache.update(found)
        todo = [(h, t) for h, t in zip(hashes, texts) if h not in found]
        if todo:
            self.progress.embedding(len(todo))
            part, part_sentences = self.runner.embed([t for _, t in todo])
            entries = [(h, vec, spans, sent) for (h, _), vec, (spans, sent) in zip(todo, part, part_sentences)]
            if self.cache is not None:
                self.cache.put(entries)  # durable before the build goes on
            for h, vec, spans, sent in entries:
                self.fresh[h] = (vec, ChunkSentences(spans, sent))
        self.progress.embedded(len(hashes))

    def _write(self) -> None:
        """Write every waiting chunk (all their vectors are known now), in order."""
        reuse = sorted({self.old_rows[c.text_hash] for c, _ in self.waiting if c.text_hash in self.old_rows})
        stored = self.old.sentences(reuse) if reuse else {}
        old_vectors = dict(zip(reuse, self.old_vectors[np.asarray(reuse, dtype=np.int64)])) if reuse else {}
        for c, lexical_text in self.waiting:
            h = c.text_hash
            row = self.old_rows.get(h)
            if row is not None:
                vec, sentences = old_vectors[row], stored.get(row, self._empty())
                self.reused += 1
            else:
                if h in self.fresh:
                    vec, sentences = self.fresh[h]
                else:  # a text met again after its row was written
                    vec, sentences = self.writer.stored(self.written[h])
                if h in self.from_cache:
                    self.resumed += 1
                else:
                    self.embedded += 1
            new_row = self.writer.add_chunk(c, lexical_text, vec, sentences)
            if row is None and h not in self.written:
                self.written[h] = new_row
        self.waiting.clear()
        self.fresh.clear()

    def _empty(self) -> ChunkSentences:
        dim = self.writer.dimension
        return ChunkSentences(np.zeros((0, 2), np.int32), np.zeros((0, dim), np.float32))

    def finish(self) -> None:
        """Write what still waits."""
        self._flush()


class KeptDocuments:
    """The unchanged documents' full records and chunks, in order, read from the old generation
    a block of documents at a time."""

    BLOCK = 256

    def __init__(self, old: Generation | None, doc_ids: list[str]):
        self.old, self.doc_ids, self.at = old, doc_ids, 0
        self.block: dict[str, list[Chunk]] = {}

    def next(self) -> tuple[DocumentRecord, list[Chunk]]:
        doc_id = self.doc_ids[self.at]
        self.at += 1
        if doc_id not in self.block:
            self.block = self.old.chunks_of(self.doc_ids[self.at - 1:self.at - 1 + self.BLOCK])
        return stored_record(self.old, doc_id), self.block.pop(doc_id)


def stored_record(old: Generation, doc_id: str) -> DocumentRecord:
    """An unchanged document's full stored record (text and offset maps) for the new generation."""
    full = old.document(doc_id)
    if full is None:
        raise IndexCorruptError(f"the index lists document {doc_id} but does not hold it; run `qa build --full`")
    if full.language is None and full.text:  # stored before format version 3
        full = replace(full, language=detect_language(full.text))
    return full
