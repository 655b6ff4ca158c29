"""BM25 built chunk by chunk: term counts kept on disk as they come, the score matrix written at the end.

`LexicalIndex.build()` (bm25s) needs every chunk's tokens in memory at once; a build of a large
archive cannot hold them. `LexicalWriter` tokenizes each chunk as it is added and appends its
(term id, term frequency, row) triples to a scratch file, keeping only the vocabulary and one
length per chunk in memory. `finish()` writes the files `LexicalIndex.load()` reads (a CSC matrix
of per-(term, chunk) BM25 scores, Lucene variant, equal to what bm25s computes), one range of
terms at a time: each range is a sequential pass over the scratch file, so memory holds one range
of postings, never all of them.

>>> writer = LexicalWriter(Path("gen/bm25"), LexicalSettings(), scratch=Path("gen/.scratch"))
>>> writer.add("Kloop Media was liquidated"); writer.add("Бишкек")
>>> writer.finish()
>>> LexicalIndex.load(Path("gen/bm25")).top("kloop", 5)
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Iterator

import numpy as np

from .config import LexicalSettings
from .lexical import PARAMS_FILE, tokenize
from .rows import NpyWriter

RANGE = 1 << 21
"""Postings held at once while they are sorted by term (about 2 million: some 60 MB)."""
READ = 1 << 20
"""Postings read from the scratch file at a time."""
_POSTING = np.dtype([("term", "<i4"), ("tf", "<i4"), ("row", "<i4")])


class LexicalWriter:
    """Postings of chunks added in row order; `finish()` writes the BM25 files into `folder`."""

    def __init__(self, folder: Path, settings: LexicalSettings, *, scratch: Path):
        self.folder, self.settings = folder, settings
        scratch.mkdir(parents=True, exist_ok=True)
        self._scratch = scratch / "postings.bin"
        self._out = open(self._scratch, "wb")
        self.vocab: dict[str, int] = {}
        self._df: list[int] = []                 # chunks holding each term, by term id
        self._lengths = np.zeros(1024, np.int64)  # tokens per chunk, by row
        self.n_chunks = 0
        self._buffer: list[tuple[int, int, int]] = []

    def add(self, text: str) -> None:
        """The next chunk row's text, as BM25 indexes it (qa.lexical.with_title)."""
        tokens = tokenize(text, self.settings)
        row, vocab, df = self.n_chunks, self.vocab, self._df
        for term, tf in Counter(tokens).items():
            i = vocab.get(term)
            if i is None:
                i = vocab[term] = len(vocab)
                df.append(0)
            df[i] += 1
            self._buffer.append((i, tf, row))
        if row == len(self._lengths):
            self._lengths = np.concatenate([self._lengths, np.zeros(len(self._lengths), np.int64)])
        self._lengths[row] = len(tokens)
        self.n_chunks += 1
        if len(self._buffer) >= 65536:
            self._spill()

    def _spill(self) -> None:
        if self._buffer:
            self._out.write(np.array(self._buffer, dtype=_POSTING).tobytes())
            self._buffer = []

    def lengths(self) -> np.ndarray:
        """Tokens in each chunk, by row."""
        return self._lengths[:self.n_chunks]

    def by_term(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """(term ids, indptr, rows, term frequencies) for one range of terms at a time, in term
        order: term ids[j]'s postings are rows[indptr[j]:indptr[j + 1]], rows ascending."""
        self._spill()
        self._out.flush()
        df = np.asarray(self._df, dtype=np.int64)
        total = int(df.sum())
        first = 0
        while first < len(df):
            # Terms [first, last) whose postings fit RANGE (at least one term).
            last = first + max(int(np.searchsorted(np.cumsum(df[first:]), RANGE, side="right")), 1)
            parts = []
            with open(self._scratch, "rb") as f:
                for _ in range(0, total, READ):
                    block = np.fromfile(f, dtype=_POSTING, count=READ)
                    parts.append(block[(block["term"] >= first) & (block["term"] < last)])
            found = np.concatenate(parts) if parts else np.zeros(0, _POSTING)
            order = np.argsort(found["term"], kind="stable")  # rows stay ascending within a term
            found = found[order]
            counts = df[first:last]
            indptr = np.zeros(len(counts) + 1, np.int64)
            np.cumsum(counts, out=indptr[1:])
            yield np.arange(first, last), indptr, found["row"].copy(), found["tf"].copy()
            first = last

    def finish(self) -> None:
        """Write the BM25 files (what LexicalIndex.load reads) and remove the scratch file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        n_chunks = self.n_chunks
        if n_chunks:
            lengths = self.lengths()
            # As bm25s (method "lucene") computes them: idf in float64 kept as float32, the
            # score in float64, stored as float32.
            avgdl = lengths.mean()
            k1, b = self.settings.k1, self.settings.b
            norm = k1 * ((1 - b) + b * lengths / avgdl)
            df = np.asarray(self._df, dtype=np.int64)
            idf = np.array([math.log(1 + (n_chunks - d + 0.5) / (d + 0.5)) for d in self._df], dtype=np.float32)
            total = int(df.sum())
            with NpyWriter(self.folder / "data.csc.index.npy", np.float32, (total,)) as data, \
                    NpyWriter(self.folder / "indices.csc.index.npy", np.int32, (total,)) as indices:
                for terms, indptr, rows, tfs in self.by_term():
                    tf = tfs.astype(np.float64)
                    term_idf = np.repeat(idf[terms], np.diff(indptr))
                    data.write((term_idf * (tf / (norm[rows] + tf))).astype(np.float32))
                    indices.write(rows.astype(np.int32))
            indptr = np.zeros(len(df) + 1, np.int64)
            np.cumsum(df, out=indptr[1:])
            np.save(self.folder / "indptr.csc.index.npy", indptr, allow_pickle=False)
            (self.folder / "vocab.index.json").write_text(json.dumps(self.vocab, ensure_ascii=False),
                                                          encoding="utf-8")
        params = {"settings": self.settings.as_dict(), "n_chunks": n_chunks, "version": 1}
        (self.folder / PARAMS_FILE).write_text(json.dumps(params, indent=2), encoding="utf-8")
        self.close()

    def close(self) -> None:
        """Remove the scratch file (also when the build fails)."""
        self._out.close()
        self._scratch.unlink(missing_ok=True)
