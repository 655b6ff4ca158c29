"""The index in PostgreSQL + pgvector, against a real local server (tests/pg_server.py): the store
contract, records, search and BM25, generations and errors.

Search results are checked against references: brute-force numpy cosines for the dense side,
qa.lexical.LexicalIndex (bm25s) for BM25. Shared fixtures live in tests/pg_helpers.py.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest

from pg_helpers import (  # noqa: F401 - shared fixtures and helpers; skips this module without postgres
    QUERIES, _closed_port, built, corpus, corpus_dir, location, pg_built, pg_store, server, store, subset, url,
    write_corpus,
)

import psycopg  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.errors import IndexCorruptError, IndexNotFoundError, QAError  # noqa: E402
from qa.index.postgres import DatabaseError, PostgresStore, parse_location  # noqa: E402
from qa.lexical import LexicalIndex, tokenize  # noqa: E402


# ---------------------------------------------------------------- the URL

def test_location_parsing_strips_our_parameter_and_hides_the_password():
    conninfo, schema, shown = parse_location("postgresql://u:secret@h:5432/db?index=notes&sslmode=require")
    assert conninfo == "postgresql://u:secret@h:5432/db?sslmode=require"
    assert schema == "notes"
    assert "secret" not in shown and "index=notes" in shown
    assert parse_location("postgres://h/db")[1] == "qa"
    for bad in ("x;drop table y", "Notes", "", "1abc", "a" * 41, 'a"b'):
        with pytest.raises(ValueError, match="index name"):
            parse_location(f"postgresql://h/db?index={bad}")


# ---------------------------------------------------------------- contents

def test_round_trip_of_records(built, corpus):
    gen = built.load()
    m = built.read_manifest()
    assert m.generation == gen.manifest.generation and m.generation.startswith("gen-")
    assert m.chunks == gen.n_chunks == len(corpus.chunks)
    assert m.model == corpus.manifest.model and m.lexical == corpus.manifest.lexical
    assert set(m.documents) == {d.source for d in corpus.documents}
    listing = gen.documents()
    assert [d.source for d in listing] == sorted(d.source for d in corpus.documents)
    assert all(d.text is None for d in listing)
    for doc in corpus.documents:
        assert gen.document(doc.doc_id) == doc  # text, page starts and line anchors included
    assert gen.document("no-such-doc") is None
    rows = [0, len(corpus.chunks) - 1, 2]
    assert gen.chunks(rows) == {r: corpus.chunks[r] for r in rows}
    by_doc = gen.chunks_of([d.doc_id for d in corpus.documents])
    assert [c for d in corpus.documents for c in by_doc[d.doc_id]] == corpus.chunks
    for c in corpus.chunks:
        doc = gen.document(c.doc_id)
        assert doc.text[c.start:c.end] == c.text


def test_vectors_and_sentences_round_trip_exactly(built, corpus):
    gen = built.load()
    hashes, vectors = gen.reusable_vectors()
    assert np.array_equal(vectors, corpus.vectors)
    assert {h: corpus.chunks[r].text_hash for h, r in hashes.items()} == {h: h for h in hashes}
    assert set(hashes) == {c.text_hash for c in corpus.chunks}
    rows = list(range(len(corpus.chunks)))
    got = gen.sentences(rows)
    assert set(got) == set(rows)
    for r in rows:
        assert np.array_equal(got[r].spans, corpus.sentences[r].spans)
        assert np.array_equal(got[r].vectors, corpus.sentences[r].vectors)


def test_best_sentences_is_the_nearest_stored_sentence_of_each_chunk(built, corpus, embedder):
    gen = built.load()
    n = len(corpus.chunks)
    for query in QUERIES:
        q = embedder.encode([query])[0]
        rows = [n - 1, 0, 4, 2, 4]  # any order, a row twice
        expected = [float(np.max(corpus.sentences[r].vectors @ q)) for r in rows]
        np.testing.assert_allclose(gen.best_sentences(q, rows), expected, atol=1e-5)
    assert gen.best_sentences(q, []).shape == (0,)


def test_dense_search_matches_brute_force(built, corpus, embedder):
    gen = built.load()
    for query in QUERIES:
        q = embedder.encode([query])[0]
        exact = corpus.vectors @ q
        rows, cosines = gen.dense_top(q, 5)
        assert list(rows) == list(np.argsort(-exact, kind="stable")[:5])
        np.testing.assert_allclose(cosines, exact[rows], atol=1e-5)
        assert np.all(np.diff(cosines) <= 1e-7)  # best first
        rows, cosines = gen.dense_top(q, 10_000)
        assert sorted(rows) == list(range(len(corpus.chunks)))  # depth beyond the index: everything
        some = [3, 0, 5]
        np.testing.assert_allclose(gen.dense_scores(q, some), exact[some], atol=1e-5)


def test_bm25_in_sql_matches_the_reference(built, corpus):
    gen = built.load()
    reference = LexicalIndex.build(corpus.lexical_texts, Settings().lexical)
    for query in QUERIES:
        expected = reference.scores(query)
        rows, scores = gen.lexical_top(query, 100)
        positive = np.flatnonzero(expected > 0)
        assert sorted(rows) == sorted(positive), query
        np.testing.assert_allclose(scores, expected[rows], rtol=1e-5)
        assert np.all(np.diff(scores) <= 1e-6)
        all_rows = list(range(len(corpus.chunks)))
        np.testing.assert_allclose(gen.lexical_scores(query, all_rows), expected, rtol=1e-5, atol=1e-6)
    if hasattr(gen, "knows"):
        assert gen.knows("kloop") and gen.knows("journalist") and not gen.knows("zzzz")
    sizes = Counter(c.doc_id for c in corpus.chunks)
    for term in ("kloop", "journalist", "zzzz"):
        holding = Counter(c.doc_id for c, text in zip(corpus.chunks, corpus.lexical_texts)
                          if term in tokenize(text, Settings().lexical))
        assert gen.term_documents(term) == pytest.approx({d: n / sizes[d] for d, n in holding.items()}), term
    rows, scores = gen.lexical_top("kloop media", 2)  # a depth below the matches: the best ones
    assert list(rows) == list(np.argsort(-reference.scores("kloop media"), kind="stable")[:2])
    assert gen.lexical_top("the of and", 10)[0].size == 0  # stop words only: nothing


def test_empty_generation(store, corpus):
    empty = subset(corpus, 0)
    write_corpus(store, empty)
    gen = store.load()
    assert gen.n_chunks == 0 and gen.documents() == []
    assert gen.dense_top(np.ones(384, np.float32) / 20, 10)[0].size == 0
    assert gen.lexical_top("kloop", 10)[0].size == 0
    assert gen.reusable_vectors()[1].shape[0] == 0


# ---------------------------------------------------------------- generations

def test_a_new_generation_goes_live_and_loaded_ones_stay_pinned(built, corpus, embedder):
    old = built.load()
    first = built.read_manifest().generation
    smaller = subset(corpus, sum(1 for c in corpus.chunks if c.doc_id == corpus.documents[0].doc_id))
    n = len(smaller.chunks)
    live = write_corpus(built, smaller)
    assert live.generation != first and built.read_manifest().generation == live.generation
    new = built.load()
    assert new.n_chunks == n and len(new.documents()) == 1
    # The generation loaded before keeps answering from its own tables.
    q = embedder.encode(["bees"])[0]
    assert old.n_chunks == len(corpus.chunks) and len(old.documents()) == len(corpus.documents)
    assert len(old.dense_top(q, 100)[0]) == len(corpus.chunks)
    assert set(new.dense_top(q, 100)[0]) == set(range(n))


def test_clean_up_keeps_the_live_and_the_previous_generation(pg_built, corpus):
    names = [pg_built.read_manifest().generation]
    oldest = pg_built.load()
    for _ in range(2):
        names.append(write_corpus(pg_built, corpus).generation)  # write_corpus cleans up after itself
    previous = pg_built.load()
    names.append(write_corpus(pg_built, corpus).generation)
    with psycopg.connect(parse_location(pg_built.location)[0]) as conn:
        live_tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s",
                                   (pg_built.schema,)).fetchone()[0]
    assert live_tables == 2 + 2 * 5  # qa_generations, qa_live, and the tables of two generations
    assert previous.n_chunks == len(previous.dense_top(np.ones(384, np.float32) / 20, 1000)[0])
    with pytest.raises(IndexNotFoundError, match="run `qa build"):
        oldest.documents()  # dropped: the reader is told to load again rather than served stale rows


def test_verify_notices_tampered_tables(pg_built):
    gen = pg_built.load()
    with psycopg.connect(parse_location(pg_built.location)[0], autocommit=True) as conn:
        conn.execute(f'DELETE FROM "{pg_built.schema}".g{gen.gen}_chunks WHERE row = 0')
    with pytest.raises(IndexCorruptError, match="qa build --full"):
        pg_built.load(verify=True)
    pg_built.load(verify=False)


def test_two_indexes_in_one_database_are_independent(server, corpus):
    a, b = PostgresStore(server.index_url("idx_a")), PostgresStore(server.index_url("idx_b"))
    try:
        write_corpus(a, corpus)
        with pytest.raises(IndexNotFoundError):
            b.read_manifest()
        with a.lock(), b.lock(wait=0):  # separate build locks too
            pass
        write_corpus(b, corpus)
        assert a.read_manifest().generation == b.read_manifest().generation == "gen-1"
    finally:
        a.close()
        b.close()


# ---------------------------------------------------------------- errors

def test_clear_errors(server, pg_store, corpus):
    with pytest.raises(IndexNotFoundError, match="no index .* run `qa build --index"):
        pg_store.read_manifest()
    with pytest.raises(IndexNotFoundError):
        pg_store.load()
    dead = PostgresStore(f"postgresql://qa:secret@127.0.0.1:{_closed_port()}/db")
    with pytest.raises(DatabaseError, match="cannot connect to PostgreSQL at postgresql://qa@127.0.0.1") as info:
        dead.read_manifest()
    assert "secret" not in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, QAError) and isinstance(info.value, ConnectionError)
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS someone_else")
        conn.execute("CREATE TABLE IF NOT EXISTS someone_else.payroll (x int)")
    foreign = PostgresStore(server.index_url("someone_else"))
    with pytest.raises(DatabaseError, match="not a qa index"):
        write_corpus(foreign, corpus)


def test_readers_survive_the_server_dropping_their_connections(pg_built, corpus, server):
    gen = pg_built.load()
    assert len(gen.documents()) == len(corpus.documents)  # the pool now holds a connection
    with psycopg.connect(server.url, autocommit=True) as admin:
        killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE application_name = 'qa' AND pid <> pg_backend_pid()").fetchone()[0]
    assert killed >= 1
    assert len(gen.documents()) == len(corpus.documents)  # retried once on a new connection
    assert pg_built.read_manifest().generation == gen.manifest.generation



# ---------------------------------------------------------------- issue 23.2: a password never printed

# Raw '#', '/', '?', '@' and ':' in a password: what stands between '://' and the last '@' is the
# user and password, however else the URL could parse, and no piece of the password is shown.
TRICKY_PASSWORDS = ["Secr3t#Zq7x", "Secr3t/Zq7x", "Secr3t?Zq7x", "Se@cr3tZq7x", "Se:cr#3t/Zq7x?w@v%"]


def _leaks(text: str) -> list[str]:
    return [piece for piece in ("cr3t", "Zq7x", "3t/", "w@v") if piece.lower() in text.lower()]


@pytest.mark.parametrize("password", TRICKY_PASSWORDS)
def test_a_password_with_raw_url_characters_is_never_shown(password):
    from qa.index import describe_location

    location = f"postgresql://tester:{password}@127.0.0.1:{_closed_port()}/postgres?index=notes"
    conninfo, schema, shown = parse_location(location)
    assert schema == "notes" and shown.startswith("postgresql://tester@127.0.0.1:") and not _leaks(shown)
    assert not _leaks(describe_location(location))
    with pytest.raises(DatabaseError, match="cannot connect to PostgreSQL at postgresql://tester@127.0.0.1") as info:
        PostgresStore(location).read_manifest()
    assert not _leaks(str(info.value)), str(info.value)


@pytest.mark.parametrize("password", TRICKY_PASSWORDS)
def test_a_password_with_raw_url_characters_still_connects(pg_built, server, password, embedder):
    from qa import IndexMismatchError, Retriever

    # The test server trusts 127.0.0.1, so any password logs in: the URL must still name the same
    # user, host, database and index.
    location = pg_built.location.replace("postgresql://postgres@", f"postgresql://postgres:{password}@")
    store = PostgresStore(location)
    try:
        assert store.read_manifest().chunks == pg_built.read_manifest().chunks
    finally:
        store.close()

    class OtherModel:  # a model the index was not built with: the mismatch message names the index
        info, backend = dataclasses.replace(embedder.info, fingerprint="other"), embedder.backend

    with pytest.raises(IndexMismatchError) as info:
        Retriever.load(location, embedder=OtherModel())
    assert "postgresql://postgres@127.0.0.1" in str(info.value) and not _leaks(str(info.value)), str(info.value)
