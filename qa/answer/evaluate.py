"""`qa eval-answers`: run answer() over an answer set and measure it (qa/answer/metrics.py).

An answer set is a folder with `documents/` and `questions.jsonl`, one object a line:
{"id": str, "question": str, "answers": [str, ...], "document": "file name" (optional)};
answers == [] means the documents do not answer it.

>>> report = evaluate_answers("../shared/eval/squad2-absent-a")
>>> sorted(report.to_dict())[:3]
['abstain_precision', 'abstain_recall', 'answer_accuracy']
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, MutableMapping

import numpy as np

from ..config import Settings
from ..errors import IndexMismatchError, QAError
from .metrics import METRIC_KEYS, Outcome, any_match, average_precision, reciprocal_rank, risk_coverage, summarize
from . import reply
from .reply import Pool, decide, gather, rank
from .scorer import Scorer, load_scorer
from .sentences import SentenceData

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


class AnswerSetError(QAError, ValueError):
    """The folder is not an answer set (documents/ + questions.jsonl)."""


@dataclass(frozen=True)
class AnswerQuestion:
    id: str
    question: str
    answers: list[str]
    document: str | None = None


def load_answer_set(folder: str | Path) -> list[AnswerQuestion]:
    """The questions of an answer set; AnswerSetError with one clear line when it is not one."""
    folder = Path(folder)
    if not (folder / "documents").is_dir() or not (folder / "questions.jsonl").is_file():
        raise AnswerSetError(f"{folder} is not an answer set: expected documents/ and questions.jsonl")
    out = []
    with open(folder / "questions.jsonl", encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                out.append(AnswerQuestion(str(r["id"]), str(r["question"]), [str(a) for a in r["answers"]],
                                          r.get("document")))
            except (ValueError, KeyError, TypeError) as exc:
                raise AnswerSetError(f"questions.jsonl line {n}: not a question object ({exc})") from None
    return out


@dataclass
class QuestionRun:
    """What one question produced: the answer-time pool and, if it names a document, that document's."""

    question: AnswerQuestion
    pool: Pool
    sources: list[str]
    latency_ms: float
    document_pool: Pool | None = None


def run_question(retriever: Any, q: AnswerQuestion, *, k: int, mode: str, scorer: Scorer,
                 cache: MutableMapping[str, SentenceData]) -> QuestionRun:
    """answer() on one question (timed), keeping what the scorer saw."""
    t = time.perf_counter()
    passages = retriever.search(q.question, k=k, mode=mode)
    pool = gather(retriever, q.question, q.question, passages, cache)
    decide(q.question, q.question, passages, pool, scorer, mode)
    latency = 1000 * (time.perf_counter() - t)
    doc_pool = None
    if q.document:
        # The WikiQA protocol ranks the named document's sentences: all its passages.
        mine = [p for p in retriever.search(q.question, k=100, mode=mode) if p.source == q.document]
        doc_pool = gather(retriever, q.question, q.question, mine, cache)
    return QuestionRun(q, pool, [p.source for p in passages], latency, doc_pool)


def outcome(run: QuestionRun, scorer: Scorer, abstain_below: float | None = None) -> Outcome:
    """Score one run with `scorer`: decision, would-be rightness, and AP/RR over its document."""
    q = run.question
    threshold = scorer.abstain_below if abstain_below is None else abstain_below
    refused = bool(run.pool.absent)
    if run.pool.candidates:
        logits, picked, confidence = rank(run.pool, scorer)
        texts = [s.text for s in picked]
        refused = refused or (reply.unsupported_reason(run.pool, logits) or
                              reply.unsaid_reason(run.pool, confidence)) is not None
    else:
        texts, confidence = [], 0.0
    if refused:
        confidence = 0.0  # answer() abstains whatever the confidence (support.py): so does every threshold here
    ap = rr = None
    if run.document_pool is not None:
        labels = []
        if run.document_pool.candidates:
            logits = scorer.sentence_logits(run.document_pool.features, run.document_pool.unknown)
            order = np.argsort(-logits, kind="stable")
            labels = [any_match([run.document_pool.candidates[i].text], q.answers) for i in order]
        ap, rr = average_precision(labels), reciprocal_rank(labels)
    return Outcome(q.id, bool(q.answers), confidence < threshold or not texts, any_match(texts, q.answers),
                   any_match(texts[:1], q.answers), confidence, run.latency_ms, ap, rr)


