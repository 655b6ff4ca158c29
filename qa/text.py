"""The one text analyser: word tokens, stop words, stemming, content terms and sentence spans.

BM25 (qa/lexical.py) and the answer scorer (qa/answer/) both read text through this module, so
a word means the same thing to both. Everything language-specific comes from `analyser(language)`,
a lookup in `_LANGUAGES`: adding a language is one more row there.

>>> content_terms("What happened to the journalists?")
['happen', 'journalist']
>>> t = 'He left. "Why?" she asked.'
>>> [t[a:b] for a, b in split_sentences(t)]
['He left.', '"Why?" she asked.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# \w is Unicode-aware in Python: Latin with accents, Cyrillic, digits all make tokens.
_TOKEN = re.compile(r"\w+", re.UNICODE)

# Function words and question filler ("tell", "say") that carry no topic: what a question's
# content terms leave out. Wider than the list BM25 drops (Lucene's 33 words, as bm25s ships
# them), which stays as it is so that BM25 scores do not move.
_ENGLISH_STOP = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over own
please same she should so some such tell than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which while
who whom why will with would you your yours yourself yourselves say said says know give show
may might must shall many much
""".split())


def _bm25s_english() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def _from_language_table(code: str):
    """Content and BM25 stop words of a language qa/language.py knows."""
    from . import language

    return language.stopwords(code), lambda: language.search_stopwords(code)


# language -> (Snowball stemmer name or None, content stop words, loader of the BM25 stop words)
_LANGUAGES: dict[str, tuple[str | None, frozenset[str], Any]] = {
    "english": ("english", _ENGLISH_STOP, _bm25s_english),
    "russian": ("russian", *_from_language_table("ru")),
    "kyrgyz": (None, *_from_language_table("ky")),  # Snowball has no Kyrgyz stemmer: words stay whole
}

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_KYRGYZ_LETTERS = re.compile(r"[ңөүҢӨҮ]")


def word_language(word: str) -> str:
    """Which analyser reads a word, by its letters: Cyrillic words are Russian (Kyrgyz if they hold
    ң, ө or ү), everything else English. Per word, so a query and a document always agree and
    mixed-language text works; English words are read exactly as before.

    >>> word_language("журналисты"), word_language("журналисттер"), word_language("Kloop")
    ('russian', 'russian', 'english')
    >>> word_language("көчөсү")
    'kyrgyz'
    """
    if not _CYRILLIC.search(word):
        return "english"
    return "kyrgyz" if _KYRGYZ_LETTERS.search(word) else "russian"


def analyse(words: list[str], *, stop: str | None = "content", stem: bool = True) -> list[str]:
    """Drop stop words (`stop`: "content", "search" or None) and stem, each word by its own
    language's analyser; order kept.

    >>> analyse(["the", "journalists", "и", "журналисты"])
    ['journalist', 'журналист']
    """
    by_language: dict[str, list[int]] = {}
    kept: list[str] = []
    for w in words:
        a = analyser(word_language(w))
        if stop == "content" and w in a.stop_words or stop == "search" and w in a.search_stop_words:
            continue
        by_language.setdefault(a.language, []).append(len(kept))
        kept.append(w)
    if stem:
        for language, at in by_language.items():
            for i, stemmed in zip(at, analyser(language).stem([kept[i] for i in at])):
                kept[i] = stemmed
    return kept


@dataclass(frozen=True)
class Analyser:
    """One language's stop words and stemmer: `analyser("english").stem(["blocked"]) -> ['block']`."""

    language: str
    stop_words: frozenset[str]          # dropped from content terms
    search_stop_words: frozenset[str]   # dropped from BM25 tokens (a shorter list)
    stemmer_name: str | None

    def stem(self, words: list[str]) -> list[str]:
        """Snowball stems (words as they are for a language without a stemmer)."""
        if not words or self.stemmer_name is None:
            return list(words)
        return _stemmer(self.stemmer_name).stemWords(words)


@lru_cache(maxsize=None)
def analyser(language: str = "english") -> Analyser:
    """The analyser of `language` (a key of the language table); ValueError for unknown ones."""
    key = language.lower()
    if key not in _LANGUAGES:
        raise ValueError(f"no text analyser for language {language!r}; known: {', '.join(_LANGUAGES)}")
    stemmer_name, stop, search_stop = _LANGUAGES[key]
    return Analyser(key, stop, search_stop(), stemmer_name)


