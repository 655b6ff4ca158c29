"""The Python API: search results, round trips, FAISS against brute force, clear failures."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa import (IndexMismatchError, IndexNotFoundError, Passage, Retriever, Settings, build_index,
                place_in_file)
from qa.config import ChunkerSettings
from qa.index.folder import FolderStore

from conftest import KLOOP_SENTENCE, SEED_FILE

QUESTION = "what happened to Kloop Media"


def test_kloop_question_ranks_its_passage_first(seed_index, embedder):
    retriever = Retriever.load(seed_index, embedder=embedder)
    passages = retriever.search(QUESTION, k=3)
    assert passages and isinstance(passages[0], Passage)
    top = passages[0]
    assert KLOOP_SENTENCE in top.text
    assert top.source == SEED_FILE and top.page is None
    assert top.line_start <= 11 <= top.line_end
    doc = retriever.document(top.doc_id)
    assert doc.text[top.start:top.end] == top.text
    assert top.location == f"{SEED_FILE}, lines {top.line_start}–{top.line_end}"
    for mode in ("dense", "lexical"):
        assert KLOOP_SENTENCE in retriever.search(QUESTION, k=1, mode=mode)[0].text


def test_one_function_places_a_passage_in_its_file():
    assert place_in_file(3, 4, 80, 95) == "pages 3–4"  # the page range wins over lines
    assert place_in_file(3, None, 80, 95) == place_in_file(3, 3, 80, 95) == "page 3"
    assert place_in_file(None, None, 11, 15) == "lines 11–15"
    assert place_in_file(None, None, 7, 7) == "line 7"


def test_save_load_round_trip_gives_identical_results(seed_index, embedder):
    first = Retriever.load(seed_index, embedder=embedder)
    second = Retriever.load(seed_index, embedder=embedder)
    for q in (QUESTION, "ban on rallies", "women and girls with disabilities"):
        for mode in ("hybrid", "dense", "lexical"):
            assert first.search(q, k=4, mode=mode) == second.search(q, k=4, mode=mode)


def test_own_query_model_gives_the_results_of_the_build_model(seed_index, embedder):
    # Retriever.load makes its own single-threaded query model (QUERY_THREADS); the build ran
    # with one thread per core. Thread count must not move a vector, so results stay bit-identical.
    own = Retriever.load(seed_index)
    assert own.embedder is not embedder
    assert own.embedder._session.get_session_options().intra_op_num_threads == 1
    shared = Retriever.load(seed_index, embedder=embedder)
    for q in (QUESTION, "ban on rallies", "women and girls with disabilities"):
        assert np.array_equal(own.embed_query(q), shared.embed_query(q))
        for mode in ("hybrid", "dense"):
            assert [p.to_dict() for p in own.search(q, k=8, mode=mode)] == \
                [p.to_dict() for p in shared.search(q, k=8, mode=mode)]


def test_faiss_scores_equal_brute_force_cosine(seed_index, embedder):
    retriever = Retriever.load(seed_index, embedder=embedder)
    gen = seed_index / FolderStore(seed_index).read_manifest().generation
    vectors = np.load(gen / "vectors.npy", allow_pickle=False)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    for q in (QUESTION, "artificial intelligence and elections", "Agnes Callamard"):
        q_vec = embedder.encode([q])[0]
        brute = vectors @ q_vec
        got = retriever.search(q, k=len(vectors), mode="dense")
        table = {p.chunk_id: p.score for p in got}
        order = np.argsort(-brute)
        rows = retriever._gen.chunks(list(range(len(vectors))))
        assert [rows[i].id for i in order] == [p.chunk_id for p in got]
        for i, c in rows.items():
            assert table[c.id] == pytest.approx(float(brute[i]), abs=1e-5)


def test_per_doc_cap(tmp_path, embedder):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(seed_index_source(), seeds / SEED_FILE)
    (seeds / "other.txt").write_text("Kloop Media is an independent news outlet in Bishkek.", encoding="utf-8")
    build_index(seeds, tmp_path / "index", embedder=embedder)
    retriever = Retriever.load(tmp_path / "index", embedder=embedder)
    capped = retriever.search(QUESTION, k=5, per_doc=1)
    assert len(capped) == 2 and len({p.source for p in capped}) == 2


def seed_index_source():
    from conftest import SEEDS

    return SEEDS / SEED_FILE


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexNotFoundError, match=r"no index at .*; run `qa build"):
        Retriever.load(tmp_path / "nothing-here")
    with pytest.raises(FileNotFoundError):  # the same error, caught as a built-in
        Retriever.load(tmp_path / "nothing-here")


def test_index_of_another_model_is_refused(seed_index, tmp_path, embedder):
    copy = tmp_path / "index"
    shutil.copytree(seed_index, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["model"]["name"] = "sentence-transformers/all-mpnet-base-v2"
    manifest["model"]["fingerprint"] = "0123456789abcdef"
    manifest["model"]["dimension"] = 768
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=r"all-mpnet-base-v2.*run `qa build --full"):
        Retriever.load(copy, embedder=embedder)


def test_other_chunker_settings_are_refused(seed_index, embedder):
    settings = Settings(chunker=ChunkerSettings(chunk_tokens=128))
    with pytest.raises(IndexMismatchError, match=r"chunk size .*128.*run `qa build --full`"):
        Retriever.load(seed_index, settings=settings, embedder=embedder)
