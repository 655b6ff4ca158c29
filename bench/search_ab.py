"""Hybrid search latency on an existing index: the search as it is now against the way it ran
before the search-speed changes (onnxruntime's default thread count for the query model, BM25
after the embedding on the calling thread), query by query in one process, so that the load
other jobs put on the machine falls on both alike. The per-search Python savings of those
changes are in both (bench/speed.py --index under the old and new code measures all of it).
Prints p50 / p95 wall and CPU time and checks that both give identical passages; asserts nothing.

    python bench/search_ab.py /tmp/scifact-index [--scifact DIR] [--rounds 2] [--k 10]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from eval_data import SCIFACT


def _inline(fn, *args):
    result = fn(*args)
    return lambda: result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index", type=Path, help="an index of SciFact (bench/scifact.py --index DIR makes one)")
    ap.add_argument("--scifact", type=Path, default=SCIFACT)
    ap.add_argument("--rounds", type=int, default=2, help="passes over the queries")
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args()

    import qa.retriever as retriever_module
    from qa import Retriever
    from qa.embedding import make_embedder, resolve_model
    from qa.evaluate import load_beir

    data = load_beir(args.scifact)
    queries = [data.queries[q] for q in data.qrels if q in data.queries]
    now = Retriever.load(args.index)
    info = resolve_model(now.settings.model, now.settings.backend)
    # The baseline shares the generation (one FAISS copy in memory, one set of caches).
    before = Retriever(now.store, now._gen, make_embedder(info), now.settings, verify=False)
    variants = {"before": (before, _inline), "now": (now, retriever_module.overlap)}
    wall: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    same = 0
    for q in queries[:20]:
        for r, _ in variants.values():
            r.search(q, k=args.k)
    for i, q in enumerate(queries * args.rounds):
        got = {}
        for name in (list(variants) if i % 2 else list(variants)[::-1]):  # alternate who goes first
            r, overlap = variants[name]
            retriever_module.overlap = overlap
            r._query_vectors.clear()
            s, c = time.perf_counter(), time.process_time()
            got[name] = r.search(q, k=args.k)
            wall[name].append(1000 * (time.perf_counter() - s))
            cpu[name].append(1000 * (time.process_time() - c))
        same += [p.to_dict() for p in got["before"]] == [p.to_dict() for p in got["now"]]
    retriever_module.overlap = variants["now"][1]
    print(f"{len(queries)} queries x {args.rounds}, k={args.k}, index {args.index}")
    print(f"{'':8} {'wall p50':>9} {'p95':>7} {'CPU p50':>8} {'p95':>7}")
    for name in variants:
        w, c = np.percentile(wall[name], [50, 95]), np.percentile(cpu[name], [50, 95])
        print(f"{name:8} {w[0]:9.2f} {w[1]:7.2f} {c[0]:8.2f} {c[1]:7.2f}  ms")
    ratio = np.percentile(wall["before"], 50) / np.percentile(wall["now"], 50)
    print(f"wall p50 before / now: {ratio:.2f}x; identical passages in {same} of {len(wall['now'])} searches")
    print("target (issue 9): hybrid p50 / p95 <= 5 / 15 ms (aim 3 / 8)")


if __name__ == "__main__":
    main()
