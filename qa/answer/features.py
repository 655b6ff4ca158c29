"""What the answer scorer measures about each candidate sentence, as one row of numbers.

Features are few and each has a reason (weights in scorer.json, fitted by bench/fit_answer.py):
how close the sentence is to the question (cosines of the sentence, of it with its neighbours, of
its passage, and the passage's rank), how many of the question's words it shares (single words,
adjacent pairs, the question's names and numbers), whether it holds the kind of thing asked for
(a number for "how many", a date for "when", a name for "who"/"where"), negation mismatch, the
same overlaps weighted by how rare each question word is among the candidates, and question-level
signals of absence: the share of the question's words, of its names, and
whether the asked-for kind of thing, are missing from every candidate. An on-topic question whose
specific ask is absent ("what is the capital of Kyrgyzstan") shows up in those.

The word-reading features (LEXICAL_FEATURES) mean nothing when the question is written in another
language than the passages (an English question over Russian documents, found by the multilingual
embedding): `unknown_features` names them then, and the scorer imputes their training mean, so the
choice of sentence and the confidence rest on the embeddings (qa/answer/scorer.py, Logistic.logits).

>>> profile = question_profile("How many sites were blocked in 2023?")
>>> profile.wants, profile.terms
('number', ('site', 'block', '2023'))
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from ..text import content_terms, tokenize, word_language
from . import languages

FEATURES = (
    "cosine", "cosine_context", "cosine_passage", "log_rank", "overlap", "overlap_context",
    "pair_overlap", "name_overlap", "type_mismatch", "negation_mismatch", "novelty",
    "missing_everywhere", "names_missing_everywhere", "type_absent_everywhere", "cosine_gap",
    "log_words", "rare_overlap", "rare_overlap_context", "rare_missing_everywhere",
    "focus_in_context", "focus_missing_everywhere", "missing_from_corpus", "focus_missing_from_corpus",
    "document_missing", "names_missing_document",
)

LEXICAL_FEATURES = frozenset({
    "overlap", "overlap_context", "pair_overlap", "name_overlap", "negation_mismatch", "novelty",
    "missing_everywhere", "names_missing_everywhere", "rare_overlap", "rare_overlap_context",
    "rare_missing_everywhere", "focus_in_context", "focus_missing_everywhere", "missing_from_corpus",
    "focus_missing_from_corpus", "document_missing", "names_missing_document",
    # The asked-for kind reads words too: English number and month words, and "a name the question
    # does not already hold" compares the candidate's words with the question's.
    "type_mismatch", "type_absent_everywhere",
})
"""The features that compare the question's words with the candidates' words. The others come from
the embeddings (cosines), the passage rank and the sentence length, and hold in any language. A new
feature that reads the question's words belongs here. Looked up by name, never by position."""

_WANTS = (  # first match wins: (kind, pattern on the lowercased question)
    ("date", re.compile(r"\b(?:when|what (?:year|century|decade|date|month|day|time period)|"
                        r"which (?:year|century|decade|date|month)|in what year|how long ago|since when)\b")),
    ("frequency", re.compile(r"\bhow often\b")),
    ("number", re.compile(r"\b(?:how (?:many|much|long|old|far|big|large|tall|high|wide|deep|fast|heavy)|"
                          r"what (?:percentage|percent|number|amount|proportion|share|fraction|size)|"
                          r"how \w+ (?:percent|per cent)|(?:what|which) (?:is|was|are|were) the (?:population|"
                          r"area|length|height|cost|price|budget|distance|speed|temperature|weight|age|size))\b")),
    ("person", re.compile(r"\b(?:who|whom|whose)\b")),
    ("place", re.compile(r"\b(?:where|what (?:country|city|state|region|place|continent|town|island)|"
                         r"which (?:country|city|state|region|place|continent|town|island)|"
                         r"(?:what|which) (?:is|was|are|were) the capital)\b")),
)
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                          "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
                          "eighty ninety hundred hundreds thousand thousands million millions billion billions "
                          "trillion dozen dozens half quarter percent several".split())
_FREQUENCY_WORDS = frozenset("never rarely seldom occasionally sometimes often frequently regularly usually "
                             "routinely commonly always once twice daily weekly monthly yearly annually hourly "
                             "nightly repeatedly constantly continually".split())
""""How often" is answered by a count ("twice a year") or by an adverb: "Women rarely reported such
incidents to the police"."""
_MONTHS = frozenset("january february march april may june july august september october november "
                    "december".split())
