"""Follow-up questions: "and what about journalists?" is searched together with the last query.

>>> condense("and what about journalists?", "what happened to Kloop Media")
'journalists what happened to Kloop Media'
"""

from __future__ import annotations

import re

from ..text import content_terms

_FOLLOW_UP_START = re.compile(
    r"^\s*(?:and|but|also|so|then|or|what about|how about|what of|same for|and what about|"
    r"and how about|and the)\b", re.IGNORECASE)
_ANAPHORA = re.compile(r"\b(?:it|its|they|them|their|this|that|these|those|he|she|him|his|her|there)\b",
                       re.IGNORECASE)
_ELLIPSIS_LEAD = re.compile(r"^\s*(?:(?:and|but|also|so|then|or)\s+)*(?:(?:what|how)\s+about|what\s+of|"
                            r"same\s+for)?\s*", re.IGNORECASE)


def condense(question: str, previous: str | None) -> str:
    """The query to search for: a follow-up question is joined with the previous query.

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
