"""Archive scale: full build (--workers 1 vs 2), a build killed half way and resumed, a no-change
rebuild, and search p50, on a corpus assembled from public text. Prints figures; asserts nothing.

The corpus: SciFact abstracts and the WikiQA and SQuAD documents (../shared/eval), split into
passages and shuffled into `--docs` files of one to three passages each (a header line makes
every file its own), 1,000 files a folder. Every build runs in its own process, so its peak
memory (the build's process and, apart, its largest reading worker) is its own.

    python bench/archive.py --docs 2000                   # the real bundled model (onnx-int8)
    python bench/archive.py --docs 100000 --fake-embedder # deterministic hash vectors: no model
    python bench/archive.py --docs 100000 --fake-embedder --memory   # peak memory, no-change, search

With --fake-embedder no model runs (bench/fake_embedder.py), so the times measure reading,
chunking, the resume cache and the index writes, not embedding; the output says so. `--memory`
runs one full build (`--workers 1` unless told: one process, so its peak is the build's), the no-change
rebuild twice, the real model's own resident size (measured apart: add it to a fake-embedder
build's peak), and search p50 with the real model embedding the queries.

With --pdf the corpus is an OCR-heavy folder instead: `--scanned-pages` pages of image-only PDFs
(the same passages typeset with reportlab, rendered at 150 dpi with PDFium and wrapped as
images, so every page is read by Tesseract) and `--text-pages` pages of text PDFs, in files of
one to four and one to six pages. It prints, twice: a full build with --workers 1 (one process
doing everything) and --workers 2, and a build on a local Ray cluster of two workers
(`--ray`, run in a network namespace with only the loopback device, as tests/test_ray.py does)
against the same one-process build.

    nice -n 10 python bench/archive.py --pdf            # 60 scanned and 140 text pages (docs/scale.md)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive_pdf import assemble_pdfs, ray_build, timed as _timed
from eval_data import EVAL_DIR

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from qa.resume import cached_vectors  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def passages() -> list[str]:
    """Every passage of the public sets: SciFact abstracts, WikiQA and SQuAD document paragraphs."""
    out = []
    with open(EVAL_DIR / "scifact" / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            out.append(f"{rec['title']}\n\n{rec['text']}")
    for name in ("wikiqa-dev", "squad2-dev-a"):
        for path in sorted((EVAL_DIR / name / "documents").glob("*.txt")):
            out.extend(p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 80)
    return out


def assemble(folder: Path, docs: int, seed: int = 25) -> None:
    """`docs` files of 1-3 shuffled passages, made once per size (kept for the next run)."""
    done = folder / ".complete"
    if done.exists():
        return
    pool = passages()
    rng = random.Random(seed)
    for i in range(docs):
        picked = [pool[rng.randrange(len(pool))] for _ in range(rng.choice((1, 1, 2, 3)))]
        path = folder / f"box-{i // 1000:03d}" / f"record-{i:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Archive record {i}\n\n" + "\n\n".join(picked) + "\n", encoding="utf-8")
    done.write_text("")


# ---------------------------------------------------------------- one build, in its own process

def cheap_read(files, settings, info):
    """Stands in for the reading pipeline (qa.pipeline.read_files) in a `--cheap-reading` build:
    each file's text is read as it is and cut at sentence ends into chunks of about 400
    characters, without the tokenizer's count or language detection, which cost ~40 ms a file
    here. Everything after reading (embedding, the resume cache, the writes) is the build's own."""
    import re

    from qa.chunking import Chunk
    from qa.documents import doc_id_for
    from qa.index import DocumentRecord
    from qa.pipeline import ReadResult

    for f in files:
        text = f.path.read_text(encoding="utf-8")
        doc_id, chunks, start = doc_id_for(f.source), [], 0
        ends = [m.end() for m in re.finditer(r"[.!?]\s+|\n\n", text)] + [len(text)]
        for end in ends:
            if end - start >= 400 or end == len(text):
                body = text[start:end]
                if body.strip():
                    digest = hashlib.sha256(f"{doc_id}\0{start}\0{body}".encode()).hexdigest()[:20]
                    line = text.count("\n", 0, start) + 1
                    chunks.append(Chunk("c-" + digest, doc_id, body, start, end, line,
                                        line + body.count("\n")))
                start = end
        record = DocumentRecord(doc_id, f.source, text.split("\n", 1)[0], f.hash, f.size, f.mtime, "txt",
                                len(chunks), time.strftime("%Y-%m-%dT%H:%M:%S%z"), text, language="en")
        yield f, ReadResult(record, chunks, None)


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from qa import build_index

    if args.cheap_reading:
        import qa.pipeline

        qa.pipeline.PoolRunner.read = lambda self, files, settings, info: cheap_read(files, settings, info)

    embedder = None
    if args.fake_embedder:
        from fake_embedder import HashEmbedder

        embedder = HashEmbedder(keep_texts=False)
    t0 = time.perf_counter()
    report = build_index(args.corpus, args.index, embedder=embedder, workers=args.workers, ray=args.ray)
    seconds = time.perf_counter() - t0
    figures = json.dumps({"seconds": seconds, "peak_mb": _rss_mb(resource.RUSAGE_SELF),
                          "worker_peak_mb": _rss_mb(resource.RUSAGE_CHILDREN),
                          "documents": report.documents, "chunks": report.chunks,
                          "embedded": report.embedded_chunks, "resumed": report.resumed_vectors,
                          "ocr_pages": report.ocr_pages, "cpu_seconds": _cpu_seconds()})
    Path(f"{args.index}.json").write_text(figures + "\n")  # the last build's figures, kept by its index
    print(figures)


