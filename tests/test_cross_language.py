"""English questions over Russian documents: the scorer's word-reading features are unknown there.

With the multilingual model an English question finds the Russian passage that answers it, but
none of its words can occur in Russian text: every overlap reads 0 and every "missing
everywhere" 1, which the fitted scorer (and the absent-words rule) took for "not answered here".
qa/answer/features.py `unknown_features` names those features when the question and the passages
are in different languages, and the scorer imputes their training mean.
"""

from __future__ import annotations

import numpy as np
import pytest

from qa import Retriever, answer, build_index
from qa.answer.features import FEATURES, LEXICAL_FEATURES, lexically_apart, unknown_features
from qa.answer.reply import Pool, gather, rank
from qa.answer.scorer import load_scorer
from qa.embedding import make_embedder, resolve_model

from conftest import write

# The first two paragraphs of XQuAD-ru's Amazon_rainforest (CC BY-SA 4.0), with the English title
# line the XQuAD documents have: the title puts English words into every passage.
TITLE = "Amazon rainforest"
RUSSIAN = [
    "Дождевые леса Амазонки (португальский: Floresta Amazônica или Amazônica, испанский: Selva "
    "Amazónica, Amazonía или обычно Amazonia, французский: Forêt amazonienne, голландский: "
    "Amazoneregenwoud), также известные как Амазония или джунгли Амазонки — это влажный "
    "широколиственный лес, покрывающий большую часть бассейна Амазонки в Южной Америке. Бассейн "
    "охватывает 7 000 000 квадратных километров (2 700 000 квадратных миль), из которых 5 500 000 "
    "квадратных километров (2 100 000 квадратных миль) покрыты дождевыми лесами. Этот регион "
    "включает в себя территорию, принадлежащую девяти странам. Большая часть леса находится в "
    "Бразилии — 60% дождевых лесов — далее следуют Перу с 13%, Колумбия с 10% и незначительные "
    "площади в Венесуэле, Эквадоре, Боливии, Гайане, Суринаме и Французской Гвиане. Государства "
    "или департаменты в четырех странах содержат слово «Амазония» в своих названиях. Амазония "
    "содержит более половины оставшихся дождевых лесов планеты и включает в себя самый большой и "
    "разнообразный в биологическом отношении тропический лесной массив в мире, с приблизительно "
    "390 миллиардами деревьев 16 000 видов.",
    "С 1991 по 2000 год общая площадь утраченных лесов в бассейне Амазонки, увеличилась со 415 000 "
    "до 587 000 квадратных километров (со 160 000 до 227 000 кв. миль), при этом большая часть "
    "утраченного леса стала пастбищем для скота. Семьдесят процентов бывших лесных угодий в "
    "бассейне Амазонки и 91% земель, вырубленных с 1970 года, используются для выпаса скота. В "
    "настоящее время Бразилия является вторым в мире по величине производителем соевых бобов после "
    "США. Однако новые исследования, проведенные Леидимере Оливейра и др., показали, что чем больше "
    "дождевых лесов вырубается в бассейне Амазонки, тем меньше осадков выпадает на эту территорию и "
    "тем ниже урожайность с гектара. Таким образом, несмотря на распространенное мнение, Бразилия "
    "не получает экономических выгод от вырубки тропических лесов и их превращения в пастбищные "
    "угодья.",
]
# XQuAD's English questions on those paragraphs, with the Russian answers of XQuAD-ru.
QUESTIONS = [
    ("In what country can most of the Amazon rainforest be found?", "Бразилии"),
    ("How many species of trees can be found in the Amazon rainforest?", "16 000"),
    ("What is the Dutch word for the Amazon rainforest?", "Amazoneregenwoud"),
    ("How many square kilometres of the Amazon forest was lost by 1991?", "415 000"),
    ("Where is Brazil ranked globally in soybean production?", "вторым в мире по величине"),
]


@pytest.fixture(scope="module")
def e5():
    return make_embedder(resolve_model("multilingual"))


@pytest.fixture(scope="module")
def russian_index(tmp_path_factory, e5) -> Retriever:
    base = tmp_path_factory.mktemp("cross")
    write(base / "docs", "Amazon_rainforest.txt", TITLE + "\n\n" + "\n\n".join(RUSSIAN) + "\n")
    build_index(base / "docs", base / "index", embedder=e5)
    return Retriever.load(base / "index", embedder=e5)


