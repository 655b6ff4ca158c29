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


def open_store(location: str | Path) -> Store:
    """The store for `location`: a PostgreSQL URL or a folder path."""
    if is_url(location):
        from .postgres import PostgresStore  # psycopg is needed only here

        return PostgresStore(str(location))
    from .folder import FolderStore

    return FolderStore(location)


__all__ = ["open_store", "is_url", "Store", "Generation", "ChunkSentences", "Manifest", "DocumentRecord"]
