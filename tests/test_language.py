"""Language detection and the per-language tables, on real Russian and English text (XQuAD)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import language

ROOT = Path(__file__).resolve().parent.parent
EVAL = next((p for p in (ROOT.parent / "shared" / "eval", ROOT.parent.parent / "shared" / "eval")
             if (p / "xquad-ru-a").is_dir()), ROOT.parent / "shared" / "eval")
# The first paragraph of XQuAD-ru's Amazon_rainforest (CC BY-SA 4.0), kept here so the
# tests run without shared/.
RUSSIAN = ("Дождевые леса Амазонки (португальский: Floresta Amazônica или Amazônica, испанский: "
           "Selva Amazónica, Amazonía или обычно Amazonia, французский: Forêt amazonienne, "
           "голландский: Amazoneregenwoud), также известные как Амазония или джунгли Амазонки — "
           "это влажный широколиственный лес, покрывающий большую часть бассейна Амазонки в Южной "
           "Америке. Бассейн охватывает 7 000 000 квадратных километров (2 700 000 квадратных миль), "
           "из которых 5 500 000 квадратных километров (2 100 000 квадратных миль) покрыты "
           "дождевыми лесами. Государства или департаменты в четырех странах содержат слово "
           "«Амазония» в своих названиях.")
KYRGYZ = ("Кыргыз Республикасы — Борбордук Азиядагы өлкө. Өлкөнүн борбору — Бишкек шаары. Кыргыз "
          "тили мамлекеттик тил болуп эсептелет, ал эми орус тили расмий тил катары колдонулат. "
          "Өлкөнүн калкы жети миллиондон ашат.")


def _documents(name: str) -> list[Path]:
    folder = EVAL / name / "documents"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    return sorted(folder.glob("*.txt"))


@pytest.mark.parametrize("no_model", [False, True])
def test_detects_russian_kyrgyz_and_english(no_model: bool, monkeypatch) -> None:
    if no_model:  # without py3langid: script statistics and letters only
        monkeypatch.setattr(language, "_identifier", lambda languages: None)
    assert language.detect(RUSSIAN) == "ru"
    assert language.detect(KYRGYZ) == "ky"
    english = (ROOT / "seeds" / "amnesty-report-kyrgyzstan-2023.txt").read_text(encoding="utf-8")
    assert language.detect(english) == "en"


def test_every_xquad_document_gets_its_language() -> None:
    assert {language.detect(p.read_text(encoding="utf-8")) for p in _documents("xquad-ru-a")} == {"ru"}
    assert {language.detect(p.read_text(encoding="utf-8")) for p in _documents("xquad-en-a")} == {"en"}


def test_short_or_empty_latin_text_stays_english() -> None:
    for text in ("", "   ", "12 345", "Bonjour", "Hauptstadt Bischkek", "Ok."):
        assert language.detect(text) == "en"
    german = "Die Hauptstadt von Kirgisistan ist Bischkek, und die Stadt liegt im Norden des Landes. " * 4
    assert language.detect(german) == "de"  # long and unmistakable: then it is said


def test_detection_is_deterministic() -> None:
    assert len({language.detect(RUSSIAN[:n]) for n in (400, 400, 400)}) == 1
    assert [language.detect(RUSSIAN) for _ in range(3)] == ["ru"] * 3


def test_stemmer_names_are_pystemmer_algorithms() -> None:
    import Stemmer

    assert language.stemmer_name("ru") == language.stemmer_name("russian") == "russian"
    assert language.stemmer_name("en") == "english"
    assert language.stemmer_name("ky") is None  # no Snowball stemmer: words stay as they are
    known = set(Stemmer.algorithms())
    assert all(language.stemmer_name(c) in known for c in language.NAMES if language.stemmer_name(c))
    stem = Stemmer.Stemmer(language.stemmer_name("ru")).stemWords
    assert stem(["лесами", "леса"]) == ["лес", "лес"]


def test_russian_stopwords_drop_function_words_of_a_real_paragraph() -> None:
    import re

    stop = language.stopwords("ru")
    words = re.findall(r"\w+", RUSSIAN.lower())
    dropped = {w for w in words if w in stop}
    assert {"или", "как", "это", "в", "из"} <= dropped
    assert not {"леса", "амазонки", "бассейн", "километров"} & dropped
    assert language.search_stopwords("ru") <= stop  # BM25's list is the shorter one
    assert {"сколько", "назовите"} <= stop - language.search_stopwords("ru")
    assert language.stopwords("xx") == frozenset()


def test_abbreviations_and_quotes_for_cyrillic() -> None:
    ru = language.abbreviations("russian")
    assert {"т. е.", "г.", "гг.", "т. д."} <= set(ru) and all(a.endswith(".") for a in ru)
    assert language.abbreviations("en") == ()
    assert "«" in language.QUOTES["ru"] and "»" in language.QUOTES["ru"]


def test_codes_and_names_round_trip() -> None:
    assert language.code("russian") == "ru" and language.name("ru") == "russian"
    assert all(language.code(language.name(c)) == c for c in language.NAMES)
