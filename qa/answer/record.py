"""What an answer is: the quoted sentences with their citations, the passages, how sure it is
(one wording of that for the CLI and the browser), and why it abstained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..passage import Passage


@dataclass(frozen=True)
class AnswerSentence:
    """One quoted sentence: `passage.text[start:end] == text` for the cited passage."""

    text: str
    passage: int          # 1-based citation number = rank of the passage in Answer.passages
    start: int            # span inside that passage's text
    end: int
    doc_start: int        # span inside the document's text (what retriever.document() returns)
    doc_end: int
    score: float          # the sentence model's share of belief (softmax over the candidates)
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
    best_score: float                  # the best sentence's share of belief (0.0 if there was none)
    mode: str = "hybrid"
    notes: list[str] = field(default_factory=list)  # e.g. "the question was shortened"
    confidence: float = 0.0            # calibrated probability that the (would-be) answer is right

    @property
    def text(self) -> str:
        """The extractive answer with citation markers, or "" when abstaining."""
        return " ".join(f"{s.text} [{s.passage}]" for s in self.sentences)

    @property
    def confidence_words(self) -> str:
        """The confidence for people: "likely answer, 82%" or "not found in the documents"."""
        return describe_confidence(self.confidence, self.abstained)

    def to_dict(self) -> dict[str, Any]:
        """`qa ask --json` plus "query", "answer", "sentences", "abstained", "confidence" and "best_score"."""
        return {
            "question": self.question, "mode": self.mode,
            "passages": [{"rank": i, **p.to_dict()} for i, p in enumerate(self.passages, start=1)],
            "query": self.query, "answer": self.text,
            "sentences": [s.to_dict() for s in self.sentences],
            "abstained": self.abstained, "confidence": round(self.confidence, 4),
            "best_score": round(self.best_score, 4), "notes": list(self.notes),
        }


CONFIDENCE_WORDS = ((0.85, "very likely answer"), (0.6, "likely answer"), (0.35, "possible answer"),
                    (0.0, "unlikely answer"))
"""How a confidence (the calibrated probability that the quote answers) is said, the same in the
command line and the browser."""


def describe_confidence(confidence: float, abstained: bool = False) -> str:
    """The one wording of a confidence: `describe_confidence(0.82) -> 'likely answer, 82%'`."""
    if abstained:
        return "not found in the documents"
    word = next(w for floor, w in CONFIDENCE_WORDS if confidence >= floor)
    return f"{word}, {round(100 * confidence)}%"
