"""The chunk table: documents, chunks and sentence spans in one SQLite file. Row i of `chunks` is vector i.

Sentence row j (in `sentences`, numbered across the whole table in chunk order) is row j of the
generation's sentence vectors.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .chunking import Chunk
from .index.format import DocumentRecord
from .pool import ConnectionPool
from .rows import Writer

_TABLES = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, hash TEXT NOT NULL,
    size INTEGER NOT NULL, mtime REAL NOT NULL, format TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    indexed_at TEXT NOT NULL, text TEXT NOT NULL, page_starts TEXT, line_anchors TEXT, language TEXT
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
    text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL, page INTEGER, page_end INTEGER,
    text_hash TEXT NOT NULL
);
CREATE TABLE sentences (
    row INTEGER PRIMARY KEY, chunk_row INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
"""
_INDEXES = """
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE INDEX sentences_chunk ON sentences(chunk_row);
"""
SCHEMA = _TABLES + _INDEXES

CHUNK_COLUMNS = 'chunk_id, doc_id, text, start, "end", line_start, line_end, page, page_end'
LISTING_COLUMNS = "doc_id, source, title, hash, size, mtime, format, n_chunks, indexed_at"


def write_table(path: Path, documents: Iterable[DocumentRecord], chunks: Sequence[Chunk],
                sentence_spans: Sequence[np.ndarray] = ()) -> None:
    """Write a new table file: documents with their text, chunks, and each chunk's sentence spans."""
    with TableWriter(path) as table:
        for d in documents:
            table.add_document(d)
        spans = list(sentence_spans)
        for i, c in enumerate(chunks):
            table.add_chunk(c, spans[i] if i < len(spans) else ())


class TableWriter(Writer):
    """A new table file filled as a build goes: documents, and chunks in row order with their
    sentence spans, inserted a batch at a time in one transaction; the indexes are made at `close()`."""

    BATCH = 2048

    def __init__(self, path: Path):
        self.path = path
        self._con = sqlite3.connect(path, isolation_level=None)
        # A new file of a generation being written: the store fsyncs it before it goes live, and
        # a build that fails deletes it, so SQLite's own journal would only slow the writes.
        self._con.execute("PRAGMA journal_mode=OFF")
        self._con.execute("PRAGMA synchronous=OFF")
        self._con.executescript(_TABLES)
        self._con.execute("BEGIN")
        self.chunks = self.sentences = 0
        self._docs: list[tuple] = []
        self._chunks: list[tuple] = []
        self._spans: list[tuple] = []

    def add_document(self, d: DocumentRecord) -> None:
        self._docs.append((d.doc_id, d.source, d.title, d.hash, d.size, d.mtime, d.format, d.n_chunks,
                           d.indexed_at, d.text, json.dumps(list(d.page_starts)) if d.page_starts else None,
                           json.dumps([list(a) for a in d.line_anchors]) if d.line_anchors else None,
                           d.language))
        if len(self._docs) >= self.BATCH // 8:  # documents carry their whole text
            self._flush()

    def add_chunk(self, c: Chunk, spans: np.ndarray | Sequence = ()) -> int:
        """Insert the next chunk row (and its sentences' spans); its row number."""
        row = self.chunks
        self._chunks.append((row, c.id, c.doc_id, c.text, c.start, c.end, c.line_start, c.line_end, c.page,
                             c.page_end, c.text_hash))
        for a, b in spans:
            self._spans.append((self.sentences, row, int(a), int(b)))
            self.sentences += 1
        self.chunks += 1
        if len(self._chunks) >= self.BATCH:
            self._flush()
        return row

    def spans_of(self, first: int, end: int) -> list[tuple[int, int]]:
        """The spans of sentence rows [first, end), already added."""
        if self._spans and self._spans[0][0] < end:
            self._flush()
        return self._con.execute('SELECT start, "end" FROM sentences WHERE row >= ? AND row < ? ORDER BY row',
                                 (first, end)).fetchall()

    def _flush(self) -> None:
        self._con.executemany("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", self._docs)
        self._con.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)", self._chunks)
        self._con.executemany("INSERT INTO sentences VALUES (?,?,?,?)", self._spans)
        self._docs, self._chunks, self._spans = [], [], []

    def close(self) -> None:
        """Commit, with the indexes: the file is complete."""
        self._flush()
        self._con.execute("COMMIT")
        self._con.executescript(_INDEXES)
        self._con.close()

    def abandon(self) -> None:
        self._con.close()