@dataclass
class AnswerReport:
    """What `qa eval-answers` prints; `to_dict()` is its --json output."""

    set: str
    questions: int
    answerable: int
    unanswerable: int
    metrics: dict[str, Any]
    settings: dict[str, Any]
    curve: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**{k: self.metrics[k] for k in METRIC_KEYS}, "set": self.set, "questions": self.questions,
                "answerable": self.answerable, "unanswerable": self.unanswerable, "settings": self.settings}


def evaluate_answers(set_dir: str | Path, *, mode: str = "hybrid", k: int = 5,
                     index_dir: str | Path | None = None, settings: Settings | None = None,
                     embedder: Any = None, scorer: Scorer | None = None,
                     progress: Progress | None = None) -> AnswerReport:
    """Build (or update) an index of the set's documents, answer every question, measure."""
    from ..build import build_index
    from ..retriever import MODES, Retriever

    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
    set_dir = Path(set_dir)
    questions = load_answer_set(set_dir)
    settings = settings or Settings()
    scorer = scorer or load_scorer()
    say = progress or (lambda f, m: None)
    if index_dir is not None:
        _check_replaceable(Path(index_dir), set_dir / "documents")
    with tempfile.TemporaryDirectory(prefix="qa-eval-answers-") as tmp:
        index = Path(index_dir) if index_dir else Path(tmp) / "index"
        say(0.0, "indexing documents")
        build_index(set_dir / "documents", index, settings=settings, embedder=embedder)
        retriever = Retriever.load(index, settings=settings, embedder=embedder)
        retriever.embed_query("warm-up")  # the first call loads the model; keep it out of the timings
        cache: dict[str, SentenceData] = {}
        outcomes = []
        for n, q in enumerate(questions, start=1):
            outcomes.append(outcome(run_question(retriever, q, k=k, mode=mode, scorer=scorer, cache=cache),
                                    scorer))
            if n % 50 == 0:
                say(n / len(questions), f"{n} questions")
    answerable = sum(1 for q in questions if q.answers)
    return AnswerReport(set_dir.name, len(questions), answerable, len(questions) - answerable,
                        summarize(outcomes),
                        {"mode": mode, "k": k, "model": settings.model, "backend": settings.backend,
                         "abstain_below": scorer.abstain_below, "scorer": scorer.fingerprint},
                        risk_coverage(outcomes))


def _check_replaceable(index_dir: Path, documents: Path) -> None:
    """Refuse to turn an index of other documents into one of the answer set."""
    from ..errors import IndexNotFoundError
    from ..index import open_store

    try:
        root = open_store(index_dir).read_manifest().corpus_root
    except IndexNotFoundError:
        return  # nothing there yet
    except QAError:
        root = ""  # unreadable: certainly not ours
    if not root or Path(root).resolve() != documents.resolve():
        raise IndexMismatchError(f"{index_dir} holds an index of {root or 'unknown documents'}, not of "
                                 f"{documents}; pass an empty or new folder to --index")


def format_report(report: AnswerReport, curve: bool = False) -> str:
    """The figures as plain text (and the risk-coverage table when asked)."""
    m = report.metrics
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    lines = [f"{report.set}: {report.questions} questions ({report.answerable} answerable, "
             f"{report.unanswerable} not), mode {report.settings['mode']}, k={report.settings['k']}"]
    lines += [f"  {key:<20} {fmt(m[key]) if 'latency' not in key else ('-' if m[key] is None else f'{m[key]:.1f}')}"
              for key in METRIC_KEYS]
    if curve:
        lines.append(f"{'threshold':>10} {'coverage':>9} {'precision':>10} {'overall':>8}")
        lines += [f"{r['threshold']:>10.2f} {r['coverage']:>9.3f} {r['answered_precision']:>10.3f} "
                  f"{r['overall']:>8.3f}" for r in report.curve]
    return "\n".join(lines)


def draw_curve(report: AnswerReport, path: str | Path) -> None:
    """The risk-coverage curve as a PNG (needs matplotlib: pip install 'qa[plot]')."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise AnswerSetError("drawing the curve needs matplotlib: pip install matplotlib") from None
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot([r["coverage"] for r in report.curve], [r["answered_precision"] for r in report.curve], marker=".")
    ax.set_xlabel("share of questions answered")
    ax.set_ylabel("precision of the answers")
    ax.set_title(f"{report.set}: risk-coverage")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.tight_layout()
    fig.savefig(str(path))
    plt.close(fig)


__all__ = ["evaluate_answers", "load_answer_set", "format_report", "draw_curve", "run_question", "outcome",
           "AnswerReport", "AnswerQuestion", "QuestionRun"]
