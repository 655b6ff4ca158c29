"""BM25 over the same chunks as the dense index (bm25s), with a Unicode-aware tokenizer.

>>> bm25 = LexicalIndex.build(["Kloop Media was liquidated", "Бишкек"], LexicalSettings())
>>> bm25.scores("kloop").argmax()
0
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import LexicalSettings
from .text import analyser
from .text import tokenize as text_tokens

logger = logging.getLogger(__name__)

_PARAMS = "qa_lexical.json"


def tokenize(text: str, settings: LexicalSettings) -> list[str]:
    """Lower-cased word tokens, English stop words dropped and stemmed if the settings say so.

    >>> tokenize("The Journalists' arrests", LexicalSettings())
    ['journalist', 'arrest']
    """
    english = analyser("english")
    tokens = text_tokens(text)
    if settings.stopwords:
        tokens = [t for t in tokens if t not in english.search_stop_words]
    if settings.stem and tokens:
        # The English stemmer leaves non-Latin words as they are.
        tokens = english.stem(tokens)
    return tokens


def with_title(text: str, title: str) -> str:
    """What BM25 indexes for a chunk: the document's title in front, unless the chunk starts with it.

    >>> with_title("Falls were fewer.", "Vitamin D in the elderly")
    'Vitamin D in the elderly\n\nFalls were fewer.'
    """
    title = title.strip()
    return text if not title or text.lstrip().startswith(title) else f"{title}\n\n{text}"


class LexicalIndex:
    """BM25 (Lucene variant) over chunks, stored as bm25s writes it: a CSC matrix of
    precomputed per-(term, chunk) scores in .npy files plus a JSON vocabulary.

    bm25s builds it; queries read the arrays directly with numpy, so searching needs neither
    bm25s nor scipy (a faster cold start). `scores()` equals bm25s's own `get_scores()`.
    """

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 vocab: dict[str, int], settings: LexicalSettings, n_chunks: int):
        self._data, self._indices, self._indptr = data, indices, indptr
        self._vocab = vocab
        self.settings = settings
        self.n_chunks = n_chunks
        self._bm25 = None  # the bm25s object, only on a freshly built index

    @classmethod
    def build(cls, texts: Sequence[str], settings: LexicalSettings, *, show_progress: bool = False
              ) -> "LexicalIndex":
        import bm25s

        bm25 = bm25s.BM25(k1=settings.k1, b=settings.b, method="lucene")
        corpus = [tokenize(t, settings) for t in texts]
        if not corpus:
            empty = np.zeros(0, dtype=np.float32)
            return cls(empty, empty.astype(np.int32), np.zeros(1, dtype=np.int32), {}, settings, 0)
        bm25.index(corpus, show_progress=show_progress)
        index = cls(bm25.scores["data"], bm25.scores["indices"], bm25.scores["indptr"],
                    bm25.vocab_dict, settings, len(texts))
        index._bm25 = bm25
        return index

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no query word is known)."""
        ids = [self._vocab[t] for t in tokenize(query, self.settings) if t in self._vocab]
        if not ids:
            return np.zeros(self.n_chunks, dtype=np.float32)
        # Each query term (repeats included, as in Lucene and bm25s) adds its column of scores.
        cols = [slice(int(self._indptr[i]), int(self._indptr[i + 1])) for i in ids]
        rows = np.concatenate([self._indices[c] for c in cols])
        vals = np.concatenate([self._data[c] for c in cols])
        return np.bincount(rows, weights=vals, minlength=self.n_chunks).astype(np.float32)

    def knows(self, token: str) -> bool:
        """Whether a token (as `tokenize` makes them) occurs anywhere in the indexed chunks."""
        return token in self._vocab

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(folder), allow_pickle=False)
        params = {"settings": self.settings.as_dict(), "n_chunks": self.n_chunks, "version": 1}
        (folder / _PARAMS).write_text(json.dumps(params, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = False) -> "LexicalIndex":
        params = json.loads((folder / _PARAMS).read_text(encoding="utf-8"))
        settings = LexicalSettings(**params["settings"])
        if not params["n_chunks"]:
            empty = np.zeros(0, dtype=np.float32)
            return cls(empty, empty.astype(np.int32), np.zeros(1, dtype=np.int32), {}, settings, 0)
        mode = "r" if mmap else None
        arrays = [np.load(folder / f"{name}.csc.index.npy", mmap_mode=mode, allow_pickle=False)
                  for name in ("data", "indices", "indptr")]
        vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        return cls(*arrays, vocab, settings, params["n_chunks"])
