"""Russian questions read as English ones are (issue 27): the asked-for kind ("сколько", "когда",
"кто", "где"), names in Cyrillic capitals, Russian number and date words, question filler that is
not the question's focus, and a word's presence in the documents judged across its inflections
(qa/answer/languages.py). English questions read exactly as before.

The end-to-end tests build a real index of two short Russian texts written for this test with the
multilingual model (e5 in onnxruntime).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer.features import holds_kind, question_profile
from qa.answer.languages import related_terms
from qa.answer.support import evidence, key_terms, kind_note
from qa.text import content_terms

from conftest import write

LIBRARY = ("Городская библиотека\n\n"
           "Городская библиотека открыта для всех жителей района. Читатели берут книги домой и читают "
           "свежие журналы в просторном зале. Библиотека проводит встречи с писателями и лекции по истории "
           "края. Волонтёры помогают пожилым читателям найти нужные издания.\n")
EXPEDITION = ("Северная экспедиция\n\n"
              "Экспедиция вышла из Архангельска 12 мая 1912 года на небольшом парусном судне. Продвижению "
              "экспедиции препятствовали сильные морозы и нехватка продовольствия. Участники вернулись "
              "домой осенью следующего года и описали свой путь в книге.\n")


@pytest.mark.parametrize("question,kind", [
    ("Сколько очков уступила защита Пэнтерс?", "number"),
    ("Какова была численность белого населения в Джэксонвилле?", "number"),
    ("Когда эти поселенцы были натурализованы?", "date"),
    ("В каком году ABC перестала использовать мелодию?", "date"),
    ("Кто был лидером Пэнтерс по мешкам?", "person"),
    ("Где родился Тесла?", "place"),
    ("Что такое сепсис?", None),
    ("Какими можно считать формы неповиновения, когда люди не платят налоги?", None),
])
def test_russian_questions_ask_for_a_kind(question: str, kind: str | None) -> None:
    assert question_profile(question).wants == kind


def test_english_questions_read_as_before() -> None:
    profile = question_profile("Who led the Panthers in sacks in 2015?")
    assert profile.wants == "person" and profile.names == frozenset({"panther", "2015"})
    assert question_profile("What happens when the Panthers lose?").wants == "date"  # as before
    assert related_terms("block") == () and related_terms("panther") == ()


def test_russian_names_and_focus() -> None:
    assert question_profile("Кто был лидером Пэнтерс по мешкам?").names == frozenset({"пэнтерс"})
    key = key_terms("Когда Лютер расширил свою критику?")
    assert [t for t, _ in key.names] == ["лютер"] and key.focus == "расшир"
    # question filler is not a content term, so not the focus ("что такое" = "what is")
    assert content_terms("Что такое сепсис?") == ["сепсис"]
    assert key_terms("Каким образом гугеноты освоились в Америке?").focus == "гугенот"
    assert key_terms("Как называется норманский замок?").focus == "норманск"


def test_russian_number_and_date_words_hold_the_kind() -> None:
    assert holds_kind("Дэвис собрал четыре вынужденных потери мяча.", "number")
    assert holds_kind("Этот регион принадлежит девяти странам.", "number")
    assert holds_kind("Сделка принесла сотни тысяч рублей.", "number")
    assert not holds_kind("Библиотека открыта для всех жителей района.", "number")
    assert holds_kind("Поселенцы получили гражданство в мае, после долгих споров.", "date")
    assert holds_kind("Собор построили в четырнадцатом веке.", "date")
    assert not holds_kind("Поселенцы получили гражданство после долгих споров.", "date")
    assert key_terms("Сколько книг в библиотеке?").asks_kind
    assert key_terms("Когда экспедиция вышла в море?").asks_kind


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    from qa import Retriever, build_index
    from qa.config import Settings

    base: Path = tmp_path_factory.mktemp("russian")
    write(base / "docs", "library.txt", LIBRARY)
    write(base / "docs", "expedition.txt", EXPEDITION)
    build_index(base / "docs", base / "index", settings=Settings(model="multilingual"))
    return Retriever.load(base / "index")


def test_a_word_is_found_in_another_form(retriever) -> None:
    """'препятствуют' (stem препятств) in the question, 'препятствовали' (препятствова) in the text."""
    (term,) = content_terms("препятствуют")
    assert retriever.term_documents(term) == {}  # the stems differ
    holding = retriever.search("препятствовали", k=1, mode="lexical")[0]
    assert holding.source == "expedition.txt"
    assert set(evidence(retriever, [term])[term]) == {holding.doc_id}


def test_how_many_without_a_quantity_abstains(retriever) -> None:
    from qa.answer import answer

    a = answer(retriever, "Сколько книг хранится в городской библиотеке?")
    assert a.abstained and kind_note("number") in a.notes
    answered = answer(retriever, "Что препятствовало продвижению экспедиции?")
    assert not answered.abstained and "морозы" in answered.sentences[0].text
    when = answer(retriever, "Когда экспедиция вышла из Архангельска?")
    assert not when.abstained and "12 мая 1912" in when.sentences[0].text


def test_the_docs_examples_run() -> None:
    import doctest

    doc = Path(__file__).resolve().parents[1] / "docs" / "russian-answers.md"
    result = doctest.testfile(str(doc), module_relative=False)
    assert result.failed == 0 and result.attempted >= 5
