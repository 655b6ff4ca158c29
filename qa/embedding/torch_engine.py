"""The reference engine: sentence-transformers on torch, CPU, normalized vectors.

Torch and sentence-transformers are imported only when text is actually embedded.

>>> SentenceTransformerEmbedder(replace(info, backend="torch")).encode(["hello world"]).shape
(1, 384)
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Sequence

import numpy as np

from .base import EngineEmbedder
from .model import Kind, ModelInfo

logger = logging.getLogger(__name__)


class SentenceTransformerEmbedder(EngineEmbedder):
    """sentence-transformers itself (backend "torch").

    Texts are encoded one at a time: in a padded batch a text's vector differs from its
    unbatched one in the last bits, and a chunk's vector must not depend on its neighbours.
    `device` ("cpu" or "cuda", qa.device.resolve_device) is where torch runs.
    """

    def __init__(self, info: ModelInfo, device: str = "cpu") -> None:
        super().__init__(info)
        self.device = device

    @cached_property
    def model(self):
        import os

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        logger.info("loading %s from %s", self.info.name, self.info.path)
        # transformers draws a "Loading weights" bar on every load; it is noise for us.
        was_enabled = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            model = SentenceTransformer(str(self.info.path), device=self.device)
        finally:
            if was_enabled:
                hf_logging.enable_progress_bar()
        model.max_seq_length = self.info.max_seq_length
        return model

    def _encode_one(self, text: str, kind: Kind) -> np.ndarray:
        """`kind` is moot for these models: they embed queries and passages alike."""
        return self.model.encode([text], batch_size=1, normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)[0]

    def encode_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                     batch_size: int = 32) -> list[np.ndarray]:
        """Unit vectors of character spans of each text from one forward pass per text (the mean
        of the token vectors inside each span), as OnnxEmbedder.encode_spans; zero rows for spans
        outside the model's window. Added for the answer scorer's sentence vectors."""
        import torch

        tokenizer = self.model.tokenizer
        encoder = self.model[0].auto_model
        out = [np.zeros((len(s), self.info.dimension), dtype=np.float32) for s in spans]
        for start in range(0, len(texts), batch_size):
            batch = [str(t) for t in texts[start:start + batch_size]]
            enc = tokenizer(batch, padding=True, truncation=True, max_length=self.info.max_seq_length,
                            return_offsets_mapping=True, return_special_tokens_mask=True, return_tensors="pt")
            offsets = enc.pop("offset_mapping").numpy()
            special = enc.pop("special_tokens_mask").numpy().astype(bool) | (enc["attention_mask"].numpy() == 0)
            with torch.no_grad():
                hidden = encoder(**enc.to(encoder.device)).last_hidden_state.cpu().numpy()
            for row in range(len(batch)):
                for j, (a, b) in enumerate(spans[start + row]):
                    inside = (offsets[row, :, 0] >= a) & (offsets[row, :, 1] <= b) & ~special[row]
                    if inside.any():
                        v = hidden[row][inside].mean(axis=0)
                        out[start + row][j] = v / max(float(np.linalg.norm(v)), 1e-12)
        return out


def make(info: ModelInfo, *, cache_dir=None, threads: int | None = None,
         device: str = "cpu") -> SentenceTransformerEmbedder:
    """The families table's entry point (cache_dir and threads do not apply to torch)."""
    return SentenceTransformerEmbedder(info, device)
