"""BM25 scoring read straight from the saved arrays equals bm25s's own scoring."""

from __future__ import annotations

import numpy as np
import pytest

from qa.config import LexicalSettings
from qa.lexical import LexicalIndex, tokenize

TEXTS = [
    "The authorities blocked the website of Kloop Media and liquidated the legal entity.",
    "Journalists and activists faced arbitrary arrests and unfair trials in Bishkek.",
    "Бийлик Kloop Media сайтын бөгөттөдү; журналисттер камакка алынды.",
    "Peaceful protesters encountered serious restrictions; rallies were banned.",
    "Café owners in Karakol say tourism grew in 2023, naïvely hoping for more.",
]


def test_scores_equal_bm25s(tmp_path):
    settings = LexicalSettings()
    built = LexicalIndex.build(TEXTS, settings)
    built.save(tmp_path / "bm25")
    for mmap in (False, True):
        loaded = LexicalIndex.load(tmp_path / "bm25", mmap=mmap)
        for q in ("Kloop Media website", "journalists arrested", "журналисттер", "café 2023",
                  "rallies rallies banned", "nothing matches this", ""):
            tokens = tokenize(q, settings)
            ids = built._bm25.get_tokens_ids(tokens)
            expected = built._bm25.get_scores_from_ids(ids) if ids else np.zeros(len(TEXTS))
            assert np.allclose(loaded.scores(q), expected, atol=1e-6), q


def test_unicode_tokens_and_cyrillic_search(tmp_path):
    assert tokenize("Журналисттер, Café NAÏVE 2023", LexicalSettings()) == ["журналисттер", "café", "naïv", "2023"]
    index = LexicalIndex.build(TEXTS, LexicalSettings())
    assert int(np.argmax(index.scores("журналисттер камакка"))) == 2
    assert int(np.argmax(index.scores("Karakol café"))) == 4


def test_empty_corpus(tmp_path):
    index = LexicalIndex.build([], LexicalSettings())
    index.save(tmp_path / "bm25")
    assert LexicalIndex.load(tmp_path / "bm25").scores("anything").shape == (0,)


def _bm25s_scores(index: LexicalIndex, query: str) -> np.ndarray:
    ids = index._bm25.get_tokens_ids(tokenize(query, index.settings))
    return index._bm25.get_scores_from_ids(ids) if ids else np.zeros(index.n_chunks)


def _corpus(n: int = 2000, seed: int = 0) -> list[str]:
    """Sentences over a small vocabulary: some words in most chunks, some in a few."""
    rng = np.random.default_rng(seed)
    common = ["journalist", "court", "media", "law", "arrest", "report"]
    rare = [f"village{i}" for i in range(200)]
    return [" ".join(rng.choice(common, 6).tolist() + rng.choice(rare, 1 + i % 3).tolist()) for i in range(n)]


@pytest.mark.parametrize("query", ["village7", "village7 village8 village9", "journalist",
                                   "journalist court village3", "media media law", "unknown words"])
def test_hits_and_top_equal_bm25s_on_every_path(query):
    # One rare term (one posting list), several rare terms (sparse sum), common terms (dense sum).
    index = LexicalIndex.build(_corpus(), LexicalSettings())
    expected = _bm25s_scores(index, query)
    hits = index.hits(query)
    assert hits.rows.tolist() == np.flatnonzero(expected > 0).tolist()
    assert np.allclose(hits.scores, expected[hits.rows], atol=1e-5)
    assert np.array_equal(index.scores(query)[hits.rows], hits.scores)
    for k in (1, 5, 50, 1000):
        rows, scores = index.hits(query).top(k)
        order = sorted(np.flatnonzero(expected > 0), key=lambda r: (-round(float(expected[r]), 4), r))
        assert len(rows) == min(k, len(order))
        assert np.allclose(scores, expected[rows], atol=1e-5)
        assert np.allclose(scores, expected[order[:len(rows)]], atol=1e-5)  # the best k scores
        assert all(a > b or (a == b and r < s) for a, b, r, s in zip(scores, scores[1:], rows, rows[1:]))
    probe = np.array([0, 3, 17, 1999])
    assert np.allclose(hits.score_of(probe), expected[probe], atol=1e-5)


def test_ties_are_cut_in_row_order():
    index = LexicalIndex.build(["apricot orchard"] * 10 + ["apricot"] * 3, LexicalSettings())
    rows, scores = index.hits("apricot orchard").top(4)
    assert rows.tolist() == [0, 1, 2, 3] and len(set(scores.tolist())) == 1
    rows, _ = index.hits("apricot").top(11)  # the short chunks score higher on "apricot" alone
    assert rows.tolist() == [10, 11, 12] + list(range(8))


def test_a_query_never_allocates_per_chunk_arrays(tmp_path):
    # Claim a trillion chunks: any array of n_chunks per query would fail to allocate.
    index = LexicalIndex.build(_corpus(), LexicalSettings())
    expected = index.hits("village7 village8 court")
    index.n_chunks = 10 ** 12
    for query in ("village7 village8 court", "village7", "nothing"):
        rows, scores = index.hits(query).top(10)
        assert len(rows) == (0 if query == "nothing" else 10)
    got = index.hits("village7 village8 court")
    assert np.array_equal(got.rows, expected.rows) and np.array_equal(got.scores, expected.scores)


def test_the_last_query_is_read_once():
    index = LexicalIndex.build(_corpus(), LexicalSettings())
    first = index.hits("village7 court")
    assert index.hits("village7 court") is first
    other = index.hits("village8")
    assert other is not first and index.hits("village7 court") is not first
    assert np.array_equal(index.hits("village7 court").scores, first.scores)
