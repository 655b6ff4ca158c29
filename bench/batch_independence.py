"""What embedding texts one at a time costs (issue 11.9), on the default onnx-int8 backend.

Batches of length-sorted, padded texts (the recipe before) against one text per onnxruntime call
(now: a text's vector no longer depends on its neighbours), same session, same N SciFact
abstracts, interleaved repeats. Prints texts/s of each, their ratio, and how far batched
vectors stray from the per-text ones (min cosine), which is the reason for the change.

    python bench/batch_independence.py [--n 400] [--repeats 3]

The machine is shared: only the ratio within a run means anything.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
SCIFACT = next((p for p in (HERE.parent.parent / "shared" / "eval" / "scifact",
                            HERE.parent.parent.parent / "shared" / "eval" / "scifact") if p.is_dir()),
               HERE.parent.parent / "shared" / "eval" / "scifact")

from qa.embedding import make_embedder, resolve_model  # noqa: E402
from qa.embedding.onnx_engine import _pad  # noqa: E402


def abstracts(n: int) -> list[str]:
    out = []
    with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            out.append((rec["title"] + " " + rec["text"]).strip())
            if len(out) == n:
                break
    return out


def batched(embedder, texts: list[str], batch_size: int = 32, budget: int = 2048) -> np.ndarray:
    """The former recipe: longest first, batches of <= batch_size texts and <= budget padded tokens."""
    ids = [e.ids for e in embedder._tok.encode_batch(texts)]
    order = np.argsort([-len(x) for x in ids], kind="stable")
    out = np.zeros((len(texts), embedder.info.dimension), dtype=np.float32)
    start = 0
    while start < len(order):
        width = max(len(ids[order[start]]), 1)
        rows = order[start:start + max(1, min(batch_size, budget // width))]
        feeds = _pad([ids[i] for i in rows])
        hidden = embedder._session.run(["last_hidden_state"],
                                       {k: feeds[k] for k in embedder._feeds})[0]
        mask = feeds["attention_mask"][:, :, None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / mask.sum(axis=1)
        out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        start += len(rows)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=400)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    texts = abstracts(args.n)
    embedder = make_embedder(resolve_model())  # onnx-int8, the default
    embedder.encode(texts[:8])  # warm up
    times = {"batched": [], "one at a time": []}
    for _ in range(args.repeats):
        t = time.perf_counter()
        many = batched(embedder, texts)
        times["batched"].append(time.perf_counter() - t)
        t = time.perf_counter()
        alone = embedder.encode(texts)
        times["one at a time"].append(time.perf_counter() - t)
    rate = {k: len(texts) / min(v) for k, v in times.items()}
    cos = (many * alone).sum(axis=1)
    print(f"{len(texts)} SciFact abstracts, backend {embedder.backend}, best of {args.repeats}")
    for k, v in rate.items():
        print(f"  {k:14s} {v:7.1f} texts/s")
    print(f"  one at a time / batched: {rate['one at a time'] / rate['batched']:.2f}x")
    print(f"  batched vs one at a time: min cosine {cos.min():.4f}, "
          f"identical rows {int((many == alone).all(axis=1).sum())}/{len(texts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
