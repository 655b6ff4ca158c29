"""Hybrid search latency with one ranking of the fusion off and on, query by query in one process
on one index, so that the load other jobs put on the machine falls on both alike: the
nearest-sentence ranking (FusionSettings.sentence_share 0: dense and BM25 alone), or with
`--setting named_weight` the ranking of the documents a question names (qa.naming). Prints p50 /
p95 wall and CPU time and the p50 ratio; asserts nothing.

    python bench/sentence_ab.py /tmp/scifact-index [--scifact DIR] [--k 10] [--per-doc 1] [--rounds 2]
    python bench/sentence_ab.py /tmp/dev2-index --setting named_weight --questions /work/devset/dev2/questions.json

`--k 100 --per-doc 1` is what `qa eval` asks (about 700 candidates on SciFact); the default k=10
is a search as people make them.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from eval_data import SCIFACT


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index", type=Path, help="an index of SciFact (qa eval --index DIR makes one)")
    ap.add_argument("--scifact", type=Path, default=SCIFACT)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--per-doc", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=2, help="passes over the queries")
    ap.add_argument("--setting", choices=("sentence_share", "named_weight"), default="sentence_share",
                    help="the FusionSettings weight set to 0 for 'off'")
    ap.add_argument("--questions", type=Path, default=None,
                    help="a bench/real_docs questions.json to ask instead of SciFact's queries")
    args = ap.parse_args()

    from qa import Retriever
    from qa.evaluate import load_beir

    if args.questions:
        queries = [q["question"] for q in json.loads(args.questions.read_text(encoding="utf-8"))]
    else:
        queries = list(load_beir(args.scifact).queries.values())
    on = Retriever.load(args.index)
    s = on.settings
    off = Retriever(on.store, on._gen, on.embedder, replace(s, fusion=replace(s.fusion, **{args.setting: 0.0})), True)
    runs = {"off": off, "on": on}
    for q in queries[:20]:  # warm-up: the model, the sentence rows, the page cache
        for r in runs.values():
            r.search(q, k=args.k, per_doc=args.per_doc)
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for n in range(args.rounds):
        for i, q in enumerate(queries):
            for name in (("off", "on") if (i + n) % 2 == 0 else ("on", "off")):  # alternate who goes first
                w0, c0 = time.perf_counter(), time.process_time()
                runs[name].search(q, k=args.k, per_doc=args.per_doc)
                wall[name].append(time.perf_counter() - w0)
                cpu[name].append(time.process_time() - c0)
    for name in runs:
        print(f"{args.setting} {name:>3}: wall p50 {np.median(wall[name]) * 1e3:.2f} ms, "
              f"p95 {np.percentile(wall[name], 95) * 1e3:.2f} ms; CPU p50 {np.median(cpu[name]) * 1e3:.2f} ms")
    print(f"p50 ratio on / off: {np.median(wall['on']) / np.median(wall['off']):.3f}")


if __name__ == "__main__":
    main()
