"""Passages -> a short extractive answer: sentences quoted verbatim, each with its citation.

>>> from qa import Retriever, answer
>>> a = answer(Retriever.load("index"), "what happened to Kloop Media")
>>> a.text
'As examples, human rights defenders cited ... "Kloop Media," as well as the ban on rallies. [1]'
>>> a.confidence  # calibrated probability that the quote answers the question
0.87

How: the top passages are cut into sentences (spans of the document text, never rewritten);
`gather` measures each candidate (qa/answer/features.py), the fitted sentence model ranks them,
and the answer model turns the best one into a calibrated confidence (qa/answer/scorer.py).
Below the scorer's threshold the answer abstains: the passages are shown only as the closest
matches. Everything per sentence except the question's own vector is a lookup
(qa/answer/sentences.py), so answering costs one question embedding plus arithmetic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, MutableMapping, Sequence

import numpy as np

from ..checks import check_history, search_args
from ..text import content_terms
from .conversation import condense
from .fields import asked_lines
from .quotes import (asked_kind, asks_deadline, asks_identifier, asks_pages, continues, dated_field, gives_pages,
                     is_reference, labelled_by, names_identifier, names_kind, quotable, same_words, unasked_lines)
from .record import Answer, AnswerSentence
from .features import candidate_features, lexically_apart, question_profile, unknown_features
from .scorer import Scorer, answer_features, load_scorer, softmax
from .sentences import SentenceData, sentence_data
from .support import (UNSAID_BELOW, evidence, focus_unsaid, key_terms, kind_missing, kind_note, lacking_note,
                      not_in_documents, passage_checks, period_note)

if TYPE_CHECKING:
    from ..retriever import Passage, Retriever

logger = logging.getLogger(__name__)

EXTRA_WITHIN = 0.05
"""An extra sentence is quoted when the sentence model gives it at least this share of the best
one's belief (up to MAX_SENTENCES). The sentence model is right first time on about 3 questions
in 4; quoting the near-misses too puts the answer among the quotes far more often (XQuAD-en, never
abstaining, cross-validated: 0.881 at 0.25, 0.922 at 0.10, 0.928 at 0.05) for 1.6 -> 2.1 quoted
sentences on average; the best sentence stays first (bench/fit_answer.py prints both)."""
MAX_SENTENCES = 3
MAX_CANDIDATES = 300


PAGES_DEPTH = 20
"""How deep the search looks for a passage giving a page range when the question asks "which pages"."""


def furniture(question: str):
    """What a line of page furniture answering `question` gives, as a test of a text, else None: a page
    range for "which pages", a date under a label made of the question's words for "when"."""
    if asks_pages(question):
        return gives_pages
    if question_profile(question).wants == "date" and not asks_deadline(question):
        terms = set(content_terms(question))
        return lambda text: any(dated_field(line, terms) for line in text.split("\n"))
    return None


def answer(retriever: Retriever, question: str, *, history: Sequence[str] | None = None, k: int = 5,
           mode: str = "hybrid", per_doc: int | None = None, abstain_below: float | None = None,
           scorer: Scorer | None = None, where: dict[str, Any] | None = None) -> Answer:
    """Answer `question` from the index: search, then quote the best one to three sentences.

    `history` holds the earlier queries of the conversation (each Answer.query), oldest first; a
    follow-up such as "and what about journalists?" is searched together with the last one.
    `abstain_below` overrides the scorer's confidence threshold (-1 never abstains).
    `where` searches only the documents it keeps (Retriever.search, qa.filters).
    """
    notes: list[str] = []
    limit = retriever.settings.max_question_chars
    if isinstance(question, str) and len(question) > limit:
        notes.append(f"Only the first {limit:,} characters of the question were used.")
    question, k, mode, per_doc = search_args(question, k, mode, per_doc, retriever.settings)
    question = " ".join(question.split())
    history = check_history(history)
    previous = history[-1] if history else None
    query = condense(question, previous)
    # "On which pages ... printed?", "When was it printed?": a paper's first-page footer gives the pages in
    # a chunk of footnotes and URLs that BM25 finds and the model does not, a sheet's footer its print
    # date in a chunk of its own; when the top k give none, the first passage giving one within
    # PAGES_DEPTH takes the place of the k-th (the answer still shows k passages).
    gives = furniture(question) if question else None
    deep = max(k, PAGES_DEPTH) if gives else k
    passages = retriever.search(query, k=deep, mode=mode, per_doc=per_doc, where=where) if question else []
    if deep > k:
        further = [] if any(gives(p.text) for p in passages[:k]) else [p for p in passages[k:] if gives(p.text)][:1]
        passages = passages[:k - len(further)] + further
    focus = question if previous is not None and query != question else query
    pool = gather(retriever, query, focus, passages)
    return decide(question, query, passages, pool, scorer or load_scorer(), mode, notes, abstain_below)


