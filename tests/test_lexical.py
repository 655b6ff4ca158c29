"""BM25 scoring read straight from the saved arrays equals bm25s's own scoring."""

from __future__ import annotations

import numpy as np

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
