"""Writing a generation into PostgreSQL (tables, bulk COPY, indexes, the atomic switch) and
dropping old ones. The layout is described in qa/index/postgres.py.

>>> live = write(store, conn, manifest, documents, chunks, vectors, lexical_texts, sentences)
>>> conn.commit()          # the new generation is live from here on, for every reader
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from ..chunking import Chunk
from ..config import LexicalSettings
from ..errors import DatabaseError
from ..lexical import tokenize
from .base import ChunkSentences
from .format import DocumentRecord, Manifest

logger = logging.getLogger(__name__)


class Database(Protocol):
    """What the writer and the reader need of the store (qa.index.postgres.PostgresStore), named
    here so that neither imports the module that imports them."""

    schema: str
    shown: str   # the URL without its password, for messages

    def run(self, fn: Callable[[Any], Any]) -> Any: ...
    def table(self, gen: int, name: str) -> Any: ...
    def meta(self, name: str) -> Any: ...
    def not_found(self) -> str: ...

TABLES = ("documents", "chunks", "vectors", "terms", "sentences")
_GEN_TABLE = re.compile(r"^g(\d+)_(" + "|".join(TABLES) + r")$")
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # binary COPY header: signature, flags, extension
_TRAILER = b"\xff\xff"
MAINTENANCE_WORK_MEM = "256MB"  # the HNSW graph of a few hundred thousand chunks built in memory
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
DROP_LOCK_TIMEOUT = "5s"  # clean_up leaves a generation a long query still reads for the next build


def _sql():
    from psycopg import sql

    return sql


def ensure_schema(store: Database, conn) -> None:
    """The pgvector extension, the index's schema and its two small tables, created if missing."""
    import psycopg
    from pgvector.psycopg import register_vector

    sql = _sql()
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone() is None:
        try:
            with conn.transaction():  # a savepoint: a refusal must not abort the build's transaction
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as exc:
            raise DatabaseError(
                f"the pgvector extension is not enabled in the database at {store.shown} and qa may not "
                f"enable it ({str(exc).strip().splitlines()[0]}); as a superuser run "
                "`CREATE EXTENSION vector;` in that database") from None
    register_vector(conn)
    schema_exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (store.schema,)).fetchone()
    ours = conn.execute("SELECT to_regclass(%s)", (f'"{store.schema}".qa_generations',)).fetchone()[0]
    if schema_exists and ours is None:
        others = conn.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                              "WHERE n.nspname = %s", (store.schema,)).fetchone()[0]
        if others:
            raise DatabaseError(f"schema {store.schema!r} at {store.shown} holds tables that are not a qa "
                                "index; name another index with ?index=NAME in the URL")
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(store.schema)))
    conn.execute(sql.SQL(
        "CREATE TABLE IF NOT EXISTS {gens} (gen bigint PRIMARY KEY, name text NOT NULL UNIQUE, "
        "manifest jsonb NOT NULL, n_chunks integer NOT NULL, avgdl double precision NOT NULL, "
        "created timestamptz NOT NULL DEFAULT now())").format(gens=store.meta("generations")))
    conn.execute(sql.SQL(
        "CREATE TABLE IF NOT EXISTS {live} (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
        "gen bigint NOT NULL REFERENCES {gens} (gen))").format(
        live=store.meta("live"), gens=store.meta("generations")))
    conn.execute(sql.SQL("CREATE SEQUENCE IF NOT EXISTS {}").format(store.meta("generation_seq")))


