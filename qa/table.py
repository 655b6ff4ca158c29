"""The chunk table: documents and chunks in one SQLite file. Row i of `chunks` is vector i."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from .chunking import Chunk

SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, hash TEXT NOT NULL,
    size INTEGER NOT NULL, mtime REAL NOT NULL, format TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    indexed_at TEXT NOT NULL, text TEXT NOT NULL, page_starts TEXT, line_anchors TEXT
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
    text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL, page INTEGER, page_end INTEGER,
    text_hash TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks(doc_id);
"""

CHUNK_COLUMNS = 'chunk_id, doc_id, text, start, "end", line_start, line_end, page, page_end'


@dataclass(frozen=True)
class DocumentRow:
    """One indexed document as stored (the full text is fetched separately)."""

    doc_id: str
    source: str
    title: str
    hash: str
    size: int
    mtime: float
    format: str
    n_chunks: int
    indexed_at: str


def write_table(path: Path, documents: Iterable[dict[str, Any]], chunks: Sequence[Chunk]) -> None:
    """Write a new table file. `documents` rows carry DocumentRow fields plus text/page_starts/line_anchors."""
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA)
        con.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(d["doc_id"], d["source"], d["title"], d["hash"], d["size"], d["mtime"], d["format"],
              d["n_chunks"], d["indexed_at"], d["text"],
              json.dumps(d.get("page_starts")) if d.get("page_starts") else None,
              json.dumps(d.get("line_anchors")) if d.get("line_anchors") else None)
             for d in documents])
        con.executemany(
            'INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)',
            [(i, c.id, c.doc_id, c.text, c.start, c.end, c.line_start, c.line_end, c.page,
              c.page_end, c.text_hash) for i, c in enumerate(chunks)])
        con.commit()
    finally:
        con.close()


class ChunkTable:
    """Read access to a table file; safe to share between threads."""

    def __init__(self, path: Path):
        self.path = path
        self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._con.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._con.execute(sql, params).fetchall()

    def count(self) -> int:
        return self._query("SELECT COUNT(*) FROM chunks")[0][0]

    def chunks(self, rows: Sequence[int]) -> dict[int, Chunk]:
        """Chunks by row number."""
        out: dict[int, Chunk] = {}
        rows = [int(r) for r in rows]
        for i in range(0, len(rows), 500):
            part = rows[i:i + 500]
            marks = ",".join("?" * len(part))
            for r in self._query(f"SELECT row, {CHUNK_COLUMNS} FROM chunks WHERE row IN ({marks})", part):
                out[r[0]] = Chunk(*r[1:])
        return out

    def chunks_of(self, doc_ids: Sequence[str]) -> dict[str, list[Chunk]]:
        """All chunks of some documents, in document order."""
        out: dict[str, list[Chunk]] = {d: [] for d in doc_ids}
        for i in range(0, len(doc_ids), 500):
            part = list(doc_ids[i:i + 500])
            marks = ",".join("?" * len(part))
            for r in self._query(f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE doc_id IN ({marks}) ORDER BY row", part):
                out[r[1]].append(Chunk(*r))
        return out

    def text_hash_rows(self) -> dict[str, int]:
        """text hash -> a row holding that text's vector (for reuse)."""
        return {h: r for r, h in self._query("SELECT row, text_hash FROM chunks")}

    def documents(self) -> list[DocumentRow]:
        return [DocumentRow(*r) for r in self._query(
            "SELECT doc_id, source, title, hash, size, mtime, format, n_chunks, indexed_at "
            "FROM documents ORDER BY source")]

    def document_record(self, doc_id: str) -> dict[str, Any] | None:
        """Everything stored about a document, including its text and offset maps."""
        rows = self._query("SELECT * FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            return None
        cols = ("doc_id", "source", "title", "hash", "size", "mtime", "format", "n_chunks",
                "indexed_at", "text", "page_starts", "line_anchors")
        rec = dict(zip(cols, rows[0]))
        for key in ("page_starts", "line_anchors"):
            rec[key] = json.loads(rec[key]) if rec[key] else None
        return rec
