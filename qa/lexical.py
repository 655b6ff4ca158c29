"""BM25 over the same chunks as the dense index (bm25s), with a Unicode-aware tokenizer.

>>> bm25 = LexicalIndex.build(["Kloop Media was liquidated", "Бишкек"], LexicalSettings())
>>> bm25.hits("kloop").top(10)[0]
array([0])

A query reads only its own terms' postings (the CSC columns), so its cost follows how many
chunks contain those terms, not the size of the index.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import LexicalSettings
from .text import analyse
from .text import tokenize as text_tokens

logger = logging.getLogger(__name__)

PARAMS_FILE = "qa_lexical.json"
_PARAMS = PARAMS_FILE
_DENSE_SHARE = 8
"""Above n_chunks / _DENSE_SHARE touched postings, summing into one n_chunks-long array is
cheaper than sorting the postings; below (every selective query), only touched rows are kept."""


def tokenize(text: str, settings: LexicalSettings) -> list[str]:
    """Lower-cased word tokens, stop words dropped and stemmed if the settings say so, each word
    by its own language's analyser (English for Latin script, Russian or Kyrgyz for Cyrillic).

    >>> tokenize("The Journalists' arrests", LexicalSettings())
    ['journalist', 'arrest']
    """
    return analyse(text_tokens(text), stop="search" if settings.stopwords else None, stem=settings.stem)


def with_title(text: str, title: str) -> str:
    """What BM25 indexes for a chunk: the document's title in front, unless the chunk starts with it.

    >>> with_title("Falls were fewer.", "Vitamin D in the elderly")
    'Vitamin D in the elderly\\n\\nFalls were fewer.'
    """
    title = title.strip()
    return text if not title or text.lstrip().startswith(title) else f"{title}\n\n{text}"


@dataclass(frozen=True)
class LexicalHits:
    """BM25 scores of the chunks holding at least one query term: `rows` ascending, `scores` > 0.

    >>> LexicalHits(np.array([2, 5, 7]), np.array([1.0, 3.0, 1.0], dtype=np.float32)).top(2)
    (array([5, 2]), array([3., 1.], dtype=float32))
    """

    rows: np.ndarray    # int64, ascending
    scores: np.ndarray  # float32, same length

    def top(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the k best, best first; equal scores in row order."""
        n = len(self.rows)
        if k <= 0 or n == 0:
            return self.rows[:0], self.scores[:0]
        pick = np.arange(n)
        if k < n:
            # The k-th best score decides; of the rows tied at it, the lowest come first, so the
            # cut is deterministic (argpartition alone picks tied rows arbitrarily).
            cut = self.scores[np.argpartition(-self.scores, k - 1)[k - 1]]
            above = np.flatnonzero(self.scores > cut)
            pick = np.concatenate([above, np.flatnonzero(self.scores == cut)[:k - len(above)]])
        order = np.lexsort((self.rows[pick], -self.scores[pick]))
        chosen = pick[order]
        return self.rows[chosen], self.scores[chosen]

    def within(self, rows: np.ndarray) -> "LexicalHits":
        """Only the hits among `rows` (ascending, unique).

        >>> LexicalHits(np.array([2, 5, 7]), np.array([1.0, 3.0, 1.0], dtype=np.float32)).within(np.array([5, 7])).rows
        array([5, 7])
        """
        keep = np.isin(self.rows, rows, assume_unique=True)
        return LexicalHits(self.rows[keep], self.scores[keep])

    def score_of(self, rows: np.ndarray) -> np.ndarray:
        """The BM25 score of each of `rows` (0 where no query term occurs)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(self.rows):
            return np.zeros(len(rows), dtype=np.float32)
        at = np.searchsorted(self.rows, rows).clip(max=len(self.rows) - 1)
        return np.where(self.rows[at] == rows, self.scores[at], 0.0).astype(np.float32)


_NO_HITS = LexicalHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


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
        self._last: tuple[str, LexicalHits] | None = None

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

    def hits(self, query: str) -> LexicalHits:
        """BM25 scores of the chunks that contain a word of `query`, from its terms' postings only.

        The last query's hits are kept: a hybrid search asks twice (its top rows, then the BM25
        of rows only dense search found), and on a large index reading the postings is the cost.
        Threads may replace the entry under each other; a miss only recomputes.
        """
        last = self._last
        if last is not None and last[0] == query:
            return last[1]
        found = self._read_postings(query)
        self._last = (query, found)
        return found

    def _read_postings(self, query: str) -> LexicalHits:
        ids = [self._vocab[t] for t in tokenize(query, self.settings) if t in self._vocab]
        if not ids:
            return _NO_HITS
        # Each query term (repeats included, as in Lucene and bm25s) adds its column of scores.
        cols = [slice(int(self._indptr[i]), int(self._indptr[i + 1])) for i in ids]
        rows = np.concatenate([self._indices[c] for c in cols]).astype(np.int64, copy=False)
        vals = np.concatenate([self._data[c] for c in cols])
        if len(ids) == 1 and bool(np.all(rows[1:] > rows[:-1])):  # one column, already ascending
            touched, sums = rows, vals.astype(np.float32)
        elif len(rows) * _DENSE_SHARE > self.n_chunks:
            dense = np.bincount(rows, weights=vals, minlength=self.n_chunks)
            touched = np.flatnonzero(dense)
            sums = dense[touched].astype(np.float32)
        else:
            # Summed in posting order in float64, as the dense bincount does: equal results.
            touched, where = np.unique(rows, return_inverse=True)
            sums = np.bincount(where, weights=vals, minlength=len(touched)).astype(np.float32)
        keep = sums > 0
        return LexicalHits(touched[keep], sums[keep]) if not keep.all() else LexicalHits(touched, sums)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no query word is known).

        An n_chunks-long array: for inspection and tests; searching uses `hits()`.
        """
        out = np.zeros(self.n_chunks, dtype=np.float32)
        hits = self.hits(query)
        out[hits.rows] = hits.scores
        return out

    def top(self, query: str, depth: int, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the `depth` best chunks with a score > 0, best first (ties by row);
        only among the rows `within` (ascending) if given."""
        hits = self.hits(query)
        return (hits if within is None else hits.within(within)).top(depth)

    def scores_of(self, query: str, rows) -> np.ndarray:
        """BM25 of `query` for some rows (0 where no query term occurs)."""
        return self.hits(query).score_of(np.asarray(rows, dtype=np.int64))

    def knows(self, token: str) -> bool:
        """Whether a token (as `tokenize` makes them) occurs anywhere in the indexed chunks."""
        return token in self._vocab

    def postings(self, token: str) -> np.ndarray:
        """The rows of the chunks holding a token (its column of the CSC matrix; empty if unknown).
        Its length is the token's document frequency in BM25's sense (chunks)."""
        i = self._vocab.get(token)
        if i is None:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self._indices[int(self._indptr[i]):int(self._indptr[i + 1])], dtype=np.int64)

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