_DATE_WORDS = frozenset(("century centuries decade decades bc ad bce ce year years "
                         # a "when" is also answered by a time of day, a weekday or a season
                         "noon midnight morning mornings afternoon evening evenings night nights dawn dusk "
                         "daily weekly monthly yearly annually today yesterday tomorrow "
                         "monday tuesday wednesday thursday friday saturday sunday "
                         "spring summer autumn winter").split())
_NEGATION = re.compile(r"\b(?:not|no|never|none|nor|neither|without|cannot|n't)\b|n't\b", re.IGNORECASE)
CAPITALISED = re.compile(rf"(?<![.!?]\s)(?<!^)\b[{languages.CAPITALS}][\w'’-]*")
_DIGITS = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:1\d{3}|20\d{2})s?\b")
_WORDS = re.compile(r"\w+")


# Words that only frame what is asked ("the name of", "the kind of"): never the focus.
FRAME_WORDS = frozenset(content_terms("name names kind type sort number amount part role purpose reason way "
                                 "example main called call term word mean happen happened")) | languages.frame_words()


@dataclass(frozen=True)
class QuestionProfile:
    """The parts of a question the features look at."""

    terms: tuple[str, ...]   # content terms, stemmed, in order (a tuple: profiles are remembered)
    names: frozenset[str]    # stems of capitalised words (not the first) and numbers in the question
    wants: str | None        # "date", "number", "frequency", "person", "place" or None
    negated: bool
    focus: str | None = None  # the first content term that is not a framing word: "capital" in
    #                           "what is the capital of Kyrgyzstan", the thing asked about


@lru_cache(maxsize=1024)
def question_profile(question: str) -> QuestionProfile:
    """Read a question once: its content terms, names, asked-for kind and negation. Remembered:
    an answer reads its question twice (key_terms, gather), and people repeat questions."""
    terms = tuple(dict.fromkeys(content_terms(question)))
    names = set()
    for m in CAPITALISED.finditer(question.strip()):
        names.update(content_terms(m.group()))
    names.update(t for t in terms if _DIGITS.search(t))
    lowered = question.lower()
    wants = next((kind for kind, pattern in _WANTS if pattern.search(lowered)), None) or languages.wants(lowered)
    focus = next((t for t in terms if t not in FRAME_WORDS), None)
    return QuestionProfile(terms, frozenset(n for n in names if n in terms), wants,
                           bool(_NEGATION.search(question)), focus)


def holds_kind(text: str, kind: str | None, question_terms: frozenset[str] = frozenset()) -> bool:
    """Whether `text` holds a thing of the asked-for kind that the question does not already name."""
    if kind is None:
        return True
    words = [w.lower() for w in _WORDS.findall(text)]
    if kind == "frequency":
        return holds_kind(text, "number", question_terms) or any(w in _FREQUENCY_WORDS for w in words)
    if kind in ("number", "date"):
        fresh = [w for w in words if w not in question_terms]
        if _DIGITS.search(" ".join(fresh)) or any(w in _NUMBER_WORDS or languages.number_word(w) for w in fresh):
            return True
        return kind == "date" and (bool(_YEAR.search(text)) or any(w in _MONTHS or w in _DATE_WORDS
                                                                   or languages.date_word(w) for w in fresh))
    # person / place: a capitalised word that is not the question's own
    for m in CAPITALISED.finditer(text):
        stems = _terms(m.group())
        if stems and not set(stems) <= question_terms:
            return True
    return False


def unknown_features(question: str, passage_texts: Sequence[str]) -> frozenset[str]:
    """The features the scorer must treat as unknown for this question: LEXICAL_FEATURES when the
    question's words cannot meet the passages' words at all (`lexically_apart`), else none.

    >>> {"focus_in_context", "overlap"} <= unknown_features("Who won?", ["Кто победил в матче?"])
    True
    >>> unknown_features("Who won?", ["The Broncos won the match."])
    frozenset()
    """
    return LEXICAL_FEATURES if lexically_apart(question, passage_texts) else frozenset()


def lexically_apart(question: str, passage_texts: Sequence[str]) -> bool:
    """Whether the question is written in another language than the passages, judged by the letters
    of their words (qa.text.word_language; the most common language of each side wins).

    Then none of the question's words can occur in the passages: every overlap reads 0 and every
    "missing everywhere" 1, which for a question in the documents' language means "not answered
    here": read that way, English questions over Russian documents (XQuAD) were answered right 43%
    of the time, against 75% with those features unknown (README, multilingual). A question and
    passages in the same language, English ones included, are never apart: their path is as it was.
    """
    asked, found = _main_language([question]), _main_language(passage_texts)
    return asked is not None and found is not None and asked != found


