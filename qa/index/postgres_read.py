"""Reading one generation of a PostgreSQL index: dense search (pgvector HNSW), BM25 in SQL from
the stored postings, chunks, sentences and documents. The store itself is in postgres.py, the
writing side in postgres_write.py.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from ..chunking import Chunk
from ..config import LexicalSettings
from ..errors import IndexCorruptError, IndexNotFoundError
from ..lexical import tokenize
from . import postgres_write as pg_write
from .base import ChunkSentences
from .format import DocumentRecord, Manifest


logger = logging.getLogger(__name__)

EF_SEARCH = 150
"""hnsw.ef_search, the candidates an HNSW scan keeps (never fewer than the depth asked for).
On SciFact (16k chunks, m=16, ef_construction=64; bench/postgres.py) the 100 nearest chunks come
back with recall 0.964 at 100, 0.981 at 150, 0.989 at 200 (the 10 nearest: 0.994, 0.999, 0.999)
while latency grows about linearly: 150 is the smallest with recall@100 >= 0.98."""


class PostgresGeneration:
    """One generation, pinned by id: its tables never change, so answers stay consistent until
    the reader loads a newer one. Thread-safe (each call takes a pooled connection)."""

    def __init__(self, store: pg_write.Database, gen: int, manifest: Manifest):
        from psycopg import sql

        self.store = store
        self.gen = gen
        self.manifest = manifest
        self._lexical = LexicalSettings(**manifest.lexical)
        self._known: dict[str, bool] = {}
        self._term_docs: dict[str, dict[str, float]] = {}
        t = {name: store.table(gen, name) for name in
             ("documents", "chunks", "vectors", "terms", "sentences")}
        chunk_cols = sql.SQL('row, chunk_id, doc_id, text, start, "end", line_start, line_end, page, page_end')
        doc_cols = "doc_id, source, title, hash, size, mtime, format, n_chunks, indexed_at"
        # Generations written before format version 3 have no language column.
        language = "language" if manifest.format_version >= 3 else "NULL"
        # BM25 as Lucene (and bm25s, method="lucene") computes it: idf = ln(1 + (N - df + .5) / (df + .5)),
        # tf part = tf / (tf + k1 (1 - b + b len / avgdl)); a query term that repeats counts again.
        bm25 = sql.SQL(
            "WITH q AS (SELECT t AS term, count(*) AS n FROM unnest(%(terms)s::text[]) t GROUP BY t), "
            "w AS MATERIALIZED (SELECT q.n * ln(1.0::float8 + (%(N)s - x.df + 0.5::float8) / (x.df + 0.5::float8)) "
            "AS w, x.rows, x.tfs, x.lens "
            "FROM q JOIN {terms} x ON x.term = q.term) "
            "SELECT u.row, sum(w.w * u.tf / (u.tf + %(k1)s * (1 - %(b)s + %(b)s * u.len / %(avgdl)s))) AS s "
            "FROM w, unnest(w.rows, w.tfs, w.lens) AS u(row, tf, len) {only} GROUP BY u.row {order}")
        self._sql = {
            "dense_top": sql.SQL("SELECT row, -(embedding <#> %b) FROM {v} ORDER BY embedding <#> %b "
                                 "LIMIT %s").format(v=t["vectors"]),
            # Within some documents: an exact scan of their chunks (ordering by the score, not by the
            # distance operator, keeps the planner off the HNSW index, which would cut the
            # candidates at ef_search before the WHERE), so it agrees with the folder store.
            "dense_within": sql.SQL("SELECT v.row, -(v.embedding <#> %b) AS s FROM {v} v WHERE v.row IN "
                                    "(SELECT row FROM {c} WHERE doc_id = ANY(%s)) ORDER BY s DESC, v.row "
                                    "LIMIT %s").format(v=t["vectors"], c=t["chunks"]),
            "dense_scores": sql.SQL("SELECT row, -(embedding <#> %b) FROM {v} WHERE row = ANY(%s)"
                                    ).format(v=t["vectors"]),
            "lexical_top": bm25.format(terms=t["terms"], only=sql.SQL(""),
                                       order=sql.SQL("ORDER BY s DESC, row LIMIT %(depth)s")),
            "lexical_within": bm25.format(
                terms=t["terms"], order=sql.SQL("ORDER BY s DESC, row LIMIT %(depth)s"),
                only=sql.SQL("WHERE u.row IN (SELECT row FROM {c} WHERE doc_id = ANY(%(docs)s))").format(
                    c=t["chunks"])),
            "lexical_scores": bm25.format(terms=t["terms"], only=sql.SQL("WHERE u.row = ANY(%(rows)s)"),
                                          order=sql.SQL("")),
            "knows": sql.SQL("SELECT EXISTS (SELECT 1 FROM {t} WHERE term = %s)").format(t=t["terms"]),
            "term_documents": sql.SQL(
                "SELECT c.doc_id, count(*)::float8 / max(d.n_chunks) FROM {t} x CROSS JOIN unnest(x.rows) AS u(row) "
                "JOIN {c} c ON c.row = u.row JOIN {d} d ON d.doc_id = c.doc_id WHERE x.term = %s GROUP BY c.doc_id"
            ).format(t=t["terms"], c=t["chunks"], d=t["documents"]),
            "chunks": sql.SQL("SELECT {c} FROM {t} WHERE row = ANY(%s)").format(c=chunk_cols, t=t["chunks"]),
            "find_chunk": sql.SQL("SELECT {c} FROM {t} WHERE chunk_id = %s LIMIT 1").format(
                c=chunk_cols, t=t["chunks"]),
            "chunks_of": sql.SQL("SELECT {c} FROM {t} WHERE doc_id = ANY(%s) ORDER BY row").format(
                c=chunk_cols, t=t["chunks"]),
            "hashes": sql.SQL("SELECT row, text_hash FROM {t}").format(t=t["chunks"]),
            "vectors": sql.SQL("COPY (SELECT row, embedding FROM {v} ORDER BY row) TO STDOUT (FORMAT BINARY)"
                               ).format(v=t["vectors"]),
            "sentences": sql.SQL('SELECT row, start, "end", vector FROM {t} WHERE row = ANY(%s) '
                                 "ORDER BY row, idx").format(t=t["sentences"]),
            "best_sentences": sql.SQL("SELECT row, max(-(vector <#> %b)) FROM {t} WHERE row = ANY(%s) "
                                      "GROUP BY row").format(t=t["sentences"]),
            "documents": sql.SQL(f"SELECT {doc_cols}, {language} FROM {{t}} ORDER BY source").format(
                t=t["documents"]),
            "document": sql.SQL(f"SELECT {doc_cols}, text, page_starts, line_anchors, {language} FROM {{t}} "
                                "WHERE doc_id = %s").format(t=t["documents"]),
            "counts": sql.SQL("SELECT (SELECT count(*) FROM {c}), (SELECT count(*) FROM {v}), "
                              "(SELECT count(*) FROM {d})").format(c=t["chunks"], v=t["vectors"],
                                                                 d=t["documents"]),
        }
        stats = store.run(lambda c: c.execute(
            sql.SQL("SELECT n_chunks, avgdl FROM {g} WHERE gen = %s").format(g=store.meta("generations")),
            (gen,)).fetchone())
        if stats is None:
            raise IndexNotFoundError(store.not_found())
        self._bm25 = {"N": float(stats[0]), "avgdl": max(float(stats[1]), 1e-9),
                      "k1": float(self._lexical.k1), "b": float(self._lexical.b)}

    @property
    def n_chunks(self) -> int:
        return self.manifest.chunks

    def verify(self) -> None:
        """IndexCorruptError unless the tables hold as many rows as the manifest says."""
        chunks, vectors, docs = self.store.run(lambda c: c.execute(self._sql["counts"]).fetchone())
        expected = (self.manifest.chunks, self.manifest.chunks, len(self.manifest.documents))
        if (chunks, vectors, docs) != expected:
            raise IndexCorruptError(
                f"index {self.manifest.generation} at {self.store.shown} has {chunks} chunks, {vectors} "
                f"vectors and {docs} documents, the manifest says {expected[0]} and {expected[2]}; "
                "run `qa build --full`")

    # ------------------------------------------------------------------ dense

    def subset(self, doc_ids: Sequence[str]) -> list[str]:
        """What dense_top / lexical_top take as `within`: the documents, found by SQL in each query."""
        return list(doc_ids)

    def dense_top(self, query: np.ndarray, depth: int, within: list[str] | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
        depth = min(int(depth), self.n_chunks)
        if depth <= 0 or (within is not None and not within):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.asarray(query, dtype=np.float32).ravel()
        if within is not None:
            return _rows_scores(self.store.run(
                lambda c: c.execute(self._sql["dense_within"], (q, within, depth)).fetchall()))
        ef = min(max(EF_SEARCH, depth), 1000)  # pgvector's limit; iterative scans go beyond

        def run(conn):
            if conn.ef_search != ef:
                conn.execute(f"SET hnsw.ef_search = {ef:d}")
                conn.ef_search = ef
            return conn.execute(self._sql["dense_top"], (q, q, depth)).fetchall()

        return _rows_scores(self.store.run(run))

    def dense_scores(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        return self._row_scores("dense_scores", query, rows, np.nan)

    def _row_scores(self, statement: str, query: np.ndarray, rows: Sequence[int], missing: float) -> np.ndarray:
        """One score per row from `statement` (row, score for the query vector and a row list),
        `missing` for a row it gives none."""
        rows = [int(r) for r in rows]
        if not rows:
            return np.zeros(0, dtype=np.float32)
        q = np.asarray(query, dtype=np.float32).ravel()
        found = dict(self.store.run(lambda c: c.execute(self._sql[statement], (q, rows)).fetchall()))
        return np.array([found.get(r, missing) for r in rows], dtype=np.float32)

    # ------------------------------------------------------------------ lexical

    def knows(self, term: str) -> bool:
        """Whether `term` (a BM25 token) occurs in the index; remembered (a generation never changes)."""
        known = self._known.get(term)
        if known is None:
            known = self.store.run(lambda c: c.execute(self._sql["knows"], (term,)).fetchone()[0])
            if len(self._known) < 100_000:
                self._known[term] = known
        return known

    def term_documents(self, term: str) -> dict[str, float]:
        """The documents holding `term` and the share of their chunks that do; remembered like `knows`."""
        docs = self._term_docs.get(term)
        if docs is None:
            found = self.store.run(lambda c: c.execute(self._sql["term_documents"], (term,)).fetchall())
            docs = {r[0]: float(r[1]) for r in found}
            if len(self._term_docs) < 10_000:
                self._term_docs[term] = docs
        return docs

    def _terms(self, query: str) -> list[str]:
        return tokenize(query, self._lexical)

    def lexical_top(self, query: str, depth: int, within: list[str] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        terms = self._terms(query)
        if not terms or depth <= 0 or (within is not None and not within):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        params = dict(self._bm25, terms=terms, depth=int(depth))
        if within is not None:
            params["docs"] = within
        name = "lexical_top" if within is None else "lexical_within"
        found = self.store.run(lambda c: c.execute(self._sql[name], params).fetchall())
        return _rows_scores([(r, s) for r, s in found if s > 0])

    def lexical_scores(self, query: str, rows: Sequence[int]) -> np.ndarray:
        rows = [int(r) for r in rows]
        terms = self._terms(query)
        if not rows or not terms:
            return np.zeros(len(rows), dtype=np.float32)
        params = dict(self._bm25, terms=terms, rows=rows)
        found = dict(self.store.run(lambda c: c.execute(self._sql["lexical_scores"], params).fetchall()))
        return np.array([found.get(r, 0.0) for r in rows], dtype=np.float32)

    # ------------------------------------------------------------------ records

    def chunks(self, rows: Sequence[int]) -> dict[int, Chunk]:
        rows = [int(r) for r in rows]
        if not rows:
            return {}
        found = self.store.run(lambda c: c.execute(self._sql["chunks"], (rows,)).fetchall())
        return {r[0]: Chunk(*r[1:]) for r in found}

    def find_chunk(self, chunk_id: str) -> tuple[int, Chunk] | None:
        found = self.store.run(lambda c: c.execute(self._sql["find_chunk"], (chunk_id,)).fetchone())
        return (found[0], Chunk(*found[1:])) if found else None

    def chunks_of(self, doc_ids: Sequence[str]) -> dict[str, list[Chunk]]:
        out: dict[str, list[Chunk]] = {d: [] for d in doc_ids}
        if not out:
            return out
        found = self.store.run(lambda c: c.execute(self._sql["chunks_of"], (list(out),)).fetchall())
        for r in found:
            out[r[2]].append(Chunk(*r[1:]))
        return out

    def reusable_vectors(self) -> tuple[dict[str, int], np.ndarray]:
        hashes = self.store.run(lambda c: c.execute(self._sql["hashes"]).fetchall())

        def read(conn) -> bytes:
            with conn.cursor().copy(self._sql["vectors"]) as copy:
                return b"".join(bytes(block) for block in copy)

        vectors = pg_write.parse_vectors(self.store.run(read), self.manifest.dimension)
        return {h: r for r, h in hashes}, vectors

    def sentences(self, rows: Sequence[int]) -> dict[int, ChunkSentences]:
        rows = [int(r) for r in rows if 0 <= int(r) < self.n_chunks]
        if not rows:
            return {}
        found = self.store.run(lambda c: c.execute(self._sql["sentences"], (rows,)).fetchall())
        grouped: dict[int, list[tuple]] = {r: [] for r in rows}
        for row, start, end, vector in found:
            grouped[row].append((start, end, vector.to_numpy()))
        dim = self.manifest.dimension
        return {row: ChunkSentences(
            spans=np.array([(s, e) for s, e, _ in items], dtype=np.int32).reshape(-1, 2),
            vectors=np.array([v for _, _, v in items], dtype=np.float32).reshape(-1, dim))
            for row, items in grouped.items()}

    def best_sentences(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        return self._row_scores("best_sentences", query, rows, -np.inf)

    def documents(self) -> list[DocumentRecord]:
        found = self.store.run(lambda c: c.execute(self._sql["documents"]).fetchall())
        return [DocumentRecord(*r, language=language) for *r, language in found]

    def document(self, doc_id: str) -> DocumentRecord | None:
        found = self.store.run(lambda c: c.execute(self._sql["document"], (doc_id,)).fetchone())
        if found is None:
            return None
        *head, text, page_starts, anchors, language = found
        return DocumentRecord(*head, text=text, page_starts=tuple(page_starts) if page_starts else None,
                              line_anchors=tuple(tuple(a) for a in anchors) if anchors else None,
                              language=language)

    def close(self) -> None:
        """Nothing to release: the connections belong to the store's pool, shared across
        generations so that a refresh does not reconnect."""


def _rows_scores(found: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([r for r, _ in found], dtype=np.int64),
            np.array([s for _, s in found], dtype=np.float32))
