"""FAISS index choice by size, approximate search against exact, and backend checks."""

from __future__ import annotations

import numpy as np
import pytest

from qa import IndexMismatchError, Retriever, Settings, build_index
from qa import dense

from conftest import write


def clustered(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    """Unit vectors around random centres, shaped like real embeddings (not uniform noise)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(n // 50, 8), dim)).astype(np.float32)
    v = centres[rng.integers(0, len(centres), n)] + 0.06 * rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_index_type_follows_size():
    assert dense.choose_index_type(10) == "flat"
    assert dense.choose_index_type(dense.FLAT_LIMIT) == "flat"
    assert dense.choose_index_type(dense.FLAT_LIMIT + 1) == "ivf"
    assert dense.ivf_lists(1_000_000) in (2048, 4096)


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_index_kinds_against_exact_search(tmp_path, kind):
    vectors = clustered(20_000)
    index = dense.build_faiss(vectors, kind)
    dense.save_faiss(index, tmp_path / "d.faiss")
    loaded = dense.load_faiss(tmp_path / "d.faiss", mmap=kind != "flat")
    rng = np.random.default_rng(1)
    queries = vectors[rng.integers(0, len(vectors), 50)] + 0.03 * rng.standard_normal((50, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    recall = []
    for q in queries:
        exact = np.argsort(-(vectors @ q))[:10]
        scores, rows = dense.search_faiss(loaded, q, 10)
        if kind == "flat":  # half precision: scores within 1e-3, exact after re-scoring a few more
            assert np.allclose(scores, vectors[rows] @ q, atol=2e-3)
            _, deeper = dense.search_faiss(loaded, q, 20)
            rows, scores = dense.rescore(vectors, q, deeper)
            assert rows[:10].tolist() == exact.tolist()
            assert np.array_equal(scores, (vectors[rows] @ q).astype(np.float32))
        recall.append(len(set(rows[:10].tolist()) & set(exact.tolist())) / 10)
    assert np.mean(recall) >= (1.0 if kind == "flat" else 0.95)


def test_ivf_lists_sized_first_equal_plain_adds(tmp_path):
    """The IVF index built with each list allocated once is the one slice-by-slice `add` makes."""
    import faiss

    vectors = clustered(20_000)
    built = dense.build_faiss(vectors, "ivf")
    plain = faiss.IndexIVFFlat(faiss.IndexFlatIP(384), 384, built.nlist, faiss.METRIC_INNER_PRODUCT)
    plain.train(np.ascontiguousarray(vectors[np.sort(np.random.default_rng(0).choice(
        len(vectors), size=min(len(vectors), built.nlist * dense.IVF_TRAIN_PER_LIST), replace=False))]))
    plain.nprobe = built.nprobe
    for start in range(0, len(vectors), 7000):
        plain.add(vectors[start:start + 7000])
    dense.save_faiss(built, tmp_path / "a.faiss")
    faiss.write_index(plain, str(tmp_path / "b.faiss"))
    assert built.ntotal == plain.ntotal == len(vectors)
    assert (tmp_path / "a.faiss").read_bytes() == (tmp_path / "b.faiss").read_bytes()


def test_flat_index_is_half_precision_and_float32_ones_still_search(tmp_path):
    import faiss

    vectors = clustered(2_000)
    assert isinstance(dense.build_faiss(vectors, "flat"), faiss.IndexScalarQuantizer)
    assert not dense.scores_exact(dense.build_faiss(vectors, "flat"))
    assert dense.scores_exact(dense.build_faiss(vectors, "ivf"))
    old = faiss.IndexFlatIP(384)  # how flat indexes were written before: still read and searched
    old.add(vectors)
    dense.save_faiss(old, tmp_path / "old.faiss")
    q = vectors[7]
    rows, scores = dense.rescore(vectors, q, dense.search_faiss(dense.load_faiss(tmp_path / "old.faiss"), q, 5)[1])
    assert rows[0] == 7 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)


def test_rescore_orders_candidates_by_exact_cosine():
    vectors = np.eye(4, dtype=np.float32)
    q = np.array([0.1, 0.7, 0.2, 0.0], dtype=np.float32)
    rows, scores = dense.rescore(vectors, q, np.array([0, 2, 1]))
    assert rows.tolist() == [1, 2, 0] and scores.tolist() == pytest.approx([0.7, 0.2, 0.1])
    assert dense.rescore(vectors, q, np.array([], dtype=np.int64))[0].size == 0


def test_unknown_index_type_is_refused():
    with pytest.raises(ValueError, match="'flat' or 'ivf'"):
        dense.build_faiss(clustered(100), "hnsw")


def test_large_index_is_chosen_and_recorded(tmp_path, monkeypatch, embedder):
    monkeypatch.setattr(dense, "FLAT_LIMIT", 20)  # a "large" corpus, kept quick
    for i in range(30):
        write(tmp_path / "seeds", f"n{i:02d}.txt", f"Note {i}: the village of Kochkor{i} grows apricots.")
    report = build_index(tmp_path / "seeds", tmp_path / "index", embedder=embedder)
    assert report.index_type == "ivf"
    retriever = Retriever.load(tmp_path / "index", embedder=embedder)
    assert retriever.manifest.index_type == "ivf"
    assert retriever.search("Kochkor17 apricots", k=1)[0].source == "n17.txt"


def test_index_of_one_backend_refuses_another(seed_index):
    # the shared seed index is built with the default backend, onnx-int8
    with pytest.raises(IndexMismatchError, match=r"built with the onnx-int8 embedding backend.*--backend"):
        Retriever.load(seed_index, settings=Settings(backend="torch"))
