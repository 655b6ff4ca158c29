"""A deterministic stand-in for the embedding model, for builds where the model is not what is measured.

Each text's vector is drawn from a generator seeded by the text's sha256, so the same text always
gets the same unit vector, in any batch and any process. `delay` seconds per text make a build slow
enough to interrupt; `texts` keeps the texts asked for as kind "passage" (chunks and sentences), for
tests that count them; `keep_texts=False` keeps none (a benchmark of a build's memory must not
hold every text in the embedder).
Its fingerprint is its own, so an index it builds is never taken for one of the real model.

>>> embedder = HashEmbedder(delay=0.01)
>>> build_index("seeds", "index", embedder=embedder)
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from typing import Sequence

import numpy as np

from qa.embedding import resolve_model


class HashEmbedder:
    def __init__(self, delay: float = 0.0, keep_texts: bool = True):
        real = resolve_model()  # its token counter and window: chunks are cut as with the model
        self.info = replace(real, name="hash-embedder", fingerprint="hash-embedder-v1")
        self.delay, self.keep_texts = delay, keep_texts
        self.texts: list[str] = []

    @property
    def backend(self) -> str:
        return "hash"

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False,
               kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(f"{kind}\0{text}".encode("utf-8")).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.info.dimension).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
            if self.delay:
                time.sleep(self.delay)
        if kind == "passage" and self.keep_texts:
            self.texts.extend(texts)
        return out
