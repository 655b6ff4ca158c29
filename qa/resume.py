"""The resume cache: vectors a build has embedded, kept crash-safe until its generation is live.

A build embeds in batches and appends each batch here (one SQLite transaction, fsync'd on
commit) before it goes on, keyed by chunk text hash. A build that is killed (Ctrl-C, SIGKILL,
power loss) leaves the batches it finished; the next build of the same index with the same
model takes them from here and embeds only the rest. Once the new generation is live the
vectors are in it, and the cache is removed. Plain data only: float32 and int32 bytes.

>>> cache = ResumeCache.open(Path("index") / RESUME_FILE, {"fingerprint": "...", ...})
>>> cache.put([(hash, vector, spans, sentence_vectors)]); cache.get([hash])
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .errors import QAError

logger = logging.getLogger(__name__)

RESUME_FILE = "resume.sqlite"
"""Its name in a folder index (not a gen-* or .tmp-* name: the store's clean-up leaves it alone)."""

Entry = tuple[str, np.ndarray, np.ndarray, np.ndarray]
"""(chunk text hash, chunk vector [dim], sentence spans int32 [n, 2], sentence vectors [n, dim])."""


class ResumeCacheError(QAError):
    """The resume cache cannot be written (a full disk, most often)."""


def _failed(path: Path, exc: sqlite3.Error) -> ResumeCacheError:
    return ResumeCacheError(f"cannot write the resume cache {path} ({exc}): the disk is full or a file-size "
                            "limit was reached")


def cached_vectors(index_dir: str | Path) -> int:
    """How many chunk vectors an interrupted (or running) build has kept in `index_dir`; 0 if none.
    Read-only, so a benchmark or a test can watch a build from outside."""
    try:
        con = sqlite3.connect(f"file:{Path(index_dir) / RESUME_FILE}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:  # not created yet
        return 0


class ResumeCache:
    """Vectors by chunk text hash for one model identity; every put() is durable when it returns."""

    def __init__(self, path: Path, con: sqlite3.Connection, dim: int):
        self.path = path
        self._con = con
        self.dim = dim

    @classmethod
    def open(cls, path: str | Path, identity: dict[str, Any]) -> "ResumeCache":
        """Open or create the cache at `path`; one made for another identity (model, chunk
        representation) is emptied first, since its vectors would be wrong."""
        path = Path(path)
        try:
            return cls._open(path, identity)
        except sqlite3.Error as exc:
            raise _failed(path, exc) from None

    @classmethod
    def _open(cls, path: Path, identity: dict[str, Any]) -> "ResumeCache":
        con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns
        con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.execute("CREATE TABLE IF NOT EXISTS vectors (text_hash TEXT PRIMARY KEY, vector BLOB NOT NULL, "
                    "spans BLOB NOT NULL, sentences BLOB NOT NULL)")
        wanted = json.dumps(identity, sort_keys=True)
        row = con.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
        if row is None or row[0] != wanted:
            if row is not None:
                logger.info("resume cache %s was made for another model; starting it again", path)
            con.execute("BEGIN IMMEDIATE")
            con.execute("DELETE FROM vectors")
            con.execute("INSERT OR REPLACE INTO meta VALUES ('identity', ?)", (wanted,))
            con.execute("COMMIT")
        return cls(path, con, int(identity["dimension"]))

    def __len__(self) -> int:
        return int(self._con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def put(self, entries: Iterable[Entry]) -> None:
        rows = [(h, np.asarray(v, np.float32).tobytes(), np.asarray(s, np.int32).tobytes(),
                 np.asarray(sv, np.float32).tobytes()) for h, v, s, sv in entries]
        if not rows:
            return
        try:
            self._con.execute("BEGIN IMMEDIATE")
            self._con.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
            self._con.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._con.in_transaction:
                self._con.execute("ROLLBACK")
            raise _failed(self.path, exc) from None

    def get(self, hashes: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The stored (vector, spans, sentence vectors) of those hashes that are here."""
        out = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            part = unique[start:start + 500]
            marks = ",".join("?" * len(part))
            for h, v, s, sv in self._con.execute(
                    f"SELECT text_hash, vector, spans, sentences FROM vectors WHERE text_hash IN ({marks})", part):
                out[h] = (np.frombuffer(v, np.float32).copy(), np.frombuffer(s, np.int32).reshape(-1, 2).copy(),
                          np.frombuffer(sv, np.float32).reshape(-1, self.dim).copy())
        return out

    def close(self) -> None:
        self._con.close()

    def remove(self) -> None:
        """Close and delete the cache (with its WAL files): its vectors are in a live generation now."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