def write(store: Database, conn, manifest: Manifest, documents: Sequence[DocumentRecord],
          chunks: Sequence[Chunk], vectors: np.ndarray, lexical_texts: Sequence[str],
          sentences: Sequence[ChunkSentences], progress: Callable[[str], None]) -> Manifest:
    """Create and fill the tables of a new generation and make it live, in `conn`'s open
    transaction; the caller commits. Returns the live manifest."""
    sql = _sql()
    t0 = time.perf_counter()
    ensure_schema(store, conn)
    gen = conn.execute(sql.SQL("SELECT nextval({})").format(
        sql.Literal(f'"{store.schema}".qa_generation_seq'))).fetchone()[0]
    dim = int(vectors.shape[1]) if len(chunks) else int(manifest.dimension)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(chunks), dim)
    t = {name: store.table(gen, name) for name in TABLES}
    conn.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    for stmt in _create_tables(t, dim):
        conn.execute(stmt)

    _copy_rows(conn, sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(t["documents"]),
               ["text", "text", "text", "text", "int8", "float8", "text", "int4", "text", "text",
                "int4[]", "jsonb", "text"],
               ((d.doc_id, d.source, d.title, d.hash, int(d.size), float(d.mtime), d.format, int(d.n_chunks),
                 d.indexed_at, d.text or "", list(d.page_starts) if d.page_starts else None,
                 [list(a) for a in d.line_anchors] if d.line_anchors else None, d.language)
                for d in documents))
    _copy_rows(conn, sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(t["chunks"]),
               ["int4", "text", "text", "text", "int4", "int4", "int4", "int4", "int4", "int4", "text"],
               ((i, c.id, c.doc_id, c.text, c.start, c.end, c.line_start, c.line_end, c.page, c.page_end,
                 c.text_hash) for i, c in enumerate(chunks)))
    _copy_bytes(conn, sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(t["vectors"]),
                encode_rows([np.arange(len(chunks), dtype=np.int32)], vectors))
    lengths, postings = _postings(lexical_texts, LexicalSettings(**manifest.lexical))
    _copy_rows(conn, sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(t["terms"]),
               ["text", "int4", "int4[]", "int4[]", "int4[]"],
               ((term, len(rows), rows, tfs, lengths[rows].tolist()) for term, (rows, tfs) in postings.items()))
    _copy_bytes(conn, sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(t["sentences"]),
                _sentence_rows(sentences, dim))
    t1 = time.perf_counter()
    for stmt in _create_indexes(t):
        conn.execute(stmt)
    t2 = time.perf_counter()

    live = manifest.with_(generation=f"gen-{gen}", index_type="hnsw", chunks=len(chunks), dimension=dim,
                          documents={d.source: d.entry() for d in documents}, files={})
    from psycopg.types.json import Jsonb

    avgdl = float(lengths.mean()) if len(lengths) else 0.0
    progress("switching to the new index")
    conn.execute(sql.SQL("INSERT INTO {} (gen, name, manifest, n_chunks, avgdl) VALUES (%s, %s, %s, %s, %s)"
                         ).format(store.meta("generations")),
                 (gen, live.generation, Jsonb(live.to_dict()), len(chunks), avgdl))
    conn.execute(sql.SQL("INSERT INTO {} (one, gen) VALUES (true, %s) ON CONFLICT (one) DO UPDATE "
                         "SET gen = EXCLUDED.gen").format(store.meta("live")), (gen,))
    logger.info("generation %s: loaded %d chunks in %.1f s, indexed in %.1f s", live.generation,
                len(chunks), t1 - t0, t2 - t1)
    return live


def _create_tables(t: dict[str, Any], dim: int) -> list:
    sql = _sql()
    return [sql.SQL(s).format(*args) for s, *args in (
        ("CREATE TABLE {} (doc_id text NOT NULL, source text NOT NULL, title text NOT NULL, "
         "hash text NOT NULL, size bigint NOT NULL, mtime double precision NOT NULL, format text NOT NULL, "
         "n_chunks integer NOT NULL, indexed_at text NOT NULL, text text NOT NULL, page_starts integer[], "
         "line_anchors jsonb, language text)", t["documents"]),
        ('CREATE TABLE {} (row integer NOT NULL, chunk_id text NOT NULL, doc_id text NOT NULL, '
         'text text NOT NULL, start integer NOT NULL, "end" integer NOT NULL, line_start integer NOT NULL, '
         'line_end integer NOT NULL, page integer, page_end integer, text_hash text NOT NULL)', t["chunks"]),
        ("CREATE TABLE {} (row integer NOT NULL, embedding vector({}) NOT NULL)", t["vectors"],
         sql.Literal(dim)),
        # One row per term: its postings list as parallel arrays (chunk rows, term frequencies,
        # chunk lengths in tokens), so a query reads one row per query term. `df` is the length of
        # the list: BM25's idf must not read a (TOASTed) array once per posting.
        ("CREATE TABLE {} (term text NOT NULL, df integer NOT NULL, rows integer[] NOT NULL, tfs integer[] NOT NULL, "
         "lens integer[] NOT NULL)", t["terms"]),
        ('CREATE TABLE {} (row integer NOT NULL, idx integer NOT NULL, start integer NOT NULL, '
         '"end" integer NOT NULL, vector vector({}) NOT NULL)', t["sentences"], sql.Literal(dim)),
    )]


def _create_indexes(t: dict[str, Any]) -> list:
    """Keys and indexes, built after the bulk load (faster than maintaining them row by row)."""
    sql = _sql()
    return [sql.SQL(s).format(*args) for s, *args in (
        ("ALTER TABLE {} ADD PRIMARY KEY (doc_id)", t["documents"]),
        ("ALTER TABLE {} ADD PRIMARY KEY (row)", t["chunks"]),
        ("CREATE INDEX ON {} (doc_id)", t["chunks"]),
        ("CREATE INDEX ON {} (chunk_id)", t["chunks"]),  # read_passage by chunk id
        ("ALTER TABLE {} ADD PRIMARY KEY (row)", t["vectors"]),
        ("ALTER TABLE {} ADD PRIMARY KEY (term)", t["terms"]),
        ("ALTER TABLE {} ADD PRIMARY KEY (row, idx)", t["sentences"]),
        # The vectors are unit length (every embedder normalises them), so inner product is the
        # cosine, and <#> spares the two norms per comparison that cosine distance computes.
        (f"CREATE INDEX ON {{}} USING hnsw (embedding vector_ip_ops) WITH (m = {HNSW_M:d}, "
         f"ef_construction = {HNSW_EF_CONSTRUCTION:d})", t["vectors"]),
    )]