# ---------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Candidate:
    """A sentence that could be quoted; `next` is the candidate right after it in its passage (or -1)."""

    text: str
    passage: int
    start: int
    end: int
    doc_start: int
    next: int = -1


@dataclass
class Pool:
    """The candidates of one question with their FEATURES rows (what the scorer sees)."""

    candidates: list[Candidate]
    features: np.ndarray
    on_focus: list[bool]  # for a follow-up: the candidate speaks to the new question's words
    unknown: frozenset[str] = frozenset()  # features the scorer imputes (features.unknown_features)
    absent: str | None = None  # why no document can answer (support.absent_together), else None
    gaps: list[list[str]] = field(default_factory=list)  # per candidate: the question's periods its passage contradicts
    kind_gaps: list[bool] = field(default_factory=list)  # per candidate: it lacks the asked-for quantity/date
    wants: str | None = None  # the asked-for kind
    lacking: list[list[str]] = field(default_factory=list)  # per candidate: the question's specific terms
    #                                                          its document lacks (support.passage_checks)
    unsaid: str | None = None  # why no candidate's document says what was asked (support.focus_unsaid)
    labelled: list[int] = field(default_factory=list)  # the table rows and fields labelled with the
    #                                                    question's words (labelled_by)
    named: list[bool] = field(default_factory=list)  # per candidate: it gives the number of a thing
    #                                                  asked for ("the case number": "No. 21-50498")
    asked: list[int] = field(default_factory=list)  # the labelled ones naming the very thing asked for
    #                                                 ("DC Judge: Failla", fields.asked_lines)

    def supported(self) -> np.ndarray:
        """The candidates whose passage does not speak of another period than the question's."""
        gaps = self.gaps or [[]] * len(self.candidates)
        return np.array([not g for g in gaps], dtype=bool)

    def about_asked(self) -> np.ndarray:
        """The supported candidates whose document lacks none of the question's specific terms that other
        documents hold (support.passage_checks). When none is, the answer abstains; when some are, they
        are not preferred: a document naming "America" answers about "American" settlers (XQuAD-en -11)."""
        lacking = self.lacking or [[]] * len(self.candidates)
        return self.supported() & np.array([not m for m in lacking], dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        d = {"candidates": [c.__dict__ for c in self.candidates], "features": self.features.tolist(),
             "on_focus": self.on_focus, "absent": self.absent, "gaps": self.gaps, "kind_gaps": self.kind_gaps,
             "wants": self.wants, "lacking": self.lacking, "unsaid": self.unsaid, "labelled": self.labelled,
             "named": self.named, "asked": self.asked}
        return {**d, "unknown": sorted(self.unknown)} if self.unknown else d  # same-language pools as before

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Pool":
        from .features import FEATURES

        return cls([Candidate(**c) for c in d["candidates"]],
                   np.asarray(d["features"], dtype=np.float64).reshape(-1, len(FEATURES)), d["on_focus"],
                   frozenset(d.get("unknown", ())), d.get("absent"), d.get("gaps", []), d.get("kind_gaps", []),
                   d.get("wants"), d.get("lacking", []), d.get("unsaid"), d.get("labelled", []), d.get("named", []),
                   d.get("asked", []))


def gather(retriever: Retriever, query: str, focus: str, passages: Sequence[Passage],
           cache: MutableMapping[str, SentenceData] | None = None) -> Pool:
    """The candidate sentences of `passages` (found for `query`) and their features for `focus`.

    `focus` is the question asked now: for a follow-up ("and rallies?") the passages are searched
    with the condensed query ("rallies how many countries does the report cover"), but each
    sentence is judged against what was asked, and only sentences sharing its words are on focus.
    Judged against the condensed query, the right sentences of follow-ups lost the earlier question's
    words and abstained (tests/test_ui_service.py: 11 of 15 turns right, against 13 judged so).
    """
    from .features import FEATURES

    asked = key_terms(focus)
    checked = hasattr(retriever, "term_documents") and not lexically_apart(focus, [p.text for p in passages])
    found = evidence(retriever, asked.terms_in_order) if checked else {}
    absent = not_in_documents(asked, found, retriever.document_chunks()) if checked else None
    if not passages:
        return Pool([], np.zeros((0, len(FEATURES))), [], absent=absent, wants=asked.wants)
    data = sentence_data(retriever, passages, cache)
    qvec = retriever.embed_query(focus).astype(np.float32)
    kind = asked_kind(focus)  # a heading naming a thing of this kind is a candidate ("which court")
    names_asked = asked_lines(focus)  # so is a field labelled with the thing asked for ("DC Judge: Failla")
    wanted = set(content_terms(focus))
    unasked = unasked_lines(focus, asked.wants)  # docket stamps and captions that cannot answer it
    cands: list[Candidate] = []
    rows: list[tuple[float, float, float, int, str]] = []  # cosine, context cosine, passage cosine, rank, context
    seen: set[tuple[str, int]] = set()
    asked_for: set[int] = set()  # the candidates naming the very thing asked for (asked_lines)
    for number, (p, d) in enumerate(zip(passages, data), start=1):
        spans, vecs = d.spans, d.vectors
        if not len(spans):
            continue
        centre = vecs.sum(axis=0)
        passage_cos = float(centre @ qvec / max(float(np.linalg.norm(centre)), 1e-12))
        cos = vecs @ qvec
        previous_candidate = -2
        for i, (a, b) in enumerate(spans.tolist()):
            s = p.text[a:b]
            asks = names_asked(s)
            if not (asks or quotable(s, i, len(spans), p.start) or names_kind(s, kind)) or unasked(s):
                continue
            key = (p.doc_id, p.start + a)
            if key in seen:
                continue
            seen.add(key)
            if asks:
                asked_for.add(len(cands))
            if previous_candidate == i - 1 and cands:
                cands[-1] = Candidate(**{**cands[-1].__dict__, "next": len(cands)})
            lo, hi = max(i - 1, 0), min(i + 2, len(spans))
            ctx = vecs[lo:hi].sum(axis=0)
            ctx_cos = float(ctx @ qvec / max(float(np.linalg.norm(ctx)), 1e-12))
            cands.append(Candidate(s, number, a, b, p.start + a))
            rows.append((float(cos[i]), ctx_cos, passage_cos, number, p.text[spans[lo][0]:spans[hi - 1][1]]))
            previous_candidate = i
            if len(cands) >= MAX_CANDIDATES:
                break
        if len(cands) >= MAX_CANDIDATES:
            break
    if not cands:
        return Pool([], np.zeros((0, len(FEATURES))), [], absent=absent, wants=asked.wants)
    profile = question_profile(focus)
    checks = [passage_checks(asked, found, retriever.document_count, p) if checked else (0.0, 0.0, [], [])
              for p in passages]
    features = candidate_features(
        profile, [c.text for c in cands], [r[4] for r in rows], np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows]), np.array([r[2] for r in rows]), [r[3] for r in rows],
        [p.text for p in passages], _corpus_terms(retriever),
        np.array([checks[c.passage - 1][:2] for c in cands], dtype=np.float64))
    on_focus = [bool(wanted & set(content_terms(c.text))) for c in cands] if focus != query else \
        [True] * len(cands)
    gaps, kind_gaps, lacking = [], [], []
    if checked:
        gaps = [list(checks[c.passage - 1][2]) for c in cands]
        lacking = [list(checks[c.passage - 1][3]) for c in cands]
        kind_gaps = [kind_missing(asked, c.text, cands[c.next].text if c.next >= 0 else "") for c in cands]
    unsaid = focus_unsaid(retriever, asked, found, retriever.document_chunks(),
                          list(dict.fromkeys(passages[c.passage - 1].doc_id for c in cands))) if checked else None
    labelled = [i for i, c in enumerate(cands)
                if i in asked_for or labelled_by(c.text, wanted) or names_kind(c.text, kind)]
    gives = names_identifier if asks_identifier(focus) else furniture(focus)
    named = [gives(c.text) for c in cands] if gives else []
    return Pool(cands, features, on_focus, unknown_features(focus, [p.text for p in passages]), absent, gaps,
                kind_gaps, asked.wants, lacking, unsaid, labelled, named, sorted(asked_for))