def _main_language(texts: Sequence[str]) -> str | None:
    """The language (qa.text.word_language) of most words with letters in `texts`; None without any."""
    counts: dict[str, int] = {}
    for text in texts:
        for language, n in _language_counts(text):
            counts[language] = counts.get(language, 0) + n
    return max(counts, key=counts.__getitem__) if counts else None


@lru_cache(maxsize=4096)
def _language_counts(text: str) -> tuple[tuple[str, int], ...]:
    """(language, words) of one text, remembered: the same passages come back question after
    question, and each answer asks twice (its features, then the absent-words rule)."""
    counts: dict[str, int] = {}
    for word in tokenize(text):
        if any(ch.isalpha() for ch in word):
            language = word_language(word)
            counts[language] = counts.get(language, 0) + 1
    return tuple(counts.items())


@lru_cache(maxsize=1 << 16)
def _terms(text: str) -> tuple[str, ...]:
    """content_terms, remembered: the same sentences and passages come back question after question."""
    return tuple(content_terms(text))


def candidate_features(profile: QuestionProfile, texts: Sequence[str], context_texts: Sequence[str],
                       cosines: np.ndarray, context_cosines: np.ndarray, passage_cosines: np.ndarray,
                       ranks: Sequence[int], passage_texts: Sequence[str],
                       in_corpus: Callable[[str], bool] | None = None,
                       documents: np.ndarray | None = None) -> np.ndarray:
    """One row of FEATURES per candidate sentence.

    `documents` holds, per candidate, what its document lacks of the question (support.py,
    passage_checks): the idf share of the question's words and the share of its names no chunk
    of that document holds (zeros without an index to ask).

    `context_texts` are each sentence with its neighbours in the chunk; `passage_texts` all the
    retrieved passages (for the question-level "missing everywhere" signals); `in_corpus` says
    whether a term occurs anywhere in the indexed documents (without it: in the passages).
    A word absent from the whole corpus is stronger evidence than one absent from five passages.
    """
    n = len(texts)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    q = set(profile.terms)
    pairs = {(a, b) for a, b in zip(profile.terms, profile.terms[1:])}
    everywhere = set().union(*(_terms(t) for t in passage_texts))
    missing = len(q - everywhere) / len(q) if q else 0.0
    names_missing = len(profile.names - everywhere) / len(profile.names) if profile.names else 0.0
    kinds = [holds_kind(t, profile.wants, frozenset(q)) for t in texts]
    type_absent = float(profile.wants is not None and not any(kinds))
    best_cosine = float(np.max(cosines))
    sentence_terms = [_terms(t) for t in texts]
    # How rare each question word is among the candidates (a word in every sentence tells little);
    # a word in none of them weighs the most.
    df = {t: sum(1 for terms in sentence_terms if t in terms) for t in q}
    idf = {t: math.log(1 + n / (1 + df[t])) for t in q}
    idf_total = sum(idf.values()) or 1.0
    rare_missing = sum(idf[t] for t in q - everywhere) / idf_total
    focus_missing = float(profile.focus is not None and profile.focus not in everywhere)
    known = in_corpus or everywhere.__contains__
    corpus_missing = sum(1 for t in q if not known(t)) / len(q) if q else 0.0
    focus_corpus_missing = float(profile.focus is not None and not known(profile.focus))
    for i, (text, context) in enumerate(zip(texts, context_texts)):
        terms = sentence_terms[i]
        own = set(terms)
        around = own | set(_terms(context))
        own_pairs = set(zip(terms, terms[1:]))
        out[i] = (
            cosines[i], context_cosines[i], passage_cosines[i], math.log(ranks[i]),
            len(q & own) / len(q) if q else 0.0,
            len(q & around) / len(q) if q else 0.0,
            len(pairs & own_pairs) / len(pairs) if pairs else 0.0,
            len(profile.names & own) / len(profile.names) if profile.names else 1.0,
            float(not kinds[i]),
            float(profile.negated != bool(_NEGATION.search(text))),
            len(own - q) / len(own) if own else 0.0,
            missing, names_missing, type_absent,
            cosines[i] - best_cosine,
            math.log(1 + len(text.split())),
            sum(idf[t] for t in q & own) / idf_total,
            sum(idf[t] for t in q & around) / idf_total,
            rare_missing,
            float(profile.focus is None or profile.focus in around),
            focus_missing,
            corpus_missing,
            focus_corpus_missing,
            *(documents[i] if documents is not None else (0.0, 0.0)),
        )
    return out