def _cpu_seconds() -> float:
    """CPU time of this process and its reading workers and their Tesseracts (not a Ray cluster's)."""
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                           resource.RUSAGE_CHILDREN)))


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def build(corpus: Path, index: Path, workers: int, fake: bool, *, kill_at: int | None = None,
          cheap: bool = False) -> dict:
    """Run one build; with `kill_at`, SIGKILL it once its resume cache holds that many vectors."""
    cmd = _child_command(corpus, index) + ["--workers", str(workers)] + (["--fake-embedder"] if fake else []) \
        + (["--cheap-reading"] if cheap else [])
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    if kill_at is None:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"build failed:\n{err[-3000:]}")
        return json.loads(out.strip().splitlines()[-1])
    while proc.poll() is None and cached_vectors(index) < kill_at:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    return {"seconds": time.perf_counter() - t0, "kept": cached_vectors(index)}


def _child_command(corpus: Path, index: Path) -> list[str]:
    """This script run as one build (`child`) of `corpus` into `index`."""
    return [sys.executable, str(Path(__file__).resolve()), "--child", "--corpus", str(corpus), "--index", str(index)]


def _child_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{HERE}", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")


class RealQueries:
    """The real model embeds the queries of an index a fake embedder built: the index loads (its
    model identity is the fake's) and every query pays the real model's time. The dense ranking
    means nothing (two vector spaces); the time is what is measured."""

    def __init__(self):
        from fake_embedder import HashEmbedder
        from qa.embedding import make_embedder, resolve_model

        self.info, self.backend = HashEmbedder().info, "hash"
        self.model = make_embedder(resolve_model())

    def encode(self, texts, **kwargs):
        return self.model.encode(texts, **kwargs)


def model_rss() -> dict:
    """The real model's own resident size: a process's peak after importing qa, and after loading
    the model and embedding a batch of passages and one query."""
    code = ("import resource, sys; sys.path.insert(0, sys.argv[1]); import qa, qa.build; "
            "from qa.embedding import make_embedder, resolve_model; "
            "a = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
            "m = make_embedder(resolve_model()); m.encode(['a passage of some length about archives'] * 64); "
            "m.encode(['a question'], kind='query'); "
            "b = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; print(a / 1024, b / 1024)")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT)], env=env, capture_output=True, text=True, check=True)
    before, after = map(float, out.stdout.split())
    return {"before_mb": before, "after_mb": after, "model_mb": after - before}