def _corpus_terms(retriever: Retriever):
    """`term -> bool`: does the term occur anywhere in the index (the BM25 vocabulary)? None if unknown."""
    knows = getattr(retriever, "knows", None)
    if knows is None:
        logger.warning("no corpus vocabulary on %r: absence is judged from the passages only", retriever)
    return knows


# ---------------------------------------------------------------- decision


def judged(pool: Pool) -> np.ndarray:
    """Which candidates may be quoted (and are weighed for the confidence)."""
    mask = np.ones(len(pool.candidates), dtype=bool)
    if not all(pool.on_focus) and any(pool.on_focus):
        # A follow-up quotes only sentences that speak to the new question ("journalists"),
        # not the previous answer again; they alone are weighed and judged.
        mask = np.asarray(pool.on_focus, dtype=bool)
    if any(pool.named):
        # For "the case number", only the lines giving the number of a thing are, when any does.
        mask = mask & np.asarray(pool.named, dtype=bool)
    supported = mask & pool.supported()
    # Only sentences about the period asked are quoted, when any is.
    return supported if supported.any() else mask


def rank(pool: Pool, scorer: Scorer) -> tuple[np.ndarray, list[AnswerSentence], float]:
    """The sentence logits, the would-be quoted sentences and the answer's confidence."""
    logits = scorer.sentence_logits(pool.features, pool.unknown)
    mask = judged(pool)
    probs = softmax(np.where(mask, logits, -np.inf))  # 0 for the sentences not judged
    quoted = chosen(pool, probs)
    confidence = scorer.confidence(answer_features(logits[mask], pool.features[mask], quoted_in(quoted, mask),
                                                   quotes_row(pool, quoted)), pool.unknown)
    return logits, pick(pool, probs, quoted), confidence


