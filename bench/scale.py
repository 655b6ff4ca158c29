"""Scale: an index of a million chunks. Build time, search latency, ANN recall, memory.

Chunk texts are real (SciFact sentences, repeated to the size asked) so the chunk table and
BM25 are realistic; vectors are synthetic (clustered unit vectors, like real embeddings are),
because embedding a million chunks on 2 cores would take hours. Prints figures; asserts nothing.

    python bench/scale.py [--chunks 1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval_data import SCIFACT

DIM = 384
CHUNKS_PER_DOC = 200
IDENTITY = {"name": "synthetic", "path": "-", "fingerprint": "synthetic-384", "dimension": DIM,
            "max_seq_length": 256, "backend": "synthetic"}


def sentences(scifact: Path, limit: int) -> list[str]:
    from qa.evaluate import load_beir

    out: list[str] = []
    for _, text in load_beir(scifact).corpus.values():
        out.extend(s for s in re.split(r"(?<=\.)\s+", text) if len(s) > 40)
        if len(out) >= limit:
            break
    return out


def synthetic_vectors(path: Path, n: int, seed: int = 0) -> np.ndarray:
    """Unit vectors around 4096 random centres (nearest-neighbour cosine ~0.86), written to a .npy."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((4096, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, DIM))
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        v = centres[rng.integers(0, len(centres), m)] + 0.06 * rng.standard_normal((m, DIM), dtype=np.float32)
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    out.flush()
    return np.load(path, mmap_mode="r")


def build(index: Path, n: int, scifact: Path) -> None:
    from qa import dense
    from qa.chunking import Chunk
    from qa.config import Settings
    from qa.index import ChunkSentences, DocumentRecord, Manifest
    from qa.index.folder import FolderStore

    t = time.perf_counter()
    texts = sentences(scifact, 50_000)
    chunks, docs = [], []
    for d in range(0, n, CHUNKS_PER_DOC):
        doc_id, parts, pos = f"d-{d // CHUNKS_PER_DOC:06d}", [], 0
        for i in range(d, min(d + CHUNKS_PER_DOC, n)):
            text = texts[i % len(texts)]
            chunks.append(Chunk(f"c-{i:08d}", doc_id, text, pos, pos + len(text), i - d + 1, i - d + 1))
            parts.append(text)
            pos += len(text) + 1
        docs.append(DocumentRecord(doc_id, f"doc{d // CHUNKS_PER_DOC:06d}.txt", doc_id, doc_id, pos, 0.0,
                                   "txt", len(parts), "-", "\n".join(parts)))
    print(f"chunk table in memory: {len(chunks):,} chunks, {len(docs):,} documents, {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    vectors = synthetic_vectors(index.parent / "synthetic.npy", n)
    print(f"synthetic vectors: {time.perf_counter() - t:.1f} s")
    phases = {}

    def progress(fraction: float, message: str) -> None:
        phases[message] = time.perf_counter()

    t = time.perf_counter()
    settings = Settings()
    manifest = Manifest(generation="gen-new", model=IDENTITY, chunker=settings.chunker.as_dict(),
                        lexical=settings.lexical.as_dict(), index_type=dense.choose_index_type(n), chunks=n,
                        dimension=DIM, documents={d.source: d.entry() for d in docs})
    no_sentences = ChunkSentences(np.zeros((0, 2), np.int32), np.zeros((0, DIM), np.float32))
    store = FolderStore(index)
    with store.lock():
        manifest = store.write_generation(manifest, docs, chunks, vectors, [c.text for c in chunks],
                                          [no_sentences] * n, progress=lambda m: progress(0.95, m))
    total = time.perf_counter() - t
    print(f"index written in {total:.1f} s ({manifest.index_type}); "
          f"build peak RSS {peak_rss_mb():,.0f} MB")


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it is not inherited over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class _Info:
    name: str = "synthetic"
    path: Path = Path("-")
    fingerprint: str = "synthetic-384"
    dimension: int = DIM
    max_seq_length: int = 256


class QueryVectors:
    """Stands in for the model: returns the vector the benchmark planted for the next query."""

    backend = "synthetic"

    def __init__(self) -> None:
        self.info = _Info()
        self.next = np.zeros(DIM, dtype=np.float32)

    def encode(self, texts, *, batch_size: int = 32, show_progress: bool = False,
               kind: str = "passage") -> np.ndarray:
        return self.next.reshape(1, -1)


def serve(index: Path, queries: int) -> None:
    """Runs in a fresh process so that its peak RSS is the serving cost alone."""
    from qa import Retriever
    from qa.config import ChunkerSettings, Settings

    t = time.perf_counter()
    embedder = QueryVectors()
    retriever = Retriever.load(index, embedder=embedder, settings=Settings(chunker=ChunkerSettings()),
                               verify=False)
    load_s = time.perf_counter() - t
    vectors = retriever._gen.vectors
    n = len(vectors)
    rng = np.random.default_rng(1)
    rows = rng.integers(0, n, queries)
    texts = [retriever._gen.chunks([int(r)])[int(r)].text[:60] for r in rows]
    qv = vectors[rows] + 0.03 * rng.standard_normal((queries, DIM)).astype(np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)

    timings: dict[str, list[float]] = {"dense": [], "lexical": [], "hybrid": []}
    found = []
    for q, text in zip(qv, texts):
        embedder.next = q
        for mode in timings:
            retriever._gen.lexical._last = None  # each mode pays for its own BM25 (no reuse across modes)
            t = time.perf_counter()
            got = retriever.search(text, k=10, mode=mode)
            timings[mode].append((time.perf_counter() - t) * 1000)
            if mode == "dense":
                found.append({int(p.chunk_id[2:]) for p in got})
    rss = peak_rss_mb()  # before the exact search below reads every vector into memory
    recall = []
    for q, ids in zip(qv, found):  # exact top 10 by brute force over the memory-mapped vectors
        scores = np.concatenate([vectors[s:s + 200_000] @ q for s in range(0, n, 200_000)])
        recall.append(len(ids & set(np.argpartition(-scores, 10)[:10].tolist())) / 10)
    print(f"load {load_s:.2f} s; {queries} queries, k=10")
    print(f"{'mode':<8} {'p50 ms':>8} {'p95 ms':>8}")
    for mode, ms in timings.items():
        print(f"{mode:<8} {np.percentile(ms, 50):8.2f} {np.percentile(ms, 95):8.2f}")
    print(f"dense recall@10 vs exact search: {np.mean(recall):.3f}   (target >= 0.95)")
    print(f"serving peak RSS (VmHWM, load + searches): {rss:,.0f} MB   "
          "(targets: hybrid p50 <= 30 ms, aim 15; RSS <= 2048 MB, aim 1024)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--scifact", type=Path, default=SCIFACT, help="BEIR SciFact folder (chunk texts)")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return serve(args.serve, args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        build(index, args.chunks, args.scifact)
        subprocess.run([sys.executable, __file__, "--serve", str(index), "--queries", str(args.queries)],
                       check=True)


if __name__ == "__main__":
    main()
