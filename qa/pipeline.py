"""Reading and chunking files in a pool of processes, streamed in order with bounded memory.

`read_and_chunk()` is the whole per-file work (read, any OCR inside the format readers, chunk);
`read_files()` runs it in `workers` processes and yields the results in the order of the files,
with at most a few files per worker in flight, so memory is bounded by that window and not by
the corpus. With one worker it runs in this process.

>>> for file, doc in read_files(files, settings, info, workers=2):
...     doc.record, doc.chunks, doc.problem
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
from typing import Iterator, Sequence

from .chunking import Chunk, chunk_document
from .config import Settings
from .documents import Document, Problem, SourceFile, read_document
from .embedding import ModelInfo, token_counter
from .index import DocumentRecord
from .language import detect as detect_language

logger = logging.getLogger(__name__)

IN_FLIGHT_PER_WORKER = 8
"""Files submitted ahead per worker: keeps every worker busy while the build embeds."""
MIN_FILES_FOR_POOL = 16
"""Fewer files than this are read in this process: starting workers would cost more."""


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
    # spawn: the build may run in a thread of a server, with model threads a fork would copy.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init)
    window: deque[tuple[SourceFile, Future]] = deque()
    limit = workers * IN_FLIGHT_PER_WORKER
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
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_init() -> None:
    """A worker leaves Ctrl-C to the build, and dies with it (Linux: even when it is SIGKILLed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
