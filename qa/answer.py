"""Passages -> a short extractive answer: sentences quoted verbatim, each with its citation.

>>> from qa import Retriever
>>> from qa.answer import answer
>>> a = answer(Retriever.load("index"), "what happened to Kloop Media")
>>> a.text
'As examples, human rights defenders cited ... "Kloop Media," as well as the ban on rallies. [1]'
>>> answer(retriever, "and what about journalists?", history=[a.query]).query
'journalists what happened to Kloop Media'

How a sentence is chosen: the top passages are cut into sentences (spans of the document text,
never rewritten) and each sentence gets

    score = cosine(question, sentence) + OVERLAP_WEIGHT * overlap

where cosine comes from the index's own embedding model and `overlap` is the share of the
question's content words (stemmed, stopwords dropped) that the sentence contains. Chunks are
long, so a chunk's cosine is diluted by everything else it says ("what happened to Kloop Media"
scores only 0.33 against its chunk); a single sentence is a much sharper signal.

When the best sentence scores below ABSTAIN_BELOW the answer abstains: the documents do not seem
to answer the question, and the passages are shown only as the closest matches.

Calibration (all-MiniLM-L6-v2, seeds/ = the Amnesty Kyrgyzstan report, hybrid search, k=5; the
question lists are in tests/test_answer.py, rerun with `python tests/test_answer.py`):

    20 answerable questions          best score  min 0.58  median 1.01  max 1.32
    20 questions on other topics     best score  min -0.03 median 0.08  max 0.28
    3 on-topic, not in the report    best score  0.76, 0.76, 0.78   (capital, president,
                                     population of Kyrgyzstan: see the limitation below)

ABSTAIN_BELOW = 0.45 sits in the gap between 0.28 and 0.58. Extra sentences (three in all at
most) must score at least EXTRA_WITHIN times the best one.

Known limitation: a question on the documents' own subject whose specific ask is absent from
them ("what is the capital of Kyrgyzstan") still gets the closest on-topic sentence: its
cosine (0.51) is higher than that of some genuine answers ("what happened to Kloop Media":
0.42), and the only word it adds is absent from the corpus, as generic words of genuine
questions often are ("which year does the report *cover*"). The cited passages let a reader
see at once that the quote does not answer it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Sequence


if TYPE_CHECKING:
    from .retriever import Passage, Retriever

logger = logging.getLogger(__name__)

ABSTAIN_BELOW = 0.45
OVERLAP_WEIGHT = 0.5
EXTRA_WITHIN = 0.85
MAX_SENTENCES = 3
MAX_CANDIDATES = 300
MAX_QUESTION_CHARS = 1000

PASSAGE_FIELDS = ("score", "text", "source", "title", "start", "end", "line_start", "line_end", "page",
                  "chunk_id", "doc_id", "page_end", "dense_score", "lexical_score")
"""The per-passage keys of `qa ask --json` (after "rank"), in the same order."""

_STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over own
please same she should so some such tell than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which while
who whom why will with would you your yours yourself yourselves say said says know give show
may might must shall many much
""".split())

_FOLLOW_UP_START = re.compile(
    r"^\s*(?:and|but|also|so|then|or|what about|how about|what of|same for|and what about|"
    r"and how about|and the)\b", re.IGNORECASE)
_ANAPHORA = re.compile(r"\b(?:it|its|they|them|their|this|that|these|those|he|she|him|his|her|there)\b",
                       re.IGNORECASE)
_ELLIPSIS_LEAD = re.compile(r"^\s*(?:(?:and|but|also|so|then|or)\s+)*(?:(?:what|how)\s+about|what\s+of|"
                            r"same\s+for)?\s*", re.IGNORECASE)
_WORD = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st vs etc e.g i.e inc ltd jr sr no art fig gen sen rep gov col lt sgt capt "
    "mt ft approx dept est jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k p pp vol ch "
    "sec para cf al".split())


@dataclass(frozen=True)
class AnswerSentence:
    """One quoted sentence: `passage.text[start:end] == text` for the cited passage."""

    text: str
    passage: int          # 1-based citation number = rank of the passage in Answer.passages
    start: int            # span inside that passage's text
    end: int
    doc_start: int        # span inside the document's text (what retriever.document() returns)
    doc_end: int
    score: float
    cosine: float
    overlap: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "passage": self.passage, "start": self.start, "end": self.end,
                "doc_start": self.doc_start, "doc_end": self.doc_end, "score": round(self.score, 4),
                "cosine": round(self.cosine, 4), "overlap": round(self.overlap, 4)}


