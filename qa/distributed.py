"""Reading, OCR and embedding as tasks on a Ray cluster (`qa build --ray ADDRESS`).

The driver (the `qa build` process) scans and plans, sends groups of files to be read and
chunked as Ray tasks, sends the new chunk texts to be embedded as Ray tasks, and writes the one
index (folder or PostgreSQL) itself, with the same resume cache as a local build. Every machine
of the cluster needs qa installed (`pip install 'qa[ray]'`) and the documents folder at the
same path (a shared or synced folder); files are read where the task runs.

>>> runner = RayRunner.connect("10.0.0.5:6379", settings)
>>> for file, result in runner.read(files, settings, info): ...
>>> vectors, sentences = runner.embed(texts)
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, Iterator, Sequence

import numpy as np

from .config import Settings
from .documents import SourceFile
from .embedding import ModelInfo
from .errors import QAError
from .pipeline import ReadResult, embed_texts, model_recipe, read_and_chunk

logger = logging.getLogger(__name__)

FILES_PER_TASK = 16
"""Files read by one task at most: enough to outweigh a task's overhead on small text files."""
TASKS_PER_CPU = 16
"""Groups are made smaller (down to one file) until there are this many per CPU: a folder of a
few dozen scanned PDFs (seconds of OCR each) then spreads over every CPU instead of four tasks."""
IN_FLIGHT_PER_CPU = 4
"""Reading tasks submitted ahead per CPU: they keep the cluster busy while the driver waits on
embedding."""


class RayError(QAError, RuntimeError):
    """Ray is not installed, or the cluster cannot be reached."""


def _ray():
    try:
        import ray
    except ImportError:
        raise RayError("qa build --ray needs Ray: pip install 'qa[ray]'") from None
    return ray


class RayRunner:
    """A connection to a Ray cluster that reads and embeds for one build."""

    def __init__(self, ray: Any, settings: Settings, embedder: Any | None):
        self.ray = ray
        self.cpus = max(int(ray.cluster_resources().get("CPU", 1)), 1)
        self._read = ray.remote(_read_group)
        self._embed = ray.remote(_embed_texts)
        # An embedder object given to build_index goes to the workers as it is; otherwise each
        # worker makes the model of `settings` once, with one thread (it must be installed there).
        self._recipe = ray.put((model_recipe(settings), embedder))

    @classmethod
    def connect(cls, address: str, settings: Settings, embedder: Any | None = None) -> "RayRunner":
        ray = _ray()
        try:
            ray.init(address=address, log_to_driver=False, configure_logging=False, ignore_reinit_error=True)
        except Exception as exc:  # ConnectionError, or Ray's own on a bad address
            raise RayError(f"cannot reach the Ray cluster at {address}: {str(exc).splitlines()[0] if str(exc) else exc}"
                           ) from None
        runner = cls(ray, settings, embedder)
        logger.info("Ray cluster at %s: %d CPUs", address, runner.cpus)
        return runner

    def read(self, files: Sequence[SourceFile], settings: Settings, info: ModelInfo
             ) -> Iterator[tuple[SourceFile, ReadResult]]:
        """(file, result) in order; at most IN_FLIGHT_PER_CPU groups per cluster CPU in flight."""
        size = group_size(len(files), self.cpus)
        groups = [list(files[i:i + size]) for i in range(0, len(files), size)]
        window: deque = deque()
        pending = iter(groups)
        for group in pending:
            window.append((group, self._read.remote(group, settings, info)))
            if len(window) >= IN_FLIGHT_PER_CPU * self.cpus:
                break
        while window:
            group, ref = window.popleft()
            results = self.ray.get(ref)
            nxt = next(pending, None)
            if nxt is not None:
                window.append((nxt, self._read.remote(nxt, settings, info)))
            yield from zip(group, results)

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Chunk vectors and sentences of `texts`, split across the cluster's CPUs."""
        size = max(-(-len(texts) // self.cpus), 1)
        refs = [self._embed.remote(list(texts[i:i + size]), self._recipe) for i in range(0, len(texts), size)]
        vectors, sentences = [], []
        for part, part_sentences in self.ray.get(refs):
            vectors.append(part)
            sentences.extend(part_sentences)
        return np.concatenate(vectors), sentences

    def batch(self, batch: int) -> int:
        """How many new chunks to gather before embedding: a batch for each CPU."""
        return batch * self.cpus

    def close(self) -> None:
        self.ray.shutdown()


def group_size(files: int, cpus: int) -> int:
    """Files a reading task takes: FILES_PER_TASK, fewer when that leaves CPUs without enough tasks.

    >>> group_size(10_000, 2), group_size(60, 2), group_size(5, 4)
    (16, 1, 1)
    """
    return max(1, min(FILES_PER_TASK, files // (TASKS_PER_CPU * max(cpus, 1))))


def _read_group(files: list[SourceFile], settings: Settings, info: ModelInfo) -> list[ReadResult]:
    return [read_and_chunk(f, settings, info) for f in files]


def _embed_texts(texts: list[str], recipe: tuple[tuple[str, str, str, int], Any]):
    model, embedder = recipe
    return embed_texts(texts, model, embedder)
