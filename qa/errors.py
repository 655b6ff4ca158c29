"""The few exception types qa raises. Each subclasses a built-in so callers can catch either."""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error qa raises on purpose."""


class IndexNotFoundError(QAError, FileNotFoundError):
    """There is no index at the given directory."""


class IndexMismatchError(QAError, ValueError):
    """The index was built with another model, backend or chunker settings."""


class IndexCorruptError(QAError, ValueError):
    """An index file is missing, truncated or fails its checksum."""


class BuildLockedError(QAError, RuntimeError):
    """Another build holds the index lock."""


class UnreadableDocument(QAError, ValueError):
    """A document could not be read; the message is a one-line reason."""


class DatabaseError(QAError, ConnectionError):
    """The database could not be reached or refused what qa needs; the message says what to do."""


class IndexLocationError(QAError, ValueError):
    """The index location cannot be used (inside the documents folder, or a file)."""
