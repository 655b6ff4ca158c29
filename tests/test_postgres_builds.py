"""The index in PostgreSQL + pgvector, against a real local server (tests/pg_server.py): builds,
locks, concurrency, and end to end (build_index, Retriever, CLI, serve).

Concurrency is tested with real processes: a build killed by SIGKILL, a lock holder that dies.
Shared fixtures live in tests/pg_helpers.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, write
from pg_helpers import (  # noqa: F401 - shared fixtures and helpers; skips this module without postgres
    EXTRA_DOCS, QUERIES, _closed_port, corpus, corpus_dir, location, pg_built, pg_store, server, store, subset, url,
    write_corpus,
)

import psycopg  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.errors import BuildLockedError, IndexNotFoundError  # noqa: E402
from qa.index import open_store  # noqa: E402
from qa.index.postgres import PostgresStore, parse_location  # noqa: E402


# ---------------------------------------------------------------- builds and concurrency

def test_the_build_lock_serializes_builds(store, location):
    other = open_store(location)
    with store.lock():
        t0 = time.monotonic()
        with pytest.raises(BuildLockedError, match="another build is running"):
            with other.lock(wait=0.5):
                pass
        assert time.monotonic() - t0 >= 0.45
    released = threading.Event()

    def hold():
        with store.lock():
            released.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.3)
    threading.Timer(0.5, released.set).start()
    with other.lock(wait=10):  # waits for the holder to finish
        assert released.is_set()
    holder.join()


def _python(code: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_dead_lock_holder_releases_the_lock(store, location):
    proc = _python(f"""
        from qa.index import open_store
        import time
        with open_store({location!r}).lock():
            print("locked", flush=True)
            time.sleep(120)
    """)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(BuildLockedError):
            with store.lock(wait=0):
                pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with store.lock(wait=10):
        pass


def test_a_build_killed_mid_write_leaves_the_previous_generation_answering(pg_built, corpus, embedder, url):
    before = pg_built.read_manifest().generation
    q = embedder.encode(["Kloop Media"])[0]
    expected = pg_built.load().dense_top(q, 5)
    # A big build (random vectors, real tokenizer) in another process, killed while it COPYs rows.
    proc = _python(f"""
        import numpy as np
        from qa.index.postgres import PostgresStore
        from qa.index.base import ChunkSentences
        from qa.index.format import DocumentRecord, Manifest
        from qa.chunking import Chunk
        from qa.config import Settings
        n = 60000
        rng = np.random.default_rng(0)
        vectors = rng.normal(size=(n, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        words = "alpha beta gamma delta kloop media court journalist bee honey".split()
        texts = [" ".join(rng.choice(words, 30)) for _ in range(n)]
        doc = DocumentRecord("d", "big.txt", "Big", "h", 1, 0.0, "txt", n, "now", "x" * 10)
        chunks = [Chunk(f"c-{{i}}", "d", t, 0, 1, 1, 1) for i, t in enumerate(texts)]
        sents = [ChunkSentences(np.zeros((1, 2), np.int32), vectors[i:i + 1]) for i in range(n)]
        s = Settings()
        m = Manifest("gen-x", {{"name": "m", "fingerprint": "f", "dimension": 384}}, s.chunker.as_dict(),
                     s.lexical.as_dict(), "flat", n, 384)
        store = PostgresStore({url!r})
        with store.lock():
            store.write_generation(m, [doc], chunks, vectors, texts, sents)
        print("finished", flush=True)
    """)
    admin = psycopg.connect(parse_location(url)[0], autocommit=True)
    try:
        def copying() -> bool:
            assert proc.poll() is None, proc.stderr.read()
            row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'qa build' "
                                "AND query LIKE 'COPY%%' AND xact_start IS NOT NULL").fetchone()
            return row[0] > 0

        _wait_for(copying)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # The server notices the dead client, rolls its transaction back and frees the lock.
        _wait_for(lambda: admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name "
                                        "LIKE 'qa build%%'").fetchone()[0] == 0, timeout=30)
        tables = {r[0] for r in admin.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s",
                                              (pg_built.schema,)).fetchall()}
    finally:
        admin.close()
    assert pg_built.read_manifest().generation == before
    rows, cosines = pg_built.load().dense_top(q, 5)
    assert list(rows) == list(expected[0])
    assert len(tables) == 2 + 5  # no half-written tables left behind
    # The killed build's staging folder (on this machine) goes with the next build's clean-up.
    staged = list(Path(tempfile.gettempdir()).glob(pg_built._staging_prefix() + "*"))
    assert staged
    with pg_built.lock():
        pg_built.clean_up()
    assert not any(p.exists() for p in staged)
    live = write_corpus(pg_built, corpus)  # the next build takes the lock and succeeds
    assert live.generation != before and pg_built.load().n_chunks == len(corpus.chunks)


def test_readers_never_see_half_a_build(pg_built, corpus, embedder, url):
    """Threads keep searching while builds of two different sizes alternate; every result comes
    from one whole generation (all its rows exist, counts match that generation)."""
    reader = PostgresStore(url)
    half = len(corpus.chunks) // 2
    small = subset(corpus, half)
    q = embedder.encode(["journalists arrested"])[0]
    errors: list[BaseException] = []
    stop = threading.Event()
    searches = [0]

    def search():
        try:
            while not stop.is_set():
                try:
                    gen = reader.load(verify=False)
                except IndexNotFoundError:
                    continue  # loaded a generation that the next build dropped: load again
                try:
                    rows, _ = gen.dense_top(q, 1000)
                    lrows, _ = gen.lexical_top("kloop media journalists", 1000)
                except IndexNotFoundError:
                    continue
                assert len(rows) == gen.n_chunks and all(r < gen.n_chunks for r in lrows)
                searches[0] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(4):
            write_corpus(pg_built, small if i % 2 == 0 else corpus)
    finally:
        stop.set()
        for t in threads:
            t.join()
        reader.close()
    assert not errors, errors[0]
    assert searches[0] > 10


# ---------------------------------------------------------------- end to end: build_index, Retriever, CLI, serve

@pytest.fixture
def docs(tmp_path, corpus_dir) -> Path:
    """A private copy of the small corpus that a test may change."""
    import shutil

    shutil.copytree(corpus_dir, tmp_path / "docs")
    return tmp_path / "docs"


def test_postgres_index_answers_like_the_folder_index(docs, tmp_path, url, embedder):
    from qa import Retriever, build_index
    from qa.answer import answer

    folder = build_index(docs, tmp_path / "index", embedder=embedder)
    pg = build_index(docs, url, embedder=embedder)
    assert (pg.documents, pg.chunks, pg.added) == (folder.documents, folder.chunks, folder.added)
    a = Retriever.load(tmp_path / "index", embedder=embedder)
    b = Retriever.load(url, embedder=embedder)
    def entries(r):
        return {s: {k: v for k, v in e.items() if k != "indexed_at"} for s, e in r.manifest.documents.items()}

    assert entries(b) == entries(a)
    for mode in ("hybrid", "dense", "lexical"):
        for query in QUERIES:
            pa, pb = a.search(query, k=5, mode=mode), b.search(query, k=5, mode=mode)
            assert [p.chunk_id for p in pb] == [p.chunk_id for p in pa], (mode, query)
            for x, y in zip(pa, pb):
                assert (y.source, y.start, y.end, y.line_start, y.text) == (x.source, x.start, x.end, x.line_start, x.text)
                assert y.score == pytest.approx(x.score, rel=1e-4, abs=1e-6)
                assert y.dense_score == pytest.approx(x.dense_score, abs=1e-5)
                assert y.lexical_score == pytest.approx(x.lexical_score, rel=1e-4, abs=1e-6)
    for query in ("what happened to Kloop Media", "vitamin D and falls"):
        assert answer(b, query).text == answer(a, query).text
    assert [d.source for d in b.documents()] == [d.source for d in a.documents()]


def test_incremental_rebuilds_and_refresh(docs, url, embedder):
    from qa import Retriever, build_index

    first = build_index(docs, url, embedder=embedder)
    retriever = Retriever.load(url, embedder=embedder)
    assert not retriever.refresh()
    write(docs, "glaciers.txt", "The Inylchek glacier in Kyrgyzstan is one of the longest glaciers outside "
                                "the polar regions.\n\nIts ice-dammed Lake Merzbacher drains every summer.")
    (docs / "bees.txt").unlink()
    second = build_index(docs, url, embedder=embedder)
    assert second.added == ["glaciers.txt"] and second.removed == ["bees.txt"]
    assert second.reused_vectors == first.chunks - 1 and second.embedded_chunks == 1
    assert retriever.search("Lake Merzbacher", k=1)[0].source != "glaciers.txt"  # still the old generation
    assert retriever.refresh() and retriever.generation == second.generation
    assert retriever.search("Lake Merzbacher", k=1)[0].source == "glaciers.txt"
    assert all(p.source != "bees.txt" for p in retriever.search("honey bees dance", k=10))
    unchanged = build_index(docs, url, embedder=embedder)
    assert unchanged.generation == second.generation and unchanged.unchanged == second.documents


def test_an_index_built_with_other_settings_is_refused(docs, url, embedder):
    from qa import IndexMismatchError, Retriever, build_index
    from qa.config import ChunkerSettings

    build_index(docs, url, embedder=embedder)
    other = Settings(chunker=ChunkerSettings(chunk_tokens=100, overlap_tokens=20))
    with pytest.raises(IndexMismatchError, match="qa build --full"):
        Retriever.load(url, settings=other, embedder=embedder)
    report = build_index(docs, url, settings=other, embedder=embedder)
    assert report.full_rebuild and "chunker" in report.full_reason


def _qa(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


def test_cli_build_ask_and_eval_with_a_database_url(docs, tmp_path, server):
    import json

    url = server.index_url(f"cli_{os.getpid()}").replace("postgres@", "postgres:secret@")  # trust auth ignores it
    built = _qa("build", "--seeds", str(docs), "--index", url, "--json")
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["documents"] == 4
    shown = _qa("build", "--seeds", str(docs), "--index", url)
    assert shown.returncode == 0 and "secret" not in shown.stdout and "index=cli_" in shown.stdout
    asked = _qa("ask", "what happened to Kloop Media", "--index", url, "--json", "-k", "2")
    assert asked.returncode == 0, asked.stderr
    passages = json.loads(asked.stdout)["passages"]
    assert len(passages) == 2 and "Kloop" in passages[0]["text"]
    missing = _qa("ask", "anything", "--index", server.index_url("never_built"))
    assert missing.returncode != 0 and "qa build --index" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    refused = _qa("ask", "anything", "--index", f"postgresql://qa:secret@127.0.0.1:{_closed_port()}/db")
    assert refused.returncode != 0 and "cannot connect to PostgreSQL" in refused.stderr
    assert "secret" not in refused.stderr and "Traceback" not in refused.stderr
    bad = _qa("ask", "anything", "--index", "postgresql://127.0.0.1/db?index=Robert');DROP")
    assert bad.returncode != 0 and "index name" in bad.stderr and "Traceback" not in bad.stderr
    # qa eval on a tiny BEIR folder, its index kept in the database.
    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    corpus = {"k1": ("Kloop Media", EXTRA_DOCS["notes/kloop.txt"]), "v1": ("Vitamin D", EXTRA_DOCS["vitamin-d.md"]),
              "b1": ("Bees", EXTRA_DOCS["bees.txt"])}
    (beir / "corpus.jsonl").write_text("".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n"
                                               for i, (t, x) in corpus.items()), encoding="utf-8")
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "who liquidated Kloop Media"}\n'
                                        '{"_id": "q2", "text": "how do bees tell direction"}\n', encoding="utf-8")
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\tk1\t1\nq2\tb1\t1\n", encoding="utf-8")
    evaluated = _qa("eval", str(beir), "--index", server.index_url(f"eval_{os.getpid()}"), "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert report["documents"] == 3 and report["modes"]["hybrid"]["ndcg_10"] == pytest.approx(1.0)


@pytest.mark.slow
def test_two_servers_share_one_database_while_a_third_process_rebuilds(docs, tmp_path, server):
    """Two `qa serve` processes answer from one database; `qa build` in a third process adds a
    document; every question gets an answer, and afterwards both servers cite the new document."""
    from gradio_client import Client

    from ui_helpers import running_app

    url = server.index_url(f"serve_{os.getpid()}")
    assert _qa("build", "--seeds", str(docs), "--index", url).returncode == 0
    new_fact = ("The Vardane bridge over the Chu river was opened in 1931 and rebuilt in stone in 1958 "
                "after a spring flood carried the wooden one away.")
    with running_app(docs, url, tmp_path / "a.log") as a, running_app(docs, url, tmp_path / "b.log") as b:
        clients = [Client(a, verbose=False), Client(b, verbose=False)]
        asked, failures = [0], []
        stop = threading.Event()

        def keep_asking(client):
            questions = ["what happened to Kloop Media", "do vitamin D supplements prevent falls"]
            while not stop.is_set() and asked[0] < 400:
                try:
                    out = client.predict(questions[asked[0] % 2], api_name="/ask")
                    assert out["passages"], out
                    asked[0] += 1
                except Exception as exc:  # noqa: BLE001 - every failure is reported
                    failures.append(repr(exc))
                    return

        threads = [threading.Thread(target=keep_asking, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        write(docs, "bridges.txt", new_fact)
        rebuilt = _qa("build", "--seeds", str(docs), "--index", url, "--json")
        time.sleep(3)  # the servers look for a new generation every 2 s
        stop.set()
        for t in threads:
            t.join(60)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert not failures, failures[:3]
        assert asked[0] >= 4
        for client in clients:
            out = client.predict("when was the Vardane bridge opened", api_name="/ask")
            assert out["passages"][0]["source"] == "bridges.txt", out["passages"][0]


def test_a_store_that_found_no_index_reads_the_first_build(server, corpus):
    """A reader that looked before pgvector existed in the database sees the first build."""
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE fresh")
    url = server.url.rsplit("/", 1)[0] + "/fresh?index=first"
    reader = PostgresStore(url)
    try:
        with pytest.raises(IndexNotFoundError):
            reader.read_manifest()
        write_corpus(PostgresStore(url), corpus)
        gen = reader.load()
        assert len(gen.dense_top(corpus.vectors[0], 3)[0]) == 3
    finally:
        reader.close()
