"""A build writes its generation as it goes: BM25 from postings on disk equals bm25s, .npy files
appended a block at a time equal np.save's, and every chunk row (repeated texts too) holds its
own text's vector and sentences."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest

from qa import build_index
from qa import lexical_writer
from qa.answer.sentences import chunk_vectors
from qa.assembly import VectorAssembly
from qa.config import LexicalSettings, Settings
from qa.lexical import LexicalIndex, tokenize
from qa.rows import NpyRows, NpyWriter

from conftest import ROOT, SEEDS, write

sys.path.insert(0, str(ROOT / "bench"))
from fake_embedder import HashEmbedder  # noqa: E402


def _texts() -> list[str]:
    """The seed report's paragraphs (real text: English with Kyrgyz and Russian names), an empty
    one, and repeats."""
    paragraphs = [p.strip() for path in sorted(SEEDS.glob("*.txt"))
                  for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return paragraphs + ["", "...", paragraphs[0], "Бишкек Бишкек Kloop"]


@pytest.mark.parametrize("ranges", [False, True])
def test_postings_on_disk_give_the_bm25s_matrix(tmp_path, monkeypatch, ranges):
    if ranges:  # many term ranges and read blocks: the multi-pass path
        monkeypatch.setattr(lexical_writer, "RANGE", 50)
        monkeypatch.setattr(lexical_writer, "READ", 37)
    texts, settings = _texts(), LexicalSettings()
    writer = lexical_writer.LexicalWriter(tmp_path / "bm25", settings, scratch=tmp_path / "scratch")
    for t in texts:
        writer.add(t)
    writer.finish()
    assert not any((tmp_path / "scratch").iterdir())
    streamed = LexicalIndex.load(tmp_path / "bm25")
    reference = LexicalIndex.build(texts, settings)
    assert streamed.n_chunks == reference.n_chunks == len(texts)
    terms = {t for text in texts for t in tokenize(text, settings)}
    assert set(json.loads((tmp_path / "bm25" / "vocab.index.json").read_text())) == terms
    for term in sorted(terms)[::7]:
        assert np.array_equal(streamed.postings(term), reference.postings(term)), term
        assert np.array_equal(streamed.scores(term), reference.scores(term)), term  # bit for bit
    for q in ("Kloop Media website", "journalists arrested", "Бишкек", "rallies rallies banned", "nothing xyzzy"):
        assert np.array_equal(streamed.scores(q), reference.scores(q)), q


def test_an_empty_lexical_index(tmp_path):
    writer = lexical_writer.LexicalWriter(tmp_path / "bm25", LexicalSettings(), scratch=tmp_path / "s")
    writer.finish()
    assert LexicalIndex.load(tmp_path / "bm25").scores("anything").shape == (0,)


def test_appended_npy_equals_np_save_and_reads_back_by_rows(tmp_path):
    rng = np.random.default_rng(1)
    data = rng.standard_normal((1000, 384)).astype(np.float32)
    with NpyWriter(tmp_path / "a.npy", np.float32, (None, 384)) as out:
        for start in range(0, 1000, 333):
            out.write(data[start:start + 333])
            out.flush()
            last = min(start + 333, 1000) - 1
            assert np.array_equal(out.read_at(start, 2 if last > start else 1), data[start:start + 2][:last - start + 1])
            assert np.array_equal(out.read_at(last), data[last:last + 1])
    np.save(tmp_path / "b.npy", data, allow_pickle=False)
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "b.npy").read_bytes()
    rows = NpyRows(tmp_path / "a.npy")
    pick = np.array([5, 6, 7, 999, 0, 6, 400])
    assert rows.shape == (1000, 384) and np.array_equal(rows[pick], data[pick])
    assert np.array_equal(rows[10:20], data[10:20]) and np.array_equal(rows[3], data[3])
    assert np.array_equal(rows, data)
    rows.close()
    with pytest.raises(ValueError, match="2 rows written, 3 expected"):
        with NpyWriter(tmp_path / "c.npy", np.float32, (3, 4)) as out:
            out.write(np.zeros((2, 4)))
            out.close()


def test_every_row_holds_its_own_texts_vector_and_sentences(tmp_path, monkeypatch):
    """Repeated chunk texts (within a batch, across batches, after their row was written) and a
    flush forced by the waiting limit: each row's vector and sentences are its text's."""
    monkeypatch.setattr(VectorAssembly, "WAITING", 3)
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    paragraphs = [p for p in _texts() if len(p) > 40][:12]
    for i in range(30):
        picked = [paragraphs[(i * 5 + j) % len(paragraphs)] for j in range(1 + i % 3)]
        write(seeds, f"box/doc-{i:02d}.txt", "\n\n".join(picked) + "\n")
    embedder = HashEmbedder()
    report = build_index(seeds, index, embedder=embedder, settings=Settings(batch_size=1), workers=1)
    gen = index / json.loads((index / "manifest.json").read_text())["generation"]
    con = sqlite3.connect(gen / "chunks.sqlite")
    texts = [t for (t,) in con.execute("SELECT text FROM chunks ORDER BY row")]
    spans = con.execute('SELECT chunk_row, start, "end" FROM sentences ORDER BY row').fetchall()
    con.close()
    assert len(texts) == report.chunks and len(set(texts)) < len(texts)  # repeats were there
    expected, expected_sentences = chunk_vectors(texts, HashEmbedder())
    assert np.array_equal(np.load(gen / "vectors.npy"), expected)
    assert np.array_equal(np.load(gen / "sentences.npy"), np.concatenate([v for _, v in expected_sentences]))
    assert [(r, a, b) for r, a, b in spans] == [(row, int(a), int(b)) for row, (s, _) in enumerate(expected_sentences)
                                                for a, b in s]
    assert report.embedded_chunks == report.chunks and len(embedder.texts) >= len(set(texts))