def quotes_row(pool: Pool, quoted: list[int]) -> bool:
    """Whether a quoted candidate is a table row or field labelled with the question's words."""
    return any(i in pool.labelled for i in quoted)


def quoted_in(quoted: list[int], mask: np.ndarray) -> list[int]:
    """The quoted candidates (chosen()), as indices among the candidates of `mask` (the ones judged)."""
    position = np.cumsum(mask) - 1
    return [int(position[i]) for i in quoted if mask[i]]


def decide(question: str, query: str, passages: Sequence[Passage], pool: Pool, scorer: Scorer,
           mode: str = "hybrid", notes: list[str] | None = None,
           abstain_below: float | None = None) -> Answer:
    """The Answer for a gathered pool: quote, or abstain when the confidence is below the threshold."""
    notes = notes or []
    never = abstain_below is not None and abstain_below < 0
    if pool.absent and not never:
        notes.append(pool.absent)
    if not pool.candidates:
        return Answer(question, query, list(passages), [], True, 0.0, mode, notes, 0.0)
    logits, picked, confidence = rank(pool, scorer)
    threshold = scorer.abstain_below if abstain_below is None else abstain_below
    reason = unsupported_reason(pool, logits) or unsaid_reason(pool, confidence)
    if reason and not never:
        notes.append(reason)
    abstained = confidence < threshold or (bool(pool.absent or reason) and not never)
    if abstained and not pool.absent and not reason:
        notes.append(f"The best passage found matches the question too weakly "
                     f"({round(100 * confidence)}%, below {round(100 * threshold)}%).")
    return Answer(question, query, list(passages), [] if abstained else picked, abstained,
                  picked[0].score, mode, notes, confidence)


