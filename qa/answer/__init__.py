"""Extractive answers you can check: quoted sentences with citations, a calibrated confidence,
and "not in the documents" when the evidence is missing.

>>> from qa.answer import answer
>>> a = answer(retriever, "what happened to Kloop Media")
>>> a.abstained, a.sentences[0].passage, round(a.confidence, 2)
(False, 1, 0.87)

Modules: reply (answer(), Answer), conversation (follow-ups), support (is it about what was asked:
not in the documents, periods, asked-for kinds), sentences (per-sentence spans and
vectors), features (what is measured), scorer (the fitted models), metrics and evaluate
(`qa eval-answers`).
"""

from ..text import content_terms, split_sentences
from .conversation import condense, is_follow_up
from ..passage import PASSAGE_FIELDS
from .record import Answer, AnswerSentence, describe_confidence
from .reply import answer

__all__ = ["answer", "Answer", "AnswerSentence", "condense", "is_follow_up", "PASSAGE_FIELDS",
           "content_terms", "split_sentences", "describe_confidence"]