def test_lexical_features_are_named_features_of_both_models() -> None:
    scorer = load_scorer()
    assert LEXICAL_FEATURES < set(FEATURES) and LEXICAL_FEATURES < set(scorer.sentence.names)
    assert {"cosine", "cosine_context", "cosine_passage", "log_rank"}.isdisjoint(LEXICAL_FEATURES)
    # the answer model's absence signals are word-reading too, and are looked up by the same names
    assert {"missing_everywhere", "focus_missing_everywhere"} <= set(scorer.answer.names) & LEXICAL_FEATURES


def test_languages_apart_by_their_words() -> None:
    english = "How many square kilometres of the Amazon forest was lost by 1991?"
    assert lexically_apart(english, RUSSIAN)
    assert lexically_apart("Сколько видов деревьев в Амазонии?", ["The Amazon has 16,000 tree species."])
    assert not lexically_apart("Сколько видов деревьев в Амазонии?", RUSSIAN)
    # Latin names inside Russian text, a Russian word inside an English question: the most common
    # language of each side decides
    assert not lexically_apart("What does Kloop write about Бишкек?", ["Kloop Media was liquidated."])
    assert not lexically_apart("1991?", RUSSIAN)  # no letters: no evidence, nothing changes
    assert unknown_features(english, RUSSIAN) == LEXICAL_FEATURES
    assert unknown_features(english, ["Between 1991 and 2000 the forest lost 415,000 km2."]) == frozenset()


def test_unknown_features_add_nothing_to_any_logit(russian_index: Retriever) -> None:
    question, _ = QUESTIONS[3]
    pool = gather(russian_index, question, question, russian_index.search(question, k=5))
    assert pool.unknown == LEXICAL_FEATURES and len(pool.candidates) > 3
    assert Pool.from_dict(pool.to_dict()).unknown == LEXICAL_FEATURES
    scorer = load_scorer()
    lexical = [FEATURES.index(name) for name in sorted(LEXICAL_FEATURES)]
    changed = pool.features.copy()
    changed[:, lexical] = np.random.default_rng(0).random((len(changed), len(lexical)))
    imputed = scorer.sentence_logits(pool.features, pool.unknown)
    assert np.allclose(imputed, scorer.sentence_logits(changed, pool.unknown))
    assert not np.allclose(scorer.sentence_logits(pool.features), scorer.sentence_logits(changed))
    # what remains is the embedding side: rank by it alone
    kept = [i for i, name in enumerate(FEATURES) if name not in LEXICAL_FEATURES]
    w = scorer.sentence.weights[kept] / scorer.sentence.scale[kept]
    expected = (pool.features[:, kept] - scorer.sentence.mean[kept]) @ w + scorer.sentence.bias
    assert np.allclose(imputed, expected)


@pytest.mark.parametrize("question,gold", QUESTIONS)
def test_english_question_quotes_the_russian_sentence(russian_index: Retriever, question: str,
                                                      gold: str) -> None:
    a = answer(russian_index, question)
    assert not a.abstained, (a.confidence, a.notes)
    assert a.confidence >= load_scorer().abstain_below
    assert any(gold in s.text for s in a.sentences), [s.text for s in a.sentences]
    for s in a.sentences:
        p = a.passages[s.passage - 1]
        assert p.text[s.start:s.end] == s.text  # quoted verbatim, in Russian
    # Before: the English title put "amazon" into every passage, so the question's other words,
    # absent from the Russian index, made the absent-words rule abstain.
    assert gather(russian_index, question, question, a.passages).absent is None


def test_english_and_same_language_pools_keep_their_features(russian_index: Retriever) -> None:
    question = "Сколько видов деревьев произрастает в дождевых лесах Амазонки?"
    pool = gather(russian_index, question, question, russian_index.search(question, k=5))
    assert pool.unknown == frozenset()
    scorer = load_scorer()
    logits, picked, confidence = rank(pool, scorer)
    assert np.array_equal(logits, scorer.sentence.logits(pool.features))  # the path as it was
    assert "16 000" in " ".join(s.text for s in picked)
    assert Pool.from_dict(pool.to_dict()).unknown == frozenset() and "unknown" not in pool.to_dict()
