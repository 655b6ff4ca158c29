"""BM25 over the same chunks as the dense index (bm25s), with a Unicode-aware tokenizer.

>>> bm25 = LexicalIndex.build(["Kloop Media was liquidated", "Бишкек"], LexicalSettings())
>>> bm25.scores("kloop").argmax()
0
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import LexicalSettings

logger = logging.getLogger(__name__)

# \w is Unicode-aware in Python: Latin with accents, Cyrillic, digits all make tokens.
_TOKEN = re.compile(r"\w+", re.UNICODE)
_PARAMS = "qa_lexical.json"


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str, settings: LexicalSettings) -> list[str]:
    """Lower-cased word tokens, English stop words dropped and stemmed if the settings say so.

    >>> tokenize("The Journalists' arrests", LexicalSettings())
    ['journalist', 'arrest']
    """
    tokens = [t for t in _TOKEN.findall(text.lower()) if t != "_"]
    if settings.stopwords:
        tokens = [t for t in tokens if t not in _stopwords()]
    if settings.stem and tokens:
        # The English stemmer leaves non-Latin words as they are.
        tokens = _stemmer().stemWords(tokens)
    return tokens


class LexicalIndex:
    """A bm25s index plus the tokenizer settings it was built with."""

    def __init__(self, bm25, settings: LexicalSettings, n_chunks: int):
        self._bm25 = bm25
        self.settings = settings
        self.n_chunks = n_chunks

    @classmethod
    def build(cls, texts: Sequence[str], settings: LexicalSettings, *, show_progress: bool = False
              ) -> "LexicalIndex":
        import bm25s

        bm25 = bm25s.BM25(k1=settings.k1, b=settings.b, method="lucene")
        corpus = [tokenize(t, settings) for t in texts]
        if corpus:
            bm25.index(corpus, show_progress=show_progress)
        return cls(bm25, settings, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no query word is known)."""
        tokens = tokenize(query, self.settings)
        ids = self._bm25.get_tokens_ids(tokens) if self.n_chunks else []
        if not ids:
            return np.zeros(self.n_chunks, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.n_chunks:
            self._bm25.save(str(folder), allow_pickle=False)
        params = {"settings": self.settings.as_dict(), "n_chunks": self.n_chunks, "version": 1}
        (folder / _PARAMS).write_text(json.dumps(params, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = False) -> "LexicalIndex":
        import bm25s

        params = json.loads((folder / _PARAMS).read_text(encoding="utf-8"))
        settings = LexicalSettings(**params["settings"])
        if params["n_chunks"]:
            bm25 = bm25s.BM25.load(str(folder), allow_pickle=False, mmap=mmap, load_corpus=False)
        else:
            bm25 = bm25s.BM25(k1=settings.k1, b=settings.b)
        return cls(bm25, settings, params["n_chunks"])
