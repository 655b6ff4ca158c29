"""Is a would-be answer about what was asked? The question's words against the whole index.

1. Not in the documents (question level, `not_in_documents`): where each word of the question
   occurs is read from the BM25 postings (`Retriever.term_documents`: the documents holding it and
   the share of their chunks that do), never from the retrieved passages, so unrelated documents
   added to the folder cannot turn an abstention into an answer. "What is the capital of
   Kyrgyzstan" over a report on Kyrgyzstan abstains ("No document mentions 'capital'"), and
   still does next to reports on Micronesia and Afghanistan that say "president" and "population"
   but never "Kyrgyzstan".
2. About what was asked (per passage, `passage_checks`): how much of the question (its words
   weighted by their specificity in the index, idf, and its names: an organisation, a person, a
   place) the candidate's document lacks are inputs of the fitted scorer; a passage naming another
   period than the question's ("second quarter" for "third quarter", 2019 for 2020) is not quoted.
3. The asked-for kind (`kind_missing`): for "how many / how much" one of the quoted sentences
   (with the one it carries on into) must hold a quantity, for "when" a date (features.holds_kind),
   or the answer abstains. Choosing another candidate that holds one instead made unanswerable questions
   look answered (docs/answers.md). "Who" needing a person or organisation is a scorer input
   (HARD_KINDS).

4. A name or number the answering documents lack (`passage_checks`, "lacking"): a candidate's
   document that holds some of the question's names and period words but not another, which
   other documents hold ("Texas" and "2015" but never "December"), does not answer it; when every
   candidate's document lacks one, the answer abstains ("... never mentions 'December' (other
   documents do).").

When no candidate is left the answer abstains and `Answer.notes` says why. The checks have no
fitted parameter (docs/answers.md gives their effect on the public sets and real folders).

>>> key = key_terms("How much corporate income tax did ACCIONA pay in France in the third quarter of 2020?")
>>> key.focus, [s for _, s in key.names], [s for _, s in key.periods]
('corpor', ['ACCIONA', 'France'], ['third quarter', '2020'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from ..text import MONTH_NAMES, content_terms, periods
from . import languages
from .features import CAPITALISED, FRAME_WORDS, holds_kind, question_profile
from .periods import contradicted_periods, dated

if TYPE_CHECKING:
    from ..retriever import Passage, Retriever


@dataclass(frozen=True)
class KeyTerms:
    """The words of a question an answer must be about: (BM25 term, as written) pairs."""

    focus: str | None                 # the thing asked about, as a term
    focus_word: str
    names: list[tuple[str, str]]      # capitalised words (not the first) and numbers that are not periods
    periods: list[tuple[str, str]]    # (normalised period, as written): "q3", "h1", "2020"
    wants: str | None                 # "number", "date", "person", "place" or None
    terms: frozenset[str] = frozenset()  # all the question's content terms
    terms_in_order: tuple[str, ...] = ()
    written: dict[str, str] = field(default_factory=dict)  # term -> the word as the question wrote it
    asks_kind: bool = False  # the question asks for its kind in so many words (_ASKS)
    specific: frozenset[str] = frozenset()  # names and period words (_specific)
    kind: frozenset[str] = frozenset()  # the answer's kind as the question names it (_KIND: "religion")


def key_terms(question: str) -> KeyTerms:
    """The focus, names and periods of a question (qa/text.py reads the words)."""
    profile = question_profile(question)
    found_periods = periods(question)
    found_periods = [(norm, written) for norm, written in found_periods
                     if not (norm.startswith("m") and dated(question, written))]
    period_words = {w for _, written in found_periods for w in content_terms(written)}
    kind = frozenset(content_terms(m.group(1))) if (m := _KIND.match(question)) else frozenset()
    names: dict[str, str] = {}
    for m in CAPITALISED.finditer(question.strip()):
        for t in content_terms(m.group()):
            if t in profile.names and t not in period_words and t not in kind:
                names.setdefault(t, m.group().strip("'’"))
    for w in re.findall(r"\w+", question):
        for t in content_terms(w):
            if t in profile.names and t not in names and t not in period_words and t not in kind:
                names[t] = w
    # The focus is what is asked about: not the adjective of "how big / how many" (part of the ask),
    # nor a name (what it is asked about: "Kyrgyzstan" in "when did Kyrgyzstan hold elections").
    asking = {t for w in re.findall(r"\bhow\s+(\w+)", question.lower()) for t in content_terms(w)}
    asking.update(t for m in _FRAMING.finditer(question) for t in content_terms(m.group()))  # "according to X"
    # Nor the answer's kind ("religion" in "what religion is Westminster Abbey"): a document need not
    # say the word to answer ("Church of England").
    focus = next((t for t in profile.terms if t not in FRAME_WORDS and t not in asking and t not in names
                  and t not in kind), None)
    focus_word = ""
    if focus is not None:
        focus_word = next((w for w in re.findall(r"\w+", question) if focus in content_terms(w)), focus)
    written: dict[str, str] = {}
    for w in re.findall(r"[\w'’-]+", question):
        for t in content_terms(w):
            written.setdefault(t, w.strip("'’-"))
    asks = profile.wants in _ASKS and bool(_ASKS[profile.wants].search(question)) \
        or languages.asks_kind(profile.wants, question)
    return KeyTerms(focus, focus_word, list(names.items()), found_periods, profile.wants,
                    frozenset(profile.terms), tuple(profile.terms), written, asks,
                    _specific(names, period_words), kind)


_KIND = re.compile(r"\W*(?:what|which)\s+((?:[\w'’-]+\s+)?[\w'’-]+?)\s+(?:is|are|was|were|does|do|did|has|have|"
                   r"had|will|would|can|could|should|may|might)\b", re.IGNORECASE)
"""The answer's kind, named by the words between "what/which" and the verb: "religion" in "what religion
is Westminster Abbey", "law" in "which law was used", "area code" in "what area code is 949". The
question asks for a thing of that kind, which the answering document may name without the word
("Church of England"): it is not the question's focus nor a word the document must hold
(not_in_documents)."""


_MONTH_TERMS = frozenset(content_terms(" ".join(MONTH_NAMES)))
_YEARS = re.compile(r"(?:1\d|20)\d\d|(?:1\d)?\d0['’]?s")  # as the question writes them: 2015, 1980's, 70s
_FRAMING = re.compile(r"\baccording\s+to\b", re.IGNORECASE)


def _specific(names: dict[str, str], period_words: set[str]) -> frozenset[str]:
    """The terms an answer's document must hold: the names and the words of the periods ("decemb"
    and "2015" of "December 2015"). A month without a year ("March 21") is a date the document may
    write otherwise (03/21), not a name."""
    return frozenset({t for t in names if t not in _MONTH_TERMS} | period_words)


Evidence = dict[str, dict[str, float]]
"""term -> {doc_id: share of that document's chunks holding it} (Retriever.term_documents)."""


def evidence(retriever: Retriever, terms: Sequence[str]) -> Evidence:
    """Where each of the question's terms occurs in the index, read once per question."""
    return {t: _postings(retriever, t) for t in dict.fromkeys(terms)}


_MONTH_SHORT = {content_terms(m)[0]: (m[:3], "sept") if m == "september" else (m[:3],)
                for m in MONTH_NAMES if m != "may" and content_terms(m)}
"""A month's term -> its short forms ("june" -> "jun"): a ledger or a form dates "25-Jun-16"."""

_ORDINAL_FIGURES = {word: (f"{n}{suffix}", f"{n}d") if suffix in ("nd", "rd") else (f"{n}{suffix}",)
                    for n, (word, suffix) in enumerate(zip(
                        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh".split(),
                        "st nd rd th th th th th th th th".split()), start=1)}
"""An ordinal's word -> its figures ("third" -> "3rd", "3d"): a court letter writes "the 3d Circuit"."""


def _postings(retriever: Retriever, term: str) -> dict[str, float]:
    """The documents holding `term`, a stem of its word family (languages.related_terms: Russian
    only), for a month its short form ("Jun"), for an ordinal its figures ("3rd", "3d"), with the
    larger share of their chunks."""
    found = retriever.term_documents(term)
    for other in languages.related_terms(term) + _MONTH_SHORT.get(term, ()) + _ORDINAL_FIGURES.get(term, ()):
        more = retriever.term_documents(other)
        if more:
            found = {d: max(found.get(d, 0.0), more.get(d, 0.0)) for d in found.keys() | more.keys()}
    return found


SUBJECT_SHARE = 0.5
"""A word in at least this share of a document's chunks is the document's subject ("Kyrgyzstan" in
a report on Kyrgyzstan; the title counts, BM25 indexes it with every chunk): it says what the
document is about, not which passage answers."""


SUBJECT_MIN_CHUNKS = 3
"""In a document of one or two chunks every word runs through half of it: such a document shows
no subject, only words (most WikiQA articles here are one chunk long)."""


def not_in_documents(key: KeyTerms, found: Evidence, sizes: dict[str, int]) -> str | None:
    """Why no indexed document can answer, or None.

    No document holds every word of the question, and each document holding some of them holds
    only its subject words (in at least SUBJECT_SHARE of its chunks, the title included) and not
    the question's focus: the report on Kyrgyzstan, for "what is the capital of Kyrgyzstan",
    never says "capital"; "which year does the report cover" is left to the scorer (its focus,
    "year", is there, and "cover" may be said otherwise). A document shorter than
    SUBJECT_MIN_CHUNKS shows no subject: it may answer when it holds the focus and the question's
    names that the index knows (a two-chunk report on Micronesia saying "president" does not
    answer about Kyrgyzstan). A question none of whose words occur anywhere is left to the scorer (another topic or
    another language). Only documents are compared, never the retrieved passages, so unrelated
    documents added to the folder cannot turn the abstention into an answer (unless they hold the
    asked-about words themselves). A document lacking the question's names is a scorer input
    (passage_checks), not a rule: names are paraphrased too often ("India" for "Indian").
    `sizes`: the chunks of each document (Retriever.document_chunks).
    """
    # "the name of", "the kind of", "what religion is": they say what is asked, not what it is about
    terms = [t for t in key.terms_in_order if t not in FRAME_WORDS and t not in key.kind]
    documents = set().union(*(found.get(t, {}) for t in terms)) if terms else set()
    if not documents:
        return None
    names = {t for t, _ in key.names if found.get(t)}
    best: tuple[tuple[int, int], str] | None = None
    for d in documents:
        present = {t for t in terms if d in found.get(t, {})}
        if len(present) == len(terms):
            return None  # this document holds every word
        if sizes.get(d, 0) < SUBJECT_MIN_CHUNKS:
            if (key.focus is None or key.focus in present) and names <= present:
                return None  # a short document with what is asked about and the question's names
            continue
        if any(found[t][d] < SUBJECT_SHARE for t in present) or key.focus in present:
            return None  # a word specific to some passage of it, or what is asked about: it may answer
        rank = (len(present), sum(1 for t, _ in key.names if t in present))
        if best is None or rank > best[0]:
            best = (rank, d)
    if best is None:
        return None
    d = best[1]
    have = [key.written.get(t, t) for t in terms if d in found.get(t, {})]
    lack = [key.written.get(t, t) for t in terms if d not in found.get(t, {})]
    if all(not found.get(t) for t in terms if d not in found.get(t, {})):
        return f"No document mentions {_listed(lack)}."
    return f"The documents about {_listed(have)} never mention {_listed(lack)}."


FOCUS_MIN_CHUNKS = 8
"""A document this long that never says the focus, nor a word of its family, is not about it: a
short one (most XQuAD articles here are 4 to 7 chunks) says it in other words too often."""

UNSAID_BELOW = 0.73
"""The confidence an answer needs when no document found says what was asked (focus_unsaid): a
second threshold, above the scorer's. Chosen with the real dev folder and the public sets
(docs/answers.md: 0.70 catches 1 of its 2 such absent questions, 0.75 costs the absent set)."""


def focus_unsaid(retriever: Retriever, key: KeyTerms, found: Evidence, sizes: dict[str, int],
                 documents: Sequence[str]) -> str | None:
    """Why the documents found never say what was asked, or None.

    Each of `documents` (the candidates') is long (FOCUS_MIN_CHUNKS) and holds neither the
    question's focus nor a word of its family (family.family: "conviction", "sentenced" for
    "convicted"), while other documents of the index hold the focus: "who was convicted of the
    murder of Berta Cáceres" over an urgent action on her murder that never says "convicted" in a
    folder where court rulings do. Not a rule on its own (questions and articles paraphrase: "won"
    for "victory"): the answer then needs UNSAID_BELOW (reply.unsaid_reason).
    """
    from .family import family

    focus = key.focus
    holders = found.get(focus, {}) if focus is not None else {}
    if not holders or not documents or any(d in holders or sizes.get(d, 0) < FOCUS_MIN_CHUNKS for d in documents):
        return None
    mine = set(documents)
    for word in family(key.focus_word):
        for t in content_terms(word):
            if t != focus and mine & retriever.term_documents(t).keys():
                return None
    return f"The documents found never mention {key.focus_word!r} or a word like it (other documents do)."


def idf(found: Evidence, term: str, n_documents: int) -> float:
    """How specific a term is in the index: ln(1 + N / (df + 0.5)), df = documents holding it."""
    import math

    return math.log(1.0 + n_documents / (len(found.get(term, {})) + 0.5))


_FILLER = r"(?:\s+(?:of|for|and|on|in|the|to|&))*\s+"


def spelled_out(name: str, text: str) -> bool:
    """Whether `text` writes out the words an acronym stands for: "ACL" in "Proceedings of the 58th Annual
    Meeting of the Association for Computational Linguistics" (capitalised words whose initials spell
    it, function words between them aside; a letterhead's "UNITED STATES COURT" for "US"), or writes
    the acronym with full stops ("U.S. Court of Appeals"). A paper's footer names its venue in full.

    >>> spelled_out("ACL", "the Association for Computational Linguistics"), spelled_out("ACL", "a cold lake")
    (True, False)
    >>> spelled_out("US", "U.S. Court of Appeals"), spelled_out("US", "UNITED STATES COURT OF APPEALS")
    (True, True)
    """
    if not (2 <= len(name) <= 6 and name.isalpha() and name.isupper()):
        return False
    if re.search(r"\b" + r"\.\s?".join(name) + r"\.", text):
        return True  # "U.S." for "US", "U.N." for "UN"
    return re.search(r"\b" + _FILLER.join(f"{c}(?:[a-z]+|[A-Z]+)" for c in name) + r"\b", text) is not None


def passage_checks(key: KeyTerms, found: Evidence, n_documents: int, passage: Passage
                   ) -> tuple[float, float, list[str], list[str]]:
    """(share of the question's weight (idf) missing from the passage's document, share of its
    names missing from that document, the question's periods the passage contradicts, the
    question's specific terms its document never mentions although other documents do).

    Periods are contradicted as periods.contradicted_periods says: the second quarter's results for
    a question about the third.

    Specific terms (KeyTerms.specific: the question's names, and its periods' words) are lacking
    when the document holds some of them but not another that other documents of the index hold:
    the November checks by state answer nothing about Texas in "December 2015" when the folder
    has documents saying "December"; a report that never names Afghanistan, next to one that
    does, does not give Afghanistan's executions; rates of 1- to 5-year loans say nothing of a
    "7 Year" loan. A term no document holds says nothing (a typo, "Mongke" for "Möngke", or a
    word the documents spell otherwise), nor does a document holding none of them (what it says
    may still answer), nor a year or decade (_YEARS: a year is a period, checked in the passage
    itself; "the Panthers in 2015" are answered by an article that never writes the year).
    The answer abstains only when every candidate's document lacks some (Pool.about_asked):
    docs/answers.md gives what it costs on the public sets.
    """
    weights = {t: idf(found, t, n_documents) for t in key.terms_in_order}
    total = sum(weights.values()) or 1.0
    doc = passage.doc_id
    missing = sum(w for t, w in weights.items() if doc not in found.get(t, {})) / total
    names = [t for t, _ in key.names]
    names_missing = (sum(1 for t in names if doc not in found.get(t, {})) / len(names)) if names else 0.0
    contradicted = contradicted_periods(key.periods, passage.title, passage.source, passage.text)
    lacking = []
    if any(doc in found.get(t, {}) for t in key.specific):
        lacking = [key.written.get(t, t) for t in key.terms_in_order
                   if t in key.specific and found.get(t) and doc not in found[t]
                   and not _YEARS.fullmatch(key.written.get(t, t))
                   and not spelled_out(key.written.get(t, t), passage.text)]
    return missing, names_missing, contradicted, lacking


HARD_KINDS = ("number", "date")
"""Asked-for kinds a quote must hold: a quantity for "how many / how much", a date for "when"
(digits, number words, months, years: unambiguous). "Who" is often answered by a group ("the
peaceful residents caught up in ongoing conflicts"), not a name: there the missing name is an
input of the scorer (features.type_mismatch), not a rule."""


_ASKS = {"number": re.compile(r"\bhow (?:many|much)\b", re.IGNORECASE),
         "date": re.compile(r"^\W*(?:\w+\W+)?when\b|\b(?:what|which) (?:year|date|month|day)\b|\bin what year\b",
                            re.IGNORECASE)}
"""Where the question itself asks for the kind: "how many / how much", and "when" as its first or
second word or "what year" ("what happens when ..." asks for no date)."""


def kind_missing(key: KeyTerms, text: str, following: str = "") -> bool:
    """Whether a quoted sentence (with the one it carries on into) lacks the kind the question asks
    for in so many words (_ASKS); False when it asks for none of HARD_KINDS."""
    if key.wants not in HARD_KINDS or not key.asks_kind:
        return False
    return not holds_kind(f"{text} {following}", key.wants, key.terms)


KIND_WORDS = {"number": "a quantity", "date": "a date"}


def lacking_note(lacking: Sequence[str]) -> str:
    """Why nothing is quoted when every passage's document lacks a specific term of the question
    that other documents hold: `lacking`, the terms the would-be quote's document lacks."""
    return f"The best passage found is from a document that never mentions {_listed(lacking)} (other documents do)."


def period_note(contradicted: Sequence[Sequence[str]]) -> str:
    """Why nothing is quoted when every passage speaks of another period than the question's."""
    words = list(dict.fromkeys(w for c in contradicted for w in c))
    return f"The passages found are about another period than {_listed(words)}."


def kind_note(wants: str | None) -> str:
    """Why nothing is quoted when the would-be quote lacks the asked-for kind."""
    return f"The best passages found give no {KIND_WORDS.get(wants or '', 'answer')[2:]}."


def _listed(words: Sequence[str]) -> str:
    quoted = [repr(w) for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
