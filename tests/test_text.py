"""qa.text: the one analyser BM25 and the answer scorer share."""

from __future__ import annotations

import pytest

from qa.config import LexicalSettings
from qa.lexical import tokenize as bm25_tokens
from qa.text import analyser, content_terms, split_sentences, tokenize


def test_tokenize_is_unicode_and_lowercase():
    assert tokenize("Kloop Media, Бишкек 2023!") == ["kloop", "media", "бишкек", "2023"]


def test_bm25_tokens_are_unchanged_for_english():
    # The BM25 stop list stays Lucene's 33 words: "what", "who" and "about" remain searchable.
    assert bm25_tokens("What is the Journalists' arrest about?", LexicalSettings()) == \
        ["what", "journalist", "arrest", "about"]
    assert bm25_tokens("The cats", LexicalSettings(stem=False, stopwords=False)) == ["the", "cats"]


def test_content_terms_drop_question_words_and_stem():
    assert content_terms("What happened to the journalists?") == ["happen", "journalist"]
    assert content_terms("how many sites in 2023") == ["site", "2023"]


def test_analyser_is_a_table_lookup():
    english = analyser("English")
    assert english.language == "english" and "what" in english.stop_words
    assert english.search_stop_words < english.stop_words
    assert english.stem(["blocked", "Бишкек"]) == ["block", "Бишкек"]
    with pytest.raises(ValueError, match="no text analyser"):
        analyser("klingon")


def test_split_sentences_spans_are_exact():
    text = 'He left. "Why?" she asked. Dr. Roe stayed.\n\nA heading\nNext one.'
    assert [text[a:b] for a, b in split_sentences(text)] == \
        ["He left.", '"Why?" she asked.', "Dr. Roe stayed.", "A heading", "Next one."]


def test_cyrillic_words_are_read_by_their_own_language():
    from qa.config import LexicalSettings
    from qa.lexical import tokenize
    from qa.text import word_language

    # Russian inflections meet at one stem, in questions and in BM25 alike; stop words go.
    assert sorted(content_terms("Что случилось с журналистами?")) == sorted(content_terms("журналисты случились"))
    assert tokenize("журналистов и журналистами", LexicalSettings()) == ["журналист", "журналист"]
    # Kyrgyz has no Snowball stemmer: its words stay whole; English is read as before.
    assert word_language("көчөсү") == "kyrgyz" and content_terms("көчөсү") == ["көчөсү"]
    assert tokenize("The Journalists' arrests", LexicalSettings()) == ["journalist", "arrest"]


def test_russian_abbreviations_do_not_end_a_sentence():
    t = "В 1991 г. Киргизия стала независимой, т. е. вышла из СССР. «Клооп» закрыли."
    assert [t[a:b] for a, b in split_sentences(t)] == [
        "В 1991 г. Киргизия стала независимой, т. е. вышла из СССР.", "«Клооп» закрыли."]


def test_dot_leaders_camel_case_names_and_bullets_in_sentences():
    # A table row runs on past its dot leaders to its figures; a name in camel case opens a sentence;
    # a list item's bullet is not part of its sentence.
    t = ("Inbound pilotage ........ Up to $840 ....... Up to $52,400. Up to $1,900.\n"
         "Net sales rose. iPhone net sales increased.\n\n■ Developing countries absorb two thirds.")
    assert [t[a:b] for a, b in split_sentences(t)] == [
        "Inbound pilotage ........ Up to $840 ....... Up to $52,400.", "Up to $1,900.", "Net sales rose.",
        "iPhone net sales increased.", "Developing countries absorb two thirds."]
    b = "Women's testimony is given less weight. ■ The threat of violence persists. - and then"
    assert [b[a:c] for a, c in split_sentences(b)] == [
        "Women's testimony is given less weight.", "The threat of violence persists. - and then"]
    row = "09/03/2015 | MiaSole Hi-Tech Corp. (Santa Clara) | Layoff Permanent. Next row."
    assert [row[a:b] for a, b in split_sentences(row)] == [
        "09/03/2015 | MiaSole Hi-Tech Corp. (Santa Clara) | Layoff Permanent.", "Next row."]
    rows = "Mac | 8,046 | 7,009\niPad | 6,581 | 7,162\nbibliography titles | 89.3 | 89.4\nwrapped prose goes\non here."
    assert [rows[a:b] for a, b in split_sentences(rows)] == [
        "Mac | 8,046 | 7,009", "iPad | 6,581 | 7,162", "bibliography titles | 89.3 | 89.4", "wrapped prose goes\non here."]
    e = "He paused... Then he left."
    assert [e[a:b] for a, b in split_sentences(e)] == ["He paused...", "Then he left."]
