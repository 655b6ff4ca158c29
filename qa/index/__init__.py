"""Where an index lives: `open_store("index")` (a folder) or `open_store("postgresql://...")`.

>>> store = open_store("index")
>>> store.read_manifest().chunks
4
"""

from __future__ import annotations

from pathlib import Path

from .base import ChunkSentences, Generation, Store
from .format import DocumentRecord, Manifest

URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def describe_location(location: str | Path) -> str:
    """Where an index is, as messages show it: an absolute folder, or a database URL without
    its password (`describe_location("postgresql://u:pw@h/db")` -> 'postgresql://u@h/db?index=qa')."""
    if is_url(location):
        from .postgres import shown_location

        return shown_location(str(location))
    return str(Path(location).resolve())


def open_store(location: str | Path) -> Store:
    """The store for `location`: a PostgreSQL URL or a folder path."""
    if is_url(location):
        from .postgres import PostgresStore  # psycopg is needed only here

        return PostgresStore(str(location))
    from .folder import FolderStore

    return FolderStore(location)


__all__ = ["open_store", "is_url", "describe_location", "Store", "Generation", "ChunkSentences", "Manifest", "DocumentRecord"]