def unsupported_reason(pool: Pool, logits: np.ndarray) -> str | None:
    """Why the would-be answer is not about what was asked (support.py), else None: every passage
    speaks of another period than the question's or comes from a document lacking one of its
    specific terms, or no quoted sentence (with the one it carries on into) holds the quantity or
    date asked for. `logits`: the sentence model's, as rank() gives."""
    if not pool.candidates:
        return None
    if (pool.gaps or pool.lacking) and not pool.about_asked().any():
        if pool.gaps and all(pool.gaps):
            return period_note(pool.gaps)
        lacks = [i for i in np.argsort(-logits, kind="stable") if pool.lacking[i]]
        return lacking_note(pool.lacking[lacks[0]])  # what the likeliest quote's document lacks
    if pool.kind_gaps:
        quoted = chosen(pool, softmax(np.where(judged(pool), logits, -np.inf)))
        if all(pool.kind_gaps[i] for i in quoted):
            return kind_note(pool.wants)
    return None


def unsaid_reason(pool: Pool, confidence: float) -> str | None:
    """Why the answer abstains when no candidate's document says what was asked (support.focus_unsaid)
    and the confidence is below the second threshold, support.UNSAID_BELOW; else None."""
    return pool.unsaid if pool.unsaid and confidence < UNSAID_BELOW else None


def pick(pool: Pool, probs: np.ndarray, quoted: list[int]) -> list[AnswerSentence]:
    """The quoted candidates (`quoted`, as chosen() gives them) as AnswerSentences with their shares."""
    from .features import FEATURES

    col_cos, col_overlap = FEATURES.index("cosine"), FEATURES.index("overlap")

    def make(i: int) -> AnswerSentence:
        c = pool.candidates[i]
        return AnswerSentence(c.text, c.passage, c.start, c.end, c.doc_start, c.doc_start + len(c.text),
                              float(probs[i]), float(pool.features[i, col_cos]),
                              float(pool.features[i, col_overlap]))

    return [make(i) for i in quoted]


def chosen(pool: Pool, probs: np.ndarray) -> list[int]:
    """The candidates to quote, best first: the best sentence, its continuation when it has one,
    near-best sentences saying something new, and a table row labelled with the question's words."""
    order = [int(i) for i in np.argsort(-probs, kind="stable")]
    best = order[0]
    out = [best]
    nxt = pool.candidates[best].next
    if nxt >= 0 and continues(pool.candidates[best].text, pool.candidates[nxt].text):
        out.append(nxt)
        after = pool.candidates[nxt].next
        # A reference ("See Speiser v. Randall, 357 U. S. 513.") says nothing of its own: the
        # sentence after it may still carry the best one on ("They are indeed inseparable ...").
        if is_reference(pool.candidates[nxt].text) and after >= 0 \
                and continues(pool.candidates[best].text, pool.candidates[after].text):
            out.append(after)
    kept = len(out)  # the best sentence and what carries it on
    for i in order[1:]:
        if len(out) >= MAX_SENTENCES or probs[i] < probs[best] * EXTRA_WITHIN:
            break
        if i in out or any(same_words(pool.candidates[i].text, pool.candidates[j].text) for j in out):
            continue
        out.append(i)
    # A table row or field labelled with the question's words holds the figure asked for, where the
    # best sentences may only speak of it ("the effective tax rate for the third quarter was higher").
    # When the quote is full, it takes the place of the last near-best sentence that is no such row.
    # The rows naming the very thing asked for ("DC Judge: Failla" for "the district judge") come first.
    rows = [i for i in pool.labelled if probs[i] > 0 and i not in out]
    rows = [i for i in rows if i in pool.asked] or rows
    extras = [i for i in out[kept:] if i not in pool.labelled]
    if rows and len(out) >= MAX_SENTENCES and extras:
        out.remove(extras[-1])
    if rows and len(out) < MAX_SENTENCES:
        out.append(max(rows, key=lambda i: probs[i]))
    return out
