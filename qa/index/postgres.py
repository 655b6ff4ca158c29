"""An index in PostgreSQL + pgvector, shared by many machines: the store (reading: postgres_read.py).

    store = PostgresStore("postgresql://qa:secret@db.example:5432/archive?index=notes")
    gen = store.load()
    rows, cosines = gen.dense_top(query_vector, 100)   # pgvector HNSW
    rows, bm25 = gen.lexical_top("vitamin d falls", 100)  # BM25 computed in SQL

Layout: one schema per index (`?index=NAME`, default `qa`), holding

    qa_generations(gen, name, manifest jsonb, n_chunks, avgdl, created)  one row per generation
    qa_live(one, gen)                      the single row naming the live generation
    g<gen>_documents(doc_id, source, title, hash, size, mtime, format, n_chunks, indexed_at,
                     text, page_starts int[], line_anchors jsonb)
    g<gen>_chunks(row, chunk_id, doc_id, text, start, "end", line_start, line_end, page,
                  page_end, text_hash)    row i = chunk i, as in the folder index
    g<gen>_vectors(row, embedding vector(d))   + an HNSW index (inner product)
    g<gen>_terms(term, df, rows int[], tfs int[], lens int[])   BM25 postings lists
    g<gen>_sentences(row, idx, start, "end", vector vector(d))

Every generation has its own tables rather than a generation column in shared ones: a build
bulk-loads into empty tables and then builds each HNSW graph once over exactly one
generation (a shared graph would interleave generations and need filtered, iterative scans),
and dropping an old generation is a DROP TABLE, with no VACUUM. A build creates the tables,
loads them and switches `qa_live` in ONE transaction, so readers never see half a build, and
a build that dies (even by SIGKILL) is rolled back by the server, leaving no trace.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from ..chunking import Chunk
from ..errors import BuildLockedError, DatabaseError, IndexNotFoundError, QAError
from ..pool import ConnectionPool
from . import postgres_write as pg_write
from .base import ChunkSentences
from .format import DocumentRecord, Manifest
from .postgres_read import EF_SEARCH, PostgresGeneration  # noqa: F401 (EF_SEARCH: bench/postgres.py)
from .staging import GenerationWriter, new_writer, write_whole
from .postgres_write import DROP_LOCK_TIMEOUT, HNSW_EF_CONSTRUCTION, HNSW_M  # noqa: F401

logger = logging.getLogger(__name__)

DEFAULT_INDEX = "qa"
INDEX_PARAM = "index"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")

POOL_SIZE = 8


class BadIndexURL(QAError, ValueError):
    """A `postgresql://` index location qa cannot use (an invalid index name)."""


_RAW_IN_CREDENTIALS = re.compile(r"[/?#@]|%(?![0-9A-Fa-f]{2})")


def _encode_credentials(location: str) -> str:
    """The URL with the raw '/', '?', '#', '@' (and lone '%') of its user and password percent-encoded.

    What stands between '://' and the last '@' is the user and password, however else the URL
    could parse; left raw, libpq and urlsplit would read part of the password as a host, a port,
    a query or a fragment, and show it in their messages.

    >>> _encode_credentials("postgresql://u:a#b/c@h/db")
    'postgresql://u:a%23b%2Fc@h/db'
    """
    scheme, sep, rest = location.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not (sep and at):
        return location
    encoded = _RAW_IN_CREDENTIALS.sub(lambda m: "%{:02X}".format(ord(m.group()[0])), credentials)
    return f"{scheme}://{encoded}@{host}"


def parse_location(location: str) -> tuple[str, str, str]:
    """(libpq URL without our `index` parameter, schema name, URL for messages without password).

    >>> parse_location("postgresql://u:pw@h:5432/db?index=notes&sslmode=require")
    ('postgresql://u:pw@h:5432/db?sslmode=require', 'notes', 'postgresql://u@h:5432/db?index=notes')
    """
    parts = urlsplit(_encode_credentials(location))
    params = parse_qsl(parts.query, keep_blank_values=True)
    names = [v for k, v in params if k == INDEX_PARAM]
    name = names[-1] if names else DEFAULT_INDEX
    if not _NAME.match(name):
        raise BadIndexURL(f"index name {name!r} in {INDEX_PARAM}= is not valid: use 1-40 lower-case "
                         "letters, digits or _, starting with a letter or _")
    rest = [(k, v) for k, v in params if k != INDEX_PARAM]
    conninfo = urlunsplit(parts._replace(query=urlencode(rest)))
    netloc = parts.netloc.rsplit("@", 1)
    if len(netloc) == 2:
        netloc[0] = netloc[0].split(":", 1)[0]
    shown = urlunsplit(parts._replace(netloc="@".join(netloc), query=urlencode(rest + [(INDEX_PARAM, name)])))
    return conninfo, name, shown


def shown_location(location: str) -> str:
    """The URL as messages show it: no password. `shown_location("postgresql://u:pw@h/db")`
    -> 'postgresql://u@h/db?index=qa'."""
    try:
        return parse_location(location)[2]
    except BadIndexURL:
        parts = urlsplit(_encode_credentials(location))
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def _psycopg():
    try:
        import psycopg
        import pgvector.psycopg  # noqa: F401
    except ImportError:
        raise DatabaseError("an index in PostgreSQL needs psycopg and pgvector: "
                            "pip install 'qa[postgres]'") from None
    return psycopg


def _reusable(conn: Any) -> bool:
    """A psycopg connection that the server has not dropped and that is out of any transaction."""
    return not (conn.closed or conn.broken or not conn.reusable)


class PostgresStore:
    """The index named by a `postgresql://` URL. Thread-safe; connections are pooled.

    >>> store = PostgresStore("postgresql://postgres@127.0.0.1:5432/postgres?index=notes")
    >>> store.read_manifest().chunks
    1432
    """

    def __init__(self, location: str, *, pool_size: int = POOL_SIZE):
        self.location = location
        self._conninfo, self.schema, self.shown = parse_location(location)
        self._pool_size = pool_size
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()
        self._cached: tuple[str, int, Manifest] | None = None  # (name, gen, manifest) last read

    def __repr__(self) -> str:
        return f"PostgresStore({self.shown!r})"

    # ------------------------------------------------------------------ connections

    def connect(self, *, autocommit: bool = True, purpose: str = "qa"):
        """A new connection with the vector type registered; DatabaseError if the server is unreachable."""
        psycopg = _psycopg()
        from pgvector.psycopg import register_vector

        try:
            conn = psycopg.connect(self._conninfo, autocommit=autocommit, application_name=purpose,
                                   connect_timeout=10)
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot connect to PostgreSQL at {self.shown}: "
                                f"{_first_line(exc)}") from None
        conn.reusable = True
        try:
            register_vector(conn)
        except psycopg.ProgrammingError:
            # No pgvector yet: fine for a first build, which creates it, and readers find no
            # index; but the pool must not keep a connection that cannot pass vectors.
            conn.reusable = False
        if not autocommit:
            conn.commit()
        return conn

    def _reader_connection(self):
        conn = self.connect(purpose="qa")
        try:  # pgvector >= 0.8: never return fewer rows than asked when depth > ef_search
            conn.execute("SET hnsw.iterative_scan = strict_order")
        except _psycopg().Error:
            pass
        conn.ef_search = None  # what this session's hnsw.ef_search is set to, to SET only on change
        return conn

    @property
    def pool(self) -> ConnectionPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ConnectionPool(self._reader_connection, self._pool_size, _reusable)
            return self._pool

    def close(self) -> None:
        """Close the pooled connections (generations loaded from this store stop working)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def run(self, fn: Callable[[Any], Any]) -> Any:
        """fn(connection) on a pooled connection, retried once on a fresh connection if the server
        dropped the old one (a restart); missing tables become IndexNotFoundError."""
        psycopg = _psycopg()
        for attempt in (0, 1):
            try:
                with self.pool.connection() as conn:
                    return fn(conn)
            except psycopg.errors.UndefinedTable:
                raise IndexNotFoundError(self.not_found()) from None
            except psycopg.OperationalError as exc:
                if attempt or not conn_was_broken(exc):
                    raise DatabaseError(f"PostgreSQL at {self.shown}: {_first_line(exc)}") from None
            except psycopg.Error as exc:  # no privilege, a server error: one line, no traceback
                raise DatabaseError(f"PostgreSQL at {self.shown}: {_first_line(exc)}") from None

    def not_found(self) -> str:
        return (f"no index {self.schema!r} in the database at {self.shown} (or a newer build removed "
                f"the generation in use); run `qa build --index '{self.shown}'` to create it")

    def table(self, gen: int, name: str):
        from psycopg import sql

        return sql.Identifier(self.schema, f"g{gen}_{name}")

    def meta(self, name: str):
        from psycopg import sql

        return sql.Identifier(self.schema, f"qa_{name}")

    # ------------------------------------------------------------------ reading

    def _live(self) -> tuple[int, Manifest]:
        """(generation id, manifest) of the live generation: one small query while it is unchanged."""
        from psycopg import sql

        cached = self._cached
        q = sql.SQL("SELECT g.gen, g.name, CASE WHEN g.name = %s THEN NULL ELSE g.manifest END "
                    "FROM {live} l JOIN {gens} g ON g.gen = l.gen").format(
            live=self.meta("live"), gens=self.meta("generations"))
        row = self.run(lambda c: c.execute(q, (cached[0] if cached else None,)).fetchone())
        if row is None:
            raise IndexNotFoundError(self.not_found())
        gen, name, data = row
        if data is None and cached and cached[0] == name:
            return cached[1], cached[2]
        manifest = Manifest.from_dict(data, self.shown)
        self._cached = (name, gen, manifest)
        return gen, manifest

    def read_manifest(self) -> Manifest:
        """The live manifest; IndexNotFoundError if this index was never built."""
        return self._live()[1]

    def load(self, *, verify: bool = True):  # -> PostgresGeneration (postgres_read.py)
        """The live generation; with `verify`, its row counts are checked against the manifest."""
        gen_id, manifest = self._live()
        gen = PostgresGeneration(self, gen_id, manifest)
        if verify:
            gen.verify()
        return gen

    # ------------------------------------------------------------------ building

    @contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """The index's build lock: a session advisory lock, released by the server if we die."""
        conn = self.connect(purpose="qa build lock")
        key = _lock_key(self.schema)
        deadline = time.monotonic() + wait
        held = False
        try:
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
                if time.monotonic() >= deadline:
                    raise BuildLockedError(f"another build is running on {self.shown}{_holder(conn, key)}; "
                                           "wait for it to finish or pass --wait SECONDS")
                time.sleep(min(0.2, max(deadline - time.monotonic(), 0.01)))
            held = True
            yield
        finally:
            # Unlock before closing: the server ends a closed session a moment later, and a
            # build that starts right after ours must find the lock free. (If we die instead,
            # the end of the session releases it.)
            if held and not (conn.closed or conn.broken):
                try:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
                except _psycopg().Error:
                    pass
            conn.close()

    def write_generation(self, manifest: Manifest, documents: Sequence[DocumentRecord],
                         chunks: Sequence[Chunk], vectors: np.ndarray, lexical_texts: Sequence[str],
                         sentences: Sequence[ChunkSentences],
                         progress: Callable[[str], None] | None = None) -> Manifest:
        return write_whole(self, manifest, documents, chunks, vectors, lexical_texts, sentences, progress)

    def new_generation(self, dimension: int, lexical: dict) -> GenerationWriter:
        """A writer that stages a new generation in a temporary folder (the database is written
        from it by commit_generation, a block at a time, in one transaction)."""
        return new_writer(Path(tempfile.mkdtemp(prefix=self._staging_prefix())), dimension, lexical)

    def _staging_prefix(self) -> str:
        """This index's staging folders are named by it: clean_up (under the build lock) removes
        those a killed build left on this machine, and never another index's."""
        return f"qa-staged-{hashlib.sha256(self.shown.encode()).hexdigest()[:16]}-"

    def commit_generation(self, writer: GenerationWriter, manifest: Manifest,
                          progress: Callable[[str], None] | None = None) -> Manifest:
        """Copy a staged generation into new tables and make it live, all in one transaction."""
        try:
            writer.finish_rows()
            conn = self.connect(autocommit=False, purpose="qa build")
            try:
                live = pg_write.write(self, conn, manifest, writer, progress or (lambda message: None))
                conn.commit()
            except _psycopg().Error as exc:
                conn.rollback()
                raise DatabaseError(f"writing the index to {self.shown} failed: {_first_line(exc)}") from None
            finally:
                conn.close()
        finally:
            self.discard(writer)
        logger.info("%s: generation %s is live (%d chunks)", self.shown, live.generation, live.chunks)
        return live

    def discard(self, writer: GenerationWriter) -> None:
        """Drop a staged generation."""
        writer.abandon()
        shutil.rmtree(writer.folder, ignore_errors=True)

    def clean_up(self, keep: int = 2) -> list[str]:
        """Drop all generations but the live one and the newest `keep - 1` others, and any
        orphan tables (and this machine's staging folders of killed builds). A generation a
        reader still queries is left for the next build."""
        for left in Path(tempfile.gettempdir()).glob(self._staging_prefix() + "*"):
            if left.is_dir() and not left.is_symlink():
                shutil.rmtree(left, ignore_errors=True)
        conn = self.connect(autocommit=True, purpose="qa build")
        try:
            return pg_write.clean_up(self, conn, keep)
        finally:
            conn.close()


def _lock_key(schema: str) -> int:
    """The advisory lock key of an index: a signed 64-bit hash of its schema name."""
    return int.from_bytes(hashlib.sha256(f"qa-index:{schema}".encode()).digest()[:8], "big", signed=True)


def _holder(conn, key: int) -> str:
    """' (PostgreSQL pid N, from ADDR, "qa build")' for the session holding the lock, if visible."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    try:
        row = conn.execute(
            "SELECT a.pid, a.client_addr, a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1",
            (unsigned >> 32, unsigned & 0xFFFFFFFF)).fetchone()
    except Exception:  # a role without pg_stat_activity access: the message does without
        return ""
    if not row:
        return ""
    return f" (PostgreSQL pid {row[0]}, from {row[1] or 'a local socket'}, {row[2]!r})"


def conn_was_broken(exc: Exception) -> bool:
    """True for errors a retry on a new connection can fix (the server closed the old one)."""
    text = str(exc).lower()
    return any(s in text for s in ("server closed the connection", "terminating connection",
                                   "connection is closed", "consuming input failed", "connection lost"))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
