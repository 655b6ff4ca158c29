"""How the rankings of a hybrid search become one (FusionSettings): reciprocal rank fusion of the
dense ranking, BM25's and the candidates by their nearest stored sentence; BM25's weight scaled down
across scripts; one more ranking added after, for the documents a question names (qa.naming).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from . import language
from .config import FusionSettings
from .index import Generation


def fuse(dense_rank: list[int], lex_rank: list[int], fusion: FusionSettings,
         sentence_rank: list[int] | None = None) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of the rankings of rows, best first.

    score = wd / (rrf_k + dense rank) + wl / (rrf_k + lexical rank), ranks from 1, a ranking a row
    is absent from adding nothing. With a `sentence_rank` (the candidates by their nearest
    sentence) the dense weight is shared: wd (1 - s) for the dense rank, wd s for the sentence
    rank, s = fusion.sentence_share.
    >>> fuse([1, 2], [2], FusionSettings())[0][0]
    2
    """
    share = fusion.sentence_share if sentence_rank is not None else 0.0
    scores: dict[int, float] = {}
    for weight, ranking in ((fusion.dense_weight * (1.0 - share), dense_rank),
                            (fusion.lexical_weight, lex_rank),
                            (fusion.dense_weight * share, sentence_rank or ())):
        _add(scores, ranking, weight, fusion.rrf_k)
    return _best_first(scores)


def sentence_rank(gen: Generation, qvec: np.ndarray, dense_rank: list[int], lex_rank: list[int]) -> list[int]:
    """The candidates of both rankings by the cosine of their nearest stored sentence, best first
    (ties by row); chunks without sentences are left out."""
    rows = list(dict.fromkeys(dense_rank + lex_rank))
    if not rows:
        return []
    best = np.asarray(gen.best_sentences(qvec, rows), dtype=np.float32)
    keep = np.flatnonzero(np.isfinite(best))
    rows_kept = np.asarray(rows, dtype=np.int64)[keep]
    return rows_kept[np.lexsort((rows_kept, -best[keep]))].tolist()


def script_weighted(fusion: FusionSettings, query: str, gen: Generation, dense_rank: list[int]
                     ) -> FusionSettings:
    """`fusion` with its lexical weight scaled by how much of the question's script the passages
    found by meaning share (FusionSettings.shared_script): across languages BM25 matches only
    the few words written alike (names, endnotes, URLs)."""
    if not fusion.shared_script or not dense_rank or not fusion.lexical_weight:
        return fusion
    top = dense_rank[:fusion.script_sample]
    texts = [c.text for c in gen.chunks(top).values()]
    share = language.shared_script(query, texts)
    if share >= fusion.shared_script:
        return fusion
    return replace(fusion, lexical_weight=fusion.lexical_weight * share / fusion.shared_script)


def add_ranking(ranked: Sequence[tuple[int, float]], ranking: Sequence[int], weight: float,
                rrf_k: int) -> list[tuple[int, float]]:
    """`ranked` (fused, best first) with one more ranking of some of its rows fused in.

    >>> add_ranking([(1, 0.03), (2, 0.02)], [2], 1.0, 60)[0][0]
    2
    """
    scores = dict(ranked)
    _add(scores, ranking, weight, rrf_k)
    return _best_first(scores)


def _add(scores: dict[int, float], ranking: Sequence[int], weight: float, rrf_k: int) -> None:
    """Add weight / (rrf_k + rank) to each row of `ranking`, ranks from 1."""
    for rank, row in enumerate(ranking, start=1):
        scores[row] = scores.get(row, 0.0) + weight / (rrf_k + rank)


def _best_first(scores: dict[int, float]) -> list[tuple[int, float]]:
    """(row, score) pairs, best first, equal scores by row."""
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))
