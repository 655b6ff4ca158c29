"""The index stores against one behavioural contract: write a generation, read it back, switch atomically."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa import IndexCorruptError, IndexNotFoundError, build_index
from qa import IndexLocationError, plan_changes, scan_changes
from qa.chunking import Chunk
from qa.documents import SourceFile
from qa.index import ChunkSentences, DocumentRecord, Manifest, open_store
from qa.index.folder import FolderStore
from qa.index.format import FORMAT_VERSION, is_generation_name

from conftest import write

DIM = 8


def _manifest(n: int) -> Manifest:
    return Manifest(generation="gen-new", model={"name": "fake", "path": "-", "fingerprint": "f",
                                                 "dimension": DIM, "backend": "fake"},
                    chunker={"chunk_tokens": 200}, lexical={"k1": 1.2, "b": 0.75, "stem": True,
                                                            "stopwords": True, "title": True},
                    index_type="flat", chunks=n, dimension=DIM)


def _content():
    text = "Issyk-Kul never freezes. It is a large lake.\n\nThe Naryn river flows west."
    doc = DocumentRecord("d-1", "lakes.txt", "Lakes", "h1", len(text), 0.0, "txt", 2, "now", text)
    chunks = [Chunk("c-1", "d-1", text[:44], 0, 44, 1, 1), Chunk("c-2", "d-1", text[46:], 46, len(text), 3, 3)]
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sentences = [ChunkSentences(np.array([[0, 24], [25, 44]], np.int32), vectors[[0, 0]]),
                 ChunkSentences(np.array([[0, 28]], np.int32), vectors[[1]])]
    return [doc], chunks, vectors, [c.text for c in chunks], sentences


@pytest.fixture(params=["folder"])
def store(request, tmp_path):
    return open_store(tmp_path / "index")


def test_a_written_generation_reads_back_the_same(store):
    docs, chunks, vectors, texts, sentences = _content()
    with pytest.raises(IndexNotFoundError):
        store.read_manifest()
    with store.lock():
        live = store.write_generation(_manifest(2), docs, chunks, vectors, texts, sentences)
    assert is_generation_name(live.generation) and store.read_manifest().generation == live.generation
    gen = store.load()
    assert gen.n_chunks == 2 and gen.chunks([1])[1] == chunks[1]
    assert gen.document("d-1").text == docs[0].text and gen.documents()[0].text is None
    rows, cos = gen.dense_top(vectors[1], 2)
    assert list(rows) == [1, 0] and cos[0] == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(gen.dense_scores(vectors[1], [0, 1]), vectors @ vectors[1], atol=1e-5)
    rows, bm25 = gen.lexical_top("Naryn river", 5)
    assert list(rows) == [1] and bm25[0] > 0
    assert gen.lexical_scores("Naryn river", [0, 1])[0] == 0.0
    got = gen.sentences([0, 1])
    assert got[0].spans.tolist() == [[0, 24], [25, 44]] and got[1].vectors.tolist() == vectors[[1]].tolist()
    assert got[0].vectors.tolist() == vectors[[0, 0]].tolist()
    hashes, stored = gen.reusable_vectors()
    assert np.allclose(stored[hashes[chunks[0].text_hash]], vectors[0])
    gen.close()


def test_a_second_generation_replaces_the_first_and_old_ones_are_cleaned(store):
    docs, chunks, vectors, texts, sentences = _content()
    names = []
    for _ in range(3):
        with store.lock():
            names.append(store.write_generation(_manifest(2), docs, chunks, vectors, texts, sentences).generation)
            store.clean_up()
    assert len(set(names)) == 3 and store.read_manifest().generation == names[-1]
    assert store.load().n_chunks == 2


def test_manifest_naming_a_path_outside_the_index_is_refused(tmp_path):
    docs, chunks, vectors, texts, sentences = _content()
    store = FolderStore(tmp_path / "index")
    with store.lock():
        store.write_generation(_manifest(2), docs, chunks, vectors, texts, sentences)
    path = tmp_path / "index" / "manifest.json"
    data = json.loads(path.read_text())
    for bad in ("../other_idx/gen-1", "/etc", "gen-1/../../x", ""):
        data["generation"] = bad
        path.write_text(json.dumps(data))
        with pytest.raises(IndexCorruptError, match="invalid generation"):
            store.load()


def test_an_old_format_version_says_to_rebuild(tmp_path):
    store = FolderStore(tmp_path / "index")
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "manifest.json").write_text(json.dumps({"format": "qa-index", "format_version": 1}))
    with pytest.raises(IndexCorruptError, match=f"format version 1, this qa reads version {FORMAT_VERSION}"):
        store.read_manifest()


def test_plan_changes_sees_added_changed_renamed_removed():
    def f(source, digest):
        return SourceFile(source, Path(source), 1, 0.0, digest)

    old = _manifest(0).with_(documents={"a.txt": {"hash": "1"}, "b.txt": {"hash": "2"},
                                        "c.txt": {"hash": "3"}, "d.txt": {"hash": "4"}})
    plan = plan_changes([f("a.txt", "1"), f("b.txt", "22"), f("c2.txt", "3"), f("e.txt", "5")], old)
    assert plan.unchanged == ("a.txt",) and plan.changed == ("b.txt",) and plan.added == ("e.txt",)
    assert plan.renamed == (("c.txt", "c2.txt"),) and plan.removed == ("d.txt",) and plan.pending
    assert not plan_changes([f("a.txt", "1")], _manifest(0).with_(documents={"a.txt": {"hash": "1"}})).pending


def test_plan_changes_reads_again_the_files_of_a_reader_whose_rules_changed():
    from qa.formats import READER_RULES

    def f(source, digest):
        return SourceFile(source, Path(source), 1, 0.0, digest)

    docs = {"a.pdf": {"hash": "1"}, "b.txt": {"hash": "2"}}
    files = [f("a.pdf", "1"), f("b.txt", "2"), f("c.PDF", "3")]
    old = _manifest(0).with_(documents={**docs, "c2.pdf": {"hash": "3"}})  # built before readers were versioned
    plan = plan_changes(files, old)
    assert plan.changed == ("a.pdf",) and plan.unchanged == ("b.txt",)
    assert plan.added == ("c.PDF",) and plan.renamed == () and plan.removed == ("c2.pdf",)
    now = _manifest(0).with_(documents=docs, readers=dict(READER_RULES))
    assert plan_changes(files[:2], now).unchanged == ("a.pdf", "b.txt")
    assert Manifest.from_dict(now.to_dict(), "index").readers == READER_RULES


def test_scan_changes_against_a_built_index(tmp_path, embedder):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    write(seeds, "a.txt", "The Naryn river flows west through Kyrgyzstan.")
    build_index(seeds, index, embedder=embedder)
    write(seeds, "b.txt", "Issyk-Kul is a lake that never freezes.")
    plan = scan_changes(seeds, FolderStore(index).read_manifest())
    assert plan.added == ("b.txt",) and plan.unchanged == ("a.txt",)


def test_index_inside_the_documents_folder_is_refused_and_nothing_written(tmp_path, embedder):
    seeds = tmp_path / "seeds"
    write(seeds, "a.txt", "The Naryn river flows west through Kyrgyzstan.")
    before = sorted(p.name for p in seeds.rglob("*"))
    for index in (seeds, seeds / "index", seeds / "sub" / "idx"):
        with pytest.raises(IndexLocationError, match="inside the documents folder"):
            build_index(seeds, index, embedder=embedder)
    assert sorted(p.name for p in seeds.rglob("*")) == before


def test_failed_first_build_leaves_no_index_folder(tmp_path, embedder):
    with pytest.raises(FileNotFoundError, match="no documents folder"):
        build_index(tmp_path / "nonexistent", tmp_path / "zz", embedder=embedder)
    assert not (tmp_path / "zz").exists()

    class Broken:
        info, backend = embedder.info, embedder.backend

        def encode(self, texts, **kw):
            raise RuntimeError("the model broke")

    write(tmp_path / "seeds", "a.txt", "The Naryn river flows west through Kyrgyzstan.")
    with pytest.raises(RuntimeError, match="the model broke"):
        build_index(tmp_path / "seeds", tmp_path / "zz", embedder=Broken())
    assert not (tmp_path / "zz").exists()


def test_an_index_path_that_is_a_file_is_refused(tmp_path, embedder):
    write(tmp_path / "seeds", "a.txt", "The Naryn river flows west.")
    (tmp_path / "file").write_text("not an index")
    with pytest.raises(IndexLocationError, match="is a file"):
        build_index(tmp_path / "seeds", tmp_path / "file", embedder=embedder)
    assert (tmp_path / "file").read_text() == "not an index"