@dataclass(frozen=True)
class Answer:
    """The reply to one question: passages (cited as [1], [2], ...) and the quoted sentences."""

    question: str
    query: str                         # what was searched for (the question, or its condensed follow-up)
    passages: list[Passage]
    sentences: list[AnswerSentence]
    abstained: bool
    best_score: float                  # score of the best sentence (0.0 if there was none)
    mode: str = "hybrid"
    notes: list[str] = field(default_factory=list)  # e.g. "the question was shortened"

    @property
    def text(self) -> str:
        """The extractive answer with citation markers, or "" when abstaining."""
        return " ".join(f"{s.text} [{s.passage}]" for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        """`qa ask --json` plus "query", "answer", "sentences", "abstained" and "best_score"."""
        return {
            "question": self.question, "mode": self.mode,
            "passages": [{"rank": i, **{key: getattr(p, key) for key in PASSAGE_FIELDS}}
                         for i, p in enumerate(self.passages, start=1)],
            "query": self.query, "answer": self.text,
            "sentences": [s.to_dict() for s in self.sentences],
            "abstained": self.abstained, "best_score": round(self.best_score, 4),
            "notes": list(self.notes),
        }


def answer(retriever: Retriever, question: str, *, history: Sequence[str] | None = None, k: int = 5,
           mode: str = "hybrid", per_doc: int | None = None,
           abstain_below: float = ABSTAIN_BELOW) -> Answer:
    """Answer `question` from the index: search, then quote the best one to three sentences.

    `history` holds the earlier queries of the conversation (each Answer.query), oldest first; a
    follow-up such as "and what about journalists?" is searched together with the last one.
    """
    notes: list[str] = []
    question = " ".join(question.split())
    if len(question) > MAX_QUESTION_CHARS:
        notes.append(f"Only the first {MAX_QUESTION_CHARS:,} characters of the question were used.")
        question = question[:MAX_QUESTION_CHARS]
    previous = history[-1] if history else None
    query = condense(question, previous)
    passages = retriever.search(query, k=k, mode=mode, per_doc=per_doc) if question else []
    if not passages:
        return Answer(question, query, [], [], True, 0.0, mode, notes)

    candidates = _candidates(passages)
    if not candidates:
        return Answer(question, query, passages, [], True, 0.0, mode, notes)
    focus = question if previous is not None and query != question else query
    scored = _score(retriever, query, focus, candidates)
    best = scored[0].score
    if best < abstain_below:
        return Answer(question, query, passages, [], True, best, mode, notes)
    if focus != query:
        # A follow-up quotes only sentences that speak to the new question ("journalists"),
        # not the previous answer again.
        wanted = set(content_terms(focus))
        on_focus = [s for s in scored if wanted & set(content_terms(s.text))]
        scored = on_focus or scored
    return Answer(question, query, passages, _pick(scored), False, best, mode, notes)


def condense(question: str, previous: str | None) -> str:
    """The query to search for: a follow-up question is joined with the previous query.

    >>> condense("and what about journalists?", "what happened to Kloop Media")
    'journalists what happened to Kloop Media'
    >>> condense("What is the ban on rallies?", "what happened to Kloop Media")
    'What is the ban on rallies?'
    """
    if not previous or not is_follow_up(question):
        return question
    rest = _ELLIPSIS_LEAD.sub("", question, count=1).strip(" ?!.")
    return f"{rest or question} {previous}".strip()


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the previous one ("and journalists?", "why was it blocked?")."""
    content = content_terms(question)
    if _FOLLOW_UP_START.match(question):
        return True
    if _ANAPHORA.search(question) and len(content) <= 3:
        return True
    return len(content) <= 1 and len(question.split()) <= 4


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer, already a dependency of the BM25 index

    return Stemmer.Stemmer("english")


def content_terms(text: str) -> list[str]:
    """Stemmed, lowercased words of `text` without stopwords: `content_terms("the blocked sites")`
    -> ['block', 'site']."""
    words = [w.lower() for w in _WORD.findall(text)]
    return _stemmer().stemWords([w for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())])


# ---------------------------------------------------------------- sentences


@dataclass(frozen=True)
class _Candidate:
    text: str
    passage: int
    start: int
    end: int
    doc_start: int


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
        for m in re.finditer(r"[.!?…]+[\"'”’»)\]]*(\s+)", text[block_start:block_end]):
            cut = block_start + m.start(1)
            nxt = block_start + m.end()
            if nxt >= block_end:
                break
            follower = text[nxt]
            if not (follower.isupper() or follower.isdigit() or follower in "\"'“‘«([¿¡"):
                continue
            if text[cut - 1] == "." and _is_abbreviation(text, start, block_start + m.start()):
                continue
            spans.append((start, cut))
            start = nxt
        spans.append((start, block_end))
    return [(a, b) for a, b in (_trim(text, a, b) for a, b in spans) if b > a]


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraph-ish spans: split at blank lines and at line breaks before a non-lowercase line."""
    out, start = [], 0
    for m in re.finditer(r"\n[ \t\r\f\v]*(?:\n\s*)*", text):
        after = text[m.end():m.end() + 1]
        if m.group().count("\n") > 1 or not after or not after.islower():
            out.append((start, m.start()))
            start = m.end()
    out.append((start, len(text)))
    return out


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", text[sentence_start:dot])
    if not word:
        return False
    w = word.group(1).lower().rstrip(".")
    return w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha())


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _candidates(passages: Sequence[Passage]) -> list[_Candidate]:
    """Sentences of the passages that could be quoted, each once (overlapping chunks repeat text)."""
    seen: set[tuple[str, int]] = set()
    out: list[_Candidate] = []
    for number, p in enumerate(passages, start=1):
        spans = split_sentences(p.text)
        for i, (a, b) in enumerate(spans):
            s = p.text[a:b]
            ends = re.search(r"[.!?…:;][\"'”’»)\]]*$", s) is not None
            # Headings, bylines and captions ("Flag of Kyrgyzstan") are not answers.
            if len(s) < 15 or len(s.split()) < (3 if ends else 12) or not any(ch.isalpha() for ch in s):
                continue
            # A chunk can begin or end mid-sentence; such fragments are not quoted.
            if i == 0 and p.start > 0 and not (s[0].isupper() or s[0].isdigit() or s[0] in "\"'“‘«(["):
                continue
            if i == len(spans) - 1 and not ends and len(spans) > 1:
                continue
            key = (p.doc_id, p.start + a)
            if key in seen:
                continue
            seen.add(key)
            out.append(_Candidate(s, number, a, b, p.start + a))
            if len(out) >= MAX_CANDIDATES:
                return out
    return out