@lru_cache(maxsize=None)
def _stemmer(name: str):
    import Stemmer  # PyStemmer

    return Stemmer.Stemmer(name)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens: `tokenize("Kloop's site_") -> ['kloop', 's', 'site_']`."""
    return [t for t in _TOKEN.findall(text.lower()) if t != "_"]


def content_terms(text: str) -> list[str]:
    """Stemmed words of `text` without stop words and one-letter words (digits stay), in order;
    each word read by its own language's analyser (see word_language).

    >>> content_terms("the blocked sites")
    ['block', 'site']
    >>> content_terms("Что случилось с журналистами?")
    ['случ', 'журналист']
    """
    return analyse([w for w in tokenize(text) if len(w) > 1 or w.isdigit()], stop="content")


# ---------------------------------------------------------------- sentences

def _abbreviations() -> frozenset[str]:
    """The words before a full stop that does not end a sentence: English, plus the Russian and
    Kyrgyz lists of qa/language.py ("т. е." -> "е", "гг." -> "гг")."""
    from . import language

    english = ("mr mrs ms dr prof st vs etc e.g i.e inc ltd jr sr no art fig gen sen rep gov col lt "
               "sgt capt mt ft approx dept est jan feb mar apr jun jul aug sep sept oct nov dec u.s "
               "u.k p pp vol ch sec para cf al corp co").split()
    other = [a.split()[-1].rstrip(".").lower() for lang in ("ru", "ky") for a in language.abbreviations(lang)]
    return frozenset(english + [a for a in other if a])


_ABBREVIATIONS = _abbreviations()
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(\s+)")
_LEADER = re.compile(r"\.{4,}")  # dot leaders of a table or contents line: "change ...... Up to $3,790"
# A word that opens a sentence although its first letter is small: a name in camel case ("iPhone net
# sales increased", "eBay said"), which reads as capitalised.
_CAMEL = re.compile(r"[a-z]{1,5}[A-Z]")
_BULLETS = "■□●○•◦▪▫◆◇►▶–—-*·"


_ORDINALS = {"first": "1", "1st": "1", "second": "2", "2nd": "2", "third": "3", "3rd": "3", "fourth": "4",
             "4th": "4"}
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")
_MONTHS = MONTH_NAMES
_PERIOD = re.compile(
    r"\b(?:(?P<qo>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter|q(?P<qn>[1-4])|(?P<nq>[1-4])q|"
    r"(?P<ho>first|second|1st|2nd)[\s-]+half|h(?P<hn>[12])|(?P<year>(?:19|20)\d\d)|"
    r"(?P<month>" + "|".join(m.capitalize() for m in _MONTHS) + r")(?=\s+(?:\d{1,2},?\s+)?(?:19|20)\d\d))\b",
    re.IGNORECASE)


def periods(text: str) -> list[tuple[str, str]]:
    """The periods a text names, normalised, with the words as written: quarters ("q3" for "third
    quarter", "Q3", "3Q"), halves ("h1" for "first half", "H1"), years ("2020") and months
    followed by a year ("m12" for "December 2015").

    >>> periods("results for the third quarter of 2020 (Q3 2020) and H1; checks in November 2015")
    [('q3', 'third quarter'), ('2020', '2020'), ('h1', 'H1'), ('m11', 'November'), ('2015', '2015')]
    """
    out: dict[str, str] = {}
    for m in _PERIOD.finditer(text):
        g = m.groupdict()
        if g["qo"] or g["qn"] or g["nq"]:
            norm = "q" + (_ORDINALS[g["qo"].lower()] if g["qo"] else g["qn"] or g["nq"])
        elif g["ho"] or g["hn"]:
            norm = "h" + (_ORDINALS[g["ho"].lower()] if g["ho"] else g["hn"])
        elif g["month"]:
            norm = f"m{_MONTHS.index(g['month'].lower()) + 1:02d}"
        else:
            norm = g["year"]
        out.setdefault(norm, m.group())
    return list(out.items())


SENTENCE_RULES = 2
"""The version of split_sentences' rules. The build stores each chunk's sentence spans (and their
vectors); an index whose spans were cut by other rules is embedded again (qa/build.py). 2: dot
leaders, camel-case names, list bullets, "Corp."/"Co.", a table row a line of its own."""


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, whitespace trimmed.

    Blank lines always end a sentence; a single line break does too unless the next line starts
    in lower case (hard-wrapped prose). Inside a paragraph a sentence ends at . ! ? (and any
    closing quotes) followed by a space and a capital or digit, except after abbreviations.

    >>> t = 'He left. "Why?" she asked. Dr. Roe stayed.'
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['He left.', '"Why?" she asked.', 'Dr. Roe stayed.']
    """
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text):
        start = block_start
        for m in _SENTENCE_END.finditer(text, block_start, block_end):
            cut, nxt = m.start(1), m.end()
            if nxt >= block_end:
                break
            if not opens_sentence(text, nxt):
                continue
            if text[cut - 1] == "." and _is_abbreviation(text, start, m.start()):
                continue
            if _LEADER.fullmatch(text, m.start(), cut):  # a leader leads on to the row's figures
                continue
            spans.append((start, cut))
            start = nxt
        spans.append((start, block_end))
    return [(a, b) for a, b in (_trim(text, a, b) for a, b in spans) if b > a]


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraph-ish spans: split at blank lines, at line breaks before a non-lowercase line, and
    around a table row ("iPad | 6,581 | 7,162": a row is a line of its own, whatever its case)."""
    out, start = [], 0
    for m in re.finditer(r"\n[ \t\r\f\v]*(?:\n\s*)*", text):
        after = text[m.end():m.end() + 1]
        if m.group().count("\n") > 1 or not after or not after.islower() \
                or " | " in text[text.rfind("\n", 0, m.start()) + 1:m.start()] \
                or " | " in text[m.end():_line_end(text, m.end())]:
            out.append((start, m.start()))
            start = m.end()
    out.append((start, len(text)))
    return out


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def opens_sentence(text: str, i: int = 0) -> bool:
    """Whether text[i:] can open a sentence: a capital, a digit, an opening quote or bracket, or a
    camel-case name.

    >>> opens_sentence("iPhone net sales increased"), opens_sentence("and then")
    (True, False)
    """
    c = text[i]
    if c in _BULLETS and text[i + 1:i + 2].isspace() and i + 2 < len(text):  # "... men. ■ The threat ..."
        return opens_sentence(text, i + 2)
    return c.isupper() or c.isdigit() or c in "\"'“‘«([¿¡" or _CAMEL.match(text, i) is not None


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", text[sentence_start:dot])
    if not word:
        return False
    w = word.group(1).lower().rstrip(".")
    return w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha())


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Whitespace and a list item's bullet ("■ ", "• ") are not part of the sentence."""
    while a < b and (text[a].isspace() or text[a] in _BULLETS and a + 1 < b and text[a + 1].isspace()):
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
