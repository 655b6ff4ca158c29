"""Search within part of the index: filtered against unfiltered search latency on SciFact.

Writes the SciFact corpus as files (bench/eval_data.py finds it), one in ten documents (a fixed
random sample) in a folder `focus/` and the rest in `other/`, builds its index once (kept in
--index, default /tmp/qa-bench-filters; a rerun reuses it), then times every test query in
each search mode without a filter and with `where={"source": "focus"}` (about 10% of the
documents), and with a date filter keeping about as many (the files' modification times are
set a day apart). Prints p50/p95 per mode and the filtered/unfiltered ratio, twice (--rounds);
asserts nothing. Also checks every filtered passage is from a kept document.

    nice -n 10 python bench/filters.py [--index /tmp/qa-bench-filters] [--rounds 2] [--queries 300]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import time
from pathlib import Path

import numpy as np

from eval_data import SCIFACT

SHARE = 0.1
DAY = 86400.0
EPOCH = 1_600_000_000.0  # 2020-09-13: document i is modified i days after it


def make_corpus(folder: Path) -> dict[str, str]:
    """The corpus as files, ~SHARE of them under focus/; returns source -> corpus id."""
    from qa.evaluate import load_beir, write_corpus

    data = load_beir(SCIFACT)
    flat = folder.parent / "flat"
    shutil.rmtree(flat, ignore_errors=True)
    names = write_corpus(data, flat)
    rng = random.Random(0)
    sources = {}
    for i, name in enumerate(sorted(names)):
        part = "focus" if rng.random() < SHARE else "other"
        target = folder / part / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(flat / name, target)
        os.utime(target, (EPOCH + i * DAY,) * 2)
        sources[f"{part}/{name}"] = names[name]
    shutil.rmtree(flat)
    return sources


def timings(retriever, queries: list[str], mode: str, where) -> tuple[np.ndarray, int]:
    """Milliseconds per search (k=10) and how many passages came from outside the filter."""
    kept = {d.source for d in retriever.matching(where)} if where else None
    ms, strays = [], 0
    for q in queries:
        t = time.perf_counter()
        found = retriever.search(q, k=10, mode=mode, where=where)
        ms.append(1000 * (time.perf_counter() - t))
        if kept is not None:
            strays += sum(p.source not in kept for p in found)
    return np.asarray(ms), strays


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=Path("/tmp/qa-bench-filters"),
                    help="working folder: corpus/ and index/ are kept here for reruns")
    ap.add_argument("--rounds", type=int, default=2, help="times to measure everything (default 2)")
    ap.add_argument("--queries", type=int, default=300, help="test queries to time (default 300)")
    args = ap.parse_args()

    from qa import Retriever, build_index
    from qa.evaluate import load_beir

    corpus, index = args.index / "corpus", args.index / "index"
    if not (index / "manifest.json").exists():
        print(f"building the SciFact index in {index} (once) ...", flush=True)
        make_corpus(corpus)
        t = time.perf_counter()
        build_index(corpus, index)
        print(f"built in {time.perf_counter() - t:.0f} s", flush=True)
    retriever = Retriever.load(index)
    data = load_beir(SCIFACT)
    queries = [data.queries[q] for q in data.qrels if q in data.queries][:args.queries]
    docs = retriever.documents()
    n_chunks = sum(d.n_chunks for d in docs)
    mtimes = sorted(d.mtime for d in docs)
    cut = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(mtimes[int(len(mtimes) * (1 - SHARE))]))
    filters = {"source 'focus'": {"source": "focus"}, f"modified_after {cut[:10]}": {"modified_after": cut}}

    t = time.perf_counter()
    retriever.search(queries[0], k=10, where={"source": "focus"})
    first = 1000 * (time.perf_counter() - t)
    print(f"{len(queries)} queries, k=10; {len(docs)} documents, {n_chunks} chunks; "
          f"{os.cpu_count()} CPUs; first filtered search (resolves and caches the subset) {first:.1f} ms")
    for name, where in filters.items():
        kept = retriever.matching(where)
        print(f"  filter {name}: {len(kept)} documents ({100 * len(kept) / len(docs):.1f}%), "
              f"{sum(d.n_chunks for d in kept)} chunks")
    retriever.search(queries[0], k=10, where=filters[f"modified_after {cut[:10]}"])
    for q in queries[:20]:  # warm-up: model, caches
        retriever.search(q, k=10)

    print(f"\n{'round':>5} {'mode':<8} {'filter':<28} {'p50 ms':>8} {'p95 ms':>8} {'x unfiltered p50':>17} {'strays':>6}")
    for r in range(1, args.rounds + 1):
        for mode in ("hybrid", "dense", "lexical"):
            base, _ = timings(retriever, queries, mode, None)
            p50 = np.percentile(base, 50)
            print(f"{r:>5} {mode:<8} {'(none)':<28} {p50:8.2f} {np.percentile(base, 95):8.2f} {1.0:17.2f} {'-':>6}",
                  flush=True)
            for name, where in filters.items():
                ms, strays = timings(retriever, queries, mode, where)
                print(f"{r:>5} {mode:<8} {name:<28} {np.percentile(ms, 50):8.2f} {np.percentile(ms, 95):8.2f} "
                      f"{np.percentile(ms, 50) / p50:17.2f} {strays:>6}", flush=True)
    print("\ntarget: filtered hybrid search p50 (a filter keeping ~10% of documents) <= 2x unfiltered")


if __name__ == "__main__":
    main()
