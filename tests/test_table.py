"""The SQLite chunk table: what is written reads back the same, in order, from many threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from qa.chunking import Chunk
from qa.index import DocumentRecord
from qa.table import ChunkTable, write_table


def _table(tmp_path, n_docs=3, per_doc=4):
    docs, chunks, spans = [], [], []
    for d in range(n_docs):
        text = " ".join(f"Sentence {d}.{c} is here." for c in range(per_doc))
        docs.append(DocumentRecord(f"d-{d}", f"doc{d}.txt", f"Doc {d}", f"h{d}", len(text), 1.5, "txt",
                                   per_doc, "2026-11-29", text, page_starts=(0, 10) if d == 1 else None,
                                   line_anchors=((0, 5),) if d == 2 else None))
        for c in range(per_doc):
            a = text.index(f"Sentence {d}.{c}")
            b = a + len(f"Sentence {d}.{c} is here.")
            chunks.append(Chunk(f"c-{d}-{c}", f"d-{d}", text[a:b], a, b, 1, 1, 2 if d == 1 else None))
            spans.append(np.array([[0, b - a]] * (c % 3), dtype=np.int32).reshape(-1, 2))
    path = tmp_path / "chunks.sqlite"
    write_table(path, docs, chunks, spans)
    return ChunkTable(path), docs, chunks, spans


def test_round_trip(tmp_path):
    table, docs, chunks, spans = _table(tmp_path)
    assert table.count() == len(chunks)
    assert table.chunks([5, 0]) == {5: chunks[5], 0: chunks[0]}
    assert table.chunks_of(["d-1"])["d-1"] == chunks[4:8]
    assert [d.source for d in table.documents()] == ["doc0.txt", "doc1.txt", "doc2.txt"]
    assert table.document_record("d-1") == docs[1] and table.document_record("nope") is None
    assert table.document_record("d-2").line_anchors == ((0, 5),)
    assert table.text_hash_rows()[chunks[7].text_hash] == 7


def test_sentence_rows_follow_chunk_order(tmp_path):
    table, _, _, spans = _table(tmp_path)
    got = table.sentence_spans(range(len(spans)))
    first = 0  # sentence row j is row j of the sentence vectors
    for row, expected in enumerate(spans):
        found, start = got[row]
        assert found.tolist() == expected.tolist()
        if len(expected):
            assert start == first
        first += len(expected)


def test_many_threads_read_one_table(tmp_path):
    table, _, chunks, _ = _table(tmp_path, n_docs=5, per_doc=20)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda r: table.chunks([r])[r], range(len(chunks))))
    assert results == chunks


def test_connections_follow_queries_in_flight_not_threads(tmp_path):
    """Short-lived threads (a server's workers come and go) reuse the pool's connections."""
    import threading

    import pytest

    table, _, chunks, _ = _table(tmp_path)
    for r in range(len(chunks)):  # one new thread per read, one read at a time
        t = threading.Thread(target=table.chunks, args=([r],))
        t.start()
        t.join()
    assert table._pool.idle == 1
    with ThreadPoolExecutor(4) as pool:  # reads at once: at most one connection each
        list(pool.map(lambda r: table.chunks([r]), range(len(chunks))))
    assert 1 <= table._pool.idle <= 4
    table.close()
    assert table._pool.idle == 0
    with pytest.raises(RuntimeError, match="closed"):
        table.count()
