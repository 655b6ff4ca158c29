"""The fitted answer scorer: sentence probabilities, and the calibrated confidence of an answer.

Two small logistic regressions, their weights plain JSON in `scorer.json` (fitted by
bench/fit_answer.py from the public sets in ../shared/eval, cross-validated across articles):

1. the sentence model: which candidate holds the answer, a conditional logit over the question's
   candidates (softmax of a linear score of the candidate's FEATURES), fitted on answerable
   questions only: choosing a sentence and deciding whether to answer are separate questions;
2. the answer model: P(the quoted answer is right) from the best sentence's logit, its margin
   over the runner-up, the belief held by the quoted sentences and the question-level absence
   signals. This is `Answer.confidence`. It is fitted on the public sets and the real-documents
   dev folders (bench/real_docs: dev, dev2) with the sentence model kept (`fit_answer.py --keep-sentence`).

An answer is given when its confidence reaches `abstain_below` (in scorer.json, chosen from the
cross-validated risk-coverage curve; the reason is recorded next to it).

>>> scorer = load_scorer()
>>> scorer.abstain_below, scorer.fingerprint
(0.41, '549f7f0eebc88223')
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .features import FEATURES

WEIGHTS_FILE = Path(__file__).with_name("scorer.json")
ANSWER_FEATURES = ("best_logit", "margin", "missing_everywhere", "focus_missing_everywhere", "quoted_share",
                   "entropy", "best_cosine", "document_missing", "quoted_row")
"""The answer model's inputs: how strongly the best sentence wins (its logit, its margin over the
runner-up, the share of the sentence model's belief held by the sentences quoted (the answer is
right when any of them holds it: a belief split between the best sentence and a near-best one
that is quoted too is not doubt about the quote), and the entropy of that belief: spread over
many candidates, the model does not know which sentence answers), how close the best sentence
itself is to the question (its cosine), how much of the question (its share of words, its
focus word) no candidate mentions, and how much of it (idf-weighted) the best sentence's whole
document lacks (support.passage_checks; docs/answers.md). The first eight were chosen by forward
selection, cross-validated across articles (bench/fit_answer.py): the entropy added the most
(+0.008 right decisions, each set weighing the same); other candidates (overlaps, names,
asked-for kind and rank of the best sentence, its passage's cosine and lead over the next passage,
number of candidates) added less than 0.002, or
(the passage's cosine, +0.0014 more than the sentence's) held the targets over a narrower band of
thresholds (README, answers). The ninth, `quoted_row`, says that a quoted line is a table row or a
field labelled with the question's words (Pool.labelled: "GRAND TOTAL | 5,738" for "the grand
total of the estimate"), which the sentence logits, fitted on prose, give little belief; only its
weight was fitted, the others kept (`fit_answer.py --add-answer-input quoted_row`)."""

SPREAD_FEATURES = frozenset({"quoted_share", "entropy"})
"""Answer features read from how the belief spreads over the candidates: not comparable when the
sentence logits were computed with some features unknown (Scorer.confidence)."""


@dataclass(frozen=True)
class Logistic:
    """sigmoid(((x - mean) / scale) . weights + bias), over named features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def logits(self, x: np.ndarray, unknown: frozenset[str] = frozenset()) -> np.ndarray:
        """The linear scores of the rows of `x`; the features named in `unknown` are imputed with
        their training mean (standardised 0), so they add nothing for or against any row."""
        x = np.atleast_2d(x)
        columns = [i for i, name in enumerate(self.names) if name in unknown]
        if columns:
            x = x.copy()
            x[:, columns] = self.mean[columns]
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.names), "mean": _floats(self.mean), "scale": _floats(self.scale),
                "weights": _floats(self.weights), "bias": round(float(self.bias), 6)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Logistic":
        return cls(tuple(d["features"]), np.asarray(d["mean"], dtype=np.float64),
                   np.asarray(d["scale"], dtype=np.float64), np.asarray(d["weights"], dtype=np.float64),
                   float(d["bias"]))


def _floats(a: np.ndarray) -> list[float]:
    return [round(float(x), 6) for x in a]


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass(frozen=True)
class Scorer:
    """The two models, the abstain threshold and the fingerprint of the weights file."""

    sentence: Logistic
    answer: Logistic
    abstain_below: float
    fingerprint: str
    record: dict[str, Any]

    def sentence_logits(self, features: np.ndarray, unknown: frozenset[str] = frozenset()) -> np.ndarray:
        """`unknown`: feature names not to be trusted for this question (features.unknown_features)."""
        return self.sentence.logits(features, unknown)

    def confidence(self, answer_features: np.ndarray, unknown: frozenset[str] = frozenset()) -> float:
        """P(the answer is right). With features unknown, the sentence logits lose their word
        evidence and come out flat, so the best sentence's share of belief is unknown too."""
        if unknown:
            unknown = unknown | SPREAD_FEATURES
        return float(sigmoid(self.answer.logits(answer_features, unknown))[0])


def answer_features(logits: np.ndarray, features: np.ndarray, quoted: list[int], quoted_row: bool = False
                    ) -> np.ndarray:
    """ANSWER_FEATURES of a question from its candidates' sentence logits and FEATURES rows.
    `quoted`: the indices (into `logits`) of the sentences the answer quotes (reply.chosen), best
    first; their summed share of belief is `quoted_share`. `quoted_row`: one of them is a row or
    field labelled with the question's words (Pool.labelled)."""
    order = np.argsort(-logits, kind="stable")
    best = int(order[0])
    second = float(logits[order[1]]) if len(order) > 1 else float(logits[best]) - 5.0
    row = features[best]
    belief = softmax(logits)
    entropy = float(-(belief * np.log(np.maximum(belief, 1e-12))).sum())
    share = float(belief[sorted(set(quoted or [best]))].sum())
    return np.array([logits[best], logits[best] - second, row[FEATURES.index("missing_everywhere")],
                     row[FEATURES.index("focus_missing_everywhere")], share, entropy,
                     row[FEATURES.index("cosine")], row[FEATURES.index("document_missing")], float(quoted_row)],
                    dtype=np.float64)


def softmax(logits: np.ndarray) -> np.ndarray:
    """The sentence model's share of belief over one question's candidates."""
    e = np.exp(logits - np.max(logits))
    return e / e.sum()


def scorer_from_dict(d: dict[str, Any], fingerprint: str = "") -> Scorer:
    sentence, answer = Logistic.from_dict(d["sentence"]), Logistic.from_dict(d["answer"])
    if sentence.names != FEATURES or answer.names != ANSWER_FEATURES:
        raise ValueError("scorer weights were fitted on other features; rerun bench/fit_answer.py")
    return Scorer(sentence, answer, float(d["abstain_below"]), fingerprint, d)


@lru_cache(maxsize=4)
def load_scorer(path: str | Path = WEIGHTS_FILE) -> Scorer:
    """The scorer stored in `path` (default: the package's scorer.json)."""
    raw = Path(path).read_bytes()
    return scorer_from_dict(json.loads(raw), hashlib.sha256(raw).hexdigest()[:16])
