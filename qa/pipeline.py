"""Reading, chunking and embedding in a pool of processes, streamed in order with bounded memory.

`read_and_chunk()` is the whole per-file work (read, any OCR inside the format readers, chunk);
`read_files()` runs it in `workers` processes and yields the results in the order of the files,
with at most a few files per worker in flight, so memory is bounded by that window and not by
the corpus. With one worker it runs in this process.

`PoolRunner` is a build's runner for `--workers N` (N > 1): one pool of N processes both reads
files and embeds the new chunks, each worker with a one-thread model of its own, so every
core does OCR or embedding all the time and no more threads run than there are cores (before,
the build process embedded with the model's threads, one per core, while the workers read).

>>> for file, doc in read_files(files, settings, info, workers=2):
...     doc.record, doc.chunks, doc.problem
>>> runner = PoolRunner(embedder, settings, workers=2, embed_in_pool=True)
>>> vectors, sentences = runner.embed(texts)
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator, Sequence

import numpy as np

from .chunking import Chunk, chunk_document
from .config import Settings
from .documents import Document, Problem, SourceFile, read_document
from .embedding import Embedder, ModelInfo, token_counter
from .index import DocumentRecord
from .language import detect as detect_language

logger = logging.getLogger(__name__)

IN_FLIGHT_PER_WORKER = 8
"""Files submitted ahead per worker: keeps every worker busy while the build embeds."""
MIN_FILES_FOR_POOL = 16
"""Fewer files than this are read in this process: starting workers would cost more."""
EMBED_PARTS_PER_WORKER = 4
"""A batch of chunks is embedded in this many parts per worker, so no worker idles at its end."""
MIN_TEXTS_FOR_POOL = 32
"""Fewer chunks than this are embedded in this process (a worker's model would cost more)."""


@dataclass(frozen=True)
class ReadResult:
    """One file read and chunked: its record and chunks, or None and the problem that skipped it."""

    record: DocumentRecord | None
    chunks: list[Chunk]
    problem: Problem | None
    ocr_pages: int = 0        # PDF pages read by OCR, and the time they took
    ocr_seconds: float = 0.0


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return max(os.cpu_count() or 1, 1)


def read_and_chunk(file: SourceFile, settings: Settings, info: ModelInfo) -> ReadResult:
    """Read one file and cut it into chunks; a file that cannot be read gives its Problem."""
    doc, problem = read_document(file, settings)
    if doc is None:
        return ReadResult(None, [], problem)
    chunks = chunk_document(doc, token_counter(info), settings.chunker, info.max_seq_length)
    return ReadResult(make_record(doc, len(chunks)), chunks, problem, doc.ocr_pages, doc.ocr_seconds)


def make_record(doc: Document, n_chunks: int) -> DocumentRecord:
    return DocumentRecord(
        doc_id=doc.id, source=doc.source, title=doc.title, hash=doc.hash, size=doc.size, mtime=doc.mtime,
        format=doc.format, n_chunks=n_chunks, indexed_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        text=doc.text, page_starts=tuple(doc.page_starts) if doc.page_starts else None,
        line_anchors=tuple(tuple(a) for a in doc.line_anchors) if doc.line_anchors else None,
        language=detect_language(doc.text))


def read_files(files: Sequence[SourceFile], settings: Settings, info: ModelInfo, workers: int = 1
               ) -> Iterator[tuple[SourceFile, ReadResult]]:
    """(file, result) for every file, in order; read in `workers` processes when more than one."""
    if workers <= 1 or len(files) < MIN_FILES_FOR_POOL:
        for f in files:
            yield f, read_and_chunk(f, settings, info)
        return
    pool = start_pool(workers)
    try:
        yield from _in_order(pool, files, settings, info, workers * IN_FLIGHT_PER_WORKER)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def start_pool(workers: int) -> ProcessPoolExecutor:
    # spawn: the build may run in a thread of a server, with model threads a fork would copy.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init)


def _in_order(pool: ProcessPoolExecutor, files: Sequence[SourceFile], settings: Settings, info: ModelInfo,
              limit: int) -> Iterator[tuple[SourceFile, ReadResult]]:
    """Results in file order, with at most `limit` files submitted and not yet taken."""
    window: deque[tuple[SourceFile, Future]] = deque()
    try:
        for f in files:
            window.append((f, pool.submit(read_and_chunk, f, settings, info)))
            if len(window) >= limit:
                done, future = window.popleft()
                yield done, future.result()
        while window:
            done, future = window.popleft()
            yield done, future.result()
    finally:
        for _, future in window:  # stopped early (an error, Ctrl-C): drop what has not started
            future.cancel()


class PoolRunner:
    """A build's reading, OCR, chunking and embedding in one pool of `workers` processes.

    With `embed_in_pool` (the model is the one `settings` names, so each worker can make its
    own, with one thread) chunks are embedded by the workers in parts; otherwise (an embedder
    object was given to the build) in this process. The pool starts at the first file or batch
    big enough to need it, so a small update starts no process.
    """

    def __init__(self, embedder: Embedder, settings: Settings, workers: int, *, embed_in_pool: bool):
        self.embedder, self.settings, self.workers = embedder, settings, max(workers, 1)
        self.embed_in_pool = embed_in_pool
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = start_pool(self.workers)
        return self._pool

    def read(self, files: Sequence[SourceFile], settings: Settings, info: ModelInfo
             ) -> Iterator[tuple[SourceFile, ReadResult]]:
        if self.workers <= 1 or len(files) < MIN_FILES_FOR_POOL:
            return read_files(files, settings, info, workers=1)
        return _in_order(self._started(), files, settings, info, self.workers * IN_FLIGHT_PER_WORKER)

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Chunk vectors and sentences of `texts`, in order (qa.answer.sentences.chunk_vectors)."""
        if not self.embed_in_pool or self.workers <= 1 or len(texts) < MIN_TEXTS_FOR_POOL:
            from .answer.sentences import chunk_vectors

            return chunk_vectors(texts, self.embedder, self.settings.batch_size)
        size = -(-len(texts) // (self.workers * EMBED_PARTS_PER_WORKER))
        pool, recipe = self._started(), model_recipe(self.settings)
        futures = [pool.submit(embed_texts, list(texts[i:i + size]), recipe) for i in range(0, len(texts), size)]
        vectors, sentences = [], []
        for future in futures:
            part, part_sentences = future.result()
            vectors.append(part)
            sentences.extend(part_sentences)
        return np.concatenate(vectors), sentences

    def batch(self, batch: int) -> int:
        return batch

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def model_recipe(settings: Settings) -> tuple[str, str, str, int]:
    """What a worker needs to make the build's model itself: (model, backend, device, batch size)."""
    return settings.model, settings.backend, settings.device, settings.batch_size


def embed_texts(texts: list[str], recipe: tuple[str, str, str, int], embedder: Any | None = None):
    """In a worker: `texts`' chunk vectors and sentences, with the worker's model (or `embedder`)."""
    from .answer.sentences import chunk_vectors

    model, backend, device, batch_size = recipe
    if embedder is None:
        embedder = worker_embedder(model, backend, device)
    return chunk_vectors(texts, embedder, batch_size)


@lru_cache(maxsize=2)
def worker_embedder(model: str, backend: str, device: str) -> Embedder:
    """This worker's model, made once, with one thread: the workers are the parallelism, and more
    threads than cores only wait on each other."""
    from .device import resolve_device
    from .embedding import make_embedder, resolve_model

    return make_embedder(resolve_model(model), backend, threads=1, device=resolve_device(device, backend))


def _worker_init() -> None:
    """A worker leaves Ctrl-C to the build, and dies with it (Linux: even when it is SIGKILLed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
