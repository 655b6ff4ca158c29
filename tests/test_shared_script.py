"""BM25 weighed by how much of the question's script the passages found by meaning share (issue 27).

An English question over Russian documents matches, in BM25, only what is written in Latin letters
(names, endnotes, URLs); the hybrid fusion scales the lexical weight by the share of Latin letters
in the best dense passages (qa.language.shared_script). Same-language questions are untouched.
Real model (e5 in onnxruntime), real documents: XQuAD-ru's Black_Death article (CC BY-SA 4.0)
and a notes file of Latin-script references, as reports end with.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from qa import Retriever, build_index
from qa.config import FusionSettings, Settings
from qa.language import shared_script
from qa.fusion import fuse, sentence_rank

from conftest import write

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
NOTES = ("Примечания\n\n1. Black Death: plague archive, https://example.org/black-death/plague-archive\n"
         "2. The Black Death in Europe, a bibliography, https://example.org/bibliography/black-death-europe\n"
         "3. Medieval plague sources, https://example.org/sources/medieval-plague\n")


def test_shared_script_counts_letters_of_the_questions_script() -> None:
    assert shared_script("Which bacterium caused the plague?", ["Чуму вызвала бактерия."]) == 0.0
    assert shared_script("Какая бактерия вызвала чуму?", ["Чуму вызвала бактерия."]) == 1.0
    assert shared_script("Who founded Kloop?", ["Kloop основали", "ab"]) == pytest.approx(7 / 15)
    assert shared_script("1347?", ["Чума"]) == 1.0  # no letters in the question: no evidence
    assert shared_script("plague", ["1347 — 1351"]) == 1.0  # no letters in the passages
    assert shared_script("plague", []) == 1.0


def _russian_index(base: Path, model: str) -> Retriever:
    source = EVAL / "xquad-ru-a" / "documents" / "Black_Death.txt"
    if not source.is_file():
        pytest.skip(f"{source} not found")
    write(base / "docs", "Black_Death.txt", source.read_text(encoding="utf-8"))
    write(base / "docs", "notes.txt", NOTES)
    build_index(base / "docs", base / "index", settings=Settings(model=model))
    return Retriever.load(base / "index")


@pytest.fixture(scope="module")
def retriever(tmp_path_factory) -> Retriever:
    return _russian_index(tmp_path_factory.mktemp("script"), "multilingual")


def _rank(retriever: Retriever, query: str, mode: str) -> list[int]:
    n = retriever._gen.n_chunks
    return [p.row for p in retriever.search(query, k=n, mode=mode)]


def _fuse(retriever: Retriever, query: str, dense: list[int], lexical: list[int],
          fusion: FusionSettings) -> list[tuple[int, float]]:
    """The hybrid fusion of these rankings, with the candidates' nearest-sentence ranking (test_hybrid.py)."""
    depth = fusion.candidates
    dense, lexical = dense[:depth], lexical[:depth]
    sentences = sentence_rank(retriever._gen, retriever.embed_query(query), dense, lexical)
    return fuse(dense, lexical, fusion, sentences)


@pytest.mark.parametrize("query,foreign", [("Which bacterium caused the Black Death?", True),
                                           ("Какая бактерия вызвала Черную смерть?", False)])
def test_hybrid_is_the_fusion_with_the_scaled_lexical_weight(retriever: Retriever, query: str,
                                                             foreign: bool) -> None:
    fusion = retriever.settings.fusion
    dense, lexical = _rank(retriever, query, "dense"), _rank(retriever, query, "lexical")
    assert lexical, "BM25 matches something in both languages (the notes, the Russian words)"
    top = retriever._gen.chunks(dense[:fusion.script_sample])
    share = shared_script(query, [c.text for c in top.values()])
    assert (share < fusion.shared_script) == foreign, share
    weight = fusion.lexical_weight * min(1.0, share / fusion.shared_script)
    expected = _fuse(retriever, query, dense, lexical, replace(fusion, lexical_weight=weight))[:5]
    got = retriever.search(query, k=5)
    assert [p.row for p in got] == [row for row, _ in expected]
    assert [p.score for p in got] == pytest.approx([score for _, score in expected], abs=1e-9)
    plain = _fuse(retriever, query, dense, lexical, replace(fusion, shared_script=0.0))[:5]
    assert (plain != expected) == foreign  # same-language questions rank exactly as before


def test_zero_turns_the_weighting_off(retriever: Retriever) -> None:
    query = "Which bacterium caused the Black Death?"
    off = replace(retriever.settings.fusion, shared_script=0.0)
    before = Retriever.load(retriever.index_dir, settings=retriever.settings.with_(fusion=off))
    dense, lexical = _rank(retriever, query, "dense"), _rank(retriever, query, "lexical")
    expected = _fuse(retriever, query, dense, lexical, off)[:5]
    assert [p.row for p in before.search(query, k=5)] == [row for row, _ in expected]
    assert FusionSettings().shared_script == 0.5


def test_the_english_model_keeps_bm25_at_full_weight(tmp_path: Path) -> None:
    """Its vectors cannot read Russian: BM25's Latin matches stay its better half."""
    english = _russian_index(tmp_path, "english")
    query = "Which bacterium caused the Black Death?"
    fusion = english.settings.fusion
    dense, lexical = _rank(english, query, "dense"), _rank(english, query, "lexical")
    plain = _fuse(english, query, dense, lexical, fusion)
    assert [p.row for p in english.search(query, k=5)] == [row for row, _ in plain[:5]]
    share = shared_script(query, [c.text for c in english._gen.chunks(dense[:fusion.script_sample]).values()])
    weighted = _fuse(english, query, dense, lexical, replace(fusion, lexical_weight=share / fusion.shared_script))
    assert share < fusion.shared_script and weighted[:5] != plain[:5]  # it would have changed
