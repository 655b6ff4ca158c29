"""How right the answers are: matching quotes against gold answers, and the `qa eval-answers` figures.

>>> matches("The Normans were in Normandy in the 10th and 11th centuries.", "10th and 11th centuries")
True
>>> summarize([Outcome("q1", True, False, True, True, 0.9)])["answer_accuracy"]
1.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

METRIC_KEYS = ("answer_accuracy", "top1_accuracy", "abstain_recall", "abstain_precision",
               "answered_precision", "overall", "map", "mrr", "latency_p50_ms", "latency_p95_ms")
_SENTENCE_WORDS = 6  # a gold answer of this many words or more is a sentence (WikiQA's are)


def normalize(text: str) -> str:
    """Lowercased, punctuation dropped, spaces collapsed: `normalize("U.S.  Army!") -> 'u s army'`."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.lower()).split())


def matches(sentence: str, gold: str) -> bool:
    """Whether a quoted sentence holds a gold answer (either containing the other, for sentence golds)."""
    s, g = normalize(sentence), normalize(gold)
    if not g or not s:
        return False
    if f" {g} " in f" {s} ":
        return True
    return len(g.split()) >= _SENTENCE_WORDS and f" {s} " in f" {g} "


def any_match(sentences: Sequence[str], golds: Sequence[str]) -> bool:
    return any(matches(s, g) for s in sentences for g in golds)


def average_precision(labels: Sequence[bool]) -> float:
    """AP of a ranked list of relevance labels: `average_precision([False, True]) -> 0.5`."""
    hits, total = 0, 0.0
    for i, rel in enumerate(labels, start=1):
        if rel:
            hits += 1
            total += hits / i
    return total / hits if hits else 0.0


def reciprocal_rank(labels: Sequence[bool]) -> float:
    return next((1.0 / i for i, rel in enumerate(labels, start=1) if rel), 0.0)


@dataclass(frozen=True)
class Outcome:
    """One question's result. `right`/`top1_right` describe the would-be answer, abstained or not."""

    id: str
    answerable: bool
    abstained: bool
    right: bool
    top1_right: bool
    confidence: float
    latency_ms: float = 0.0
    ap: float | None = None   # only for questions that name their document
    rr: float | None = None


def _share(num: int, den: int) -> float | None:
    return num / den if den else None


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The METRIC_KEYS over `outcomes` (None where a figure has no questions to stand on)."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    answered = [o for o in outcomes if not o.abstained]
    abstained = [o for o in outcomes if o.abstained]
    right_answers = [o for o in answered if o.answerable and o.right]
    right_abstentions = [o for o in abstained if not o.answerable]
    ranked = [o for o in outcomes if o.ap is not None]
    lat = np.asarray([o.latency_ms for o in outcomes], dtype=np.float64)
    return {
        "answer_accuracy": _share(len(right_answers), len(answerable)),
        "top1_accuracy": _share(sum(1 for o in answered if o.answerable and o.top1_right), len(answerable)),
        "abstain_recall": _share(len(right_abstentions), len(unanswerable)),
        "abstain_precision": _share(len(right_abstentions), len(abstained)),
        "answered_precision": _share(len(right_answers), len(answered)),
        "overall": _share(len(right_answers) + len(right_abstentions), len(outcomes)),
        "map": float(np.mean([o.ap for o in ranked])) if ranked else None,
        "mrr": float(np.mean([o.rr for o in ranked])) if ranked else None,
        "latency_p50_ms": float(np.percentile(lat, 50)) if lat.size else None,
        "latency_p95_ms": float(np.percentile(lat, 95)) if lat.size else None,
    }


def risk_coverage(outcomes: Sequence[Outcome], thresholds: Sequence[float] | None = None
                  ) -> list[dict[str, float]]:
    """As the threshold on confidence moves: share answered, their precision, and overall right decisions.

    >>> risk_coverage([Outcome("a", True, False, True, True, 0.9), Outcome("b", False, False, False, False, 0.2)],
    ...               [0.5])
    [{'threshold': 0.5, 'coverage': 0.5, 'answered_precision': 1.0, 'overall': 1.0}]
    """
    thresholds = thresholds if thresholds is not None else [round(t, 2) for t in np.arange(0.0, 1.0, 0.05)]
    rows = []
    n = len(outcomes)
    for t in thresholds:
        answered = [o for o in outcomes if o.confidence >= t]
        good = sum(1 for o in answered if o.answerable and o.right)
        good_abstain = sum(1 for o in outcomes if o.confidence < t and not o.answerable)
        rows.append({"threshold": float(t), "coverage": len(answered) / n if n else 0.0,
                     "answered_precision": good / len(answered) if answered else 1.0,
                     "overall": (good + good_abstain) / n if n else 0.0})
    return rows
