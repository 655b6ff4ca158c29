"""Argument checks at the public boundaries (Retriever.search, answer(), the CLI, the UI's /ask).

Each check returns the value to use or raises BadArgument with one line a user can act on.

>>> search_args("  Kloop Media ", 500, "hybrid", None)
('  Kloop Media ', 100, 'hybrid', None)
"""

from __future__ import annotations

import logging
import numbers
from typing import Any

from .config import Settings
from .errors import QAError

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")

_DEFAULTS = Settings()


class BadArgument(QAError, ValueError, TypeError):
    """An argument of the wrong type or out of range; the message says which and what is allowed.

    A ValueError and a TypeError both, so callers catching either built-in keep working.
    """


def _kind(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def check_text(value: Any, name: str = "question", *, max_chars: int = _DEFAULTS.max_question_chars,
               clamp: bool = True) -> str:
    """A str of valid Unicode; longer than `max_chars` is cut there (clamp) or refused.

    >>> check_text("x" * 5, max_chars=3)
    'xxx'
    """
    if not isinstance(value, str):
        raise BadArgument(f"{name} must be text (a str), not {_kind(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: not text any tokenizer or file can hold
        code = ord(value[exc.start])
        raise BadArgument(f"{name} is not valid Unicode text (unpaired surrogate U+{code:04X} "
                          f"at character {exc.start})") from None
    if len(value) > max_chars:
        if not clamp:
            raise BadArgument(f"{name} is {len(value):,} characters long; the limit is {max_chars:,}")
        logger.info("%s cut from %d to %d characters", name, len(value), max_chars)
        value = value[:max_chars]
    return value


def check_count(value: Any, name: str, *, maximum: int | None = None, allow_none: bool = False) -> int | None:
    """A whole number >= 1 (bool and float refused); above `maximum` it is clamped to `maximum`.

    >>> check_count(7, "k", maximum=5)
    5
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        hint = " or None" if allow_none else ""
        raise BadArgument(f"{name} must be a whole number of at least 1{hint}, not {_kind(value)} {value!r}")
    value = int(value)
    if value < 1:
        hint = " (or None for no limit)" if allow_none else ""
        raise BadArgument(f"{name} must be at least 1{hint}, got {value}")
    if maximum is not None and value > maximum:
        logger.info("%s=%d clamped to %d", name, value, maximum)
        return maximum
    return value


def check_mode(value: Any) -> str:
    """One of MODES: `check_mode("dense") -> 'dense'`."""
    if not isinstance(value, str) or value not in MODES:
        raise BadArgument(f"unknown search mode {value!r}; use one of {', '.join(MODES)}")
    return value


def search_args(query: Any, k: Any, mode: Any, per_doc: Any, settings: Settings | None = None
                ) -> tuple[str, int, str, int | None]:
    """Check (query, k, mode, per_doc) of a search; returns them as they are to be used.

    k above `settings.max_k` becomes `max_k`; a query longer than `settings.max_question_chars`
    is cut there. Everything else that is wrong raises BadArgument.
    """
    settings = settings or _DEFAULTS
    return (check_text(query, "query", max_chars=settings.max_question_chars),
            check_count(k, "k", maximum=settings.max_k),
            check_mode(mode),
            check_count(per_doc, "per_doc", allow_none=True))


def check_history(history: Any) -> list[str]:
    """The earlier queries of a conversation: None or a list of str (each checked as text).

    >>> check_history(None)
    []
    """
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, (list, tuple)):
        raise BadArgument(f"history must be a list of earlier questions, not {_kind(history)}")
    return [check_text(h, "each history item") for h in history]