class ChunkTable:
    """Read access to a table file; safe to share between threads.

    Reads go through a pool of read-only connections (qa/pool.py), one per query in flight:
    concurrent answers read their passages side by side instead of queueing on one connection
    (SQLite allows many readers)."""

    def __init__(self, path: Path):
        self.path = path
        self._pool = ConnectionPool(self._connect)
        with self._pool.connection() as con:  # an unreadable file fails here, not at the first question
            columns = {r[1] for r in con.execute("PRAGMA table_info(documents)")}
        # Tables written before format version 3 have no language column: it reads as NULL.
        self._language = "language" if "language" in columns else "NULL"

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)

    def close(self) -> None:
        self._pool.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._pool.connection() as con:
            return con.execute(sql, params).fetchall()

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

    def find_chunk(self, chunk_id: str) -> tuple[int, Chunk] | None:
        """(row, chunk) of a chunk id, or None."""
        found = self._query(f"SELECT row, {CHUNK_COLUMNS} FROM chunks WHERE chunk_id = ?", (chunk_id,))
        return (found[0][0], Chunk(*found[0][1:])) if found else None

    def chunks_of(self, doc_ids: Sequence[str]) -> dict[str, list[Chunk]]:
        """All chunks of some documents, in document order."""
        out: dict[str, list[Chunk]] = {d: [] for d in doc_ids}
        for i in range(0, len(doc_ids), 500):
            part = list(doc_ids[i:i + 500])
            marks = ",".join("?" * len(part))
            for r in self._query(f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE doc_id IN ({marks}) ORDER BY row", part):
                out[r[1]].append(Chunk(*r))
        return out

    def row_documents(self) -> tuple[np.ndarray, list[str]]:
        """(for each chunk row the position of its document in the list, the documents' ids)."""
        found = self._query("SELECT row, doc_id FROM chunks ORDER BY row")
        doc_ids = list(dict.fromkeys(d for _, d in found))
        position = {d: i for i, d in enumerate(doc_ids)}
        of_row = np.full(max((r for r, _ in found), default=-1) + 1, -1, dtype=np.int32)
        for r, d in found:
            of_row[r] = position[d]
        return of_row, doc_ids

    def sentence_runs(self, n_chunks: int) -> tuple[np.ndarray, np.ndarray]:
        """(first sentence row, number of sentences) of every chunk row (0, 0 for a chunk without
        any): a chunk's sentences are consecutive sentence rows."""
        first = np.zeros(n_chunks, dtype=np.int64)
        count = np.zeros(n_chunks, dtype=np.int64)
        for crow, a, n in self._query("SELECT chunk_row, min(row), count(*) FROM sentences GROUP BY chunk_row"):
            if 0 <= crow < n_chunks:
                first[crow], count[crow] = a, n
        return first, count

    def text_hash_rows(self) -> dict[str, int]:
        """text hash -> a row holding that text's vector (for reuse)."""
        return {h: r for r, h in self._query("SELECT row, text_hash FROM chunks")}

    def sentence_spans(self, rows: Sequence[int]) -> dict[int, tuple[np.ndarray, int]]:
        """chunk row -> (its sentence spans int32 [n, 2], the sentence row of the first one)."""
        out: dict[int, tuple[np.ndarray, int]] = {}
        rows = sorted({int(r) for r in rows})
        for i in range(0, len(rows), 500):
            part = rows[i:i + 500]
            marks = ",".join("?" * len(part))
            found: dict[int, list[tuple[int, int, int]]] = {}
            for srow, crow, a, b in self._query(
                    f'SELECT row, chunk_row, start, "end" FROM sentences WHERE chunk_row IN ({marks}) ORDER BY row',
                    part):
                found.setdefault(crow, []).append((srow, a, b))
            for crow in part:
                got = found.get(crow, [])
                spans = np.array([(a, b) for _, a, b in got], dtype=np.int32).reshape(-1, 2)
                out[crow] = (spans, got[0][0] if got else 0)
        return out

    def documents(self) -> list[DocumentRecord]:
        return [DocumentRecord(*r, language=language) for *r, language in self._query(
            f"SELECT {LISTING_COLUMNS}, {self._language} FROM documents ORDER BY source")]

    def rows_of(self, doc_ids: Sequence[str]) -> np.ndarray:
        """The chunk rows of some documents, ascending (int64)."""
        rows: list[int] = []
        for i in range(0, len(doc_ids), 500):
            part = list(doc_ids[i:i + 500])
            marks = ",".join("?" * len(part))
            rows += [r for r, in self._query(f"SELECT row FROM chunks WHERE doc_id IN ({marks})", part)]
        return np.unique(np.array(rows, dtype=np.int64))

    def document_record(self, doc_id: str) -> DocumentRecord | None:
        """Everything stored about a document, including its text and offset maps."""
        rows = self._query(f"SELECT {LISTING_COLUMNS}, text, page_starts, line_anchors, {self._language} "
                           "FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            return None
        *fields, pages, anchors, language = rows[0]
        return DocumentRecord(*fields, page_starts=tuple(json.loads(pages)) if pages else None,
                              line_anchors=tuple(tuple(a) for a in json.loads(anchors)) if anchors else None,
                              language=language)