def _postings(texts: Sequence[str], settings: LexicalSettings) -> tuple[np.ndarray, dict[str, tuple[list, list]]]:
    """(token count of each text, term -> (rows, term frequencies)), rows ascending."""
    lengths = np.zeros(len(texts), dtype=np.int64)
    postings: dict[str, tuple[list, list]] = {}
    for row, text in enumerate(texts):
        tokens = tokenize(text, settings)
        lengths[row] = len(tokens)
        for term, tf in Counter(tokens).items():
            entry = postings.get(term)
            if entry is None:
                entry = postings[term] = ([], [])
            entry[0].append(row)
            entry[1].append(tf)
    return lengths, postings


def _copy_rows(conn, statement, types: list[str], rows) -> None:
    with conn.cursor().copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _copy_bytes(conn, statement, data: bytes) -> None:
    with conn.cursor().copy(statement) as copy:
        for start in range(0, len(data), 1 << 22):
            copy.write(data[start:start + (1 << 22)])


def encode_rows(ints: list[np.ndarray], vectors: np.ndarray) -> bytes:
    """Binary COPY data for rows of int4 columns followed by one vector column, built by numpy
    in one go (a vector field: int16 dimension, int16 unused, float32 big-endian values)."""
    n, dim = len(vectors), vectors.shape[1] if vectors.ndim == 2 else 0
    fields = [("n", ">i2")]
    for i in range(len(ints)):
        fields += [(f"l{i}", ">i4"), (f"c{i}", ">i4")]
    fields += [("lv", ">i4"), ("dim", ">i2"), ("unused", ">i2"), ("v", ">f4", (dim,))]
    out = np.zeros(n, dtype=np.dtype(fields))
    out["n"] = len(ints) + 1
    for i, col in enumerate(ints):
        out[f"l{i}"] = 4
        out[f"c{i}"] = col
    out["lv"] = 4 + 4 * dim
    out["dim"] = dim
    if n:
        out["v"] = vectors
    return _SIGNATURE + out.tobytes() + _TRAILER


def _sentence_rows(sentences: Sequence[ChunkSentences], dim: int) -> bytes:
    counts = [len(s.spans) for s in sentences]
    total = sum(counts)
    rows = np.repeat(np.arange(len(sentences), dtype=np.int32), counts)
    idx = np.concatenate([np.arange(c, dtype=np.int32) for c in counts]) if total else np.zeros(0, np.int32)
    spans = (np.concatenate([np.asarray(s.spans, dtype=np.int32).reshape(-1, 2) for s in sentences])
             if total else np.zeros((0, 2), np.int32))
    vecs = (np.concatenate([np.asarray(s.vectors, dtype=np.float32).reshape(-1, dim) for s in sentences])
            if total else np.zeros((0, dim), np.float32))
    return encode_rows([rows, idx, spans[:, 0], spans[:, 1]], vecs)


def parse_vectors(data: bytes, dim: int) -> np.ndarray:
    """The vectors of binary COPY output of (row int4, embedding vector(dim)) ordered by row."""
    body = data[len(_SIGNATURE):len(data) - len(_TRAILER)]
    dtype = np.dtype([("n", ">i2"), ("l0", ">i4"), ("row", ">i4"), ("lv", ">i4"), ("dim", ">i2"),
                      ("unused", ">i2"), ("v", ">f4", (dim,))])
    if not data.startswith(_SIGNATURE[:11]) or len(body) % dtype.itemsize:
        raise ValueError("unexpected binary COPY data for the vectors table")
    rows = np.frombuffer(body, dtype=dtype)
    if len(rows) and not (np.all(rows["row"] == np.arange(len(rows))) and np.all(rows["dim"] == dim)):
        raise ValueError("the vectors table is not rows 0..n-1 of the manifest's dimension")
    return rows["v"].astype(np.float32)


def clean_up(store: Database, conn, keep: int) -> list[str]:
    """Drop generations older than the live one and the `keep - 1` newest others, and orphan
    tables; names of what was dropped. `conn` is in autocommit mode."""
    import psycopg

    sql = _sql()
    if conn.execute("SELECT to_regclass(%s)", (f'"{store.schema}".qa_live',)).fetchone()[0] is None:
        return []
    live = conn.execute(sql.SQL("SELECT gen FROM {}").format(store.meta("live"))).fetchone()
    live = live[0] if live else None
    gens = [g for (g,) in conn.execute(sql.SQL("SELECT gen FROM {} ORDER BY gen DESC").format(
        store.meta("generations"))).fetchall()]
    others = [g for g in gens if g != live]
    doomed = others[max(keep - 1, 0):]
    tables = conn.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname = %s AND c.relkind = 'r'", (store.schema,)).fetchall()
    known = set(gens)
    orphans = sorted({int(m.group(1)) for (name,) in tables if (m := _GEN_TABLE.match(name))} - known)
    dropped = []
    for gen in doomed + orphans:
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'")
                for name in TABLES:
                    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(store.table(gen, name)))
                conn.execute(sql.SQL("DELETE FROM {} WHERE gen = %s").format(store.meta("generations")), (gen,))
            dropped.append(f"gen-{gen}")
        except psycopg.errors.LockNotAvailable:
            logger.info("generation gen-%s is still being read; it is dropped by a later build", gen)
    return dropped