def _score(retriever: Retriever, query: str, focus: str,
           candidates: list[_Candidate]) -> list[AnswerSentence]:
    """Score every candidate against the query; best first.

    For a follow-up, `focus` is the new question alone: its words count double in the overlap so
    that "and journalists?" prefers sentences about journalists over the previous answer.
    """
    vectors = retriever.embedder.encode([query] + [c.text for c in candidates])
    cosines = vectors[1:] @ vectors[0]
    weights: dict[str, float] = {}
    for t in content_terms(query):
        weights[t] = 1.0
    if focus != query:
        for t in content_terms(focus):
            weights[t] = 2.0
    total = sum(weights.values())
    out = []
    for c, cos in zip(candidates, cosines):
        terms = set(content_terms(c.text))
        overlap = sum(w for t, w in weights.items() if t in terms) / total if total else 0.0
        out.append(AnswerSentence(c.text, c.passage, c.start, c.end, c.doc_start, c.doc_start + len(c.text),
                                  float(cos) + OVERLAP_WEIGHT * overlap, float(cos), overlap))
    out.sort(key=lambda s: (-s.score, s.passage, s.start))
    return out


def _pick(scored: list[AnswerSentence]) -> list[AnswerSentence]:
    """The best sentence, plus up to two more that score nearly as well and say something new."""
    best = scored[0]
    picked = [best]
    for s in scored[1:]:
        if len(picked) == MAX_SENTENCES or s.score < best.score * EXTRA_WITHIN:
            break
        if any(_same_words(s.text, p.text) for p in picked):
            continue
        picked.append(s)
    return picked


def _same_words(a: str, b: str) -> bool:
    ta, tb = set(content_terms(a)), set(content_terms(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.8
