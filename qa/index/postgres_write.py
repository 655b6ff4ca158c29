"""Writing a generation into PostgreSQL (tables, bulk COPY, indexes, the atomic switch) and
dropping old ones. The layout is described in qa/index/postgres.py.

>>> live = write(store, conn, manifest, staged)   # a GenerationWriter, its rows finished
>>> conn.commit()          # the new generation is live from here on, for every reader
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
from typing import Any, Callable, Iterable, Protocol

import numpy as np

from ..errors import DatabaseError
from ..rows import NpyRows
from . import format as fmt
from .format import Manifest
from .staging import GenerationWriter

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


def write(store: Database, conn, manifest: Manifest, staged: GenerationWriter,
          progress: Callable[[str], None]) -> Manifest:
    """Create and fill the tables of a new generation from a staged one (its rows closed, its
    BM25 postings on disk) and make it live, in `conn`'s open transaction; the caller commits.
    Every table is copied a block at a time. Returns the live manifest."""
    sql = _sql()
    t0 = time.perf_counter()
    ensure_schema(store, conn)
    gen = conn.execute(sql.SQL("SELECT nextval({})").format(
        sql.Literal(f'"{store.schema}".qa_generation_seq'))).fetchone()[0]
    dim, n = staged.dimension, staged.n_chunks
    t = {name: store.table(gen, name) for name in TABLES}
    conn.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    for stmt in _create_tables(t, dim):
        conn.execute(stmt)
    copy = {name: sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(t[name]) for name in TABLES}
    table = sqlite3.connect(f"file:{staged.folder / fmt.TABLE}?mode=ro", uri=True)
    try:
        _copy_rows(conn, copy["documents"],
                   ["text", "text", "text", "text", "int8", "float8", "text", "int4", "text", "text",
                    "int4[]", "jsonb", "text"],
                   ((*r[:10], json.loads(r[10]) if r[10] else None, json.loads(r[11]) if r[11] else None, r[12])
                    for r in table.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents ORDER BY rowid")))
        _copy_rows(conn, copy["chunks"],
                   ["int4", "text", "text", "text", "int4", "int4", "int4", "int4", "int4", "int4", "text"],
                   table.execute('SELECT row, chunk_id, doc_id, text, start, "end", line_start, line_end, page, '
                                 "page_end, text_hash FROM chunks ORDER BY row"))
        vectors = NpyRows(staged.folder / fmt.VECTORS)
        try:
            _copy_blocks(conn, copy["vectors"],
                         (encode_body([np.arange(a, min(a + _BLOCK, n), dtype=np.int32)], vectors[a:a + _BLOCK])
                          for a in range(0, n, _BLOCK)))
        finally:
            vectors.close()
        lengths = staged.lexical.lengths()
        terms = list(staged.lexical.vocab)  # by term id
        _copy_rows(conn, copy["terms"], ["text", "int4", "int4[]", "int4[]", "int4[]"],
                   ((terms[ids[j]], int(ptr[j + 1] - ptr[j]), rows[ptr[j]:ptr[j + 1]].tolist(),
                     tfs[ptr[j]:ptr[j + 1]].tolist(), lengths[rows[ptr[j]:ptr[j + 1]]].tolist())
                    for ids, ptr, rows, tfs in staged.lexical.by_term() for j in range(len(ids))))
        _copy_blocks(conn, copy["sentences"], _sentence_blocks(table, staged))
    finally:
        table.close()
    t1 = time.perf_counter()
    for stmt in _create_indexes(t):
        conn.execute(stmt)
    t2 = time.perf_counter()

    live = manifest.with_(generation=f"gen-{gen}", index_type="hnsw", chunks=n, dimension=dim,
                          documents={d.source: d.entry() for d in staged.documents}, files={})
    from psycopg.types.json import Jsonb

    avgdl = float(lengths.mean()) if len(lengths) else 0.0
    progress("switching to the new index")
    conn.execute(sql.SQL("INSERT INTO {} (gen, name, manifest, n_chunks, avgdl) VALUES (%s, %s, %s, %s, %s)"
                         ).format(store.meta("generations")),
                 (gen, live.generation, Jsonb(live.to_dict()), n, avgdl))
    conn.execute(sql.SQL("INSERT INTO {} (one, gen) VALUES (true, %s) ON CONFLICT (one) DO UPDATE "
                         "SET gen = EXCLUDED.gen").format(store.meta("live")), (gen,))
    logger.info("generation %s: loaded %d chunks in %.1f s, indexed in %.1f s", live.generation,
                n, t1 - t0, t2 - t1)
    return live


_BLOCK = 8192
_DOCUMENT_COLUMNS = ("doc_id, source, title, hash, size, mtime, format, n_chunks, indexed_at, text, page_starts, "
                     "line_anchors, language")


def _sentence_blocks(table: sqlite3.Connection, staged: GenerationWriter):
    """Binary COPY bodies of the sentences table (row, idx, start, end, vector), a block at a time."""
    vectors = NpyRows(staged.folder / fmt.SENTENCE_VECTORS)
    first = staged.first_sentences()
    try:
        cursor = table.execute('SELECT row, chunk_row, start, "end" FROM sentences ORDER BY row')
        while True:
            block = np.array(cursor.fetchmany(_BLOCK), dtype=np.int64).reshape(-1, 4)
            if not len(block):
                return
            srow, crow = block[:, 0], block[:, 1]
            yield encode_body([crow.astype(np.int32), (srow - first[crow]).astype(np.int32),
                               block[:, 2].astype(np.int32), block[:, 3].astype(np.int32)],
                              vectors[int(srow[0]):int(srow[-1]) + 1])
    finally:
        vectors.close()


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


def _copy_rows(conn, statement, types: list[str], rows) -> None:
    with conn.cursor().copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _copy_blocks(conn, statement, bodies: Iterable[bytes]) -> None:
    """A binary COPY of rows given a block at a time (bodies of encode_body)."""
    with conn.cursor().copy(statement) as copy:
        copy.write(_SIGNATURE)
        for body in bodies:
            copy.write(body)
        copy.write(_TRAILER)


def encode_body(ints: list[np.ndarray], vectors: np.ndarray) -> bytes:
    """The rows of binary COPY data (no header, no trailer), built by numpy in one go (a vector
    field: int16 dimension, int16 unused, float32 big-endian values)."""
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
    return out.tobytes()


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

