"""Shared fixtures and helpers of the PostgreSQL tests (test_postgres_store.py, test_postgres_builds.py).

Importing this module skips the importing test module when the postgres extra is missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from conftest import SEEDS, write

pg_server = pytest.importorskip("pg_server")

try:
    pg_server.bin_dir()
    import psycopg  # noqa: F401
    import pgvector  # noqa: F401
except (pg_server.ServerUnavailable, ImportError) as exc:
    pytest.skip(f"PostgreSQL tests need the postgres extra ({exc}): pip install -e '.[postgres]'",
                allow_module_level=True)

from qa.answer import split_sentences  # noqa: E402
from qa.chunking import Chunk, chunk_document  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.documents import read_document, scan  # noqa: E402
from qa.index import open_store  # noqa: E402
from qa.index.base import ChunkSentences  # noqa: E402
from qa.index.format import DocumentRecord, Manifest  # noqa: E402
from qa.index.postgres import PostgresStore  # noqa: E402
from qa.lexical import with_title  # noqa: E402

EXTRA_DOCS = {
    "vitamin-d.md": "# Vitamin D and falls\n\nIn a trial of 2,000 older adults, daily vitamin D "
                    "supplements did not reduce the number of falls. Falls were fewer only among people "
                    "who started with a severe deficiency.\n\nBone density rose slightly in the treated "
                    "group after two years.",
    "bees.txt": "Honey bees navigate by the sun. A forager returning to the hive dances: the angle of "
                "its waggle run tells the others the direction of the flowers, its length the distance."
                "\n\nColonies collapse when mites spread viruses between bees during the winter.",
    "notes/kloop.txt": "Kloop Media was liquidated by a court in Bishkek in 2024. Kloop Media "
                       "journalists kept publishing from abroad; camera operators of Kloop were arrested "
                       "and charged with calling for mass unrest.",
}
QUERIES = ["what happened to Kloop Media", "vitamin D falls in older adults", "how do bees find flowers",
           "journalists journalists arrested", "the of and", "zzzz unknownword", "Бишкек 2024"]


@dataclass
class Corpus:
    """Everything write_generation takes, made by the real pipeline (real model)."""

    manifest: Manifest
    documents: list[DocumentRecord]
    chunks: list[Chunk]
    vectors: np.ndarray
    lexical_texts: list[str]
    sentences: list[ChunkSentences]


def make_corpus(folder: Path, embedder, counter) -> Corpus:
    settings = Settings()
    info = embedder.info
    files, _ = scan(folder)
    documents, chunks = [], []
    for f in files:
        doc, _ = read_document(f)
        doc_chunks = chunk_document(doc, counter, settings.chunker, info.max_seq_length)
        documents.append(DocumentRecord(doc.id, doc.source, doc.title, doc.hash, doc.size, doc.mtime,
                                        doc.format, len(doc_chunks), "2026-11-29T04:00:00+0000", doc.text,
                                        doc.page_starts, doc.line_anchors))
        chunks.extend(doc_chunks)
    vectors = embedder.encode([c.text for c in chunks])
    titles = {d.doc_id: d.title for d in documents}
    lexical_texts = [with_title(c.text, titles[c.doc_id]) for c in chunks]
    sentences = []
    for c in chunks:
        spans = np.array(split_sentences(c.text), dtype=np.int32).reshape(-1, 2)
        vecs = embedder.encode([c.text[a:b] for a, b in spans]) if len(spans) else np.zeros((0, info.dimension), np.float32)
        sentences.append(ChunkSentences(spans, vecs))
    manifest = Manifest(
        generation="gen-ignored", model={"name": info.name, "path": str(info.path), "fingerprint": info.fingerprint,
                                         "dimension": info.dimension, "max_seq_length": info.max_seq_length,
                                         "backend": embedder.backend},
        chunker=settings.chunker.as_dict(), lexical=settings.lexical.as_dict(), index_type="flat",
        chunks=len(chunks), dimension=info.dimension, corpus_root=str(folder),
        documents={d.source: d.entry() for d in documents})
    return Corpus(manifest, documents, chunks, vectors, lexical_texts, sentences)


def subset(corpus: Corpus, n: int) -> Corpus:
    """The first n chunks and the documents they belong to, with a manifest that says so."""
    chunks = corpus.chunks[:n]
    ids = {c.doc_id for c in chunks}
    documents = [d for d in corpus.documents if d.doc_id in ids]
    manifest = corpus.manifest.with_(chunks=n, documents={d.source: d.entry() for d in documents})
    return Corpus(manifest, documents, chunks, corpus.vectors[:n], corpus.lexical_texts[:n], corpus.sentences[:n])


def write_corpus(store, corpus: Corpus) -> Manifest:
    with store.lock(wait=30):
        live = store.write_generation(corpus.manifest, corpus.documents, corpus.chunks, corpus.vectors,
                                      corpus.lexical_texts, corpus.sentences)
        store.clean_up()
    return live


@pytest.fixture(scope="session")
def server():
    with pg_server.local_server(fsync=False) as s:
        yield s


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("pgcorpus")
    for name in os.listdir(SEEDS):
        (base / name).write_bytes((SEEDS / name).read_bytes())
    for name, text in EXTRA_DOCS.items():
        write(base, name, text)
    return base


@pytest.fixture(scope="session")
def corpus(corpus_dir, embedder, counter) -> Corpus:
    return make_corpus(corpus_dir, embedder, counter)


_names = iter(range(10**6))


@pytest.fixture
def url(server) -> str:
    """A fresh index name in the shared server for each test."""
    return server.index_url(f"t{next(_names)}_{os.getpid()}")


@pytest.fixture
def pg_store(url):
    s = PostgresStore(url)
    yield s
    s.close()


@pytest.fixture(params=["postgres", "folder"])
def location(request, tmp_path) -> str:
    """The contract tests run on every store: an index in PostgreSQL and one in a folder."""
    return request.getfixturevalue("url") if request.param == "postgres" else str(tmp_path / "index")


@pytest.fixture
def store(location):
    s = open_store(location)
    yield s
    getattr(s, "close", lambda: None)()


@pytest.fixture
def built(store, corpus):
    write_corpus(store, corpus)
    return store


@pytest.fixture
def pg_built(pg_store, corpus):
    write_corpus(pg_store, corpus)
    return pg_store


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
