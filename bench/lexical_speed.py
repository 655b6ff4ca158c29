"""BM25 query cost as the index grows: the query terms' postings only vs one score per chunk.

Builds BM25 over N chunks of real text (SciFact sentences, repeated to the size asked) and
times the k=100 ranking of the SciFact test queries two ways in the same run: `hits().top()`
(what searches use: only the postings of the query's terms) and the baseline it replaced, a
bincount into an array of every chunk plus an argpartition over all of them. Prints p50/p95
and the ratio; checks that both rank the same scores. Prints figures; asserts nothing.

    python bench/lexical_speed.py [--chunks 16000 250000 1000000] [--queries 300]
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np

from eval_data import SCIFACT
from qa.config import LexicalSettings
from qa.evaluate import load_beir
from qa.lexical import LexicalIndex, tokenize


def sentences(data, limit: int) -> list[str]:
    out: list[str] = []
    for title, text in data.corpus.values():
        out.extend(f"{title} {s}" for s in re.split(r"(?<=\.)\s+", text) if len(s) > 40)
        if len(out) >= limit:
            break
    return out


def dense_baseline(index: LexicalIndex, query: str, k: int) -> np.ndarray:
    """The replaced query path: every chunk's score in one array, then the top k of all of them."""
    ids = [index._vocab[t] for t in tokenize(query, index.settings) if t in index._vocab]
    if not ids:
        return np.zeros(0, dtype=np.float32)
    cols = [slice(int(index._indptr[i]), int(index._indptr[i + 1])) for i in ids]
    rows = np.concatenate([index._indices[c] for c in cols])
    vals = np.concatenate([index._data[c] for c in cols])
    scores = np.bincount(rows, weights=vals, minlength=index.n_chunks).astype(np.float32)
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    return scores[top[scores[top] > 0]]


def timed(fn, queries: list[str]) -> tuple[list[float], list]:
    out, ms = [], []
    for q in queries:
        t = time.perf_counter()
        out.append(fn(q))
        ms.append(1000 * (time.perf_counter() - t))
    return ms, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scifact", default=SCIFACT)
    ap.add_argument("--chunks", type=int, nargs="+", default=[16_000, 250_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("-k", type=int, default=100)
    args = ap.parse_args()
    data = load_beir(args.scifact)
    queries = [data.queries[q] for q in list(data.qrels)[:args.queries] if q in data.queries]
    base = sentences(data, 60_000)
    print(f"{len(queries)} SciFact queries, top {args.k}; chunks are SciFact sentences ({len(base):,} distinct)")
    print(f"{'chunks':>10} {'build s':>8} {'postings p50/p95 ms':>20} {'all-chunks p50/p95 ms':>22} "
          f"{'speed-up p50':>12} {'same':>5}")
    for n in args.chunks:
        texts = [base[i % len(base)] for i in range(n)]
        t = time.perf_counter()
        index = LexicalIndex.build(texts, LexicalSettings())
        build = time.perf_counter() - t
        for q in queries[:5]:  # warm-up
            index.hits(q).top(args.k)
        new_ms, new = timed(lambda q: index.hits(q).top(args.k)[1], queries)
        old_ms, old = timed(lambda q: dense_baseline(index, q, args.k), queries)
        same = all(len(a) == len(b) and np.allclose(a, b) for a, b in zip(new, old))
        p = lambda ms: f"{np.percentile(ms, 50):8.3f} / {np.percentile(ms, 95):7.3f}"  # noqa: E731
        print(f"{n:>10,} {build:8.1f} {p(new_ms):>20} {p(old_ms):>22} "
              f"{np.percentile(old_ms, 50) / np.percentile(new_ms, 50):11.1f}x {str(same):>5}", flush=True)
        del index, texts
    print("\ntarget: BM25 well under 1 ms at 5k chunks and sublinear-looking up to 1M")


if __name__ == "__main__":
    main()
