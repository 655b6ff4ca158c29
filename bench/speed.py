"""Speed on SciFact: build throughput against the LangChain tutorial pipeline, search and
answer() latency, and serving memory, for each embedding backend. Prints figures and ratios;
asserts nothing.

The baseline is the LangChain FAISS tutorial pipeline with the same model on the same corpus:
RecursiveCharacterTextSplitter(1000, 200) + HuggingFaceEmbeddings + FAISS.from_documents, run
in this same process before ours. Needs the bench extra: pip install -e '.[bench]'.

    python bench/speed.py [--backends onnx-int8 torch] [--skip-baseline] [--queries 300]
    python bench/speed.py --index /tmp/scifact-index   # latency only, on an index of SciFact built before
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eval_data import SCIFACT


def langchain_baseline(data) -> tuple[float, int]:
    """Seconds from documents to a FAISS store (model loaded beforehand), and its chunk count."""
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from qa.embedding import bundled_model_path

    embeddings = HuggingFaceEmbeddings(model_name=str(bundled_model_path()),
                                       model_kwargs={"device": "cpu"},
                                       encode_kwargs={"normalize_embeddings": True})
    embeddings.embed_query("warm-up")
    t = time.perf_counter()
    docs = [Document(page_content=f"{title}\n\n{text}", metadata={"id": i})
            for i, (title, text) in data.corpus.items()]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    FAISS.from_documents(chunks, embeddings)
    return time.perf_counter() - t, len(chunks)


SERVE = """
import json, sys, time
import numpy as np
from qa import Retriever
index, queries = sys.argv[1], json.loads(sys.argv[2])
retriever = Retriever.load(index)
retriever.search("warm-up", k=10)
from qa.answer import answer
answer(retriever, "warm-up")
calls = {"hybrid": lambda q: retriever.search(q, k=10),
         "dense": lambda q: retriever.search(q, k=10, mode="dense"),
         "lexical": lambda q: retriever.search(q, k=10, mode="lexical"),
         "answer": lambda q: answer(retriever, q)}
ms, cpu = {}, {}
for name, call in calls.items():
    t, c = [], []
    for q in queries:
        s, p = time.perf_counter(), time.process_time()
        call(q)
        t.append(1000 * (time.perf_counter() - s))
        c.append(1000 * (time.process_time() - p))
    ms[name] = [float(np.percentile(t, 50)), float(np.percentile(t, 95))]
    cpu[name] = float(np.percentile(c, 50))  # CPU time does not grow with other jobs' load
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0] / 1024
print(json.dumps({"ms": ms, "cpu_ms": cpu, "peak_mb": hwm}))
"""


def serve(index: Path, queries: list[str]) -> dict:
    """Latency, CPU time and peak memory of searches and answers on `index`, in a fresh process."""
    served = subprocess.run([sys.executable, "-c", SERVE, str(index), json.dumps(queries)],
                            capture_output=True, text=True, check=True)
    return json.loads(served.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scifact", type=Path, default=SCIFACT)
    ap.add_argument("--backends", nargs="+", default=["onnx-int8", "torch"])
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--index", type=Path, help="measure search and answer() on this existing SciFact "
                    "index (e.g. from `bench/scifact.py --index`); no build, no baseline")
    args = ap.parse_args()

    from qa.config import Settings
    from qa.embedding import make_embedder, resolve_model
    from qa.evaluate import evaluate, load_beir

    data = load_beir(args.scifact)
    queries = [data.queries[q] for q in list(data.qrels)[: args.queries] if q in data.queries]
    print(f"SciFact: {len(data.corpus)} documents, {len(queries)} queries")
    if args.index:
        print(json.dumps(serve(args.index, queries)))
        return
    rows = []
    if not args.skip_baseline:
        secs, n = langchain_baseline(data)
        rows.append(("LangChain tutorial (torch)", secs, n, None, None))
        print(f"baseline built in {secs:.1f} s ({n} chunks)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends:
            settings = Settings(backend=backend)
            make_embedder(resolve_model(settings.model), backend)  # export/cache the model first
            index = Path(tmp) / f"index-{backend}"
            report = evaluate(args.scifact, modes=("hybrid",), index_dir=index, settings=settings)
            rows.append((f"qa {backend}", report.build_seconds, report.chunks,
                         report.modes["hybrid"].ndcg_10, serve(index, queries)))
            print(f"qa {backend} built in {report.build_seconds:.1f} s", flush=True)

    base = rows[0][1] if not args.skip_baseline else None
    print()
    print(f"{'pipeline':<28} {'build s':>8} {'docs/s':>7} {'vs LC':>6} {'chunks':>7} {'nDCG@10':>8}"
          f"  {'hybrid p50/p95 ms':>18} {'CPU p50':>7} {'dense p50':>9} {'answer p50/p95':>15} {'CPU p50':>7} "
          f"{'peak MB':>8}")
    for name, secs, n, ndcg, served in rows:
        ratio = f"{base / secs:5.2f}x" if base else "    -"
        nd = f"{ndcg:8.4f}" if ndcg is not None else "       -"
        lat = (f"{served['ms']['hybrid'][0]:8.2f} / {served['ms']['hybrid'][1]:6.2f}" if served else " " * 18)
        dense = f"{served['ms']['dense'][0]:9.2f}" if served else " " * 9
        ans = (f"{served['ms']['answer'][0]:7.1f} / {served['ms']['answer'][1]:5.1f}" if served else " " * 15)
        cpu = {m: f"{served['cpu_ms'][m]:7.2f}" if served else " " * 7 for m in ("hybrid", "answer")}
        mem = f"{served['peak_mb']:8.0f}" if served else " " * 8
        print(f"{name:<28} {secs:8.1f} {len(data.corpus) / secs:7.1f} {ratio:>6} {n:7d} {nd}  {lat:>18} {cpu['hybrid']} {dense} {ans:>15} {cpu['answer']} {mem}")
    print("\ntargets: build >= 2x LangChain; hybrid nDCG@10 within 0.005 of torch; "
          "hybrid p50/p95 <= 5/15 ms (aim 3/8; k=10, query embedding included); "
          "answer() p50/p95 <= 15/40 ms (aim 5/15); peak < 800 MB.\nCPU p50: CPU time per call (all "
          "threads), which other jobs on the machine do not inflate the way they inflate wall time")


if __name__ == "__main__":
    main()