def search_p50(index: Path, fake: bool, queries: int = 200, real_queries: bool = False) -> float:
    sys.path.insert(0, str(ROOT))
    from qa import Retriever

    embedder = None
    if fake:
        from fake_embedder import HashEmbedder

        embedder = RealQueries() if real_queries else HashEmbedder()
    with open(EVAL_DIR / "scifact" / "queries.jsonl", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f][:queries]
    r = Retriever.load(index, embedder=embedder)
    for q in texts[:10]:
        r.search(q, k=5, mode="hybrid")  # warm: model, caches, mmap
    times = []
    for q in texts:
        t0 = time.perf_counter()
        r.search(q, k=5, mode="hybrid")
        times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    return times[len(times) // 2]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=2000, help="documents in the corpus (default 2000)")
    p.add_argument("--fake-embedder", action="store_true", help="hash vectors instead of the model")
    p.add_argument("--runs", type=int, default=2, help="times each figure is measured (default 2)")
    p.add_argument("--work", type=Path, default=None, help="folder for corpus and indexes (default: a temp dir)")
    p.add_argument("--skip-workers", action="store_true", help="skip the --workers 1 vs 2 full builds")
    p.add_argument("--skip-resume", action="store_true", help="skip the killed and resumed builds")
    p.add_argument("--memory", action="store_true",
                   help="only: a full build (peak memory; --workers N, default 1), the no-change rebuild twice, "
                        "the model's resident size, search p50 with the real model embedding queries")
    p.add_argument("--cheap-reading", action="store_true",
                   help="with --memory: the full build reads files without the tokenizer count and language "
                        "detection (bench-only; the no-change rebuilds are the real path)")
    p.add_argument("--pdf", action="store_true",
                   help="an OCR-heavy folder of scanned and text PDFs: --workers 1 vs 2, --ray vs one process")
    p.add_argument("--scanned-pages", type=int, default=60, help="with --pdf: pages of image-only PDFs")
    p.add_argument("--text-pages", type=int, default=140, help="with --pdf: pages of text PDFs")
    p.add_argument("--skip-ray", action="store_true", help="with --pdf: no Ray cluster")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--ray", default=None, help=argparse.SUPPRESS)
    p.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--workers", type=int, default=1, help="reading workers of the --memory build (default 1)")
    args = p.parse_args()
    if args.child:
        return child(args)
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-archive-"))
    if args.pdf:
        return pdf_bench(args, work)
    corpus = work / f"corpus-{args.docs}"
    t0 = time.perf_counter()
    assemble(corpus, args.docs)
    model = ("FAKE hash embedder (bench/fake_embedder.py): no model runs, embedding costs ~nothing"
             if args.fake_embedder else "real bundled model all-MiniLM-L6-v2, onnx-int8")
    print(f"archive bench: {args.docs:,} documents ({corpus}, assembled in {time.perf_counter() - t0:.0f} s); "
          f"{model}; {os.cpu_count()} cores", flush=True)
    if args.memory:
        return memory(args, work, corpus)
    for run in range(1, args.runs + 1):
        print(f"-- run {run}", flush=True)
        full: dict[int, dict] = {}
        for w in ((1, 2) if not args.skip_workers else (2,)):
            index = work / f"index-w{w}"
            _clear(index)
            full[w] = r = build(corpus, index, w, args.fake_embedder)
            print(f"full build, --workers {w}: {r['seconds']:.1f} s, {r['documents']:,} documents, "
                  f"{r['chunks']:,} chunks; peak memory {r['peak_mb']:.0f} MB (build process), "
                  f"{r['worker_peak_mb']:.0f} MB (largest reading worker)", flush=True)
        if 1 in full and 2 in full:
            print(f"  --workers 2 vs 1: {full[1]['seconds'] / full[2]['seconds']:.2f}x", flush=True)
        base = full[2]
        index = work / "index-killed"
        _clear(index)
        if not args.skip_resume:
            # The cache grows by a batch (256 chunks) at a time: kill at the batch nearest to half way.
            killed = build(corpus, index, 2, args.fake_embedder, kill_at=max(base["embedded"] // 2 - 128, 1))
            resumed = build(corpus, index, 2, args.fake_embedder)
            print(f"killed at {killed['kept']:,} of ~{base['embedded']:,} new chunk vectors "
                  f"({100 * killed['kept'] / max(base['embedded'], 1):.0f}%) after {killed['seconds']:.1f} s; "
                  f"resumed run {resumed['seconds']:.1f} s (resumed {resumed['resumed']:,}, embedded "
                  f"{resumed['embedded']:,}) = {resumed['seconds'] / base['seconds']:.2f}x the full build "
                  f"({base['seconds']:.1f} s)", flush=True)
        for _ in range(2):  # cheap: measured twice in every run
            same = build(corpus, work / "index-w2", 2, args.fake_embedder)
            print(f"no-change rebuild of {same['documents']:,} files: {same['seconds']:.1f} s "
                  f"(peak {same['peak_mb']:.0f} MB)", flush=True)
        print(f"search p50 (hybrid, k=5, 200 SciFact queries): {search_p50(work / 'index-w2', args.fake_embedder):.2f} ms"
              + (" (query vectors from the fake embedder)" if args.fake_embedder else ""), flush=True)


def memory(args: argparse.Namespace, work: Path, corpus: Path) -> None:
    """Peak memory of a full build in one process, the no-change rebuild, search p50."""
    index = work / f"index-{args.docs}"
    _clear(index)
    w = args.workers
    r = build(corpus, index, w, args.fake_embedder, cheap=args.cheap_reading)
    if args.cheap_reading:
        print("CHEAP READING (--cheap-reading): files cut at sentence ends, no tokenizer count or language "
              "detection; embedding (fake), the resume cache and the writes are the build's own", flush=True)
    workers = (f" + {r['worker_peak_mb']:.0f} MB the largest of {w} reading workers: at most "
               f"{r['peak_mb'] + w * r['worker_peak_mb']:.0f} MB in all" if w > 1 else " (one process: no workers)")
    print(f"full build, --workers {w}: {r['seconds']:.1f} s, {r['documents']:,} documents, {r['chunks']:,} chunks; "
          f"peak memory {r['peak_mb']:.0f} MB the build process{workers}", flush=True)
    if args.fake_embedder:
        m = model_rss()
        print(f"the real model's own resident size: {m['model_mb']:.0f} MB ({m['before_mb']:.0f} MB after "
              f"importing qa, {m['after_mb']:.0f} MB with the model loaded and embedding): a real-model build's "
              f"peak is about {r['peak_mb'] + m['model_mb']:.0f} MB", flush=True)
    for _ in range(2):
        same = build(corpus, index, w, args.fake_embedder)
        print(f"no-change rebuild of {same['documents']:,} files: {same['seconds']:.1f} s "
              f"(peak {same['peak_mb']:.0f} MB)", flush=True)
    for run in range(2):
        p50 = search_p50(index, args.fake_embedder, real_queries=args.fake_embedder)
        print(f"search p50 (hybrid, k=5, 200 SciFact queries, the real model embedding them): {p50:.2f} ms",
              flush=True)


def pdf_bench(args: argparse.Namespace, work: Path) -> None:
    corpus = work / f"pdf-{args.scanned_pages}-{args.text_pages}"
    t0 = time.perf_counter()
    assemble_pdfs(corpus, passages(), args.scanned_pages, args.text_pages)
    print(f"archive bench, OCR-heavy folder: about {args.scanned_pages} scanned and {args.text_pages} text PDF pages "
          f"({corpus}, assembled in {time.perf_counter() - t0:.0f} s); real bundled model all-MiniLM-L6-v2, "
          f"onnx-int8; {os.cpu_count()} cores", flush=True)
    for run in range(1, args.runs + 1):
        print(f"-- run {run}", flush=True)
        full: dict[str, dict] = {}
        for name, workers in (("--workers 1", 1), ("--workers 2", 2)):
            index = work / f"pdf-index-w{workers}"
            _clear(index)
            full[name] = _timed(name, lambda: build(corpus, index, workers, False))
        print(f"  --workers 2 vs --workers 1: {full['--workers 1']['seconds'] / full['--workers 2']['seconds']:.2f}x",
              flush=True)
        if not args.skip_ray:
            index = work / "pdf-index-ray"
            _clear(index)
            r = _timed("--ray, a local cluster of two workers", lambda: ray_build(_child_command(corpus, index), _child_env()))
            print(f"  --ray (two workers) vs one process (--workers 1): "
                  f"{full['--workers 1']['seconds'] / r['seconds']:.2f}x", flush=True)


def _clear(index: Path) -> None:
    import shutil

    shutil.rmtree(index, ignore_errors=True)


if __name__ == "__main__":
    main()
