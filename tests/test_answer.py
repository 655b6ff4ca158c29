"""qa.answer: verbatim sentences with citations, honest abstention, follow-ups, all on the real model.

Run as a script to print each seed question's confidence (the scorer's threshold is fitted on
public sets by bench/fit_answer.py, not on these questions):

    python tests/test_answer.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer import (Answer, PASSAGE_FIELDS, answer, condense, content_terms,  # noqa: E402
                       is_follow_up, split_sentences)
from qa.answer.reply import continues  # noqa: E402
from qa.answer.scorer import load_scorer  # noqa: E402

from conftest import KLOOP_SENTENCE, SEED_FILE  # noqa: E402

# Questions the seed report answers, and questions it does not (some on its own topics).
ANSWERABLE = [
    "what happened to Kloop Media",
    "what did Amnesty International report about Kyrgyzstan",
    "what happened to journalists and activists in Kyrgyzstan",
    "how many countries does the Amnesty report assess",
    "what is the name of the Amnesty International report",
    "which law was used to restrict the media",
    "were rallies banned",
    "what risks do women and girls with disabilities face",
    "who is the Secretary-General of Amnesty International",
    "what did Agnes Callamard say",
    "how might artificial intelligence affect discrimination",
    "what restrictions did peaceful protesters face",
    "how did laws on NGOs affect civil society",
    "which year does the report cover",
    "what does the report say about international law",
    "who pays the heaviest price in ongoing conflicts",
    "were activists subjected to torture",
    "what draft law on the media was cited",
    "which website was blocked",
    "what discrimination do women with disabilities face",
]
UNANSWERABLE = [
    "how do I bake sourdough bread",
    "what is the capital of France",
    "who won the 2018 football world cup",
    "how does photosynthesis work",
    "what is the boiling point of water",
    "how do I reset my router password",
    "what is the GDP of Kazakhstan",
    "when was the Eiffel Tower built",
    "what language is the Python interpreter written in",
    "how many moons does Jupiter have",
    "what is the exchange rate of the som to the dollar",
    "what is the recipe for plov",
    "how tall is Mount Everest",
    "what time does the train to Bishkek leave",
    "how do vaccines work",
    "what is the best laptop for students",
    "how do I file my taxes",
    "what is the weather forecast for tomorrow",
    "how do I train a puppy",
    "who painted the Mona Lisa",
]
# On the report's own topic but not answered by it: the key word ("capital", "population") is
# absent from every candidate sentence, which the scorer's absence features see.
ON_TOPIC_UNANSWERED = [
    "what is the population of Kyrgyzstan",
    "what is the capital of Kyrgyzstan",
    "who is the president of Kyrgyzstan",
]


@pytest.fixture(scope="module")
def retriever(seed_index, embedder):
    from qa import Retriever

    return Retriever.load(seed_index, embedder=embedder)


# ---------------------------------------------------------------- pure functions


def test_split_sentences_keeps_exact_spans():
    text = ('He left. "Why?" she asked. Dr. Roe stayed at 5 p.m. on Monday.\n\n'
            "A heading\nNext line is a new sentence. U.S. policy changed in 2023. It was\n"
            "hard-wrapped here.")
    spans = split_sentences(text)
    got = [text[a:b] for a, b in spans]
    assert got == ["He left.", '"Why?" she asked.', "Dr. Roe stayed at 5 p.m. on Monday.", "A heading",
                   "Next line is a new sentence.", "U.S. policy changed in 2023.",
                   "It was\nhard-wrapped here."]


def test_split_sentences_on_the_seed_keeps_the_kloop_sentence_whole():
    text = (Path(__file__).resolve().parent.parent / "seeds" / SEED_FILE).read_text(encoding="utf-8")
    sentences = [text[a:b] for a, b in split_sentences(text)]
    assert any(KLOOP_SENTENCE in s and s.startswith("As examples") and s.endswith("rallies.")
               for s in sentences)


@pytest.mark.parametrize("question, follow", [
    ("and what about journalists?", True), ("What about the NGOs?", True), ("why was it blocked?", True),
    ("journalists?", True), ("what happened to Kloop Media", False),
    ("which law restricted the media in Kyrgyzstan", False),
])
def test_follow_up_detection(question, follow):
    assert is_follow_up(question) is follow


def test_condense_joins_a_follow_up_with_the_previous_query():
    assert condense("and what about journalists?", "what happened to Kloop Media") == \
        "journalists what happened to Kloop Media"
    assert condense("what happened to Kloop Media", None) == "what happened to Kloop Media"
    assert condense("which law restricted the media", "what happened to Kloop Media") == \
        "which law restricted the media"


def test_content_terms_drop_stopwords_and_stem():
    assert content_terms("What happened to the journalists?") == ["happen", "journalist"]


# ---------------------------------------------------------------- on the seed index


def test_kloop_answer_quotes_the_sentence_verbatim_with_its_citation(retriever):
    a = answer(retriever, "what happened to Kloop Media")
    assert not a.abstained
    first = a.sentences[0]
    assert KLOOP_SENTENCE in first.text
    cited = a.passages[first.passage - 1]
    assert cited.source == SEED_FILE
    # Verbatim: the quoted text is exactly the span of the passage and of the document.
    assert cited.text[first.start:first.end] == first.text
    doc = retriever.document(cited.doc_id).text
    assert doc[first.doc_start:first.doc_end] == first.text
    assert cited.line_start <= 11 <= cited.line_end
    assert a.text.startswith(first.text + f" [{first.passage}]")


def test_every_quoted_sentence_is_a_span_of_its_document(retriever):
    for q in ANSWERABLE:
        a = answer(retriever, q, abstain_below=-1.0)
        assert 1 <= len(a.sentences) <= 3, q
        for s in a.sentences:
            p = a.passages[s.passage - 1]
            assert retriever.document(p.doc_id).text[s.doc_start:s.doc_end] == s.text


@pytest.mark.parametrize("question", ANSWERABLE)
def test_answerable_questions_are_answered(retriever, question):
    a = answer(retriever, question)
    assert not a.abstained, (question, a.best_score)


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_unanswerable_questions_abstain_but_keep_closest_passages(retriever, question):
    a = answer(retriever, question)
    assert a.abstained, (question, a.best_score, a.sentences)
    assert a.sentences == [] and a.text == ""
    assert a.passages, "the closest matches are still returned"


def test_follow_up_is_understood_in_context(retriever):
    first = answer(retriever, "what happened to Kloop Media")
    follow = answer(retriever, "and what about journalists?", history=[first.query])
    assert follow.query == "journalists what happened to Kloop Media"
    assert not follow.abstained, follow.confidence
    assert "journalists and activists" in follow.sentences[0].text
    assert all("Kloop" not in s.text for s in follow.sentences)  # not the previous answer again


def test_to_dict_matches_qa_ask_json_plus_answer(retriever, capsys):
    from qa.cli import main

    a = answer(retriever, "what happened to Kloop Media", k=3)
    d = a.to_dict()
    assert main(["ask", "what happened to Kloop Media", "-k", "3", "--json",
                 "--index", str(retriever.index_dir)]) == 0
    import json

    cli = json.loads(capsys.readouterr().out)
    assert [p["chunk_id"] for p in d["passages"]] == [p["chunk_id"] for p in cli["passages"]]
    assert list(d["passages"][0]) == ["rank", *PASSAGE_FIELDS] == list(cli["passages"][0])
    assert {"question", "mode", "passages"} <= set(cli) <= set(d)
    assert d["answer"] == a.text and d["abstained"] is False
    json.dumps(d)  # plain JSON all the way down


@pytest.mark.parametrize("question", ["", "   ", "?", "x" * 5000, "<script>alert(1)</script>",
                                      "DROP TABLE documents; --", "\u202e\u0000\ufffd"])
def test_odd_questions_never_raise(retriever, question):
    a = answer(retriever, question)
    assert isinstance(a, Answer)
    if len(question) > 1000:
        assert a.notes and "1,000" in a.notes[0]


def test_empty_question_abstains_without_searching(retriever):
    a = answer(retriever, "   ")
    assert a.abstained and a.passages == []


# The fitted confidence of these may be above the threshold: what makes them abstain is that
# their specific word ("capital", "president", "population") occurs in no document holding their
# other words (support.not_in_documents; tests/test_support.py adds other documents).
@pytest.mark.parametrize("question", ON_TOPIC_UNANSWERED)
def test_on_topic_questions_the_report_does_not_answer_abstain(retriever, question):
    a = answer(retriever, question)
    assert a.abstained, (question, a.confidence, a.text)
    assert a.passages and any("No document mentions" in n for n in a.notes)


def test_confidence_is_a_probability_shown_in_words(retriever):
    a = answer(retriever, "what happened to Kloop Media")
    assert load_scorer().abstain_below <= a.confidence <= 1.0
    assert a.confidence_words.endswith(f"{round(100 * a.confidence)}%")
    assert a.to_dict()["confidence"] == round(a.confidence, 4)
    no = answer(retriever, "how do I bake sourdough bread")
    assert no.confidence < a.confidence and no.confidence_words == "not found in the documents"


def test_a_sentence_that_continues_is_quoted_with_the_next():
    assert continues("Kloop's website was closed by the ministry.", "The ministry had complained that it lied.")
    assert continues("The court ruled on two points:", "First, the ban was lawful.")
    assert continues("The site was blocked in 2022.", "However, it kept publishing.")
    assert not continues("The site was blocked in 2022.", "Rallies were banned in Bishkek.")


def test_partial_answers_quote_the_continuation_verbatim(tmp_path, embedder):
    from qa import Retriever, build_index

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "news.txt").write_text(
        "Local news\n\nThe city library on Elm Street was closed in March by the culture ministry. "
        "The ministry had complained that the building's roof was unsafe. Readers protested outside "
        "the town hall for a week. A new library is planned for 2026 in the old post office.\n",
        encoding="utf-8")
    build_index(tmp_path / "docs", tmp_path / "index", embedder=embedder)
    r = Retriever.load(tmp_path / "index", embedder=embedder)
    a = answer(r, "why was the city library on Elm Street closed")
    texts = [s.text for s in a.sentences]
    assert not a.abstained, a.confidence
    assert texts[:2] == ["The city library on Elm Street was closed in March by the culture ministry.",
                         "The ministry had complained that the building's roof was unsafe."]
    for s in a.sentences:
        assert a.passages[s.passage - 1].text[s.start:s.end] == s.text


def test_sentence_vectors_are_pooled_per_sentence_span(embedder):
    import numpy as np

    from qa.answer.sentences import sentence_vectors

    texts = ["Sea otters eat crabs. They use stones as tools.\n\nA heading", "One sentence only."]
    (spans, vectors), (spans2, vectors2) = sentence_vectors(texts, embedder)
    assert [texts[0][a:b] for a, b in spans.tolist()] == ["Sea otters eat crabs.", "They use stones as tools.",
                                                         "A heading"]
    assert spans.dtype == np.int32 and vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5) and spans2.tolist() == [[0, 18]]
    # Each sentence is closest to a question about it, though all come from one forward pass.
    q = embedder.encode(["what do otters use as tools"])[0]
    assert int(np.argmax(vectors @ q)) == 1


def calibrate(retriever) -> None:
    """Print the confidence of each seed question against the fitted threshold."""
    import statistics

    scorer = load_scorer()
    for label, questions in (("answerable", ANSWERABLE), ("unanswerable", UNANSWERABLE),
                             ("on-topic, not answered", ON_TOPIC_UNANSWERED)):
        scores = []
        for q in questions:
            a = answer(retriever, q, abstain_below=-1.0)
            scores.append(a.confidence)
            s = a.sentences[0] if a.sentences else None
            print(f"{a.confidence:5.2f}  p {s.score if s else 0:4.2f} cos {s.cosine if s else 0:4.2f}"
                  f"  {q!r:60} -> {s.text[:70] if s else ''!r}")
        print(f"{label}: n={len(scores)} min {min(scores):.2f} median {statistics.median(scores):.2f} "
              f"max {max(scores):.2f}\n")
    print(f"abstain below {scorer.abstain_below} (scorer {scorer.fingerprint})")


if __name__ == "__main__":
    import shutil
    import tempfile

    from qa import Retriever, build_index

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(Path(__file__).resolve().parent.parent / "seeds", Path(tmp) / "seeds")
        build_index(Path(tmp) / "seeds", Path(tmp) / "index")
        calibrate(Retriever.load(Path(tmp) / "index"))


def test_the_answer_model_weighs_the_belief_in_every_quoted_sentence(retriever):
    """The answer is right when any quoted sentence holds it: a belief split between the best
    sentence and a near-best one quoted with it is not doubt about the quote (scorer.quoted_share)."""
    import numpy as np

    from qa.answer.reply import chosen, gather, judged, quoted_in, rank
    from qa.answer.scorer import ANSWER_FEATURES, answer_features, softmax

    question = "what happened to journalists and activists in Kyrgyzstan"
    pool = gather(retriever, question, question, retriever.search(question, k=5))
    scorer = load_scorer()
    logits, picked, confidence = rank(pool, scorer)
    assert len(picked) >= 2 and picked[1].score < picked[0].score
    mask = judged(pool)
    probs = softmax(np.where(mask, logits, -np.inf))
    features = answer_features(logits[mask], pool.features[mask], quoted_in(chosen(pool, probs), mask))
    share = features[ANSWER_FEATURES.index("quoted_share")]
    assert share == pytest.approx(sum(s.score for s in picked)) and share > picked[0].score
    assert confidence == pytest.approx(scorer.confidence(features, pool.unknown))
